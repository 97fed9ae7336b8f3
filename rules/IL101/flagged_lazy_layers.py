"""Lazy layers: in_channels / in_features are inferred at the first forward.

Until then the weight is an UninitializedParameter and `nn.init` on it in __init__ raises,
so these layers are flagged but never autofixed (the init has to go after materialisation).
"""

import torch
import torch.nn as nn


class LazyConvNet(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.LazyConv2d(16, kernel_size=3, padding=1),  # expect: IL101 act=relu init=default layer=features.0 type=LazyConv2d
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.LazyConv2d(32, kernel_size=3, padding=1),  # expect: IL101 act=relu init=default layer=features.3 type=LazyConv2d
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.fc = nn.LazyLinear(64)  # expect: IL101 act=relu init=default layer=fc type=LazyLinear
        self.head = nn.LazyLinear(num_classes)  # expect: act=none init=default layer=head type=LazyLinear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = nn.functional.relu(self.fc(x))
        return self.head(x)


EXAMPLE_INPUTS = {"LazyConvNet": ((2, 3, 16, 16),)}
