"""Where `--fix` puts an init call, proven with torch: every fixed file is built and each
fixed layer measured at its target std on every path (the arguments that pick the path are
given per case), loaded weights stay loaded, and no fix lands where it cannot take effect.

Issue 18 (fix safety on every path) and issue 16 (idempotent, never dead)."""

from __future__ import annotations

import math
import textwrap

import pytest

torch = pytest.importorskip("torch")

from test_fixer_torch import check_weight, import_fixed  # noqa: E402

from initlint import analysis, fixer  # noqa: E402
from initlint.fixer import FixOptions  # noqa: E402
from initlint.rules import run_rules, select_rules  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def fix_text(tmp_path, source: str, name: str = "model.py", unsafe: bool = True):
    """Fix `source` as `check --fix [--unsafe-fixes]` does; (result, findings, unfixable, path)."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    data = path.read_bytes()
    text = data.decode()
    file_model = analysis.analyze(text, str(path))
    findings = run_rules(file_model, select_rules())
    unfixable = fixer.attach_fixes(findings, file_model, None, text)
    result = fixer.fix_file(str(path), findings, data, unsafe=unsafe)
    assert result.error is None, result.error
    return result, findings, unfixable, path


def refix(path, unsafe: bool = True):
    """A second --fix: (result, findings)."""
    data = path.read_bytes()
    text = data.decode()
    file_model = analysis.analyze(text, str(path))
    findings = run_rules(file_model, select_rules())
    fixer.attach_fixes(findings, file_model, None, text)
    return fixer.fix_file(str(path), findings, data, unsafe=unsafe), findings


def default_std(weight) -> float:
    fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(weight)
    return 1.0 / math.sqrt(3.0 * fan_in)


def assert_default(name: str, weight) -> None:
    """Left alone: the default init's std (the fix did not touch it)."""
    got, expected = weight.detach().double().std().item(), default_std(weight)
    assert abs(got / expected - 1.0) < 0.15, f"{name}: std {got:.4f}, the default is {expected:.4f}"


# --------------------------------------------------------------------------------------
# A. After an init routine: before any weight load, and no early return in between

ROUTINE_THEN_LOAD = """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self, checkpoint=None):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            self.apply(self._init_weights)
            if checkpoint is not None:
                self.load_state_dict(checkpoint)

        def _init_weights(self, m):
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))
"""


def test_an_unsafe_fix_goes_before_a_checkpoint_load(tmp_path):
    result, _, _, path = fix_text(tmp_path, ROUTINE_THEN_LOAD)
    text = path.read_text()
    assert result.fixed and text.index("kaiming_uniform_(self.fc.weight") < text.index("self.load_state_dict")
    Net = import_fixed(path).Net
    check_weight("fc", Net().fc.weight, "relu", None, FixOptions())
    checkpoint = {k: torch.full_like(v, 0.125) for k, v in Net().state_dict().items()}
    loaded = Net(checkpoint)
    assert torch.equal(loaded.fc.weight, checkpoint["fc.weight"]), "the fix re-initialised loaded weights"


@pytest.mark.parametrize(
    "load",
    [
        "self.load_state_dict(torch.load(path))",
        "self.fc.weight.data.copy_(torch.load(path))",
        "self.fc.weight = nn.Parameter(torch.load(path))",
        "self.backbone = load_pretrained(self.backbone, path)",
    ],
)
def test_no_place_after_a_routine_that_runs_after_a_load(tmp_path, load):
    source = f"""\
    import torch
    import torch.nn as nn


    def load_pretrained(module, path):
        return module


    class Net(nn.Module):
        def __init__(self, path=None):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.backbone = nn.Identity()
            if path is not None:
                {load}
            self.apply(self._init_weights)

        def _init_weights(self, m):
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

        def forward(self, x):
            return torch.relu(self.fc(self.backbone(x)))
    """
    result, findings, unfixable, _ = fix_text(tmp_path, source)
    assert not result.changed
    (reason,) = [u.reason for u in unfixable]
    assert "loads weights at line 15" in reason, reason


ROUTINE_THEN_RETURN = """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self, small=False):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            self.apply(self._init_weights)
            if small:
                return
            self.extra = nn.Linear(10, 10)

        def _init_weights(self, m):
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))
"""


def test_an_unsafe_fix_goes_before_an_early_return(tmp_path):
    result, _, _, path = fix_text(tmp_path, ROUTINE_THEN_RETURN)
    assert result.fixed
    Net = import_fixed(path).Net
    for small in (False, True):
        check_weight(f"fc (small={small})", Net(small=small).fc.weight, "relu", None, FixOptions())


def test_no_place_when_a_return_comes_before_the_routine(tmp_path):
    source = textwrap.dedent(ROUTINE_THEN_RETURN).replace(
        "        self.apply(self._init_weights)\n        if small:\n            return\n",
        "        if small:\n            return\n        self.apply(self._init_weights)\n",
    )
    result, _, unfixable, _ = fix_text(tmp_path, source)
    assert not result.changed
    (reason,) = [u.reason for u in unfixable]
    assert "may return early at line 11" in reason, reason


def test_a_closing_bare_return_keeps_the_call_before_it(tmp_path):
    source = textwrap.dedent(ROUTINE_THEN_LOAD).replace(
        "        if checkpoint is not None:\n            self.load_state_dict(checkpoint)\n", "        return\n"
    )
    result, _, _, path = fix_text(tmp_path, source)
    assert result.fixed and "nonlinearity=\"relu\")\n        return\n" in path.read_text()
    check_weight("fc", import_fixed(path).Net().fc.weight, "relu", None, FixOptions())
