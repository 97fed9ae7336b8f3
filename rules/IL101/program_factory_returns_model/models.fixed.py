"""A GAN's models, each built by a factory of this module that the training script calls."""

import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 64)  # expect: act=relu init=explicit
        self.conv = nn.Conv2d(1, 8, 3, padding=1)  # expect: act=relu init=explicit

    def forward(self, z):
        x = F.relu(self.fc(z)).view(-1, 1, 8, 8)
        return F.relu(self.conv(x))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)  # expect: IL101 act=relu init=default
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        self.fc2 = nn.Linear(64, 1)  # expect: act=none init=default

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")


def build_generator():
    return Generator()


def build_critic():
    return Critic()
