"""Tanh-family activations after layers left on the default init.

torch.tanh around the call, the tensor method `.tanh()`, nn.Tanh behind a LayerNorm in a
Sequential, nn.Hardtanh and nn.Softsign. torch's gain for tanh is 5/3; Hardtanh and
Softsign have no torch name and get their second-moment gains.
"""

import torch
import torch.nn as nn


class TanhMLP(nn.Module):
    def __init__(self, in_features: int = 8, hidden: int = 32, out_features: int = 2) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)  # expect: IL103 act=tanh init=default layer=fc1
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="tanh")
        self.fc2 = nn.Linear(hidden, hidden)  # expect: IL103 act=tanh init=default layer=fc2
        nn.init.kaiming_uniform_(self.fc2.weight, nonlinearity="tanh")
        self.fc3 = nn.Linear(hidden, out_features)  # expect: act=none init=default layer=fc3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.tanh(self.fc1(x))
        x = self.fc2(x).tanh()
        return self.fc3(x)


class PolicyTrunk(nn.Module):
    def __init__(self, obs_dim: int = 8, hidden: int = 32, num_actions: int = 4) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Linear(obs_dim, hidden),  # expect: IL103 act=tanh init=default layer=trunk.0
            nn.LayerNorm(hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),  # expect: IL103 act=hardtanh init=default layer=trunk.3
            nn.Hardtanh(),
            nn.Linear(hidden, hidden),  # expect: IL103 act=softsign init=default layer=trunk.5
            nn.Softsign(),
        )
        nn.init.kaiming_uniform_(self.trunk[0].weight, nonlinearity="tanh")
        nn.init.normal_(self.trunk[3].weight, std=1.39204 / self.trunk[3].weight[0].numel() ** 0.5)  # Hardtanh gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        nn.init.normal_(self.trunk[5].weight, std=2.33753 / self.trunk[5].weight[0].numel() ** 0.5)  # Softsign gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.logits = nn.Linear(hidden, num_actions)  # expect: act=none init=default layer=logits

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.logits(self.trunk(obs))


EXAMPLE_INPUTS = {"TanhMLP": ((2, 8),), "PolicyTrunk": ((2, 8),)}
