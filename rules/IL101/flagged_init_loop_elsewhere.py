"""An init loop covers only the modules of the class that runs it.

`Backbone` initialises its own convs with `for m in self.modules()`. `AuxHead` is another
class in the same file that Backbone does not contain (the Detector holds both, and has
no init of its own), so AuxHead's conv keeps the default init and is flagged.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Backbone(nn.Module):
    def __init__(self, in_channels: int = 3, channels: int = 16) -> None:
        super().__init__()
        self.stem = nn.Conv2d(in_channels, channels, kernel_size=3, stride=2, padding=1, bias=False)  # expect: act=relu init=explicit layer=stem
        self.bn = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)  # expect: act=relu init=explicit layer=conv
        self.bn2 = nn.BatchNorm2d(channels)

        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.bn(self.stem(x)))
        return F.relu(self.bn2(self.conv(x)))


class AuxHead(nn.Module):
    def __init__(self, channels: int = 16, num_classes: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)  # expect: IL101 act=relu init=default layer=conv
        self.cls = nn.Conv2d(channels, num_classes, kernel_size=1)  # expect: act=none init=default layer=cls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cls(F.relu(self.conv(x)))


class Detector(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = Backbone()
        self.aux = AuxHead()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.aux(self.backbone(x))


EXAMPLE_INPUTS = {
    "Backbone": ((2, 3, 16, 16),),
    "AuxHead": ((2, 16, 8, 8),),
    "Detector": ((2, 3, 16, 16),),
}
