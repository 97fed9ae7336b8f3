"""Activations written out in tensor arithmetic instead of called by name.

`x * torch.sigmoid(x)` is SiLU (Swish), `x * torch.tanh(F.softplus(x))` is Mish, and
`F.relu(x) ** 2` / `torch.square(torch.relu(x))` is squared ReLU (Primer), which has its own
gain sqrt(2/3) (E[relu(z)^4] = 3/2), not ReLU's sqrt(2), and GELU's tanh form (transformers'
`gelu_new`) is GELU. `x * torch.sigmoid(1.702 * x)` (the sigmoid approximation of GELU) is none
of these: its layer is not flagged.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def swish(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(x)


class Mish(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.tanh(F.softplus(x))


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class WrittenOut(nn.Module):
    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)  # expect: IL106 act=silu init=default layer=fc1
        nn.init.normal_(self.fc1.weight, std=1.67653 / self.fc1.weight[0].numel() ** 0.5)  # SiLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.fc2 = nn.Linear(dim, dim)  # expect: IL106 act=mish init=default layer=fc2
        nn.init.normal_(self.fc2.weight, std=1.48685 / self.fc2.weight[0].numel() ** 0.5)  # Mish gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.mish = Mish()
        self.fc3 = nn.Linear(dim, dim)  # expect: IL106 act=squared_relu init=default layer=fc3
        nn.init.normal_(self.fc3.weight, std=0.81650 / self.fc3.weight[0].numel() ** 0.5)  # SquaredReLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.fc4 = nn.Linear(dim, dim)  # expect: IL106 act=squared_relu init=default layer=fc4
        nn.init.normal_(self.fc4.weight, std=0.81650 / self.fc4.weight[0].numel() ** 0.5)  # SquaredReLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.fc5 = nn.Linear(dim, dim)  # expect: act=none init=default layer=fc5
        self.fc6 = nn.Linear(dim, dim)  # expect: IL106 act=gelu init=default layer=fc6
        nn.init.normal_(self.fc6.weight, std=1.53353 / self.fc6.weight[0].numel() ** 0.5)  # GELU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.head = nn.Linear(dim, 2)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = swish(self.fc1(x))
        h = self.mish(self.fc2(h))
        h = F.relu(self.fc3(h)) ** 2
        h = torch.square(torch.relu(self.fc4(h)))
        g = self.fc5(h)
        h = gelu_new(self.fc6(g * torch.sigmoid(1.702 * g)))
        return self.head(h)


EXAMPLE_INPUTS = {"Mish": None, "WrittenOut": ((2, 16),)}
