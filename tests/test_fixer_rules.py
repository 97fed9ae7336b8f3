"""The rule book's fix examples, run as `initlint check --fix` runs them (the default rules plus
the folder's own code):

- `flagged_X.py` fixed must equal `flagged_X.fixed.py` byte for byte, and a second fix must
  change nothing;
- a flagged file without a `.fixed.py` must not be changed (nothing in it is fixable);
- every finding of the folder's own code, if its rule is fixable, either gets a fix or comes
  back as unfixable with a reason: nothing is dropped silently.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

analyze = pytest.importorskip("initlint.semantics.file").analyze

from initlint import fixer  # noqa: E402
from initlint.program.link import link  # noqa: E402
from initlint.rules import run_rules, select_rules  # noqa: E402

RULES = Path(__file__).resolve().parent.parent / "rules"
FLAGGED = sorted(p for p in RULES.glob("*/flagged_*.py") if not p.name.endswith(".fixed.py"))

# Examples whose `.fixed.py` is right but which the analysis cannot produce yet. Strict: when
# the analysis learns it, the test reports XPASS and the mark must go.
ANALYSIS_GAPS: dict[str, str] = {}


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def cases():
    for path in FLAGGED:
        reason = ANALYSIS_GAPS.get(case_id(path))
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        yield pytest.param(path, id=case_id(path), marks=marks)


def fix_once(path: Path, code: str):
    data = path.read_bytes()
    text = fixer.decode_source(data).text
    if code == "IL900":  # it reads the comments after suppression: as `initlint check` runs it
        from initlint import api, sources

        codes = sorted({rule.code for rule in select_rules(None) + select_rules([code])})
        findings, error = api.findings_of(sources.from_bytes(str(path), data), api.Settings(codes=codes))
        assert error is None, error
        return fixer.fix_file(str(path), findings, data), findings, []
    file_model = analyze(text, str(path))
    link({str(path): file_model})  # as `initlint check` judges a file that is a program alone
    rules = {rule.code: rule for rule in select_rules(None) + select_rules([code])}
    findings = run_rules(file_model, list(rules.values()))
    unfixable = fixer.attach_fixes(findings, file_model, None, text)
    return fixer.fix_file(str(path), findings, data), findings, unfixable


def expected_of(flagged: Path) -> Path:
    return flagged.with_name(flagged.name[: -len(".py")] + ".fixed.py")


@pytest.mark.skipif(not FLAGGED, reason="the rule book has no flagged examples yet")
@pytest.mark.parametrize("flagged", list(cases()))
def test_fix_output_matches_the_rule_book(tmp_path, flagged):
    code = flagged.parent.name
    work = tmp_path / flagged.name
    shutil.copyfile(flagged, work)
    first, findings, unfixable = fix_once(work, code)
    assert first.error is None, first.error
    expected = expected_of(flagged)
    if expected.exists():
        assert work.read_bytes() == expected.read_bytes(), first.diff() or "the fix changed nothing"
    else:
        assert not first.changed, f"{flagged.name} has no .fixed.py but the fix changes it:\n{first.diff()}"
    without_fix = {(f.line, f.column) for f in findings if f.code == code in fixer.FIXABLE_CODES and f.fix is None}
    explained = {(u.finding.line, u.finding.column) for u in unfixable if u.reason}
    assert without_fix <= explained, f"findings of {code} dropped without a reason: {sorted(without_fix - explained)}"
    again, findings_again, _ = fix_once(work, code)
    assert again.error is None and not again.changed, again.diff()
    assert not fixer.fixable(findings_again), "a fixed layer is still reported with a fix"


def test_every_fixed_example_has_its_flagged_file():
    for fixed in RULES.glob("*/*.fixed.py"):
        assert fixed.with_name(fixed.name.replace(".fixed.py", ".py")).exists(), fixed
