"""`getattr(nn, activation)()` with `activation="ReLU"` (and `getattr(F, act_name)` applied in
forward): the attribute of the module the key names, a key a construction passes elsewhere read
the same way (`Block(d, "Tanh")`); `getattr(nn, "SELU")()` is `nn.SELU()`. Before, each was
unknown. Checked with torch."""

from __future__ import annotations

from program_runs import rows_by_class, traced

BLOCKS = """import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, activation="ReLU"):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = getattr(nn, activation)()

    def forward(self, x):
        return self.act(self.fc(x))


class FBlock(nn.Module):
    def __init__(self, d, act_name="relu"):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = getattr(F, act_name)

    def forward(self, x):
        return self.act(self.fc(x))


class Fixed(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = getattr(nn, "SELU")()

    def forward(self, x):
        return self.act(self.fc(x))
"""

MODEL = """import torch.nn as nn

from blocks import Block, FBlock, Fixed


class Model(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.a = Block(d, "Tanh")
        self.b = Block(d)
        self.c = FBlock(d, act_name="gelu")
        self.e = Fixed(d)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        return self.head(self.e(self.c(self.b(self.a(x)))))
"""

EXPECTED = {"a": ("Block", "tanh"), "b": ("Block", "relu"), "c": ("FBlock", "gelu"), "e": ("Fixed", "selu")}


def test_a_module_attribute_a_key_names_is_the_activation(tmp_path):
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL})
    runtime = traced(tmp_path)
    for attr, (cls, activation) in EXPECTED.items():
        assert runtime[f"{attr}.fc"] == activation
        row = rows.get(("Model", f"{attr}.fc")) or rows[(cls, "fc")]
        assert row.activation == activation, (attr, row.activation, row.activation_evidence)


def test_a_name_that_is_no_activation_claims_nothing(tmp_path):
    files = {"blocks.py": BLOCKS, "model.py": MODEL.replace('Block(d, "Tanh")', 'Block(d, "Identityish")')}
    rows = rows_by_class(tmp_path, files)
    row = rows.get(("Model", "a.fc")) or rows[("Block", "fc")]
    assert row.activation == "unknown", row.activation_evidence
