"""Classes that own an init routine: the fix goes after the routine runs, at the end of
__init__, so a routine that re-runs the defaults (ResetAll) cannot undo it."""

import torch.nn as nn
import torch.nn.functional as F


class ResetAll(nn.Module):
    input_shape = (8, 256)

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(256, 256)
        self.out = nn.Linear(256, 2)
        self.reset_parameters()

    def reset_parameters(self):
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()

    def forward(self, x):
        return self.out(F.relu(self.fc(x)))


class LinearOnlyRoutine(nn.Module):
    input_shape = (2, 16, 8, 8)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 64, 3, padding=1)
        self.act = nn.ReLU()
        self.proj = nn.Linear(64, 64)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, x):
        return self.proj(self.act(self.conv(x)).mean((2, 3)))


class LoopAtTheEnd(nn.Module):
    input_shape = (2, 16, 8, 8)

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(16, 64, 3, padding=1), nn.BatchNorm2d(64), nn.SiLU())
        self.head = nn.Conv2d(64, 4, 1)
        for m in self.modules():
            if isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.head(self.body(x))


EXPECT = {
    "ResetAll": {"fc": ("relu", None)},
    "LinearOnlyRoutine": {"conv": ("relu", None)},
    "LoopAtTheEnd": {"body.0": ("silu", None)},
}
