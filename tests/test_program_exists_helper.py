"""lucidrains' `exists(val)` helper (`def exists(val): return val is not None`) in a branch:
`nn.Identity() if not exists(activation) else activation()` is the `is None` test it wraps, decided
where the test on the parameter itself would be (cct's Tokenizer, built with `activation=nn.ReLU`).
Before, the call decided nothing and the conv was unknown. A helper that tests anything more is not
read so. Each claim is checked against torch building and running the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

NET = '''import torch
from torch import nn


def exists(val):
    return val is not None


class Tokenizer(nn.Module):
    def __init__(self, n_input_channels=3, n_output_channels=8, activation=None):
        super().__init__()
        self.conv_layers = nn.Sequential(
            nn.Conv2d(n_input_channels, n_output_channels, 3, padding=1),
            nn.Identity() if not exists(activation) else activation(),
            nn.MaxPool2d(2),
        )

    def forward(self, x):
        return self.conv_layers(x).flatten(2).transpose(1, 2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.tokenizer = Tokenizer(activation=nn.ReLU)
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(self.tokenizer(x).mean(1))
'''


def _claims(tmp_path: Path, source: str) -> dict:
    models = _program(tmp_path, {"tok.py": source})
    return {(row.class_name, row.name): row.activation for row in models["tok.py"].layers}


def test_an_exists_helper_decides_the_branch_its_test_would(tmp_path: Path) -> None:
    assert _claims(tmp_path, NET)[("Tokenizer", "conv_layers.0")] == "relu"
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with _importable(tmp_path) as load, torch.no_grad():
        layers = verify(load("tok").Net().eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False).layers
    assert {row.layer: row.activation for row in layers}["tokenizer.conv_layers.0"] == "relu"


def test_a_helper_testing_more_decides_nothing(tmp_path: Path) -> None:
    source = NET.replace("return val is not None", "return val is not None and val is not False")
    assert source != NET
    assert _claims(tmp_path, source)[("Tokenizer", "conv_layers.0")] == "unknown"
