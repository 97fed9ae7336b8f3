"""Stable site ids: each layer's construction site is named by class, `named_modules()` path and
type (not by line and column), and fixes are joined to findings by that id."""

from __future__ import annotations

from initlint import fixer
from initlint.rules import run_rules, select_rules
from initlint.semantics.file import analyze

NET = '''import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        if config.wide:
            self.fc2 = nn.Linear(64, 128)
        else:
            self.fc2 = nn.Linear(64, 64)

    def forward(self, x):
        return torch.relu(self.fc2(torch.relu(self.fc1(x))))
'''

# An unrelated edit above the class: lines and columns of every layer move.
ABOVE = '''"""Models."""
import os


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 8)
'''


def sites(text: str) -> dict:
    return {layer.site: layer for layer in analyze(text, "m.py").layers}


def test_site_ids_are_unique_and_survive_edits_elsewhere():
    before = sites(NET)
    assert set(before) == {"Net/fc1/Linear", "Net/fc2/Linear", "Net/fc2/Linear#1"}
    after = sites(ABOVE + NET)
    assert set(before) <= set(after) and "Other/fc1/Linear" in after
    for site, layer in before.items():
        assert after[site].line == layer.line + ABOVE.count("\n")
        assert (after[site].activation, after[site].fix.weight) == (layer.activation, layer.fix.weight)


def test_findings_carry_their_layers_site_and_their_fix_carries_it_too():
    model = analyze(NET, "m.py")
    findings = run_rules(model, select_rules())
    assert sorted(f.site for f in findings) == sorted(layer.site for layer in model.layers)
    assert fixer.attach_fixes(findings, model, None, NET) == []
    assert all(f.fix is not None and f.fix.site == f.site for f in findings)
    # the two fc2 sites are one name on two lines: each finding got its own layer's fix
    fc2 = sorted((f for f in findings if f.layer == "fc2"), key=lambda f: f.line)
    assert [f.fix.edits[-1].line for f in fc2] == [f.line + 1 for f in fc2]


def test_fixes_are_joined_to_findings_by_site_not_by_position():
    """Findings of a text joined to the model of that text edited above (an editor's findings,
    the file changed since): every finding still gets its layer's fix, at the new lines."""
    edited = ABOVE + NET
    findings = [f for f in run_rules(analyze(NET, "m.py"), select_rules())]
    unfixable = fixer.attach_fixes(findings, analyze(edited, "m.py"), None, edited)
    assert unfixable == [] and all(f.fix is not None for f in findings)
    fresh = run_rules(analyze(edited, "m.py"), select_rules())
    fresh = [f for f in fresh if f.class_name == "Net"]
    fixer.attach_fixes(fresh, analyze(edited, "m.py"), None, edited)
    assert fixer.fix_source(edited, findings, "m.py").new_text == fixer.fix_source(edited, fresh, "m.py").new_text
    assert "nn.init.kaiming_uniform_(self.fc1.weight" in fixer.fix_source(edited, findings, "m.py").new_text
