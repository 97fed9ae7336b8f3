"""Hooks: what a library call returns, where a string argument chooses it, keyed by the resolved
qualified name of the function (where it is defined, re-exports followed), as mypy plugins and
astroid's inference tips are. A package's hooks are imported only when a file calls into that
package. A hook gets the call's arguments as literal strings (None where not known here) and the
qualified names of the classes they name (by position or keyword; `NONE` where a caller that knows
it says the argument is None itself), and returns ("class" |
"instance", class), ("argument", position, name): what is passed there, ("call_argument",
position, name): an instance of what is passed there, built with the call's other keywords (timm's
`create_act_layer(nn.ReLU, inplace=True)`), ("bind", class,
{param: (position, default)}): that class with those keywords bound to the call's arguments,
("norm_act", torch norm, apply_act position, act_layer position, default act class, the registry
its act_layer is read through (a qualified name `registry_table` knows)): the norm then its
activation, ("repeater",): a function making a tuple of its one argument (its items, or it
repeated), ("unknown", why), or None to decline (the analysis then reads the library's source,
if it can). A class not torch's is the library's own, read from its source. A
registry subscripted (`ACT2FN[key]`) is hooked as a call with the key. ("argument" and
"call_argument" answers may name, after the parameter, the registry a string passed there is read
through.)

A package's `REGISTRIES` are its key -> class tables in the shape of a project's own
(`ModuleSummary.registries`), keyed by the resolved name of what reads a key (timm's
`get_act_layer`): the program stage reads a key a caller passes through them (`registry_table`).

A registry subscripted with a tuple (MONAI's `Conv[Conv.CONV, dims]`: a key, then the arguments its
factory function takes) is hooked as a call with those as its positional arguments: strings, ints
where an int literal is written there, None where not known. A hook may then answer ("classes",
(class, ...)): one of those, which the call site does not tell (a dimension passed by the caller).
A package's `CONSTANTS` are attributes of a hooked registry that are strings
(`{registry: {attribute: string}}`: MONAI's `Conv.CONV` is "CONV"), read where a key is.

A function a package lists in `PAIRS` takes a name or a (name, {keyword: value}) pair (MONAI's
`get_act_layer(("leakyrelu", {"negative_slope": 0.1}))`, `ADN(act=..., norm=...)`): its hook gets
such a literal as (name, {keyword: the value's literal source}), numbers as numbers and `NONE` for
None; it may answer ("instance", class, {keyword: source}): the class built with those keywords, or
("sequence", [answer, ...]): those modules one after another (ADN's norm, dropout and activation in
its `ordering`). A constructor parameter's default read for such an argument is what the answer
rests on (callers elsewhere may pass another), read through the registry `ARGUMENT_REGISTRIES` names
for it, unless `NEUTRAL` lists the argument as choosing nothing the analysis reports (a dimension,
a dropout). What a caller passes for such a parameter is read through that registry in the program
stage, a pair's keywords giving the activation's parameter.

A package's hooks module may also name its registry decorators (`ENTRY_POINTS`): a function so
decorated is a root of the program, called by the library with its defaults and no other
arguments (timm's `create_model(name)` calls the `@register_model` function of that name).
"""

from __future__ import annotations

NONE = "builtins.None"  # in a hook's `classes`: the argument there is None (get_act_layer(None) returns None)

import importlib
from typing import Callable, Optional

# top-level package -> the module of this package holding its hooks
PACKAGES = {"timm": "timm", "transformers": "transformers", "monai": "monai"}


def _package(qualname: Optional[str]):
    top = qualname.split(".", 1)[0] if qualname else None
    return importlib.import_module(f"{__name__}.{PACKAGES[top]}") if top in PACKAGES else None


def hook_for(qualname: Optional[str]) -> Optional[Callable]:
    module = _package(qualname)
    return module.HOOKS.get(qualname) if module is not None else None


def instance_hook(qualname: Optional[str]) -> Optional[tuple]:
    """A module-level instance a library exports (transformers' `gelu_new = get_activation("gelu_new")`):
    (the hook of the call that built it, the string it was given), else None."""
    module = _package(qualname)
    found = getattr(module, "INSTANCES", {}).get(qualname) if module is not None else None
    return (module.HOOKS[found[0]], found[1]) if found is not None else None


def reads_classes_only(qualname: Optional[str]) -> bool:
    """A library callable that takes classes only to compare types with them (transformers'
    `OutputRecorder(SwinStage, index=0)`): a class passed to it is not built anywhere unseen."""
    module = _package(qualname)
    return module is not None and qualname in getattr(module, "READS_CLASSES", ())


def is_entry_point(decorator: Optional[str]) -> bool:
    """Whether `decorator` (resolved where it is defined) registers the functions it decorates as
    entry points the library calls with their defaults. A project's own registry is not guessed at."""
    module = _package(decorator)
    return module is not None and decorator in getattr(module, "ENTRY_POINTS", ())


def registry_table(qualname: Optional[str]) -> Optional[tuple]:
    """(key -> [kind, class or why], whether a key is lower-cased before it is looked up) of a library
    registry known by the resolved name of what reads the key, else None."""
    module = _package(qualname)
    return getattr(module, "REGISTRIES", {}).get(qualname) if module is not None else None


def argument_registry(qualname: Optional[str], key: object) -> Optional[str]:
    """The registry (a name `registry_table` knows) a library function reads its argument `key`
    (a position or a keyword) through: `get_norm_act_layer("batchnorm")`'s norm_layer."""
    module = _package(qualname)
    return getattr(module, "ARGUMENT_REGISTRIES", {}).get(qualname, {}).get(key) if module is not None else None


def constant(qualname: Optional[str], attribute: str) -> Optional[str]:
    """The string the attribute of a hooked library object is (MONAI's `Conv.CONV`), else None."""
    module = _package(qualname)
    return getattr(module, "CONSTANTS", {}).get(qualname, {}).get(attribute) if module is not None else None


def takes_pairs(qualname: Optional[str]) -> bool:
    """Whether a hooked function's string arguments may be (name, {keyword: value}) pairs (MONAI's
    `get_act_layer(("prelu", {"init": 0.2}))`): such a literal reaches its hook as (name, {keyword:
    the value's literal source}), and its ("instance", class, {keyword: source}) answer builds the
    class with those keywords."""
    module = _package(qualname)
    return module is not None and qualname in getattr(module, "PAIRS", ())


def chooses_nothing(qualname: Optional[str], key: object) -> bool:
    """Whether a hooked function's argument `key` (a position or a keyword) changes nothing the
    analysis reports of what it returns (MONAI's ADN `dropout`: a dropout, whatever it is given), so
    that a default read there is not something a caller's value could overturn (`NEUTRAL`)."""
    module = _package(qualname)
    return module is not None and key in getattr(module, "NEUTRAL", {}).get(qualname, ())
