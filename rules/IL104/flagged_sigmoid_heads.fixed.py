"""Output heads behind a sigmoid: flagged by IL104, never autofixed.

A binary classifier that returns probabilities, a 1-D decoder (ConvTranspose1d) that
returns a [0, 1] mask, and a scorer returning log-probabilities through F.logsigmoid.
Their hidden layers feed ReLU (IL101); the file has no .fixed.py because its heads stay.
"""

import torch
import torch.nn.functional as F
from torch import nn


class BinaryClassifier(nn.Module):
    def __init__(self, in_features: int = 20, hidden: int = 32) -> None:
        super().__init__()
        self.fc = nn.Linear(in_features, hidden)  # expect: IL101 act=relu init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")
        self.classifier = nn.Linear(hidden, 1)  # expect: IL104 act=sigmoid init=default layer=classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.classifier(F.relu(self.fc(x))))


class MaskDecoder1d(nn.Module):
    """Upsamples a latent sequence into a time-frequency mask in [0, 1]."""

    def __init__(self, channels: int = 16, out_channels: int = 8) -> None:
        super().__init__()
        self.up1 = nn.ConvTranspose1d(channels, channels, kernel_size=4, stride=2, padding=1)  # expect: IL101 act=relu init=default layer=up1 type=ConvTranspose1d
        nn.init.kaiming_uniform_(self.up1.weight, nonlinearity="relu")
        self.up2 = nn.ConvTranspose1d(channels, out_channels, kernel_size=4, stride=2, padding=1)  # expect: IL104 act=sigmoid init=default layer=up2 type=ConvTranspose1d

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.up1(z))
        mask = torch.sigmoid(self.up2(h))
        return mask


class LogScorer(nn.Module):
    def __init__(self, in_features: int = 12) -> None:
        super().__init__()
        self.score = nn.Linear(in_features, 1)  # expect: IL104 act=logsigmoid init=default layer=score

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.logsigmoid(self.score(x)).squeeze(-1)


EXAMPLE_INPUTS = {
    "BinaryClassifier": ((2, 20),),
    "MaskDecoder1d": ((2, 16, 10),),
    "LogScorer": ((2, 12),),
}
