"""A layer bound on several paths: every live alternative gets its own fix, or none does.

`Rebuilt` binds `fc` again after an early `return`, `Wide` in a branch: each binding is fixed
right after it, so the model gets the right init whichever path runs. `Dead` rebinds `fc`
after its `return`: that line never runs, is not analysed and gets no fix. In `Pruned` the
branch is decided by the default (`wide=False`), but a caller elsewhere may pass True: the
other binding is listed, judged at no default (unknown), so neither gets a fix and the finding stays.
"""

import torch
import torch.nn as nn


class Rebuilt(nn.Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        self.out = nn.Linear(16, 4)  # expect: act=none init=default layer=out
        if width < 4:
            return
        self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class Wide(nn.Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        if width > 4:
            self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
            nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        self.out = nn.Linear(16, 4)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class Dead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        self.out = nn.Linear(16, 4)  # expect: act=none init=default layer=out
        return
        self.fc = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class Pruned(nn.Module):
    def __init__(self, wide: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        if wide:
            self.fc = nn.Linear(16, 16)  # expect: act=unknown init=default layer=fc
        self.out = nn.Linear(16, 4)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


EXAMPLE_INPUTS = {"Rebuilt": ((2, 16),), "Wide": ((2, 16),), "Dead": ((2, 16),), "Pruned": ((2, 16),)}
EXAMPLE_VARIANTS = {"Rebuilt": [{"width": 2}], "Wide": [{"width": 2}], "Pruned": [{"wide": True}]}  # the other path builds the other `fc`
