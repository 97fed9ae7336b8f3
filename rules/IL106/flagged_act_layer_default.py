"""timm's idiom: the activation is a constructor parameter with a default, `act_layer=nn.GELU`.

Nothing in this file passes another act_layer, so the default is what follows fc1 (the
evidence says it comes from the default). ConvNormAct builds its activation from
`act_layer=nn.SiLU` the same way, through a helper that returns the conv.
"""

import torch
from torch import nn


def create_conv2d(in_chs: int, out_chs: int, kernel_size: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_chs, out_chs, kernel_size, stride=stride, padding=kernel_size // 2, bias=False)


class Mlp(nn.Module):
    def __init__(self, in_features: int = 32, hidden_features: int = 64, act_layer=nn.GELU, drop: float = 0.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)  # expect: IL106 act=gelu init=default layer=fc1
        self.act = act_layer()
        self.drop1 = nn.Dropout(drop)
        self.fc2 = nn.Linear(hidden_features, in_features)  # expect: act=none init=default layer=fc2
        self.drop2 = nn.Dropout(drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(x)
        x = self.act(x)
        x = self.drop1(x)
        x = self.fc2(x)
        return self.drop2(x)


class ConvNormAct(nn.Module):
    def __init__(self, in_chs: int = 3, out_chs: int = 8, kernel_size: int = 3, norm_layer=nn.BatchNorm2d, act_layer=nn.SiLU) -> None:
        super().__init__()
        self.conv = create_conv2d(in_chs, out_chs, kernel_size)  # expect: IL106 act=silu init=default layer=conv type=Conv2d
        self.bn = norm_layer(out_chs)
        self.act = act_layer(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


EXAMPLE_INPUTS = {"Mlp": ((2, 5, 32),), "ConvNormAct": ((2, 3, 8, 8),)}
