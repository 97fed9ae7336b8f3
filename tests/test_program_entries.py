"""Blocks that timm's EfficientNet / MobileNetV3 family builds in two ways: by a builder object
(`InvertedResidual(**ba)` in `EfficientNetBuilder._make_block`, arguments no use lists) and by
classes that name their arguments (ghostnet's `ConvBnAct(prev_chs, out_chs, 1)`). The listed
uses are judged each, where they are written; the block's own row stays, unknown, for the
builder's instances."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program
from test_decoded_specs import BLOCKS, _package, _rows

HEADS = """import torch.nn as nn

from .blocks import InvertedResidual


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.b = InvertedResidual(8, 8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(48, 2)

    def forward(self, x):
        return self.fc(self.pool(self.b(x)).flatten(1))


class Tanhed(nn.Module):
    def __init__(self):
        super().__init__()
        self.b = InvertedResidual(8, 8, act_layer=nn.Tanh)

    def forward(self, x):
        return self.b(x)
"""


def _with_heads(tmp_path: Path) -> dict:
    sources = _package(tmp_path, "nsw")
    heads = tmp_path / "effy" / "heads.py"
    heads.write_text(HEADS, encoding="utf-8")
    sources[str(heads)] = HEADS
    return sources


def test_a_block_a_builder_also_builds_is_judged_at_each_listed_use(tmp_path: Path) -> None:
    """Before, a block any builder object built was left unknown everywhere: ghostnet's
    `ConvBnAct(prev_chs, out_chs, 1)` (ReLU, torch's default init) had no row and no finding."""
    sources = _with_heads(tmp_path)
    models, errors, _ = analyze_program(sources, tuple(sources))
    assert not errors
    heads = _rows(models, "heads.py")
    plain, tanhed = heads["Plain.b.conv_pw"], heads["Tanhed.b.conv_pw"]
    assert (plain.activation, tanhed.activation) == ("relu", "tanh"), (plain, tanhed)
    conv_pw_line = next(i for i, line in enumerate(BLOCKS.splitlines(), 1) if "self.conv_pw = nn.Conv2d(in_chs, mid" in line)
    assert plain.at_use and [plain.related[0][0].rsplit("/", 1)[-1], plain.related[0][1]] == ["blocks.py", conv_pw_line]
    assert plain.init == "default" and plain.recommended  # a finding there: nothing re-initialises it
    assert heads["Plain.b.conv_dw"].activation == "relu"
    # the builder's instances (SiLU from `nsw`, the model's ReLU for `ds`) have no use to be judged at
    own = _rows(models, "blocks.py")["InvertedResidual.conv_pw"]
    assert own.activation == "unknown" and not own.moved and "builder.py" in own.activation_evidence
    # the builder's line gets no row of its own: its arguments are not listed
    assert not _rows(models, "builder.py")


def test_the_listed_uses_apply_what_they_pass(tmp_path: Path) -> None:
    """What the rows above claim, built and run with torch."""
    torch = pytest.importorskip("torch")
    _with_heads(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        heads = importlib.import_module("effy.heads")
        plain, tanhed = heads.Plain(), heads.Tanhed()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "effy" or n.startswith("effy.")]:
            del sys.modules[name]
    assert isinstance(plain.b.act1, torch.nn.ReLU) and isinstance(plain.b.act2, torch.nn.ReLU)
    assert isinstance(tanhed.b.act1, torch.nn.Tanh)
    # torch's default init, untouched: kaiming_uniform_(a=sqrt(5)) bound 1/sqrt(fan_in)
    bound = 1 / (8 ** 0.5)
    assert float(plain.b.conv_pw.weight.detach().abs().max()) <= bound


# -- entry points: what each one's run passes to the blocks its builder object makes -------------

ENTRY_MODEL = """import torch.nn as nn

from timm.layers.create_act import get_act_layer
from timm.models import build_model_with_cfg, register_model
{extra_import}
from .builder import Builder, decode_arch_def


class Net(nn.Module):
    def __init__(self, block_args, act_layer=None, num_classes=10):
        super().__init__()
        act_layer = act_layer or nn.ReLU
        self.conv_stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = act_layer()
        builder = Builder(act_layer=act_layer)
        self.blocks = nn.Sequential(*builder(16, block_args))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(builder.in_chs, num_classes)

    def forward(self, x):
        x = self.blocks(self.act1(self.bn1(self.conv_stem(x))))
        return self.classifier(self.pool(x).flatten(1))


def _gen_net(variant, arch_def, act="relu", pretrained=False, **kwargs):
    model_kwargs = dict(block_args=decode_arch_def(arch_def), act_layer={act_layer}, **kwargs)
    return build_model_with_cfg(Net, variant, pretrained, **model_kwargs)


@register_model
def net_silu(pretrained=False, **kwargs):
    return _gen_net("net_silu", [["ds_k3_c16"], ["ir_k3_e6_c24"], ["ir_k5_e6_c40"]], act="swish",
                    pretrained=pretrained, **kwargs)


@register_model
def net_mixed(pretrained=False, **kwargs):
    return _gen_net("net_mixed", [["ds_k3_c16"], ["ir_k3_e6_c24_nre"], ["ir_k5_e6_c40"]], act="swish",
                    pretrained=pretrained, **kwargs)
"""

# timm as installed, what this program imports of it (the builder is read from initlint's stub,
# get_act_layer answered by its hook; these bodies are what Python runs in the torch check)
FAKE_TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACTS = dict(relu=nn.ReLU, swish=nn.SiLU, silu=nn.SiLU)\n\n\n"
                                 "def get_act_layer(name='relu'):\n    return _ACTS[name] if isinstance(name, str) else name\n",
    "timm/models/__init__.py": "from ._builder import build_model_with_cfg\nfrom ._registry import register_model\n",
    "timm/models/_builder.py": "def build_model_with_cfg(model_cls, variant, pretrained, **kwargs):\n    return model_cls(**kwargs)\n",
    "timm/models/_registry.py": "def register_model(fn):\n    return fn\n",
}  # fmt: skip


def _entry_package(tmp_path: Path, act_layer: str = 'get_act_layer(kwargs.pop("act_layer", act))',
                   extra_import: str = "") -> tuple:  # fmt: skip
    from initlint.program.environment import Environment
    from test_library import _package as write

    sources = _package(tmp_path, "nsw")
    model = ENTRY_MODEL.format(act_layer=act_layer, extra_import=extra_import)
    (tmp_path / "effy" / "model.py").write_text(model, encoding="utf-8")
    sources[str(tmp_path / "effy" / "model.py")] = model
    write(tmp_path / "site", FAKE_TIMM)
    return sources, Environment((str(tmp_path / "site"),)), model


def _entry_rows(models: dict, model: str, entry: str) -> dict:
    line = next(i for i, text in enumerate(model.splitlines(), 1) if f'_gen_net("{entry}"' in text)
    model_file = next(m for path, m in models.items() if path.endswith("model.py"))
    return {layer.name: layer for layer in model_file.layers if layer.at_use and layer.line == line}


def test_each_entry_point_judges_the_blocks_its_builder_makes(tmp_path: Path) -> None:
    """`net_silu()` decodes its architecture, chooses SiLU through `get_act_layer("swish")` and builds
    Net, whose builder object makes the blocks with it: each block's layers are judged once for that
    entry point, at its call, with what every construction it reaches passes. Before, those blocks
    were unknown everywhere ("`**ba` may pass anything")."""
    sources, environment, model = _entry_package(tmp_path)
    models, errors, _ = analyze_program(sources, tuple(sources), environment=environment)
    assert not errors
    silu = _entry_rows(models, model, "net_silu")
    # and Net's own stem (bn1 -> act1, the entry point's SiLU): a class of the module judged at each entry point
    assert {name: row.activation for name, row in silu.items() if not name.endswith("conv_pwl")} == {
        "DepthwiseSeparable().conv_dw": "silu", "InvertedResidual().conv_pw": "silu", "InvertedResidual().conv_dw": "silu",
        "Net().conv_stem": "silu"}
    assert "each of the 2 constructions net_silu() reaches" in silu["InvertedResidual().conv_pw"].activation_evidence
    assert silu["InvertedResidual().conv_pw"].class_name == "Net"
    # `nre` in one stage: the blocks net_mixed() builds on one line meet ReLU and SiLU: a row per block,
    # named where the model holds it (before: one row, unknown, "meet different things: relu, silu")
    mixed = _entry_rows(models, model, "net_mixed")
    assert "InvertedResidual().conv_pw" not in mixed
    assert (mixed["blocks.1.0.conv_pw"].activation, mixed["blocks.2.0.conv_pw"].activation) == ("relu", "silu")
    assert (mixed["blocks.1.0.conv_dw"].activation, mixed["blocks.2.0.conv_dw"].activation) == ("relu", "silu")
    assert "as net_mixed() builds blocks.1.0" in mixed["blocks.1.0.conv_pw"].activation_evidence
    assert mixed["DepthwiseSeparable().conv_dw"].activation == "silu"
    # the block's own row stays unknown: other entry points, other ways of building it
    assert _rows(models, "blocks.py")["InvertedResidual.conv_pw"].activation == "unknown"


def test_what_each_entry_point_builds_applies_those_activations(tmp_path: Path) -> None:
    """The rows above, built with torch (timm stood in for by what the program imports of it)."""
    torch = pytest.importorskip("torch")
    _entry_package(tmp_path)
    sys.path[:0] = [str(tmp_path), str(tmp_path / "site")]
    try:
        model = importlib.import_module("effy.model")
        silu, mixed = model.net_silu(), model.net_mixed()
    finally:
        del sys.path[:2]
        for name in [n for n in sys.modules if n.split(".")[0] in ("effy", "timm")]:
            del sys.modules[name]
    blocks = [block for stage in silu.blocks for block in stage]
    assert all(isinstance(act, torch.nn.SiLU) for block in blocks for act in (getattr(block, "act", None),
               getattr(block, "act1", None), getattr(block, "act2", None)) if act is not None)  # fmt: skip
    assert isinstance(mixed.blocks[1][0].act1, torch.nn.ReLU) and isinstance(mixed.blocks[2][0].act1, torch.nn.SiLU)
    assert isinstance(mixed.blocks[0][0].act, torch.nn.SiLU)
    assert isinstance(silu.act1, torch.nn.SiLU), "what follows conv_stem (through bn1) in net_silu()"


def test_an_activation_an_entry_point_cannot_show_stays_unknown(tmp_path: Path) -> None:
    """The activation comes from a function the program does not hold and no hook answers: each
    entry point's row is unknown, naming what it passes, never the block's ReLU default."""
    sources, environment, model = _entry_package(tmp_path, act_layer="lookup_act(act)",
                                                 extra_import="from elsewhere import lookup_act")  # fmt: skip
    models, errors, _ = analyze_program(sources, tuple(sources), environment=environment)
    assert not errors
    for entry in ("net_silu", "net_mixed"):
        rows = _entry_rows(models, model, entry)
        # but net_mixed's `nre` block, decoded ReLU whatever the entry point chose
        assert rows and all(row.activation in ("unknown", "none") for name, row in rows.items()
                            if not name.startswith("blocks.1.0.")), rows  # fmt: skip
    silu = _entry_rows(models, model, "net_silu")["InvertedResidual().conv_pw"]
    assert "passes act_layer=a value not known at this entry point" in silu.activation_evidence
    # net_mixed's `nre` stage is ReLU, the other stage not known: a row each, unknown there, not ReLU
    mixed = _entry_rows(models, model, "net_mixed")
    assert (mixed["blocks.1.0.conv_pw"].activation, mixed["blocks.2.0.conv_pw"].activation) == ("relu", "unknown")


def test_decoded_flags_and_updates_are_followed() -> None:
    """timm's `_decode_block_str` writes `noskip=skip is False` into a dict it `.update`s: `is` on
    True/False/None is known, and an update with known keys keeps the dict (its values each as
    known or not). Before, either made the whole decoded dict unknown (mnasnet_100's blocks)."""
    import textwrap

    import libcst as cst

    from initlint.semantics.pure import ClassObj, keyword_dicts
    from test_decoded_specs import _file_analysis

    source = textwrap.dedent('''
        import torch.nn as nn
        from lib import Block


        def build(flag):
            skip = False
            args = dict(act_layer=nn.SiLU)
            args.update(dict(noskip=skip is False, pw_act=flag == "dsa", other=opaque()))
            return Block(**args)
        ''')
    fa = _file_analysis(source)
    (records,) = keyword_dicts(fa, fa.functions["build"]).values()
    assert [(r["act_layer"], r["noskip"]) for r in records] == [(ClassObj("torch.nn.SiLU"), True)]


def test_a_row_at_a_use_speaks_for_the_layers_built_on_its_own_line() -> None:
    """At one entry point's call, InvertedResidual().conv_pw and DepthwiseSeparable().conv_pw are
    two rows; a traced layer is matched to the one whose block builds it on a line of its chain
    (both names end `conv_pw`: matched by name alone, the first row spoke for both)."""
    from initlint.model import Layer
    from initlint.runtime.provenance import best_static_row

    def row(block: str, activation: str, own_line: int) -> Layer:
        return Layer(path="/p/model.py", line=30, column=12, end_line=31, end_column=5, class_name="Net",
                     name=f"{block}().conv_pw", layer_type="Conv2d", activation=activation, activation_param=None,
                     activation_evidence="", init="unknown", init_evidence="", at_use=True,
                     related=[["/p/blocks.py", own_line]])  # fmt: skip

    rows = [row("InvertedResidual", "silu", 292), row("DepthwiseSeparable", "none", 208)]
    chain = [("/p/layers.py", 140), ("/p/blocks.py", 208), ("/p/builder.py", 411), ("/p/model.py", 30)]
    found = best_static_row(chain, lambda path: rows if path == "/p/model.py" else [], "blocks.0.0.conv_pw")
    assert found is rows[1]
    relative = [("layers.py", 140), ("blocks.py", 292), ("builder.py", 408), ("model.py", 30)]  # the bench's paths
    assert best_static_row(relative, lambda path: rows if path == "model.py" else [], "blocks.1.0.conv_pw") is rows[0]


def test_a_block_handed_to_code_not_run_gets_no_row_at_the_entry_point(tmp_path: Path) -> None:
    """Net hands InvertedResidual to a function the program does not hold, which may build it with
    anything: the entry points' runs do not list all its constructions, so they say nothing of it
    (the block built through the builder keeps its own unknown row); DepthwiseSeparable, never
    handed away, is still judged there."""
    sources, environment, model = _entry_package(tmp_path, extra_import="from elsewhere import register\n"
                                                                        "from .blocks import InvertedResidual")  # fmt: skip
    model = model.replace("        builder = Builder(act_layer=act_layer)\n",
                          "        register(InvertedResidual)\n        builder = Builder(act_layer=act_layer)\n")
    (tmp_path / "effy" / "model.py").write_text(model, encoding="utf-8")
    sources[str(tmp_path / "effy" / "model.py")] = model
    models, errors, _ = analyze_program(sources, tuple(sources), environment=environment)
    assert not errors
    rows = _entry_rows(models, model, "net_silu")
    assert not [name for name in rows if name.startswith("InvertedResidual()")], rows
    assert rows["DepthwiseSeparable().conv_dw"].activation == "silu"
