"""`from torch.nn import Linear as Dense`: the layer class under another name.

The file also has `import torch`, so the fix spells the init module `torch.nn.init`.
"""

import torch
from torch.nn import Linear as Dense
from torch.nn import Module, ReLU, Sequential


class Encoder(Module):
    def __init__(self, in_features: int = 24, hidden: int = 64, latent: int = 8) -> None:
        super().__init__()
        self.hidden = Dense(in_features, hidden)  # expect: IL101 act=relu init=default layer=hidden type=Linear
        torch.nn.init.kaiming_uniform_(self.hidden.weight, nonlinearity="relu")
        self.act = ReLU()
        self.mlp = Sequential(Dense(hidden, hidden), ReLU())  # expect: IL101 act=relu init=default layer=mlp.0 type=Linear
        torch.nn.init.kaiming_uniform_(self.mlp[0].weight, nonlinearity="relu")
        self.latent = Dense(hidden, latent)  # expect: act=none init=default layer=latent type=Linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.latent(self.mlp(self.act(self.hidden(x))))


EXAMPLE_INPUTS = {"Encoder": ((2, 24),)}
