"""Property-based fuzzing, as ruff and black do it: grammar-generated programs (hypothesmith)
never make check/inspect raise, and random-but-valid PyTorch model files (tests/strategies.py)
come out of --fix parsing, idempotent, changed only by inserted init statements, with every
fixed layer `explicit`. A few hundred examples here; bench/fuzz.py runs the same for minutes."""

from __future__ import annotations

import os
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from strategies import (
    all_codes,
    assert_parsed_as_a_whole,
    block_caller_files,
    cpython_accepts,
    fix_properties,
    insertion_problem,
    model_files,
)

from initlint import api, sources
from initlint.semantics.file import analyze
from initlint.syntax.parse import SourceError

FUZZ = settings(
    deadline=None,
    database=None,  # each CI run explores fresh examples; failures print their reproducer
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
# Generated code is full of `1()` and invalid escapes; the warnings say nothing here.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")
# Gets grammar-generated code past api's prefilter, so the analysis really runs on it.
LAYER_PREAMBLE = (
    "import torch.nn as nn\n\n\nclass Fuzzed(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc = nn.Linear(4, 4)\n\n\n"
)


def assert_analysis_survives(source: str) -> None:
    """analyze() returns a model or raises SourceError; nothing else, and no SourceError for
    code CPython compiles."""
    try:
        model = analyze(source, "fuzz.py")
    except SourceError as error:
        assert not cpython_accepts(source), f"valid code reported as a syntax error: {error.message}"
        return
    for layer in model.layers:
        layer.row()  # every row renders


def assert_pipeline_survives(tmp_path: Path, source: str) -> None:
    path = tmp_path / "fuzz.py"
    path.write_text(source, encoding="utf-8")
    settings_ = api.Settings(codes=all_codes())
    for result in (api.check_file(str(path), settings_), api.inspect_file(str(path), settings_)):
        assert result.error is None or "internal error" not in result.error.message, result.error
        if cpython_accepts(source):
            assert result.error is None, result.error


@settings(FUZZ, max_examples=60)
@given(source=hypothesmith.from_grammar())
def test_grammar_programs_never_break_the_analysis(source):
    assert_analysis_survives(source)
    assert_analysis_survives(LAYER_PREAMBLE + source)


@settings(FUZZ, max_examples=20)
@given(source=hypothesmith.from_node())
def test_cst_programs_never_break_check_or_inspect(tmp_path_factory, source):
    assert_pipeline_survives(tmp_path_factory.mktemp("cst"), LAYER_PREAMBLE + source)


@settings(FUZZ, max_examples=60)
@given(source=hypothesmith.from_grammar())
def test_grammar_programs_parse_by_statement_as_a_whole(source):
    assert_parsed_as_a_whole(source)
    assert_parsed_as_a_whole(source.replace("\n", "\r\n"))


@settings(FUZZ, max_examples=30)
@given(source=hypothesmith.from_node())
def test_cst_programs_parse_by_statement_as_a_whole(source):
    assert_parsed_as_a_whole(source)


@settings(FUZZ, max_examples=80)
@given(model=model_files())
def test_fix_of_generated_models_is_safe_idempotent_and_complete(tmp_path_factory, model):
    outcome = fix_properties(tmp_path_factory.mktemp("model") / "model.py", model.data)
    assert not outcome.problems, "\n".join(outcome.problems) + "\n--- file ---\n" + model.text


@settings(FUZZ, max_examples=20, phases=[Phase.generate])  # no shrinking while it is expected to fail
@given(model=model_files(conditional=True))
def test_fix_of_conditionally_built_layers_is_safe_and_builds(tmp_path_factory, model):
    pytest.importorskip("torch")
    outcome = fix_properties(tmp_path_factory.mktemp("cond") / "model.py", model.data, build=True)
    assert not outcome.problems, "\n".join(outcome.problems) + "\n--- file ---\n" + model.text


@settings(FUZZ, max_examples=25)
@given(model=block_caller_files())
def test_a_block_used_by_several_callers_is_fixed_once(tmp_path_factory, model):
    """Issue 16: a block whose layers depend on its arguments, built with different ones: a
    second --fix changes nothing, the fixed file builds and every fixed layer measures right."""
    pytest.importorskip("torch")
    outcome = fix_properties(tmp_path_factory.mktemp("block") / "model.py", model.data, build=True)
    assert not outcome.problems, "\n".join(outcome.problems) + "\n--- file ---\n" + model.text


@settings(FUZZ, max_examples=30)
@given(model=model_files(), cut=st.integers(min_value=1))
def test_truncated_models_never_break_check(tmp_path_factory, model, cut):
    """A file cut anywhere (an editor saving half a file) is an error or a result, never a crash."""
    data = model.data[: cut % max(len(model.data), 1)]
    path = tmp_path_factory.mktemp("cut") / "model.py"
    path.write_bytes(data)
    result = api.check_file(str(path), api.Settings(codes=all_codes(), fix=True))
    assert result.error is None or "internal error" not in result.error.message, result.error
    if result.error is not None:
        assert path.read_bytes() == data, "a file that could not be checked was written"


# The independent insertion checker must itself catch what it is there to catch.
ORIGINAL = "import torch.nn as nn\n\n\nclass M(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(2, 2)\n"


@pytest.mark.parametrize(
    "fixed, expected",
    [
        (ORIGINAL + '        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n', None),
        ("import torch\n" + ORIGINAL.replace("nn.Linear", "torch.nn.Linear"), "replace of old lines"),
        (ORIGINAL + "        self.fc = None\n", "not init calls"),
        (ORIGINAL.replace("(2, 2)", "(2, 3)"), "replace of old lines"),
        (ORIGINAL + "        nn.init.kaiming_uniform_(\n", "does not compile"),
        (ORIGINAL.replace("        self.fc", "        nn.init.zeros_(x)\n        self.fc"), None),
        (ORIGINAL.rstrip("\n"), "replace of old lines"),
    ],
)
def test_insertion_checker_catches_changes(fixed, expected):
    problem = insertion_problem(ORIGINAL, fixed)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem, problem


def test_insertion_checker_allows_a_line_ending_added_to_the_last_line():
    old = ORIGINAL.rstrip("\n")
    assert insertion_problem(old, old + "\n        nn.init.zeros_(self.fc.weight)") is None


BUILT_IN_A_BRANCH = '''\
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, stride):
        super().__init__()
        if stride > 1:
            self.body = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
        else:
            self.body = nn.Sequential()

    def forward(self, x):
        return self.body(x)
'''


def test_fix_of_a_layer_built_in_a_branch_turns_explicit(tmp_path):
    outcome = fix_properties(tmp_path / "block.py", BUILT_IN_A_BRANCH.encode())
    assert outcome.fixed == 1 and not outcome.problems, outcome.problems


CONDITIONAL_EXPRESSION = """\
import torch
import torch.nn as nn


class Net0(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.proj = nn.Linear(width, width) if width > 4 else nn.Identity()

    def forward(self, x):
        return torch.tanh(self.proj(x))
"""


def test_layer_in_a_conditional_expression_is_not_broken_by_the_fix(tmp_path):
    pytest.importorskip("torch")
    outcome = fix_properties(tmp_path / "model.py", CONDITIONAL_EXPRESSION.encode(), build=True)
    assert not outcome.problems, outcome.problems


@settings(FUZZ, max_examples=15)
@given(first=model_files(), second=model_files())
def test_fix_under_a_concurrent_edit_never_poisons_the_cache(tmp_path_factory, first, second):
    """An editor saves `second` between the run's hash of `first` and its analysis, under
    --fix; `first` is then restored. The cache answers for `first` exactly as a fresh
    analysis does, and a cached --fix writes what an uncached one writes."""
    root = tmp_path_factory.mktemp("edit")
    path, cache = root / "model.py", str(root / ".cache")
    path.write_bytes(first.data)
    parent, read, fired = os.getpid(), sources.read, []

    def read_then_edit(name, *args, **kwargs):
        source = read(name, *args, **kwargs)
        if os.getpid() == parent and not fired:
            fired.append(name)
            path.write_bytes(second.data)
        return source

    run = lambda **options: list(api.check(api.Run(paths=[str(path)], isolated=True, jobs=1, **options)))  # noqa: E731
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources, "read", read_then_edit)
        run(cache_dir=cache, fix=True)
    path.write_bytes(first.data)
    seen = lambda results: [(r.error and r.error.message, [f.as_json() for f in r.findings]) for r in results]  # noqa: E731
    assert seen(run(cache_dir=cache)) == seen(run(use_cache=False))
    run(cache_dir=cache, fix=True)
    cached_fix = path.read_bytes()
    path.write_bytes(first.data)
    run(use_cache=False, fix=True)
    assert cached_fix == path.read_bytes()
