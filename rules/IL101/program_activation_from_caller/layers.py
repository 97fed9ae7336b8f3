"""A block whose activation its callers choose: the default says ReLU, the only caller says Tanh."""

import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin=3, cout=8, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)  # expect: act=unknown init=default
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))
