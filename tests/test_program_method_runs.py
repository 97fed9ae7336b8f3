"""A script that builds a model of another module and runs one of its methods on it
(`model = Net(); model.init_weights()`) runs that method's init routines: they are the last to
run, so they decide the effective init. Before, only a script in the class's own file was read;
from another file the layers stayed `unknown`. Each claim is checked against torch running the script."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program

from test_program import write_tree

BLOCKS = """import torch.nn as nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return self.fc(x).relu()
"""

MODELS = """import torch.nn as nn

from blocks import Block


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.block = Block(64)
        self.head = nn.Linear(64, 10)

    def init_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, x):
        return self.head(self.block(self.fc1(x).relu()))


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.fc2 = nn.Linear(64, 10)

    def reset(self):
        nn.init.kaiming_normal_(self.fc1.weight, nonlinearity="relu")

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())
"""

TRAIN = """from models import Net, Small

model = Net()
model.init_weights()
small = Small()
small.reset()
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
        for name in ("models", "blocks"):
            sys.modules.pop(name, None)


def test_a_method_a_script_runs_on_an_imported_model_decides_its_init(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "models.py": MODELS, "train.py": TRAIN})
    rows = _rows(root)
    for key in [("models.py", "Net", "fc1"), ("models.py", "Net", "head"), ("blocks.py", "Block", "fc")]:
        layer = rows[key]
        assert layer.init == "explicit" and "Net.init_weights" in layer.init_evidence, (key, layer.init_evidence)
        assert "train.py" in layer.init_evidence and layer.init_call is not None and "normal_" in layer.init_call.text
    small = rows[("models.py", "Small", "fc1")]
    assert small.init == "explicit" and "kaiming_normal_" in small.init_call.text, small.init_evidence
    # the method names fc1 only: fc2 keeps torch's default, which nothing here changes
    assert rows[("models.py", "Small", "fc2")].init == "default"
    results = list(api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False)))
    found = {(Path(r.path).name, f.code, f.layer) for r in results for f in r.findings}
    assert not any(layer in ("fc1", "fc", "block.fc") for _, _, layer in found), found
    torch.manual_seed(0)
    ran = _run(root, "train.py")
    for weight in (ran["model"].fc1.weight, ran["model"].block.fc.weight, ran["model"].head.weight):
        assert abs(weight.std().item() - 0.02) < 0.004, "init_weights() re-drew every Linear"
    assert abs(ran["small"].fc1.weight.std().item() - (2 / 16) ** 0.5) < 0.05, "reset() drew fc1 for ReLU"
    assert ran["small"].fc2.weight.abs().max().item() <= 1 / 64**0.5, "fc2 keeps the default draw"


def test_a_method_run_by_one_script_only_leaves_the_init_unknown(tmp_path: Path) -> None:
    """sample.py builds Net without running init_weights(): the program builds it both ways."""
    torch = pytest.importorskip("torch")
    sample = "from models import Net\n\nmodel = Net()\n"
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "models.py": MODELS, "train.py": TRAIN, "sample.py": sample})
    rows = _rows(root)
    assert rows[("models.py", "Net", "fc1")].init == "unknown", rows[("models.py", "Net", "fc1")].init_evidence
    assert rows[("blocks.py", "Block", "fc")].init == "unknown", rows[("blocks.py", "Block", "fc")].init_evidence
    torch.manual_seed(0)
    assert _run(root, "sample.py")["model"].fc1.weight.abs().max().item() <= 1 / 4, "sample.py keeps the default"


@pytest.mark.parametrize("script", [
    "from models import Net\n\nmodel = Net()\nif False:\n    model.init_weights()\n",
    "from models import Net\n\nmodel = Net()\nmodel = Net()\n",
    "from models import Net\n\nmodel = Net()\nother = Net()\nother.init_weights()\n",
    "from models import Net\n\n\ndef main():\n    model = Net()\n    return model\n    model.init_weights()\n",
])  # fmt: skip
def test_a_method_not_run_on_every_model_built_is_no_init(tmp_path: Path, script: str) -> None:
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "models.py": MODELS, "train.py": script})
    rows = _rows(root)
    assert rows[("models.py", "Net", "fc1")].init == "unknown", rows[("models.py", "Net", "fc1")].init_evidence
    assert rows[("blocks.py", "Block", "fc")].init != "explicit", rows[("blocks.py", "Block", "fc")].init_evidence


def test_an_apply_after_the_method_is_the_effective_init(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    script = (
        "import torch.nn as nn\n\nfrom models import Net\n\n\ndef xavier(m):\n    if isinstance(m, nn.Linear):\n"
        "        nn.init.xavier_uniform_(m.weight)\n\n\nmodel = Net()\nmodel.init_weights()\nmodel.apply(xavier)\n"
    )
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "models.py": MODELS, "train.py": script})
    layer = _rows(root)[("models.py", "Net", "fc1")]
    assert layer.init == "explicit" and "xavier_uniform_" in layer.init_call.text, layer.init_evidence
    torch.manual_seed(0)
    weight = _run(root, "train.py")["model"].fc1.weight
    assert abs(weight.std().item() - (2 / (16 + 64)) ** 0.5) < 0.01, "xavier ran last"


def _small_with_reset(body: str) -> str:
    head, _, tail = MODELS.partition("    def reset(self):\n")
    return head + "    def reset(self):\n" + body + tail[tail.index("\n    def forward"):]


def test_an_init_under_no_grad_in_the_method_always_runs(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    models = "import torch\n" + _small_with_reset(
        "        with torch.no_grad():\n            nn.init.kaiming_normal_(self.fc1.weight, nonlinearity=\"relu\")\n")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "models.py": models, "train.py": TRAIN})
    small = _rows(root)[("models.py", "Small", "fc1")]
    assert small.init == "explicit" and "kaiming_normal_" in small.init_call.text, small.init_evidence
    torch.manual_seed(0)
    assert abs(_run(root, "train.py")["small"].fc1.weight.std().item() - (2 / 16) ** 0.5) < 0.05


def test_an_init_after_an_early_return_in_the_method_may_not_run(tmp_path: Path) -> None:
    # `if self.loaded: return` first: the init runs on some calls only, which the analysis cannot tell
    torch = pytest.importorskip("torch")
    models = _small_with_reset(
        "        if getattr(self, \"loaded\", False):\n            return\n"
        "        nn.init.kaiming_normal_(self.fc1.weight, nonlinearity=\"relu\")\n")
    script = TRAIN.replace("small = Small()\n", "small = Small()\nsmall.loaded = True\n")
    root = write_tree(tmp_path, {"blocks.py": BLOCKS, "models.py": models, "train.py": script})
    small = _rows(root)[("models.py", "Small", "fc1")]
    assert small.init == "unknown", small.init_evidence
    torch.manual_seed(0)
    assert _run(root, "train.py")["small"].fc1.weight.abs().max().item() <= 1 / 4, "the return skipped the init"
