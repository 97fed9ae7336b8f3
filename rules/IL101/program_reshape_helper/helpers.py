"""Helpers in a module of their own: turning a feature map into tokens (timm's `nchw_to`)
and a norm picked by name. Reshapes and norms pass the signal on to what follows."""

import torch.nn as nn

NORMS = {"layernorm": nn.LayerNorm, "batchnorm": nn.BatchNorm1d}


def to_tokens(x, fmt="NLC"):
    if fmt == "NLC":
        x = x.flatten(2).transpose(1, 2)
    elif fmt == "NHWC":
        x = x.permute(0, 2, 3, 1)
    return x


def get_norm(name="layernorm"):
    return NORMS[name]
