"""A layer's own init is not the last word on it. A routine that runs after it in `__init__`
(`self.apply(self._init_weights)`) re-draws it, so the routine's init is the effective one (the
Xavier draw below would be an IL201 finding, but it never survives). `reset_parameters()` after
an init puts torch's default back: that layer is flagged, with no fix, since an init inserted
after its construction would run before the reset and be undone; draw it after the reset.
"""

import torch.nn as nn


class RoutineAfter(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)  # expect: act=relu init=explicit layer=fc
        nn.init.xavier_uniform_(self.fc.weight)
        self.out = nn.Linear(width, 2)  # expect: act=none init=explicit layer=out
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return self.out(self.fc(x).relu())


class ResetAfter(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_normal_(self.fc.weight, nonlinearity="relu")
        self.fc.reset_parameters()
        self.out = nn.Linear(width, 2)  # expect: act=none init=default layer=out

    def forward(self, x):
        return self.out(self.fc(x).relu())


EXAMPLE_INPUTS = {"RoutineAfter": ((2, 64),), "ResetAfter": ((2, 64),)}
