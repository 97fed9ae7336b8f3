"""Sigmoid gates fed by layers on the default init.

- SENet's SELayer: Linear, ReLU, Linear, Sigmoid in one Sequential, with views around it;
- Attention U-Net's gate: W_g and W_x are Sequential(Conv2d, BatchNorm2d) whose outputs are
  added and then go through ReLU; psi is Conv2d, BatchNorm2d, Sigmoid;
- a GRU-style cell: torch.sigmoid on the update gate, torch.tanh on the candidate,
  F.hardsigmoid on a MobileNetV3-style channel gate.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class SELayer(nn.Module):
    def __init__(self, channel: int = 32, reduction: int = 4) -> None:
        super(SELayer, self).__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channel, channel // reduction, bias=False),  # expect: IL101 act=relu init=default layer=fc.0
            nn.ReLU(inplace=True),
            nn.Linear(channel // reduction, channel, bias=False),  # expect: IL104 act=sigmoid init=default layer=fc.2
            nn.Sigmoid(),
        )
        nn.init.kaiming_uniform_(self.fc[0].weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)


class AttentionGate(nn.Module):
    """Additive attention gate of Attention U-Net (Oktay et al., 2018)."""

    def __init__(self, F_g: int = 16, F_l: int = 16, F_int: int = 8) -> None:
        super().__init__()
        self.W_g = nn.Sequential(
            nn.Conv2d(F_g, F_int, kernel_size=1, stride=1, padding=0, bias=True),  # expect: IL101 act=relu init=default layer=W_g.0
            nn.BatchNorm2d(F_int),
        )
        nn.init.kaiming_uniform_(self.W_g[0].weight, nonlinearity="relu")
        self.W_x = nn.Sequential(
            nn.Conv2d(F_l, F_int, kernel_size=1, stride=1, padding=0, bias=True),  # expect: IL101 act=relu init=default layer=W_x.0
            nn.BatchNorm2d(F_int),
        )
        nn.init.kaiming_uniform_(self.W_x[0].weight, nonlinearity="relu")
        self.psi = nn.Sequential(
            nn.Conv2d(F_int, 1, kernel_size=1, stride=1, padding=0, bias=True),  # expect: IL104 act=sigmoid init=default layer=psi.0
            nn.BatchNorm2d(1),
            nn.Sigmoid(),
        )
        self.relu = nn.ReLU(inplace=True)

    def forward(self, g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        g1 = self.W_g(g)
        x1 = self.W_x(x)
        psi = self.relu(g1 + x1)
        psi = self.psi(psi)
        return x * psi


class GatedCell(nn.Module):
    def __init__(self, input_size: int = 16, hidden_size: int = 32) -> None:
        super().__init__()
        self.update = nn.Linear(input_size + hidden_size, hidden_size)  # expect: IL104 act=sigmoid init=default layer=update
        self.candidate = nn.Linear(input_size + hidden_size, hidden_size)  # expect: IL103 act=tanh init=default layer=candidate
        nn.init.kaiming_uniform_(self.candidate.weight, nonlinearity="tanh")
        self.channel_gate = nn.Linear(hidden_size, hidden_size)  # expect: IL104 act=hardsigmoid init=default layer=channel_gate

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        xh = torch.cat([x, h], dim=-1)
        z = torch.sigmoid(self.update(xh))
        h_tilde = torch.tanh(self.candidate(xh))
        h = (1 - z) * h + z * h_tilde
        return h * F.hardsigmoid(self.channel_gate(h))


EXAMPLE_INPUTS = {
    "SELayer": ((2, 32, 4, 4),),
    "AttentionGate": ((2, 16, 8, 8), (2, 16, 8, 8)),
    "GatedCell": ((2, 16), (2, 32)),
}
