import torch.nn as nn

from blocks import Conv, NormAct


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 8, 3, padding=1)  # expect: IL106 act=silu init=default
        self.post_in = NormAct(8)
        self.conv_mid = nn.Conv2d(8, 8, 3, padding=1)  # expect: IL101 act=relu init=default
        self.post_mid = NormAct(8, act_layer=nn.ReLU)
        self.conv_out = Conv(8, 8, 3, padding=1)  # expect: IL103 act=tanh init=default type=Conv2d
        self.post_out = NormAct(8, nn.Tanh)

    def forward(self, x):
        x = self.post_mid(self.conv_mid(self.post_in(self.conv_in(x))))
        return self.post_out(self.conv_out(x))
