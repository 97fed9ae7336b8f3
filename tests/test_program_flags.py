"""A block's flag passed at a use (`ConvNormAct(..., apply_act=False)`): the block's own code is
run again with that flag (its other parameters at their defaults), and where the layer then leaves
the block's forward, what follows it is what the container's forward does with the block's output.
The conv comes from a factory of a third module that returns one of two conv classes (a Conv2d
subclass that pads in its forward, or nn.Conv2d). Each claim is checked by building and tracing
the model with torch; what the analysis cannot follow stays unknown."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

CONVS = """import torch.nn as nn
import torch.nn.functional as F


class SameConv(nn.Conv2d):
    def __init__(self, cin, cout, k, stride=1, bias=True):
        super().__init__(cin, cout, k, stride, 0, bias=bias)

    def forward(self, x):
        x = F.pad(x, (1, 1, 1, 1))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0)


def make_conv(cin, cout, k, **kwargs):
    same = kwargs.pop("same", False)
    kwargs.setdefault("bias", False)
    if same:
        return SameConv(cin, cout, k, **kwargs)
    return nn.Conv2d(cin, cout, k, padding=k // 2, **kwargs)
"""

NORM_ACT = """import torch.nn as nn


class NormAct(nn.BatchNorm2d):
    def __init__(self, chs, apply_act=True, act_layer=nn.ReLU):
        super().__init__(chs)
        self.act = act_layer() if apply_act else nn.Identity()

    def forward(self, x):
        x = super().forward(x)
        return self.act(x)
"""

BLOCKS = """import torch.nn as nn

from convs import make_conv
from norm_act import NormAct


def make_pool(pool_layer, chs):
    if not pool_layer:
        return None
    return pool_layer(chs)


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, k=1, apply_act=True, act_layer=nn.ReLU, pool_layer=None):
        super().__init__()
        self.conv = make_conv(cin, cout, k)
        self.bn = NormAct(cout, apply_act=apply_act, act_layer=act_layer)
        self.pool = make_pool(pool_layer, cout)

    def forward(self, x):
        x = self.bn(self.conv(x))
        if self.pool is not None:
            x = self.pool(x)
        return x
"""

NET = """import torch.nn as nn

from blocks import ConvNormAct


class Bottleneck(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.conv1 = ConvNormAct(chs, chs, 1)
        self.conv2 = ConvNormAct(chs, chs, 3, act_layer=nn.SiLU)
        self.conv3 = ConvNormAct(chs, chs, 1, apply_act=False, act_layer=nn.SiLU)
        self.act3 = nn.LeakyReLU(0.1)

    def forward(self, x):
        shortcut = x
        x = self.conv3(self.conv2(self.conv1(x)))
        return self.act3(x + shortcut)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvNormAct(3, 8, 3)
        self.blocks = nn.Sequential(Bottleneck(8), Bottleneck(8))
        self.proj = ConvNormAct(8, 8, 1, apply_act=False{proj_args})
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = self.proj(self.blocks(self.stem(x)))
        return self.head(self.pool(x).flatten(1))
"""


def _program(tmp_path: Path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / n): t for n, t in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}


def _traced(tmp_path: Path) -> dict:
    """Net built from the files with torch and traced: layer path -> (runtime activation, param)."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import net  # noqa: PLC0415 - the case's own module, from tmp_path

        with torch.no_grad():
            report = verify(net.Net().eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    return {row.layer: (row.activation, row.activation_param) for row in report.layers}


def _files(proj_args: str = "") -> dict:
    return {"convs.py": CONVS, "norm_act.py": NORM_ACT, "blocks.py": BLOCKS, "net.py": NET.format(proj_args=proj_args)}


def test_a_flag_that_turns_the_activation_off_is_judged_with_what_the_container_does_next(tmp_path: Path) -> None:
    """Before, `apply_act=False` at a use was unknown. conv3's output leaves ConvNormAct (the norm
    only) into Bottleneck's residual add and its LeakyReLU(0.1); proj's into Net's pool and head (none).
    The SiLU passed with the flag is not what follows conv3: that flag leaves it unused."""
    models = _program(tmp_path, _files())
    rows = {layer.name: layer for layer in models["net.py"].layers if layer.at_use}
    got = {name: (row.activation, row.activation_param) for name, row in rows.items()}
    assert got == {"conv1.conv": ("relu", None), "conv2.conv": ("silu", None), "conv3.conv": ("leaky_relu", 0.1),
                   "stem.conv": ("relu", None), "proj.conv": ("none", None)}, {n: r.activation_evidence for n, r in rows.items()}  # fmt: skip
    runtime = _traced(tmp_path)
    for name, (activation, param) in got.items():
        for layer, (run_activation, run_param) in runtime.items():
            if layer == name or layer.endswith("." + name):
                assert run_activation == activation, (layer, run_activation, activation)
                if param is not None:
                    assert run_param == pytest.approx(param)


def test_a_flag_use_that_also_passes_what_decided_that_run_is_unknown(tmp_path: Path) -> None:
    """proj also passes `pool_layer`, whose default (None) decided the flag run's `make_pool`: with a
    pool after the norm the run does not hold for that use, so it stays unknown (never `none`)."""
    models = _program(tmp_path, _files(proj_args=", pool_layer=nn.MaxPool2d"))
    rows = {layer.name: layer for layer in models["net.py"].layers if layer.at_use}
    assert rows["proj.conv"].activation == "unknown", rows["proj.conv"].activation_evidence
    assert rows["conv3.conv"].activation == "leaky_relu"


def test_two_flag_uses_in_one_container_are_each_judged_with_what_follows_them(tmp_path: Path) -> None:
    """Both convs leave their blocks with the activation off into the same container, which applies
    Tanh to one and ReLU to the other: what follows is recorded per construction (the attribute
    holding the block), so neither takes the other's."""
    net = """import torch
import torch.nn as nn

from blocks import ConvNormAct


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = ConvNormAct(3, 8, 3, apply_act=False)
        self.b = ConvNormAct(8, 8, 3, apply_act=False)

    def forward(self, x):
        return torch.relu(self.b(torch.tanh(self.a(x))))
"""
    models = _program(tmp_path, {**_files(), "net.py": net})
    rows = {layer.name: layer.activation for layer in models["net.py"].layers if layer.at_use}
    assert rows == {"a.conv": "tanh", "b.conv": "relu"}, rows
    runtime = _traced(tmp_path)
    assert (runtime["a.conv"][0], runtime["b.conv"][0]) == ("tanh", "relu")


def test_a_flag_use_applied_through_a_value_not_followed_is_unknown(tmp_path: Path) -> None:
    """The block is applied through a list, not through the attribute it was built on: no record
    speaks for that construction, so it stays unknown (never what another use meets)."""
    net = """import torch
import torch.nn as nn

from blocks import ConvNormAct


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = ConvNormAct(3, 8, 3, apply_act=False)
        self.b = ConvNormAct(8, 8, 3, apply_act=False)

    def forward(self, x):
        for block in [self.a, self.b]:
            x = torch.tanh(block(x))
        return x
"""
    models = _program(tmp_path, {**_files(), "net.py": net})
    claims = [(layer.name, layer.activation) for layer in models["net.py"].layers + models["blocks.py"].layers
              if layer.layer_type == "Conv2d" and layer.activation != "unknown"]  # fmt: skip
    assert not claims, claims


def test_a_flag_a_block_passes_on_at_its_own_default_is_not_run(tmp_path: Path) -> None:
    """DwBlock passes `apply_act=pw_act` (False by default) on to NormAct: a run with that flag would
    rest on DwBlock's own default, which Net overrides (`pw_act=True`: ReLU at run time). The conv is
    never judged `none` for that construction (before and after: unknown or judged per use)."""
    block = """import torch.nn as nn

from norm_act import NormAct


class DwBlock(nn.Module):
    def __init__(self, chs, pw_act=False):
        super().__init__()
        self.conv = nn.Conv2d(chs, chs, 1)
        self.bn = NormAct(chs, apply_act=pw_act)

    def forward(self, x):
        return self.bn(self.conv(x))
"""
    net = """import torch
import torch.nn as nn

from dw import DwBlock


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.body = DwBlock(8, pw_act=True)

    def forward(self, x):
        return torch.tanh(self.body(self.stem(x)))
"""
    models = _program(tmp_path, {"norm_act.py": NORM_ACT, "dw.py": block, "net.py": net})
    rows = [layer for model in models.values() for layer in model.layers if layer.name in ("conv", "body.conv")]
    assert rows and all(layer.activation in ("unknown", "relu") for layer in rows), \
        [(layer.name, layer.activation, layer.activation_evidence) for layer in rows]
    own = next(layer for layer in models["dw.py"].layers if layer.name == "conv")
    assert own.open_output is None, "not taken for DwBlock's output: that rests on pw_act's default"
    runtime = _traced(tmp_path)
    assert runtime["body.conv"][0] == "relu"
