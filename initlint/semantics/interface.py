"""A module's interface: what another module's analysis can read of it, as plain data with a
stable hash (mypy's interface hash).

Another module's analysis reads this one's code (its factories inlined, its registries, its
classes' constructors, literal defaults and init routines) and, for each class it calls in a
forward, the class's forward summary (what it does to its input, which layers' outputs leave
it). So the interface is the code without positions, comments, docstrings or forward bodies
(definitions keyed by name: reordering them changes nothing), and each class's forward as its
summary: a forward edited without changing what it does (a log line, a comment, a reordered
method) keeps the interface, and none of the modules that consulted it is analysed again.
No positions: another module's analysis does not cite this one's lines (the program stage
does, and it reads this module's own model, which the program key covers).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import typing
from typing import Optional

from .values import ActivationOutput, InputSite, Site, Summary, UseProbe

if typing.TYPE_CHECKING:
    from .file import FileAnalysis

FORWARD_METHODS = ("forward", "__call__")  # read by other modules through the class's summary only


def interface_digest(code: list, forwards: dict) -> str:
    data = json.dumps([code, forwards], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def code_shape(tree: Optional[ast.Module], source: str) -> list:
    """The module's code as other modules' analyses read it: CPython's tree without positions,
    docstrings or forward bodies (their signatures stay: callers bind arguments by them)."""
    text = ["text", hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()]
    if tree is None:
        return text
    try:
        return _body_shape(tree.body, in_class=False)
    except RecursionError:  # nested past what ast.dump walks (CPython compiles 1000-deep expressions): the text decides
        return text


def _dump(node: object) -> str:
    """`ast.dump(node)`, the same text (digests stay as they were), without its per-node
    layout work (indentation, line breaks) that a one-line dump never uses."""
    kind = type(node)
    fields = _FIELDS.get(kind)
    if fields is None:
        if kind is list:
            return "[" + ", ".join([_dump(item) for item in node]) + "]"
        if not isinstance(node, ast.AST):
            return repr(node)
        fields = _FIELDS[kind] = tuple((name, getattr(kind, name, ...) is None) for name in kind._fields)
        if not fields:  # Load(), Add(), ...: one text per type
            _FIELDS[kind] = f"{kind.__name__}()"
    if type(fields) is str:
        return fields
    parts = []
    for name, optional in fields:
        value = getattr(node, name, _MISSING)
        if value is _MISSING or (value is None and optional):
            continue
        parts.append(f"{name}={repr(value) if type(value) is str else _dump(value)}")
    return f"{kind.__name__}({', '.join(parts)})"


_MISSING = object()
_FIELDS: dict = {}  # AST node type -> ((field, whether None is left out), ...), or the text of a type without fields


def _body_shape(body: list, in_class: bool) -> list:
    definitions: dict = {}
    statements: list = []
    for index, stmt in enumerate(body):
        if index == 0 and _is_docstring(stmt):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = [_dump(d) for d in stmt.decorator_list]
            if in_class and stmt.name in FORWARD_METHODS:
                definitions[stmt.name] = ["forward", _dump(stmt.args), decorators]
            else:
                stripped = copy.copy(stmt)
                stripped.body = [s for i, s in enumerate(stmt.body) if not (i == 0 and _is_docstring(s))]
                definitions[stmt.name] = ["def", _dump(stripped)]
        elif isinstance(stmt, ast.ClassDef):
            definitions[stmt.name] = ["class", [_dump(b) for b in stmt.bases], [_dump(k) for k in stmt.keywords],
                                      [_dump(d) for d in stmt.decorator_list], _body_shape(stmt.body, True)]  # fmt: skip
        else:
            statements.append(_dump(stmt))
    return [sorted(definitions.items()), statements]


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def forward_facts(fa: "FileAnalysis") -> dict:
    """Per class summarised in this module: what its forward does to its inputs, which sites
    leave it, and what it does to each of its layers' outputs, as plain data."""
    out: dict = {}
    for name, cls in fa.classes.items():
        summary: Optional[Summary] = cls.summary
        if summary is None:
            continue
        out[name] = {
            "entry": _outcomes(summary.entry),
            "exits": _keys(summary.exits),
            "input": _input_facts(summary.input_site),
            "positions": [_keys(p) for p in summary.positions] if summary.positions is not None else None,
            "fields": {k: [_keys(v), maybe] for k, (v, maybe) in summary.fields.items()} if summary.fields is not None else None,
            "extra": {k: _input_facts(v) for k, v in summary.extra_inputs.items()},
            "done": summary.done,
            "sites": sorted((_site_facts(s) for s in cls.sites), key=_sort_key),
        }
    return out


def _outcomes(outcomes: list) -> list:
    return [[activation, param, str(evidence)] for activation, param, evidence in outcomes]


def _input_facts(site: Optional[InputSite]) -> Optional[list]:
    if site is None:
        return None
    return [site.owner, _outcomes(site.outcomes), site.feeds_layer, _keys(site.first_layers)]


def site_key(site: object) -> list:
    if isinstance(site, Site):
        return ["site", site.module_path, site.class_name, site.name, site.layer_type, site.local_class, site.function,
                site.helper]  # fmt: skip
    if isinstance(site, InputSite):
        return ["input", site.owner]
    if isinstance(site, ActivationOutput):
        return ["activated", _keys(site.sites), site.feeds_layer]
    return [type(site).__name__]


def _site_facts(site: Site) -> list:
    return [site_key(site), _outcomes(site.outcomes), site.norm, site.split_by, site.output_head, [label for _, label in site.branches],
            _keys(site.feeds), _keys(site.added_to), _keys(site.inputs), site.subclass_init, site.fix_reason]  # fmt: skip


def _keys(sites: typing.Iterable) -> list:
    return sorted((site_key(s) for s in sites if not isinstance(s, UseProbe)), key=_sort_key)


def _sort_key(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)
