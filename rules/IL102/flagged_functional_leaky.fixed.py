"""F.leaky_relu in forward: slope by keyword, by position, left at torch's 0.01, and read from
an attribute set from a constructor default (`self.negative_slope = negative_slope`).

The two heads return a tuple (a VAE encoder): no activation.
"""

import torch
import torch.nn.functional as F
from torch import nn


class LeakyEncoder(nn.Module):
    def __init__(self, in_features: int = 16, hidden: int = 32, latent: int = 4, negative_slope: float = 0.2) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.fc1 = nn.Linear(in_features, hidden)  # expect: IL102 act=leaky_relu param=0.3 init=default layer=fc1
        nn.init.kaiming_uniform_(self.fc1.weight, a=0.3, nonlinearity="leaky_relu")
        self.fc2 = nn.Linear(hidden, hidden)  # expect: IL102 act=leaky_relu param=0.3 init=default layer=fc2
        nn.init.kaiming_uniform_(self.fc2.weight, a=0.3, nonlinearity="leaky_relu")
        self.fc3 = nn.Linear(hidden, hidden)  # expect: IL102 act=leaky_relu param=0.01 init=default layer=fc3
        nn.init.kaiming_uniform_(self.fc3.weight, a=0.01, nonlinearity="leaky_relu")
        self.fc4 = nn.Linear(hidden, hidden)  # expect: IL102 act=leaky_relu param=0.2 init=default layer=fc4
        nn.init.kaiming_uniform_(self.fc4.weight, a=0.2, nonlinearity="leaky_relu")
        self.mu = nn.Linear(hidden, latent)  # expect: act=none init=default layer=mu
        self.logvar = nn.Linear(hidden, latent)  # expect: act=none init=default layer=logvar

    def forward(self, x: torch.Tensor):
        h = F.leaky_relu(self.fc1(x), negative_slope=0.3)
        h = F.leaky_relu(self.fc2(h), 0.3)
        h = F.leaky_relu(self.fc3(h))
        h = F.leaky_relu(self.fc4(h), self.negative_slope)
        return self.mu(h), self.logvar(h)


EXAMPLE_INPUTS = {"LeakyEncoder": ((2, 16),)}
