"""A highway network: layers held in two ModuleLists, initialised by loops over the lists,
run in a forward loop over zip(...) of both.

The transform gates feed torch.sigmoid and are initialised with nonlinearity="sigmoid"
(gain 1) and a negative bias, as Srivastava et al. suggest; the transforms feed ReLU and
get He init.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Highway(nn.Module):
    def __init__(self, size: int = 32, num_layers: int = 2) -> None:
        super().__init__()
        self.nonlinear = nn.ModuleList([nn.Linear(size, size) for _ in range(num_layers)])  # expect: act=relu init=explicit layer=nonlinear.*
        self.gate = nn.ModuleList([nn.Linear(size, size) for _ in range(num_layers)])  # expect: act=sigmoid init=explicit layer=gate.*
        for layer in self.nonlinear:
            nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
        for layer in self.gate:
            nn.init.kaiming_uniform_(layer.weight, nonlinearity="sigmoid")
            nn.init.constant_(layer.bias, -2.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for gate, nonlinear in zip(self.gate, self.nonlinear):
            t = torch.sigmoid(gate(x))
            h = F.relu(nonlinear(x))
            x = t * h + (1 - t) * x
        return x


EXAMPLE_INPUTS = {"Highway": ((2, 32),)}
