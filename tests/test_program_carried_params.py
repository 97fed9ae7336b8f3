"""A block built in its own module only by another class that passes its own constructor parameter
down (`ConvAct(c, act_layer=act_layer)` in Unit, both defaulting to nn.PReLU; MONAI's ResidualUnit
building Convolution with `act=act`): what the block's layer meets rests on Unit's parameter too.
Another module building `Unit(4, act_layer=nn.ReLU)` builds a ConvAct with ReLU; the old code said
PReLU where ConvAct is built (it looked only at ConvAct's own constructions in other modules, and
there are none), a claim torch contradicts. Unknown there now; PReLU where nothing passes another."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

BLOCKS = """\
import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, c, act_layer=nn.PReLU):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))


class Unit(nn.Module):
    def __init__(self, c, act_layer=nn.PReLU):
        super().__init__()
        self.body = ConvAct(c, act_layer=act_layer)

    def forward(self, x):
        return self.body(x) + x
"""

NETS = """\
import torch.nn as nn

from blocks import Unit


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.unit = Unit(4, act_layer=nn.ReLU)

    def forward(self, x):
        return self.unit(x)
"""

STAGED = BLOCKS + """

class Stage(nn.Module):
    def __init__(self, c, act_layer=nn.PReLU):
        super().__init__()
        self.unit = Unit(c, act_layer=act_layer)

    def forward(self, x):
        return self.unit(x)
"""

TWO_WAYS = BLOCKS + """

class Plain(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = ConvAct(c)

    def forward(self, x):
        return self.body(x)
"""


def _conv(tmp_path: Path, files: dict):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, stats = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors and not stats.failures
    return next(layer for layer in models[str(tmp_path / "blocks.py")].layers if layer.name == "conv")


def test_a_parameter_passed_down_in_its_module_rests_on_the_outer_default(tmp_path):
    conv = _conv(tmp_path, {"blocks.py": BLOCKS, "nets.py": NETS})
    assert conv.activation != "prelu", conv.activation_evidence
    torch = pytest.importorskip("torch")
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        from nets import Net

        assert type(Net().unit.body.act) is torch.nn.ReLU  # what the old claim said was PReLU
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]


def test_where_nothing_passes_another_the_default_stands(tmp_path):
    conv = _conv(tmp_path, {"blocks.py": BLOCKS})
    assert (conv.activation, conv.activation_param) == ("prelu", 0.25), conv.activation_evidence


def test_built_here_both_with_and_without_it_is_not_known(tmp_path):
    # Plain keeps the default, Unit passes its own: a use of Unit elsewhere cannot speak for Plain's
    conv = _conv(tmp_path, {"blocks.py": TWO_WAYS, "nets.py": NETS})
    assert conv.activation == "unknown", conv.activation_evidence


def test_passed_down_twice_in_its_module_rests_on_the_outermost_default(tmp_path):
    nets = NETS.replace("from blocks import Unit", "from blocks import Stage").replace("Unit(4,", "Stage(4,")
    conv = _conv(tmp_path, {"blocks.py": STAGED, "nets.py": nets})
    assert conv.activation != "prelu", conv.activation_evidence


KEYED_BLOCKS = """\
import torch.nn as nn

ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "prelu": nn.PReLU}


class ConvAct(nn.Module):
    def __init__(self, c, act="prelu"):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.act = ACTS[act]()

    def forward(self, x):
        return self.act(self.conv(x))


class Unit(nn.Module):
    def __init__(self, c, act="prelu"):
        super().__init__()
        self.body = ConvAct(c, act=act)

    def forward(self, x):
        return self.body(x) + x
"""

KEYED_NETS = """\
import torch.nn as nn

from blocks import Unit


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.unit = Unit(4, act="relu")

    def forward(self, x):
        return self.unit(x)
"""


def test_a_registry_key_passed_down_rests_on_the_outer_default_too(tmp_path):
    """The same, with a string key into a registry (`ACTS[act]()`, both defaults "prelu"): the key Unit
    passes on is Unit's default, not a literal ConvAct is always built with (PReLU was claimed)."""
    conv = _conv(tmp_path, {"blocks.py": KEYED_BLOCKS, "nets.py": KEYED_NETS})
    assert conv.activation != "prelu", conv.activation_evidence
    torch = pytest.importorskip("torch")
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        from nets import Net

        assert type(Net().unit.body.act) is torch.nn.ReLU
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    alone = _conv(tmp_path, {"blocks.py": KEYED_BLOCKS})
    assert alone.activation == "prelu", alone.activation_evidence  # nothing passes another key
