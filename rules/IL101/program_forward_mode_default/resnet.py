"""diffusers' ResnetBlock2D in small: `time_embedding_norm` kept as an attribute, and forward branching on it.
At its default "default", conv1 and time_emb_proj meet the ReLU the model passes through get_block."""
import torch
import torch.nn as nn

from acts import get_act


class Block(nn.Module):
    def __init__(self, *, ch, temb_channels=16, non_linearity="swish", time_embedding_norm="default"):
        super().__init__()
        self.time_embedding_norm = time_embedding_norm
        self.norm1 = nn.GroupNorm(4, ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)  # expect: IL101 act=relu init=default
        out = ch if time_embedding_norm == "default" else 2 * ch  # "scale_shift": a scale and a shift per channel
        self.time_emb_proj = nn.Linear(temb_channels, out)  # expect: IL101 act=relu init=default
        self.norm2 = nn.GroupNorm(4, ch)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)  # expect: act=unknown init=default
        self.nonlinearity = get_act(non_linearity)

    def forward(self, x, temb):
        h = self.conv1(self.nonlinearity(self.norm1(x)))
        temb = self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        if self.time_embedding_norm == "default":
            h = self.nonlinearity(self.norm2(h + temb))
        elif self.time_embedding_norm == "scale_shift":  # (no activation on this way)
            scale, shift = torch.chunk(temb, 2, dim=1)
            h = self.norm2(h) * (1 + scale) + shift
        else:
            h = self.nonlinearity(self.norm2(h))
        return x + self.conv2(h)
