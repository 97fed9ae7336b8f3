"""Layers kept in an nn.ModuleList and run in a forward loop.

One construction site builds several layers, named `layers.*` / `blocks.*`. A ModuleList
built by one comprehension, every element of which is the layer, gets a short loop after
the statement (`for layer_ in self.layers: ...`, a name the file does not use). A layer
appended in a loop gets its init right after the append, as `self.blocks[-1]`: the line
that binds it, run once per element.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class DeepMLP(nn.Module):
    def __init__(self, in_features: int = 16, hidden=(64, 64, 64), out_features: int = 4) -> None:
        super().__init__()
        dims = (in_features, *hidden)
        self.layers = nn.ModuleList([nn.Linear(dims[i], dims[i + 1]) for i in range(len(hidden))])  # expect: IL101 act=relu init=default layer=layers.* type=Linear
        self.head = nn.Linear(hidden[-1], out_features)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = F.relu(layer(x))
        return self.head(x)


class ResidualStack(nn.Module):
    """Residual units appended one by one; the ReLU comes after the skip-add."""

    def __init__(self, width: int = 32, depth: int = 3) -> None:
        super().__init__()
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(nn.Linear(width, width))  # expect: IL101 act=relu init=default layer=blocks.*
        self.proj = nn.Linear(width, width)  # expect: act=none init=default layer=proj

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = F.relu(x + block(x))
        return self.proj(x)


EXAMPLE_INPUTS = {"DeepMLP": ((2, 16),), "ResidualStack": ((2, 32),)}
