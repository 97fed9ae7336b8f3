"""A reusable block of another module, built inside a block of the entry point's module with what
that block's constructor was given (entries.py: `_passes_its_arguments_on`).

timm's vision transformers, ConvNeXt, MLP-Mixer and MetaFormer build `Mlp` (layers/mlp.py) inside
their own Block, `self.mlp = mlp_layer(..., act_layer=act_layer)`, the Block built by the model
through a value (`block_fn(...)`) with the `act_layer` each entry point chooses (`act_layer or
nn.GELU`). No listed construction of Block says what reaches Mlp; each entry point's run does: Mlp's
layers are judged once per entry point, at its call, and where the run does not know, nothing is
claimed. Each claim is checked against torch building the same models."""

from __future__ import annotations

from pathlib import Path

import pytest

from initlint.program import analyze_program
from test_program_passing import _importable

MLP = """import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, act_layer=nn.GELU, drop=0.0):
        super().__init__()
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_features, in_features)
        self.drop2 = nn.Dropout(drop)

    def forward(self, x):
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop1(x)
        x = self.fc2(x)
        x = self.drop2(x)
        return x
"""

LAYERS = """import torch
import torch.nn as nn


class LayerScale(nn.Module):
    def __init__(self, dim, init_values=1e-5, inplace=False):
        super().__init__()
        self.init_values = init_values
        self.inplace = inplace
        self.gamma = nn.Parameter(torch.empty(dim))
        self.reset_parameters()

    def reset_parameters(self):
        torch.nn.init.constant_(self.gamma, self.init_values)

    def forward(self, x):
        return x.mul_(self.gamma) if self.inplace else x * self.gamma
"""

NET = """import os

import torch.nn as nn

from layers import LayerScale
from mlp import Mlp


class Block(nn.Module):
    def __init__(self, dim, act_layer=nn.GELU, mlp_layer=Mlp, init_values=None):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mlp = mlp_layer(in_features=dim, hidden_features=dim * 4, act_layer=act_layer)
        self.ls = LayerScale(dim, init_values=init_values) if init_values else nn.Identity()

    def forward(self, x):
        return x + self.ls(self.mlp(self.norm(x)))


class Net(nn.Module):
    def __init__(self, dim=8, depth=2, act_layer=None, block_fn=Block, init_values=None):
        super().__init__()
        act_layer = act_layer or nn.GELU
        self.blocks = nn.Sequential(*[
            block_fn(dim=dim, act_layer=act_layer, init_values=init_values) for _ in range(depth)])
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.blocks(x))


def net_tiny():
    return Net(dim=8, depth=2)


def net_relu():
    return Net(dim=8, depth=2, act_layer=nn.ReLU, init_values=1e-5)
"""


def _program(tmp_path: Path, net: str = NET) -> dict:
    files = {"mlp.py": MLP, "layers.py": LAYERS, "net.py": net}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _traced(model, name: str) -> str:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 8), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}[name]


def test_a_block_of_another_module_is_judged_at_each_entry_point_with_what_it_passes(tmp_path: Path) -> None:
    """Mlp.fc1 meets GELU in net_tiny() (Net's `act_layer or nn.GELU`) and ReLU in net_relu(): where
    Mlp is built, and where Block builds it (`act_layer=act_layer` of Block, which Net builds through
    `block_fn`), it is unknown. Before, no row said more; now each entry point's call has one, for the
    Mlp built on Block's line."""
    models = _program(tmp_path)
    own = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert own.activation == "unknown", own.activation_evidence
    at = {layer.line: layer for layer in models["net.py"].layers
          if layer.at_use and layer.name.endswith("mlp.fc1") and layer.line != _line(NET, "self.mlp = mlp_layer")}
    tiny, relu = at[_line(NET, "return Net(dim=8, depth=2)")], at[_line(NET, "act_layer=nn.ReLU")]
    assert (tiny.activation, relu.activation) == ("gelu", "relu"), (tiny.activation_evidence, relu.activation_evidence)
    assert "net_tiny()" in tiny.activation_evidence and "net_relu()" in relu.activation_evidence
    # each speaks for the Mlp built on Block's line, the line of the construction on that run
    block_line = _line(NET, "self.mlp = mlp_layer")
    assert tiny.related[0][1] == block_line and relu.related[0][1] == block_line, (tiny.related, relu.related)
    with _importable(tmp_path) as load:
        net = load("net")
        assert (_traced(net.net_tiny(), "blocks.0.mlp.fc1"), _traced(net.net_relu(), "blocks.1.mlp.fc1")) == ("gelu", "relu")


def test_an_entry_point_whose_choice_the_run_cannot_decide_says_nothing(tmp_path: Path) -> None:
    """`act_layer` chosen by the environment at run time: no row claims either activation."""
    net = NET + """

def net_env():
    return Net(act_layer=nn.ReLU if os.environ.get("NET_RELU") else nn.Tanh)
"""
    models = _program(tmp_path, net)
    line = _line(net, "return Net(act_layer=nn.ReLU if")
    rows = [layer for layer in models["net.py"].layers if layer.at_use and layer.line == line and layer.name.endswith("fc1")]
    assert all(layer.activation == "unknown" for layer in rows), [(r.activation, r.activation_evidence) for r in rows]
    known = {layer.line: layer.activation for layer in models["net.py"].layers
             if layer.at_use and layer.name.endswith("mlp.fc1") and layer.activation != "unknown"}
    assert known == {_line(net, "return Net(dim=8, depth=2)"): "gelu", _line(net, "act_layer=nn.ReLU, init"): "relu"}


BUILDER = """def build(cls, **kwargs):
    model = cls(**kwargs)
    return model
"""

HANDED = """import torch.nn as nn

from builder import build
from mlp import Mlp


class Block(nn.Module):
    def __init__(self, dim, mlp_layer=Mlp):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mlp = mlp_layer(dim, dim * 4)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class Net(nn.Module):
    def __init__(self, dim=8, mlp_layer=Mlp):
        super().__init__()
        self.block = Block(dim, mlp_layer=mlp_layer)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.norm(self.block(x)))


def net_small(**kwargs):
    return build(Net, dim=8, **kwargs)
"""


def test_what_follows_a_block_built_through_a_parameter_is_kept_for_its_declared_default(tmp_path: Path) -> None:
    """Net is handed to `build(cls, **kwargs)` with what its caller passes, so Block's `mlp_layer`
    (Net's, passed on) is not known and `self.mlp` is unknown there. Its declared default is Mlp: where
    Mlp is the class built, its fc2's output goes into the residual sum, then Net's LayerNorm: no
    activation (where another class is built, there is no Mlp.fc2 to speak of). Before, "not followed
    there yet"."""
    files = {"mlp.py": MLP, "builder.py": BUILDER, "net.py": HANDED}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    fc2 = next(layer for layer in models[str(tmp_path / "mlp.py")].layers if layer.name == "fc2")
    assert fc2.activation == "none", fc2.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").net_small(), "block.mlp.fc2") == "none"


def test_a_declared_default_does_not_decide_what_the_module_does_to_its_input(tmp_path: Path) -> None:
    """Block's norm feeds `self.mlp`, unknown (a caller may pass another class): the norm's input,
    Net's stem, stays unknown; only the declared default's output is read."""
    net = HANDED.replace("        self.block = Block(dim, mlp_layer=mlp_layer)",
                         "        self.stem = nn.Linear(dim, dim)\n        self.block = Block(dim, mlp_layer=mlp_layer)")
    net = net.replace("self.head(self.norm(self.block(x)))", "self.head(self.norm(self.block(self.stem(x))))")
    files = {"mlp.py": MLP, "builder.py": BUILDER, "net.py": net}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    stem = next(layer for layer in models[str(tmp_path / "net.py")].layers if layer.name == "stem")
    assert stem.activation == "unknown", stem.activation_evidence


NORMS = """import torch.nn as nn
import torch.nn.functional as F


class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, c):
        super().__init__(c)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(super().forward(x))
"""

SUBCLASSED = """import torch.nn as nn

from norms import {base}


class NoBias({base}):
    def __init__(self, num_channels, **kwargs):
        super().__init__(num_channels, **kwargs)
        self.bias = None


class Net(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.conv = nn.Conv2d(3, c, 3, padding=1)
        self.norm = NoBias(c)
        self.head = nn.Conv2d(c, 2, 1)

    def forward(self, x):
        return self.head(self.norm(self.conv(x)))
"""


@pytest.mark.parametrize("base, expected", [("LayerNorm2d", "none"), ("BatchNormAct2d", "unknown")])
def test_a_subclass_of_another_module_s_norm_is_a_norm(tmp_path: Path, base: str, expected: str) -> None:
    """NoBias(LayerNorm2d), LayerNorm2d a torch LayerNorm of another module whose forward calls nothing
    of its own: a norm, as torch's trace takes it (before: "NoBias has no forward in this file"). A
    subclass of a norm that then applies its activation (BatchNormAct2d) is not."""
    files = {"norms.py": NORMS, "net.py": SUBCLASSED.format(base=base)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    conv = next(layer for layer in models[str(tmp_path / "net.py")].layers if layer.name == "conv")
    assert conv.activation == expected, conv.activation_evidence
    if expected != "unknown":
        torch = pytest.importorskip("torch")
        from initlint.runtime import verify

        with _importable(tmp_path) as load, torch.no_grad():
            layers = verify(load("net").Net().eval(), torch.randn(2, 3, 6, 6), method="hooks", static=False).layers
        assert {row.layer: row.activation for row in layers}["conv"] == expected


def test_a_row_judged_at_an_entry_point_has_no_fix(tmp_path: Path) -> None:
    """Its line is the entry point's call (`return Net(...)`): a fix there was inserted after the
    `return`, as dead code naming `self` (timm's cspnext, efficientformer_v2, shvit in the corpus)."""
    models = _program(tmp_path)
    at = [layer for layer in models["net.py"].layers if layer.at_use and layer.name.endswith("mlp.fc1")
          and layer.line != _line(NET, "self.mlp = mlp_layer")]  # fmt: skip
    assert at and all(layer.fix is not None and layer.fix.reason for layer in at), [l.fix for l in at]
