"""timm's ResNet idioms, written small: a norm parameter read through timm's norm registry with
values that differ between the model's constructions, blocks handed to the model as classes and
built through `to_ntuple(n)(block)` and a builder's loop. Each claim checked against torch building
the same modules (the small timm below is importable)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program
from initlint.program.environment import Environment

from test_program_coverage import _traced
from test_program_passing import _importable

# a small timm: what the hooks and stubs say of timm's names, written out in torch
TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "from .create_norm import get_norm_layer\nfrom .create_act import get_act_layer\n"
                               "from .helpers import to_ntuple\n",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACTS = dict(relu=nn.ReLU, silu=nn.SiLU)\n\n\n"
                                 "def get_act_layer(name):\n    return _ACTS[name] if isinstance(name, str) else name\n",
    "timm/layers/norm.py": "import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
                           "class GroupNorm(nn.GroupNorm):\n"
                           "    def __init__(self, num_channels, num_groups=4):\n"
                           "        super().__init__(num_groups, num_channels)\n\n"
                           "    def forward(self, x):\n"
                           "        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)\n",
    "timm/layers/create_norm.py": "import torch.nn as nn\n\nfrom .norm import GroupNorm\n\n"
                                  "_NORMS = dict(batchnorm2d=nn.BatchNorm2d, groupnorm=GroupNorm)\n\n\n"
                                  "def get_norm_layer(norm_layer):\n"
                                  "    return _NORMS[norm_layer] if isinstance(norm_layer, str) else norm_layer\n",
    "timm/layers/helpers.py": "import collections.abc\nfrom itertools import repeat\n\n\n"
                              "def _ntuple(n):\n"
                              "    def parse(x):\n"
                              "        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):\n"
                              "            return tuple(x)\n"
                              "        return tuple(repeat(x, n))\n"
                              "    return parse\n\n\nto_ntuple = _ntuple\n",
}


@contextlib.contextmanager
def _timm_program(tmp_path: Path, files: dict):
    """The program's files under tmp_path/program, the small timm installed under tmp_path/site:
    (path -> FileModel, a loader of the program's modules by name, the small timm importable)."""
    site, program = tmp_path / "site", tmp_path / "program"
    for name, text in TIMM.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    program.mkdir(exist_ok=True)
    for name, text in files.items():
        (program / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(program / n): t for n, t in files.items()},
                                        environment=Environment((str(site),)))  # fmt: skip
    assert not errors
    sys.path.insert(0, str(site))
    try:
        with _importable(program) as load:
            yield {Path(path).name: model for path, model in models.items()}, load
    finally:
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n == "timm" or n.startswith("timm.")]:
            del sys.modules[name]


def _rows(model) -> dict:
    return {(layer.class_name, layer.name): layer for layer in model.layers if not layer.at_use}


STEM = """import torch.nn as nn
from timm.layers import get_act_layer, get_norm_layer


class Net(nn.Module):
    def __init__(self, chs=8, act_layer=nn.ReLU, norm_layer=nn.BatchNorm2d):
        super().__init__()
        act_layer = get_act_layer(act_layer)
        norm_layer = get_norm_layer(norm_layer)
        self.stem = nn.Sequential(nn.Conv2d(chs, chs, 3, padding=1), norm_layer(chs), act_layer(inplace=True))
        self.head = nn.Conv2d(chs, 2, 1)

    def forward(self, x):
        return self.head(self.stem(x))


def net():
    return Net()


def net_gn():
    return Net(norm_layer="{key}")
"""


def test_a_norm_key_read_through_the_norm_registry_is_each_value_s_class(tmp_path: Path) -> None:
    """Net's `norm_layer` is nn.BatchNorm2d in one construction and "groupnorm" in the other, both read
    through timm's `get_norm_layer`: the registry gives a norm for each (timm's GroupNorm), so the
    stem's conv meets the ReLU after either, as torch builds both."""
    with _timm_program(tmp_path, {"net.py": STEM.format(key="groupnorm")}) as (models, load):
        conv = _rows(models["net.py"])[("Net", "stem.0")]
        assert conv.activation == "relu", conv.activation_evidence
        assert _traced(load("net").net(), "stem.0", 8, 4, 4) == "relu"
        assert _traced(load("net").net_gn(), "stem.0", 8, 4, 4) == "relu"


def test_a_norm_key_the_registry_does_not_know_stays_unknown(tmp_path: Path) -> None:
    """"weirdnorm" is not a key of timm's norm registry: what the stem's conv meets in that
    construction is not known, so the row claims nothing."""
    with _timm_program(tmp_path, {"net.py": STEM.format(key="weirdnorm")}) as (models, _):
        conv = _rows(models["net.py"])[("Net", "stem.0")]
        assert conv.activation == "unknown", conv.activation_evidence
