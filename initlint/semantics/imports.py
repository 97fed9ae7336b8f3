"""Names as a file's imports resolve them: qualified names, torch.nn / torch.nn.functional /
torch.nn.init names whatever the spelling."""

from __future__ import annotations

import builtins
import re
from typing import Callable, Optional, Union

import libcst as cst

from ..syntax.nodes import dotted


INIT_FUNCTIONS = re.compile(
    r"^(kaiming|xavier|trunc_normal|normal|uniform|orthogonal|sparse|dirac|eye|constant|zeros?|ones|"
    r"lecun|variance_scaling|glorot|he)_?\w*_?$"
)


def _module_name(node: Union[cst.Attribute, cst.Name, cst.ImportFrom]) -> str:
    if isinstance(node, cst.ImportFrom):
        dots = "." * len(node.relative)
        return dots + (dotted(node.module) or "" if node.module else "")
    return dotted(node) or ""


class Imports:
    """Local names -> qualified names, from the file's own import statements. Relative imports
    resolve to absolute names when the file's package is known (`package`), else stay relative."""

    def __init__(self, package: Optional[list] = None) -> None:
        self.names: dict[str, str] = {}
        self.package = package
        self.stars: list[str] = []  # `from X import *`: X qualified (its names are read with the program)
        # with the program: a name not bound here -> the star-imported module's name for it, or None
        self.star_lookup: Optional[Callable[[str], Optional[str]]] = None
        self.star_misses: set = set()

    def add(self, stmt: cst.BaseSmallStatement) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None:
                    self.names[alias.asname.name.value] = full
                else:
                    top = full.split(".")[0]
                    self.names[top] = top
        elif isinstance(stmt, cst.ImportFrom):
            base = _module_name(stmt)
            if stmt.relative and self.package is not None and len(stmt.relative) <= len(self.package):
                # `from ...modeling_utils import X` in transformers/models/bert/: transformers.modeling_utils.X
                up = self.package[: len(self.package) - len(stmt.relative) + 1]
                base = ".".join(up + ([dotted(stmt.module) or ""] if stmt.module else []))
            if isinstance(stmt.names, cst.ImportStar):
                self.stars.append(base)
                return
            for alias in stmt.names:
                name = alias.name.value if isinstance(alias.name, cst.Name) else dotted(alias.name) or ""
                local = alias.asname.name.value if alias.asname is not None else name
                self.names[local] = f"{base}{name}" if base.endswith(".") else f"{base}.{name}"  # `from . import x`: ".x"

    def qualify(self, node: cst.CSTNode) -> Optional[str]:
        text = dotted(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        if head not in self.names and self.star_lookup is not None and head not in self.star_misses \
                and not hasattr(builtins, head):  # fmt: skip
            found = self.star_lookup(head)  # each star-imported module read once, when a name needs it
            if found is None:
                self.star_misses.add(head)
            else:
                self.names[head] = found
        if head in self.names:
            base = self.names[head]
            return f"{base}.{rest}" if rest else base
        if head == "nn" and "nn" not in self.names:
            return f"torch.nn.{rest}" if rest else "torch.nn"  # snippets that never import nn
        return None


def torch_nn_name(qualname: Optional[str]) -> Optional[str]:
    """'torch.nn.Conv2d' / 'torch.nn.modules.conv.Conv2d' -> 'Conv2d'; else None."""
    if not qualname or not qualname.startswith("torch.nn."):
        return None
    rest = qualname[len("torch.nn.") :]
    if rest.startswith(("functional.", "init.")):
        return None
    return rest.rsplit(".", 1)[-1]


def functional_name(qualname: Optional[str]) -> Optional[str]:
    """torch.relu / torch.nn.functional.relu / torch.Tensor.relu -> 'relu'."""
    if not qualname:
        return None
    for prefix in ("torch.nn.functional.", "torch.special.", "torch.Tensor.", "torch."):
        if qualname.startswith(prefix):
            rest = qualname[len(prefix) :]
            return rest if "." not in rest else None
    return None


def init_function_name(qualname: Optional[str], text: Optional[str]) -> Optional[str]:
    """Name of an init function: torch.nn.init.X, or a helper that looks like one (trunc_normal_)."""
    if qualname and qualname.startswith("torch.nn.init."):
        return qualname.rsplit(".", 1)[-1]
    name = (text or "").rsplit(".", 1)[-1]
    if name and name.endswith("_") and INIT_FUNCTIONS.match(name):
        return name
    if name in ("trunc_normal_tf_", "lecun_normal_", "variance_scaling_", "init_weights"):
        return name
    return None
