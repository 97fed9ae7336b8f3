"""A model module whose blocks take their activation from what each entry point passes the model
(timm's LeViT: `act_layer="hard_swish"` by default, `"silu"` in some model configs, read through
`get_act_layer`), built by the module's own classes: a layer of a small class (`LinearNorm`) built
in a block (`Mlp.ln1`), followed by the block's `act_layer()`, is judged once per entry point, at
its call, with what that run passes the block; so is a stem whose `act_layer` has no default
(`add_module("conv1", ...)`). A distilled model class that runs its base's `__init__` through
`super().__init__(*args, **kwargs)` is followed into it. Each claim checked with torch."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program
from initlint.program.environment import Environment
from initlint.semantics.file import analyze

MODEL = """import torch.nn as nn

from timm.layers.create_act import get_act_layer
from timm.models import build_model_with_cfg, register_model


class LinearNorm(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=False)
        self.bn = nn.BatchNorm1d(out_features)

    def forward(self, x):
        x = self.linear(x)
        return self.bn(x.flatten(0, 1)).reshape_as(x)


class ConvNorm(nn.Module):
    def __init__(self, in_chs, out_chs, stride=1):
        super().__init__()
        self.linear = nn.Conv2d(in_chs, out_chs, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_chs)

    def forward(self, x):
        return self.bn(self.linear(x))


class Stem(nn.Sequential):
    def __init__(self, in_chs, out_chs, act_layer):
        super().__init__()
        self.add_module("conv1", ConvNorm(in_chs, out_chs // 2, stride=2))
        self.add_module("act1", act_layer())
        self.add_module("conv2", ConvNorm(out_chs // 2, out_chs, stride=2))


class Mlp(nn.Module):
    def __init__(self, dim, hidden, use_conv=False, act_layer=nn.SiLU):
        super().__init__()
        ln_layer = ConvNorm if use_conv else LinearNorm
        self.ln1 = ln_layer(dim, hidden)
        self.act = act_layer()
        self.ln2 = ln_layer(hidden, dim)

    def forward(self, x):
        return self.ln2(self.act(self.ln1(x)))


class Block(nn.Module):
    def __init__(self, dim, use_conv=False, act_layer=nn.SiLU):
        super().__init__()
        self.mlp = Mlp(dim, dim * 2, use_conv=use_conv, act_layer=act_layer)

    def forward(self, x):
        return x + self.mlp(x)


class Net(nn.Module):
    def __init__(self, embed_dim=16, depth=2, act_layer="hard_swish", use_conv=False, num_classes=10):
        super().__init__()
        act_layer = get_act_layer(act_layer)
        self.use_conv = use_conv
        self.stem = Stem(3, embed_dim, act_layer=act_layer)
        self.blocks = nn.Sequential(*[Block(embed_dim, use_conv=use_conv, act_layer=act_layer) for _ in range(depth)])
        self.head = nn.Linear(embed_dim, num_classes)

    def forward_features(self, x):
        x = self.stem(x)
        if not self.use_conv:
            x = x.flatten(2).transpose(1, 2)
        x = self.blocks(x)
        return x.mean(dim=(-2, -1)) if self.use_conv else x.mean(dim=1)

    def forward(self, x):
        return self.head(self.forward_features(x))


class NetDistilled(Net):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_dist = nn.Linear(self.head.in_features, self.head.out_features)

    def forward(self, x):
        x = self.forward_features(x)
        return (self.head(x) + self.head_dist(x)) / 2


model_cfgs = dict(
    net_a=dict(embed_dim=16, depth=2),
    net_b=dict(embed_dim=32, depth=1, act_layer="silu"),
)


def create_net(variant, pretrained=False, distilled=True, **kwargs):
    is_conv = "_conv" in variant
    model_cfg = dict(model_cfgs[variant.replace("_conv", "")], use_conv=is_conv, **kwargs)
    return build_model_with_cfg(NetDistilled if distilled else Net, variant, pretrained, **model_cfg)


@register_model
def net_a(pretrained=False, **kwargs):
    return create_net("net_a", pretrained=pretrained, **kwargs)


@register_model
def net_b(pretrained=False, **kwargs):
    return create_net("net_b", pretrained=pretrained, distilled=False, **kwargs)


@register_model
def net_conv_a(pretrained=False, **kwargs):
    return create_net("net_conv_a", pretrained=pretrained, **kwargs)
"""

# timm as installed, what the model imports of it (the builder is read from initlint's stub,
# get_act_layer answered by its hook; these bodies are what Python runs in the torch check)
FAKE_TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACTS = dict(hard_swish=nn.Hardswish, silu=nn.SiLU)\n\n\n"
                                 "def get_act_layer(name='relu'):\n    return _ACTS[name] if isinstance(name, str) else name\n",
    "timm/models/__init__.py": "from ._builder import build_model_with_cfg\nfrom ._registry import register_model\n",
    "timm/models/_builder.py": "def build_model_with_cfg(model_cls, variant, pretrained, **kwargs):\n    return model_cls(**kwargs)\n",
    "timm/models/_registry.py": "def register_model(fn):\n    return fn\n",
}  # fmt: skip


def _write(root: Path, files: dict) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _program(tmp_path: Path) -> dict:
    _write(tmp_path, {"levy/__init__.py": "", "levy/model.py": MODEL})
    _write(tmp_path / "site", FAKE_TIMM)
    sources = {str(tmp_path / "levy" / n): (tmp_path / "levy" / n).read_text() for n in ("__init__.py", "model.py")}
    models, errors, _ = analyze_program(sources, tuple(sources), environment=Environment((str(tmp_path / "site"),)))
    assert not errors
    return next(m for path, m in models.items() if path.endswith("model.py"))


def _at_entry(model, entry: str) -> dict:
    line = next(i for i, text in enumerate(MODEL.splitlines(), 1) if f'create_net("{entry}"' in text)
    return {(layer.name, layer.layer_type): layer for layer in model.layers if layer.at_use and layer.line == line}


def test_each_entry_point_judges_a_layer_its_blocks_activation_follows(tmp_path: Path) -> None:
    """Before, `Mlp.ln1.linear` and the stem's convs were unknown everywhere ("goes into built by
    parameter act_layer"): the model's act_layer is a string each model config may set."""
    model = _program(tmp_path)
    a, b, conv = _at_entry(model, "net_a"), _at_entry(model, "net_b"), _at_entry(model, "net_conv_a")
    assert a[("Mlp().ln1.linear", "Linear")].activation == "hardswish", a
    assert "net_a() reaches" in a[("Mlp().ln1.linear", "Linear")].activation_evidence
    assert a[("Stem().conv1.linear", "Conv2d")].activation == "hardswish"
    assert b[("Mlp().ln1.linear", "Linear")].activation == "silu"  # its config's "silu", the block's default too
    assert b[("Stem().conv1.linear", "Conv2d")].activation == "silu"
    assert conv[("Mlp().ln1.linear", "Conv2d")].activation == "hardswish"
    # what a run does not build gets no row there (`ConvNorm if use_conv else LinearNorm`)
    assert ("Mlp().ln1.linear", "Conv2d") not in a and ("Mlp().ln1.linear", "Linear") not in conv
    # nothing re-initialises them: findings at the entry points
    row = a[("Mlp().ln1.linear", "Linear")]
    assert row.init == "default" and row.recommended
    # the second conv of the stem and ln2 meet no activation; the rows where they are built stay unknown
    assert ("Stem().conv2.linear", "Conv2d") not in a
    own = {(layer.name, layer.line): layer for layer in model.layers if layer.at_use and layer.class_name == "Mlp"}
    assert all(layer.activation == "unknown" for (name, _), layer in own.items() if name == "ln1.linear"), own


def test_the_file_alone_claims_nothing_for_them(tmp_path: Path) -> None:
    """Without the program (no entry point's run), the same rows stay unknown: the callers' values
    are not known there."""
    rows = analyze(MODEL, "levy/model.py").layers
    ln1 = [layer for layer in rows if layer.name == "ln1.linear"]
    assert ln1 and all(layer.activation == "unknown" for layer in ln1)


def test_what_each_entry_point_builds_has_those_activations(tmp_path: Path) -> None:
    """The rows above, built with torch: the activation after each layer, and torch's default init."""
    torch = pytest.importorskip("torch")
    _write(tmp_path, {"levy/__init__.py": "", "levy/model.py": MODEL})
    _write(tmp_path / "site", FAKE_TIMM)
    sys.path[:0] = [str(tmp_path), str(tmp_path / "site")]
    try:
        module = importlib.import_module("levy.model")
        a, b, conv = module.net_a(), module.net_b(), module.net_conv_a()
    finally:
        del sys.path[:2]
        for name in [n for n in sys.modules if n.split(".")[0] in ("levy", "timm")]:
            del sys.modules[name]
    assert isinstance(a.stem.act1, torch.nn.Hardswish) and isinstance(a.blocks[0].mlp.act, torch.nn.Hardswish)
    assert isinstance(a.blocks[0].mlp.ln1, module.LinearNorm) and isinstance(conv.blocks[0].mlp.ln1, module.ConvNorm)
    assert isinstance(conv.blocks[0].mlp.act, torch.nn.Hardswish)
    assert isinstance(b.stem.act1, torch.nn.SiLU) and isinstance(b.blocks[0].mlp.act, torch.nn.SiLU)
    assert len(a.blocks) == 2 and len(b.blocks) == 1
    weight = a.blocks[0].mlp.ln1.linear.weight
    assert float(weight.detach().abs().max()) <= 1 / weight.shape[1] ** 0.5  # torch's default draw
    # what follows ln1 in the forward pass: its output (through the norm) goes into that Hardswish
    seen = []
    a.blocks[0].mlp.act.register_forward_hook(lambda m, i, o: seen.append(type(m).__name__))
    a.eval()(torch.randn(2, 3, 16, 16))
    assert seen == ["Hardswish"]
