"""Where `--fix` puts an init call, proven with torch: every fixed file is built and each
fixed layer measured at its target std on every path (the arguments that pick the path are
given per case), loaded weights stay loaded, and no fix lands where it cannot take effect.

Issue 18 (fix safety on every path) and issue 16 (idempotent, never dead)."""

from __future__ import annotations

import math
from pathlib import Path
import textwrap

import pytest

torch = pytest.importorskip("torch")

from test_fixer_torch import check_weight, import_fixed  # noqa: E402

from initlint import fixer  # noqa: E402
from initlint.semantics.file import analyze  # noqa: E402
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
    file_model = analyze(text, str(path))
    findings = run_rules(file_model, select_rules())
    unfixable = fixer.attach_fixes(findings, file_model, None, text)
    result = fixer.fix_file(str(path), findings, data, unsafe=unsafe)
    assert result.error is None, result.error
    return result, findings, unfixable, path


def refix(path, unsafe: bool = True):
    """A second --fix: (result, findings)."""
    data = path.read_bytes()
    text = data.decode()
    file_model = analyze(text, str(path))
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
            elif hasattr(m, "reset_parameters"):
                m.reset_parameters()

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))
"""


def test_a_fix_in_the_routine_runs_before_a_checkpoint_load(tmp_path):
    """The routine touches every Linear (`reset_parameters()`): the init goes at its end, as a
    branch for this layer alone, so it runs where the routine runs, before the load."""
    result, _, _, path = fix_text(tmp_path, ROUTINE_THEN_LOAD)
    text = path.read_text()
    assert result.fixed and (
        "            m.reset_parameters()\n        if m is self.fc:\n"
        "            nn.init.kaiming_uniform_(m.weight, nonlinearity=\"relu\")\n"
    ) in text
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
            elif hasattr(m, "reset_parameters"):
                m.reset_parameters()

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
            elif hasattr(m, "reset_parameters"):
                m.reset_parameters()

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
    ).replace(  # a routine that may return early: no line appended to it is sure to run
        "    def _init_weights(self, m):\n", "    def _init_weights(self, m):\n        if m is self:\n            return\n"
    )
    result, _, _, path = fix_text(tmp_path, source)
    assert result.fixed and "nonlinearity=\"relu\")\n        return\n" in path.read_text()
    check_weight("fc", import_fixed(path).Net().fc.weight, "relu", None, FixOptions())


# --------------------------------------------------------------------------------------
# B. A layer bound on several paths: every live alternative fixed, or none


SEVERAL_PATHS = """\
    import torch
    import torch.nn as nn


    class Rebuilt(nn.Module):
        def __init__(self, width=8):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            if width < 4:
                return
            self.fc = nn.Linear(256, 256)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    class Wide(nn.Module):
        def __init__(self, width=8):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            if width > 4:
                self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    class Dead(nn.Module):
        def __init__(self, width=8):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            return
            self.fc = nn.Linear(256, 256)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))
"""


def test_every_live_alternative_is_fixed_on_every_path(tmp_path):
    result, findings, unfixable, path = fix_text(tmp_path, SEVERAL_PATHS, unsafe=False)
    assert sorted((f.class_name, f.line) for f in result.fixed) == [
        ("Dead", 33), ("Rebuilt", 8), ("Rebuilt", 12), ("Wide", 21), ("Wide", 23)]  # fmt: skip
    assert not unfixable and "never runs" not in path.read_text()
    dead_class = path.read_text().split("class Dead")[1]
    assert "        return\n        self.fc = nn.Linear(256, 256)\n\n    def forward" in dead_class, "the dead line got an init"
    module = import_fixed(path)
    for cls in (module.Rebuilt, module.Wide, module.Dead):
        for width in (2, 8):
            check_weight(f"{cls.__name__}(width={width}).fc", cls(width=width).fc.weight, "relu", None, FixOptions())
    again, findings_again = refix(path, unsafe=False)
    assert not again.changed and not [f for f in findings_again if f.code == "IL101"]


@pytest.mark.parametrize(
    "header, rebuild",
    [
        # a branch decided by the default (False here, True there): the other path is live too
        ("def __init__(self, wide=False):", "        if wide:\n            self.fc = nn.Linear(256, 256)\n"),
        ("def __init__(self, wide=True):", "        if wide:\n            self.fc = nn.Linear(256, 256)\n"),
        ("def __init__(self, small=False):", "        if small:\n            return\n        self.fc = nn.Linear(256, 256)\n"),
    ],
)
def test_no_fix_when_an_alternative_cannot_be_fixed(tmp_path, header, rebuild):
    source = (
        "import torch\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n    " + header + "\n"
        "        super().__init__()\n        self.fc = nn.Linear(256, 256)\n        self.out = nn.Linear(256, 10)\n"
        + rebuild + "\n    def forward(self, x):\n        return self.out(torch.relu(self.fc(x)))\n"
    )
    result, findings, unfixable, path = fix_text(tmp_path, source)
    assert not result.changed
    assert [f.code for f in findings] == ["IL101"], "the finding stays"
    (reason,) = [u.reason for u in unfixable]
    assert "`self.fc` is also bound at line" in reason and "every alternative must be fixed, or none" in reason


# --------------------------------------------------------------------------------------
# C. Names as the whole module binds them


NAME_CASES = {
    # `init` is rebound by a later def: the fix spells nn.init
    "init_def": (
        "import torch\nimport torch.nn as nn\nfrom torch.nn import init\n",
        "nn.Linear",
        "\n\ndef init(model):\n    return model\n",
        "nn.init.kaiming_uniform_(",
    ),
    # `nn = None` later in the module: the fix spells torch.nn.init
    "nn_none": (
        "import torch\nimport torch.nn as nn\nfrom torch.nn import Linear\n",
        "Linear",
        "\n\nnn = None\n",
        "torch.nn.init.kaiming_uniform_(",
    ),
    # both rebound and no `import torch`: it is added and spelled out
    "both_rebound": (
        "from torch.nn import Linear, Module, init\n",
        "Linear",
        "\n\ninit = None\n",
        "torch.nn.init.kaiming_uniform_(",
    ),
    # torch optional: the guarded name, provably bound where the layer was just built with it
    "guarded": (
        "try:\n    import torch\n    import torch.nn as nn\nexcept ImportError:\n    nn = None\n",
        "nn.Linear",
        "",
        "nn.init.kaiming_uniform_(",
    ),
}


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_the_fix_spells_init_with_a_name_the_whole_module_leaves_alone(tmp_path, case):
    header, linear, footer, expected = NAME_CASES[case]
    base = "Module" if header.startswith("from torch.nn import Linear, Module") else "nn.Module"
    source = (
        f"{header}\n\nclass Net({base}):\n    def __init__(self):\n        super().__init__()\n"
        f"        self.fc = {linear}(256, 256)\n\n    def forward(self, x):\n        return self.fc(x).relu()\n"
        f"\n\nMODEL = Net()\n{footer}"
    )
    result, _, _, path = fix_text(tmp_path, source)
    assert result.fixed, path.read_text()
    inserted = [line.strip() for line in path.read_text().splitlines() if "kaiming_uniform_" in line]
    assert inserted and inserted[0].startswith(expected), inserted
    check_weight("fc", import_fixed(path).MODEL.fc.weight, "relu", None, FixOptions())


def test_no_new_import_of_an_optional_torch(tmp_path):
    source = (
        "try:\n    from torch.nn import Linear, Module\nexcept ImportError:\n    Linear = Module = object\n\n\n"
        "class Net(Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = Linear(256, 256)\n\n"
        "    def forward(self, x):\n        return self.fc(x).relu()\n"
    )
    result, _, unfixable, path = fix_text(tmp_path, source)
    assert not result.changed and "import torch" not in path.read_text()
    (reason,) = [u.reason for u in unfixable]
    assert "try: ... except ImportError" in reason and "hard dependency" in reason


# --------------------------------------------------------------------------------------
# D. Messages show Python only; what cannot be written gets no fix, and says why

UNWRITABLE = """\
    import torch
    import torch.nn as nn
    from collections import OrderedDict


    class OneLiner(nn.Module):
        def __init__(self, width=8):
            super().__init__()
            if width > 4: self.fc = nn.Linear(64, 64)
            else: self.fc = nn.Linear(64, 64)
            self.out = nn.Linear(64, 10)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    class Keys(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(OrderedDict([
                ("fc-a", nn.Linear(64, 64)),
                ("act", nn.ReLU()),
                ("class", nn.Linear(64, 64)),
                ("act2", nn.ReLU()),
                ("out", nn.Linear(64, 10)),
            ]))

        def forward(self, x):
            return self.net(x)
"""


def test_unwritable_places_get_no_fix_and_a_reason_and_messages_are_python(tmp_path):
    result, findings, unfixable, path = fix_text(tmp_path, UNWRITABLE)
    assert result.error is None and not result.changed
    reasons = {u.finding.line: u.reason for u in unfixable}
    assert sorted(reasons) == [9, 10, 21, 23], reasons
    assert "one-line compound statement" in reasons[9] and "one-line compound statement" in reasons[10]
    assert "'fc-a'" in reasons[21] and "'class'" in reasons[23] and "cannot follow a dot" in reasons[23]
    for finding in findings:
        code = finding.message.rsplit("; use ", 1)[1]
        ast_ok = compile(code, "<message>", "exec", 0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
        assert ast_ok.body, code


# --------------------------------------------------------------------------------------
# E. Idempotent on a block used twice; never a dead fix

DOWN = """\
    import torch.nn as nn

    class Down(nn.Module):
        def __init__(self, i, o, normalize=True):
            super(Down, self).__init__()
            layers = [nn.Conv2d(i, o, 4, 2, 1, bias=False)]
            if normalize:
                layers.append(nn.InstanceNorm2d(o))
            layers.append(nn.LeakyReLU(0.2))
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)

    class Gen(nn.Module):
        def __init__(self):
            super(Gen, self).__init__()
            self.down1 = Down(3, 8, normalize=False)
            self.down2 = Down(8, 16)

        def forward(self, x):
            return self.down2(self.down1(x))
"""


def test_a_block_used_twice_with_different_branches_is_fixed_once(tmp_path):
    result, _, _, path = fix_text(tmp_path, DOWN.replace("(i, o, 4", "(i, o * 8, 4").replace("(o)", "(o * 8)").replace("Down(8, 16)", "Down(64, 16)"), unsafe=False)
    assert len(result.fixed) == 1
    once = path.read_bytes()
    again, findings = refix(path, unsafe=False)
    assert not again.changed and path.read_bytes() == once and not findings
    gen = import_fixed(path).Gen()
    for block in (gen.down1, gen.down2):
        check_weight("model.0", block.model[0].weight, "leaky_relu", 0.2, FixOptions())


REINIT_LATER = """\
    import torch
    import torch.nn as nn
    from reinit_elsewhere import reset_all


    def initialize_weights(model):
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)


    def init_all(model):
        for m in model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()


    class FreeFunction(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            initialize_weights(self)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    class ResetAll(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            init_all(self)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    class Applied(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            self.apply(init_all)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    class Imported(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)
            reset_all(self)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))
"""


def test_a_fix_goes_after_whatever_reinitialises_the_layer_later(tmp_path, monkeypatch):
    (tmp_path / "reinit_elsewhere.py").write_text(
        "def reset_all(model):\n    for m in model.modules():\n        if hasattr(m, 'reset_parameters'):\n"
        "            m.reset_parameters()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result, findings, _, path = fix_text(tmp_path, REINIT_LATER)
    # initialize_weights(self) is the effective init of FreeFunction.fc: no finding there
    assert sorted(f.class_name for f in findings) == ["Applied", "Imported", "ResetAll"]
    assert {f.fix.applicability for f in result.fixed} == {"unsafe"} and len(result.fixed) == 3
    module = import_fixed(path)
    for name in ("ResetAll", "Applied", "Imported"):
        check_weight(f"{name}.fc", getattr(module, name)().fc.weight, "relu", None, FixOptions())
    assert abs(module.FreeFunction().fc.weight.std().item() / 0.01 - 1) < 0.05
    again, _ = refix(path)
    assert not again.changed


META = """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(256, 256)
            self.out = nn.Linear(256, 10)

        def forward(self, x):
            return self.out(torch.relu(self.fc(x)))


    def build():
        with torch.device("meta"):
            model = Net()
        model.to_empty(device="cpu")
        for m in model.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
        return model
"""


def test_no_dead_fix_under_meta_device_construction(tmp_path):
    """No routine to hold the init: the fix right after the layer is unsafe and says why; the
    safe run leaves the file alone, and what runs is the default (reset_parameters())."""
    result, findings, unfixable, path = fix_text(tmp_path, META, unsafe=False)
    assert not result.changed and [f.code for f in findings] == ["IL101"] and not unfixable
    (fix,) = [f.fix for f in findings]
    assert fix.applicability == "unsafe" and "meta device" in fix.message and "line 16" in fix.message
    assert "define `reset_parameters`" in fix.message
    assert_default("fc", import_fixed(path).build().fc.weight)


def test_under_meta_device_construction_the_fix_goes_in_reset_parameters(tmp_path):
    """A class with its own reset_parameters: the init goes at its end (unsafe: whether it takes
    effect depends on the materialising code running it after each layer's own reset, as this
    one does: children first)."""
    source = textwrap.dedent(META).replace(
        "    def forward(self, x):\n",
        "    def reset_parameters(self):\n        nn.init.zeros_(self.out.bias)\n\n    def forward(self, x):\n",
    ).replace(
        "    for m in model.modules():\n        if hasattr(m, \"reset_parameters\"):\n            m.reset_parameters()\n",
        "    for m in reversed(list(model.modules())):  # each layer before the model that holds it\n"
        "        if hasattr(m, \"reset_parameters\"):\n            m.reset_parameters()\n",
    )
    result, findings, _, path = fix_text(tmp_path, source)
    (fix,) = [f.fix for f in findings]
    assert fix.applicability == "unsafe" and "in `reset_parameters`" in fix.message
    assert '        nn.init.zeros_(self.out.bias)\n        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n' in path.read_text()
    check_weight("fc", import_fixed(path).build().fc.weight, "relu", None, FixOptions())
    again, _ = refix(path)
    assert not again.changed


@pytest.mark.parametrize("call", ["layer_init(self.fc)", "xavier_init(self.fc, gain=1.0)", "normal_init(self.fc, std=0.01)"])
def test_no_fix_before_a_function_that_initialises_the_layer(tmp_path, call):
    source = (
        "import torch\nimport torch.nn as nn\nfrom helpers import layer_init, normal_init, xavier_init\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        f"        self.fc = nn.Linear(256, 256)\n        {call}\n\n"
        "    def forward(self, x):\n        return torch.relu(self.fc(x))\n"
    )
    result, findings, unfixable, _ = fix_text(tmp_path, source)
    assert not result.changed and [f.code for f in findings] == ["IL101"]
    (reason,) = [u.reason for u in unfixable]
    assert "at line 10, which initialises it elsewhere" in reason, reason


# --------------------------------------------------------------------------------------
# F. Reach: a loop after a ModuleList comprehension


def test_a_module_list_comprehension_gets_a_loop_that_reaches_every_element(tmp_path):
    source = """\
    import torch.nn as nn
    import torch.nn.functional as F


    class Tower(nn.Module):
        def __init__(self, d=256, n=3):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(d, d) for _ in range(n)])
            self.head = nn.Linear(d, 1)

        def forward(self, x):
            for layer in self.layers:
                x = F.relu(layer(x))
            return self.head(x)
    """
    result, _, _, path = fix_text(tmp_path, source, unsafe=False)
    assert len(result.fixed) == 1 and "for layer_ in self.layers:" in path.read_text()
    tower = import_fixed(path).Tower()
    for index, layer in enumerate(tower.layers):
        check_weight(f"layers.{index}", layer.weight, "relu", None, FixOptions())
    assert_default("head", tower.head.weight)
    again, findings = refix(path, unsafe=False)
    assert not again.changed and not findings


# --------------------------------------------------------------------------------------
# F. Reach: an init routine that provably leaves the layer alone

ROUTINE_ELSEWHERE = """\
    import torch.nn as nn
    import torch.nn.functional as F


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.fc = nn.Linear(256, 256)
            self.head = nn.Linear(256, 1)
            self.apply(self._init_weights)

        def _init_weights(self, m):
            if isinstance(m, TYPES):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)

        def forward(self, x):
            x = F.relu(self.conv(x)).mean((2, 3)).repeat(1, 32)
            return self.head(F.relu(self.fc(x)))
"""


@pytest.mark.parametrize(
    "types, applicability, line",
    [
        ("nn.Conv2d", "safe", 9),  # the routine provably leaves Linear alone: right after the layer
        ("(nn.Conv2d, nn.Linear)", None, 0),  # it touches Linear: explicit, no finding
        ("(nn.Conv2d, nn.Embedding)", "safe", 9),
        ("nn.modules.conv._ConvNd", "safe", 17),  # a base class: not proven; a branch for this layer ends the routine
    ],
)
def test_a_routine_that_provably_leaves_the_layer_alone_keeps_the_fix_by_the_layer(tmp_path, types, applicability, line):
    result, findings, _, path = fix_text(tmp_path, ROUTINE_ELSEWHERE.replace("TYPES", types))
    fixes = [f.fix for f in findings if f.fix]
    if applicability is None:
        assert not fixes and not result.changed
        return
    (fix,) = fixes
    assert fix.applicability == applicability and fix.edits[-1].line == line + 1
    check_weight("fc", import_fixed(path).Net().fc.weight, "relu", None, FixOptions())


PARENT_ROUTINE = """\
    import torch
    import torch.nn as nn


    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(256, 256)

        def forward(self, x):
            return torch.relu(self.fc(x))


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Linear(256, 1)
            self.apply(self._init)

        def _init(self, m):
            BODY

        def forward(self, x):
            return self.head(self.block(x))
"""


def test_no_dead_fix_under_a_parents_routine(tmp_path):
    resets = "if hasattr(m, 'reset_parameters'):\n                m.reset_parameters()"
    result, findings, unfixable, path = fix_text(tmp_path, PARENT_ROUTINE.replace("BODY", resets))
    assert not result.changed and [f.code for f in findings] == ["IL101"]
    (reason,) = [u.reason for u in unfixable]
    assert "Net builds Block and runs an init routine (_init)" in reason
    assert_default("block.fc", import_fixed(path).Net().block.fc.weight)  # what runs: the default

    convs_only = "if isinstance(m, nn.Conv2d):\n                nn.init.zeros_(m.weight)"
    result, _, _, path = fix_text(tmp_path, PARENT_ROUTINE.replace("BODY", convs_only), name="convs.py", unsafe=False)
    assert len(result.fixed) == 1
    module = import_fixed(path)
    check_weight("block.fc", module.Net().block.fc.weight, "relu", None, FixOptions())
    check_weight("fc", module.Block().fc.weight, "relu", None, FixOptions())


PRETRAINED = """\
    import torch
    import torch.nn as nn
    from BASE_IMPORT


    class TinyPreTrained(BASE):
        def _init_weights(self, module):
            if isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)


    class Tiny(TinyPreTrained):
        def __init__(self, config=None):
            super().__init__(config)
            self.hidden = nn.Linear(64, 64)
            self.out = nn.Linear(64, 2)
            self.post_init()

        def forward(self, x):
            return self.out(torch.relu(self.hidden(x)))
"""


@pytest.mark.parametrize(
    "base_import, base, in_routine",
    [
        ("transformers import PreTrainedModel", "PreTrainedModel", True),
        ("transformers import PreTrainedModel as Base", "Base", True),
        ("transformers.modeling_utils import PreTrainedModel", "PreTrainedModel", True),
        ("mylib import PreTrainedModel", "PreTrainedModel", False),  # the name alone is not transformers'
    ],
)
def test_a_pretrained_model_is_known_by_its_resolved_base(tmp_path, base_import, base, in_routine):
    """transformers' PreTrainedModel (however it is imported) keeps its init in `_init_weights`,
    where a loaded model gets it: the fix goes there as a branch for the one layer. A class of
    another library with the same name is not: the fix never goes into its `_init_weights`."""
    source = PRETRAINED.replace("BASE_IMPORT", base_import).replace("(BASE)", f"({base})")
    result, findings, _, path = fix_text(tmp_path, source, unsafe=False)
    (fix,) = [f.fix for f in findings if f.fix]
    text = path.read_text()
    branch = '        if module is getattr(self, "hidden", None):\n            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")\n'
    assert (branch in text) == in_routine and (fix.applicability == "safe" or not in_routine)
    again, _ = refix(path, unsafe=False)
    assert not again.changed


def test_under_meta_device_construction_a_fix_no_routine_can_name_is_unsafe(tmp_path):
    """A layer appended in a loop (`layers[-1]`) of a file that builds on the meta device: no
    routine can name it, and an init beside it is discarded when the model is materialised, so
    the fix is unsafe and says why (it was a safe, dead fix)."""
    source = textwrap.dedent(META).replace(
        "        self.fc = nn.Linear(256, 256)\n",
        "        layers = []\n        for _ in range(2):\n            layers.append(nn.Linear(256, 256))\n"
        "            layers.append(nn.ReLU())\n        self.body = nn.Sequential(*layers)\n        self.fc = nn.Linear(256, 256)\n",
    ).replace("torch.relu(self.fc(x))", "torch.relu(self.fc(self.body(x)))")
    result, findings, _, _ = fix_text(tmp_path, source, unsafe=False)
    body = next(f for f in findings if f.layer == "body.*")
    assert not result.changed and body.fix is not None and body.fix.applicability == "unsafe"
    assert "meta device" in body.fix.message and "`layers[-1].weight`" in body.fix.message


MLP_BLOCK = """
class {name}(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.up = nn.Linear(d, d)
        self.act = nn.ReLU()
        self.down = nn.Linear(d, d)

    def forward(self, x):
        return self.down(self.act(self.up(x)))
"""
MINI_TRANSFORMERS = {
    "transformers/__init__.py": "",
    "transformers/modeling_utils.py": """import torch.nn as nn


class PreTrainedModel(nn.Module):
    def post_init(self):
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.normal_(module.weight, std=0.02)
""",
    "transformers/models/__init__.py": "",
    "transformers/models/llama/__init__.py": "",
    "transformers/models/llama/modeling_llama.py": "import torch.nn as nn\n\nfrom ...modeling_utils import PreTrainedModel\n"
    + MLP_BLOCK.format(name="LlamaMLP")
    + """

class LlamaPreTrainedModel(PreTrainedModel):
    pass


class LlamaModel(LlamaPreTrainedModel):
    def __init__(self, d=8):
        super().__init__()
        self.mlp = LlamaMLP(d)
        self.post_init()

    def forward(self, x):
        return self.mlp(x)
""",
    "transformers/models/doge/__init__.py": "",
    # a modular file: a template the converter turns into modeling_doge.py, where DogeModel's
    # __init__ (LlamaModel's, renamed) builds DogeMLP and then runs post_init()
    "transformers/models/doge/modular_doge.py": "import torch.nn as nn\n\n"
    "from ..llama.modeling_llama import LlamaModel, LlamaPreTrainedModel\n"
    + MLP_BLOCK.format(name="DogeMLP")
    + """

class DogePreTrainedModel(LlamaPreTrainedModel):
    pass


class DogeModel(LlamaModel):
    pass


class DogeAudioEncoder(DogePreTrainedModel):
    # a sub-model: the model that builds it (`_from_config`, not in sight) runs post_init()
    def __init__(self, d=8):
        super().__init__()
        self.conv = nn.Conv2d(1, d, 3)
        self.act = nn.ReLU()
        self.out = nn.Linear(d, d)

    def forward(self, x):
        return self.out(self.act(self.conv(x)).mean((2, 3)))
""",
}


def _check_tree(root, paths) -> dict:
    from initlint import api

    run = api.Run(paths=[str(root / p) for p in paths], fix=True, isolated=True, use_cache=False, jobs=1)
    return {Path(r.path).relative_to(root).as_posix(): r for r in api.check(run)}


def test_no_fix_in_a_block_that_transformers_builds_inside_its_pretrained_model(tmp_path):
    """The fix bench over transformers (bench/fix_libraries.py) found 18 such fixes, all in
    modular_*.py files, every one overwritten by `_init_weights` in the model built from the
    generated code (DogeAttention.dt_proj: std 0.02 instead of softplus's gain over sqrt(fan))."""
    from test_program import write_tree

    root = write_tree(tmp_path, MINI_TRANSFORMERS)
    results = _check_tree(root, ["transformers"])
    modular = results["transformers/models/doge/modular_doge.py"]
    assert not modular.fixed and not modular.findings, [f.message for f in modular.fixed + modular.findings]
    assert (root / "transformers/models/doge/modular_doge.py").read_text() == MINI_TRANSFORMERS["transformers/models/doge/modular_doge.py"]
    from initlint.program import analyze_program

    models, _, _ = analyze_program({str(p): p.read_text() for p in root.rglob("*.py")})
    up = next(l for l in models[str(root / "transformers/models/doge/modular_doge.py")].layers if l.name == "up")
    assert up.init == "unknown" and "post_init() of DogePreTrainedModel" in up.init_evidence

    # What the generated file runs: DogeModel builds DogeMLP, then post_init() re-draws it.
    import importlib
    import sys

    sys.path.insert(0, str(root))
    try:
        modeling_llama = importlib.import_module("transformers.models.llama.modeling_llama")
        block = MLP_BLOCK.format(name="DogeMLP").replace(
            "self.up = nn.Linear(d, d)", 'self.up = nn.Linear(d, d)\n        nn.init.kaiming_uniform_(self.up.weight, nonlinearity="relu")')
        namespace = {"nn": torch.nn}
        exec(block, namespace)
        modeling_llama.LlamaMLP = namespace["DogeMLP"]  # the generated DogeModel.__init__ builds it
        weight = modeling_llama.LlamaModel(64).mlp.up.weight
        assert abs(weight.std().item() - 0.02) < 0.002, "an init written in the block would be dead"
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "transformers" or m.startswith("transformers.")]:
            del sys.modules[name]


def test_a_project_block_of_a_pretrained_model_file_gets_no_fix_but_others_do(tmp_path):
    """The same in a project: transformers installed (not in the program), a block of the
    model file that no class of the program builds is built by the PreTrainedModel's users."""
    model = ("import torch.nn as nn\nfrom transformers import PreTrainedModel\n" + MLP_BLOCK.format(name="Block")
             + "\n\nclass Model(PreTrainedModel):\n    pass\n")  # fmt: skip
    plain = "import torch.nn as nn\n" + MLP_BLOCK.format(name="Block")
    from test_program import write_tree

    root = write_tree(tmp_path, {"proj/model.py": model, "other/plain.py": plain})
    results = _check_tree(root, ["proj", "other"])
    assert not results["proj/model.py"].fixed
    assert [f.layer for f in results["other/plain.py"].fixed] == ["up"], "a plain project's block keeps its fix"


LIST_IN_PARTS = """
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(4 * dim, dim)

    def forward(self, x):
        return x + self.fc2(self.act(self.fc1(x)))


class Net(nn.Module):
    def __init__(self, dims=(8, 16), depths=(1, 2)):
        super().__init__()
        stages = []
        for i, (dim, depth) in enumerate(zip(dims, depths)):
            layers = (
                ([nn.Linear(dims[i - 1], dim)] if i > 0 else [])
                + [Block(dim) for _ in range(depth)]
            )
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.init_weights()

    def init_weights(self):
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)

    def forward(self, x):
        return self.stages(x)
"""


def test_no_dead_fix_in_a_block_built_in_a_list_of_parts(tmp_path):
    """timm's csatv2 builds its stages as `[downsample] + [Block(...) for _ in ...]`; the fix
    bench found the fix in Block overwritten by the model's `apply(_init_weights)`."""
    result, findings, unfixable, path = fix_text(tmp_path, LIST_IN_PARTS, unsafe=False)
    assert not result.fixed, [f.message for f in result.fixed]
    assert not [f for f in findings if f.class_name == "Block"]
    net = import_fixed(path).Net()
    for name, param in net.named_parameters():
        if name.endswith("weight"):
            assert abs(param.std().item() - 0.02) < 0.004, name  # what runs: the model's routine


INSERTED_FIRST = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        extra = nn.ModuleList([
            nn.Sequential(nn.Conv2d(d, d, 1), nn.ReLU(), nn.Conv2d(d, d, 3, padding=1), nn.ReLU()),
        ])
        extra.insert(0, nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(d, d, 3, padding=1), nn.ReLU()))
        self.extra = extra

    def forward(self, x):
        for block in self.extra:
            x = block(x)
        return x
"""


def test_an_item_inserted_before_the_layers_moves_their_positions(tmp_path):
    """torchvision's SSD (`extra.insert(0, ...)` after the blocks were built): the fix named
    `self.extra[0][0]`, a MaxPool2d once the insert ran, and the fixed model did not build."""
    result, findings, unfixable, path = fix_text(tmp_path, INSERTED_FIRST, unsafe=False)
    net = import_fixed(path).Net()
    fixed = {f.layer for f in result.fixed}
    assert fixed == {"extra.0.1", "extra.1.0", "extra.1.2"}, fixed
    for name in fixed:
        check_weight(name, net.get_submodule(name).weight, "relu", None, FixOptions())


STARRED_SLICE = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, backbone, d=32):
        super().__init__()
        fc = nn.Sequential(nn.Conv2d(d, d, 3, padding=1), nn.ReLU())
        self.extra = nn.Sequential(*backbone[1:-1], fc)

    def forward(self, x):
        return self.extra(x)
"""


def test_a_starred_slice_leaves_the_positions_after_it_unknown(tmp_path):
    """torchvision's SSD: `nn.Sequential(*backbone[a:b], fc)` was read as two items and the fix
    named `self.extra[1][0]`; the slice holds any number of modules."""
    result, findings, unfixable, path = fix_text(tmp_path, STARRED_SLICE, unsafe=False)
    backbone = [torch.nn.Identity(), torch.nn.Conv2d(32, 32, 1), torch.nn.ReLU(), torch.nn.Identity()]
    net = import_fixed(path).Net(backbone)  # builds: no fix names a position that is not there
    assert not result.fixed, [f.message for f in result.fixed]


ROUTINE_THEN_LAYER = """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.body = nn.Linear(d, d)
        self.apply(self._init_weights)
        self.adapter = nn.Linear(d, d)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, x):
        return torch.relu(self.adapter(self.body(x)))
"""


def test_a_layer_built_after_the_routine_ran_is_fixed_right_after_it_as_a_safe_fix(tmp_path):
    """`self.apply(...)` then `self.adapter = nn.Linear(...)`: the routine never sees the adapter,
    so its fix goes right after it and is safe (it was unsafe, "check that the routine leaves this
    layer alone"). torch: the adapter at ReLU's std, the body still the routine's 0.02."""
    result, findings, _, path = fix_text(tmp_path, ROUTINE_THEN_LAYER, unsafe=False)
    assert [f.code for f in findings] == ["IL101"] and findings[0].fix.applicability == "safe"
    assert result.fixed and (
        "        self.adapter = nn.Linear(d, d)\n"
        "        nn.init.kaiming_uniform_(self.adapter.weight, nonlinearity=\"relu\")\n") in path.read_text()
    torch.manual_seed(0)
    net = import_fixed(path).Net()
    check_weight("adapter", net.adapter.weight, "relu", None, FixOptions())
    assert abs(float(net.body.weight.detach().std()) - 0.02) < 0.003
    again, _ = refix(path, unsafe=True)
    assert not again.fixed


def test_a_layer_followed_by_code_on_the_model_keeps_the_unsafe_placement(tmp_path):
    """The same, with `self.extra.apply(...)` after the adapter: a routine may run after it, so the
    fix is not taken for safe."""
    source = ROUTINE_THEN_LAYER.replace(
        "        self.adapter = nn.Linear(d, d)\n",
        "        self.adapter = nn.Linear(d, d)\n        self.extra = nn.Identity()\n        self.extra.apply(self._init_weights)\n")
    _, findings, _, _ = fix_text(tmp_path, source, unsafe=False)
    assert all(f.fix is None or f.fix.applicability == "unsafe" for f in findings if f.code == "IL101")


WEIGHT_WRITES = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


def layer_init_normed(layer, norm_dim, scale=1.0):
    with torch.no_grad():
        layer.weight.data *= scale / layer.weight.norm(dim=norm_dim, p=2, keepdim=True)
    return layer


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.normed = layer_init_normed(nn.Linear(64, 64), norm_dim=1, scale=0.5)
        self.halved = nn.Linear(64, 64)
        with torch.no_grad():
            self.halved.weight /= 2
        self.drawn = nn.Linear(64, 64)
        self.drawn.weight.data = torch.randn(64, 64) * 0.01
        self.looped = nn.Linear(64, 64)
        for m in [self.looped]:
            m.weight.data *= 3.0
        self.plain = nn.Linear(64, 64)
        self.kept = nn.Linear(64, 64)
        self.kept.weight.data = self.kept.weight.data.float().contiguous()  # the same values: no init

    def forward(self, x):
        for layer in (self.normed, self.halved, self.drawn, self.looped, self.plain, self.kept):
            x = F.relu(layer(x))
        return x
"""


def test_a_weight_rewritten_by_assignment_is_not_the_default_and_gets_no_fix(tmp_path):
    """cleanrl's `layer.weight.data *= scale / norm` (and `/=`, `.data = ...`) rewrites the weight:
    it was taken for the default, so --fix inserted a kaiming call that erased the user's scaling."""
    result, findings, _, path = fix_text(tmp_path, WEIGHT_WRITES)
    rows = {layer.name: layer for layer in analyze(WEIGHT_WRITES, "model.py").layers}
    assert {name: rows[name].init for name in ("normed", "halved", "drawn", "plain", "kept")} == {
        "normed": "explicit", "halved": "explicit", "drawn": "explicit", "plain": "default", "kept": "default"}
    assert rows["looped"].init != "default", rows["looped"].init_evidence
    assert {f.layer for f in findings} == {"plain", "kept"}, "a dtype conversion keeps the default's values"
    net = import_fixed(path).Net()
    bound = 1 / 64**0.5  # torch's default draw: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), std bound/sqrt(3)
    assert torch.allclose(net.normed.weight.norm(dim=1), torch.full((64,), 0.5)), "the scaling survived the fix"
    assert net.halved.weight.abs().max() <= bound / 2 + 1e-6
    assert abs(net.drawn.weight.std().item() - 0.01) < 0.002
    assert net.looped.weight.abs().max() > bound, "tripled: no longer the default draw"
    check_weight("plain", net.plain.weight, "relu", None, FixOptions())


TIED = """\
    import torch
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = nn.Linear(256, 256)
            self.dec = nn.Linear(256, 256)
            self.dec.weight = self.enc.weight
            self.head = nn.Linear(256, 1)

        def forward(self, x):
            return self.head(torch.tanh(self.dec(torch.relu(self.enc(x)))))
"""


def test_no_fix_draws_a_weight_another_layer_shares(tmp_path):
    """`self.dec.weight = self.enc.weight`: one tensor. A ReLU fix for enc would draw dec's (tanh) weight
    too: enc is still found, with no fix, even unsafe; the built model keeps both on the default."""
    result, findings, _, path = fix_text(tmp_path, TIED)
    assert any(f.code == "IL101" and "enc" in f.message for f in findings)
    assert "kaiming" not in path.read_text() and "normal_" not in path.read_text()
    net = import_fixed(path).Net()
    assert net.dec.weight is net.enc.weight
    assert_default("enc", net.enc.weight)
