"""Feature extractors and blocks, in a module of their own (stable-baselines3's torch_layers.py)."""

import torch.nn as nn


class NatureCNN(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(channels, 8, 3), nn.ReLU(), nn.Flatten())  # expect: act=relu init=unknown

    def forward(self, x):
        return self.cnn(x)


class Flatten(nn.Module):
    def forward(self, x):
        return x.flatten(1)


class MlpExtractor(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.policy_net = nn.Sequential(nn.Linear(width, 16), nn.ReLU())  # expect: act=relu init=unknown

    def forward(self, x):
        return self.policy_net(x)
