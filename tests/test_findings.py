"""Which findings initlint reports and how they read (issue 16): output heads judged at the model,
IL104 off by default, messages that are Python and render the fix options, the IL106 spelling,
and an impact figure that knows about norms."""

from __future__ import annotations

import textwrap

import pytest

from initlint import fixer
from initlint.analysis import analyze
from initlint.rules import run_rules, select_rules


def layers_of(source: str) -> dict:
    model = analyze(textwrap.dedent(source), "m.py")
    return {(layer.class_name, layer.name): layer for layer in model.layers}


def findings(source: str, select=None, options=None):
    source = textwrap.dedent(source)
    model = analyze(source, "m.py")
    found = run_rules(model, select_rules(select))
    unfixable = fixer.attach_fixes(found, model, options, source)
    for item in unfixable:
        item.finding.no_fix = item.reason
    return {(f.class_name, f.layer, f.code): f for f in found}


HEADS = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 16), nn.Tanh())

    def forward(self, z):
        out = self.net(z)
        return out.view(out.size(0), 1, 4, 4).permute(0, 1, 3, 2).squeeze(1)


class Sac(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.log_std = nn.Linear(8, 2)

    def forward(self, x):
        h = F.relu(self.fc(x))
        log_std = torch.tanh(self.log_std(h))
        return -5 + 0.5 * 7 * (log_std + 1)


class Td3(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(8, 2)

    def forward(self, x):
        return 2.0 * torch.tanh(self.l1(x))


class Gauss(nn.Module):
    def __init__(self):
        super().__init__()
        self.mu = nn.Linear(8, 2)
        self.log_std = nn.Linear(8, 2)

    def forward(self, x):
        std = torch.exp(torch.tanh(self.log_std(x)).clamp(-20, 2))
        return torch.distributions.Normal(torch.tanh(self.mu(x)), std)
"""


@pytest.mark.parametrize(
    "key",
    [("Gen", "net.2"), ("Sac", "log_std"), ("Td3", "l1"), ("Gauss", "mu"), ("Gauss", "log_std")],
)
def test_heads_through_reshapes_and_affine_rescales_are_heads_and_never_fixed(key):
    assert layers_of(HEADS)[key].output_head
    finding = findings(HEADS)[key + ("IL103",)]
    assert finding.fix is None
    assert "output head" in finding.message and "output head" in finding.no_fix


def test_layers_inside_the_heads_models_are_still_fixed():
    found = findings(HEADS)
    assert found[("Gen", "net.0", "IL101")].fix is not None
    assert found[("Sac", "fc", "IL101")].fix is not None


BLOCKS = """
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.block(x))


class Both(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.tanh(self.fc(x))
        return self.out(h), h


class Returned(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return self.block(x).flatten(1) * 3
"""


def test_a_tanh_that_feeds_another_layer_is_not_a_head():
    layers = layers_of(BLOCKS)
    assert not layers[("Both", "fc")].output_head  # returned too, but it feeds `out`
    found = findings(BLOCKS)
    assert found[("Both", "fc", "IL103")].fix is not None
    assert "output head" not in found[("Both", "fc", "IL103")].message


def test_a_blocks_tanh_is_judged_at_the_top_level_model():
    """Block's tanh feeds Model's `out` (not a head there), but Returned returns it: a head."""
    layers = layers_of(BLOCKS)
    assert layers[("Block", "fc")].output_head
    only_model = BLOCKS.split("class Returned")[0]
    assert not layers_of(only_model)[("Block", "fc")].output_head
    assert findings(only_model)[("Block", "fc", "IL103")].fix is not None


GATES = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(8, 8)
        self.t = nn.Linear(8, 8)

    def forward(self, x, h):
        h = (1 - torch.sigmoid(x)) * h
        return x * torch.sigmoid(self.g(x)) + h * torch.tanh(self.t(x)).clamp(min=h)
"""


def test_a_gate_that_multiplies_a_signal_is_not_a_head():
    layers = layers_of(GATES)
    assert not layers[("Gate", "g")].output_head and not layers[("Gate", "t")].output_head
    assert findings(GATES)[("Gate", "t", "IL103")].fix is not None
