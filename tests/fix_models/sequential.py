"""Sequential literals: by index, and named through an OrderedDict."""

from collections import OrderedDict

import torch.nn as nn


class SeqNet(nn.Module):
    input_shape = (2, 3, 16, 16)

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.SiLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.mlp = nn.Sequential(
            OrderedDict(
                [
                    ("fc1", nn.Linear(64, 256)),
                    ("act1", nn.LeakyReLU(0.1)),
                    ("fc2", nn.Linear(256, 256)),
                    ("act2", nn.Tanh()),
                    ("out", nn.Linear(256, 5)),
                ]
            )
        )

    def forward(self, x):
        return self.mlp(self.body(x))


EXPECT = {
    "SeqNet": {
        "body.0": ("relu", None),
        "body.3": ("silu", None),
        "mlp.fc1": ("leaky_relu", 0.1),
        "mlp.fc2": ("tanh", None),
    }
}
