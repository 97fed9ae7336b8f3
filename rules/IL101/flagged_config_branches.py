"""Activations chosen by configuration flags that the file cannot decide.

Whichever branch runs, `fc1` and `fc2` meet a ReLU (`nn.ReLU(inplace=True)`, `F.relu` kept as
a module attribute, `torch.relu` in forward): the analysis says ReLU, not unknown. `fc3`
meets SiLU or GELU depending on the flag: unknown, never a guess.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = {"inplace": True, "fused": False, "smooth": "silu"}


class ConfigurableMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)  # expect: IL101 act=relu init=default layer=fc1
        if CONFIG["inplace"]:
            self.act = nn.ReLU(inplace=True)
        else:
            self.act = F.relu
        self.fc2 = nn.Linear(32, 32)  # expect: IL101 act=relu init=default layer=fc2
        self.fc3 = nn.Linear(32, 32)  # expect: act=unknown init=default layer=fc3
        self.smooth = nn.SiLU() if CONFIG["smooth"] == "silu" else nn.GELU()
        self.head = nn.Linear(32, 4)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.fc1(x))
        if CONFIG["fused"]:
            h = torch.relu(self.fc2(h))
        else:
            h = F.relu(self.fc2(h), inplace=True)
        h = self.smooth(self.fc3(h))
        return self.head(h)


EXAMPLE_INPUTS = {"ConfigurableMLP": ((2, 16),)}
