"""ReLU and ReLU6 written as clamps: `x.clamp(min=0)` is `F.relu(x)`, `torch.clamp(x, 0, 6)` is
ReLU6. A clamp to other bounds, [-1, 1] included (how a waveform or an image output is bounded),
is taken for a bound on what the model returns: the layer before it meets no activation.
"""

import torch
import torch.nn as nn


class ClampMLP(nn.Module):
    def __init__(self, d: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(d, d)  # expect: IL101 act=relu init=default layer=fc1 type=Linear
        self.fc2 = nn.Linear(d, d)  # expect: IL101 act=relu6 init=default layer=fc2 type=Linear
        self.fc3 = nn.Linear(d, d)  # expect: act=none init=default layer=fc3 type=Linear
        self.fc4 = nn.Linear(d, d)  # expect: act=none init=default layer=fc4 type=Linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x).clamp(min=0)
        x = torch.clamp(self.fc2(x), 0, 6)
        x = self.fc3(x).clamp(-1, 1)
        return self.fc4(x).clamp(-20, 2)


EXAMPLE_INPUTS = {"ClampMLP": ((2, 32),)}
