"""Which modules an edit analyses again, with a warm cache (issue 15, item 7).

A file's result is fresh while its bytes, the settings and the interface of every module its
analysis consulted are unchanged (mypy's interface hash: semantics/interface.py). Each test
edits one file of a small package and a script, runs `check` over it with the cache, and
states by name which files were analysed again (`RunStats.analysed`) and which were judged
again (`RunStats.judged`: rules run on the linked model instead of the last judgement given
back); the findings are always those of a run without the cache.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

from initlint import api

BLOCKS = '''
    """Blocks the model builds."""

    import logging

    import torch.nn as nn
    import torch.nn.functional as F

    log = logging.getLogger(__name__)


    class Block(nn.Module):
        """Two linear layers with a ReLU between them."""

        def __init__(self, dim):
            super().__init__()
            self.fc1 = nn.Linear(dim, dim)
            self.fc2 = nn.Linear(dim, dim)

        def extra_repr(self):
            return "block"

        def forward(self, x):
            # the hidden layer
            h = F.relu(self.fc1(x))
            log.debug("block")
            return self.fc2(h)
    '''

MODEL = """
    import torch.nn as nn
    import torch.nn.functional as F

    from .blocks import Block


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block(16)
            self.head = nn.Linear(16, 10)

        def forward(self, x):
            return self.head(F.relu(self.block(x)))
    """

OTHER = """
    import torch.nn as nn


    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(x).relu()
    """

TRAIN = """
    import torch.nn as nn

    from pkg.model import Net


    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")


    net = Net()
    net.apply(init_weights)
    """


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def project(root: Path) -> Path:
    write(root / "pkg" / "__init__.py", "")
    write(root / "pkg" / "blocks.py", BLOCKS)
    write(root / "pkg" / "model.py", MODEL)
    write(root / "pkg" / "other.py", OTHER)
    write(root / "train.py", TRAIN)
    return root


def run(root: Path, cache: Path) -> tuple[set, set, dict]:
    """(names analysed, names judged, findings by name) of a cached run over the project."""
    stats = api.RunStats()
    results = api.check(api.Run(paths=[str(root)], isolated=True, cache_dir=str(cache), jobs=1, fix_edits=False), stats=stats)
    findings = {Path(r.path).name: outcome(r) for r in results}
    names = lambda paths: {Path(p).name for p in paths}  # noqa: E731
    return names(stats.analysed), names(stats.judged), findings


def outcome(result: api.FileResult) -> list:
    return [(f.code, f.line, f.layer, f.message, [tuple(r) for r in f.related]) for f in result.findings]


def uncached(root: Path) -> dict:
    results = api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False, jobs=1))
    return {Path(r.path).name: outcome(r) for r in results}


def edit(root: Path, cache: Path, name: str, *changes: tuple) -> tuple[set, set, dict]:
    """Each (old, new) of `changes` made in file `name`, then a cached run: (analysed, judged, findings)."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    analysed, judged, findings = run(root, cache)
    assert findings == uncached(root), "the same findings as a run without the cache"
    assert run(root, cache)[:2] == (set(), set()), "and a second run takes everything from the cache"
    return analysed, judged, findings


def warm(tmp_path: Path) -> tuple[Path, Path]:
    root, cache = project(tmp_path / "proj"), tmp_path / "cache"
    analysed, judged, _ = run(root, cache)
    assert analysed == judged == {"blocks.py", "model.py", "other.py", "train.py"}  # the empty __init__.py: nothing to read
    assert run(root, cache)[:2] == (set(), set())
    return root, cache


def test_a_comment_edit_in_a_block_module_analyses_only_it(tmp_path: Path) -> None:
    root, cache = warm(tmp_path)
    analysed, judged, _ = edit(root, cache, "pkg/blocks.py", ("# the hidden layer", "# the hidden layer, rectified"))
    assert analysed == {"blocks.py"} and judged == {"blocks.py"}


def test_a_forward_edit_that_keeps_its_summary_analyses_only_it(tmp_path: Path) -> None:
    root, cache = warm(tmp_path)
    # a log line, a local renamed, a method moved: the forward does the same to its input
    repr_method = '    def extra_repr(self):\n        return "block"\n\n'
    analysed, judged, _ = edit(root, cache, "pkg/blocks.py", (repr_method, ""), ('log.debug("block")', 'log.info("forward: %s", x.shape)'),
                               ("h = F.relu(self.fc1(x))", "hidden = F.relu(self.fc1(x))"), ("self.fc2(h)", "self.fc2(hidden)"),
                               ("        return self.fc2(hidden)\n", "        return self.fc2(hidden)\n\n" + repr_method.rstrip("\n") + "\n"))  # fmt: skip
    # its layers did not move: its model is the same, so no other module is even judged again
    assert analysed == {"blocks.py"} and judged == {"blocks.py"}


def test_a_forward_edit_that_changes_the_activation_analyses_it_and_its_consumers(tmp_path: Path) -> None:
    root, cache = warm(tmp_path)
    analysed, _, findings = edit(root, cache, "pkg/blocks.py", ("h = F.relu(self.fc1(x))", "h = F.gelu(self.fc1(x))"))
    # model.py builds Block and calls it in its forward: it consulted blocks.py, whose
    # interface changed; train.py builds Net without reading Block's forward, and other.py
    # reads nothing of it
    assert analysed == {"blocks.py", "model.py"}


def test_an_init_routine_change_in_a_script_analyses_it_and_judges_the_models_module(tmp_path: Path) -> None:
    root, cache = warm(tmp_path)
    before = run(root, cache)[2]
    assert not before["model.py"] and not before["blocks.py"], "the script's init reaches every Linear"
    analysed, judged, findings = edit(root, cache, "train.py", ("isinstance(m, nn.Linear)", "isinstance(m, nn.Conv2d)"))
    # nothing consulted the script: it alone is analysed; the model's and the block's modules
    # are judged again (their layers' effective init was the script's), the unrelated one is not
    assert analysed == {"train.py"}
    assert {"model.py", "blocks.py"} <= judged and "other.py" not in judged
    assert [f[2] for f in findings["blocks.py"]] == ["fc1", "fc2"], "the block's layers keep torch's default init now"


def test_a_new_file_added_to_the_package_analyses_only_it(tmp_path: Path) -> None:
    root, cache = warm(tmp_path)
    write(root / "pkg" / "extra.py", OTHER.replace("Other", "Extra"))
    analysed, judged, findings = run(root, cache)
    assert findings == uncached(root)
    assert analysed == {"extra.py"} and judged == {"extra.py"}


def test_a_new_module_an_import_looked_for_analyses_the_importer_too(tmp_path: Path) -> None:
    """An import that led nowhere is part of what a result rests on (as mypy records missing
    modules): the module appearing makes the importer stale."""
    root, cache = warm(tmp_path)
    model = (root / "pkg" / "model.py").read_text(encoding="utf-8")
    (root / "pkg" / "model.py").write_text(model.replace("from .blocks import Block", "from .blocks import Block\nfrom .acts import Act")
                                           .replace("F.relu(self.block(x))", "self.act(self.block(x))")
                                           .replace("self.head = nn.Linear(16, 10)", "self.head = nn.Linear(16, 10)\n        self.act = Act()"),
                                           encoding="utf-8")  # fmt: skip
    run(root, cache)
    write(root / "pkg" / "acts.py", "import torch.nn as nn\n\n\nclass Act(nn.Tanh):\n    pass\n")
    analysed, _, findings = run(root, cache)
    assert findings == uncached(root)
    assert analysed == {"acts.py", "model.py"}


def test_a_finding_citing_a_moved_line_of_another_module_is_judged_again(tmp_path: Path) -> None:
    """A finding at a use site names the block's layer line (`related`): a comment line added
    above it moves that line, and the finding follows, though nothing is analysed but the block."""
    case = Path(__file__).resolve().parent.parent / "rules" / "IL101" / "program_block_fixed_per_use"
    root, cache = tmp_path / "case", tmp_path / "cache"
    shutil.copytree(case, root, ignore=shutil.ignore_patterns("*.fixed.py", "__pycache__"))
    _, _, first = run(root, cache)
    related = [r for f in first["net.py"] for r in f[4]]
    assert related and all(Path(path).name == "layers.py" for path, _ in related)
    analysed, judged, findings = edit(root, cache, "layers.py", ("class ConvAct", "# a conv and its activation\nclass ConvAct"))
    assert analysed == {"layers.py"} and "net.py" in judged
    assert [line for f in findings["net.py"] for _, line in f[4]] == [line + 1 for _, line in related]


def test_a_change_two_modules_away_reaches_every_module_that_read_it(tmp_path: Path) -> None:
    """top_a and top_b read Mid's forward summary, which rests on Inner's (another module):
    Inner's activation changed, mid.py is analysed again (same bytes) and its interface changes,
    so both tops are analysed again, though one process's loader read Mid's summary once for both."""
    root, cache = tmp_path / "proj", tmp_path / "cache"
    write(root / "pkg" / "__init__.py", "")
    write(root / "pkg" / "inner.py", """
        import torch.nn as nn
        import torch.nn.functional as F


        class Inner(nn.Module):
            def forward(self, x):
                return F.relu(x)
        """)
    write(root / "pkg" / "mid.py", """
        import torch.nn as nn

        from .inner import Inner


        class Mid(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = Inner()

            def forward(self, x):
                return self.inner(x)
        """)
    for name in ("top_a", "top_b"):
        write(root / "pkg" / f"{name}.py", """
            import torch.nn as nn

            from .mid import Mid


            class Top(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(8, 8)
                    self.mid = Mid()
                    self.out = nn.Linear(8, 2)

                def forward(self, x):
                    return self.out(self.mid(self.fc(x)))
            """)
    run(root, cache)
    assert run(root, cache)[:2] == (set(), set())
    analysed, _, findings = edit(root, cache, "pkg/inner.py", ("F.relu(x)", "F.tanh(x)"))
    assert analysed == {"inner.py", "mid.py", "top_a.py", "top_b.py"}
    assert {f[0] for f in findings["top_a.py"]} == {f[0] for f in findings["top_b.py"]} == {"IL103"}
    # and a change that keeps Inner's interface analyses inner.py alone
    analysed, _, _ = edit(root, cache, "pkg/inner.py", ("return F.tanh(x)", "y = F.tanh(x)\n        return y"))
    assert analysed == {"inner.py"}


def test_modules_that_read_each_other_stay_fresh_until_one_changes(tmp_path: Path) -> None:
    """A cycle (each module follows the other's code): nothing changed, nothing analysed; one
    edited in a way its reader sees, both analysed again."""
    root, cache = tmp_path / "proj", tmp_path / "cache"
    write(root / "pkg" / "__init__.py", "")
    write(root / "pkg" / "a.py", """
        import torch.nn as nn

        from .b import make_head


        def make_body(dim):
            return nn.Sequential(nn.Linear(dim, dim), nn.ReLU())


        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.head = make_head(8)

            def forward(self, x):
                return self.head(x)
        """)
    write(root / "pkg" / "b.py", """
        import torch.nn as nn

        from .a import make_body


        def make_head(dim):
            return nn.Linear(dim, 2)


        class B(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = make_body(8)

            def forward(self, x):
                return self.body(x)
        """)
    analysed, _, _ = run(root, cache)
    assert analysed == {"a.py", "b.py"}
    assert run(root, cache)[:2] == (set(), set())
    assert edit(root, cache, "pkg/a.py", ("class A", "# A comment\nclass A"))[0] == {"a.py"}
    analysed, _, findings = edit(root, cache, "pkg/a.py", ("nn.ReLU()", "nn.Tanh()"))
    assert analysed == {"a.py", "b.py"} and [f[0] for f in findings["b.py"]] == ["IL103"]


def test_an_installed_package_is_analysed_again_only_for_a_new_version(tmp_path: Path) -> None:
    from test_installed import MLP, installed_package, interpreter, project as installed_project

    site = installed_package(tmp_path)
    interpreter(tmp_path, site)
    proj = installed_project(tmp_path)
    cache = str(tmp_path / "cache")

    def analysed() -> set:
        stats = api.RunStats()
        old = os.getcwd()
        os.chdir(proj)
        try:
            list(api.check(api.Run(paths=["app"], cache_dir=cache, jobs=1, fix_edits=False), stats=stats))
        finally:
            os.chdir(old)
        return {os.path.relpath(os.path.join(proj, p), tmp_path).replace(os.sep, "/") for p in stats.analysed}

    first = analysed()
    assert {"proj/app/model.py", "site/fakelib/mlp.py"} <= first
    assert analysed() == set()
    installed_package(tmp_path, "1.3", MLP.replace("act_layer=nn.GELU", "act_layer=nn.Tanh"))  # a new version
    assert analysed() == first, "the package's modules by their new version, and the module that read them"
