"""A helper that picks an activation by comparing its parameter with literals
(`def get_activation(name): if name == "relu": return nn.ReLU() ...`), called with a literal
written at the call (`get_activation("silu")`), builds that branch's activation: the call decides
the test. Called with a constructor's parameter (`get_activation(act)`), callers elsewhere may
pass another name: not decided there. Each claim is checked against torch building the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from initlint.program import analyze_program
from initlint.semantics.file import analyze

from test_program import write_tree

HELPERS = """import torch.nn as nn


def get_activation(name, inplace=False):
    if name == "relu":
        return nn.ReLU(inplace)
    elif name == "silu":
        return nn.SiLU(inplace)
    elif name == "tanh":
        return nn.Tanh()
    raise ValueError(name)


class Block(nn.Module):
    def __init__(self, width, act="relu"):
        super().__init__()
        self.conv = nn.Conv2d(width, width, 3, padding=1)
        self.act = get_activation(act)

    def forward(self, x):
        return x + self.act(self.conv(x))
"""

NET = """import torch.nn as nn

from helpers import Block, get_activation


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = get_activation("silu")
        self.out = nn.Linear(8, 8)
        self.out_act = get_activation(name="tanh", inplace=True)
        self.block = Block(8, act="silu")

    def forward(self, x):
        x = self.act(self.fc(x))
        return self.out_act(self.out(x))
"""


def test_a_literal_passed_to_a_helper_decides_its_branches(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"helpers.py": HELPERS, "net.py": NET})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, errors, _ = analyze_program(sources)
    assert not errors
    rows = {(Path(path).name, l.class_name, l.name): l for path, model in models.items() for l in model.layers}
    assert rows[("net.py", "Net", "fc")].activation == "silu", rows[("net.py", "Net", "fc")].activation_evidence
    assert rows[("net.py", "Net", "out")].activation == "tanh", rows[("net.py", "Net", "out")].activation_evidence
    # Block's own parameter: its callers pass other names (net.py passes "silu"), so never its default's ReLU
    conv = rows[("helpers.py", "Block", "conv")]
    assert conv.activation != "relu", conv.activation_evidence
    import sys

    sys.path.insert(0, str(root))
    try:
        import net

        built = net.Net()
    finally:
        sys.path.remove(str(root))
        for name in ("net", "helpers"):
            sys.modules.pop(name, None)
    assert isinstance(built.act, torch.nn.SiLU) and isinstance(built.out_act, torch.nn.Tanh)
    assert isinstance(built.block.act, torch.nn.SiLU)


def test_a_parameter_default_does_not_decide_the_helpers_branches() -> None:
    """In the helper's own file, `get_activation(act)` with act="relu" by default: unknown."""
    model = analyze(HELPERS, "helpers.py")
    conv = next(l for l in model.layers if l.name == "conv")
    assert conv.activation == "unknown", conv.activation_evidence
