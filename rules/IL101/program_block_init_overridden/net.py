"""The model: its init routine runs after every block is built, so its Kaiming draw is the
blocks' effective init, whatever the blocks drew themselves."""

import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self, width=64, depth=2):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(width) for _ in range(depth)])
        self.head = nn.Linear(width, 10)  # expect: act=none init=explicit
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return self.head(self.blocks(x))
