"""timm's factories (timm 1.0.31), by what they return given their arguments.

- the activation registry (timm/layers/create_act.py): `get_act_layer("silu")` returns a class,
  `create_act_layer("silu")` an instance; a string key chooses it. What each key gives on
  torch >= 1.9 (where timm picks torch's own modules over its fallbacks).
- the norm registry (timm/layers/create_norm.py): `get_norm_layer(x)` returns x itself for a
  class (or partial), the class a string names, None for None.
- norm + activation modules (timm/layers/norm_act.py): `BatchNormAct2d(...)` and its kin are the
  norm, then `act_layer` (made by create_act_layer), unless `apply_act=False` or `act_layer=None`;
  `get_norm_act_layer(norm, act)` (create_norm_act.py) is that class with `act_layer=act` bound.
- `to_ntuple(n)` (helpers.py) returns a function making a tuple of its argument: its items for a
  sequence, else the argument repeated (`to_ntuple(len(channels))(block)`: one block class per stage)."""

from __future__ import annotations

from typing import Optional

from . import NONE

ACT_LAYERS = {
    "silu": "torch.nn.SiLU", "swish": "torch.nn.SiLU", "mish": "torch.nn.Mish", "relu": "torch.nn.ReLU",
    "relu6": "torch.nn.ReLU6", "leaky_relu": "torch.nn.LeakyReLU", "elu": "torch.nn.ELU", "prelu": "torch.nn.PReLU",
    "celu": "torch.nn.CELU", "selu": "torch.nn.SELU", "gelu": "torch.nn.GELU", "gelu_tanh": "torch.nn.GELU",
    "sigmoid": "torch.nn.Sigmoid", "tanh": "torch.nn.Tanh", "hard_sigmoid": "torch.nn.Hardsigmoid",
    "hardsigmoid": "torch.nn.Hardsigmoid", "hard_swish": "torch.nn.Hardswish", "hardswish": "torch.nn.Hardswish",
    "identity": "torch.nn.Identity",
}  # fmt: skip
# timm's own modules written in tensor arithmetic: no torch activation to name
WRITTEN_OUT = {"quick_gelu": "x * sigmoid(1.702 x)", "hard_mish": "0.5 x clamp(x + 2, 0, 2)"}


ACT_REGISTRY = "timm.layers.create_act.get_act_layer"
# get_act_layer's table as the program stage reads a key passed for a parameter (name.lower() first)
ACT_TABLE = {**{key: ["class", target] for key, target in ACT_LAYERS.items()},
             **{key: ["unknown", f"timm's {key} is {written}, not a catalogued activation"]
                for key, written in WRITTEN_OUT.items()}}  # fmt: skip


def _passes_class(positional: list, keywords: dict, classes: Optional[dict]) -> bool:
    """`name`, the first argument, names a class (not a string of the registry), or is None."""
    if "name" in keywords:
        return keywords["name"] is None and "name" in (classes or {})
    return bool(positional) and positional[0] is None and 0 in (classes or {})


def _chosen(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    name = keywords.get("name", positional[0] if positional else "relu")  # get_act_layer's default
    if name is None:
        return None  # not a string known here: a class passed through, or a parameter
    key = name.lower()
    if key in ACT_LAYERS:
        return ("class", ACT_LAYERS[key])
    if key in WRITTEN_OUT:
        return ("unknown", f"timm's {key} is {WRITTEN_OUT[key]}, not a catalogued activation")
    return ("unknown", f"{name!r} is not a key of timm's activation registry")


def get_act_layer(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    if _passes_class(positional, keywords, classes):
        return ("argument", 0, "name", ACT_REGISTRY)  # a class is returned as passed
    return _chosen(positional, keywords)


def _passes_none(keywords: dict, classes: Optional[dict]) -> bool:
    return (classes or {}).get("name" if "name" in keywords else 0) == NONE


def create_act_layer(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    if _passes_class(positional, keywords, classes) and _passes_none(keywords, classes):
        return ("argument", 0, "name", ACT_REGISTRY)  # `if act_layer is None: return None`
    if _passes_class(positional, keywords, classes):
        return ("call_argument", 0, "name", ACT_REGISTRY)  # a class passed is built (with inplace= where it takes it)
    found = _chosen(positional, keywords)
    return ("instance", found[1]) if found is not None and found[0] == "class" else found


NORM = "timm.layers.norm"
NORM_LAYERS = {
    "batchnorm": "torch.nn.BatchNorm2d", "batchnorm2d": "torch.nn.BatchNorm2d", "batchnorm1d": "torch.nn.BatchNorm1d",
    "groupnorm": f"{NORM}.GroupNorm", "groupnorm1": f"{NORM}.GroupNorm1", "layernorm": f"{NORM}.LayerNorm",
    "layernorm2d": f"{NORM}.LayerNorm2d", "rmsnorm": f"{NORM}.RmsNorm", "rmsnorm2d": f"{NORM}.RmsNorm2d",
}  # fmt: skip


def get_norm_layer(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    name = keywords.get("norm_layer", positional[0] if positional else None)
    if name is None:  # a class, a partial or None: returned as passed (partial keywords rebound, same class)
        return ("argument", 0, "norm_layer")
    key = name.replace("_", "").lower()
    if key in NORM_LAYERS:
        return ("class", NORM_LAYERS[key])
    return ("unknown", f"{name!r}: not a norm of timm's registry known here")


NORM_ACT = "timm.layers.norm_act"
# class -> (the torch norm it subclasses, position of apply_act, position of act_layer), from its __init__
NORM_ACT_LAYERS = {
    f"{NORM_ACT}.BatchNormAct2d": ("BatchNorm2d", 5, 6), f"{NORM_ACT}.GroupNormAct": ("GroupNorm", 5, 6),
    f"{NORM_ACT}.GroupNorm1Act": ("GroupNorm", 3, 4), f"{NORM_ACT}.LayerNormAct": ("LayerNorm", 3, 4),
    f"{NORM_ACT}.LayerNormAct2d": ("LayerNorm", 3, 4),
}  # fmt: skip
# get_norm_act_layer's string keys and the norm classes it maps by lower-cased class name
NORM_ACT_KEYS = {"batchnorm": "BatchNormAct2d", "batchnorm2d": "BatchNormAct2d", "groupnorm": "GroupNormAct",
                 "groupnorm1": "GroupNorm1Act", "layernorm": "LayerNormAct", "layernorm2d": "LayerNormAct2d"}  # fmt: skip


def norm_act(positional: list, keywords: dict, classes: Optional[dict] = None, qualname: str = "") -> Optional[tuple]:
    norm, apply_at, act_at = NORM_ACT_LAYERS[qualname]
    return ("norm_act", f"torch.nn.{norm}", apply_at, act_at, "torch.nn.ReLU", ACT_REGISTRY)


def get_norm_act_layer(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    name = keywords.get("norm_layer", positional[0] if positional else None)
    given = (classes or {}).get("norm_layer", (classes or {}).get(0))
    if given == NONE:
        return ("argument", 0, "norm_layer")  # `if norm_layer is None: return None`
    if name is not None:
        key = name.replace("_", "").lower().split("-")[0]
    elif given is not None:
        own = f"{NORM_ACT}.{given.rsplit('.', 1)[-1]}"
        if given.startswith("timm.") and own in NORM_ACT_LAYERS:  # already a norm+act class (re-exports too)
            return ("bind", own, {"act_layer": (1, "None")})
        key = given.rsplit(".", 1)[-1].lower()  # timm maps any other class by its lower-cased name
    else:
        return None  # not a string nor a class known here
    if key not in NORM_ACT_KEYS:
        return ("unknown", f"no norm + activation module of timm known here for {name or given}")
    # act_layer is bound to what the call passes (None: no activation), for the classes that take it
    return ("bind", f"{NORM_ACT}.{NORM_ACT_KEYS[key]}", {"act_layer": (1, "None")})


def ntuple(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    # timm/layers/helpers.py: `_ntuple(n)` returns `parse(x)`: tuple(x) for an iterable but a str,
    # else x repeated n times
    return ("repeater",)


HOOKS = {
    "timm.layers.helpers._ntuple": ntuple,
    "timm.layers.helpers.to_ntuple": ntuple,
    "timm.layers.create_act.get_act_layer": get_act_layer,
    "timm.layers.create_act.create_act_layer": create_act_layer,
    "timm.layers.create_norm.get_norm_layer": get_norm_layer,
    "timm.layers.create_norm_act.get_norm_act_layer": get_norm_act_layer,
    **{name: (lambda positional, keywords, classes=None, name=name: norm_act(positional, keywords, classes, name))
       for name in NORM_ACT_LAYERS},
}

NORM_ACT_REGISTRY = "timm.layers.create_norm_act.get_norm_act_layer"
# get_norm_act_layer's keys as the program stage reads one passed for a norm_layer parameter: the
# torch norm its norm+act class is (each applies the act_layer it is given, as the class default does)
NORM_ACT_TABLE = {key: ["class", f"torch.nn.{NORM_ACT_LAYERS[f'{NORM_ACT}.{name}'][0]}"] for key, name in NORM_ACT_KEYS.items()}

REGISTRIES = {ACT_REGISTRY: (ACT_TABLE, True), NORM_ACT_REGISTRY: (NORM_ACT_TABLE, True)}
# a hooked function's arguments read through one of those registries (by position and keyword)
ARGUMENT_REGISTRIES = {NORM_ACT_REGISTRY: {0: NORM_ACT_REGISTRY, "norm_layer": NORM_ACT_REGISTRY}}

# timm 1.0.31, timm/models/_registry.py: `@register_model` files the function under its name;
# `timm.create_model(name)` calls it as `fn(pretrained=..., pretrained_cfg=None,
# pretrained_cfg_overlay=None)`: its own defaults, no model arguments in **kwargs.
ENTRY_POINTS = frozenset({"timm.models._registry.register_model"})
