"""Xavier where it is right: with gain=calculate_gain("relu") before ReLU (He's gain on
Glorot's fan average), and plain Xavier before tanh and before an output projection."""

import torch
from torch import nn


class GainAwareXavier(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.fc_relu = nn.Linear(width, width)  # expect: act=relu init=explicit layer=fc_relu
        self.fc_tanh = nn.Linear(width, width)  # expect: act=tanh init=explicit layer=fc_tanh
        self.out = nn.Linear(width, 2)  # expect: act=none init=explicit layer=out
        nn.init.xavier_uniform_(self.fc_relu.weight, gain=nn.init.calculate_gain("relu"))
        nn.init.xavier_uniform_(self.fc_tanh.weight, gain=nn.init.calculate_gain("tanh"))
        nn.init.xavier_uniform_(self.out.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.fc_tanh(torch.relu(self.fc_relu(x)))))


EXAMPLE_INPUTS = {"GainAwareXavier": ((2, 32),)}
