"""Installed packages read as source, and where their layers' findings go.

Each test builds a project and a fake "installed" package folder (with its dist-info), and a
fake interpreter (a shell script) that reports that folder on its `sys.path`, configured
as `python = ...` in `[tool.initlint]`. Nothing in the package is ever reported or fixed;
its layers are judged where the checked code builds them.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from initlint import api, report
from initlint.config import ConfigError
from initlint.program import analyze_program

MLP = """
    import torch.nn as nn


    class Mlp(nn.Module):
        def __init__(self, dim, act_layer=nn.GELU):
            super().__init__()
            self.fc1 = nn.Linear(dim, dim * 4)
            self.act = act_layer()
            self.fc2 = nn.Linear(dim * 4, dim)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))
    """

MODEL = """
    import torch.nn as nn
    from fakelib import Mlp


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.mlp = Mlp(8, act_layer=nn.ReLU)
            self.other = Mlp(8)
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.other(self.mlp(x)))
    """


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def installed_package(root: Path, version: str = "1.2", mlp: str = MLP) -> Path:
    site = root / "site"
    write(site / "fakelib" / "__init__.py", "from .mlp import Mlp\n")
    write(site / "fakelib" / "mlp.py", mlp)
    for old in site.glob("fakelib-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    (site / f"fakelib-{version}.dist-info").mkdir()
    return site


def interpreter(root: Path, site: Path) -> Path:
    """A stand-in for `.venv/bin/python`: answers the sys.path probe, and counts its runs."""
    script = root / "venv" / "bin" / "python"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(f"#!/bin/sh\necho run >> {root / 'runs.log'}\necho '[\"\", \"{site}\"]'\n")
    script.chmod(0o755)
    return script


def project(root: Path, python: str = "../venv/bin/python") -> Path:
    proj = root / "proj"
    write(proj / "pyproject.toml", f'[tool.initlint]\npython = "{python}"\n')
    write(proj / "app" / "model.py", MODEL)
    return proj


def check(proj: Path, *extra: str, use_cache: bool = False) -> list:
    cwd = os.getcwd()
    os.chdir(proj)
    try:
        return list(api.check(api.Run(paths=["app", *extra], use_cache=use_cache, select=["IL1"], jobs=1)))
    finally:
        os.chdir(cwd)


@pytest.fixture
def setup(tmp_path: Path):
    site = installed_package(tmp_path)
    interpreter(tmp_path, site)
    return tmp_path, site, project(tmp_path)


def test_installed_layers_are_reported_at_the_use_site_with_the_layer_as_related(setup) -> None:
    root, site, proj = setup
    results = check(proj)
    findings = [f for r in results for f in r.findings]
    assert {r.path for r in results} == {os.path.join("app", "model.py")}  # nothing inside the package
    by_layer = {f.layer: f for f in findings}
    assert set(by_layer) == {"mlp.fc1", "other.fc1"}
    relu, gelu = by_layer["mlp.fc1"], by_layer["other.fc1"]
    assert (relu.code, relu.line, relu.class_name) == ("IL101", 8, "Net")  # act_layer=nn.ReLU at this use
    assert (gelu.code, gelu.line) == ("IL106", 9)  # the default GELU at the other use
    mlp_py = str(site / "fakelib" / "mlp.py")
    assert relu.related == [[os.path.realpath(mlp_py), 7]]
    assert relu.fix is None and "installed package" in relu.no_fix
    as_json = json.loads(report.as_json(findings))
    assert {"path": os.path.realpath(mlp_py), "line": 7} in as_json[0]["related"]
    sarif = json.loads(report.sarif(findings, []))
    related = sarif["runs"][0]["results"][0]["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"].endswith("site/fakelib/mlp.py") and related["region"]["startLine"] == 7


def test_nothing_is_fixed_inside_the_package_and_a_second_fix_changes_nothing(setup) -> None:
    root, site, proj = setup
    before = (site / "fakelib" / "mlp.py").read_text()
    model_before = (proj / "app" / "model.py").read_text()
    cwd = os.getcwd()
    os.chdir(proj)
    try:
        results = list(api.check(api.Run(paths=["app"], fix=True, unsafe_fixes=True, use_cache=False, select=["ALL"])))
    finally:
        os.chdir(cwd)
    assert not any(r.fixed for r in results)
    assert (site / "fakelib" / "mlp.py").read_text() == before
    assert (proj / "app" / "model.py").read_text() == model_before


def test_an_init_the_checked_code_runs_reaches_the_installed_layers(setup) -> None:
    root, site, proj = setup
    write(proj / "app" / "train.py", """
        import torch.nn as nn
        from app.model import Net


        def init_weights(m):
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")


        net = Net()
        net.apply(init_weights)
        """)
    assert not [f for r in check(proj) for f in r.findings if f.layer in ("mlp.fc1", "other.fc1")]


def test_without_the_environment_the_installed_class_is_not_followed(setup) -> None:
    root, site, proj = setup
    write(proj / "pyproject.toml", "[tool.initlint]\n")
    assert not [f for r in check(proj) for f in r.findings]


def test_the_interpreter_is_asked_once_and_summaries_are_kept_per_package_version(setup) -> None:
    root, site, proj = setup
    first = [(f.layer, f.code) for r in check(proj, use_cache=True) for f in r.findings]
    assert (root / "runs.log").read_text().count("run") == 1
    # the same version with other bytes: the cache answers by version (an installed package does not change in place)
    installed_package(root, "1.2", MLP.replace("act_layer=nn.GELU", "act_layer=nn.Tanh"))
    again = [(f.layer, f.code) for r in check(proj, use_cache=True) for f in r.findings]
    assert again == first
    assert (root / "runs.log").read_text().count("run") == 1  # by path and mtime, from the cache folder
    installed_package(root, "1.3", MLP.replace("act_layer=nn.GELU", "act_layer=nn.Tanh"))
    upgraded = dict((f.layer, f.code) for r in check(proj, use_cache=True) for f in r.findings)
    assert upgraded["other.fc1"] == "IL103" and upgraded["mlp.fc1"] == "IL101"  # tanh by default now


def test_a_configured_interpreter_that_cannot_answer_is_a_config_error(tmp_path: Path) -> None:
    proj = project(tmp_path, python="../nowhere/python")
    with pytest.raises(ConfigError, match="pyproject.toml.*nowhere/python"):
        check(proj)


def test_uses_that_disagree_are_judged_at_each_use_site() -> None:
    """One caller passes SiLU, another keeps the default ReLU: a finding at each use, none at
    the block's own line, which each names as related."""
    block = textwrap.dedent("""\
        import torch.nn as nn


        class ConvAct(nn.Module):
            def __init__(self, c, act_layer=nn.ReLU):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 3)
                self.act = act_layer()

            def forward(self, x):
                return self.act(self.conv(x))
        """)
    user = textwrap.dedent("""\
        import torch.nn as nn
        from block import ConvAct


        class {name}(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = ConvAct(3{args})

            def forward(self, x):
                return self.stem(x)
        """)
    sources = {"block.py": block, "a.py": user.format(name="A", args=", act_layer=nn.SiLU"),
               "b.py": user.format(name="B", args="")}  # fmt: skip
    models, errors, _ = analyze_program(sources)
    assert not errors and not models["block.py"].layers
    a, b = models["a.py"].layers, models["b.py"].layers
    assert [(l.name, l.line, l.activation) for l in a] == [("stem.conv", 8, "silu")]
    assert [(l.name, l.line, l.activation) for l in b] == [("stem.conv", 8, "relu")]
    # fixed at each use, right after the statement that builds it there
    assert a[0].related == [["block.py", 7]] and a[0].fix.reason is None and a[0].fix.weight == "self.stem.conv.weight"
    # both passing the same class: they agree, and the block's own line keeps the layer
    sources["b.py"] = user.format(name="B", args=", act_layer=nn.SiLU")
    models, _, _ = analyze_program(sources)
    assert [l.line for l in models["block.py"].layers] == [7] and not models["a.py"].layers


def test_linking_again_gives_the_same_layers() -> None:
    """A file analysed afresh (its cached model is not trusted for edits) is linked again with
    the others as they were linked: the result must not drift."""
    block = "import torch.nn as nn\n\nclass ConvAct(nn.Module):\n    def __init__(self, c, act_layer=nn.ReLU):\n        super().__init__()\n        self.conv = nn.Conv2d(c, c, 3)\n        self.act = act_layer()\n\n    def forward(self, x):\n        return self.act(self.conv(x))\n"
    user = "import torch.nn as nn\nfrom block import ConvAct\n\nclass {name}(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.stem = ConvAct(3{args})\n\n    def forward(self, x):\n        return self.stem(x)\n"
    sources = {"block.py": block, "a.py": user.format(name="A", args=", act_layer=nn.SiLU"), "b.py": user.format(name="B", args="")}
    models, _, _ = analyze_program(sources)
    rows = lambda: sorted((p, l.name, l.activation) for p, m in models.items() for l in m.layers)  # noqa: E731
    first = rows()
    from initlint.semantics.file import analyze
    from initlint.program import link

    models["a.py"] = analyze(sources["a.py"], "a.py")
    link(models)
    link(models)
    assert rows() == first


def _requires(site: Path, version: str, *needed: str) -> None:
    (site / f"fakelib-{version}.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakelib\n" + "".join(f"Requires-Dist: {n}\n" for n in needed) + "\nbody\n")


def test_a_package_that_reaches_no_torch_through_its_requirements_is_never_read(setup) -> None:
    """A distribution whose requirements reach no torch (numpy's case) cannot build a torch module:
    it is not read, as the standard library is not. One that requires torch, or requires a
    distribution that does (here `midlib`), is read as before."""
    root, site, proj = setup
    read = sorted((f.layer, f.code) for r in check(proj) for f in r.findings)
    assert read, "the installed Mlp is followed"
    _requires(site, "1.2", "numpy>=1.0", "pyyaml; extra == 'yaml'")
    assert not [f for r in check(proj) for f in r.findings]
    (site / "midlib-2.0.dist-info").mkdir()
    (site / "midlib-2.0.dist-info" / "METADATA").write_text("Name: midlib\nRequires-Dist: torch (>=2.0)\n")
    _requires(site, "1.2", "numpy", "midlib[extra]>=2; python_version>'3.8'")
    assert sorted((f.layer, f.code) for r in check(proj) for f in r.findings) == read
