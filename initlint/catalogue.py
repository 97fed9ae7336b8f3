"""The activation and gain catalogue: the one place that says what each activation calls for.

Both the static analysis and the runtime mode import this module; nothing here imports
torch. Every number the tool prints about a gain comes from `Activation.gain` below.

Gains follow `torch.nn.init.calculate_gain` where torch has a name for the activation
(relu, leaky_relu, tanh, sigmoid). Where torch has none, the gain is the one that keeps
the second moment of the signal through the layer:

    g = 1 / sqrt(E[phi(z)^2]),   z ~ N(0, 1)

Derivation: for y = W x with W_ij ~ (0, s^2) and x_j = phi(h_j) of unit-variance
pre-activations h, Var(y_i) = fan_in * s^2 * E[phi(h)^2]. Keeping Var(y) = 1 layer
after layer needs s = g / sqrt(fan_in) with g as above. For ReLU this gives sqrt(2),
for LeakyReLU(s) sqrt(2 / (1 + s^2)): torch's own values, so the rule is one rule.
GELU, SiLU, Mish and Hardswish are not positively homogeneous (phi(c z) != c phi(z)),
so no constant is exact at every input scale; the value at unit scale is the closest
single number, and always much closer than the default.

SELU calls for LeCun normal (std 1/sqrt(fan_in)), as torch's docs say; its
`calculate_gain('selu') = 3/4` serves another purpose. Sigmoid uses torch's gain 1.

The default init of Linear/ConvNd is kaiming_uniform_(w, a=sqrt(5)):
gain = sqrt(2 / (1 + 5)) = 1/sqrt(3), bound = gain * sqrt(3 / fan_in) = 1/sqrt(fan_in),
std = 1/sqrt(3 * fan_in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Optional

DEFAULT_GAIN = 1.0 / math.sqrt(3.0)  # what kaiming_uniform_(w, a=sqrt(5)) amounts to

# Names torch.nn.init.calculate_gain accepts; any other raises ValueError at run time.
TORCH_GAIN_NAMES = frozenset(
    {
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "selu",
    }
)

# The vocabulary shared by `inspect`, the rules and the runtime mode.
VOCABULARY = (
    "relu", "relu6", "leaky_relu", "prelu", "rrelu", "elu", "selu", "celu", "gelu",
    "silu", "mish", "hardswish", "hardsigmoid", "tanh", "sigmoid", "softplus",
    "softsign", "hardtanh", "logsigmoid", "squared_relu", "softmax", "none", "unknown",
)  # fmt: skip


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _elu(alpha: float) -> Callable[[float], float]:
    return lambda z: z if z > 0 else alpha * math.expm1(z)


def _celu(alpha: float) -> Callable[[float], float]:
    return lambda z: z if z > 0 else alpha * math.expm1(z / alpha)


_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "gelu": lambda z: z * 0.5 * (1.0 + math.erf(z / math.sqrt(2.0))),
    "silu": lambda z: z / (1.0 + math.exp(-z)),
    "mish": lambda z: z * math.tanh(_softplus(z)),
    "hardswish": lambda z: z * min(max(z + 3.0, 0.0), 6.0) / 6.0,
    "hardtanh": lambda z: min(max(z, -1.0), 1.0),
    "softsign": lambda z: z / (1.0 + abs(z)),
    "softplus": _softplus,
    "logsigmoid": lambda z: -_softplus(-z),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    # relu(z)^2 (Primer, nanoGPT-style MLPs), written out in tensor code: E[relu(z)^4] = 3/2,
    # g = sqrt(2/3); homogeneous of degree 2, so its right gain depends on the input scale
    "squared_relu": lambda z: max(z, 0.0) ** 2,
}
# Kinks of the piecewise activations, so the quadrature needs no smoothness across them.
_BREAKPOINTS = (-3.0, -1.0, 0.0, 1.0, 3.0)


# An activation written out in tensor arithmetic (`0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`,
# `x * torch.sigmoid(x)`): an elementwise expression of one tensor is the activation whose values it has
# at these points, computed by each side from its own reading of the arithmetic (the static interpreter
# from the expression, the runtime tracer from the traced ops). GELU's tanh approximation is within
# 5e-4 of GELU, and torch calls both `gelu`; `x * sigmoid(1.702 x)` is 0.02 off, so it is none of these.
SAMPLE_POINTS = tuple(i / 4 for i in range(-24, 25))
_WRITTEN_OUT_TOLERANCE = 1.5e-3
_WRITTEN_OUT = ("relu", "gelu", "silu", "mish", "squared_relu", "hardswish", "tanh", "sigmoid", "softplus",
                "softsign", "hardtanh", "logsigmoid")  # fmt: skip


def identify_elementwise(values) -> Optional[str]:
    """The catalogued activation whose values at SAMPLE_POINTS these are, else None."""
    values = list(values)
    if len(values) != len(SAMPLE_POINTS):
        return None
    for name in _WRITTEN_OUT:
        fn = _FUNCTIONS.get(name) or _sigmoid
        try:
            if all(abs(float(v) - fn(z)) <= _WRITTEN_OUT_TOLERANCE * max(1.0, abs(fn(z)))
                   for z, v in zip(SAMPLE_POINTS, values)):  # fmt: skip
                return name
        except (TypeError, ValueError, OverflowError):
            return None
    return None


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# torch's elementwise functions and tensor methods as functions of floats, for replaying an
# expression at SAMPLE_POINTS statically (the runtime replays torch's own ops): name -> (function, arity)
SCALAR_FUNCTIONS: dict[str, tuple[Callable, int]] = {
    "tanh": (math.tanh, 1), "erf": (math.erf, 1), "sigmoid": (_sigmoid, 1), "exp": (math.exp, 1),
    "sqrt": (math.sqrt, 1), "rsqrt": (lambda z: 1.0 / math.sqrt(z), 1), "log": (math.log, 1),
    "log1p": (math.log1p, 1), "expm1": (math.expm1, 1), "abs": (abs, 1), "neg": (lambda z: -z, 1),
    "square": (lambda z: z * z, 1), "relu": (lambda z: max(z, 0.0), 1), "softplus": (_softplus, 1),
    "pow": (lambda z, p: z**p, 2), "mul": (lambda a, b: a * b, 2), "add": (lambda a, b: a + b, 2),
    "sub": (lambda a, b: a - b, 2), "div": (lambda a, b: a / b, 2), "float": (float, 1),
}  # fmt: skip


def second_moment(fn: Callable[[float], float]) -> float:
    """E[fn(z)^2] for z ~ N(0,1), by composite Simpson on [-12, 12] split at the kinks."""
    edges = (-12.0, *_BREAKPOINTS, 12.0)
    total = 0.0
    for lo, hi in zip(edges, edges[1:]):
        steps = 400
        h = (hi - lo) / steps
        acc = 0.0
        for i in range(steps + 1):
            z = lo + i * h
            weight = 1 if i in (0, steps) else (4 if i % 2 else 2)
            acc += weight * fn(z) ** 2 * _phi(z)
        total += acc * h / 3.0
    return total


@lru_cache(maxsize=None)
def second_moment_gain(name: str, alpha: float = 1.0) -> float:
    """1/sqrt(E[phi(z)^2]) for a named activation (elu/celu take their alpha)."""
    if name == "elu":
        fn = _elu(alpha)
    elif name == "celu":
        fn = _celu(alpha)
    else:
        fn = _FUNCTIONS[name]
    return 1.0 / math.sqrt(second_moment(fn))


@dataclass(frozen=True)
class Recommendation:
    """How to initialise a layer for one activation, in plain torch terms."""

    activation: str
    gain: float  # std = gain / sqrt(fan) under the kaiming scheme
    nonlinearity: str  # the name passed to kaiming_*_
    a: Optional[float]  # negative slope passed to kaiming_*_ (leaky family)
    extra_scale: Optional[float]  # a gain torch has no name for: the std of a plain normal_ call, over sqrt(fan)
    always_normal: bool  # SELU: LeCun normal, whatever the configured distribution
    why: str  # where the number comes from, one line

    def std(self, fan: int) -> float:
        return self.gain / math.sqrt(fan)

    def calls(
        self,
        weight: str,
        init_module: str = "nn.init",
        distribution: str = "uniform",
        mode: str = "fan_in",
    ) -> list[str]:
        """Source lines (no indentation) that give `weight` this init."""
        if self.extra_scale is not None:
            # A gain torch has no name for: one normal_ call whose std names its parts, the gain
            # (its origin in the comment) over sqrt(fan), the fan read off the weight as torch
            # reads it (weight[0] is one output unit's fan_in weights, weight[:, 0] one input's
            # fan_out ones, for Linear, ConvNd and ConvTransposeNd alike). Normal whatever
            # fix-distribution says: a uniform_ call would need its bound twice, or a new name.
            fan = f"{weight}[0].numel()" if mode == "fan_in" else f"{weight}[:, 0].numel()"
            std = f"{self.extra_scale:.5f} / {fan} ** 0.5"
            return [f"{init_module}.normal_({weight}, std={std})  # {self.why}, over sqrt({mode})"]
        dist = "normal" if self.always_normal else distribution
        args = [weight]
        if self.a is not None:
            args.append(f"a={_short(self.a)}")
        if mode != "fan_in":
            args.append(f'mode="{mode}"')
        args.append(f'nonlinearity="{self.nonlinearity}"')
        lines = [f"{init_module}.kaiming_{dist}_({', '.join(args)})"]
        if self.extra_scale is not None:
            lines.append(f"{weight}.data.mul_({self.extra_scale:.5f})  # {self.why}")
        return lines


def init_code(
    rec: Recommendation,
    weight: str,
    init_module: str = "nn.init",
    distribution: str = "uniform",
    mode: str = "fan_in",
    bias: str = "keep",
    loop_over: Optional[str] = None,
    unit: str = "    ",
    when: Optional[str] = None,
) -> list[str]:
    """The statements that give a layer (or, with `loop_over`, every layer of a container, bound
    to the name `weight` is read from) its init, as `--fix` inserts them and as messages show
    them: one renderer, so the two cannot differ. Nested bodies are indented by `unit`."""
    body = rec.calls(weight, init_module, distribution, mode)
    if bias == "zeros" and weight.endswith(".weight"):
        # whether the layer has a bias is not known statically: the guard asks at run time
        module = weight[: -len(".weight")]
        body += [f"if {module}.bias is not None:", f"{unit}{init_module}.zeros_({module}.bias)"]
    if when is not None:  # a branch of an init routine: `if module is self.fc1:`
        return [f"if {when}:"] + [unit + line for line in body]
    if loop_over is None:
        return body
    variable = weight.split(".", 1)[0]
    return [f"for {variable} in {loop_over}:"] + [unit + line for line in body]


def recommended_line(activation: str, param: Optional[float], weight: str, init_module: str = "torch.nn.init",
                     loop_over: Optional[str] = None) -> Optional[str]:  # fmt: skip
    """What `inspect` shows a layer should get (`Layer.recommended`): its activation's init on one line."""
    rec = recommend(activation, param)
    return one_line(init_code(rec, weight, init_module, loop_over=loop_over)) if rec is not None else None


def one_line(lines: list[str]) -> str:
    """Statements from `init_code` on one line, for a message: `for x in y: a; b`. Valid Python:
    an `if` after the first statement cannot share the line, so `if c:` over one statement `b`
    becomes the expression statement `b if c else None`."""
    out, comments, rows = "", [], []
    for line in lines:
        text, _, comment = line.strip().partition("  # ")  # a comment would swallow what follows it
        if comment:
            comments.append(comment)
        rows.append((len(line) - len(line.lstrip()), text))
    index = 0
    while index < len(rows):
        indent, text = rows[index]
        body = rows[index + 1 : index + 2]
        if out and text.startswith("if ") and text.endswith(":") and body and body[0][0] > indent \
                and not body[0][1].endswith(":") and all(other <= indent for other, _ in rows[index + 2 :]):  # fmt: skip
            text, index = f"{body[0][1]} if {text[3:-1]} else None", index + 1
        if not out:
            out = text
        else:
            out += (" " if out.endswith(":") else "; ") + text
        index += 1
    return out + "".join(f"  # {comment}" for comment in comments)


def _short(x: float) -> str:
    return f"{x:.6g}"


def leaky_gain(slope: float) -> float:
    return math.sqrt(2.0 / (1.0 + slope * slope))


# Families group activations that one rule speaks for (see initlint/rules.py).
FAMILY = {
    "relu": "relu",
    "relu6": "relu",
    "leaky_relu": "leaky",
    "prelu": "leaky",
    "rrelu": "leaky",
    "tanh": "tanh",
    "hardtanh": "tanh",
    "softsign": "tanh",
    "sigmoid": "sigmoid",
    "hardsigmoid": "sigmoid",
    "logsigmoid": "sigmoid",
    "selu": "selu",
    "gelu": "smooth",
    "silu": "smooth",
    "mish": "smooth",
    "hardswish": "smooth",
    "elu": "smooth",
    "celu": "smooth",
    "softplus": "smooth",
    "squared_relu": "smooth",
    "softmax": "none",
    "none": "none",
    "unknown": "unknown",
}

# Bounded activations whose output, when the model returns it, is the model's output (a generator's
# image, a policy's action or log-std): such a layer is an output head, its scale a choice. A
# ReLU-like output returned by a top-level class is features for a model elsewhere.
HEAD_FAMILIES = ("tanh", "sigmoid")

DEFAULT_PARAM = {"leaky_relu": 0.01, "prelu": 0.25, "rrelu": (1.0 / 8 + 1.0 / 3) / 2, "elu": 1.0, "celu": 1.0}

_DISPLAY = {
    "relu": "ReLU", "relu6": "ReLU6", "leaky_relu": "LeakyReLU", "prelu": "PReLU", "rrelu": "RReLU",
    "elu": "ELU", "selu": "SELU", "celu": "CELU", "gelu": "GELU", "silu": "SiLU", "mish": "Mish",
    "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid", "tanh": "Tanh", "sigmoid": "Sigmoid",
    "softplus": "Softplus", "softsign": "Softsign", "hardtanh": "Hardtanh", "logsigmoid": "LogSigmoid",
    "squared_relu": "SquaredReLU",
    "softmax": "Softmax", "none": "no activation", "unknown": "unknown",
}  # fmt: skip


def display_name(activation: str, param: Optional[float] = None) -> str:
    name = _DISPLAY.get(activation, activation)
    if param is not None and activation in ("leaky_relu", "prelu", "elu", "celu"):
        return f"{name}({_short(param)})"
    return name


def recommend(activation: str, param: Optional[float] = None) -> Optional[Recommendation]:
    """The init an activation calls for, or None where the choice is not a fact
    (none, softmax, unknown: output heads and the like)."""
    if activation in ("relu", "relu6"):
        return Recommendation(activation, math.sqrt(2.0), "relu", None, None, False, "He init: gain sqrt(2)")
    if activation in ("leaky_relu", "prelu", "rrelu"):
        slope = DEFAULT_PARAM[activation] if param is None else float(param)
        return Recommendation(
            activation, leaky_gain(slope), "leaky_relu", slope, None, False, f"gain sqrt(2/(1+{_short(slope)}^2))"
        )
    if activation == "tanh":
        return Recommendation(activation, 5.0 / 3.0, "tanh", None, None, False, "torch's tanh gain 5/3")
    if activation in ("sigmoid", "hardsigmoid"):
        return Recommendation(activation, 1.0, "sigmoid", None, None, False, "torch's sigmoid gain 1")
    if activation == "selu":
        return Recommendation(activation, 1.0, "linear", None, None, True, "LeCun normal for SELU")
    if activation in ("elu", "celu"):
        alpha = 1.0 if param is None else float(param)
        gain = second_moment_gain(activation, alpha)
        why = f"{display_name(activation, param)} gain 1/sqrt(E[phi(z)^2]), z~N(0,1)"
        return Recommendation(activation, gain, "linear", None, gain, False, why)
    if activation in _FUNCTIONS and activation not in ("tanh", "relu"):
        gain = second_moment_gain(activation)
        why = f"{display_name(activation)} gain 1/sqrt(E[phi(z)^2]), z~N(0,1)"
        return Recommendation(activation, gain, "linear", None, gain, False, why)
    return None


def he_is_defensible(activation: str) -> bool:
    """Whether He's sqrt(2) is a defensible stand-in for the activation's own gain: the
    ReLU-like smooth ones (ReLU far from zero), not squared ReLU (quadratic, gain sqrt(2/3))."""
    return FAMILY.get(activation) == "smooth" and activation != "squared_relu"


def gain_of_init(
    function: str, nonlinearity: Optional[str] = None, a: Optional[float] = None, gain: Optional[float] = None
) -> Optional[float]:
    """The effective kaiming-scheme gain of an explicit `nn.init` call, where it has one.

    kaiming_*_(w) with no arguments means nonlinearity='leaky_relu', a=0: gain sqrt(2).
    xavier_*_ scales by fan average, so it has no fan_in gain; callers compare those separately.
    """
    if function.startswith("kaiming_"):
        nl = nonlinearity or "leaky_relu"
        if nl == "leaky_relu":
            return leaky_gain(a if a is not None else 0.0)
        return torch_gain(nl)
    return None


def torch_gain(nonlinearity: str, param: Optional[float] = None) -> Optional[float]:
    """calculate_gain as torch computes it; None for names torch rejects."""
    if nonlinearity in ("linear", "sigmoid") or nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        return leaky_gain(0.01 if param is None else param)
    if nonlinearity == "selu":
        return 0.75
    return None


# What static and runtime both treat as not changing which gain is right: the signal passes
# through these on its way from a layer to its activation.
TRANSPARENT_MODULES = frozenset(
    {
        "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LazyBatchNorm1d",
        "LazyBatchNorm2d", "LazyBatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
        "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
        "LazyInstanceNorm3d", "LocalResponseNorm", "RMSNorm", "Dropout", "Dropout1d", "Dropout2d",
        "Dropout3d", "AlphaDropout", "FeatureAlphaDropout", "MaxPool1d", "MaxPool2d", "MaxPool3d",
        "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
        "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
        "LPPool1d", "LPPool2d", "Identity", "Flatten", "Unflatten", "ZeroPad2d", "ConstantPad1d",
        "ConstantPad2d", "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad2d",
        "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
    }
)  # fmt: skip
# The norms among them: after one, the forward signal no longer depends on the scale of the
# weights before it (conv -> BatchNorm -> ReLU), only the early effective step size does.
NORM_MODULES = frozenset(name for name in TRANSPARENT_MODULES if "Norm" in name and name != "LocalResponseNorm")
NORM_FUNCTIONS = frozenset({"batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm"})


def shrink(activation: str, param: Optional[float], init: str) -> float:
    """How many times too small a layer's std is for its activation: rec.gain / the default's
    gain for a layer on the default init, 1 for any other (explicit, unknown, no recommendation)."""
    rec = recommend(activation, param) if init == "default" else None
    return max(1.0, rec.gain / DEFAULT_GAIN) if rec is not None else 1.0


def chain_impact(shrinks: list[float]) -> float:
    """The factor by which the forward signal's std shrinks over a chain of layers that compound
    without a norm in between: each multiplies it by its own shrink (docs/why.md, "through depth")."""
    return math.prod(shrinks)

# Functions (torch.*, F.*) and tensor methods that are transparent in the same sense.
TRANSPARENT_FUNCTIONS = frozenset(
    {
        "batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm", "local_response_norm",
        "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
        "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d",
        "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d",
        "adaptive_max_pool2d", "adaptive_max_pool3d", "flatten", "reshape", "view", "permute",
        "transpose", "contiguous", "squeeze", "unsqueeze", "pad", "add", "add_", "clone",
        "mean", "view_as", "reshape_as", "movedim", "swapaxes", "unflatten", "float", "to",
        "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    }
)  # fmt: skip
# What a hand-written norm module's forward may call (tensor methods, torch.* / F.*) and still be
# a norm: statistics, scaling, elementwise arithmetic, dtype and shape changes. L2 normalisation
# (F.normalize, x / x.norm()) is not here: it divides by sqrt(n) more than a standardisation.
FUNCTIONAL_NORMS = frozenset({"layer_norm", "rms_norm", "group_norm", "batch_norm", "instance_norm"})
NORMALISING_OPS = FUNCTIONAL_NORMS | frozenset(
    {
        "mean", "var", "std", "var_mean", "std_mean", "pow", "square", "sqrt", "rsqrt", "add", "sub", "mul",
        "div", "clamp", "clamp_min", "float", "half", "bfloat16", "type_as", "to", "view", "reshape", "permute",
        "contiguous", "unsqueeze", "squeeze", "expand_as", "flatten", "transpose", "size", "dim", "isinstance", "len",
    }
)  # fmt: skip
# einops (read by resolved name, einops.X / einops.layers.torch.X): rearranging and repeating
# move values; a mean reduction is a pooling. At run time they are torch's reshapes and means.
EINOPS_TRANSPARENT = frozenset({"rearrange", "repeat", "Rearrange"})
EINOPS_REDUCTIONS = frozenset({"reduce", "Reduce"})  # transparent when the reduction is "mean"
# pack concatenates its tensors (torch.cat: what they meet is a join, none); unpack splits one
# back into parts (torch.split and reshapes: each part followed on its own)
EINOPS_PACKING = frozenset({"pack", "unpack"})

# Elementwise functions and tensor methods after which an activation's output is still what it
# was for the model: a rescaled or clamped Tanh that the model returns is an output head
# (`torch.exp(log_std.clamp(-20, 2))`, `dist.rsample()`). Layers' own outputs meet no activation there.
ELEMENTWISE_FUNCTIONS = frozenset(
    {
        "exp", "exp_", "log", "log_", "log1p", "expm1", "clamp", "clamp_", "clip", "clip_", "abs", "abs_",
        "neg", "neg_", "sqrt", "rsqrt", "square", "pow", "pow_", "mul", "mul_", "div", "div_", "sub", "sub_",
        "true_divide", "cat", "stack", "rsample", "sample",
    }
)  # fmt: skip

# Functions that call the callable they are given on the rest of their arguments, as far as the
# values go (activation checkpointing recomputes the same forward), by resolved name: (position
# of the callable, positions after it that are the runner's own, how many positional arguments
# after those the callable gets (None: all), keywords that are the runner's own).
_CHECKPOINT_OWN = frozenset({"use_reentrant", "preserve_rng_state", "context_fn", "determinism_check", "debug"})
CALLING_FUNCTIONS = {
    "torch.utils.checkpoint.checkpoint": (0, 0, None, _CHECKPOINT_OWN),
    "torch.utils.checkpoint.checkpoint_sequential": (0, 1, 1, _CHECKPOINT_OWN),
    # timm/models/_manipulate.py: checkpoint() is torch's with use_reentrant decided; checkpoint_seq
    # (functions, x, every, flatten, skip_last, ...) runs `functions` on x in segments
    "timm.models._manipulate.checkpoint": (0, 0, None, _CHECKPOINT_OWN),
    "timm.models._manipulate.checkpoint_seq": (0, 0, 1, _CHECKPOINT_OWN | {"every", "flatten", "skip_last"}),
}

# Functions that return the layer they are given with its weight reparametrised.
REPARAMETRISING = frozenset({
    "torch.nn.utils.weight_norm", "torch.nn.utils.spectral_norm", "torch.nn.utils.parametrizations.weight_norm",
    "torch.nn.utils.parametrizations.spectral_norm", "torch.nn.utils.parametrizations.orthogonal",
})  # fmt: skip

# Tensor methods / torch functions that divide a tensor into parts (`a, b = proj(x).chunk(2, -1)`):
# the static analysis follows each part on its own, so a layer whose parts meet different ops
# (GLU variants: `a * F.gelu(b)`) is unknown; the catalogue has no gain for a gated half.
# Not transparent for the runtime tracer, which reports the split itself as the consumer.
SPLIT_FUNCTIONS = frozenset({"chunk", "split", "unbind", "tensor_split", "split_with_sizes", "hsplit", "vsplit"})

# Module classes (nn.X) that are activations, with the constructor argument that carries
# their parameter (name, position).
ACTIVATION_MODULES: dict[str, tuple[str, Optional[tuple[str, int]]]] = {
    "ReLU": ("relu", None),
    "ReLU6": ("relu6", None),
    "LeakyReLU": ("leaky_relu", ("negative_slope", 0)),
    "PReLU": ("prelu", ("init", 1)),
    "RReLU": ("rrelu", None),
    "ELU": ("elu", ("alpha", 0)),
    "SELU": ("selu", None),
    "CELU": ("celu", ("alpha", 0)),
    "GELU": ("gelu", None),
    "SiLU": ("silu", None),
    "Mish": ("mish", None),
    "Hardswish": ("hardswish", None),
    "Hardsigmoid": ("hardsigmoid", None),
    "Tanh": ("tanh", None),
    "Sigmoid": ("sigmoid", None),
    "Softplus": ("softplus", None),
    "Softsign": ("softsign", None),
    "Hardtanh": ("hardtanh", None),
    "LogSigmoid": ("logsigmoid", None),
    "Softmax": ("softmax", None),
    "LogSoftmax": ("softmax", None),
    "Softmin": ("softmax", None),
    "Softmax2d": ("softmax", None),
}

# Functions (torch.X, torch.nn.functional.X) and tensor methods that are activations,
# with the argument that carries their parameter (name, position after the input).
# torch's clamps (function names as ACTIVATION_FUNCTIONS has them; the min bound is the argument after
# the tensor): with these literal bounds they are activations written out (`x.clamp(min=0)` is ReLU)
CLAMPS = frozenset({"clamp", "clamp_", "clip", "clip_", "clamp_min", "clamp_min_"})


def clamp_activation(low: Optional[float], high: Optional[float]) -> Optional[str]:
    """The activation a clamp to [low, high] is (None: no bound), if one: ReLU, ReLU6. A clamp to
    [-1, 1] is Hardtanh too, but written so it bounds a model's output (a waveform, an image): it
    stays an elementwise step after which the output is still the model's (ELEMENTWISE_FUNCTIONS)."""
    return {(0.0, None): "relu", (0.0, 6.0): "relu6"}.get((low, high))


ACTIVATION_FUNCTIONS: dict[str, tuple[str, Optional[tuple[str, int]]]] = {
    "relu": ("relu", None),
    "relu_": ("relu", None),
    "relu6": ("relu6", None),
    "leaky_relu": ("leaky_relu", ("negative_slope", 1)),
    "leaky_relu_": ("leaky_relu", ("negative_slope", 1)),
    "prelu": ("prelu", None),
    "rrelu": ("rrelu", None),
    "rrelu_": ("rrelu", None),
    "elu": ("elu", ("alpha", 1)),
    "elu_": ("elu", ("alpha", 1)),
    "selu": ("selu", None),
    "selu_": ("selu", None),
    "celu": ("celu", ("alpha", 1)),
    "celu_": ("celu", ("alpha", 1)),
    "gelu": ("gelu", None),
    "silu": ("silu", None),
    "mish": ("mish", None),
    "hardswish": ("hardswish", None),
    "hardsigmoid": ("hardsigmoid", None),
    "tanh": ("tanh", None),
    "tanh_": ("tanh", None),
    "sigmoid": ("sigmoid", None),
    "sigmoid_": ("sigmoid", None),
    "softplus": ("softplus", None),
    "softsign": ("softsign", None),
    "hardtanh": ("hardtanh", None),
    "hardtanh_": ("hardtanh", None),
    "logsigmoid": ("logsigmoid", None),
    "softmax": ("softmax", None),
    "log_softmax": ("softmax", None),
    "softmin": ("softmax", None),
}

# Conv/Linear classes whose default init the tool checks; value: (kind, spatial dims).
LAYER_TYPES: dict[str, tuple[str, int]] = {
    "Linear": ("linear", 0),
    "LazyLinear": ("linear", 0),
    "Conv1d": ("conv", 1),
    "Conv2d": ("conv", 2),
    "Conv3d": ("conv", 3),
    "ConvTranspose1d": ("conv_transpose", 1),
    "ConvTranspose2d": ("conv_transpose", 2),
    "ConvTranspose3d": ("conv_transpose", 3),
    "LazyConv1d": ("conv", 1),
    "LazyConv2d": ("conv", 2),
    "LazyConv3d": ("conv", 3),
    "LazyConvTranspose1d": ("conv_transpose", 1),
    "LazyConvTranspose2d": ("conv_transpose", 2),
    "LazyConvTranspose3d": ("conv_transpose", 3),
}


# Loss modules (nn.X): what goes into one meets no activation (the runtime sees an opaque
# consumer: "none"), so a head feeding a loss is on its own gain.
LOSS_MODULES = frozenset(
    {
        "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss",
        "BCEWithLogitsLoss", "KLDivLoss", "CTCLoss", "PoissonNLLLoss", "GaussianNLLLoss", "MarginRankingLoss",
        "HingeEmbeddingLoss", "MultiLabelMarginLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
        "CosineEmbeddingLoss", "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    }
)  # fmt: skip

# transformers names (module path inside the package, as `from transformers.X import Y` or,
# within transformers itself, `from ...X import Y` spell it) the analysis knows:
# a registry of attention kernels (eager, sdpa, flash: each uses q, k, v in products, as
# torch.matmul does) and the base class whose `loss_function` is a loss.
TRANSFORMERS_ATTENTION_REGISTRY = "modeling_utils.ALL_ATTENTION_FUNCTIONS"
TRANSFORMERS_PRETRAINED = "modeling_utils.PreTrainedModel"
# ModelOutput: a dataclass of tensors (transformers.modeling_outputs.* are its subclasses).
TRANSFORMERS_OUTPUT_BASES = ("utils.ModelOutput", "utils.generic.ModelOutput", "modeling_outputs.ModelOutput")
TRANSFORMERS_OUTPUTS_MODULE = "modeling_outputs"
# apply_chunking_to_forward(fn, chunk_size, chunk_dim, *tensors): fn(*tensors), chunk by chunk.
TRANSFORMERS_CHUNKING = "pytorch_utils.apply_chunking_to_forward"
# slice_logits_to_keep(hidden_states, n): hidden_states[:, -n:, :], transparent.
TRANSFORMERS_SLICING = "modeling_utils.slice_logits_to_keep"
# Mask builders that read only the shape, dtype and device of the hidden states they are given
# (as the runtime's metadata queries are ignored, so are these uses).
TRANSFORMERS_SHAPE_READERS = tuple(
    f"masking_utils.{name}" for name in (
        "create_causal_mask", "create_bidirectional_mask", "create_sliding_window_causal_mask",
        "create_bidirectional_sliding_window_mask", "create_chunked_causal_mask", "create_masks_for_generate",
    )
)  # fmt: skip


def is_transformers(qualname: Optional[str], name: str) -> bool:
    """Whether a resolved qualified name is transformers' `name` ('modeling_utils.X'):
    transformers.modeling_utils.X or transformers.X. Relative imports count only once resolved
    against the file's own package, as its `__init__.py` files name it: a project's own
    `from ..activations import ACT2FN` is not transformers'."""
    if not qualname or not qualname.startswith("transformers."):
        return False
    rest = qualname[len("transformers.") :]
    return rest == name or rest == name.rsplit(".", 1)[-1]


def is_transformers_output(qualname: Optional[str]) -> bool:
    """One of transformers.modeling_outputs' ModelOutput classes (all named *Output*)."""
    name = (qualname or "").rsplit(".", 1)[-1]
    return "Output" in name and is_transformers(qualname, f"{TRANSFORMERS_OUTPUTS_MODULE}.{name}")


def is_lazy(layer_type: str) -> bool:
    return layer_type.startswith("Lazy")


# an init routine's `isinstance(m, conv_type)` whose type is a value not read here: it may take any layer
UNRESOLVED_TYPE = "?"


def init_types_reach(layer_type: str, local_class: Optional[str], types, alternatives=()) -> Optional[bool]:
    """`init_types_match` for a layer whose class is one of several (`alternatives` besides
    layer_type: MONAI's `Conv[Conv.CONV, dims]`, its dimension passed by callers), or a test whose
    types are not all read here: True where it surely takes it, False where surely not, None where
    that is not known."""
    hits = [init_types_match(layer_type, local_class, types), *(init_types_match(t, None, types) for t in alternatives)]
    if all(hits):
        return True
    return None if any(hits) or UNRESOLVED_TYPE in types else False


def init_types_match(layer_type: str, local_class: Optional[str], types) -> bool:
    """Does an init routine's isinstance / class-name test (`types`) take a layer of this type?

    `~X`: the class name contains X (`classname.find("Conv") != -1`); `^X`: starts with X;
    `=X`: exactly the local subclass X."""
    runtime_name = local_class or layer_type  # what m.__class__.__name__ says
    for t in types:
        if t.startswith("~") and t[1:] in runtime_name:
            return True
        if t.startswith("^") and runtime_name.startswith(t[1:]):
            return True
        if t.startswith("=") and t[1:] == local_class:
            return True
    if local_class and local_class in types:
        return True
    base = layer_type.replace("Lazy", "")
    if layer_type in types or base in types:
        return True
    kind = LAYER_TYPES.get(layer_type, ("", 0))[0]
    if "_ConvNd" in types and kind in ("conv", "conv_transpose"):
        return True
    if "_ConvTransposeNd" in types and kind == "conv_transpose":
        return True
    return "Module" in types
