"""A module's own classes judged at each entry point that builds them (semantics/entry_uses.py).

timm's `resnet18()` / `seresnext26d_32x4d()` build one `ResNet`, whose `make_blocks` builds the block
class each passes through a value, with what the entry point chose (`block_args`, `stem_type`...).
Judged for all entry points at once, such a layer meets different things; each entry point's run
knows what it passes: the layer is judged there, a row at the entry point's call. Each claim is
checked against torch building the same models."""

from __future__ import annotations

from pathlib import Path

import pytest

from initlint.program import analyze_program
from test_program_passing import _importable

NET = """import torch.nn as nn


class Basic(nn.Module):
    def __init__(self, c, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))


def make_blocks(block_fn, depth, c, **kwargs):
    return [block_fn(c, **kwargs) for _ in range(depth)]


class Net(nn.Module):
    def __init__(self, block, depth=2, c=8, stem_act=True, block_args=None):
        super().__init__()
        block_args = block_args or {}
        self.stem = nn.Conv2d(3, c, 3, padding=1)
        self.act = nn.ReLU() if stem_act else nn.Identity()
        self.blocks = nn.Sequential(*make_blocks(block, depth, c, **block_args))
        self.head = nn.Conv2d(c, 4, 1)

    def forward(self, x):
        return self.head(self.blocks(self.act(self.stem(x))))


def _create(**kwargs):
    return Net(**kwargs)


def small():
    model_args = dict(block=Basic)
    return _create(**model_args)


def gated():
    model_args = dict(block=Basic, stem_act=False, block_args=dict(act_layer=nn.Tanh))
    return _create(**model_args)
"""


def _rows(tmp_path: Path, text: str = NET) -> list:
    path = tmp_path / "net.py"
    path.write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(path): text})
    assert not errors
    return models[str(path)].layers


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _traced(model, name: str) -> str:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 3, 6, 6), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}[name]


def test_a_block_built_through_a_value_is_judged_at_each_entry_point(tmp_path: Path) -> None:
    """Basic is handed to Net as a value and built in `make_blocks` with `**block_args`: its own row
    is unknown (Tanh in gated(), ReLU in small()). Before, no row said more; now each entry point's
    call has one, for the layers built under it."""
    layers = _rows(tmp_path)
    own = next(layer for layer in layers if layer.name == "conv" and not layer.at_use)
    assert own.activation == "unknown"
    at = {layer.line: layer for layer in layers if layer.at_use and layer.name == "Basic().conv"}
    small, gated = at[_line(NET, "return _create(**model_args)")], at[_line(NET, "return _create(**model_args)") + 5]
    assert (small.activation, gated.activation) == ("relu", "tanh"), (small.activation_evidence, gated.activation_evidence)
    assert "small()" in small.activation_evidence and small.related[0][1] == own.line
    assert small.fix is None or small.fix.reason  # each entry point decides: no edit there
    with _importable(tmp_path) as load:
        net = load("net")
        assert (_traced(net.small(), "blocks.0.conv"), _traced(net.gated(), "blocks.1.conv")) == ("relu", "tanh")


def test_an_entry_point_that_judges_a_claimed_layer_otherwise_makes_it_unknown(tmp_path: Path) -> None:
    """Net.stem meets ReLU with Net's default `stem_act=True`; gated() passes False through
    `_create(**model_args)`, a hand-off the callers' check did not follow: before, `relu` was claimed
    where the stem is built, wrong for gated(). Now it is unknown there, relu at small()'s call
    and no activation (it feeds Basic's conv) at gated()'s."""
    layers = _rows(tmp_path)
    own = next(layer for layer in layers if layer.name == "stem")
    assert own.activation == "unknown", own.activation_evidence
    at = {layer.line: layer.activation for layer in layers if layer.at_use and layer.name == "Net().stem"}
    first = _line(NET, "return _create(**model_args)")
    assert at == {first: "relu", first + 5: "none"}
    with _importable(tmp_path) as load:
        net = load("net")
        assert (_traced(net.small(), "stem"), _traced(net.gated(), "stem")) == ("relu", "none")


def test_an_entry_point_whose_constructions_differ_says_nothing(tmp_path: Path) -> None:
    """One call of an entry point building Basic with ReLU and with Tanh: no row for Basic's conv at
    that call (it would speak for both); the stems, ReLU in both models, have one."""
    text = NET + """

def _both():
    return [Net(block=Basic), Net(block=Basic, block_args=dict(act_layer=nn.Tanh))]


def mixed():
    return _both()
"""
    layers = _rows(tmp_path, text)
    at = {layer.name: layer.activation for layer in layers if layer.at_use and layer.line == _line(text, "return _both()")}
    assert at == {"Net().stem": "relu"}


DOWNSAMPLE = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c_in, c, downsample=None, act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c, 3, padding=1, bias=False)
        self.bn = norm_layer(c)
        self.act = act_layer()
        self.downsample = downsample

    def forward(self, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.act(self.bn(self.conv(x)) + shortcut)


def downsample_conv(c_in, c, norm_layer=None):
    norm_layer = norm_layer or nn.BatchNorm2d
    return nn.Sequential(nn.Conv2d(c_in, c, 1, bias=False), norm_layer(c))


def make_blocks(widths, c_in, **kwargs):
    blocks = []
    for c in widths:
        downsample = downsample_conv(c_in, c, norm_layer=kwargs.get('norm_layer')) if c != c_in else None
        blocks.append(Block(c_in, c, downsample, **kwargs))
        c_in = c
    return blocks


class Net(nn.Module):
    def __init__(self, widths=(8, 16), norm_layer=nn.BatchNorm2d):
        super().__init__()
        self.blocks = nn.Sequential(*make_blocks(widths, 3, norm_layer=norm_layer))
        self.head = nn.Conv2d(widths[-1], 4, 1)

    def forward(self, x):
        return self.head(self.blocks(x))
"""


def test_a_key_read_from_a_helper_s_kwargs_is_what_the_call_passed(tmp_path: Path) -> None:
    """timm's make_blocks hands `kwargs.get('norm_layer')` to downsample_conv, whose
    `norm_layer or nn.BatchNorm2d` builds the norm after the downsample conv. Before, `.get` on
    that dict was not read: `goes into norm_layer(...)`, unknown. Now the norm is Net's
    BatchNorm2d, and the conv meets the block's ReLU after the residual add, as in torch."""
    layers = _rows(tmp_path, DOWNSAMPLE)
    # reported where Net's code calls the helper that builds it
    down = next(layer for layer in layers if layer.line == _line(DOWNSAMPLE, "self.blocks = nn.Sequential(*make_blocks("))
    assert down.activation == "relu", down.activation_evidence
    assert ["Net", "norm_layer", "torch.nn.BatchNorm2d"] in down.activation_defaults  # a caller passing another is looked at
    with _importable(tmp_path) as load:
        assert _traced(load("net").Net(), "blocks.1.downsample.0") == "relu"


GATES = """import torch.nn as nn


class SE(nn.Module):
    def __init__(self, c, rd=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, rd, 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(rd, c, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        x_se = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * self.gate(x_se)


class Squash(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(x)
"""

ATTN = """import torch

from gates import SE, Squash


def get_attn(attn_type):
    if isinstance(attn_type, torch.nn.Module):
        return attn_type
    module_cls = None
    if attn_type:
        if isinstance(attn_type, str):
            attn_type = attn_type.lower()
            if attn_type == 'se':
                module_cls = SE
            elif attn_type == 'tanh':
                module_cls = Squash
            else:
                assert False, attn_type
        else:
            module_cls = attn_type
    return module_cls


def create_attn(attn_type, channels, **kwargs):
    module_cls = get_attn(attn_type)
    if module_cls is not None:
        return module_cls(channels, **kwargs)
    return None
"""

ATTN_NET = """import torch.nn as nn

from attn import create_attn


class Block(nn.Module):
    def __init__(self, c, attn_layer=None):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.se = create_attn(attn_layer, c)
        self.act = nn.ReLU()

    def forward(self, x):
        x = self.conv(x)
        if self.se is not None:
            x = self.se(x)
        return self.act(x)


def make_blocks(block_fn, depth, c, **kwargs):
    return [block_fn(c, **kwargs) for _ in range(depth)]


class Net(nn.Module):
    def __init__(self, block, depth=2, c=8, block_args=None):
        super().__init__()
        block_args = block_args or {}
        self.blocks = nn.Sequential(*make_blocks(block, depth, c, **block_args))
        self.head = nn.Conv2d(c, 4, 1)

    def forward(self, x):
        return self.head(self.blocks(x))


def _create(**kwargs):
    return Net(**kwargs)


def plain():
    model_args = dict(block=Block)
    return _create(**model_args)


def squeezed():
    model_args = dict(block=Block, block_args=dict(attn_layer='se'))
    return _create(**model_args)


def squashed():
    model_args = dict(block=Block, block_args=dict(attn_layer='tanh'))
    return _create(**model_args)
"""


def test_a_factory_deciding_by_a_string_an_entry_point_passes_is_followed(tmp_path: Path) -> None:
    """timm's `create_attn(attn_layer, c)` picks its class by comparing a string
    (`attn_type == 'se'`) after `isinstance(attn_type, torch.nn.Module)`: with the string one entry
    point's run passes (`block_args=dict(attn_layer='se')`, seresnext26d_32x4d), both tests are
    decided, and the block's conv meets the SE module (no activation: it feeds the squeeze, then
    `x * gate`) there, Tanh where 'tanh' is passed, ReLU where nothing is. As torch builds them."""
    sources = {"gates.py": GATES, "attn.py": ATTN, "net.py": ATTN_NET}
    for name, text in sources.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in sources.items()})
    assert not errors
    layers = models[str(tmp_path / "net.py")].layers
    at = {layer.line: layer.activation for layer in layers if layer.at_use and layer.name == "Block().conv"}
    calls = [i for i, line in enumerate(ATTN_NET.splitlines(), 1) if "return _create(**model_args)" in line]
    assert [at.get(line) for line in calls] == ["relu", "none", "tanh"], at
    with _importable(tmp_path) as load:
        net = load("net")
        traced = [_traced_width(build(), "blocks.0.conv", 8) for build in (net.plain, net.squeezed, net.squashed)]
        assert traced == ["relu", "none", "tanh"]


def _traced_width(model, name: str, width: int) -> str:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, width, 6, 6), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}[name]


def test_rows_naming_other_layers_of_one_call_do_not_speak_for_a_layer_built_under_it() -> None:
    """ResNet's make_blocks call builds the downsample convs (a helper's, rows `downsample.0` and
    `downsample.1` there, ReLU) and, through a value, each block's conv3 (SE-gated in
    seresnext26d_32x4d: no activation, judged at the entry point's call). A traced conv3 whose chain
    passes that call is the entry point's row, not a downsample row (before: the first known row at
    the call, a wrong match)."""
    from initlint.model import Layer
    from initlint.runtime.provenance import best_static_row

    def row(line, name, activation, at_use=False, related=()):
        made = Layer("resnet.py", line, 1, line, 2, "ResNet", name, "Conv2d", activation, None, "", "explicit", "",
                     at_use=at_use)  # fmt: skip
        made.related = [list(r) for r in related]
        return made

    rows = [row(243, "conv3", "unknown"), row(596, "downsample.0", "relu"), row(596, "downsample.1", "relu"),
            row(1988, "Bottleneck().conv3", "none", at_use=True, related=[("resnet.py", 243)])]
    layers_in = lambda path: [r for r in rows if path == "resnet.py"]  # noqa: E731
    chain = (("resnet.py", 243), ("resnet.py", 432), ("resnet.py", 596), ("resnet.py", 1988))
    assert best_static_row(chain, layers_in, "layer1.0.conv3").activation == "none"
    down = (("resnet.py", 343), ("resnet.py", 596), ("resnet.py", 1988))
    assert best_static_row(down, layers_in, "layer1.0.downsample.1").name == "downsample.1"


def test_what_a_judged_model_follows_into_its_blocks_stays_with_that_run(tmp_path: Path) -> None:
    """Basic built by name in `_create(block=Basic, ...)` (not handed on): its own row claimed ReLU,
    wrong for gated(), which passes Tanh through `block_args`. gated()'s run judges it Tanh: unknown
    where it is built. Judging Net at each entry point follows Basic's output into the next block's
    conv; that run's reading must not land on Basic's own row (it did: 'ReLU, no activation')."""
    text = NET.replace("model_args = dict(block=Basic)\n    return _create(**model_args)", "return _create(block=Basic)")
    text = text.replace("model_args = dict(block=Basic, stem_act=False, block_args=dict(act_layer=nn.Tanh))\n"
                        "    return _create(**model_args)", "return _create(block=Basic, block_args=dict(act_layer=nn.Tanh))")
    layers = _rows(tmp_path, text)
    own = next(layer for layer in layers if layer.name == "conv" and not layer.at_use)
    assert own.activation == "unknown" and own.activation_evidence.endswith("ReLU, Tanh"), own.activation_evidence
    at = {layer.line: layer.activation for layer in layers if layer.at_use and layer.name == "Basic().conv"}
    assert sorted(at.values()) == ["relu", "tanh"]
    with _importable(tmp_path) as load:
        assert _traced(load("net").gated(), "blocks.0.conv") == "tanh"


GATED = """import torch.nn as nn


class Basic(nn.Module):
    def __init__(self, c, act_layer=nn.ReLU, gate=False):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.gate = nn.Sigmoid() if gate else None
        self.act = act_layer()

    def forward(self, x):
        x = self.conv(x)
        if self.gate is not None:
            return self.gate(x)
        return self.act(x)


def make_blocks(block_fn, depth, c, **kwargs):
    return [block_fn(c, **kwargs) for _ in range(depth)]


class Net(nn.Module):
    def __init__(self, block, depth=2, c=8, block_args=None):
        super().__init__()
        block_args = block_args or {}
        self.blocks = nn.Sequential(*make_blocks(block, depth, c, **block_args))
        self.head = nn.Conv2d(c, 4, 1)

    def forward(self, x):
        return self.head(self.blocks(x))


def _create(**kwargs):
    return Net(**kwargs)


def small():
    return _create(block=Basic)


def gated():
    return _create(block=Basic, block_args=dict(gate=True))
"""


def test_an_entry_point_whose_run_leaves_a_claimed_layer_unknown_makes_it_unknown(tmp_path: Path) -> None:
    """gated() builds Basic with `gate=True`: its conv meets a Sigmoid (torch says so), which that
    run's judgement does not settle (unknown there). Before, only a known, different judgement
    counted: the row where the conv is built kept ReLU, from the defaults, and a fix for it."""
    torch = pytest.importorskip("torch")
    layers = _rows(tmp_path, GATED)
    own = next(layer for layer in layers if layer.name == "conv" and not layer.at_use)
    assert own.activation == "unknown", own.activation_evidence
    with _importable(tmp_path) as load:
        net = load("net")
        small, gated = net.small(), net.gated()
        x = torch.randn(2, 8, 6, 6)
        assert (_traced_input(small, "blocks.0.conv", x), _traced_input(gated, "blocks.0.conv", x)) == ("relu", "sigmoid")


def _traced_input(model, name: str, x) -> str:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), x, method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}[name]
