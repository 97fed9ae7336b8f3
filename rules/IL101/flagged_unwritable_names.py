"""Layers no inserted line can name: no fix, and the finding says why.

A one-line compound statement (`if c: self.fc = ...`) has no line after it in its branch, and
an OrderedDict key such as `fc-a` or `class` cannot follow a dot in Python.
"""

from collections import OrderedDict

import torch
import torch.nn as nn


class OneLiner(nn.Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()
        if width > 4: self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        else: self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        self.out = nn.Linear(16, 4)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


class Keys(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            OrderedDict(
                [
                    ("fc-a", nn.Linear(16, 16)),  # expect: IL101 act=relu init=default layer=net.fc-a
                    ("act", nn.ReLU()),
                    ("class", nn.Linear(16, 16)),  # expect: IL101 act=relu init=default layer=net.class
                    ("act2", nn.ReLU()),
                    ("out", nn.Linear(16, 4)),  # expect: act=none init=default layer=net.out
                ]
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


EXAMPLE_INPUTS = {"OneLiner": ((2, 16),), "Keys": ((2, 16),)}
EXAMPLE_VARIANTS = {"OneLiner": [{"width": 2}]}  # the `else` builds the other `fc`
