"""Tanh layers initialised for tanh, in the spellings people use.

Xavier with `gain=calculate_gain("tanh")` (what Glorot & Bengio derived the scheme for),
kaiming with nonlinearity="tanh", and an explicit normal_ on a Hardtanh layer.
"""

import math

import torch
import torch.nn as nn


class TanhRNNCell(nn.Module):
    """h' = tanh(W_ih x + W_hh h): an Elman cell written with two Linear layers."""

    def __init__(self, input_size: int = 16, hidden_size: int = 32) -> None:
        super().__init__()
        self.ih = nn.Linear(input_size, hidden_size)  # expect: act=tanh init=explicit layer=ih
        self.hh = nn.Linear(hidden_size, hidden_size, bias=False)  # expect: act=tanh init=explicit layer=hh
        nn.init.xavier_uniform_(self.ih.weight, gain=nn.init.calculate_gain("tanh"))
        nn.init.orthogonal_(self.hh.weight)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.ih(x) + self.hh(h))


class TanhMLP(nn.Module):
    def __init__(self, in_features: int = 8, hidden: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)  # expect: act=tanh init=explicit layer=fc1
        self.act1 = nn.Tanh()
        self.fc2 = nn.Linear(hidden, hidden)  # expect: act=hardtanh init=explicit layer=fc2
        self.act2 = nn.Hardtanh()
        self.out = nn.Linear(hidden, 1)  # expect: act=none init=explicit layer=out
        nn.init.kaiming_normal_(self.fc1.weight, nonlinearity="tanh")
        nn.init.normal_(self.fc2.weight, std=1.0 / math.sqrt(hidden))
        nn.init.xavier_normal_(self.out.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act2(self.fc2(self.act1(self.fc1(x)))))


EXAMPLE_INPUTS = {"TanhRNNCell": ((2, 16), (2, 32)), "TanhMLP": ((2, 8),)}
