"""A block whose callers pick different activations: judged, and fixed, at each use."""

import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin=3, cout=8, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)  # reported at each use (net.py)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))
