"""An MLP built as nn.Sequential(OrderedDict(...)) with `from torch import nn`.

The children have names, so the layers are `net.fc1`, `net.fc2`, `net.out`, and the fix
reaches them as `self.net.fc1.weight`. fc2 meets its ReLU through a LayerNorm.
"""

from collections import OrderedDict

import torch
from torch import nn


class NamedMLP(nn.Module):
    def __init__(self, in_features: int = 32, hidden: int = 64, num_classes: int = 10, p: float = 0.1) -> None:
        super().__init__()
        self.net = nn.Sequential(
            OrderedDict(
                [
                    ("fc1", nn.Linear(in_features, hidden)),  # expect: IL101 act=relu init=default layer=net.fc1
                    ("act1", nn.ReLU()),
                    ("drop1", nn.Dropout(p)),
                    ("fc2", nn.Linear(hidden, hidden)),  # expect: IL101 act=relu init=default layer=net.fc2
                    ("norm2", nn.LayerNorm(hidden)),
                    ("act2", nn.ReLU()),
                    ("out", nn.Linear(hidden, num_classes)),  # expect: act=none init=default layer=net.out
                ]
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


EXAMPLE_INPUTS = {"NamedMLP": ((2, 32),)}
