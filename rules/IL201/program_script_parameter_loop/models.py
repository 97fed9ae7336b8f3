"""A ReLU network whose module draws no init of its own."""

import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, d=32, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)  # expect: IL201 act=relu init=explicit
        self.fc2 = nn.Linear(hidden, hidden)  # expect: IL201 act=relu init=explicit
        self.out = nn.Linear(hidden, d)  # expect: act=none init=explicit
        self.act = nn.ReLU()

    def forward(self, x):
        return self.out(self.act(self.fc2(self.act(self.fc1(x)))))
