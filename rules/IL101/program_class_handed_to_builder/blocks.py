import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim=8, act_layer=nn.GELU):
        super().__init__()
        self.fc = nn.Linear(dim, dim)  # expect: IL101 act=relu init=default
        self.act = act_layer()

    def forward(self, x):
        return x + self.act(self.fc(x))
