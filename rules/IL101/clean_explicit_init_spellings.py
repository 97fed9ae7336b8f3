"""Every layer is initialised explicitly, each under another spelling.

`nn.init.*`, `torch.nn.init.*`, `from torch.nn import init`, the old torchvision
`weight.data.normal_(0, math.sqrt(2. / n))`, `.uniform_` on `.data`, and
`kaiming_uniform_(w)` with no arguments, which is He init (a=0, leaky_relu), not the default.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import init


class ExplicitlyInitialised(nn.Module):
    def __init__(self, in_channels: int = 3, channels: int = 8, hidden: int = 64, num_classes: int = 10) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, kernel_size=3, padding=1)  # expect: act=relu init=explicit layer=conv
        self.fc1 = nn.Linear(channels * 4 * 4, hidden)  # expect: act=relu init=explicit layer=fc1
        self.fc2 = nn.Linear(hidden, hidden)  # expect: act=relu init=explicit layer=fc2
        self.fc3 = nn.Linear(hidden, hidden)  # expect: act=relu init=explicit layer=fc3
        self.fc4 = nn.Linear(hidden, hidden)  # expect: act=relu init=explicit layer=fc4
        self.out = nn.Linear(hidden, num_classes)  # expect: act=none init=explicit layer=out

        n = self.conv.kernel_size[0] * self.conv.kernel_size[1] * self.conv.out_channels
        self.conv.weight.data.normal_(0, math.sqrt(2.0 / n))
        nn.init.kaiming_normal_(self.fc1.weight, nonlinearity="relu")
        torch.nn.init.kaiming_uniform_(self.fc2.weight, mode="fan_in", nonlinearity="relu")
        init.kaiming_normal_(self.fc3.weight, a=0, mode="fan_out")
        nn.init.kaiming_uniform_(self.fc4.weight)
        self.out.weight.data.uniform_(-0.01, 0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = F.relu(self.fc3(x))
        x = F.relu(self.fc4(x))
        return self.out(x)


EXAMPLE_INPUTS = {"ExplicitlyInitialised": ((2, 3, 8, 8),)}
