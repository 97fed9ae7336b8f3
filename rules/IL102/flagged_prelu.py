"""PReLU and RReLU after Conv/Linear layers left on the default init.

PReLU's slope is learned; what matters for init is its starting value: `init=` (0.25 by
default). `nn.PReLU(channels)` passes num_parameters positionally, so its slope is 0.25
too. torch has no 'prelu' gain name; the fix uses leaky_relu with a = the initial slope.
RReLU in eval mode uses the mean of its bounds, (1/8 + 1/3) / 2.
"""

import torch
import torch.nn.functional as F
from torch import nn


class PReLUNet(nn.Module):
    def __init__(self, in_channels: int = 3, channels: int = 16, hidden: int = 64, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, padding=1)  # expect: IL102 act=prelu param=0.25 init=default layer=conv1
        self.bn1 = nn.BatchNorm2d(channels)
        self.prelu1 = nn.PReLU(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)  # expect: IL102 act=prelu param=0.1 init=default layer=conv2
        self.prelu2 = nn.PReLU(init=0.1)
        self.fc1 = nn.Linear(channels, hidden)  # expect: IL102 act=prelu param=0.25 init=default layer=fc1
        self.prelu3 = nn.PReLU()
        self.fc2 = nn.Linear(hidden, hidden)  # expect: IL102 act=rrelu init=default layer=fc2
        self.rrelu = nn.RReLU()
        self.head = nn.Linear(hidden, num_classes)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.prelu1(self.bn1(self.conv1(x)))
        x = self.prelu2(self.conv2(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        x = self.prelu3(self.fc1(x))
        x = self.rrelu(self.fc2(x))
        return self.head(x)


EXAMPLE_INPUTS = {"PReLUNet": ((2, 3, 8, 8),)}
