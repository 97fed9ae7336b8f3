"""Jupyter notebooks: one Python text made of the code cells, a map back to cells, and fixes
written back into the cells they belong to.

As ruff does it: the code cells are concatenated in order, each ending with a newline; a
cell that starts with a cell magic (`%%bash`) or is in another language is left out; a
line magic, a shell escape or a help line (`%matplotlib inline`, `!pip install x`,
`model?`) becomes `pass` at its indentation in the concatenation, so the cell still parses
and every line keeps its number. Findings and edits are moved to the cell they fall in
(`Finding.cell`, 1-based position among all of the notebook's cells, as a reader counts
them from the top; lines and columns inside the cell).

Fixes are applied to the concatenated text (so the fixer's safety check sees the whole
notebook), then each changed cell's new source is spliced into the notebook's JSON in
place of its old `source` value, formatted like it: every other byte (metadata, outputs,
execution counts, indentation, key order, the final newline) stays as it was. The result
is checked (the JSON reads back to the old notebook with those sources replaced, nbformat
validates it, its concatenation is the text the fixer checked) and written atomically.

The API (the language server uses it for notebook documents):

    nb = notebook.load(path, json_text)            # from a file's JSON; raises NotebookError
    nb = notebook.from_cells(path, [Cell("code", src), Cell("markdown", md), ...])
    nb, findings, error = api.check_cells(path, cells, settings)   # the same, analysed: cell positions
    nb.text                                       # the concatenated Python source
    nb.locate(line) -> (cell number, line in cell); nb.line_of(cell, line) -> concatenated line
    nb.to_cells(findings); nb.from_cells_edits(edits)
    result = notebook.fix(nb, findings, unsafe=False, write=False) -> NotebookFixResult
    result.new_sources {cell number: source}; result.new_data (bytes); result.diff()
    notebook.apply_edits(nb, edits, new_text)       # any checked edits of nb.text (`--add-noqa`)
"""

from __future__ import annotations

import ast
import bisect
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional, Sequence

from .model import Edit, FileError, Finding

SUFFIX = ".ipynb"
# Cell magics whose body is Python (ruff's list): the magic line is neutralised, the body checked.
PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "pypy", "python", "python3", "time", "timeit"})
# What an IPython-only line looks like: a line magic or shell escape, `x = %time f()` /
# `files = !ls`, or a help request (`obj?`, `?obj`, `obj??`).
_MAGIC_LINE = re.compile(r"^\s*(?:%|!(?!=)|\?|[\w.,\[\]\s]+=\s*(?:%|!(?!=))|[\w.\[\]()]+\?{1,2}\s*$)")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class NotebookError(Exception):
    """A notebook that cannot be read: invalid JSON, not a valid notebook. Line and column
    are the JSON file's (for invalid JSON) or None."""

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def is_notebook(path: str) -> bool:
    return path.endswith(SUFFIX)


@dataclass
class Cell:
    """One cell as a notebook or an editor holds it."""

    kind: str  # "code", "markdown", "raw"
    source: str
    language: str = "python"  # the cell's language where the notebook names one per cell


@dataclass
class CodeCell:
    """A code cell that is part of the concatenation."""

    number: int  # 1-based position among all cells
    index: int  # 0-based position among all cells (the JSON array index)
    source: str  # as stored
    start: int  # its first line in the concatenated text (1-based)
    lines: int  # how many lines it takes there
    neutralised: frozenset = frozenset()  # its lines (1-based) that read `pass` in the concatenation


@dataclass
class Notebook:
    path: str
    text: str  # the concatenated Python source
    cells: list[CodeCell]
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (cell number, why it is not checked)
    json_text: Optional[str] = None  # the file's JSON, when read from one
    bom: bool = False

    def __post_init__(self) -> None:
        self._filled = [cell for cell in self.cells if cell.lines]  # cells that own lines, in order
        self._starts = [cell.start for cell in self._filled]
        self._by_number = {cell.number: cell for cell in self.cells}

    def locate(self, line: int) -> tuple[int, int]:
        """(cell number, line in cell) of a line of the concatenated text. A line past the
        end belongs to the last cell, one past its last line."""
        cell = self._cell_at(line)
        if cell is None:
            return (1, line)
        return cell.number, line - cell.start + 1

    def line_of(self, number: int, line: int) -> int:
        """The concatenated line of line `line` of cell `number`."""
        if number not in self._by_number:
            raise ValueError(f"cell {number} is not a checked code cell")
        return self._by_number[number].start + line - 1

    def _cell_at(self, line: int) -> Optional[CodeCell]:
        """The last non-empty cell starting at or before `line` (bisect: many findings, many cells)."""
        at = bisect.bisect_right(self._starts, line) - 1
        return self._filled[at] if at >= 0 else None

    def _edit_cell(self, line: int, column: int) -> tuple[int, int, int]:
        """(cell, line, column) of an insertion point: one at the start of a line goes at the
        end of the cell holding the line before (an init follows its statement's cell)."""
        if column == 1 and line > 1:
            number, before = self.locate(line - 1)
            return number, before + 1, 1
        number, in_cell = self.locate(line)
        return number, in_cell, column

    def to_cells(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings (concatenated-text positions) with cell positions, their edits too."""
        out = []
        for finding in findings:
            if finding.cell is not None:
                out.append(finding)
                continue
            cell, line = self.locate(finding.line)
            end_cell, end_line = self.locate(finding.end_line)
            end_column = finding.end_column
            if end_cell != cell:  # a span across cells (never a layer): clip it to its first cell
                end_line, end_column = self._last_line(cell), 1
            fix = finding.fix
            if fix is not None:
                fix = replace(fix, edits=[self._edit_to_cell(edit) for edit in fix.edits])
            out.append(replace(finding, cell=cell, line=line, end_line=end_line, end_column=end_column, fix=fix))
        return out

    def _last_line(self, number: int) -> int:
        cell = self._by_number.get(number)
        return cell.lines if cell else 1

    def _edit_to_cell(self, edit: Edit) -> Edit:
        cell, line, column = self._edit_cell(edit.line, edit.column)
        if (edit.end_line, edit.end_column) == (edit.line, edit.column):
            return Edit(edit.content, line, column, line, column, cell=cell)
        _, end_line, end_column = self._edit_cell(edit.end_line, edit.end_column)
        return Edit(edit.content, line, column, end_line, end_column, cell=cell)

    def from_cells_edits(self, edits: Iterable[Edit]) -> list[Edit]:
        """Edits with cell positions back in concatenated-text positions."""
        out = []
        for edit in edits:
            if edit.cell is None:
                out.append(edit)
                continue
            line = self.line_of(edit.cell, edit.line)
            end_line = self.line_of(edit.cell, edit.end_line)
            out.append(Edit(edit.content, line, edit.column, end_line, edit.end_column))
        return out

    def findings_from_cells(self, findings: Iterable[Finding]) -> list[Finding]:
        """Findings whose fixes the fixer can apply to `text` (the inverse of to_cells for edits)."""
        out = []
        for finding in findings:
            fix = finding.fix
            if fix is not None and any(e.cell is not None for e in fix.edits):
                fix = replace(fix, edits=self.from_cells_edits(fix.edits))
            line = self.line_of(finding.cell, finding.line) if finding.cell is not None else finding.line
            end_line = self.line_of(finding.cell, finding.end_line) if finding.cell is not None else finding.end_line
            out.append(replace(finding, cell=None, line=line, end_line=end_line, fix=fix))
        return out


# --------------------------------------------------------------------------------------
# Reading


def load(path: str, json_text: str, bom: bool = False) -> Notebook:
    """The notebook in `json_text` (the file's decoded JSON). Raises NotebookError for
    invalid JSON (with its line and column), a format older than 4, or a notebook that
    nbformat's schema rejects."""
    raw = parse_json(json_text)
    cells = [Cell(c.get("cell_type", ""), _joined(c.get("source", "")), _cell_language(c)) for c in raw["cells"]]
    language = _notebook_language(raw)
    notebook = from_cells(path, cells, language)
    notebook.json_text = json_text
    notebook.bom = bom
    return notebook


def parse_json(json_text: str) -> dict:
    """The notebook's JSON as a dict, validated by nbformat. Raises NotebookError."""
    try:
        raw = json.loads(json_text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not a notebook: invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise NotebookError("not a notebook: JSON nested too deeply") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise NotebookError("not a notebook: the JSON has no `nbformat` version")
    if raw["nbformat"] < 4:
        raise NotebookError(
            f"nbformat {raw['nbformat']} notebook; convert it to version 4 "
            "(`jupyter nbconvert --to notebook --inplace`) to check it"
        )
    _validate(raw)
    return raw


def _validate(raw: dict) -> None:
    import copy

    import nbformat
    from nbformat.validator import ValidationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids etc.: nbformat repairs a copy and warns
            nbformat.validate(copy.deepcopy(raw), version=raw["nbformat"])
    except ValidationError as error:
        where = "/".join(str(part) for part in getattr(error, "absolute_path", ()) or ())
        message = str(getattr(error, "message", None) or error).splitlines()[0]
        raise NotebookError(f"not a valid notebook: {message}" + (f" (at {where})" if where else "")) from None
    except Exception as error:  # nbformat cannot even read its schema of this version
        raise NotebookError(f"not a valid notebook: {error}".splitlines()[0]) from None


def _joined(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _cell_language(cell: dict) -> str:
    metadata = cell.get("metadata") or {}
    vscode = metadata.get("vscode") if isinstance(metadata, dict) else None
    language = vscode.get("languageId") if isinstance(vscode, dict) else None
    return language if isinstance(language, str) else "python"


def _notebook_language(raw: dict) -> str:
    metadata = raw.get("metadata") or {}
    for key, field_name in (("language_info", "name"), ("kernelspec", "language")):
        value = (metadata.get(key) or {}).get(field_name) if isinstance(metadata.get(key), dict) else None
        if isinstance(value, str):
            return value.lower()
    return "python"


def from_cells(path: str, cells: Sequence[Cell], language: str = "python") -> Notebook:
    """Concatenate the checked code cells of `cells` (all of the notebook's cells, in order)."""
    parts: list[str] = []
    code_cells: list[CodeCell] = []
    skipped: list[tuple[int, str]] = []
    line = 1
    for index, cell in enumerate(cells):
        number = index + 1
        if cell.kind != "code":
            continue
        reason = _why_skipped(cell, language)
        if reason:
            skipped.append((number, reason))
            continue
        text, neutralised = _python_text(cell.source)
        lines = len(_LINE.findall(text))
        code_cells.append(CodeCell(number, index, cell.source, line, lines, frozenset(neutralised)))
        parts.append(text)
        line += lines
    return Notebook(path, "".join(parts), code_cells, skipped)


def _why_skipped(cell: Cell, language: str) -> Optional[str]:
    if language not in ("python", "python3"):
        return f"the notebook's language is {language}"
    if cell.language.lower() not in ("python", "python3"):
        return f"a {cell.language} cell"
    first = next((s.strip() for s in cell.source.splitlines() if s.strip()), "")
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in PYTHON_CELL_MAGICS:
            return f"cell magic %%{magic}"
    return None


def _python_text(source: str) -> tuple[str, list[int]]:
    """The cell as Python: ending with a newline, IPython-only lines the parser stops at
    replaced by `pass` (same indentation, same line count). Returns (text, lines replaced)."""
    lines = _LINE.findall(source)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    replaced: list[int] = []
    if not any(_MAGIC_LINE.match(line) for line in lines):
        return "".join(lines), replaced  # plain Python (or a real syntax error): no parse needed here
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):  # a Python cell magic (%%time)
        lines[first] = "pass" + lines[first][len(lines[first].rstrip("\r\n")) :]
        replaced.append(first + 1)
    for _ in range(len(lines) + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse("".join(lines))
            break
        except SyntaxError as error:
            at = (error.lineno or 0) - 1
            if not 0 <= at < len(lines) or at + 1 in replaced or not _MAGIC_LINE.match(lines[at]):
                break  # a real syntax error: the analysis reports it
            while True:  # a magic continued with `\` takes the next lines along
                continued = lines[at].rstrip("\r\n").endswith("\\")
                indent = re.match(r"[ \t]*", lines[at]).group(0)
                lines[at] = f"{indent}pass{lines[at][len(lines[at].rstrip(chr(13) + chr(10))):]}"
                replaced.append(at + 1)
                if not continued or at + 1 >= len(lines):
                    break
                at += 1
        except (ValueError, RecursionError, MemoryError):
            break
    return "".join(lines), replaced


# --------------------------------------------------------------------------------------
# Fixing


@dataclass
class NotebookFixResult:
    path: str
    old_text: str  # the concatenation before and after
    new_text: str
    old_sources: dict[int, str] = field(default_factory=dict)  # cell number -> source, changed cells only
    new_sources: dict[int, str] = field(default_factory=dict)
    new_data: Optional[bytes] = None  # the notebook file's new bytes
    fixed: list[Finding] = field(default_factory=list)
    error: Optional[FileError] = None
    written: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.new_sources)

    def diff(self) -> str:
        """One unified diff per changed cell, headed `path:cell N` (as ruff prints them)."""
        from .fixer import diff_text

        return "".join(
            diff_text(f"{self.path}:cell {number}", self.old_sources[number], self.new_sources[number])
            for number in sorted(self.new_sources)
        )


def fix(
    notebook: Notebook,
    findings: Iterable[Finding],
    unsafe: bool = False,
    write: bool = False,
    data: Optional[bytes] = None,
) -> NotebookFixResult:
    """Apply the applicable fixes of `findings` (cell or concatenated positions). With a JSON
    text (a notebook read from a file) the new file bytes are made and checked; with `write`
    they replace the file (atomically, only if it still holds `data`). Never raises for a
    fix that fails its checks: the result carries the error and nothing is written."""
    from . import fixer

    findings = list(findings)
    by_position = {id(f): f for f in findings}
    flat = notebook.findings_from_cells(findings)
    original = {id(flat_f): by_position[id(f)] for flat_f, f in zip(flat, findings)}
    fixed_text = fixer.fix_source(notebook.text, flat, notebook.path, unsafe)
    result = NotebookFixResult(notebook.path, notebook.text, notebook.text)
    if fixed_text.error is not None:
        result.error = fixed_text.error
        return result
    if not fixed_text.changed:
        return result
    result = apply_edits(notebook, fixed_text.edits, fixed_text.new_text, write, data)
    if result.error is None:
        result.fixed = [original[id(f)] for f in fixed_text.fixed]
    return result


def apply_edits(
    notebook: Notebook, edits: list[Edit], new_text: str, write: bool = False, data: Optional[bytes] = None
) -> NotebookFixResult:
    """Edits of the concatenated text (already checked to give `new_text`) written into the
    cells: new cell sources, the notebook's new bytes (from a file), written with `write`."""
    from . import fixer

    result = NotebookFixResult(notebook.path, notebook.text, notebook.text)
    try:
        new_sources = _cell_sources(notebook, edits)
        rebuilt = from_cells(notebook.path, _replaced_cells(notebook, new_sources), "python")
        if rebuilt.text != new_text:
            raise ValueError("the fixed cells do not concatenate to the checked text")
        if notebook.json_text is not None:
            new_json = splice_sources(notebook.json_text, {notebook_cell(notebook, n).index: s for n, s in new_sources.items()})
            result.new_data = (b"\xef\xbb\xbf" if notebook.bom else b"") + new_json.encode("utf-8")
    except (ValueError, NotebookError) as error:
        result.error = FileError(notebook.path, f"internal error: the fix was not applied because it failed the safety check: {error}")
        return result
    result.new_text = new_text
    result.old_sources = {n: notebook_cell(notebook, n).source for n in new_sources}
    result.new_sources = new_sources
    if write and result.new_data is not None:
        try:
            fixer.write_atomic(notebook.path, result.new_data, data)
        except fixer.WriteRefused as error:
            result.error = FileError(notebook.path, str(error))
            result.new_sources, result.old_sources, result.new_data = {}, {}, None
            result.new_text = result.old_text
            return result
        result.written = True
    return result


def notebook_cell(notebook: Notebook, number: int) -> CodeCell:
    return notebook._by_number[number]


def _cell_sources(notebook: Notebook, edits: list[Edit]) -> dict[int, str]:
    """New source per changed cell: each insertion (concatenated positions) applied to the
    cell's stored source (magics as written), the cell's missing final newline kept missing."""
    from .fixer import apply_edits

    per_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        if (edit.end_line, edit.end_column) == (edit.line, edit.column):
            cell, line, column = notebook._edit_cell(edit.line, edit.column)
            per_cell.setdefault(cell, []).append(Edit(edit.content, line, column, line, column))
            continue
        cell, line = notebook.locate(edit.line)  # a replacement (a comment): within its cell
        end_cell, end_line = notebook.locate(edit.end_line)
        if end_cell != cell:
            raise ValueError("an edit spans two cells")
        per_cell.setdefault(cell, []).append(Edit(edit.content, line, edit.column, end_line, edit.end_column))
    out = {}
    for number, cell_edits in per_cell.items():
        source = notebook_cell(notebook, number).source
        ends = source.endswith(("\n", "\r"))
        base = source if ends or not source else source + "\n"
        new = apply_edits(base, cell_edits)
        if not ends and source:
            new = new[:-2] if new.endswith("\r\n") else new[:-1]
        out[number] = new
    return out


def _replaced_cells(notebook: Notebook, new_sources: dict[int, str]) -> list[Cell]:
    """The notebook's checked code cells, with the new sources, as `from_cells` takes them."""
    return [Cell("code", new_sources.get(c.number, c.source)) for c in notebook.cells]


# --------------------------------------------------------------------------------------
# Writing: new `source` values spliced into the JSON text, formatted like the old ones


def splice_sources(json_text: str, new_sources: dict[int, str]) -> str:
    """`json_text` with the `source` of the cells at the given indices (0-based) replaced;
    every other character kept. Raises NotebookError when the result does not read back as
    the old notebook with those sources."""
    top = _members(json_text, _skip_ws(json_text, 0))
    if "cells" not in top:
        raise NotebookError("the notebook has no cells")
    elements = _elements(json_text, top["cells"][0])
    ensure_ascii = json_text.isascii()
    replacements = []
    for index, source in new_sources.items():
        start, _ = elements[index]
        members = _members(json_text, start)
        if "source" not in members:
            raise NotebookError(f"cell {index + 1} has no source")
        value_start, value_end = members["source"]
        old_value = json_text[value_start:value_end]
        replacements.append((value_start, value_end, _format_source(old_value, source, ensure_ascii, json_text)))
    out, cursor = [], 0
    for start, end, text in sorted(replacements):
        out.append(json_text[cursor:start])
        out.append(text)
        cursor = end
    out.append(json_text[cursor:])
    new_json = "".join(out)
    expected = json.loads(json_text)
    for index, source in new_sources.items():
        expected["cells"][index]["source"] = source
    got = json.loads(new_json)
    for cell in got["cells"]:
        cell["source"] = _joined(cell.get("source", ""))
    for cell in expected["cells"]:
        cell["source"] = _joined(cell.get("source", ""))
    if got != expected:
        raise NotebookError("the rewritten notebook does not read back as the fixed one")
    _validate(json.loads(new_json))
    return new_json


def _format_source(old_value: str, source: str, ensure_ascii: bool, json_text: str) -> str:
    """`source` as JSON, in the old value's shape: a list of lines (nbformat's on-disk form)
    laid out like the old list, or a single string."""
    if not old_value.startswith("["):
        return json.dumps(source, ensure_ascii=ensure_ascii)
    items = [json.dumps(line, ensure_ascii=ensure_ascii) for line in source.splitlines(keepends=True)]
    old_items = _elements(old_value, 0)
    if not old_items:
        return "[" + ", ".join(items) + "]"
    opening = old_value[1 : old_items[0][0]]  # "[" up to the first item: newline and indent
    closing = old_value[old_items[-1][1] : len(old_value) - 1]  # after the last item up to "]"
    if len(old_items) > 1:
        separator = old_value[old_items[0][1] : old_items[1][0]]
    elif "\n" in opening:
        separator = "," + opening
    else:
        separator = ", " if ", " in json_text else ","
    return "[" + opening + separator.join(items) + closing + "]"


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip_ws(text: str, at: int) -> int:
    return _WS.match(text, at).end()


def _value_end(text: str, at: int) -> int:
    _, end = _DECODER.raw_decode(text, at)
    return end


def _members(text: str, at: int) -> dict[str, tuple[int, int]]:
    """Spans of the values of the JSON object starting at `at`, by key."""
    from json.decoder import scanstring

    if text[at : at + 1] != "{":
        raise NotebookError("expected a JSON object")
    spans = {}
    at = _skip_ws(text, at + 1)
    if text[at : at + 1] == "}":
        return spans
    while True:
        if text[at : at + 1] != '"':
            raise NotebookError("expected a key")
        key, at = scanstring(text, at + 1)
        at = _skip_ws(text, at)
        at = _skip_ws(text, at + 1)  # past ":"
        end = _value_end(text, at)
        spans[key] = (at, end)
        at = _skip_ws(text, end)
        if text[at : at + 1] == ",":
            at = _skip_ws(text, at + 1)
            continue
        return spans


def _elements(text: str, at: int) -> list[tuple[int, int]]:
    """Spans of the elements of the JSON array starting at `at`."""
    if text[at : at + 1] != "[":
        raise NotebookError("expected a JSON array")
    spans = []
    at = _skip_ws(text, at + 1)
    if text[at : at + 1] == "]":
        return spans
    while True:
        end = _value_end(text, at)
        spans.append((at, end))
        at = _skip_ws(text, end)
        if text[at : at + 1] == ",":
            at = _skip_ws(text, at + 1)
            continue
        return spans
