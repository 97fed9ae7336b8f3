"""Xavier/Glorot init on layers that feed ReLU: Glorot's derivation assumes a linear (or
tanh) unit, so each ReLU halves the signal's second moment and a deep stack fades.

Seen in every spelling: xavier_uniform_ in an init loop, xavier_normal_ directly, and
xavier with gain=1 written out. The final projection feeds nothing: Xavier is fine there.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import init


class XavierReluNet(nn.Module):
    def __init__(self, in_channels: int = 3, channels: int = 8, hidden: int = 32, num_classes: int = 5) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, channels, 3, padding=1)  # expect: IL201 act=relu init=explicit layer=conv
        self.fc1 = nn.Linear(channels, hidden)  # expect: IL201 act=relu init=explicit layer=fc1
        self.fc2 = nn.Linear(hidden, hidden)  # expect: IL201 act=relu init=explicit layer=fc2
        self.leaky = nn.Linear(hidden, hidden)  # expect: IL201 act=leaky_relu param=0.1 init=explicit layer=leaky
        self.classifier = nn.Linear(hidden, num_classes)  # expect: act=none init=explicit layer=classifier
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
        init.xavier_normal_(self.fc1.weight)
        nn.init.xavier_uniform_(self.fc2.weight, gain=1.0)
        nn.init.xavier_uniform_(self.leaky.weight)
        nn.init.xavier_uniform_(self.classifier.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.conv(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x).relu()
        x = F.leaky_relu(self.leaky(x), 0.1)
        return self.classifier(x)


EXAMPLE_INPUTS = {"XavierReluNet": ((2, 3, 8, 8),)}
