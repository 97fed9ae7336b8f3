#!/usr/bin/env python3
"""Runtime ground truth for the static analysis: what follows each Conv/Linear in torchvision's classifiers.

torchvision 0.28+ does not load on the project's torch 2.13, so this runs in a separate venv
and CI only reads what it wrote:

    python3 -m venv bench/.venv-torchvision
    bench/.venv-torchvision/bin/pip install torch==2.14.1 torchvision==0.29.1 numpy
    PYTHONPATH=$PWD bench/.venv-torchvision/bin/python bench/build_torchvision_table.py

Each model is built (weights=None) inside `record_construction()` and traced by running it
(the hooks method) on one 1x3x224x224 input, in training mode as built (so GoogLeNet's aux
heads run too). Writes tests/data/torchvision_runtime.json: per model, the unique
construction sites (chain of [file relative to the torchvision package, line] frames in
torchvision/models/*.py, innermost first) with the layers built there, their traced
activation, what their weights look like (`init`, `verdict`: verify's judgement from their
statistics) and `weights`, the fact behind it (DefaultDraws): "default" when the weight is, bit
for bit, what the layer's own `reset_parameters()` (torch's default init) last drew,
"redrawn-default" when it was drawn again from that distribution, "rewritten" when anything
else wrote it last (an init loop, a tie to another weight), as seen once the model is built,
i.e. after every re-init it runs (torchvision runs its own init loops).
tests/test_runtime_agreement.py and bench/static_vs_runtime.py compare it with the
static analysis of the same source files, whose sha256 the table records.

It prints, per model, the layers, the verdict counts and the time `verify` took next to the
time to build the model and to run one forward pass (what verify costs over using the model).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "torchvision_runtime.json"
VERSION = "0.29.1"
INPUT_SHAPE = (1, 3, 224, 224)
FILES = {
    "resnet": "models/resnet.py",
    "vgg": "models/vgg.py",
    "alexnet": "models/alexnet.py",
    "mobilenetv2": "models/mobilenetv2.py",
    "densenet": "models/densenet.py",
    "squeezenet": "models/squeezenet.py",
    "googlenet": "models/googlenet.py",
}
MODELS = (
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
    "vgg11", "vgg11_bn", "vgg13", "vgg16", "vgg16_bn", "vgg19", "alexnet", "mobilenet_v2",
    "densenet121", "densenet161", "densenet169", "densenet201", "squeezenet1_0", "squeezenet1_1", "googlenet",
)  # fmt: skip
BUILD_KWARGS = {"googlenet": {"init_weights": True}}  # its default, said explicitly to silence the warning


def build(name: str, draws: "DefaultDraws"):
    """The model, built with weights=None inside record_construction() and `draws`."""
    import torch
    import torchvision.models

    from initlint.runtime import record_construction

    torch.manual_seed(0)
    with record_construction(), draws:
        return getattr(torchvision.models, name)(weights=None, **BUILD_KWARGS.get(name, {}))


class DefaultDraws:
    """While active, each run of a Conv/Linear's own `reset_parameters()` (torch's default init:
    kaiming_uniform_ with a=sqrt(5)) keeps a copy of the weight it drew, and every in-place torch
    call the build makes is remembered per tensor data (the last one wins), so that once the model
    is built each layer's weight can be told, exactly:

    - "default": it is, bit for bit, the last draw of its reset_parameters() (which a model may call
      again later: still the default);
    - "redrawn-default": written since, last by a `uniform_(-b, b)` with b = 1/sqrt(fan_in) over the
      whole weight: torch's default distribution again (`kaiming_uniform_(w, a=math.sqrt(5))`, or
      transformers' `init.uniform_(w, -k, k)` with k = 1/sqrt(in_features));
    - "rewritten": anything else wrote it last (normal_, trunc_normal_, a kaiming or xavier init of
      another bound, a copy, a tie to another weight); a parametrized weight (weight_norm) is
      "default" while it computes to its draw up to rounding, else "rewritten";
    - "unrecorded": it was never drawn while this was active.

    Wraps `reset_parameters` of nn.Linear and _ConvNd, which every Conv/Linear (subclasses,
    ConvTranspose, materialised Lazy* layers) runs from its constructor; the in-place calls are
    seen by a TorchFunctionMode (nn.init's functions end in Tensor.uniform_, normal_, copy_...)."""

    def __init__(self) -> None:
        import weakref

        self.drawn: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # layer -> weight it drew
        self.last_write: dict[int, tuple] = {}  # data_ptr -> (numel, function name, args, kwargs)
        self._patched: list = []
        self._mode = None

    def __enter__(self) -> "DefaultDraws":
        from torch import nn

        for cls in (nn.Linear, nn.modules.conv._ConvNd):
            original = cls.__dict__["reset_parameters"]
            self._patched.append((cls, original))
            cls.reset_parameters = self._recording(original)
        self._mode = _InPlaceWrites(self.last_write)
        self._mode.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._mode.__exit__(*exc)
        for cls, original in self._patched:
            cls.reset_parameters = original
        self._patched.clear()

    def _recording(self, original):
        import functools

        import torch
        from torch import nn

        @functools.wraps(original)
        def reset_parameters(module) -> None:
            original(module)
            weight = getattr(module, "weight", None)
            usable = isinstance(weight, torch.Tensor) and not isinstance(weight, nn.parameter.UninitializedParameter)
            if usable and not weight.is_meta:
                self.drawn[module] = weight.detach().clone()

        return reset_parameters

    def state(self, module) -> str:
        import math

        import torch
        from torch import nn
        from torch.nn.utils import parametrize

        drawn = self.drawn.get(module)
        if drawn is None:
            return "unrecorded"
        weight = module.weight.detach()
        if parametrize.is_parametrized(module, "weight"):  # computed from other tensors (weight_norm's g * v/|v|)
            same = weight.shape == drawn.shape and torch.allclose(weight, drawn, rtol=1e-5, atol=0.0)
            return "default" if same else "rewritten"
        if weight.shape == drawn.shape and weight.dtype == drawn.dtype and torch.equal(weight, drawn):
            return "default"
        numel, name, args, kwargs = self.last_write.get(weight.data_ptr(), (0, "", (), {}))
        bound = _uniform_bound(name, args, kwargs, weight) if numel == weight.numel() else None
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(weight)
        if bound is not None and fan_in > 0 and math.isclose(bound, 1.0 / math.sqrt(fan_in), rel_tol=1e-6):
            return "redrawn-default"
        return "rewritten"


def _uniform_bound(name: str, args: tuple, kwargs: dict, weight):
    """b when the in-place call `name` draws the whole weight from U(-b, b), else None. nn.init's
    own functions are seen whole (a TorchFunctionMode does not see the calls inside them)."""
    import math

    from torch import nn

    def arg(position: int, *names: str, default=None):
        for key in names:
            if key in kwargs:
                return kwargs[key]
        return args[position] if len(args) > position else default

    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    if name == "uniform_":  # Tensor.uniform_(from, to) or nn.init.uniform_(w, a, b)
        low, high = arg(0, "from", "a", default=0.0), arg(1, "to", "b", default=1.0)
        return float(high) if math.isclose(-float(low), float(high), rel_tol=1e-9) else None
    if name == "kaiming_uniform_":
        a, mode = arg(0, "a", default=0.0), arg(1, "mode", default="fan_in")
        nonlinearity = arg(2, "nonlinearity", default="leaky_relu")
        fan = fan_in if mode == "fan_in" else fan_out
        return math.sqrt(3.0) * nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan > 0 else None
    if name == "xavier_uniform_":
        return float(arg(0, "gain", default=1.0)) * math.sqrt(6.0 / (fan_in + fan_out))
    return None


def _InPlaceWrites(last_write: dict):
    """A TorchFunctionMode noting, per tensor data, the last in-place call on it (`x.uniform_(a, b)`)."""
    import torch
    from torch.overrides import TorchFunctionMode

    class InPlaceWrites(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            result = func(*args, **kwargs)
            name = getattr(func, "__name__", "") or ""
            if name == "__set__":  # `param.data = other`: the data is other's, whose writes count
                return result
            target = args[0] if args else kwargs.get("tensor")  # nn.init's functions come with keywords only
            if name.endswith("_") and not name.startswith("_") and isinstance(target, torch.Tensor):
                if not target.is_meta and target.numel():
                    plain = {k: v for k, v in kwargs.items() if isinstance(v, (int, float, str))}
                    values = tuple(a if isinstance(a, (int, float, str)) else None for a in args[1:])
                    last_write[target.data_ptr()] = (target.numel(), name, values, plain)
            return result

    return InPlaceWrites()


def models_chain(module, package: Path, sources=None) -> list[list]:
    """The construction frames inside the package's files `sources` (default: torchvision/models/*.py),
    innermost first, consecutive repeats dropped."""
    from initlint.runtime.provenance import construction_sites

    chain: list[list] = []
    for path, line, *_ in construction_sites(module):
        rel = Path(path).resolve().relative_to(package) if Path(path).resolve().is_relative_to(package) else None
        wanted = rel is not None and (rel.parent == Path("models") if sources is None else rel.as_posix() in sources)
        if not wanted:
            continue
        frame = [rel.as_posix(), line]
        if not chain or chain[-1] != frame:
            chain.append(frame)
    return chain


def timed_verify(make_model, example_input, name: str) -> tuple:
    """(model, report, seconds) for building the model, one plain forward pass, and `verify` (hooks)."""
    import torch

    from initlint.runtime import verify

    start = time.perf_counter()
    model = make_model()
    built = time.perf_counter()
    with torch.no_grad():
        model(**example_input) if isinstance(example_input, dict) else model(example_input)
    forward = time.perf_counter()
    report = verify(model, example_input, method="hooks", static=False, target=name)
    verified = time.perf_counter()
    return model, report, {"build": built - start, "forward": forward - built, "verify": verified - forward}


def timing_line(name: str, report, seconds: dict) -> str:
    counts = " ".join(f"{n:3d} {verdict}" for verdict, n in report.counts().items())
    ratio = seconds["verify"] / max(seconds["build"] + seconds["forward"], 1e-9)
    return (
        f"{name:18s} {len(report.layers):4d} layers  {counts}  build {seconds['build']:6.2f}s  "
        f"forward {seconds['forward']:6.2f}s  verify {seconds['verify']:6.2f}s (x{ratio:.1f} build+forward)"
    )


def trace_model(name: str, package: Path) -> dict:
    import torch

    draws = DefaultDraws()
    verified = timed_verify(lambda: build(name, draws), torch.randn(*INPUT_SHAPE), name)
    return traced_sites(*verified, name, package, weights_state=draws.state)


def traced_sites(model, report, seconds: dict, name: str, package: Path, sources=None, weights_state=None) -> dict:
    """The table entry of one verified model: its layers grouped by construction chain, verdict and
    (given `weights_state`, DefaultDraws.state) whether the weight is still the default draw."""
    print(timing_line(name, report, seconds), flush=True)
    modules = dict(model.named_modules())
    sites: dict[tuple, dict] = {}
    for row in report.layers:
        module = modules[row.layer]
        chain = models_chain(module, package, sources)
        weights = weights_state(module) if weights_state is not None else None
        key = (json.dumps(chain), row.layer_type, row.activation, row.activation_param, row.init, row.verdict, weights)
        site = sites.setdefault(
            key,
            {
                "chain": chain,
                "layer_type": row.layer_type,
                "activation": row.activation,
                "activation_param": row.activation_param,
                "init": row.init,
                "verdict": row.verdict,
                **({} if weights is None else {"weights": weights}),
                "layers": [],
            },
        )
        site["layers"].append(row.layer)
    return {"method": report.method, "layers": len(report.layers), "notes": report.notes, "sites": list(sites.values())}


def built_recorded(make_model, draws: DefaultDraws):
    """`make_model()`, seeded, built under record_construction() (each layer's construction chain)
    and `draws`, in eval mode (training mode would skip whole layers at random: wav2vec2's LayerDrop)."""
    import torch

    from initlint.runtime import record_construction

    torch.manual_seed(0)
    with record_construction(), draws:
        model = make_model()
    return model.eval()


def build_package_table(package_name: str, version: str, package: Path, files: set, models: dict, out: Path) -> None:
    """The held-out libraries' table (kornia, MONAI, ...): each of `models` (name -> (a function building
    it, input shape)) built with random weights under record_construction() and `DefaultDraws`, traced
    by running it (hooks) on one input in eval mode; a layer's chain is its frames in `files` (paths
    relative to `package`). A network that cannot be built or run is said so and left out."""
    import torch

    table = {
        "package": package_name,
        package_name: version,
        "torch": torch.__version__.split("+")[0],
        "mode": "eval",
        "sources": {},
        "models": {},
    }
    for name, (make, shape) in models.items():
        draws = DefaultDraws()
        try:
            verified = timed_verify(lambda: built_recorded(make, draws), torch.randn(*shape), name)
        except Exception as error:  # a network this config or torch cannot build or run: say so, go on
            print(f"{name}: skipped ({type(error).__name__}: {error})", file=sys.stderr)
            continue
        table["models"][name] = traced_sites(*verified, name, package, files, draws.state)
    write_with_sources(table, package, out)


def write_with_sources(table: dict, package: Path, out: Path) -> None:
    """Write the table, its `sources` the sha256 of each file its construction chains pass through."""
    used = sorted({frame[0] for entry in table["models"].values() for site in entry["sites"] for frame in site["chain"]})
    table["sources"] = {rel: hashlib.sha256((package / rel).read_bytes()).hexdigest() for rel in used}
    write(table, out)
    print(f"wrote {out.relative_to(REPO)} ({out.stat().st_size // 1024} KiB, {len(used)} source files)")


def write(table: dict, out: Path = OUT) -> None:
    """One site per line: small, and diffs stay readable."""
    lines = ["{"]
    head = {k: v for k, v in table.items() if k != "models"}
    for key, value in head.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "models": {')
    names = list(table["models"])
    for i, name in enumerate(names):
        entry = table["models"][name]
        lines.append(f"    {json.dumps(name)}: {{")
        for key in ("method", "layers", "notes"):
            lines.append(f"      {json.dumps(key)}: {json.dumps(entry[key])},")
        lines.append('      "sites": [')
        sites = entry["sites"]
        for j, site in enumerate(sites):
            lines.append(f"        {json.dumps(site)}{',' if j < len(sites) - 1 else ''}")
        lines.append("      ]")
        lines.append(f"    }}{',' if i < len(names) - 1 else ''}")
    lines.append("  }")
    lines.append("}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    import torch
    import torchvision

    version = torchvision.__version__.split("+")[0]
    if version != VERSION:
        print(f"expected torchvision {VERSION}, found {torchvision.__version__}", file=sys.stderr)
        return 2
    package = Path(torchvision.__file__).resolve().parent
    table = {
        "torchvision": version,
        "torch": torch.__version__.split("+")[0],
        "input_shape": list(INPUT_SHAPE),
        "mode": "train",
        "sources": {rel: hashlib.sha256((package / rel).read_bytes()).hexdigest() for rel in FILES.values()},
        "models": {},
    }
    for name in MODELS:
        table["models"][name] = trace_model(name, package)
    write(table)
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
