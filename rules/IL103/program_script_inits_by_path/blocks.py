"""A gated block, in a module of its own: its `fc` meets ReLU and its `gate` tanh."""

import torch
import torch.nn as nn


class GatedBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)  # expect: act=relu init=explicit
        self.act = nn.ReLU()
        self.gate = nn.Linear(d, d)  # expect: IL103 act=tanh init=default

    def forward(self, x):
        return self.act(self.fc(x)) * torch.tanh(self.gate(x))
