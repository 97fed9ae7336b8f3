"""A block two models build: one re-initialises it, the other does not. Its layer is judged at
each use, with the init that runs there."""

import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.c_fc = nn.Linear(d, d)

    def forward(self, x):
        return torch.relu(self.c_fc(x))
