"""Blocks that start with a norm and an activation: what follows a layer is the next block's
first op, in another module (diffusers' ResnetBlock starts with GroupNorm -> SiLU)."""

import torch.nn as nn


class NormAct(nn.Module):
    def __init__(self, channels=8, act_layer=nn.SiLU):
        super().__init__()
        self.norm = nn.GroupNorm(2, channels)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.norm(x))


class Conv(nn.Conv2d):
    """A layer subclass of this module, built by the other."""
