"""Norm modules written by hand, recognised by what their forward does, not by their name.

`ChannelNorm` (ConvNeXt's channels-first LayerNorm) and `ScaleNorm` (an RMSNorm) only
standardise their input: they build no layer and call no module, take a mean of the input and
divide by a root of a second moment. Like nn.LayerNorm they are transparent, so `conv` is
followed by GELU and `fc` by SiLU.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ChannelNorm(nn.Module):
    def __init__(self, channels: int = 8, eps: float = 1e-6) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + self.eps)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class ScaleNorm(nn.Module):
    def __init__(self, dim: int = 16, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class NormedNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)  # expect: IL106 act=gelu init=default layer=conv
        nn.init.normal_(self.conv.weight, std=1.53353 / self.conv.weight[0].numel() ** 0.5)  # GELU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.norm = ChannelNorm(8)
        self.fc = nn.Linear(8, 16)  # expect: IL106 act=silu init=default layer=fc
        nn.init.normal_(self.fc.weight, std=1.67653 / self.fc.weight[0].numel() ** 0.5)  # SiLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.rms = ScaleNorm(16)
        self.hidden = nn.Linear(16, 16)  # expect: IL106 act=gelu init=default layer=hidden
        nn.init.normal_(self.hidden.weight, std=1.53353 / self.hidden.weight[0].numel() ** 0.5)  # GELU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.head = nn.Linear(16, 2)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.gelu(self.norm(self.conv(x))).mean((2, 3))
        h = F.silu(self.rms(self.fc(h)))
        return self.head(F.gelu(self.hidden(h)))


EXAMPLE_INPUTS = {"ChannelNorm": ((2, 8, 4, 4),), "ScaleNorm": ((2, 16),), "NormedNet": ((2, 3, 8, 8),)}
