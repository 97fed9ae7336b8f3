"""A layer factory with a default activation that its callers may replace."""

import torch.nn as nn


def conv_block(cin, cout, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), act())  # expect: act=unknown init=default
