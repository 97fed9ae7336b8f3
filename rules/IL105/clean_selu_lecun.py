"""SELU layers with LeCun normal, as torch's docs say: kaiming_normal_(w, nonlinearity="linear").

Once in an init loop over self.modules() (mode="fan_in", the default), once directly, and
once with the equivalent `normal_(0, 1/sqrt(fan_in))` on the weight.
"""

import math

import torch
from torch import nn


class SelfNormalizingNet(nn.Module):
    def __init__(self, in_features: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)  # expect: act=selu init=explicit layer=fc1
        self.fc2 = nn.Linear(hidden, hidden)  # expect: act=selu init=explicit layer=fc2
        self.act = nn.SELU()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="linear")
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.fc2(self.act(self.fc1(x))))


class SeluHead(nn.Module):
    def __init__(self, hidden: int = 32) -> None:
        super().__init__()
        self.proj = nn.Linear(hidden, hidden)  # expect: act=selu init=explicit layer=proj
        self.proj2 = nn.Linear(hidden, hidden)  # expect: act=selu init=explicit layer=proj2
        nn.init.kaiming_normal_(self.proj.weight, nonlinearity="linear")
        self.proj2.weight.data.normal_(0.0, 1.0 / math.sqrt(hidden))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.selu(self.proj2(torch.selu(self.proj(x))))


EXAMPLE_INPUTS = {"SelfNormalizingNet": ((2, 16),), "SeluHead": ((2, 32),)}
