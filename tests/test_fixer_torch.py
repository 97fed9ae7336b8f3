"""End to end with torch: fix the model files in tests/fix_models, import the fixed copies,
build every model and check each fixed layer's weight statistically, then run a forward pass.

A fixed weight's std must be gain/sqrt(fan) with the fan torch itself computes
(`_calculate_fan_in_and_fan_out`: ConvTranspose weights are (in, out/groups, k...), so their
fan_in comes from out/groups). The sample std of n iid draws has a relative sd of about
sqrt((kurtosis - 1) / (4 n)) (kurtosis 1.8 for uniform, 3 for normal); we allow 5 of those.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import math
import shutil
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
analyze = pytest.importorskip("initlint.semantics.file").analyze

from initlint import catalogue, fixer  # noqa: E402
from initlint.fixer import FixOptions  # noqa: E402
from initlint.model import FileModel, FixPlan  # noqa: E402
from initlint.rules import run_rules, select_rules  # noqa: E402

MODELS = Path(__file__).with_name("fix_models")
MODEL_FILES = sorted(MODELS.glob("*.py"))
OPTION_SETS = {
    "default": FixOptions(),
    "normal-fan_out-zeros": FixOptions(distribution="normal", mode="fan_out", bias="zeros"),
}
KURTOSIS = {"uniform": 1.8, "normal": 3.0}
SIGMAS = 5


def fix_path(path: Path, options: FixOptions, file_model: FileModel = None):
    data = path.read_bytes()
    text = fixer.decode_source(data).text
    file_model = file_model or analyze(text, str(path))
    findings = run_rules(file_model, select_rules(None, None, options) + select_rules(["IL104"], None, options))
    unfixable = fixer.attach_fixes(findings, file_model, options, text)
    # Unsafe fixes too: whatever the fixer writes must give the right std.
    return fixer.fix_file(str(path), findings, data, unsafe=True), findings, unfixable


def import_fixed(path: Path):
    name = f"fixed_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def std_tolerance(numel: int, distribution: str) -> float:
    return SIGMAS * math.sqrt((KURTOSIS[distribution] - 1.0) / (4.0 * numel))


def check_weight(name: str, weight, activation: str, param, options: FixOptions) -> None:
    rec = catalogue.recommend(activation, param)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(weight)
    expected = rec.std(fan_in if options.mode == "fan_in" else fan_out)
    distribution = "normal" if rec.always_normal or rec.extra_scale is not None else options.distribution
    tolerance = std_tolerance(weight.numel(), distribution)
    got = weight.detach().double().std().item()
    default = 1.0 / math.sqrt(3.0 * fan_in)
    assert abs(default / expected - 1.0) > 2 * tolerance, f"{name}: too few weights to tell the fix from the default"
    assert abs(got / expected - 1.0) <= tolerance, (
        f"{name}: std {got:.5f}, expected {expected:.5f} for {activation} "
        f"(fan_in {fan_in}, fan_out {fan_out}, tolerance {tolerance:.1%}); the default would give {default:.5f}"
    )


def runtime_layers(model, pattern: str):
    kinds = (torch.nn.Linear, torch.nn.modules.conv._ConvNd)
    found = [(n, m) for n, m in model.named_modules() if fnmatch.fnmatchcase(n, pattern) and isinstance(m, kinds)]
    assert found, f"no Conv/Linear named like {pattern!r}"
    return found


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("option_name", sorted(OPTION_SETS))
@pytest.mark.parametrize("model_file", MODEL_FILES, ids=lambda p: p.stem)
def test_fixed_models_have_the_recommended_std_and_still_run(tmp_path, model_file, option_name):
    options = OPTION_SETS[option_name]
    path = tmp_path / model_file.name
    shutil.copyfile(model_file, path)
    original = import_fixed(model_file)
    result, findings, unfixable = fix_path(path, options)
    assert result.error is None, result.error
    fixable = [f for f in findings if f.code in fixer.FIXABLE_CODES]
    assert all(f.fix is not None for f in fixable) or unfixable

    fixed = import_fixed(path)
    for class_name, expected_layers in original.EXPECT.items():
        fixed_here = [f for f in result.fixed if f.class_name == class_name]
        unfixable_here = [u for u in unfixable if u.finding.class_name == class_name]
        # Each expected layer is fixed, or (only where the analysis will not guess) reported unfixable.
        assert len(fixed_here) + len(unfixable_here) == len(expected_layers), (fixed_here, unfixable_here)
        model = getattr(fixed, class_name)()
        for pattern, (activation, param) in expected_layers.items():
            for name, module in runtime_layers(model, pattern):
                if unfixable_here and any(u.finding.layer == pattern for u in unfixable_here):
                    continue
                check_weight(f"{class_name}.{name}", module.weight, activation, param, options)
                if options.bias == "zeros" and module.bias is not None:
                    assert torch.count_nonzero(module.bias) == 0, f"{class_name}.{name}: bias not zeroed"
        model.eval()
        with torch.no_grad():
            model(torch.randn(*model.input_shape))


@pytest.mark.parametrize("model_file", MODEL_FILES, ids=lambda p: p.stem)
def test_second_fix_changes_nothing_and_reports_nothing_fixable(tmp_path, model_file):
    path = tmp_path / model_file.name
    shutil.copyfile(model_file, path)
    first, _, _ = fix_path(path, FixOptions())
    assert first.error is None
    once = path.read_bytes()
    second, findings, _ = fix_path(path, FixOptions())
    assert second.error is None and not second.changed and path.read_bytes() == once
    fixed_layers = {f.layer for f in first.fixed}
    assert not [f for f in findings if f.code in fixer.FIXABLE_CODES and f.layer in fixed_layers]


@pytest.mark.parametrize("option_name", sorted(OPTION_SETS))
def test_loop_fix_over_a_module_list(tmp_path, option_name):
    """The loop a `loop_over` plan becomes, on a real ModuleList (plan written by hand, as
    the analysis may not emit loop plans)."""
    options = OPTION_SETS[option_name]
    path = tmp_path / "module_list.py"
    shutil.copyfile(MODELS / "module_list.py", path)
    text = path.read_text()
    file_model = analyze(text, str(path))
    (blocks,) = [layer for layer in file_model.layers if layer.name == "blocks.*"]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "self.blocks = " in row)
    blocks.fix = FixPlan(insert_after_line=line, indent="        ", loop_over="self.blocks")
    result, _, _ = fix_path(path, options, file_model)
    assert result.error is None and result.fixed
    assert "for layer_ in self.blocks:" in path.read_text()  # `layer` is taken in this file
    model = import_fixed(path).Tower()
    for name, module in runtime_layers(model, "blocks.*"):
        check_weight(name, module.weight, "relu", None, options)
    model(torch.randn(*model.input_shape))


def test_heads_keep_the_default(tmp_path):
    path = tmp_path / "mlp_relu.py"
    shutil.copyfile(MODELS / "mlp_relu.py", path)
    fix_path(path, FixOptions())
    head = import_fixed(path).ReluMLP().head.weight
    expected = 1.0 / math.sqrt(3.0 * head.shape[1])
    assert abs(head.std().item() / expected - 1.0) <= std_tolerance(head.numel(), "uniform")


def test_tolerance_rejects_the_default_init():
    """The check has power: a layer left on the default fails it."""
    layer = torch.nn.Linear(512, 512)
    with pytest.raises(AssertionError, match="expected"):
        check_weight("fc", layer.weight, "relu", None, FixOptions())


def test_sigmoid_head_is_not_fixed(tmp_path):
    source = (
        "import torch.nn as nn\n\n\nclass Gate(nn.Module):\n    def __init__(self):\n"
        "        super().__init__()\n        self.fc = nn.Linear(8, 1)\n        self.act = nn.Sigmoid()\n\n"
        "    def forward(self, x):\n        return self.act(self.fc(x))\n"
    )
    path = tmp_path / "gate.py"
    path.write_text(source)
    result, findings, unfixable = fix_path(path, FixOptions())
    assert not result.changed and path.read_text() == source
    assert all(f.fix is None for f in findings)
    assert [u.finding.code for u in unfixable] == ["IL104"]


def test_only_fixes_after_an_init_routine_that_may_touch_the_layer_are_unsafe(tmp_path):
    for model_file in MODEL_FILES:
        path = tmp_path / model_file.name
        shutil.copyfile(model_file, path)
        _, findings, _ = fix_path(path, FixOptions())
        unsafe = {f.class_name for f in findings if f.fix and f.fix.applicability == "unsafe"}
        # ResetAll's routine re-runs every default: the init goes at the end of that routine,
        # after what it does, safe; the others dispatch on types their fixed layers are not,
        # which provably leaves them alone: right after the layer, safe.
        assert unsafe == set(), model_file.name
    routines = (tmp_path / "init_routines.py").read_text()
    assert '                m.reset_parameters()\n        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n' in routines


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("activation", ["gelu", "silu", "mish", "hardswish", "elu", "softplus", "hardtanh", "softsign"])
@pytest.mark.parametrize(
    "build",
    [
        lambda: torch.nn.Linear(384, 512),
        lambda: torch.nn.Conv2d(64, 48, 3),
        lambda: torch.nn.ConvTranspose2d(64, 32, 4),
        lambda: torch.nn.Conv1d(96, 96, 5, groups=96),
    ],
    ids=["linear", "conv2d", "conv_transpose2d", "depthwise1d"],
)
def test_the_one_call_for_gains_torch_has_no_name_for_gives_gain_over_sqrt_fan(build, activation, mode):
    """IL106's spelling, run as written: one `nn.init.normal_` statement, no `.data`, and the
    fan read off the weight (`w[0].numel()` / `w[:, 0].numel()`) is torch's fan_in / fan_out."""
    rec = catalogue.recommend(activation)
    [statement] = rec.calls("layer.weight", "nn.init", "uniform", mode)
    assert ".data" not in statement and statement.startswith("nn.init.normal_(")
    ast.parse(statement)  # one statement, parseable
    layer = build()
    exec(statement, {"nn": torch.nn, "layer": layer})
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(layer.weight)
    expected = rec.gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    got = layer.weight.detach().double().std().item()
    assert abs(got / expected - 1.0) <= std_tolerance(layer.weight.numel(), "normal"), (got, expected)
