import torch.nn as nn

ACTS = {"swish": nn.SiLU, "silu": nn.SiLU, "relu": nn.ReLU}


def get_act(name):
    return ACTS[name]()
