"""Outputs that travel before meeting their activation: returned by a helper method as a
tuple and unpacked by the caller, which activates one element only; the model's own output
is a namedtuple, and nothing follows what goes into it.
"""

from collections import namedtuple

import torch
import torch.nn.functional as F
from torch import nn

Outputs = namedtuple("Outputs", ["logits", "aux"])


class Detector(nn.Module):
    def __init__(self, channels: int = 8, classes: int = 4) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, channels, 3, padding=1)  # expect: IL101 act=relu init=default layer=stem
        nn.init.kaiming_uniform_(self.stem.weight, nonlinearity="relu")
        self.hidden = nn.Linear(channels, channels)  # expect: IL101 act=relu init=default layer=hidden
        nn.init.kaiming_uniform_(self.hidden.weight, nonlinearity="relu")
        self.side = nn.Linear(channels, 2)  # expect: act=none init=default layer=side
        self.fc = nn.Linear(channels, classes)  # expect: act=none init=default layer=fc

    def _project(self, x: torch.Tensor):
        pooled = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.hidden(pooled), self.side(pooled)

    def forward(self, x: torch.Tensor) -> Outputs:
        x = self.stem(x)
        hidden, side = self._project(x.relu())
        return Outputs(self.fc(F.relu(hidden)), side)


EXAMPLE_INPUTS = {"Detector": ((2, 3, 8, 8),)}
