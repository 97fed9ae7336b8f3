"""Adoption on a large codebase: `--add-noqa` records every finding in a `# noqa` beside it
(merged with one there, comments only, bytes kept), and IL900 reports and removes the IL
codes of a `# noqa` that suppress nothing; in .py files and notebooks alike."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

from initlint import noqa

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "tests" / "data" / "notebooks" / "markdown_between.ipynb"

MODEL = '''\
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)  # noqa: E501
        self.fc2 = nn.Linear(4, 4)  # why this size
        self.fc3 = nn.Linear(  \\
            4, 4)
        self.doc = """# noqa: IL101
        """
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc3(self.act(self.fc2(self.act(self.fc1(x))))))
'''


def initlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", *args], cwd=cwd, capture_output=True, text=True)


def code_tokens(text: str) -> list:
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in (tokenize.COMMENT, tokenize.NL)]


def test_add_noqa_records_every_finding_and_changes_comments_only(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    shutil.copy(NOTEBOOK, tmp_path / "nb.ipynb")
    before = initlint("--output-format", "json", ".", cwd=tmp_path)
    assert len(json.loads(before.stdout)) == 5
    done = initlint("--add-noqa", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Added 5 noqa directives." in done.stderr
    text = (tmp_path / "model.py").read_text()
    assert code_tokens(text) == code_tokens(MODEL)
    lines = text.splitlines()
    assert lines[6].endswith("self.fc1 = nn.Linear(4, 4)  # noqa: E501, IL101")  # merged
    assert lines[7].endswith("# why this size  # noqa: IL101")
    assert lines[8].endswith("\\") and lines[9].endswith("4, 4)  # noqa: IL101")  # the last line: `\` ends the first
    assert lines[10] == '        self.doc = """# noqa: IL101'  # a string is not a comment
    cells = [("".join(c["source"])) for c in json.loads((tmp_path / "nb.ipynb").read_text())["cells"]]
    assert "self.fc = nn.Linear(d, d)  # noqa: IL103\n" in cells[2] and "nn.Conv2d(8, 8, 3)  # noqa: IL101\n" in cells[4]
    after = initlint(".", cwd=tmp_path)
    assert after.returncode == 0 and "All checks passed!" in after.stdout  # the codebase is adopted
    snapshot = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    again = initlint("--add-noqa", ".", cwd=tmp_path)
    assert "Added 0 noqa directives." in again.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == snapshot  # idempotent
    # new code is gated: a new layer is reported
    (tmp_path / "model.py").write_text(text.replace("        self.act = nn.ReLU()", "        self.fc4 = nn.Linear(4, 4)\n        self.act = nn.ReLU()")
                                       .replace("self.act(self.fc3(", "self.act(self.fc4(self.act(self.fc3(").replace("(x))))))", "(x))))))))"))  # fmt: skip
    assert [r["code"] for r in json.loads(initlint("--output-format", "json", ".", cwd=tmp_path).stdout)] == ["IL101"]


def test_add_noqa_keeps_encoding_and_line_endings(tmp_path):
    source = "# -*- coding: latin-1 -*-\n# café\n" + MODEL
    data = source.replace("\n", "\r\n").encode("latin-1")
    (tmp_path / "model.py").write_bytes(data)
    assert initlint("--add-noqa", "model.py", cwd=tmp_path).returncode == 0
    new = (tmp_path / "model.py").read_bytes()
    assert b"# caf\xe9\r\n" in new and b"\n" not in new.replace(b"\r\n", b"")
    assert new.count(b"# noqa: ") == data.count(b"# noqa: ") + 2  # one merged into `# noqa: E501`
    assert new.replace(b"  # noqa: IL101", b"").replace(b"E501, IL101", b"E501") == data


def test_add_noqa_refuses_fix_and_reports_files_that_do_not_parse(tmp_path):
    (tmp_path / "broken.py").write_text("import torch.nn as nn\nclass B(nn.Module:\n    x = nn.Linear(2, 2)\n")
    (tmp_path / "model.py").write_text(MODEL)
    done = initlint("--add-noqa", ".", cwd=tmp_path)
    assert done.returncode == 2 and "broken.py:2:" in done.stderr and "Added 3 noqa directives." in done.stderr
    assert initlint("--add-noqa", "--fix", ".", cwd=tmp_path).returncode == 2


UNUSED = '''\
import torch.nn as nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)  # noqa: IL101, IL103
        self.fc2 = nn.Linear(4, 4)  # noqa: IL101  # kept for now
        self.head = nn.Linear(4, 2)  # noqa: IL199
        self.x = 1  # NOQA: il999,E501
        self.y = 2  # noqa
        self.act = nn.ReLU()

    def forward(self, x):
        return self.head(self.act(self.fc1(x)) + self.fc2(x))
'''


def test_unused_noqa_is_reported_and_fixed(tmp_path):
    (tmp_path / "model.py").write_text(UNUSED)
    assert initlint("model.py", cwd=tmp_path).returncode == 0  # off by default
    done = initlint("--extend-select", "IL900", "--output-format", "json", "model.py", cwd=tmp_path)
    rows = [(r["location"]["row"], r["message"]) for r in json.loads(done.stdout)]
    assert rows == [
        (7, "`noqa` directive with codes that suppress nothing (unused: `IL103`)"),
        (8, "`noqa` directive with codes that suppress nothing (unused: `IL101`)"),
        (9, "`noqa` directive with codes that suppress nothing (unknown: `IL199`)"),
        (10, "`noqa` directive with codes that suppress nothing (unknown: `il999`)"),
    ]
    first = json.loads(done.stdout)[0]
    assert (first["location"]["column"], first["end_location"]["column"]) == (37, 57)  # the directive's span
    assert UNUSED.splitlines()[6][36:56] == "# noqa: IL101, IL103"
    fixed = initlint("--extend-select", "IL900", "--fix", "model.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    lines = (tmp_path / "model.py").read_text().splitlines()
    assert lines[6].endswith("nn.Linear(4, 4)  # noqa: IL101")
    assert lines[7].endswith("nn.Linear(4, 4)  # kept for now")
    assert lines[8].endswith("self.head = nn.Linear(4, 2)")
    assert lines[9].endswith("self.x = 1  # NOQA: E501") and lines[10].endswith("# noqa")
    assert code_tokens("\n".join(lines) + "\n") == code_tokens(UNUSED)
    again = initlint("--extend-select", "IL900", "--fix", "model.py", cwd=tmp_path)
    assert again.returncode == 0 and "All checks passed!" in again.stdout


def test_unused_noqa_of_a_rule_not_selected_and_per_file_ignores(tmp_path):
    (tmp_path / "model.py").write_text(UNUSED.replace("# noqa: IL199", "# noqa: IL301"))
    out = initlint("--extend-select", "IL900", "--output-format", "json", "model.py", cwd=tmp_path).stdout
    assert "(non-enabled: `IL301`)" in out
    out = initlint("--extend-select", "IL900,IL301", "--output-format", "json", "model.py", cwd=tmp_path).stdout
    assert [r for r in json.loads(out) if r["location"]["row"] == 9] == []  # IL301 on: it suppresses the head's finding
    (tmp_path / "pyproject.toml").write_text('[tool.initlint]\nextend-select = ["IL900"]\nper-file-ignores = { "model.py" = ["IL900"] }\n')
    assert initlint("model.py", cwd=tmp_path).returncode == 0


def test_unused_noqa_in_a_notebook_cell_is_fixed_there(tmp_path):
    nb = json.loads(NOTEBOOK.read_text())
    nb["cells"][0]["source"] = ["import torch.nn as nn  # noqa: IL101"]
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    done = initlint("--extend-select", "IL900", "nb.ipynb", cwd=tmp_path)
    assert "nb.ipynb:cell 1:1:24: IL900 [*]" in done.stdout
    initlint("--extend-select", "IL900", "--fix", "nb.ipynb", cwd=tmp_path)
    assert json.loads((tmp_path / "nb.ipynb").read_text())["cells"][0]["source"] == ["import torch.nn as nn"]


def test_directives_are_read_from_comments_only():
    found = noqa.directives('x = "# noqa: IL101"  # noqa: IL103,E501\n# noqa\n')
    assert [(d.line, d.column, d.end_column, d.codes) for d in found] == [(1, 22, 40, ["IL103", "E501"]), (2, 1, 7, [])]
