"""Activations found by following forward's data flow (`from torch import nn`).

A held activation module two statements later, F.relu wrapped around the call, a tensor
method, F.relu6 behind a Dropout, torch.relu behind a LayerNorm.
"""

import torch
import torch.nn.functional as F
from torch import nn


class DataFlowNet(nn.Module):
    def __init__(self, in_features: int = 20, hidden: int = 48, num_classes: int = 5) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)  # expect: IL101 act=relu init=default layer=fc1
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, hidden)  # expect: IL101 act=relu init=default layer=fc2
        self.fc3 = nn.Linear(hidden, hidden)  # expect: IL101 act=relu init=default layer=fc3
        self.fc4 = nn.Linear(hidden, hidden)  # expect: IL101 act=relu6 init=default layer=fc4
        self.fc5 = nn.Linear(hidden, hidden)  # expect: IL101 act=relu init=default layer=fc5
        self.norm = nn.LayerNorm(hidden)
        self.dropout = nn.Dropout(0.1)
        self.out = nn.Linear(hidden, num_classes)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x)
        x = self.act(x)
        x = F.relu(self.fc2(x))
        x = self.fc3(x).relu()
        x = F.relu6(self.dropout(self.fc4(x)))
        h = self.fc5(x)
        h = self.norm(h)
        x = torch.relu(h)
        return self.out(x)


EXAMPLE_INPUTS = {"DataFlowNet": ((2, 20),)}
