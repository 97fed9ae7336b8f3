"""`map(f, parts)` where f is a module the class holds (`map(self.split_heads, (q, k, v))`, an einops
Rearrange) or a function of the module (`map(l2norm, (q, k))`): each part goes through f, as
`map(lambda t: f(t), parts)` (normalized_vit). Before, only a lambda was read, and the projections
were unknown. A method (`map(self.split, ...)`) is still not read. Each claim is checked against
torch building and running the module."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _program

NET = '''import torch
import torch.nn.functional as F
from torch import nn
from einops.layers.torch import Rearrange


def l2norm(t, dim=-1):
    return F.normalize(t, dim=dim, p=2)


class Attention(nn.Module):
    def __init__(self, dim=8, heads=2):
        super().__init__()
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.split_heads = Rearrange("b n (h d) -> b h n d", h=heads)
        self.merge_heads = Rearrange("b h n d -> b n (h d)")
        self.to_out = nn.Linear(dim, 3)

    def forward(self, x):
        q, k, v = self.to_q(x), self.to_k(x), self.to_v(x)
        q, k, v = map(self.split_heads, (q, k, v))
        q, k = map(l2norm, (q, k))
        out = F.scaled_dot_product_attention(q, k, v)
        return self.to_out(self.merge_heads(out))
'''


def test_a_module_or_function_mapped_over_parts(tmp_path: Path) -> None:
    models = _program(tmp_path, {"mapped.py": NET})
    claims = {row.name: row.activation for row in models["mapped.py"].layers}
    assert claims["to_q"] == claims["to_k"] == claims["to_v"] == "none", claims
    pytest.importorskip("einops")
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with _importable(tmp_path) as load, torch.no_grad():
        layers = verify(load("mapped").Attention().eval(), torch.randn(2, 5, 8), method="hooks", static=False).layers
    runtime = {row.layer: row.activation for row in layers}
    assert runtime["to_q"] == runtime["to_k"] == runtime["to_v"] == "none"
