import torch.nn as nn

__all__ = ["ClsHead"]


class ClsHead(nn.Module):
    def __init__(self, cin=16, n=10, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden)  # expect: act=hardswish init=explicit
        self.act = nn.Hardswish()
        self.fc2 = nn.Linear(hidden, n)  # expect: act=none init=default
        nn.init.kaiming_normal_(self.fc1.weight, nonlinearity="relu")

    def forward(self, x):
        x = x.mean((2, 3))
        return self.fc2(self.act(self.fc1(x)))
