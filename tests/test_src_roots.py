"""`src = [...]` in `[tool.initlint]` (ruff's setting): the first-party roots absolute imports
resolve against. A module under a root that the run does not check is read as the project's
own (never reported, never fixed); namespace packages (no `__init__.py`) are named from the root."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from initlint import api, cli
from initlint.config import ConfigError

FACTORY = """
    import torch.nn as nn


    def create_conv(cin, cout, k=3):
        return nn.Conv2d(cin, cout, k, padding=k // 2)
    """

APP = """
    import torch.nn as nn
    import torch.nn.functional as F

    from {module} import create_conv


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = create_conv(3, 8)

        def forward(self, x):
            return F.relu(self.conv(x))
    """


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def project(root: Path, src: str = "", module: str = "layers.conv") -> Path:
    """app/net.py (checked) builds its conv through a factory in lib/layers/conv.py (not checked);
    lib/layers has no `__init__.py`: a namespace package."""
    write(root / "pyproject.toml", f"[tool.initlint]\n{src}\n")
    write(root / "lib" / "layers" / "conv.py", FACTORY)
    write(root / "app" / "net.py", APP.format(module=module))
    return root


def check(root: Path, *paths: str, **options) -> dict:
    old = os.getcwd()
    os.chdir(root)
    try:
        results = api.check(api.Run(paths=list(paths) or ["app"], jobs=1, **options))
        return {r.path.replace(os.sep, "/"): [(f.code, f.line, f.layer) for f in r.findings] for r in results}
    finally:
        os.chdir(old)


def test_an_import_resolves_only_with_the_src_setting(tmp_path: Path) -> None:
    without = check(project(tmp_path / "without"), use_cache=False)
    assert without == {"app/net.py": []}, "layers.conv is not found from the project root: the conv is unknown"
    with_src = check(project(tmp_path / "with", src='src = ["lib"]'), use_cache=False)
    assert with_src == {"app/net.py": [("IL101", 10, "conv")]}, "the factory followed: reported at the call in the class"


def test_a_namespace_package_under_a_root_resolves_by_its_full_name(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "pyproject.toml", '[tool.initlint]\nsrc = ["lib"]\n')
    write(root / "lib" / "vision" / "layers" / "conv.py", FACTORY)  # no __init__.py anywhere
    write(root / "lib" / "vision" / "layers" / "make.py", "from .conv import create_conv\n")  # relative, in a namespace package
    write(root / "app" / "net.py", APP.format(module="vision.layers.make"))
    assert check(root, use_cache=False) == {"app/net.py": [("IL101", 10, "conv")]}


def test_the_default_roots_are_the_project_root_and_its_src_folder(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    write(root / "pyproject.toml", "[tool.initlint]\n")
    write(root / "src" / "layers" / "conv.py", FACTORY)
    write(root / "app" / "net.py", APP.format(module="layers.conv"))
    assert check(root, use_cache=False) == {"app/net.py": [("IL101", 10, "conv")]}


def test_a_module_read_through_a_root_is_cached_like_a_checked_file(tmp_path: Path) -> None:
    root = project(tmp_path / "proj", src='src = ["lib"]')
    cache = str(tmp_path / "cache")
    stats = api.RunStats()
    assert check(root, cache_dir=cache, fix_edits=False) == {"app/net.py": [("IL101", 10, "conv")]}
    os.chdir(root)
    try:
        list(api.check(api.Run(paths=["app"], jobs=1, cache_dir=cache, fix_edits=False), stats=stats))
    finally:
        os.chdir(tmp_path)
    assert stats.analysed == [], "nothing read again: the factory's module is known by its bytes"
    conv = root / "lib" / "layers" / "conv.py"
    conv.write_text(conv.read_text(encoding="utf-8").replace("nn.Conv2d(cin, cout, k, padding=k // 2)", "nn.Linear(cin, cout)"),
                    encoding="utf-8")  # fmt: skip
    stats = api.RunStats()
    os.chdir(root)
    try:
        results = list(api.check(api.Run(paths=["app"], jobs=1, cache_dir=cache, fix_edits=False), stats=stats))
    finally:
        os.chdir(tmp_path)
    assert sorted(Path(p).name for p in stats.analysed) == ["conv.py", "net.py"]
    assert [(f.code, f.layer) for r in results for f in r.findings] == [("IL101", "conv")]


@pytest.mark.parametrize(("setting", "message"), [
    ('src = "lib"', "`src` must be a list"),
    ('src = ["lib", 3]', "must be a list of strings"),
    ('src = ["missing"]', "`src` names"),
])  # fmt: skip
def test_a_bad_src_setting_is_a_clear_error_and_exit_2(tmp_path: Path, setting: str, message: str) -> None:
    root = project(tmp_path / "proj", src=setting)
    with pytest.raises(ConfigError, match=message):
        check(root, use_cache=False)
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli.main, ["check", "--no-cache", "app"], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code == 2 and "pyproject.toml" in result.output and message in result.output
