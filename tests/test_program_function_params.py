"""A free function that passes its own parameter to a construction (diffusers' `get_down_block(...,
resnet_act_fn)` returning `DownBlock2D(..., resnet_act_fn=resnet_act_fn)`, called from each model's
module with `act_fn`): what its callers in other modules pass is not what its own module's calls
show (here none, so the class's default was taken, and `Inner.conv` claimed SiLU where the model
passes "relu"). Unknown unless followed; a factory's calls (every return one class) are listed by
the program and stay followed (test_program_factories.py). Checked with torch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

ACTS = """import torch.nn as nn

ACTS = {"swish": nn.SiLU, "silu": nn.SiLU, "relu": nn.ReLU}


def get_act(name):
    return ACTS[name]()
"""

INNER = """import torch.nn as nn

from acts import get_act


class Inner(nn.Module):
    def __init__(self, c, act="swish"):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.act = get_act(act)

    def forward(self, x):
        return self.act(self.conv(x))
"""

OUTER = """import torch.nn as nn

from inner import Inner


def get_block(kind, c, resnet_act_fn):
    if kind == "outer":
        return Outer(c, resnet_act_fn=resnet_act_fn)
    return None


class Outer(nn.Module):
    def __init__(self, c, resnet_act_fn="swish"):
        super().__init__()
        self.inner = Inner(c, act=resnet_act_fn)

    def forward(self, x):
        return self.inner(x)
"""

MODEL = """import torch.nn as nn

from outer import get_block


class Model(nn.Module):
    def __init__(self, c=8, act_fn="relu"):
        super().__init__()
        self.block = get_block("outer", c, resnet_act_fn=act_fn)
        self.head = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return self.head(self.block(x))
"""


def test_a_free_functions_parameter_is_what_its_callers_elsewhere_pass(tmp_path):
    files = {"acts.py": ACTS, "inner.py": INNER, "outer.py": OUTER, "model.py": MODEL}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    claims = {(row.class_name, row.name): row.activation for model in models.values() for row in model.layers}
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import model  # noqa: PLC0415 - the case's own module, from tmp_path

        with torch.no_grad():
            report = verify(model.Model().eval(), torch.randn(1, 8, 8, 8), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    runtime = {row.layer: row.activation for row in report.layers}
    assert runtime["block.inner.conv"] == "relu"
    assert claims[("Inner", "conv")] in ("unknown", "relu"), claims
