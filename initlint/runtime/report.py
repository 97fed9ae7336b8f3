"""What `verify` returns: one row per Conv/Linear, and the report's text, JSON and plot.

No torch here, so the CLI can print and tests can build reports without it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Optional

from initlint import catalogue

FLAGGED = ("default", "mismatch")  # the verdicts that fail a run
VERDICTS = ("ok", "default", "mismatch", "unknown")


class VerifyError(Exception):
    """The model could not be built or traced; the message says which and why."""


@dataclass
class LayerRow:
    """One Conv/Linear module of the model (as `named_modules()` names it)."""

    layer: str
    layer_type: str
    fan_in: int
    fan_out: int
    activation: str  # catalogue.VOCABULARY
    activation_param: Optional[float]
    activation_evidence: str  # the path the signal takes to it, e.g. "bn1 -> relu"
    expected_std: Optional[float]  # catalogue.recommend(...).std(fan_in); None without a recommendation
    measured_std: Optional[float]  # root mean square of the weights (the inits are zero-mean)
    verdict: str  # ok | default | mismatch | unknown
    init: str  # default | explicit | unclear: what the weights look like, whatever the activation
    reason: str  # one line: why this verdict
    source: Optional[str] = None  # "path:line" of the innermost user frame that built the layer
    source_chain: list[str] = field(default_factory=list)  # all user frames, innermost first
    static_activation: Optional[str] = None  # what `initlint inspect` says about that line
    static_init: Optional[str] = None
    static_activation_param: Optional[float] = None
    static_layer: Optional[str] = None  # the static row's class and attribute, e.g. "ResNet.layer1.*.conv1"
    fix: Optional[str] = None  # the init call the fix would insert, for flagged layers

    def as_json(self) -> dict:
        return {
            "layer": self.layer,
            "layer_type": self.layer_type,
            "fan_in": self.fan_in,
            "fan_out": self.fan_out,
            "activation": self.activation,
            "activation_param": self.activation_param,
            "expected_std": self.expected_std,
            "measured_std": self.measured_std,
            "verdict": self.verdict,
            "source": self.source,
            "static_activation": self.static_activation,
            "static_init": self.static_init,
            "static_layer": self.static_layer,
            "init": self.init,
            "reason": self.reason,
            "activation_evidence": self.activation_evidence,
            "source_chain": self.source_chain,
            "fix": self.fix,
        }


def disagreement(row: LayerRow) -> list[dict]:
    """Where the static analysis and the runtime say different things about one layer.

    Only claims both sides make count: a static "unknown", a runtime "unknown" activation (the
    layer was not called, or its consumers disagree) or an "unclear" init is no disagreement.
    """
    found = []
    if row.static_activation not in (None, "unknown") and row.activation != "unknown":
        static = (row.static_activation, row.static_activation_param)
        runtime = (row.activation, row.activation_param)
        if static[0] != runtime[0] or not _same_param(static[1], runtime[1]):
            found.append(_disagreeing(row, "activation", *static, *runtime))
    if row.static_init in ("default", "explicit") and row.init in ("default", "explicit") and row.static_init != row.init:
        found.append(_disagreeing(row, "init", row.static_init, None, row.init, None))
    return found


def _same_param(a: Optional[float], b: Optional[float]) -> bool:
    return a is None or b is None or math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)


def _disagreeing(row: LayerRow, what: str, static: str, static_param: Optional[float], runtime: str, runtime_param: Optional[float]) -> dict:
    return {
        "layer": row.layer,
        "source": row.source,
        "static_layer": row.static_layer,
        "field": what,
        "static": catalogue.display_name(static, static_param) if what == "activation" else static,
        "runtime": catalogue.display_name(runtime, runtime_param) if what == "activation" else runtime,
    }


@dataclass
class Report:
    target: str
    method: str  # "fx" | "hooks" | "static" (no trace: fx failed and there were no inputs)
    layers: list[LayerRow]
    signal: list[tuple[str, float]] = field(default_factory=list)  # (layer, output std) in execution order
    fixed_signal: Optional[list[tuple[str, float]]] = None  # the same after re-initialising flagged layers
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(row.verdict in FLAGGED for row in self.layers)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(VERDICTS, 0)
        for row in self.layers:
            counts[row.verdict] += 1
        return counts

    def disagreements(self) -> list[dict]:
        """Static vs runtime, layer by layer (see `disagreement`); empty when the activations came from
        the static analysis itself."""
        if self.method == "static":
            return [d for row in self.layers for d in disagreement(row) if d["field"] == "init"]
        return [d for row in self.layers for d in disagreement(row)]

    def summary(self) -> str:
        counts = ", ".join(f"{n} {verdict}" for verdict, n in self.counts().items() if n)
        how = "activations from the static analysis" if self.method == "static" else f"traced with {self.method}"
        return f"{self.target}: {how}; {len(self.layers)} layers: {counts or 'none'}"

    def table(self) -> str:
        headers = ["layer", "type", "fan_in", "fan_out", "activation", "expected", "measured", "verdict", "init", "source"]
        with_static = any(row.static_activation for row in self.layers)
        if with_static:
            headers.append("static")
        body = []
        for row in self.layers:
            cells = [
                row.layer,
                row.layer_type,
                str(row.fan_in),
                str(row.fan_out),
                catalogue.display_name(row.activation, row.activation_param),
                _num(row.expected_std),
                _num(row.measured_std),
                row.verdict,
                row.init,
                _short_path(row.source) if row.source else "-",
            ]
            if with_static:
                cells.append(f"{row.static_activation or '-'}/{row.static_init or '-'}")
            body.append(cells)
        widths = [max(len(r[i]) for r in [headers, *body]) for i in range(len(headers))]
        numeric = {"fan_in", "fan_out", "expected", "measured"}

        def line(cells: list[str]) -> str:
            parts = [c.rjust(w) if h in numeric else c.ljust(w) for c, w, h in zip(cells, widths, headers)]
            return "  ".join(parts).rstrip()

        out = [line(headers), *(line(cells) for cells in body)]
        details = [row for row in self.layers if row.verdict != "ok"]
        if details:
            out.append("")
            for row in details:
                out.append(f"{row.layer}: {row.verdict}: {row.reason}")
                if row.fix:
                    out.append(f"    fix: {row.fix}")
        disagreements = self.disagreements()
        if disagreements:
            out.append("")
            out.append("static and runtime disagree:")
            for d in disagreements:
                where = f" ({_short_path(d['source'])})" if d["source"] else ""
                out.append(f"  {d['layer']}{where}: {d['field']}: static {d['static']}, runtime {d['runtime']}")
        if self.signal:
            out.append("")
            out.extend(self.signal_table())
        for label, signal in (("signal", self.signal), ("signal after fix", self.fixed_signal)):
            if signal:
                out.append(f"{label}: {_signal_summary(signal)}")
        out.extend(f"note: {note}" for note in self.notes)
        out.append(self.summary())
        return "\n".join(out)

    def signal_table(self) -> list[str]:
        """Each Conv/Linear call's output std, in execution order (with the fixed run's beside it)."""
        fixed = self.fixed_signal if self.fixed_signal and len(self.fixed_signal) == len(self.signal) else None
        width = max(len(name) for name, _ in self.signal)
        head = f"{'#':>4}  {'layer':<{width}}  {'output std':>10}" + (f"  {'after fix':>10}" if fixed else "")
        lines = ["signal through depth:", head]
        for i, (name, std) in enumerate(self.signal):
            line = f"{i + 1:>4}  {name:<{width}}  {std:>10.4g}"
            if fixed:
                line += f"  {fixed[i][1]:>10.4g}"
            lines.append(line)
        return lines

    def as_json(self) -> dict:
        data = {
            "target": self.target,
            "method": self.method,
            "ok": self.ok,
            "counts": self.counts(),
            "layers": [row.as_json() for row in self.layers],
            "disagreements": self.disagreements(),
            "signal": [{"layer": name, "output_std": std} for name, std in self.signal],
            "notes": self.notes,
        }
        if self.fixed_signal is not None:
            data["fixed_signal"] = [{"layer": name, "output_std": std} for name, std in self.fixed_signal]
        return data

    def plot(self, path: str) -> None:
        """Output std of each Conv/Linear through depth (log scale); with the fixed run beside it."""
        from matplotlib.figure import Figure  # optional extra `plot`

        if not self.signal:
            raise VerifyError("nothing to plot: the model was not run (give example inputs)")
        from matplotlib.ticker import MaxNLocator

        fig = Figure(figsize=(9, 4.8))
        ax = fig.add_subplot()
        calls = range(1, len(self.signal) + 1)  # numbered as in the text's "signal through depth"
        ax.semilogy(calls, [std for _, std in self.signal], marker=".", label="as initialised")
        if self.fixed_signal:
            fixed_calls = range(1, len(self.fixed_signal) + 1)
            ax.semilogy(fixed_calls, [std for _, std in self.fixed_signal], marker=".", label="flagged layers re-initialised")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Conv/Linear call, in execution order")
        ax.set_ylabel("std of the layer's output")
        ax.set_title(f"{self.target}: signal through depth")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.savefig(path, dpi=110, bbox_inches="tight")


def _num(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.4g}"


def _short_path(source: str) -> str:
    path, _, line = source.rpartition(":")
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return source
    return f"{rel}:{line}" if not rel.startswith("..") else source


def _signal_summary(signal: list[tuple[str, float]]) -> str:
    first, last = signal[0], signal[-1]
    ratio = last[1] / first[1] if first[1] else math.nan
    return (
        f"output std {first[1]:.3g} at {first[0]} -> {last[1]:.3g} at {last[0]} "
        f"(x{ratio:.3g} over {len(signal)} layer calls)"
    )
