"""A block whose layer a helper makes by a string argument (`get_conv(..., conv_type=...)`: an
nn.Conv2d for "conv", a block of the module's own for "dcn"; kornia's ALIKED), built with an item
of a local list of literals (`conv_types[0]`) handed to it: judged at that construction, where the
helper's choice is decided (a literal the caller holds decides the helper's branch as one written
at the call does) and no block of its own is built there. Where the choice is not known (a
method's parameter) or another block is built in the layer's place, nothing is claimed (its
layers come into being on the same lines, and meet other things). Before: unknown. Checked with
torch."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest

from initlint.program import analyze_program

LAYERS = textwrap.dedent('''
import torch.nn as nn


class Deform(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.offset = nn.Conv2d(cin, 18, 3, padding=1)
        self.regular = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return self.regular(x) + self.offset(x).mean()


def get_conv(cin, cout, conv_type="conv"):
    if conv_type == "conv":
        return nn.Conv2d(cin, cout, 3, padding=1)
    if conv_type == "dcn":
        return Deform(cin, cout)
    raise TypeError(conv_type)


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, gate=None, conv_type="conv"):
        super().__init__()
        self.gate = nn.ReLU() if gate is None else gate
        self.conv1 = get_conv(cin, cout, conv_type=conv_type)

    def forward(self, x):
        return self.gate(self.conv1(x))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, gate=None, conv_type="conv"):
        super().__init__()
        self.gate = nn.ReLU() if gate is None else gate
        self.conv1 = get_conv(cin, cout, conv_type=conv_type)

    def forward(self, x):
        return self.gate(self.conv1(x) + x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        conv_types = ["conv", "conv", "dcn"]
        self.gate = nn.SELU()
        self.block1 = ConvBlock(3, 8, self.gate, conv_type=conv_types[0])
        self.block2 = self._make(conv_types[1])
        self.block3 = self._make(conv_types[2])

    def _make(self, conv_type):
        return ResBlock(8, 8, gate=self.gate, conv_type=conv_type)

    def forward(self, x):
        return self.block3(self.block2(self.block1(x)))
''')

TRAIN = textwrap.dedent('''
    from layers import Net

    model = Net()
''')


@pytest.fixture(scope="module")
def rows() -> dict:
    models, errors, _ = analyze_program({"layers.py": LAYERS, "train.py": TRAIN})
    assert not errors
    return {(layer.class_name, layer.name): layer for layer in models["layers.py"].layers}


def traced() -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    namespace: dict = {}
    exec(compile(LAYERS, "layers.py", "exec"), namespace)
    report = verify(namespace["Net"]().eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False, target="Net")
    return {row.layer: row.activation for row in report.layers}


def test_the_helpers_choice_decided_by_a_list_item_at_the_one_construction(rows) -> None:
    runtime = traced()
    assert runtime["block1.conv1"] == "selu"
    first = rows["ConvBlock", "conv1"]
    assert (first.activation, first.init) == ("selu", "default")


def test_a_choice_not_known_there_claims_nothing(rows) -> None:
    runtime = traced()
    assert runtime["block2.conv1"] == runtime["block3.conv1.regular"] == "selu"
    assert rows["ResBlock", "conv1"].activation == "unknown"
    for name in ("offset", "regular"):
        assert rows["Deform", name].activation in ("unknown", runtime[f"block3.conv1.{name}"])


SEVERAL = LAYERS.replace("""        self.block1 = ConvBlock(3, 8, self.gate, conv_type=conv_types[0])
        self.block2 = self._make(conv_types[1])
        self.block3 = self._make(conv_types[2])""", """        self.block1 = ConvBlock(3, 8, self.gate, conv_type=conv_types[0])
        self.block2 = ConvBlock(8, 8, self.gate, conv_type=conv_types[2])
        self.block3 = self._make(conv_types[1])""")


def test_several_constructions_each_judged_where_no_block_takes_the_layers_place() -> None:
    assert SEVERAL != LAYERS
    models, errors, _ = analyze_program({"layers.py": SEVERAL, "train.py": TRAIN})
    assert not errors
    found = {layer.name: layer for layer in models["layers.py"].layers if layer.class_name == "Net"}
    assert found["block1.conv1"].activation == "selu"  # "conv": an nn.Conv2d, then the SELU handed in
    assert found["block2.conv1"].activation == "unknown"  # "dcn": a Deform in its place
    assert "Deform" in found["block2.conv1"].activation_evidence
    namespace: dict = {}
    exec(compile(SEVERAL, "layers.py", "exec"), namespace)
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    report = verify(namespace["Net"]().eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False, target="Net")
    assert {row.layer: row.activation for row in report.layers}["block1.conv1"] == "selu"
