"""timm's activation registry (timm/layers/create_act.py, timm 1.0.31): `get_act_layer("silu")`
returns a class, `create_act_layer("silu")` an instance; a string key chooses it. What each key
gives on torch >= 1.9 (where timm picks torch's own modules over its fallbacks)."""

from __future__ import annotations

from typing import Optional

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


def _chosen(positional: list, keywords: dict) -> Optional[tuple]:
    name = keywords.get("name", positional[0] if positional else "relu")  # get_act_layer's default
    if name is None:
        return None  # not a string known here: a class passed through, or a parameter
    key = name.lower()
    if key in ACT_LAYERS:
        return ("class", ACT_LAYERS[key])
    if key in WRITTEN_OUT:
        return ("unknown", f"timm's {key} is {WRITTEN_OUT[key]}, not a catalogued activation")
    return ("unknown", f"{name!r} is not a key of timm's activation registry")


def get_act_layer(positional: list, keywords: dict) -> Optional[tuple]:
    return _chosen(positional, keywords)


def create_act_layer(positional: list, keywords: dict) -> Optional[tuple]:
    found = _chosen(positional, keywords)
    return ("instance", found[1]) if found is not None and found[0] == "class" else found


HOOKS = {
    "timm.layers.create_act.get_act_layer": get_act_layer,
    "timm.layers.create_act.create_act_layer": create_act_layer,
}
