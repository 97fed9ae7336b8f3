"""`initlint server`: initlint in the editor, as a language server (LSP over stdio, on pygls).

Per open Python document: diagnostics on open, change and save; code actions (apply this
fix, apply every safe fix of the file as `source.fixAll.initlint`, add `# noqa: CODE`);
hover on a finding shows its rule's page, as `initlint rule CODE` prints it. Settings come
from the document's `pyproject.toml`, found and read as `initlint check` does (api.resolve),
again at every analysis, so an edited config applies at once.

Choices, and why:
- Full text sync: pygls applies incremental changes with `str.splitlines`, which also breaks
  lines at form feeds and other characters Python and LSP do not; a full text is never wrong.
- One analysis thread for the whole server; the analysis (libcst, imported once, at start-up)
  holds module-level scratch state, so two analyses never run at once. The event loop stays
  free meanwhile, to read the editor's messages and answer hovers.
- Debounced by coalescing: a change starts an analysis at once when none is running for the
  document; changes that arrive while one runs are folded into one more run on the newest
  text, and diagnostics of a text that is already outdated are never published. Typing thus
  costs one analysis at a time per document, and a pause shows diagnostics after one run.
- Warm: the parsed pieces of each document's last version are kept (syntax.parse.parse_by_statement
  reuses the top-level statements that did not change), and the result of the last text is
  kept, so a save or a re-lint of an unchanged text costs nothing. All of it in memory: the
  on-disk cache of `initlint check` holds file models for its program stage, and fixes are
  always planned from a fresh analysis, which an editor's code actions need anyway.
- Code actions come from the findings of the text they were computed on and carry its
  version, so a client applies them to that text or not at all. Each fix goes through the
  fixer's safety check (fixer.fix_source), as under `--fix`.
- Notebooks through LSP's notebook document sync: the cells the editor holds are
  concatenated as `initlint check` does for an .ipynb file (notebook.from_cells), findings go
  to the cell they are in, and a fix replaces the text of the cells it changes (checked by
  notebook.fix). An .ipynb opened as a plain text document (its JSON) gets its findings at its
  first line, with their cells named, or one diagnostic where its JSON is invalid.
- Nothing a document holds may stop the server: text that does not parse gives a
  diagnostic at the error; a bug of ours gives a diagnostic and a logged traceback.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import io
import logging
import re
import tokenize
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__, api, notebook, sources
from .config import ConfigError
from .model import Edit, FileError, Finding

log = logging.getLogger("initlint.server")

SOURCE = "initlint"
FIX_ALL_KIND = "source.fixAll.initlint"
PYTHON_SUFFIXES = sources.PYTHON_SUFFIXES


@dataclass
class Snapshot:
    """What one analysis reads: a text document's text, or a notebook document's cells."""

    text: Optional[str]
    version: Optional[int]
    cells: Optional[tuple] = None  # notebook documents: ((cell uri, notebook.Cell, cell version), ...)


@dataclass
class Outcome:
    """What one analysis of one snapshot gave."""

    text: str  # the Python text analysed (a notebook's concatenated cells)
    version: Optional[int]
    snapshot: Optional[Snapshot] = None
    nb: Optional[notebook.Notebook] = None  # a notebook's map from the text to its cells
    memo: Optional[tuple] = None  # what decided the findings besides the text (settings, ignores)
    findings: list[Finding] = field(default_factory=list)
    error: Optional[FileError] = None  # the text does not parse, or a bug of ours
    config_error: Optional[str] = None
    excluded: bool = False  # the config's exclude names the file: no diagnostics


@dataclass
class View:
    """A document a request names, as analysed: a text document, or one cell of a notebook."""

    uri: str
    text: str
    version: Optional[int]
    findings: list  # (finding in this document's lines, the finding as analysed)
    outcome: Outcome
    cell: Optional[int] = None  # a notebook cell's number


@dataclass
class DocumentState:
    uri: str
    path: str
    is_notebook: bool = False  # a notebook document (cells), not a text document
    pieces: dict = field(default_factory=dict)  # parse_by_statement's reuse of the last version
    outcome: Optional[Outcome] = None  # of the last analysis
    task: Optional[asyncio.Task] = None  # the running analysis loop, if any


class InitlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "initlint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[
                    types.NotebookDocumentFilterWithCells(cells=[types.NotebookCellLanguage(language="python")], notebook="*")
                ],
                save=True,
            )
            if notebook is not None
            else None,
        )
        self.documents: dict[str, DocumentState] = {}
        self.analyser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="initlint-analysis")
        self.stopping = False

    # ----------------------------------------------------------------------------------
    # Scheduling

    def lint(self, uri: str) -> None:
        """Analyse the document now, or, if an analysis of it is running, once more after it."""
        state = self.state(uri)
        if state is None:
            return
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(self._lint_loop(state))
            state.task.add_done_callback(_log_failure)

    def state(self, uri: str, is_notebook: bool = False) -> Optional[DocumentState]:
        state = self.documents.get(uri)
        if state is None:
            path = to_fs_path(uri)
            suffixes = PYTHON_SUFFIXES if notebook is None else (*PYTHON_SUFFIXES, notebook.SUFFIX)
            if path is None or not path.endswith(suffixes) or (is_notebook and notebook is None):
                return None
            state = self.documents[uri] = DocumentState(uri, path, is_notebook)
        return state

    def snapshot(self, state: DocumentState) -> Optional[Snapshot]:
        """The document as the editor holds it now (None once closed)."""
        if self.documents.get(state.uri) is not state:
            return None
        if not state.is_notebook:
            document = self.workspace.text_documents.get(state.uri)
            return None if document is None else Snapshot(document.source, document.version)
        held = self.workspace.get_notebook_document(notebook_uri=state.uri)
        if held is None:
            return None
        cells = []
        for cell in held.cells:
            document = self.workspace.text_documents.get(cell.document)
            kind = "code" if cell.kind == types.NotebookCellKind.Code else "markdown"
            language = (document.language_id if document is not None else None) or "python"
            source = document.source if document is not None else ""
            cells.append((cell.document, notebook.Cell(kind, source, language), document.version if document else None))
        return Snapshot(None, held.version, tuple(cells))

    async def _lint_loop(self, state: DocumentState) -> None:
        loop = asyncio.get_running_loop()
        while True:
            snapshot = self.snapshot(state)
            if snapshot is None:
                return  # closed meanwhile
            try:
                outcome = await loop.run_in_executor(self.analyser, analyse, state, snapshot)
            except RuntimeError as error:
                if self.stopping:
                    return
                outcome = _failed(state, snapshot, error)
            except Exception as error:  # a bug of ours outside the analysis proper
                outcome = _failed(state, snapshot, error)
            state.outcome = outcome
            current = self.snapshot(state)
            if current is None:
                return
            if current == snapshot:
                self.publish(state, outcome)
                return
            # Changed while it ran: its diagnostics are outdated; go again on the newest text.

    async def fresh(self, uri: str) -> Optional[Outcome]:
        """The outcome for the document's current content, analysing it first if needed."""
        state = self.documents.get(uri)
        if state is None:
            return None
        for _ in range(3):
            current = self.snapshot(state)
            if current is None:
                return None
            if state.outcome is not None and state.outcome.snapshot == current:
                return state.outcome
            self.lint(uri)
            if state.task is not None:
                await asyncio.shield(state.task)
        return None

    def publish(self, state: DocumentState, outcome: Outcome) -> None:
        if outcome.snapshot is None or outcome.snapshot.cells is None:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=state.uri, diagnostics=self.diagnostics(outcome), version=outcome.version)
            )
            return
        # A notebook: each cell is a text document of its own, with its own diagnostics.
        per_cell: dict[int, list[types.Diagnostic]] = {number: [] for number in range(1, len(outcome.snapshot.cells) + 1)}
        for number, diagnostic in self.cell_diagnostics(outcome):
            per_cell.setdefault(number, []).append(diagnostic)
        for number, diagnostics in per_cell.items():
            uri, _, version = outcome.snapshot.cells[number - 1]
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def cell_diagnostics(self, outcome: Outcome) -> list[tuple[int, types.Diagnostic]]:
        """(cell number, diagnostic in that cell's coordinates) for a notebook document."""
        assert outcome.snapshot is not None and outcome.snapshot.cells is not None
        out = []
        cell_texts = [cell.source for _, cell, _ in outcome.snapshot.cells]
        if outcome.nb is None or outcome.config_error or outcome.error is not None and outcome.error.line is None:
            first = outcome.nb.cells[0].number if outcome.nb is not None and outcome.nb.cells else 1
            shown = Outcome(cell_texts[first - 1], None, config_error=outcome.config_error, error=outcome.error)
            out.extend((first, d) for d in self.diagnostics(shown))
        elif outcome.error is not None:
            number, line = outcome.nb.locate(outcome.error.line)
            error = FileError(outcome.error.path, outcome.error.message, line, outcome.error.column)
            out.extend((number, d) for d in self.diagnostics(Outcome(cell_texts[number - 1], None, error=error)))
        for finding in outcome.nb.to_cells(outcome.findings) if outcome.nb is not None else ():
            local = dataclasses.replace(finding, cell=None)  # its lines are the cell's: ranges as in a file
            out.extend((finding.cell, d) for d in self.diagnostics(Outcome(cell_texts[finding.cell - 1], None, findings=[local])))
        return out

    # ----------------------------------------------------------------------------------
    # LSP shapes

    def codec(self):
        return self.workspace.position_codec

    def diagnostics(self, outcome: Outcome) -> list[types.Diagnostic]:
        lines = _lines(outcome.text)
        out = []
        if outcome.config_error:
            out.append(
                types.Diagnostic(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    message=f"initlint: config error: {outcome.config_error}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            )
        if outcome.error is not None:
            error = outcome.error
            line = max((error.line or 1) - 1, 0)
            at = self.position(lines, line + 1, error.column or 1)
            out.append(
                types.Diagnostic(
                    range=types.Range(at, at),
                    message=error.message,
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            )
        for finding in outcome.findings:
            from .report import rule_url

            message = finding.message
            if finding.no_fix:
                message += f"\nno autofix: {finding.no_fix}"
            elif finding.fix is not None and finding.fix.applicability == "unsafe":
                message += "\n(unsafe fix available)"
            where = self.range(lines, finding)
            if getattr(finding, "cell", None) is not None:  # an .ipynb's JSON as a text document: say the cell, at its top
                message = f"cell {finding.cell}:{finding.line}:{finding.column}: {message}"
                where = types.Range(types.Position(0, 0), types.Position(0, 0))
            out.append(
                types.Diagnostic(
                    range=where,
                    message=message,
                    severity=types.DiagnosticSeverity.Warning,
                    code=finding.code,
                    code_description=types.CodeDescription(href=rule_url(finding.code)),
                    source=SOURCE,
                )
            )
        return out

    def position(self, lines: list[str], line: int, column: int) -> types.Position:
        """A 1-based line and 1-based column in characters as an LSP position in the client's units."""
        if line > len(lines):  # the end of the text
            if not lines:
                return types.Position(0, 0)
            last = lines[-1]
            if _ending(last):
                return types.Position(len(lines), 0)
            return types.Position(len(lines) - 1, self.codec().client_num_units(last))
        content = lines[line - 1]
        content = content[: len(content) - len(_ending(content))]
        return types.Position(line - 1, self.codec().client_num_units(content[: max(column - 1, 0)]))

    def range(self, lines: list[str], finding: Finding) -> types.Range:
        return types.Range(
            self.position(lines, finding.line, finding.column), self.position(lines, finding.end_line, finding.end_column)
        )

    def text_edit(self, lines: list[str], edit: Edit) -> types.TextEdit:
        return types.TextEdit(
            range=types.Range(self.position(lines, edit.line, edit.column), self.position(lines, edit.end_line, edit.end_column)),
            new_text=edit.content,
        )

    def workspace_edit(self, changes: dict[str, tuple[Optional[int], list[types.TextEdit]]]) -> types.WorkspaceEdit:
        """{uri: (version the edits are for, edits)} as the client can take it: versioned where
        it says it can (a client then refuses edits of a text that has changed since)."""
        capabilities = self.client_capabilities.workspace
        if capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits
                    )
                    for uri, (version, edits) in changes.items()
                ]
            )
        return types.WorkspaceEdit(changes={uri: edits for uri, (_, edits) in changes.items()})

    def character(self, lines: list[str], position: types.Position) -> tuple[int, int]:
        """An LSP position as a 1-based line and 1-based column in characters."""
        if position.line >= len(lines):
            return len(lines) + 1, 1
        content = lines[position.line]
        units = 0
        for index, char in enumerate(content):
            if units >= position.character or char in "\r\n":
                return position.line + 1, index + 1
            units += self.codec().client_num_units(char)
        return position.line + 1, len(content) + 1

    # ----------------------------------------------------------------------------------
    # Requests

    async def view(self, uri: str) -> Optional["View"]:
        """The requested document, analysed as it is now: a text document or a notebook's cell."""
        held = self.workspace.get_notebook_document(cell_uri=uri)
        if held is not None:
            outcome = await self.fresh(held.uri)
            if outcome is None or outcome.nb is None or outcome.snapshot is None or outcome.snapshot.cells is None:
                return None
            numbers = [n for n, (cell_uri, _, _) in enumerate(outcome.snapshot.cells, 1) if cell_uri == uri]
            if not numbers:
                return None
            _, cell, version = outcome.snapshot.cells[numbers[0] - 1]
            pairs = [(local, flat) for local, flat in zip(outcome.nb.to_cells(outcome.findings), outcome.findings) if local.cell == numbers[0]]
            return View(uri, cell.source, version, pairs, outcome, numbers[0])
        outcome = await self.fresh(uri)
        if outcome is None or outcome.nb is not None:
            return None  # not open, or an .ipynb's JSON: diagnostics only
        return View(uri, outcome.text, outcome.version, [(f, f) for f in outcome.findings], outcome)

    def fix_edits(self, view: "View", findings: list[Finding], unsafe: bool) -> tuple[dict, int]:
        """({uri: (version, edits)}, fixes applied) for the fixes of `findings` (as analysed),
        checked by the fixer as `--fix` checks them; ({}, 0) if none applies or the check fails."""
        from . import fixer

        outcome = view.outcome
        if outcome.nb is None:
            fixed = fixer.fix_source(outcome.text, findings, to_fs_path(view.uri) or view.uri, unsafe)
            if fixed.error is not None:
                log.error("%s", fixed.error)
            if fixed.error is not None or not fixed.edits:
                return {}, 0
            lines = _lines(outcome.text)
            return {view.uri: (outcome.version, [self.text_edit(lines, e) for e in fixed.edits])}, len(fixed.fixed)
        result = notebook.fix(outcome.nb, findings, unsafe)
        if result.error is not None:
            log.error("%s", result.error)
        if result.error is not None or not result.new_sources:
            return {}, 0
        changes = {}
        for number, new_source in result.new_sources.items():
            uri, cell, version = outcome.snapshot.cells[number - 1]
            lines = _lines(cell.source)
            whole = types.Range(types.Position(0, 0), self.position(lines, len(lines) + 1, 1))
            changes[uri] = (version, [types.TextEdit(range=whole, new_text=new_source)])
        return changes, len(result.fixed)

    def code_actions(self, view: "View", request: types.Range, only: Optional[list[str]]) -> list[types.CodeAction]:
        def wanted(kind: str) -> bool:
            return not only or any(kind == o or kind.startswith(o + ".") for o in only)

        lines = _lines(view.text)
        first, last = request.start.line + 1, request.end.line + 1
        here = [(local, flat) for local, flat in view.findings if local.line <= last and local.end_line >= first]
        actions: list[types.CodeAction] = []
        if wanted(types.CodeActionKind.QuickFix):
            for local, flat in here:
                diagnostic = types.Diagnostic(range=self.range(lines, local), message=local.message, code=local.code, source=SOURCE)
                if flat.fix is not None and flat.fix.edits:
                    changes, _ = self.fix_edits(view, [flat], unsafe=True)
                    if changes:
                        actions.append(
                            types.CodeAction(
                                title=f"{flat.code}: {flat.fix.message}",  # an unsafe fix's message says so
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=[diagnostic],
                                is_preferred=flat.fix.applicability == "safe",
                                edit=self.workspace_edit(changes),
                            )
                        )
                noqa = noqa_edit(view.outcome.text, flat)
                if noqa is not None and view.cell is not None:
                    # The concatenated text's line, as a line of the cell (it is the same line).
                    number, line = view.outcome.nb.locate(noqa.line)
                    noqa = Edit(noqa.content, line, noqa.column, line, noqa.end_column) if number == view.cell else None
                if noqa is not None:
                    actions.append(
                        types.CodeAction(
                            title=f"{flat.code}: add `# noqa: {flat.code}` (disable for this line)",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[diagnostic],
                            edit=self.workspace_edit({view.uri: (view.version, [self.text_edit(lines, noqa)])}),
                        )
                    )
        # Editors ask for fix-all on save (`source.fixAll`; in a notebook, `notebook.source.fixAll`).
        kind = f"notebook.{FIX_ALL_KIND}" if view.cell is not None and only and any(o.startswith("notebook.") for o in only) else FIX_ALL_KIND
        if wanted(kind):
            changes, count = self.fix_edits(view, [flat for _, flat in view.findings] if view.cell is None else view.outcome.findings, unsafe=False)
            if changes:
                where = "notebook" if view.cell is not None else "file"
                actions.append(
                    types.CodeAction(
                        title=f"initlint: apply {count} safe fix{'es' if count != 1 else ''} in this {where}",
                        kind=kind,
                        edit=self.workspace_edit(changes),
                    )
                )
        return actions

    def hover(self, view: "View", position: types.Position) -> Optional[types.Hover]:
        from .rules import rule_doc

        lines = _lines(view.text)
        at = self.character(lines, position)
        hits = [local for local, _ in view.findings if (local.line, local.column) <= at <= (local.end_line, local.end_column)]
        if not hits:
            return None
        parts, shown = [], set()
        for finding in hits:
            parts.append(f"**{finding.code}** {finding.message}")
            if finding.code not in shown:
                shown.add(finding.code)
                parts.append(rule_doc(finding.code).rstrip())
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
            range=self.range(lines, hits[0]),
        )

    def close(self, uri: str) -> None:
        state = self.documents.pop(uri, None)
        if state is not None and state.task is not None:
            state.task.cancel()
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def stop_analyser(self) -> None:
        self.stopping = True
        for state in self.documents.values():
            if state.task is not None:
                state.task.cancel()
        self.analyser.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------------------
# The analysis of one text (runs on the analysis thread)


def analyse(state: DocumentState, snapshot: Snapshot) -> Outcome:
    """Findings of the snapshot as `initlint check` would give them for the document's file."""
    path = state.path
    outcome = Outcome(snapshot.text or "", snapshot.version, snapshot)
    try:
        config, settings = api.resolve(api.Run(paths=[path]))
    except ConfigError as error:
        outcome.config_error = str(error)
        return outcome
    if sources.matches_any(path, config.excludes, config.root):
        outcome.excluded = True
        return outcome
    as_json = snapshot.cells is None and notebook is not None and notebook.is_notebook(path)
    if notebook is not None and (snapshot.cells is not None or as_json):
        try:
            if snapshot.cells is not None:
                outcome.nb = notebook.from_cells(path, [cell for _, cell, _ in snapshot.cells])
                outcome.text = outcome.nb.text
            else:
                outcome.nb = notebook.load(path, snapshot.text or "")
        except notebook.NotebookError as error:  # an .ipynb text document whose JSON is not a notebook
            outcome.error = FileError(path, error.message, error.line, error.column)
            return outcome
    text = outcome.nb.text if outcome.nb is not None else outcome.text
    ignored = tuple(config.ignored_for(path))
    outcome.memo = (settings.key(), ignored, config.root)
    previous = state.outcome
    if previous is not None and previous.text == outcome.text and previous.memo == outcome.memo:
        outcome.findings, outcome.error = previous.findings, previous.error
        return outcome
    data = text.encode("utf-8", "surrogatepass")
    if settings.max_file_size and len(data) > settings.max_file_size:
        outcome.error = FileError(path, f"file is over the max-file-size limit ({settings.max_file_size} bytes); not checked")
        return outcome
    if not api.PREFILTER.search(data):
        return outcome
    try:
        findings, error = api.findings_of(sources.Source(path, data, text, "utf-8", False), settings, state.pieces)
    except RecursionError:
        findings, error = [], FileError(path, "too deeply nested to analyse")
    except Exception as error:  # a bug of ours: say so on the document, keep serving
        return _failed(state, snapshot, error)
    if as_json and outcome.nb is not None:
        findings = outcome.nb.to_cells(findings)
        if error is not None and error.line is not None:
            cell, line = outcome.nb.locate(error.line)
            error = FileError(path, f"cell {cell}:{line}:{error.column or 1}: {error.message}")
    outcome.findings, outcome.error = findings, error
    return outcome


def _failed(state: DocumentState, snapshot: Snapshot, error: BaseException) -> Outcome:
    log.error("analysis of %s failed", state.path, exc_info=error)
    state.pieces.clear()
    message = f"internal error: {type(error).__name__}: {error} (please report it)"
    return Outcome(snapshot.text or "", snapshot.version, snapshot, error=FileError(state.path, message))


# --------------------------------------------------------------------------------------
# Text helpers


def _lines(text: str) -> list[str]:
    from .fixer import split_lines

    return split_lines(text)


def _ending(line: str) -> str:
    from .fixer import line_ending

    return line_ending(line)


_NOQA_CODES = re.compile(r"(#\s*noqa:\s*)([A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.I)


def noqa_edit(text: str, finding: Finding) -> Optional[Edit]:
    """An edit adding `# noqa: CODE` (or the code to the line's `# noqa: ...` list) where
    the finding is suppressed (its first or last line), on a line that ends outside any
    string and without a backslash; None if no such line. The result is checked to parse
    to the same tree."""
    lines = _lines(text)
    ends = _logical_line_ends(text)
    for number in dict.fromkeys((finding.line, finding.end_line)):
        if not 1 <= number <= len(lines) or number not in ends:
            continue
        content = lines[number - 1]
        body = content[: len(content) - len(_ending(content))]
        existing = _NOQA_CODES.search(body)
        if existing:
            codes = existing.group(2)
            if any(finding.code.upper().startswith(c.upper()) for c in re.split(r"[,\s]+", codes) if c):
                return None  # already suppressed there
            at = existing.end(2)
            edit = Edit(f", {finding.code}", number, at + 1, number, at + 1)
        else:
            stripped = body.rstrip()
            edit = Edit(f"  # noqa: {finding.code}", number, len(stripped) + 1, number, len(body) + 1)
        if _same_tree(text, edit):
            return edit
    return None


def _logical_line_ends(text: str) -> set[int]:
    """Lines whose end is outside any string and not a backslash continuation: where a
    comment may go (within brackets too)."""
    ends: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT):
                ends.add(token.start[0])
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set()
    return ends


def _same_tree(text: str, edit: Edit) -> bool:
    from .fixer import apply_edits

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.dump(ast.parse(apply_edits(text, [edit]))) == ast.dump(ast.parse(text))
    except (SyntaxError, ValueError):
        return False


# --------------------------------------------------------------------------------------
# The server


def make_server() -> InitlintServer:
    server = InitlintServer()

    @server.feature(types.INITIALIZED)
    def initialized(ls: InitlintServer, params: types.InitializedParams) -> None:
        # Import the analysis now, on its thread, so that the first document does not wait for it.
        ls.analyser.submit(_warm_up)
        capabilities = ls.client_capabilities.workspace
        watched = capabilities and capabilities.did_change_watched_files
        if watched and watched.dynamic_registration:
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="initlint-config",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=[types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
                            ),
                        )
                    ]
                )
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: InitlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: InitlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: InitlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("pyproject.toml"):
            relint_all(ls)
        else:
            ls.lint(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: InitlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: InitlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        relint_all(ls)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND, f"notebook.{FIX_ALL_KIND}"]),
    )
    async def code_action(ls: InitlintServer, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        view = await ls.view(params.text_document.uri)
        return None if view is None else ls.code_actions(view, params.range, params.context.only)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: InitlintServer, params: types.HoverParams) -> Optional[types.Hover]:
        view = await ls.view(params.text_document.uri)
        return None if view is None else ls.hover(view, params.position)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: InitlintServer, params: types.DidOpenNotebookDocumentParams) -> None:
        if ls.state(params.notebook_document.uri, is_notebook=True) is not None:
            ls.lint(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: InitlintServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.lint(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: InitlintServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.lint(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: InitlintServer, params: types.DidCloseNotebookDocumentParams) -> None:
        state = ls.documents.pop(params.notebook_document.uri, None)
        if state is not None and state.task is not None:
            state.task.cancel()
        for cell in params.cell_text_documents:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=cell.uri, diagnostics=[]))

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: InitlintServer, params: None) -> None:
        ls.stop_analyser()

    return server


def _log_failure(task: asyncio.Task) -> None:
    """A lint loop that died of a bug of ours: said in the log; the next change starts another."""
    if not task.cancelled() and task.exception() is not None:
        log.error("linting a document failed", exc_info=task.exception())


def relint_all(ls: InitlintServer) -> None:
    for uri in list(ls.documents):
        ls.lint(uri)


def _warm_up() -> None:
    from . import fixer, rules  # noqa: F401  (libcst and the rest, imported once)
    from .semantics import file  # noqa: F401


def main() -> None:
    """Serve LSP on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="initlint server: %(levelname)s: %(message)s")
    make_server().start_io()
