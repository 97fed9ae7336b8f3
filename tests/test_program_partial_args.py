"""A constructor argument that is a partial object of a class (`norm_layer=partial(nn.LayerNorm,
eps=1e-6)`), written at the call or held by a local the constructor binds once
(`norm_layer_cl = partial(nn.LayerNorm, eps=1e-6)`, then `Stage(norm_layer_cl=norm_layer_cl)`):
that class, its keywords bound (edgenext's channels-last norm). Before, such an argument was a value
not known at the use, and every layer meeting what the block builds of it was unknown. Each claim is
checked against torch building and running the same modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

EDGE = '''from functools import partial

import torch
import torch.nn as nn


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = super().forward(x)
        return x.permute(0, 3, 1, 2)


class ConvBlock(nn.Module):
    def __init__(self, dim, norm_layer=partial(nn.LayerNorm, eps=1e-6), act_layer=nn.GELU):
        super().__init__()
        self.conv_dw = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm = norm_layer(dim)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.act = act_layer()
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        shortcut = x
        x = self.conv_dw(x)
        x = x.permute(0, 2, 3, 1)
        x = self.norm(x)
        x = self.fc2(self.act(self.fc1(x)))
        return shortcut + x.permute(0, 3, 1, 2)


class Stage(nn.Module):
    def __init__(self, dim, depth=2, norm_layer=LayerNorm2d, norm_layer_cl=partial(nn.LayerNorm, eps=1e-6)):
        super().__init__()
        self.downsample = nn.Sequential(norm_layer(dim), nn.Conv2d(dim, dim, 2, stride=2))
        blocks = []
        for _ in range(depth):
            blocks.append(ConvBlock(dim, norm_layer=norm_layer_cl))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x):
        return self.blocks(self.downsample(x))


class Net(nn.Module):
    def __init__(self, dim=8, num_classes=3):
        super().__init__()
        norm_layer = partial(LayerNorm2d, eps=1e-6)
        norm_layer_cl = partial(nn.LayerNorm, eps=1e-6)
        self.stem = nn.Conv2d(3, dim, 4, stride=4)
        self.stage = Stage(dim, norm_layer=norm_layer, norm_layer_cl=norm_layer_cl)
        self.probe = ConvBlock(dim, norm_layer=partial(nn.LayerNorm, elementwise_affine=False))
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.probe(self.stage(self.stem(x)))
        return self.head(x.mean((2, 3)))
'''


def _traced(model, *shape: int) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(*shape), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def _claims(tmp_path: Path, source: str) -> dict:
    models = _program(tmp_path, {"edgelike.py": source})
    return {(row.class_name, row.name): row.activation for row in models["edgelike.py"].layers}


def test_a_partial_object_passed_or_held_by_a_local_is_its_class(tmp_path: Path) -> None:
    """Net's locals hold partial objects of norms; Stage hands one on to ConvBlock: conv_dw meets
    LayerNorm at every construction, stem meets LayerNorm2d (a LayerNorm subclass)."""
    claims = _claims(tmp_path, EDGE)
    assert claims[("ConvBlock", "conv_dw")] == "none"
    assert claims[("Net", "stem")] == "none"
    with _importable(tmp_path) as load:
        runtime = _traced(load("edgelike").Net(), 2, 3, 16, 16)
    assert runtime["stem"] == "none"
    for layer, activation in runtime.items():
        if layer.endswith("conv_dw"):
            assert activation == "none", layer


@pytest.mark.parametrize("change", [
    # bound twice: which one reaches Stage is not read
    ("        self.stem = nn.Conv2d(3, dim, 4, stride=4)\n",
     "        self.stem = nn.Conv2d(3, dim, 4, stride=4)\n        norm_layer_cl = nn.Identity\n"),
    # bound in a branch only
    ("        norm_layer_cl = partial(nn.LayerNorm, eps=1e-6)\n",
     "        if dim > 4:\n            norm_layer_cl = partial(nn.LayerNorm, eps=1e-6)\n        else:\n            norm_layer_cl = nn.Identity\n"),
    # a keyword that is no literal: read in the callee's scope it might mean another thing
    ("norm_layer_cl = partial(nn.LayerNorm, eps=1e-6)", "norm_layer_cl = partial(nn.LayerNorm, eps=dim * 1e-6)"),
])
def test_a_local_bound_otherwise_or_a_partial_of_other_arguments_stays_unknown(tmp_path: Path, change) -> None:
    source = EDGE.replace(*change)
    assert source != EDGE
    assert _claims(tmp_path, source)[("ConvBlock", "conv_dw")] == "unknown"
