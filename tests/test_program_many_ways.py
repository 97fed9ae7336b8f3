"""A block built by many blocks, themselves built by many models (a UNet's resnet block, built by
every down, mid and up block of every model of the library): the ways up from it to a root are
more than the program stage follows one by one, but most run the same routines (here none). Ways
that run the same routines decide the layer's init alike: counted once, the block's layer is on
torch's default where nothing re-initialises it, and stays unknown where one way does and the
others do not. Checked with torch: the weights built are the default draw."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

BLOCK = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))
"""

WAYS = 9  # stages x models = 81 ways up from Block: more than MAX_CHAINS (64) of them


def _stages() -> str:
    out = ["import torch.nn as nn", "", "from block import Block", ""]
    for k in range(WAYS):
        out += ["", f"class Stage{k}(nn.Module):", "    def __init__(self, width):", "        super().__init__()",
                f"        self.blocks = nn.Sequential(*[Block(width) for _ in range({k % 3 + 1})])", "",
                "    def forward(self, x):", "        return self.blocks(x)", ""]
    return "\n".join(out)


def _models(reinit_last: bool) -> str:
    out = ["import torch", "import torch.nn as nn", "",
           f"from stages import {', '.join(f'Stage{k}' for k in range(WAYS))}", "", "",
           "def init_linear(module):", "    if isinstance(module, nn.Linear):",
           "        nn.init.kaiming_normal_(module.weight, nonlinearity='relu')", ""]
    for m in range(WAYS):
        out += ["", f"class Model{m}(nn.Module):", "    def __init__(self, width=64):", "        super().__init__()"]
        out += [f"        self.stage{k} = Stage{k}(width)" for k in range(WAYS)]
        out += ["        self.head = nn.Linear(width, 10)"]
        if reinit_last and m == WAYS - 1:
            out += ["        self.apply(init_linear)"]
        out += ["", "    def forward(self, x):"]
        out += [f"        x = self.stage{k}(x)" for k in range(WAYS)]
        out += ["        return self.head(x)", ""]
    return "\n".join(out)


def _program(tmp_path: Path, reinit_last: bool) -> dict:
    files = {"block.py": BLOCK, "stages.py": _stages(), "models.py": _models(reinit_last)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}


def _block_fc(models: dict):
    return next(layer for layer in models["block.py"].layers if layer.class_name == "Block" and layer.name == "fc")


def test_ways_up_that_run_the_same_routines_count_once(tmp_path):
    row = _block_fc(_program(tmp_path, reinit_last=False))
    assert (row.activation, row.init) == ("relu", "default"), row.init_evidence
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import models  # noqa: PLC0415 - the case's own module, from tmp_path

        with torch.no_grad():
            report = verify(models.Model0().eval(), torch.randn(2, 64), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    blocks = [r for r in report.layers if r.layer.endswith(".fc")]
    assert blocks and all((r.activation, r.init) == ("relu", "default") for r in blocks), [
        (r.layer, r.activation, r.init) for r in blocks]


def test_one_way_of_many_that_re_initialises_leaves_it_unknown(tmp_path):
    row = _block_fc(_program(tmp_path, reinit_last=True))
    assert row.init == "unknown", row.init_evidence
