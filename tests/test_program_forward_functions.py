"""Functions a forward calls in lucidrains' style, from a helpers module of the program:
`map(l2norm, (q, k))` with a named function (each item as its argument, as `map(lambda t:
l2norm(t), ...)` already was); `maybe(self.norm)(x)`, a helper returning a function it defines
(under `@functools.wraps(fn)`, which copies names only), called where the caller calls what it
got, with the names it closed over in the helpers module. And a block held by a module that never
calls it, only reads its attributes (vit-pytorch's `self.abs_pos_emb.weight[...]`): its layer does
not run there, so its other uses say nothing of it there. Before, the first two were unknown
(`goes into map(...)`, `goes into maybe(self.norm)(...)`); with them read, the third was a claim
of what follows a layer that never runs. Checked with torch."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest

from initlint.program import analyze_program

HELPERS = textwrap.dedent('''
    from functools import wraps

    import torch.nn.functional as F


    def exists(v):
        return v is not None


    def identity(t, *args, **kwargs):
        return t


    def maybe(fn=None):
        if not exists(fn):
            fn = identity

        @wraps(fn)
        def inner(x, *args, **kwargs):
            if not exists(x):
                return x
            return fn(x, *args, **kwargs)
        return inner


    def l2norm(t):
        return F.normalize(t, dim=-1)


    def squash(fn):
        def inner(x):
            return fn(x).tanh()
        return inner
''')

MODEL = textwrap.dedent('''
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    from helpers import l2norm, maybe, squash


    class Attention(nn.Module):
        def __init__(self, dim, qk_norm=False):
            super().__init__()
            self.to_q = nn.Linear(dim, dim)
            self.to_k = nn.Linear(dim, dim)
            self.q_norm = nn.LayerNorm(dim) if qk_norm else None

        def forward(self, x):
            q, k = self.to_q(x), self.to_k(x)
            q, k = map(l2norm, (q, k))
            return (q * k).sum(-1, keepdim=True)


    class Gated(nn.Module):
        def __init__(self, dim, norm=False):
            super().__init__()
            self.fc = nn.Linear(dim, dim)
            self.out = nn.Linear(dim, dim)
            self.norm = nn.LayerNorm(dim) if norm else None

        def forward(self, x):
            x = F.relu(maybe(self.norm)(self.fc(x)))
            return squash(self.out)(x)


    class Projection(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.linear = nn.Linear(dim, dim)

        @property
        def weight(self):
            return self.linear.weight

        def forward(self, x):
            return self.linear(x)


    class Net(nn.Module):
        def __init__(self, dim=8):
            super().__init__()
            self.attn = Attention(dim)
            self.gated = Gated(dim)
            self.proj = Projection(dim)
            self.pos = Projection(dim)

        def forward(self, x):
            x = x + self.pos.weight[0]  # a property that calls nothing: only read
            return self.attn(F.relu(self.proj(self.gated(x))))


    class Aliased(nn.Module):
        def __init__(self, dim=8):
            super().__init__()
            self.proj = Projection(dim)

        def forward(self, x):
            run = self.proj.forward
            return torch.tanh(run(x))
''')


@pytest.fixture(scope="module")
def rows() -> dict:
    models, errors, _ = analyze_program({"helpers.py": HELPERS, "model.py": MODEL})
    assert not errors
    return {(layer.class_name, layer.name, layer.line): layer for layer in models["model.py"].layers}


def lines(text: str) -> int:
    return next(number for number, line in enumerate(MODEL.splitlines(), 1) if line.strip().startswith(text))


def at(rows: dict, class_name: str, name: str, text: str):
    return rows[class_name, name, lines(text)]


def traced() -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    helpers = types.ModuleType("helpers")
    exec(compile(HELPERS, "helpers.py", "exec"), helpers.__dict__)
    saved = sys.modules.get("helpers")
    sys.modules["helpers"] = helpers
    try:
        namespace: dict = {}
        exec(compile(MODEL, "model.py", "exec"), namespace)
        model = namespace["Net"]().eval()
    finally:
        if saved is None:
            sys.modules.pop("helpers", None)
        else:
            sys.modules["helpers"] = saved
    report = verify(model, torch.randn(2, 8), method="hooks", static=False, target="Net")
    return {row.layer: row.activation for row in report.layers}


def test_map_with_a_named_function_runs_it_on_each_item(rows) -> None:
    runtime = traced()
    assert runtime["attn.to_q"] == runtime["attn.to_k"] == "none"
    assert at(rows, "Attention", "to_q", "self.to_q =").activation == "none"
    assert at(rows, "Attention", "to_k", "self.to_k =").activation == "none"


def test_a_function_a_helper_returns_is_run_where_it_is_called(rows) -> None:
    runtime = traced()
    assert runtime["gated.fc"] == "relu" and runtime["gated.out"] == "tanh"
    fc, out = at(rows, "Gated", "fc", "self.fc ="), at(rows, "Gated", "out", "self.out =")
    assert (fc.activation, out.activation) == ("relu", "tanh")
    assert fc.init == "default"


def test_a_block_whose_layer_never_runs_there_is_not_judged_by_its_other_uses(rows) -> None:
    runtime = traced()
    assert runtime["proj.linear"] == "relu" and runtime.get("pos.linear", "unknown") == "unknown"
    own = [layer for (cls, name, _), layer in rows.items() if cls == "Projection" and name == "linear"]
    assert own and all(layer.activation in ("unknown",) for layer in own)
    uses = {layer.name: layer.activation for (cls, name, _), layer in rows.items() if cls == "Net"}
    assert uses.get("proj.linear", "relu") == "relu" and uses.get("pos.linear", "unknown") == "unknown"


def test_a_block_run_through_another_name_is_not_taken_for_never_called(rows) -> None:
    # `run = self.proj.forward; run(x)`: Aliased's projection runs (tanh follows it)
    assert all("never called" not in str(layer.activation_evidence) or "Aliased" not in str(layer.activation_evidence)
               for layer in rows.values())
