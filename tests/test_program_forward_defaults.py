"""A forward branch on a string its constructor keeps (diffusers' ResnetBlock2D: `self.time_embedding_norm
= time_embedding_norm`, then `if self.time_embedding_norm == "default":` in forward) is decided by that
parameter's default, and the layers whose output goes through it rest on it (`Layer.activation_defaults`):
the program stage judges each construction with what it passes, followed up through a free function of
the block's module that builds it (`get_down_block(..., resnet_act_fn)`) to that function's callers. A
layer built only where the parameter is not its default (`time_emb_proj` for "scale_shift") is not judged
at the default. Before, both branches were merged and the layers were unknown. Checked with torch."""

from __future__ import annotations

import sys

import pytest

from initlint.program import analyze_program

ACTS = """import torch.nn as nn

ACTS = {"swish": nn.SiLU, "silu": nn.SiLU, "relu": nn.ReLU}


def get_act(name):
    return ACTS[name]()
"""

RESNET = """import torch
import torch.nn as nn

from acts import get_act


class Block(nn.Module):
    def __init__(self, *, ch, temb_channels=16, non_linearity="swish", time_embedding_norm="default"):
        super().__init__()
        self.time_embedding_norm = time_embedding_norm
        self.norm1 = nn.GroupNorm(4, ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        if self.time_embedding_norm == "default":
            self.time_emb_proj = nn.Linear(temb_channels, ch)
        elif self.time_embedding_norm == "scale_shift":
            self.time_emb_proj = nn.Linear(temb_channels, 2 * ch)
        else:
            raise ValueError(time_embedding_norm)
        self.norm2 = nn.GroupNorm(4, ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)
        self.nonlinearity = get_act(non_linearity)

    def forward(self, x, temb):
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        temb = self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        if self.time_embedding_norm == "default":
            h = self.nonlinearity(self.norm2(h + temb))
        elif self.time_embedding_norm == "scale_shift":  # (no activation on this way)
            scale, shift = torch.chunk(temb, 2, dim=1)
            h = self.norm2(h) * (1 + scale) + shift
        else:
            h = self.nonlinearity(self.norm2(h))
        return x + self.conv2(h)
"""

BLOCKS = """import torch.nn as nn

from resnet import Block


def get_block(kind, ch, resnet_act_fn, resnet_time_scale_shift="default"):
    if kind == "Down":
        return Down(ch=ch, resnet_act_fn=resnet_act_fn, resnet_time_scale_shift=resnet_time_scale_shift)
    raise ValueError(kind)


class Down(nn.Module):
    def __init__(self, ch, resnet_act_fn="swish", resnet_time_scale_shift="default"):
        super().__init__()
        self.resnets = nn.ModuleList(
            [Block(ch=ch, non_linearity=resnet_act_fn, time_embedding_norm=resnet_time_scale_shift) for _ in range(2)]
        )

    def forward(self, x, temb):
        for resnet in self.resnets:
            x = resnet(x, temb)
        return x
"""

MODEL = """import torch.nn as nn

from blocks import get_block


class Net(nn.Module):
    def __init__(self, ch=8, act_fn="relu"):
        super().__init__()
        self.time_proj = nn.Linear(4, 16)
        self.down = get_block("Down", ch, resnet_act_fn=act_fn)
        self.out = nn.Conv2d(ch, 3, 3)

    def forward(self, x, t):
        return self.out(self.down(x, self.time_proj(t)))
"""



def _claims(tmp_path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {(row.class_name, row.line): row for model in models.values() for row in model.layers}


def _runtime(tmp_path, build: str) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        net = eval(build, {"model": __import__("model")})  # the case's own module, from tmp_path
        with torch.no_grad():
            report = verify(net.eval(), (torch.randn(1, 8, 8, 8), torch.randn(1, 4)), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    return {row.layer: row.activation for row in report.layers}


FILES = {"acts.py": ACTS, "resnet.py": RESNET, "blocks.py": BLOCKS, "model.py": MODEL}


def test_a_forward_branch_on_a_string_default_is_judged_with_what_the_program_passes(tmp_path):
    claims = _claims(tmp_path, FILES)
    runtime = _runtime(tmp_path, "model.Net()")
    assert runtime["down.resnets.0.conv1"] == runtime["down.resnets.1.time_emb_proj"] == "relu"
    conv1, proj, proj_scale_shift = claims[("Block", 12)], claims[("Block", 14)], claims[("Block", 16)]
    assert (conv1.activation, proj.activation) == ("relu", "relu"), (conv1.activation_evidence, proj.activation_evidence)
    assert "act_fn of Net" in conv1.activation_evidence
    # built only for "scale_shift", where its output is chunked: not judged at "default"
    assert proj_scale_shift.activation == "unknown" and "not its default" in proj_scale_shift.activation_evidence


def test_a_construction_passing_another_value_leaves_those_layers_unknown(tmp_path):
    other = MODEL.replace("class Net(", "class Net2(nn.Module):\n    def __init__(self, ch=8):\n        super().__init__()\n"
                          "        self.down = get_block(\"Down\", ch, resnet_act_fn=\"relu\", resnet_time_scale_shift=\"scale_shift\")\n\n"
                          "    def forward(self, x, t):\n        return self.down(x, t)\n\n\nclass Net(")
    claims = _claims(tmp_path, {**FILES, "model.py": other})
    assert claims[("Block", 14)].activation == claims[("Block", 16)].activation == "unknown"
    assert claims[("Block", 12)].activation == "unknown"  # what follows it rests on the mode, which now differs


def test_an_attribute_another_method_sets_decides_nothing(tmp_path):
    resnet = RESNET + "\n    def set_mode(self, mode):\n        self.time_embedding_norm = mode\n"
    claims = _claims(tmp_path, {**FILES, "resnet.py": resnet})
    # both branches run: on "scale_shift" conv1 meets no activation
    assert claims[("Block", 12)].activation == claims[("Block", 14)].activation == "unknown"


BRANCHY_BLOCK = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, ch=8, act_layer=nn.SiLU):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.act = act_layer()
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        h = self.conv1(x)
        if x.shape[-1] > 4:  # large inputs skip the activation
            return self.conv2(h)
        return self.conv2(self.act(h))
"""

BRANCHY_MODEL = """import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(8, act_layer=nn.ReLU)

    def forward(self, x, t=None):
        return self.block(x)
"""


def test_a_class_passed_replaces_the_default_only_where_the_default_was_met_on_every_way(tmp_path):
    """conv1 meets SiLU on one branch and no activation on the other: the ReLU a construction passes
    is not what follows it (the old links took `act_layer=nn.ReLU` for the whole answer)."""
    claims = _claims(tmp_path, {"blocks.py": BRANCHY_BLOCK, "model.py": BRANCHY_MODEL})
    runtime = _runtime(tmp_path, "model.Net()")
    assert runtime["block.conv1"] == "none"  # an 8x8 input takes the branch without the activation
    assert claims[("Block", 7)].activation == "unknown", claims[("Block", 7)].activation_evidence


SECOND_MODEL = """import torch.nn as nn

from blocks import get_block


class Other(nn.Module):
    def __init__(self, ch=8):
        super().__init__()
        self.down = get_block("Down", ch, resnet_act_fn="silu")

    def forward(self, x, t):
        return self.down(x, t)
"""


def test_a_block_whose_containers_constructions_differ_is_judged_along_each_way(tmp_path):
    """Net builds Down (through get_block) with "relu", Other with "silu": at Down's construction of
    Block the two differ (unknown there); along each call of get_block, the one value it passes
    decides, in a row at that call speaking for the layers built through Down's line only (`via`)."""
    from initlint.runtime.provenance import best_static_row

    claims = _claims(tmp_path, {**FILES, "other.py": SECOND_MODEL})
    models, _, _ = analyze_program({str(p): p.read_text(encoding="utf-8") for p in tmp_path.glob("*.py")})
    above = {path.rsplit("/", 1)[-1]: row for path, model in models.items() for row in model.layers
             if row.via and row.name == "Block().conv1"}
    assert (above["model.py"].activation, above["other.py"].activation) == ("relu", "silu")
    assert above["model.py"].via == [[str(tmp_path / "blocks.py"), 16]]
    runtime = _runtime(tmp_path, "model.Net()")
    assert runtime["down.resnets.0.conv1"] == "relu"
    # the runtime layer's construction chain picks the row of its own way
    rows = lambda path: models[path].layers if path in models else []  # noqa: E731
    chain = ((str(tmp_path / "resnet.py"), 12), (str(tmp_path / "blocks.py"), 16), (str(tmp_path / "blocks.py"), 8),
             (str(tmp_path / "model.py"), 10))  # fmt: skip
    assert best_static_row(chain, rows, "down.resnets.0.conv1").activation == "relu"
    other_chain = (*chain[:3], (str(tmp_path / "other.py"), 9))
    assert best_static_row(other_chain, rows, "down.resnets.0.conv1").activation == "silu"
    assert claims[("Block", 12)].activation == "unknown"
    # built under a condition of Block's constructor: a way up may not build it at all (diffusers' Encoder
    # passes temb_channels=None), so no row above speaks for it
    assert not any(row.via for model in models.values() for row in model.layers if row.name == "Block().time_emb_proj")


LAST_FLAG = """import torch.nn as nn


class Res(nn.Module):
    def __init__(self, c, is_last=False):
        super().__init__()
        self.is_last = is_last
        self.conv_1 = nn.Conv1d(c, c, 5, padding=2)
        self.gelu_1 = nn.GELU()
        self.conv_2 = nn.Conv1d(c, c, 5, padding=2)
        if not self.is_last:
            self.norm_2 = nn.GroupNorm(1, c)
            self.gelu_2 = nn.GELU()

    def forward(self, x):
        h = self.conv_2(self.gelu_1(self.conv_1(x)))
        if not self.is_last:
            h = self.gelu_2(self.norm_2(h))
        return h + x


class Net(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.blocks = nn.Sequential(Res(c), Res(c), Res(c, is_last=True))
        self.head = nn.Conv1d(c, 2, 1)

    def forward(self, x):
        return self.head(self.blocks(x))
"""


def test_a_forward_branch_on_a_true_false_default_is_judged_per_construction(tmp_path):
    """diffusers' ResConvBlock: `if not self.is_last:` in forward, is_last=False by default. conv_2 meets
    GELU in the blocks built with the default and no activation in the last (the head's conv follows):
    each construction judged with its flag (rows at Net's line), where both branches merged said unknown."""
    (tmp_path / "m.py").write_text(LAST_FLAG, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / "m.py"): LAST_FLAG})
    assert not errors
    rows = models[str(tmp_path / "m.py")].layers
    per_use = [row.activation for row in rows if row.at_use and row.name == "Res().conv_2"]
    assert sorted(per_use) == ["gelu", "gelu", "none"], [row.activation_evidence for row in rows]
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import m  # noqa: PLC0415 - the case's own module, from tmp_path

        with torch.no_grad():
            report = verify(m.Net().eval(), torch.randn(1, 8, 16), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    runtime = {row.layer: row.activation for row in report.layers}
    assert [runtime[f"blocks.{i}.conv_2"] for i in range(3)] == ["gelu", "gelu", "none"]
