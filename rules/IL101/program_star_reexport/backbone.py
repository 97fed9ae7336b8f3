"""A backbone whose activation its builder chooses, re-exported by `from backbone import *` in
models.py: the program's only construction (net.py, through that re-export) passes SiLU."""

import torch.nn as nn

__all__ = ["ConvBackbone", "conv_bn_act"]


def conv_bn_act(cin, cout, act=nn.ReLU6):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), act(inplace=True))


class ConvBackbone(nn.Module):
    def __init__(self, widths=(8, 16), act=nn.ReLU6):
        super().__init__()
        layers = []
        cin = 3
        for w in widths:
            layers.append(conv_bn_act(cin, w, act))  # expect: IL106 act=silu init=default
            cin = w
        self.body = nn.Sequential(*layers)
        self.out_channels = cin

    def forward(self, x):
        return self.body(x)
