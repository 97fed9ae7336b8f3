"""What a function of another module returns, and a torch.autograd.Function's forward.

A helper of another module that returns one of its own classes (efficientnet_pytorch's
`Conv2d = get_same_padding_conv2d(image_size)`) hands back that module's class, not a class of
the caller's module that happens to share its name. `Fn.apply(x)`, Fn a torch.autograd.Function
of the program (efficientnet_pytorch's MemoryEfficientSwish runs `SwishImplementation.apply`),
computes what its static `forward(ctx, ...)` does; its ctx's methods compute nothing. Each claim
is checked against torch running the code."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

from test_program import write_tree

BLOCKS = """from torch import nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.act = nn.GELU()

    def forward(self, x):
        return self.act(self.fc(x))


def block_class():
    return Block
"""

# model.py's own Block shares the name of the one block_class() returns; Net re-initialises every
# Linear it holds, the other module's Block.fc too
MODEL = """from torch import nn

from blocks import block_class


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        make = block_class()
        self.body = make(64)
        self.head = nn.Linear(64, 2)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        return self.head(self.body(x))
"""


def _rows(root: Path) -> dict:
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, errors, _ = analyze_program(sources)
    assert not errors, errors
    return {(Path(path).name, l.class_name, l.name): l for path, model in models.items() for l in model.layers}


def _imported(root: Path, name: str):
    """Module `name` of the tree, imported fresh; the tree's modules left out of sys.modules after
    (other tests import their own `model`)."""
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        for module in ("blocks", "utils", "model"):
            sys.modules.pop(module, None)
        return importlib.import_module(name)
    finally:
        sys.path[:] = saved
        for module in ("blocks", "utils", "model"):
            sys.modules.pop(module, None)


def test_a_class_another_modules_function_returns_is_that_modules_class(tmp_path: Path) -> None:
    """Before, `block_class()` gave `local:Block`, read in model.py as model.py's Block: blocks.py's
    Block.fc was claimed to keep the default init before its GELU (a wrong IL106), and model.py's
    Block.fc, built nowhere, re-initialised."""
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL})
    rows = _rows(root)
    theirs = rows[("blocks.py", "Block", "fc")]
    assert (theirs.activation, theirs.init) == ("gelu", "explicit"), theirs.init_evidence
    assert rows[("model.py", "Block", "fc")].init != "explicit"
    torch.manual_seed(0)
    net = _imported(root, "model").Net()
    assert type(net.body).__module__ == "blocks"
    assert abs(net.body.fc.weight.std().item() - (2 / 64) ** 0.5) < 0.02, "kaiming_normal_ rewrote it"


UTILS = """from functools import partial

import torch
from torch import nn


class SwishImplementation(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i * torch.sigmoid(i)
        ctx.save_for_backward(i)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        i = ctx.saved_tensors[0]
        s = torch.sigmoid(i)
        return grad_output * (s * (1 + i * (1 - s)))


class MemoryEfficientSwish(nn.Module):
    def forward(self, x):
        return SwishImplementation.apply(x)


class SamePaddingConv(nn.Conv2d):
    def forward(self, x):
        return super().forward(nn.functional.pad(x, [1, 1, 1, 1]))


def conv_class(image_size=None):
    if image_size is None:
        return SamePaddingConv
    return partial(SamePaddingConv, padding=0)
"""

NET = """import torch
from torch import nn

from utils import MemoryEfficientSwish, conv_class


class Doubled(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 2


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        Conv2d = conv_class()
        self.conv = Conv2d(3, 8, kernel_size=3)
        self.bn = nn.BatchNorm2d(8)
        self.swish = MemoryEfficientSwish()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        x = self.swish(self.bn(self.conv(x))).mean((2, 3))
        return self.out(Doubled.apply(self.fc(x)))
"""


def test_an_autograd_functions_forward_is_what_apply_computes(tmp_path: Path) -> None:
    """Before, `SwishImplementation.apply(x)` was an unknown call (and the conv, built by a class
    conv_class() returns from another module, had no row): the conv meets SiLU; `Doubled.apply`, a
    Function of the model's own module, scales (what follows it is the next layer's: none here)."""
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"utils.py": UTILS, "model.py": NET})
    rows = _rows(root)
    conv = rows[("model.py", "Net", "conv")]
    assert (conv.layer_type, conv.activation) == ("Conv2d", "silu"), conv
    assert rows[("model.py", "Net", "fc")].activation == "none"
    net = _imported(root, "model").Net()
    x = torch.randn(256)
    assert torch.allclose(net.swish(x), torch.nn.functional.silu(x), atol=1e-6)
    assert type(net.conv).__name__ == "SamePaddingConv" and net(torch.randn(1, 3, 8, 8)).shape == (1, 2)
