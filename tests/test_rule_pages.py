"""The rule book pages (rules/<CODE>/README.md, printed by `initlint rule CODE`) and docs/why.md:
every rule has a page with its title and sections, the gains the pages print agree with the
catalogue, and the fixes the IL1xx pages show are what `--fix` really writes."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest

from initlint import catalogue, rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
WHY = ROOT / "docs" / "why.md"
CODES = [cls.code for cls in rules.ALL_RULES]
SECTIONS = (
    "What it does",
    "Why is this bad",
    "Example",
    "Use instead",
    "When the rule does not fire",
    "Fix safety",
    "Options",
    "References",
)
# A float printed to 3 or more decimals, not part of a longer number (arXiv ids, versions).
NUMBER = re.compile(r"(?<![\w.])(\d\.\d{3,})(?![\d.]\d)")
# A gain named in prose, and the first such number within a short stretch of the same line after it.
GAIN_THEN_NUMBER = re.compile(r"\bgains?\b[^\n|]{0,40}?(?<![\w.])(\d\.\d{3,})(?![\d.]\d)", re.IGNORECASE)
# `nn.init.normal_(w, std=1.53353 / w[0].numel() ** 0.5)  # GELU gain ...`: the gain an IL1xx fix
# writes, with the activation it names.
SCALE_COMMENT = re.compile(r"std=(\d+\.\d+) / [^#\n]*#\s+([A-Za-z0-9]+)(?:\(([\d.]+)\))?\s+gain")
PARAMETRISED = re.compile(r"\b(LeakyReLU|PReLU|ELU|CELU)\((?:\w+=)?(\d+(?:\.\d+)?)\)|\ba=(\d+\.\d+)")


def page_path(code: str) -> Path:
    return RULES / code / "README.md"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def matches(printed: str, value: float) -> bool:
    """`printed` is `value` rounded to the decimals it shows."""
    decimals = len(printed.split(".")[1])
    return abs(float(printed) - value) <= 0.5 * 10**-decimals + 1e-12


def page_gains(text: str) -> set[float]:
    """Every gain the catalogue gives: each activation at its default parameter, at each
    parameter the page itself names (LeakyReLU(0.2), ELU(0.5), a=0.2), and torch's names."""
    gains = {catalogue.DEFAULT_GAIN, math.sqrt(2.0)}
    for act in catalogue.VOCABULARY:
        rec = catalogue.recommend(act)
        if rec is not None:
            gains.add(rec.gain)
    gains |= {g for g in map(catalogue.torch_gain, catalogue.TORCH_GAIN_NAMES) if g is not None}
    for act in catalogue.VOCABULARY:  # second-moment gains also where torch's name wins (tanh)
        try:
            gains.add(catalogue.second_moment_gain(act))
        except KeyError:
            pass
    for match in PARAMETRISED.finditer(text):
        value = float(match.group(2) or match.group(3))
        gains.add(catalogue.leaky_gain(value))
        if match.group(1) in ("ELU", "CELU"):
            gains.add(catalogue.second_moment_gain(match.group(1).lower(), value))
    return gains


def derived(gains: set[float]) -> set[float]:
    """What a page may print next to the word gain: a gain, its ratio to the default or to
    another gain (both ways), or a slope."""
    out = set(gains)
    out |= {a / b for a, b in itertools.permutations(gains, 2)}
    out |= set(catalogue.DEFAULT_PARAM.values())
    return out


def all_pages() -> list[tuple[str, str]]:
    pages = [(code, read(page_path(code))) for code in CODES if page_path(code).is_file()]
    if WHY.is_file():
        pages.append(("docs/why.md", read(WHY)))
    return pages


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_page_with_title_and_sections(code):
    path = page_path(code)
    assert path.is_file(), f"{code} has no rule page at {path.relative_to(ROOT)}"
    text = read(path)
    cls = rules.RULES_BY_CODE[code]
    assert text.splitlines()[0] == f"# {cls.code} {cls.name}"
    found = list(sections(text))
    missing = [s for s in SECTIONS if s not in found]
    assert not missing, f"{code} page lacks sections {missing}"
    assert [s for s in found if s in SECTIONS] == list(SECTIONS), f"{code} sections out of order: {found}"
    for title in SECTIONS:
        assert sections(text)[title].strip(), f"{code}: section {title!r} is empty"
    # `initlint rule CODE` prints this very file.
    assert rules.rule_doc(code) == text


@pytest.mark.parametrize("cls", [c for c in rules.ALL_RULES if issubclass(c, rules.DefaultInitRule)], ids=lambda c: c.code)
def test_default_init_pages_print_each_family_gain(cls):
    text = read(page_path(cls.code))
    acts = [a for a, fam in catalogue.FAMILY.items() if fam in cls.families and catalogue.recommend(a) is not None]
    assert acts
    for act in acts:
        gain = catalogue.recommend(act).gain
        assert f"{gain:.3f}" in text or f"{gain:.5f}" in text, f"{cls.code} page does not print {act}'s gain {gain:.5f}"
        ratio = gain / catalogue.DEFAULT_GAIN
        assert f"{ratio:.3f}" in text or f"{ratio:.2f}x" in text, f"{cls.code}: no ratio to the default for {act}"
    # the default's own numbers, which every IL1xx page derives
    assert "sqrt(5)" in text and f"{catalogue.DEFAULT_GAIN:.3f}" in text and "1/sqrt(3 · fan_in)" in text


@pytest.mark.parametrize("name,text", all_pages(), ids=[name for name, _ in all_pages()])
def test_numbers_next_to_a_gain_agree_with_the_catalogue(name, text):
    allowed = derived(page_gains(text))
    wrong = []
    for line in text.splitlines():
        for match in GAIN_THEN_NUMBER.finditer(line):
            printed = match.group(1)
            if not any(matches(printed, v) for v in allowed):
                wrong.append(f"{printed} in: {line.strip()}")
    assert not wrong, f"{name}: numbers next to 'gain' that no catalogue gain or ratio gives:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name,text", all_pages(), ids=[name for name, _ in all_pages()])
def test_gain_columns_of_tables_agree_with_the_catalogue(name, text):
    gains = page_gains(text)
    checked = 0
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set("".join(cells)) <= set("-: "):
            continue
        for title, cell in zip(header, cells):
            if "gain" not in title.lower():
                continue
            for printed in NUMBER.findall(cell):
                checked += 1
                assert any(matches(printed, g) for g in gains), f"{name}: {printed} in column {title!r}: {line}"
    if name in ("IL102", "IL103", "IL104", "IL106", "IL202", "docs/why.md"):
        assert checked, f"{name}: expected a table with a gain column"


@pytest.mark.parametrize("name,text", all_pages(), ids=[name for name, _ in all_pages()])
def test_scales_written_by_fixes_are_the_catalogue_gains(name, text):
    by_display = {catalogue.display_name(a).lower(): a for a in catalogue.VOCABULARY}
    for printed, display, param in SCALE_COMMENT.findall(text):
        act = by_display[display.lower()]
        rec = catalogue.recommend(act, float(param) if param else None)
        assert rec is not None and rec.extra_scale is not None, f"{name}: {display} has no extra scale"
        assert printed == f"{rec.extra_scale:.5f}", f"{name}: mul_({printed}) for {display}, catalogue says {rec.extra_scale:.5f}"


FIXED_EXAMPLES = ("IL101", "IL102", "IL103", "IL105", "IL106")


@pytest.mark.parametrize("code", FIXED_EXAMPLES)
def test_use_instead_shows_what_fix_writes_for_the_example(code):
    """The first python block of "Use instead" is `initlint check --fix` applied to the first
    python block of "Example": regenerate the page when the fixer's output changes."""
    analyze = pytest.importorskip("initlint.semantics.file").analyze
    from initlint import fixer

    page = sections(read(page_path(code)))
    source = python_blocks(page["Example"])[0]
    shown = python_blocks(page["Use instead"])[0]
    file_model = analyze(source, "model.py")
    findings = rules.run_rules(file_model, rules.select_rules(None))
    fixer.attach_fixes(findings, file_model, None, source)
    result = fixer.fix_source(source, findings, "model.py")
    assert result.error is None, result.error
    assert any(f.code == code for f in result.fixed), f"the {code} example has no fixed {code} finding"
    assert result.new_text == shown


def test_why_lists_every_activation_with_a_recommendation():
    text = read(WHY)
    table = [line for line in text.splitlines() if line.startswith("| ")]
    for act in catalogue.VOCABULARY:
        rec = catalogue.recommend(act)
        if rec is None:
            continue
        name = catalogue.display_name(act)
        rows = [row for row in table if row.startswith(f"| {name} |")]
        assert rows, f"docs/why.md has no gain-table row for {name}"
        calls = "; ".join(c.split("  #")[0] for c in rec.calls("w"))
        assert f"{rec.gain:.5f}" in rows[0] and calls in rows[0], rows[0]
