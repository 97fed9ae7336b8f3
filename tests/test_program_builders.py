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
