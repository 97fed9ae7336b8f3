"""A model whose activations the command line picks: read at the options' defaults (`--act
relu`, `--no-head-act` not given), each layer gets a finding that says so, and no fix, since
another run of the script picks another activation."""

import torch.nn as nn

from options import args


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1 = nn.Linear(d, d)  # expect: IL101 act=relu init=default
        self.act = nn.ReLU() if args.act == "relu" else nn.Tanh()
        self.fc2 = nn.Linear(d, d)  # expect: IL103 act=tanh init=default
        if args.head_act:
            self.out = nn.Tanh()
        else:
            self.out = nn.Identity()
        self.head = nn.Linear(d, 4)  # expect: act=none init=default

    def forward(self, x):
        return self.head(self.out(self.fc2(self.act(self.fc1(x)))))
