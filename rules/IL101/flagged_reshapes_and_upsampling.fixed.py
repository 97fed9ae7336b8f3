"""einops rearranging and mean reductions, and upsampling, between a layer and its ReLU.

`Rearrange` / `rearrange` move values, `reduce(..., "mean")` and `Reduce(..., "mean")` pool,
`nn.Upsample` and `F.interpolate` repeat or blend neighbours: none of them changes which gain
is right, so each conv here is followed by ReLU.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange, reduce
from einops.layers.torch import Rearrange, Reduce


class UpBlock(nn.Module):
    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)  # expect: IL101 act=relu init=default layer=conv
        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)  # expect: IL101 act=relu init=default layer=conv2
        nn.init.kaiming_uniform_(self.conv2.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.relu(self.up(self.conv(x)))
        return F.relu(F.interpolate(self.conv2(h), scale_factor=0.5, mode="bilinear", align_corners=False))


class Tokens(nn.Module):
    def __init__(self, channels: int = 8, dim: int = 16) -> None:
        super().__init__()
        self.to_tokens = nn.Sequential(
            nn.Conv2d(3, channels, 4, stride=4),  # expect: IL101 act=relu init=default layer=to_tokens.0
            Rearrange("b c h w -> b (h w) c"),
            nn.ReLU(),
        )
        nn.init.kaiming_uniform_(self.to_tokens[0].weight, nonlinearity="relu")
        self.proj = nn.Linear(channels, dim)  # expect: IL101 act=relu init=default layer=proj
        nn.init.kaiming_uniform_(self.proj.weight, nonlinearity="relu")
        self.mix = nn.Conv2d(dim, dim, 1)  # expect: IL101 act=relu init=default layer=mix
        nn.init.kaiming_uniform_(self.mix.weight, nonlinearity="relu")
        self.pool = Reduce("b c h w -> b c", "mean")
        self.head = nn.Linear(dim, 2)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.to_tokens(x)
        grid = rearrange(torch.relu(self.proj(tokens)), "b (h w) c -> b c h w", h=4)
        pooled = reduce(self.mix(grid), "b c (h h2) (w w2) -> b c h w", "mean", h2=2, w2=2)
        return self.head(self.pool(F.relu(pooled)))


EXAMPLE_INPUTS = {"UpBlock": ((2, 8, 8, 8),), "Tokens": ((2, 3, 16, 16),)}
