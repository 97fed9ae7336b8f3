import torch.nn as nn

from layers import ResidualUnit, WNConv1d


class Generator(nn.Module):
    def __init__(self, in_ch=8, dim=16):
        super().__init__()
        self.pre = WNConv1d(in_ch, dim, kernel_size=7, padding=3)  # expect: IL102 act=leaky_relu init=default
        self.res = nn.Sequential(ResidualUnit(dim, 1), ResidualUnit(dim, 3))
        self.post = nn.Sequential(nn.LeakyReLU(0.2), WNConv1d(dim, 1, kernel_size=7, padding=3), nn.Tanh())  # expect: IL103 act=tanh init=default

    def forward(self, x):
        return self.post(self.res(self.pre(x)))
