"""Layer drop (cait, xcit: `layers = dropout_layers(self.layers, dropout)`, a function returning the
list itself or `[layer for (layer, drop) in zip(layers, to_drop) if not drop]`): a loop over what it
returns runs some of the list's modules in their order, as a loop over the list itself does (that
loop already allows any number of passes). Before, the returned value was not a module list and
every block's input and output were unknown. A function that reorders or adds to the list is not
read so. Each claim is checked against torch building and running the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

NET = '''from random import randrange

import torch
from torch import nn


def dropout_layers(layers, dropout):
    if dropout == 0:
        return layers
    num_layers = len(layers)
    to_drop = torch.zeros(num_layers).uniform_(0., 1.) < dropout
    if all(to_drop):
        rand_index = randrange(num_layers)
        to_drop[rand_index] = False
    layers = [layer for (layer, drop) in zip(layers, to_drop) if not drop]
    return layers


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x):
        return self.net(x)


class Mixer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        return self.proj(self.norm(x))


class Transformer(nn.Module):
    def __init__(self, dim, depth, layer_dropout=0.):
        super().__init__()
        self.layers = nn.ModuleList([])
        self.layer_dropout = layer_dropout
        for _ in range(depth):
            self.layers.append(nn.ModuleList([Mixer(dim), FeedForward(dim, 2 * dim)]))

    def forward(self, x):
        layers = dropout_layers(self.layers, dropout=self.layer_dropout)
        for mix, ff in layers:
            x = mix(x) + x
            x = ff(x) + x
        return x


class Net(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.embed = nn.Linear(4, dim)
        self.transformer = Transformer(dim, 2, layer_dropout=0.1)
        self.head = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 3))

    def forward(self, x):
        return self.head(self.transformer(self.embed(x)).mean(1))
'''


def _claims(tmp_path: Path, source: str) -> dict:
    models = _program(tmp_path, {"drop.py": source})
    return {(row.class_name, row.name): row.activation for row in models["drop.py"].layers}


def test_a_loop_over_the_layers_a_layer_drop_keeps(tmp_path: Path) -> None:
    claims = _claims(tmp_path, NET)
    assert claims[("Net", "embed")] == claims[("Mixer", "proj")] == claims[("FeedForward", "net.3")] == "none"
    assert claims[("FeedForward", "net.1")] == "gelu"
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with _importable(tmp_path) as load, torch.no_grad():
        model = load("drop").Net()
        layers = verify(model.eval(), torch.randn(2, 5, 4), method="hooks", static=False).layers
    runtime = {row.layer: row.activation for row in layers}
    assert runtime["embed"] == "none" and runtime["transformer.layers.1.1.net.3"] == "none"
    assert runtime["transformer.layers.0.0.proj"] == "none" and runtime["transformer.layers.0.1.net.1"] == "gelu"


@pytest.mark.parametrize("change", [
    ("    layers = [layer for (layer, drop) in zip(layers, to_drop) if not drop]\n", "    layers = list(reversed(layers))\n"),
    ("        return layers\n    num_layers", "        return [*layers, nn.Tanh()]\n    num_layers"),
])
def test_a_function_that_reorders_or_adds_is_not_read_so(tmp_path: Path, change) -> None:
    source = NET.replace(*change)
    assert source != NET
    assert _claims(tmp_path, source)[("Mixer", "proj")] == "unknown"
