"""A model's own layers judged at each entry point, where what the entry point passes is a partial
object of a torch norm or a number a branch compares: timm's EfficientNet gets
`norm_layer=partial(nn.BatchNorm2d, **resolve_bn_args(kwargs))` and makes it a norm + activation
module (`get_norm_act_layer(norm_layer, act_layer)`: BatchNormAct2d with the entry point's SiLU after
conv_stem), and builds conv_head under `if num_features > 0:`. Before, the partial object was a
value not known there and `>` decided no branch: both layers unknown at every entry point. Each
claim is checked against torch building the same model (timm stood in for by what it does)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program
from initlint.program.environment import Environment
from test_library import _package

MODEL = """from functools import partial

import torch.nn as nn

from timm.layers.create_act import get_act_layer
from timm.layers.create_norm_act import get_norm_act_layer
from timm.models import build_model_with_cfg, register_model


class Net(nn.Module):
    def __init__(self, num_features=32, act_layer=None, norm_layer=None, num_classes=10):
        super().__init__()
        act_layer = act_layer or nn.ReLU
        norm_layer = norm_layer or nn.BatchNorm2d
        norm_act_layer = get_norm_act_layer(norm_layer, act_layer)
        self.conv_stem = nn.Conv2d(3, 16, 3, stride=2, padding=1)
        self.bn1 = norm_act_layer(16)
        if num_features > 0:
            self.conv_head = nn.Conv2d(16, num_features, 1)
            self.bn2 = norm_act_layer(num_features)
        else:
            self.conv_head = nn.Identity()
            self.bn2 = nn.Identity()
            num_features = 16
        self.classifier = nn.Linear(num_features, num_classes)

    def forward(self, x):
        x = self.bn1(self.conv_stem(x))
        x = self.bn2(self.conv_head(x))
        return self.classifier(x.mean((2, 3)))


def _gen_net(variant, num_features, pretrained=False, **kwargs):
    model_kwargs = dict(num_features=num_features, act_layer=get_act_layer(kwargs.pop("act_layer", "swish")),
                        norm_layer=kwargs.pop("norm_layer", None) or partial(nn.BatchNorm2d, eps=1e-3), **kwargs)
    return build_model_with_cfg(Net, variant, pretrained, **model_kwargs)


@register_model
def net_b0(pretrained=False, **kwargs):
    return _gen_net("net_b0", 64, pretrained=pretrained, **kwargs)


@register_model
def net_headless(pretrained=False, **kwargs):
    return _gen_net("net_headless", 0, pretrained=pretrained, **kwargs)
"""

# timm as installed, what the model imports of it: the names initlint's hooks and stub answer
# statically; these bodies are what Python runs in the torch check (timm 1.0.31's behaviour)
FAKE_TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACTS = dict(relu=nn.ReLU, swish=nn.SiLU, silu=nn.SiLU)\n\n\n"
                                 "def get_act_layer(name='relu'):\n    return _ACTS[name] if isinstance(name, str) else name\n",
    "timm/layers/norm_act.py": """import torch.nn as nn


class BatchNormAct2d(nn.BatchNorm2d):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 apply_act=True, act_layer=nn.ReLU):
        super().__init__(num_features, eps=eps, momentum=momentum, affine=affine,
                         track_running_stats=track_running_stats)
        self.act = act_layer() if apply_act and act_layer is not None else nn.Identity()

    def forward(self, x):
        return self.act(super().forward(x))
""",
    "timm/layers/create_norm_act.py": """import functools

from .norm_act import BatchNormAct2d


def get_norm_act_layer(norm_layer, act_layer=None):
    kwargs = {}
    if isinstance(norm_layer, functools.partial):
        kwargs.update(norm_layer.keywords)
        norm_layer = norm_layer.func
    assert norm_layer.__name__.lower() == "batchnorm2d"
    return functools.partial(BatchNormAct2d, act_layer=act_layer, **kwargs)
""",
    "timm/models/__init__.py": "from ._builder import build_model_with_cfg\nfrom ._registry import register_model\n",
    "timm/models/_builder.py": "def build_model_with_cfg(model_cls, variant, pretrained, **kwargs):\n    return model_cls(**kwargs)\n",
    "timm/models/_registry.py": "def register_model(fn):\n    return fn\n",
}  # fmt: skip


def _rows(tmp_path: Path) -> dict:
    sources = _package(tmp_path / "proj", {"effy/__init__.py": "", "effy/model.py": MODEL})
    _package(tmp_path / "site", FAKE_TIMM)
    models, errors, _ = analyze_program(sources, tuple(sources), environment=Environment((str(tmp_path / "site"),)))
    assert not errors
    model = next(m for path, m in models.items() if path.endswith("model.py"))
    return {(layer.line, layer.name): layer for layer in model.layers}


def _line(needle: str) -> int:
    return next(i for i, line in enumerate(MODEL.splitlines(), 1) if needle in line)


def test_a_partial_object_of_a_torch_norm_is_that_norm_at_an_entry_point(tmp_path: Path) -> None:
    rows = _rows(tmp_path)
    line = _line('return _gen_net("net_b0"')
    stem, head = rows.get((line, "Net().conv_stem")), rows.get((line, "Net().conv_head"))
    assert stem is not None and stem.activation == "silu", stem
    assert head is not None and head.activation == "silu", head
    headless = _line('return _gen_net("net_headless"')
    assert rows.get((headless, "Net().conv_head")) is None  # not built there: `if num_features > 0` is False
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    sys.path[:0] = [str(tmp_path / "proj"), str(tmp_path / "site")]
    try:
        net = importlib.import_module("effy.model").net_b0()
    finally:
        del sys.path[:2]
        for name in [n for n in sys.modules if n.split(".")[0] in ("effy", "timm")]:
            del sys.modules[name]
    with torch.no_grad():
        traced = {row.layer: row.activation for row in verify(net.eval(), torch.randn(2, 3, 16, 16), method="hooks",
                                                               static=False).layers}  # fmt: skip
    assert (traced["conv_stem"], traced["conv_head"]) == ("silu", "silu"), traced
