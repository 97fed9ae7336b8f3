"""A fix is unsafe because of what the analysis assumed, read from typed evidence (the
constructor defaults an activation rests on), never from the wording of the evidence text."""

from __future__ import annotations

from initlint import fixer
from initlint.rules import run_rules, select_rules
from initlint.semantics.file import analyze


def fixes(source: str) -> dict:
    """(class, layer) -> (code, applicability) of each finding's fix, as `check --fix` plans them."""
    model = analyze(source, "m.py")
    findings = run_rules(model, select_rules())
    assert fixer.attach_fixes(findings, model, None, source) == []
    return {(f.class_name, f.layer): (f.code, f.fix.applicability) for f in findings}


def test_a_default_chosen_activation_makes_the_fix_unsafe_whichever_use_the_message_names():
    """Two uses agree on GELU; the message names the explicit `F.gelu`, but the other use is a
    constructor default a caller elsewhere may replace (act_layer=nn.ReLU): the fix rests on it."""
    source = '''import torch
from torch import nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, act_layer=nn.GELU):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = act_layer()

    def forward(self, x, fast=False):
        if fast:
            return F.gelu(self.fc(x))
        return self.act(self.fc(x))
'''
    assert fixes(source) == {("Block", "fc"): ("IL106", "unsafe")}
    layer = analyze(source, "m.py").layers[0]
    assert "default" not in layer.activation_evidence  # the wording says nothing of the default
    assert layer.activation_defaults == [["Block", "act_layer", "torch.nn.GELU"]]


def test_the_word_default_in_evidence_makes_nothing_unsafe():
    """A module passed as a parameter named `default`: its evidence reads "as default= of
    Block", which a pattern over the text took for a constructor default."""
    source = '''import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, default):
        super().__init__()
        self.post = default

    def forward(self, x):
        return torch.relu(self.post(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.block = Block(default=self.fc)

    def forward(self, x):
        return self.block(x)
'''
    assert fixes(source) == {("Net", "fc"): ("IL101", "safe")}
    assert "as default= of Block" in analyze(source, "m.py").layers[0].activation_evidence


def test_a_default_read_in_forward_is_typed_too():
    """`act=F.relu` kept as is and called in forward: the default function is applied there,
    and the fix rests on it as well."""
    source = '''import torch
from torch import nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, act=F.relu):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = act

    def forward(self, x):
        return self.act(self.fc(x))
'''
    assert fixes(source) == {("Block", "fc"): ("IL101", "unsafe")}


def test_each_class_is_named_for_its_own_default():
    """Two classes whose defaults read alike ("act_layer default nn.GELU"): each layer names its
    own class's parameter for the program stage (text as the key gave both the last class)."""
    source = '''import torch
from torch import nn


class Mlp(nn.Module):
    def __init__(self, act_layer=nn.GELU):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc1(x))


class GatedMlp(nn.Module):
    def __init__(self, act_layer=nn.GELU):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc1(x))
'''
    defaults = {layer.class_name: layer.activation_defaults for layer in analyze(source, "m.py").layers}
    assert defaults == {"Mlp": [["Mlp", "act_layer", "torch.nn.GELU"]],
                        "GatedMlp": [["GatedMlp", "act_layer", "torch.nn.GELU"]]}
