"""GELU, SiLU, Tanh and SELU; torch.nn spelled out in full."""

import torch


class Smooth(torch.nn.Module):
    input_shape = (8, 256)

    def __init__(self):
        super().__init__()
        self.gelu_fc = torch.nn.Linear(256, 512)
        self.gelu = torch.nn.GELU()
        self.silu_conv = torch.nn.Conv1d(1, 32, 9, padding=4)
        self.silu = torch.nn.SiLU()
        self.tanh_fc = torch.nn.Linear(512, 256)
        self.selu_fc = torch.nn.Linear(256, 512)
        self.head = torch.nn.Linear(512, 1)

    def forward(self, x):
        x = self.gelu(self.gelu_fc(x))
        x = self.silu(self.silu_conv(x.unsqueeze(1))).mean(1)
        x = torch.tanh(self.tanh_fc(x))
        x = torch.selu(self.selu_fc(x))
        return self.head(x)


EXPECT = {
    "Smooth": {
        "gelu_fc": ("gelu", None),
        "silu_conv": ("silu", None),
        "tanh_fc": ("tanh", None),
        "selu_fc": ("selu", None),
    }
}
