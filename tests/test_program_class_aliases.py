"""A model class named again by module-level aliases (MONAI's `DynUnet = Dynunet = DynUNet`,
`BasicUnet = Basicunet = basicunet = BasicUNet`): the aliases build nothing and hand the class to
no one, so its own module does not build it in ways the program cannot list. An activation the
model passes down as its own parameter is then its default (nothing builds the model), and a
construction under an alias, a chained one too, is a construction of the class. Checked with torch."""

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
    def __init__(self, width=8, act_layer=nn.ReLU):
        super().__init__()
        self.block = Block(width, act_layer=act_layer)
        self.head = nn.Linear(width, 2)

    def forward(self, x):
        return self.head(self.block(x))


Network = Netw = Net
"""

MAIN = """\
import torch.nn as nn

from nets import Netw

model = Netw(act_layer=nn.Tanh)
"""


def _block_fc(tmp_path: Path, files: dict):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return next(layer for layer in models[str(tmp_path / "blocks.py")].layers if layer.name == "fc")


def _built(tmp_path: Path, code: str):
    torch = pytest.importorskip("torch")
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        namespace: dict = {}
        exec(code, namespace)
        return torch, namespace["model"]
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]


def test_a_model_named_by_chained_aliases_is_built_with_its_defaults(tmp_path):
    fc = _block_fc(tmp_path, {"blocks.py": BLOCKS, "nets.py": NETS})
    assert (fc.activation, fc.init) == ("relu", "default"), fc.activation_evidence
    torch, model = _built(tmp_path, "from nets import Network\nmodel = Network()\n")
    assert type(model.block.act) is torch.nn.ReLU


def test_a_construction_under_a_chained_alias_is_one_of_the_class(tmp_path):
    fc = _block_fc(tmp_path, {"blocks.py": BLOCKS, "nets.py": NETS, "main.py": MAIN})
    assert fc.activation == "tanh", fc.activation_evidence
    torch, model = _built(tmp_path, MAIN)
    assert type(model.block.act) is torch.nn.Tanh
