"""nanoGPT's init: `self.apply(self._init_weights)` draws every Linear with std 0.02, then a loop over
named_parameters() draws again those whose name ends with `c_proj.weight` (std 0.02/sqrt(2 n_layer)):
the effective init of each layer is decided by its name, across the two modules."""

import math

import torch
import torch.nn as nn

from blocks import Block


class GPT(nn.Module):
    def __init__(self, vocab_size=64, n_embd=64, n_head=2, n_layer=2):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)  # expect: act=none init=explicit
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)

    def forward(self, x):
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))
