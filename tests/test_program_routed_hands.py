"""A constructor parameter's default class passed on through another parameter whose default is a
class (timm's cait: `Cait(block_layers=LayerScaleBlock, mlp_block=Mlp)` calls
`block_layers(..., mlp_block=mlp_block)`, and LayerScaleBlock only calls `mlp_block(...)`): a use
the program stage lists, not a class handed on to code it cannot follow, unless a construction
of the outer class sends it elsewhere."""

from __future__ import annotations

from pathlib import Path

from test_program_coverage import _traced
from test_program_passing import MLP, _importable, _program

ROUTED = """import torch.nn as nn

from mlp import Mlp


class LayerBlock(nn.Module):
    def __init__(self, d=8, mlp_block=Mlp):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.mlp = mlp_block(d)

    def forward(self, x):
        return self.mlp(self.norm(x))


class Net(nn.Module):
    def __init__(self, d=8, depth=2, block_layers=LayerBlock, mlp_block=Mlp):
        super().__init__()
        self.blocks = nn.Sequential(*[block_layers(d, mlp_block=mlp_block) for _ in range(depth)])
        self.head = nn.Linear(d, 2)

    def forward(self, x):
        return self.head(self.blocks(x))
"""

GATE = """import torch.nn as nn

from mlp import Mlp


class Gate(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = Mlp(d)
        self.out = nn.Linear(d, d)

    def forward(self, x):
        return self.out(self.mlp(x))
"""

KEEPER = """import torch.nn as nn

from cait import Net


class Keeper(nn.Module):
    def __init__(self, d=8, mlp_block=None):
        super().__init__()
        self.kind = mlp_block  # built later, by code not shown, with any arguments
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return self.proj(x)


model = Net(block_layers=Keeper)
"""


def _fc1(models: dict) -> list:
    return [layer for layer in models["mlp.py"].layers if layer.name == "fc1"]


def test_a_default_passed_through_a_parameter_that_defaults_to_a_class_is_a_listed_use(tmp_path: Path) -> None:
    """Net's `mlp_block=Mlp` goes to `block_layers(...)`, whose default LayerBlock only calls it: Mlp is
    built inside LayerBlock with GELU, as Gate builds it: every construction agrees, fc1 meets GELU,
    as torch builds both (main: cait.py hands Mlp on as a value, unknown everywhere)."""
    models = _program(tmp_path, {"mlp.py": MLP, "cait.py": ROUTED, "gate.py": GATE})
    assert models["cait.py"].summary.handed_on == []
    assert [hand[4] for hand in models["cait.py"].summary.hands] == [["Net", "block_layers", "mlp_block"]]
    (fc1,) = _fc1(models)
    assert fc1.activation == "gelu", fc1.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("cait").Net(), "blocks.0.mlp.fc1") == "gelu"
        assert _traced(load("gate").Gate(), "mlp.fc1") == "gelu"


def test_a_construction_passing_another_class_for_the_route_hands_the_default_on(tmp_path: Path) -> None:
    """`Net(block_layers=Keeper)`: Net's Mlp default goes to Keeper, which keeps it for code not
    shown: Mlp is handed on, unknown (never GELU from Gate's use alone). A construction that passes
    `mlp_block` too sends its own class, not the default: the route holds."""
    models = _program(tmp_path, {"mlp.py": MLP, "cait.py": ROUTED, "gate.py": GATE, "keeper.py": KEEPER})
    (fc1,) = _fc1(models)
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence
    both = KEEPER.replace("Net(block_layers=Keeper)", "Net(block_layers=Keeper, mlp_block=nn.Identity)")
    models = _program(tmp_path, {"mlp.py": MLP, "cait.py": ROUTED, "gate.py": GATE, "keeper.py": both})
    (fc1,) = _fc1(models)
    assert fc1.activation == "gelu", fc1.activation_evidence


def test_a_subclass_or_a_rebound_route_hands_the_default_on(tmp_path: Path) -> None:
    """A class deriving from Net may pass any `block_layers` to Net's constructor; a route bound
    again in the constructor (`block_layers = block_layers or LayerBlock`) may be any class: the
    default is handed on to code not followed, unknown."""
    sub = ("import torch.nn as nn\n\nfrom cait import Net\n\n\nclass Wide(Net):\n"
           "    def __init__(self):\n        super().__init__(16, block_layers=nn.Identity)\n")  # fmt: skip
    models = _program(tmp_path, {"mlp.py": MLP, "cait.py": ROUTED, "gate.py": GATE, "wide.py": sub})
    (fc1,) = _fc1(models)
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence
    rebound = ROUTED.replace("        super().__init__()\n        self.blocks",
                             "        super().__init__()\n        block_layers = block_layers or LayerBlock\n        self.blocks")  # fmt: skip
    models = _program(tmp_path, {"mlp.py": MLP, "cait.py": rebound, "gate.py": GATE})
    (fc1,) = _fc1(models)
    assert fc1.activation == "unknown" and "hands Mlp on as a value" in fc1.activation_evidence, fc1.activation_evidence


def test_a_use_of_a_class_handed_on_elsewhere_says_its_own_reason(tmp_path: Path) -> None:
    """blocks.py hands Mlp on (Block keeps it); Head's use feeds Mlp's output to a Linear (none, as
    torch builds it), Probe's passes it to a function not followed: Probe's row is unknown for that reason,
    not because blocks.py hands Mlp on (main: the class's own row's words, which name no use)."""
    from test_program_coverage import HANDS_ON

    probe = ("import torch.nn as nn\n\nfrom helpers import opaque\nfrom mlp import Mlp\n\n\nclass Probe(nn.Module):\n"
             "    def __init__(self, d=8):\n        super().__init__()\n        self.mlp = Mlp(d)\n\n"
             "    def forward(self, x):\n        return opaque(self.mlp(x))\n\n\nclass Head(nn.Module):\n"
             "    def __init__(self, d=8):\n        super().__init__()\n        self.mlp = Mlp(d)\n        self.out = nn.Linear(d, 2)\n\n"
             "    def forward(self, x):\n        return self.out(self.mlp(x))\n")  # fmt: skip
    models = _program(tmp_path, {"mlp.py": MLP, "blocks.py": HANDS_ON, "probe.py": probe})
    own = next(layer for layer in models["mlp.py"].layers if layer.name == "fc2")
    assert own.activation == "unknown" and "hands Mlp on as a value" in own.activation_evidence, own.activation_evidence
    at_probe = next(layer for layer in models["probe.py"].layers if layer.at_use and layer.name == "mlp.fc2")
    assert at_probe.activation == "unknown", at_probe.activation_evidence
    assert "into Probe" in at_probe.activation_evidence and "hands" not in at_probe.activation_evidence, at_probe.activation_evidence
    at_head = next(layer for layer in models["probe.py"].layers if layer.at_use and layer.name == "mlp.fc2" and layer.line != at_probe.line)
    assert at_head.activation == "none", at_head.activation_evidence
    (tmp_path / "helpers.py").write_text("def opaque(x):\n    return x\n", encoding="utf-8")
    with _importable(tmp_path) as load:
        assert _traced(load("probe").Head(), "mlp.fc2") == "none"
