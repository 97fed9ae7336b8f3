"""initlint where users run it, with the real tools: pre-commit (the repo's own
.pre-commit-hooks.yaml, built into a hook environment from this working tree), the README's CI
recipes and examples/github-workflow.yml run as shell scripts on throwaway git repositories,
flake8 with the plugin, ruff next to it, and the command line's shell-facing flags.

pre-commit installs the hook from this checkout with pip, which fetches libcst, click and
hatchling from the package index (CI reaches it). The hook environment is built once per session
(`hook_source` + `pre_commit_home`); `try-repo` always builds its own, so it runs once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from initlint import __version__, report

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the test environment's scripts: initlint, flake8, ruff
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "initlint tests",
    "GIT_AUTHOR_EMAIL": "tests@initlint.invalid",
    "GIT_COMMITTER_NAME": "initlint tests",
    "GIT_COMMITTER_EMAIL": "tests@initlint.invalid",
}

FLAGGED = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn


    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.fc2 = nn.Linear(16, 16)
            self.out = nn.Linear(16, 2)

        def forward(self, x):
            x = self.fc1(x).relu()
            x = torch.tanh(self.fc2(x))
            return self.out(x)
    """
)
FIX_LINE = '        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")'
# a sigmoid gate: reported (IL104), never autofixed
# a Tanh the model returns: an output head, reported and never fixed
UNFIXABLE = FLAGGED.replace("return self.out(x)", "return torch.tanh(self.out(x))")
CLEAN = textwrap.dedent(
    """\
    import torch.nn as nn


    class Clean(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")

        def forward(self, x):
            return self.fc(x).relu()
    """
)


def tool_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "INITLINT_OUTPUT_FORMAT")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(GIT_IDENTITY)
    env.update(extra)
    return env


def sh(args, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=tool_env(**env), stdin=subprocess.DEVNULL)


def git(*args: str, cwd: Path) -> str:
    done = sh(["git", *args], cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def make_repo(path: Path, files: dict[str, str]) -> Path:
    """A throwaway git repository holding `files`, all committed."""
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", cwd=path)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "initial", cwd=path)
    return path


def run_script(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """As a GitHub Actions `run:` step runs it: bash --noprofile --norc -eo pipefail."""
    with tempfile.TemporaryDirectory() as folder:  # outside the repo: git diff must not see it
        path = Path(folder) / "step.sh"
        path.write_text(script)
        return sh(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], cwd)


def readme_blocks(lang: str) -> list[str]:
    """The fenced code blocks of README's `## Use it in your project` section, in that language."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it in your project", 1)[1].split("\n## ", 1)[0]
    return [body for info, body in re.findall(r"^```(\w*)\n(.*?)^```", section, re.M | re.S) if info == lang]


def readme_block(lang: str, containing: str) -> str:
    (block,) = [b for b in readme_blocks(lang) if containing in b]
    return block


# --------------------------------------------------------------------------------------
# pre-commit


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return sh([sys.executable, "-m", "pre_commit", *args], cwd, PRE_COMMIT_HOME=str(home))


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
def hook_source(tmp_path_factory) -> tuple[str, str]:
    """(repo, rev): this working tree as pre-commit would clone it, committed and untracked
    files alike (not what .gitignore ignores), so uncommitted hook changes are tested too."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the pre-commit tests need one")
    snapshot = tmp_path_factory.mktemp("initlint-hook-repo")
    for name in filter(None, listed.stdout.decode().split("\0")):
        if (ROOT / name).is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return str(snapshot), git("rev-parse", "HEAD", cwd=snapshot)


def use_hooks(repo: Path, hook_source: tuple[str, str], hooks: list[dict]) -> None:
    config = {"repos": [{"repo": hook_source[0], "rev": hook_source[1], "hooks": hooks}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git("add", ".pre-commit-config.yaml", cwd=repo)  # pre-commit refuses an unstaged config


def test_hook_manifest_is_what_pre_commit_and_ruff_users_expect():
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"initlint", "initlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types_or"] == ["python", "pyi", "jupyter"]
        assert hook["require_serial"] is True and "--force-exclude" in hook["entry"].split()
        assert tuple(map(int, hook["minimum_pre_commit_version"].split("."))) >= (2, 9, 2)  # types_or
    assert hooks["initlint"]["entry"].split()[:2] == ["initlint", "check"]
    assert {"--fix", "--exit-non-zero-on-fix"} <= set(hooks["initlint-fix"]["entry"].split())


def test_pre_commit_try_repo_fails_with_the_finding(tmp_path):
    repo = make_repo(tmp_path / "user", {"model.py": FLAGGED})
    done = pre_commit("try-repo", str(ROOT), "initlint", "--files", "model.py", "--color", "never",
                      cwd=repo, home=tmp_path / "home")  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "initlint....." in done.stdout and "Failed" in done.stdout
    assert "model.py:8:20: IL101 [*] `MLP.fc1` is followed by ReLU" in done.stdout
    assert "model.py:9:20: IL103" in done.stdout
    assert (repo / "model.py").read_text() == FLAGGED, "the check hook must not write"


def test_pre_commit_fix_hook_fixes_and_says_so(tmp_path, hook_source, pre_commit_home):
    repo = make_repo(tmp_path / "user", {"model.py": FLAGGED})
    use_hooks(repo, hook_source, [{"id": "initlint-fix"}])
    done = pre_commit("run", "initlint-fix", "--files", "model.py", "--color", "never", cwd=repo, home=pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "- files were modified by this hook" in done.stdout
    fixed = (repo / "model.py").read_text()
    assert FIX_LINE in fixed
    again = pre_commit("run", "initlint-fix", "--files", "model.py", "--color", "never", cwd=repo, home=pre_commit_home)
    assert again.returncode == 0, again.stdout
    assert (repo / "model.py").read_text() == fixed


def test_pre_commit_hooks_check_and_fix_a_notebook(tmp_path, hook_source, pre_commit_home):
    notebook = (ROOT / "tests" / "data" / "notebooks" / "markdown_between.ipynb").read_text(encoding="utf-8")
    repo = make_repo(tmp_path / "user", {"model.ipynb": notebook})
    use_hooks(repo, hook_source, [{"id": "initlint"}])
    done = pre_commit("run", "initlint", "--all-files", "--color", "never", cwd=repo, home=pre_commit_home)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "model.ipynb:cell 5:4:21: IL101 [*]" in done.stdout  # pre-commit passed the notebook (types_or jupyter)
    use_hooks(repo, hook_source, [{"id": "initlint-fix"}])
    fixed = pre_commit("run", "initlint-fix", "--all-files", "--color", "never", cwd=repo, home=pre_commit_home)
    assert "- files were modified by this hook" in fixed.stdout, fixed.stdout
    assert 'nn.init.kaiming_uniform_(self.conv.weight, nonlinearity=\\"relu\\")' in (repo / "model.ipynb").read_text()


def test_pre_commit_check_hook_passes_a_clean_file(tmp_path, hook_source, pre_commit_home):
    repo = make_repo(tmp_path / "user", {"clean.py": CLEAN, "flagged.py": FLAGGED})
    use_hooks(repo, hook_source, [{"id": "initlint"}])
    done = pre_commit("run", "initlint", "--files", "clean.py", "--color", "never", cwd=repo, home=pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^initlint\.+Passed$", done.stdout, re.M), done.stdout
    failed = pre_commit("run", "initlint", "--all-files", "--color", "never", cwd=repo, home=pre_commit_home)
    assert failed.returncode == 1 and "flagged.py:8:20: IL101" in failed.stdout and "clean.py" not in failed.stdout


def test_pre_commit_honours_the_config_exclude(tmp_path, hook_source, pre_commit_home):
    pyproject = '[tool.initlint]\nexclude = ["legacy/"]\n'
    repo = make_repo(tmp_path / "user", {"pyproject.toml": pyproject, "legacy/old.py": FLAGGED, "new.py": FLAGGED})
    use_hooks(repo, hook_source, [{"id": "initlint"}])
    done = pre_commit("run", "initlint", "--files", "legacy/old.py", "--color", "never", cwd=repo, home=pre_commit_home)
    assert done.returncode == 0, done.stdout  # pre-commit named the file, --force-exclude skipped it
    everything = pre_commit("run", "initlint", "--all-files", "--color", "never", cwd=repo, home=pre_commit_home)
    assert everything.returncode == 1
    assert "new.py:8:20: IL101" in everything.stdout and "legacy/old.py" not in everything.stdout


def test_readme_pre_commit_snippet_runs_as_written(tmp_path, hook_source, pre_commit_home):
    snippet = yaml.safe_load(readme_block("yaml", "repos:"))
    (entry,) = snippet["repos"]
    assert entry["repo"] == report.HOMEPAGE and entry["rev"] == f"v{__version__}"
    manifest_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in entry["hooks"]} <= manifest_ids
    # the same hooks and arguments, from this checkout instead of the published tag
    repo = make_repo(tmp_path / "user", {"src/model.py": UNFIXABLE, "src/clean.py": CLEAN})
    use_hooks(repo, hook_source, entry["hooks"])
    first = pre_commit("run", "--all-files", "--color", "never", cwd=repo, home=pre_commit_home)
    assert first.returncode == 1
    assert "- files were modified by this hook" in first.stdout
    fixed = (repo / "src" / "model.py").read_text()
    assert FIX_LINE in fixed
    second = pre_commit("run", "--all-files", "--color", "never", cwd=repo, home=pre_commit_home)
    assert second.returncode == 1, "the Tanh head is left for a person"
    assert "files were modified" not in second.stdout and (repo / "src" / "model.py").read_text() == fixed
    assert re.findall(r"^src/model.py:\d+:20: (IL\d+) ", second.stdout, re.M) == ["IL103"], second.stdout


# --------------------------------------------------------------------------------------
# CI recipes (README) and the example GitHub Actions workflow


def test_readme_gate_recipe_fails_with_annotations(tmp_path):
    script = readme_block("sh", "--output-format github")
    repo = make_repo(tmp_path / "user", {"src/model.py": FLAGGED, "src/clean.py": CLEAN})
    done = run_script(script, repo)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("::error title=initlint (IL101),file=src/model.py,line=8,col=20,endLine=8,")
    assert "::src/model.py:8:20: IL101 `MLP.fc1` is followed by ReLU" in lines[0]
    assert len(lines) == 2 and lines[1].startswith("::error title=initlint (IL103),file=src/model.py,line=9,")
    clean = make_repo(tmp_path / "clean", {"src/clean.py": CLEAN})
    assert run_script(script, clean).returncode == 0


def test_readme_autofix_recipe_fails_and_shows_the_patch(tmp_path):
    script = readme_block("sh", "git diff --exit-code")
    assert script.splitlines()[0].startswith("initlint check --fix")
    repo = make_repo(tmp_path / "user", {"src/model.py": UNFIXABLE, "src/clean.py": CLEAN})
    done = run_script(script, repo)
    assert done.returncode == 1, done.stderr
    assert "+" + FIX_LINE in done.stdout and "--- a/src/model.py" in done.stdout
    git("commit", "-q", "-am", "apply initlint fixes", cwd=repo)
    after = run_script(script, repo)
    assert after.returncode == 0, after.stdout + after.stderr  # the unfixable IL103 head is the gate's job


def workflow_jobs() -> dict:
    workflow = yaml.safe_load((ROOT / "examples" / "github-workflow.yml").read_text())
    assert workflow.get("on", workflow.get(True)), "a trigger"  # YAML 1.1 reads a bare `on` as True
    return workflow["jobs"]


def run_job(job: dict, repo: Path) -> list[subprocess.CompletedProcess]:
    """The job's `run:` steps after the install step, in order, until one fails (as Actions does)."""
    steps = [s for s in job["steps"] if "run" in s]
    assert steps[0]["run"] == "python -m pip install initlint", "initlint from PyPI, under the project's name"
    results = []
    for step in steps[1:]:
        results.append(run_script(step["run"], repo))
        if results[-1].returncode:
            break
    return results


def test_example_workflow_runs_the_readme_recipes(tmp_path):
    jobs = workflow_jobs()
    assert set(jobs) == {"gate", "autofix", "code-scanning"}
    for job in jobs.values():
        assert job["runs-on"] == "ubuntu-latest"
        assert job["steps"][0]["uses"].startswith("actions/checkout@")
    gate_steps = [s["run"] for s in jobs["gate"]["steps"] if "run" in s][1:]
    assert gate_steps == [readme_block("sh", "--output-format github").strip()]
    autofix_steps = [s["run"] for s in jobs["autofix"]["steps"] if "run" in s][1:]
    assert autofix_steps == readme_block("sh", "git diff --exit-code").strip().splitlines()

    repo = make_repo(tmp_path / "gate", {"src/model.py": FLAGGED})
    (check,) = run_job(jobs["gate"], repo)
    assert check.returncode == 1 and check.stdout.startswith("::error title=initlint (IL101),file=src/model.py,")

    repo = make_repo(tmp_path / "autofix", {"src/model.py": FLAGGED})
    fix, diff = run_job(jobs["autofix"], repo)
    assert fix.returncode == 0 and diff.returncode == 1 and "+" + FIX_LINE in diff.stdout


def test_example_workflow_uploads_valid_sarif(tmp_path):
    job = workflow_jobs()["code-scanning"]
    assert job["permissions"]["security-events"] == "write"
    repo = make_repo(tmp_path / "scan", {"src/model.py": FLAGGED})
    (scan,) = run_job(job, repo)
    assert scan.returncode == 0, scan.stderr
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    log = json.loads((repo / upload["with"]["sarif_file"]).read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["IL101", "IL103"]


# --------------------------------------------------------------------------------------
# flake8


def flake8_findings(args: list[str], cwd: Path) -> set[tuple[str, int, int, str]]:
    done = sh([sys.executable, "-m", "flake8", "--isolated", *args], cwd)
    assert done.returncode in (0, 1), done.stderr
    out = set()
    for line in done.stdout.splitlines():
        path, row, col, rest = line.split(":", 3)
        if rest.strip().startswith("IL"):
            out.add((os.path.normpath(path), int(row), int(col), rest.split()[0]))
    return out


def initlint_findings(args: list[str], cwd: Path) -> set[tuple[str, int, int, str]]:
    done = sh(
        [sys.executable, "-m", "initlint", "check", "--no-cache", "--isolated", "--output-format", "json", *args], cwd
    )
    assert done.returncode in (0, 1), done.stderr
    return {(os.path.normpath(f["path"]), f["line"], f["column"], f["code"]) for f in json.loads(done.stdout)}


def test_flake8_plugin_reports_what_check_reports_on_the_rule_book():
    files = sorted(
        str(p.relative_to(ROOT)) for p in ROOT.glob("rules/*/flagged_*.py") if not p.name.endswith(".fixed.py")
    )
    files.append("examples/model.py")
    expected = initlint_findings(["--select", "IL", "--ignore", "IL900", *files], ROOT)  # flake8 does noqa itself
    assert len({code for *_, code in expected}) >= 8, "the rule book flags most rules"
    assert flake8_findings(["--select", "IL", *files], ROOT) == expected
    # without --select each tool keeps its defaults: IL301 (a choice, not a fact) stays off in both
    default = initlint_findings(["examples/model.py"], ROOT)
    assert "IL301" not in {code for *_, code in default}
    assert flake8_findings(["examples/model.py"], ROOT) == default


def test_flake8_keeps_il104_off_by_default_as_initlint_does(tmp_path):
    gate = FLAGGED.replace("torch.tanh(", "torch.sigmoid(")
    assert gate != FLAGGED
    (tmp_path / "model.py").write_text(gate)
    default = flake8_findings(["model.py"], tmp_path)
    assert "IL104" not in {code for *_, code in default} and default == initlint_findings(["model.py"], tmp_path)
    chosen = flake8_findings(["--extend-select", "IL104", "model.py"], tmp_path)
    assert "IL104" in {code for *_, code in chosen}


def test_flake8_columns_are_initlints(tmp_path):
    (tmp_path / "model.py").write_text(FLAGGED.replace("self.fc1 = nn.Linear", "self.fc1 =    nn.Linear"))
    done = sh([sys.executable, "-m", "flake8", "--isolated", "--select", "IL", "model.py"], tmp_path)
    assert done.stdout.splitlines()[0].startswith("model.py:8:23: IL101 `MLP.fc1` is followed by ReLU")
    # flake8 applies noqa comments itself here, reading the same ones initlint does
    (tmp_path / "model.py").write_text(FLAGGED.replace("nn.Linear(8, 16)", "nn.Linear(8, 16)  # noqa: IL101"))
    assert flake8_findings(["model.py"], tmp_path) == {("model.py", 9, 20, "IL103")}


def test_readme_flake8_commands_and_config(tmp_path):
    commands = readme_block("sh", "flake8 --select IL").splitlines()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(FLAGGED)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_model.py").write_text(FLAGGED)
    outputs = [run_script(command.split("#")[0].strip(), tmp_path) for command in commands]
    assert all(o.returncode == 1 for o in outputs)
    codes = [set(re.findall(r": (IL\d+) ", o.stdout)) for o in outputs]
    assert codes == [{"IL101", "IL103"}, {"IL101", "IL103", "IL301"}]

    (tmp_path / ".flake8").write_text(readme_block("ini", "[flake8]"))
    configured = sh([sys.executable, "-m", "flake8", "."], tmp_path)
    lines = [line for line in configured.stdout.splitlines() if ": IL" in line]
    assert {line.split(":")[0] for line in lines} == {"./src/model.py"}, configured.stdout  # per-file-ignores
    assert "IL301" in configured.stdout  # extend-select


# --------------------------------------------------------------------------------------
# ruff next to initlint


def test_readme_ruff_note_keeps_our_noqa_comments(tmp_path):
    ruff = shutil.which("ruff", path=str(BIN))
    if ruff is None:
        pytest.skip("ruff is not installed in the test environment")
    line = "        self.fc1 = nn.Linear(8, 16)  # noqa: IL101"
    source = FLAGGED.replace("        self.fc1 = nn.Linear(8, 16)", line)
    for folder, pyproject in (("with", readme_block("toml", "external")), ("without", "")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "pyproject.toml").write_text(pyproject)
        (tmp_path / folder / "model.py").write_text(source)
        done = sh([ruff, "check", "--no-cache", "--fix", "--select", "RUF100,RUF102", "model.py"], tmp_path / folder)
        assert done.returncode == 0, done.stdout + done.stderr
    assert line in (tmp_path / "with" / "model.py").read_text()
    assert "# noqa" not in (tmp_path / "without" / "model.py").read_text(), "the control: ruff strips unknown codes"
    kept = initlint_findings(["model.py"], tmp_path / "with")
    assert {code for *_, code in kept} == {"IL103"}  # and initlint still honours it


# --------------------------------------------------------------------------------------
# The command line as a shell sees it


def initlint(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return sh([sys.executable, "-m", "initlint", *args], cwd, **env)


@pytest.fixture
def flagged_dir(tmp_path: Path) -> Path:
    (tmp_path / "model.py").write_text(FLAGGED)
    return tmp_path


def test_python_dash_m_and_version(flagged_dir):
    assert initlint("--version", cwd=flagged_dir).stdout == f"initlint {__version__}\n"
    assert sh([str(BIN / "initlint"), "--version"], flagged_dir).stdout == f"initlint {__version__}\n"
    done = initlint("check", "--no-cache", "model.py", cwd=flagged_dir)
    assert done.returncode == 1 and done.stdout.startswith("model.py:8:20: IL101")


def test_quiet_and_silent(flagged_dir):
    normal = initlint("check", "--no-cache", ".", cwd=flagged_dir).stdout.splitlines()
    quiet = initlint("check", "--no-cache", "-q", ".", cwd=flagged_dir)
    assert quiet.returncode == 1
    assert quiet.stdout.splitlines() == [line for line in normal if line.startswith("model.py:")]
    assert "Found" not in quiet.stdout and len(quiet.stdout.splitlines()) == 2
    silent = initlint("check", "--no-cache", "-s", ".", cwd=flagged_dir)
    assert (silent.returncode, silent.stdout, silent.stderr) == (1, "", "")
    (flagged_dir / "broken.py").write_text("import torch.nn as nn\nclass B(nn.Module:\n    fc = nn.Linear(2, 2)\n")
    silent = initlint("check", "--no-cache", "--silent", ".", cwd=flagged_dir)
    assert (silent.returncode, silent.stdout, silent.stderr) == (2, "", "")
    (flagged_dir / "broken.py").unlink()
    clean = flagged_dir / "clean"
    clean.mkdir()
    (clean / "ok.py").write_text(CLEAN)
    assert initlint("check", "--no-cache", "-q", ".", cwd=clean).stdout == ""


ANSI = "\x1b["


def test_color_flag_no_color_and_force_color(flagged_dir):
    def out(*flags: str, **env: str) -> str:
        return initlint("check", "--no-cache", *flags, ".", cwd=flagged_dir, **env).stdout

    assert ANSI not in out()  # auto: stdout is a pipe here
    assert ANSI in out("--color", "always") and ANSI not in out("--color", "never")
    assert ANSI in out(FORCE_COLOR="1")
    assert ANSI not in out(NO_COLOR="1", FORCE_COLOR="1")
    assert ANSI in out("--color", "always", NO_COLOR="1")  # an explicit flag wins, as in ruff
    plain = out("--color", "never")
    assert re.sub(r"\x1b\[[0-9;]*m", "", out("--color", "always")) == plain
    assert ANSI not in out("--color", "always", "--output-format", "json")


def test_force_exclude_on_an_explicitly_named_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.initlint]\nexclude = ["legacy/", "generated_*.py"]\n')
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(FLAGGED)
    (tmp_path / "generated_model.py").write_text(FLAGGED)
    (tmp_path / "model.py").write_text(FLAGGED)
    named = ["legacy/old.py", "generated_model.py", "model.py"]
    without = initlint("check", "--no-cache", "-q", *named, cwd=tmp_path)
    assert {line.split(":")[0] for line in without.stdout.splitlines()} == set(named), "named files are checked"
    forced = initlint("check", "--no-cache", "-q", "--force-exclude", *named, cwd=tmp_path)
    assert {line.split(":")[0] for line in forced.stdout.splitlines()} == {"model.py"}
    only_excluded = initlint("check", "--no-cache", "--force-exclude", "old.py", cwd=tmp_path / "legacy")
    assert only_excluded.returncode == 0, only_excluded.stdout  # the config's root, not the cwd, anchors it
    walked = initlint("check", "--no-cache", "-q", ".", cwd=tmp_path)
    assert {line.split(":")[0] for line in walked.stdout.splitlines()} == {"model.py"}
