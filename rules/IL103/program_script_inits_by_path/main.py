"""The training script: it builds the model, then draws two of its layers by their paths, the way
fine-tuning code does. Those draws run last: the block's `fc` is He's, the head is N(0, 0.01), and
a fix of either in its class would be overwritten. The gate, which the script does not name, keeps
torch's default, too small for the tanh after it: the fix goes in the block's module."""

import torch
import torch.nn as nn
from models import Regressor

model = Regressor()
nn.init.kaiming_normal_(model.block.fc.weight, nonlinearity="relu")
with torch.no_grad():
    model.head.weight.data.normal_(0, 0.01)

MODEL, INPUT_SHAPE = model, (4, 32)
