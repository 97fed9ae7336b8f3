"""`isinstance(x, nn.Module)` on a value Python holds itself (a string, a number, None) is False: a
torch class is no base of those. timm's `get_attn(attn_type)` starts with `if isinstance(attn_type,
torch.nn.Module): return attn_type`, then picks a class by the string (`"se"` -> SEModule) and
`create_attn` builds it; before, the test was undecided, the function returned one thing or another,
and the class picked was handed away: the SE block's layers were unknown at every entry point.
Each claim is checked against torch building the same model."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_entry_passing import _line
from test_program_passing import _importable, _program

ATTN = """import torch.nn as nn


class SE(nn.Module):
    def __init__(self, channels, rd=4, act_layer=nn.ReLU):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, rd, 1)
        self.act = act_layer()
        self.fc2 = nn.Conv2d(rd, channels, 1)

    def forward(self, x):
        s = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * s.sigmoid()


class ECA(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, 3, padding=1)

    def forward(self, x):
        y = self.conv(x.mean((2, 3)).unsqueeze(1)).squeeze(1)
        return x * y.sigmoid()[:, :, None, None]
"""

CREATE = """import torch

from attn import ECA, SE


def get_attn(attn_type):
    if isinstance(attn_type, torch.nn.Module):
        return attn_type
    module_cls = None
    if attn_type:
        if isinstance(attn_type, str):
            if attn_type == "se":
                module_cls = SE
            elif attn_type == "eca":
                module_cls = ECA
        else:
            module_cls = attn_type
    return module_cls


def create_attn(attn_type, channels, **kwargs):
    module_cls = get_attn(attn_type)
    if module_cls is not None:
        return module_cls(channels, **kwargs)
    return None
"""

NET = """import torch.nn as nn

from create_attn import create_attn


class Block(nn.Module):
    def __init__(self, dim, attn_layer=None):
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, 3, padding=1)
        self.se = create_attn(attn_layer, dim)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.conv(x)
        if self.se is not None:
            x = self.se(x)
        return self.act(x)


class Net(nn.Module):
    def __init__(self, dim=8, depth=2, attn_layer=None):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 3, padding=1)
        self.blocks = nn.Sequential(*[Block(dim, attn_layer=attn_layer) for _ in range(depth)])
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))


def net_se():
    return Net(attn_layer="se")
"""


def _traced(model) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def test_a_string_is_no_module_and_the_class_it_picks_is_judged_at_the_entry_point(tmp_path: Path) -> None:
    models = _program(tmp_path, {"attn.py": ATTN, "create_attn.py": CREATE, "net.py": NET})
    at_entry = [row for row in models["net.py"].layers
                if row.at_use and row.name.endswith("fc1") and row.line == _line(NET, 'return Net(attn_layer="se")')]
    assert [row.activation for row in at_entry] == ["relu"], [(r.name, r.line, r.activation) for r in models["net.py"].layers]
    with _importable(tmp_path) as load:
        runtime = _traced(load("net").net_se())
    assert runtime["blocks.0.se.fc1"] == runtime["blocks.1.se.fc1"] == "relu"


def test_a_value_not_known_or_a_class_of_another_kind_stays_undecided() -> None:
    from initlint.semantics.entries import _class_isinstance
    from initlint.semantics.fields import UNKNOWN
    from initlint.semantics.pure import ClassObj

    module, sequence = ClassObj("torch.nn.Module"), ClassObj("collections.abc.Sequence")
    assert _class_isinstance(["se", module]) is False
    assert _class_isinstance([3, (ClassObj("builtins.int"), module)]) is True
    assert _class_isinstance([UNKNOWN, module]) is UNKNOWN
    assert _class_isinstance(["se", sequence]) is UNKNOWN  # an abstract base a str registers with
