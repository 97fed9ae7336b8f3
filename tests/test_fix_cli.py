"""`initlint check --fix` end to end through the CLI: config options reach the inserted code,
the JSON `fix` field, what --fix-only leaves, idempotence, bytes and mode kept, refusals."""

from __future__ import annotations

import json
import os
import stat
import textwrap

import pytest
from click.testing import CliRunner

cli = pytest.importorskip("initlint.cli")

GATED = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Gated(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.gate = nn.Linear(16, 16)
            self.out = nn.Linear(16, 2)

        def forward(self, x):
            x = F.relu(self.fc1(x))
            x = x * torch.sigmoid(self.gate(x))
            return self.out(x)
    """
)
RELU_CALL = 'nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")'


def run(args, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        # IL104 (off by default) on: the sigmoid gate is these tests' finding without a fix
        return CliRunner().invoke(cli.main, ["check", "--no-cache", "--extend-select", "IL104", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "gated.py").write_text(GATED)
    return tmp_path


def test_fix_inserts_the_call_leaves_the_gate_and_a_second_run_changes_nothing(project):
    path = project / "gated.py"
    first = run(["--fix", "gated.py"], project)
    text = path.read_text()
    assert f"        self.fc1 = nn.Linear(8, 16)\n        {RELU_CALL}\n" in text
    assert "self.gate.weight" not in text, "a sigmoid gate's init is a choice: never autofixed"
    assert first.exit_code == 1 and "IL104" in first.output  # the gate is still reported
    again = run(["--fix", "gated.py"], project)
    assert path.read_text() == text
    assert "IL101" not in again.output and "IL104" in again.output


def test_fix_only_reports_nothing_and_exits_zero(project):
    result = run(["--fix-only", "gated.py"], project)
    assert result.exit_code == 0 and "IL104" not in result.output
    assert RELU_CALL in (project / "gated.py").read_text()


def test_config_options_shape_the_inserted_code(project):
    (project / "pyproject.toml").write_text(
        '[tool.initlint]\nfix-distribution = "normal"\nfix-mode = "fan_out"\nfix-bias = "zeros"\n'
    )
    run(["--fix", "gated.py"], project)
    assert (
        '        nn.init.kaiming_normal_(self.fc1.weight, mode="fan_out", nonlinearity="relu")\n'
        "        if self.fc1.bias is not None:\n"
        "            nn.init.zeros_(self.fc1.bias)\n"
    ) in (project / "gated.py").read_text()


def test_json_fix_field_has_rufs_shape(project):
    result = run(["--output-format", "json", "gated.py"], project)
    rows = {row["code"]: row for row in json.loads(result.output)}
    fix = rows["IL101"]["fix"]
    assert fix["applicability"] == "safe" and "self.fc1.weight" in fix["message"]
    (edit,) = fix["edits"]
    assert edit["content"] == f"        {RELU_CALL}\n"
    assert edit["location"] == edit["end_location"] == {"row": 10, "column": 1}
    assert rows["IL104"]["fix"] is None


def test_crlf_bytes_and_mode_are_kept(project):
    path = project / "gated.py"
    original = GATED.replace("\n", "\r\n").encode()
    path.write_bytes(original)
    os.chmod(path, 0o640)
    run(["--fix", "gated.py"], project)
    new = path.read_bytes()
    assert new.replace(f"        {RELU_CALL}\r\n".encode(), b"", 1) == original
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_diff_writes_nothing_and_prints_the_insert(project):
    result = run(["--diff", "gated.py"], project)
    assert result.exit_code == 1 and f"+        {RELU_CALL}" in result.output
    assert (project / "gated.py").read_text() == GATED


def test_read_only_file_is_reported_not_written(project):
    path = project / "gated.py"
    os.chmod(path, 0o444)
    try:
        result = run(["--fix", "gated.py"], project)
    finally:
        os.chmod(path, 0o644)
    assert path.read_text() == GATED
    assert "read-only" in result.output and result.exit_code != 0


ROUTINE = textwrap.dedent(
    """\
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(8, 8)
            self.out = nn.Linear(8, 2)
            self.reset_parameters()

        def reset_parameters(self):
            if getattr(self, "frozen", False):
                return
            for m in self.modules():
                if m is not self and hasattr(m, "reset_parameters"):
                    m.reset_parameters()

        def forward(self, x):
            return self.out(F.relu(self.fc(x)))
    """
)


def test_a_fix_after_an_init_routine_needs_unsafe_fixes(tmp_path):
    """A routine that may return early: no line appended to it is sure to run, so the call goes
    after the routine's call, which rests on reading the routine right: unsafe."""
    path = tmp_path / "net.py"
    path.write_text(ROUTINE)
    plain = run(["--fix", "net.py"], tmp_path)
    assert path.read_text() == ROUTINE and plain.exit_code == 1
    assert "--unsafe-fixes" in plain.output
    run(["--fix", "--unsafe-fixes", "net.py"], tmp_path)
    call = '        self.reset_parameters()\n        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n'
    assert call in path.read_text()
