"""Activations picked by the config's defaults (a registry keyed by `config.hidden_act`, a
conditional on `config.head_act`): the findings say which default picked them, and no fix is
written, since another config picks another activation and one init call cannot suit both."""

import torch.nn as nn

from configuration import MlpConfig

ACT_LAYERS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.fc = nn.Linear(config.width, config.width)  # expect: IL101 act=relu init=default
        self.act = ACT_LAYERS[config.hidden_act]()

    def forward(self, x):
        return self.act(self.fc(x))


class Model(nn.Module):
    def __init__(self, config: MlpConfig):
        super().__init__()
        self.blocks = nn.Sequential(Block(config), Block(config))
        self.proj = nn.Linear(config.width, config.width)  # expect: IL103 act=tanh init=default
        self.act = nn.Tanh() if config.head_act == "tanh" else nn.Identity()
        if config.norm == "batch":
            self.norm = nn.BatchNorm1d(config.width)
        else:
            self.norm = nn.LayerNorm(config.width)
        self.head = nn.Linear(config.width, 32)  # expect: act=none init=default

    def forward(self, x):
        x = self.act(self.proj(self.blocks(x)))
        return self.head(self.norm(x))
