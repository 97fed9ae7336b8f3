"""Net builds its blocks with keys: "leaky_relu" for the stem, its own `act` (which main.py sets) for the body."""

import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self, act="relu", dim=16):
        super().__init__()
        self.stem = Block(dim, act="leaky_relu")  # expect: IL102 act=leaky_relu init=default
        nn.init.kaiming_uniform_(self.stem.fc.weight, a=0.01, nonlinearity="leaky_relu")
        self.body = Block(dim, act=act)  # expect: IL103 act=tanh init=default
        self.head = nn.Linear(dim, 2)  # expect: act=none init=default

    def forward(self, x):
        return self.head(self.body(self.stem(x)))
