"""Multi-file patterns where what a layer meets is decided by what every construction in the
program passes: each claim checked against torch building the same modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

from test_program_passing import _importable, _passing


def _traced(model, name: str, width: int = 8, *spatial: int) -> str:
    """The runtime activation of layer `name` of a built model (initlint verify's trace)."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, width, *spatial), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}[name]


def test_a_parameter_passed_on_by_a_class_its_own_module_builds_at_its_default(tmp_path: Path) -> None:
    """`Net(act_layer=nn.SiLU)` passes act_layer on to Block (another module); its module builds
    Net only in `small()`, which passes none: SiLU reaches Block's Mlp, as torch builds it. A
    construction in another module passing Tanh makes it unknown: values differ."""
    rows = _passing(tmp_path, more="\n\ndef small():\n    return Net(4)\n")
    fc1 = rows[("Block", "mlp.fc1")]
    assert fc1.activation == "silu", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").small(), "block.mlp.fc1", 4) == "silu"
    other = _passing(tmp_path, more="\n\ndef small():\n    return Net(4)\n",
                     script="import torch.nn as nn\nfrom net import Net\n\nmodel = Net(act_layer=nn.Tanh)\n")  # fmt: skip
    assert other[("Block", "mlp.fc1")].activation == "unknown", other[("Block", "mlp.fc1")].activation_evidence


def test_what_a_module_passes_its_own_class_is_not_all_the_program_passes(tmp_path: Path) -> None:
    """net.py builds Net only as `Net(4, act_layer=nn.SiLU)`; a script builds `Net(act_layer=nn.Tanh)`:
    Block's Mlp meets SiLU in one model and Tanh in the other, so neither is claimed."""
    script = "import torch.nn as nn\nfrom net import Net\n\nmodel = Net(act_layer=nn.Tanh)\n"
    rows = _passing(tmp_path, more="\n\ndef small():\n    return Net(4, act_layer=nn.SiLU)\n", script=script)
    assert rows[("Block", "mlp.fc1")].activation == "unknown", rows[("Block", "mlp.fc1")].activation_evidence
    with _importable(tmp_path) as load:
        assert {_traced(load("net").small(), "block.mlp.fc1", 4), _traced(load("main").model, "block.mlp.fc1")} == {"silu", "tanh"}


HANDS_ON = """import torch.nn as nn

from mlp import Mlp


class Block(nn.Module):
    def __init__(self, d=8, mlp_layer=Mlp):
        super().__init__()
        self.mlp_layer = mlp_layer  # kept: what else builds it, and how, is not seen
        self.mlp = mlp_layer(d, act_layer=nn.ReLU)

    def forward(self, x):
        return self.mlp(x)


class Gate(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d, act_layer=nn.Tanh)

    def forward(self, x):
        return self.mlp(x)


BLOCKS = {"block": Block, "gate": Gate}  # built by code not shown, with any arguments
"""


def test_a_class_handed_on_as_a_value_keeps_a_row_for_the_constructions_not_listed(tmp_path: Path) -> None:
    """blocks.py builds Mlp by name in Gate (a use judged there: tanh) and hands it on as Block's
    `mlp_layer` default, which Block keeps as an attribute (built by code not seen, with anything):
    Mlp's row stays, unknown, and a traced Block layer's chain finds it (no layer without a row)."""
    from initlint.runtime.provenance import best_static_row
    from test_program_passing import MLP, _program

    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": HANDS_ON})
    own = {layer.name: layer for layer in models["mlp.py"].layers}
    assert own["fc1"].activation == "unknown" and "hands Mlp on as a value" in own["fc1"].activation_evidence
    assert {(l.name, l.activation) for l in models["blocks.py"].layers if l.at_use} >= {("mlp.fc1", "tanh")}
    rows = lambda path: models[Path(path).name].layers  # noqa: E731
    chain = ((str(tmp_path / "mlp.py"), 7), (str(tmp_path / "blocks.py"), 10))
    assert best_static_row(chain, rows, "mlp.fc1") is own["fc1"]
    with _importable(tmp_path) as load:
        assert _traced(load("blocks").Block(), "mlp.fc1") == "relu"
        assert _traced(load("blocks").Gate(), "mlp.fc1") == "tanh"


DEFAULT_BUILT = """import torch.nn as nn

from mlp import Mlp


class Block(nn.Module):
    def __init__(self, d=8, act_layer=nn.SiLU, mlp_layer=Mlp):
        super().__init__()
        self.mlp = mlp_layer(d, act_layer=act_layer)

    def forward(self, x):
        return self.mlp(x)
"""


def test_a_constructor_default_class_that_is_only_built_is_a_listed_use(tmp_path: Path) -> None:
    """Block's `mlp_layer=Mlp` default is only called in its constructor: a construction of Mlp
    listed with what it passes (Block's `act_layer`), not a class handed on to unseen code. net.py
    builds `Block(act_layer=nn.Tanh)`, the program's only construction: Mlp's fc1 meets Tanh, as
    torch builds it; a second module building `Block()` (SiLU) makes it unknown: values differ."""
    from test_program_passing import MLP, _program

    net = "import torch.nn as nn\n\nfrom blocks import Block\n\nmodel = Block(act_layer=nn.Tanh)\n"
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": DEFAULT_BUILT, "net.py": net})
    assert models["blocks.py"].summary.handed_on == []
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "tanh", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").model, "mlp.fc1") == "tanh"
    (tmp_path / "other.py").write_text("from blocks import Block\n\nmodel = Block()\n", encoding="utf-8")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": DEFAULT_BUILT, "net.py": net,
                                 "other.py": "from blocks import Block\n\nmodel = Block()\n"})  # fmt: skip
    own = [layer for layer in models["mlp.py"].layers if layer.name == "fc1"]
    assert all(layer.activation == "unknown" for layer in own), [layer.activation_evidence for layer in own]
    with _importable(tmp_path) as load:
        assert _traced(load("other").model, "mlp.fc1") == "silu"


def test_a_use_through_a_constructor_default_gets_its_own_row(tmp_path: Path) -> None:
    """blocks.py builds Mlp by name in Gate (tanh) and through Block's `mlp_layer` default (ReLU):
    both are listed uses, each judged where it is; a traced Block layer's chain finds the ReLU row
    at Block's construction, as torch builds it (main: Mlp's own row, unknown)."""
    from initlint.runtime.provenance import best_static_row
    from test_program_passing import MLP, _program

    blocks = HANDS_ON.replace("        self.mlp_layer = mlp_layer  # kept: what else builds it, and how, is not seen\n", "")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": blocks})
    assert "mlp.Mlp" not in models["blocks.py"].summary.handed_on
    at_use = {(l.line, l.activation) for l in models["blocks.py"].layers if l.at_use and l.name == "mlp.fc1"}
    assert at_use == {(9, "relu"), (18, "tanh")}, at_use
    rows = lambda path: models[Path(path).name].layers  # noqa: E731
    chain = ((str(tmp_path / "mlp.py"), 7), (str(tmp_path / "blocks.py"), 9))
    assert best_static_row(chain, rows, "mlp.fc1").activation == "relu"
    with _importable(tmp_path) as load:
        assert _traced(load("blocks").Block(), "mlp.fc1") == "relu"
        assert _traced(load("blocks").Gate(), "mlp.fc1") == "tanh"


BUILDS_PARAM = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d=8, act_layer=nn.ReLU, mlp_layer=None):
        super().__init__()
        self.mlp = mlp_layer(d, act_layer=act_layer)

    def forward(self, x):
        return self.mlp(x)
"""

HANDS_TO_BLOCK = """import torch.nn as nn

from blocks import Block
from mlp import Mlp


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(act_layer=nn.Tanh, mlp_layer=Mlp)

    def forward(self, x):
        return self.block(x)
"""


def test_a_class_passed_to_a_constructor_that_only_builds_that_parameter_is_a_listed_use(tmp_path: Path) -> None:
    """net.py passes Mlp to Block's `mlp_layer`, which Block only calls: a construction of Mlp inside
    Block, with Block's `act_layer`, which Net passes as Tanh: Mlp's fc1 meets Tanh, as torch builds
    it (main: net.py hands Mlp on, unknown). Where Block keeps the class as well, what builds it
    is not seen: unknown."""
    from test_program_passing import MLP, _program

    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": BUILDS_PARAM, "net.py": HANDS_TO_BLOCK})
    assert models["net.py"].summary.handed_on == []
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "tanh", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").Net(), "block.mlp.fc1") == "tanh"
    keeps = BUILDS_PARAM.replace("        self.mlp = mlp_layer(", "        self.kind = mlp_layer\n        self.mlp = mlp_layer(")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": keeps, "net.py": HANDS_TO_BLOCK})
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence


def test_a_constructor_default_passed_on_to_a_constructor_that_builds_it_is_a_listed_use(tmp_path: Path) -> None:
    """Net's `mlp_layer=Mlp` default goes on to Block's `mlp_layer`, which Block only calls: Mlp is
    built inside Block with Net's Tanh, as torch builds it (main: net.py hands Mlp on, unknown); a
    caller passing another class for Net's `mlp_layer` mentions that class itself. Passed on by
    position, which parameter it fills is not kept: unknown."""
    from test_program_passing import MLP, _program

    net = HANDS_TO_BLOCK.replace("def __init__(self):", "def __init__(self, mlp_layer=Mlp):")
    net = net.replace("mlp_layer=Mlp)\n", "mlp_layer=mlp_layer)\n")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": BUILDS_PARAM, "net.py": net})
    assert models["net.py"].summary.handed_on == []
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "tanh", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").Net(), "block.mlp.fc1") == "tanh"
    starred = net.replace("self.block = Block(act_layer=nn.Tanh, mlp_layer=mlp_layer)",
                          "self.block = Block(*[8, nn.Tanh], mlp_layer)")  # fmt: skip
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": BUILDS_PARAM, "net.py": starred})
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence


ALIASED = """from functools import partial

import torch.nn as nn

from mlp import Mlp


class Block(nn.Module):
    def __init__(self, d=8, mlp_layer=None):
        super().__init__()
        mlp_layer = mlp_layer or partial(Mlp, act_layer=nn.Tanh)
        self.mlp = mlp_layer(d)

    def forward(self, x):
        return self.mlp(x)
"""


def test_a_local_name_bound_to_a_class_and_only_called_is_a_listed_use(tmp_path: Path) -> None:
    """`mlp_layer = mlp_layer or partial(Mlp, act_layer=nn.Tanh)`, then only `mlp_layer(d)`: a
    construction of Mlp with the keywords the partial binds, Tanh, as torch builds it (main: blocks.py
    hands Mlp on, unknown). A caller passing its own `partial(Mlp, act_layer=nn.ReLU)` hands Mlp
    on itself: unknown; so is a name also kept as an attribute."""
    from test_program_passing import MLP, _program

    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": ALIASED})
    assert models["blocks.py"].summary.handed_on == []
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "tanh", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("blocks").Block(), "mlp.fc1") == "tanh"
    net = "from functools import partial\n\nimport torch.nn as nn\n\nfrom blocks import Block\nfrom mlp import Mlp\n\n" \
          "model = Block(mlp_layer=partial(Mlp, act_layer=nn.ReLU))\n"  # fmt: skip
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": ALIASED, "net.py": net})
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "unknown", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").model, "mlp.fc1") == "relu"
    keeps = ALIASED.replace("        self.mlp = mlp_layer(d)", "        self.kind = mlp_layer\n        self.mlp = mlp_layer(d)")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": keeps})
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence


def test_a_partial_constructor_default_is_listed_with_the_keywords_it_binds(tmp_path: Path) -> None:
    """`mlp_layer=partial(Mlp, act_layer=nn.Tanh)`, only called: Mlp built with Tanh, as torch builds
    it (main: unknown). The same default passed on to another class's constructor would reach it
    without the partial's keywords: not listed, unknown."""
    from test_program_passing import MLP, _program

    blocks = ALIASED.replace("def __init__(self, d=8, mlp_layer=None):", "def __init__(self, d=8, mlp_layer=partial(Mlp, act_layer=nn.Tanh)):")
    blocks = blocks.replace("        mlp_layer = mlp_layer or partial(Mlp, act_layer=nn.Tanh)\n", "")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": blocks})
    assert models["blocks.py"].summary.handed_on == []
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "tanh", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("blocks").Block(), "mlp.fc1") == "tanh"
    net = HANDS_TO_BLOCK.replace("def __init__(self):", "def __init__(self, mlp_layer=partial(Mlp, act_layer=nn.Tanh)):")
    net = "from functools import partial\n\n" + net.replace("mlp_layer=Mlp)\n", "mlp_layer=mlp_layer)\n")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": BUILDS_PARAM, "net.py": net})
    fc1 = next(layer for layer in models["mlp.py"].layers if layer.name == "fc1")
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence


def test_calls_of_a_star_imported_class_are_not_handing_it_on(tmp_path: Path) -> None:
    """`from blocks import *` then `ConvAct(...)` twice: both are calls (the name resolved on sight,
    before its first call is counted), so net.py does not hand ConvAct on as a value."""
    from test_program_blocks import CONV_ACT, FACTORY, STAR_NET
    from test_program_passing import _program

    models = _program(tmp_path, {"factory.py": FACTORY, "blocks.py": CONV_ACT, "net.py": STAR_NET})
    assert models["net.py"].summary.handed_on == []


# a small timm, importable: what the hooks say of timm's names, written out in torch
TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "from .norm_act import BatchNormAct2d\nfrom .create_norm_act import get_norm_act_layer\n",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACTS = dict(relu=nn.ReLU, silu=nn.SiLU)\n\n\n"
                                 "def get_act_layer(name):\n    return _ACTS[name] if isinstance(name, str) else name\n",
    "timm/layers/norm_act.py": "import torch.nn as nn\n\nfrom .create_act import get_act_layer\n\n\n"
                               "class BatchNormAct2d(nn.BatchNorm2d):\n"
                               "    def __init__(self, num_features, apply_act=True, act_layer=nn.ReLU):\n"
                               "        super().__init__(num_features)\n"
                               "        self.act = get_act_layer(act_layer)() if apply_act and act_layer else nn.Identity()\n\n"
                               "    def forward(self, x):\n        return self.act(super().forward(x))\n",
    "timm/layers/create_norm_act.py": "from functools import partial\n\nfrom .norm_act import BatchNormAct2d\n\n\n"
                                      "def get_norm_act_layer(norm_layer, act_layer=None):\n"
                                      "    return partial(BatchNormAct2d, act_layer=act_layer)\n",
}

DENSE = """import torch.nn as nn
from timm.layers import BatchNormAct2d, get_norm_act_layer


class DenseLayer(nn.Module):
    def __init__(self, chs, norm_layer=BatchNormAct2d):
        super().__init__()
        self.norm1 = norm_layer(chs)
        self.conv1 = nn.Conv2d(chs, chs, 1)
        self.norm2 = norm_layer(chs)
        self.conv2 = nn.Conv2d(chs, chs, 1)

    def forward(self, x):
        return self.conv2(self.norm2(self.conv1(self.norm1(x))))


class DenseNet(nn.Module):
    def __init__(self, chs=8, act_layer="silu", norm_layer="batchnorm2d"):
        super().__init__()
        norm_layer = get_norm_act_layer(norm_layer, act_layer=act_layer)
        self.layer = DenseLayer(chs, norm_layer=norm_layer)
        self.head = nn.Conv2d(chs, 2, 1)

    def forward(self, x):
        return self.head(self.layer(x))


def densenet():
    return DenseNet()
"""


def test_a_norm_a_library_factory_makes_of_constructor_defaults_reaches_the_blocks(tmp_path: Path) -> None:
    """DenseNet binds `norm_layer = get_norm_act_layer(norm_layer, act_layer=act_layer)` and passes it
    to DenseLayer: with its defaults ("batchnorm2d", "silu", all its module passes) conv1 meets
    BatchNormAct2d's SiLU, not the ReLU of DenseLayer's own default; another module building
    DenseNet(act_layer="relu") leaves it unknown."""
    from initlint.program.environment import Environment
    from test_program_passing import _program

    site = tmp_path / "site"
    for name, text in TIMM.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    program = tmp_path / "program"
    program.mkdir()
    models, errors, _ = analyze_program({str(program / "dense.py"): DENSE}, environment=Environment((str(site),)))
    assert not errors
    conv1 = next(layer for layer in models[str(program / "dense.py")].layers if layer.name == "conv1")
    assert conv1.activation == "silu", conv1.activation_evidence
    other = {str(program / "dense.py"): DENSE, str(program / "main.py"): 'from dense import DenseNet\n\nmodel = DenseNet(act_layer="relu")\n'}
    models, _, _ = analyze_program(other, environment=Environment((str(site),)))
    conv1 = next(layer for layer in models[str(program / "dense.py")].layers if layer.name == "conv1")
    assert conv1.activation == "unknown", conv1.activation_evidence
    (program / "dense.py").write_text(DENSE, encoding="utf-8")
    sys.path.insert(0, str(site))
    try:
        with _importable(program) as load:
            assert _traced(load("dense").densenet(), "layer.conv1", 8, 4, 4) == "silu"
    finally:
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n == "timm" or n.startswith("timm.")]:
            del sys.modules[name]


STEM = """from functools import partial

import torch.nn as nn
from timm.layers import get_norm_act_layer


class Net(nn.Module):
    def __init__(self, act_layer=None, norm_layer=None):
        super().__init__()
        act_layer = act_layer or nn.ReLU
        norm_layer = norm_layer or nn.BatchNorm2d
        norm_act_layer = get_norm_act_layer(norm_layer, act_layer)
        self.conv_stem = nn.Conv2d(3, 8, 3)
        self.bn1 = norm_act_layer(8)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        return self.head(self.bn1(self.conv_stem(x)))


def net_silu():
    return Net(act_layer=nn.SiLU, norm_layer=partial(nn.BatchNorm2d, eps=1e-3))


def net_relu():
    return Net()
"""


def test_a_class_passed_for_a_parameter_a_constructor_fills_with_or_is_that_class(tmp_path: Path) -> None:
    """timm's EfficientNet / MobileNetV3 stem: `act_layer = act_layer or nn.ReLU`, then a norm+act class
    from `get_norm_act_layer(norm_layer, act_layer)`. Judged at `net_silu()`'s construction, which passes
    nn.SiLU, `act_layer` is SiLU (a class is true: `or` never reaches nn.ReLU), not "SiLU or ReLU"."""
    from initlint.program.environment import Environment

    site = tmp_path / "site"
    for name, text in TIMM.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    program = tmp_path / "program"
    program.mkdir()
    models, errors, _ = analyze_program({str(program / "stem.py"): STEM}, environment=Environment((str(site),)))
    assert not errors
    at = {layer.line: layer for layer in models[str(program / "stem.py")].layers if layer.name.endswith("conv_stem")}
    assert at[22].activation == "silu", at[22].activation_evidence
    assert at[26].activation == "relu", at[26].activation_evidence
    (program / "stem.py").write_text(STEM, encoding="utf-8")
    sys.path.insert(0, str(site))
    try:
        with _importable(program) as load:
            assert _traced(load("stem").net_silu(), "conv_stem", 3, 8, 8) == "silu"
            assert _traced(load("stem").net_relu(), "conv_stem", 3, 8, 8) == "relu"
    finally:
        sys.path.remove(str(site))
        for name in [n for n in sys.modules if n == "timm" or n.startswith("timm.")]:
            del sys.modules[name]


def test_what_follows_a_handed_on_class_s_output_is_not_claimed_from_its_listed_uses(tmp_path: Path) -> None:
    """Gate (listed) adds Mlp's output to a residual into a Linear: no activation after fc2 there. Block (handed
    on as its attribute `mlp_layer`, so its constructions are not all listed) applies a sigmoid to it: Mlp's own row
    for fc2 is unknown, never the listed use's "none", which torch shows wrong for Block."""
    from initlint.runtime.provenance import best_static_row
    from test_program_passing import MLP, _program

    blocks = HANDS_ON.replace("return self.mlp(x)\n\n\nclass Gate", "return self.mlp(x).sigmoid()\n\n\nclass Gate")
    blocks = blocks.replace("return self.mlp(x)\n\n\nBLOCKS", "return self.head(x + self.mlp(x))\n\n\nBLOCKS")
    blocks = blocks.replace("act_layer=nn.Tanh)\n", "act_layer=nn.Tanh)\n        self.head = nn.Linear(d, d)\n")
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": blocks})
    own = {layer.name: layer for layer in models["mlp.py"].layers}
    assert own["fc2"].activation == "unknown", own["fc2"].activation_evidence
    rows = lambda path: models[Path(path).name].layers  # noqa: E731
    chain = ((str(tmp_path / "mlp.py"), 9), (str(tmp_path / "blocks.py"), 10))
    assert best_static_row(chain, rows, "mlp.fc2").activation == "unknown"
    with _importable(tmp_path) as load:
        assert _traced(load("blocks").Block(), "mlp.fc2") == "sigmoid"


GATED = """import torch.nn as nn


class Basic(nn.Module):
    def __init__(self, c=8, act_layer=nn.ReLU, gate=False):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.gate = nn.Sigmoid() if gate else None
        self.act = act_layer()

    def forward(self, x):
        x = self.conv(x)
        if self.gate is not None:
            return self.gate(x)
        return self.act(x)
"""


@pytest.mark.parametrize("call, claimed", [("Basic(8, gate=True)", "sigmoid"), ("Basic(8)", "relu"),
                                           ("Basic(8, act_layer=nn.Tanh)", "tanh")])  # fmt: skip
def test_a_forward_branch_on_an_attribute_a_default_chose_rests_on_that_default(tmp_path: Path, call: str,
                                                                                claimed: str) -> None:  # fmt: skip
    """`self.gate = nn.Sigmoid() if gate else None`, then `if self.gate is not None: return self.gate(x)`:
    with `gate=False` the conv meets the act_layer's ReLU, but another module building `Basic(8,
    gate=True)` gets Sigmoid. That was claimed ReLU (and fixed for it); now the flag counts as a
    default the activation rests on, as `act_layer` does, and a construction passing the other
    literal is judged with Basic's own code run with it (`Layer.flag_variants`): Sigmoid."""
    from test_program import write_tree

    torch = pytest.importorskip("torch")
    net = f"import torch.nn as nn\nfrom blocks import Basic\n\nmodel = nn.Sequential({call}, nn.Conv2d(8, 4, 1))\n"
    root = write_tree(tmp_path, {"blocks.py": GATED, "net.py": net})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    conv = next(l for l in models[str(root / "blocks.py")].layers if l.name == "conv")
    assert conv.activation == claimed, conv.activation_evidence
    with _importable(root) as load:
        built = load("net").model[0]
        traced = _traced(built, "conv", 8, 4, 4)
    assert traced == {"unknown": "sigmoid"}.get(claimed, claimed)


RAW_ON_ONE_PATH = """import torch
import torch.nn as nn


class Gated(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        h = self.fc(x)
        if x.mean() > 0:
            return torch.relu(h)
        return h
"""


def test_a_layer_returned_raw_on_one_path_and_activated_on_another_is_unknown(tmp_path: Path) -> None:
    """`if x.mean() > 0: return torch.relu(h)`, then `return h`: the data decides. That was claimed
    ReLU, with a ReLU fix; torch shows the layer followed by ReLU for one input, by nothing for another."""
    from test_program import write_tree

    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    script = "from gated import Gated\n\nmodel = Gated()\n"
    root = write_tree(tmp_path, {"gated.py": RAW_ON_ONE_PATH, "train.py": script})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    fc = next(l for l in models[str(root / "gated.py")].layers if l.name == "fc")
    assert fc.activation == "unknown", fc.activation_evidence
    assert "on another path" in fc.activation_evidence or "different" in fc.activation_evidence
    with _importable(root) as load:
        model = load("train").model.eval()
        with torch.no_grad():
            seen = {verify(model, sign * torch.ones(2, 8), method="hooks", static=False).layers[0].activation
                    for sign in (1.0, -1.0)}  # fmt: skip
    assert seen == {"relu", "none"}


ACTIVATION_CONSTANTS = """import torch
import torch.nn as nn
from functools import partial

ACT = torch.tanh
ACT_LAYER = nn.Tanh
LEAKY = partial(nn.LeakyReLU, 0.2)
NOT_TORCH = partial(print, 0.2)
"""

USING_CONSTANTS = """import torch.nn as nn
from consts import ACT, ACT_LAYER, LEAKY, NOT_TORCH


class Written(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(ACT(self.fc(x)))


class Chosen(nn.Module):
    def __init__(self, act_layer=ACT_LAYER):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = act_layer()
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))


class Leaky(Chosen):
    def __init__(self):
        super().__init__(act_layer=LEAKY)


class Other(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(NOT_TORCH(self.fc(x)))
"""


def test_an_activation_bound_to_a_name_at_another_modules_top_is_read_there(tmp_path: Path) -> None:
    """`from consts import ACT` where consts.py binds `ACT = torch.tanh` (`nn.Tanh`, `partial(nn.LeakyReLU,
    0.2)`): that activation, as torch runs it. Before, each was unknown ("goes into `ACT(...)`"). A name
    bound to anything but a torch name (`partial(print, 0.2)`) stays unknown."""
    from test_program import write_tree

    torch = pytest.importorskip("torch")
    script = "from net import Written, Chosen, Leaky\n\nmodels = [Written(), Chosen(), Leaky()]\n"
    root = write_tree(tmp_path, {"consts.py": ACTIVATION_CONSTANTS, "net.py": USING_CONSTANTS, "train.py": script})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    rows = {(l.class_name, l.name): l for l in models[str(root / "net.py")].layers}
    assert rows[("Written", "fc")].activation == "tanh", rows[("Written", "fc")].activation_evidence
    assert rows[("Other", "fc")].activation == "unknown", rows[("Other", "fc")].activation_evidence
    # Leaky's `super().__init__(act_layer=LEAKY)` builds Chosen's fc too: not "the program's only construction"
    chosen = rows[("Chosen", "fc")]
    assert chosen.activation == "unknown" and "passes act_layer=consts.LEAKY" in chosen.activation_evidence, chosen.activation_evidence
    at_script = [(l.name, l.activation) for l in models[str(root / "train.py")].layers]
    assert at_script == [("Chosen().fc", "tanh")]
    with _importable(root) as load:
        written, chosen, leaky = load("train").models
        assert _traced(written, "fc") == _traced(chosen, "fc") == "tanh"
        assert _traced(leaky, "fc") == "leaky_relu" and leaky.act.negative_slope == 0.2
    alone = write_tree(tmp_path / "alone", {"consts.py": ACTIVATION_CONSTANTS, "net.py": USING_CONSTANTS,
                                            "train.py": "from net import Leaky\n\nmodel = Leaky()\n"})  # fmt: skip
    models, _, _ = analyze_program({str(p): p.read_text(encoding="utf-8") for p in sorted(alone.rglob("*.py"))})
    leaky_rows = [(l.activation, l.activation_param) for l in models[str(alone / "net.py")].layers if l.class_name == "Chosen" and l.name == "fc"]
    assert leaky_rows and all(row in (("leaky_relu", 0.2), ("unknown", None)) for row in leaky_rows), leaky_rows


PASSED_THROUGH_WITHOUT_DEFAULT = """import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, dim, act_layer=nn.GELU):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc1(x))


class Block(nn.Module):
    def __init__(self, act_layer):
        super().__init__()
        self.mlp = Mlp(8, act_layer=act_layer)

    def forward(self, x):
        return x + self.mlp(x)
"""


def test_a_parameter_without_default_passed_on_is_not_the_callees_default(tmp_path: Path) -> None:
    """`Mlp(8, act_layer=act_layer)` in Block, whose act_layer has no default, and Block built only in
    another module (`Block(nn.ReLU)`): Mlp's default GELU is built nowhere. That was claimed GELU, with a
    GELU fix; torch runs ReLU there."""
    from test_program import write_tree

    pytest.importorskip("torch")
    script = "import torch.nn as nn\nfrom blocks import Block\n\nmodel = nn.Sequential(Block(nn.ReLU), nn.Linear(8, 2))\n"
    root = write_tree(tmp_path, {"blocks.py": PASSED_THROUGH_WITHOUT_DEFAULT, "train.py": script})
    models, _, _ = analyze_program({str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))})
    fc1 = next(l for l in models[str(root / "blocks.py")].layers if l.name == "fc1")
    assert fc1.activation in ("unknown", "relu"), fc1.activation_evidence
    with _importable(root) as load:
        assert _traced(load("train").model, "0.mlp.fc1") == "relu"
