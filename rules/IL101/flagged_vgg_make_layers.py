"""VGG's make_layers idiom: a list grown in a loop, then nn.Sequential(*layers).

The conv is bound to a local name first (`conv2d = nn.Conv2d(...)`) and then added to the
list together with its BatchNorm and ReLU, exactly as torchvision writes it. There is no
init loop, so every conv and hidden Linear keeps the default init.
"""

import torch
import torch.nn as nn


class VGG(nn.Module):
    def __init__(
        self,
        cfg=(16, "M", 32, 32, "M"),
        batch_norm: bool = True,
        num_classes: int = 10,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        layers = []
        for v in cfg:
            if v == "M":
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)  # expect: IL101 act=relu init=default layer=features.* type=Conv2d
                if batch_norm:
                    layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                else:
                    layers += [conv2d, nn.ReLU(inplace=True)]
                in_channels = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.classifier = nn.Sequential(
            nn.Linear(32 * 2 * 2, 64),  # expect: IL101 act=relu init=default layer=classifier.0
            nn.ReLU(True),
            nn.Dropout(p=0.5),
            nn.Linear(64, 64),  # expect: IL101 act=relu init=default layer=classifier.3
            nn.ReLU(True),
            nn.Dropout(p=0.5),
            nn.Linear(64, num_classes),  # expect: act=none init=default layer=classifier.6
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        x = self.classifier(x)
        return x


EXAMPLE_INPUTS = {"VGG": ((2, 3, 16, 16),)}
