"""A project that builds on the meta device and materialises with `to_empty()`.

Materialising re-initialises every weight (`reset_parameters()`), so an init in `__init__` is
discarded. The fix goes in the class's own `reset_parameters`, at its end; it takes effect only
if the materialising code runs the model's routine after each layer's own reset (here it does:
children first), which one file cannot prove, so the fix is unsafe (`--unsafe-fixes`). A class
with no such routine gets an unsafe fix right after the layer, whose message says to define one.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class WithReset(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=fc
        self.out = nn.Linear(width, 2)  # expect: act=none init=default layer=out

    def reset_parameters(self) -> None:
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.fc(x)))


class WithoutRoutine(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.fc = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=fc
        self.out = nn.Linear(width, 2)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.fc(x)))


def materialise(cls: type) -> nn.Module:
    with torch.device("meta"):
        model = cls()
    model.to_empty(device="cpu")
    for m in reversed(list(model.modules())):  # each layer before the model that holds it
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return model


EXAMPLE_INPUTS = {"WithReset": ((2, 64),), "WithoutRoutine": ((2, 64),)}
