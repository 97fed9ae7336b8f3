"""Hooks: what a library call returns, where a string argument chooses it, keyed by the resolved
qualified name of the function (where it is defined, re-exports followed), as mypy plugins and
astroid's inference tips are. A package's hooks are imported only when a file calls into that
package. A hook gets the call's arguments as literal strings (None where not known here) and the
qualified names of the classes they name (by position or keyword), and returns ("class" |
"instance", class), ("argument", position, name): what is passed there, ("bind", class,
{param: (position, default)}): that class with those keywords bound to the call's arguments,
("norm_act", torch norm, apply_act position, act_layer position, default act class): the norm
then its activation, ("unknown", why), or None to decline (the analysis then reads the
library's source, if it can).

A package's hooks module may also name its registry decorators (`ENTRY_POINTS`): a function so
decorated is a root of the program, called by the library with its defaults and no other
arguments (timm's `create_model(name)` calls the `@register_model` function of that name).
"""

from __future__ import annotations

import importlib
from typing import Callable, Optional

# top-level package -> the module of this package holding its hooks
PACKAGES = {"timm": "timm"}


def hook_for(qualname: Optional[str]) -> Optional[Callable]:
    if not qualname:
        return None
    top = qualname.split(".", 1)[0]
    if top not in PACKAGES:
        return None
    module = importlib.import_module(f"{__name__}.{PACKAGES[top]}")
    return module.HOOKS.get(qualname)


def is_entry_point(decorator: Optional[str]) -> bool:
    """Whether `decorator` (resolved where it is defined) registers the functions it decorates as
    entry points the library calls with their defaults. A project's own registry is not guessed at."""
    if not decorator:
        return False
    top = decorator.split(".", 1)[0]
    if top not in PACKAGES:
        return False
    module = importlib.import_module(f"{__name__}.{PACKAGES[top]}")
    return decorator in getattr(module, "ENTRY_POINTS", ())
