"""The same code gives the same report on every run. Python salts the hash of strings per
process (PYTHONHASHSEED), so anything that picks "the first" of a set of evidence texts can
word a finding differently from one run to the next: a CI diff, a flapping editor message.
Each check runs the CLI in fresh processes with different seeds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_program import write_tree

ROOT = Path(__file__).resolve().parents[1]

# A block's returned output, met by ReLU three ways in the one class that builds it: the three
# agree on the activation, and the finding shows one of their evidence texts.
THREE_RELUS = {
    "pkg/__init__.py": "",
    "pkg/blocks.py": """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return self.fc(x)
""",
    "pkg/model.py": """import torch
import torch.nn as nn
import torch.nn.functional as F

from .blocks import Block


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(8)

    def forward(self, x):
        y = self.block(x)
        return torch.relu(y) + F.relu(y) + y.relu()
""",
}


def _report(folder: Path, target: str, seed: int) -> str:
    env = dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "initlint", "check", target, "--no-cache", "--isolated",
                           "--output-format", "json", "--exit-zero"],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_agreeing_uses_show_the_first_in_source_order_on_every_run(tmp_path):
    write_tree(tmp_path, THREE_RELUS)
    reports = {_report(tmp_path, "pkg", seed) for seed in (1, 2, 3, 4)}
    assert len(reports) == 1, reports
    report = reports.pop()
    assert "torch.relu(y)" in report and "F.relu(y)" not in report


def test_the_rule_book_reports_alike_under_two_hash_seeds():
    # every case of the rule book, single files and programs: a wide net for set-order wording
    assert _report(ROOT, "rules", 1) == _report(ROOT, "rules", 3)
