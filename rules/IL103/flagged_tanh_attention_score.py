"""Bahdanau (additive) attention: score = v^T tanh(W q + U k).

W's output is unsqueezed and added to U's before the tanh; unsqueeze and add pass the
signal through, so both projections are followed by tanh. v produces the scores, which go
to a softmax over the keys after a squeeze: act=softmax (IL301's business, off here).
"""

import torch
import torch.nn.functional as F
from torch import nn


class AdditiveAttention(nn.Module):
    def __init__(self, query_dim: int = 16, key_dim: int = 24, hidden: int = 32) -> None:
        super().__init__()
        self.W = nn.Linear(query_dim, hidden, bias=False)  # expect: IL103 act=tanh init=default layer=W
        self.U = nn.Linear(key_dim, hidden, bias=True)  # expect: IL103 act=tanh init=default layer=U
        self.v = nn.Linear(hidden, 1, bias=False)  # expect: act=softmax init=default layer=v

    def forward(self, query: torch.Tensor, keys: torch.Tensor):
        # query: (B, Dq), keys: (B, T, Dk)
        scores = self.v(torch.tanh(self.W(query).unsqueeze(1) + self.U(keys))).squeeze(-1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)
        return context, weights


EXAMPLE_INPUTS = {"AdditiveAttention": ((2, 16), (2, 5, 24))}
