"""A small CNN whose conv stack is one nn.Sequential literal (`import torch.nn as nn`).

Both convs reach a ReLU (the first through BatchNorm) and keep PyTorch's default init.
The classifier is an output head: no activation, so IL101 has nothing to say about it.
"""

import torch
import torch.nn as nn


class SmallConvNet(nn.Module):
    def __init__(self, in_channels: int = 3, num_classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 16, kernel_size=3, padding=1, bias=False),  # expect: IL101 act=relu init=default layer=body.0 type=Conv2d
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=True),
            nn.Conv2d(16, 32, kernel_size=3, stride=2, padding=1),  # expect: IL101 act=relu init=default layer=body.3 type=Conv2d
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.classifier = nn.Linear(32, num_classes)  # expect: act=none init=default layer=classifier type=Linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.body(x))


EXAMPLE_INPUTS = {"SmallConvNet": ((2, 3, 16, 16),)}
