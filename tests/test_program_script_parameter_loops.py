"""A script's loop over the parameters of a model it built (`for p in model.parameters(): if p.dim() > 1:
nn.init.xavier_uniform_(p)`, the Annotated Transformer's idiom; `named_parameters()` with a test on the
name) draws the weights it reaches last. Before, it was not read: a ReLU layer was said to keep the
default, with an IL101 fix the loop overwrites. Now its effective init is the loop's (an IL201: Xavier
before ReLU, which is what torch runs), and a loop under a test not read makes the init unknown."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner
from program_runs import built, rows_by_class

from initlint import cli

MODEL = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.a = Block(d)
        self.head = nn.Linear(d, 1)

    def forward(self, x):
        return self.head(self.a(x))
"""

LOOP = """
net = Net()
for {target} in net.{method}():
    if {test}:
        nn.init.{init}
"""

XAVIER = dict(target="p", method="parameters", test="p.dim() > 1", init="xavier_uniform_(p)")


def _files(apart: bool, **loop) -> dict:
    code = LOOP.format(**{**XAVIER, **loop})
    if apart:
        return {"model.py": MODEL, "train.py": "import torch.nn as nn\nfrom model import Net\n" + code}
    return {"model.py": MODEL + code}


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "script-module"])
def test_the_loop_s_init_is_the_effective_one(tmp_path, apart):
    rows = rows_by_class(tmp_path, _files(apart))
    assert rows[("Block", "fc")].init == "explicit", rows[("Block", "fc")].init_evidence
    assert "net.parameters()" in rows[("Block", "fc")].init_evidence
    assert rows[("Net", "head")].init == "explicit"
    for name, text in _files(apart).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["check", "--no-cache", "--isolated", str(tmp_path)], catch_exceptions=False)
    assert "IL201" in result.output and "IL101" not in result.output, result.output
    net = built(tmp_path, "train" if apart else "model", "net")
    xavier = math.sqrt(2 / (64 + 64))  # what torch drew last: Xavier's std, not He's nor the default's
    assert abs(net.a.fc.weight.std().item() - xavier) < 0.1 * xavier


def test_a_test_on_the_parameter_s_name_reaches_the_layers_named_so(tmp_path):
    rows = rows_by_class(tmp_path, _files(True, target="name, p", method="named_parameters",
                                          test='name.endswith("head.weight")', init="zeros_(p)"))
    assert rows[("Net", "head")].init == "explicit", rows[("Net", "head")].init_evidence
    assert rows[("Block", "fc")].init == "default", rows[("Block", "fc")].init_evidence
    net = built(tmp_path, "train", "net")
    assert net.head.weight.abs().max().item() == 0 and net.a.fc.weight.abs().max().item() > 0


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "script-module"])
def test_a_test_not_read_makes_the_init_unknown(tmp_path, apart):
    rows = rows_by_class(tmp_path, _files(apart, test="p.requires_grad and len(p) % 3", init="zeros_(p)"))
    assert rows[("Block", "fc")].init == "unknown", rows[("Block", "fc")].init_evidence


UTILS = """import torch.nn as nn


def init_weights(model):
    '''Xavier for every Linear.'''
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)


def train(model, steps=1):
    for _ in range(steps):
        model.zero_grad()
"""


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "script-module"])
def test_a_routine_the_script_hands_the_model_to_may_initialise_it(tmp_path, apart):
    """`init_weights(net)`, a function of the program whose body is only an init loop over the model it gets:
    the layers are no longer said to keep the default (torch: Xavier's std), a fix there would be dead."""
    script = "\nnet = Net()\ninit_weights(net)\n"
    if apart:
        files = {"model.py": MODEL, "utils.py": UTILS,
                 "train.py": "from model import Net\nfrom utils import init_weights\n" + script}
    else:
        files = {"model.py": MODEL + "\n" + UTILS.split("\n", 1)[1] + script}
    rows = rows_by_class(tmp_path, files)
    assert rows[("Block", "fc")].init == "unknown", rows[("Block", "fc")].init_evidence
    assert "init_weights(net)" in rows[("Block", "fc")].init_evidence
    net = built(tmp_path, "train" if apart else "model", "net")
    xavier = math.sqrt(2 / (64 + 64))
    assert abs(net.a.fc.weight.std().item() - xavier) < 0.1 * xavier


def test_a_function_doing_more_than_init_loops_is_not_taken_for_a_routine(tmp_path):
    files = {"model.py": MODEL, "utils.py": UTILS,
             "train.py": "from model import Net\nfrom utils import train\n\nnet = Net()\ntrain(net)\n"}
    rows = rows_by_class(tmp_path, files)
    assert rows[("Block", "fc")].init == "default", rows[("Block", "fc")].init_evidence


def test_a_loop_that_draws_no_weight_is_no_routine_and_one_by_type_reaches_those_types(tmp_path):
    """torchvision's `overwrite_eps(model, eps)` loops over the model to set an eps: no init. A routine whose
    loop draws Conv2d weights only may reach convs, not the model's Linear layers."""
    utils = ("import torch.nn as nn\n\n\ndef set_eps(model, eps):\n    '''Set eps.'''\n    for m in model.modules():\n"
             "        if isinstance(m, nn.LayerNorm):\n            m.eps = eps\n\n\n"
             "def init_convs(model):\n    for m in model.modules():\n        if isinstance(m, nn.Conv2d):\n"
             "            nn.init.zeros_(m.weight)\n")
    for call in ("set_eps(net, 0.0)", "init_convs(net)"):
        files = {"model.py": MODEL, "utils.py": utils,
                 "train.py": f"from model import Net\nfrom utils import init_convs, set_eps\n\nnet = Net()\n{call}\n"}
        rows = rows_by_class(tmp_path, files)
        assert rows[("Block", "fc")].init == "default", (call, rows[("Block", "fc")].init_evidence)
