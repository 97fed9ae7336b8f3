"""timm's ResNet idioms, written small: a norm parameter read through timm's norm registry with
values that differ between the model's constructions, blocks handed to the model as classes and
built through `to_ntuple(n)(block)` and a builder's loop. Each claim checked against torch building
the same modules (the small timm below is importable)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program
from initlint.program.environment import Environment

from test_program_coverage import _traced
from test_program_passing import _importable

# a small timm: what the hooks and stubs say of timm's names, written out in torch
TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "from .create_norm import get_norm_layer\nfrom .create_act import get_act_layer\n"
                               "from .helpers import to_ntuple\n",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACTS = dict(relu=nn.ReLU, silu=nn.SiLU)\n\n\n"
                                 "def get_act_layer(name):\n    return _ACTS[name] if isinstance(name, str) else name\n",
    "timm/layers/norm.py": "import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
                           "class GroupNorm(nn.GroupNorm):\n"
                           "    def __init__(self, num_channels, num_groups=4, **kwargs):\n"
                           "        super().__init__(num_groups, num_channels, **kwargs)\n\n"
                           "    def forward(self, x):\n"
                           "        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)\n",
    "timm/layers/create_norm.py": "import torch.nn as nn\n\nfrom .norm import GroupNorm\n\n"
                                  "_NORMS = dict(batchnorm2d=nn.BatchNorm2d, groupnorm=GroupNorm)\n\n\n"
                                  "def get_norm_layer(norm_layer):\n"
                                  "    return _NORMS[norm_layer] if isinstance(norm_layer, str) else norm_layer\n",
    "timm/layers/helpers.py": "import collections.abc\nfrom itertools import repeat\n\n\n"
                              "def _ntuple(n):\n"
                              "    def parse(x):\n"
                              "        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):\n"
                              "            return tuple(x)\n"
                              "        return tuple(repeat(x, n))\n"
                              "    return parse\n\n\nto_ntuple = _ntuple\n",
}


@contextlib.contextmanager
def _timm_program(tmp_path: Path, files: dict, timm: dict = TIMM):
    """The program's files under tmp_path/program, the small timm installed under tmp_path/site:
    (path -> FileModel, a loader of the program's modules by name, the small timm importable)."""
    site, program = tmp_path / "site", tmp_path / "program"
    for name, text in timm.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    program.mkdir(exist_ok=True)
    for name, text in files.items():
        (program / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(program / n): t for n, t in files.items()},
                                        environment=Environment((str(site),)))  # fmt: skip
    assert not errors
    sys.path.insert(0, str(site))
    try:
        with _importable(program) as load:
            yield {Path(path).name: model for path, model in models.items()}, load
    finally:
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n == "timm" or n.startswith("timm.")]:
            del sys.modules[name]


def _rows(model) -> dict:
    return {(layer.class_name, layer.name): layer for layer in model.layers if not layer.at_use}


STEM = """import torch.nn as nn
from timm.layers import get_act_layer, get_norm_layer


class Net(nn.Module):
    def __init__(self, chs=8, act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d):
        super().__init__()
        act_layer = get_act_layer(act_layer)
        norm_layer = get_norm_layer(norm_layer)
        self.stem = nn.Sequential(nn.Conv2d(chs, chs, 3, padding=1), norm_layer(chs), act_layer(inplace=True))
        self.head = nn.Conv2d(chs, 2, 1)

    def forward(self, x):
        return self.head(self.stem(x))


def net():
    return Net()


def net_gn():
    return Net(norm_layer="{key}")
"""


def test_a_norm_key_read_through_the_norm_registry_is_each_value_s_class(tmp_path: Path) -> None:
    """Net's `norm_layer` is nn.BatchNorm2d in one construction and "groupnorm" in the other, both read
    through timm's `get_norm_layer`: the registry gives a norm for each (timm's GroupNorm), so the
    stem's conv meets the ReLU after either, as torch builds both."""
    with _timm_program(tmp_path, {"net.py": STEM.format(key="groupnorm")}) as (models, load):
        conv = _rows(models["net.py"])[("Net", "stem.0")]
        assert conv.activation == "relu", conv.activation_evidence
        assert _traced(load("net").net(), "stem.0", 8, 4, 4) == "relu"
        assert _traced(load("net").net_gn(), "stem.0", 8, 4, 4) == "relu"


def test_a_norm_key_the_registry_does_not_know_stays_unknown(tmp_path: Path) -> None:
    """"weirdnorm" is not a key of timm's norm registry: what the stem's conv meets in that
    construction is not known, so the row claims nothing."""
    with _timm_program(tmp_path, {"net.py": STEM.format(key="weirdnorm")}) as (models, _):
        conv = _rows(models["net.py"])[("Net", "stem.0")]
        assert conv.activation == "unknown", conv.activation_evidence


RESNET = """from functools import partial

import torch
import torch.nn as nn
from timm.layers import get_act_layer, get_norm_layer, to_ntuple


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d,
                 attn_layer=None, drop_block=None, device=None, dtype=None):
        dd = {'device': device, 'dtype': dtype}
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False, **dd)
        self.bn1 = norm_layer(planes, **dd)
        self.drop_block = drop_block() if drop_block is not None else nn.Identity()
        self.act1 = act_layer(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False, **dd)
        self.bn2 = norm_layer(planes, **dd)
        self.se = attn_layer() if attn_layer is not None else nn.Identity()
        self.act2 = act_layer(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        shortcut = x
        x = self.act1(self.drop_block(self.bn1(self.conv1(x))))
        x = self.se(self.bn2(self.conv2(x)))
        if self.downsample is not None:
            shortcut = self.downsample(shortcut)
        x += shortcut
        return self.act2(x)


class Gate(nn.Module):
    def forward(self, x):
        return torch.tanh(x)


def drop_blocks(drop_prob=0.):
    return [None, partial(nn.Dropout, p=drop_prob) if drop_prob else None]


def make_blocks(block_fns, channels, inplanes, drop_block_rate=0., device=None, dtype=None, **kwargs):
    dd = {'device': device, 'dtype': dtype}
    stages = []
    for stage_idx, (block_fn, planes, db) in enumerate(zip(block_fns, channels, drop_blocks(drop_block_rate))):
        downsample = None
        if inplanes != planes * block_fn.expansion:
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, **dd), nn.BatchNorm2d(planes, **dd))
        block_kwargs = dict(drop_block=db, **kwargs)
        blocks = []
        for block_idx in range(2):
            blocks.append(block_fn(inplanes, planes, 1, downsample if block_idx == 0 else None, **block_kwargs, **dd))
            inplanes = planes * block_fn.expansion
        stages.append((f"layer{stage_idx + 1}", nn.Sequential(*blocks)))
    return stages


class ResNet(nn.Module):
    def __init__(self, block, channels=(8, 16), act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d, block_args=None,
                 device=None, dtype=None):
        super().__init__()
        dd = {'device': device, 'dtype': dtype}
        block_args = block_args or dict()
        act_layer = get_act_layer(act_layer)
        norm_layer = get_norm_layer(norm_layer)
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False, **dd)
        self.bn1 = norm_layer(8, **dd)
        self.act1 = act_layer(inplace=True)
        block_fns = to_ntuple(len(channels))(block)
        stages = make_blocks(block_fns, channels, 8, act_layer=act_layer, norm_layer=norm_layer, **block_args, **dd)
        for stage in stages:
            self.add_module(*stage)
        self.fc = nn.Linear(channels[-1] * block_fns[-1].expansion, 10)

    def forward(self, x):
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(x.mean((2, 3)))


def resnet():
    return ResNet(block=BasicBlock)


def resnet_gn():
    return ResNet(block=[BasicBlock, BasicBlock], norm_layer='groupnorm')
"""
SE = "\n\ndef resnet_se():\n    return ResNet(block=BasicBlock, block_args=dict(attn_layer=Gate))\n"


def _at_use(model) -> dict:
    """The rows at make_blocks' `block_fn(...)` (entry points' calls have rows of their own)."""
    line = next(i for i, text in enumerate(RESNET.splitlines(), 1) if "blocks.append(block_fn(" in text)
    return {layer.name: layer for layer in model.layers if layer.at_use and layer.line == line}


def test_blocks_a_model_is_given_are_judged_where_its_builder_builds_them(tmp_path: Path) -> None:
    """ResNet is given BasicBlock (alone, or as a list of one class per stage), makes one class per stage of
    it with timm's `to_ntuple`, and `make_blocks` builds `block_fn(...)` in a loop over `zip(...)`, with
    ResNet's act_layer and norm_layer in `**block_kwargs`: that construction is judged with them (a row
    at it), ReLU after both convs as torch builds them. BasicBlock's own row claims nothing: a model
    handing it on elsewhere could build it otherwise."""
    with _timm_program(tmp_path, {"resnet.py": RESNET}) as (models, load):
        rows = _at_use(models["resnet.py"])
        for name in ("BasicBlock().conv1", "BasicBlock().conv2"):
            assert rows[name].activation == "relu", rows[name].activation_evidence
        assert _rows(models["resnet.py"])[("BasicBlock", "conv1")].activation == "unknown"
        for build in (load("resnet").resnet, load("resnet").resnet_gn):
            for name in ("layer1.0.conv1", "layer2.1.conv2"):
                assert _traced(build(), name, 3, 4, 4) == "relu"


def test_what_a_model_s_callers_leave_unknown_stays_unknown_at_the_block_s_use(tmp_path: Path) -> None:
    """resnet_se passes `block_args=dict(attn_layer=Gate)`, which ResNet hands on as `**block_args`: its
    keys are not followed, so any BasicBlock parameter ResNet does not pass by name may be set there;
    conv2 meets what `attn_layer` makes (a tanh gate in torch) and is unknown; conv1 meets only what
    the keywords written out decide (a key passed twice is a TypeError): still ReLU. resnet_se()'s own
    run knows the gate: at its call, conv2 meets Tanh (semantics/entry_uses.py)."""
    with _timm_program(tmp_path, {"resnet.py": RESNET + SE}) as (models, load):
        entry_line = next(i for i, line in enumerate((RESNET + SE).splitlines(), 1) if "return ResNet(block=BasicBlock, block_args" in line)
        at_entry = {layer.name: layer for layer in models["resnet.py"].layers if layer.at_use and layer.line == entry_line}
        assert at_entry["BasicBlock().conv2"].activation == "tanh", at_entry["BasicBlock().conv2"].activation_evidence
        rows = _at_use(models["resnet.py"])
        conv2 = rows.get("BasicBlock().conv2")  # no row where nothing is known at the use
        assert conv2 is None or conv2.activation == "unknown", conv2.activation_evidence
        assert _rows(models["resnet.py"])[("BasicBlock", "conv2")].activation == "unknown"
        assert rows["BasicBlock().conv1"].activation == "relu", rows["BasicBlock().conv1"].activation_evidence
        assert _traced(load("resnet").resnet_se(), "layer1.0.conv2", 3, 4, 4) == "tanh"
        assert _traced(load("resnet").resnet_se(), "layer1.0.conv1", 3, 4, 4) == "relu"


def test_a_model_built_elsewhere_with_another_activation_reaches_the_block_s_use(tmp_path: Path) -> None:
    """The row at make_blocks' construction rests on ResNet's act_layer default: a script building
    `ResNet(BasicBlock, act_layer=nn.ELU)` makes it not ReLU there (torch: ELU in that model)."""
    script = "import torch.nn as nn\nfrom resnet import ResNet, BasicBlock\n\nmodel = ResNet(BasicBlock, act_layer=nn.ELU)\n"
    with _timm_program(tmp_path, {"resnet.py": RESNET, "main.py": script}) as (models, load):
        row = _at_use(models["resnet.py"])["BasicBlock().conv1"]
        assert row.activation != "relu", row.activation_evidence
        assert _traced(load("main").model, "layer1.0.conv1", 3, 4, 4) == "elu"


NORM_BLOCK = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c, act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = norm_layer(c)
        self.act = act_layer(inplace=True)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))
"""

NORM_NET = """import torch.nn as nn
from blocks import Block


class NormTanh(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bn = nn.BatchNorm2d(c)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.bn(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(8, norm_layer={norm})
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        return self.head(self.block(x))
"""


@pytest.mark.parametrize("norm, expected", [("nn.InstanceNorm2d", "relu"), ("NormTanh", "unknown")])
def test_what_follows_a_norm_parameter_rests_on_its_default(tmp_path: Path, norm: str, expected: str) -> None:
    """Block's conv goes through `norm_layer(c)` (nn.BatchNorm2d by default) into ReLU. Net passes
    another torch norm: gain-neutral as well, still ReLU; Net passes a norm that applies Tanh: the
    conv meets Tanh there (torch), so Block's row claims nothing (it claimed ReLU before)."""
    from test_program_passing import _program

    models = _program(tmp_path, {"blocks.py": NORM_BLOCK, "net.py": NORM_NET.format(norm=norm)})
    conv = _rows(models["blocks.py"])[("Block", "conv")]
    assert conv.activation == expected, conv.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").Net(), "block.conv", 8, 4, 4) == ("relu" if expected == "relu" else "tanh")


NORM_KWARGS = """import torch.nn as nn
from timm.layers import BatchNormAct2d


class Block(nn.Module):
    def __init__(self, c=8, norm_kwargs=None):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 1)
        self.bn = BatchNormAct2d(c, **{**(norm_kwargs or {})})

    def forward(self, x):
        return self.bn(self.conv(x))


def block_tanh():
    return Block(norm_kwargs=dict(act_layer=nn.Tanh))
"""


def test_a_dict_display_unpacking_a_dict_not_known_may_pass_any_key(tmp_path: Path) -> None:
    """`BatchNormAct2d(c, **{**(norm_kwargs or {})})`: the dict holds whatever the block's callers pass
    in norm_kwargs (block_tanh: act_layer=nn.Tanh, tanh in torch), never no key at all: the conv's
    activation is unknown, not BatchNormAct2d's default ReLU."""
    from test_program_coverage import TIMM as NORM_ACT_TIMM

    with _timm_program(tmp_path, {"block.py": NORM_KWARGS}, NORM_ACT_TIMM) as (models, load):
        conv = _rows(models["block.py"])[("Block", "conv")]
        assert conv.activation == "unknown", conv.activation_evidence
        assert _traced(load("block").block_tanh(), "conv", 8, 4, 4) == "tanh"


DENSE_STEM = """import torch.nn as nn
from timm.layers import get_norm_act_layer


class DenseNet(nn.Module):
    def __init__(self, chs=8, act_layer="relu", norm_layer="batchnorm2d"):
        super().__init__()
        norm_layer = get_norm_act_layer(norm_layer, act_layer=act_layer)
        self.stem = nn.Sequential(nn.Conv2d(3, chs, 3, padding=1), norm_layer(chs))
        self.head = nn.Conv2d(chs, 2, 1)

    def forward(self, x):
        return self.head(self.stem(x))


def densenet():
    return DenseNet()
"""


@pytest.mark.parametrize("script, expected", [("", "relu"), ('model = DenseNet(act_layer="silu")\n', "not relu")])
def test_a_model_s_own_act_key_at_its_default_reaches_its_norm_act(tmp_path: Path, script: str, expected: str) -> None:
    """DenseNet makes its norm with `get_norm_act_layer(norm_layer, act_layer=act_layer)` and uses it in its own
    stem: the norm+act applies the class timm's registry gives for act_layer's default key "relu" (ReLU, as
    torch builds it); a script passing "silu" makes that default not hold (SiLU in its model)."""
    from test_program_coverage import TIMM as NORM_ACT_TIMM

    files = {"dense.py": DENSE_STEM}
    if script:
        files["main.py"] = "from dense import DenseNet\n\n" + script
    with _timm_program(tmp_path, files, NORM_ACT_TIMM) as (models, load):
        if expected == "relu":
            conv = _rows(models["dense.py"])[("DenseNet", "stem.0")]
            assert conv.activation == "relu", conv.activation_evidence
            assert _traced(load("dense").densenet(), "stem.0", 3, 4, 4) == "relu"
        else:
            # judged at each construction (its act rests on a key timm's registry reads): none claims
            # ReLU where main.py builds it, which gets a row of its own, SiLU
            rows = [layer for model in models.values() for layer in model.layers if (layer.name or "").endswith("stem.0")]
            assert rows and all(row.activation != "relu" for row in rows if row.path.endswith("main.py") or not row.at_use)
            assert [row.activation for row in rows if row.path.endswith("main.py")] == ["silu"]
            assert _traced(load("main").model, "stem.0", 3, 4, 4) == "silu"
