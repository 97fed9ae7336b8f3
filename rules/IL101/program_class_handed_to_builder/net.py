"""Net is never called by name: `build(Net, ...)` builds it, with the arguments of `tiny()`."""

import torch.nn as nn

from blocks import Block
from builder import build


class Net(nn.Module):
    def __init__(self, act_layer, depth=2, dim=8):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(dim, act_layer=act_layer) for _ in range(depth)])
        self.proj = nn.Linear(dim, dim)  # expect: IL101 act=relu init=default
        self.act = act_layer()
        self.head = nn.Linear(dim, 2)  # expect: act=none init=default

    def forward(self, x):
        return self.head(self.act(self.proj(self.blocks(x))))


def _create(variant, **kwargs):
    return build(Net, variant, **kwargs)


def tiny():
    model_args = dict(depth=2, act_layer=nn.ReLU)
    return _create("tiny", **model_args)

