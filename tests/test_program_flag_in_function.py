"""A block whose activation rests on a True/False flag's default (`use_act=True`), built with the
other literal by a free function of another module (MONAI's `get_conv_layer(...)` building
`Convolution(..., conv_only=True)`): the flag's run returns the layer, and a free function has no
container whose forward could say what follows. The link stage failed on it (an internal error:
the use has no container to name), so the layer claimed nothing and the file reported an error;
now it is `unknown` there, saying why. Checked with torch: that construction applies no ReLU."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

BLOCKS = """\
import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, c, use_act=True):
        super().__init__()
        self.use_act = use_act
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.conv(x)
        if self.use_act:
            x = self.act(x)
        return x
"""

FACTORY = """\
from blocks import ConvAct


def make_plain(c):
    return ConvAct(c, use_act=False)
"""

NETS = """\
import torch.nn as nn

from factory import make_plain


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = make_plain(4)

    def forward(self, x):
        return self.body(x)
"""


def test_a_flag_passed_by_a_free_function_is_judged_not_failed(tmp_path):
    files = {"blocks.py": BLOCKS, "factory.py": FACTORY, "nets.py": NETS}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, stats = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors and not stats.failures, stats.failures
    (conv,) = models[str(tmp_path / "blocks.py")].layers
    assert conv.activation == "unknown" and "use_act=False" in conv.activation_evidence, conv.activation_evidence
    torch = pytest.importorskip("torch")
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        from nets import Net

        net = Net()
        x = torch.randn(1, 4, 5, 5)
        assert torch.equal(net(x), net.body.conv(x))  # no ReLU after the conv there
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
