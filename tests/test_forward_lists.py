"""A list a forward fills in a loop over a ModuleList (coat's ConvRelPosEnc: `conv_v_img_list.append(conv(
v_img_list[i]))`, then `torch.cat`): the paths through the loop leave the list with different items, and
used whole each item goes where it goes. Before, the merged list was opaque and the convs' output was
"not followed anywhere". Checked against torch's trace."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from initlint.semantics.file import analyze

MODEL = """import torch
import torch.nn as nn


class Split(nn.Module):
    def __init__(self, splits):
        super().__init__()
        self.splits = splits
        self.conv_list = nn.ModuleList()
        for chs in splits:
            self.conv_list.append(nn.Conv2d(chs, chs, 3, padding=1, groups=chs))

    def forward(self, x):
        parts = torch.split(x, self.splits, dim=1)
        out = []
        for i, conv in enumerate(self.conv_list):
            out.append(conv(parts[i]))
        return torch.cat(out, dim=1).relu()


class Repeated(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.conv = nn.Conv2d(chs, chs, 3, padding=1)

    def forward(self, x):
        out = []
        for _ in range(2):
            out.append(self.conv(x))
        return torch.stack(out).mean(0).relu()
"""


def _rows() -> dict:
    return {(layer.class_name, layer.name): layer for layer in analyze(MODEL, "lists.py").layers}


def test_a_list_filled_in_a_loop_is_followed_when_used_whole() -> None:
    rows = _rows()
    convs = rows[("Split", "conv_list.*")]
    assert (convs.activation, convs.activation_evidence) == ("none", "goes into torch `cat`")
    assert rows[("Repeated", "conv")].activation == "none"


def test_torch_traces_the_same(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    (tmp_path / "lists_model.py").write_text(MODEL, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("lists_model", tmp_path / "lists_model.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["lists_model"] = module
    try:
        spec.loader.exec_module(module)
        with torch.no_grad():
            split = verify(module.Split([2, 3, 3]).eval(), torch.randn(2, 8, 5, 5), method="hooks", static=False)
            repeated = verify(module.Repeated(4).eval(), torch.randn(2, 4, 5, 5), method="hooks", static=False)
    finally:
        del sys.modules["lists_model"]
    assert {row.layer: row.activation for row in split.layers} == {f"conv_list.{i}": "none" for i in range(3)}
    assert {row.layer: row.activation for row in repeated.layers} == {"conv": "none"}


GROWN = """import torch
import torch.nn as nn


class Res2(nn.Module):
    def __init__(self, c=8, scale=4):
        super().__init__()
        self.proj = nn.Conv2d(c, c, 1)
        self.convs = nn.ModuleList([nn.Conv2d(c // scale, c // scale, 3, padding=1) for _ in range(scale - 1)])
        self.head = nn.Conv2d(c, c, 1)

    def forward(self, x):
        spx = self.proj(x).chunk(len(self.convs) + 1, dim=1)
        spo = []
        sp = spx[0]
        for i, conv in enumerate(self.convs):
            if i > 0:
                sp = sp + spx[i]
            sp = conv(sp)
            spo.append(sp)
        spo.append(spx[-1])
        return self.head(torch.cat(spo, 1)).relu()
"""


def test_a_list_a_loop_filled_grows_after_it(tmp_path: Path) -> None:
    """EdgeNeXt's SplitTransposeBlock: `spo.append(spx[-1])` after the loop that appended each conv's
    output; the list the loop leaves is one of several (it may run any number of times), each grown
    by the last part. Before, "`spo.append`" took the part (and the proj before it) for unknown."""
    rows = {layer.name: layer for layer in analyze(GROWN, "grown.py").layers}
    assert (rows["proj"].activation, rows["convs.*"].activation) == ("none", "none"), (
        rows["proj"].activation_evidence, rows["convs.*"].activation_evidence)
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    (tmp_path / "grown_model.py").write_text(GROWN, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("grown_model", tmp_path / "grown_model.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["grown_model"] = module
    try:
        spec.loader.exec_module(module)
        with torch.no_grad():
            traced = verify(module.Res2().eval(), torch.randn(2, 8, 5, 5), method="hooks", static=False)
    finally:
        del sys.modules["grown_model"]
    assert {row.layer: row.activation for row in traced.layers if row.layer != "head"} == {
        "proj": "none", **{f"convs.{i}": "none" for i in range(3)}}
