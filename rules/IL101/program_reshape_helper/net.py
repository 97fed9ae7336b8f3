import torch.nn as nn

from helpers import get_norm, to_tokens


class Net(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, 4, stride=4)  # expect: IL101 act=relu init=default
        self.norm = get_norm("layernorm")(dim)
        self.act = nn.ReLU()
        self.head = nn.Linear(dim, 2)  # expect: act=none init=default

    def forward(self, x):
        x = self.act(self.norm(to_tokens(self.proj(x))))
        return self.head(x.mean(1))
