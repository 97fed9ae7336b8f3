"""`initlint check / inspect / rule / rules` as a ruff user drives them: output, exit codes,
selection, suppression, config, stdin, and that the static mode never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

import pytest
from click.testing import CliRunner

from initlint import cli
from initlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent

MLP = textwrap.dedent(
    """\
    import torch.nn as nn
    import torch.nn.functional as F


    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.fc2 = nn.Linear(16, 16)
            self.out = nn.Linear(16, 2)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = torch.tanh(self.fc2(x))
            return self.out(x)
    """
).replace("import torch.nn as nn", "import torch\nimport torch.nn as nn")

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


def run(args, cwd=None, input=None):
    runner = CliRunner()
    old = os.getcwd()
    if cwd:
        os.chdir(cwd)
    try:
        return runner.invoke(cli.main, args, input=input, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mlp.py").write_text(MLP)
    (tmp_path / "src" / "clean.py").write_text(CLEAN)
    return tmp_path


def test_check_lines_summary_and_exit_code(project):
    result = run(["check", "--no-cache", "src"], cwd=project)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("src/mlp.py:9:20: IL101 [*] `MLP.fc1` is followed by ReLU")
    assert lines[1].startswith("src/mlp.py:10:20: IL103 [*] `MLP.fc2` is followed by Tanh")
    assert "Found 2 errors." in lines
    assert "[*] 2 fixable with the `--fix` option." in lines


def test_clean_file_passes(project):
    result = run(["check", "--no-cache", "src/clean.py"], cwd=project)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "All checks passed!"


def test_the_collector_is_frozen_only_when_the_process_ends_with_the_run(project):
    import gc

    frozen = gc.get_freeze_count()
    assert run(["check", "--no-cache", "src"], cwd=project).exit_code == 1
    assert gc.get_freeze_count() == frozen  # a caller passing args (the test runner) keeps collecting
    probe = "import gc, sys\nfrom initlint import cli\ntry:\n    cli.main()\nexcept SystemExit:\n    pass\nprint(gc.get_freeze_count() > 0)"
    done = subprocess.run([sys.executable, "-c", probe, "check", "--no-cache", "-q", "src"], cwd=project,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr


def test_exit_zero_select_ignore(project):
    assert run(["check", "--no-cache", "--exit-zero", "src"], cwd=project).exit_code == 0
    only_tanh = run(["check", "--no-cache", "--select", "IL103", "src"], cwd=project)
    assert [line.split()[1] for line in only_tanh.output.splitlines() if line.startswith("src/")] == ["IL103"]
    ignored = run(["check", "--no-cache", "--ignore", "IL1", "src"], cwd=project)
    assert ignored.exit_code == 0, ignored.output
    heads = run(["check", "--no-cache", "--extend-select", "IL301", "src"], cwd=project)
    assert "IL301" in heads.output and "MLP.out" in heads.output


def test_unknown_selector_is_a_usage_error(project):
    result = run(["check", "--no-cache", "--select", "IL999", "src"], cwd=project)
    assert result.exit_code == 2
    assert "unknown rule selector `IL999`" in result.output


def test_noqa_specific_bare_and_file_level(project):
    path = project / "src" / "mlp.py"
    text = MLP.replace("nn.Linear(8, 16)", "nn.Linear(8, 16)  # noqa: IL101")
    text = text.replace("nn.Linear(16, 16)", "nn.Linear(16, 16)  # noqa: IL101")  # wrong code: still reported
    path.write_text(text)
    result = run(["check", "--no-cache", "src/mlp.py"], cwd=project)
    codes = [line.split()[1] for line in result.output.splitlines() if line.startswith("src/")]
    assert codes == ["IL103"]
    path.write_text(text.replace("# noqa: IL101\n        self.out", "# noqa\n        self.out").replace("(16, 16)  # noqa: IL101", "(16, 16)  # noqa"))
    assert run(["check", "--no-cache", "src/mlp.py"], cwd=project).exit_code == 0
    path.write_text("# initlint: noqa: IL103\n" + MLP)
    result = run(["check", "--no-cache", "src/mlp.py"], cwd=project)
    assert [line.split()[1] for line in result.output.splitlines() if line.startswith("src/")] == ["IL101"]


def test_config_select_exclude_per_file_ignores(project):
    (project / "pyproject.toml").write_text(
        '[tool.initlint]\nignore = ["IL103"]\nper-file-ignores = { "src/clean*.py" = ["IL"] }\nexclude = ["skipped"]\n'
    )
    (project / "src" / "skipped").mkdir()
    (project / "src" / "skipped" / "m.py").write_text(MLP)
    result = run(["check", "--no-cache", "src"], cwd=project)
    found = [line for line in result.output.splitlines() if line.startswith("src/")]
    assert len(found) == 1 and " IL101 " in found[0] and found[0].startswith("src/mlp.py"), result.output
    # Named explicitly, an excluded file is checked, unless --force-exclude (as ruff does).
    assert run(["check", "--no-cache", "src/skipped/m.py"], cwd=project).exit_code == 1
    assert run(["check", "--no-cache", "--force-exclude", "src/skipped/m.py"], cwd=project).exit_code == 0
    assert run(["check", "--no-cache", "--isolated", "src"], cwd=project).output.count("src/") == 4


def test_config_is_found_from_the_checked_path_upward(project, tmp_path_factory):
    (project / "pyproject.toml").write_text('[tool.initlint]\nselect = ["IL103"]\n')
    elsewhere = tmp_path_factory.mktemp("cwd")
    result = run(["check", "--no-cache", str(project / "src" / "mlp.py")], cwd=elsewhere)
    assert " IL103 " in result.output and " IL101 " not in result.output


def test_malformed_config_exits_2(project):
    (project / "pyproject.toml").write_text('[tool.initlint]\nselct = ["IL1"]\n')
    result = run(["check", "--no-cache", "src"], cwd=project)
    assert result.exit_code == 2 and "unknown key `selct`" in result.output
    (project / "pyproject.toml").write_text('[tool.initlint]\nfix-mode = "sideways"\n')
    result = run(["check", "--no-cache", "src"], cwd=project)
    assert result.exit_code == 2 and "fix-mode" in result.output


@pytest.mark.parametrize(
    "setting, words",
    [("max-file-size = -1", "`max-file-size` must be a number of bytes"),
     ("exclude = [1, 2]", "`exclude` must be a list of strings"),
     ("extend-exclude = [true]", "`extend-exclude` must be a list of strings"),
     ("select = [[\"IL1\"]]", "`select` must be a list of strings"),
     ('per-file-ignores = { "a.py" = [1] }', "per-file-ignores `a.py` must be a list of strings")],
)  # fmt: skip
def test_config_values_that_make_no_sense_exit_2_naming_the_file(project, setting, words):
    (project / "pyproject.toml").write_text(f"[tool.initlint]\n{setting}\n")
    result = subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", "src"], cwd=project,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"initlint: error: {project / 'pyproject.toml'}: ") and words in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_config_nested_past_the_toml_reader_exits_2(project):
    (project / "pyproject.toml").write_text("[tool.initlint]\nselect = " + "[" * 100_000 + "\n")
    result = subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", "src"], cwd=project,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr[-500:]
    assert "pyproject.toml: not valid TOML" in result.stderr


def test_a_config_file_that_is_not_utf8_exits_2(project):
    (project / "initlint.toml").write_bytes(b"select = ['IL1'] # caf\xe9\n")
    result = subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", "--config", "initlint.toml", "src"],
                            cwd=project, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("initlint: error: initlint.toml: not valid TOML"), result.stderr


def test_gitignore_and_default_excludes(project):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("generated/\n")
    for folder in ("generated", ".venv", "build"):
        (project / folder).mkdir()
        (project / folder / "m.py").write_text(MLP)
    result = run(["check", "--no-cache", "."], cwd=project)
    paths = {line.split(":")[0] for line in result.output.splitlines() if ".py:" in line}
    assert paths == {"src/mlp.py"}, result.output


def test_json_output_fields(project):
    result = run(["check", "--no-cache", "--output-format", "json", "src"], cwd=project)
    data = json.loads(result.output)
    assert [item["code"] for item in data] == ["IL101", "IL103"]
    first = data[0]
    for key in ("code", "message", "path", "line", "column", "end_line", "end_column", "class", "layer", "fix"):
        assert key in first
    assert (first["class"], first["layer"], first["line"], first["column"]) == ("MLP", "fc1", 9, 20)
    assert first["end_line"] == 9 and first["end_column"] > first["column"]
    assert first["fix"]["applicability"] == "safe"


def test_inspect_has_a_row_for_every_layer(project):
    result = run(["inspect", "--output-format", "json", "src"], cwd=project)
    rows = json.loads(result.output)
    by_layer = {(r["class"], r["layer"]): r for r in rows}
    assert set(by_layer) == {("MLP", "fc1"), ("MLP", "fc2"), ("MLP", "out"), ("Clean", "fc")}
    assert by_layer["MLP", "fc1"]["activation"] == "relu" and by_layer["MLP", "fc1"]["init"] == "default"
    assert by_layer["MLP", "out"]["activation"] == "none"
    assert by_layer["Clean", "fc"]["init"] == "explicit"
    assert by_layer["MLP", "fc2"]["recommended"] == 'nn.init.kaiming_uniform_(self.fc2.weight, nonlinearity="tanh")'
    keys = {"path", "line", "column", "class", "layer", "layer_type", "activation", "activation_param",
            "activation_evidence", "init", "init_evidence", "recommended"}  # fmt: skip
    assert all(keys <= set(r) for r in rows)


def test_stdin(project):
    result = run(["check", "--no-cache", "-", "--stdin-filename", "pkg/model.py"], input=MLP)
    assert result.exit_code == 1
    assert result.output.startswith("pkg/model.py:9:20: IL101")
    fixed = run(["check", "--no-cache", "--fix", "-", "--stdin-filename", "pkg/model.py"], input=MLP)
    assert fixed.exit_code == 0
    assert 'nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")' in fixed.output


def test_fix_diff_and_exit_non_zero_on_fix(project):
    path = project / "src" / "mlp.py"
    diff = run(["check", "--no-cache", "--diff", "src"], cwd=project)
    assert diff.exit_code == 1
    assert '+        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")' in diff.output
    assert path.read_text() == MLP, "--diff must not write"
    fixed = run(["check", "--no-cache", "--fix", "--show-fixes", "--exit-non-zero-on-fix", "src"], cwd=project)
    assert fixed.exit_code == 1
    assert "Found 2 errors (2 fixed, 0 remaining)." in fixed.output
    assert "1 × IL101 (relu-default-init)" in fixed.output
    assert run(["check", "--no-cache", "src"], cwd=project).exit_code == 0
    assert run(["check", "--no-cache", "--diff", "src"], cwd=project).exit_code == 0


def test_statistics(project):
    result = run(["check", "--no-cache", "--statistics", "src"], cwd=project)
    rows = [line.split("\t") for line in result.output.splitlines()]
    assert [(r[0].strip(), r[1]) for r in rows] == [("1", "IL101"), ("1", "IL103")]


def test_bad_file_is_named_and_others_still_checked(project):
    (project / "src" / "broken.py").write_text("class Broken(nn.Module:\n    fc = nn.Linear(2, 2)\n")
    result = subprocess.run(
        [sys.executable, "-m", "initlint", "check", "--no-cache", "src"], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.startswith("src/broken.py:1:") and "SyntaxError" in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert "src/mlp.py:9:20: IL101" in result.stdout


def test_rule_and_rules():
    listing = run(["rules"])
    assert [line.split()[0] for line in listing.output.splitlines()[: len(ALL_RULES)]] == [c.code for c in ALL_RULES]
    page = run(["rule", "il101"])
    assert page.exit_code == 0 and page.output.startswith("# IL101")
    assert run(["rule", "IL999"]).exit_code == 2


def test_static_mode_never_imports_torch(project):
    code = (
        "import sys\n"
        "from initlint import cli\n"
        "try:\n"
        "    cli.main(['check', '--no-cache', '--fix', 'src'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "cli_inspect = None\n"
        "assert not [m for m in sys.modules if m == 'torch' or m.startswith('torch.')], 'torch was imported'\n"
        "print('no torch')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0 and "no torch" in done.stdout, done.stderr


def test_python_dash_m_and_version():
    done = subprocess.run([sys.executable, "-m", "initlint", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("initlint ")


def test_readme_example_command_finds_the_shipped_example():
    """The README's first command runs `initlint check examples/`: it must have real findings."""
    result = run(["check", "--no-cache", "examples/"], cwd=ROOT)
    assert result.exit_code == 1
    assert "examples/model.py" in result.output and "Found" in result.output


GATED = textwrap.dedent(
    """\
    import torch.nn as nn


    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.gate = nn.Linear(4, 1)
            self.body = nn.Linear(4, 4)

        def forward(self, x):
            return self.gate(self.body(x).relu()).sigmoid()
    """
)


def test_il104_is_off_by_default_like_il301(tmp_path):
    (tmp_path / "model.py").write_text(GATED)
    default = run(["check", "--isolated", "--no-cache", "model.py"], cwd=tmp_path)
    assert "IL104" not in default.output and "IL101" in default.output
    chosen = run(["check", "--isolated", "--no-cache", "--extend-select", "IL104", "model.py"], cwd=tmp_path)
    assert "IL104" in chosen.output
    listed = {row["code"]: row for row in json.loads(run(["rules", "--output-format", "json"], cwd=tmp_path).output)}
    assert listed["IL104"]["default"] is False and listed["IL301"]["default"] is False
    assert listed["IL103"]["default"] is True


def test_full_and_json_say_why_a_finding_has_no_autofix_also_from_the_cache(tmp_path):
    (tmp_path / "model.py").write_text(GATED)
    for _ in range(2):  # the second run reads the findings back from the cache
        full = run(["check", "--isolated", "--extend-select", "IL104", "--output-format", "full", "model.py"], cwd=tmp_path)
        assert "= no autofix: a layer followed by Sigmoid is an output head or a gate" in full.output
        assert full.output.count("= no autofix") == 1  # the ReLU layer has a fix
        rows = json.loads(run(["check", "--isolated", "--extend-select", "IL104", "--output-format", "json", "model.py"], cwd=tmp_path).output)
        by_layer = {row["layer"]: row for row in rows}
        assert by_layer["gate"]["fix"] is None and "output head or a gate" in by_layer["gate"]["no_fix"]
        assert by_layer["body"]["fix"] is not None and by_layer["body"]["no_fix"] is None
    assert (tmp_path / ".initlint_cache").is_dir()


# --------------------------------------------------------------------------------------
# Output that cannot be written: one line, exit 2, never a traceback


def _initlint(project: Path, *args: str, stdout=subprocess.PIPE, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "initlint", *args], cwd=project, stdout=stdout, stderr=subprocess.PIPE,
                          env={**os.environ, **(env or {})})  # fmt: skip


def _one_error_line(done: subprocess.CompletedProcess, words: str) -> None:
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and "Traceback" not in err and "Exception ignored" not in err, err
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith("initlint: error: ") and words in err, err


def test_a_report_into_a_missing_folder_is_one_error_and_writes_nothing(project):
    done = _initlint(project, "check", "--no-cache", "--fix", "-o", "missing/report.txt", "src")
    _one_error_line(done, "missing/report.txt: No such file or directory")
    assert (project / "src" / "mlp.py").read_text() == MLP, "nothing fixed when the report cannot be written"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_full_disk_is_one_error(project, fmt):
    with open("/dev/full", "wb") as full:
        _one_error_line(_initlint(project, "check", "--no-cache", "--output-format", fmt, "src", stdout=full), "No space left")
        _one_error_line(_initlint(project, "inspect", "src", stdout=full), "No space left")
    _one_error_line(_initlint(project, "check", "--no-cache", "-o", "/dev/full", "src"), "/dev/full: No space left")


def test_an_ascii_only_stdout_gets_escapes_not_a_traceback(project):
    os.rename(project / "src" / "mlp.py", project / "src" / "naïve_×.py")
    done = _initlint(project, "check", "--no-cache", "--fix", "--show-fixes", "src", env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert b"na\\xefve_\\xd7.py" in done.stdout and b"1 \\xd7 IL101" in done.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
@pytest.mark.parametrize("fmt", ["text", "full", "json", "json-lines", "github", "sarif"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(project, fmt):
    os.rename(project / "src" / "mlp.py", os.fsencode(project / "src") + b"/caf\xe9.py")
    done = _initlint(project, "check", "--no-cache", "--output-format", fmt, "src")
    assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
    if fmt == "sarif":
        [result, *_] = json.loads(done.stdout)["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/caf%E9.py"
    elif fmt == "json":
        assert json.loads(done.stdout)[0]["filename"].endswith("caf\udce9.py")
    elif fmt == "json-lines":
        assert [json.loads(line) for line in done.stdout.splitlines()]
    else:
        assert b"caf\\udce9.py" in done.stdout


def test_show_files_says_what_is_checked_and_why_the_rest_is_not(tmp_path):
    import shutil
    import subprocess as sp

    sp.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "pyproject.toml").write_text('[tool.initlint]\nexclude = ["legacy/"]\n')
    (tmp_path / ".gitignore").write_text("generated.py\n")
    for name in ("generated.py", "legacy/old.py", ".venv/lib.py", "src/model.py", "src/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    shutil.copy(Path(__file__).parent / "data" / "notebooks" / "magics.ipynb", tmp_path / "src" / "nb.ipynb")
    done = sp.run([sys.executable, "-m", "initlint", "check", "--show-files"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"config: {tmp_path / 'pyproject.toml'}"
    assert "checked: src/model.py" in lines and "checked: src/nb.ipynb (a notebook: its code cells)" in lines
    assert "skipped: legacy/ (matches the exclude pattern `legacy/`)" in lines
    assert "skipped: generated.py (ignored by a .gitignore; respect-gitignore = true)" in lines
    assert any(line.startswith("skipped: .venv/ (a default exclude") for line in lines)
    assert not any("notes.txt" in line for line in lines)
    # the files it lists as checked are the ones a run reads
    checked = sorted(line.split(": ", 1)[1].split(" (")[0] for line in lines if line.startswith("checked: "))
    rows = sp.run([sys.executable, "-m", "initlint", "check", "--no-cache", "--select", "ALL", "--output-format", "json"],
                  cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert checked == ["src/model.py", "src/nb.ipynb"]
    assert {os.path.relpath(r["filename"], tmp_path) for r in json.loads(rows.stdout)} == {"src/nb.ipynb"}
    named = sp.run([sys.executable, "-m", "initlint", "check", "--show-files", "--force-exclude", "legacy/old.py", "gone.py"],
                   cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert named.stdout.splitlines()[1:] == [
        "skipped: legacy/old.py (matches the exclude pattern `legacy/`, with --force-exclude)",
        "missing: gone.py (No such file or directory)",
    ]
    isolated = sp.run([sys.executable, "-m", "initlint", "check", "--show-files", "--isolated", "legacy"],
                      cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert isolated.stdout.splitlines() == ["config: none (--isolated): the defaults", "checked: legacy/old.py"]


def test_show_settings_prints_the_resolved_config(tmp_path):
    import subprocess as sp

    (tmp_path / "pyproject.toml").write_text('[tool.initlint]\nignore = ["IL104"]\nfix-bias = "zeros"\n')
    done = sp.run([sys.executable, "-m", "initlint", "check", "--show-settings", "--extend-select", "IL301"],
                  cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    settings = {k: json.loads(v) for k, v in (line.split(" = ", 1) for line in done.stdout.splitlines()[1:])}
    assert done.stdout.splitlines()[0] == f"# config: {tmp_path / 'pyproject.toml'}"
    assert settings["ignore"] == ["IL104"] and settings["fix-bias"] == "zeros"
    assert "IL104" not in settings["rules"] and "IL301" in settings["rules"] and "IL101" in settings["rules"]
    assert settings["root"] == str(tmp_path)
    bare = sp.run([sys.executable, "-m", "initlint", "check", "--show-settings", "--isolated"], cwd=tmp_path, capture_output=True, text=True)
    default_rules = bare.stdout.split("\nrules = ", 1)[1].splitlines()[0]
    assert "# config: none (--isolated): the defaults" in bare.stdout and '"IL101"' in default_rules
    assert '"IL104"' not in default_rules, "IL104 is off by default, like IL301"
