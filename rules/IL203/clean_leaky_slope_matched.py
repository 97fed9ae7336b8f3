"""Kaiming's `a` equal to the slope that follows, also when both come from one constructor
default (`negative_slope=0.2`), and a PReLU initialised with a=0.25."""

import torch
import torch.nn.functional as F
from torch import nn


class MatchedSlopes(nn.Module):
    def __init__(self, width: int = 32, negative_slope: float = 0.2) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.fc1 = nn.Linear(width, width)  # expect: act=leaky_relu param=0.2 init=explicit layer=fc1
        self.fc2 = nn.Linear(width, width)  # expect: act=prelu param=0.25 init=explicit layer=fc2
        self.prelu = nn.PReLU(init=0.25)
        nn.init.kaiming_uniform_(self.fc1.weight, a=negative_slope, nonlinearity="leaky_relu")
        nn.init.kaiming_uniform_(self.fc2.weight, a=0.25, nonlinearity="leaky_relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.prelu(self.fc2(F.leaky_relu(self.fc1(x), self.negative_slope)))


EXAMPLE_INPUTS = {"MatchedSlopes": ((2, 32),)}
