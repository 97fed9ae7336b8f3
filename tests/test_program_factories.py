"""A factory function of the program (`def build_generator(): return Generator()`) is followed to
the class it returns: a script's `g = build_generator(); g.apply(init)` re-initialises that class,
not every layer the script's imports reach. Each claim is checked against torch running the script."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program

from test_program import write_tree

MODELS = """import torch.nn as nn


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.act = nn.LeakyReLU(0.2)
        self.fc2 = nn.Linear(64, 16)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(64, 1)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def weights_init(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0.0, 0.02)


def build_generator():
    return Generator()
"""

TRAIN = """from models import Critic, build_generator, weights_init

generator = build_generator()
generator.apply(weights_init)
critic = Critic()
"""


def _rows(root: Path) -> dict:
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    return {(l.class_name, l.name): l for l in models[str(root / "models.py")].layers}


def _run(root: Path, script: str) -> dict:
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        return runpy.run_path(str(root / script))
    finally:
        sys.path[:] = saved
        sys.modules.pop("models", None)


def test_an_init_applied_to_what_a_factory_returns_reaches_that_class_only(tmp_path: Path) -> None:
    """Before, the factory was not followed: the routine was taken to reach every Linear of the
    imported modules, so Critic.fc1 (default init, then ReLU: a real finding) was `unknown`."""
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"models.py": MODELS, "train.py": TRAIN})
    rows = _rows(root)
    generator, critic = rows[("Generator", "fc1")], rows[("Critic", "fc1")]
    assert generator.init == "explicit" and "weights_init" in generator.init_evidence, generator.init_evidence
    assert critic.init == "default", critic.init_evidence
    results = list(api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False)))
    found = {(f.code, f.layer) for r in results for f in r.findings}
    assert ("IL101", "fc1") in found and all(layer != "fc1" or code == "IL101" for code, layer in found), found
    torch.manual_seed(0)
    ran = _run(root, "train.py")
    assert abs(ran["generator"].fc1.weight.std().item() - 0.02) < 0.003, "the routine rewrote the generator"
    bound = 1 / 16**0.5  # torch's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert ran["critic"].fc1.weight.abs().max().item() <= bound and ran["critic"].fc1.weight.std().item() > 0.1


def test_a_factory_called_with_and_without_the_init_is_judged_at_each_call(tmp_path: Path) -> None:
    """One script applies the routine to what the factory builds, another does not: the class is
    built both ways, so where it is built its init is unknown, and each call is judged apart."""
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"models.py": MODELS, "train.py": TRAIN,
                                 "sample.py": "from models import build_generator\n\ngenerator = build_generator()\n"})  # fmt: skip
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    rows = {(Path(path).name, l.class_name, l.name): l for path, model in models.items() for l in model.layers}
    assert rows[("models.py", "Generator", "fc2")].init == "unknown"
    assert "1 of the 2" in rows[("models.py", "Generator", "fc2")].init_evidence
    at_train = next(l for (name, _, layer), l in rows.items() if name == "train.py" and layer.endswith(".fc1"))
    at_sample = next(l for (name, _, layer), l in rows.items() if name == "sample.py" and layer.endswith(".fc1"))
    assert (at_train.init, at_sample.init) == ("explicit", "default")
    assert [str(root / "models.py"), 28] in at_train.related, "the routine's own line, in its own file"
    torch.manual_seed(0)
    sampled = _run(root, "sample.py")["generator"].fc1.weight
    assert sampled.abs().max().item() <= 1 / 16**0.5 and sampled.std().item() > 0.1, "sample.py keeps the default"


def test_a_factory_its_own_module_calls_is_not_taken_for_every_construction(tmp_path: Path) -> None:
    """models.py also calls build_generator() itself, with nothing applied: that call is not one
    the links list, so the apply in train.py reaches the class in some ways only."""
    own = MODELS + "\n\ndefault_generator = build_generator()\n"
    generator = _rows(write_tree(tmp_path, {"models.py": own, "train.py": TRAIN}))[("Generator", "fc1")]
    assert generator.init == "unknown", generator.init_evidence


def test_to_empty_on_what_a_factory_returns_leaves_its_init_unknown(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    script = "from models import build_generator\n\ngenerator = build_generator()\ngenerator.to_empty(device='cpu')\n"
    root = write_tree(tmp_path, {"models.py": MODELS, "train.py": script})
    rows = _rows(root)
    assert rows[("Generator", "fc1")].init == "unknown", rows[("Generator", "fc1")].init_evidence
    assert rows[("Critic", "fc1")].init == "default", "to_empty() reaches only what the factory builds"
    assert isinstance(_run(root, "train.py")["generator"].fc1.weight, torch.Tensor)


def test_a_class_module_code_hands_to_another_modules_function_is_no_crash(tmp_path: Path) -> None:
    """`model = build(Net)` in module code, `build` in another module (cleanrl's `Model=QNetwork`):
    the analysis crashed with an internal error on every such file."""
    net = MODELS.replace("def build_generator():", "def build(cls):\n    return cls()\n\n\ndef build_generator():")
    root = write_tree(tmp_path, {"models.py": net, "train.py": "from models import Critic, build\n\nmodel = build(Critic)\n"})
    results = list(api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False)))
    assert not [r.error for r in results if r.error is not None]
    script = write_tree(tmp_path / "two", {"helpers.py": "def build(cls):\n    return cls()\n", "a.py": MODELS + "\n\nmodel = build(Critic)\n"})
    (script / "a.py").write_text((script / "a.py").read_text().replace("import torch.nn as nn", "import torch.nn as nn\nfrom helpers import build"))
    results = list(api.check(api.Run(paths=[str(script)], isolated=True, use_cache=False)))
    assert not [r.error for r in results if r.error is not None], [r.error.message for r in results if r.error]


PASSING = """import torch.nn as nn


class Net(nn.Module):
    def __init__(self, act_layer=nn.ReLU):
        super().__init__()
        self.fc1 = nn.Linear(8, 8)
        self.act = act_layer()
        self.fc2 = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def build(act_layer=nn.ReLU):
    return Net(act_layer=act_layer)
"""


@pytest.mark.parametrize("call, expected", [("build(nn.Tanh)", "tanh"), ("build(act_layer=nn.Tanh)", "tanh"),
                                            ("build()", "relu")])  # fmt: skip
def test_what_a_call_passes_a_factory_reaches_the_class_it_returns(tmp_path: Path, call: str, expected: str) -> None:
    """`model = build(nn.Tanh)` where `build(act_layer)` returns `Net(act_layer=act_layer)`: Net's
    fc1 meets Tanh. Before, the factory's call was no construction of Net, and the default's ReLU
    was claimed (with a fix for the wrong gain)."""
    pytest.importorskip("torch")
    root = write_tree(tmp_path, {"models.py": PASSING, "train.py": f"import torch.nn as nn\nfrom models import build\n\nmodel = {call}\n"})
    fc1 = _rows(root)[("Net", "fc1")]
    assert fc1.activation == expected, fc1.activation_evidence
    act = type(_run(root, "train.py")["model"].act).__name__.lower()
    assert act == expected
