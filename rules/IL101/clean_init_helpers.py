"""Explicit init through the routes real code takes, so none of these layers is flagged.

timm's `trunc_normal_` helper inside `_init_weights` run by `self.apply(...)`, an init loop
over `self.named_modules()` that hands each module to a helper function, and a
`reset_parameters()` method that `__init__` calls (torch's own convention for layers), and a
function that runs an init loop over the modules of the container passed to it (torchvision's SSD).
"""

import math

import torch
import torch.nn.functional as F
from torch import nn


def trunc_normal_(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0) -> torch.Tensor:
    return nn.init.trunc_normal_(tensor, mean=mean, std=std, a=-2 * std, b=2 * std)


def init_conv(module: nn.Module) -> None:
    if isinstance(module, nn.Conv2d):
        fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels
        module.weight.data.normal_(0, math.sqrt(2.0 / fan_out))


class ViTMlp(nn.Module):
    def __init__(self, dim: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)  # expect: act=gelu init=explicit layer=fc1
        self.fc2 = nn.Linear(4 * dim, dim)  # expect: act=none init=explicit layer=fc2
        self.apply(self._init_weights)

    def _init_weights(self, m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x)))


class ConvNet(nn.Module):
    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, channels, 3, padding=1)  # expect: act=relu init=explicit layer=conv1
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)  # expect: act=relu init=explicit layer=conv2
        for _, m in self.named_modules():
            init_conv(m)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))))


class ResetMlp(nn.Module):
    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.fc = nn.Linear(dim, dim)  # expect: act=relu init=explicit layer=fc
        self.out = nn.Linear(dim, 2)  # expect: act=none init=explicit layer=out
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        nn.init.xavier_uniform_(self.out.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.fc(x)))


def he_init(block: nn.Module) -> None:
    for layer in block.modules():
        if isinstance(layer, nn.Conv2d):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")


class ExtraBlocks(nn.Module):
    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        extra = nn.ModuleList(
            [
                nn.Sequential(
                    nn.Conv2d(3, channels, 1),  # expect: act=relu init=explicit
                    nn.ReLU(inplace=True),
                ),
            ]
        )
        he_init(extra)
        self.extra = extra

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.extra:
            x = block(x)
        return x


EXAMPLE_INPUTS = {"ViTMlp": ((2, 32),), "ConvNet": ((2, 3, 6, 6),), "ResetMlp": ((2, 16),), "ExtraBlocks": ((2, 3, 6, 6),)}
