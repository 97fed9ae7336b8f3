"""MONAI's layer factories (MONAI 1.6.1, monai/networks/layers/factories.py), by what they return.

`Conv`, `Norm`, `Act`, `Dropout`, `Pool` are `LayerFactory` objects: factory functions registered
under upper-cased names (`@Conv.factory_function("conv")`, `Act.add_factory_class("relu", nn.ReLU)`);
`Conv[name, dims]` (`__getitem__` takes a name or a tuple of a name and the function's arguments)
calls the function of `name.upper()`, and `Conv.CONV` (`__getattr__`) is the string "CONV". The
dimensioned ones return `types[dim - 1]` of (1d, 2d, 3d); the others ignore their arguments."""

from __future__ import annotations

from typing import Optional

from . import NONE

FACTORIES = "monai.networks.layers.factories"


def _dims(stem: str) -> tuple:
    return tuple(f"torch.nn.{stem}{n}d" for n in (1, 2, 3))


# factory -> registered name (upper-cased, as `add` files it) -> the (1d, 2d, 3d) classes, or the one class
TABLES = {
    "Conv": {"CONV": _dims("Conv"), "CONVTRANS": _dims("ConvTranspose")},
    "Norm": {"INSTANCE": _dims("InstanceNorm"), "BATCH": _dims("BatchNorm"), "GROUP": "torch.nn.GroupNorm",
             "LAYER": "torch.nn.LayerNorm", "LOCALRESPONSE": "torch.nn.LocalResponseNorm",
             "SYNCBATCH": "torch.nn.SyncBatchNorm"},
    "Act": {"ELU": "torch.nn.ELU", "RELU": "torch.nn.ReLU", "LEAKYRELU": "torch.nn.LeakyReLU",
            "PRELU": "torch.nn.PReLU", "RELU6": "torch.nn.ReLU6", "SELU": "torch.nn.SELU", "CELU": "torch.nn.CELU",
            "GELU": "torch.nn.GELU", "SIGMOID": "torch.nn.Sigmoid", "TANH": "torch.nn.Tanh",
            "SOFTMAX": "torch.nn.Softmax", "LOGSOFTMAX": "torch.nn.LogSoftmax",
            # monai/networks/blocks/activation.py: MONAI's own modules, read from its source
            "SWISH": "monai.networks.blocks.activation.Swish", "MEMSWISH": "monai.networks.blocks.activation.MemoryEfficientSwish",
            "MISH": "monai.networks.blocks.activation.Mish", "GEGLU": "monai.networks.blocks.activation.GEGLU"},
    "Dropout": {"DROPOUT": _dims("Dropout"), "ALPHADROPOUT": "torch.nn.AlphaDropout"},
    "Pool": {"MAX": _dims("MaxPool"), "ADAPTIVEMAX": _dims("AdaptiveMaxPool"), "AVG": _dims("AvgPool"),
             "ADAPTIVEAVG": _dims("AdaptiveAvgPool")},
}  # fmt: skip
# Dropout(dim)'s 1d class is nn.Dropout, not "Dropout1d"
TABLES["Dropout"]["DROPOUT"] = ("torch.nn.Dropout", "torch.nn.Dropout2d", "torch.nn.Dropout3d")
# `instance_nvfuser` gives apex's InstanceNorm3dNVFuser where apex is installed: not known statically


def layer_factory(table: dict, name: str, positional: list) -> Optional[tuple]:
    """`Factory[name, *args]`: the class registered under name.upper(), for the dimension passed
    (positional[1]: an int, None where not known here: any of the three)."""
    key = positional[0] if positional else None
    if not isinstance(key, str):
        return None  # a class passed through (`Act[nn.ReLU]` returns it), or a key not known here
    found = table.get(key.upper())
    if found is None:
        return ("unknown", f"{key!r} is not a name of MONAI's {name} factory known here")
    if isinstance(found, str):
        return ("class", found)
    dim = positional[1] if len(positional) > 1 else None
    if isinstance(dim, int) and 1 <= dim <= 3:
        return ("class", found[dim - 1])
    return ("classes", found)  # its dimension is not known here


HOOKS = {f"{FACTORIES}.{name}": (lambda positional, keywords, classes=None, table=table, name=name:
                                 layer_factory(table, name, positional))
         for name, table in TABLES.items()}  # fmt: skip

# `Conv.CONV`: LayerFactory.__getattr__ returns a registered name as the string itself
CONSTANTS = {f"{FACTORIES}.{name}": {key: key for key in table} for name, table in TABLES.items()}


# monai/networks/layers/utils.py: `get_act_layer(name)` and `get_norm_layer(name, spatial_dims, channels)`
# take a name or a (name, {keyword: value}) pair (`split_args`) and return an instance of what the
# factory gives for the name (`Act[name](**kwargs)`; `Norm[name, spatial_dims]`, its channels filled
# in); "" gives nn.Identity. A pair reaches a hook as (name, {keyword: its literal source}).
UTILS = "monai.networks.layers.utils"
ACT_REGISTRY = f"{UTILS}.get_act_layer"


def _split(name: object) -> tuple:
    return name if isinstance(name, tuple) else (name, {})


def get_act_layer(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    name = keywords.get("name", positional[0] if positional else None)
    if name == "":
        return ("instance", "torch.nn.Identity")
    key, arguments = _split(name)
    if not isinstance(key, str):
        return None  # a class, or a name not known here
    found = TABLES["Act"].get(key.upper())
    if found is None:
        return ("unknown", f"{key!r} is not a name of MONAI's Act factory known here")
    return ("instance", found, arguments)


def get_norm_layer(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    name = keywords.get("name", positional[0] if positional else None)
    if name == "":
        return ("instance", "torch.nn.Identity")
    key, _ = _split(name)
    if not isinstance(key, str):
        return None
    found = TABLES["Norm"].get(key.upper())
    if found is None:
        return ("unknown", f"{key!r} is not a name of MONAI's Norm factory known here")
    # a norm whatever its dimension (its arguments change no gain)
    return ("instance", found if isinstance(found, str) else found[0])


HOOKS[ACT_REGISTRY] = get_act_layer
HOOKS[f"{UTILS}.get_norm_layer"] = get_norm_layer
# functions whose name argument may be a (name, {keyword: value}) pair
PAIRS = frozenset(HOOKS) - {f"{FACTORIES}.{name}" for name in TABLES}

# get_act_layer's names as the program stage reads one passed for a parameter (MONAI upper-cases a
# name; the table is kept lower-cased, as `registry_table` lower-cases a key first)
ACT_TABLE = {key.lower(): ["class", target] for key, target in TABLES["Act"].items()}
REGISTRIES = {ACT_REGISTRY: (ACT_TABLE, True)}


# monai/networks/blocks/acti_norm.py: `ADN(ordering="NDA", in_channels=None, act="RELU", norm=None,
# norm_dim=None, dropout=None, dropout_dim=None)` is an nn.Sequential of the norm (get_norm_layer),
# the dropout (get_dropout_layer: Dropout's classes only) and the activation (get_act_layer) that are
# not None, in the order its `ordering` letters name them (upper-cased; another letter raises).
ADN_PARAMETERS = ("ordering", "in_channels", "act", "norm", "norm_dim", "dropout", "dropout_dim")
ADN_DEFAULTS = {"ordering": "NDA", "act": "RELU", "norm": NONE, "dropout": NONE}


def adn(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    given = {**dict(zip(ADN_PARAMETERS, positional)), **keywords}
    value = {name: given.get(name, ADN_DEFAULTS.get(name)) for name in ("ordering", "act", "norm", "dropout")}
    ordering = value["ordering"]
    if not isinstance(ordering, str):
        return ("unknown", "its ordering is not known here")
    parts = {}
    if value["norm"] != NONE:
        parts["N"] = get_norm_layer([value["norm"]], {}) or ("unknown", "its norm is not known here")
    if value["act"] != NONE:
        parts["A"] = get_act_layer([value["act"]], {}) or ("unknown", "its act is not known here")
    if value["dropout"] != NONE:
        dropout = value["dropout"]
        known = isinstance(dropout, (int, float)) or isinstance(_split(dropout)[0], str) \
            and _split(dropout)[0].upper() in TABLES["Dropout"]  # fmt: skip
        parts["D"] = ("instance", "torch.nn.Dropout") if known else ("unknown", "its dropout is not known here")
    if any(letter not in "ADN" for letter in ordering.upper()):
        return ("unknown", f"ordering {ordering!r} names a letter ADN does not take (it raises)")
    return ("sequence", [parts[letter] for letter in ordering.upper() if letter in parts])


HOOKS[f"monai.networks.blocks.acti_norm.ADN"] = adn
PAIRS = PAIRS | {"monai.networks.blocks.acti_norm.ADN"}
# a hooked function's arguments read through get_act_layer's names (by position and keyword)
NORM_REGISTRY = f"{UTILS}.get_norm_layer"
# get_norm_layer's names: a norm whatever its dimension (what the program stage compares: a norm for a norm)
REGISTRIES[NORM_REGISTRY] = ({key.lower(): ["class", target if isinstance(target, str) else target[0]]
                              for key, target in TABLES["Norm"].items()}, True)  # fmt: skip
ARGUMENT_REGISTRIES = {ACT_REGISTRY: {0: ACT_REGISTRY, "name": ACT_REGISTRY},
                       NORM_REGISTRY: {0: NORM_REGISTRY, "name": NORM_REGISTRY},
                       "monai.networks.blocks.acti_norm.ADN": {2: ACT_REGISTRY, "act": ACT_REGISTRY,
                                                               3: NORM_REGISTRY, "norm": NORM_REGISTRY}}
# arguments whose value changes nothing reported of what is returned: dimensions, channels, a
# dropout (transparent whatever it is)
NEUTRAL = {"monai.networks.blocks.acti_norm.ADN": {1, "in_channels", 4, "norm_dim", 5, "dropout", 6, "dropout_dim"},
           f"{UTILS}.get_norm_layer": {1, "spatial_dims", 2, "channels"}}
