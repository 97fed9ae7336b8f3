"""A block that draws its own init: Xavier, which fits no ReLU. Built on its own it would be an
IL201 finding; the only model that builds it re-draws every Linear after, so it is not."""

import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.fc = nn.Linear(width, width)  # expect: act=relu init=explicit
        nn.init.xavier_uniform_(self.fc.weight)

    def forward(self, x):
        return x + self.fc(x).relu()
