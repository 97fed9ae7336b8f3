"""Multi-file patterns the program stage follows across modules: a block's returned layer
followed through the classes that return it on, judged at each use where uses differ; an
activation class passed down through several constructors; class aliases between modules."""

from __future__ import annotations

import contextlib
import importlib
import math
import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program
from test_program import MODEL

MLP = """import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, d=8, act_layer=nn.GELU):
        super().__init__()
        self.fc1 = nn.Linear(d, d)
        self.act = act_layer()
        self.fc2 = nn.Linear(d, d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
"""

POOL = """import torch.nn as nn

from mlp import Mlp


class Pool(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.proj = nn.Linear(d, d)
        self.mlp = Mlp(d)

    def forward(self, x):
        x = self.proj(x)
        x = x + self.mlp(x)
        return x
"""

NET = """import torch.nn as nn

from mlp import Mlp
from pool import Pool


class Net(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d)
        self.pool = Pool(d)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        x = x + self.mlp(x)
        x = self.pool(x)
        return self.head({use})
"""


def _program(tmp_path: Path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / n): t for n, t in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}


def _row(models: dict, file: str, name: str):
    return next(layer for layer in models[file].layers if layer.name == name)


@contextlib.contextmanager
def _importable(tmp_path: Path):
    """The modules `_program` wrote, importable by name while the block runs (torch builds what
    they define), forgotten after: `with _importable(tmp_path) as load: load("net").Net()`."""
    names = [path.stem for path in tmp_path.glob("*.py")]
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    for name in names:
        sys.modules.pop(name, None)
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(tmp_path))
        for name in names:
            sys.modules.pop(name, None)


def test_a_returned_layer_is_followed_through_a_block_that_returns_it_on(tmp_path: Path) -> None:
    """Pool returns `x + self.mlp(x)`: what follows Mlp.fc2 there is what Net does with Pool's output."""
    models = _program(tmp_path, {"mlp.py": MLP, "pool.py": POOL, "net.py": NET.format(use="self.norm(x)")})
    fc2 = _row(models, "mlp.py", "fc2")
    assert fc2.activation == "none", fc2.activation_evidence


def test_a_returned_layer_is_unknown_where_a_user_does_not_follow_it(tmp_path: Path) -> None:
    """Net hands Pool's output to a function nothing reads: unknown, never a guess."""
    net = NET.format(use="opaque(self.norm(x))").replace("import torch.nn as nn", "import torch.nn as nn\nfrom somewhere import opaque")
    models = _program(tmp_path, {"mlp.py": MLP, "pool.py": POOL, "net.py": net})
    assert _row(models, "mlp.py", "fc2").activation == "unknown"
    assert not [layer for model in models.values() for layer in model.layers if layer.at_use], "no use knows more"


GATE = """import torch.nn as nn

from mlp import Mlp


class Gate(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        return x * self.gate(self.mlp(x))
"""

BLOCKS = """import torch.nn as nn

from gate import Gate
from mlp import Mlp


class Block(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.mlp = Mlp(d)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class Net(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.blocks = nn.Sequential(Block(d), Block(d))
        self.gate = Gate(d)

    def forward(self, x):
        return self.gate(self.blocks(x))
"""


def test_a_returned_layer_meeting_different_things_is_judged_at_each_use(tmp_path: Path) -> None:
    models = _program(tmp_path, {"mlp.py": MLP, "gate.py": GATE, "net.py": BLOCKS})
    assert all(layer.name != "fc2" for layer in models["mlp.py"].layers), "judged at its uses instead"
    gated, plain = _row(models, "gate.py", "mlp.fc2"), _row(models, "net.py", "mlp.fc2")
    assert (gated.activation, gated.line) == ("sigmoid", 9)
    assert (plain.activation, plain.line) == ("none", 11)
    assert gated.at_use and [str(tmp_path / "mlp.py"), 9] in gated.related


SE = """import torch.nn as nn


class SEModule(nn.Module):
    def __init__(self, channels, act_layer=nn.ReLU, gate_layer=nn.Sigmoid):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // 4, 1)
        self.act = act_layer()
        self.fc2 = nn.Conv2d(channels // 4, channels, 1)
        self.gate = gate_layer()

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * self.gate(self.fc2(self.act(self.fc1(s))))


SqueezeExcite = SEModule
"""

SE_NET = """import torch.nn as nn

from se import SqueezeExcite


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.se = SqueezeExcite(8, act_layer=nn.SiLU)

    def forward(self, x):
        return self.se(self.conv(x))
"""


def test_a_class_built_under_a_module_alias_is_a_use_the_program_sees(tmp_path: Path) -> None:
    """`SqueezeExcite = SEModule`: built under that name elsewhere, a construction the program
    resolves (not a class handed to code not seen), whose SiLU replaces the default's ReLU: the
    program's only construction, so judged where the layer is built."""
    models = _program(tmp_path, {"se.py": SE, "net.py": SE_NET})
    fc1, fc2 = _row(models, "se.py", "fc1"), _row(models, "se.py", "fc2")
    assert fc2.activation == "sigmoid", fc2.activation_evidence
    assert fc1.activation == "silu" and "net.py:10" in fc1.activation_evidence, fc1.activation_evidence
    assert _row(models, "net.py", "conv").activation == "none"


def test_an_alias_the_module_itself_calls_keeps_its_calls_unseen(tmp_path: Path) -> None:
    """`SqueezeExcite(8, gate_layer=nn.Tanh)` in the module itself: the alias's calls are not
    its class's call sites here, so the class's parameters stay open (never the default)."""
    se = SE + "\n\nclass Other(nn.Module):\n    def __init__(self):\n        super().__init__()\n" \
              "        self.se = SqueezeExcite(8, gate_layer=nn.Tanh)\n\n    def forward(self, x):\n        return self.se(x)\n"
    models = _program(tmp_path, {"se.py": se, "net.py": SE_NET})
    assert _row(models, "se.py", "fc2").activation != "sigmoid"


TWO_USERS = """import torch.nn as nn

from mlp import Mlp


class Gated(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d)

    def forward(self, x):
        return x * self.mlp(x).sigmoid()


class Residual(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d)
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        return self.head(self.norm(x + self.mlp(x)))
"""


def test_what_follows_a_returned_layer_is_read_per_class_of_the_builders_file(tmp_path: Path) -> None:
    """Two classes of one file build Mlp: each use is judged by what that class does with it."""
    models = _program(tmp_path, {"mlp.py": MLP, "users.py": TWO_USERS})
    rows = {layer.class_name: layer.activation for layer in models["users.py"].layers if layer.name == "mlp.fc2"}
    assert rows == {"Gated": "sigmoid", "Residual": "none"}


BLOCKS_PASSING = """import torch.nn as nn

from mlp import Mlp


class Block(nn.Module):
    def __init__(self, d=8, act_layer=nn.GELU):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.mlp = Mlp(d, act_layer=act_layer)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class Gate(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d, act_layer=nn.ReLU)

    def forward(self, x):
        return x * self.mlp(x).sigmoid()
"""

NET_PASSING = """import torch.nn as nn

from blocks import Block, Gate


class Net(nn.Module):
    def __init__(self, d=8, act_layer=nn.SiLU):
        super().__init__()
        {bind}self.block = Block(d, act_layer=act_layer)
        self.gate = Gate(d)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        return self.head(self.gate(self.block(x)))
{more}"""


def _passing(tmp_path: Path, bind: str = "", more: str = "", script: str = "") -> dict:
    files = {"mlp.py": MLP, "blocks.py": BLOCKS_PASSING, "net.py": NET_PASSING.format(bind=bind, more=more)}
    if script:
        files["main.py"] = script
    models = _program(tmp_path, files)
    return {(layer.class_name, layer.name): layer for layer in models["blocks.py"].layers}


def test_an_activation_passed_down_through_constructors_of_several_modules(tmp_path: Path) -> None:
    """Net(act_layer=nn.SiLU) -> Block(act_layer=act_layer) -> Mlp(act_layer=act_layer): SiLU
    at Block's use of Mlp; Gate's use passes ReLU; each judged at its use."""
    rows = _passing(tmp_path)
    block, gate = rows[("Block", "mlp.fc1")], rows[("Block", "mlp.fc2")]
    assert (block.activation, rows[("Gate", "mlp.fc1")].activation) == ("silu", "relu"), block.activation_evidence
    assert "act_layer of Block, act_layer of Net" in block.activation_evidence
    assert (gate.activation, rows[("Gate", "mlp.fc2")].activation) == ("none", "sigmoid")


def test_a_passed_activation_is_unknown_where_it_cannot_be_followed(tmp_path: Path) -> None:
    """Bound again in the constructor, or built by the module's own code with other arguments:
    what reaches Block is not known here; never Net's default. A script that builds Net with
    Tanh (the program's only construction of it) passes Tanh down."""
    rebound = _passing(tmp_path, bind="act_layer = nn.Tanh if d > 4 else act_layer\n        ")
    assert rebound[("Block", "mlp.fc1")].activation == "unknown"
    own = _passing(tmp_path, more="\n\ndef small():\n    return Net(4, act_layer=nn.Tanh)\n")
    assert own[("Block", "mlp.fc1")].activation == "unknown"
    scripted = _passing(tmp_path, script="import torch.nn as nn\nfrom net import Net\n\nmodel = Net(act_layer=nn.Tanh)\n")
    assert scripted[("Block", "mlp.fc1")].activation == "tanh", scripted[("Block", "mlp.fc1")].activation_evidence
    assert "main.py:4" in scripted[("Block", "mlp.fc1")].activation_evidence


def test_rows_judged_at_one_call_are_matched_to_runtime_layers_by_name(tmp_path: Path) -> None:
    """`self.mlp = Mlp(...)`: mlp.fc1 and mlp.fc2 both sit at that call; a traced layer's chain
    reaches it for either, and its name tells which row is its (`initlint verify`, the benches)."""
    from initlint.runtime.provenance import best_static_row

    _passing(tmp_path)
    models, _, _ = analyze_program({str(p): p.read_text(encoding="utf-8") for p in tmp_path.glob("*.py")})
    rows = lambda path: models[path].layers if path in models else []  # noqa: E731
    chain = ((str(tmp_path / "mlp.py"), 9), (str(tmp_path / "blocks.py"), 10), (str(tmp_path / "net.py"), 9))
    assert best_static_row(chain, rows, "block.mlp.fc2").activation == "none"
    assert best_static_row(((str(tmp_path / "mlp.py"), 7), *chain[1:]), rows, "block.mlp.fc1").activation == "silu"


DEFAULT_CLASS = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, act_layer=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))


class Other(nn.Module):
    def __init__(self, d, act_layer=nn.ReLU):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return self.proj(x)


class Net(nn.Module):
    def __init__(self, block_fn=Block):
        super().__init__()
        self.blocks = nn.Sequential(*[block_fn(8, act_layer=nn.Tanh) for _ in range(2)])
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.blocks(x))
"""


def test_a_class_as_a_constructor_default_is_built_by_the_calls_of_that_parameter(tmp_path: Path) -> None:
    """`block_fn=Block`, then `block_fn(8, act_layer=nn.Tanh)`: Block is built with Tanh there
    (the one construction the program makes), never ReLU alone as its default said."""
    from initlint.semantics.file import analyze

    models = _program(tmp_path, {"net.py": DEFAULT_CLASS})
    fc = _row(models, "net.py", "fc")
    assert fc.activation == "tanh" and "one construction" in fc.activation_evidence, fc.activation_evidence
    alone = next(layer for layer in analyze(DEFAULT_CLASS, str(tmp_path / "net.py")).layers if layer.name == "fc")
    assert alone.activation == "tanh", alone.activation_evidence
    other = DEFAULT_CLASS + "\n\ndef small():\n    return Net(block_fn=Other)\n"
    models = _program(tmp_path, {"net.py": other})
    assert _row(models, "net.py", "fc").activation == "unknown", "a caller passes another class: not only Block"


CONV_ACT = """import torch.nn as nn


class ConvAct(nn.Module):
    def __init__(self, cin, cout, act_layer=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.conv(x))
"""

KWARGS_NET = """import torch.nn as nn

from layers import ConvAct


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        ckwargs = dict(act_layer=nn.SiLU){more}
        self.stem = ConvAct(3, 8, **ckwargs)
        self.body = ConvAct(8, 8)

    def forward(self, x):
        return self.body(self.stem(x))
"""


def test_arguments_passed_through_a_local_dict_reach_the_block(tmp_path: Path) -> None:
    """`ckwargs = dict(act_layer=nn.SiLU)`, `ConvAct(3, 8, **ckwargs)`: SiLU at that use."""
    models = _program(tmp_path, {"layers.py": CONV_ACT, "net.py": KWARGS_NET.format(more="")})
    rows = {layer.name: layer.activation for layer in models["net.py"].layers}
    assert (rows["stem.conv"], rows["body.conv"]) == ("silu", "relu"), rows
    # a key set after the dict is built: what the constructor's code holds at the call (semantics/pure.py)
    changed = KWARGS_NET.format(more="\n        ckwargs['act_layer'] = nn.Tanh")
    models = _program(tmp_path, {"layers.py": CONV_ACT, "net.py": changed})
    rows = {layer.name: layer.activation for layer in models["net.py"].layers}
    assert rows["stem.conv"] == "tanh"
    # set from code not read here: unknown
    unread = KWARGS_NET.format(more="\n        ckwargs['act_layer'] = pick_activation()").replace(
        "from layers import ConvAct", "from layers import ConvAct\nfrom elsewhere import pick_activation")
    models = _program(tmp_path, {"layers.py": CONV_ACT, "net.py": unread})
    rows = {layer.name: layer.activation for layer in models["net.py"].layers}
    assert rows["stem.conv"] == "unknown", "a key set by code not read here"


def test_a_returned_layer_is_the_output_only_of_a_model_nothing_uses(tmp_path: Path) -> None:
    """Wrapper returns Mlp's output; its module hands it on (a registry of classes, built by code
    not seen): not the model's output, and nothing the program lists says what follows."""
    wrapper = '''import torch
import torch.nn as nn

from mlp import Mlp


class Wrapper(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d)

    def forward(self, x):
        return self.mlp(x)


BLOCKS = {"wrapper": Wrapper}
'''
    models = _program(tmp_path, {"mlp.py": MLP, "wrapper.py": wrapper})
    assert _row(models, "mlp.py", "fc2").activation == "unknown"
    alone = wrapper.split("\n\nBLOCKS")[0] + "\n"
    models = _program(tmp_path, {"mlp.py": MLP, "wrapper.py": alone})
    assert _row(models, "mlp.py", "fc2").activation == "none", "the model's output"


OWN_USES = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, act_layer=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
{blocks}
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        for block in {names}:
            x = block(x)
        return self.head(x)
"""

OTHER_USE = """import torch.nn as nn
from blocks import Block


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.c = Block(act_layer=nn.SiLU)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.c(x))
"""


@pytest.mark.parametrize("acts", [["Tanh", "ReLU"], ["Tanh", "Tanh"], ["Tanh"]])
def test_a_block_judged_per_construction_in_its_file_is_judged_at_other_files_constructions(
        tmp_path: Path, acts: list) -> None:  # fmt: skip
    """Block built in its own file (with arguments that differ, that agree, or once) and in
    another file with `act_layer=nn.SiLU`: each construction is judged where it is, and the
    claims are the activations torch runs after each layer."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    names = [f"b{k}" for k in range(len(acts))]
    blocks = "\n".join(f"        self.{n} = Block(act_layer=nn.{a})" for n, a in zip(names, acts))
    files = {"blocks.py": OWN_USES.format(blocks=blocks, names="[" + ", ".join(f"self.{n}" for n in names) + "]"),
             "other.py": OTHER_USE}  # fmt: skip
    models = _program(tmp_path, files)
    own = next(l for m in models["blocks.py"].modules for l in m.layers if (l.class_name, l.name) == ("Block", "fc"))
    assert own.activation == "unknown", own.activation_evidence  # SiLU in other.py, Tanh here
    other = [l for l in models["other.py"].layers if l.at_use]
    assert [(l.name, l.activation, l.related[0]) for l in other] == [("c.fc", "silu", [str(tmp_path / "blocks.py"), 7])]
    here = [l for l in models["blocks.py"].layers if l.at_use]
    assert [(l.class_name, l.activation) for l in here] == [("Net", a.lower()) for a in acts], [l.activation_evidence for l in here]
    with _importable(tmp_path) as load:
        built = {"Net": load("blocks").Net(), "Other": load("other").Other()}
    traced = {}
    for top, model in built.items():
        with torch.no_grad():
            for row in verify(model.eval(), torch.randn(2, 8), method="hooks", static=False).layers:
                traced[(top, row.layer)] = row.activation
    assert traced[("Other", "c.fc")] == "silu"
    assert [traced[("Net", f"{n}.fc")] for n in names] == [a.lower() for a in acts]


ACT_BY_KEY = """import torch.nn as nn

ACTS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh}


def get_act(name):
    return ACTS[name]()
"""

RES_BLOCKS = """import torch.nn as nn

from acts import ACTS, get_act


class Keyed(nn.Module):
    def __init__(self, c=8, act="relu"):
        super().__init__()
        self.fc = nn.Linear(c, c)
        self.act = ACTS[act]()

    def forward(self, x):
        return self.act(self.fc(x))


class ByHelper(nn.Module):
    def __init__(self, c=8, act="relu"):
        super().__init__()
        self.fc = nn.Linear(c, c)
        self.act = get_act(act)

    def forward(self, x):
        return self.act(self.fc(x))


class ByClass(nn.Module):
    def __init__(self, c=8, act=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(c, c)
        self.act = act()

    def forward(self, x):
        return self.act(self.fc(x))
"""

TRAIN_SCRIPT = """import torch.nn as nn
from blocks import ByClass, ByHelper, Keyed

keyed = Keyed(act="tanh")
helped = ByHelper(8, "tanh").to("cpu")
classed = ByClass(act=nn.Tanh)
"""


def test_a_script_passing_another_activation_than_the_default_is_seen(tmp_path: Path) -> None:
    """A training script builds each block with Tanh (a registry key, a key through a helper of
    another module, a class): the default's ReLU is no longer claimed. torch runs Tanh there."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    files = {"acts.py": ACT_BY_KEY, "blocks.py": RES_BLOCKS, "train.py": TRAIN_SCRIPT}
    models = _program(tmp_path, files)
    rows = {l.class_name: l for l in models["blocks.py"].layers}
    for name in ("Keyed", "ByHelper", "ByClass"):
        assert rows[name].activation != "relu" and "train.py" in rows[name].activation_evidence, \
            (name, rows[name].activation_evidence)  # fmt: skip
    assert rows["ByClass"].activation == "tanh", "the program's only construction passes nn.Tanh"
    alone = _program(tmp_path, {"acts.py": ACT_BY_KEY, "blocks.py": RES_BLOCKS})  # built with the defaults
    assert {l.class_name: l.activation for l in alone["blocks.py"].layers} == dict.fromkeys(rows, "relu")
    with _importable(tmp_path) as load:
        blocks = load("blocks")
        built = [blocks.Keyed(act="tanh"), blocks.ByHelper(8, "tanh"), blocks.ByClass(act=torch.nn.Tanh)]
    for model in built:
        with torch.no_grad():
            traced = verify(model.eval(), torch.randn(2, 8), method="hooks", static=False).layers
        assert [(row.layer, row.activation) for row in traced] == [("fc", "tanh")]


INITS_MODULE = """import torch.nn as nn


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)
"""

APPLYING_NET = """import torch.nn as nn

from inits import init_weights


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, 3)
        self.act = nn.ReLU()
        self.fc = nn.Linear(64, 256)
        self.act2 = nn.ReLU()
        self.head = nn.Linear(256, 2)
        {apply}

    def forward(self, x):
        x = self.act(self.conv(x)).mean((2, 3))
        return self.head(self.act2(self.fc(x)))
"""

APPLYING_SCRIPT = """from inits import init_weights
from net import Net

model = Net()
model.apply(init_weights)
"""


@pytest.mark.parametrize("where", ["class", "script"])
def test_an_init_function_imported_from_another_module_is_read_there(tmp_path: Path, where: str) -> None:
    """`self.apply(init_weights)` / a script's `model.apply(init_weights)`, the function in another
    module: what it initialises (Linear) is explicit, what it leaves (the conv) keeps the default,
    as torch shows once the model is built."""
    torch = pytest.importorskip("torch")
    net = APPLYING_NET.format(apply="self.apply(init_weights)" if where == "class" else "")
    files = {"inits.py": INITS_MODULE, "net.py": net}
    if where == "script":
        files["train.py"] = APPLYING_SCRIPT
    models = _program(tmp_path, files)
    inits = {l.name: (l.init, l.activation) for l in models["net.py"].layers}
    assert inits == {"conv": ("default", "relu"), "fc": ("explicit", "relu"), "head": ("explicit", "none")}, \
        {l.name: l.init_evidence for l in models["net.py"].layers}  # fmt: skip
    with _importable(tmp_path) as load:
        model = load("train").model if where == "script" else load("net").Net()
    default_std = lambda fan_in: (1 / (3 * fan_in)) ** 0.5  # noqa: E731  kaiming_uniform_(a=sqrt(5))
    assert abs(model.conv.weight.std().item() / default_std(27) - 1) < 0.1
    assert abs(model.fc.weight.std().item() / (2 / 64) ** 0.5 - 1) < 0.1  # kaiming_normal_ for ReLU, fan_in 64


HEAD_APPLYING = """import torch.nn as nn

from inits import init_weights


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.apply(init_weights)
        self.fc.apply(init_weights)

    def forward(self, x):
        return self.fc(x)
"""

SCRIPT_APPLYING_TWICE = """from inits import init_weights
from head import Head
from net import Net

model = Net()
model.apply(init_weights)
head = Head()
head.apply(init_weights)
"""


def test_an_imported_init_routine_is_read_once_for_every_site_that_applies_it(tmp_path: Path, monkeypatch) -> None:
    """Four `.apply(init_weights)` sites in three files, the routine in a fourth: its module reads
    it (its branches, and its calls' lines there) once, and every site gets the same answer."""
    from initlint.semantics.inits import InitScanner

    reads: list = []
    branches = InitScanner.branches

    def counted(self, body, var, names=None):
        if names is None and self.inlined == 0:
            reads.append(Path(self.fa.path).name)
        yield from branches(self, body, var, names)

    monkeypatch.setattr(InitScanner, "branches", counted)
    files = {"inits.py": INITS_MODULE, "net.py": APPLYING_NET.format(apply="self.apply(init_weights)"),
             "head.py": HEAD_APPLYING, "train.py": SCRIPT_APPLYING_TWICE}  # fmt: skip
    models = _program(tmp_path, files)
    assert reads.count("inits.py") == 1, reads
    for file, name in [("net.py", "fc"), ("net.py", "head"), ("head.py", "fc")]:
        layer = _row(models, file, name)
        assert layer.init == "explicit", layer.init_evidence
        assert (Path(layer.init_call.path).name, layer.init_call.line) == ("inits.py", 6)
    assert _row(models, "net.py", "conv").init == "default"


FACTORIES = """import torch.nn as nn


def make_mlp(dims, act=nn.ReLU):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        layers.append(act())
    return nn.Sequential(*layers)


def conv_block(cin, cout, act=nn.ReLU):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), act())
"""

POLICY = """import torch.nn as nn

from factories import conv_block, make_mlp


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv_block(3, 16, act=nn.Tanh), conv_block(16, 16))
        self.mlp = make_mlp([16, 64, 64], act=nn.Tanh)
        self.out = nn.Linear(64, 4)

    def forward(self, x):
        x = self.features(x).mean((2, 3))
        return self.out(self.mlp(x))
"""


def test_a_factory_function_s_default_activation_is_not_claimed_where_callers_pass_another(tmp_path: Path) -> None:
    """make_mlp / conv_block take `act=nn.ReLU` and another module passes nn.Tanh: the factory's own
    rows no longer say ReLU (each call is judged where it is made, as torch runs it)."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    models = _program(tmp_path, {"factories.py": FACTORIES, "policy.py": POLICY})
    own = {l.layer_type: l for l in models["factories.py"].layers}
    assert {t: l.activation for t, l in own.items()} == {"Linear": "unknown", "Conv2d": "unknown"}
    assert "policy.py:10 passes act=torch.nn.Tanh" in own["Linear"].activation_evidence
    rows = {l.name: l.activation for l in models["policy.py"].layers}
    assert rows == {"features.0.0": "tanh", "features.1.0": "relu", "mlp.*": "tanh", "out": "none"}
    alone = _program(tmp_path, {"factories.py": FACTORIES})  # nothing passes another class: the default holds
    assert {l.layer_type: l.activation for l in alone["factories.py"].layers} == {"Linear": "relu", "Conv2d": "relu"}
    namespace: dict = {}
    exec(compile(FACTORIES, "factories.py", "exec"), namespace)
    model = torch.nn.Module()
    model.features = torch.nn.Sequential(namespace["conv_block"](3, 16, act=torch.nn.Tanh), namespace["conv_block"](16, 16))
    with torch.no_grad():
        traced = {row.layer: row.activation for row in verify(model.features.eval(), torch.randn(1, 3, 8, 8),
                                                               method="hooks", static=False).layers}  # fmt: skip
    assert traced == {"0.0": "tanh", "1.0": "relu"}


INSTANCES = """import torch.nn as nn

ACT2FN = {"gelu": nn.GELU(), "relu": nn.ReLU(), "tanh": nn.Tanh()}
"""

KEYED_MLP = """import torch.nn as nn

from activations import ACT2FN


class MLP(nn.Module):
    def __init__(self, d=16, hidden_act="tanh"):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        self.act = ACT2FN[hidden_act]
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = MLP(hidden_act="relu")
        self.b = MLP(hidden_act="{second}")
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        return self.head(self.b(self.a(x)))
"""


@pytest.mark.parametrize("second", ["relu", "gelu"])
def test_a_registry_of_instances_in_another_module_read_with_the_keys_constructions_pass(
        tmp_path: Path, second: str) -> None:  # fmt: skip
    """The project's own ACT2FN (instances, another module; not transformers'): each construction's
    key picks its entry; torch runs the same."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    models = _program(tmp_path, {"activations.py": INSTANCES, "mlp.py": KEYED_MLP.replace("{second}", second)})
    rows = {(l.class_name, l.name): l.activation for l in models["mlp.py"].layers}
    if second == "relu":
        assert rows[("MLP", "fc1")] == "relu"  # both constructions agree
    else:
        assert (rows[("MLP", "fc1")], rows[("Net", "a.fc1")], rows[("Net", "b.fc1")]) == ("unknown", "relu", "gelu"), rows
    with _importable(tmp_path) as load:
        net = load("mlp").Net().eval()
    with torch.no_grad():
        traced = {row.layer: row.activation for row in verify(net, torch.randn(2, 16), method="hooks", static=False).layers}
    assert (traced["a.fc1"], traced["b.fc1"]) == ("relu", second)


BASE_MODEL = """import torch.nn as nn


class BaseModel(nn.Module):
    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)

    def post_init(self):
        self.apply(self._init_weights)
"""

DERIVED_MODEL = """import torch.nn as nn
import torch.nn.functional as F

from base import BaseModel


class FeedForward(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w1 = nn.Linear(d, 4 * d)
        self.conv = nn.Conv1d(4 * d, 4 * d, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.w1(x))
        return F.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)


class Model(BaseModel):
    def __init__(self, d=32):
        super().__init__()
        self.ff = FeedForward(d)
        self.head = nn.Linear(4 * d, 10)
        self.post_init()

    def forward(self, x):
        return self.head(self.ff(x))
"""


def test_an_init_method_inherited_from_a_base_class_of_another_module_is_read_there(tmp_path: Path) -> None:
    """`self.post_init()` -> `self.apply(self._init_weights)`, both in a base class of another
    module: the Linear layers are drawn there (std 0.02), the conv keeps torch's default."""
    torch = pytest.importorskip("torch")
    models = _program(tmp_path, {"base.py": BASE_MODEL, "model.py": DERIVED_MODEL})
    inits = {l.name: l.init for l in models["model.py"].layers}
    assert inits == {"w1": "explicit", "conv": "default", "head": "explicit"}, \
        {l.name: l.init_evidence for l in models["model.py"].layers}  # fmt: skip
    with _importable(tmp_path) as load:
        model = load("model").Model()
    assert abs(model.ff.w1.weight.std().item() / 0.02 - 1) < 0.1
    assert abs(model.ff.conv.weight.std().item() / (1 / (3 * 128 * 3)) ** 0.5 - 1) < 0.1  # the default


BUILT_IN_A_FUNCTION = """import torch.nn as nn

from net import Net


def make_model(kind):
    if kind == "small":
        return Net(act_layer=nn.Tanh)
    return [Net(nn.SiLU)][0]
"""


def test_constructions_returned_by_a_function_of_another_module_pass_their_arguments(tmp_path: Path) -> None:
    """`return Net(act_layer=nn.Tanh)` in a builder function of another module: the default's
    ReLU is not claimed; each construction is judged where it is made, as torch builds it."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    net = MLP.replace("class Mlp", "class Net").replace("d=8, act_layer=nn.GELU", "act_layer=nn.ReLU, d=8")
    models = _program(tmp_path, {"net.py": net, "build.py": BUILT_IN_A_FUNCTION})
    assert not any(l.activation == "relu" for l in models["net.py"].layers)
    rows = sorted((l.line, l.name, l.activation) for l in models["build.py"].layers)
    assert rows == [(8, "Net().fc1", "tanh"), (9, "Net().fc1", "silu")], rows
    namespace: dict = {}
    exec(compile(net, "net.py", "exec"), namespace)
    for act, want in ((torch.nn.Tanh, "tanh"), (torch.nn.SiLU, "silu")):
        with torch.no_grad():
            traced = verify(namespace["Net"](act).eval(), torch.randn(2, 8), method="hooks", static=False).layers
        assert {row.layer: row.activation for row in traced}["fc1"] == want


BLOCK_BY_KEYWORD = MLP.replace("act_layer=nn.GELU", "act_layer=nn.ReLU")  # ReLU by default

REINITIALISING_NET = MODEL.format(imp="from mlp import Mlp", act=", act_layer=nn.GELU")  # re-initialises its Mlp


def test_a_block_judged_at_each_use_gets_the_init_of_that_use(tmp_path: Path) -> None:
    """Net builds Mlp with GELU and re-initialises it; a script builds it with the default and
    does not. Each use's row carries the init that runs along its own way up: Net's is explicit,
    the script's keeps the default (a finding there), as torch shows; before, both were
    `unknown` ("in 1 of the 2 ways the program builds it") and the script's layer was missed."""
    torch = pytest.importorskip("torch")
    files = {"mlp.py": BLOCK_BY_KEYWORD, "net.py": REINITIALISING_NET, "train.py": "from mlp import Mlp\n\nplain = Mlp(8)\n"}
    models = _program(tmp_path, files)
    in_net, in_script = _row(models, "net.py", "mlp.fc1"), _row(models, "train.py", "Mlp().fc1")
    assert (in_net.activation, in_net.init) == ("gelu", "explicit"), in_net.init_evidence
    assert (in_script.activation, in_script.init) == ("relu", "default"), in_script.init_evidence
    assert "train.py:3" in in_script.init_evidence
    findings = [f for r in api.check(api.Run(paths=[str(tmp_path)], isolated=True, use_cache=False)) for f in r.findings]
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("train.py", 3, "IL101")]
    with _importable(tmp_path) as load:
        torch.manual_seed(0)
        net, plain = load("net").Net(), load("train").plain
    assert abs(float(net.mlp.fc1.weight.detach().std()) - 0.02) < 0.005  # re-initialised by Net
    default_std = 1 / math.sqrt(3 * 8)
    assert abs(float(plain.fc1.weight.detach().std()) - default_std) < 0.25 * default_std  # torch's default kept


def test_a_block_whose_init_differs_by_use_is_judged_at_each_use(tmp_path: Path) -> None:
    """Every construction leaves Mlp's ReLU, but Net re-initialises its Mlp and the script's does
    not: unknown where Mlp is built ("in 1 of the 2 ways"), so the script's layer went unflagged.
    Now each use is judged: Net's explicit, the script's default (IL101 there)."""
    net = REINITIALISING_NET.replace("Mlp(8, act_layer=nn.GELU)", "Mlp(8)")
    files = {"mlp.py": BLOCK_BY_KEYWORD, "net.py": net, "train.py": "from mlp import Mlp\n\nplain = Mlp(8)\n"}
    models = _program(tmp_path, files)
    rows = {(name, layer.name): (layer.activation, layer.init) for name in ("mlp.py", "net.py", "train.py")
            for layer in models[name].layers}  # fmt: skip
    # fc2 meets no activation: nothing a use could find, so it stays where built, its init unknown
    assert rows == {("net.py", "mlp.fc1"): ("relu", "explicit"), ("train.py", "Mlp().fc1"): ("relu", "default"),
                    ("mlp.py", "fc2"): ("none", "unknown")}, rows
    findings = [f for r in api.check(api.Run(paths=[str(tmp_path)], isolated=True, use_cache=False)) for f in r.findings]
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("train.py", 3, "IL101")]
    (tmp_path / "alone").mkdir()
    alone = _program(tmp_path / "alone", {"mlp.py": BLOCK_BY_KEYWORD, "net.py": net})  # Net's the only way
    assert {layer.name: layer.init for layer in alone["mlp.py"].layers} == {"fc1": "explicit", "fc2": "explicit"}


SE_BLOCK = """import torch
import torch.nn as nn


class SEModule(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.fc1 = nn.Conv2d(c, c, 1)

    def forward(self, x):
        return torch.relu(self.fc1(x))
"""

MADE_BY_VALUE = """import torch.nn as nn
from se import SEModule


class BasicBlock(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.se = SEModule(c)

    def forward(self, x):
        return self.se(x)


class Bottleneck(BasicBlock):
    pass


class Model(nn.Module):
    def __init__(self, v2=False):
        super().__init__()
        self.layer1 = self._make_layer(Bottleneck if v2 else BasicBlock, 2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def _make_layer(self, block, n):
        layers = []
        for i in range(n):
            layers.append(block(8))
        return nn.Sequential(*layers)

    def forward(self, x):
        return self.layer1(x)


class Plain(nn.Module):
    def __init__(self):
        super().__init__()
        self.se = SEModule(8)

    def forward(self, x):
        return self.se(x)
"""


def test_a_use_inside_a_class_built_through_a_value_is_not_judged_without_its_container_s_init(tmp_path: Path) -> None:
    """timm's TResNet: `self._make_layer(Bottleneck if v2 else BasicBlock, ...)` builds the block
    through a value (Bottleneck: no listed use), and TResNet's init loop re-initialises its SEModule. Plain builds
    SEModule and initialises nothing. Judged at each use, BasicBlock's use would be taken for a
    root that nothing re-initialises (a wrong finding); the layer stays where it is built."""
    torch = pytest.importorskip("torch")
    models = _program(tmp_path, {"se.py": SE_BLOCK, "models.py": MADE_BY_VALUE})
    findings = [f for r in api.check(api.Run(paths=[str(tmp_path)], isolated=True, use_cache=False)) for f in r.findings]
    assert not any(f.line == 8 and Path(f.path).name == "models.py" for f in findings), [f.message for f in findings]
    assert _row(models, "se.py", "fc1").init == "unknown"
    with _importable(tmp_path) as load:
        torch.manual_seed(0)
        built = load("models").Model()
    he = math.sqrt(2 / 8)
    assert abs(float(built.layer1[0].se.fc1.weight.detach().std()) - he) < 0.4 * he  # re-initialised by Model's loop


def test_a_use_judged_for_its_activation_keeps_the_program_s_init_where_its_container_is_built_through_a_value(tmp_path: Path) -> None:
    """As above, with Plain passing another activation: SEModule is judged at each use for its
    activation, and the use in a block built through a value keeps the init the program judged
    (`unknown`), never the default its own (incomplete) chain would say."""
    se = SE_BLOCK.replace("def __init__(self, c=8):", "def __init__(self, c=8, act_layer=nn.ReLU):").replace(
        "        self.fc1 = nn.Conv2d(c, c, 1)\n", "        self.fc1 = nn.Conv2d(c, c, 1)\n        self.act = act_layer()\n").replace(
        "return torch.relu(self.fc1(x))", "return self.act(self.fc1(x))")  # fmt: skip
    models_py = MADE_BY_VALUE.replace("self.se = SEModule(8)", "self.se = SEModule(8, act_layer=nn.Tanh)")
    models = _program(tmp_path, {"se.py": se, "models.py": models_py})
    rows = {(layer.line, layer.activation): layer.init for layer in models["models.py"].layers}
    assert rows.get((8, "relu")) == "unknown", rows
    assert rows.get((39, "tanh")) == "default", rows
    findings = [f for r in api.check(api.Run(paths=[str(tmp_path)], isolated=True, use_cache=False)) for f in r.findings]
    assert not any(f.line == 8 and Path(f.path).name == "models.py" for f in findings), [f.message for f in findings]


EMBEDDINGS = '''import torch
import torch.nn as nn


class TimestepEmbedding(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.linear_1 = nn.Linear(d, d)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(d, d)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class Combined(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.timestep_embedder = TimestepEmbedding(d)
        self.label = nn.Embedding(10, d)

    def forward(self, t, y):
        return self.timestep_embedder(t) + self.label(y)


class Other(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.t = TimestepEmbedding(d)
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        return self.head(torch.tanh(self.t(x)))
'''

ADA_NORM = '''import torch.nn as nn

from embeddings import Combined


class AdaNorm(nn.Module):
    def __init__(self, d=8, num_embeddings={default}):
        super().__init__()
        if num_embeddings is not None:
            self.emb = Combined(d)
        else:
            self.emb = None
        self.silu = nn.SiLU()
        self.linear = nn.Linear(d, 2 * d)

    def forward(self, x, t=None, y=None, emb=None):
        if self.emb is not None:
            emb = self.emb(t, y)
        emb = self.linear(self.silu(emb))
        return x * emb[:, :8]
'''

ADA_BLOCK = '''import torch.nn as nn

from norm import AdaNorm


class Block(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.norm = AdaNorm(d, num_embeddings=10)
        self.fc = nn.Linear(d, d)

    def forward(self, x, t, y):
        return self.fc(self.norm(x, t, y))
'''


def test_a_layer_returned_by_a_block_another_module_uses_is_not_its_output(tmp_path: Path) -> None:
    """diffusers' TimestepEmbedding: its linear_2 is returned by Combined, which nothing in its own
    file uses (so "the model's output" there) and which norm.py's AdaNorm feeds to a SiLU, and it
    meets a tanh in Other. The class row claims neither; the row at Combined's construction is what
    AdaNorm applies (SiLU), as torch runs it; Other's, tanh."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    files = {"embeddings.py": EMBEDDINGS, "norm.py": ADA_NORM.format(default=10), "block.py": ADA_BLOCK}
    models = _program(tmp_path, files)
    rows = {(l.class_name, l.name): l for l in models["embeddings.py"].layers}
    assert rows[("TimestepEmbedding", "linear_2")].activation == "unknown"
    combined = rows[("Combined", "timestep_embedder.linear_2")]
    assert combined.activation == "silu", combined.activation_evidence
    assert rows[("Other", "t.linear_2")].activation == "tanh"
    with _importable(tmp_path) as load:
        block, other = load("block").Block(), load("embeddings").Other()
    inputs = (torch.randn(2, 8), torch.randn(2, 8), torch.tensor([1, 2]))
    traced = {row.layer: row.activation for row in verify(block.eval(), inputs, method="hooks", static=False).layers}
    assert traced["norm.emb.timestep_embedder.linear_2"] == "silu"
    traced = {row.layer: row.activation for row in verify(other.eval(), torch.randn(2, 8), method="hooks", static=False).layers}
    assert traced["t.linear_2"] == "tanh"


def test_a_class_built_in_a_branch_its_default_skips_is_built_for_other_callers(tmp_path: Path) -> None:
    """AdaNorm builds Combined only when given num_embeddings (None by default); block.py passes it.
    Combined is still built in the program: what it returns is not the model's output (SiLU at run
    time), and since AdaNorm's forward is read with the default (no emb), unknown, never "none"."""
    files = {"embeddings.py": EMBEDDINGS, "norm.py": ADA_NORM.format(default=None), "block.py": ADA_BLOCK}
    models = _program(tmp_path, files)
    rows = {(l.class_name, l.name): l for l in models["embeddings.py"].layers}
    combined = rows[("Combined", "timestep_embedder.linear_2")]
    assert combined.activation in ("unknown", "silu"), combined.activation_evidence
