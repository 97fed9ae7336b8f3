"""`verify`: build (if given a class or factory), trace, measure the weights, judge; one Report."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

import torch
from torch import nn

from .provenance import StaticIndex, construction_sites, frame_text, record_construction
from .report import FLAGGED, LayerRow, Report, VerifyError
from .trace import LAYER_CLASSES, Graph, graph_from_fx, graph_from_run, layer_outputs
from .weights import fans, fix_call, judge, reinit_as_fixed, weight_stats

METHODS = ("auto", "fx", "hooks", "static")


def verify(
    model: Any,
    example_inputs: Any = None,
    *,
    method: str = "auto",
    static: bool = True,
    compare_fixed: bool = False,
    seed: int = 0,
    target: Optional[str] = None,
) -> Report:
    """Check every Conv/Linear of `model` against the activation that follows it.

    model: an nn.Module, or a class / zero-argument factory that builds one (then verify
        builds it and knows where each layer was constructed, for `source` and the static
        cross-check; a module built inside `record_construction()` has that too).
    example_inputs: a tensor, a tuple of positional inputs, or a dict of keyword inputs.
        Without them only torch.fx can trace (or the static analysis stands in), and nothing
        is measured through depth.
    method: "auto" (fx; when fx fails, a hooked run given inputs, else the static analysis),
        "fx", "hooks", or "static" (what `initlint inspect` says follows each layer: needs the
        construction sites, see `model` above). The report's `method` says which one was used.
    compare_fixed: also measure the signal with the flagged layers re-initialised as the fix would.
    The model is left as it was: buffers (BN statistics) and the RNG are restored after each run.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if not isinstance(model, nn.Module):
        model, built_name = _build(model)
        target = target or built_name
    target = target or type(model).__name__
    inputs = _split_inputs(example_inputs)
    notes: list[str] = []

    if any(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters()):
        if inputs is None:
            raise VerifyError(f"{target} has lazy layers: give example inputs so they can materialise")
        _run(lambda: _materialise(model, *inputs), "materialising the lazy layers")

    signal: list[tuple[str, float]] = []
    graph, used = _trace(model, inputs, method, seed, target, signal, notes, static)
    if used == "fx" and inputs is not None:
        with quiet_run(model, seed):
            _run(lambda: layer_outputs(model, *inputs, _recorder(signal)), "running the model")

    rows = _rows(model, graph, used, static, seed, notes)
    fixed_signal = _fixed_signal(model, rows, inputs, seed) if compare_fixed else None
    return Report(target, used, rows, signal, fixed_signal, notes)


def _build(factory: Any) -> tuple[nn.Module, str]:
    if not callable(factory):
        raise VerifyError(f"expected an nn.Module, a class or a factory, got {type(factory).__name__}")
    name = getattr(factory, "__qualname__", None) or getattr(factory, "__name__", None) or repr(factory)
    with record_construction():
        try:
            built = factory()
        except Exception as error:
            raise VerifyError(f"building {name} failed: {type(error).__name__}: {error}") from error
    if not isinstance(built, nn.Module):
        raise VerifyError(f"{name}() returned {type(built).__name__}, not an nn.Module")
    return built, name


def _split_inputs(example_inputs: Any) -> Optional[tuple[tuple, dict]]:
    if example_inputs is None:
        return None
    if isinstance(example_inputs, dict):
        return (), dict(example_inputs)
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs), {}
    return (example_inputs,), {}


@contextmanager
def quiet_run(model: nn.Module, seed: int) -> Iterator[None]:
    """No grad, a fixed seed, MHA's fused fast path off (it skips out_proj), and the model's
    buffers and the RNG as they were afterwards."""
    saved = [
        (buffer, buffer.detach().clone())
        for buffer in model.buffers()
        if not isinstance(buffer, nn.parameter.UninitializedBuffer)
    ]
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(seed)
            yield
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)


def _run(action: Callable[[], Any], what: str) -> Any:
    try:
        return action()
    except VerifyError:
        raise
    except Exception as error:
        raise VerifyError(f"{what} failed: {type(error).__name__}: {_first_line(error)}") from error


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else "")[:300]


def _materialise(model: nn.Module, args: tuple, kwargs: dict) -> None:
    training = model.training
    model.eval()  # no BN statistics update; lazy buffers start at their defaults
    try:
        with torch.no_grad():
            model(*args, **kwargs)
    finally:
        model.train(training)


def _recorder(signal: list[tuple[str, float]]) -> Callable[[str, torch.Tensor], None]:
    def record(name: str, output: torch.Tensor) -> None:
        if output.is_meta:
            return  # structure only: nothing to measure
        signal.append((name, float(output.detach().float().std(correction=0))))

    return record


def _trace(
    model: nn.Module,
    inputs: Optional[tuple[tuple, dict]],
    method: str,
    seed: int,
    target: str,
    signal: list[tuple[str, float]],
    notes: list[str],
    static: bool,
) -> tuple[Optional[Graph], str]:
    if method == "static":
        if not static:
            raise VerifyError("the static method reads the static analysis: do not turn it off")
        return None, "static"
    if method in ("auto", "fx"):
        try:
            return graph_from_fx(model), "fx"
        except Exception as error:
            reason = f"{type(error).__name__}: {_first_line(error)}"
            if method == "fx":
                raise VerifyError(f"torch.fx cannot trace {target} ({reason})") from error
            if inputs is None and not static:
                raise VerifyError(
                    f"torch.fx cannot trace {target} ({reason}); give example inputs so verify can run it instead"
                ) from error
            if inputs is None:  # no run possible: judge the weights against what the source says follows them
                notes.append(
                    f"torch.fx cannot trace it ({reason}) and there are no example inputs: "
                    "activations are the static analysis's (give inputs to trace it by running it)"
                )
                return None, "static"
            notes.append(f"torch.fx cannot trace it ({reason}): traced by running it with hooks")
    if inputs is None:
        raise VerifyError("the hooks method runs the model: give example inputs")
    with quiet_run(model, seed):
        graph = _run(lambda: graph_from_run(model, *inputs, _recorder(signal)), "running the model")
    return graph, "hooks"


def _rows(
    model: nn.Module, graph: Optional[Graph], used: str, static: bool, seed: int, notes: list[str]
) -> list[LayerRow]:
    activations = graph.activations() if graph is not None else {}
    not_called = "not called in forward()" if used == "fx" else "not called on the example inputs"
    index = StaticIndex() if static else None
    if index is not None:
        index.prepare({frame[0] for module in model.modules() for frame in construction_sites(module)})
    rows = []
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        if not isinstance(module, LAYER_CLASSES) or not isinstance(weight, torch.Tensor):
            continue
        chain = construction_sites(module)
        static_row = index.match(chain, name) if index is not None and chain else None
        if graph is None:
            activation, param, evidence = _static_activation(static_row, chain)
        else:
            activation, param, evidence = activations.get(name, ("unknown", None, not_called))
        fan_in, fan_out = fans(weight)
        stats = weight_stats(weight, seed)
        judgement = judge(stats, fan_in, fan_out, activation, param, unknown_why=evidence)
        row = LayerRow(
            layer=name,
            layer_type=type(module).__name__,
            fan_in=fan_in,
            fan_out=fan_out,
            activation=activation,
            activation_param=param,
            activation_evidence=evidence,
            expected_std=judgement.expected_std,
            measured_std=stats.rms if stats is not None else None,
            verdict=judgement.verdict,
            init=judgement.init,
            reason=judgement.reason,
            source=frame_text(chain[0]) if chain else None,
            source_chain=list(dict.fromkeys(frame_text(frame) for frame in chain)),  # a genexpr repeats its line
            fix=fix_call(name, activation, param) if judgement.verdict in FLAGGED else None,
        )
        if static_row is not None:
            row.static_activation, row.static_init = static_row.activation, static_row.init
            row.static_activation_param = static_row.activation_param
            row.static_layer = ".".join(part for part in (static_row.class_name, static_row.name) if part) or None
        rows.append(row)
    if index is not None:
        if index.problem:
            notes.append(index.problem)
        elif rows and not any(row.source_chain for row in rows):
            notes.append(
                "where the layers were built is not known: pass the class or a factory to verify, "
                "or build the model inside initlint.runtime.record_construction()"
            )
    return rows


def _static_activation(static_row: Any, chain: tuple) -> tuple[str, Optional[float], str]:
    if static_row is not None:
        return static_row.activation, static_row.activation_param, f"static analysis: {static_row.activation_evidence}"
    if not chain:
        return "unknown", None, "not traced, and where it was built is not known (no static analysis to ask)"
    return "unknown", None, "not traced, and the static analysis has no row for where it was built"


def _fixed_signal(
    model: nn.Module, rows: list[LayerRow], inputs: Optional[tuple[tuple, dict]], seed: int
) -> list[tuple[str, float]]:
    if inputs is None:
        raise VerifyError("comparing with the fix runs the model: give example inputs")
    modules = dict(model.named_modules())
    saved = []
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for row in rows:
                if row.verdict in FLAGGED:
                    weight = modules[row.layer].weight
                    saved.append((weight, weight.detach().clone()))
                    reinit_as_fixed(weight, row.activation, row.activation_param)
        fixed: list[tuple[str, float]] = []
        with quiet_run(model, seed):
            _run(lambda: layer_outputs(model, *inputs, _recorder(fixed)), "running the re-initialised model")
        return fixed
    finally:
        with torch.no_grad():
            for weight, value in saved:
                weight.copy_(value)
