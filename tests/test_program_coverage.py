"""Multi-file patterns where what a layer meets is decided by what every construction in the
program passes: each claim checked against torch building the same modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_program_passing import _importable, _passing


def _traced(model, name: str, width: int = 8) -> str:
    """The runtime activation of layer `name` of a built model (initlint verify's trace)."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(2, width), method="hooks", static=False).layers
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
