import torch.nn as nn

from config import Config
from layers import ConvBlock, Dense

ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh}


class TanhDense(Dense):
    def __init__(self, dim=8):
        super().__init__(dim)
        self.act = nn.Tanh()


class Net(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.stem = ConvBlock(3, cfg.width, nn.Tanh())
        self.body = ConvBlock(cfg.width, cfg.width, nn.Tanh())
        self.dense = TanhDense(cfg.width)
        self.plain = Dense(cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.width)  # expect: act=unknown init=default
        self.proj_act = ACTS[cfg.act]()
        self.head = nn.Linear(cfg.width, 2)  # expect: act=none init=default

    def forward(self, x):
        x = self.body(self.stem(x)).mean((2, 3))
        return self.head(self.proj_act(self.proj(self.plain(self.dense(x)))))
