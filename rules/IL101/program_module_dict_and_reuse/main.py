"""The training script: both models side by side."""

import torch.nn as nn

from models import GPT, Probe


class Both(nn.Module):
    def __init__(self):
        super().__init__()
        self.gpt, self.probe = GPT(), Probe()

    def forward(self, x):
        return self.gpt(x) + self.probe(x)


MODEL, INPUT_SHAPE = Both(), (2, 16)
