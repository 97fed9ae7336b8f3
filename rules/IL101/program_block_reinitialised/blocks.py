"""A reusable block: on its own its layers keep the default init, but the model that builds it
re-initialises every Linear (timm's Mlp inside a VisionTransformer)."""

import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, dim=32, act_layer=nn.GELU):
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)  # expect: act=gelu init=explicit
        self.act = act_layer()
        self.fc2 = nn.Linear(4 * dim, dim)  # expect: act=none init=explicit

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))

