"""Classes that keep their init in a routine: the fix goes where the routine's work ends.

- `_init_weights(self, module)` applied with `self.apply(...)` that touches every Linear (here it
  only zeroes their bias, so `fc1` stays on the default weight): the fix is a branch at the end
  of the routine, written the way the routine is written but for this layer alone
  (`if module is self.fc1:`); the head, also a Linear, keeps what the routine gives it.
- `reset_parameters()`, called by `__init__`, that re-runs every layer's default: an init right
  after the layer would be undone (a dead fix), so the line goes at the end of the routine, which
  is also what runs again when the model is re-initialised (`to_empty()` and a reset).
- A routine that only dispatches on types this layer is not (`isinstance(m, nn.Conv2d)`) leaves
  the Linear alone: its fix stays right after the layer.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class BiasOnlyRoutine(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=fc1
        self.head = nn.Linear(width, 2)  # expect: act=none init=default layer=head
        self.apply(self._init_weights)

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.zeros_(module.bias)
        if module is self.fc1:
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.relu(self.fc1(x)))


class ResetParameters(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=fc1
        self.head = nn.Linear(width, 2)  # expect: act=none init=default layer=head
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.relu(self.fc1(x)))


class ConvOnlyRoutine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)  # expect: act=relu init=explicit layer=conv
        self.fc1 = nn.Linear(16, 64)  # expect: IL101 act=relu init=default layer=fc1
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        self.head = nn.Linear(64, 2)  # expect: act=none init=default layer=head
        self.apply(self._init_weights)

    def _init_weights(self, m: nn.Module) -> None:
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv(x)).mean((2, 3))
        return self.head(F.relu(self.fc1(x)))


EXAMPLE_INPUTS = {"BiasOnlyRoutine": ((2, 64),), "ResetParameters": ((2, 64),), "ConvOnlyRoutine": ((2, 3, 8, 8),)}
