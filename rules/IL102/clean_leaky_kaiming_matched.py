"""Leaky layers whose explicit Kaiming init carries the slope of the activation after them.

- an init loop with a=0.2 for a LeakyReLU(0.2) discriminator;
- a=0.25 for PReLU();
- `kaiming_normal_(w, nonlinearity="leaky_relu")` without `a=` means a=0, i.e. gain sqrt(2):
  before LeakyReLU() (slope 0.01, gain 1.41414) that is 0.005% off, not a finding.
"""

import torch
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, in_channels: int = 3, ndf: int = 16) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, ndf, 4, 2, 1),  # expect: act=leaky_relu param=0.2 init=explicit layer=features.0
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # expect: act=leaky_relu param=0.2 init=explicit layer=features.2
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
        )
        self.fc = nn.Linear(ndf * 2 * 8 * 8, 1)  # expect: act=none init=explicit layer=fc

        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, a=0.2, mode="fan_in", nonlinearity="leaky_relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(self.features(x), 1))


class LeakyHead(nn.Module):
    def __init__(self, in_features: int = 32, hidden: int = 64) -> None:
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)  # expect: act=prelu param=0.25 init=explicit layer=fc1
        self.act1 = nn.PReLU()
        self.fc2 = nn.Linear(hidden, hidden)  # expect: act=leaky_relu param=0.01 init=explicit layer=fc2
        self.act2 = nn.LeakyReLU()
        self.out = nn.Linear(hidden, 1)  # expect: act=none init=default layer=out
        nn.init.kaiming_uniform_(self.fc1.weight, a=0.25, nonlinearity="leaky_relu")
        nn.init.kaiming_normal_(self.fc2.weight, nonlinearity="leaky_relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act2(self.fc2(self.act1(self.fc1(x)))))


EXAMPLE_INPUTS = {"Discriminator": ((2, 3, 32, 32),), "LeakyHead": ((2, 32),)}
