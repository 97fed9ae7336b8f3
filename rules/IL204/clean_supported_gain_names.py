"""Every name torch accepts: relu, leaky_relu with its slope, tanh, sigmoid, selu, linear,
and the conv names (gain 1)."""

import torch
from torch import nn


class SupportedNames(nn.Module):
    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)  # expect: act=relu init=explicit layer=conv
        self.fc1 = nn.Linear(width, width)  # expect: act=leaky_relu param=0.2 init=explicit layer=fc1
        self.fc2 = nn.Linear(width, width)  # expect: act=tanh init=explicit layer=fc2
        self.fc3 = nn.Linear(width, width)  # expect: act=none init=explicit layer=fc3
        nn.init.kaiming_normal_(self.conv.weight, nonlinearity="relu")
        nn.init.kaiming_uniform_(self.fc1.weight, a=0.2, nonlinearity="leaky_relu")
        nn.init.xavier_uniform_(self.fc2.weight, gain=nn.init.calculate_gain("tanh"))
        nn.init.xavier_uniform_(self.fc3.weight, gain=nn.init.calculate_gain("conv2d"))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        a = torch.relu(self.conv(x)).mean()
        h = torch.tanh(self.fc2(nn.functional.leaky_relu(self.fc1(y), 0.2)))
        return self.fc3(h) + a


EXAMPLE_INPUTS = {"SupportedNames": ((1, 3, 5, 5), (2, 16))}
