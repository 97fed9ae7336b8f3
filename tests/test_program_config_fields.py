"""An activation read from a config object at its class's defaults (`ACTS[cfg.act]()`, `self.act =
nn.ReLU() if cfg.act == "relu" else nn.Tanh()`, with `act: str = "relu"` in a dataclass) is not that
default where the program builds the config passing the field (`Config(act="tanh")` in train.py),
or what may be it (a positional argument, `**`). Before, the layer was claimed ReLU, with an IL101,
while the program's only model is built with Tanh. Checked with torch."""

from __future__ import annotations

import pytest

from program_runs import analysed, traced

CONFIG = """from dataclasses import dataclass


@dataclass
class Config:
    width: int = 8
    act: str = "relu"
"""

MODEL = """import torch.nn as nn

from config import Config

ACTS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


class Net(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.fc = nn.Linear(cfg.width, cfg.width)
        self.act = ACTS[cfg.act]()
        self.gate = nn.Linear(cfg.width, cfg.width)
        self.gate_act = nn.ReLU() if cfg.act == "relu" else nn.Tanh()

    def forward(self, x):
        return self.gate_act(self.gate(self.act(self.fc(x))))
"""

TRAIN = """from config import Config
from model import Net

model = Net(Config({args}))
"""


def _rows(tmp_path, args: str) -> dict:
    files = {"config.py": CONFIG, "model.py": MODEL, "train.py": TRAIN.format(args=args)}
    return {row.name: row for row in analysed(tmp_path, files)[str(tmp_path / "model.py")].layers}


def _runtime(tmp_path) -> dict:
    return traced(tmp_path, "train", "model")


@pytest.mark.parametrize("args", ['act="tanh"', '8, "tanh"', '**{"act": "tanh"}'], ids=["keyword", "position", "spread"])
def test_a_config_built_with_another_field_leaves_the_layer_unclaimed(tmp_path, args):
    rows = _rows(tmp_path, args)
    assert _runtime(tmp_path) == {"fc": "tanh", "gate": "tanh"}
    for name in ("fc", "gate"):
        assert rows[name].activation == "unknown", (name, rows[name].activation, rows[name].activation_evidence)


def test_a_config_built_with_its_defaults_keeps_the_claim(tmp_path):
    rows = _rows(tmp_path, "width=8")
    assert _runtime(tmp_path) == {"fc": "relu", "gate": "relu"}
    for name in ("fc", "gate"):
        assert rows[name].activation == "relu", (name, rows[name].activation_evidence)


def test_a_field_set_after_construction_leaves_the_layer_unclaimed(tmp_path):
    """`cfg = Config(); cfg.act = "tanh"`: the field is no longer its default when Net reads it."""
    rows = _rows(tmp_path, "")
    (tmp_path / "train.py").write_text(
        "from config import Config\nfrom model import Net\n\ncfg = Config()\ncfg.act = \"tanh\"\nmodel = Net(cfg)\n",
        encoding="utf-8")
    assert _runtime(tmp_path) == {"fc": "tanh", "gate": "tanh"}
    files = {name: (tmp_path / name).read_text(encoding="utf-8") for name in ("config.py", "model.py", "train.py")}
    assert rows["fc"].activation == "relu"  # before the store
    for row in analysed(tmp_path, files)[str(tmp_path / "model.py")].layers:
        assert row.activation == "unknown", (row.name, row.activation_evidence)
