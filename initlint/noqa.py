"""`# noqa` comments for adopting initlint on a large codebase: `--add-noqa` writes one on the
line of every current finding, and IL900 reports (and fixes) the IL codes of a `# noqa`
that suppress nothing, name no rule, or name a rule this run does not check, as ruff's
RUF100 does.

Only real comments count (found with `tokenize`, so a `# noqa` inside a string is text),
and only IL codes: the codes of other tools (`# noqa: E501`) and a bare `# noqa`, which
other tools may need, are left alone. The edits change comments only; the fixer checks
that (the token stream without comments is the same before and after).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable, Optional

from .model import Edit, Finding, Fix

UNUSED_NOQA = "IL900"
# `# noqa: CODES` as api.NOQA reads it, with the span of the codes.
_DIRECTIVE = re.compile(r"#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
_SPLIT = re.compile(r"[,\s]+")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # lines as Python's tokenizer ends them


@dataclass
class Directive:
    """One `# noqa` in a comment: where it is (1-based line, 1-based columns of the
    directive's text) and the codes it lists (empty: a bare `# noqa`)."""

    line: int
    column: int
    end_column: int
    codes: list[str]
    comment_column: int  # where the comment starts
    comment_end: int  # where it ends (the line's end, without the line break)
    code_end: int  # where the code before the comment ends (1 for a comment-only line)
    codes_column: int = 0  # the span of the codes (the user's spelling of `noqa` is kept)
    codes_end: int = 0


@dataclass
class _Lines:
    comments: dict[int, tuple[int, str]]  # line -> (1-based column, comment text)
    code_ends: dict[int, int]  # line -> 1-based column just past its last code token
    open_ends: set[int]  # lines whose end a comment may follow (no string or `\` runs on)


def _scan(text: str) -> _Lines:
    comments: dict[int, tuple[int, str]] = {}
    code_ends: dict[int, int] = {}
    open_ends: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            line, column = token.start
            if token.type == tokenize.COMMENT:
                comments[line] = (column + 1, token.string)
            elif token.type in (tokenize.NEWLINE, tokenize.NL):
                open_ends.add(line)
            elif token.type not in (tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                end_line, end_column = token.end
                code_ends[end_line] = max(code_ends.get(end_line, 1), end_column + 1)
    except (tokenize.TokenError, SyntaxError):
        pass  # the analysis has read the file: this only happens at its very end
    return _Lines(comments, code_ends, open_ends)


def directives(text: str) -> list[Directive]:
    """Every `# noqa` in the comments of `text`, in line order."""
    scanned = _scan(text)
    out = []
    for line, (column, comment) in sorted(scanned.comments.items()):
        match = _DIRECTIVE.search(comment)
        if not match:
            continue
        codes = [c for c in _SPLIT.split(match.group("codes") or "") if c]
        codes_span = match.span("codes") if match.group("codes") else (match.end(), match.end())
        out.append(
            Directive(line, column + match.start(), column + match.end(), codes, column, column + len(comment),
                      scanned.code_ends.get(line, 1), column + codes_span[0], column + codes_span[1])  # fmt: skip
        )
    return out


def _known(code: str, known_codes: Iterable[str]) -> bool:
    return any(rule.startswith(code) for rule in known_codes)


def unused(
    text: str, path: str, used: set[tuple[int, str]], enabled: Iterable[str], known_codes: Iterable[str]
) -> list[Finding]:
    """IL900 findings: per `# noqa` with IL codes, those that suppressed no finding on that
    line (`used` holds (line, code) of each suppressed finding), that no rule has, or whose
    rules this run does not check; with a safe fix that takes them out."""
    enabled, known_codes = list(enabled), list(known_codes)
    lines = [line.rstrip("\r\n") for line in _LINE.findall(text)]
    out = []
    for directive in directives(text):
        problems: dict[str, list[str]] = {"unused": [], "non-enabled": [], "unknown": []}
        for code in directive.codes:
            upper = code.upper()
            if not upper.startswith("IL"):
                continue
            if not _known(upper, known_codes):
                problems["unknown"].append(code)
            elif not _known(upper, enabled):
                problems["non-enabled"].append(code)
            elif not any(line == directive.line and found.startswith(upper) for line, found in used):
                problems["unused"].append(code)
        bad = [c for kind in problems.values() for c in kind]
        if not bad:
            continue
        said = "; ".join(f"{kind}: {', '.join(f'`{c}`' for c in codes)}" for kind, codes in problems.items() if codes)
        edit = _without(directive, bad, lines[directive.line - 1] if directive.line <= len(lines) else "")
        out.append(
            Finding(
                code=UNUSED_NOQA,
                message=f"`noqa` directive with codes that suppress nothing ({said})",
                path=path,
                line=directive.line,
                column=directive.column,
                end_line=directive.line,
                end_column=directive.end_column,
                fix=Fix("safe", f"Remove {', '.join(f'`{c}`' for c in bad)} from the `noqa`", [edit]),
            )
        )
    return out


def _without(directive: Directive, removed: list[str], line_text: str) -> Edit:
    """The edit that takes `removed` out of the directive; the directive (with the blanks
    that lead to it) goes when no code is left."""
    kept = [c for c in directive.codes if c not in removed]
    line = directive.line
    if kept:
        return Edit(", ".join(kept), line, directive.codes_column, line, directive.codes_end)
    start, end = directive.column, directive.end_column
    rest = line_text[end - 1 : directive.comment_end - 1]
    if start == directive.comment_column and rest.strip():  # `# noqa: IL101  # why` -> `# why`
        end += len(rest) - len(rest.lstrip())
        return Edit("" if rest.lstrip().startswith("#") else "# ", line, start, line, end)  # `# noqa: X  why` -> `# why`
    else:  # the comment's text before it, or the code, or the line's start: the blanks go too
        before = line_text[: start - 1]
        start -= len(before) - len(before.rstrip())
    return Edit("", line, start, line, end)


def add_edits(text: str, findings: Iterable[Finding]) -> tuple[list[Edit], list[Finding]]:
    """Edits that put `# noqa: CODES` on the line of each finding (its first line, else its
    last, when a comment cannot follow the first), merged into a `# noqa` already there.
    Returns (edits, findings no comment can be put beside)."""
    scanned = _scan(text)
    by_line: dict[int, list[str]] = {}
    unplaced = []
    for finding in findings:
        line = next((n for n in (finding.line, finding.end_line) if n in scanned.open_ends), None)
        if line is None:
            unplaced.append(finding)
            continue
        codes = by_line.setdefault(line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    found = {d.line: d for d in directives(text)}
    lines = [line.rstrip("\r\n") for line in _LINE.findall(text)]
    edits = []
    for line, codes in sorted(by_line.items()):
        directive = found.get(line)
        if directive is not None:
            if not directive.codes or all(any(c.upper().startswith(k.upper()) for k in directive.codes) for c in codes):
                continue  # a bare `# noqa`, or the codes are there already
            merged = directive.codes + [c for c in sorted(codes) if not any(c.startswith(k.upper()) for k in directive.codes)]
            edits.append(Edit(", ".join(merged), line, directive.codes_column, line, directive.codes_end))
            continue
        end = len(lines[line - 1]) + 1
        edits.append(Edit(f"  # noqa: {', '.join(sorted(codes))}", line, end, line, end))
    return edits, unplaced
