"""Kaiming with the nonlinearity that follows: relu before ReLU, tanh before Tanh,
sigmoid before a gate, linear before an output projection (LeCun), through the
torchvision init loop and direct calls."""

import torch
import torch.nn.functional as F
from torch import nn


class MatchedKaiming(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)  # expect: act=relu init=explicit layer=conv
        self.to_tanh = nn.Linear(8, width)  # expect: act=tanh init=explicit layer=to_tanh
        self.gate = nn.Linear(width, width)  # expect: act=sigmoid init=explicit layer=gate
        self.out = nn.Linear(width, 4)  # expect: act=none init=explicit layer=out
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        nn.init.kaiming_uniform_(self.to_tanh.weight, nonlinearity="tanh")
        nn.init.kaiming_uniform_(self.gate.weight, nonlinearity="sigmoid")
        nn.init.kaiming_uniform_(self.out.weight, nonlinearity="linear")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv(x)).mean(dim=(2, 3))
        h = torch.tanh(self.to_tanh(x))
        return self.out(h * torch.sigmoid(self.gate(h)))


EXAMPLE_INPUTS = {"MatchedKaiming": ((2, 3, 6, 6),)}
