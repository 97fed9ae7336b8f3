"""Inits that loop over parameters, not modules: `for p in self.parameters(): if p.dim() > 1:
nn.init.xavier_uniform_(p)` (the Annotated Transformer's idiom) and diffusers' `zero_module(conv)`
(`for p in module.parameters(): nn.init.zeros_(p)`). Before, neither was read: the layers were
claimed to keep the default init, with IL101 findings on layers the model re-draws. Each claim is
checked against torch building the model."""

from __future__ import annotations

import math

import pytest

from initlint.semantics.file import analyze

WIDTH = 64
SOURCE = f"""import torch.nn as nn


class WeightsByShape(nn.Module):
    def __init__(self, width={WIDTH}):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.out = nn.Linear(width, 2)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, x):
        return self.out(self.fc(x).relu())


class WeightsByName(nn.Module):
    def __init__(self, width={WIDTH}):
        super().__init__()
        self.fc = nn.Linear(width, width)
        for name, p in self.named_parameters():
            if "weight" in name:
                nn.init.orthogonal_(p)
            else:
                nn.init.zeros_(p)

    def forward(self, x):
        return self.fc(x).relu()


class BuiltAfterTheLoop(nn.Module):
    def __init__(self, width={WIDTH}):
        super().__init__()
        self.fc = nn.Linear(width, width)
        for p in self.parameters():
            nn.init.normal_(p, std=0.01)
        self.late = nn.Linear(width, width)

    def forward(self, x):
        return self.late(self.fc(x)).relu()


class SomeParameters(nn.Module):
    def __init__(self, width={WIDTH}, frozen=()):
        super().__init__()
        self.fc = nn.Linear(width, width)
        for name, p in self.named_parameters():
            if name in frozen:
                nn.init.zeros_(p)

    def forward(self, x):
        return self.fc(x).relu()


def zero_module(module):
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ZeroOut(nn.Module):
    def __init__(self, width={WIDTH}):
        super().__init__()
        self.fc = nn.Linear(width, width)
        self.out = zero_module(nn.Linear(width, 2))

    def forward(self, x):
        return self.out(self.fc(x).relu())
"""


def _rows() -> dict:
    return {(layer.class_name, layer.name): layer for layer in analyze(SOURCE, "model.py").layers}


def _built(name: str):
    torch = pytest.importorskip("torch")
    namespace: dict = {"__name__": "parameter_loops"}
    exec(compile(SOURCE, "model.py", "exec"), namespace)
    torch.manual_seed(0)
    return namespace[name]()


def test_a_loop_over_the_weights_is_their_init() -> None:
    rows = _rows()
    for key, function in [(("WeightsByShape", "fc"), "xavier_uniform_"), (("WeightsByShape", "out"), "xavier_uniform_"),
                          (("WeightsByName", "fc"), "orthogonal_")]:  # fmt: skip
        assert rows[key].init == "explicit" and function in rows[key].init_call.text, (key, rows[key].init_evidence)
    model = _built("WeightsByShape")
    assert abs(model.fc.weight.std().item() - math.sqrt(2 / (2 * WIDTH))) < 0.01, "xavier drew it"
    weight = _built("WeightsByName").fc.weight
    assert abs((weight @ weight.T).diagonal().mean().item() - 1) < 1e-4, "orthogonal drew it"


def test_a_layer_built_after_the_loop_keeps_the_default() -> None:
    rows = _rows()
    assert rows[("BuiltAfterTheLoop", "fc")].init == "explicit"
    assert rows[("BuiltAfterTheLoop", "late")].init == "default"
    model = _built("BuiltAfterTheLoop")
    assert abs(model.fc.weight.std().item() - 0.01) < 0.002
    assert model.late.weight.abs().max().item() <= 1 / math.sqrt(WIDTH)


def test_a_test_not_decided_here_leaves_it_unknown() -> None:
    assert _rows()[("SomeParameters", "fc")].init == "unknown"


def test_zero_module_draws_the_layer_it_is_handed() -> None:
    rows = _rows()
    assert rows[("ZeroOut", "out")].init == "explicit" and "zeros_" in rows[("ZeroOut", "out")].init_call.text
    assert rows[("ZeroOut", "fc")].init == "default"
    model = _built("ZeroOut")
    assert model.out.weight.abs().max().item() == 0.0


REPARAMETRISED = """import torch.nn as nn
import torch.nn.utils.parametrize as parametrize
from torch.nn.utils import spectral_norm


class L2Norm(nn.Module):
    def forward(self, t):
        return t / t.norm(dim=-1, keepdim=True)


class NormLinear(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.linear = nn.Linear(width, width, bias=False)
        parametrize.register_parametrization(self.linear, "weight", L2Norm())

    def forward(self, x):
        return self.linear(x).relu()


class Spectral(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.fc = spectral_norm(nn.Linear(width, width))

    def forward(self, x):
        return self.fc(x).relu()
"""


def test_a_reparametrised_weight_is_not_the_default() -> None:
    # vit-pytorch's normalized_vit: the weight torch uses is the drawn one normalised on each access
    rows = {layer.class_name: layer for layer in analyze(REPARAMETRISED, "model.py").layers}
    assert rows["NormLinear"].init == "unknown" and "register_parametrization" in rows["NormLinear"].init_evidence
    assert rows["Spectral"].init == "unknown"
    torch = pytest.importorskip("torch")
    namespace: dict = {"__name__": "reparametrised"}
    exec(compile(REPARAMETRISED, "model.py", "exec"), namespace)
    torch.manual_seed(0)
    weight = namespace["NormLinear"]().linear.weight
    assert torch.allclose(weight.norm(dim=-1), torch.ones(64)), "each row normalised: not U(-1/8, 1/8)"
