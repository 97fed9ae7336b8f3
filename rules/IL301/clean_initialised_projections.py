"""Projections followed by no activation, each with an init chosen explicitly: GPT-2's
normal(0, 0.02) via `self.apply(self._init_weights)`, a zero-initialised residual output
projection (its `_init_weights` branch comes first, the zero init after it), and
transformers' `post_init()` running `_init_weights` on a PreTrainedModel-style class."""

import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, dim: int = 32) -> None:
        super().__init__()
        self.c_attn = nn.Linear(dim, 3 * dim)  # expect: act=none init=explicit layer=c_attn
        self.c_proj = nn.Linear(dim, dim)  # expect: act=none init=explicit layer=c_proj
        self.apply(self._init_weights)
        nn.init.zeros_(self.c_proj.weight)

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, k, v = self.c_attn(x).chunk(3, dim=-1)
        attn = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        return x + self.c_proj(attn @ v)


class PreTrainedModel(nn.Module):
    def post_init(self) -> None:
        self.apply(self._init_weights)


class TinyPreTrainedModel(PreTrainedModel):
    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Conv1d)):
            module.weight.data.normal_(mean=0.0, std=0.02)


class TinyModel(TinyPreTrainedModel):
    def __init__(self, dim: int = 32, vocab: int = 50) -> None:
        super().__init__()
        self.block = Block(dim)
        self.lm_head = nn.Linear(dim, vocab, bias=False)  # expect: act=none init=explicit layer=lm_head
        self.post_init()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lm_head(self.block(x))


EXAMPLE_INPUTS = {"Block": ((2, 4, 32),), "PreTrainedModel": None, "TinyPreTrainedModel": None, "TinyModel": ((2, 4, 32),)}
