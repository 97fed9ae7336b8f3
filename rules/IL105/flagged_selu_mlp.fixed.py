"""A self-normalising network (Klambauer et al. 2017) left on the default init.

SELU as a module in nn.Sequential, behind AlphaDropout (transparent: it keeps SELU's fixed
point), as F.selu, as torch.selu on a Conv3d (a volumetric block), and kaiming with
nonlinearity="selu": an explicit init, so not IL105 (IL202 speaks for it: gain 3/4, not 1).
"""

import torch
import torch.nn.functional as F
from torch import nn


class SNN(nn.Module):
    def __init__(self, in_features: int = 16, hidden: int = 64, num_classes: int = 4) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(in_features, hidden),  # expect: IL105 act=selu init=default layer=body.0
            nn.SELU(),
            nn.Linear(hidden, hidden),  # expect: IL105 act=selu init=default layer=body.2
            nn.AlphaDropout(0.05),
            nn.SELU(),
        )
        nn.init.kaiming_normal_(self.body[0].weight, nonlinearity="linear")
        nn.init.kaiming_normal_(self.body[2].weight, nonlinearity="linear")
        self.fc = nn.Linear(hidden, hidden)  # expect: IL105 act=selu init=default layer=fc
        nn.init.kaiming_normal_(self.fc.weight, nonlinearity="linear")
        self.fc_selu_gain = nn.Linear(hidden, hidden)  # expect: IL202 act=selu init=explicit layer=fc_selu_gain
        nn.init.kaiming_normal_(self.fc_selu_gain.weight, nonlinearity="selu")
        self.out = nn.Linear(hidden, num_classes)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.body(x)
        x = F.selu(self.fc(x))
        x = F.selu(self.fc_selu_gain(x))
        return self.out(x)


class VolumeStem(nn.Module):
    def __init__(self, channels: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv3d(1, channels, kernel_size=3, padding=1)  # expect: IL105 act=selu init=default layer=conv type=Conv3d
        nn.init.kaiming_normal_(self.conv.weight, nonlinearity="linear")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.selu(self.conv(x)).mean()


EXAMPLE_INPUTS = {"SNN": ((3, 16),), "VolumeStem": ((1, 1, 6, 6, 6),)}
