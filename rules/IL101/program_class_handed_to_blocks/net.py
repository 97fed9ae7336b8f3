"""Net hands Gate to its blocks, each of which builds it with its own act_layer: ReLU, not Gate's Tanh."""

import torch.nn as nn

from blocks import Block, Gate


class Net(nn.Module):
    def __init__(self, act_layer=nn.ReLU, gate_layer=Gate, depth=2, dim=8):
        super().__init__()
        self.blocks = nn.Sequential(*[Block(dim, act_layer=act_layer, gate_layer=gate_layer) for _ in range(depth)])

    def forward(self, x):
        return self.blocks(x)


def tiny():
    return Net()  # expect: IL101 act=relu init=default
