"""Block builds ConvNormAct without its activation: what follows the conv is what Block's forward
does next, the `act_layer` (and the gate) each model function chooses. Read for every Block, that
is not one thing; `net_tanh()`'s run builds each Block with Tanh and no gate: judged there."""

import torch
import torch.nn as nn

from blocks import ConvNormAct


class Block(nn.Module):
    def __init__(self, chs, act_layer=nn.ReLU, gate=False):
        super().__init__()
        self.conv = ConvNormAct(chs, chs, 3, apply_act=False)
        self.gate = nn.Sigmoid() if gate else None
        self.act = act_layer()

    def forward(self, x):
        shortcut = x
        x = self.conv(x)
        if self.gate is not None:
            x = x * self.gate(x.mean((2, 3), keepdim=True))
        return self.act(x + shortcut)


class Net(nn.Module):
    def __init__(self, act_layer=nn.ReLU, gate=False, block_fn=Block):
        super().__init__()
        self.blocks = nn.Sequential(*[block_fn(8, act_layer=act_layer, gate=gate) for _ in range(2)])

    def forward(self, x):
        return self.blocks(x).mean((2, 3))


def net_tanh():
    return Net(act_layer=nn.Tanh)  # expect: IL103 act=tanh init=default
