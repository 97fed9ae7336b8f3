"""A PatchGAN-style discriminator written as one Sequential literal, LeakyReLU(0.2) throughout.

`nn.LeakyReLU(0.2, True)` (positional slope and inplace) and
`nn.LeakyReLU(negative_slope=0.2, inplace=True)` carry the same slope; `nn.LeakyReLU()`
has torch's default slope 0.01. The last conv returns patch logits: no activation.
"""

import torch
import torch.nn as nn


class PatchDiscriminator(nn.Module):
    def __init__(self, input_nc: int = 3, ndf: int = 16) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=1),  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.0
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, kernel_size=4, stride=2, padding=1, bias=False),  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.2
            nn.InstanceNorm2d(ndf * 2),
            nn.LeakyReLU(negative_slope=0.2, inplace=True),
            nn.Conv2d(ndf * 2, 1, kernel_size=4, stride=1, padding=1),  # expect: act=none init=default layer=model.5
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return self.model(input)


class LeakyMLP(nn.Module):
    def __init__(self, in_features: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)  # expect: IL102 act=leaky_relu param=0.01 init=default layer=fc1
        self.act = nn.LeakyReLU()
        self.fc2 = nn.Linear(hidden, 1)  # expect: act=none init=default layer=fc2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


EXAMPLE_INPUTS = {"PatchDiscriminator": ((2, 3, 32, 32),), "LeakyMLP": ((2, 16),)}
