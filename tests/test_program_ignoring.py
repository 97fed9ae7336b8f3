"""A callable that drops what it is given (`lambda *args, **kwargs: val`, made by lucidrains'
`always(val)` helper: `self.distill_head = nn.Linear(...) if exists(n) else always(None)`): what
goes into it meets nothing there, so a layer whose output also feeds a Linear is judged by that
Linear alone. Before, the lambda was a module not known and the layer unknown. A lambda that reads
its argument stays unknown. Each claim is checked against torch building and running the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

NET = '''import torch
from torch import nn


def exists(val):
    return val is not None


def always(val):
    return lambda *args, **kwargs: val


class Net(nn.Module):
    def __init__(self, dim=8, num_classes=3, num_distill_classes=None):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, dim, 3, padding=1), nn.ReLU(), nn.Conv2d(dim, dim, 3, padding=1))
        self.mlp_head = nn.Linear(dim, num_classes)
        self.distill_head = nn.Linear(dim, num_distill_classes) if exists(num_distill_classes) else always(None)

    def forward(self, img):
        x = self.backbone(img).mean((2, 3))
        out = self.mlp_head(x)
        distill = self.distill_head(x)
        if exists(distill):
            return out, distill
        return out
'''


def _claims(tmp_path: Path, source: str) -> dict:
    models = _program(tmp_path, {"always.py": source})
    return {(row.class_name, row.name): row.activation for row in models["always.py"].layers}


def test_a_callable_that_drops_its_arguments_meets_nothing(tmp_path: Path) -> None:
    claims = _claims(tmp_path, NET)
    assert claims[("Net", "backbone.2")] == "none"
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with _importable(tmp_path) as load, torch.no_grad():
        layers = verify(load("always").Net().eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False).layers
    assert {row.layer: row.activation for row in layers}["backbone.2"] == "none"


def test_a_lambda_reading_its_argument_stays_unknown(tmp_path: Path) -> None:
    source = NET.replace("return lambda *args, **kwargs: val", "return lambda *args, **kwargs: args[0].tanh()")
    assert source != NET
    assert _claims(tmp_path, source)[("Net", "backbone.2")] == "unknown"
