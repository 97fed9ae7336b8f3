"""Research-style transformer code (lucidrains' vit-pytorch and its like): blocks written out by
hand, `q, k, v = map(lambda t: rearrange(t, ...), qkv)`, `for attn, ff in self.layers`. Each
claim is checked against torch building and running the same modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

VIT = '''import torch
from torch import nn
from einops import rearrange


class FeedForward(nn.Module):
    def __init__(self, dim, hidden_dim):
        super().__init__()
        self.net = nn.Sequential(
            nn.LayerNorm(dim),
            nn.Linear(dim, hidden_dim),
            nn.GELU(),
            nn.Linear(hidden_dim, dim),
        )

    def forward(self, x):
        return self.net(x)


class Attention(nn.Module):
    def __init__(self, dim, heads=2, dim_head=8):
        super().__init__()
        inner_dim = dim_head * heads
        self.heads = heads
        self.norm = nn.LayerNorm(dim)
        self.attend = nn.Softmax(dim=-1)
        self.to_qkv = nn.Linear(dim, inner_dim * 3, bias=False)
        self.to_out = nn.Linear(inner_dim, dim)

    def forward(self, x):
        x = self.norm(x)
        qkv = self.to_qkv(x).chunk(3, dim=-1)
        q, k, v = map(lambda t: rearrange(t, "b n (h d) -> b h n d", h=self.heads), qkv)
        attn = self.attend(torch.matmul(q, k.transpose(-1, -2)))
        out = rearrange(torch.matmul(attn, v), "b h n d -> b n (h d)")
        return self.to_out(out)


class Transformer(nn.Module):
    def __init__(self, dim, depth, mlp_dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.layers = nn.ModuleList([])
        for _ in range(depth):
            self.layers.append(nn.ModuleList([
                Attention(dim),
                FeedForward(dim, mlp_dim),
            ]))

    def forward(self, x):
        for attn, ff in self.layers:
            x = attn(x) + x
            x = ff(x) + x
        return self.norm(x)


class ViT(nn.Module):
    def __init__(self, dim=8, depth=2, mlp_dim=16, num_classes=3):
        super().__init__()
        self.transformer = Transformer(dim, depth, mlp_dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.transformer(x)
        return self.head(x[:, 0])
'''


def _traced(model, *shape: int) -> dict:
    torch = pytest.importorskip("torch")
    pytest.importorskip("einops")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(*shape), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def _claims(tmp_path: Path, source: str) -> dict:
    models = _program(tmp_path, {"vitlike.py": source})
    return {(row.class_name, row.name): row.activation for row in models["vitlike.py"].layers}


def test_a_lambda_mapped_over_a_split_and_blocks_unpacked_from_a_module_list(tmp_path: Path) -> None:
    """`map(lambda t: rearrange(t, ...), qkv)` runs the lambda on each part (to_qkv meets the
    matmuls); `for attn, ff in self.layers` takes each inner list's items by place, so what
    Attention and FeedForward return meets the next block: their last Linears feed a Linear."""
    claims = _claims(tmp_path, VIT)
    assert claims[("Attention", "to_qkv")] == "none"
    assert claims[("Attention", "to_out")] == "none"
    assert claims[("FeedForward", "net.3")] == "none"
    assert claims[("FeedForward", "net.1")] == "gelu"
    with _importable(tmp_path) as load:
        runtime = _traced(load("vitlike").ViT(), 2, 5, 8)
    for layer, activation in runtime.items():
        short = layer.split(".")[-1] if "net." not in layer else "net." + layer.split(".")[-1]
        owner = {"to_qkv": "Attention", "to_out": "Attention", "net.1": "FeedForward", "net.3": "FeedForward"}
        if short in owner:
            assert claims[(owner[short], short)] == activation, layer


def test_unpacking_lists_of_other_lengths_or_a_mapped_function_stays_unknown(tmp_path: Path) -> None:
    """Places are known only where every inner list has as many items as the loop names: a list
    built by a comprehension, or `map(fn, ...)` with a function, are not read (unknown, not a guess)."""
    looped = VIT.replace("""nn.ModuleList([
                Attention(dim),
                FeedForward(dim, mlp_dim),
            ])""", "nn.ModuleList([Attention(dim) for _ in range(2)])")
    (tmp_path / "looped").mkdir()
    assert _claims(tmp_path / "looped", looped)[("Attention", "to_out")] == "unknown"
    named = VIT.replace('map(lambda t: rearrange(t, "b n (h d) -> b h n d", h=self.heads), qkv)', "map(self.split, qkv)")
    (tmp_path / "named").mkdir()
    assert _claims(tmp_path / "named", named)[("Attention", "to_qkv")] == "unknown"


def test_a_lambda_mapped_over_a_tuple_with_a_split_spread_in(tmp_path: Path) -> None:
    """cait's `qkv = (self.to_q(x), *self.to_kv(context).chunk(2, dim=-1))`: the parts of the split are
    not counted, so the three names each take every part through the lambda: all meet the matmuls."""
    source = VIT.replace("self.to_qkv = nn.Linear(dim, inner_dim * 3, bias=False)",
                         "self.to_q = nn.Linear(dim, inner_dim, bias=False)\n"
                         "        self.to_kv = nn.Linear(dim, inner_dim * 2, bias=False)")
    source = source.replace("qkv = self.to_qkv(x).chunk(3, dim=-1)", "qkv = (self.to_q(x), *self.to_kv(x).chunk(2, dim=-1))")
    claims = _claims(tmp_path, source)
    assert claims[("Attention", "to_q")] == claims[("Attention", "to_kv")] == "none"
    with _importable(tmp_path) as load:
        runtime = _traced(load("vitlike").ViT(), 2, 5, 8)
    assert runtime["transformer.layers.0.0.to_q"] == runtime["transformer.layers.1.0.to_kv"] == "none"


PACKED = '''import torch
from torch import nn
from einops import pack, unpack, repeat


class Registers(nn.Module):
    def __init__(self, dim=8, num_classes=3):
        super().__init__()
        self.embed = nn.Linear(dim, dim)
        self.registers = nn.Parameter(torch.randn(2, dim))
        self.mix = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.embed(x)
        r = repeat(self.registers, "n d -> b n d", b=x.shape[0])
        x, ps = pack([x, r], "b * d")
        x = self.mix(x)
        x, _ = unpack(x, ps, "b * d")
        return self.head(torch.relu(x).mean(dim=1))
'''


def test_einops_pack_joins_and_unpack_splits(tmp_path: Path) -> None:
    """vit-pytorch's register tokens: `pack([x, r], "b * d")` concatenates (what goes in meets a
    join: none), `unpack` hands back the parts of its tensor (what follows them: a ReLU)."""
    claims = _claims(tmp_path, PACKED)
    assert claims[("Registers", "embed")] == "none"
    assert claims[("Registers", "mix")] == "relu"
    with _importable(tmp_path) as load:
        runtime = _traced(load("vitlike").Registers(), 2, 5, 8)
    assert runtime["embed"] == "none" and runtime["mix"] == "relu" and runtime["head"] == "none"


CROSS_EMBED = '''import torch
from torch import nn


class CrossEmbed(nn.Module):
    def __init__(self, dim_in=4, dim_out=8):
        super().__init__()
        self.convs = nn.ModuleList([])
        for kernel in (1, 3):
            self.convs.append(nn.Conv2d(dim_in, dim_out // 2, kernel, padding=kernel // 2))
        self.mix = nn.Conv2d(dim_out, dim_out, 1)

    def forward(self, x):
        fmaps = tuple(map(lambda conv: conv(x), self.convs))
        return self.mix(torch.sigmoid(torch.cat(fmaps, dim=1)))
'''


def test_a_lambda_mapped_over_a_module_list_calls_each(tmp_path: Path) -> None:
    """crossformer's `tuple(map(lambda conv: conv(x), self.convs))`: each conv of the list runs on x
    and its output goes where the tuple goes (torch.cat: a join, none)."""
    claims = _claims(tmp_path, CROSS_EMBED)
    assert claims[("CrossEmbed", "convs.*")] == "none"
    with _importable(tmp_path) as load:
        runtime = _traced(load("vitlike").CrossEmbed(), 2, 4, 6, 6)
    assert runtime["convs.0"] == runtime["convs.1"] == "none"


def test_loop_unpacking_takes_places_of_lists_and_sequentials_only() -> None:
    """`for a, b in self.layers`: a ModuleList's (or a Sequential's) items by place; a ModuleDict
    iterates over its keys, a list filled in a loop or of another length has no known places."""
    from initlint.semantics.values import ChainV, UnknownV, unpacked_items

    attn, ff = UnknownV("attn"), UnknownV("ff")
    assert unpacked_items(ChainV([(None, attn), (None, ff)], "list"), 2) == [attn, ff]
    assert unpacked_items(ChainV([("attn", attn), ("ff", ff)], "sequential"), 2) == [attn, ff]
    assert unpacked_items(ChainV([("attn", attn), ("ff", ff)], "list"), 2) is None  # a ModuleDict: its keys
    assert unpacked_items(ChainV([(None, attn), (None, ff)], "list"), 3) is None
    assert unpacked_items(ChainV([("<loop>", [(None, attn)])], "list"), 1) is None
