"""Layers bound to local names before they go into a container (the torchvision VGG pattern)."""

import torch.nn as nn


class VGGish(nn.Module):
    input_shape = (2, 3, 32, 32)

    def __init__(self):
        super().__init__()
        conv = nn.Conv2d(3, 32, 3, padding=1)
        act = nn.ReLU(inplace=True)
        self.stem = nn.Sequential(conv, act)
        layers = []
        in_channels = 32
        for v in (64, "M", 128):
            if v == "M":
                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
            else:
                conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
                layers += [conv2d, nn.ReLU(inplace=True)]
                in_channels = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(128, 10)

    def forward(self, x):
        x = self.features(self.stem(x))
        return self.classifier(x.mean((2, 3)))


EXPECT = {"VGGish": {"stem.0": ("relu", None), "features.[03]": ("relu", None)}}
