"""The project's init routine: it re-initialises convolutions only."""

import torch.nn as nn


def init_conv(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
