"""`initlint server` driven as editors drive it: the real server in a subprocess, spoken to
through pytest-lsp's LanguageClient (pygls' client) over stdio.

What the server says is compared with what the command line says about the same text
(`initlint check --output-format json`, `--fix`, `initlint rule`), never with figures
written down here.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
import shutil
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from initlint.fixer import split_lines

ROOT = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "initlint", "server"]
MODEL = (ROOT / "examples" / "model.py").read_text(encoding="utf-8")
CONFIG = '[tool.initlint]\nper-file-ignores = {}\n'  # a config of its own: root (and cache) in tmp_path
TIMEOUT = 60  # seconds, only so that a hung server fails the test instead of the whole run

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=lambda: make_client()))
async def client(lsp_client: LanguageClient, workspace: Path):
    registrations: list[types.Registration] = []
    lsp_client.registrations = registrations

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            root_uri=workspace.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()


# --------------------------------------------------------------------------------------
# Helpers


def cli_findings(path: Path, *args: str) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "initlint", "check", "--output-format", "json", "--no-cache", *args, str(path)],
        capture_output=True, text=True, cwd=path.parent,
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def expected_range(finding: dict) -> types.Range:
    """The CLI's 1-based columns as LSP's 0-based positions (ASCII lines: units = characters)."""
    return types.Range(
        types.Position(finding["line"] - 1, finding["column"] - 1),
        types.Position(finding["end_line"] - 1, finding["end_column"] - 1),
    )


def offset(text: str, position: types.Position) -> int:
    """An LSP position (UTF-16 units) as an offset into text; lines as LSP splits them."""
    lines = split_lines(text)
    start = sum(len(line) for line in lines[: position.line])
    if position.line >= len(lines):
        return len(text)
    units = 0
    for index, char in enumerate(lines[position.line]):
        if units >= position.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(lines[position.line])


def apply(text: str, edit: types.WorkspaceEdit, uri: str) -> str:
    """What an editor does with a WorkspaceEdit: apply its TextEdits, last first."""
    if edit.document_changes:
        (change,) = edit.document_changes
        assert change.text_document.uri == uri
        edits = change.edits
    else:
        edits = edit.changes[uri]
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def make_client() -> LanguageClient:
    """pytest-lsp's test client, keeping every publishDiagnostics by (uri, version) for
    wait_for_diagnostics (its own keeps the last one per uri, without the version)."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = {}

    def published(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.published[(params.uri, params.version)] = list(params.diagnostics)

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: published})
    return client


async def wait_for_diagnostics(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """The next diagnostics the server publishes for `version` of the document. Start it
    (ensure_future) before sending what makes the server publish them."""
    client.published.pop((uri, version), None)

    async def published() -> list[types.Diagnostic]:
        while (uri, version) not in client.published:
            await asyncio.sleep(0.005)
        return client.published[(uri, version)]

    return await asyncio.wait_for(published(), TIMEOUT)


async def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> list[types.Diagnostic]:
    path.write_text(text, encoding="utf-8")
    waiting = asyncio.ensure_future(wait_for_diagnostics(client, path.as_uri(), version))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=path.as_uri(), language_id="python", version=version, text=text)
        )
    )
    return await waiting


async def change_document(client: LanguageClient, path: Path, text: str, version: int) -> list[types.Diagnostic]:
    waiting = asyncio.ensure_future(wait_for_diagnostics(client, path.as_uri(), version))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    return await waiting


async def code_actions(client: LanguageClient, path: Path, where: types.Range, only=None) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=where,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return list(result or [])


def summary(diagnostics: list[types.Diagnostic]) -> list[tuple]:
    return sorted((d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character) for d in diagnostics)


def cli_summary(findings: list[dict]) -> list[tuple]:
    out = []
    for f in findings:
        r = expected_range(f)
        out.append((f["code"], r.start.line, r.start.character, r.end.line, r.end.character))
    return sorted(out)


# --------------------------------------------------------------------------------------
# Diagnostics


async def test_open_publishes_the_cli_findings_with_their_ranges(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    diagnostics = await open_document(client, path, MODEL)
    findings = cli_findings(path)
    assert findings, "the example model has findings"
    assert summary(diagnostics) == cli_summary(findings)
    first = min(diagnostics, key=lambda d: (d.range.start.line, d.range.start.character))
    lines = MODEL.splitlines()
    assert lines[first.range.start.line][first.range.start.character : first.range.end.character] == "conv3x3(planes, planes)"
    assert first.source == "initlint" and first.severity == types.DiagnosticSeverity.Warning
    assert first.code_description.href.endswith(f"rules/{first.code}/README.md")


async def test_ranges_count_utf16_units_after_non_ascii_text(client: LanguageClient, workspace: Path):
    # An emoji is two UTF-16 units (VS Code's default encoding), one character for Python.
    text = textwrap.dedent(
        """\
        import torch.nn as nn


        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.label = "😀";  self.fc = nn.Linear(8, 8)

            def forward(self, x):
                return self.fc(x).relu()
        """
    )
    path = workspace / "emoji.py"
    (diagnostic,) = await open_document(client, path, text)
    (finding,) = cli_findings(path)
    line = text.splitlines()[finding["line"] - 1]
    before = line[: finding["column"] - 1]
    assert "😀" in before
    assert diagnostic.range.start.character == finding["column"] - 1 + 1  # one more unit for the emoji
    assert diagnostic.range.end.character == finding["end_column"] - 1 + 1


async def test_change_republishes_and_a_syntax_error_is_a_diagnostic_not_a_crash(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    await open_document(client, path, MODEL)
    broken = MODEL.replace("class Model(nn.Module):", "class Model(nn.Module)")
    diagnostics = await change_document(client, path, broken, 2)
    (error,) = diagnostics
    assert error.severity == types.DiagnosticSeverity.Error and "SyntaxError" in error.message
    assert broken.splitlines()[error.range.start.line].startswith("class Model(nn.Module)")
    # The server lives on: the mended text gets its findings again.
    diagnostics = await change_document(client, path, MODEL, 3)
    assert summary(diagnostics) == cli_summary(cli_findings(path))


async def test_changes_in_a_burst_end_in_the_diagnostics_of_the_last_text(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    first = await open_document(client, path, MODEL)
    texts = [MODEL.replace("self.gate = nn.Linear(128, 128)", "self.gate = nn.Linear(128, 128)" + " " * n) for n in range(1, 6)]
    texts[-1] = MODEL.replace("F.relu", "F.gelu")  # a different set of findings at the end
    for version, text in enumerate(texts[:-1], start=2):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
    diagnostics = await change_document(client, path, texts[-1], len(texts) + 1)
    path.write_text(texts[-1], encoding="utf-8")
    assert summary(diagnostics) == cli_summary(cli_findings(path))
    assert summary(diagnostics) != summary(first)


async def test_config_of_the_workspace_applies(client: LanguageClient, workspace: Path):
    (workspace / "pyproject.toml").write_text('[tool.initlint]\nignore = ["IL103"]\n', encoding="utf-8")
    path = workspace / "model.py"
    diagnostics = await open_document(client, path, MODEL)
    codes = {d.code for d in diagnostics}
    assert "IL103" not in codes and "IL101" in codes
    assert summary(diagnostics) == cli_summary(cli_findings(path))
    # The server asked to hear of config changes; one re-lints open documents with the new config.
    (registration,) = client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    assert [w["globPattern"] for w in registration.register_options["watchers"]] == ["**/pyproject.toml"]
    (workspace / "pyproject.toml").write_text('[tool.initlint]\nignore = ["IL101"]\n', encoding="utf-8")
    waiting = asyncio.ensure_future(wait_for_diagnostics(client, path.as_uri(), 1))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(workspace / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    codes = {d.code for d in await waiting}
    assert "IL101" not in codes and "IL103" in codes
    # So does saving pyproject.toml in the editor (clients that watch no files).
    (workspace / "pyproject.toml").write_text('[tool.initlint]\nignore = ["IL106"]\n', encoding="utf-8")
    waiting = asyncio.ensure_future(wait_for_diagnostics(client, path.as_uri(), 1))
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=(workspace / "pyproject.toml").as_uri()))
    )
    codes = {d.code for d in await waiting}
    assert "IL106" not in codes and {"IL101", "IL103"} <= codes


async def test_an_excluded_file_gets_no_diagnostics(client: LanguageClient, workspace: Path):
    (workspace / "pyproject.toml").write_text('[tool.initlint]\nexclude = ["legacy/"]\n', encoding="utf-8")
    (workspace / "legacy").mkdir()
    assert await open_document(client, workspace / "legacy" / "model.py", MODEL) == []


async def test_a_bad_config_is_a_diagnostic(client: LanguageClient, workspace: Path):
    (workspace / "pyproject.toml").write_text('[tool.initlint]\nselect = ["XX9"]\n', encoding="utf-8")
    (diagnostic,) = await open_document(client, workspace / "model.py", MODEL)
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "XX9" in diagnostic.message and "pyproject.toml" in diagnostic.message


# --------------------------------------------------------------------------------------
# Code actions and hover


async def test_quick_fix_inserts_what_the_cli_fix_inserts(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    diagnostics = await open_document(client, path, MODEL)
    target = next(d for d in diagnostics if d.code == "IL103")
    actions = await code_actions(client, path, target.range)
    fixes = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "noqa" not in a.title]
    (fix,) = fixes
    assert fix.title.startswith("IL103: Initialise")
    fixed = apply(MODEL, fix.edit, path.as_uri())
    added = [line for line in split_lines(fixed) if line not in split_lines(MODEL)]
    assert added == ['        nn.init.kaiming_uniform_(self.gate.weight, nonlinearity="tanh")\n']
    # The edited text, sent back as the editor would, no longer has that finding.
    diagnostics = await change_document(client, path, fixed, 2)
    assert "IL103" not in {d.code for d in diagnostics}
    path.write_text(fixed, encoding="utf-8")
    assert summary(diagnostics) == cli_summary(cli_findings(path))


async def test_fix_all_equals_cli_fix(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    await open_document(client, path, MODEL)
    everywhere = types.Range(types.Position(0, 0), types.Position(0, 0))
    (action,) = await code_actions(client, path, everywhere, only=[types.CodeActionKind.SourceFixAll])
    assert action.kind == "source.fixAll.initlint"
    fixed = apply(MODEL, action.edit, path.as_uri())
    subprocess.run([sys.executable, "-m", "initlint", "check", "--fix", "--no-cache", str(path)], capture_output=True, cwd=workspace)
    assert fixed == path.read_text(encoding="utf-8") != MODEL
    # Asked for quick fixes only, it is not offered.
    assert all(a.kind != "source.fixAll.initlint" for a in await code_actions(client, path, everywhere, only=["quickfix"]))


async def test_noqa_action_silences_the_finding(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    diagnostics = await open_document(client, path, MODEL)
    target = next(d for d in diagnostics if d.code == "IL101")
    (noqa,) = [a for a in await code_actions(client, path, target.range) if "noqa" in a.title]
    silenced = apply(MODEL, noqa.edit, path.as_uri())
    line = split_lines(silenced)[target.range.start.line]
    assert line.rstrip().endswith("# noqa: IL101")
    after = await change_document(client, path, silenced, 2)
    assert len(after) == len(diagnostics) - 1
    path.write_text(silenced, encoding="utf-8")
    assert summary(after) == cli_summary(cli_findings(path))


async def test_hover_shows_the_rule_page(client: LanguageClient, workspace: Path):
    path = workspace / "model.py"
    diagnostics = await open_document(client, path, MODEL)
    target = next(d for d in diagnostics if d.code == "IL106")
    inside = types.Position(target.range.start.line, target.range.start.character + 2)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=inside)
    )
    page = subprocess.run([sys.executable, "-m", "initlint", "rule", "IL106"], capture_output=True, text=True, check=True).stdout
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert page.strip() in hover.contents.value
    assert hover.contents.value.startswith(f"**IL106** {target.message.splitlines()[0]}")
    nowhere = types.Position(0, 0)
    assert await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=path.as_uri()), position=nowhere)
    ) is None


async def test_shutdown_and_exit_end_the_server_with_status_0(workspace: Path):
    client = await ClientServerConfig(server_command=SERVER, client_factory=make_client).start()
    try:
        await client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=workspace.as_uri()))
        await open_document(client, workspace / "model.py", MODEL)
        await client.shutdown_session()  # shutdown, exit, then waits for the process
        assert client._server.returncode == 0
    finally:
        await client.stop()


# --------------------------------------------------------------------------------------
# Notebooks (notebook document sync)

NOTEBOOKS = ROOT / "tests" / "data" / "notebooks"
# initlint/notebook.py and these notebooks come with the notebooks branch; until it is merged,
# the server serves Python files only and these tests have nothing to drive.
needs_notebooks = pytest.mark.skipif(
    importlib.util.find_spec("initlint.notebook") is None, reason="initlint.notebook is not merged yet"
)


def notebook_cells(path: Path) -> list[tuple[str, str, str]]:
    """(kind, source, language) of each cell of an .ipynb file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for cell in data["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        out.append((cell["cell_type"], source, "python" if cell["cell_type"] == "code" else "markdown"))
    return out


def cell_uri(path: Path, index: int) -> str:
    return f"vscode-notebook-cell:{path.as_posix()}#cell{index}"  # the scheme VS Code gives cells


async def open_notebook(client: LanguageClient, path: Path, cells: list[tuple[str, str, str]]) -> dict[int, list[types.Diagnostic]]:
    """didOpen of a notebook document; the diagnostics published for each of its cells (by index)."""
    waiting = {
        index: asyncio.ensure_future(wait_for_diagnostics(client, cell_uri(path, index), 1))
        for index, (kind, _, _) in enumerate(cells)
    }
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=path.as_uri(),
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(
                        kind=types.NotebookCellKind.Code if kind == "code" else types.NotebookCellKind.Markup,
                        document=cell_uri(path, index),
                    )
                    for index, (kind, _, _) in enumerate(cells)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=cell_uri(path, index), language_id=language, version=1, text=source)
                for index, (_, source, language) in enumerate(cells)
            ],
        )
    )
    return {index: await future for index, future in waiting.items()}


def cli_by_cell(findings: list[dict]) -> list[tuple]:
    return sorted((f["cell"] - 1, *cli_summary([f])[0]) for f in findings)


def lsp_by_cell(diagnostics: dict[int, list[types.Diagnostic]]) -> list[tuple]:
    return sorted((index, *row) for index, found in diagnostics.items() for row in summary(found))


@needs_notebooks
@pytest.mark.parametrize("name", ["markdown_between.ipynb", "magics.ipynb"])
async def test_notebook_cells_get_the_cli_findings_in_their_cells(client: LanguageClient, workspace: Path, name: str):
    path = workspace / name
    shutil.copy(NOTEBOOKS / name, path)
    diagnostics = await open_notebook(client, path, notebook_cells(path))
    findings = cli_findings(path)
    assert findings and all(f["cell"] for f in findings)
    assert lsp_by_cell(diagnostics) == cli_by_cell(findings)


@needs_notebooks
async def test_notebook_fix_all_equals_cli_fix_and_a_cell_change_relints(client: LanguageClient, workspace: Path):
    path = workspace / "markdown_between.ipynb"
    shutil.copy(NOTEBOOKS / path.name, path)
    cells = notebook_cells(path)
    diagnostics = await open_notebook(client, path, cells)
    (index, first), *_ = [(i, d) for i, found in sorted(diagnostics.items()) for d in found]
    everywhere = types.Range(types.Position(0, 0), types.Position(0, 0))
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uri(path, index)),
            range=everywhere,
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    (action,) = result
    sources = {cell_uri(path, i): source for i, (_, source, _) in enumerate(cells)}
    for change in action.edit.document_changes:
        sources[change.text_document.uri] = apply(sources[change.text_document.uri], types.WorkspaceEdit(document_changes=[change]), change.text_document.uri)
    subprocess.run([sys.executable, "-m", "initlint", "check", "--fix", "--no-cache", str(path)], capture_output=True, cwd=workspace)
    assert [source for _, source, _ in notebook_cells(path)] == list(sources.values()) != [s for _, s, _ in cells]
    # The editor sends the fixed text of one cell: that cell's findings go.
    fixed_uri = action.edit.document_changes[-1].text_document.uri
    waiting = asyncio.ensure_future(wait_for_diagnostics(client, fixed_uri, 2))
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(version=2, uri=path.as_uri()),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=fixed_uri, version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=sources[fixed_uri])],
                        )
                    ]
                )
            ),
        )
    )
    assert [d for d in await waiting if d.code in ("IL101", "IL102", "IL103", "IL105", "IL106")] == []


@needs_notebooks
async def test_notebook_quick_fix_and_noqa_on_a_cell(client: LanguageClient, workspace: Path):
    path = workspace / "markdown_between.ipynb"
    shutil.copy(NOTEBOOKS / path.name, path)
    cells = notebook_cells(path)
    diagnostics = await open_notebook(client, path, cells)
    index, target = next((i, d) for i, found in sorted(diagnostics.items()) for d in found if d.code == "IL101")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell_uri(path, index)),
            range=target.range,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    fix = next(a for a in actions if a.title.startswith("IL101: Initialise"))
    noqa = next(a for a in actions if "noqa" in a.title)
    uri = cell_uri(path, index)
    source = cells[index][1]
    fixed = apply(source, types.WorkspaceEdit(document_changes=[c for c in fix.edit.document_changes if c.text_document.uri == uri]), uri)
    assert 'nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")' in fixed
    silenced = apply(source, noqa.edit, uri)
    assert split_lines(silenced)[target.range.start.line].rstrip().endswith("# noqa: IL101")
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=target.range.start)
    )
    assert hover is not None and hover.contents.value.startswith("**IL101**")


@needs_notebooks
async def test_ipynb_as_text_with_invalid_json_is_a_diagnostic_and_the_server_goes_on(client: LanguageClient, workspace: Path):
    path = workspace / "broken.ipynb"
    (diagnostic,) = await open_document(client, path, '{"cells": [ {"cell_type": "code", ')
    assert diagnostic.severity == types.DiagnosticSeverity.Error and "invalid JSON" in diagnostic.message
    # A valid notebook as text: its findings at the top, each naming its cell.
    good = workspace / "good.ipynb"
    text = (NOTEBOOKS / "markdown_between.ipynb").read_text(encoding="utf-8")
    diagnostics = await open_document(client, good, text)
    assert sorted(d.message.split(": ", 1)[0] for d in diagnostics) == sorted(f"cell {f['cell']}:{f['line']}:{f['column']}" for f in cli_findings(good))
    # and the server still serves Python files
    assert await open_document(client, workspace / "model.py", MODEL)
