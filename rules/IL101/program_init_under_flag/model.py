"""A model its training script re-initialises only when a command-line flag asks: which init the
layers end up with is the command line's choice, so the analysis says unknown (no finding, no fix)."""

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)  # expect: act=relu init=unknown
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(32, 2)  # expect: act=none init=unknown

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
