import torch.nn as nn

from blocks import get_block


class Net(nn.Module):
    def __init__(self, ch=8, act_fn="relu"):
        super().__init__()
        self.time_proj = nn.Linear(ch, 16)  # expect: act=unknown init=default
        self.down = get_block("Down", ch, resnet_act_fn=act_fn)
        self.out = nn.Conv2d(ch, 3, 3)  # expect: act=none init=default

    def forward(self, x):
        return self.out(self.down(x, self.time_proj(x.mean((2, 3)))))
