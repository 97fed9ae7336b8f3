"""The rule book's `act=` annotations are true: run every example and look.

For every example file under rules/<CODE>/ this test imports it, builds every nn.Module
class it defines with no arguments, runs a forward pass on the shapes in the file's
EXAMPLE_INPUTS, and records, for each Conv/Linear, which op consumes its output. The
signal is followed through the ops that catalogue.TRANSPARENT_MODULES /
TRANSPARENT_FUNCTIONS call transparent (norms, dropout, pooling, reshapes, residual adds);
the first other op that takes it is what follows the layer. That must be the activation
written in the layer's `expect: act=...` annotation (and `param=` must match the
activation's real parameter).

The test does not use initlint's static analysis at all: it checks the rule book against
torch, so that the static tests check the analysis against facts.

How a built layer is matched to its annotation: while the classes are built,
torch.nn.Module.__init__ is wrapped to record the lines of the example file on the call
stack of each Conv/Linear construction; the innermost annotated line is the layer's
annotation (for a helper factory such as conv3x3 that is the helper call in the class).
An annotation speaks about its layer inside the class the annotated line belongs to, so
its activation is checked when that class is the model being run.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import math
import re
import sys
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

torch = pytest.importorskip("torch", reason="the runtime rule-book test needs torch: pip install -e '.[runtime]'")

from torch.overrides import TorchFunctionMode  # noqa: E402
from torch.utils._pytree import tree_flatten  # noqa: E402

from initlint import catalogue  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLES = sorted(p for p in RULES.glob("IL*/*.py") if not p.name.endswith(".fixed.py"))

EXPECT_KEYS = {"act", "param", "init", "layer", "class", "type"}
CODE_RE = re.compile(r"^IL\d{3}$")
PARAM_TOLERANCE = 1e-6


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models, many small ops: a second intra-op thread only adds waiting (badly so on a loaded
    2-core machine); restored afterwards for the other test modules."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# --------------------------------------------------------------------------- annotations


@dataclass
class Expectation:
    line: int
    codes: list[str]
    keys: dict[str, str]
    class_name: Optional[str] = None  # the class the annotated line belongs to (or class=)


def parse_expectations(source: str) -> dict[int, Expectation]:
    """`expect:` comments by line, in the format of rules/README.md."""
    found: dict[int, Expectation] = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT or "expect:" not in tok.string:
            continue
        line = tok.start[0]
        codes: list[str] = []
        keys: dict[str, str] = {}
        for item in tok.string.split("expect:", 1)[1].split():
            if CODE_RE.match(item):
                codes.append(item)
            elif "=" in item and item.split("=", 1)[0] in EXPECT_KEYS:
                key, value = item.split("=", 1)
                keys[key] = value
            else:
                raise AssertionError(f"line {line}: cannot read {item!r} in an expect: comment")
        found[line] = Expectation(line, codes, keys)
    tree = ast.parse(source)
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    for exp in found.values():
        enclosing = [c for c in classes if c.lineno <= exp.line <= c.end_lineno]
        innermost = max(enclosing, key=lambda c: c.lineno) if enclosing else None
        exp.class_name = exp.keys.get("class", innermost.name if innermost else None)
    return found


# --------------------------------------------------------------------------- tracing

LAYER_TYPES = frozenset(catalogue.LAYER_TYPES)
# The parts of a split (`a, b = h.chunk(2, -1)`) are followed on their own, as the static analysis does.
# Indexing (`temb[:, :, None, None]`, `x[:, 0]`) keeps the values it takes, as initlint.runtime.trace has it.
TRANSPARENT = frozenset(catalogue.TRANSPARENT_FUNCTIONS) | catalogue.SPLIT_FUNCTIONS | {"__getitem__"}
_RUNTIME_ALIASES = {"log_sigmoid": "logsigmoid", "__iadd__": "add_", "__add__": "add", "__radd__": "add"}


def _op_name(func) -> str:
    name = getattr(func, "__name__", "") or ""
    name = _RUNTIME_ALIASES.get(name, name)
    return name.lstrip("_") if not name.startswith("__") else name


def _arg(args, kwargs, name, position, default):
    if name in kwargs:
        return kwargs[name]
    if len(args) > position:
        return args[position]
    return default


def classify(name: str, args, kwargs) -> tuple[str, Optional[float]]:
    """The vocabulary name and parameter of the op that consumed a layer's output."""
    if name == "hardtanh":  # nn.ReLU6 is Hardtanh(0, 6) and runs F.hardtanh
        low = _arg(args, kwargs, "min_val", 1, -1.0)
        high = _arg(args, kwargs, "max_val", 2, 1.0)
        return ("relu6", None) if (low, high) == (0.0, 6.0) else ("hardtanh", None)
    if name in catalogue.CLAMPS:  # `x.clamp(min=0)` is ReLU
        low = _arg(args, kwargs, "min", 1, None)
        high = None if name.startswith("clamp_min") else _arg(args, kwargs, "max", 2, None)
        numbers = all(v is None or isinstance(v, (int, float)) for v in (low, high))
        clamped = catalogue.clamp_activation(*(None if v is None else float(v) for v in (low, high))) if numbers else None
        return (clamped, None) if clamped is not None else ("none", None)
    if name not in catalogue.ACTIVATION_FUNCTIONS:
        return "none", None
    act, spec = catalogue.ACTIVATION_FUNCTIONS[name]
    param = None
    if act == "prelu":
        weight = _arg(args, kwargs, "weight", 1, None)
        param = float(weight.detach().float().mean()) if weight is not None else None
    elif act == "rrelu":
        lower = _arg(args, kwargs, "lower", 1, 1.0 / 8)
        upper = _arg(args, kwargs, "upper", 2, 1.0 / 3)
        param = (lower + upper) / 2
    elif spec is not None:
        pname, position = spec
        param = _arg(args, kwargs, pname, position, catalogue.DEFAULT_PARAM.get(act))
    return act, (float(param) if param is not None else None)


# Activations written in tensor arithmetic (`x * torch.sigmoid(x)`), recognised by value: an
# op's result that equals one of these applied to a layer's output is that activation, and the
# ops that computed it (sigmoid, mul) are not separate consumers.
WRITTEN_OUT = {
    "silu": lambda z: torch.nn.functional.silu(z),
    "mish": lambda z: torch.nn.functional.mish(z),
    "squared_relu": lambda z: torch.relu(z) ** 2,
    # GELU's tanh form (`0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`): torch calls it gelu too
    "gelu": lambda z: torch.nn.functional.gelu(z, approximate="tanh"),
}
# ops from the layer's output to the result (a hand-written LayerNorm takes five, GELU's tanh form seven)
WRITTEN_OUT_DEPTH = 8


def standardised(z, out) -> bool:
    """Whether `out` is `z` standardised along one dim (LayerNorm or RMSNorm style, a fresh
    norm's weight 1 and bias 0): what a hand-written norm module computes, gain-neutral."""
    for dim in range(z.dim()):
        centred = z - z.mean(dim, keepdim=True)
        for eps in (1e-5, 1e-6):
            for candidate in (centred / torch.sqrt(centred.pow(2).mean(dim, keepdim=True) + eps),
                              z * torch.rsqrt(z.pow(2).mean(dim, keepdim=True) + eps)):  # fmt: skip
                if torch.allclose(out, candidate, rtol=1e-3, atol=1e-4):
                    return True
    return False


class ConsumerTracer(TorchFunctionMode):
    """Records which op first takes each Conv/Linear output, through transparent ops."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[int, tuple[object, frozenset]] = {}  # id(tensor) -> (tensor, layer keys)
        self.consumers: dict[int, list[tuple[str, Optional[float]]]] = defaultdict(list)
        self.ran: set[int] = set()
        self.outputs: dict[int, object] = {}  # layer key -> a copy of its (last) output
        # id(result) -> (result, {layer key: consumer indices that computed it}, depth)
        self.derived: dict[int, tuple[object, dict, int]] = {}
        self.written_out: dict[int, tuple[str, set]] = {}  # layer key -> (activation, absorbed indices)
        # id(result) -> (result, origin, depth) of a transparent op that also takes a derived value
        # (`x + 0.044715 * x ** 3`): the layer's output again, and still part of what is written out
        self.carried: dict[int, tuple[object, dict, int]] = {}
        self.normalised: dict[int, set] = defaultdict(set)  # layer key -> consumer indices inside a norm

    def mark(self, key: int, output) -> None:
        self.ran.add(key)
        if isinstance(output, torch.Tensor):
            self.outputs[key] = output.detach().clone()
        for t in tree_flatten(output)[0]:
            if isinstance(t, torch.Tensor):
                self._add(t, frozenset({key}))

    def seen_by(self, key: int) -> list:
        """What consumed the layer's output, with a written-out activation as one consumer."""
        found = [c for i, c in enumerate(self.consumers.get(key, [])) if i not in self.normalised[key]]
        if key not in self.written_out:
            return found
        activation, absorbed = self.written_out[key]
        return [c for i, c in enumerate(self.consumers.get(key, [])) if i not in absorbed | self.normalised[key]] + [
            (activation, None)]

    def _derive(self, values, recorded: dict, outs: list) -> None:
        """Follow the results of non-transparent ops a few steps, to see an activation written out."""
        origin: dict = {key: set(indices) for key, indices in recorded.items()}
        depth = 0
        for t in values:
            if isinstance(t, torch.Tensor):
                tag = self.tags.get(id(t))
                if tag is not None and tag[0] is t:
                    carried = self.carried.get(id(t))
                    if carried is not None and carried[0] is t:
                        depth = max(depth, carried[2])
                        for key, indices in carried[1].items():
                            origin.setdefault(key, set()).update(indices)
                    continue  # a layer's output: what led to it is another layer's story
                entry = self.derived.get(id(t))
                if entry is not None and entry[0] is t:
                    depth = max(depth, entry[2])
                    for key, indices in entry[1].items():
                        origin.setdefault(key, set()).update(indices)
        if not origin or depth >= WRITTEN_OUT_DEPTH:
            return
        for out in outs:
            for key, indices in origin.items():
                z = self.outputs.get(key)
                if z is None or out.shape != z.shape or not out.dtype.is_floating_point:
                    continue
                for activation, fn in WRITTEN_OUT.items():
                    if torch.allclose(out.detach(), fn(z), rtol=1e-4, atol=1e-6):
                        self.written_out[key] = (activation, indices)
                if standardised(z, out.detach()):  # the ops of the norm are not consumers; what takes its result is
                    self.normalised[key] |= indices
                    self._add(out, frozenset({key}))
            self.derived[id(out)] = (out, origin, depth + 1)

    def _add(self, t, keys: frozenset) -> None:
        old = self.tags.get(id(t))
        if old is not None and old[0] is t:
            keys = keys | old[1]
        self.tags[id(t)] = (t, keys)

    def _keys_of(self, values) -> frozenset:
        keys: frozenset = frozenset()
        for t in values:
            if isinstance(t, torch.Tensor):
                entry = self.tags.get(id(t))
                if entry is not None and entry[0] is t:
                    keys = keys | entry[1]
        return keys

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        keys = self._keys_of(tree_flatten((args, kwargs))[0])
        if not keys:
            outs = [t for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
            if outs and self.derived:  # `torch.relu(z) ** 2`: the square takes the relu's result
                self._derive(tree_flatten((args, kwargs))[0], {}, outs)
            return out
        outs = [t for t in tree_flatten(out)[0] if isinstance(t, torch.Tensor)]
        if not outs:  # size(), dim(), .shape: reading metadata consumes nothing
            return out
        name = _op_name(func)
        if name in TRANSPARENT:
            for t in outs:
                self._add(t, keys)
            derived = [self.derived[id(t)] for t in tree_flatten((args, kwargs))[0]  # not a layer's output's own
                       if isinstance(t, torch.Tensor) and id(t) in self.derived and self.derived[id(t)][0] is t
                       and not (id(t) in self.tags and self.tags[id(t)][0] is t)]  # fmt: skip
            if derived:
                origin: dict = {}
                for _, entry_origin, _ in derived:
                    for key, indices in entry_origin.items():
                        origin.setdefault(key, set()).update(indices)
                for t in outs:
                    self.carried[id(t)] = (t, origin, max(depth for *_, depth in derived) + 1)
            return out
        act = classify(name, args, kwargs)
        recorded: dict = {}
        for key in keys:
            recorded[key] = {len(self.consumers[key])}
            self.consumers[key].append(act)
        for t in outs:  # an in-place activation returns its input: no longer the layer's output
            entry = self.tags.get(id(t))
            if entry is not None and entry[0] is t:
                del self.tags[id(t)]
        self._derive(tree_flatten((args, kwargs))[0], recorded, outs)
        return out


class ConstructionSites:
    """Wraps nn.Module.__init__ to record where each Conv/Linear is built in one file."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.sites: dict[int, tuple[object, list[int]]] = {}

    def __enter__(self) -> "ConstructionSites":
        self._original = original = torch.nn.Module.__init__
        filename, sites = self.filename, self.sites

        def init(module, *args, **kwargs):
            original(module, *args, **kwargs)
            if type(module).__name__ in LAYER_TYPES:
                lines = []
                frame = sys._getframe(1)
                while frame is not None:
                    if frame.f_code.co_filename == filename:
                        lines.append(frame.f_lineno)
                    frame = frame.f_back
                sites[id(module)] = (module, lines)

        torch.nn.Module.__init__ = init
        return self

    def __exit__(self, *exc) -> None:
        torch.nn.Module.__init__ = self._original


# --------------------------------------------------------------------------- the test


def missing_requirements(path: Path) -> list[str]:
    """The packages an example names in `EXAMPLE_REQUIRES` (besides torch) that are not installed."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLE_REQUIRES" for t in node.targets):
            return [name for name in ast.literal_eval(node.value) if importlib.util.find_spec(name) is None]
    return []


def load_example(path: Path, built: Optional["ConstructionSites"] = None):
    """Import an example file; `built` records the layers its module-level code builds. An example
    that needs a package not installed here (EXAMPLE_REQUIRES, e.g. transformers) is skipped."""
    missing = missing_requirements(path)
    if missing:
        pytest.skip(f"{path.name} needs {', '.join(missing)}, not installed here")
    name = f"_rulebook_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        if built is None:
            spec.loader.exec_module(module)
        else:
            with built:
                spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def module_classes(module) -> list[type]:
    return [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, torch.nn.Module) and obj.__module__ == module.__name__
    ]


def module_instances(module) -> dict[str, object]:
    """Models a script builds in its module-level code (`model = nn.Sequential(...)`): the
    module-level nn.Module instances that hold a Conv/Linear."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if isinstance(obj, torch.nn.Module) and any(type(m).__name__ in LAYER_TYPES for m in obj.modules())
    }


def run_example(path: Path) -> list[str]:
    """Build and trace every class (and module-level model) in one example file; return what disagrees."""
    source = path.read_text(encoding="utf-8")
    expectations = {line: e for line, e in parse_expectations(source).items() if "act" in e.keys}
    torch.manual_seed(0)
    at_import = ConstructionSites(str(path))
    module = load_example(path, at_import)
    try:
        return _check_module(path, module, expectations, at_import)
    finally:
        sys.modules.pop(module.__name__, None)


def _check_module(path: Path, module, expectations: dict[int, Expectation], at_import: ConstructionSites) -> list[str]:
    problems: list[str] = []
    inputs = getattr(module, "EXAMPLE_INPUTS", None)
    if not isinstance(inputs, dict):
        return [f"{path.name}: no module-level EXAMPLE_INPUTS dict (see rules/README.md)"]
    classes = module_classes(module)
    instances = module_instances(module)
    for name in [c.__name__ for c in classes] + list(instances):
        if name not in inputs:
            problems.append(f"{path.name}: {name} is missing from EXAMPLE_INPUTS")
    for name in inputs:
        if name not in {c.__name__ for c in classes} and name not in instances:
            problems.append(f"{path.name}: EXAMPLE_INPUTS names {name}, which is not an nn.Module class or model of the file")

    verified: set[int] = set()
    filename = module.__file__
    # EXAMPLE_VARIANTS: more constructions of a class (keyword arguments), for layers only
    # another path builds (a layer bound again after an early return or in a branch)
    variants = getattr(module, "EXAMPLE_VARIANTS", {})
    runs = [(cls.__name__, cls, kwargs) for cls in classes if cls.__name__ in inputs
            for kwargs in [{}, *variants.get(cls.__name__, [])]]  # fmt: skip
    runs += [(name, instance, None) for name, instance in instances.items() if name in inputs]
    for model_name, built_from, kwargs in runs:
        if isinstance(built_from, torch.nn.Module):  # built by the script's own code, at import
            model, built = built_from, at_import
        else:
            cls = built_from
            torch.manual_seed(0)
            with ConstructionSites(filename) as built:
                try:
                    model = cls(**kwargs)
                except Exception as exc:  # noqa: BLE001 - report, do not hide
                    problems.append(f"{path.name}: {cls.__name__}() does not build with no arguments: {exc!r}")
                    continue
        shapes = inputs[model_name]
        if shapes is None:
            continue
        tracer = ConsumerTracer()
        handles = []
        layer_of: dict[int, tuple[object, list[int]]] = {}
        for sub in model.modules():
            if type(sub).__name__ in LAYER_TYPES:
                layer_of[id(sub)] = built.sites.get(id(sub), (sub, []))
                handles.append(sub.register_forward_hook(lambda m, i, o, key=id(sub): tracer.mark(key, o)))
        model.eval()
        args = [torch.randn(*shape) for shape in shapes]
        try:
            with torch.no_grad(), tracer:
                model(*args)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"{path.name}: {model_name} forward on {shapes} failed: {exc!r}")
            continue
        finally:
            for handle in handles:
                handle.remove()

        for key, (sub, lines) in layer_of.items():
            annotated = [line for line in lines if line in expectations]
            if not annotated:
                where = ", ".join(map(str, lines)) or "outside this file"
                problems.append(
                    f"{path.name}: a {type(sub).__name__} in {model_name} (built at line {where}) has no `expect: act=` annotation"
                )
                continue
            exp = expectations[annotated[0]]
            if exp.class_name not in (None, model_name):
                continue  # checked when its own class is the model being run
            verified.add(exp.line)
            want = exp.keys["act"]
            if want == "unknown":
                continue
            if key not in tracer.ran:
                problems.append(f"{path.name}:{exp.line}: layer never ran in {model_name}.forward")
                continue
            seen = tracer.seen_by(key) or [("none", None)]
            acts = sorted({a for a, _ in seen})
            if acts != [want]:
                problems.append(
                    f"{path.name}:{exp.line}: annotated act={want}, but at run time in {model_name} the output goes to {acts}"
                )
                continue
            if "param" in exp.keys:
                expected_param = float(exp.keys["param"])
                params = {p for _, p in seen}
                if any(p is None or not math.isclose(p, expected_param, abs_tol=PARAM_TOLERANCE) for p in params):
                    problems.append(
                        f"{path.name}:{exp.line}: annotated param={expected_param}, the {want} at run time has {sorted(params, key=str)}"
                    )
    for line, exp in sorted(expectations.items()):
        if line not in verified:
            problems.append(
                f"{path.name}:{line}: annotated layer was never built and run inside its own class {exp.class_name}"
            )
    return problems


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_annotations_match_runtime(path: Path) -> None:
    problems = run_example(path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path", sorted(RULES.glob("IL*/*.fixed.py")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_fixed_files_build_and_run(path: Path) -> None:
    """The autofix output is still a working model: every class builds and runs."""
    module = load_example(path)
    try:
        for cls in module_classes(module):
            shapes = module.EXAMPLE_INPUTS[cls.__name__]
            model = cls()
            if shapes is not None:
                model.eval()
                with torch.no_grad():
                    model(*[torch.randn(*shape) for shape in shapes])
    finally:
        sys.modules.pop(module.__name__, None)


FIXABLE = {"IL101", "IL102", "IL103", "IL105", "IL106"}


@pytest.mark.parametrize(
    # the init rules' folders: IL900's fixes remove noqa codes, they initialise nothing
    "path", sorted(p for p in RULES.glob("IL1*/*.fixed.py")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_fixed_layers_measure_their_target_std(path: Path) -> None:
    """Every layer the fix initialised (annotated with a fixable code in the flagged file, and
    `explicit` in the fixed one) has, once built on each path the file lists, the std its
    activation calls for (default fix options: uniform, fan_in): the inserted call ran and
    nothing after it overwrote it. 5 sigmas of the sample std's spread are allowed."""
    from initlint.semantics.file import analyze

    source = path.read_text(encoding="utf-8")
    fixed_lines = {layer.line for layer in analyze(source, str(path)).layers if layer.init == "explicit"}
    wanted = {
        line: exp for line, exp in parse_expectations(source).items()
        if "act" in exp.keys and FIXABLE & set(exp.codes) and line in fixed_lines
    }  # fmt: skip
    assert wanted, f"{path.name}: no layer with a fixable code is initialised in the fixed file"
    at_import = ConstructionSites(str(path))  # a script's module-level models, built (and fixed) at import
    module = load_example(path, at_import)
    measured: set[int] = set()
    try:
        variants = getattr(module, "EXAMPLE_VARIANTS", {})
        runs = [(None, None, at_import)] + [(cls, kwargs, None) for cls in module_classes(module)
                                            for kwargs in [{}, *variants.get(cls.__name__, [])]]  # fmt: skip
        for cls, kwargs, built in runs:
            if cls is not None:
                torch.manual_seed(0)
                with ConstructionSites(module.__file__) as built:
                    cls(**kwargs)
            for sub, lines in built.sites.values():
                line = next((n for n in lines if n in wanted), None)
                if line is None or wanted[line].class_name not in (None, cls.__name__ if cls else None):
                    continue
                exp = wanted[line]
                param = float(exp.keys["param"]) if "param" in exp.keys else None
                rec = catalogue.recommend(exp.keys["act"], param)
                weight = sub.weight.detach().double()
                fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(weight)
                expected = rec.std(fan_in)
                tolerance = 5 * math.sqrt(((3.0 if rec.always_normal else 1.8) - 1.0) / (4.0 * weight.numel()))
                got = weight.std().item()
                assert abs(got / expected - 1.0) <= tolerance, (
                    f"{path.name}:{line} in {cls.__name__ if cls else 'module code'}({kwargs}): std {got:.4f}, expected {expected:.4f}"
                )
                measured.add(line)
    finally:
        sys.modules.pop(module.__name__, None)
    assert measured == set(wanted), f"fixed layers never built: {sorted(set(wanted) - measured)}"


def test_tracer_sees_what_follows() -> None:
    """The tracer itself, on a model whose answer is known by construction."""
    nn = torch.nn

    class Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)
            self.c = nn.Linear(4, 4)
            self.d = nn.Linear(4, 4)
            self.e = nn.Linear(4, 4)
            self.norm = nn.LayerNorm(4)
            self.act = nn.LeakyReLU(0.2, inplace=True)
            self.six = nn.ReLU6()

        def forward(self, x):
            h = self.act(self.norm(self.a(x)).view(2, 4))
            h = self.six(self.b(h))
            g = self.c(h) @ self.d(h).t()
            h = h + self.e(h)
            return torch.sigmoid(h), g

    model = Probe().eval()
    tracer = ConsumerTracer()
    for m in model.modules():
        if type(m).__name__ in LAYER_TYPES:
            m.register_forward_hook(lambda mod, i, o, key=id(m): tracer.mark(key, o))
    with torch.no_grad(), tracer:
        model(torch.randn(2, 4))
    got = {n: sorted(set(tracer.consumers.get(id(m)) or [("none", None)])) for n, m in model.named_children() if n in "abcde"}
    assert got["a"] == [("leaky_relu", pytest.approx(0.2))]
    assert got["b"] == [("relu6", None)]
    assert got["c"] == [("none", None)] and got["d"] == [("none", None)]
    assert got["e"] == [("sigmoid", None)]


def test_examples_model_builds_and_runs() -> None:
    """examples/model.py, the README's first command, is a working model too."""
    path = ROOT / "examples" / "model.py"
    if not path.exists():
        pytest.skip("examples/model.py is not written yet")
    module = load_example(path)
    try:
        model = module.Model().eval()
        with torch.no_grad():
            out = model(torch.randn(2, 3, 32, 32))
        assert out.shape[0] == 2
    finally:
        sys.modules.pop(module.__name__, None)


def test_tracer_sees_activations_written_out() -> None:
    """SiLU, Mish, squared ReLU and GELU's tanh form written in tensor arithmetic are recognised by value; a
    look-alike (the sigmoid GELU approximation) and a gate from another tensor are not."""
    nn = torch.nn
    F = torch.nn.functional

    class Probe(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b, self.c, self.d, self.e, self.f = (nn.Linear(4, 4) for _ in range(6))

        def forward(self, x):
            f = self.f(x)
            x = 0.5 * f * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (f + 0.044715 * torch.pow(f, 3.0))))
            a = self.a(x)
            h = a * torch.sigmoid(a)
            b = self.b(h)
            h = b * torch.tanh(F.softplus(b))
            h = F.relu(self.c(h)) ** 2
            d = self.d(h)
            h = d * torch.sigmoid(1.702 * d)
            return h * torch.sigmoid(self.e(h))

    model = Probe().eval()
    tracer = ConsumerTracer()
    for m in model.modules():
        if type(m).__name__ in LAYER_TYPES:
            m.register_forward_hook(lambda mod, i, o, key=id(m): tracer.mark(key, o))
    with torch.no_grad(), tracer:
        model(torch.randn(8, 4))
    got = {n: sorted({a for a, _ in tracer.seen_by(id(m))}) for n, m in model.named_children()}
    assert got == {"a": ["silu"], "b": ["mish"], "c": ["squared_relu"], "d": ["none"], "e": ["sigmoid"], "f": ["gelu"]}


@pytest.mark.parametrize(
    "path", sorted(p for p in RULES.glob("IL1*/*.fixed.py")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_layers_the_fix_leaves_keep_their_init(path: Path) -> None:
    """Every layer on torch's default in the flagged file that got no safe fix (heads, layers a
    helper's fix must not reach, unsafe fixes not applied) measures torch's default std in the
    fixed file, 1/sqrt(3 fan_in): no inserted call reached a layer it was not written for (a
    loop, a helper's line, a routine's branch). 5 sigmas, as above."""
    from initlint import fixer
    from initlint.semantics.file import analyze
    from initlint.rules import run_rules, select_rules

    flagged = path.with_name(path.name.replace(".fixed.py", ".py"))
    before = flagged.read_text(encoding="utf-8")
    model = analyze(before, str(flagged))
    rules = {rule.code: rule for rule in select_rules(None) + select_rules([path.parent.name])}
    findings = run_rules(model, list(rules.values()))
    fixer.attach_fixes(findings, model, None, before)
    fixed = {(f.line, f.column) for f in fixer.fixable(findings)}
    left_lines = {layer.line for layer in model.layers if layer.init == "default" and (layer.line, layer.column) not in fixed}

    def keyed(text: str) -> dict[int, tuple[str, int]]:
        """line -> (its text, how many lines before it have that text): the fix only inserts lines"""
        seen: dict[str, int] = {}
        keys = {}
        for number, line in enumerate(text.splitlines(), 1):
            seen[line.strip()] = seen.get(line.strip(), 0) + 1
            keys[number] = (line.strip(), seen[line.strip()])
        return keys

    left = {keyed(before)[line] for line in left_lines}
    source = path.read_text(encoding="utf-8")
    keys = keyed(source)
    wanted = {line: exp for line, exp in parse_expectations(source).items() if "act" in exp.keys and keys[line] in left}
    if not wanted:
        pytest.skip("every layer of this file is initialised")
    at_import = ConstructionSites(str(path))
    module = load_example(path, at_import)
    try:
        variants = getattr(module, "EXAMPLE_VARIANTS", {})
        runs = [(None, None, at_import)] + [(cls, kwargs, None) for cls in module_classes(module)
                                            for kwargs in [{}, *variants.get(cls.__name__, [])]]  # fmt: skip
        for cls, kwargs, built in runs:
            if cls is not None:
                torch.manual_seed(0)
                with ConstructionSites(module.__file__) as built:
                    cls(**kwargs)
            for sub, lines in built.sites.values():
                line = next((n for n in lines if n in wanted), None)
                if line is None or wanted[line].class_name not in (None, cls.__name__ if cls else None):
                    continue
                if not type(sub).__module__.startswith("torch.nn"):
                    continue  # a layer subclass of the file: its own reset_parameters may differ
                weight = sub.weight.detach().double()
                fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(weight)
                expected = 1.0 / math.sqrt(3.0 * fan_in)
                tolerance = 5 * math.sqrt((1.8 - 1.0) / (4.0 * weight.numel()))
                got = weight.std().item()
                assert abs(got / expected - 1.0) <= tolerance, (
                    f"{path.name}:{line} in {cls.__name__ if cls else 'module code'}({kwargs}): std {got:.4f}, "
                    f"torch's default {expected:.4f}: an inserted init reached a layer it was not written for"
                )
    finally:
        sys.modules.pop(module.__name__, None)


def test_a_module_level_helpers_fix_is_unsafe_and_reaches_its_layers(tmp_path: Path) -> None:
    """`make_layers` (module-level) gets its init after `conv = nn.Conv2d(...)` only with
    --unsafe-fixes; then every conv it builds measures He's std, and a second fix changes nothing."""
    from initlint import fixer
    from initlint.semantics.file import analyze
    from initlint.rules import run_rules, select_rules

    work = tmp_path / "helpers.py"
    work.write_bytes((RULES / "IL101" / "flagged_layer_helpers.py").read_bytes())

    def fix(unsafe: bool):
        text = work.read_text(encoding="utf-8")
        model = analyze(text, str(work))
        findings = run_rules(model, select_rules(None))
        fixer.attach_fixes(findings, model, None, text)
        return fixer.fix_file(str(work), findings, work.read_bytes(), unsafe=unsafe), findings

    _, findings = fix(False)
    helper = next(f for f in findings if f.layer == "features.*")
    assert helper.fix is not None and helper.fix.applicability == "unsafe" and "make_layers" in helper.fix.message
    first, _ = fix(True)
    assert '            nn.init.kaiming_uniform_(conv.weight, nonlinearity="relu")\n' in first.new_text
    again, _ = fix(True)
    assert not again.changed, again.diff()
    module = load_example(work)
    try:
        torch.manual_seed(0)
        convs = [m for m in module.Features().features if isinstance(m, torch.nn.Conv2d)]
        assert len(convs) == 2
        for conv in convs:
            fan_in = conv.weight[0].numel()
            assert abs(conv.weight.std().item() / math.sqrt(2.0 / fan_in) - 1.0) < 0.15
    finally:
        sys.modules.pop(module.__name__, None)


def test_a_pretrained_models_fix_survives_loading(tmp_path: Path) -> None:
    """The fix in `_init_weights` is what transformers runs when loading: a checkpoint's weights
    stay as saved (the init there is guarded), and a weight the checkpoint lacks gets the init
    the activation calls for, where an init in __init__ would have been discarded (meta device)."""
    pytest.importorskip("transformers")
    safetensors = pytest.importorskip("safetensors.torch")
    module = load_example(RULES / "IL101" / "flagged_pretrained_model.fixed.py")
    try:
        torch.manual_seed(0)
        model = module.TinyForClassification()
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.fill_(0.125)
        model.save_pretrained(tmp_path)
        loaded = module.TinyForClassification.from_pretrained(tmp_path)
        assert all(bool((p == 0.125).all()) for p in loaded.parameters()), "loading re-initialised saved weights"
        weights = safetensors.load_file(str(tmp_path / "model.safetensors"))
        del weights["hidden.weight"]
        safetensors.save_file(weights, str(tmp_path / "model.safetensors"), metadata={"format": "pt"})
        missing = module.TinyForClassification.from_pretrained(tmp_path)
        fan_in = missing.hidden.weight.shape[1]
        assert abs(missing.hidden.weight.std().item() / math.sqrt(2.0 / fan_in) - 1.0) < 0.1
        assert bool((missing.out.weight == 0.125).all()) and bool((missing.block.up.weight == 0.125).all())
    finally:
        sys.modules.pop(module.__name__, None)


def test_meta_device_fixes_are_unsafe_and_only_the_routine_one_survives(tmp_path: Path) -> None:
    """rules/IL101/flagged_meta_device.py with --unsafe-fixes: the init at the end of
    `reset_parameters` survives materialising (children reset first, then the model's routine);
    the one right after the layer (no routine to hold it) is discarded, which is why both are
    unsafe and the second says so. A second fix changes nothing."""
    from initlint import fixer
    from initlint.rules import run_rules, select_rules
    from initlint.semantics.file import analyze

    work = tmp_path / "meta.py"
    work.write_bytes((RULES / "IL101" / "flagged_meta_device.py").read_bytes())

    def fix():
        text = work.read_text(encoding="utf-8")
        findings = run_rules(model := analyze(text, str(work)), select_rules(None))
        fixer.attach_fixes(findings, model, None, text)
        return fixer.fix_file(str(work), findings, work.read_bytes(), unsafe=True), findings

    first, findings = fix()
    fixes = {f.class_name: f.fix for f in findings}
    assert {f.applicability for f in fixes.values()} == {"unsafe"}
    assert "in `reset_parameters`" in fixes["WithReset"].message and "define `reset_parameters`" in fixes["WithoutRoutine"].message
    again, _ = fix()
    assert not again.changed, again.diff()
    module = load_example(work)
    try:
        torch.manual_seed(0)
        fc = module.materialise(module.WithReset).fc.weight
        assert abs(fc.std().item() / math.sqrt(2.0 / fc.shape[1]) - 1.0) < 0.1
        fc = module.materialise(module.WithoutRoutine).fc.weight
        assert abs(fc.std().item() / math.sqrt(1.0 / (3 * fc.shape[1])) - 1.0) < 0.1, "the init in __init__ was not discarded?"
    finally:
        sys.modules.pop(module.__name__, None)
