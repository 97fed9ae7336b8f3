"""transformers 5.23.0: what its own source says too indirectly to follow.

transformers/activations.py: `ACT2FN = ClassInstantier(ACT2CLS)`, whose `__getitem__` builds
`ACT2CLS[key]()` (a class, or a (class, kwargs) pair); `get_activation(key)` returns `ACT2FN[key]`;
module-level instances (`gelu_new = get_activation("gelu_new")`) are exported for old imports.
"""

from __future__ import annotations

from typing import Optional

_OWN = "transformers.activations."

# ACT2CLS[key] in torch terms where transformers' class only calls a torch activation
# (GELUActivation's forward is nn.functional.gelu; ClippedGELUActivation clips gelu's output;
# SqrtSoftplusActivation takes the sqrt of softplus's): what the runtime sees first. Where the class
# writes its activation out in tensor arithmetic, the class itself: the analysis reads its forward
# (when transformers' source is readable) and names what that arithmetic computes, if anything.
ACT2CLS = {
    "gelu": "torch.nn.GELU", "gelu_10": "torch.nn.GELU", "gelu_pytorch_tanh": "torch.nn.GELU",
    "gelu_fast": _OWN + "FastGELUActivation", "gelu_new": _OWN + "NewGELUActivation",
    "gelu_accurate": _OWN + "AccurateGELUActivation", "quick_gelu": _OWN + "QuickGELUActivation",
    "relu2": _OWN + "ReLUSquaredActivation", "laplace": _OWN + "LaplaceActivation", "xielu": _OWN + "XIELUActivation",
    "hardswish": "torch.nn.Hardswish", "leaky_relu": "torch.nn.LeakyReLU", "linear": "torch.nn.Identity",
    "mish": "torch.nn.Mish", "relu": "torch.nn.ReLU", "relu6": "torch.nn.ReLU6", "sigmoid": "torch.nn.Sigmoid",
    "silu": "torch.nn.SiLU", "swish": "torch.nn.SiLU", "sqrtsoftplus": "torch.nn.Softplus", "tanh": "torch.nn.Tanh",
    "prelu": "torch.nn.PReLU",
}  # fmt: skip
# Keys whose class is built with arguments that switch its forward to Python arithmetic.
WITH_ARGUMENTS = {"gelu_python": "GELUActivation(use_gelu_python=True)",
                  "gelu_python_tanh": "GELUTanh(use_gelu_tanh_python=True)"}  # fmt: skip

# Module-level instances activations.py exports: qualified name -> (the call that built it, its key).
INSTANCES = {
    _OWN + name: (_OWN + "get_activation", key)
    for name, key in {
        "gelu_python": "gelu_python", "gelu_new": "gelu_new", "gelu": "gelu", "gelu_fast": "gelu_fast",
        "gelu_pytorch_tanh": "gelu_pytorch_tanh", "quick_gelu": "quick_gelu", "silu": "silu", "mish": "mish",
        "linear_act": "linear",
    }.items()
}  # fmt: skip


def act2fn(positional: list, keywords: dict, classes: Optional[dict] = None) -> Optional[tuple]:
    """`ACT2FN[key]` / `get_activation(key)`: an instance of the class the key names."""
    key = keywords.get("activation_string", positional[0] if positional else None)
    if key is None:
        return None
    if key in ACT2CLS:
        return ("instance", ACT2CLS[key])
    if key in WITH_ARGUMENTS:
        return ("unknown", f"{WITH_ARGUMENTS[key]} writes the activation out in Python arithmetic")
    return ("unknown", f"{key!r} is not a key of transformers' ACT2FN")


# Callables that take a class only to test modules' types against it (`OutputRecorder(SwinStage,
# index=0)`: which submodules' outputs to record); the class passed is not built there.
READS_CLASSES = frozenset({"transformers.utils.output_capturing.OutputRecorder"})

HOOKS = {_OWN + "ACT2FN": act2fn, _OWN + "get_activation": act2fn}

# ACT2FN as the program stage reads a key a caller passes (`Net(act="relu")` where Net builds `ACT2FN[act]`)
REGISTRIES = {_OWN + "ACT2FN": ({**{key: ["instance", target] for key, target in ACT2CLS.items()},
                                 **{key: ["unknown", f"{built} writes the activation out in Python arithmetic"]
                                    for key, built in WITH_ARGUMENTS.items()}}, False)}  # fmt: skip
