"""A model that returns logits for BCEWithLogitsLoss: the sigmoid is not in forward.

`predict_proba` applies torch.sigmoid to `self(x)`, the model's output, in another method;
that sigmoid does not follow the head inside forward, so the head is act=none (and IL301 is
off by default). The gate inside forward is sigmoid-activated and explicitly initialised.
"""

import torch
import torch.nn.functional as F
from torch import nn


class LogitModel(nn.Module):
    def __init__(self, num_features: int = 16, hidden: int = 32) -> None:
        super().__init__()
        self.hidden = nn.Linear(num_features, hidden)  # expect: act=relu init=explicit layer=hidden
        self.gate = nn.Linear(num_features, hidden)  # expect: act=sigmoid init=explicit layer=gate
        self.head = nn.Linear(hidden, 1)  # expect: act=none init=default layer=head
        nn.init.kaiming_uniform_(self.hidden.weight, nonlinearity="relu")
        nn.init.xavier_uniform_(self.gate.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.hidden(x)) * torch.sigmoid(self.gate(x))
        return self.head(h).squeeze(-1)  # logits: the loss applies the sigmoid

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self(x))


EXAMPLE_INPUTS = {"LogitModel": ((2, 16),)}
