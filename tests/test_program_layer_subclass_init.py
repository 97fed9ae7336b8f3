"""A layer class that initialises its own weight in its `__init__` (`class HeConv(nn.Conv2d)` running
`nn.init.kaiming_normal_(self.weight, ...)` after `super().__init__`), in the model's module or
another: its layers are explicitly initialised, as one overriding `reset_parameters` is. Before,
they were said to keep the default init, with an IL101 and a fix. Under a condition of that
constructor the init is not known to run: unknown. Checked with torch."""

from __future__ import annotations

import math

import pytest
from program_runs import analysed, built

LAYERS = """import torch.nn as nn


class HeConv(nn.Conv2d):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        nn.init.kaiming_normal_(self.weight, nonlinearity="relu")


class MaybeHeConv(nn.Conv2d):
    def __init__(self, *args, he=False, **kwargs):
        super().__init__(*args, **kwargs)
        if he:
            self.weight.data.normal_(0, 0.5)
"""

MODEL = """import torch
import torch.nn as nn

from layers import HeConv, MaybeHeConv


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = HeConv(3, 64, 3)
        self.maybe = MaybeHeConv(64, 8, 3)

    def forward(self, x):
        return torch.relu(self.maybe(torch.relu(self.conv(x))))
"""


@pytest.mark.parametrize("apart", [True, False], ids=["two-modules", "one-module"])
def test_a_layer_class_initialising_its_own_weight_is_explicit(tmp_path, apart):
    files = {"layers.py": LAYERS, "model.py": MODEL} if apart else {
        "model.py": MODEL.replace("from layers import HeConv, MaybeHeConv\n", "") + LAYERS.replace("import torch.nn as nn\n", "")}
    rows = {row.name: row for row in analysed(tmp_path, files)[str(tmp_path / "model.py")].layers}
    assert (rows["conv"].activation, rows["conv"].init) == ("relu", "explicit"), rows["conv"].init_evidence
    assert rows["maybe"].init == "unknown", rows["maybe"].init_evidence

    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = built(tmp_path, "model", "Net")
    he, default = math.sqrt(2 / 27), 1 / math.sqrt(3 * 27)
    std = net.conv.weight.std().item()
    assert abs(std - he) < 0.15 * he and abs(std - default) > 0.3 * default  # He's, not torch's default
