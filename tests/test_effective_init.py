"""The effective init is the last one that runs. A layer's own `nn.init.x_(self.fc.weight)` is
overwritten by a routine that runs after it (`self.apply(self._init_weights)` later in the same
`__init__`, or in whatever builds the class, in this module or another), and a
`self.fc.reset_parameters()` after it puts torch's default back. Before, the first init seen was
reported as the layer's. Each claim is checked against torch building the model."""

from __future__ import annotations

import math
import runpy
import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program
from initlint.semantics.file import analyze

from test_program import write_tree

WIDTH = 64
ONE_FILE = f"""import torch.nn as nn


class ApplyAfter(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear({WIDTH}, {WIDTH})
        nn.init.kaiming_normal_(self.fc.weight)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, x):
        return self.fc(x).relu()


class ApplyBefore(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear({WIDTH}, {WIDTH})
        self.apply(self._init_weights)
        nn.init.kaiming_normal_(self.fc.weight)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, x):
        return self.fc(x).relu()


class ResetAfter(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear({WIDTH}, {WIDTH})
        nn.init.kaiming_normal_(self.fc.weight)
        self.fc.reset_parameters()

    def forward(self, x):
        return self.fc(x).relu()
"""

KAIMING_STD = math.sqrt(2 / WIDTH)
DEFAULT_BOUND = 1 / math.sqrt(WIDTH)


def _built(source: str, name: str):
    torch = pytest.importorskip("torch")
    namespace: dict = {"__name__": "effective_init"}
    exec(compile(source, "model.py", "exec"), namespace)
    torch.manual_seed(0)
    return namespace[name]()


def test_a_routine_after_the_layers_own_init_is_the_effective_one() -> None:
    rows = {layer.class_name: layer for layer in analyze(ONE_FILE, "model.py").layers}
    after, before = rows["ApplyAfter"], rows["ApplyBefore"]
    assert after.init == "explicit" and "normal_(m.weight, std=0.02)" in after.init_call.text, after.init_evidence
    assert before.init == "explicit" and "kaiming_normal_" in before.init_call.text, before.init_evidence
    assert abs(_built(ONE_FILE, "ApplyAfter").fc.weight.std().item() - 0.02) < 0.003
    assert abs(_built(ONE_FILE, "ApplyBefore").fc.weight.std().item() - KAIMING_STD) < 0.02


def test_reset_parameters_after_an_init_puts_the_default_back(tmp_path: Path) -> None:
    layer = next(row for row in analyze(ONE_FILE, "model.py").layers if row.class_name == "ResetAfter")
    assert layer.init == "default" and "reset_parameters()" in layer.init_evidence
    assert _built(ONE_FILE, "ResetAfter").fc.weight.abs().max().item() <= DEFAULT_BOUND
    # the finding stands, but an init inserted after the construction would run before the reset
    (tmp_path / "model.py").write_text(ONE_FILE, encoding="utf-8")
    results = list(api.check(api.Run(paths=[str(tmp_path)], isolated=True, use_cache=False)))
    found = [f for r in results for f in r.findings if f.layer == "fc" and "ResetAfter" in f.message]
    assert [f.code for f in found] == ["IL101"] and found[0].fix is None, found


BLOCKS = f"""import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear({WIDTH}, {WIDTH})
        nn.init.kaiming_normal_(self.fc.weight)

    def forward(self, x):
        return self.fc(x).relu()
"""

NET = """import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, x):
        return self.block(x)
"""


def _rows(root: Path) -> dict:
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    return {(Path(path).name, l.class_name, l.name): l for path, model in models.items() for l in model.layers}


def _run(root: Path, script: str) -> dict:
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        return runpy.run_path(str(root / script))
    finally:
        sys.path[:] = saved
        for name in ("blocks", "net"):
            sys.modules.pop(name, None)


def test_the_routine_of_a_model_in_another_module_overrides_a_blocks_own_init(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "net.py": NET, "train.py": "from net import Net\n\nmodel = Net()\n"})
    layer = _rows(root)[("blocks.py", "Block", "fc")]
    assert layer.init == "explicit" and "std=0.02" in layer.init_call.text and "Net" in layer.init_evidence, layer.init_evidence
    torch.manual_seed(0)
    assert abs(_run(root, "train.py")["model"].block.fc.weight.std().item() - 0.02) < 0.003


def test_a_block_also_built_on_its_own_is_unknown(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    script = "from blocks import Block\nfrom net import Net\n\nmodel = Net()\nprobe = Block()\n"
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "net.py": NET, "train.py": script})
    layer = _rows(root)[("blocks.py", "Block", "fc")]
    assert layer.init == "unknown", layer.init_evidence
    torch.manual_seed(0)
    ran = _run(root, "train.py")
    assert abs(ran["model"].block.fc.weight.std().item() - 0.02) < 0.003
    assert abs(ran["probe"].fc.weight.std().item() - KAIMING_STD) < 0.02, "built on its own: its own init"


ZERO_MODULE = """import torch.nn as nn
import torch.nn.functional as F


def zero_module(module):
    for p in module.parameters():
        p.detach().zero_()
    return module


class Block(nn.Module):
    def __init__(self, c=8):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1)
        self.conv2 = zero_module(nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))))
"""

HEAD_TOWERS = """import torch
import torch.nn as nn


class Head(nn.Module):
    def __init__(self, c=16):
        super().__init__()
        self.tower = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU())
        self.logits = nn.Conv2d(c, 4, 3, padding=1)
        for modules in [self.tower, self.logits]:
            for layer in modules.modules():
                if isinstance(layer, nn.Conv2d):
                    torch.nn.init.normal_(layer.weight, std=0.01)

    def forward(self, x):
        return self.logits(self.tower(x))
"""

UNIT = """import torch
import torch.nn as nn
import torch.nn.functional as F


class Unit(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x))
"""

NAMED_FILTER = UNIT + """

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = Unit(3, 16)
        self.body = Unit(16, 16)
        for name, m in self.named_modules():
            if isinstance(m, nn.Conv2d) and "stem" in name:
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return self.body(self.stem(x))
"""


def test_a_helper_zeroing_each_parameter_through_detach_is_the_layers_init() -> None:
    """guided-diffusion's `zero_module` zeroes `p.detach()`, which shares the storage: the conv's init is
    that zero. It was said to keep the default, with a ReLU fix that would have undone the zeros."""
    rows = {layer.name: layer for layer in analyze(ZERO_MODULE, "model.py").layers}
    assert rows["conv2"].init == "explicit" and "zero_module" in rows["conv2"].init_evidence, rows["conv2"].init_evidence
    assert rows["conv1"].init == "default"
    assert _built(ZERO_MODULE, "Block").conv2.weight.abs().max().item() == 0.0


def test_an_init_loop_over_a_list_of_the_models_own_modules_reaches_each() -> None:
    """`for modules in [self.tower, self.logits]: for layer in modules.modules(): ...` (RetinaNet-style heads):
    both convs draw N(0, 0.01). They were said to keep the default, with fixes the loop overwrites."""
    rows = {layer.name: layer for layer in analyze(HEAD_TOWERS, "model.py").layers}
    assert rows["tower.0"].init == rows["logits"].init == "explicit", (rows["tower.0"].init_evidence, rows["logits"].init_evidence)
    head = _built(HEAD_TOWERS, "Head")
    assert abs(head.tower[0].weight.std().item() - 0.01) < 0.002 and abs(head.logits.weight.std().item() - 0.01) < 0.003


def test_an_init_loop_branch_that_also_tests_the_name_does_not_cover_every_layer_of_the_type() -> None:
    """`isinstance(m, nn.Conv2d) and "stem" in name`: torch redraws the stem's conv only; Unit's one row speaks
    for both, so its init is unknown. It was said explicit for both (the body's default hidden)."""
    rows = {layer.name: layer for layer in analyze(NAMED_FILTER, "model.py").layers}
    assert rows["conv"].init == "unknown" and '"stem" in name' in rows["conv"].init_evidence, rows["conv"].init_evidence
    net = _built(NAMED_FILTER, "Net")
    assert abs(net.body.conv.weight.std().item() - 1 / math.sqrt(3 * 16 * 9)) < 0.2 / math.sqrt(3 * 16 * 9)
    assert abs(net.stem.conv.weight.std().item() - math.sqrt(2 / (3 * 9))) < 0.2 * math.sqrt(2 / (3 * 9))


SUBCLASS_REDRAWN = UNIT + """

class SubUnit(Unit):
    pass


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = SubUnit(3, 16)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return self.stem(x)
"""


def test_no_fix_on_a_line_whose_other_class_draws_the_weight_again(tmp_path: Path) -> None:
    """Unit's line builds SubUnit's conv too, which Net's loop redraws: Unit's own row keeps the default (a
    finding), but an init inserted on that line would be overwritten in every SubUnit, the only Unit
    the program builds. It was inserted; now the finding stays and the fix says why it is not made."""
    from click.testing import CliRunner

    from initlint import cli

    (tmp_path / "model.py").write_text(SUBCLASS_REDRAWN, encoding="utf-8")
    args = ["check", "--no-cache", "--isolated", "--select", "ALL", "--diff", "--exit-zero", str(tmp_path)]
    assert "self.conv.weight" not in CliRunner().invoke(cli.main, args, catch_exceptions=False).output
    rows = {(layer.class_name, layer.name): layer for layer in analyze(SUBCLASS_REDRAWN, "model.py").layers}
    assert rows[("SubUnit", "conv")].init == "explicit" and rows[("Unit", "conv")].init == "default"
    net = _built(SUBCLASS_REDRAWN, "Net")
    assert abs(net.stem.conv.weight.std().item() - math.sqrt(2 / (3 * 9))) < 0.15 * math.sqrt(2 / (3 * 9))  # fan_in
