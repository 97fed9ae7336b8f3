"""A regressor whose subclass adds an activation to the container the regressor built: the
regressor's last Linear meets a Sigmoid in Classifier's constructions and nothing in its own."""

import torch.nn as nn

from blocks import ADN


class Regressor(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(8, width),  # expect: IL101 act=relu init=default
            nn.ReLU(),
            nn.Linear(width, width),  # expect: act=unknown init=default
            ADN(act="prelu"),
        )
        nn.init.kaiming_uniform_(self.net[0].weight, nonlinearity="relu")
        self.final = nn.Sequential(nn.Flatten(), nn.Linear(width, 1))  # expect: act=unknown init=default

    def forward(self, x):
        return self.final(self.net(x))


class Classifier(Regressor):
    def __init__(self, width=16, last_act=True):
        super().__init__(width)
        if last_act:
            self.final.add_module("lastact", nn.Sigmoid())
