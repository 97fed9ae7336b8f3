"""The rule book's fix examples: `flagged_X.py` fixed must equal `flagged_X.fixed.py` byte for
byte, a second fix must change nothing, and a flagged file without a `.fixed.py` must not be
changed by the fix (its pattern is not fixable)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

analysis = pytest.importorskip("initlint.analysis")

from initlint import fixer  # noqa: E402
from initlint.rules import run_rules, select_rules  # noqa: E402

RULES = Path(__file__).resolve().parent.parent / "rules"
FLAGGED = sorted(p for p in RULES.glob("*/flagged_*.py") if not p.name.endswith(".fixed.py"))


def fix_once(path: Path, code: str) -> fixer.FixResult:
    data = path.read_bytes()
    text = fixer.decode_source(data).text
    file_model = analysis.analyze(text, str(path))
    findings = run_rules(file_model, select_rules(None) + select_rules([code]))
    fixer.attach_fixes(findings, file_model, None, text)
    return fixer.fix_file(str(path), findings, data)


def expected_of(flagged: Path) -> Path:
    return flagged.with_name(flagged.name[: -len(".py")] + ".fixed.py")


@pytest.mark.skipif(not FLAGGED, reason="the rule book has no flagged examples yet")
@pytest.mark.parametrize("flagged", FLAGGED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_output_matches_the_rule_book(tmp_path, flagged):
    code = flagged.parent.name
    work = tmp_path / flagged.name
    shutil.copyfile(flagged, work)
    first = fix_once(work, code)
    assert first.error is None, first.error
    expected = expected_of(flagged)
    if expected.exists():
        assert work.read_bytes() == expected.read_bytes(), first.diff() or "the fix changed nothing"
    else:
        assert not first.changed, f"{flagged.name} has no .fixed.py but the fix changes it:\n{first.diff()}"
    again = fix_once(work, code)
    assert again.error is None and not again.changed, again.diff()


def test_every_fixed_example_has_its_flagged_file():
    for fixed in RULES.glob("*/*.fixed.py"):
        assert fixed.with_name(fixed.name.replace(".fixed.py", ".py")).exists(), fixed
