"""A ModuleList built by a comprehension (a loop fix), whose variable name is `layer`."""

import torch.nn as nn
import torch.nn.functional as F


class Tower(nn.Module):
    input_shape = (16, 128)

    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(128, 128) for layer in range(3)])
        self.out = nn.Linear(128, 2)

    def forward(self, x):
        for block in self.blocks:
            x = F.relu(block(x))
        return self.out(x)


EXPECT = {"Tower": {"blocks.*": ("relu", None)}}
