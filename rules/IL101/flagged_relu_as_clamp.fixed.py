"""ReLU, ReLU6 and Hardtanh written as clamps: `x.clamp(min=0)` is `F.relu(x)`, `torch.clamp(x, 0, 6)`
is ReLU6, `x.clamp(-1, 1)` is Hardtanh (IL103). A clamp to other bounds is no activation
catalogued here: the layer before it is followed by nothing this rule book names.
"""

import torch
import torch.nn as nn


class ClampMLP(nn.Module):
    def __init__(self, d: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d, d)  # expect: IL101 act=relu init=default layer=fc1 type=Linear
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        self.fc2 = nn.Linear(d, d)  # expect: IL101 act=relu6 init=default layer=fc2 type=Linear
        nn.init.kaiming_uniform_(self.fc2.weight, nonlinearity="relu")
        self.fc3 = nn.Linear(d, d)  # expect: IL103 act=hardtanh init=default layer=fc3 type=Linear
        nn.init.normal_(self.fc3.weight, std=1.39204 / self.fc3.weight[0].numel() ** 0.5)  # Hardtanh gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)
        self.fc4 = nn.Linear(d, d)  # expect: act=none init=default layer=fc4 type=Linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x).clamp(min=0)
        x = torch.clamp(self.fc2(x), 0, 6)
        x = self.fc3(x).clamp(-1, 1)
        return self.fc4(x).clamp(-20, 2)


EXAMPLE_INPUTS = {"ClampMLP": ((2, 32),)}
