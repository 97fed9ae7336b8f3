"""A policy built with the factory of layers.py, once with another activation than its default;
the training script (main.py) runs the routine of inits.py on it, which draws every Linear for
ReLU. The factory's own line claims nothing (a caller passes Tanh); each call is judged where it
is made."""

import torch.nn as nn

from layers import conv_block


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            conv_block(3, 16, act=nn.Tanh),  # expect: IL103 act=tanh init=default
            conv_block(16, 16),  # expect: IL101 act=relu init=default
        )
        self.mlp = nn.Sequential(nn.Linear(16, 64), nn.Tanh())  # expect: IL202 act=tanh init=explicit
        self.out = nn.Linear(64, 4)  # expect: act=none init=explicit

    def forward(self, x):
        x = self.features(x).mean((2, 3))
        return self.out(self.mlp(x))
