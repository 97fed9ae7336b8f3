"""Layers whose output is split into parts (`chunk`, `split`, `unbind`).

Each part is followed on its own. In `DualPath` both halves of `conv` meet SiLU: SiLU. In
`GEGLU` one half is a gate (no activation) and the other meets GELU: a gated unit has no
single right gain, so `proj` is unknown and not flagged.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class DualPath(nn.Module):
    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, 2 * channels, 3, padding=1)  # expect: IL106 act=silu init=default layer=conv
        nn.init.normal_(self.conv.weight, std=1.67653 / self.conv.weight[0].numel() ** 0.5)  # SiLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.merge = nn.Conv2d(2 * channels, channels, 1)  # expect: act=none init=default layer=merge

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        left, right = self.conv(x).chunk(2, dim=1)
        return self.merge(torch.cat([F.silu(left), F.silu(right)], dim=1))


class GEGLU(nn.Module):
    def __init__(self, dim: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, 2 * hidden)  # expect: act=unknown init=default layer=proj
        self.out = nn.Linear(hidden, dim)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, gate = self.proj(x).chunk(2, dim=-1)
        return self.out(a * F.gelu(gate))


EXAMPLE_INPUTS = {"DualPath": ((2, 8, 8, 8),), "GEGLU": ((2, 16),)}
