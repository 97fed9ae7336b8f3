"""A script's `for m in model.modules(): if isinstance(m, nn.Conv2d): nn.init.kaiming_normal_(m.weight,
...)` on a model it builds is read as an `.apply` of its body: the types it tests, the init it runs,
in the model's own module or another. Before, it was not read at all for a class of the script's own
module (the conv said to keep the default, an IL101 fix in `__init__` the loop overwrites) and, for
another module's class, it made every layer unknown. Checked with torch."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from program_runs import analysed, built

from initlint import cli

MODEL = """import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3)
        self.fc = nn.Linear(64, 64)
        self.out = nn.Linear(64, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x)).mean((2, 3))
        return self.out(torch.relu(self.fc(x)))
"""

LOOP = """
model = Net()
{guard}for m in model.modules():
{indent}    if isinstance(m, nn.Conv2d):
{indent}        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
"""


def _files(apart: bool, guarded: bool = False) -> dict:
    loop = LOOP.format(guard="if INIT:\n    " if guarded else "", indent="    " if guarded else "")
    head = "INIT = len(__name__) > 100\n" if guarded else ""
    if apart:
        return {"model.py": MODEL, "train.py": "import torch.nn as nn\n\nfrom model import Net\n" + head + loop}
    return {"model.py": MODEL + "\n" + head + loop}


def _rows(tmp_path, files: dict) -> dict:
    return {row.name: row for row in analysed(tmp_path, files)[str(tmp_path / "model.py")].layers}



@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "script-module"])
def test_a_script_s_init_loop_is_read_for_the_types_it_tests(tmp_path, apart):
    rows = _rows(tmp_path, _files(apart))
    assert rows["conv"].init == "explicit", rows["conv"].init_evidence
    assert rows["fc"].init == "default", rows["fc"].init_evidence  # the loop tests for Conv2d only
    net = built(tmp_path, "train" if apart else "model", "model")
    fan_out = 64 * 9
    assert abs(net.conv.weight.std().item() - math.sqrt(2 / fan_out)) < 0.1 * math.sqrt(2 / fan_out)


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "script-module"])
def test_a_loop_under_a_condition_is_not_known_to_run(tmp_path, apart):
    rows = _rows(tmp_path, _files(apart, guarded=True))
    assert rows["conv"].init == "unknown", rows["conv"].init_evidence


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "script-module"])
def test_the_fix_on_the_layer_the_loop_leaves_alone_takes_effect(tmp_path, apart):
    """`--fix` inits `fc` in `__init__`; the script's loop runs after it and leaves it alone: the model
    the script builds has He's std there, and a second --fix changes nothing."""
    for name, text in _files(apart).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = ["check", "--no-cache", "--fix", "--exit-zero", str(tmp_path)]
    CliRunner().invoke(cli.main, args, catch_exceptions=False)
    fixed = (tmp_path / "model.py").read_text(encoding="utf-8")
    assert "self.fc.weight" in fixed and "self.conv.weight" not in fixed, fixed
    CliRunner().invoke(cli.main, args, catch_exceptions=False)
    assert (tmp_path / "model.py").read_text(encoding="utf-8") == fixed
    net = built(tmp_path, "train" if apart else "model", "model")
    assert abs(net.fc.weight.std().item() - math.sqrt(2 / 64)) < 0.1 * math.sqrt(2 / 64)


UTILS = """import torch.nn as nn


def init_fn(m, gain=1.0):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight, gain=gain)
"""


def test_an_apply_of_another_module_s_function_with_bound_arguments_is_unknown(tmp_path):
    """`model.apply(partial(init_fn, gain=2.0))`: the Linear layers it reaches get a draw its calls do
    not say (`gain=gain`); the conv, which it skips, keeps what it had."""
    train = "import functools\n\nfrom model import Net\nfrom utils import init_fn\n\nmodel = Net()\n" \
            "model.apply(functools.partial(init_fn, gain=2.0))\n"
    rows = _rows(tmp_path, {"model.py": MODEL, "utils.py": UTILS, "train.py": train})
    assert rows["fc"].init == "unknown" and rows["out"].init == "unknown", rows["fc"].init_evidence
    assert rows["conv"].init == "default", rows["conv"].init_evidence


BLOCK_BUILT_INDIRECTLY = """import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


class Handed(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = block(8)

    def forward(self, x):
        return self.block(self.stem(x)).relu()


class Named(nn.Module):
    block_cls = Block

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = self.block_cls(8)

    def forward(self, x):
        return self.block(self.stem(x)).relu()
"""

INIT_LOOP_ON = """import torch.nn as nn
from model import Block, Handed, Named

model = {build}
for m in model.modules():
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
"""


@pytest.mark.parametrize("build", ["Handed(Block)", "Handed(block=Block)", "Named()"])
def test_the_loop_reaches_a_block_built_from_a_class_passed_or_named_at_class_level(tmp_path, build):
    """`Handed(Block)` calling `block(8)`, `Named` calling `self.block_cls(8)` with `block_cls = Block` in its
    body: the script's loop over the model redraws Block's conv. It was said to keep the default, with a
    ReLU fix in Block's `__init__` that the loop overwrites (dead); now explicit, no fix, as torch shows."""
    # only the holder built: the other would be a second way of building Block, which the loop does not reach
    other = "\n\n\nclass Named" if build.startswith("Handed") else "\n\n\nclass Handed"
    start = BLOCK_BUILT_INDIRECTLY.index(other)
    end = BLOCK_BUILT_INDIRECTLY.find("\n\n\nclass", start + 1)
    model = BLOCK_BUILT_INDIRECTLY[:start] + (BLOCK_BUILT_INDIRECTLY[end:] if end != -1 else "\n")
    train = INIT_LOOP_ON.format(build=build).replace("Block, Handed, Named", "Block, " + build.split("(")[0])
    files = {"model.py": model, "train.py": train}
    rows = _rows(tmp_path, files)
    assert rows["conv"].init == "explicit", rows["conv"].init_evidence
    args = ["check", "--no-cache", "--isolated", "--select", "ALL", "--diff", "--exit-zero", str(tmp_path)]
    diff = CliRunner().invoke(cli.main, args, catch_exceptions=False).output
    assert "self.conv.weight" not in diff, diff
    net = built(tmp_path, "train", "model")
    fan_out = 8 * 9
    assert abs(net.block.conv.weight.std().item() - math.sqrt(2 / fan_out)) < 0.15 * math.sqrt(2 / fan_out)


def test_a_checkpoint_the_script_loads_into_the_model_decides_its_weights(tmp_path):
    """`model = Net(); model.load_state_dict(torch.load(...))`: every weight is the checkpoint's. The fc was
    said to keep the default, with a ReLU fix in `__init__` the load overwrites (dead); now its init is
    unknown, no fix, and torch shows the loaded weights in the model the script builds."""
    torch = pytest.importorskip("torch")
    model = MODEL.replace("import torch.nn as nn", "import torch.nn as nn\n\n\nCHECKPOINT = __file__ + '.pt'", 1)
    train = "import torch\n\nfrom model import CHECKPOINT, Net\n\nmodel = Net()\nmodel.load_state_dict(torch.load(CHECKPOINT))\n"
    files = {"model.py": model, "train.py": train}
    rows = _rows(tmp_path, files)
    assert rows["fc"].init == "unknown" and "load_state_dict" in rows["fc"].init_evidence, rows["fc"].init_evidence
    args = ["check", "--no-cache", "--isolated", "--select", "ALL", "--diff", "--exit-zero", str(tmp_path)]
    assert "self.fc.weight" not in CliRunner().invoke(cli.main, args, catch_exceptions=False).output
    saved = built(tmp_path, "model", "Net")
    torch.nn.init.zeros_(saved.fc.weight)
    torch.save(saved.state_dict(), str(tmp_path / "model.py") + ".pt")
    assert built(tmp_path, "train", "model").fc.weight.abs().max().item() == 0.0


def test_a_checkpoint_loaded_under_a_condition_leaves_the_built_from_scratch_model_its_init(tmp_path):
    """torchvision's builders: `if weights is not None: model.load_state_dict(...)`. Built without weights
    (as the script does), the model keeps the construction's init: the finding and its fix stand (a
    checkpoint loaded on the other way overwrites the fix there, as it should)."""
    train = ("import torch\n\nfrom model import Net\n\n\ndef build(weights=None):\n    model = Net()\n"
             "    if weights is not None:\n        model.load_state_dict(torch.load(weights))\n    return model\n\n\n"
             "model = build()\n")  # fmt: skip
    rows = _rows(tmp_path, {"model.py": MODEL, "train.py": train})
    assert rows["fc"].init == "default", rows["fc"].init_evidence
    net = built(tmp_path, "train", "model")
    assert abs(net.fc.weight.std().item() - 1 / math.sqrt(3 * 64)) < 0.15 / math.sqrt(3 * 64)
