"""A block built out of the model's own sight: by a builder object's method (timm's
EfficientNetBuilder) or by a free function of another module the model calls (`make_blocks()`).
Before, such a construction counted as a root of the program, a model its users build, so the
block's convs were "default" although the model re-draws every conv after building them (timm:
185 layers of efficientnet/mobilenet claimed default, all rewritten at run time). Now a free
function's callers build what it builds, and a builder's receiver, not followed, leaves it unknown.
Each claim is checked against torch building the model."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program

from test_program import write_tree

BLOCKS = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.conv = nn.Conv2d(chs, chs, 3, padding=1)

    def forward(self, x):
        return self.conv(x).relu()
"""

BUILDER = """from blocks import Block


class Builder:
    def __init__(self, chs):
        self.chs = chs

    def __call__(self, depth):
        return [self._make_block() for _ in range(depth)]

    def _make_block(self):
        block = Block(self.chs)
        return block
"""

HELPERS = """import torch.nn as nn

from blocks import Block


def make_blocks(chs, depth):
    layers = []
    for _ in range(depth):
        layers.append(Block(chs))
    return nn.Sequential(*layers)


def spare_blocks(chs):
    return nn.Sequential(Block(chs), Block(chs))
"""

NET = """import torch.nn as nn

from {module} import {name}


class Net(nn.Module):
    def __init__(self, chs=16, depth=2):
        super().__init__()
        self.blocks = {build}
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, std=0.01)

    def forward(self, x):
        return self.blocks(x)
"""

BY_BUILDER = NET.format(module="builder", name="Builder", build="nn.Sequential(*Builder(chs)(depth))")
BY_FUNCTION = NET.format(module="helpers", name="make_blocks", build="make_blocks(chs, depth)")
TRAIN = "from net import Net\n\nmodel = Net()\n"


def _conv(root: Path):
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    return next(l for path, model in models.items() if path.endswith("blocks.py") for l in model.layers)


def _findings(root: Path) -> list:
    results = api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False))
    return [(Path(r.path).name, f.code) for r in results for f in r.findings]


def _located(root: Path) -> list:
    results = api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False))
    return [(Path(r.path).name, f.code, f.line) for r in results for f in r.findings]


def _run(root: Path, script: str) -> dict:
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        return runpy.run_path(str(root / script))
    finally:
        sys.path[:] = saved
        for name in ("blocks", "builder", "helpers", "net", "factory"):
            sys.modules.pop(name, None)


def test_a_block_a_builder_object_makes_is_not_claimed_default(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "builder.py": BUILDER, "net.py": BY_BUILDER, "train.py": TRAIN})
    conv = _conv(root)
    assert conv.init == "unknown" and "builder.py:12" in conv.init_evidence, conv.init_evidence
    assert ("blocks.py", "IL101") not in _findings(root)
    torch.manual_seed(0)
    assert abs(_run(root, "train.py")["model"].blocks[0].conv.weight.std().item() - 0.01) < 0.002


def test_a_free_functions_callers_build_what_it_builds(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "helpers.py": HELPERS, "net.py": BY_FUNCTION, "train.py": TRAIN})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    at_uses = {l.line: l for path, model in models.items() if path.endswith("helpers.py") for l in model.layers}
    # judged at each construction: make_blocks() is called by Net, whose routine runs last;
    # spare_blocks() nobody here calls: its users build the blocks, on the default
    assert at_uses[9].init == "explicit" and "std=0.01" in at_uses[9].init_call.text, at_uses[9].init_evidence
    assert at_uses[14].init == "default", at_uses[14].init_evidence
    assert sorted(line for _, code, line in _located(root) if code == "IL101") == [14, 14]
    torch.manual_seed(0)
    assert abs(_run(root, "train.py")["model"].blocks[0].conv.weight.std().item() - 0.01) < 0.002


def test_only_through_the_called_function_the_routine_decides(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    helpers = HELPERS[: HELPERS.index("\n\ndef spare_blocks")] + "\n"
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "helpers.py": helpers, "net.py": BY_FUNCTION, "train.py": TRAIN})
    conv = _conv(root)
    assert conv.init == "explicit" and "std=0.01" in conv.init_call.text, conv.init_evidence
    torch.manual_seed(0)
    assert abs(_run(root, "train.py")["model"].blocks[0].conv.weight.std().item() - 0.01) < 0.002


def test_a_function_nothing_in_the_program_calls_builds_for_its_users(tmp_path: Path) -> None:
    # spare_blocks() alone: its users build the blocks, with nothing after: the default, flagged
    torch = pytest.importorskip("torch")
    helpers = HELPERS.replace("def make_blocks", "def _unused").replace("layers.append(Block(chs))", "layers.append(chs)")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "helpers.py": helpers,
                                 "use.py": "from helpers import spare_blocks\n\nmodel = spare_blocks(16)\n"})  # fmt: skip
    conv = _conv(root)
    assert conv.init == "default", conv.init_evidence
    assert ("blocks.py", "IL101") in _findings(root)
    torch.manual_seed(0)
    assert _run(root, "use.py")["model"][0].conv.weight.abs().max().item() <= 1 / (16 * 9) ** 0.5


FACTORY = """import torch.nn as nn


def make_conv(chs):
    return nn.Conv2d(chs, chs, 3, padding=1)
"""

FACTORY_BLOCKS = """import torch.nn as nn

from factory import make_conv


class Block(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.conv = make_conv(chs)

    def forward(self, x):
        return self.conv(x).relu()
"""

FACTORY_NET = """import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self, chs=16):
        super().__init__()
        self.blocks = nn.Sequential(Block(chs), Block(chs))
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, std=0.01)

    def forward(self, x):
        return self.blocks(x)
"""


def test_a_layer_a_factory_function_returns_gets_what_its_callers_run(tmp_path: Path) -> None:
    # timm's create_conv2d_pad: its row said "default" where every model using it re-draws the conv
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"factory.py": FACTORY, "blocks.py": FACTORY_BLOCKS, "net.py": FACTORY_NET, "train.py": TRAIN})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    conv = next(l for path, model in models.items() if path.endswith("factory.py") for l in model.layers)
    assert conv.init == "explicit" and "std=0.01" in conv.init_call.text, conv.init_evidence
    assert not [code for name, code in _findings(root) if code == "IL101"]
    torch.manual_seed(0)
    assert abs(_run(root, "train.py")["model"].blocks[0].conv.weight.std().item() - 0.01) < 0.002
