"""Jupyter notebooks, on real notebooks written by nbformat (tests/data/notebooks, made by
tests/data/notebooks/make.py): discovery, cell positions in every format, `--fix` written
into the right cells with everything else of the file byte for byte, `--diff` per cell,
idempotence, and the errors of broken notebooks."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from initlint import api, notebook
from initlint.notebook import Cell

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "notebooks"


def initlint(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "initlint", "check", "--no-cache", *args],
        cwd=cwd, capture_output=True, text=True, input=stdin,
    )  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("magics.ipynb", "markdown_between.ipynb"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def cell_source(path: Path, number: int) -> str:
    return "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][number - 1]["source"])


# --------------------------------------------------------------------------------------
# Reading


def test_magics_are_neutralised_and_other_languages_skipped():
    nb = notebook.load("magics.ipynb", (DATA / "magics.ipynb").read_text(encoding="utf-8"))
    ast.parse(nb.text)  # the concatenation is Python
    assert nb.skipped == [(3, "cell magic %%bash")]
    assert [c.number for c in nb.cells] == [2, 4, 5, 6]  # markdown cell 1 and %%bash cell 3 left out
    assert "echo" not in nb.text and "!pip" not in nb.text and "%matplotlib" not in nb.text
    lines = nb.text.splitlines()
    assert len(lines) == sum(c.lines for c in nb.cells)  # every cell line kept, in order
    for cell in nb.cells:  # the map: each concatenated line is the cell's line or its `pass`
        own = cell.source.splitlines()
        for offset, text in enumerate(own, start=1):
            line = nb.line_of(cell.number, offset)
            assert nb.locate(line) == (cell.number, offset)
            assert lines[line - 1] == text or (offset in cell.neutralised and lines[line - 1].strip() == "pass")
    loop = next(c for c in nb.cells if c.number == 6)
    assert loop.neutralised == {2, 3}  # `%time` and `!echo` inside a for body: `pass` at their indentation


def test_python_cell_magic_body_is_checked_and_non_python_notebook_is_not(tmp_path):
    nb = notebook.from_cells("x.ipynb", [Cell("code", "%%timeit\nx = 1"), Cell("code", "%%sql\nSELECT 1"), Cell("code", "y = 2", "r")])
    assert nb.text == "pass\nx = 1\n"
    assert [reason for _, reason in nb.skipped] == ["cell magic %%sql", "a r cell"]
    other = notebook.from_cells("x.ipynb", [Cell("code", "x = 1")], language="julia")
    assert other.text == "" and other.skipped == [(1, "the notebook's language is julia")]


def test_a_real_syntax_error_is_left_for_the_analysis_to_report(tmp_path):
    nb = notebook.from_cells("x.ipynb", [Cell("code", "import torch"), Cell("code", "x = (1,\n%time y")])
    with pytest.raises(SyntaxError):
        ast.parse(nb.text)  # not hidden by a `pass`: the `%` line is inside a bracket


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"cells": [\n  {"cell_type": "code",, "source": "nn.Linear"}\n]}', "magic.ipynb:2:24: error: not a notebook: invalid JSON"),
        ('{"cells": [], "note": "Linear"}', "magic.ipynb: error: not a notebook: the JSON has no `nbformat` version"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {"note": "Linear"}, "cells": [{"cell_type": "code"}]}', "magic.ipynb: error: not a valid notebook"),
        ('{"nbformat": 3, "nbformat_minor": 0, "metadata": {"note": "Linear"}, "worksheets": []}', "magic.ipynb: error: nbformat 3 notebook"),
    ],
)  # fmt: skip
def test_broken_notebooks_are_named_and_the_run_goes_on(project, text, message):
    (project / "magic.ipynb").write_text(text, encoding="utf-8")
    done = initlint(".", cwd=project)
    assert done.returncode == 2
    assert message in done.stderr, done.stderr
    assert "markdown_between.ipynb:cell 5:4:21: IL101" in done.stdout  # the others are still checked


# --------------------------------------------------------------------------------------
# Reporting


def test_findings_name_the_cell_and_the_line_in_it(project):
    done = initlint(".", cwd=project)
    assert done.returncode == 1
    lines = [line for line in done.stdout.splitlines() if ": IL" in line]
    assert lines[0].startswith("magics.ipynb:cell 4:5:21: IL101 [*] `Net.conv`")
    assert lines[1].startswith("markdown_between.ipynb:cell 3:4:19: IL103")
    assert lines[2].startswith("markdown_between.ipynb:cell 5:4:21: IL101")
    # the position is the cell's: line 5 of cell 4 is where the layer is built
    assert cell_source(project / "magics.ipynb", 4).splitlines()[4][20:].startswith("nn.Conv2d(3, 16, 3)")
    full = initlint("--output-format", "full", "markdown_between.ipynb", cwd=project).stdout
    assert "     4 |         self.fc = nn.Linear(d, d)" in full


def test_json_github_and_sarif_carry_the_cell(project):
    rows = json.loads(initlint("--output-format", "json", ".", cwd=project).stdout)
    assert [(r["filename"].endswith(".ipynb"), r["cell"], r["location"]["row"]) for r in rows] == [
        (True, 4, 5), (True, 3, 4), (True, 5, 4),
    ]  # fmt: skip
    edit = rows[0]["fix"]["edits"][0]
    assert edit["cell"] == 4 and edit["location"] == {"row": 6, "column": 1}  # after line 5 of cell 4
    github = initlint("--output-format", "github", ".", cwd=project).stdout.splitlines()
    assert github[0].startswith("::error title=initlint (IL101),file=magics.ipynb::magics.ipynb:cell 4:5:21: IL101")
    sarif = json.loads(initlint("--output-format", "sarif", ".", cwd=project).stdout)
    results = sarif["runs"][0]["results"]
    assert [r["properties"]["cell"] for r in results] == [4, 3, 5]
    assert all("fixes" not in r for r in results)  # a cell's lines are not the file's: no file edits


def test_inspect_rows_carry_the_cell(project):
    done = subprocess.run(
        [sys.executable, "-m", "initlint", "inspect", "--output-format", "json", "markdown_between.ipynb"],
        cwd=project, capture_output=True, text=True,
    )  # fmt: skip
    rows = json.loads(done.stdout)
    assert [(r["cell"], r["line"], r["layer"]) for r in rows] == [(3, 4, "fc"), (5, 4, "conv")]


# --------------------------------------------------------------------------------------
# Fixing


def test_fix_goes_into_the_right_cells_and_leaves_the_rest_of_the_file_alone(project):
    before = {name: (project / name).read_text(encoding="utf-8") for name in ("magics.ipynb", "markdown_between.ipynb")}
    done = initlint("--fix", ".", cwd=project)
    assert done.returncode == 1  # IL103 on the output head is left
    for name, old_text in before.items():
        new_text = (project / name).read_text(encoding="utf-8")
        old, new = json.loads(old_text), json.loads(new_text)
        changed = [i for i, (a, b) in enumerate(zip(old["cells"], new["cells"])) if a != b]
        assert changed == [3 if name == "magics.ipynb" else 4]  # cell 4 / cell 5, only its source
        for cell_old, cell_new in zip(old["cells"], new["cells"]):
            assert {k: v for k, v in cell_old.items() if k != "source"} == {k: v for k, v in cell_new.items() if k != "source"}
        assert old["metadata"] == new["metadata"]
        # the file is the old one plus one JSON line: indentation, key order and final newline kept
        old_lines, new_lines = old_text.splitlines(keepends=True), new_text.splitlines(keepends=True)
        added = [line for line in new_lines if line not in old_lines]
        assert len(new_lines) == len(old_lines) + 1 and added == [
            '    "        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity=\\"relu\\")\\n",\n'
        ]
        nbformat.validate(nbformat.reads(new_text, as_version=4))
        fixed = notebook.load(name, new_text)
        ast.parse(fixed.text)
    magic_cell = cell_source(project / "magics.ipynb", 4)
    assert magic_cell.startswith("%%time\n")  # the magic is written back as it was
    assert "nn.init.kaiming_uniform_(self.conv.weight" in magic_cell
    again = {name: (project / name).read_bytes() for name in before}
    assert initlint("--fix", ".", cwd=project).returncode == 1
    assert {name: (project / name).read_bytes() for name in before} == again  # idempotent


def test_diff_is_per_cell_and_writes_nothing(project):
    before = (project / "markdown_between.ipynb").read_bytes()
    done = initlint("--diff", "markdown_between.ipynb", cwd=project)
    assert done.returncode == 1
    assert done.stdout.startswith("--- markdown_between.ipynb:cell 5\n+++ markdown_between.ipynb:cell 5\n@@ -2,6 +2,7 @@\n")
    assert '+        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")\n' in done.stdout
    assert (project / "markdown_between.ipynb").read_bytes() == before


def test_fix_keeps_foreign_formatting_and_a_cell_without_final_newline(tmp_path):
    """A notebook another tool wrote: indent 2, keys unsorted, sources as single strings, no
    final newline in the file; the fix's `import torch` goes at the end of the first cell."""
    data = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"language_info": {"name": "python"}},
        "cells": [
            {"id": "a1", "cell_type": "code", "source": "from torch.nn import Conv2d, Module, ReLU", "metadata": {}, "outputs": [], "execution_count": 7},
            {"id": "b2", "cell_type": "markdown", "source": "Ünïcode — text", "metadata": {}},
            {"id": "c3", "cell_type": "code", "metadata": {"tags": ["model"]}, "execution_count": None, "outputs": [],
             "source": "class Net(Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = Conv2d(3, 8, 3)\n        self.relu = ReLU()\n\n    def forward(self, x):\n        return self.relu(self.conv(x))"},
        ],
    }  # fmt: skip
    text = json.dumps(data, indent=2, ensure_ascii=False)
    path = tmp_path / "foreign.ipynb"
    path.write_text(text, encoding="utf-8")
    done = initlint("--fix", "foreign.ipynb", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    new_text = path.read_text(encoding="utf-8")
    new = json.loads(new_text)
    assert new["cells"][0]["source"] == "from torch.nn import Conv2d, Module, ReLU\nimport torch"  # still no final newline
    assert "torch.nn.init.kaiming_uniform_(self.conv.weight" in new["cells"][2]["source"]
    expected = dict(data, cells=[dict(c) for c in data["cells"]])
    expected["cells"][0]["source"] = new["cells"][0]["source"]
    expected["cells"][2]["source"] = new["cells"][2]["source"]
    assert new_text == json.dumps(expected, indent=2, ensure_ascii=False)  # same layout, same key order
    assert initlint("--fix", "foreign.ipynb", cwd=tmp_path).returncode == 0
    assert path.read_text(encoding="utf-8") == new_text


def test_the_api_round_trip_the_server_uses():
    """from_cells -> findings in cells -> fix -> new cell sources, without a file."""
    cells = [
        Cell("code", "import torch.nn as nn"),
        Cell("markdown", "# model"),
        Cell("code", "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n        self.act = nn.ReLU()\n\n    def forward(self, x):\n        return self.act(self.fc(x))\n"),
    ]  # fmt: skip
    nb, findings, error = api.check_cells("mem.ipynb", cells, api.Settings(codes=["IL101"]))
    assert error is None
    assert [(f.cell, f.line, f.column) for f in findings] == [(3, 4, 19)]
    assert findings[0].fix.edits[0].cell == 3 and findings[0].fix.edits[0].line == 5
    result = notebook.fix(nb, findings)
    assert result.error is None and result.new_data is None and list(result.new_sources) == [3]
    assert result.new_sources[3].splitlines()[4] == '        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")'


def test_check_cells_reports_a_syntax_error_in_its_cell():
    cells = [Cell("code", "import torch.nn as nn"), Cell("markdown", "x"), Cell("code", "fc = nn.Linear(2, 2\ny = 1")]
    _, findings, error = api.check_cells("mem.ipynb", cells, api.Settings(codes=["IL101"]))
    assert findings == [] and error.cell == 3 and error.line in (1, 2)
    assert str(error).startswith("mem.ipynb:cell 3:")


def test_stdin_notebook_prints_the_fixed_json(project):
    text = (project / "markdown_between.ipynb").read_text(encoding="utf-8")
    done = initlint("--fix", "--stdin-filename", "markdown_between.ipynb", "-", cwd=project, stdin=text)
    fixed = json.loads(done.stdout)
    assert 'nn.init.kaiming_uniform_(self.conv.weight, nonlinearity=\\"relu\\")' in done.stdout
    nbformat.validate(nbformat.from_dict(fixed))


def test_a_syntax_error_in_a_cell_is_reported_in_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import torch.nn as nn"), nbformat.v4.new_code_cell("layer = nn.Linear(2, 2\nx = 1")]
    nbformat.write(nb, str(tmp_path / "broken.ipynb"))
    done = initlint("broken.ipynb", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("broken.ipynb:cell 2:"), done.stderr


def test_folders_are_searched_for_notebooks_but_not_their_checkpoints(project):
    (project / ".ipynb_checkpoints").mkdir()
    shutil.copy(DATA / "magics.ipynb", project / ".ipynb_checkpoints" / "magics-checkpoint.ipynb")
    done = initlint("--output-format", "json", ".", cwd=project)
    assert sorted({Path(r["filename"]).name for r in json.loads(done.stdout)}) == ["magics.ipynb", "markdown_between.ipynb"]


def test_cached_findings_keep_the_cell(project):
    args = [sys.executable, "-m", "initlint", "check", "--output-format", "json", "--cache-dir", str(project / "cache"), "."]
    cold = subprocess.run(args, cwd=project, capture_output=True, text=True).stdout
    warm = subprocess.run(args, cwd=project, capture_output=True, text=True).stdout
    assert cold == warm and '"cell": 4' in warm
    fixed = subprocess.run([*args, "--fix"], cwd=project, capture_output=True, text=True)
    assert "nn.init.kaiming_uniform_" in cell_source(project / "magics.ipynb", 4), fixed.stderr


def test_a_notebook_that_reinitialises_a_packages_model_counts_in_the_program(tmp_path):
    """A training notebook is a script of the program: its `apply` re-initialises the Conv of
    models.py (rules/IL101/program_gan_script, with the script as a notebook), also when
    models.py is named alone as pre-commit names it."""
    shutil.copy(ROOT / "rules" / "IL101" / "program_gan_script" / "models.py", tmp_path / "models.py")
    nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Train"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport torch\nfrom models import Generator"),
        nbformat.v4.new_code_cell('def weights_init_normal(m):\n    if m.__class__.__name__.find("Conv") != -1:\n'
                                  "        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)"),
        nbformat.v4.new_code_cell("generator = Generator()\ngenerator.apply(weights_init_normal)"),
    ]  # fmt: skip
    nbformat.write(nb, str(tmp_path / "train.ipynb"))

    def flagged(*args: str) -> list:
        return [(r["location"]["row"], r["code"]) for r in json.loads(initlint("--output-format", "json", *args, cwd=tmp_path).stdout)]

    assert flagged(".") == [(10, "IL101")]  # the fc only: the notebook re-initialises the conv
    assert flagged("models.py") == [(10, "IL101")]
    (tmp_path / "train.ipynb").unlink()
    assert flagged(".") == [(10, "IL101"), (11, "IL101")]


def test_a_context_notebook_read_again_is_read_as_its_cells(tmp_path):
    """A module around a named file is read again when its stored model is stale (a module it
    followed changed): a notebook must come back as its code cells, not as JSON text."""
    shutil.copy(DATA / "magics.ipynb", tmp_path / "nb.ipynb")
    source = api._read_quietly(str(tmp_path / "nb.ipynb"), api.Settings(codes=["IL101"]))
    assert isinstance(source, api.NotebookSource)
    assert source.text == notebook.load("nb.ipynb", (DATA / "magics.ipynb").read_text(encoding="utf-8")).text
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    assert api._read_quietly(str(tmp_path / "bad.ipynb"), api.Settings(codes=["IL101"])) is None
