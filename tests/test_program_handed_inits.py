"""stable-baselines3's idiom: a policy takes its feature extractor's class as a parameter default
(`features_extractor_class=NatureCNN`), passes it up to a base class that builds it, and then
re-initialises modules a loop picks (`for module, gain in module_gains.items():
module.apply(partial(self.init_weights, gain=gain))`). Before, the extractor's layers were claimed
on torch's default init (a wrong IL101: torch shows orthogonal weights), and so were the layers
of the blocks the loop reaches. Checked against torch building the policy."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program

from test_program import write_tree

LAYERS = """import torch.nn as nn


class NatureCNN(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(channels, 8, 3), nn.ReLU(), nn.Flatten())

    def forward(self, x):
        return self.cnn(x)


class Flatten(nn.Module):
    def forward(self, x):
        return x.flatten(1)


class MlpExtractor(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.policy_net = nn.Sequential(nn.Linear(width, 16), nn.ReLU())

    def forward(self, x):
        return self.policy_net(x)
"""

POLICIES = """from functools import partial

import torch.nn as nn

from layers import Flatten, MlpExtractor, NatureCNN


class BasePolicy(nn.Module):
    def __init__(self, channels, features_extractor_class=Flatten):
        super().__init__()
        self.features_extractor_class = features_extractor_class
        self.channels = channels

    def make_features_extractor(self):
        return self.features_extractor_class(self.channels)

    @staticmethod
    def init_weights(module, gain=1.0):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.orthogonal_(module.weight, gain=gain)


class ActorCriticPolicy(BasePolicy):
    def __init__(self, channels, features_extractor_class=Flatten, ortho_init=True):
        super().__init__(channels, features_extractor_class)
        self.ortho_init = ortho_init
        self.features_extractor = self.make_features_extractor()
        self._build()

    def _build(self):
        self.mlp_extractor = MlpExtractor(8 * 6 * 6)
        self.value_net = nn.Linear(16, 1)
        if self.ortho_init:
            module_gains = {self.features_extractor: 2**0.5, self.mlp_extractor: 2**0.5, self.value_net: 1}
            for module, gain in module_gains.items():
                module.apply(partial(self.init_weights, gain=gain))

    def forward(self, x):
        return self.value_net(self.mlp_extractor(self.features_extractor(x)))


class ActorCriticCnnPolicy(ActorCriticPolicy):
    def __init__(self, channels, features_extractor_class=NatureCNN, ortho_init=True):
        super().__init__(channels, features_extractor_class, ortho_init)
"""


def test_a_class_handed_on_to_code_that_reinitialises_it_is_not_claimed_default(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, {"layers.py": LAYERS, "policies.py": POLICIES})
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, errors, _ = analyze_program(sources)
    assert not errors
    rows = {(Path(path).name, l.class_name, l.name): l for path, model in models.items() for l in model.layers}
    for key in [("layers.py", "NatureCNN", "cnn.0"), ("layers.py", "MlpExtractor", "policy_net.0")]:
        assert rows[key].init == "unknown", (key, rows[key].init, rows[key].init_evidence)
    results = list(api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False)))
    assert not [f for r in results for f in r.findings if f.code.startswith("IL1")], "no default-init finding"
    sys.path.insert(0, str(root))
    try:
        import policies

        torch.manual_seed(0)
        policy = policies.ActorCriticCnnPolicy(3)
    finally:
        sys.path.remove(str(root))
        for name in ("policies", "layers"):
            sys.modules.pop(name, None)
    weight = policy.features_extractor.cnn[0].weight.flatten(1)  # (8, 27): orthogonal rows, times sqrt(2)
    gram = weight @ weight.T
    assert torch.allclose(gram, 2 * torch.eye(8), atol=1e-4), "the extractor's conv was re-drawn orthogonal"
    hidden = policy.mlp_extractor.policy_net[0].weight
    assert torch.allclose(hidden @ hidden.T, 2 * torch.eye(16), atol=1e-4)
