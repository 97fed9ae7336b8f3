"""A factory that wraps each conv in weight_norm (audio GANs: MelGAN, HiFi-GAN, DAC): torch returns the
conv itself, so what follows it is what follows the factory's call; weight_norm keeps the draw
(g starts at |v|), so the default init is what runs, and an init of `.weight` would not stick."""

import torch.nn as nn
from torch.nn.utils import parametrizations


def WNConv1d(*args, **kwargs):
    return parametrizations.weight_norm(nn.Conv1d(*args, **kwargs))


class ResidualUnit(nn.Module):
    def __init__(self, dim=16, dilation=1):
        super().__init__()
        self.block = nn.Sequential(
            nn.LeakyReLU(0.2),
            WNConv1d(dim, dim, kernel_size=3, dilation=dilation, padding=dilation),  # expect: IL102 act=leaky_relu init=default
            nn.LeakyReLU(0.2),
            WNConv1d(dim, dim, kernel_size=1),  # expect: IL102 act=leaky_relu init=default
        )

    def forward(self, x):
        return x + self.block(x)
