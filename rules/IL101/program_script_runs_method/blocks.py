"""A block of the model, in a module of its own."""

import torch.nn as nn
import torch.nn.functional as F


class ConvBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)  # expect: act=relu init=explicit

    def forward(self, x):
        return F.relu(self.conv(x)) + x
