"""A constructor helper taking `*modules` and dropping the None among them (lucidrains'
`Sequential(*modules)`: `nn.Sequential(*filter(exists, modules))`, x-transformers builds its
FeedForward and attention blocks with torch-einops-utils' one). Before, the `*modules` tuple was not
known inside the helper, so the layers it was handed got no row at all. Now it holds what the call
passes after the named parameters, `filter(exists, ...)` (or `filter(None, ...)`) keeps the items
that are not None, in order (one that may be None is there or not), and the layers are named as
torch names them. Each claim is checked against torch running the code."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program
from initlint.program.environment import STUBS, Environment

from test_program import write_tree

MODEL = """from torch import nn


def exists(v):
    return v is not None


def Sequential(*modules):
    return nn.Sequential(*filter(exists, modules))


class FeedForward(nn.Module):
    def __init__(self, dim, post_ln=False, swish=False):
        super().__init__()
        activation = nn.SiLU() if swish else nn.GELU()
        self.ff = Sequential(
            Sequential(nn.Linear(dim, dim * 4), None, activation),
            nn.LayerNorm(dim * 4) if post_ln else None,
            nn.Dropout(0.0),
            nn.Linear(dim * 4, dim),
        )

    def forward(self, x):
        return self.ff(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.ff = FeedForward(8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.ff(x).relu())
"""


def _rows(root: Path, environment=None) -> dict:
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, errors, _ = analyze_program(sources, (), environment)
    assert not errors, errors
    return {(l.class_name, l.name): l for path, model in models.items() if path in sources for l in model.layers}


def test_the_modules_a_star_helper_keeps_are_a_sequential(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"model.py": MODEL})
    rows = _rows(root)
    assert rows[("FeedForward", "ff.0.0")].activation == "gelu"
    # post_ln's default drops the LayerNorm: the last Linear is item 2, and meets Net's ReLU
    assert rows[("FeedForward", "ff.2")].activation == "relu"
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        sys.modules.pop("model", None)
        net = importlib.import_module("model").Net()
    finally:
        sys.path[:] = saved
        sys.modules.pop("model", None)
    modules = dict(net.named_modules())
    assert isinstance(modules["ff.ff.0.0"], torch.nn.Linear) and isinstance(modules["ff.ff.0.1"], torch.nn.GELU)
    assert isinstance(modules["ff.ff.2"], torch.nn.Linear) and "ff.ff.3" not in modules


def test_a_module_that_may_be_none_leaves_the_positions_after_it_unknown(tmp_path: Path) -> None:
    """A construction elsewhere passes post_ln=True: the LayerNorm is there or not, so the last Linear
    is item 2 of one construction and item 3 of the other; its row names no index (an init written
    for `self.ff[3]` would fail on the first). Taking the None for a module (a merge of `A if c else
    None` keeps A alone) named it ff.3."""
    torch = pytest.importorskip("torch")
    two = MODEL.replace("self.ff = FeedForward(8)", "self.ff = FeedForward(8)\n        self.ln_ff = FeedForward(8, post_ln=True)")
    root = write_tree(tmp_path, {"model.py": two})
    rows = _rows(root)
    last = rows[("FeedForward", "ff.*")]
    assert last.weight is None and last.line == 20
    assert not any(cls == "FeedForward" and name in ("ff.2", "ff.3") for cls, name in rows)
    assert rows[("FeedForward", "ff.0.0")].activation == "gelu"
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        sys.modules.pop("model", None)
        net = importlib.import_module("model").Net()
    finally:
        sys.path[:] = saved
        sys.modules.pop("model", None)
    assert isinstance(net.ff.ff[2], torch.nn.Linear) and isinstance(net.ln_ff.ff[3], torch.nn.Linear)
    assert isinstance(net.ln_ff.ff[1], torch.nn.LayerNorm)


USES_THE_LIBRARY = """from torch import nn
from torch_einops_utils.nn import Sequential


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.ff = Sequential(Sequential(nn.Linear(dim, dim * 4), None, nn.GELU()), None, nn.Linear(dim * 4, dim))

    def forward(self, x):
        return self.ff(x)
"""


def test_torch_einops_utils_sequential_is_read_from_its_stub(tmp_path: Path) -> None:
    """torch-einops-utils (x-transformers' dependency) need not be installed: initlint's stub of its
    nn module is what the package does, so its Sequential's layers have rows."""
    assert (Path(STUBS) / "torch_einops_utils" / "nn.py").is_file()
    root = write_tree(tmp_path, {"model.py": USES_THE_LIBRARY})
    rows = _rows(root, Environment())
    assert rows[("FeedForward", "ff.0.0")].activation == "gelu"
    assert rows[("FeedForward", "ff.1")].activation == "none"  # the model's output
