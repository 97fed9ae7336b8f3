"""Module code that builds a model and then initialises one of its layers by path
(`nn.init.kaiming_normal_(net.a.fc.weight)`, `net.head.weight.data.normal_(0, 0.01)` under
`torch.no_grad()`, the fine-tuning idiom) runs the last init on that layer. Before, that layer was said
to keep the default, and its IL101 fix in the block's `__init__` was overwritten by the script: a dead
fix. Now the layer the path names is explicit, the others below that model keep what they had, and
where the way down to a layer is not known (a block of the model's own module, an index not read) its
init is unknown. The runtime side is measured with torch."""

from __future__ import annotations

import math

from click.testing import CliRunner
from program_runs import analysed, built

from initlint import cli

BLOCKS = """import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.nl = nn.ReLU()
        self.gate = nn.Linear(d, d)

    def forward(self, x):
        return self.nl(self.fc(x)) * torch.tanh(self.gate(x))
"""

MODEL = """import torch.nn as nn
from blocks import Block


class Net(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.a = Block(d)
        self.head = nn.Linear(d, 1)

    def forward(self, x):
        return self.head(self.a(x))
"""

TRAIN = """import torch
import torch.nn as nn
from model import Net

net = Net()
{init}
with torch.no_grad():
    net.head.weight.data.normal_(0, 0.01)
"""

KAIMING = 'nn.init.kaiming_normal_(net.a.fc.weight, nonlinearity="relu")'


def _rows(tmp_path, files: dict) -> dict:
    return {(row.class_name, row.name): row for model in analysed(tmp_path, files).values() for row in model.layers}


def test_the_layer_a_script_initialises_by_path_is_explicit_and_no_other(tmp_path):
    rows = _rows(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL, "train.py": TRAIN.format(init=KAIMING)})
    assert rows[("Block", "fc")].init == "explicit", rows[("Block", "fc")].init_evidence
    assert "train.py" in rows[("Block", "fc")].init_evidence
    assert rows[("Block", "gate")].init == "default", rows[("Block", "gate")].init_evidence  # not named by the script
    assert rows[("Net", "head")].init == "explicit", rows[("Net", "head")].init_evidence
    net = built(tmp_path, "train", "net")
    assert abs(net.a.fc.weight.std().item() - math.sqrt(2 / 64)) < 0.1 * math.sqrt(2 / 64)
    assert abs(net.head.weight.std().item() - 0.01) < 0.005


def test_no_fix_is_written_where_the_script_overwrites_it(tmp_path):
    """`--fix` inits only the gate (the layer the script leaves alone); the fixed model the script builds
    has the gate's tanh std and the script's std on fc; a second --fix changes nothing."""
    for name, text in {"blocks.py": BLOCKS, "model.py": MODEL, "train.py": TRAIN.format(init=KAIMING)}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = ["check", "--no-cache", "--fix", "--exit-zero", "--isolated", str(tmp_path)]
    CliRunner().invoke(cli.main, args, catch_exceptions=False)
    fixed = (tmp_path / "blocks.py").read_text(encoding="utf-8")
    assert "self.gate.weight" in fixed and "self.fc.weight" not in fixed, fixed
    CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert (tmp_path / "blocks.py").read_text(encoding="utf-8") == fixed
    net = built(tmp_path, "train", "net")
    assert abs(net.a.fc.weight.std().item() - math.sqrt(2 / 64)) < 0.1 * math.sqrt(2 / 64)
    tanh_std = 5 / 3 / math.sqrt(64)  # kaiming_uniform_ with tanh's gain 5/3
    assert abs(net.a.gate.weight.std().item() - tanh_std) < 0.1 * tanh_std


def test_a_script_init_under_a_condition_is_unknown(tmp_path):
    init = "if len(__name__) > 100:\n    " + KAIMING
    rows = _rows(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL, "train.py": TRAIN.format(init=init)})
    assert rows[("Block", "fc")].init == "unknown", rows[("Block", "fc")].init_evidence


def test_an_index_not_read_may_reach_the_layers_named_so(tmp_path):
    """`net.blocks[i].fc`: which block is not read, so the fc of the Block in the list may be the one
    (unknown); `net.a.fc` is not under `blocks` and keeps the default, as does every gate."""
    model = MODEL.replace("self.a = Block(d)", "self.a = Block(d)\n        self.blocks = nn.ModuleList([Block(d)])")
    train = TRAIN.format(init="i = 0\nnn.init.zeros_(net.blocks[i].fc.weight)")
    rows = _rows(tmp_path, {"blocks.py": BLOCKS, "model.py": model, "train.py": train})
    fcs = {name: row for (_, name), row in rows.items() if name.endswith("fc")}
    assert fcs["a.fc"].init == "default", fcs["a.fc"].init_evidence
    in_list = [row for name, row in fcs.items() if name != "a.fc"]
    assert in_list and all(row.init == "unknown" for row in in_list), [(r.name, r.init_evidence) for r in in_list]
    assert all(row.init == "default" for (_, name), row in rows.items() if name.endswith("gate"))
    net = built(tmp_path, "train", "net")
    assert net.blocks[0].fc.weight.abs().max().item() == 0 and net.a.fc.weight.abs().max().item() > 0


def test_in_one_module_the_named_layer_is_explicit_and_a_block_s_layer_unknown(tmp_path):
    """The script in the models' own module: the model's own layer it names is explicit; the block's layer
    below it, whose path the file stage does not follow into the block, is unknown rather than default."""
    one = BLOCKS + "\n\n" + MODEL.split("\n", 2)[2] + "\n\n" + TRAIN.format(init=KAIMING).split("\n", 3)[3]
    one = "import torch\n" + one
    rows = _rows(tmp_path, {"one.py": one})
    assert rows[("Net", "head")].init == "explicit", rows[("Net", "head")].init_evidence
    assert rows[("Block", "fc")].init == "unknown", rows[("Block", "fc")].init_evidence
    assert rows[("Block", "gate")].init == "default", rows[("Block", "gate")].init_evidence
    net = built(tmp_path, "one", "net")
    assert abs(net.head.weight.std().item() - 0.01) < 0.005


def test_an_init_by_path_on_a_model_not_followed_reaches_only_layers_named_so(tmp_path):
    """`enc = Encoder(cfg)` of a library the program does not hold: `enc.head.weight.data.normal_()` may
    reach a layer of the program named `head` (unknown) and no other; `enc.norm.weight = None` draws
    nothing (diffusers' autoencoder_rae.py does that to a transformers model)."""
    train = ("import torch.nn as nn\nfrom somelib import Encoder\nimport model\n\nenc = Encoder()\n"
             "enc.head.weight.data.normal_(0, 0.01)\nenc.norm.weight = None\n")
    rows = _rows(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL, "train.py": train})
    assert rows[("Net", "head")].init == "unknown", rows[("Net", "head")].init_evidence
    assert rows[("Block", "fc")].init == "default", rows[("Block", "fc")].init_evidence
    assert rows[("Block", "gate")].init == "default", rows[("Block", "gate")].init_evidence
    train = "from somelib import Encoder\nimport model\n\nenc = Encoder()\nenc.norm.weight = None\n"
    rows = _rows(tmp_path, {"blocks.py": BLOCKS, "model.py": MODEL, "train.py": train})
    assert rows[("Net", "head")].init == "default", rows[("Net", "head")].init_evidence


def test_an_apply_on_a_model_a_function_builds_reaches_what_that_function_s_module_reaches(tmp_path):
    """`b = make_backbone("a"); b.apply(init)`: the function of the program is not followed to the class it
    returns, so any conv its module's imports reach may be re-initialised (unknown); a conv of a module only
    the script imports (torchvision's SSD extras beside ssdlite's `_normal_init(backbone)`) is not in it."""
    backbone = ("import torch.nn as nn\n\n\nclass Backbone(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.conv = nn.Conv2d(3, 8, 3)\n        self.act = nn.ReLU()\n\n    def forward(self, x):\n"
                "        return self.act(self.conv(x))\n\n\ndef make_backbone(name='a'):\n    if name == 'a':\n"
                "        return Backbone()\n    return build_other(name)\n\n\ndef build_other(name):\n"
                "    raise ValueError(name)\n")
    extra = backbone.replace("Backbone", "Extra").split("\n\n\ndef make_backbone")[0] + "\n"
    train = ("import torch.nn as nn\nfrom backbone import make_backbone\nfrom extra import Extra\n\n\ndef init(m):\n"
             "    if isinstance(m, nn.Conv2d):\n        nn.init.normal_(m.weight, std=0.03)\n\n\n"
             "b = make_backbone('a')\nb.apply(init)\ne = Extra()\n")
    rows = _rows(tmp_path, {"backbone.py": backbone, "extra.py": extra, "train.py": train})
    assert rows[("Backbone", "conv")].init == "unknown", rows[("Backbone", "conv")].init_evidence
    assert rows[("Extra", "conv")].init == "default", rows[("Extra", "conv")].init_evidence
