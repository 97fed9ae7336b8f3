"""An internal error of the program stage is contained: the layer it hit claims nothing and its
file reports the error at that layer's line (exit 2), while every other layer and file is linked
and judged as usual. An error outside any one layer leaves unknown every claim that other modules
could have changed, never the unlinked per-file claim ("keeps the default" may be overwritten)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import importlib

from initlint import api, cli
from initlint.rules import ALL_RULES

link_stage = importlib.import_module("initlint.program.link")  # (the package re-exports the function `link`)

BLOCKS = """
    import torch.nn as nn


    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(8, 8, 3)
            self.proj = nn.Conv2d(8, 8, 1)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.proj(self.act(self.conv(x))))
    """

MODEL = """
    import torch.nn as nn

    from blocks import Block


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            return self.fc(self.block(x)).relu()
    """


@pytest.fixture
def program(tmp_path: Path) -> Path:
    for name, text in (("blocks.py", BLOCKS), ("model.py", MODEL)):
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


def check(root: Path) -> dict:
    old = os.getcwd()
    os.chdir(root)
    try:
        return {Path(r.path).name: r for r in api.check(api.Run(paths=["."], jobs=1, use_cache=False, isolated=True))}
    finally:
        os.chdir(old)


def failing_for(name: str, real):
    def step(layer, *args, **kwargs):
        if layer.name == name:
            raise KeyError("a shape this version cannot link")
        return real(layer, *args, **kwargs)

    return step


def test_an_error_on_one_layer_gives_up_that_layer_only(program: Path, monkeypatch) -> None:
    clean = check(program)
    assert {(f.code, f.line) for f in clean["blocks.py"].findings} == {("IL101", 7), ("IL101", 8)}
    monkeypatch.setattr(link_stage, "_link_init", failing_for("conv", link_stage._link_init))
    results = check(program)
    error = results["blocks.py"].error
    assert error is not None and error.line == 7, error
    assert "internal error while linking conv: KeyError" in error.message
    # the layer it hit claims nothing; its neighbour and the other file are judged as before
    assert [(f.code, f.line) for f in results["blocks.py"].findings] == [("IL101", 8)]
    assert results["model.py"].error is None
    assert [(f.code, f.line) for f in results["model.py"].findings] == [(f.code, f.line) for f in clean["model.py"].findings]


def test_the_cli_says_so_and_exits_2(program: Path, monkeypatch) -> None:
    monkeypatch.setattr(link_stage, "_link_init", failing_for("conv", link_stage._link_init))
    monkeypatch.chdir(program)
    result = CliRunner().invoke(cli.main, ["check", "--no-cache", "--isolated", "--jobs", "1", "."], catch_exceptions=False)
    assert result.exit_code == 2
    assert "blocks.py:7:" in result.stderr and "internal error while linking conv" in result.stderr
    assert "blocks.py:8:" in result.stdout  # the rest is still reported


def test_an_error_outside_any_layer_leaves_no_default_claim(program: Path, monkeypatch) -> None:
    def broken(index):
        raise RuntimeError("the program stage failed")

    monkeypatch.setattr(link_stage, "_uses", broken)
    results = check(program)
    for name in ("blocks.py", "model.py"):
        assert results[name].error is not None and "internal error in the program stage" in results[name].error.message
        # each layer "keeps the default" only if nothing elsewhere re-initialises it: not known now
        assert not [f for f in results[name].findings if f.code.startswith("IL1")]


def test_one_file_alone_reports_the_error_with_its_other_findings(program: Path, monkeypatch) -> None:
    monkeypatch.setattr(link_stage, "_link_init", failing_for("conv", link_stage._link_init))
    path = str(program / "blocks.py")
    source = api.sources.read(path, 0)
    findings, error = api.findings_of(source, api.Settings(codes=[rule.code for rule in ALL_RULES]))
    assert error is not None and error.line == 7
    assert [(f.code, f.line) for f in findings] == [("IL101", 8)]
