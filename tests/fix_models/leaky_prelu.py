"""LeakyReLU after a conv (through BatchNorm), PReLU after a Linear; `init` imported by name."""

import torch.nn as nn
from torch.nn import init


class LeakyPrelu(nn.Module):
    input_shape = (4, 16, 12, 12)

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(16, 64, 3, padding=1)
        self.bn = nn.BatchNorm2d(64)
        self.act = nn.LeakyReLU(0.2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, 512)
        self.prelu = nn.PReLU()
        self.out = nn.Linear(512, 3)
        init.zeros_(self.out.bias)

    def forward(self, x):
        x = self.act(self.bn(self.conv(x)))
        x = self.pool(x).flatten(1)
        return self.out(self.prelu(self.fc(x)))


EXPECT = {"LeakyPrelu": {"conv": ("leaky_relu", 0.2), "fc": ("prelu", 0.25)}}
