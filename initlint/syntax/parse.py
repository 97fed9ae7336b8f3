"""Source text -> LibCST module: CPython's verdict first, then LibCST one top-level statement at a
time (joined into the module a whole-file parse gives), syntax errors as `SourceError`."""

from __future__ import annotations

import ast
import contextlib
import gc
import re
from typing import Iterator, Optional

import libcst as cst
from libcst._nodes.base import CSTNode


class SourceError(Exception):
    """The source does not parse (or cannot be analysed at all)."""

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def _syntax_error(source: str, exc: cst.ParserSyntaxError) -> SourceError:
    """CPython's message and position where it has one: clearer than the parser's token list."""
    try:
        compile(source, "<source>", "exec", 0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
    except SyntaxError as error:
        return SourceError(f"SyntaxError: {error.msg}", error.lineno, error.offset)
    except (ValueError, RecursionError, MemoryError):
        pass
    return SourceError(f"SyntaxError: {exc.message}", exc.raw_line, exc.raw_column + 1)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


_CHECK_NODE = CSTNode.__post_init__


@contextlib.contextmanager
def _parsed_nodes_unvalidated() -> Iterator[None]:
    """Skip LibCST's check of each node as the parser builds it (a sixth of the parse).

    The check guards trees built by hand; a parsed tree of code CPython has compiled is
    valid by construction (LibCST's own comment on `CSTNode.__post_init__` says as much).
    Nodes other threads build meanwhile go unchecked too: initlint builds none."""
    CSTNode.__post_init__ = _no_check  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = _CHECK_NODE  # type: ignore[method-assign]


def _no_check(self: cst.CSTNode) -> None:
    pass


def _mixed_line_breaks(source: str) -> bool:
    """More than one of \n, \r\n and a lone \r in the text."""
    if "\r" not in source:
        return False
    kinds = ("\r\n" in source) + bool(_LONE_CR.search(source)) + bool(_LONE_LF.search(source))
    return kinds > 1


_LONE_CR = re.compile(r"\r(?!\n)")
_WHITESPACE_TAIL = re.compile(r"\n[ \t\f]+\r?\n?\Z")  # a piece ending in a line of whitespace only
_LONE_LF = re.compile(r"(?<!\r)\n")


def parse_by_statement(source: str, c_tree: Optional[ast.Module], reuse: Optional[dict] = None) -> cst.Module:
    """cst.parse_module(source), parsed one top-level statement at a time and joined.

    LibCST's parse of a whole file costs more per line the longer the file (1.7x per line
    from 1k to 100k lines, with the garbage collector off); statement by statement it stays
    flat. CPython's tree says where statements start. The joined module is the one a whole
    parse gives: each piece's trailing lines become the next statement's leading lines, as
    LibCST itself assigns them. Pieces that disagree on the file's indent or line ending
    (None in the tree means "the module's default") fall back to the whole parse.

    `reuse` ({piece text: parsed piece}, from the previous parse of the same document) lets
    an editor's re-parse after a small change parse only the statements that changed: LibCST
    trees are immutable and position-free. It is replaced by this parse's pieces; each entry
    serves one piece at most, so no node appears twice in a tree."""
    if c_tree is None:
        return cst.parse_module(source)  # CPython has not vouched for it: LibCST checks all
    if len(c_tree.body) < 2 or _mixed_line_breaks(source):
        # mixed line breaks (a lone \r among \n): LibCST gives a piece's trailing lines to its
        # footer differently from the whole parse, so the pieces would not join into it
        with _parsed_nodes_unvalidated():
            return cst.parse_module(source)
    body = c_tree.body
    offsets = [0]  # offset of each line's first character, 1-based lines
    offsets.extend(m.end() for m in _LINE_BREAK.finditer(source))
    starts = []
    for stmt in body:
        decorators = getattr(stmt, "decorator_list", None)
        line = min(stmt.lineno, *(d.lineno for d in decorators)) if decorators else stmt.lineno
        if line > len(offsets) or (starts and line <= starts[-1]):
            if starts and line == starts[-1]:
                continue  # `a = 1; b = 2`: one LibCST statement
            return cst.parse_module(source)
        head = source[offsets[line - 1]:offsets[line - 1] + 1]
        if (head != "@") if decorators else (not head or head in " \t\f#\r\n\\"):
            return cst.parse_module(source)  # not where a statement can start: trust LibCST alone
        starts.append(line)
    starts[0] = 1  # the first piece also holds the file's header
    bounds = [offsets[line - 1] for line in starts] + [len(source)]
    texts = [source[a:b] for a, b in zip(bounds, bounds[1:])]
    with _parsed_nodes_unvalidated():
        if reuse is None:
            pieces = [cst.parse_module(text) for text in texts]
        else:
            pieces = [reuse.pop(text) if text in reuse else cst.parse_module(text) for text in texts]
            reuse.clear()
            reuse.update(zip(texts, pieces))
    for text, piece in zip(texts[:-1], pieces):
        if _WHITESPACE_TAIL.search(text) and piece.code != text:
            # LibCST drops a blank line at the end of a piece whose last line is whitespace only
            # ("pass\n\n \n" gives "pass\n \n"): joined, every later line would be one off
            return cst.parse_module(source)
    newlines = {p.default_newline for p in pieces[:-1]}
    newlines.add(pieces[-1].default_newline if _LINE_BREAK.search(source, bounds[-2]) else pieces[0].default_newline)
    indents = {p.default_indent for p in pieces if any(isinstance(s, cst.BaseCompoundStatement) for s in p.body)}
    if len(newlines) > 1 or len(indents) > 1 or any(not p.body for p in pieces):
        return cst.parse_module(source)
    statements = list(pieces[0].body)
    carried = pieces[0].footer
    for piece in pieces[1:]:
        first, *rest = piece.body
        if carried or piece.header:
            first = first.with_changes(leading_lines=(*carried, *piece.header, *first.leading_lines))
        statements.append(first)
        statements.extend(rest)
        carried = piece.footer
    return pieces[0].with_changes(
        body=statements,
        footer=carried,
        default_indent=next(iter(indents), pieces[0].default_indent),
        has_trailing_newline=pieces[-1].has_trailing_newline,
    )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for one file's work.

    A tree of a million live nodes makes each of its collections walk all of them: that
    cost a sixth of the parse, and more the longer the file. The tree is freed by reference
    counting; what cycles the work leaves go at the first collection after this."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _without_final_continuation(source: str) -> str:
    """CPython takes a line continuation just before the end of the file (`x\\` + newline, EOF)
    as nothing; LibCST's tokenizer rejects it. Drop it: no statement changes, no position moves."""
    body = source.rstrip("\r\n")
    if not body.endswith("\\") or body.endswith("\\\\"):
        return source
    return body[:-1] + source[len(body):]
