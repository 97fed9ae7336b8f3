"""Entry points whose model is another module's, or chosen by what is not known statically.

timm's deit.py builds vision_transformer's VisionTransformer (`_create_deit` ->
`build_model_with_cfg(VisionTransformer, ...)`); vision_transformer's `_create_vision_transformer`
first branches on `_USE_NAFLEX_DEFAULT`, read from an environment variable, and on one side imports
naflexvit's builder inside the function and returns what it builds. Before, an entry point's run
did not follow a model of another module (nothing was listed for deit's entry points), and a side
of an undecided `if` that returned ended the whole function (the rest, building the model, never ran:
nothing was listed for vit's either).

Now the run follows both: the other module's model is run as the entry point's own (its blocks'
constructions named with their container's module), and after an `if` one of whose sides returns,
the other goes on. The environment variable is not known, so each side is judged: a block is claimed
at the entry point only where what every side builds agrees; where one side builds it otherwise,
unknown. Each claim is checked against torch building the model in both worlds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from initlint.program import analyze_program
from test_program_passing import _importable

MLP = """import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, in_features, hidden_features=None, act_layer=nn.GELU):
        super().__init__()
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = act_layer()
        self.fc2 = nn.Linear(hidden_features, in_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
"""

BUILDER = """def build(cls, **kwargs):
    return cls(**kwargs)
"""

VIT = """import os

import torch.nn as nn

from builder import build
from mlp import Mlp

USE_OTHER = os.environ.get("USE_OTHER", "") == "1"


class Block(nn.Module):
    def __init__(self, dim, act_layer=nn.GELU, mlp_layer=Mlp):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.mlp = mlp_layer(dim, dim * 4, act_layer=act_layer)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class Net(nn.Module):
    def __init__(self, dim=8, depth=2, act_layer=None, block_fn=Block):
        super().__init__()
        act_layer = act_layer or nn.GELU
        self.blocks = nn.Sequential(*[block_fn(dim, act_layer=act_layer) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.norm(self.blocks(x)))


def _create(**kwargs):
    if USE_OTHER:
        from other import build_other
        return build_other(**kwargs)
    return build(Net, **kwargs)


def net_relu():
    return _create(act_layer=nn.ReLU)
"""

OTHER = """import torch.nn as nn

from vit import Block


class OtherNet(nn.Module):
    def __init__(self, dim=8, act_layer=None):
        super().__init__()
        self.block = Block(dim, act_layer={act})
        self.head = nn.Linear(dim, 2)

    def forward(self, x):
        return self.head(self.block(x))


def build_other(**kwargs):
    return OtherNet(**kwargs)
"""

DEIT = """import torch.nn as nn

from builder import build
from vit import Net


def _create_deit(**kwargs):
    return build(Net, **kwargs)


def deit_relu():
    return _create_deit(act_layer=nn.ReLU)


def deit_tiny():
    return _create_deit(dim=8)
"""


def _program(tmp_path: Path, act: str = "act_layer") -> tuple:
    files = {"mlp.py": MLP, "builder.py": BUILDER, "vit.py": VIT, "other.py": OTHER.format(act=act), "deit.py": DEIT}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}, files


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _at(model, line: int, name: str = "fc1") -> list:
    return [layer for layer in model.layers if layer.at_use and layer.line == line and layer.name.endswith(name)]


def _traced(model, name: str) -> str:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, 8), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}[name]


def test_an_entry_point_building_another_module_s_model_is_judged_with_what_it_passes(tmp_path: Path) -> None:
    """deit_relu() and deit_tiny() build vit's Net: Mlp.fc1 meets ReLU in one, GELU (Net's
    `act_layer or nn.GELU`) in the other, each at its entry point's call. Before, deit.py had no row."""
    models, files = _program(tmp_path)
    relu = _at(models["deit.py"], _line(files["deit.py"], "return _create_deit(act_layer=nn.ReLU)"))
    tiny = _at(models["deit.py"], _line(files["deit.py"], "return _create_deit(dim=8)"))
    assert [r.activation for r in relu] == ["relu"] and [r.activation for r in tiny] == ["gelu"], (
        [r.activation_evidence for r in relu + tiny])
    assert "deit_relu()" in relu[0].activation_evidence and "deit_tiny()" in tiny[0].activation_evidence
    with _importable(tmp_path) as load:
        deit = load("deit")
        assert _traced(deit.deit_relu(), "blocks.1.mlp.fc1") == "relu"
        assert _traced(deit.deit_tiny(), "blocks.0.mlp.fc1") == "gelu"


def test_both_sides_of_an_environment_branch_agreeing_make_the_claim(tmp_path: Path) -> None:
    """`if USE_OTHER:` (an environment variable) returns OtherNet, built with the same `act_layer`;
    else Net: Mlp.fc1 meets ReLU either way, said at net_relu()'s call. Before, the returning side
    ended the run: no row."""
    models, files = _program(tmp_path)
    rows = _at(models["vit.py"], _line(files["vit.py"], "return _create(act_layer=nn.ReLU)"))
    assert [r.activation for r in rows] == ["relu"], [r.activation_evidence for r in rows]
    for world in ("", "1"):
        os.environ["USE_OTHER"] = world
        try:
            with _importable(tmp_path) as load:
                model = load("vit").net_relu()
                assert _traced(model, "block.mlp.fc1" if world else "blocks.0.mlp.fc1") == "relu"
        finally:
            del os.environ["USE_OTHER"]


def test_a_side_of_an_environment_branch_building_it_otherwise_makes_it_unknown(tmp_path: Path) -> None:
    """OtherNet builds its Block with Tanh: with USE_OTHER=1 net_relu()'s Mlp.fc1 meets Tanh, else
    ReLU. The variable is not known statically: unknown there, never the default's ReLU."""
    models, files = _program(tmp_path, act="nn.Tanh")
    rows = _at(models["vit.py"], _line(files["vit.py"], "return _create(act_layer=nn.ReLU)"))
    assert rows and all(r.activation == "unknown" for r in rows), [(r.activation, r.activation_evidence) for r in rows]
    assert "relu" in rows[0].activation_evidence and "tanh" in rows[0].activation_evidence
    traced = {}
    for world in ("", "1"):
        os.environ["USE_OTHER"] = world
        try:
            with _importable(tmp_path) as load:
                model = load("vit").net_relu()
                traced[world] = _traced(model, "block.mlp.fc1" if world else "blocks.0.mlp.fc1")
        finally:
            del os.environ["USE_OTHER"]
    assert traced == {"": "relu", "1": "tanh"}


def test_a_side_that_returns_what_is_not_followed_leaves_the_entry_point_unclaimed(tmp_path: Path) -> None:
    """The returning side calls code the program does not hold (`from elsewhere import build_other`):
    what it builds is not known, so the run that went on says nothing of the blocks it may build."""
    models, files = _program(tmp_path)
    vit = files["vit.py"].replace("from other import build_other", "from elsewhere import build_other")
    (tmp_path / "vit.py").write_text(vit, encoding="utf-8")
    texts = {**files, "vit.py": vit}
    found, errors, _ = analyze_program({str(tmp_path / name): text for name, text in texts.items()})
    assert not errors
    model = found[str(tmp_path / "vit.py")]
    rows = _at(model, _line(vit, "return _create(act_layer=nn.ReLU)"))
    assert all(r.activation == "unknown" for r in rows), [(r.activation, r.activation_evidence) for r in rows]


GLU = MLP + """

class GluMlp(Mlp):
    def __init__(self, in_features, hidden_features=None, act_layer=nn.Sigmoid, gate=True):
        super().__init__(in_features, hidden_features, act_layer=act_layer)
        self.gate = gate
"""


@pytest.mark.parametrize("mlp, expected", [("Mlp", "relu"), ("GluMlp", "unknown")])
def test_issubclass_of_the_program_s_classes_is_decided(tmp_path: Path, mlp: str, expected: str) -> None:
    """Block asks `issubclass(mlp_layer, GluMlp)` (timm's `issubclass(attn_layer, DiffAttention)`):
    Mlp's bases are torch's, so no; the run goes on with Mlp known. Before, the question was not
    answered and Mlp was handed to it, its constructions no longer all listed: no claim. A GluMlp
    built with `gate=True` it does not read back is not claimed (its keyword goes into a subclass)."""
    vit = VIT.replace("from mlp import Mlp", "from mlp import GluMlp, Mlp").replace(
        "        self.mlp = mlp_layer(dim, dim * 4, act_layer=act_layer)",
        "        extra = {}\n        if issubclass(mlp_layer, GluMlp):\n            extra['gate'] = True\n"
        "        self.mlp = mlp_layer(dim, dim * 4, act_layer=act_layer, **extra)")
    deit = DEIT.replace("from vit import Net", "from functools import partial\n\nfrom mlp import GluMlp, Mlp\nfrom vit import Block, Net")
    deit = deit.replace("return build(Net, **kwargs)", f"return build(Net, block_fn=partial(Block, mlp_layer={mlp}), **kwargs)")
    files = {"mlp.py": GLU, "builder.py": BUILDER, "vit.py": vit, "other.py": OTHER.format(act="act_layer"), "deit.py": deit}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    rows = _at(models[str(tmp_path / "deit.py")], _line(deit, "return _create_deit(act_layer=nn.ReLU"))
    assert [r.activation for r in rows] == [expected] or expected == "unknown" and all(
        r.activation == "unknown" for r in rows), [(r.activation, r.activation_evidence) for r in rows]
    if expected != "unknown":
        with _importable(tmp_path) as load:
            assert _traced(load("deit").deit_relu(), "blocks.0.mlp.fc1") == expected


SCRIPT_NET = VIT.replace("        act_layer = act_layer or nn.GELU\n", "").replace("act_layer=None, block_fn", "act_layer=nn.GELU, block_fn")
SCRIPT_NET = SCRIPT_NET[:SCRIPT_NET.index("def _create(")].replace(
    "self.blocks = nn.Sequential(*[block_fn(dim, act_layer=act_layer) for _ in range(depth)])",
    "self.blocks = Block(dim, act_layer=act_layer)").replace("self.mlp = mlp_layer(", "self.mlp = Mlp(")


def test_a_parameter_passed_on_twice_in_one_module_follows_the_model_s_callers(tmp_path: Path) -> None:
    """train.py builds Net(act_layer=nn.ReLU); Net passes its act_layer to Block, Block to Mlp (Net and
    Block in one module). Mlp.fc1 meets ReLU (torch); the row where Block builds Mlp said GELU: the
    module resolved Block's act_layer through Net's default, not through Net's constructions."""
    files = {"mlp.py": MLP, "builder.py": BUILDER, "vit.py": SCRIPT_NET,
             "train.py": "import torch.nn as nn\n\nfrom vit import Net\n\nmodel = Net(act_layer=nn.ReLU)\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    with _importable(tmp_path) as load:
        assert _traced(load("train").model, "blocks.mlp.fc1") == "relu"
    claimed = [(Path(layer.path).name, layer.line, layer.activation) for model in models.values() for layer in model.layers
               if layer.name.endswith("fc1") and layer.activation not in ("unknown", "relu")]
    assert not claimed, claimed
