"""Kaiming's negative slope `a` is not the slope of the LeakyReLU that follows.

a=0.2 before LeakyReLU(0.01) (torch's default slope), the default a=0 with
nonlinearity="leaky_relu" before LeakyReLU(0.2), and a=0.01 before PReLU (init 0.25).
"""

import torch
from torch import nn


class SlopeMismatch(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width)  # expect: IL203 act=leaky_relu param=0.01 init=explicit layer=fc1
        self.act1 = nn.LeakyReLU()
        self.fc2 = nn.Linear(width, width)  # expect: IL203 act=leaky_relu param=0.2 init=explicit layer=fc2
        self.act2 = nn.LeakyReLU(0.2)
        self.fc3 = nn.Linear(width, width)  # expect: IL203 act=prelu param=0.25 init=explicit layer=fc3
        self.act3 = nn.PReLU()
        nn.init.kaiming_uniform_(self.fc1.weight, a=0.2, nonlinearity="leaky_relu")
        nn.init.kaiming_normal_(self.fc2.weight, nonlinearity="leaky_relu")
        nn.init.kaiming_normal_(self.fc3.weight, a=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act3(self.fc3(self.act2(self.fc2(self.act1(self.fc1(x))))))


EXAMPLE_INPUTS = {"SlopeMismatch": ((2, 32),)}
