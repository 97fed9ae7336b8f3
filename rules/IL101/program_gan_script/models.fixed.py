"""A GAN's models, initialised by the training script that builds them (PyTorch-GAN's idiom)."""

import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 64)  # expect: IL101 act=relu init=default
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        self.conv = nn.Conv2d(1, 8, 3, padding=1)  # expect: act=relu init=explicit

    def forward(self, z):
        x = F.relu(self.fc(z)).view(-1, 1, 8, 8)
        return F.relu(self.conv(x))
