"""nanoGPT's layout: blocks held in `nn.ModuleDict(dict(h=nn.ModuleList([...])))`, then one
`self.apply(self._init_weights)` that reaches them; a layer built after that call keeps the
default (the routine ran before it existed). A second model builds the same block and
re-initialises nothing."""

import torch
import torch.nn as nn

from blocks import MLP


class GPT(nn.Module):
    def __init__(self, d=16, n=2):
        super().__init__()
        blocks = nn.ModuleList([MLP(d) for _ in range(n)])  # expect: act=relu init=explicit
        self.transformer = nn.ModuleDict(dict(h=blocks))
        self.apply(self._init_weights)
        self.adapter = nn.Linear(d, d)  # expect: IL101 act=relu init=default
        nn.init.kaiming_uniform_(self.adapter.weight, nonlinearity="relu")

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, x):
        for block in self.transformer.h:
            x = x + block(x)
        return torch.relu(self.adapter(x))


class Probe(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.mlp = MLP(d)  # expect: IL101 act=relu init=default
        nn.init.kaiming_uniform_(self.mlp.c_fc.weight, nonlinearity="relu")

    def forward(self, x):
        return self.mlp(x)
