import torch.nn as nn

from models import ClsHead, ConvBackbone


class Net(nn.Module):
    def __init__(self, n=10):
        super().__init__()
        self.backbone = ConvBackbone(act=nn.SiLU)
        self.head = ClsHead(self.backbone.out_channels, n)

    def forward(self, x):
        return self.head(self.backbone(x))
