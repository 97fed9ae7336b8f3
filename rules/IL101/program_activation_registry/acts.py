"""The project's activation registry: names for activation classes, and a helper that builds one."""

import torch.nn as nn

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "tanh": nn.Tanh}


def get_activation(name):
    return ACTIVATIONS[name]()
