"""A gate any block may hold, and the block that builds it from the class it is handed."""

import torch.nn as nn


class Gate(nn.Module):
    def __init__(self, dim, act_layer=nn.Tanh):
        super().__init__()
        self.fc = nn.Linear(dim, dim)  # expect: act=unknown init=default
        self.act = act_layer()

    def forward(self, x):
        return x * self.act(self.fc(x))


class Block(nn.Module):
    def __init__(self, dim, act_layer=nn.GELU, gate_layer=None):
        super().__init__()
        self.gate = gate_layer(dim, act_layer=act_layer) if gate_layer else nn.Identity()
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        return self.norm(x + self.gate(x))
