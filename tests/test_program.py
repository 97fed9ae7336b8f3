"""Multi-file cases of the rule book: rules/<CODE>/program_<case>/, one folder a program.

Each folder holds modules and a script `main.py` that builds the model the way a user's
training script does (and may re-initialise it), leaving `MODEL` and `INPUT_SHAPE`. The files
carry `expect:` comments as the single-file examples do (rules/README.md). Checked here:
- statically: the folder analysed as one program (initlint.program) gives exactly the
  findings and inspect values its comments say;
- with torch: running main.py builds the model; every Conv/Linear in it has the activation
  its construction line's comment says (traced), and its weights are torch's default init
  exactly when the comment says `init=default` (measured);
- fixed: `initlint check --fix` over the folder gives each `<file>.fixed.py`, changes
  nothing else, and a second run changes nothing; in the fixed program each fixed layer has
  the std its activation calls for (nothing overwrites it).
"""

from __future__ import annotations

import dataclasses
import math
import runpy
import shutil
import textwrap
import sys
from pathlib import Path

import pytest

from initlint import api, catalogue, rules
from initlint.semantics.file import analyze
from initlint.model import DEFAULT_ACTIVATION_ASSUMED, PROGRAM_CONSTRUCTIONS_AGREE
from initlint.program import analyze_program
from test_rulebook import check_model, parse_expectations

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(p for p in (ROOT / "rules").glob("IL*/program_*") if p.is_dir())


def case_files(case: Path) -> list[Path]:
    return sorted(p for p in case.glob("*.py") if not p.name.endswith(".fixed.py"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_program_case_matches_its_expectations(case: Path) -> None:
    sources = {str(p): p.read_text(encoding="utf-8") for p in case_files(case)}
    models, errors, _ = analyze_program(sources)
    assert not errors
    problems = []
    for path, source in sources.items():
        problems += check_model(Path(path), source, models[path], case.parent.name)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_file_model_read_back_from_the_cache_is_the_one_written(case: Path) -> None:
    """The cache's JSON form keeps all a module tells the program: a summary read back without its
    factories' parameters (`functions`) linked a warm run otherwise than a cold one."""
    import json

    from initlint.model import file_model_from_json, file_model_to_json

    sources = {str(p): p.read_text(encoding="utf-8") for p in case_files(case)}
    models, _, _ = analyze_program(sources)
    for path, model in models.items():
        assert file_model_from_json(json.loads(json.dumps(file_model_to_json(model)))) == model, path


def test_each_case_needs_the_program() -> None:
    """Analysed one file at a time, every case says something else: the cases test the link."""
    for case in CASES:
        sources = {str(p): p.read_text(encoding="utf-8") for p in case_files(case)}
        alone = {path: analyze(text, path) for path, text in sources.items()}
        linked, _, _ = analyze_program(sources)
        # which init call is the effective one counts too (a model's routine overriding a block's own)
        rows = lambda models: [(l.line, l.activation, l.init, l.init_call and l.init_call.text)  # noqa: E731
                               for m in models.values() for l in m.layers]
        assert rows(alone) != rows(linked), case


def test_fix_over_the_program_matches_and_is_idempotent(tmp_path: Path) -> None:
    for case in CASES:
        work = tmp_path / case.parent.name / case.name
        shutil.copytree(case, work, ignore=shutil.ignore_patterns("*.fixed.py", "__pycache__"))
        select = ["ALL"]
        list(api.check(api.Run(paths=[str(work)], fix=True, use_cache=False, isolated=True, select=select)))
        for path in case_files(case):
            expected = path.with_name(path.stem + ".fixed.py")
            want = expected.read_text(encoding="utf-8") if expected.exists() else path.read_text(encoding="utf-8")
            assert (work / path.name).read_text(encoding="utf-8") == want, f"{case.name}/{path.name}"
        again = list(api.check(api.Run(paths=[str(work)], fix=True, use_cache=False, isolated=True, select=select)))
        assert not any(result.fixed for result in again), case


# --------------------------------------------------------------------------- with torch


def _run_program(folder: Path):
    """Run folder/main.py as a script; the model it built, its input, and where each layer was built."""
    torch = pytest.importorskip("torch")
    files = {str(p.resolve()) for p in case_files(folder)}
    sites: dict = {}
    original = torch.nn.Module.__init__

    def init(module, *args, **kwargs):
        original(module, *args, **kwargs)
        if _is_layer(module):
            frame, lines = sys._getframe(1), []
            while frame is not None:
                if frame.f_code.co_filename in files:
                    lines.append((frame.f_code.co_filename, frame.f_lineno))
                frame = frame.f_back
            sites[id(module)] = lines

    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(folder))
    torch.nn.Module.__init__ = init
    try:
        torch.manual_seed(0)
        namespace = runpy.run_path(str(folder / "main.py"), run_name="__main__")
    finally:
        torch.nn.Module.__init__ = original
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    return namespace["MODEL"], namespace["INPUT_SHAPE"], sites


def _is_layer(module) -> bool:
    """A Conv/Linear, or a subclass of one (class Conv(nn.Conv2d))."""
    import torch

    return isinstance(module, (torch.nn.Linear, torch.nn.modules.conv._ConvNd))


def _is_default(weight) -> bool:
    """torch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)): bound and std both hold."""
    import torch

    fan_in = weight[0].numel()
    bound = 1 / math.sqrt(fan_in)
    std = float(weight.detach().std())
    return float(weight.detach().abs().max()) <= bound * (1 + 1e-6) and abs(std - bound / math.sqrt(3)) < 0.15 * bound / math.sqrt(3) \
        and isinstance(weight, torch.Tensor)


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_program_case_holds_at_run_time(case: Path) -> None:
    import test_rulebook_runtime as traced
    import torch

    expectations = {}
    for path in case_files(case):
        for line, exp in parse_expectations(path.read_text(encoding="utf-8")).items():
            if "act" in exp.keys:
                expectations[(str(path.resolve()), line)] = exp
    model, shape, sites = _run_program(case)
    tracer = traced.ConsumerTracer()
    handles = [sub.register_forward_hook(lambda m, i, o, key=id(sub): tracer.mark(key, o))
               for sub in model.modules() if _is_layer(sub)]  # fmt: skip
    model.eval()
    with torch.no_grad(), tracer:
        model(torch.randn(*shape))
    for handle in handles:
        handle.remove()
    problems, checked = [], set()
    for name, sub in model.named_modules():
        if not _is_layer(sub):
            continue
        annotated = [site for site in sites.get(id(sub), []) if site in expectations]
        if not annotated:
            problems.append(f"{name}: built at no annotated line {sites.get(id(sub))}")
            continue
        acts = sorted({a for a, _ in tracer.consumers.get(id(sub)) or [("none", None)]})
        for site in annotated:  # a factory's own line and the call that made it there: each claim holds
            exp = expectations[site]
            checked.add(site)
            if exp.keys["act"] != "unknown" and acts != [exp.keys["act"]]:
                problems.append(f"{name}: annotated act={exp.keys['act']} at {site}, runs into {acts}")
            want_default = exp.keys.get("init") == "default"
            if "init" in exp.keys and exp.keys["init"] != "unknown" and _is_default(sub.weight) != want_default:
                problems.append(f"{name}: annotated init={exp.keys['init']} at {site}, but the weight is"
                                f"{'' if _is_default(sub.weight) else ' not'} torch's default")  # fmt: skip
    problems += [f"{where}: annotated but never built by main.py" for where in set(expectations) - checked]
    assert not problems, "\n".join(problems)


def test_fixed_program_has_the_std_it_should(tmp_path: Path) -> None:
    """After --fix, each layer the fix touched is at its activation's std at run time."""
    pytest.importorskip("torch")
    for case in CASES:
        fixed = [p for p in case.glob("*.fixed.py")]
        if not fixed:
            continue
        work = tmp_path / case.parent.name / case.name
        shutil.copytree(case, work, ignore=shutil.ignore_patterns("*.fixed.py", "__pycache__"))
        for path in fixed:
            shutil.copyfile(path, work / path.name.replace(".fixed.py", ".py"))
        sources = {str(p): p.read_text(encoding="utf-8") for p in case_files(work)}
        models, _, _ = analyze_program(sources)
        fixed_lines = {(str(Path(path).resolve()), layer.line): layer for path, m in models.items()
                       for layer in m.layers if layer.init == "explicit" and "kaiming_uniform_" in (layer.init_evidence or "")}  # fmt: skip
        assert fixed_lines, case
        model, _, sites = _run_program(work)
        measured = 0
        for sub in model.modules():
            # its construction chain, innermost first: a layer judged at a use is fixed at that use's line
            for site in [s for s in sites.get(id(sub), []) if s in fixed_lines][:1]:
                layer = fixed_lines[site]
                rec = catalogue.recommend(layer.activation, layer.activation_param)
                fan_in = sub.weight[0].numel()
                target = rec.std(fan_in)
                assert abs(float(sub.weight.detach().std()) - target) < 0.1 * target, (case.name, site)
                measured += 1
        assert measured, case


def test_a_block_every_construction_agrees_on_is_fixed_where_it_is_built_as_an_unsafe_fix(tmp_path: Path) -> None:
    """ConvAct's default says ReLU, both constructions in the program pass Tanh: the unsafe fix
    goes into ConvAct itself, and the program built with torch draws both convs for Tanh."""
    pytest.importorskip("torch")
    work = tmp_path / "case"
    shutil.copytree(ROOT / "rules" / "IL101" / "program_activation_from_caller", work,
                    ignore=shutil.ignore_patterns("*.fixed.py", "__pycache__"))  # fmt: skip
    safe = {Path(r.path).name: r for r in api.check(api.Run(paths=[str(work)], isolated=True, use_cache=False, fix=True))}
    assert not safe["layers.py"].fixed, "the fix rests on the program's constructions: not applied as safe"
    results = api.check(api.Run(paths=[str(work)], isolated=True, use_cache=False, fix=True, unsafe_fixes=True))
    assert {Path(r.path).name for r in results if r.fixed} == {"layers.py"}
    assert "kaiming_uniform_(self.conv.weight" in (work / "layers.py").read_text(encoding="utf-8")
    model, _, _ = _run_program(work)
    expected = catalogue.recommend("tanh", None)
    for conv in (model.stem.conv, model.body.conv):
        target = expected.std(conv.weight[0].numel())
        assert abs(float(conv.weight.detach().std()) - target) < 0.1 * target
    again = api.check(api.Run(paths=[str(work)], isolated=True, use_cache=False, fix=True, unsafe_fixes=True))
    assert not any(r.fixed for r in again)


SCRIPT_IN_CLASS_FILE = """import torch
import torch.nn as nn

ACTS = {{"relu": nn.ReLU, "tanh": nn.Tanh}}


class Net(nn.Module):
    def __init__(self, act="relu"):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.act = ACTS[act]()
        self.fc2 = nn.Linear(64, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def main():
    model = Net(act="tanh")
{more}    return model
"""


def test_a_script_in_the_classs_own_file_decides_the_activation_its_constructions_agree_on(tmp_path: Path) -> None:
    """`model = Net(act="tanh")` in the file's own main() is the only construction: Net.fc1 is
    judged with Tanh where it is built (before: unknown, "ReLU, Tanh"), an unsafe fix as in the
    program; applied, torch builds main()'s model with fc1 at Tanh's std and Tanh after it."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "net.py"
    path.write_text(SCRIPT_IN_CLASS_FILE.format(more=""), encoding="utf-8")
    layer = next(l for m in analyze(path.read_text(encoding="utf-8"), str(path)).modules for l in m.layers
                 if l.name == "fc1")  # fmt: skip
    assert (layer.activation, layer.init) == ("tanh", "default"), layer.activation_evidence
    assert layer.fix.reason is None and layer.fix.unsafe_reason == PROGRAM_CONSTRUCTIONS_AGREE
    run = api.Run(paths=[str(path)], isolated=True, use_cache=False, fix=True)
    assert not any(r.fixed for r in api.check(run)), "unsafe: a new caller keeping the default would differ"
    fixed = api.check(dataclasses.replace(run, unsafe_fixes=True))
    assert [bool(r.fixed) for r in fixed] == [True]
    namespace = runpy.run_path(str(path))
    torch.manual_seed(0)
    model = namespace["main"]()
    assert isinstance(model.act, torch.nn.Tanh)
    target = catalogue.recommend("tanh", None).std(64)
    assert abs(float(model.fc1.weight.detach().std()) - target) < 0.1 * target
    assert not any(r.fixed for r in api.check(dataclasses.replace(run, unsafe_fixes=True)))


def test_a_scripts_constructions_in_the_classs_own_file_that_differ_are_judged_each_by_its_name() -> None:
    """main() builds Net twice, with Tanh and with the default ReLU: a row at each, named by the
    script's variable, whose message gives the init for that name and the impact of that use."""
    source = SCRIPT_IN_CLASS_FILE.format(more="    other = Net()\n    print(other)\n")
    model = analyze(source, "net.py")
    rows = {l.name: l for l in model.free_layers if l.at_use}
    assert {name: (l.activation, l.init) for name, l in rows.items()} == {
        "model.fc1": ("tanh", "default"), "other.fc1": ("relu", "default")}
    findings = {f.code: f for f in rules.run_rules(model, rules.select_rules(None, None))}
    assert set(findings) == {"IL101", "IL103"}
    assert 'kaiming_uniform_(model.fc1.weight, nonlinearity="tanh")' in findings["IL103"].message
    tanh = catalogue.recommend("tanh", None).gain / catalogue.DEFAULT_GAIN
    assert findings["IL103"].impact == pytest.approx(tanh), "the impact of this use, not of the unknown row"


FACTORY_PROJECT = {
    "models/__init__.py": """from .cnn import ConvNet
from .mlp import MLPNet

MODELS = {"cnn": ConvNet, "mlp": MLPNet}


def build_model(name, **kwargs):
    return MODELS[name](**kwargs)
""",
    "models/cnn.py": """import torch.nn as nn


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 32, 3, padding=1)
        self.act = nn.ReLU()
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc(self.act(self.conv(x)).mean((2, 3)))
""",
    "models/mlp.py": """import torch.nn as nn


class MLPNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 64)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
""",
    "utils.py": """import torch.nn as nn


def init_weights(m):
    if isinstance(m, nn.Conv2d):
        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
""",
    "train.py": """import sys

from models import build_model
from utils import init_weights


def main(name):
    model = build_model(name)
    model.apply(init_weights)
    return model


if __name__ == "__main__":
    main(sys.argv[1])
""",
}


def test_an_init_applied_to_a_model_a_factory_builds_makes_the_layers_it_may_reach_unknown(tmp_path: Path) -> None:
    """`model = build_model(name); model.apply(init_weights)`: the factory is not followed, so the
    routine may reach any Conv2d of the modules the script imports, and it runs last. Before, the
    conv kept "default" and got an IL101 that torch shows wrong (its weight is rewritten); the
    Linear layers, which the routine leaves alone, keep their findings."""
    torch = pytest.importorskip("torch")
    root = write_tree(tmp_path, FACTORY_PROJECT)
    results = list(api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False)))
    found = {(Path(f.path).name, f.layer) for r in results for f in r.findings}
    assert found == {("mlp.py", "fc1")}, found
    sources = {str(p): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))}
    models, _, _ = analyze_program(sources)
    conv = next(l for l in models[str(root / "models" / "cnn.py")].layers if l.name == "conv")
    assert conv.init == "unknown" and "build_model" in conv.init_evidence
    assert [str(root / "train.py"), 8] in conv.related
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        namespace = runpy.run_path(str(root / "train.py"))
        torch.manual_seed(0)
        built = namespace["build_model"]("cnn")
        torch.manual_seed(0)
        trained = namespace["main"]("cnn")
    finally:
        sys.path[:] = saved
        for name in [n for n in sys.modules if n == "models" or n.startswith("models.") or n == "utils"]:
            del sys.modules[name]
    assert not torch.equal(built.conv.weight, trained.conv.weight), "the routine rewrites the conv"
    assert torch.equal(built.fc.weight, trained.fc.weight), "and leaves the Linear on the default"


META_MODEL = """import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
"""

META_SCRIPT = """import torch
{imp}

with torch.device("meta"):
    model = MLP()
model.to_empty(device="cpu")
"""


RESET_LOOP = """for m in model.modules():
    if hasattr(m, "reset_parameters"):
        m.reset_parameters()
"""


@pytest.mark.parametrize("layout", ["one file", "two files"])
@pytest.mark.parametrize("reset", [False, True], ids=["to_empty", "to_empty then reset loop"])
def test_a_model_a_script_materialises_with_to_empty_holds_no_init_its_construction_drew(tmp_path: Path,
                                                                                        layout: str, reset: bool) -> None:
    """Built on the meta device and materialised with `to_empty()`: every weight is uninitialised
    memory, the fc1 init of `__init__` included (it ran on the meta device, where torch draws
    nothing). Before, fc1 was "explicit" and fc2 "default". With the loop that runs each module's
    `reset_parameters()` after it (the FSDP idiom), fc2 is on the default again (its IL101 stays)
    and fc1's init of `__init__` is still gone."""
    torch = pytest.importorskip("torch")
    script = META_SCRIPT + (RESET_LOOP if reset else "")
    if layout == "one file":
        files = {"one.py": META_MODEL + "\n" + script.format(imp="")}
    else:
        files = {"model.py": META_MODEL, "train.py": script.format(imp="from model import MLP")}
    root = write_tree(tmp_path, files)
    sources = {str(root / name): text for name, text in files.items()}
    models, _, _ = analyze_program(sources)
    layers = {l.name: l for l in models[str(root / next(iter(files)))].layers}
    assert {name: l.init for name, l in layers.items()} == {"fc1": "unknown", "fc2": "default" if reset else "unknown"}
    assert "to_empty" in layers["fc1"].init_evidence
    script = str(root / list(files)[-1])
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        namespace = runpy.run_path(script)
    finally:
        sys.path[:] = saved
        sys.modules.pop("model", None)
    with torch.device("meta"):  # what __init__ draws there: nothing (no storage), so to_empty keeps no init
        probe = namespace["MLP"]()
    assert probe.fc1.weight.is_meta and probe.fc2.weight.is_meta
    materialised = namespace["model"]
    assert not materialised.fc1.weight.is_meta
    if reset:  # on the default again: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), std 1/sqrt(3 fan_in)
        weight = materialised.fc2.weight.detach()
        assert weight.abs().max() <= 1 / math.sqrt(256) and abs(float(weight.std()) * math.sqrt(3 * 256) - 1) < 0.05


def test_a_construction_in_the_classs_own_module_code_keeps_another_modules_from_deciding_alone(tmp_path: Path) -> None:
    """`def net(): return Net()` builds Net with its default ReLU; main.py builds it with Tanh.
    Before, main.py's was taken for the program's only construction and Net.conv claimed Tanh;
    torch shows the ReLU model. Now the class's row is unknown and main.py's use has its own."""
    torch = pytest.importorskip("torch")
    files = {
        "net.py": "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, act_layer=nn.ReLU):\n"
                  "        super().__init__()\n        self.conv = nn.Conv2d(3, 8, 3)\n        self.act = act_layer()\n\n"
                  "    def forward(self, x):\n        return self.act(self.conv(x)).mean()\n\n\ndef net():\n    return Net()\n",
        "main.py": "import torch.nn as nn\nfrom net import Net\n\nmodel = Net(act_layer=nn.Tanh)\n",
    }
    root = write_tree(tmp_path, files)
    models, _, _ = analyze_program({str(root / name): text for name, text in files.items()})
    (conv,) = [l for l in models[str(root / "net.py")].layers if l.name == "conv"]
    assert conv.activation == "unknown", conv.activation_evidence
    (use,) = [l for l in models[str(root / "main.py")].free_layers if l.at_use]
    assert (use.activation, use.line) == ("tanh", 4)
    saved = list(sys.path)
    sys.path.insert(0, str(root))
    try:
        built = runpy.run_path(str(root / "net.py"))["net"]()
    finally:
        sys.path[:] = saved
    assert isinstance(built.act, torch.nn.ReLU), "net() builds the ReLU model the old claim left out"


# --------------------------------------------------------------------------- modules and runs


def write_tree(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


BLOCK = """import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, d=8, act_layer=nn.ReLU):
        super().__init__()
        self.fc1 = nn.Linear(d, d)
        self.act = act_layer()
        self.fc2 = nn.Linear(d, d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
"""

MODEL = """import torch.nn as nn

{imp}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = Mlp(8{act})
        self.apply(self._init)

    def _init(self, m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, x):
        return self.mlp(x)
"""


@pytest.mark.parametrize("layout,imp", [
    ({"pkg/__init__.py": "", "pkg/layers/__init__.py": "from .mlp import Mlp\n", "pkg/layers/mlp.py": BLOCK,
      "pkg/models/__init__.py": "", "pkg/models/net.py": None}, "from ..layers import Mlp"),
    ({"src/pkg/__init__.py": "", "src/pkg/mlp.py": BLOCK, "src/pkg/net.py": None}, "from pkg.mlp import Mlp"),
    ({"src/pkg/__init__.py": "", "src/pkg/mlp.py": BLOCK, "src/pkg/net.py": None}, "from . import mlp as m"),
    ({"mlp.py": BLOCK, "net.py": None}, "from mlp import Mlp"),
    ({"ns/mlp.py": BLOCK, "ns/net.py": None}, "from ns.mlp import Mlp"),
], ids=["relative-reexport", "src-absolute", "module-alias", "scripts", "namespace"])
def test_imports_resolve_across_layouts(tmp_path: Path, layout: dict, imp: str) -> None:
    model = MODEL.format(imp=imp, act="")
    if " as m" in imp:
        model = model.replace("Mlp(8", "m.Mlp(8")  # a class reached as a module's attribute
    files = {name: (model if text is None else text) for name, text in layout.items()}
    root = write_tree(tmp_path, files)
    sources = {str(root / name): text for name, text in files.items()}
    models, errors, stats = analyze_program(sources)
    assert not errors
    mlp = next(m for p, m in models.items() if p.endswith("mlp.py"))
    fc1 = next(layer for layer in mlp.layers if layer.name == "fc1")
    assert (fc1.init, fc1.activation) == ("explicit", "relu"), fc1.init_evidence
    assert "Net" in fc1.init_evidence and fc1.related


def test_a_caller_passing_another_activation_decides_it_where_every_use_agrees(tmp_path: Path) -> None:
    """The issue's rule: judged where the layer is built when every use in the program agrees, per
    use otherwise. The fix where it is built rests on the program's constructions: unsafe."""
    files = {"mlp.py": BLOCK, "net.py": MODEL.format(imp="from mlp import Mlp", act=", act_layer=nn.GELU")}
    root = write_tree(tmp_path, files)
    models, _, _ = analyze_program({str(root / n): t for n, t in files.items()})
    fc1 = next(layer for layer in models[str(root / "mlp.py")].layers if layer.name == "fc1")
    assert fc1.activation == "gelu" and "net.py:" in fc1.activation_evidence, fc1.activation_evidence
    assert "only construction" in fc1.activation_evidence and [str(root / "net.py"), 9] in fc1.related
    assert fc1.fix.unsafe_reason == PROGRAM_CONSTRUCTIONS_AGREE
    other = "import torch.nn as nn\nfrom mlp import Mlp\n\nplain = Mlp(8)\n"
    apart = {**files, "other.py": other}
    write_tree(tmp_path, apart)
    models, _, _ = analyze_program({str(root / n): t for n, t in apart.items()})
    assert not any(layer.name == "fc1" for layer in models[str(root / "mlp.py")].layers), "judged at each use"
    at_uses = {layer.name: layer.activation for name in ("net.py", "other.py") for layer in models[str(root / name)].layers}
    assert at_uses == {"mlp.fc1": "gelu", "Mlp().fc1": "relu"}, at_uses  # fc2 (no activation) stays where built
    same = {"mlp.py": BLOCK, "net.py": MODEL.format(imp="from mlp import Mlp", act=", act_layer=nn.ReLU")}
    write_tree(tmp_path, same)
    models, _, _ = analyze_program({str(root / n): t for n, t in same.items()})
    fc1 = next(layer for layer in models[str(root / "mlp.py")].layers if layer.name == "fc1")
    assert fc1.activation == "relu", "a caller passing the default's own class changes nothing"
    assert fc1.fix.unsafe_reason == DEFAULT_ACTIVATION_ASSUMED


def test_unrelated_files_do_not_link(tmp_path: Path) -> None:
    """Two scripts' folders each with a `models.py`: a script's import means the one beside it."""
    net_a = MODEL.format(imp="from models import Mlp", act="")
    plain = "import torch.nn as nn\nfrom models import Mlp\nnet = Mlp()\n"
    files = {"a/models.py": BLOCK, "a/train.py": net_a, "b/models.py": BLOCK, "b/train.py": plain}
    root = write_tree(tmp_path, files)
    models, _, _ = analyze_program({str(root / n): t for n, t in files.items()})
    a_fc1 = next(layer for layer in models[str(root / "a/models.py")].layers if layer.name == "fc1")
    b_fc1 = next(layer for layer in models[str(root / "b/models.py")].layers if layer.name == "fc1")
    assert a_fc1.init == "explicit" and b_fc1.init == "default"


def _run(paths: list, **options) -> dict:
    results = api.check(api.Run(paths=[str(p) for p in paths], isolated=True, **options))
    return {Path(r.path).name: r for r in results}


def test_a_file_named_alone_is_judged_in_its_program(tmp_path: Path) -> None:
    """pre-commit passes only the changed file: its findings are those of the whole tree."""
    files = {"pkg/__init__.py": "", "pkg/mlp.py": BLOCK, "pkg/net.py": MODEL.format(imp="from .mlp import Mlp", act="")}
    root = write_tree(tmp_path, files)
    whole = _run([root], use_cache=False)
    alone = _run([root / "pkg" / "mlp.py"], use_cache=False)
    assert set(alone) == {"mlp.py"}, "the modules around it are read, not reported"
    assert [f.code for f in alone["mlp.py"].findings] == [f.code for f in whole["mlp.py"].findings] == []


def test_an_edit_reanalyses_only_that_module(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/mlp.py": BLOCK, "pkg/net.py": MODEL.format(imp="from .mlp import Mlp", act=""),
             "pkg/other.py": BLOCK.replace("Mlp", "Other")}  # fmt: skip
    root = write_tree(tmp_path, files)
    cache = tmp_path / "cache"
    first = _run([root], cache_dir=str(cache))
    assert not any(r.cached for r in first.values())
    assert first["other.py"].findings and not first["mlp.py"].findings
    # the model stops re-initialising its block: only net.py is analysed again, and the
    # block's findings (in a file not analysed again) change with it
    (root / "pkg" / "net.py").write_text(MODEL.format(imp="from .mlp import Mlp", act="").replace(
        "        self.apply(self._init)\n", ""), encoding="utf-8")  # fmt: skip
    second = _run([root], cache_dir=str(cache), fix_edits=False)  # as text output: no edit asked of the cache
    analysed = sorted(name for name, r in second.items() if not r.cached and name != "__init__.py")
    assert analysed == ["net.py"]
    assert [f.code for f in second["mlp.py"].findings] == ["IL101"]
    # pre-commit's run: one file named, the others taken by their stat from the cache
    third = _run([root / "pkg" / "net.py"], cache_dir=str(cache), fix_edits=False)
    assert set(third) == {"net.py"} and third["net.py"].cached


FACTORY = """import torch.nn as nn


def create_conv(cin, cout, k=3, **kwargs):
    return _padded(cin, cout, k, **kwargs)


def _padded(cin, cout, k, **kwargs):
    return nn.Conv2d(cin, cout, k, padding=k // 2, **kwargs)
"""

USER = """import torch.nn as nn
import torch.nn.functional as F

from .layers import create_conv


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = create_conv(3, 8)

    def forward(self, x):
        return F.relu(self.conv(x))
"""


def test_a_factory_of_another_module_is_followed_and_its_edit_reanalyses_the_user(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/layers/__init__.py": "from .conv import create_conv\n",
             "pkg/layers/conv.py": FACTORY, "pkg/net.py": USER}  # fmt: skip
    root = write_tree(tmp_path, files)
    cache = str(tmp_path / "cache")
    first = _run([root], cache_dir=cache)
    [finding] = first["net.py"].findings
    assert (finding.code, finding.line) == ("IL101", 10) and "Conv2d" not in first["conv.py"].findings
    assert finding.fix is not None, "the fix goes after the factory call in the class"
    # the factory now returns a Linear: net.py's bytes did not change, but what it followed did
    (root / "pkg/layers/conv.py").write_text(FACTORY.replace("nn.Conv2d(cin, cout, k, padding=k // 2, **kwargs)",
                                                             "nn.Linear(cin, cout)"), encoding="utf-8")  # fmt: skip
    second = _run([root], cache_dir=cache)
    assert not second["net.py"].cached
    inspect = list(api.inspect(api.Run(paths=[str(root)], isolated=True)))
    rows = [row for r in inspect for row in r.rows if row["class"] == "Net"]
    assert [(row["layer_type"], row["activation"]) for row in rows] == [("Linear", "relu")]
    third = _run([root], cache_dir=cache, fix_edits=False)  # as text output: no edit asked of the cache
    assert all(r.cached for name, r in third.items() if name in ("net.py", "conv.py"))


def test_a_free_function_calling_another_modules_function_is_analysed(tmp_path: Path) -> None:
    """Free functions (timm's `resnet18()` registrations) do not follow other modules' functions;
    classes do. Neither path may fail."""
    user = USER + "\n\ndef make(pretrained=False):\n    conv = create_conv(3, 8)\n    return Net()\n"
    files = {"pkg/__init__.py": "", "pkg/layers/__init__.py": "from .conv import create_conv\n",
             "pkg/layers/conv.py": FACTORY, "pkg/net.py": user}  # fmt: skip
    root = write_tree(tmp_path, files)
    models, errors, _ = analyze_program({str(root / name): text for name, text in files.items()})
    assert not errors
    rows = [(layer.class_name, layer.activation) for layer in models[str(root / "pkg/net.py")].layers]
    assert rows == [("Net", "relu")]


# --------------------------------------------------------------------------- config objects

CONFIG = '''
class NetConfig:
    hidden_act: str = "relu"
    norm: str = "group"
    width = 8

    def __init__(self, act2="tanh", sometimes="relu", **kwargs):
        self.act2 = act2
        if kwargs:
            self.sometimes = sometimes
'''

CONFIG_MODEL = '''
import torch.nn as nn
from .configuration import NetConfig

ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh}


class Conv(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.conv = nn.Conv1d(config.width, config.width, 3)
        if isinstance(config.hidden_act, str):
            self.act = ACTS[config.hidden_act]()
        else:
            self.act = config.hidden_act

    def forward(self, x):
        return self.act(self.conv(x))


class LayerNormConv(Conv):
    pass


class Second(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.fc2 = nn.Linear(8, 8)
        self.act = ACTS[config.act2]()
        self.other = ACTS[config.sometimes]()

    def forward(self, x):
        return self.other(self.fc2(self.act(self.fc(x))))


class Encoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.norm == "group":
            layers = [Conv(config)] + [Conv(config) for _ in range(2)]
        else:
            layers = [LayerNormConv(config)]
        self.layers = nn.ModuleList(layers)
        self.second = Second(config)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.second(x)


class Model(nn.Module):
    def __init__(self, config: NetConfig):
        super().__init__()
        self.encoder = Encoder(config)
        self.head = nn.Linear(8, 2)
        INIT

    def forward(self, x):
        return self.head(self.encoder(x))
'''


def _config_rows(tmp_path: Path, init: str = "") -> dict:
    files = {"pkg/__init__.py": "", "pkg/configuration.py": CONFIG,
             "pkg/modeling.py": CONFIG_MODEL.replace("INIT", init or "pass")}  # fmt: skip
    root = write_tree(tmp_path, files)
    models, errors, _ = analyze_program({str(root / n): t for n, t in files.items()})
    assert not errors
    return {(layer.class_name, layer.name): layer for layer in models[str(root / "pkg/modeling.py")].layers}


def test_a_config_default_picks_the_activation_through_unannotated_constructors(tmp_path: Path) -> None:
    """`config: NetConfig` at the top, `config` passed down untyped: `ACTS[config.hidden_act]` is
    the class default's ReLU (an `isinstance(..., str)` test decided by it), `config.act2` the
    `__init__` parameter's default Tanh; an attribute set only under a branch is not known."""
    rows = _config_rows(tmp_path)
    conv = rows[("Conv", "conv")]
    assert conv.activation == "relu" and 'config.hidden_act being "relu" by default' in conv.activation_evidence
    assert "NetConfig.hidden_act in configuration.py" in conv.activation_evidence
    assert rows[("Second", "fc")].activation == "tanh"
    assert rows[("Second", "fc2")].activation == "unknown", "self.sometimes is set only under a branch"
    # another config picks another activation: no init call is written for this one
    assert conv.fix.weight == "" and "config.hidden_act" in conv.fix.reason


def test_a_branch_a_config_default_decides_still_builds_its_classes(tmp_path: Path) -> None:
    """`if config.norm == "group": [Conv] + [Conv ...] else: [LayerNormConv]`: the default takes the
    first branch, but LayerNormConv is still built by Model in other configs, so Model's init
    loop reaches it; and a list joined with `+` keeps its classes contained."""
    loop = "for m in self.modules():\n            if isinstance(m, nn.Conv1d):\n                nn.init.kaiming_normal_(m.weight)"
    rows = _config_rows(tmp_path, loop)
    assert rows[("Conv", "conv")].init == "explicit"
    assert rows[("LayerNormConv", "conv")].init == "explicit"
    plain = _config_rows(tmp_path)
    assert plain[("LayerNormConv", "conv")].init == "default"


DERIVED_CONFIG = '''
class NetConfig:
    feed_forward_proj: str = "relu"
    hidden_act: str = "gelu"
    other_act = "tanh"

    def __post_init__(self, **kwargs):
        act_info = self.feed_forward_proj.split("-")
        self.dense_act_fn = act_info[-1]
        self.is_gated_act = act_info[0] == "gated"
        if self.feed_forward_proj == "gated-gelu":
            self.dense_act_fn = "gelu_new"
        if self.hidden_act == "gelu":
            self.hidden_act = "tanh"
        if kwargs.pop("legacy", False):
            self.other_act = "relu"
'''

DERIVED_MODEL = '''
import torch.nn as nn
from .configuration import NetConfig

ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU}


class Dense(nn.Module):
    def __init__(self, config: NetConfig):
        super().__init__()
        self.wi = nn.Linear(8, 8)
        self.wh = nn.Linear(8, 8)
        self.wo = nn.Linear(8, 8)
        self.act = ACTS[config.dense_act_fn]()
        self.hidden = ACTS[config.hidden_act]()
        self.other = ACTS[config.other_act]()

    def forward(self, x):
        return self.other(self.wo(self.hidden(self.wh(self.act(self.wi(x))))))
'''


def test_a_config_attribute_is_what_the_config_code_sets(tmp_path: Path) -> None:
    """T5Config's `__post_init__`: `dense_act_fn` derived from `feed_forward_proj`'s default by
    `split("-")[-1]` (a branch its default does not take leaves it); Gemma's: a class default that a
    branch rewrites when it holds "gelu"; a branch on what `**kwargs` holds is not decided: unknown."""
    files = {"pkg/__init__.py": "", "pkg/configuration.py": DERIVED_CONFIG, "pkg/modeling.py": DERIVED_MODEL}
    root = write_tree(tmp_path, files)
    models, errors, _ = analyze_program({str(root / n): t for n, t in files.items()})
    assert not errors
    rows = {layer.name: layer for layer in models[str(root / "pkg/modeling.py")].layers}
    assert rows["wi"].activation == "relu", rows["wi"].activation_evidence
    assert 'config.dense_act_fn being "relu" by default' in rows["wi"].activation_evidence
    assert rows["wh"].activation == "tanh", rows["wh"].activation_evidence
    assert rows["wo"].activation == "unknown", "set under a branch on **kwargs: not known"
    gated = DERIVED_CONFIG.replace('feed_forward_proj: str = "relu"', 'feed_forward_proj: str = "gated-gelu"')
    models, _, _ = analyze_program({**{str(root / n): t for n, t in files.items()}, str(root / "pkg/configuration.py"): gated})
    rows = {layer.name: layer for layer in models[str(root / "pkg/modeling.py")].layers}
    assert rows["wi"].activation == "unknown", "gelu_new is not a key of this registry"


def test_a_class_chosen_by_a_condition_keeps_its_callers_arguments(tmp_path: Path) -> None:
    """transformers' ResNetStage: `layer = Bottleneck if config.layer_type == ... else Basic`, then
    `layer(..., activation=config.hidden_act)`: the classes are built here with those arguments (not
    handed to unseen code), and every call passing the config's "relu" makes `ACTS[activation]` ReLU."""
    source = '''
import torch.nn as nn
from .configuration import NetConfig

ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh}


class Shortcut(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv = nn.Conv1d(d, d, 1)

    def forward(self, x):
        return self.conv(x)


class Basic(nn.Module):
    def __init__(self, d, activation="relu"):
        super().__init__()
        self.shortcut = Shortcut(d)
        self.activation = ACTS[activation]()

    def forward(self, x):
        return self.activation(x + self.shortcut(x))


class Bottleneck(Basic):
    pass


class Stage(nn.Module):
    def __init__(self, config: NetConfig):
        super().__init__()
        layer = Bottleneck if config.layer_type == "bottleneck" else Basic
        self.layers = nn.Sequential(*[layer(8, activation=config.hidden_act) for _ in range(2)])

    def forward(self, x):
        return self.layers(x)
'''
    config = 'class NetConfig:\n    layer_type: str = "basic"\n    hidden_act: str = "HIDDEN"\n'
    for hidden, expected in (("relu", "relu"), ("tanh", "unknown")):
        files = {"pkg/__init__.py": "", "pkg/configuration.py": config.replace("HIDDEN", hidden), "pkg/modeling.py": source}
        root = write_tree(tmp_path, files)
        models, errors, _ = analyze_program({str(root / n): t for n, t in files.items()})
        assert not errors
        conv = next(layer for layer in models[str(root / "pkg/modeling.py")].layers if layer.class_name == "Shortcut")
        assert conv.activation == expected, conv.activation_evidence
        if expected == "relu":
            assert "config.hidden_act" in conv.activation_evidence and conv.fix.weight == ""


BLOCKS_BY_POSITION = '''
import torch
import torch.nn as nn
from transformers.utils.output_capturing import OutputRecorder


class Merge(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.norm = nn.LayerNorm(4 * d)
        self.reduction = nn.Linear(4 * d, 2 * d)

    def forward(self, x):
        x = torch.cat([x[:, r::2] for r in range(2)], dim=-1)
        return self.reduction(self.norm(x))


class SelfPart(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.o = nn.Linear(d, d)

    def forward(self, x, mask=None):
        return x + self.o(x)


class CrossPart(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.k = nn.Linear(d, d)
        self.o = nn.Linear(d, d)

    def forward(self, x, key_value_states=None):
        return x + self.o(torch.matmul(x, self.k(key_value_states)))


class FeedForward(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.wi = nn.Linear(d, d)
        self.wo = nn.Linear(d, d)

    def forward(self, x):
        return x + self.wo(torch.relu(self.wi(x)))


class Block(nn.Module):
    def __init__(self, d, decoder=False):
        super().__init__()
        self.layer = nn.ModuleList()
        self.layer.append(SelfPart(d))
        if decoder:
            self.layer.append(CrossPart(d))
        self.layer.append(FeedForward(d))

    def forward(self, x, enc=None):
        x = self.layer[0](x, mask=None)
        if enc is not None:
            x = self.layer[1](x, key_value_states=enc)
        return self.layer[-1](x)


class Stage(nn.Module):
    def __init__(self, d, downsample):
        super().__init__()
        self.block = Block(d)
        self.downsample = downsample(d) if downsample is not None else None

    def forward(self, x):
        x = self.block(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x


class Net(nn.Module):
    recorders = {"hidden_states": OutputRecorder(Stage, index=0)}

    def __init__(self):
        super().__init__()
        self.stages = nn.ModuleList([Stage(8, Merge if i < 2 else None) for i in range(3)])
        self.decoder = Block(8, decoder=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return self.head(self.decoder(x, enc=x))
'''


def test_blocks_called_by_position_and_passed_as_classes_are_followed(tmp_path: Path) -> None:
    """T5Block's `self.layer[1](x, key_value_states=enc)` over a ModuleList with a conditional
    append (position 1 is CrossPart or FeedForward, and FeedForward's forward takes no
    key_value_states), SwinStage's `downsample=PatchMerging if i < 2 else None` with
    `OutputRecorder(Stage)` (reads the class, builds nothing), and PatchMerging's
    `torch.cat([x[:, r::2] for r in ...])`: every block's output is followed to what the caller
    does with it, not "returned to a caller not known here"."""
    root = write_tree(tmp_path, {"net.py": BLOCKS_BY_POSITION})
    models, errors, _ = analyze_program({str(root / "net.py"): BLOCKS_BY_POSITION})
    assert not errors
    rows = {(layer.class_name, layer.name): layer for layer in models[str(root / "net.py")].layers}
    assert rows[("FeedForward", "wi")].activation == "relu"
    for key in (("FeedForward", "wo"), ("SelfPart", "o"), ("CrossPart", "o"), ("CrossPart", "k"), ("Merge", "reduction")):
        assert rows[key].activation == "none", (key, rows[key].activation_evidence)


ACTIVATIONS = '''
import math
from collections import OrderedDict

import torch
from torch import nn


class NewGELUActivation(nn.Module):
    def forward(self, input):
        return 0.5 * input * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (input + 0.044715 * torch.pow(input, 3.0))))


class QuickGELUActivation(nn.Module):
    def forward(self, input):
        return input * torch.sigmoid(1.702 * input)


class ClassInstantier(OrderedDict):
    def __getitem__(self, key):
        return super().__getitem__(key)()


ACT2FN = ClassInstantier({"gelu_new": NewGELUActivation, "quick_gelu": QuickGELUActivation, "relu": nn.ReLU})


def get_activation(activation_string):
    return ACT2FN[activation_string]


gelu_new = get_activation("gelu_new")
'''

ACT2FN_MODEL = '''
import torch.nn as nn
from transformers.activations import ACT2FN, gelu_new, get_activation


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.c = nn.Linear(4, 4)
        self.d = nn.Linear(4, 4)
        self.e = nn.Linear(4, 4)
        self.act_a = ACT2FN["gelu_new"]
        self.act_b = get_activation("gelu_new")
        self.act_c = ACT2FN["quick_gelu"]
        self.act_d = ACT2FN["relu"]

    def forward(self, x):
        x = self.act_a(self.a(x))
        x = self.act_b(self.b(x))
        x = self.act_c(self.c(x))
        x = self.act_d(self.d(x))
        return gelu_new(self.e(x))
'''


def test_transformers_activations_are_hooked_by_key_and_read_from_its_source(tmp_path: Path) -> None:
    """ACT2FN / get_activation / the exported instances, keyed by their resolved names (library/hooks):
    "gelu_new" is transformers' NewGELUActivation, whose forward writes GELU's tanh form out: read from
    its source, it is GELU (what the runtime tracer reads the same arithmetic as); "quick_gelu"'s
    `x * sigmoid(1.702 x)` is no catalogued activation: unknown, with the reason."""
    files = {"transformers/__init__.py": "", "transformers/activations.py": ACTIVATIONS, "app/model.py": ACT2FN_MODEL}
    root = write_tree(tmp_path, files)
    models, errors, _ = analyze_program({str(root / "app/model.py"): ACT2FN_MODEL},
                                        [str(root / "transformers/__init__.py"), str(root / "transformers/activations.py")])
    assert not errors
    rows = {layer.name: layer for layer in models[str(root / "app/model.py")].layers}
    assert {name: row.activation for name, row in rows.items()} == {
        "a": "gelu", "b": "gelu", "c": "unknown", "d": "relu", "e": "gelu"}, {n: r.activation_evidence for n, r in rows.items()}
    assert "NewGELUActivation" in rows["a"].activation_evidence and "GELU written out" in rows["a"].activation_evidence
    assert "QuickGELUActivation" in rows["c"].activation_evidence


def test_a_local_name_for_a_class_that_is_only_called_keeps_its_callers_arguments(tmp_path: Path) -> None:
    """torchvision's MobileNetV2: `if block is None: block = InvertedResidual` then `block(...)`:
    InvertedResidual's parameters are what those calls pass, not unknown."""
    source = '''
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, d, norm_layer=None):
        super().__init__()
        if norm_layer is None:
            norm_layer = nn.BatchNorm1d
        self.fc = nn.Linear(d, d)
        self.norm = norm_layer(d)
        self.act = nn.ReLU6()

    def forward(self, x):
        return self.act(self.norm(self.fc(x)))


class Net(nn.Module):
    def __init__(self, block=None, norm_layer=None):
        super().__init__()
        if block is None:
            block = Block
        if norm_layer is None:
            norm_layer = nn.BatchNorm1d
        self.blocks = nn.Sequential(*[block(8, norm_layer=norm_layer) for _ in range(3)])
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.blocks(x))
'''
    root = write_tree(tmp_path, {"net.py": source, "other.py": "import net\n"})
    models, _, _ = analyze_program({str(root / "net.py"): source, str(root / "other.py"): "import net\n"})
    fc = next(layer for layer in models[str(root / "net.py")].layers if layer.name == "fc")
    assert fc.activation == "relu6", fc.activation_evidence
    passed_on = source.replace("block = Block\n", "block = Block\n        register(block)\n")
    models, _, _ = analyze_program({str(root / "net.py"): passed_on, str(root / "other.py"): "import net\n"})
    fc = next(layer for layer in models[str(root / "net.py")].layers if layer.name == "fc")
    assert fc.activation == "unknown", "handed to code not seen here: its arguments are not known"


def test_an_activation_registry_of_another_module_is_read(tmp_path: Path) -> None:
    """`from .acts import ACT_LAYERS` then `ACT_LAYERS[act]()`: the dict is read in its own module
    (its names qualified by that module's imports); a key it lacks is not known."""
    acts = "import torch.nn as nn\n\nACT_LAYERS = {'relu': nn.ReLU, 'tanh': nn.Tanh}\n"
    net = textwrap.dedent('''
        import torch.nn as nn
        from .acts import ACT_LAYERS


        class Net(nn.Module):
            def __init__(self, act="tanh", other="gelu"):
                super().__init__()
                self.fc = nn.Linear(8, 8)
                self.act = ACT_LAYERS[act]()
                self.fc2 = nn.Linear(8, 8)
                self.act2 = ACT_LAYERS[other]()

            def forward(self, x):
                return self.act2(self.fc2(self.act(self.fc(x))))
        ''')
    files = {"pkg/__init__.py": "", "pkg/acts.py": acts, "pkg/net.py": net}
    root = write_tree(tmp_path, files)
    models, _, _ = analyze_program({str(root / n): t for n, t in files.items()})
    got = {layer.name: layer.activation for layer in models[str(root / "pkg/net.py")].layers}
    assert got == {"fc": "tanh", "fc2": "unknown"}


def test_a_registry_helper_of_another_module_is_followed_with_the_key_it_is_given(tmp_path: Path) -> None:
    """diffusers' `get_activation(act_fn)`: `act_fn = act_fn.lower()`, then `if act_fn in ACT2CLS:
    return ACT2CLS[act_fn]()`: with the caller's "SWISH" the activation is SiLU; with a key the
    registry lacks, the raise is the only way out, and nothing is claimed."""
    acts = textwrap.dedent('''
        import torch.nn as nn

        ACT2CLS = {"swish": nn.SiLU, "silu": nn.SiLU, "relu": nn.ReLU}


        def get_activation(act_fn):
            act_fn = act_fn.lower()
            if act_fn in ACT2CLS:
                return ACT2CLS[act_fn]()
            else:
                raise ValueError(act_fn)
        ''')
    block = textwrap.dedent('''
        import torch.nn as nn
        from .activations import get_activation


        class Block(nn.Module):
            def __init__(self, c, non_linearity="SWISH"):
                super().__init__()
                self.norm = nn.GroupNorm(4, c)
                self.conv = nn.Conv2d(c, c, 3, padding=1)
                self.nonlinearity = get_activation(non_linearity)

            def forward(self, x):
                return self.nonlinearity(self.conv(self.nonlinearity(self.norm(x))))
        ''')
    for key, want in (("SWISH", "silu"), ("tanh", "unknown")):
        files = {"pkg/__init__.py": "", "pkg/activations.py": acts, "pkg/block.py": block.replace("SWISH", key)}
        root = write_tree(tmp_path / key, files)
        models, _, _ = analyze_program({str(root / n): t for n, t in files.items()})
        conv = next(layer for layer in models[str(root / "pkg/block.py")].layers if layer.name == "conv")
        assert conv.activation == want, (key, conv.activation_evidence)


def test_the_link_does_not_depend_on_the_order_files_arrive_in() -> None:
    """Workers finish in any order: a message naming one of several callers names the same one."""
    case = ROOT / "rules" / "IL101" / "program_activation_from_caller"
    files = sorted(case.glob("*.py"))  # net.py and net.fixed.py both pass act_layer=nn.Tanh

    def rows(order: list) -> list:
        models, _, _ = analyze_program({str(p): p.read_text(encoding="utf-8") for p in order})
        return sorted((Path(path).name, layer.line, layer.activation_evidence)
                      for path, model in models.items() for layer in model.layers)  # fmt: skip

    assert rows(files) == rows(list(reversed(files)))


def _analysed_by(monkeypatch, paths: list, **options) -> tuple[set, dict]:
    """(names of the files this run analysed, results by name); in this process (jobs=1)."""
    analysed: set = set()
    real = api.analyse_source

    def counting(source, loader=None):
        analysed.add(Path(source.path).name)
        return real(source, loader)

    monkeypatch.setattr(api, "analyse_source", counting)
    results = _run(paths, jobs=1, **options)
    monkeypatch.undo()
    return analysed, results


def _outcome(results: dict) -> dict:
    return {name: [(f.code, f.line, f.message) for f in r.findings] for name, r in results.items()}


def test_which_modules_an_edit_reanalyses(tmp_path: Path, monkeypatch) -> None:
    """A result is fresh while its bytes and the interface of every module it followed are the same:
    a comment in a block's module re-analyses that module alone; a changed constructor default
    re-analyses it and the module that builds the block (which followed its code), not the others."""
    files = {"pkg/__init__.py": "", "pkg/mlp.py": BLOCK, "pkg/net.py": MODEL.format(imp="from .mlp import Mlp", act=""),
             "pkg/other.py": BLOCK.replace("Mlp", "Other")}  # fmt: skip
    root = write_tree(tmp_path, files)
    cache = str(tmp_path / "cache")
    mlp = root / "pkg" / "mlp.py"
    analysed, _ = _analysed_by(monkeypatch, [root], cache_dir=cache)
    assert analysed == {"mlp.py", "net.py", "other.py"}
    assert _analysed_by(monkeypatch, [root], cache_dir=cache)[0] == set()

    def edit(text: str) -> tuple[set, dict]:
        mlp.write_text(text, encoding="utf-8")
        analysed, results = _analysed_by(monkeypatch, [root], cache_dir=cache, fix_edits=False)
        assert _outcome(results) == _outcome(_run([root], use_cache=False)), "the same as a run without the cache"
        return analysed, results

    # comments and blank lines, some of them moving the code below them: only mlp.py again
    commented = BLOCK.replace("class Mlp", "# a block\n\n# of two layers\nclass Mlp").replace(
        "    def forward", "    # the forward pass\n    def forward")  # fmt: skip
    assert edit(commented)[0] == {"mlp.py"}
    # the constructor's default activation: mlp.py and net.py (it builds Mlp), not other.py
    analysed, results = edit(commented.replace("act_layer=nn.ReLU", "act_layer=nn.Tanh"))
    assert analysed == {"mlp.py", "net.py"}
    # a forward that does the same to its input, written otherwise: net.py read Mlp's forward
    # through its summary, which is unchanged (the interface hash), so mlp.py alone again
    rewritten = commented.replace("        return self.fc2(self.act(self.fc1(x)))",
                                  "        h = self.fc1(x)\n        return self.fc2(self.act(h))")  # fmt: skip
    assert edit(rewritten.replace("act_layer=nn.ReLU", "act_layer=nn.Tanh"))[0] == {"mlp.py"}
    assert _analysed_by(monkeypatch, [root], cache_dir=cache)[0] == set()


def test_a_per_use_finding_names_the_weight_its_fix_writes() -> None:
    case = ROOT / "rules" / "IL101" / "program_block_fixed_per_use"
    findings = [f for r in api.check(api.Run(paths=[str(case)], use_cache=False, isolated=True)) for f in r.findings]
    stem = next(f for f in findings if f.layer == "stem.conv")
    assert "self.stem.conv.weight" in stem.message and stem.fix is not None and stem.fix.applicability == "safe"


def test_an_init_function_of_another_module_run_on_a_container(tmp_path: Path) -> None:
    """`he_init(extra)` imported from the program's own `inits.py`: the layers it loops over are explicit."""
    inits = ("import torch.nn as nn\n\n\ndef he_init(block):\n    for layer in block.modules():\n"
             "        if isinstance(layer, nn.Conv2d):\n            nn.init.kaiming_normal_(layer.weight, nonlinearity=\"relu\")\n")
    net = ("import torch.nn as nn\nfrom inits import he_init\n\n\nclass Net(nn.Module):\n    def __init__(self):\n"
           "        super().__init__()\n        extra = nn.Sequential(nn.Conv2d(3, 8, 1), nn.ReLU())\n        INIT\n"
           "        self.extra = extra\n\n    def forward(self, x):\n        return self.extra(x)\n")
    for init, expected in (("he_init(extra)", "explicit"), ("pass", "default")):
        files = {"inits.py": inits, "net.py": net.replace("INIT", init)}
        root = write_tree(tmp_path, files)
        models, errors, _ = analyze_program({str(root / n): t for n, t in files.items()})
        assert not errors
        conv = next(layer for layer in models[str(root / "net.py")].layers if layer.name == "extra.0")
        assert conv.init == expected, conv.init_evidence


NAMED_APPLY = """import torch.nn as nn


def named_apply(fn, module, name="", depth_first=True, include_root=False):
    if not depth_first and include_root:
        fn(module=module, name=name)
    for child_name, child_module in module.named_children():
        child_name = ".".join((name, child_name)) if name else child_name
        named_apply(fn=fn, module=child_module, name=child_name, depth_first=depth_first, include_root=True)
    if depth_first and include_root:
        fn(module=module, name=name)
    return module
"""

BLOCK_WITH_INIT = """import torch.nn as nn
from functools import partial

from manipulate import named_apply


def _init_conv(module, name, scheme=""):
    if isinstance(module, nn.Conv2d):
        nn.init.normal_(module.weight, 0, 0.1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)
        self.act = nn.GELU()
        RUN

    def init_weights(self, scheme=""):
        named_apply(partial(_init_conv, scheme=scheme), self)

    def forward(self, x):
        return self.act(self.conv(x))
"""


@pytest.mark.parametrize("run, expected", [("self.init_weights()", "explicit"), ("pass", "unknown")])
def test_timm_named_apply_read_from_its_source(tmp_path: Path, run: str, expected: str) -> None:
    """timm's own `named_apply` (a recursion over `named_children()`, not the stub's `module.apply(fn)`):
    an init routine through it counts, run by the constructor or not (timm's ViT calls every
    module's `init_weights()`: vitamin's MbConvLNBlock, whose fix was dead)."""
    files = {"manipulate.py": NAMED_APPLY, "block.py": BLOCK_WITH_INIT.replace("RUN", run)}
    root = write_tree(tmp_path, files)
    models, errors, _ = analyze_program({str(root / n): t for n, t in files.items()})
    assert not errors
    conv = next(layer for layer in models[str(root / "block.py")].layers if layer.name == "conv")
    assert conv.init == expected, conv.init_evidence


CANDIDATE_FACTORY = '''import torch.nn as nn
import torch.nn.functional as F


class Conv2dSame(nn.Conv2d):
    def forward(self, x):
        return F.conv2d(F.pad(x, (1, 1, 1, 1)), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def padding_value(padding):
    dynamic = False
    if isinstance(padding, str):
        padding, dynamic = 0, True
    return padding, dynamic


def create_conv2d(in_chs, out_chs, kernel_size, **kwargs):
    padding, is_dynamic = padding_value(kwargs.pop("padding", ""))
    if is_dynamic:
        return Conv2dSame(in_chs, out_chs, kernel_size, **kwargs)
    return nn.Conv2d(in_chs, out_chs, kernel_size, padding=padding, **kwargs)


def conv_nd(dims, *args, **kwargs):
    if dims == 1:
        return nn.Conv1d(*args, **kwargs)
    elif dims == 2:
        return nn.Conv2d(*args, **kwargs)
    return nn.Conv3d(*args, **kwargs)
'''

CANDIDATE_USER = '''import torch.nn as nn

from factory import conv_nd, create_conv2d


class Net(nn.Module):
    def __init__(self, dims=2):
        super().__init__()
        self.conv = create_conv2d(3, 8, 3, padding="same")
        self.act = nn.SiLU()
        self.conv2 = conv_nd(dims, 8, 8, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return self.conv2(self.act(self.conv(x))).relu()
'''


def test_a_factory_returning_one_of_several_classes_is_one_row_known_where_they_agree() -> None:
    """timm's create_conv2d_pad returns Conv2dSame or nn.Conv2d by padding: both are Conv2d,
    followed by the same SiLU and taken by the same init loop. `conv_nd(dims, ...)` may build a
    Conv1d, Conv2d or Conv3d: the loop over Conv2d initialises only one of them, so the init of
    that one row is unknown (not the default the first candidate would say)."""
    models, _, _ = analyze_program({"factory.py": CANDIDATE_FACTORY, "net.py": CANDIDATE_USER})
    got = {layer.name: layer for layer in models["net.py"].layers}
    assert sorted(got) == ["conv", "conv2"]
    assert (got["conv"].activation, got["conv"].init) == ("silu", "explicit")
    assert (got["conv2"].activation, got["conv2"].init) == ("relu", "unknown")
    assert "Conv1d default" in got["conv2"].init_evidence and "Conv2d explicit" in got["conv2"].init_evidence


NORM_CLASSES = '''import torch.nn as nn
import torch.nn.functional as F

from fast import is_fast_norm


class LayerNorm2d(nn.LayerNorm):
    def __init__(self, num_channels, eps=1e-6):
        super().__init__(num_channels, eps=eps)
        self._fast_norm = is_fast_norm()

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        if self._fast_norm:
            x = fast_layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        else:
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class NormAct(nn.BatchNorm2d):
    def __init__(self, c):
        super().__init__(c)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias))
'''

NORM_USER = '''import torch.nn as nn

from norms import LayerNorm2d, NormAct


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.norm = LayerNorm2d(8)
        self.act = nn.GELU()
        self.conv2 = nn.Conv2d(8, 8, 3)
        self.norm2 = NormAct(8)

    def forward(self, x):
        return self.norm2(self.conv2(self.act(self.norm(self.conv(x)))))
'''


def test_a_torch_norm_subclass_of_another_module_is_a_norm_unless_its_forward_runs_a_module() -> None:
    """timm's LayerNorm2d(nn.LayerNorm) calls a function not read here (`fast_layer_norm`): by its
    class it is a norm, as the runtime trace takes it. A norm subclass whose forward runs a
    module of its own (an activation) is followed through its forward instead."""
    models, _, _ = analyze_program({"norms.py": NORM_CLASSES, "net.py": NORM_USER,
                                    "fast.py": "def is_fast_norm():\n    return _USE\n"})  # fmt: skip
    got = {layer.name: (layer.activation, layer.norm_after) for layer in models["net.py"].layers}
    assert got == {"conv": ("gelu", "LayerNorm"), "conv2": ("relu", "batch_norm")}


def test_a_module_the_loader_parsed_is_not_parsed_again_for_its_own_analysis(tmp_path: Path, monkeypatch) -> None:
    from initlint.program.loader import ModuleLoader
    from initlint.semantics import file as file_stage

    blocks = tmp_path / "blocks.py"
    blocks.write_text(textwrap.dedent("""\
        import torch.nn as nn

        def make(width):
            return nn.Linear(width, width)

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = make(8)

            def forward(self, x):
                return self.fc(x).relu()
        """))
    model = tmp_path / "model.py"
    model.write_text("import torch.nn as nn\nfrom blocks import make\n\nclass Net(nn.Module):\n"
                     "    def __init__(self):\n        super().__init__()\n        self.head = make(4)\n\n"
                     "    def forward(self, x):\n        return self.head(x).tanh()\n")  # fmt: skip
    alone = analyze(blocks.read_text(), str(blocks))
    parses = []
    real_parse = file_stage._parse
    monkeypatch.setattr(file_stage, "_parse", lambda *a: parses.append(a[1]) or real_parse(*a))
    loader = ModuleLoader([str(blocks), str(model)])
    analyze(model.read_text(), str(model), loader)
    assert str(blocks) in loader.consulted  # followed: the loader parsed it
    shared = analyze(blocks.read_text(), str(blocks), loader)
    assert parses == [str(model)]  # blocks.py: the loader's trees, not a second parse
    assert shared.layers == alone.layers and shared.summary == alone.summary
    blocks.write_text(blocks.read_text() + "\n# changed\n")
    analyze(blocks.read_text(), str(blocks), loader)  # other bytes than the loader read: parsed
    assert parses == [str(model), str(blocks)]
