"""Layers appended to a list in a loop, then wrapped (`nn.Sequential(*layers)`, `nn.ModuleList`).

Each append runs once per element, so the line right after it is where each element is bound:
the fix goes there and names the layer `layers[-1]` (an insertion, the user's line stays as
written). It is safe only because one construction site means one activation: every element
the loop builds is followed by the same ReLU. Where the elements differ (the last one of the
loop feeds no activation), the analysis says `unknown` and nothing is fixed.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoopSequential(nn.Module):
    def __init__(self, width: int = 32, depth: int = 3, out_features: int = 4) -> None:
        super().__init__()
        layers = []
        for _ in range(depth):
            layers.append(nn.Linear(width, width))  # expect: IL101 act=relu init=default layer=net.*
            nn.init.kaiming_uniform_(layers[-1].weight, nonlinearity="relu")
            layers.append(nn.ReLU())
        layers.append(nn.Linear(width, out_features))  # expect: act=none init=default layer=net.*
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class LoopConvBranches(nn.Module):
    """A norm appended only when asked: the conv is still followed by ReLU in every element."""

    def __init__(self, channels=(3, 8, 8), batch_norm: bool = False) -> None:
        super().__init__()
        layers = []
        for i in range(len(channels) - 1):
            layers.append(nn.Conv2d(channels[i], channels[i + 1], 3, padding=1))  # expect: IL101 act=relu init=default layer=features.*
            nn.init.kaiming_uniform_(layers[-1].weight, nonlinearity="relu")
            if batch_norm:
                layers.append(nn.BatchNorm2d(channels[i + 1]))
            layers.append(nn.ReLU(inplace=True))
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(channels[-1], 2, 1)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class ModuleListAppended(nn.Module):
    def __init__(self, width: int = 32, depth: int = 3) -> None:
        super().__init__()
        layers = nn.ModuleList()
        for _ in range(depth):
            layers.append(nn.Linear(width, width))  # expect: IL101 act=relu init=default layer=layers.*
            nn.init.kaiming_uniform_(layers[-1].weight, nonlinearity="relu")
        self.layers = layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = F.relu(layer(x))
        return x


class LastElementDiffers(nn.Module):
    """The loop's last Linear is the output: the elements do not share one activation."""

    def __init__(self, width: int = 32, depth: int = 3) -> None:
        super().__init__()
        layers = []
        for i in range(depth):
            layers.append(nn.Linear(width, width))  # expect: act=unknown init=default layer=net.*
            if i < depth - 1:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


EXAMPLE_INPUTS = {
    "LoopSequential": ((2, 32),),
    "LoopConvBranches": ((2, 3, 8, 8),),
    "ModuleListAppended": ((2, 32),),
    "LastElementDiffers": ((2, 32),),
}
EXAMPLE_VARIANTS = {"LoopConvBranches": [{"batch_norm": True}]}
