"""Wrapper modules handed the module they run (lucidrains' `Residual(fn)`, `PreNorm(dim, fn)`:
`self.fn = fn`, then `self.fn(x) + x` in forward): each construction is judged with the module it
was handed, so what goes into the wrapper meets that module's first layers, and what that module
returns meets what the wrapper and its users do next. Before, the wrapper's input went "into a
module from parameter fn" (unknown) for every construction. A wrapper that builds layers of its own
is not judged so (a copy of its layers would have no row). Each claim is checked against torch
building and running the same modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

WRAPPED = '''import torch
from torch import nn


class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x, **kwargs):
        return self.fn(x, **kwargs) + x


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class Activated(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return torch.tanh(self.fn(x))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):
        return self.net(x)


class Net(nn.Module):
    def __init__(self, dim=8, depth=2):
        super().__init__()
        self.embed = nn.Linear(4, dim)
        self.layers = nn.ModuleList([])
        for _ in range(depth):
            self.layers.append(nn.ModuleList([
                Residual(PreNorm(dim, FeedForward(dim, 16))),
                Residual(nn.Linear(dim, dim)),
            ]))
        self.squash = Activated(nn.Linear(dim, dim))
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        x = self.embed(x)
        for ff, mix in self.layers:
            x = ff(x)
            x = mix(x)
        return self.head(self.squash(x))
'''


def _traced(model) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 5, 4), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def _rows(tmp_path: Path, source: str) -> dict:
    models = _program(tmp_path, {"wrapped.py": source})
    return {(row.class_name, row.name, row.line): row for row in models["wrapped.py"].layers}


def _line(source: str, needle: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if needle in line)


def test_a_wrapper_is_judged_with_the_module_it_was_handed(tmp_path: Path) -> None:
    rows = {(c, l): row.activation for (c, n, l), row in _rows(tmp_path, WRAPPED).items()}
    embed = rows[("Net", _line(WRAPPED, "self.embed ="))]
    mix = rows[("Net", _line(WRAPPED, "Residual(nn.Linear(dim, dim))"))]
    squash = rows[("Net", _line(WRAPPED, "self.squash ="))]
    assert embed == "none"  # into PreNorm's LayerNorm, then FeedForward's first Linear
    assert mix == "none"  # its output is added to x and goes into the next block's norm, or the tanh wrapper
    assert squash == "tanh"  # Activated runs torch.tanh on what the Linear it holds returns
    with _importable(tmp_path) as load:
        runtime = _traced(load("wrapped").Net())
    assert runtime["embed"] == embed and runtime["squash.fn"] == squash
    assert runtime["layers.0.1.fn"] == runtime["layers.1.1.fn"] == mix


def test_a_wrapper_with_layers_of_its_own_stays_class_wide(tmp_path: Path) -> None:
    """Activated with a Linear of its own: not judged per construction; the handed Linear's input
    side stays what the class-wide summary says (unknown)."""
    source = WRAPPED.replace('''        self.fn = fn

    def forward(self, x):
        return torch.tanh(self.fn(x))''', '''        self.fn = fn
        self.gate = nn.Linear(8, 8)

    def forward(self, x):
        return torch.tanh(self.fn(x)) * self.gate(x)''')
    assert source != WRAPPED
    rows = {(c, l): row.activation for (c, n, l), row in _rows(tmp_path, source).items()}
    assert rows[("Net", _line(source, "Residual(nn.Linear(dim, dim))"))] == "unknown"
