"""A constructor parameter kept on `self` and passed from a helper method (MONAI's UNet:
`self.act = act` in `__init__`, then `ResidualUnit(..., act=self.act)` in `_get_down_layer`):
the attribute holds what the model is built with, so the block's activation is followed up to
the model's constructions (or its default) as `act=act` written in `__init__` would be. Not when
the module binds that attribute anywhere else (another method, a subclass): it may then hold
something else when the helper runs. Checked with torch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

BLOCKS = """\
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width, act_layer=nn.GELU):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))
"""

NETS = """\
import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self, width=8, act_layer=nn.Tanh):
        super().__init__()
        self.width = width
        self.act_layer = act_layer
        self.body = self._make_body()

    def _make_body(self):
        return Block(self.width, act_layer=self.act_layer)

    def forward(self, x):
        return self.body(x)
"""

REBOUND = NETS + """
    def use_relu(self):
        self.act_layer = nn.ReLU
        self.body = self._make_body()
"""

# the same, in a method that spells its `self` otherwise
REBOUND_BY_ANOTHER_NAME = NETS + """
    def use_relu(net):
        net.act_layer = nn.ReLU
        net.body = net._make_body()
"""

BEFORE_SUPER = NETS.replace("""        super().__init__()
        self.width = width
        self.act_layer = act_layer
""", """        self.act_layer = act_layer
        super().__init__()
        self.width = width
""")


def _block_fc(tmp_path: Path, nets: str):
    files = {"blocks.py": BLOCKS, "nets.py": nets}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return next(layer for layer in models[str(tmp_path / "blocks.py")].layers if layer.name == "fc")


def test_an_attribute_holding_a_parameter_is_that_parameter(tmp_path):
    fc = _block_fc(tmp_path, NETS)
    assert (fc.activation, fc.init) == ("tanh", "default"), fc.activation_evidence
    torch = pytest.importorskip("torch")
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        from nets import Net

        assert type(Net().body.act) is torch.nn.Tanh
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]


@pytest.mark.parametrize("nets", [REBOUND, REBOUND_BY_ANOTHER_NAME, BEFORE_SUPER],
                         ids=["bound-again", "bound-again-by-another-name", "before-super"])
def test_an_attribute_the_module_may_bind_otherwise_is_not_known(tmp_path, nets):
    fc = _block_fc(tmp_path, nets)
    assert fc.activation == "unknown", fc.activation_evidence
