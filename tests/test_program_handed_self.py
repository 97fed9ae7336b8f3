"""A module that hands itself to an object it holds: diffusers' `Attention.forward` is
`return self.processor(self, hidden_states, ...)`, the processor (a plain object chosen in
`__init__`, `AttnProcessor2() if ... else AttnProcessor()` when the caller passes none) applying
`attn.to_q(...)` and the rest. The object's `__call__` runs on the module's layers, the parameter
that receives `self` standing for the module; what it finds rests on the constructor default that
chose the object (a caller passing another processor runs other code: unknown there). And a
registry key a constructor passes through `act_fn.lower()` (diffusers' `get_activation`) is still
that parameter: a caller passing another key is judged with it, not with the default's class.
Checked with torch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

ATTENTION = """import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, heads=2, rescale_output_factor=1.0, residual_connection=False, processor=None):
        super().__init__()
        self.heads = heads
        self.rescale_output_factor = rescale_output_factor
        self.residual_connection = residual_connection
        self.to_q = nn.Linear(dim, dim)
        self.to_k = nn.Linear(dim, dim)
        self.to_v = nn.Linear(dim, dim)
        self.to_out = nn.ModuleList([])
        self.to_out.append(nn.Linear(dim, dim))
        self.to_out.append(nn.Dropout(0.0))
        if processor is None:
            processor = AttnProcessor2() if hasattr(F, "scaled_dot_product_attention") else AttnProcessor()
        self.set_processor(processor)

    def set_processor(self, processor):
        self.processor = processor

    def head_to_batch_dim(self, tensor):
        b, n, d = tensor.shape
        return tensor.reshape(b, n, self.heads, d // self.heads).permute(0, 2, 1, 3).reshape(b * self.heads, n, d // self.heads)

    def batch_to_head_dim(self, tensor):
        bh, n, d = tensor.shape
        b = bh // self.heads
        return tensor.reshape(b, self.heads, n, d).permute(0, 2, 1, 3).reshape(b, n, d * self.heads)

    def forward(self, hidden_states, encoder_hidden_states=None):
        return self.processor(self, hidden_states, encoder_hidden_states=encoder_hidden_states)


class AttnProcessor:
    def __call__(self, attn, hidden_states, encoder_hidden_states=None):
        residual = hidden_states
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        key = attn.head_to_batch_dim(attn.to_k(encoder_hidden_states))
        value = attn.head_to_batch_dim(attn.to_v(encoder_hidden_states))
        probs = torch.bmm(query, key.transpose(-1, -2)).softmax(dim=-1)
        hidden_states = attn.batch_to_head_dim(torch.bmm(probs, value))
        hidden_states = attn.to_out[0](hidden_states)
        hidden_states = attn.to_out[1](hidden_states)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


class AttnProcessor2:
    def __call__(self, attn, hidden_states, encoder_hidden_states=None):
        residual = hidden_states
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        b = hidden_states.shape[0]
        query = attn.to_q(hidden_states)
        key = attn.to_k(encoder_hidden_states)
        value = attn.to_v(encoder_hidden_states)
        query = query.view(b, -1, attn.heads, query.shape[-1] // attn.heads).transpose(1, 2)
        key = key.view(b, -1, attn.heads, key.shape[-1] // attn.heads).transpose(1, 2)
        value = value.view(b, -1, attn.heads, value.shape[-1] // attn.heads).transpose(1, 2)
        hidden_states = F.scaled_dot_product_attention(query, key, value)
        hidden_states = hidden_states.transpose(1, 2).reshape(b, -1, query.shape[1] * query.shape[-1])
        hidden_states = attn.to_out[0](hidden_states)
        hidden_states = attn.to_out[1](hidden_states)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


class GatedProcessor:
    def __call__(self, attn, hidden_states, encoder_hidden_states=None):
        return attn.to_out[0](torch.relu(attn.to_q(hidden_states)) * attn.to_k(hidden_states) + attn.to_v(hidden_states))
"""

BLOCKS = """import torch.nn as nn

from attention import Attention, GatedProcessor


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.attn = Attention(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm(x))
        return x + self.ff(self.norm2(x))


class GatedBlock(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.attn = Attention(dim, processor=GatedProcessor())

    def forward(self, x):
        return x + self.attn(x)
"""

NET = """import torch.nn as nn

from blocks import Block, GatedBlock


class Net(nn.Module):
    def __init__(self, dim=64):
        super().__init__()
        self.blocks = nn.Sequential(Block(dim), GatedBlock(dim), Block(dim))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x):
        return self.head(self.norm(self.blocks(x)))
"""

ACTIVATIONS = """import torch.nn as nn

ACT2CLS = {
    "swish": nn.SiLU,
    "silu": nn.SiLU,
    "mish": nn.Mish,
    "gelu": nn.GELU,
    "relu": nn.ReLU,
}


def get_activation(act_fn: str) -> nn.Module:
    act_fn = act_fn.lower()
    if act_fn in ACT2CLS:
        return ACT2CLS[act_fn]()
    else:
        raise ValueError(f"activation function {act_fn} not found")
"""

RESNET = """import torch
import torch.nn as nn

from .activations import get_activation


class ResBlock(nn.Module):
    def __init__(self, *, in_channels, out_channels=None, temb_channels=512, groups=4, non_linearity="swish",
                 time_embedding_norm="default"):
        super().__init__()
        out_channels = in_channels if out_channels is None else out_channels
        self.time_embedding_norm = time_embedding_norm
        self.norm1 = nn.GroupNorm(groups, in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        if temb_channels is not None:
            self.time_emb_proj = nn.Linear(temb_channels, out_channels)
        else:
            self.time_emb_proj = None
        self.norm2 = nn.GroupNorm(groups, out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.nonlinearity = get_activation(non_linearity)

    def forward(self, input_tensor, temb):
        hidden_states = self.norm1(input_tensor)
        hidden_states = self.nonlinearity(hidden_states)
        hidden_states = self.conv1(hidden_states)
        if self.time_emb_proj is not None:
            temb = self.nonlinearity(temb)
            temb = self.time_emb_proj(temb)[:, :, None, None]
        if self.time_embedding_norm == "default":
            if temb is not None:
                hidden_states = hidden_states + temb
            hidden_states = self.norm2(hidden_states)
        else:
            hidden_states = self.norm2(hidden_states)
        hidden_states = self.nonlinearity(hidden_states)
        hidden_states = self.conv2(hidden_states)
        return input_tensor + hidden_states
"""

RESNET_NET = """import torch.nn as nn

from .resnet import ResBlock


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = ResBlock(in_channels=8, non_linearity="relu")
        self.b = ResBlock(in_channels=8)

    def forward(self, x, t):
        return self.b(self.a(x, t), t)
"""


def _program(root: Path, files: dict) -> dict:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(root / name): text for name, text in files.items()})
    assert not errors
    return {str(Path(path).relative_to(root)): model for path, model in models.items()}


def _traced(root: Path, module: str, build, inputs) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        import importlib

        model = build(importlib.import_module(module))
        with torch.no_grad():
            report = verify(model.eval(), inputs(torch), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    return {row.layer: row.activation for row in report.layers}


def test_a_processor_handed_the_module_runs_on_its_layers(tmp_path):
    models = _program(tmp_path, {"attention.py": ATTENTION, "blocks.py": BLOCKS, "net.py": NET})
    rows = {(row.class_name, row.name): row for model in models.values() for row in model.layers}
    # Block builds Attention with the default processor: its projections go into attention
    for name in ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0"):
        assert rows[("Block", name)].activation == "none", (name, rows[("Block", name)].activation_evidence)
    # GatedBlock passes another processor (whose __call__ puts a ReLU after to_q): not the default's reading
    for name in ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0"):
        assert rows[("GatedBlock", name)].activation == "unknown", (name, rows[("GatedBlock", name)].activation_evidence)
    assert not [row for row in models["attention.py"].layers if row.activation != "unknown"], "judged at its uses"
    runtime = _traced(tmp_path, "net", lambda m: m.Net(), lambda torch: torch.randn(2, 5, 64))
    for index, block in ((0, "Block"), (1, "GatedBlock"), (2, "Block")):
        for name in ("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0"):
            claimed = rows[(block, name)].activation
            assert claimed in ("unknown", runtime[f"blocks.{index}.{name}"]), (index, name, claimed)
    assert runtime["blocks.1.attn.to_q"] == "relu"


def test_a_registry_key_changed_by_lower_is_still_the_callers(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/activations.py": ACTIVATIONS, "pkg/resnet.py": RESNET, "pkg/net.py": RESNET_NET}
    models = _program(tmp_path, files)
    rows = {(row.class_name, row.name): row.activation for model in models.values() for row in model.layers}
    assert rows[("Net", "a.conv1")] == "relu" and rows[("Net", "b.conv1")] == "silu", rows
    assert ("ResBlock", "conv1") not in rows, "judged at each use, not as the default's SiLU"

    def inputs(torch):
        return torch.randn(2, 8, 8, 8), torch.randn(2, 512)

    runtime = _traced(tmp_path, "pkg.net", lambda m: m.Net(), inputs)
    assert (runtime["a.conv1"], runtime["b.conv1"]) == ("relu", "silu")
