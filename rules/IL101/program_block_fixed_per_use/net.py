import torch.nn as nn

from layers import ConvAct


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvAct(3, 16, act_layer=nn.Tanh)  # expect: IL103 act=tanh init=default layer=stem.conv
        self.body = ConvAct(16, 16)  # expect: IL101 act=relu init=default layer=body.conv
        self.fc = nn.Linear(16, 10)  # expect: act=none init=default

    def forward(self, x):
        x = self.body(self.stem(x)).mean((2, 3))
        return self.fc(x)
