"""ReLU MLP: attribute layers, functional activations, an output head that must stay as it is."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class ReluMLP(nn.Module):
    input_shape = (32, 256)

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(256, 512)
        self.fc2 = nn.Linear(512, 512)
        self.head = nn.Linear(512, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.head(x)


# One entry per place a layer is built: named_modules() pattern -> (activation, param).
EXPECT = {"ReluMLP": {"fc1": ("relu", None), "fc2": ("relu", None)}}
