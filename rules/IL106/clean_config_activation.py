"""Activations chosen at run time from a config are `unknown`, and never flagged.

transformers' `ACT2FN[config.hidden_act]` and a `get_activation(name)` factory: which
activation follows the layer depends on values this file does not fix, so initlint says
unknown instead of guessing. The output projections return their result: none.
"""

from dataclasses import dataclass

import torch
from torch import nn

ACT2FN = {"gelu": nn.GELU(), "silu": nn.SiLU(), "relu": nn.ReLU()}


def get_activation(name: str) -> nn.Module:
    return {"gelu": nn.GELU, "swish": nn.SiLU, "relu": nn.ReLU}[name]()


@dataclass
class Config:
    hidden_size: int = 32
    intermediate_size: int = 64
    hidden_act: str = "gelu"


class FeedForward(nn.Module):
    def __init__(self, config: Config = Config()) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)  # expect: act=unknown init=default layer=dense
        self.intermediate_act_fn = ACT2FN[config.hidden_act]
        self.output = nn.Linear(config.intermediate_size, config.hidden_size)  # expect: act=none init=default layer=output

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.output(self.intermediate_act_fn(self.dense(hidden_states)))


class ConvBlock(nn.Module):
    def __init__(self, channels: int = 8, activation: str = "swish") -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)  # expect: act=unknown init=default layer=conv
        self.act = get_activation(activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


EXAMPLE_INPUTS = {"FeedForward": ((2, 4, 32),), "ConvBlock": ((2, 8, 6, 6),)}
