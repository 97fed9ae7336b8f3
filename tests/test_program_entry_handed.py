"""A class handed to a block of another module, which builds it with what it chooses: timm's
EfficientNet / MobileNetV3 builder hands `se_layer` (SqueezeExcite, or a partial object of it)
to InvertedResidual, whose constructor builds it as `se_layer(mid_chs, act_layer=act_layer)`.

No construction the program lists says what reaches SqueezeExcite: the block's own act_layer
does, which each entry point chooses (`Net(..., act_layer=nn.SiLU)`) through the builder. An
entry point's run now goes through the constructor of a block handed classes of the program
(entries.py: `run_handed_block`) and lists what it builds of them there (`BuildFact.through`):
SqueezeExcite's layers are judged once per entry point, at its call. Where the constructor
goes where the run does not follow, nothing is claimed. The builder's trial construction
(`self.se_layer(8, rd_ratio=1.0)` inside a `try`, its object thrown away) builds no block of the
model; the flag it sets is not known, so `partial(self.se_layer, rd_ratio=...)` on one side and
`self.se_layer` on the other still build SqueezeExcite (a joined partial object). Each claim is
checked against torch building the same models."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

BLOCKS = '''\
import torch.nn as nn


class SqueezeExcite(nn.Module):
    def __init__(self, chs, rd_ratio=0.25, act_layer=nn.ReLU, gate_layer=nn.Sigmoid, force_act_layer=None):
        super().__init__()
        rd = max(1, int(chs * rd_ratio))
        act_layer = force_act_layer or act_layer
        self.conv_reduce = nn.Conv2d(chs, rd, 1)
        self.act1 = act_layer(inplace=True)
        self.conv_expand = nn.Conv2d(rd, chs, 1)
        self.gate = gate_layer()

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = self.conv_expand(self.act1(self.conv_reduce(s)))
        return x * self.gate(s)


class DepthwiseSeparable(nn.Module):
    def __init__(self, in_chs, out_chs, kernel_size=3, act_layer=nn.ReLU, se_layer=None):
        super().__init__()
        self.conv_dw = nn.Conv2d(in_chs, in_chs, kernel_size, padding=kernel_size // 2, groups=in_chs)
        self.bn1 = nn.BatchNorm2d(in_chs)
        self.act = act_layer()
        self.se = se_layer(in_chs, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pw = nn.Conv2d(in_chs, out_chs, 1)
        self.bn2 = nn.BatchNorm2d(out_chs)

    def forward(self, x):
        return self.bn2(self.conv_pw(self.se(self.act(self.bn1(self.conv_dw(x))))))


class InvertedResidual(nn.Module):
    def __init__(self, in_chs, out_chs, kernel_size=3, exp_ratio=6.0, act_layer=nn.ReLU, se_layer=None):
        super().__init__()
        mid = int(in_chs * exp_ratio)
        self.conv_pw = nn.Conv2d(in_chs, mid, 1)
        self.bn1 = nn.BatchNorm2d(mid)
        self.act1 = act_layer()
        self.conv_dw = nn.Conv2d(mid, mid, kernel_size, padding=kernel_size // 2, groups=mid)
        self.bn2 = nn.BatchNorm2d(mid)
        self.act2 = act_layer()
        self.se = se_layer(mid, act_layer=act_layer) if se_layer else nn.Identity()
        self.conv_pwl = nn.Conv2d(mid, out_chs, 1)
        self.bn3 = nn.BatchNorm2d(out_chs)

    def forward(self, x):
        x = self.act1(self.bn1(self.conv_pw(x)))
        x = self.act2(self.bn2(self.conv_dw(x)))
        x = self.se(x)
        return self.bn3(self.conv_pwl(x))
'''

BUILDER = '''\
import re
from functools import partial

import torch.nn as nn

from .blocks import DepthwiseSeparable, InvertedResidual

_ACTS = {"re": nn.ReLU, "sw": nn.SiLU, "hs": nn.Hardswish}


def _decode_block_str(block_str):
    ops = block_str.split("_")
    block_type = ops[0]
    options = {}
    for op in ops[1:]:
        if op.startswith("n"):
            options["n"] = _ACTS[op[1:]]
        else:
            key, value = re.split(r"(\\d.*)", op)[:2]
            options[key] = value
    args = dict(block_type=block_type, out_chs=int(options["c"]), kernel_size=int(options["k"]),
                act_layer=options["n"] if "n" in options else None, se_ratio=float(options.get("se", 0.0)))
    if block_type == "ir":
        args["exp_ratio"] = float(options["e"])
    return args


def decode_arch_def(arch_def):
    return [[_decode_block_str(s) for s in stage] for stage in arch_def]


class Builder:
    def __init__(self, act_layer, se_layer=None):
        self.act_layer = act_layer
        self.se_layer = se_layer
        try:
            self.se_layer(8, rd_ratio=1.0)  # does it take rd_ratio?
            self.se_has_ratio = True
        except TypeError:
            self.se_has_ratio = False
        self.in_chs = None

    def _make_block(self, ba):
        bt = ba.pop("block_type")
        ba["in_chs"] = self.in_chs
        ba["act_layer"] = ba["act_layer"] if ba["act_layer"] is not None else self.act_layer
        se_ratio = ba.pop("se_ratio")
        if se_ratio and self.se_layer is not None:
            if self.se_has_ratio:
                ba["se_layer"] = partial(self.se_layer, rd_ratio=se_ratio)
            else:
                ba["se_layer"] = self.se_layer
        if bt == "ds":
            block = DepthwiseSeparable(**ba)
        elif bt == "ir":
            block = InvertedResidual(**ba)
        else:
            raise ValueError(bt)
        self.in_chs = ba["out_chs"]
        return block

    def __call__(self, in_chs, block_args):
        self.in_chs = in_chs
        stages = []
        for stack in block_args:
            stages.append(nn.Sequential(*[self._make_block(ba) for ba in stack]))
        return stages
'''

MODEL = '''\
from functools import partial

import torch.nn as nn

from .blocks import SqueezeExcite
from .builder import Builder, decode_arch_def


class Net(nn.Module):
    def __init__(self, block_args, act_layer=nn.ReLU, se_layer=None, num_classes=10):
        super().__init__()
        se_layer = se_layer or SqueezeExcite
        self.conv_stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = act_layer()
        builder = Builder(act_layer=act_layer, se_layer=se_layer)
        self.blocks = nn.Sequential(*builder(16, block_args))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(builder.in_chs, num_classes)

    def forward(self, x):
        x = self.blocks(self.act1(self.bn1(self.conv_stem(x))))
        return self.classifier(self.pool(x).flatten(1))


def net_silu():
    arch_def = [["ds_k3_c16_se0.25"], ["ir_k3_e6_c24_se0.25"], ["ir_k5_e6_c40_se0.25"]]
    return Net(decode_arch_def(arch_def), act_layer=nn.SiLU)


def net_mixed():
    arch_def = [["ds_k3_c16_se0.25_nre"], ["ir_k3_e4_c24_nre"], ["ir_k5_e6_c40_se0.25"]]
    se_layer = partial(SqueezeExcite, gate_layer=nn.Hardsigmoid, force_act_layer=nn.ReLU)
    return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)
'''


def _package(tmp_path: Path, blocks: str = BLOCKS, builder: str = BUILDER, model: str = MODEL) -> dict:
    package = tmp_path / "effy"
    package.mkdir()
    files = {"__init__.py": "", "blocks.py": blocks, "builder.py": builder, "model.py": model}
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    return {str(package / name): text for name, text in files.items()}


def _rows(tmp_path: Path, **texts: str) -> dict:
    sources = _package(tmp_path, **texts)
    models, errors, _ = analyze_program(sources, tuple(sources))
    assert not errors
    model = next(m for path, m in models.items() if path.endswith("model.py"))
    return {(layer.line, layer.name): layer for layer in model.layers}


def _line(needle: str, text: str = MODEL) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _traced(tmp_path: Path, entry: str) -> dict:
    """Each layer of the model `entry()` builds, by name: the activation torch runs after it."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    sys.path.insert(0, str(tmp_path))
    try:
        model = getattr(importlib.import_module("effy.model"), entry)()
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == "effy" or n.startswith("effy.")]:
            del sys.modules[name]
    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 3, 32, 32), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def _at(rows: dict, line: int, name: str):
    return rows.get((line, name))


def test_a_class_handed_to_blocks_is_judged_with_what_the_blocks_pass_it(tmp_path: Path) -> None:
    """net_silu(): every block passes SqueezeExcite its own act_layer, SiLU. Before, the entry
    point's run did not go into InvertedResidual: SqueezeExcite had no row there, and its own row
    stays unknown (handed on as a value)."""
    rows = _rows(tmp_path)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.SiLU)")
    reduce, expand = _at(rows, line, "SqueezeExcite().conv_reduce"), _at(rows, line, "SqueezeExcite().conv_expand")
    assert reduce is not None and expand is not None, sorted(rows)
    assert (reduce.activation, expand.activation) == ("silu", "sigmoid"), (reduce, expand)
    assert "each of the 3 constructions net_silu() reaches" in reduce.activation_evidence
    assert reduce.related[0][1] == BLOCKS.splitlines().index("        self.conv_reduce = nn.Conv2d(chs, rd, 1)") + 1
    traced = _traced(tmp_path, "net_silu")
    assert {traced[f"blocks.{i}.0.se.conv_reduce"] for i in range(3)} == {"silu"}
    assert {traced[f"blocks.{i}.0.se.conv_expand"] for i in range(3)} == {"sigmoid"}


def test_a_partial_object_binds_the_gate_and_overrides_the_blocks_act_layer(tmp_path: Path) -> None:
    """net_mixed(): `partial(SqueezeExcite, gate_layer=nn.Hardsigmoid, force_act_layer=nn.ReLU)`,
    the blocks passing act_layer=nn.Hardswish (or nn.ReLU, decoded `nre`). The gate is Hardsigmoid;
    conv_reduce meets `force_act_layer or act_layer`: the class passed for force_act_layer, ReLU,
    whatever act_layer the block passes (before: no row; a use passing both was unknown)."""
    rows = _rows(tmp_path)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)")
    reduce, expand = _at(rows, line, "SqueezeExcite().conv_reduce"), _at(rows, line, "SqueezeExcite().conv_expand")
    assert expand.activation == "hardsigmoid", expand
    assert reduce.activation == "relu" and "force_act_layer=nn.ReLU" in reduce.activation_evidence, reduce
    traced = _traced(tmp_path, "net_mixed")
    assert traced["blocks.0.0.se.conv_reduce"] == traced["blocks.2.0.se.conv_reduce"] == "relu"
    assert traced["blocks.2.0.se.conv_expand"] == "hardsigmoid"
    assert traced["blocks.2.0.conv_pw"] == "hardswish"


def test_a_trial_construction_that_is_kept_counts(tmp_path: Path) -> None:
    """The builder's trial `self.se_layer(8, rd_ratio=1.0)` is thrown away: no block of the model.
    Kept (`self.probe = ...`), it is a construction with SqueezeExcite's default ReLU, among the
    SiLU ones: the entry point's constructions meet different things, unknown."""
    builder = BUILDER.replace("            self.se_layer(8, rd_ratio=1.0)", "            self.probe = self.se_layer(8, rd_ratio=1.0)")
    assert builder != BUILDER
    rows = _rows(tmp_path, builder=builder)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.SiLU)")
    reduce = _at(rows, line, "SqueezeExcite().conv_reduce")
    assert reduce is not None and reduce.activation == "unknown", reduce
    assert "relu" in reduce.activation_evidence and "silu" in reduce.activation_evidence


def test_a_block_that_hands_the_class_on_to_code_not_read_says_nothing_of_it(tmp_path: Path) -> None:
    """InvertedResidual hands se_layer to a function the program does not hold: what that builds
    is not seen, so no construction of SqueezeExcite at the entry point is listed as all there is."""
    blocks = BLOCKS.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom elsewhere import remember\n", 1).replace(
        "        self.se = se_layer(mid, act_layer=act_layer) if se_layer else nn.Identity()\n",
        "        self.se = se_layer(mid, act_layer=act_layer) if se_layer else nn.Identity()\n        remember(se_layer)\n")
    rows = _rows(tmp_path, blocks=blocks)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.SiLU)")
    assert _at(rows, line, "SqueezeExcite().conv_reduce") is None
    assert _at(rows, line, "InvertedResidual().conv_pw").activation == "silu"  # the blocks themselves: as before


def test_a_block_whose_base_class_is_not_read_is_not_run(tmp_path: Path) -> None:
    """A block deriving from a class the program does not hold: its base's constructor may build
    anything from what it is handed. The block's constructor is not run (all it did undone), and the
    entry point still judges the blocks as before."""
    blocks = BLOCKS.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom elsewhere import Base\n", 1).replace(
        "class InvertedResidual(nn.Module):", "class InvertedResidual(Base):")
    rows = _rows(tmp_path, blocks=blocks)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.SiLU)")
    reduce = _at(rows, line, "SqueezeExcite().conv_reduce")
    # the DepthwiseSeparable's SqueezeExcite alone would be one construction: none is listed as all there is
    assert reduce is None or reduce.activation == "unknown" or "the one construction" not in reduce.activation_evidence, reduce


def test_a_line_building_blocks_that_meet_different_things_gets_a_row_per_block(tmp_path: Path) -> None:
    """`force_act_layer=None` bound: `force_act_layer or act_layer` is the block's act_layer, ReLU in
    the first stage (decoded `nre`) and Hardswish in the third: one line builds both. The run knows
    where the model holds each (nn.Sequential of the builder's stages): a row per block, named
    there (`blocks.2.0.se.conv_reduce`), where one row would have been unknown; and so for the
    blocks' own convs (`blocks.1.0.conv_pw` ReLU, `blocks.2.0.conv_pw` Hardswish)."""
    model = MODEL.replace("force_act_layer=nn.ReLU", "force_act_layer=None")
    rows = _rows(tmp_path, model=model)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)")
    assert _at(rows, line, "SqueezeExcite().conv_reduce") is None
    claimed = {name: _at(rows, line, name).activation for name in (
        "blocks.0.0.se.conv_reduce", "blocks.2.0.se.conv_reduce", "blocks.1.0.conv_pw", "blocks.2.0.conv_pw",
        "blocks.1.0.conv_dw", "blocks.2.0.conv_dw")}  # fmt: skip
    assert claimed == {"blocks.0.0.se.conv_reduce": "relu", "blocks.2.0.se.conv_reduce": "hardswish",
                       "blocks.1.0.conv_pw": "relu", "blocks.2.0.conv_pw": "hardswish",
                       "blocks.1.0.conv_dw": "relu", "blocks.2.0.conv_dw": "hardswish"}, claimed  # fmt: skip
    (tmp_path / "effy" / "model.py").write_text(model, encoding="utf-8")
    traced = _traced(tmp_path, "net_mixed")
    assert {name: traced[name] for name in claimed} == claimed


def test_blocks_the_model_holds_in_two_places_get_no_row_each(tmp_path: Path) -> None:
    """Where one block is held twice (`self.first = self.blocks[0]`-style aliasing, here a block
    list kept twice), no one name stands for it: the line's blocks keep one row, unknown."""
    model = MODEL.replace("        self.blocks = nn.Sequential(*builder(16, block_args))\n",
                          "        stages = builder(16, block_args)\n        self.blocks = nn.Sequential(*stages)\n"
                          "        self.again = nn.ModuleList(stages)\n").replace("force_act_layer=nn.ReLU", "force_act_layer=None")
    rows = _rows(tmp_path, model=model)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)", model)
    assert _at(rows, line, "blocks.2.0.conv_pw") is None
    assert _at(rows, line, "InvertedResidual().conv_pw").activation == "unknown"


def test_a_block_list_an_undecided_branch_may_rebuild_names_no_block(tmp_path: Path) -> None:
    """`if os.environ.get(...)`: the model may hold the blocks elsewhere (reversed): where it holds
    each is not known, and the line keeps one row, unknown. Code not run that is handed the model
    (an init routine, `init_weights(self)`) is taken to rewrite weights, not to move blocks."""
    split = MODEL.replace("force_act_layer=nn.ReLU", "force_act_layer=None")
    handed = split.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom elsewhere import init_weights\n", 1).replace(
        "        self.classifier = nn.Linear(builder.in_chs, num_classes)\n",
        "        self.classifier = nn.Linear(builder.in_chs, num_classes)\n        init_weights(self)\n")
    rows = _rows(tmp_path, model=handed)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)", handed)
    assert _at(rows, line, "blocks.2.0.conv_pw").activation == "hardswish"
    moved = split.replace("import torch.nn as nn\n", "import os\n\nimport torch.nn as nn\n", 1).replace(
        "        self.pool = nn.AdaptiveAvgPool2d(1)\n",
        "        if os.environ.get(\"REVERSED\"):\n            self.blocks = nn.Sequential(*reversed(self.blocks))\n"
        "        self.pool = nn.AdaptiveAvgPool2d(1)\n")
    (tmp_path / "again").mkdir()
    rows = _rows(tmp_path / "again", model=moved)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)", moved)
    assert _at(rows, line, "blocks.2.0.conv_pw") is None
    assert _at(rows, line, "InvertedResidual().conv_pw").activation == "unknown"


@pytest.mark.parametrize("change", ["        self.blocks.insert(0, nn.Identity())\n", "        del self.blocks[0]\n"])
def test_a_sequence_changed_in_place_names_no_block(tmp_path: Path, change: str) -> None:
    """`self.blocks.insert(0, ...)`, `del self.blocks[0]`: the indices the run knew are not the model's."""
    model = MODEL.replace("force_act_layer=nn.ReLU", "force_act_layer=None").replace(
        "        self.pool = nn.AdaptiveAvgPool2d(1)\n", change + "        self.pool = nn.AdaptiveAvgPool2d(1)\n")
    rows = _rows(tmp_path, model=model)
    line = _line("return Net(decode_arch_def(arch_def), act_layer=nn.Hardswish, se_layer=se_layer)", model)
    assert _at(rows, line, "blocks.2.0.conv_pw") is None and _at(rows, line, "blocks.1.0.conv_pw") is None
