"""An activation written as a module of the program (`class Swish(nn.Module)` whose forward is
`x * torch.sigmoid(x)`) passed to a block of another module (`Block(dim, act=Swish)`), or the
block's default that a construction replaces with a torch class: judged by what that module's
forward applies (ClassFact.applies). Before, such a construction left the layer unknown. Checked
with torch."""

from __future__ import annotations

from program_runs import rows_by_class, traced

UTILS = """import torch
import torch.nn as nn


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class Scaled(nn.Module):
    def __init__(self, scale=2.0):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return torch.tanh(x) * self.scale
"""

BLOCKS = """import torch.nn as nn

from utils import Swish


class Block(nn.Module):
    def __init__(self, dim, act=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.act = act()

    def forward(self, x):
        return self.act(self.fc(x))


class SwishBlock(nn.Module):
    def __init__(self, dim, act=Swish):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.act = act()

    def forward(self, x):
        return self.act(self.fc(x))
"""

MODEL = """import torch.nn as nn

from blocks import Block, SwishBlock
from utils import Swish


class Model(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.a = Block(dim, act=Swish)
        self.b = SwishBlock(dim, act=nn.Tanh)
        self.c = SwishBlock(dim)
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.c(self.b(self.a(x))))
"""




def _claim(rows: dict, attr: str, cls: str):
    return rows.get(("Model", f"{attr}.fc")) or rows[(cls, "fc")]


def test_a_program_activation_module_passed_or_replaced_is_judged_by_its_forward(tmp_path):
    rows = rows_by_class(tmp_path, {"utils.py": UTILS, "blocks.py": BLOCKS, "model.py": MODEL})
    runtime = traced(tmp_path)
    expected = {"a": ("Block", "silu"), "b": ("SwishBlock", "tanh"), "c": ("SwishBlock", "silu")}
    for attr, (cls, activation) in expected.items():
        assert runtime[f"{attr}.fc"] == activation
        row = _claim(rows, attr, cls)
        assert row.activation == activation, (attr, row.activation, row.activation_evidence)


def test_a_module_with_state_of_its_own_claims_nothing_torch_does_not_show(tmp_path):
    """`Scaled` holds `self.scale`: whatever is claimed for the layer it follows is what torch shows."""
    model = MODEL.replace("from utils import Swish", "from utils import Scaled").replace("act=Swish", "act=Scaled")
    rows = rows_by_class(tmp_path, {"utils.py": UTILS, "blocks.py": BLOCKS, "model.py": model})
    runtime = traced(tmp_path)
    row = _claim(rows, "a", "Block")
    assert row.activation in ("unknown", runtime["a.fc"]), (row.activation, row.activation_evidence)
