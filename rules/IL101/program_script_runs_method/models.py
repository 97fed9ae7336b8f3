"""The model: its `init_weights()` re-draws every Conv, but building the model does not run it.
The training script does, on every model it builds, so that is the convs' init (and the block's,
in another module); the Linear layers it skips keep torch's default."""

import torch.nn as nn
import torch.nn.functional as F
from blocks import ConvBlock


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)  # expect: act=relu init=explicit
        self.block = ConvBlock(8)
        self.hidden = nn.Linear(8, 32)  # expect: IL101 act=relu init=default
        self.head = nn.Linear(32, 10)  # expect: act=none init=default

    def init_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.block(F.relu(self.stem(x)))
        x = x.mean((2, 3))
        return self.head(F.relu(self.hidden(x)))
