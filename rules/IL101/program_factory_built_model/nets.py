"""Two models a factory builds by name (a registry of classes), as a training script picks one."""

import torch.nn as nn
import torch.nn.functional as F


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3, padding=1)  # expect: act=relu init=unknown
        self.fc = nn.Linear(8, 10)  # expect: act=unknown init=default

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).mean((2, 3)))


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)  # expect: IL101 act=relu init=default
        self.fc2 = nn.Linear(64, 10)  # expect: act=unknown init=default

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


MODELS = {"cnn": ConvNet, "mlp": MLPNet}


def build_model(name):
    return MODELS[name]()
