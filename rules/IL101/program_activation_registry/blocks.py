"""A block whose activation is named by a key of the registry in acts.py: ReLU by default."""

import torch.nn as nn

from acts import get_activation


class Block(nn.Module):
    def __init__(self, dim=16, act="relu"):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.act = get_activation(act)

    def forward(self, x):
        return self.act(self.fc(x))
