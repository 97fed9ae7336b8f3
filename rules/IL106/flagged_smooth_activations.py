"""Smooth ReLU-likes after layers left on the default init, each found another way.

GELU and SiLU as held modules, Mish and Hardswish in nn.Sequential (behind a LayerNorm),
ELU(alpha=0.5) and CELU as functions, Softplus as a module, the tanh approximation of GELU,
and F.silu after a depthwise Conv1d (a speech front-end block).
"""

import torch
import torch.nn.functional as F
from torch import nn


class SmoothMLP(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.fc_gelu = nn.Linear(width, width)  # expect: IL106 act=gelu init=default layer=fc_gelu
        self.gelu = nn.GELU()
        self.fc_silu = nn.Linear(width, width)  # expect: IL106 act=silu init=default layer=fc_silu
        self.silu = nn.SiLU(inplace=True)
        self.body = nn.Sequential(
            nn.Linear(width, width),  # expect: IL106 act=mish init=default layer=body.0
            nn.Mish(),
            nn.Linear(width, width),  # expect: IL106 act=hardswish init=default layer=body.2
            nn.LayerNorm(width),
            nn.Hardswish(),
        )
        self.fc_elu = nn.Linear(width, width)  # expect: IL106 act=elu param=0.5 init=default layer=fc_elu
        self.fc_celu = nn.Linear(width, width)  # expect: IL106 act=celu param=1.0 init=default layer=fc_celu
        self.fc_softplus = nn.Linear(width, width)  # expect: IL106 act=softplus init=default layer=fc_softplus
        self.softplus = nn.Softplus()
        self.fc_tanh_gelu = nn.Linear(width, width)  # expect: IL106 act=gelu init=default layer=fc_tanh_gelu
        self.head = nn.Linear(width, 3)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gelu(self.fc_gelu(x))
        x = self.silu(self.fc_silu(x))
        x = self.body(x)
        x = F.elu(self.fc_elu(x), alpha=0.5)
        x = torch.celu(self.fc_celu(x))
        x = self.softplus(self.fc_softplus(x))
        x = F.gelu(self.fc_tanh_gelu(x), approximate="tanh")
        return self.head(x)


class ConvSwishBlock(nn.Module):
    """A 1-d conv block (speech front-ends): Conv1d, BatchNorm1d, F.silu, then a pointwise conv."""

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        self.depthwise = nn.Conv1d(channels, channels, kernel_size=5, padding=2, groups=channels)  # expect: IL106 act=silu init=default layer=depthwise type=Conv1d
        self.norm = nn.BatchNorm1d(channels)
        self.pointwise = nn.Conv1d(channels, channels, kernel_size=1)  # expect: act=none init=default layer=pointwise type=Conv1d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pointwise(F.silu(self.norm(self.depthwise(x))))


EXAMPLE_INPUTS = {"SmoothMLP": ((2, 32),), "ConvSwishBlock": ((2, 32, 16),)}
