"""A block whose activation its callers choose: the default says ReLU, every construction in the
program passes Tanh, so it is judged here with Tanh (its fix here is unsafe: a new caller may differ)."""

import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin=3, cout=8, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)  # expect: IL103 act=tanh init=default
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))
