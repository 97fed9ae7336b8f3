"""DDPG's actor: the Tanh output head starts small on purpose, its init written out.

The paper initialises the last layer from U(-3e-3, 3e-3) so the first actions are near
zero; the hidden layers use He init for their ReLUs. Nothing to flag: every layer's init is
explicit, and a head's init is a choice (no rule judges `uniform_`).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Actor(nn.Module):
    def __init__(self, obs_dim: int = 8, act_dim: int = 2) -> None:
        super().__init__()
        self.l1 = nn.Linear(obs_dim, 64)  # expect: act=relu init=explicit layer=l1
        self.l2 = nn.Linear(64, act_dim)  # expect: act=tanh init=explicit layer=l2
        nn.init.kaiming_uniform_(self.l1.weight, nonlinearity="relu")
        nn.init.uniform_(self.l2.weight, -3e-3, 3e-3)

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.l2(F.relu(self.l1(state))))


EXAMPLE_INPUTS = {"Actor": ((2, 8),)}
