"""Names as the whole module binds them (as ruff's F811 and mypy see the file).

`init` is imported from torch.nn, then rebound by a module-level `def init(model)`: by the
time a model is built, `init` is that function, so the fix spells `nn.init` instead.
"""

import torch
import torch.nn as nn
from torch.nn import init


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        self.out = nn.Linear(16, 4)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


def init(model: nn.Module) -> nn.Module:
    """A project's own set-up step, which happens to share torch's name."""
    return model


EXAMPLE_INPUTS = {"Net": ((2, 16),)}
