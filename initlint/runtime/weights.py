"""What a layer's weights say about its init, and how the fix would re-initialise them.

The measured std is the root mean square of the weights: the inits are zero-mean, and the
second moment is what the gain keeps. Every tolerance comes from the number of weights n:
for n iid weights of std s and kurtosis k, mean(w^2)/s^2 is close to chi2(v)/v with
v = 2n/(k-1) degrees of freedom (same variance, (k-1)/n; Satterthwaite), and
Wilson-Hilferty makes its cube root normal with std sqrt(2/(9v)). A std s is consistent
with the measured rms when the rms lies within Z of those stds; for a handful of weights
the lower end reaches zero (no such sample can rule out a small std: few weights can all
be small), and the upper end stays finite.

- default: torch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) fits: its std 1/sqrt(3 fan_in) is
  consistent (uniform: k = 1.8) AND no weight exceeds the bound (the uniform's shape: a
  normal of that std would cross it in 8% of its weights).
- ok: some std within GAIN_TOLERANCE (the static rules' tolerance) of what the activation
  calls for is consistent (k = max(3, the sample's own): a normal's spread or wider), with
  fan_in or fan_out (torch's mode="fan_out", which He et al. endorse as well). For the
  smooth family, anything from He's sqrt(2) to the catalogue's gain is ok, as in the rules.
- too few weights for the two ranges to part (whatever the sample), or both fit: verdict
  "unknown", init "unclear" (or "explicit" when a weight exceeds the default's bound).
- layers whose activation has no recommendation (none, softmax, unknown) get verdict
  "unknown"; their `init` still says default or explicit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn

from initlint import catalogue
from initlint.rules import GAIN_TOLERANCE

Z = 4.0  # two-sided p = 6e-5 per layer: a thousand layers give no false verdict
MAX_SAMPLE = 1 << 20  # weights sampled from a huge layer; the tolerance uses the sample size
UNIFORM_KURTOSIS = 1.8
NORMAL_KURTOSIS = 3.0
BOUND_SLACK = 1e-5  # float32 rounding at the bound


def fans(weight: torch.Tensor) -> tuple[int, int]:
    """As torch computes them: ConvTranspose weights are (in, out/groups, k...), so fan_in is out/groups * k."""
    fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(weight)
    return int(fan_in), int(fan_out)


@dataclass
class WeightStats:
    n: int  # weights in the layer
    used: int  # weights the moments come from
    rms: float
    kurtosis: float  # E[w^4] / E[w^2]^2 about zero
    max_abs: float  # over all weights, not the sample


def weight_stats(weight: torch.Tensor, seed: int = 0) -> Optional[WeightStats]:
    """None for weights without values (the meta device: structure only)."""
    if weight.is_meta:
        return None
    flat = weight.detach().reshape(-1)
    n = flat.numel()
    if n > MAX_SAMPLE:
        generator = torch.Generator(device="cpu").manual_seed(seed)
        index = torch.randint(n, (MAX_SAMPLE,), generator=generator).to(flat.device)
        sample = flat[index]
    else:
        sample = flat
    sample = sample.to(torch.float64)
    m2 = float((sample * sample).mean()) if n else 0.0
    m4 = float((sample**4).mean()) if n else 0.0
    low, high = torch.aminmax(flat) if n else (torch.tensor(0.0), torch.tensor(0.0))
    return WeightStats(
        n=n,
        used=sample.numel(),
        rms=math.sqrt(m2),
        kurtosis=m4 / (m2 * m2) if m2 > 0 else NORMAL_KURTOSIS,
        max_abs=max(abs(float(low)), abs(float(high))),
    )


def rms_range(n: int, kurtosis: float) -> tuple[float, float]:
    """The rms of n weights of std 1 falls in this range but for a 6e-5 chance (Z stds)."""
    dof = 2.0 * n / max(kurtosis - 1.0, 1e-6)
    centre, spread = 1.0 - 2.0 / (9.0 * dof), math.sqrt(2.0 / (9.0 * dof))
    top, bottom = centre + Z * spread, centre - Z * spread  # quantiles of (mean(w^2)/s^2)^(1/3)
    return max(bottom, 0.0) ** 1.5, top**1.5


def consistent(rms: float, low: float, high: float, n: int, kurtosis: float) -> bool:
    """Could n weights of some std in [low, high] (and this kurtosis) give this rms?"""
    bottom, top = rms_range(n, kurtosis)
    return rms / top <= high and (bottom == 0.0 or rms / bottom >= low)


@dataclass
class Judgement:
    verdict: str  # ok | default | mismatch | unknown
    init: str  # default | explicit | unclear
    expected_std: Optional[float]
    reason: str


def judge(
    stats: Optional[WeightStats],
    fan_in: int,
    fan_out: int,
    activation: str,
    param: Optional[float],
    unknown_why: str = "the activations after it disagree",
) -> Judgement:
    act = catalogue.display_name(activation, param)
    rec = catalogue.recommend(activation, param)
    if stats is None:
        expected = rec.std(fan_in) if rec is not None and fan_in > 0 else None
        return Judgement("unknown", "unclear", expected, "weights on the meta device have no values to measure")
    if fan_in <= 0 or stats.n == 0:
        return Judgement("unknown", "unclear", None, "empty weight")
    default_std = 1.0 / math.sqrt(3.0 * fan_in)
    bound = 1.0 / math.sqrt(fan_in)
    looks_default = consistent(stats.rms, default_std, default_std, stats.used, UNIFORM_KURTOSIS) and (
        stats.max_abs <= bound * (1.0 + BOUND_SLACK)
    )
    described = (
        f"weights are torch's default U(+-1/sqrt({fan_in})), std {default_std:.3g}"
        if looks_default
        else f"weights have std {stats.rms:.3g} (the default would be {default_std:.3g})"
    )
    if rec is None:
        why = unknown_why if activation == "unknown" else f"{act} after it"
        return Judgement(
            "unknown", "default" if looks_default else "explicit", None, f"no init to check against: {why}; {described}"
        )

    expected = rec.std(fan_in)
    kurtosis = max(NORMAL_KURTOSIS, stats.kurtosis)
    low_gain, high_gain = rec.gain, rec.gain
    if catalogue.he_is_defensible(activation):  # He's sqrt(2) is a defensible choice there
        low_gain, high_gain = min(rec.gain, math.sqrt(2.0)), max(rec.gain, math.sqrt(2.0))

    def fits(fan: int) -> bool:
        low = low_gain / math.sqrt(fan) / (1.0 + GAIN_TOLERANCE)
        high = high_gain / math.sqrt(fan) * (1.0 + GAIN_TOLERANCE)
        return consistent(stats.rms, low, high, stats.used, kurtosis)

    # A layer too small for the default's and the recommendation's rms ranges to part is not judged,
    # whatever its sample looks like: with 6 weights, either can look like the other.
    wanted_low = low_gain / math.sqrt(fan_in) / (1.0 + GAIN_TOLERANCE)
    if default_std * rms_range(stats.used, UNIFORM_KURTOSIS)[1] >= wanted_low * rms_range(stats.used, kurtosis)[0]:
        init = "explicit" if stats.max_abs > bound * (1.0 + BOUND_SLACK) else "unclear"
        return Judgement(
            "unknown",
            init,
            expected,
            f"only {stats.n} weights: too few to tell the default (std {default_std:.3g}) from {act}'s ({expected:.3g})",
        )
    # fan_out is no alibi here: kaiming_uniform_ with fan_out = 6 fan_in *is* the default.
    if looks_default and fits(fan_in):
        return Judgement(
            "unknown",
            "unclear",
            expected,
            f"only {stats.n} weights: both the default (std {default_std:.3g}) and {act}'s std {expected:.3g} fit",
        )
    if looks_default:
        return Judgement(
            "default",
            "default",
            expected,
            # the same per-layer factor the static findings compound into their impact
            f"{described}; {act} calls for std {expected:.3g} ({rec.why}), "
            f"{catalogue.shrink(activation, param, 'default'):.2f}x more",
        )
    if fits(fan_in):
        return Judgement("ok", "explicit", expected, f"std {stats.rms:.3g} fits {act} ({rec.why})")
    if fits(fan_out):
        return Judgement("ok", "explicit", expected, f"std {stats.rms:.3g} fits {act} with fan_out={fan_out}")
    return Judgement(
        "mismatch",
        "explicit",
        expected,
        f"std {stats.rms:.3g} is {stats.rms / expected:.2f}x what {act} calls for ({expected:.3g}: {rec.why})",
    )


def fix_call(name: str, activation: str, param: Optional[float]) -> Optional[str]:
    """The init the fix would insert for the layer `name`, as source text."""
    rec = catalogue.recommend(activation, param)
    if rec is None:
        return None
    weight = "model" + "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in name.split(".")) + ".weight"
    return "; ".join(rec.calls(weight))


@torch.no_grad()
def reinit_as_fixed(weight: torch.Tensor, activation: str, param: Optional[float]) -> bool:
    """Do what the inserted init calls do (fan_in). False without a recommendation."""
    rec = catalogue.recommend(activation, param)
    if rec is None:
        return False
    if rec.extra_scale is not None:  # as Recommendation.calls writes it: normal_, std gain / sqrt(fan_in)
        nn.init.normal_(weight, std=rec.extra_scale / weight[0].numel() ** 0.5)
        return True
    init = nn.init.kaiming_normal_ if rec.always_normal else nn.init.kaiming_uniform_
    init(weight, a=rec.a or 0.0, mode="fan_in", nonlinearity=rec.nonlinearity)
    return True
