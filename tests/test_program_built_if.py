"""A layer built in a branch a constructor default decides (`if temb_channels is not None:` at 512,
diffusers' ResnetBlock2D.time_emb_proj) is not judged at a construction that passes None there
(`ResnetBlock2D(..., temb_channels=None)` in Allegro's down block): that construction does not build
it. Before, once what the container passes on was followed, such a use's row claimed SiLU with an
IL106 for a layer that does not exist. Checked with torch."""

from __future__ import annotations

from program_runs import rows_by_class, traced

BLOCK = """import torch.nn as nn


class ResBlock(nn.Module):
    def __init__(self, ch=8, temb_channels=16, act="silu"):
        super().__init__()
        self.norm = nn.GroupNorm(2, ch)
        self.act = nn.SiLU() if act == "silu" else nn.ReLU()
        self.conv = nn.Linear(ch, ch)
        if temb_channels is not None:
            self.time_emb_proj = nn.Linear(temb_channels, ch)
        else:
            self.time_emb_proj = None

    def forward(self, x, temb=None):
        h = self.conv(self.act(self.norm(x)))
        if self.time_emb_proj is not None and temb is not None:
            h = h + self.time_emb_proj(temb)
        return self.act(h)
"""

MODEL = """import torch.nn as nn

from block import ResBlock


class Encoder(nn.Module):
    def __init__(self, act="silu"):
        super().__init__()
        self.block = ResBlock(8, temb_channels=None, act=act)

    def forward(self, x):
        return self.block(x)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def forward(self, x):
        return self.encoder(x)


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = ResBlock(8, act="relu")

    def forward(self, x, temb):
        return self.block(x, temb)
"""


def test_a_construction_passing_none_does_not_get_the_layer_it_does_not_build(tmp_path):
    rows = rows_by_class(tmp_path, {"block.py": BLOCK, "model.py": MODEL})
    assert "encoder.block.time_emb_proj" not in traced(tmp_path)  # torch builds none there
    at_use = rows.get(("Encoder", "block.time_emb_proj"))
    assert at_use is None or at_use.activation == "unknown", (at_use.activation, at_use.activation_evidence)
