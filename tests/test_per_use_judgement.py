"""A block judged at each construction (`_per_use_outcomes`) where its constructions are written the
way real models write them: `**dd` dicts of device and dtype on every call, a dict of keywords one
branch adds a key to, the activation class passed down from the container's own parameter. Each
case is also built and traced with torch: every claim at a use is the activation that runs there."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from initlint.semantics.fields import UNKNOWN
from initlint.semantics.file import FileAnalysis, analyze
from initlint.semantics.pure import ParamObj, keyword_dicts

torch = pytest.importorskip("torch")
from initlint.runtime import verify  # noqa: E402


def _file_analysis(source: str) -> FileAnalysis:
    fa = FileAnalysis(cst.parse_module(source), "one.py", source)
    fa.collect()
    return fa


def _records(body: str) -> list:
    source = "import torch.nn as nn\nfrom lib import Block\n\n\ndef build(flag, device=None):\n" + textwrap.indent(body, "    ") + "\n"
    fa = _file_analysis(source)
    found = keyword_dicts(fa, fa.functions["build"])
    (block,) = [call for call in fa.calls_in[id(fa.functions["build"])] if getattr(call.func, "value", None) == "Block"]
    return found[id(block)]


def test_a_key_one_branch_adds_leaves_the_keys_both_branches_hold_known() -> None:
    (record,) = _records('kw = dict(device=device)\nif flag:\n    kw["mode"] = "attn"\nreturn Block(**kw)')
    assert record["device"] == ParamObj("device")
    assert record["mode"] is UNKNOWN  # perhaps passed: never taken for passing nothing
    assert "act_layer" not in record  # neither branch passes it


@pytest.mark.parametrize("body,why", [
    ('kw = {}\nother = kw\nif flag:\n    kw["act_layer"] = nn.SiLU\nreturn Block(**other)', "changed through another name"),
    ('kw = {}\nif flag:\n    kw["act_layer"] = nn.SiLU\nfor key in kw:\n    kw = {"act_layer": nn.SiLU}\nreturn Block(**kw)',
     "iterated while which keys it holds is not known"),
    ('kw = {}\nif flag:\n    kw["act_layer"] = nn.SiLU\nif len(kw):\n    kw["act_layer"] = nn.Tanh\nreturn Block(**kw)',
     "counted while which keys it holds is not known"),
    ('kw = {}\nif flag:\n    kw["mode"] = 1\nreturn Block(**dict(**kw))', "copied while which keys it holds is not known"),
])  # fmt: skip
def test_a_dict_the_branches_leave_apart_is_never_guessed(body: str, why: str) -> None:
    records = _records(body)
    assert records and all(r is UNKNOWN or r.get("act_layer", UNKNOWN) is UNKNOWN for r in records), (why, records)


GHOST = """
import torch
import torch.nn as nn


class GhostModule(nn.Module):
    def __init__(self, cin, cout, act_layer=nn.ReLU, device=None, dtype=None):
        dd = {"device": device, "dtype": dtype}
        super().__init__()
        self.primary = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False, **dd), nn.BatchNorm2d(cout, **dd),
                                     act_layer(inplace=True))
        self.cheap = nn.Sequential(nn.Conv2d(cout, cout, 3, padding=1, groups=cout, bias=False, **dd),
                                   nn.BatchNorm2d(cout, **dd), act_layer(inplace=True))

    def forward(self, x):
        x1 = self.primary(x)
        return torch.cat([x1, self.cheap(x1)], dim=1)


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, cout, act_layer=nn.ReLU, mode="original", device=None, dtype=None):
        dd = {"device": device, "dtype": dtype}
        super().__init__()
        self.ghost1 = GhostModule(cin, mid // 2, act_layer=act_layer, **dd)
        self.ghost2 = GhostModule(mid, cout // 2, act_layer=nn.Identity, **dd)

    def forward(self, x):
        return x + self.ghost2(self.ghost1(x))


class Net(nn.Module):
    def __init__(self, cfgs=((8, 8), (8, 8)), version="v1", device=None, dtype=None):
        dd = {"device": device, "dtype": dtype}
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, **dd)
        layers = []
        for mid, cout in cfgs:
            layer_kwargs = dict(**dd)
            if version == "v2":
                layer_kwargs["mode"] = "attn"
            layers.append(Bottleneck(8, mid, cout, **layer_kwargs))
        self.blocks = nn.Sequential(*layers)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))
"""


def test_a_block_built_with_dicts_of_device_and_dtype_is_judged_at_each_construction() -> None:
    model = analyze(textwrap.dedent(GHOST), "model.py")
    lines = textwrap.dedent(GHOST).splitlines()
    at_use = {(lines[row.line - 1].split("=")[0].strip(), row.name): row for row in model.layers if row.at_use}
    assert {key: row.activation for key, row in at_use.items()} == {
        ("self.ghost1", "ghost1.primary.0"): "relu", ("self.ghost1", "ghost1.cheap.0"): "relu",
        ("self.ghost2", "ghost2.primary.0"): "none", ("self.ghost2", "ghost2.cheap.0"): "none",
    }, {key: row.activation_evidence for key, row in at_use.items()}  # fmt: skip
    assert all(row.fix.reason and row.related[0][0] == "model.py" for row in at_use.values())
    namespace: dict = {"__name__": "traced_case"}
    exec(compile(textwrap.dedent(GHOST), "model.py", "exec"), namespace)
    with torch.no_grad():
        report = verify(namespace["Net"]().eval(), torch.randn(1, 3, 4, 4), method="hooks", static=False)
    runtime = {row.layer: row.activation for row in report.layers}
    for path, activation in runtime.items():
        if ".ghost" in path:
            _, _, ghost, seq, index = path.split(".")
            assert at_use[(f"self.{ghost}", f"{ghost}.{seq}.{index}")].activation == activation, path


SPLIT_IN_ONE_USE = """
import torch
import torch.nn as nn


class LinearNorm(nn.Module):
    def __init__(self, cin, cout, bn_weight_init=1.0):
        super().__init__()
        self.linear = nn.Linear(cin, cout, bias=False)
        self.bn = nn.BatchNorm1d(cout)

    def forward(self, x):
        return self.bn(self.linear(x))


class Gated(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = LinearNorm(dim, 2 * dim)

    def forward(self, x):
        a, b = self.proj(x).split([4, 4], dim=1)
        return a * torch.sigmoid(b)


class Mlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.ln1 = LinearNorm(dim, dim)
        self.act = nn.Hardswish()
        self.ln2 = LinearNorm(dim, dim, bn_weight_init=0.0)

    def forward(self, x):
        return self.ln2(self.act(self.ln1(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.gated = Gated(4)
        self.mlp = Mlp(4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.mlp(self.gated(x)))
"""


def test_a_use_that_splits_the_layer_s_output_leaves_the_other_uses_judged_at_their_constructions() -> None:
    source = textwrap.dedent(SPLIT_IN_ONE_USE)
    model = analyze(source, "model.py")
    own = next(row for row in model.layers if row.name == "linear" and not row.at_use)
    assert own.activation == "unknown"  # where it is built: it stands for every use
    lines = source.splitlines()
    at_use = {lines[row.line - 1].split("=")[0].strip(): row for row in model.layers if row.at_use}
    assert at_use["self.ln1"].activation == "hardswish", at_use["self.ln1"].activation_evidence
    assert at_use["self.proj"].activation == "unknown"  # a gate and its gated half: no gain suits both
    namespace: dict = {"__name__": "traced_case"}
    exec(compile(source, "model.py", "exec"), namespace)
    with torch.no_grad():
        report = verify(namespace["Net"]().eval(), torch.randn(3, 4), method="hooks", static=False)
    runtime = {row.layer: row.activation for row in report.layers}
    for path, activation in runtime.items():
        if path.endswith(".linear"):
            row = at_use["self." + path.split(".")[-2]]
            assert row.activation in ("unknown", activation), path


def test_a_row_judged_at_a_use_speaks_only_for_the_layer_it_names() -> None:
    """Two layers of one block, one judged at the call that builds the block (`SE().fc1`), the other
    where it is built (unknown there): a traced `fc2` whose chain passes that call is the other row's."""
    from initlint.model import Layer
    from initlint.runtime.provenance import best_static_row

    def row(path, line, name, activation, at_use=False):
        return Layer(path, line, 1, line, 2, "Net", name, "Conv2d", activation, None, "", "default", "", at_use=at_use)

    rows = {"se.py": [row("se.py", 7, "fc1", "unknown"), row("se.py", 9, "fc2", "unknown")],
            "net.py": [row("net.py", 20, "SE().fc1", "relu", at_use=True)]}
    layers_in = lambda path: rows.get(path, [])  # noqa: E731
    assert best_static_row((("se.py", 9), ("net.py", 20)), layers_in, "blocks.0.se.fc2").name == "fc2"
    assert best_static_row((("se.py", 7), ("net.py", 20)), layers_in, "blocks.0.se.fc1").activation == "relu"
    assert best_static_row((("se.py", 7), ("net.py", 20)), layers_in, "fc1").activation == "relu"  # a model built so


SE_SITE = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "from .create_act import get_act_layer, create_act_layer\n",
    "timm/layers/create_act.py": textwrap.dedent('''\
        import torch.nn as nn


        def get_act_layer(name="relu"):
            if not isinstance(name, str):
                return name
            return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[name]


        def create_act_layer(name, inplace=None, **kwargs):
            act_layer = get_act_layer(name)
            if inplace is None:
                return act_layer(**kwargs)
            try:
                return act_layer(inplace=inplace, **kwargs)
            except TypeError:
                return act_layer(**kwargs)
        '''),
}

SE_BLOCKS = """
import torch.nn as nn
from timm.layers import create_act_layer


class SqueezeExcite(nn.Module):
    def __init__(self, chs, act_layer=nn.ReLU, gate_layer=nn.Sigmoid, force_act_layer=None):
        super().__init__()
        act_layer = force_act_layer or act_layer
        self.conv_reduce = nn.Conv2d(chs, chs // 2, 1)
        self.act1 = create_act_layer(act_layer, inplace=True)
        self.conv_expand = nn.Conv2d(chs // 2, chs, 1)
        self.gate = create_act_layer(gate_layer)

    def forward(self, x):
        s = self.conv_expand(self.act1(self.conv_reduce(x.mean((2, 3), keepdim=True))))
        return x * self.gate(s)


class InvertedResidual(nn.Module):
    def __init__(self, chs, act_layer=nn.ReLU, se_layer=None):
        super().__init__()
        self.conv = nn.Conv2d(chs, chs, 3, padding=1)
        self.act = act_layer()
        self.se = se_layer(chs, act_layer=act_layer) if se_layer else nn.Identity()

    def forward(self, x):
        return self.se(self.act(self.conv(x)))
"""

SE_GHOST = """
from functools import partial

import torch.nn as nn
from blocks import SqueezeExcite

_SE = partial(SqueezeExcite, gate_layer=nn.Hardsigmoid)


class GhostNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.se = _SE(8)
        self.se2 = SqueezeExcite(8, act_layer=nn.SiLU, force_act_layer=nn.ReLU)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.se2(self.se(self.stem(x))).mean((2, 3)))
"""

SE_EFFICIENT = """
import torch.nn as nn
from blocks import InvertedResidual, SqueezeExcite


class EffNet(nn.Module):
    def __init__(self, se_layer=None):
        super().__init__()
        se_layer = se_layer or SqueezeExcite
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = InvertedResidual(8, act_layer=nn.SiLU, se_layer=se_layer)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.block(self.stem(x)).mean((2, 3)))
"""


def test_a_class_handed_on_as_a_value_is_judged_at_the_uses_that_are_known(tmp_path, monkeypatch) -> None:
    """SqueezeExcite's activation is its `act_layer` default unless `force_act_layer` is passed (both
    read through timm's create_act_layer, given a class); efficient.py hands the class on as a value
    to a block that builds it with act_layer=nn.SiLU, so no row claims the default where it is
    built; ghost.py's constructions, whose arguments are known (a partial's bound gate included),
    are judged each."""
    from initlint.program import analyze_program
    from initlint.program.environment import Environment

    site = tmp_path / "site"
    for name, text in SE_SITE.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    project = {"blocks.py": SE_BLOCKS, "ghost.py": SE_GHOST, "efficient.py": SE_EFFICIENT}
    sources = {}
    for name, text in project.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
        sources[str(tmp_path / name)] = textwrap.dedent(text)
    models, _, _ = analyze_program(sources, environment=Environment((str(site),)))
    rows = [row for model in models.values() for row in model.layers]
    claims = {(row.path.rsplit("/", 1)[-1], row.class_name, row.name): row.activation for row in rows
              if "conv_" in (row.name or "") and row.activation != "unknown"}  # fmt: skip
    assert claims == {
        ("ghost.py", "GhostNet", "se.conv_reduce"): "relu", ("ghost.py", "GhostNet", "se.conv_expand"): "hardsigmoid",
        ("ghost.py", "GhostNet", "se2.conv_reduce"): "relu", ("ghost.py", "GhostNet", "se2.conv_expand"): "sigmoid",
    }, claims  # fmt: skip
    # se2 passes both force_act_layer=nn.ReLU and act_layer=nn.SiLU: `force_act_layer or act_layer`
    # is the class passed for force_act_layer (before: unknown there; never act_layer's SiLU)
    # what runs agrees, in both models
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib
    import sys

    ours = ("timm", "timm.layers", "timm.layers.create_act", "blocks", "ghost", "efficient")
    for name in ours:
        monkeypatch.delitem(sys.modules, name, raising=False)
    runtime = {}
    try:
        for module, top in (("ghost", "GhostNet"), ("efficient", "EffNet")):
            net = getattr(importlib.import_module(module), top)().eval()
            with torch.no_grad():
                report = verify(net, torch.randn(1, 3, 4, 4), method="hooks", static=False)
            runtime.update({(f"{module}.py", top, row.layer): row.activation for row in report.layers})
    finally:
        for name in ours:  # the test's own modules, not left for other tests to import
            sys.modules.pop(name, None)
    for key, activation in claims.items():
        assert runtime[key] == activation, key
    assert runtime[("efficient.py", "EffNet", "block.se.conv_reduce")] == "silu"  # never claimed: relu would be wrong


def test_a_dict_made_after_a_tainted_one_is_freed_is_not_taken_for_tainted() -> None:
    """The probe knows tainted containers by id: a freed one's id, taken by a dict made later, made
    that dict's keys unknown at random (per-use judgement of ghostnet's blocks came and went)."""
    from initlint.semantics.pure import Probe

    probe = Probe(_file_analysis("x = 1\n"), set())
    for _ in range(50):
        handed = {"act_layer": None}
        probe.taint([handed], {})
        del handed
        fresh = {"act_layer": None}
        assert id(fresh) not in probe.tainted
