"""`initlint server` driven as editors drive it: the real server in a subprocess, spoken to
through pytest-lsp's LanguageClient (pygls' client) over stdio.

What the server says is compared with what the command line says about the same text
(`initlint check --output-format json`, `--fix`, `initlint rule`), never with figures
written down here.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

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


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
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


async def wait_for_diagnostics(client: LanguageClient, uri: str, version: int) -> list[types.Diagnostic]:
    """The diagnostics the server published for `version` of the document."""

    async def published() -> list[types.Diagnostic]:
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)

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
    client = await ClientServerConfig(server_command=SERVER).start()
    try:
        await client.initialize_session(types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=workspace.as_uri()))
        await open_document(client, workspace / "model.py", MODEL)
        await client.shutdown_session()  # shutdown, exit, then waits for the process
        assert client._server.returncode == 0
    finally:
        await client.stop()
