"""The rules. Each is a short class that reads the module model and yields findings.

A rule's docstring is its one-paragraph summary; its full page (what, why, the math,
an example, the fix, references) and its example files live in `rules/<CODE>/` at the
top of the repository (packaged as `initlint/rulebook/` in a wheel).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar, Iterator, Optional

from . import catalogue
from .model import FileModel, Finding, FixOptions, Layer

# Relative gain error an explicit init may have before it counts as wrong for its activation.
GAIN_TOLERANCE = 0.10


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    enabled_by_default: ClassVar[bool] = True
    fixable: ClassVar[bool] = False  # a fix of its own (the IL1xx family's come from fixer.FIXABLE_CODES)

    def __init__(self, options: object = None) -> None:
        # fix-distribution / fix-mode / fix-bias: messages show the code `--fix` would insert
        self.options = FixOptions.coerce(options)

    def use(self, layer: Layer, file: FileModel) -> str:
        """The init to write for this layer, rendered as `--fix` renders it (catalogue.init_code)."""
        rec = catalogue.recommend(layer.activation, layer.activation_param)
        if rec is None:
            return "no init to recommend"
        loop = (layer.fix.loop_over if layer.fix else None) or layer.container
        weight = "layer.weight" if loop or not layer.weight else layer.weight
        opts = self.options
        code = catalogue.one_line(catalogue.init_code(
            rec, weight, file.init_alias or "torch.nn.init", opts.distribution, opts.mode, opts.bias, loop))
        plan = layer.fix
        if plan is not None and plan.in_function and plan.reason is None and not loop:
            return f"{code} in `{plan.in_function}`, after line {plan.insert_after_line}"
        # no single expression reaches the layer: say which layers the call is for
        return code if loop or layer.weight else f"{code} for each layer built here"

    def check_layer(self, layer: Layer, file: FileModel) -> Iterator[Finding]:
        return iter(())

    def check_file(self, file: FileModel) -> Iterator[Finding]:
        return iter(())

    def finding(self, layer: Layer, message: str) -> Finding:
        return Finding(
            code=self.code,
            message=message,
            path=layer.path,
            line=layer.line,
            column=layer.column,
            end_line=layer.end_line,
            end_column=layer.end_column,
            class_name=layer.class_name,
            layer=layer.name,
            related=[list(r) for r in dict.fromkeys(map(tuple, layer.related))],
            site=layer.site,
        )

    @classmethod
    def summary(cls) -> str:
        return " ".join((cls.__doc__ or "").split())


def _where(layer: Layer) -> str:
    if layer.class_name and layer.name:
        return f"`{layer.class_name}.{layer.name}`"
    if layer.class_name:
        return f"{layer.layer_type} in `{layer.class_name}`"
    if layer.at_use and layer.name:
        return f"`{layer.name}`"  # a block built by module code: `Mlp().fc1`
    return f"`{layer.layer_type}`"


class DefaultInitRule(Rule):
    """Base of the IL1xx family: a layer left on torch's default init although its activation calls for another gain."""

    families: ClassVar[tuple[str, ...]]

    def check_layer(self, layer: Layer, file: FileModel) -> Iterator[Finding]:
        if layer.init != "default" or catalogue.FAMILY.get(layer.activation) not in self.families:
            return
        rec = catalogue.recommend(layer.activation, layer.activation_param)
        if rec is None:
            return
        act = catalogue.display_name(layer.activation, layer.activation_param)
        ratio = rec.gain / catalogue.DEFAULT_GAIN
        use = self.use(layer, file)
        if is_head(layer):
            yield self.finding(
                layer,
                f"{_where(layer)} is an output head: it is followed by {act} ({layer.activation_evidence}), whose "
                f"output the model returns, and keeps the default init, {ratio:.2f}x below {act}'s gain; "
                f"if that small start is not a choice, use {use}",
            )
            return
        finding = self.finding(
            layer,
            f"{_where(layer)} is followed by {act} ({layer.activation_evidence}) but keeps the default init, "
            f"{ratio:.2f}x too small in std for it; {impact_note(layer)}; use {use}",
        )
        finding.impact = impact_of(layer)
        if layer.norm_after or layer.residual_branch:
            finding.severity = "warning"
        yield finding


def impact_of(layer: Layer) -> float:
    """The chain's impact with the layer as judged now: a row judged again at a use (another
    activation or init than its own file gave it) keeps the other members' part."""
    if layer.chain_others is None:
        return layer.impact
    return layer.chain_others * catalogue.shrink(layer.activation, layer.activation_param, layer.init)


def impact_note(layer: Layer) -> str:
    """What the default init does to the forward signal, in the words of the message."""
    if layer.norm_after:
        return f"a {layer.norm_after} follows, so the forward signal does not depend on its scale (impact 1x)"
    if layer.residual_branch:
        return "it starts a residual branch added back to the stream, so nothing compounds (impact 1x)"
    if layer.chain > 1:
        return f"impact {impact_of(layer):.3g}x over a chain of {layer.chain} layers with no norm between"
    return f"impact {impact_of(layer):.3g}x"


def is_head(layer: Layer) -> bool:
    """A layer whose bounded activation's output is what the model returns (never autofixed)."""
    return layer.output_head and catalogue.FAMILY.get(layer.activation) in catalogue.HEAD_FAMILIES


class ReluDefaultInit(DefaultInitRule):
    """A Conv/Linear followed by ReLU or ReLU6 left on the default init (gain 1/sqrt(3) instead of He's sqrt(2))."""

    code = "IL101"
    name = "relu-default-init"
    families = ("relu",)


class LeakyDefaultInit(DefaultInitRule):
    """A Conv/Linear followed by LeakyReLU, PReLU or RReLU left on the default init instead of sqrt(2/(1+slope^2))."""

    code = "IL102"
    name = "leaky-relu-default-init"
    families = ("leaky",)


class TanhDefaultInit(DefaultInitRule):
    """A Conv/Linear followed by Tanh, Hardtanh or Softsign left on the default init instead of torch's tanh gain 5/3."""

    code = "IL103"
    name = "tanh-default-init"
    families = ("tanh",)


class SigmoidDefaultInit(DefaultInitRule):
    """A Conv/Linear followed by Sigmoid, Hardsigmoid or LogSigmoid left on the default init instead of gain 1. Off by default: mostly heads and gates."""

    code = "IL104"
    name = "sigmoid-default-init"
    families = ("sigmoid",)
    # Never fixable, and in real code nearly always a head or a gate (issue 16's sample: none worth acting on).
    enabled_by_default = False


class SeluDefaultInit(DefaultInitRule):
    """A Conv/Linear followed by SELU left on the default init instead of LeCun normal (std 1/sqrt(fan_in))."""

    code = "IL105"
    name = "selu-default-init"
    families = ("selu",)


class SmoothDefaultInit(DefaultInitRule):
    """A Conv/Linear followed by GELU, SiLU, Mish, Hardswish, ELU, CELU, Softplus or squared ReLU left on the default init."""

    code = "IL106"
    name = "smooth-relu-default-init"
    families = ("smooth",)


def _explicit_gain(layer: Layer) -> Optional[float]:
    call = layer.init_call
    if call is None:
        return None
    if call.function.startswith("kaiming_"):
        return catalogue.gain_of_init(call.function, call.nonlinearity, call.a)
    return None


def _gain_is_off(layer: Layer, gain: float, target: float) -> bool:
    if catalogue.he_is_defensible(layer.activation):
        # He init (sqrt(2)) is a defensible choice for ReLU-like smooth activations.
        low, high = math.sqrt(2.0), target
        low, high = min(low, high), max(low, high)
        return not (low * (1 - GAIN_TOLERANCE) <= gain <= high * (1 + GAIN_TOLERANCE))
    return abs(gain / target - 1.0) > GAIN_TOLERANCE


class XavierBeforeRelu(Rule):
    """Xavier/Glorot init on a layer followed by a ReLU-like activation, with no gain that matches it."""

    code = "IL201"
    name = "xavier-before-relu"

    def check_layer(self, layer: Layer, file: FileModel) -> Iterator[Finding]:
        call = layer.init_call
        if layer.init != "explicit" or call is None or not call.function.startswith("xavier_"):
            return
        if catalogue.FAMILY.get(layer.activation) not in ("relu", "leaky", "smooth"):
            return
        rec = catalogue.recommend(layer.activation, layer.activation_param)
        if call.gain is not None:
            given = call.gain
        else:
            given = catalogue.torch_gain(call.gain_name, call.gain_param) if call.gain_name else 1.0
        if rec is None or given is None or not _gain_is_off(layer, given, rec.gain):
            return
        act = catalogue.display_name(layer.activation, layer.activation_param)
        yield self.finding(
            layer,
            f"{_where(layer)} is initialised with `{call.text}` ({call.where(layer.path)}) but is followed by {act}: "
            f"Xavier assumes a linear or tanh unit (gain {given:.3f}), {act} calls for gain {rec.gain:.3f}; "
            f"use {self.use(layer, file)}",
        )


class KaimingNonlinearityMismatch(Rule):
    """Kaiming init whose nonlinearity gives a gain more than 10% away from what the following activation calls for."""

    code = "IL202"
    name = "kaiming-nonlinearity-mismatch"

    def check_layer(self, layer: Layer, file: FileModel) -> Iterator[Finding]:
        call = layer.init_call
        if layer.init != "explicit" or call is None or not call.function.startswith("kaiming_"):
            return
        if call.a is not None and catalogue.FAMILY.get(layer.activation) in ("leaky", "relu"):
            return  # a slope on a leaky-style layer is IL203's business
        rec = catalogue.recommend(layer.activation, layer.activation_param)
        gain = _explicit_gain(layer)
        if rec is None or gain is None or not _gain_is_off(layer, gain, rec.gain):
            return
        act = catalogue.display_name(layer.activation, layer.activation_param)
        yield self.finding(
            layer,
            f"{_where(layer)} is initialised with `{call.text}` ({call.where(layer.path)}), gain {gain:.3f}, "
            f"but is followed by {act}, which calls for gain {rec.gain:.3f}; use {self.use(layer, file)}",
        )


class LeakySlopeMismatch(Rule):
    """Kaiming init with a negative slope `a` that differs from the slope of the activation that follows."""

    code = "IL203"
    name = "leaky-slope-mismatch"

    def check_layer(self, layer: Layer, file: FileModel) -> Iterator[Finding]:
        call = layer.init_call
        if layer.init != "explicit" or call is None or not call.function.startswith("kaiming_"):
            return
        if catalogue.FAMILY.get(layer.activation) not in ("leaky", "relu"):
            return
        if (call.nonlinearity or "leaky_relu") != "leaky_relu":
            return
        if call.a is None and catalogue.FAMILY.get(layer.activation) == "relu":
            return
        if catalogue.FAMILY.get(layer.activation) == "leaky" and layer.activation_param is None:
            return  # the activation's slope could not be read: nothing to compare with
        rec = catalogue.recommend(layer.activation, layer.activation_param)
        gain = _explicit_gain(layer)
        if rec is None or gain is None or abs(gain / rec.gain - 1.0) <= 0.01:
            return
        slope = rec.a if rec.a is not None else 0.0
        act = catalogue.display_name(layer.activation, layer.activation_param)
        yield self.finding(
            layer,
            f"{_where(layer)} is initialised with `{call.text}` ({call.where(layer.path)}), slope a={call.a or 0:g}, "
            f"but is followed by {act} with slope {slope:g}; use {self.use(layer, file)}",
        )


class UnsupportedGainName(Rule):
    """`calculate_gain` or `kaiming_*_(nonlinearity=...)` with a name torch rejects: it raises ValueError at run time."""

    code = "IL204"
    name = "unsupported-gain-name"

    def check_file(self, file: FileModel) -> Iterator[Finding]:
        for call in file.gain_calls:
            if call.name in catalogue.TORCH_GAIN_NAMES:
                continue
            rec = catalogue.recommend(call.name) if call.name in catalogue.VOCABULARY else None
            hint = f"; for {call.name} use gain {rec.gain:.5f} ({rec.why})" if rec else ""
            yield Finding(
                code=self.code,
                message=f"torch.nn.init does not know the nonlinearity '{call.name}' and raises ValueError{hint}",
                path=file.path,
                line=call.line,
                column=call.column,
                end_line=call.end_line,
                end_column=call.end_column,
            )


class NoActivationDefaultInit(Rule):
    """A Conv/Linear followed by no activation (or softmax) left on the default init. Off by default: heads are a choice."""

    code = "IL301"
    name = "no-activation-default-init"
    enabled_by_default = False

    def check_layer(self, layer: Layer, file: FileModel) -> Iterator[Finding]:
        if layer.init != "default" or layer.activation not in ("none", "softmax"):
            return
        followed = "softmax" if layer.activation == "softmax" else "no activation"
        yield self.finding(
            layer,
            f"{_where(layer)} is followed by {followed} ({layer.activation_evidence}) and keeps the default init "
            f"(std 1/sqrt(3*fan_in)); if it is not an output head, choose its init (gain 1: LeCun or Xavier)",
        )


class UnusedNoqa(Rule):
    """A `# noqa` whose IL codes suppress nothing on its line, name no rule, or name a rule the run does not check (ruff's RUF100). Off by default."""

    code = "IL900"
    name = "unused-noqa"
    enabled_by_default = False
    # Not a rule of the model: it needs the comments and what the other rules' findings were
    # suppressed by, so api._findings_of runs it after suppression (initlint/noqa.py).
    fixable = True


ALL_RULES: tuple[type[Rule], ...] = tuple(
    sorted(
        (
            ReluDefaultInit,
            LeakyDefaultInit,
            TanhDefaultInit,
            SigmoidDefaultInit,
            SeluDefaultInit,
            SmoothDefaultInit,
            XavierBeforeRelu,
            KaimingNonlinearityMismatch,
            LeakySlopeMismatch,
            UnsupportedGainName,
            NoActivationDefaultInit,
            UnusedNoqa,
        ),
        key=lambda cls: cls.code,
    )
)
RULES_BY_CODE = {cls.code: cls for cls in ALL_RULES}


def select_rules(
    select: Optional[list[str]] = None, ignore: Optional[list[str]] = None, options: object = None
) -> list[Rule]:
    """Rules enabled by --select/--ignore (codes or prefixes, `ALL`), ruff-style; `options`: the
    fix options their messages render (a FixOptions, a mapping or a config object)."""

    def matches(code: str, patterns: list[str]) -> bool:
        return any(p == "ALL" or code.startswith(p) for p in patterns)

    chosen = []
    for cls in ALL_RULES:
        on = matches(cls.code, select) if select else cls.enabled_by_default
        if on and not (ignore and matches(cls.code, ignore)):
            chosen.append(cls(options))
    return chosen


def run_rules(file: FileModel, rules: list[Rule]) -> list[Finding]:
    findings: list[Finding] = []
    layers = file.layers
    for rule in rules:
        findings.extend(rule.check_file(file))
        for layer in layers:
            findings.extend(rule.check_layer(layer, file))
    findings.sort(key=lambda f: (f.line, f.column, f.code))
    return findings


def rulebook_dir() -> Path:
    """Where the rule book is: packaged beside the code, or the repository's rules/ in a checkout."""
    packaged = Path(__file__).with_name("rulebook")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "rules"


def rule_doc(code: str) -> str:
    cls = RULES_BY_CODE[code]
    page = rulebook_dir() / code / "README.md"
    if page.is_file():
        return page.read_text(encoding="utf-8")
    return f"# {cls.code} {cls.name}\n\n{cls.summary()}\n"
