"""The README's commands, run as written, the way someone who has only the README runs them.

- The two first commands: `python3 dev.py example` here (it exits 1 and says why); `python3 dev.py
  test` is what CI runs (.ci/run), so it is not run from inside the suite it starts.
- `## Install`: each pip command, as written, in a new venv: against this checkout, and, for the
  git URL, against a local clone of it tagged as the README says (GitHub and the tag are not
  reachable from a test); the `runtime` ones with `--dry-run` added (pip resolves torch==2.13.0
  without downloading it).
- Every `$ command` of a ```console block runs in a scratch folder holding a copy of examples/,
  with this venv's `initlint` on PATH; the output shown must be the real output (`...` stands for
  lines left out), and `$ echo $?` the real exit status.
- The config block is a config initlint accepts; the editor snippets parse (JSON, Lua, TOML) and
  start `initlint server` for Python files.
- `## Use it in your project` (pre-commit, CI, flake8, ruff) is run by tests/test_integrations.py.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import tomllib
import venv
from pathlib import Path

import pytest

from initlint import __version__

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent
GITHUB = "https://github.com/initlint/initlint"
CONFIG_MODEL = textwrap.dedent(
    """\
    from dataclasses import dataclass

    import torch.nn as nn


    @dataclass
    class Config:
        vocab: int = 100
        dim: int = 64
        depth: int = 2


    class Block(nn.Module):
        def __init__(self, config: Config):
            super().__init__()
            self.up = nn.Linear(config.dim, 4 * config.dim)
            self.act = nn.GELU()
            self.down = nn.Linear(4 * config.dim, config.dim)

        def forward(self, x):
            return x + self.down(self.act(self.up(x)))


    class Transformer(nn.Module):
        def __init__(self, config: Config):
            super().__init__()
            self.embed = nn.Embedding(config.vocab, config.dim)
            self.blocks = nn.ModuleList(Block(config) for _ in range(config.depth))
            self.head = nn.Linear(config.dim, config.vocab)

        def forward(self, tokens):
            x = self.embed(tokens)
            for block in self.blocks:
                x = block(x)
            return self.head(x)
    """
)


def section(title: str) -> str:
    return README.split(f"\n{title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(lang: str, text: str = README) -> list[str]:
    return [body for info, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S) if info == lang]


def commands(block: str) -> list[str]:
    """The commands of a sh block: one a line, comments dropped."""
    out = []
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def env_with(bin_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "INITLINT_OUTPUT_FORMAT", "VIRTUAL_ENV")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def sh(command: str, cwd: Path, bin_dir: Path = BIN, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(command, shell=True, cwd=cwd, env=env_with(bin_dir), capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------------------
# The first two commands


def test_readme_starts_with_the_two_commands():
    first = blocks("sh")[0]
    assert README.index(first) < README.index("\n## ")
    assert commands(first) == ["python3 dev.py example", "python3 dev.py test"]


def test_dev_py_example_exits_1_and_says_why():
    done = sh("python3 dev.py example", ROOT)
    assert done.returncode == 1, done.stderr
    assert "examples/model.py:" in done.stdout and "Found" in done.stdout
    assert "exit status 1 is expected" in done.stderr and ".venv/bin/initlint check --diff examples/" in done.stderr
    # and the command it suggests runs as written
    suggested = sh(".venv/bin/initlint check --diff examples/", ROOT)
    assert suggested.returncode == 1 and suggested.stdout.startswith("--- examples/model.py")


# --------------------------------------------------------------------------------------
# Install


@pytest.fixture(scope="module")
def tagged_clone(tmp_path_factory) -> Path:
    """A clone of this checkout's HEAD with the release tag the README names."""
    clone = tmp_path_factory.mktemp("git") / "initlint"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "-f", f"v{__version__}"], check=True)
    return clone


def new_venv(folder: Path) -> Path:
    """A new venv with a current pip (the one Python bundles may be years old; dev.py upgrades
    it too; the pip Python 3.11 bundles, 23.2, refuses the git+file:// URL that stands in for GitHub here)."""
    venv.EnvBuilder(with_pip=True).create(folder)
    subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True, capture_output=True)
    return folder / "bin"


def as_run_here(command: str, clone: Path) -> str:
    """The README's command, with the git URL pointing at the local clone, and --dry-run for
    torch's extra."""
    command = command.replace(f"git+{GITHUB}@", f"git+file://{clone}@")
    if "runtime" in command:
        command = command.replace("pip install ", "pip install --dry-run ", 1)
    return command


def test_install_section_names_the_release_tag_and_every_pip_command():
    text = section("## Install")
    assert f"@v{__version__}'" in text
    installs = {c for b in blocks("sh", text) for c in commands(b)}
    elsewhere = {c for b in blocks("sh") + blocks("console") for c in commands(b.replace("$ ", "")) if c.startswith("pip install")}
    assert elsewhere <= installs, elsewhere - installs


@pytest.mark.parametrize("where", ["checkout", "git"])
def test_install_commands_work_as_written(tmp_path, tagged_clone, where):
    install_blocks = blocks("sh", section("## Install"))
    chosen = [c for b in install_blocks for c in commands(b) if ("git+" in c) == (where == "git")]
    assert chosen
    bin_dir = new_venv(tmp_path / "venv")
    for command in chosen:
        done = sh(as_run_here(command, tagged_clone), ROOT, bin_dir)
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        if "runtime" in command:
            assert "torch-2.13.0" in done.stdout, done.stdout[-2000:]
    version = sh("initlint --version", tmp_path, bin_dir)
    assert version.stdout.strip() == f"initlint {__version__}"
    (tmp_path / "model.py").write_text((ROOT / "examples" / "model.py").read_text(encoding="utf-8"), encoding="utf-8")
    checked = sh("initlint check model.py", tmp_path, bin_dir)
    assert checked.returncode == 1 and "model.py:20:22: IL101" in checked.stdout
    assert str(bin_dir.parent) in sh("python -c 'import initlint; print(initlint.__file__)'", tmp_path, bin_dir).stdout
    if where == "checkout":
        assert sh("python -c 'import pygls, initlint.server'", tmp_path, bin_dir).returncode == 0  # the server extra
    else:  # the server extra went in with --dry-run only: `initlint server` says what is missing
        done = sh("initlint server < /dev/null", tmp_path, bin_dir)
        assert done.returncode == 2 and "initlint[server]" in done.stderr, done.stderr


# --------------------------------------------------------------------------------------
# Console examples


def console_sessions() -> list[list[tuple[str, list[str]]]]:
    """Each ```console block as [(command, lines shown after it)]."""
    sessions = []
    for block in blocks("console"):
        steps: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((re.sub(r"\s+#.*$", "", line[2:]).strip(), []))
            elif steps:
                steps[-1][1].append(line)
        sessions.append(steps)
    return sessions


def assert_shown(shown: list[str], output: str, command: str) -> None:
    """The lines shown are the output's, in order; `...` stands for any lines."""
    actual = output.splitlines()
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        try:
            at = actual.index(line, at) + 1
        except ValueError:
            raise AssertionError(f"`{command}`: README shows a line the command does not print:\n{line}\n--- printed:\n{output}") from None


@pytest.mark.parametrize("session", console_sessions(), ids=lambda s: s[-1][0][:60] if s else "empty")
def test_console_examples_print_what_the_readme_shows(tmp_path, session):
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "mymodel.py").write_text(CONFIG_MODEL, encoding="utf-8")  # the recipe's "your model"
    (recipe,) = [b for b in blocks("python") if b.startswith("# verify_recipe.py")]
    (tmp_path / "verify_recipe.py").write_text(recipe, encoding="utf-8")
    status = None
    for command, shown in session:
        if command.startswith("pip install"):
            assert command in {c for b in blocks("sh", section("## Install")) for c in commands(b)}
            continue  # run as written by test_install_commands_work_as_written
        if command == "echo $?":
            assert shown == [str(status)], f"README says exit {shown}, the command exited {status}"
            continue
        done = sh(command, tmp_path)
        status = done.returncode
        assert status in (0, 1), f"{command}\n{done.stderr}"
        assert_shown(shown, done.stdout, command)
        if "verify_recipe.py:build" in command:
            assert status == 1 and "blocks.0.up" in done.stdout and "verify_recipe.py:build: traced" in done.stdout


def test_inline_commands_run():
    """Commands the prose names (in backticks) run on the example: (as the README writes it,
    as run, exit status)."""
    for written, command, status in [
        ("`initlint inspect examples/`", "initlint inspect examples/", 0),
        ("`--output-format json`", "initlint inspect --output-format json examples/", 0),
        ("`initlint check --diff src/`", "initlint check --diff examples/", 1),
        ("`initlint rule CODE`", "initlint rule IL101", 0),
        ("`initlint rules`", "initlint rules", 0),
        ("`python -m initlint`", "python -m initlint --version", 0),
    ]:
        assert written in README, written
        done = sh(command, ROOT)
        assert done.returncode == status, f"{command}\n{done.stderr}"
        assert done.stdout.strip()


# --------------------------------------------------------------------------------------
# Config and editor snippets


def test_config_block_is_a_config_initlint_accepts(tmp_path):
    (block,) = [b for b in blocks("toml", section("## Command line")) if "[tool.initlint]" in b]
    (tmp_path / "pyproject.toml").write_text(block, encoding="utf-8")
    (tmp_path / "model.py").write_text((ROOT / "examples" / "model.py").read_text(encoding="utf-8"), encoding="utf-8")
    done = sh("initlint check model.py", tmp_path)
    assert done.returncode == 1 and "error" not in done.stderr, done.stderr
    assert "IL104" not in done.stdout  # its ignore applies


def editor_section() -> str:
    return section("## Use it in your project").split("### In your editor", 1)[1]


def test_vscode_snippet_starts_the_server_for_python():
    (block,) = blocks("json", editor_section())
    settings = json.loads(block)
    assert [settings["glspc.server.command"], *settings["glspc.server.commandArguments"]] == ["initlint", "server"]
    assert settings["glspc.server.languageId"] == ["python"]


def test_neovim_snippets_are_lua_that_start_the_server_for_python():
    from luaparser import ast as lua

    snippets = blocks("lua", editor_section())
    assert len(snippets) == 2
    for snippet in snippets:
        tree = lua.parse(snippet)  # raises on a syntax error
        text = lambda node: node.s.decode() if isinstance(node.s, bytes) else node.s  # noqa: E731
        tables = {}  # `key = { "a", "b" }` fields: key -> ["a", "b"]
        for node in lua.walk(tree):
            if isinstance(node, lua.Field) and isinstance(node.key, lua.Name) and isinstance(node.value, lua.Table):
                values = [f.value for f in node.value.fields]
                if values and all(isinstance(v, lua.String) for v in values):
                    tables[node.key.id] = [text(v) for v in values]
        assert tables["cmd"] == ["initlint", "server"] and tables["filetypes"] == ["python"]


def test_helix_snippet_starts_the_server_for_python():
    (block,) = [b for b in blocks("toml", editor_section())]
    config = tomllib.loads(block)
    server = config["language-server"]["initlint"]
    assert [server["command"], *server["args"]] == ["initlint", "server"]
    (python,) = [language for language in config["language"] if language["name"] == "python"]
    assert "initlint" in python["language-servers"]


def test_editor_snippets_command_is_a_working_server():
    """What the snippets start: `initlint server`, which answers `initialize` on stdin/stdout."""
    message = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}})
    exit_messages = [
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        json.dumps({"jsonrpc": "2.0", "method": "exit"}),
    ]
    payload = "".join(f"Content-Length: {len(m.encode())}\r\n\r\n{m}" for m in [message, *exit_messages])
    done = subprocess.run(shlex.split("initlint server"), input=payload.encode(), capture_output=True, env=env_with(BIN), timeout=120)
    assert done.returncode == 0, done.stderr
    body = done.stdout.split(b"\r\n\r\n", 1)[1]
    reply = json.loads(body[: int(re.match(rb"Content-Length: (\d+)", done.stdout).group(1))])
    capabilities = reply["result"]["capabilities"]
    assert reply["result"]["serverInfo"] == {"name": "initlint", "version": __version__}
    assert capabilities["hoverProvider"] and "source.fixAll.initlint" in capabilities["codeActionProvider"]["codeActionKinds"]
