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
        ("self.ghost1", "GhostModule().primary.0"): "relu", ("self.ghost1", "GhostModule().cheap.0"): "relu",
        ("self.ghost2", "GhostModule().primary.0"): "none", ("self.ghost2", "GhostModule().cheap.0"): "none",
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
            assert at_use[(f"self.{ghost}", f"GhostModule().{seq}.{index}")].activation == activation, path


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
