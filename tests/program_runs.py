"""Shared by the program tests: write a few modules, analyse them as one program, and build the model
they define with torch to trace which activation follows each layer (the runtime side of a claim)."""

from __future__ import annotations

import sys

import pytest

from initlint.program import analyze_program


def analysed(tmp_path, files: dict) -> dict:
    """path -> FileModel of `files` (name -> source) written to `tmp_path` and linked as one program."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors, errors
    return models


def rows_by_class(tmp_path, files: dict) -> dict:
    """(class, layer name) -> row, over every module of the program."""
    return {(row.class_name, row.name): row for model in analysed(tmp_path, files).values() for row in model.layers}


def built(tmp_path, module: str, attribute: str):
    """`module.attribute` imported from `tmp_path` (called when it is a class), the imports undone after."""
    pytest.importorskip("torch")
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        found = getattr(__import__(module), attribute)
        return found() if isinstance(found, type) else found
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]


def traced(tmp_path, module: str = "model", attribute: str = "Model", shape: tuple = (2, 8)) -> dict:
    """layer name -> the activation torch runs after it, in the model `module.attribute` builds."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    net = built(tmp_path, module, attribute)
    with torch.no_grad():
        report = verify(net.eval(), (torch.randn(*shape),), method="hooks", static=False)
    return {row.layer: row.activation for row in report.layers}
