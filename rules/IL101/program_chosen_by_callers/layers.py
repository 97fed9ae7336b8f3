"""Blocks whose activation their callers choose in ways the block's own file cannot see: an
instance a None parameter falls back to, a subclass binding the activation again, a config field."""

import torch.nn as nn


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, act=None):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)  # expect: act=tanh init=explicit
        if act is None:
            act = nn.ReLU()
        self.act = act

    def forward(self, x):
        return self.act(self.conv(x))


class Dense(nn.Module):
    def __init__(self, dim=8, act_layer=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(dim, dim)  # expect: act=unknown init=default
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))
