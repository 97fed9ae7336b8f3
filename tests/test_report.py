"""The machine-readable reports, read back the way their consumers read them: json / json-lines
(ruff's fields, with edits that reproduce `--fix`), SARIF 2.1.0 validated against the OASIS
schema (vendored in tests/data), and GitHub workflow commands with their escaping."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from initlint import __version__, report
from initlint.model import Edit, FileError, Finding, Fix
from initlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

MLP = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn


    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(8, 16)
            self.fc2 = nn.Linear(16, 16)
            self.gate = nn.Linear(16, 1)

        def forward(self, x):
            x = self.fc1(x).relu()
            x = torch.tanh(self.fc2(x))
            return torch.sigmoid(self.gate(x))
    """
)


def initlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        # IL104 (off by default) on: the sigmoid gate is these tests' finding without a fix
        [sys.executable, "-m", "initlint", "check", "--no-cache", "--extend-select", "IL104", *args],
        cwd=cwd, capture_output=True, text=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "mlp.py").write_text(MLP)
    # no torch.nn.init spelling in the file: each fix also carries the `import torch` edit
    shutil.copy(ROOT / "tests" / "fix_models" / "no_nn_alias.py", tmp_path / "src" / "bare model.py")
    return tmp_path


def apply_edits(text: str, edits: list[tuple[int, int, int, int, str]]) -> str:
    """Apply (row, col, end_row, end_col, content) edits, 1-based, as an editor would. Identical
    edits of different findings (the shared `import torch`) go in once, as ruff applies them."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(row: int, col: int) -> int:
        return starts[row - 1] + col - 1

    out = text
    for row, col, end_row, end_col, content in sorted(set(edits), key=lambda e: (e[0], e[1]), reverse=True):
        out = out[: offset(row, col)] + content + out[offset(end_row, end_col) :]
    return out


def fixed_by_cli(project: Path, relative: str) -> str:
    copy = project.parent / "fixed-copy"
    shutil.copytree(project, copy)
    initlint("--fix", "src", cwd=copy)
    return (copy / relative).read_text()


# --------------------------------------------------------------------------------------
# json, json-lines


def test_json_fields_and_edits_reproduce_the_fix(project):
    done = initlint("--output-format", "json", "src", cwd=project)
    assert done.returncode == 1, done.stderr
    items = json.loads(done.stdout)
    assert [(i["path"], i["code"]) for i in items] == [
        ("src/bare model.py", "IL101"),
        ("src/bare model.py", "IL103"),
        ("src/mlp.py", "IL101"),
        ("src/mlp.py", "IL103"),
        ("src/mlp.py", "IL104"),
    ]
    first = next(i for i in items if i["path"] == "src/mlp.py")
    assert (first["line"], first["column"], first["end_line"]) == (8, 20, 8)
    assert first["end_column"] == first["column"] + len("nn.Linear(8, 16)")
    assert (first["class"], first["layer"], first["name"]) == ("MLP", "fc1", "relu-default-init")
    assert first["filename"] == str(project / "src" / "mlp.py")
    assert first["location"] == {"row": 8, "column": 20} and first["noqa_row"] == 8
    assert first["url"].endswith("/rules/IL101/README.md")
    assert first["fix"]["applicability"] == "safe" and first["fix"]["message"]
    gate = items[-1]
    assert gate["code"] == "IL104" and gate["fix"] is None  # sigmoid heads are reported, not fixed

    for relative in ("src/mlp.py", "src/bare model.py"):
        edits = [
            (
                e["location"]["row"],
                e["location"]["column"],
                e["end_location"]["row"],
                e["end_location"]["column"],
                e["content"],
            )
            for i in items
            if i["path"] == relative and i["fix"]
            for e in i["fix"]["edits"]
        ]
        original = (project / relative).read_text()
        assert apply_edits(original, edits) == fixed_by_cli(project, relative) != original
        shutil.rmtree(project.parent / "fixed-copy")


def test_json_lines_is_the_json_array_one_per_line(project):
    array = json.loads(initlint("--output-format", "json", "src", cwd=project).stdout)
    lines = initlint("--output-format", "json-lines", "src", cwd=project).stdout.splitlines()
    assert [json.loads(line) for line in lines] == array


def test_clean_run_is_an_empty_array(tmp_path):
    (tmp_path / "ok.py").write_text("import torch.nn as nn\n\nclass M(nn.Module):\n    pass\n")
    done = initlint("--output-format", "json", ".", cwd=tmp_path)
    assert (done.returncode, json.loads(done.stdout)) == (0, [])


# --------------------------------------------------------------------------------------
# SARIF


def validate_sarif(text: str) -> dict:
    log = json.loads(text)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return log


def test_sarif_findings_and_fixes_are_schema_valid_and_reproduce_the_fix(project):
    done = initlint("--output-format", "sarif", "src", cwd=project)
    assert done.returncode == 1, done.stderr
    log = validate_sarif(done.stdout)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("initlint", __version__)
    assert [r["id"] for r in driver["rules"]] == [cls.code for cls in ALL_RULES]
    results = run["results"]
    assert len(results) == 5
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"src/mlp.py", "src/bare%20model.py"}  # a URI reference, percent-encoded
    assert {unquote(u) for u in uris} == {"src/mlp.py", "src/bare model.py"}
    first = results[[r["ruleId"] for r in results].index("IL101", 1)]
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 8,
        "startColumn": 20,
        "endLine": 8,
        "endColumn": 36,
    }

    # code scanning's suggested fixes: the replacements give exactly what --fix writes
    for relative in ("src/mlp.py", "src/bare model.py"):
        edits = [
            (d["startLine"], d["startColumn"], d["endLine"], d["endColumn"], rep["insertedContent"]["text"])
            for r in results
            for fix in r.get("fixes", [])
            for change in fix["artifactChanges"]
            if unquote(change["artifactLocation"]["uri"]) == relative
            for rep in change["replacements"]
            for d in [rep["deletedRegion"]]
        ]
        assert apply_edits((project / relative).read_text(), edits) == fixed_by_cli(project, relative)
        shutil.rmtree(project.parent / "fixed-copy")
    assert "fixes" not in results[-1]  # IL104: no fix offered


def test_sarif_with_a_file_error_and_after_fix(project):
    (project / "src" / "broken.py").write_text(
        "import torch.nn as nn\nclass Broken(nn.Module:\n    fc = nn.Linear(2, 2)\n"
    )
    done = initlint("--output-format", "sarif", "src", cwd=project)
    assert done.returncode == 2
    log = validate_sarif(done.stdout)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "src/broken.py" and location["region"]["startLine"] == 2
    assert len(log["runs"][0]["results"]) == 5  # the other files are still reported

    (project / "src" / "broken.py").unlink()
    fixed = initlint("--fix", "--output-format", "sarif", "src", cwd=project)
    log = validate_sarif(fixed.stdout)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["IL104"]  # only what --fix left
    assert fixed.returncode == 1


def test_sarif_of_a_clean_run_and_of_stdin(tmp_path):
    (tmp_path / "ok.py").write_text("x = 1\n")
    log = validate_sarif(initlint("--output-format", "sarif", ".", cwd=tmp_path).stdout)
    assert log["runs"][0]["results"] == []
    done = subprocess.run(
        [sys.executable, "-m", "initlint", "check", "--output-format", "sarif", "-", "--stdin-filename", "pkg/m.py"],
        input=MLP, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    log = validate_sarif(done.stdout)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]} == {
        "pkg/m.py"
    }


def test_sarif_absolute_paths_become_file_uris(tmp_path):
    (tmp_path / "m.py").write_text(MLP)
    log = validate_sarif(initlint("--output-format", "sarif", str(tmp_path / "m.py"), cwd=tmp_path).stdout)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == (tmp_path / "m.py").as_uri()


# --------------------------------------------------------------------------------------
# GitHub workflow commands


def unescape_data(value: str) -> str:
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_annotation(line: str) -> tuple[dict, str]:
    """What the Actions runner does with `::error k=v,k=v::message`."""
    assert line.startswith("::error ")
    props, message = line[len("::error ") :].split("::", 1)
    fields = {}
    for pair in props.split(","):
        key, value = pair.split("=", 1)
        fields[key] = unescape_data(value.replace("%3A", ":").replace("%2C", ","))
    return fields, unescape_data(message)


def test_github_annotations_escape_percent_cr_lf():
    path = "src/50%,odd:\r\nname.py"
    message = "100% off\r\nsecond line"
    finding = Finding("IL101", message, path, 3, 5, 3, 9, fix=Fix("safe", "m", [Edit("x", 4, 1, 4, 1)]))
    error = FileError("a%b\n.py", "cannot read\rhere", 2, 1)
    out = report.github([finding], [error])
    lines = out.splitlines()
    assert len(lines) == 2, "a raw CR or LF would split one annotation in two"
    assert "%25" in lines[0] and "%0D%0A" in lines[0]
    fields, text = parse_annotation(lines[0])
    assert fields == {
        "title": "initlint (IL101)",
        "file": path,
        "line": "3",
        "col": "5",
        "endLine": "3",
        "endColumn": "9",
    }
    assert text == f"{path}:3:5: IL101 {message}"
    fields, text = parse_annotation(lines[1])
    assert (fields["file"], fields["line"], fields["col"]) == ("a%b\n.py", "2", "1")
    assert "cannot read\rhere" in text


def test_github_output_of_a_real_run_names_each_finding(tmp_path):
    (tmp_path / "50% model.py").write_text(MLP)
    done = initlint("--output-format", "github", ".", cwd=tmp_path)
    assert done.returncode == 1
    annotations = [parse_annotation(line) for line in done.stdout.splitlines()]
    assert [(f["file"], f["line"], f["col"]) for f, _ in annotations] == [
        ("50% model.py", "8", "20"),
        ("50% model.py", "9", "20"),
        ("50% model.py", "10", "21"),
    ]
    assert done.stdout.splitlines()[0].startswith("::error title=initlint (IL101),file=50%25 model.py,line=8,col=20,")


# --------------------------------------------------------------------------------------
# gitlab, junit, pylint, rdjson, azure, grouped: each read back as its consumer reads it


def test_sarif_links_rule_pages_instead_of_embedding_them(project):
    done = initlint("--output-format", "sarif", "src", cwd=project)
    log = validate_sarif(done.stdout)
    for rule in log["runs"][0]["tool"]["driver"]["rules"]:
        assert "help" not in rule and rule["helpUri"] == report.rule_url(rule["id"])
        assert (ROOT / "rules" / rule["id"] / "README.md").is_file()  # the page the link names
    assert len(done.stdout.encode()) < 20_000  # 5 findings with their fixes; it was 107 KB


def test_gitlab_code_quality_has_the_fields_gitlab_requires(project, monkeypatch):
    done = initlint("--output-format", "gitlab", "src", cwd=project)
    assert done.returncode == 1
    issues = json.loads(done.stdout)
    assert len(issues) == 5
    for issue in issues:  # GitLab's Code Quality report format: required fields and their types
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["check_name"].startswith("IL")
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert isinstance(issue["location"]["path"], str) and not issue["location"]["path"].startswith("/")
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == 5  # unique per issue
    # the fingerprint survives code moving above the finding
    model = project / "src" / "mlp.py"
    model.write_text("# a new first line\n" + model.read_text())
    moved = json.loads(initlint("--output-format", "gitlab", "src", cwd=project).stdout)
    assert {i["fingerprint"] for i in moved} == {i["fingerprint"] for i in issues}
    assert [i["location"]["lines"]["begin"] for i in moved if i["location"]["path"] == "src/mlp.py"][0] == 9
    # in GitLab CI, paths relative to the project folder
    nested = subprocess.run(
        [sys.executable, "-m", "initlint", "check", "--no-cache", "--output-format", "gitlab", str(project / "src")],
        cwd=project.parent, capture_output=True, text=True, env={**__import__("os").environ, "CI_PROJECT_DIR": str(project)},
    )  # fmt: skip
    assert {i["location"]["path"] for i in json.loads(nested.stdout)} == {"src/mlp.py", "src/bare model.py"}


def test_junit_reads_back_with_the_stdlib_and_junitparser(project):
    from xml.etree import ElementTree

    from junitparser import Failure, JUnitXml

    (project / "src" / "broken.py").write_text("import torch.nn as nn\nclass Broken(nn.Module:\n    fc = nn.Linear(2, 2)\n")
    done = initlint("--output-format", "junit", "src", cwd=project)
    assert done.returncode == 2
    root = ElementTree.fromstring(done.stdout)
    assert root.tag == "testsuites" and (root.get("failures"), root.get("errors")) == ("5", "1")
    path = project / "report.xml"
    path.write_text(done.stdout, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = [(suite.name, case.name, [type(r).__name__ for r in case.result]) for suite in xml for case in suite]
    assert ("src/broken.py", "initlint.error", ["Error"]) in cases
    failed = [c for c in cases if c[2] == ["Failure"]]
    assert len(failed) == 5 and {c[0] for c in failed} == {"src/mlp.py", "src/bare model.py"}
    first = next(case for suite in xml for case in suite if case.result and isinstance(case.result[0], Failure))
    assert first.result[0].type.startswith("IL") and "src/" in first.result[0].text
    clean = project / "clean"
    clean.mkdir()
    (clean / "ok.py").write_text("x = 1\n")
    ok = ElementTree.fromstring(initlint("--output-format", "junit", "clean", cwd=project).stdout)
    assert [c.get("name") for c in ok.iter("testcase")] == ["No errors found"] and ok.get("failures") == "0"


PYLINT_PARSEABLE = r"^(?P<path>.+?):(?P<line>\d+): \[(?P<code>[A-Z]+\d+)\((?P<symbol>[\w-]+)\), (?P<obj>[\w.]*)\] (?P<msg>.+)$"


def test_pylint_format_is_pylints_parseable_template(project):
    """pylint's `--output-format=parseable`: `{path}:{line}: [{msg_id}({symbol}), {obj}] {msg}`."""
    import re

    lines = initlint("--output-format", "pylint", "src", cwd=project).stdout.splitlines()
    assert len(lines) == 5
    parsed = [re.match(PYLINT_PARSEABLE, line).groupdict() for line in lines]
    rows = json.loads(initlint("--output-format", "json", "src", cwd=project).stdout)
    assert [(p["path"], int(p["line"]), p["code"], p["msg"]) for p in parsed] == [
        (r["path"], r["location"]["row"], r["code"], r["message"]) for r in rows
    ]
    assert parsed[0]["symbol"] == "relu-default-init" and parsed[0]["obj"] == "Bare.fc"


def test_rdjson_is_valid_and_its_suggestions_reproduce_the_fix(project):
    schema = json.loads((ROOT / "tests" / "data" / "rdjson-schema.json").read_text(encoding="utf-8"))
    (project / "src" / "ünï.py").write_text("# é\nimport torch.nn as nn\nclass A(nn.Module):\n    def __init__(self):\n"
                                           "        super().__init__()\n        self.é = nn.Linear(2, 2); self.a = nn.ReLU()\n"
                                           "    def forward(self, x):\n        return self.a(self.é(x))\n", encoding="utf-8")  # fmt: skip
    done = initlint("--output-format", "rdjson", "src", cwd=project)
    result = json.loads(done.stdout)
    jsonschema.Draft4Validator(schema).validate(result)
    diagnostics = result["diagnostics"]
    assert len(diagnostics) == 6 and result["source"]["name"] == "initlint"
    assert all(d["code"]["url"] == report.rule_url(d["code"]["value"]) for d in diagnostics)
    wide = next(d for d in diagnostics if d["location"]["path"] == "src/ünï.py")
    # columns in UTF-8 bytes: `self.é = ` is 9 characters and 10 bytes before `nn.Linear`
    assert wide["location"]["range"]["start"] == {"line": 6, "column": 8 + 10 + 1}
    relative = "src/mlp.py"
    edits = [
        (s["range"]["start"]["line"], s["range"]["start"]["column"], s["range"]["end"]["line"], s["range"]["end"]["column"], s["text"])
        for d in diagnostics if d["location"]["path"] == relative for s in d.get("suggestions", [])
    ]  # fmt: skip
    assert apply_edits((project / relative).read_text(), edits) == fixed_by_cli(project, relative)


def test_azure_logging_commands_parse_back(project):
    import re

    (project / "src" / "a;b].py").write_text(MLP)
    lines = initlint("--output-format", "azure", "src", cwd=project).stdout.splitlines()
    assert len(lines) == 8
    unescape = lambda v: v.replace("%3B", ";").replace("%0D", "\r").replace("%0A", "\n").replace("%5D", "]").replace("%AZP25", "%")  # noqa: E731
    rows = []
    for line in lines:  # Azure's form: ##vso[area.action key=value;key=value;]message
        match = re.fullmatch(r"##vso\[task\.logissue ((?:[a-z]+=[^;\]]*;)+)\](.*)", line)
        assert match, line
        props = dict(p.split("=", 1) for p in match.group(1).rstrip(";").split(";"))
        rows.append((unescape(props["sourcepath"]), int(props["linenumber"]), props["code"], props["type"]))
    assert ("src/a;b].py", 8, "IL101", "error") in rows


def test_grouped_lists_findings_under_their_file(project):
    out = initlint("--output-format", "grouped", "src", cwd=project).stdout
    blocks = out.split("\n\n")
    assert blocks[0].splitlines()[0] == "src/bare model.py:"
    assert blocks[1].splitlines()[0] == "src/mlp.py:"
    first = blocks[1].splitlines()[1]
    assert first.startswith("  8:20") and first.split()[1:4] == ["IL101", "[*]", "`MLP.fc1`"]
    widths = {line.index(" IL") for line in blocks[1].splitlines()[1:]}
    assert len(widths) == 1  # the codes line up
    assert "Found 5 errors." in blocks[2]
