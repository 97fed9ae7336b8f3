"""What follows another module's layer in a block of the entry point's module, judged per entry point
(entry_uses.py: `ModuleSummary.entry_followed`, read by link's `_followed_at`).

timm's CSPNet, RegNet and ReXNet build `ConvNormAct(..., apply_act=False)` (layers/conv_bn_act.py)
inside their own blocks: the conv then leaves ConvNormAct, and what follows it is what the block's
forward does next, which rests on the block's own constructor arguments (`self.act3 =
create_act_layer(act_layer)`, an attention module or a DropPath only some models build). Read once
for every way the module may build the block, that is unknown (`act_layer(...)`, `attn_layer(...)`);
each entry point's run knows what each construction of the block got, so the block is judged again
with those arguments and what its forward then does with the conv is recorded for that entry point
only. Where the run does not know, the row stays unknown. Each claim is checked against torch
building the same models."""

from __future__ import annotations

from pathlib import Path

import pytest

from initlint.program import analyze_program
from test_program_passing import _importable

NORM_ACT = """import torch.nn as nn


class NormAct(nn.BatchNorm2d):
    def __init__(self, chs, apply_act=True, act_layer=nn.ReLU):
        super().__init__(chs)
        self.act = act_layer() if apply_act else nn.Identity()

    def forward(self, x):
        x = super().forward(x)
        return self.act(x)
"""

BLOCKS = """import torch.nn as nn

from norm_act import NormAct


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, k=1, apply_act=True, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = NormAct(cout, apply_act=apply_act, act_layer=act_layer)

    def forward(self, x):
        return self.bn(self.conv(x))
"""

NET = """import os

import torch
import torch.nn as nn

from blocks import ConvNormAct


class Gate(nn.Module):
    def __init__(self, chs):
        super().__init__()
        self.fc = nn.Conv2d(chs, chs, 1)

    def forward(self, x):
        return x * torch.sigmoid(self.fc(x.mean((2, 3), keepdim=True)))


class Block(nn.Module):
    def __init__(self, chs, act_layer=nn.ReLU, attn_layer=None, attn_last=False, drop_rate=0.0):
        super().__init__()
        attn_last = attn_layer is not None and attn_last
        self.conv1 = ConvNormAct(chs, chs, 3, act_layer=act_layer)
        self.conv2 = ConvNormAct(chs, chs, 1, apply_act=False, act_layer=act_layer)
        self.attn = attn_layer(chs) if attn_last else nn.Identity()
        self.drop = nn.Dropout(drop_rate) if drop_rate else None
        self.act = act_layer()

    def forward(self, x):
        shortcut = x
        x = self.attn(self.conv2(self.conv1(x)))
        if self.drop is not None:
            x = self.drop(x)
        return self.act(x + shortcut)


class Net(nn.Module):
    def __init__(self, act_layer=nn.ReLU, attn_layer=None, attn_last=False, block_fn=Block):
        super().__init__()
        self.stem = ConvNormAct(3, 8, 3, act_layer=act_layer)
        self.blocks = nn.Sequential(*[
            block_fn(8, act_layer=act_layer, attn_layer=attn_layer, attn_last=attn_last) for _ in range(2)])
        self.head = nn.Linear(8, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean((2, 3)))


def net_leaky():
    return Net(act_layer=nn.LeakyReLU)


def net_tanh():
    return Net(act_layer=nn.Tanh, attn_layer=Gate)


def net_gated():
    return Net(act_layer=nn.Tanh, attn_layer=Gate, attn_last=True)


def net_env():
    return Net(act_layer=nn.Tanh if os.environ.get("NET_TANH") else nn.ReLU)
"""


def _program(tmp_path: Path, net: str = NET) -> dict:
    files = {"norm_act.py": NORM_ACT, "blocks.py": BLOCKS, "net.py": net}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _traced(model) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 3, 8, 8), method="hooks", static=False).layers
    return {row.layer: (row.activation, row.activation_param) for row in layers}


def _at_entries(models: dict, name: str) -> dict:
    """Entry point's function -> its row of `name` at that entry point's call."""
    calls = {_line(NET, f"def {fn}():") + 1: fn for fn in ("net_leaky", "net_tanh", "net_gated", "net_env")}
    return {calls[row.line]: row for row in models["net.py"].layers if row.at_use and row.name == name and row.line in calls}


def test_a_flag_use_is_judged_with_what_its_block_does_next_on_each_entry_point(tmp_path: Path) -> None:
    """conv2 leaves ConvNormAct (apply_act=False) into Block's forward: read for every Block, what
    follows it there is `act_layer()` of a parameter and `attn_layer(...)` of another: unknown
    (before: unknown at every entry point too). Each entry point's run builds Block with known
    arguments: LeakyReLU (slope 0.01) in net_leaky(), Tanh in net_tanh() (a Gate passed but not
    built: `attn_last` False), the Gate in net_gated() (its conv and product: none), and nothing
    where the run cannot decide (net_env(): the environment chooses)."""
    models = _program(tmp_path)
    rows = _at_entries(models, "conv2.conv")
    got = {fn: (row.activation, row.activation_param) for fn, row in rows.items()}
    assert got == {"net_leaky": ("leaky_relu", 0.01), "net_tanh": ("tanh", None), "net_gated": ("none", None),
                   "net_env": ("unknown", None)}, {fn: row.activation_evidence for fn, row in rows.items()}  # fmt: skip
    assert "in Block" in rows["net_leaky"].activation_evidence
    # each speaks for the ConvNormAct built on Block's conv2 line
    assert all(row.related[0][1] == _line(NET, "self.conv2 = ConvNormAct") for row in rows.values())
    # where it is built, and at Block's line, nothing is claimed: each entry point decides
    own = [row for model in models.values() for row in model.layers if row.layer_type == "Conv2d"
           and row.line in (_line(BLOCKS, "self.conv = nn.Conv2d"), _line(NET, "self.conv2 = ConvNormAct"))]  # fmt: skip
    assert own and all(row.activation == "unknown" for row in own), [(r.name, r.activation) for r in own]
    with _importable(tmp_path) as load:
        net = load("net")
        for fn in ("net_leaky", "net_tanh", "net_gated"):
            runtime = _traced(getattr(net, fn)())
            for block in ("blocks.0", "blocks.1"):
                activation, param = runtime[f"{block}.conv2.conv"]
                assert activation == got[fn][0], (fn, block, activation)
                if got[fn][1] is not None:
                    assert param == pytest.approx(got[fn][1])


def test_a_block_whose_forward_branches_on_what_a_run_leaves_undecided_says_nothing(tmp_path: Path) -> None:
    """The drop module's rate comes from the environment in one entry point: `self.drop` may be
    None or not there. Dropout does not change what follows conv2 (ReLU after the add), so that
    one is still known; a Gate chosen the same way (`attn_last` undecided) is not."""
    net = NET.replace("""def net_env():
    return Net(act_layer=nn.Tanh if os.environ.get("NET_TANH") else nn.ReLU)""", """def net_env():
    return Net(attn_layer=Gate, attn_last=bool(os.environ.get("NET_GATE")))""")
    models = _program(tmp_path, net)
    rows = _at_entries(models, "conv2.conv")
    assert rows["net_env"].activation == "unknown", rows["net_env"].activation_evidence
    assert rows["net_leaky"].activation == "leaky_relu"


def test_a_test_decided_by_a_parameter_s_default_is_not_taken_for_every_construction(tmp_path: Path) -> None:
    """`attn_last = attn_layer is not None and attn_last` read where Block is built: the defaults
    (None) decide it, but callers may pass a Gate; the row where conv2's class is built does not
    claim what follows it as if no Gate could be there (never ReLU for every construction)."""
    net = NET.split("class Net(nn.Module):")[0] + """class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.a = Block(8)
        self.b = Block(8, attn_layer=Gate, attn_last=True)

    def forward(self, x):
        return self.b(self.a(self.stem(x)))
"""
    models = _program(tmp_path, net)
    rows = {row.name: row for row in models["net.py"].layers if row.name and row.name.endswith("conv2.conv")}
    claims = {name: row.activation for name, row in rows.items() if row.activation != "unknown"}
    with _importable(tmp_path) as load:
        runtime = _traced(load("net").Net())
    for name, activation in claims.items():
        assert runtime[name][0] == activation, (name, activation, runtime[name])


def test_a_test_whose_left_operand_decides_it_is_read_without_the_right_one(tmp_path: Path) -> None:
    """Net passes no `attn_last` (Block's default False stays a parameter's default, which other
    callers may override) but passes `attn_layer=None`: `None is not None and attn_last` is False
    whatever attn_last holds, so no Gate is built in net_leaky() (LeakyReLU); in net_tanh() a Gate
    is passed and attn_last is only a default: not decided there, unknown."""
    net = NET.replace("block_fn(8, act_layer=act_layer, attn_layer=attn_layer, attn_last=attn_last)",
                      "block_fn(8, act_layer=act_layer, attn_layer=attn_layer)")
    models = _program(tmp_path, net)
    rows = _at_entries(models, "conv2.conv")
    got = {fn: row.activation for fn, row in rows.items()}
    assert got["net_leaky"] == "leaky_relu" and got["net_tanh"] in ("unknown", "tanh"), \
        {fn: row.activation_evidence for fn, row in rows.items()}  # fmt: skip
    with _importable(tmp_path) as load:
        net_module = load("net")
        assert _traced(net_module.net_leaky())["blocks.0.conv2.conv"][0] == "leaky_relu"
        assert _traced(net_module.net_tanh())["blocks.0.conv2.conv"][0] == "tanh"
