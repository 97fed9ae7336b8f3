"""A conv and its norm; the activation after them is the constructor's to choose, or none."""

import torch.nn as nn


class ConvNormAct(nn.Module):
    def __init__(self, cin, cout, k=1, apply_act=True, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)  # expect: act=unknown init=default
        self.bn = nn.BatchNorm2d(cout)
        self.act = act_layer() if apply_act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))
