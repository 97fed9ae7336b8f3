"""A free function of another module that builds layers and decides their activation by a parameter
of its own (`def mlp(dims, use_tanh=False)`: `nn.Tanh() if use_tanh else nn.ReLU()`): the row at
the function's own line rests on that default, so a call elsewhere passing `use_tanh=True` leaves it
unknown (and no ReLU fix goes into the helper). Before, it claimed ReLU with a fix there, while the
program's only call builds Tanh. Checked with torch."""

from __future__ import annotations

from program_runs import analysed, traced

UTILS = """import torch.nn as nn


def mlp(dims, use_tanh=False):
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers.append(nn.Linear(a, b))
        layers.append(nn.Tanh() if use_tanh else nn.ReLU())
    return nn.Sequential(*layers)


def stack(dims, act="relu"):
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers.append(nn.Linear(a, b))
        if act == "relu":
            layers.append(nn.ReLU())
        else:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)
"""

MODEL = """import torch.nn as nn

from utils import mlp, stack


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = mlp([8, 8, 8]{flag})
        self.stack = stack([8, 8]{mode})
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.stack(self.mlp(x)))
"""


def _rows(tmp_path, flag: str, mode: str) -> dict:
    files = {"utils.py": UTILS, "model.py": MODEL.format(flag=flag, mode=mode)}
    return {layer.function: layer for layer in analysed(tmp_path, files)[str(tmp_path / "utils.py")].free_layers}



def test_a_call_passing_another_flag_leaves_the_helper_s_row_unknown(tmp_path):
    rows = _rows(tmp_path, ", use_tanh=True", ', act="tanh"')
    runtime = traced(tmp_path)
    assert runtime["mlp.0"] == runtime["stack.0"] == "tanh"
    for function in ("mlp", "stack"):
        assert rows[function].activation in ("unknown", "tanh"), (function, rows[function].activation_evidence)


def test_calls_keeping_the_defaults_keep_the_claim(tmp_path):
    rows = _rows(tmp_path, "", "")
    runtime = traced(tmp_path)
    assert runtime["mlp.0"] == runtime["stack.0"] == "relu"
    for function in ("mlp", "stack"):
        assert rows[function].activation in ("relu", "unknown"), (function, rows[function].activation_evidence)
    assert rows["mlp"].activation == "relu", rows["mlp"].activation_evidence
