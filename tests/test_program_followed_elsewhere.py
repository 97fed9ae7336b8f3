"""A layer of a block can meet more than the block's forward says: another module's forward calls the
layer itself (`torch.tanh(self.block.fc(x))`, past the block's forward), or the block returns the
layer's output as it is on some path (`return F.relu(h) if act else h`) and the caller passes
`act=False` and applies tanh. Before, the block's row claimed its forward's ReLU, with a ReLU fix,
while torch runs tanh after that layer in the model. Now the row claims neither; a caller applying
something to the block's activated output changes nothing."""

from __future__ import annotations

import pytest
from program_runs import rows_by_class, traced

BLOCKS = """import torch
import torch.nn as nn
import torch.nn.functional as F


class Switch(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x, act=True):
        h = self.fc(x)
        return F.relu(h) if act else h


class Inner(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return F.relu(self.fc(x))
"""

MODEL = """import torch
import torch.nn as nn
from blocks import Inner, Switch


class Model(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.a = Switch(d)
        self.b = Inner(d)
        self.head = nn.Linear(d, 1)

    def forward(self, x):
        x = torch.tanh(self.{use})
        return self.head(x)
"""


@pytest.mark.parametrize("use, cls", [("a(x, act=False)", "Switch"), ("b.fc(x)", "Inner")])
def test_a_layer_another_module_applies_something_else_to_claims_nothing(tmp_path, use, cls):
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL.format(use=use)})
    assert rows[(cls, "fc")].activation == "unknown", rows[(cls, "fc")].activation_evidence
    assert "model.py" in rows[(cls, "fc")].activation_evidence
    assert traced(tmp_path)["a.fc" if cls == "Switch" else "b.fc"] == "tanh"


def test_the_same_in_one_module(tmp_path):
    one = BLOCKS + MODEL.format(use="b.fc(x)").split("\n", 3)[3]
    rows = rows_by_class(tmp_path, {"model.py": one})
    assert rows[("Inner", "fc")].activation == "unknown", rows[("Inner", "fc")].activation_evidence


def test_a_caller_applying_something_to_the_activated_output_changes_nothing(tmp_path):
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL.format(use="b(x)")})
    assert rows[("Inner", "fc")].activation == "relu", rows[("Inner", "fc")].activation_evidence
    assert traced(tmp_path)["b.fc"] == "relu"
