"""A block whose own module builds it only by calling it in its classes' `__init__` (MONAI's TwoConv,
built by Down, UpCat and BasicUNet with their `act`): those constructions are listed with their
arguments (ClassFact.own_constructions), so what a block of another module it builds gets is
followed up through them to the model (`UNet(8, act_layer=nn.Tanh)`). Before, that module's
constructions counted as unlisted and the layer was unknown. Checked with torch."""

from __future__ import annotations

from program_runs import analysed, traced

CONV = """import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin, cout, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))
"""

BLOCKS = """import torch.nn as nn

from conv import ConvAct


class Two(nn.Sequential):
    def __init__(self, cin, cout, act_layer):
        super().__init__()
        self.add_module("a", ConvAct(cin, cout, act_layer=act_layer))
        self.add_module("b", ConvAct(cout, cout, act_layer=act_layer))


class Down(nn.Module):
    def __init__(self, cin, cout, act_layer):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.convs = Two(cin, cout, act_layer)

    def forward(self, x):
        return self.convs(self.pool(x))


class UNet(nn.Module):
    def __init__(self, c=8, act_layer=nn.ReLU):
        super().__init__()
        self.stem = Two(3, c, act_layer)
        self.down = Down(c, c, act_layer)
        self.head = nn.Conv2d(c, 2, 1)

    def forward(self, x):
        return self.head(self.down(self.stem(x)))
"""

MODEL = """import torch.nn as nn

from blocks import UNet

MODEL = UNet(8, act_layer=nn.Tanh)
"""


def _conv(tmp_path, files: dict):
    return next(row for row in analysed(tmp_path, files)[str(tmp_path / "conv.py")].layers if row.name == "conv")


def test_a_block_built_by_its_own_module_s_classes_is_followed_up_to_the_model(tmp_path):
    conv = _conv(tmp_path, {"conv.py": CONV, "blocks.py": BLOCKS, "model.py": MODEL})
    runtime = {layer: act for layer, act in traced(tmp_path, "model", "MODEL", (1, 3, 8, 8)).items() if layer != "head"}
    assert set(runtime.values()) == {"tanh"}, runtime
    assert conv.activation == "tanh", conv.activation_evidence


def test_another_model_keeping_the_default_leaves_it_unknown(tmp_path):
    other = "from blocks import UNet\n\nPLAIN = UNet(8)\n"
    conv = _conv(tmp_path, {"conv.py": CONV, "blocks.py": BLOCKS, "model.py": MODEL, "other.py": other})
    assert conv.activation == "unknown", conv.activation_evidence


def test_a_block_its_module_also_mentions_otherwise_is_not_followed(tmp_path):
    """`KINDS = [Two]`: it may be built from that list, with arguments not listed."""
    blocks = BLOCKS + "\n\nKINDS = [Two]\n"
    conv = _conv(tmp_path, {"conv.py": CONV, "blocks.py": blocks, "model.py": MODEL})
    assert conv.activation == "unknown", conv.activation_evidence
