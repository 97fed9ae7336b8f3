"""Models configured by a config dataclass (timm's RegNet and CspNet): each entry point builds the
config its model reads (`RegNetCfg(act_layer='silu')`, replaced per variant), the model passes the
config's fields down through its stages' `**kwargs`, partly from dicts the analysis cannot compute
(`**stage_args` from torch arithmetic). The blocks of another module those stages build are judged
once per entry point and per container attribute (`conv1.conv`), with what that run passes."""

from __future__ import annotations

from pathlib import Path

import sys

from test_program_coverage import _traced
from test_program_passing import _importable, _program

# timm's registry decorator, as the library defines it (files the function, returns it)
REGISTRY = {"timm/__init__.py": "", "timm/models/__init__.py": "",
            "timm/models/_registry.py": "def register_model(fn):\n    return fn\n"}

BLOCKS = """import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin, cout, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))
"""

NET = """from dataclasses import dataclass, replace

import torch
import torch.nn as nn

from timm.models._registry import register_model

from blocks import ConvAct


@dataclass
class NetCfg:
    width: int = 8
    depths: tuple = (1, 2)
    act_layer: type = nn.ReLU

    def __post_init__(self):
        self.depths = tuple(self.depths)


class Block(nn.Module):
    def __init__(self, chs, act_layer=nn.ReLU, gate=None):
        super().__init__()
        self.conv1 = ConvAct(chs, chs, act_layer=act_layer)
        self.conv2 = ConvAct(chs, chs, act_layer=gate or act_layer)

    def forward(self, x):
        return self.conv2(self.conv1(x))


class Stage(nn.Module):
    def __init__(self, chs, depth=1, block_fn=Block, **block_kwargs):
        super().__init__()
        self.blocks = nn.Sequential(*[block_fn(chs, **block_kwargs) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(x)


class Net(nn.Module):
    def __init__(self, cfg: NetCfg, **kwargs):
        super().__init__()
        cfg = replace(cfg, **kwargs)
        stage_args = [dict(depth=d) for d in torch.tensor(cfg.depths).tolist()]  # not computed statically
        common = dict(act_layer=cfg.act_layer)
        self.stem = ConvAct(3, cfg.width, act_layer=cfg.act_layer)
        for i, args in enumerate(stage_args):
            self.add_module(f"s{i}", Stage(cfg.width, block_fn=Block, **args, **common))

    def forward(self, x):
        x = self.stem(x)
        for i in range(len(self._modules) - 1):
            x = getattr(self, f"s{i}")(x)
        return x


CFGS = dict(net_relu=NetCfg(), net_silu=NetCfg(act_layer=nn.SiLU, depths=[2]))


def _create(variant, **kwargs):
    return Net(CFGS[variant], **kwargs)


@register_model
def net_relu():
    return _create("net_relu")


@register_model
def net_silu():
    return _create("net_silu")
"""


def _at(models: dict, line: int) -> dict:
    return {(layer.class_name, layer.name): layer for layer in models["net.py"].layers if layer.line == line}


def test_each_entry_point_judges_the_blocks_its_config_chooses(tmp_path: Path) -> None:
    """net_silu() builds `NetCfg(act_layer=nn.SiLU)`: its stem and every Block's conv1 meet SiLU, as
    torch builds them; net_relu()'s meet ReLU. Block's own act_layer comes through Stage's `**block_kwargs`
    next to `**args`, a dict not known: the keys known are passed as they are (Python refuses a key twice)."""
    models = _program(tmp_path, {"blocks.py": BLOCKS, "net.py": NET})
    relu, silu = _at(models, NET.splitlines().index('    return _create("net_relu")') + 1), \
        _at(models, NET.splitlines().index('    return _create("net_silu")') + 1)  # fmt: skip
    assert relu[("Net", "stem.conv")].activation == "relu", relu[("Net", "stem.conv")].activation_evidence
    assert relu[("Block", "conv1.conv")].activation == "relu", relu[("Block", "conv1.conv")].activation_evidence
    assert silu[("Net", "stem.conv")].activation == "silu", silu[("Net", "stem.conv")].activation_evidence
    assert silu[("Block", "conv1.conv")].activation == "silu", silu[("Block", "conv1.conv")].activation_evidence
    site = tmp_path.parent / f"{tmp_path.name}-site"
    for name, text in REGISTRY.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    sys.path.insert(0, str(site))
    try:
        with _importable(tmp_path) as load:
            model = load("net").net_silu()
            assert _traced(model, "stem.conv", 3, 8, 8) == "silu"
            assert _traced(model, "s0.blocks.1.conv1.conv", 3, 8, 8) == "silu"
            assert _traced(load("net").net_relu(), "s1.blocks.1.conv1.conv", 3, 8, 8) == "relu"
    finally:
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n == "timm" or n.startswith("timm.")]:
            del sys.modules[name]


def test_a_parameter_the_unknown_keywords_may_pass_stays_unknown(tmp_path: Path) -> None:
    """Block's `gate` is not among the keywords known to reach it: `**args` may hold it. conv2 is
    unknown at each entry point (torch shows the act_layer there, which this run cannot know)."""
    models = _program(tmp_path, {"blocks.py": BLOCKS, "net.py": NET})
    for entry in ("net_relu", "net_silu"):
        rows = _at(models, NET.splitlines().index(f'    return _create("{entry}")') + 1)
        conv2 = rows.get(("Block", "conv2.conv"))
        assert conv2 is None or conv2.activation == "unknown", conv2.activation_evidence


def test_what_a_constructor_s_kwargs_carry_from_its_module_s_constructions_is_not_the_default(tmp_path: Path) -> None:
    """Stage builds `block_fn(chs, **block_kwargs)`, and Net builds `Stage(..., **args, **common)` with
    act_layer in `common`: Block's act_layer is not its default there (torch: SiLU under net_silu()).
    Before, Stage's **block_kwargs were read as empty, and Block's conv1 claimed ReLU where it is built.
    (Its row there is unknown, or absent where the entry points' runs list every construction of ConvAct:
    then ConvAct's own row, unknown, speaks for it.)"""
    models = _program(tmp_path, {"blocks.py": BLOCKS, "net.py": NET})
    line = NET.splitlines().index("        self.conv1 = ConvAct(chs, chs, act_layer=act_layer)") + 1
    conv1 = _at(models, line).get(("Block", "conv1.conv"))
    assert conv1 is None or conv1.activation == "unknown", conv1.activation_evidence
    own = next(layer for layer in models["blocks.py"].layers if layer.class_name == "ConvAct" and not layer.at_use)
    assert own.activation == "unknown", own.activation_evidence


def test_an_init_the_model_runs_reaches_the_blocks_its_stages_build(tmp_path: Path) -> None:
    """The run built Block inside Stage inside Net: Net's `self.apply(_init)` re-draws Block's ConvAct
    conv too (before: only Block's own routines and what the program lists as building it were read)."""
    net = NET.replace("    def forward(self, x):\n        x = self.stem(x)",
                      "        self.apply(_init)\n\n    def forward(self, x):\n        x = self.stem(x)")
    net = net.replace("@dataclass\nclass NetCfg", "def _init(m):\n    if isinstance(m, nn.Conv2d):\n"
                      "        nn.init.kaiming_normal_(m.weight, nonlinearity='relu')\n\n\n@dataclass\nclass NetCfg")
    models = _program(tmp_path, {"blocks.py": BLOCKS, "net.py": net})
    rows = _at(models, net.splitlines().index('    return _create("net_silu")') + 1)
    conv1 = rows[("Block", "conv1.conv")]
    assert (conv1.activation, conv1.init) == ("silu", "explicit"), (conv1.activation_evidence, conv1.init_evidence)
    assert conv1.related[0][1] == net.splitlines().index("        self.conv1 = ConvAct(chs, chs, act_layer=act_layer)") + 1


DROPS = """import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin, cout, act_layer=nn.ReLU, drop_layer=None):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.act = act_layer() if drop_layer is None else nn.Identity()

    def forward(self, x):
        return self.act(self.conv(x))
"""

DROP_NET = """import torch.nn as nn

from drops import ConvAct


class Net(nn.Module):
    def __init__(self, drop_block=None):
        super().__init__()
        self.a = ConvAct(3, 8, drop_layer=drop_block)

    def forward(self, x):
        return self.a(x)
"""


def test_none_passed_for_a_default_none_is_the_default(tmp_path: Path) -> None:
    """CspNet's BottleneckBlock passes `drop_layer=drop_block` (None) to ConvNormAct, whose activation
    rests on drop_layer's default None: that use is built with the defaults (was: unknown, an override)."""
    models = _program(tmp_path, {"drops.py": DROPS, "dropnet.py": DROP_NET})
    at_use = [layer for layer in models["dropnet.py"].layers if layer.name == "a.conv"]
    conv = at_use[0] if at_use else next(layer for layer in models["drops.py"].layers if layer.name == "conv")
    assert conv.activation == "relu", conv.activation_evidence  # judged where it is built: its one use agrees
    with _importable(tmp_path) as load:
        assert _traced(load("dropnet").Net(), "a.conv", 3, 8, 8) == "relu"
