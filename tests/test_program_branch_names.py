"""Two branches of a constructor build different layers under one name (timm's ConvNeXt: `self.stem =
nn.Sequential(conv, norm)` for a patch stem, else `nn.Sequential(conv, act, conv, norm)`: `stem.0`
either way). A run of the class at one construction (an entry point's, a use's) says what follows the
layers it built; a layer it did not build is not judged by another branch's layer of the same name.
Before, `net_atto()`, which builds the patch stem, was said to meet the other stem's GELU."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

from test_program import write_tree

MODEL = """from torch import nn


class Net(nn.Module):
    def __init__(self, stem_type='patch', act_layer=nn.GELU, norm_layer=nn.BatchNorm2d):
        super().__init__()
        if stem_type == 'patch':
            self.stem = nn.Sequential(
                nn.Conv2d(3, 8, kernel_size=4, stride=4),
                norm_layer(8),
            )
        else:
            self.stem = nn.Sequential(
                nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1),
                act_layer(),
                nn.Conv2d(8, 8, kernel_size=3, stride=2, padding=1),
                norm_layer(8),
            )
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.stem(x).mean((2, 3)))


def net_atto():
    return Net()


def net_ols():
    return Net(stem_type='overlap_act')
"""


def test_a_layer_of_another_branch_does_not_judge_one_of_the_same_name(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"model.py": MODEL})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, errors, _ = analyze_program(sources)
    assert not errors, errors
    rows = models[str(root / "model.py")].layers
    by_line = {}
    for row in rows:
        by_line.setdefault(row.line, []).append(row)
    patch = [row for row in rows if row.line == 9]
    assert [row.activation for row in patch] == ["none"], [(r.name, r.activation) for r in patch]
    at_atto = [row for row in by_line.get(26, []) if row.activation != "unknown"]  # net_atto's call
    assert all(row.activation == "none" for row in at_atto), [(r.name, r.activation, r.activation_evidence) for r in at_atto]
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        sys.modules.pop("model", None)
        model = importlib.import_module("model")
        atto, ols = model.net_atto(), model.net_ols()
    finally:
        sys.path[:] = saved
        sys.modules.pop("model", None)
    assert isinstance(atto.stem[1], torch.nn.BatchNorm2d) and len(atto.stem) == 2  # the patch conv meets a norm
    assert isinstance(ols.stem[1], torch.nn.GELU)
