"""A block whose activation is a module instance its caller hands it (`gate=None` in the block,
`self.gate = nn.ReLU() if gate is None else gate`), judged at each construction of its module with
what that construction passes: an activation module built there with literal arguments
(`nn.LeakyReLU(0.2)`), or an attribute the caller's constructor sets once (`self.gate =
nn.SELU()`, passed as `self.gate` from `__init__` or from a method building blocks; kornia's
ALIKED), and a class held so (`self.norm = nn.BatchNorm2d`). Before, such a construction was
unknown (`gate is None` undecided). An attribute set twice, or built from a value not known there,
stays unknown. Checked with torch."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest

from initlint.program import analyze_program

BLOCKS = textwrap.dedent('''
    import torch.nn as nn


    class ConvBlock(nn.Module):
        def __init__(self, cin, cout, gate=None, norm_layer=None):
            super().__init__()
            self.gate = nn.ReLU(inplace=True) if gate is None else gate
            if norm_layer is None:
                norm_layer = nn.BatchNorm2d
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
            self.bn1 = norm_layer(cout)

        def forward(self, x):
            return self.gate(self.bn1(self.conv1(x)))


    class Head(nn.Module):
        def __init__(self, dims, gate=None):
            super().__init__()
            if gate is None:
                gate = nn.ReLU()
            self.offset = nn.Sequential(nn.Conv2d(dims, dims, 1), gate, nn.Conv2d(dims, 2, 1))

        def forward(self, x):
            return self.offset(x).clamp(-1, 1)


    class Net(nn.Module):
        def __init__(self, slope=0.1):
            super().__init__()
            self.gate = nn.SELU(inplace=True)
            self.norm = nn.BatchNorm2d
            self.block1 = ConvBlock(3, 8, self.gate, self.norm)
            self.block2 = self._make(8, 8)
            self.block3 = ConvBlock(8, 8, nn.LeakyReLU(0.2))
            self.block4 = ConvBlock(8, 8, nn.LeakyReLU(slope))
            self.head = Head(8, gate=self.gate)

        def _make(self, cin, cout):
            return ConvBlock(cin, cout, gate=self.gate, norm_layer=self.norm)

        def forward(self, x):
            return self.head(self.block4(self.block3(self.block2(self.block1(x)))))


    class Twice(nn.Module):
        def __init__(self, smooth=False):
            super().__init__()
            self.gate = nn.SELU()
            if smooth:
                self.gate = nn.Tanh()
            self.block = ConvBlock(3, 8, self.gate)

        def forward(self, x):
            return self.block(x)


    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = ConvBlock(3, 8)

        def forward(self, x):
            return self.block(x)
''')

TRAIN = textwrap.dedent('''
    from pkg.blocks import Net, Plain, Twice

    model = Net()
    smooth = Twice(smooth=True)
    plain = Plain()
''')


@pytest.fixture(scope="module")
def rows() -> list:
    models, errors, _ = analyze_program({"pkg/__init__.py": "", "pkg/blocks.py": BLOCKS, "train.py": TRAIN})
    assert not errors
    return models["pkg/blocks.py"].layers


def row(rows: list, line_text: str, name: str):
    """The row at the line holding `line_text` whose name ends with `name`."""
    line = next(number for number, text in enumerate(BLOCKS.splitlines(), 1) if text.strip().startswith(line_text))
    found = [layer for layer in rows if layer.line == line and (layer.name or "").endswith(name)]
    assert len(found) == 1, [(layer.line, layer.name, layer.activation) for layer in rows]
    return found[0]


def traced(name: str, **kwargs) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    module = types.ModuleType("pkg_blocks")
    exec(compile(BLOCKS, "pkg/blocks.py", "exec"), module.__dict__)
    model = getattr(module, name)(**kwargs).eval()
    report = verify(model, torch.randn(2, 3, 8, 8), method="hooks", static=False, target=name)
    return {row.layer: (row.activation, row.activation_param) for row in report.layers}


def test_an_activation_instance_the_caller_holds_or_builds_is_what_follows(rows) -> None:
    runtime = traced("Net")
    assert runtime["block1.conv1"][0] == runtime["block2.conv1"][0] == runtime["head.offset.0"][0] == "selu"
    assert runtime["block3.conv1"] == ("leaky_relu", 0.2)
    assert (row(rows, "self.block1 = ConvBlock", "conv1").activation) == "selu"
    assert (row(rows, "return ConvBlock(cin, cout", "conv1").activation) == "selu"
    third = row(rows, "self.block3 = ConvBlock", "conv1")
    assert (third.activation, third.activation_param) == ("leaky_relu", 0.2)
    assert row(rows, "self.offset = nn.Sequential", "offset.0").activation == "selu"  # its one construction
    assert row(rows, "self.block1 = ConvBlock", "conv1").init == "default"


def test_a_value_not_known_at_the_call_stays_unknown(rows) -> None:
    # a slope the constructor is given (callers elsewhere may pass others)
    assert traced("Net", slope=0.3)["block4.conv1"] == ("leaky_relu", 0.3)
    assert row(rows, "self.block4 = ConvBlock", "conv1").activation == "unknown"
    # an attribute bound twice: SELU or Tanh
    assert traced("Twice", smooth=True)["block.conv1"][0] == "tanh"
    assert row(rows, "self.block = ConvBlock(3, 8, self.gate)", "conv1").activation == "unknown"


def test_the_default_is_kept_where_nothing_is_passed(rows) -> None:
    assert traced("Plain")["block.conv1"][0] == "relu"
    assert row(rows, "self.block = ConvBlock(3, 8)", "conv1").activation == "relu"
