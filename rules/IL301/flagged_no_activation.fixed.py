"""Layers whose output meets no activation: IL301 (off by default) reports those left on
the default init, because their gain is a choice the default makes for you.

Attention: q/k/v go into matmuls, the output projection is returned. SwiGLU: w3's output is
multiplied by the gated branch (not an activation of w3), w1 feeds SiLU (IL106's business),
w2 is returned. A Linear that feeds another Linear directly (its finding silenced by
`# noqa: IL301`, as a user would for a deliberate bottleneck), and a softmax classifier.
"""

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, dim: int = 32, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)  # expect: IL301 act=none init=default layer=q
        self.k = nn.Linear(dim, dim)  # expect: IL301 act=none init=default layer=k
        self.v = nn.Linear(dim, dim)  # expect: IL301 act=none init=default layer=v
        self.proj = nn.Linear(dim, dim)  # expect: IL301 act=none init=default layer=proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q = self.q(x).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        k = self.k(x).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        v = self.v(x).reshape(b, n, self.heads, c // self.heads).transpose(1, 2)
        attn = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5
        attn = attn.softmax(dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, n, c)
        return self.proj(out)


class SwiGLU(nn.Module):
    def __init__(self, dim: int = 32, hidden: int = 64) -> None:
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)  # expect: IL106 act=silu init=default layer=w1
        nn.init.normal_(self.w1.weight, std=1.67653 / self.w1.weight[0].numel() ** 0.5)  # SiLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.w3 = nn.Linear(dim, hidden, bias=False)  # expect: IL301 act=none init=default layer=w3
        self.w2 = nn.Linear(hidden, dim, bias=False)  # expect: IL301 act=none init=default layer=w2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Classifier(nn.Module):
    def __init__(self, dim: int = 32, bottleneck: int = 8, classes: int = 5) -> None:
        super().__init__()
        self.reduce = nn.Linear(dim, bottleneck)  # noqa: IL301  expect: act=none init=default layer=reduce
        self.fc = nn.Linear(bottleneck, classes)  # expect: IL301 act=softmax init=default layer=fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(self.fc(self.reduce(x)), dim=-1)


EXAMPLE_INPUTS = {"SelfAttention": ((2, 6, 32),), "SwiGLU": ((2, 32),), "Classifier": ((2, 32),)}
