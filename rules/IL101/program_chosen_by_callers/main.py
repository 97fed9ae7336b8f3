import torch.nn as nn

from config import Config
from net import Net

MODEL, INPUT_SHAPE = Net(Config(act="tanh")), (2, 3, 8, 8)
for m in MODEL.modules():
    if isinstance(m, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("tanh"))
