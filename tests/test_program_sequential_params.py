"""An nn.Sequential subclass runs every module registered on it, in order, attributes included:
`self.act = act` with a module its callers pass runs after the conv. Before, a constructor's
parameter held as it is was never taken for a module, and the conv was read as feeding what
follows the block (a wrong claim: torch runs the Tanh). A parameter that surely holds no module
(annotated `int`, or passed to a torch layer's constructor) is still no module, nor is a number
computed from such values (`stride * 2`, `math.sqrt(cout)`), nor a list or dict attribute (not a
submodule; before, these made the last layer unknown). Each claim is
checked against torch building and running the same modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

BLOCK = '''import math

import torch.nn as nn


class Block(nn.Sequential):
    def __init__(self, cin, cout, act, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.act = act
        self.out_channels = cout
        self.stride = stride


class Plain(nn.Sequential):
    def __init__(self, cin, cout, stride: int = 1):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, stride=stride), nn.BatchNorm2d(cout))
        self.out_channels = cout
        self.stride = stride
        self.reduction = stride * 2
        self.scale = math.sqrt(cout)
        self.info = dict(num_chs=cout, reduction=stride)
        self.names = [f"c{i}" for i in range(3)]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(3, 8, nn.Tanh())
        self.plain = Plain(8, 8)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.plain(self.block(x)).mean((2, 3)))
'''


def _traced(model) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def test_a_parameter_held_by_a_sequential_may_be_a_module_it_runs(tmp_path: Path) -> None:
    models = _program(tmp_path, {"seqnet.py": BLOCK})
    claims = {(row.class_name, row.name): row.activation for row in models["seqnet.py"].layers}
    assert claims[("Block", "conv")] == "unknown"  # the caller's module runs after it
    assert claims[("Plain", "0")] == "none"  # sizes, numbers, a dict and a list: BatchNorm2d, then fc
    with _importable(tmp_path) as load:
        runtime = _traced(load("seqnet").Net())
    assert runtime["block.conv"] == "tanh" and runtime["plain.0"] == "none"


def test_a_value_of_a_call_not_read_may_still_be_a_module(tmp_path: Path) -> None:
    source = BLOCK.replace("        self.scale = math.sqrt(cout)\n", "        self.scale = make_scale(cout)\n").replace(
        "import math\n", "import math\n\nfrom elsewhere import make_scale\n")
    assert source != BLOCK
    models = _program(tmp_path, {"seqnet.py": source})
    claims = {(row.class_name, row.name): row.activation for row in models["seqnet.py"].layers}
    assert claims[("Plain", "0")] == "unknown"


MIXED = '''import torch
from torch import nn


def _split_channels(num_chan, num_groups):
    split = [num_chan // num_groups for _ in range(num_groups)]
    split[0] += num_chan - sum(split)
    return split


class MixedConv2d(nn.ModuleDict):
    def __init__(self, in_channels, out_channels, kernel_size=(3, 5)):
        super().__init__()
        in_splits = _split_channels(in_channels, len(kernel_size))
        out_splits = _split_channels(out_channels, len(kernel_size))
        self.in_channels = sum(in_splits)
        self.out_channels = sum(out_splits)
        for idx, (k, in_ch, out_ch) in enumerate(zip(kernel_size, in_splits, out_splits)):
            self.add_module(str(idx), nn.Conv2d(in_ch, out_ch, k, padding=k // 2))
        self.splits = in_splits

    def forward(self, x):
        x_split = torch.split(x, self.splits, 1)
        x_out = [c(x_split[i]) for i, c in enumerate(self.values())]
        return torch.cat(x_out, 1)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.mixed = MixedConv2d(8, 8)
        self.act = nn.ReLU()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.act(self.mixed(self.stem(x))).mean((2, 3)))
'''


def test_a_module_dict_iterates_its_modules_not_its_numbers_or_lists(tmp_path: Path) -> None:
    """timm's MixedConv2d: `self.in_channels = sum(in_splits)` and `self.splits = in_splits` are no
    modules of the dict, so `self.values()` holds the convs only: the stem feeds a conv (before, the
    sum and the list made it unknown)."""
    models = _program(tmp_path, {"mixed.py": MIXED})
    claims = {(row.class_name, row.name): row.activation for row in models["mixed.py"].layers}
    assert claims[("Net", "stem")] == "none"
    with _importable(tmp_path) as load:
        runtime = _traced(load("mixed").Net())
    assert runtime["stem"] == "none"
