"""A block's layers are followed by the same thing in every use, seen through the idioms real
models write between blocks (feature lists and `torch.cat`, activation checkpointing, a loop
that adds a module on every iteration but the last, module lists indexed or chosen per
config...). Each case is also built and traced with torch: every static claim must be the
activation the runtime sees after each layer it stands for."""

from __future__ import annotations

import textwrap

import pytest

from initlint.semantics.file import analyze

torch = pytest.importorskip("torch")
from initlint.runtime import verify  # noqa: E402


def static_rows(source: str) -> dict:
    model = analyze(textwrap.dedent(source), "model.py")
    return {(layer.class_name, layer.name): layer for layer in model.layers}


def runtime_rows(source: str, top: str, example) -> dict:
    """(class holding the layer, its attribute) -> {runtime activations of those layers}."""
    namespace: dict = {"__name__": "traced_case"}
    exec(compile(textwrap.dedent(source), "model.py", "exec"), namespace)
    model = namespace[top]().eval()
    report = verify(model, example, method="hooks", static=False)
    modules = dict(model.named_modules())
    out: dict = {}
    for row in report.layers:
        parent, _, attr = row.layer.rpartition(".")
        owner = type(modules[parent]).__name__ if parent else top
        out.setdefault((owner, attr), set()).add(row.activation)
    return out


def check(source: str, top: str, example, want: dict) -> None:
    """`want`: (class, layer) -> the static activation; every known static claim is checked against
    the runtime of the layers it stands for (as the runtime tables are)."""
    rows = static_rows(source)
    got = {key: rows[key].activation for key in want}
    assert got == want, {key: rows[key].activation_evidence for key in want}
    with torch.no_grad():
        traced = runtime_rows(source, top, example)
    for (owner, name), layer in rows.items():
        if layer.activation != "unknown" and (owner, name.rsplit(".", 1)[-1]) in traced:
            assert traced[(owner, name.rsplit(".", 1)[-1])] == {layer.activation}, (owner, name)


DENSE = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp


class Dense(nn.Module):
    def __init__(self, cin, growth=4, memory_efficient=False):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, growth, 1)
        self.conv2 = nn.Conv2d(growth, growth, 3, padding=1)
        self.memory_efficient = memory_efficient

    def bottleneck(self, inputs):
        return self.conv1(F.relu(self.norm(torch.cat(inputs, 1))))

    def checkpointed(self, inputs):
        def closure(*xs):
            return self.bottleneck(xs)

        return cp.checkpoint(closure, *inputs, use_reentrant=False)

    def forward(self, x):
        if isinstance(x, torch.Tensor):
            prev = [x]
        else:
            prev = x
        if self.memory_efficient:
            out = self.checkpointed(prev)
        else:
            out = self.bottleneck(prev)
        return self.conv2(F.relu(out))


class Block(nn.ModuleDict):
    def __init__(self, n, cin, growth=4):
        super().__init__()
        for i in range(n):
            self.add_module("dense%d" % i, Dense(cin + i * growth, growth))

    def forward(self, x):
        features = [x]
        for name, layer in self.items():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(cin, cout, 1)
        self.pool = nn.AvgPool2d(2)


class Net(nn.Module):
    def __init__(self, blocks=(2, 2, 2)):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
        width = 8
        for i, n in enumerate(blocks):
            self.features.add_module("block%d" % i, Block(n, width))
            width = width + n * 4
            if i != len(blocks) - 1:
                self.features.add_module("transition%d" % i, Transition(width, width // 2))
                width = width // 2
        self.features.add_module("norm", nn.BatchNorm2d(width))
        self.classifier = nn.Linear(width, 10)

    def forward(self, x):
        out = F.relu(self.features(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))
"""


def test_feature_lists_checkpointing_and_a_module_added_on_every_iteration_but_the_last():
    check(DENSE, "Net", torch.randn(1, 3, 8, 8), {
        ("Dense", "conv1"): "relu",
        ("Dense", "conv2"): "none",  # into the next layer's torch.cat, also through cp.checkpoint
        ("Transition", "conv"): "none",  # never the last module: F.relu after the loop is not its
    })  # fmt: skip


@pytest.mark.parametrize("condition", ["i < len(blocks) - 1", "i + 1 != len(blocks)", "len(blocks) - 1 > i"])
def test_every_iteration_but_the_last_is_read_in_its_usual_spellings(condition):
    source = DENSE.replace("if i != len(blocks) - 1:", f"if {condition}:")
    assert static_rows(source)[("Transition", "conv")].activation == "none"


def test_a_condition_that_does_hold_on_the_last_iteration_is_not_taken_for_one():
    source = DENSE.replace("if i != len(blocks) - 1:", "if i != len(blocks) - 2:")
    assert static_rows(source)[("Transition", "conv")].activation == "unknown"
