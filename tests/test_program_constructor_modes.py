"""A constructor test on a string parameter of its own (diffusers' PixArtAlphaTextProjection: `if act_fn ==
"gelu_tanh": self.act_1 = nn.GELU(...) elif act_fn == "silu": ...`) is decided by that parameter's default,
the read noted: what it chooses rests on the default, so each construction is judged with what it passes,
in the block's own module (a written-out string decides) and in other modules. Before, both branches were
merged and the layer was unknown everywhere. Checked with torch."""

from __future__ import annotations

import sys

import pytest

from initlint.program import analyze_program

EMBEDDINGS = """import torch.nn as nn


class TextProjection(nn.Module):
    def __init__(self, in_features, hidden_size, act_fn="gelu_tanh"):
        super().__init__()
        self.linear_1 = nn.Linear(in_features, hidden_size)
        if act_fn == "gelu_tanh":
            self.act_1 = nn.GELU(approximate="tanh")
        elif act_fn == "silu":
            self.act_1 = nn.SiLU()
        else:
            raise ValueError(act_fn)
        self.linear_2 = nn.Linear(hidden_size, hidden_size)

    def forward(self, caption):
        return self.linear_2(self.act_1(self.linear_1(caption)))


class Combined(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.text = TextProjection(dim, dim, act_fn="silu")

    def forward(self, x):
        return self.text(x)
"""

MODEL = """import torch.nn as nn

from embeddings import Combined, TextProjection


class Model(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.caption = TextProjection(dim, dim)
        self.combined = Combined(dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        return self.out(self.caption(x) + self.combined(x))
"""

OTHER = """import torch.nn as nn

from embeddings import TextProjection


class Relu(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.caption = TextProjection(dim, dim, act_fn="relu_like")

    def forward(self, x):
        return self.caption(x)
"""


def _rows(tmp_path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {(row.class_name, row.name): row for model in models.values() for row in model.layers}


def _runtime(tmp_path) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        net = __import__("model").Model()
        with torch.no_grad():
            report = verify(net.eval(), (torch.randn(2, 8),), method="hooks", static=False)
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    return {row.layer: row.activation for row in report.layers}


def test_each_construction_is_judged_with_the_mode_it_passes(tmp_path):
    rows = _rows(tmp_path, {"embeddings.py": EMBEDDINGS, "model.py": MODEL})
    runtime = _runtime(tmp_path)
    assert runtime["caption.linear_1"] == "gelu" and runtime["combined.text.linear_1"] == "silu"
    at_model, at_combined = rows[("Model", "caption.linear_1")], rows[("Combined", "text.linear_1")]
    assert (at_model.activation, at_combined.activation) == ("gelu", "silu"), (
        at_model.activation_evidence, at_combined.activation_evidence)


def test_a_construction_passing_a_mode_the_block_does_not_know_here_is_not_judged(tmp_path):
    # `act_fn="relu_like"` raises in that constructor; the analysis must not claim the default's GELU there
    rows = _rows(tmp_path, {"embeddings.py": EMBEDDINGS, "model.py": MODEL, "other.py": OTHER})
    assert rows[("Model", "caption.linear_1")].activation == "gelu"
    assert rows[("Relu", "caption.linear_1")].activation == "unknown"
    assert 'act_fn="relu_like"' in rows[("Relu", "caption.linear_1")].activation_evidence


def test_a_mode_read_through_a_variable_it_was_copied_to_is_not_decided(tmp_path):
    # `mode = act_fn.lower()` is no longer the parameter: nothing is decided by the default
    copied = EMBEDDINGS.replace('        if act_fn == "gelu_tanh":', '        mode = act_fn.lower()\n        if mode == "gelu_tanh":')
    copied = copied.replace('elif act_fn == "silu":', 'elif mode == "silu":')
    rows = _rows(tmp_path, {"embeddings.py": copied, "model.py": MODEL})
    claimed = [row.activation for (cls, name), row in rows.items() if name.endswith("linear_1")]
    assert claimed and set(claimed) == {"unknown"}, claimed


GATED = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, ch=8, mode="plain", gated=False):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3)
        if mode == "gated":
            self.gate = nn.Conv2d(ch, ch, 1)
        if gated:
            self.flag_gate = nn.Conv2d(ch, ch, 1)
            self.stem = nn.Sequential(nn.Conv2d(ch, ch, 1), nn.ReLU())
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))
"""


def test_a_layer_the_default_skips_is_still_listed_and_claims_nothing(tmp_path):
    """`gate` is built where a caller passes mode="gated" (or gated=True): the defaults skip it, but
    it is the class's layer all the same (before, a branch skipped by a True/False default dropped it).
    Nothing of what follows it there was run at the defaults, not even inside its Sequential."""
    rows = _rows(tmp_path, {"block.py": GATED})
    assert rows[("Block", "conv")].activation == "relu"
    for name in ("gate", "flag_gate", "stem.0"):
        assert rows[("Block", name)].activation == "unknown", rows[("Block", name)].activation_evidence


CONTAINER_WITH_HELPER = """import torch.nn as nn

from embeddings import TextProjection


class Model(nn.Module):
    def __init__(self, dim=8, caption_channels=8):
        super().__init__()
        self.dim, self.caption_channels = dim, caption_channels
        self._init_inputs()

    def _init_inputs(self):
        self.caption = None
        if self.caption_channels is not None:
            self.caption = TextProjection(in_features=self.caption_channels, hidden_size=self.dim)

    def forward(self, x):
        return self.caption(x)
"""


def test_a_fix_at_a_use_in_a_method_under_a_condition_is_not_repeated(tmp_path):
    """diffusers' Transformer2DModel builds PixArtAlphaTextProjection in `_init_patched_inputs`, under
    `if self.caption_channels is not None:`: a fix right after that construction was not read back by
    the next run (a second --fix added it again). No fix is offered at such a use now, and an init
    written there by hand is read as unknown (not known to run each time the block is built)."""
    from click.testing import CliRunner

    from initlint import cli

    (tmp_path / "embeddings.py").write_text(EMBEDDINGS, encoding="utf-8")
    (tmp_path / "model.py").write_text(CONTAINER_WITH_HELPER, encoding="utf-8")

    def fix() -> str:
        CliRunner().invoke(cli.main, ["check", "--no-cache", "--fix", "--unsafe-fixes", "--exit-zero", str(tmp_path)],
                           catch_exceptions=False)
        return (tmp_path / "model.py").read_text(encoding="utf-8")

    once = fix()
    assert once == CONTAINER_WITH_HELPER, once
    assert fix() == once
    by_hand = CONTAINER_WITH_HELPER.replace(
        "hidden_size=self.dim)\n", "hidden_size=self.dim)\n            nn.init.zeros_(self.caption.linear_1.weight)\n")
    rows = _rows(tmp_path, {"embeddings.py": EMBEDDINGS, "model.py": by_hand})
    assert rows[("Model", "caption.linear_1")].init == "unknown", rows[("Model", "caption.linear_1")].init_evidence
