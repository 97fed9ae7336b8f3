"""Findings out: text (concise, full, grouped), json, json-lines, github, sarif, gitlab, junit,
pylint, rdjson, azure; and inspect tables.

Every function takes plain data (findings, errors, rows) and returns a string; cli.py
decides where it goes. Text output follows ruff: `path:line:col: CODE [*] message`,
then `Found N errors.` / `All checks passed!`.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Callable, Iterable, Optional
from urllib.parse import quote

from . import __version__
from .model import FileError, Finding

FORMATS = ("text", "concise", "full", "grouped", "json", "json-lines", "github", "sarif", "gitlab", "junit", "pylint", "rdjson", "azure")
HOMEPAGE = "https://github.com/initlint/initlint"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

Style = Callable[..., str]  # click.style, or a no-op when colour is off


def plain(text: str, **_: object) -> str:
    return text


def _fix_json(finding: Finding) -> Optional[dict]:
    """ruff's shape: applicability, message, edits with 1-based location/end_location."""
    if finding.fix is None:
        return None
    return {
        "applicability": finding.fix.applicability,
        "message": finding.fix.message,
        "edits": [
            {
                "content": edit.content,
                "location": {"row": edit.line, "column": edit.column},
                "end_location": {"row": edit.end_line, "column": edit.end_column},
                **({"cell": edit.cell} if edit.cell is not None else {}),
            }
            for edit in finding.fix.edits
        ],
    }


def finding_json(finding: Finding) -> dict:
    from .rules import RULES_BY_CODE

    data = finding.as_json()
    data["fix"] = _fix_json(finding)
    data["name"] = RULES_BY_CODE[finding.code].name if finding.code in RULES_BY_CODE else None
    data["filename"] = os.path.abspath(finding.path) if finding.path != "-" else "-"
    data["location"] = {"row": finding.line, "column": finding.column}
    data["end_location"] = {"row": finding.end_line, "column": finding.end_column}
    data["noqa_row"] = finding.line
    data["url"] = rule_url(finding.code)
    return data


def _fixable_mark(finding: Finding, unsafe: bool) -> str:
    if finding.fix is None:  # answered from the cache, a fix has no edits: it still is one
        return ""
    if finding.fix.applicability == "safe" or unsafe:
        return "[*] "
    return ""


def text(
    findings: list[Finding],
    errors: list[FileError],
    style: Style = plain,
    full: bool = False,
    sources: Optional[dict[str, list[str]]] = None,
    fixed_count: int = 0,
    unsafe: bool = False,
    show_summary: bool = True,
) -> str:
    lines = []
    for finding in findings:
        where = style(f"{finding.where}:", bold=True)
        lines.append(f"{where} {style(finding.code, fg='red', bold=True)} {_fixable_mark(finding, unsafe)}{finding.message}")
        key = finding.path if finding.cell is None else f"{finding.path}:cell {finding.cell}"
        if full and sources and key in sources:
            source_lines = sources[key]
            if 0 < finding.line <= len(source_lines):
                code_line = source_lines[finding.line - 1].rstrip("\r\n")
                lines.append(f"  {finding.line:>4} | {code_line}")
                width = max(1, (finding.end_column - finding.column) if finding.end_line == finding.line else len(code_line) - finding.column + 1)
                lines.append(f"       | {' ' * (finding.column - 1)}{style('^' * width, fg='red')}")
        if full and finding.no_fix:
            lines.append(f"       = no autofix: {finding.no_fix}")
    if not show_summary:
        return "\n".join(lines) + ("\n" if lines else "")
    remaining = len(findings)
    if remaining or fixed_count:
        total = remaining + fixed_count
        noun = "error" if total == 1 else "errors"
        if fixed_count:
            lines.append(f"Found {total} {noun} ({fixed_count} fixed, {remaining} remaining).")
        else:
            lines.append(f"Found {total} {noun}.")
        fixable = sum(1 for f in findings if _fixable_mark(f, unsafe))
        hidden = sum(1 for f in findings if f.fix and f.fix.applicability == "unsafe" and not unsafe)
        if fixable:
            lines.append(f"[*] {fixable} fixable with the `--fix` option.")
        if hidden:
            lines.append(f"{hidden} hidden fixes can be enabled with the `--unsafe-fixes` option.")
    elif not errors:
        lines.append(style("All checks passed!", fg="green"))
    return "\n".join(lines) + "\n" if lines else ""


def statistics(findings: list[Finding]) -> str:
    from .rules import RULES_BY_CODE

    counts = Counter(f.code for f in findings)
    fixable = Counter(f.code for f in findings if f.fix is not None)
    rows = []
    for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        name = RULES_BY_CODE[code].name if code in RULES_BY_CODE else ""
        mark = "[*]" if fixable[code] else "   "
        rows.append(f"{count:>5}\t{code}\t{mark} {name}")
    return "\n".join(rows) + ("\n" if rows else "")


def as_json(findings: list[Finding]) -> str:
    return json.dumps([finding_json(f) for f in findings], indent=2) + "\n"


def json_lines(findings: list[Finding]) -> str:
    return "".join(json.dumps(finding_json(f)) + "\n" for f in findings)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: list[Finding], errors: list[FileError]) -> str:
    """GitHub Actions workflow commands; each annotation repeats the plain line, since GitHub
    shows only the first ten per step."""
    out = []
    for f in findings:
        props = f"title={_escape_property(f'initlint ({f.code})')},file={_escape_property(f.path)}"
        if f.cell is None:  # a notebook cell's lines are not the file's: the message names them
            props += f",line={f.line},col={f.column},endLine={f.end_line},endColumn={f.end_column}"
        command = "warning" if f.severity == "warning" else "error"
        out.append(f"::{command} {props}::{_escape_data(f'{f.where}: {f.code} {f.message}')}")
    for e in errors:
        props = f"title={_escape_property('initlint (error)')},file={_escape_property(e.path)}"
        if e.line and e.cell is None:
            props += f",line={e.line},col={e.column or 1}"
        out.append(f"::error {props}::{_escape_data(str(e))}")
    return "\n".join(out) + ("\n" if out else "")


def rule_url(code: str) -> str:
    return f"{HOMEPAGE}/blob/main/rules/{code}/README.md"


def _uri(path: str) -> str:
    """A SARIF artifact URI: relative paths stay relative (code scanning resolves them against
    the checkout), absolute ones become file: URIs; both percent-encoded (spaces, `%`, `#`)."""
    if path == "-":
        return "stdin"
    if os.path.isabs(path):
        return Path(path).as_uri()
    relative = os.path.relpath(os.path.abspath(path)).replace(os.sep, "/")
    return quote(os.fsencode(relative), safe="/")  # the name's own bytes, UTF-8 or not


def sarif(findings: list[Finding], errors: list[FileError]) -> str:
    from .rules import ALL_RULES

    rules = []
    index = {}
    for i, cls in enumerate(ALL_RULES):
        index[cls.code] = i
        rules.append(
            {
                "id": cls.code,
                "name": cls.name,
                "shortDescription": {"text": cls.summary()},
                # the page itself is linked, not embedded: it made a log of 5 findings 107 KB
                "helpUri": rule_url(cls.code),
                "defaultConfiguration": {"level": "error" if cls.enabled_by_default else "note"},
            }
        )
    results = []
    for f in findings:
        result = {
            "ruleId": f.code,
            "ruleIndex": index.get(f.code, 0),
            "level": "warning" if f.severity == "warning" else "error",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.path)},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column,
                        },
                    }
                }
            ],
        }
        if f.related:
            result["relatedLocations"] = [
                {"id": i, "physicalLocation": {"artifactLocation": {"uri": _uri(path)}, "region": {"startLine": line}}}
                for i, (path, line) in enumerate(f.related) if line and line > 0
            ]
        if f.cell is not None:  # the region is the cell's lines, not the file's
            result["properties"] = {"cell": f.cell}
        elif f.fix is not None and f.fix.edits:
            result["fixes"] = [
                {
                    "description": {"text": f.fix.message},
                    "artifactChanges": [
                        {
                            "artifactLocation": {"uri": _uri(f.path)},
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "startLine": e.line,
                                        "startColumn": e.column,
                                        "endLine": e.end_line,
                                        "endColumn": e.end_column,
                                    },
                                    "insertedContent": {"text": e.content},
                                }
                                for e in f.fix.edits
                            ],
                        }
                    ],
                }
            ]
        results.append(result)
    notifications = []
    for e in errors:
        physical: dict = {"artifactLocation": {"uri": _uri(e.path)}}
        if e.line:
            physical["region"] = {"startLine": e.line, "startColumn": e.column or 1}
        location = {"physicalLocation": physical}
        notifications.append({"level": "error", "message": {"text": str(e)}, "locations": [location]})
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "initlint",
                        "version": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": not errors, "toolExecutionNotifications": notifications}],
                "columnKind": "unicodeCodePoints",  # LibCST columns count characters, not UTF-16 units
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def grouped(findings: list[Finding], errors: list[FileError], style: Style = plain, unsafe: bool = False,
            fixed_count: int = 0, show_summary: bool = True) -> str:  # fmt: skip
    """ruff's `grouped`: the path once, then `line:col CODE message` per finding, aligned."""
    lines: list[str] = []
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    for path, group in by_path.items():
        lines.append(style(f"{path}:", bold=True, underline=True))
        places = [f.where[len(f.path) + 1 :] for f in group]
        width = max(len(p) for p in places)
        for place, finding in zip(places, group):
            lines.append(f"  {place:<{width}} {style(finding.code, fg='red', bold=True)} {_fixable_mark(finding, unsafe)}{finding.message}")
        lines.append("")
    summary = text([*findings], errors, style, fixed_count=fixed_count, unsafe=unsafe).splitlines()[len(findings) :]
    if show_summary:
        lines.extend(summary)
    return "\n".join(lines) + ("\n" if lines else "")


def _display(path: str) -> str:
    """A path as GitLab wants it: relative to the project folder when CI_PROJECT_DIR names one."""
    root = os.environ.get("CI_PROJECT_DIR")
    if root and path != "-":
        relative = os.path.relpath(os.path.abspath(path), root)
        if not relative.startswith(".."):
            return relative.replace(os.sep, "/")
    return path


def gitlab(findings: list[Finding], errors: list[FileError]) -> str:
    """GitLab Code Quality: a JSON array of issues (description, check_name, fingerprint,
    severity, location with path and lines). The fingerprint leaves the line out, so an issue
    keeps its identity when code above it moves; equal ones are numbered."""
    import hashlib

    from .rules import RULES_BY_CODE

    issues = []
    seen: Counter = Counter()
    for f in findings:
        path = _display(f.path)
        what = f.where[len(f.path) :] if f.cell is not None else ""
        key = f"{path}|{f.code}|{f.cell}|{f.class_name}|{f.layer}|{f.message}"
        seen[key] += 1
        fingerprint = hashlib.sha256(f"{key}|{seen[key]}".encode()).hexdigest()
        issues.append(
            {
                "type": "issue",
                "check_name": f.code,
                "description": f"{f.code} {RULES_BY_CODE[f.code].name if f.code in RULES_BY_CODE else ''}: "
                f"{(what[1:] + ' ') if what else ''}{f.message}",
                "categories": ["Bug Risk"],
                "severity": "major",
                "fingerprint": fingerprint,
                "location": {"path": path, "lines": {"begin": f.line, "end": f.end_line}},
            }
        )
    for e in errors:
        issues.append(
            {
                "type": "issue",
                "check_name": "initlint-error",
                "description": str(e),
                "categories": ["Bug Risk"],
                "severity": "blocker",
                "fingerprint": hashlib.sha256(f"{_display(e.path)}|error|{e.message}".encode()).hexdigest(),
                "location": {"path": _display(e.path), "lines": {"begin": e.line or 1}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"


def junit(findings: list[Finding], errors: list[FileError]) -> str:
    """JUnit XML as CI servers read it: a test suite per file, a failing test case per
    finding (an erroring one per file that could not be checked); a clean run is one passing case."""
    from xml.etree import ElementTree as ET

    by_path: dict[str, list] = {}
    for item in [*findings, *errors]:
        by_path.setdefault(item.path, []).append(item)
    failures, error_count = len(findings), len(errors)
    root = ET.Element("testsuites", name="initlint", tests=str(max(1, failures + error_count)),
                      failures=str(failures), errors=str(error_count))  # fmt: skip
    if not by_path:
        suite = ET.SubElement(root, "testsuite", name="initlint", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="No errors found", classname="initlint")
    for path, items in by_path.items():
        path_failures = sum(isinstance(i, Finding) for i in items)
        suite = ET.SubElement(root, "testsuite", name=path, tests=str(len(items)), failures=str(path_failures),
                              errors=str(len(items) - path_failures))  # fmt: skip
        for item in items:
            if isinstance(item, Finding):
                case = ET.SubElement(suite, "testcase", name=f"initlint.{item.code}", classname=path,
                                     file=path, line=str(item.line))  # fmt: skip
                failure = ET.SubElement(case, "failure", message=item.message, type=item.code)
                failure.text = f"{item.where}: {item.code} {item.message}"
            else:
                case = ET.SubElement(suite, "testcase", name="initlint.error", classname=path, file=path)
                error = ET.SubElement(case, "error", message=item.message)
                error.text = str(item)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def pylint(findings: list[Finding], errors: list[FileError]) -> str:
    """pylint's parseable format, `path:line: [CODE(symbol), object] message`, which CI
    plug-ins for pylint (Jenkins warnings-ng and others) read."""
    from .rules import RULES_BY_CODE

    out = []
    for f in findings:
        symbol = RULES_BY_CODE[f.code].name if f.code in RULES_BY_CODE else f.code
        obj = ".".join(p for p in (f.class_name, f.layer) if p)
        where = f"cell {f.cell}: " if f.cell is not None else ""
        out.append(f"{f.path}:{f.line}: [{f.code}({symbol}), {obj}] {where}{f.message}")
    return "\n".join(out) + ("\n" if out else "")


def _utf8_column(line_text: Optional[str], column: int) -> int:
    """A character column as a UTF-8 byte column (rdjson counts bytes)."""
    if line_text is None:
        return column
    return len(line_text[: column - 1].encode("utf-8")) + 1


def rdjson(findings: list[Finding], errors: list[FileError], sources: Optional[dict[str, list[str]]] = None) -> str:
    """reviewdog's Diagnostic Format (rdjson): diagnostics with a location range (end
    exclusive, columns in UTF-8 bytes), the rule code with its page, and suggested fixes."""
    sources = sources or {}

    def line_of(f: Finding, line: int) -> Optional[str]:
        lines = sources.get(f.path if f.cell is None else f"{f.path}:cell {f.cell}")
        return lines[line - 1] if lines and 0 < line <= len(lines) else None

    diagnostics = []
    for f in findings:
        diagnostic: dict = {
            "message": f.message if f.cell is None else f"cell {f.cell}: {f.message}",
            "location": {
                "path": f.path,
                "range": {
                    "start": {"line": f.line, "column": _utf8_column(line_of(f, f.line), f.column)},
                    "end": {"line": f.end_line, "column": _utf8_column(line_of(f, f.end_line), f.end_column)},
                },
            },
            "severity": "ERROR",
            "code": {"value": f.code, "url": rule_url(f.code)},
        }
        if f.fix is not None and f.fix.edits and f.cell is None:
            diagnostic["suggestions"] = [
                {
                    "range": {
                        "start": {"line": e.line, "column": _utf8_column(line_of(f, e.line), e.column)},
                        "end": {"line": e.end_line, "column": _utf8_column(line_of(f, e.end_line), e.end_column)},
                    },
                    "text": e.content,
                }
                for e in f.fix.edits
            ]
        diagnostics.append(diagnostic)
    for e in errors:
        location: dict = {"path": e.path}
        if e.line and e.cell is None:
            location["range"] = {"start": {"line": e.line, "column": e.column or 1}}
        diagnostics.append({"message": e.message, "location": location, "severity": "ERROR", "code": {"value": "error"}})
    result = {"source": {"name": "initlint", "url": HOMEPAGE}, "severity": "ERROR", "diagnostics": diagnostics}
    return json.dumps(result, indent=2) + "\n"


def _azure_property(value: str) -> str:
    return value.replace("%", "%AZP25").replace(";", "%3B").replace("\r", "%0D").replace("\n", "%0A").replace("]", "%5D")


def _azure_message(value: str) -> str:
    return value.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def azure(findings: list[Finding], errors: list[FileError]) -> str:
    """Azure Pipelines logging commands (`##vso[task.logissue ...]`), one per finding."""
    out = []
    for f in findings:
        props = f"type=error;sourcepath={_azure_property(f.path)};"
        if f.cell is None:
            props += f"linenumber={f.line};columnnumber={f.column};"
        props += f"code={f.code};"
        message = f.message if f.cell is None else f"{f.where[len(f.path) + 1 :]}: {f.message}"
        out.append(f"##vso[task.logissue {props}]{_azure_message(message)}")
    for e in errors:
        props = f"type=error;sourcepath={_azure_property(e.path)};"
        if e.line and e.cell is None:
            props += f"linenumber={e.line};columnnumber={e.column or 1};"
        out.append(f"##vso[task.logissue {props}]{_azure_message(e.message)}")
    return "\n".join(out) + ("\n" if out else "")


def render(
    fmt: str,
    findings: list[Finding],
    errors: list[FileError],
    style: Style = plain,
    sources: Optional[dict[str, list[str]]] = None,
    fixed_count: int = 0,
    unsafe: bool = False,
) -> str:
    if fmt in ("text", "concise", "full"):
        return text(findings, errors, style, fmt == "full", sources, fixed_count, unsafe)
    if fmt == "grouped":
        return grouped(findings, errors, style, unsafe, fixed_count)
    if fmt == "gitlab":
        return gitlab(findings, errors)
    if fmt == "junit":
        return junit(findings, errors)
    if fmt == "pylint":
        return pylint(findings, errors)
    if fmt == "rdjson":
        return rdjson(findings, errors, sources)
    if fmt == "azure":
        return azure(findings, errors)
    if fmt == "json":
        return as_json(findings)
    if fmt == "json-lines":
        return json_lines(findings)
    if fmt == "github":
        return github(findings, errors)
    if fmt == "sarif":
        return sarif(findings, errors)
    raise ValueError(f"unknown output format {fmt!r}")


# --------------------------------------------------------------------------------------
# inspect


INSPECT_COLUMNS = ("where", "class", "layer", "layer_type", "activation", "init", "recommended")


def inspect_text(rows: Iterable[dict], style: Style = plain) -> str:
    out = []
    for row in rows:
        act = row["activation"]
        if row.get("activation_param") is not None:
            act = f"{act}({row['activation_param']:g})"
        cell = f"cell {row['cell']}:" if row.get("cell") is not None else ""
        where = f"{row['path']}:{cell}{row['line']}:{row['column']}"
        name = ".".join(part for part in (row.get("class"), row.get("layer")) if part) or "?"
        init_colour = {"default": "yellow", "explicit": "green"}.get(row["init"], None)
        out.append(
            f"{style(where, bold=True)} {name} {row['layer_type']}: "
            f"activation={act} [{row['activation_evidence']}] "
            f"init={style(row['init'], fg=init_colour) if init_colour else row['init']} [{row['init_evidence']}]"
            + (f" -> {row['recommended']}" if row.get("recommended") and row["init"] != "explicit" else "")
        )
    return "\n".join(out) + ("\n" if out else "")


def inspect_json(rows: Iterable[dict]) -> str:
    return json.dumps(list(rows), indent=2) + "\n"


def errors_text(errors: Iterable[FileError], style: Style = plain) -> str:
    """`path:line:col: error: message`, one line each (what the file's error says)."""
    out = []
    for e in errors:
        where = e.where
        message = " ".join(e.message.split())  # one line, whatever the exception said
        out.append(f"{style(where, bold=True)}: {style('error', fg='red', bold=True)}: {message}\n")
    return "".join(out)
