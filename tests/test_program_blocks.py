"""Conv-norm-act blocks of another module whose conv a factory builds, judged at each construction
(the program stage): the activation rests on every constructor default that decided it (the
activation class, the flag that applies it, the flag whose branch builds the norm+act), and a use
that passes anything but another activation class is unknown there. Each case is also built and
traced with torch: what the static side claims is what runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

FACTORY = """import torch.nn as nn


def create_conv_pad(cin, cout, kernel_size, **kwargs):
    padding = kwargs.pop("padding", kernel_size // 2)
    return nn.Conv2d(cin, cout, kernel_size, padding=padding, **kwargs)


def create_conv(cin, cout, kernel_size, **kwargs):
    return create_conv_pad(cin, cout, kernel_size, **kwargs)
"""

CONV_ACT = """import torch.nn as nn

from factory import create_conv


class ConvAct(nn.Module):
    def __init__(self, cin, cout, kernel_size=3, act_layer=nn.ReLU, apply_act=True):
        super().__init__()
        self.conv = create_conv(cin, cout, kernel_size)
        self.bn = nn.BatchNorm2d(cout)
        self.act = act_layer() if apply_act else nn.Identity()

    def forward(self, x):
        x = self.conv(x)
        x = self.bn(x)
        return self.act(x)
"""

CONV_NORM_ACT = """import torch.nn as nn

from factory import create_conv


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, kernel_size=3, act_layer=nn.ReLU, apply_norm=True):
        super().__init__()
        self.conv = create_conv(cin, cout, kernel_size)
        if apply_norm:
            self.post = nn.Sequential(nn.BatchNorm2d(cout), act_layer())
        else:
            self.post = nn.Identity()

    def forward(self, x):
        return self.post(self.conv(x))
"""

NORM_ACT = """import torch.nn as nn


class BatchNormAct(nn.BatchNorm2d):
    def __init__(self, num_features, act_layer=nn.ReLU, apply_act=True):
        super().__init__(num_features)
        self.act = act_layer() if apply_act else nn.Identity()

    def forward(self, x):
        x = super().forward(x)
        return self.act(x)
"""

CONV_BN_ACT = """import torch.nn as nn

from factory import create_conv
from norm_act import BatchNormAct


class ConvBnAct(nn.Module):
    def __init__(self, cin, cout, kernel_size=3, act_layer=nn.ReLU, apply_act=True):
        super().__init__()
        self.conv = create_conv(cin, cout, kernel_size)
        self.bn = BatchNormAct(cout, act_layer=act_layer, apply_act=apply_act)

    def forward(self, x):
        return self.bn(self.conv(x))
"""

NET = """import torch
import torch.nn as nn

from {module} import {block}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = {block}(3, 8, act_layer=nn.SiLU)
        self.body = {block}(8, 8)
        self.last = {block}(8, 8, act_layer=nn.SiLU, {flag}=False)

    def forward(self, x):
        return torch.flatten(self.last(self.body(self.stem(x))), 1)
"""


def _program(tmp_path: Path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / n): t for n, t in files.items()})
    assert not errors
    return {str(Path(path).relative_to(tmp_path)): model for path, model in models.items()}


def _traced(tmp_path: Path) -> dict:
    """Net built from the files with torch and traced: layer path -> runtime activation."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import net  # noqa: PLC0415 - the case's own module, from tmp_path

        with torch.no_grad():
            report = verify(net.Net().eval(), torch.randn(1, 3, 8, 8), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    return {row.layer: row.activation for row in report.layers}


@pytest.mark.parametrize("module,block,text,flag", [
    ("blocks", "ConvAct", CONV_ACT, "apply_act"),
    ("norm_blocks", "ConvNormAct", CONV_NORM_ACT, "apply_norm"),
    # the activation applied by a norm+act class of a third module, to which the block passes its
    # own act_layer and apply_act at their defaults (its forward: `super().forward(x)`, then act)
    ("bn_blocks", "ConvBnAct", CONV_BN_ACT, "apply_act"),
])  # fmt: skip
def test_a_factory_made_conv_is_judged_at_each_construction_of_its_block(tmp_path, module, block, text, flag):
    """stem passes SiLU, body nothing (ReLU), last SiLU with the activation turned off: at `last`
    the activation class is not what follows the conv (never SiLU): the block's own code run with
    that flag returns the conv's output, which Net returns as the model's output (none)."""
    files = {"factory.py": FACTORY, "norm_act.py": NORM_ACT, f"{module}.py": text,
             "net.py": NET.format(module=module, block=block, flag=flag)}  # fmt: skip
    models = _program(tmp_path, files)
    rows = {layer.name: layer for layer in models["net.py"].layers if layer.at_use}
    assert {name: row.activation for name, row in rows.items()} == {
        "stem.conv": "silu", "body.conv": "relu", "last.conv": "none"}, {n: r.activation_evidence for n, r in rows.items()}
    conv_line = next(i for i, line in enumerate(text.splitlines(), 1) if "self.conv = " in line)
    assert all(row.related[0][1] == conv_line for row in rows.values()), "the conv's own line in the block is related"
    assert not [layer for layer in models[f"{module}.py"].layers if layer.name == "conv"], "judged at its uses instead"
    runtime = _traced(tmp_path)
    for name, row in rows.items():
        assert row.activation in ("unknown", runtime[name]), (name, row.activation, runtime[name])
    assert runtime["last.conv"] == "none"


STAR_NET = """import torch
import torch.nn as nn

from blocks import *


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvAct(3, 8, act_layer=nn.SiLU)
        self.body = ConvAct(8, 8)

    def forward(self, x):
        return torch.flatten(self.body(self.stem(x)), 1)
"""


def test_a_block_built_under_a_star_import_is_a_use_the_program_sees(tmp_path):
    """`from blocks import *`: Net's constructions of ConvAct are uses (SiLU at stem), not a class
    nothing builds, whose conv the default ReLU would follow everywhere."""
    models = _program(tmp_path, {"factory.py": FACTORY, "blocks.py": CONV_ACT, "net.py": STAR_NET})
    rows = {layer.name: layer.activation for layer in models["net.py"].layers if layer.at_use}
    assert rows == {"stem.conv": "silu", "body.conv": "relu"}, rows
    assert not [layer for layer in models["blocks.py"].layers if layer.name == "conv"]
    runtime = _traced(tmp_path)
    assert {name: runtime[name] for name in rows} == rows


BN_ACT_NET = """import torch
import torch.nn as nn


class BatchNormAct(nn.BatchNorm2d):
    def __init__(self, num_features):
        super().__init__(num_features)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(super().forward(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = BatchNormAct(8)

    def forward(self, x):
        return torch.flatten(self.bn(self.conv(x)), 1)
"""


def test_super_forward_of_a_norm_subclass_is_the_norm_then_its_own_activation(tmp_path):
    """`super().forward(x)` in a BatchNorm2d subclass normalises x (gain-neutral); its argument
    is not the input of a tensor method that ends the chain (it was claimed `none`)."""
    models = _program(tmp_path, {"net.py": BN_ACT_NET})
    conv = next(layer for layer in models["net.py"].layers if layer.name == "conv")
    assert (conv.activation, conv.norm_after) == ("tanh", "BatchNorm2d"), conv.activation_evidence
    assert _traced(tmp_path)["conv"] == "tanh"


# A small package laid out as timm's: its activation registry, norm+act classes and factories are
# read through initlint's timm hooks (keyed by these module names), and it builds and runs.
MINI_TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "from .conv_bn_act import ConvNormAct\n",
    "timm/layers/create_act.py": """import torch.nn as nn

_ACT_LAYERS = dict(relu=nn.ReLU, swish=nn.SiLU, silu=nn.SiLU, tanh=nn.Tanh)


def get_act_layer(name="relu"):
    return _ACT_LAYERS[name] if isinstance(name, str) else name
""",
    "timm/layers/norm_act.py": """import torch.nn as nn

from .create_act import get_act_layer


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 apply_act=True, act_layer=nn.ReLU):
        super().__init__(num_features, eps, momentum, affine, track_running_stats)
        act_layer = get_act_layer(act_layer)
        self.act = act_layer() if apply_act and act_layer is not None else nn.Identity()

    def forward(self, x):
        return self.act(super().forward(x))
""",
    "timm/layers/create_norm_act.py": """from functools import partial

from .norm_act import BatchNormAct2d


def get_norm_act_layer(norm_layer, act_layer=None):
    return partial(BatchNormAct2d, act_layer=act_layer)
""",
    "timm/layers/create_conv2d.py": FACTORY.replace("def create_conv(", "def create_conv2d("),
    "timm/layers/conv_bn_act.py": """import torch.nn as nn

from .create_conv2d import create_conv2d
from .create_norm_act import get_norm_act_layer


class ConvNormAct(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=1, apply_act=True, norm_layer=nn.BatchNorm2d,
                 act_layer=nn.ReLU):
        super().__init__()
        self.conv = create_conv2d(in_channels, out_channels, kernel_size)
        norm_act_layer = get_norm_act_layer(norm_layer, act_layer)
        self.bn = norm_act_layer(out_channels, apply_act=apply_act)

    def forward(self, x):
        return self.bn(self.conv(x))
""",
}

REGISTRY_NET = """import torch
import torch.nn as nn

from timm.layers import ConvNormAct


class Block(nn.Module):
    def __init__(self, cin, cout, act_layer="swish"):
        super().__init__()
        self.conv_exp = ConvNormAct(cin, cout, act_layer=act_layer)

    def forward(self, x):
        return self.conv_exp(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block(3, 8, act_layer="swish")
        self.second = Block(8, 8, act_layer="swish")
        self.head = ConvNormAct(8, 8, act_layer="tanh")
        self.last = ConvNormAct(8, 8, act_layer="relu", apply_act=False)

    def forward(self, x):
        return torch.flatten(self.last(self.head(self.second(self.first(x)))), 1)
"""


def test_a_name_passed_for_an_activation_read_through_timms_registry(tmp_path):
    """`act_layer="swish"`, what every construction of Block passes on to ConvNormAct, is SiLU in
    timm's registry; "tanh" passed directly is Tanh; with apply_act=False, the conv's output
    leaves the block (the norm only) as the model's output: none."""
    for name in MINI_TIMM:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    models = _program(tmp_path, {**MINI_TIMM, "net.py": REGISTRY_NET})
    rows = {layer.name: layer.activation for layer in models["net.py"].layers if layer.at_use}
    assert rows == {"conv_exp.conv": "silu", "head.conv": "tanh", "last.conv": "none"}, rows
    runtime = _traced(tmp_path)
    assert runtime["first.conv_exp.conv"] == runtime["second.conv_exp.conv"] == "silu"
    assert (runtime["head.conv"], runtime["last.conv"]) == ("tanh", "none")
