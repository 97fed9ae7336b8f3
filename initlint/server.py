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
- Warm: the parsed pieces of each document's last version are kept (analysis.parse_by_statement
  reuses the top-level statements that did not change), and the result of the last text is
  kept, so a save, a re-opened or a re-linted file costs nothing. A document opened or saved
  with the content of its file on disk also reads and fills the on-disk cache `initlint check`
  uses (`.initlint_cache/`).
- Code actions come from the findings of the text they were computed on and carry its
  version, so a client applies them to that text or not at all. Each fix goes through the
  fixer's safety check (fixer.fix_source), as under `--fix`.
- Nothing a document holds may stop the server: text that does not parse gives a
  diagnostic at the error; a bug of ours gives a diagnostic and a logged traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tokenize
import io
import ast
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__, api, sources
from .config import ConfigError
from .model import Edit, FileError, Finding

log = logging.getLogger("initlint.server")

SOURCE = "initlint"
FIX_ALL_KIND = "source.fixAll.initlint"
PYTHON_SUFFIXES = sources.PYTHON_SUFFIXES


@dataclass
class Outcome:
    """What one analysis of one text gave."""

    text: str
    version: Optional[int]
    memo: Optional[tuple] = None  # what decided the findings besides the text (settings, ignores)
    findings: list[Finding] = field(default_factory=list)
    error: Optional[FileError] = None  # the text does not parse, or a bug of ours
    config_error: Optional[str] = None
    excluded: bool = False  # the config's exclude names the file: no diagnostics


@dataclass
class DocumentState:
    uri: str
    path: str
    pieces: dict = field(default_factory=dict)  # parse_by_statement's reuse of the last version
    outcome: Optional[Outcome] = None  # of the last analysis
    task: Optional[asyncio.Task] = None  # the running analysis loop, if any
    on_disk: bool = False  # the next analysis may use the on-disk cache (open, save)


class InitlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("initlint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents: dict[str, DocumentState] = {}
        self.analyser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="initlint-analysis")
        self.disk_caches: dict[str, object] = {}  # cache index path -> api's cache index, opened once
        self.stopping = False

    # ----------------------------------------------------------------------------------
    # Scheduling

    def lint(self, uri: str, on_disk: bool = False) -> None:
        """Analyse the document now, or, if an analysis of it is running, once more after it."""
        state = self.state(uri)
        if state is None:
            return
        state.on_disk = state.on_disk or on_disk
        if state.task is None or state.task.done():
            state.task = asyncio.get_running_loop().create_task(self._lint_loop(state))

    def state(self, uri: str) -> Optional[DocumentState]:
        state = self.documents.get(uri)
        if state is None:
            path = to_fs_path(uri)
            if path is None or not path.endswith(PYTHON_SUFFIXES):
                return None
            state = self.documents[uri] = DocumentState(uri, path)
        return state

    async def _lint_loop(self, state: DocumentState) -> None:
        loop = asyncio.get_running_loop()
        while True:
            document = self.workspace.text_documents.get(state.uri)
            if document is None or self.documents.get(state.uri) is not state:
                return  # closed meanwhile
            text, version = document.source, document.version
            on_disk, state.on_disk = state.on_disk, False
            try:
                outcome = await loop.run_in_executor(self.analyser, analyse, state, text, version, on_disk, self.disk_caches)
            except RuntimeError as error:
                if self.stopping:
                    return
                outcome = _failed(state, text, version, error)
            except Exception as error:  # a bug of ours outside the analysis proper
                outcome = _failed(state, text, version, error)
            state.outcome = outcome
            current = self.workspace.text_documents.get(state.uri)
            if current is None or self.documents.get(state.uri) is not state:
                return
            if current.version == version and current.source == text:
                self.publish(state, outcome)
                if any(cache.added for cache in self.disk_caches.values()):
                    # Written after publishing, on the analysis thread, so no diagnostics wait for it.
                    self.analyser.submit(save_disk_caches, self.disk_caches)
                return
            # Changed while it ran: its diagnostics are outdated; go again on the newest text.

    async def fresh(self, uri: str) -> Optional[Outcome]:
        """The outcome for the document's current text, analysing it first if needed."""
        state = self.state(uri)
        document = self.workspace.text_documents.get(uri)
        if state is None or document is None:
            return None
        for _ in range(3):
            if state.outcome is not None and state.outcome.text == document.source:
                return state.outcome
            self.lint(uri)
            if state.task is not None:
                await asyncio.shield(state.task)
            document = self.workspace.text_documents.get(uri)
            if document is None:
                return None
        return state.outcome if state.outcome is not None and state.outcome.text == document.source else None

    def publish(self, state: DocumentState, outcome: Outcome) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=state.uri, diagnostics=self.diagnostics(outcome), version=outcome.version)
        )

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
            out.append(
                types.Diagnostic(
                    range=self.range(lines, finding),
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

    def workspace_edit(self, uri: str, version: Optional[int], edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        capabilities = self.client_capabilities.workspace
        versioned = bool(capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes)
        if versioned:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(
                        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=edits
                    )
                ]
            )
        return types.WorkspaceEdit(changes={uri: edits})

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

    def code_actions(self, uri: str, outcome: Outcome, request: types.Range, only: Optional[list[str]]) -> list[types.CodeAction]:
        from . import fixer

        def wanted(kind: str) -> bool:
            return not only or any(kind == o or kind.startswith(o + ".") for o in only)

        lines = _lines(outcome.text)
        first, last = request.start.line + 1, request.end.line + 1
        here = [f for f in outcome.findings if f.line <= last and f.end_line >= first]
        actions: list[types.CodeAction] = []
        path = to_fs_path(uri) or uri
        if wanted(types.CodeActionKind.QuickFix):
            for finding in here:
                if finding.fix is not None and finding.fix.edits:
                    fixed = fixer.fix_source(outcome.text, [finding], path, unsafe=True)
                    if fixed.error is None and fixed.edits:
                        actions.append(
                            types.CodeAction(
                                title=f"{finding.code}: {finding.fix.message}",  # an unsafe fix's message says so
                                kind=types.CodeActionKind.QuickFix,
                                diagnostics=[self._diagnostic_of(lines, finding)],
                                is_preferred=finding.fix.applicability == "safe",
                                edit=self.workspace_edit(uri, outcome.version, [self.text_edit(lines, e) for e in fixed.edits]),
                            )
                        )
                noqa = noqa_edit(outcome.text, finding)
                if noqa is not None:
                    actions.append(
                        types.CodeAction(
                            title=f"{finding.code}: add `# noqa: {finding.code}` (disable for this line)",
                            kind=types.CodeActionKind.QuickFix,
                            diagnostics=[self._diagnostic_of(lines, finding)],
                            edit=self.workspace_edit(uri, outcome.version, [self.text_edit(lines, noqa)]),
                        )
                    )
        if wanted(FIX_ALL_KIND):
            fixed = fixer.fix_source(outcome.text, outcome.findings, path, unsafe=False)
            if fixed.error is None and fixed.edits:
                count = len(fixed.fixed)
                actions.append(
                    types.CodeAction(
                        title=f"initlint: apply {count} safe fix{'es' if count != 1 else ''} in this file",
                        kind=FIX_ALL_KIND,
                        edit=self.workspace_edit(uri, outcome.version, [self.text_edit(lines, e) for e in fixed.edits]),
                    )
                )
            elif fixed.error is not None:
                log.error("%s", fixed.error)
        return actions

    def _diagnostic_of(self, lines: list[str], finding: Finding) -> types.Diagnostic:
        return types.Diagnostic(range=self.range(lines, finding), message=finding.message, code=finding.code, source=SOURCE)

    def hover(self, outcome: Outcome, position: types.Position) -> Optional[types.Hover]:
        from .rules import rule_doc

        lines = _lines(outcome.text)
        line, column = self.character(lines, position)
        at = (line, column)
        hits = [f for f in outcome.findings if (f.line, f.column) <= at <= (f.end_line, f.end_column)]
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
        save_disk_caches(self.disk_caches)  # the analysis thread is done: nothing else touches them


# --------------------------------------------------------------------------------------
# The analysis of one text (runs on the analysis thread)


def analyse(state: DocumentState, text: str, version: Optional[int], on_disk: bool, disk_caches: dict) -> Outcome:
    """Findings of `text` as `initlint check` would give them for the document's file."""
    outcome = Outcome(text, version)
    path = state.path
    try:
        config, settings = api.resolve(api.Run(paths=[path]))
    except ConfigError as error:
        outcome.config_error = str(error)
        return outcome
    if sources.matches_any(path, config.excludes, config.root):
        outcome.excluded = True
        return outcome
    ignored = tuple(config.ignored_for(path))
    outcome.memo = (settings.key(), ignored, config.root)
    previous = state.outcome
    if previous is not None and previous.text == text and previous.memo == outcome.memo:
        outcome.findings, outcome.error = previous.findings, previous.error
        return outcome
    data = text.encode("utf-8", "surrogatepass")
    if settings.max_file_size and len(data) > settings.max_file_size:
        outcome.error = FileError(path, f"file is over the max-file-size limit ({settings.max_file_size} bytes); not checked")
        return outcome
    source = sources.Source(path, data, text, "utf-8", False)
    cache = entry = None
    if on_disk and settings.cache_dir:
        cache, entry = _disk_entry(path, text, settings, list(ignored), disk_caches)
        if cache is not None and entry is not None:
            cached = cache.get(entry, path)
            if isinstance(cached, FileError):
                outcome.error = cached
                return outcome
            if cached is not None:
                outcome.findings = cached
                return outcome
    if not api.PREFILTER.search(data):
        return outcome
    try:
        outcome.findings, outcome.error = api.findings_of(source, settings, state.pieces)
    except RecursionError:
        outcome.error = FileError(path, "too deeply nested to analyse")
    except Exception as error:  # a bug of ours: say so on the document, keep serving
        return _failed(state, text, version, error)
    if cache is not None and entry is not None:
        value = {"error": vars(outcome.error).copy()} if outcome.error else [api.finding_to_json(f) for f in outcome.findings]
        cache.put(entry, value)
    return outcome


def _failed(state: DocumentState, text: str, version: Optional[int], error: BaseException) -> Outcome:
    log.error("analysis of %s failed", state.path, exc_info=error)
    state.pieces.clear()
    message = f"internal error: {type(error).__name__}: {error} (please report it)"
    return Outcome(text, version, error=FileError(state.path, message))


def save_disk_caches(disk_caches: dict) -> None:
    for cache in list(disk_caches.values()):
        if cache.added:
            cache.save()
            cache.added = 0


def _disk_entry(path: str, text: str, settings, ignored: list, disk_caches: dict):
    """The on-disk cache index and this file's key in it, when the file on disk holds `text`."""
    try:
        on_disk = sources.read(path, settings.max_file_size)
    except sources.ReadError:
        return None, None
    if on_disk.text != text:
        return None, None
    probe = api._CacheIndex.open(settings)
    if probe is None:
        return None, None
    cache = disk_caches.setdefault(probe.path, probe)
    return cache, cache.entry_key(on_disk.data, ignored)


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
        ls.lint(params.text_document.uri, on_disk=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: InitlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: InitlintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith("pyproject.toml"):
            relint_all(ls)
        else:
            ls.lint(uri, on_disk=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: InitlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files(ls: InitlintServer, params: types.DidChangeWatchedFilesParams) -> None:
        relint_all(ls)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND]),
    )
    async def code_action(ls: InitlintServer, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        outcome = await ls.fresh(params.text_document.uri)
        if outcome is None:
            return None
        return ls.code_actions(params.text_document.uri, outcome, params.range, params.context.only)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: InitlintServer, params: types.HoverParams) -> Optional[types.Hover]:
        outcome = await ls.fresh(params.text_document.uri)
        if outcome is None:
            return None
        return ls.hover(outcome, params.position)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: InitlintServer, params: None) -> None:
        ls.stop_analyser()

    return server


def relint_all(ls: InitlintServer) -> None:
    for uri in list(ls.documents):
        ls.lint(uri)


def _warm_up() -> None:
    from . import analysis, fixer, rules  # noqa: F401  (libcst and the rest, imported once)


def main() -> None:
    """Serve LSP on stdin/stdout until the client says exit."""
    logging.basicConfig(level=logging.WARNING, format="initlint server: %(levelname)s: %(message)s")
    make_server().start_io()
