"""Kaiming init whose nonlinearity is not the activation that follows.

nonlinearity="relu" (gain sqrt(2)) before tanh (5/3) and before sigmoid (1), and the
argument-less kaiming_normal_ (He: leaky_relu with a=0, gain sqrt(2)) before tanh, through
`self.apply(self._init_weights)`. Kaiming "relu" before GELU is within the range IL202
accepts for smooth ReLU-likes.
"""

import torch
from torch import nn


class MismatchedKaiming(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.to_tanh = nn.Linear(width, width)  # expect: IL202 act=tanh init=explicit layer=to_tanh
        self.to_gate = nn.Linear(width, width)  # expect: IL202 act=sigmoid init=explicit layer=to_gate
        self.to_gelu = nn.Linear(width, width)  # expect: act=gelu init=explicit layer=to_gelu
        self.act = nn.GELU()
        nn.init.kaiming_uniform_(self.to_tanh.weight, nonlinearity="relu")
        nn.init.kaiming_normal_(self.to_gate.weight, mode="fan_in", nonlinearity="relu")
        nn.init.kaiming_normal_(self.to_gelu.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.to_tanh(x))
        return torch.sigmoid(self.to_gate(h)) * self.act(self.to_gelu(h))


class TanhEncoder(nn.Module):
    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(width, width),  # expect: IL202 act=tanh init=explicit layer=layers.0
            nn.Tanh(),
            nn.Linear(width, width),  # expect: IL202 act=tanh init=explicit layer=layers.2
            nn.Tanh(),
        )
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


EXAMPLE_INPUTS = {"MismatchedKaiming": ((2, 32),), "TanhEncoder": ((2, 16),)}
