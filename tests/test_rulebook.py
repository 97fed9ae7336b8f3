"""The rule book, checked against the static analysis (rules/README.md says what is checked).

Every example file under rules/<CODE>/ (not the .fixed.py outputs) is analysed and the
default rules plus the folder's own rule are run over it. Then, line by line:
- the findings on a line are exactly the codes written in its `expect:` comment (after the
  line's `# noqa` is applied), and lines without an `expect:` have none;
- every `key=value` in an `expect:` equals that key of the `inspect` row of the layer built
  on that line (`Layer.row()`);
- every layer the analysis reports has an `expect:` with `act=`, and every `expect:` with
  `act=` has a layer.

tests/test_rulebook_runtime.py checks the same `act=` annotations against torch itself, so
together they hold the analysis to what really runs.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from initlint.program.link import link
from initlint.semantics.file import analyze
from initlint.api import UNUSED_NOQA, Settings, findings_of, noqa_codes, suppress
from initlint.sources import from_bytes
from initlint.model import Layer
from initlint.rules import RULES_BY_CODE, run_rules, select_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = sorted(p for p in RULES.glob("IL*/*.py") if not p.name.endswith(".fixed.py"))

CODE_RE = re.compile(r"^IL\d{3}$")
ROW_KEY = {"act": "activation", "param": "activation_param", "init": "init", "layer": "layer", "class": "class",
           "type": "layer_type"}  # fmt: skip


@dataclass
class Expectation:
    line: int
    codes: list[str]
    keys: dict[str, str]
    noqa: Optional[frozenset] = None  # None: no noqa; empty: bare noqa (everything)


def parse_expectations(source: str) -> dict[int, Expectation]:
    """`expect:` comments by line, in the format of rules/README.md."""
    found: dict[int, Expectation] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        line = tok.start[0]
        noqa = noqa_codes(tok.string.split("expect:", 1)[0])
        if "expect:" not in tok.string:
            if noqa is not None:
                found[line] = Expectation(line, [], {}, noqa)
            continue
        codes: list[str] = []
        keys: dict[str, str] = {}
        for item in tok.string.split("expect:", 1)[1].split():
            if CODE_RE.match(item):
                codes.append(item)
            elif "=" in item and item.split("=", 1)[0] in ROW_KEY:
                key, value = item.split("=", 1)
                keys[key] = value
            else:
                raise AssertionError(f"line {line}: cannot read {item!r} in an expect: comment")
        found[line] = Expectation(line, codes, keys, noqa)
    return found


def rules_for(folder: str) -> list:
    """The default rules plus the folder's own code (which may be off by default), once each."""
    chosen = {rule.code: rule for rule in select_rules(None)}
    if folder in RULES_BY_CODE:
        for rule in select_rules([folder]):
            chosen.setdefault(rule.code, rule)
    return list(chosen.values())


def row_value_matches(key: str, want: str, row: dict) -> bool:
    got = row[ROW_KEY[key]]
    if want in ("null", "None"):
        return got is None
    if key == "param":
        return got is not None and math.isclose(float(got), float(want), rel_tol=1e-6, abs_tol=1e-9)
    return got == want


def check_example(path: Path) -> list[str]:
    """The example judged as `initlint check` judges a file that is a program alone (linked)."""
    source = path.read_text(encoding="utf-8")
    model = analyze(source, str(path))
    link({str(path): model})
    return check_model(path, source, model, path.parent.name)


def check_model(path: Path, source: str, model, code: str) -> list[str]:
    """What in one file's analysis (`model`) disagrees with its `expect:` comments."""
    expectations = parse_expectations(source)
    findings = run_rules(model, rules_for(code))
    problems: list[str] = []

    raw_by_line: dict[int, Counter] = {}
    by_line: dict[int, Counter] = {}
    for finding in findings:
        raw_by_line.setdefault(finding.line, Counter())[finding.code] += 1
    reported = suppress(findings, source)  # noqa comments applied exactly as `initlint check` does
    if path.parent.name == UNUSED_NOQA:  # it reads the comments after suppression: as `check` runs it
        settings = Settings(codes=sorted(rule.code for rule in rules_for(path.parent.name)))
        reported, error = findings_of(from_bytes(str(path), source.encode("utf-8")), settings)
        assert error is None, error
    for finding in reported:
        by_line.setdefault(finding.line, Counter())[finding.code] += 1
    for line in sorted(set(by_line) | {n for n, e in expectations.items() if e.codes}):
        want = Counter(expectations[line].codes) if line in expectations else Counter()
        got = by_line.get(line, Counter())
        if got != want:
            messages = [f.message for f in findings if f.line == line]
            problems.append(f"{path.name}:{line}: expected findings {sorted(want.elements())}, got {sorted(got.elements())} {messages}")
    for line, exp in expectations.items():
        if exp.noqa is not None and line not in raw_by_line and path.parent.name != UNUSED_NOQA:
            problems.append(f"{path.name}:{line}: `# noqa` on a line with no finding to suppress")

    layers: dict[int, list[Layer]] = {}
    for layer in model.layers:
        layers.setdefault(layer.line, []).append(layer)
    for line, on_line in sorted(layers.items()):
        exp = expectations.get(line)
        if exp is None or "act" not in exp.keys:
            problems.append(f"{path.name}:{line}: the analysis reports {[l.row()['layer'] for l in on_line]} but the line has no `expect: act=`")
            continue
        if len(on_line) > 1:
            problems.append(f"{path.name}:{line}: {len(on_line)} layers on one line (the rule book has one per line)")
        row = on_line[0].row()
        for key, want in exp.keys.items():
            if not row_value_matches(key, want, row):
                evidence = row["activation_evidence"] if key in ("act", "param") else row["init_evidence"]
                problems.append(f"{path.name}:{line}: expected {key}={want}, inspect says {row[ROW_KEY[key]]!r} ({evidence})")
    for line, exp in sorted(expectations.items()):
        if "act" in exp.keys and line not in layers:
            problems.append(f"{path.name}:{line}: `expect: act=` but the analysis reports no layer built on this line")
    return problems


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_matches_its_expectations(path: Path) -> None:
    problems = check_example(path)
    assert not problems, "\n".join(problems)


def test_every_rule_has_flagged_and_clean_examples() -> None:
    for code in RULES_BY_CODE:
        folder = RULES / code
        assert sorted(folder.glob("flagged_*.py")), f"{code}: no flagged example"
        assert sorted(folder.glob("clean_*.py")), f"{code}: no clean example"


def test_every_flagged_example_flags_its_own_code() -> None:
    """A flagged_ file of rules/<CODE>/ expects <CODE> somewhere; a clean_ file never does."""
    for path in EXAMPLES:
        code = path.parent.name
        wanted = [c for e in parse_expectations(path.read_text(encoding="utf-8")).values() for c in e.codes]
        if path.name.startswith("flagged_"):
            assert code in wanted, f"{path}: a flagged example that expects no {code}"
        else:
            assert code not in wanted, f"{path}: a clean example that expects {code}"


def test_expectation_checker_catches_mistakes(tmp_path: Path) -> None:
    """The checker itself fails on a wrong act=, a missing annotation and a missing finding."""
    wrong = tmp_path / "IL101"
    wrong.mkdir()
    path = wrong / "flagged_probe.py"
    path.write_text(
        "import torch.nn as nn\n"
        "import torch.nn.functional as F\n\n\n"
        "class Probe(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.a = nn.Linear(4, 4)  # expect: act=tanh\n"
        "        self.b = nn.Linear(4, 4)\n"
        "        self.c = nn.Linear(4, 4)  # noqa: IL101  expect: act=relu\n\n"
        "    def forward(self, x):\n"
        "        return self.c(F.relu(self.b(F.relu(self.a(x)))))\n",
        encoding="utf-8",
    )
    problems = "\n".join(check_example(path))
    assert "flagged_probe.py:8: expected findings [], got ['IL101']" in problems
    assert "flagged_probe.py:8: expected act=tanh, inspect says 'relu'" in problems
    assert "flagged_probe.py:9: the analysis reports ['b']" in problems
    assert "flagged_probe.py:10: expected act=relu, inspect says 'none'" in problems
    assert "flagged_probe.py:10: `# noqa` on a line with no finding" in problems
