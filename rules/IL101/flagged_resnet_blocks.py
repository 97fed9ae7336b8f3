"""ResNet blocks as kuangliu/pytorch-cifar and torchvision write them, with no init loop.

- helper factories conv3x3 / conv1x1: the layer is reported at the helper CALL in the class
  (`self.conv1 = conv3x3(...)`), never inside the helper;
- `norm_layer=None` then `if norm_layer is None: norm_layer = nn.BatchNorm2d`;
- a shortcut built inside the block whose output is added before the final ReLU, so the
  shortcut conv is followed by ReLU too;
- `out = out + self.shortcut(x)` and `out += identity` before the ReLU.
"""

from typing import Callable, Optional

import torch
import torch.nn as nn


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding"""
    return nn.Conv2d(
        in_planes,
        out_planes,
        kernel_size=3,
        stride=stride,
        padding=dilation,
        groups=groups,
        bias=False,
        dilation=dilation,
    )


def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution"""
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    expansion: int = 1

    def __init__(
        self,
        inplanes: int = 16,
        planes: int = 32,
        stride: int = 2,
        norm_layer: Optional[Callable[..., nn.Module]] = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        self.conv1 = conv3x3(inplanes, planes, stride)  # expect: IL101 act=relu init=default layer=conv1 type=Conv2d
        self.bn1 = norm_layer(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes)  # expect: IL101 act=relu init=default layer=conv2 type=Conv2d
        self.bn2 = norm_layer(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or inplanes != planes * self.expansion:
            self.shortcut = nn.Sequential(
                conv1x1(inplanes, planes * self.expansion, stride),  # expect: IL101 act=relu init=default layer=shortcut.0 type=Conv2d
                norm_layer(planes * self.expansion),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)

        out = out + self.shortcut(x)
        out = self.relu(out)
        return out


class Bottleneck(nn.Module):
    expansion: int = 4

    def __init__(
        self,
        inplanes: int = 64,
        planes: int = 16,
        stride: int = 1,
        norm_layer: Optional[Callable[..., nn.Module]] = None,
    ) -> None:
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm2d
        width = planes
        self.conv1 = conv1x1(inplanes, width)  # expect: IL101 act=relu init=default layer=conv1 type=Conv2d
        self.bn1 = norm_layer(width)
        self.conv2 = conv3x3(width, width, stride)  # expect: IL101 act=relu init=default layer=conv2 type=Conv2d
        self.bn2 = norm_layer(width)
        self.conv3 = conv1x1(width, planes * self.expansion)  # expect: IL101 act=relu init=default layer=conv3 type=Conv2d
        self.bn3 = norm_layer(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x

        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)

        out = self.conv2(out)
        out = self.bn2(out)
        out = self.relu(out)

        out = self.conv3(out)
        out = self.bn3(out)

        out += identity
        out = self.relu(out)

        return out


EXAMPLE_INPUTS = {"BasicBlock": ((2, 16, 8, 8),), "Bottleneck": ((2, 64, 8, 8),)}
