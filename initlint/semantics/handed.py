"""A class of this module handed to a function that builds it: a use of that class, with the
arguments that reach the construction.

`build_model_with_cfg(ResNet, variant, pretrained, **kwargs)` (timm), `def build(cls, **kw):
return cls(**kw)`: the function's parameter is called, so the class is built there, with the
call's keywords that land in the function's `**kwargs`. Those are followed back (bounded) through
`**dict(model_args, **kwargs)`, dicts bound once in the caller, and the `**kwargs` of the
enclosing function, up to its callers in this module or, for a function a library's registry
decorator registers (timm's `@register_model`, library/hooks), up to the entry point itself: the
library calls it with its defaults and nothing in `**kwargs`. What cannot be followed is unknown.

A function of another module is read as the loader finds it; a library stub that defines it
(library/stubs) is read instead, even where the program holds that library's source.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from ..syntax.nodes import _all_params, _positional_params, _walk_nodes, bound_names, child_nodes, dotted, name_options
from .values import NONE_V, ClassRefV
from .memo import memoised

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from .file import FileAnalysis

MAX_DEPTH = 6  # `**kwargs` followed through at most this many functions


@dataclass
class HandedUse:
    """One construction of a class of this module inside a function it is handed to."""

    outer: cst.Call  # the call in this module that hands the class over
    enclosing: Optional[cst.FunctionDef]  # the function holding that call (None: module code)
    builder: cst.FunctionDef  # the function that builds it
    builder_name: str  # resolved where it is defined (`timm.models._builder.build_model_with_cfg`)
    param: str  # the builder's parameter that holds the class
    inner: cst.Call  # the builder's call of that parameter


def handed_uses(fa: "FileAnalysis", cls_name: str) -> list:
    """Every construction of `cls_name` in a function this module hands it to."""
    cache = fa.handed_cache
    if cls_name not in cache:
        cache[cls_name] = [use for outer, enclosing, arg in [*fa.class_args.get(cls_name, []), *_aliased(fa).get(cls_name, [])]
                           for use in _uses_of(fa, outer, enclosing, arg)]  # fmt: skip
    return cache[cls_name]


def built_by_handing(fa: "FileAnalysis", cls_name: str, external: bool, alias: bool = False) -> int:
    """How many of the class's references hand it to a function that builds it (of another
    module with `external`, else of this one), the model built there going back untouched to
    whoever called for it; with `alias`, those made through a local name bound once to it
    (`model_cls = A if distilled else B`: the reference is in that binding)."""
    outers = {id(use.outer) for use in handed_uses(fa, cls_name) if _returned_untouched(fa, use.outer, use.enclosing, 0)}
    records = _aliased(fa).get(cls_name, []) if alias else fa.class_args.get(cls_name, [])
    return sum(1 for outer, _, _ in records if id(outer) in outers and _is_external(fa, outer) == external)


def handed_to_builders(fa: "FileAnalysis", name: str) -> int:
    """How many references of an imported class hand it to a function that builds it, directly or
    through a local name (`model_cls = Net; build_model_with_cfg(model_cls, ...)`): uses that
    `handed_builds` lists for the program stage."""
    records = [*fa.imported_args.get(name, []), *(_aliased(fa).get(name, []) if name not in fa.classes else [])]
    return sum(1 for outer, enclosing, arg in records if _uses_of(fa, outer, enclosing, arg))


def touched_after_handing(fa: "FileAnalysis", cls_name: str) -> int:
    """References handing the class to a function of this module that builds it, or through a
    local name, where the model built is not returned untouched (`model.apply(init)` after)."""
    uses = handed_uses(fa, cls_name)
    touched = {id(use.outer) for use in uses if not _returned_untouched(fa, use.outer, use.enclosing, 0)}
    direct = [(outer, False) for outer, _, _ in fa.class_args.get(cls_name, [])]
    aliased = [(outer, True) for outer, _, _ in _aliased(fa).get(cls_name, [])]
    return sum(1 for outer, alias in direct + aliased if id(outer) in touched and (alias or not _is_external(fa, outer)))


def _returned_untouched(fa: "FileAnalysis", call: cst.Call, fn: Optional[cst.FunctionDef], depth: int) -> bool:
    """Whether what `call` returns leaves `fn` as its return value, nothing done to it on the way
    but setting attributes (`model.default_cfg = cfg`), and so on up through the callers of `fn`
    in this module: no init runs on the model after it is built (`model.apply(init)` would).
    A function no code here calls is as its caller leaves it (a registered entry point: as the
    library does, which runs none)."""
    if fn is None or depth > MAX_DEPTH:
        return False
    key = ("<untouched>", id(call))
    if key in fa.handed_cache:
        return fa.handed_cache[key]
    fa.handed_cache[key] = False  # a cycle of calls: not followed
    statement = next((s for s in _walk_nodes(fn.body) if isinstance(s, (cst.Return, cst.Assign))
                      and (s.value is call)), None)  # fmt: skip
    ok = False
    if isinstance(statement, cst.Return):
        ok = True
    elif isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0].target, cst.Name):
        name = statement.targets[0].target.value
        ok = _only_returned(fn, name, statement)
    if ok and fa.functions.get(fn.name.value) is fn and not is_entry_point(fa, fn):
        for caller, enclosing in fa.call_sites.get(fn.name.value, []):
            if not _returned_untouched(fa, caller, enclosing, depth + 1):
                ok = False
                break
    elif ok and fa.functions.get(fn.name.value) is not fn:
        ok = False  # a method or nested function: what its callers do is not followed
    fa.handed_cache[key] = ok
    return ok


def _only_returned(fn: cst.FunctionDef, name: str, binding: cst.Assign) -> bool:
    """Every other mention of `name` in `fn` returns it or sets one of its attributes."""
    allowed: set = {id(binding.targets[0].target)}
    for node in _walk_nodes(fn.body):
        if isinstance(node, cst.Return) and isinstance(node.value, cst.Name) and node.value.value == name:
            allowed.add(id(node.value))
        elif isinstance(node, cst.Assign) and node is not binding:
            for target in node.targets:
                if isinstance(target.target, cst.Attribute) and isinstance(target.target.value, cst.Name) \
                        and target.target.value.value == name:  # fmt: skip
                    allowed.add(id(target.target.value))
                elif isinstance(target.target, cst.Name) and target.target.value == name:
                    return False  # bound again
    return all(id(node) in allowed for node in _walk_nodes(fn.body) if isinstance(node, cst.Name) and node.value == name)


def _aliased(fa: "FileAnalysis") -> dict:
    """name -> [(call, enclosing, Arg)]: a local name handed to a call, bound once in the
    enclosing function to a class of this module or an imported one (or a choice of them)."""
    if "<aliases>" not in fa.handed_cache:
        found: dict = {}
        for outer, enclosing, arg, name in fa.alias_args:
            if (id(enclosing), name) not in fa.class_bindings:
                continue
            bound = _bound_once(fa, enclosing, name, kept=False)  # a class, not a dict: passing it changes nothing
            for option in name_options(bound) if bound is not None else _each_class_bound(fa, enclosing, name):
                if option in fa.classes or option in fa.imports.names:
                    found.setdefault(option, []).append((outer, enclosing, arg))
        fa.handed_cache["<aliases>"] = found
    return fa.handed_cache["<aliases>"]


def _each_class_bound(fa: "FileAnalysis", fn: cst.FunctionDef, name: str) -> list:
    """`model_cls = EfficientNet; if features_only: model_cls = EfficientNetFeatures`: a name
    bound several times, each time to a class: each may be what the call gets."""
    bindings = _bound_once(fa, fn, name, any_binding=True) or []
    options = [name_options(b.value) if isinstance(b, cst.Assign) else [] for b in bindings]
    if not options or any(not names or any(n not in fa.classes and n not in fa.imports.names for n in names)
                          for names in options):  # fmt: skip
        return []
    return [n for names in options for n in names]


def built_only_by_free_code(fa: "FileAnalysis", cls_name: str) -> bool:
    """Every reference to the class hands it to a builder, from free functions or module code:
    nothing in this module contains it (a top-level model, as timm's registered models are)."""
    uses = handed_uses(fa, cls_name)
    if not uses:
        return False
    outers = {id(use.outer) for use in uses}
    args = [*fa.class_args.get(cls_name, []), *_aliased(fa).get(cls_name, [])]
    return all(id(outer) in outers and fa.init_owner(enclosing) is None and not _in_class(fa, enclosing)
               for outer, enclosing, _ in args) and fa.references.get(cls_name, 0) == len(args)  # fmt: skip


def _in_class(fa: "FileAnalysis", fn: Optional[cst.FunctionDef]) -> bool:
    return fn is not None and fa.functions.get(fn.name.value) is not fn


def _is_external(fa: "FileAnalysis", outer: cst.Call) -> bool:
    return not (isinstance(outer.func, cst.Name) and outer.func.value in fa.functions)


def _uses_of(fa: "FileAnalysis", outer: cst.Call, enclosing, arg: cst.Arg) -> list:
    found = _builder(fa, outer)
    if found is None:
        return []
    builder, name = found
    params = _positional_params(builder)
    if arg.keyword is not None:
        param = arg.keyword.value if arg.keyword.value in {p.name.value for p in _all_params(builder)} else None
    else:
        positional = [a for a in outer.args if a.keyword is None and not a.star]
        if any(a.star for a in outer.args[: outer.args.index(arg)]):
            return []  # after a *args: its position is not known
        at = next(i for i, a in enumerate(positional) if a is arg)
        param = params[at].name.value if at < len(params) else None
    if param is None or _rebound(builder, param):
        return []
    uses = [HandedUse(outer, enclosing, builder, name, param, call) for call in _walk_nodes(builder.body)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == param]  # fmt: skip
    return [use for use in uses if _branch_taken(fa, use)]


def _rebound(fn: cst.FunctionDef, name: str) -> bool:
    return name in bound_names(fn.body, wide=False)


def _builder(fa: "FileAnalysis", outer: cst.Call) -> Optional[tuple[cst.FunctionDef, str]]:
    """The function `outer` calls (this module's, a stub's, another module's), resolved."""
    func = outer.func
    if isinstance(func, cst.Name) and func.value in fa.functions:
        return fa.functions[func.value], func.value
    qualified = fa.imports.qualify(func)
    if not qualified:
        return None
    loader = fa.library()
    found = loader.lookup(fa, qualified)
    if found is None or found[0] != "function" or found[1] is None:
        return None
    module, name = found[1], found[2]
    known = loader.index.names.get(module.path)
    resolved = f"{known[0]}.{name}" if known else qualified
    stub = _stub_function(fa, resolved)
    if stub is not None:
        return stub, resolved
    fn = module.functions.get(name)
    return (fn, resolved) if fn is not None else None


def _stub_function(fa: "FileAnalysis", resolved: str) -> Optional[cst.FunctionDef]:
    from ..program.environment import Environment

    module_name, _, name = resolved.rpartition(".")
    environment = Environment()
    path = environment.find(module_name) if module_name else None
    if path is None or not environment.is_stub(path):
        return None
    loader = fa.stubs_only
    if loader is None:
        from ..program.loader import ModuleLoader

        fa.stubs_only = loader = ModuleLoader((), environment=environment)
    module = loader.module(path)
    return module.functions.get(name) if module is not None else None


def handed_builds(fa: "FileAnalysis", spans: dict) -> list:
    """`BuildFact`s of another module's classes this module hands to a function that builds them
    (deit.py: `build_model_with_cfg(VisionTransformer, ...)`): a use the program stage judges, with
    the arguments that reach the construction (one per parameter; unknown where not followed)."""
    from ..model import BuildFact

    out = []
    imported = {name: [*records] for name, records in fa.imported_args.items()}
    for name, records in _aliased(fa).items():
        if name in fa.imports.names and name not in fa.classes:
            imported.setdefault(name, []).extend(records)
    for name, records in sorted(imported.items()):
        qualified = fa.imports.names[name]
        found = fa.library().lookup(fa, qualified)
        if found is None or found[0] != "class" or found[1] is None:
            continue
        module, cls = found[1], found[1].classes[found[2]]
        init = module.method(cls, "__init__")
        if init is None:
            continue
        names = [p.name.value for p in _positional_params(init[1])[1:]]
        params = names + [p.name.value for p in init[1].params.kwonly_params]
        for outer, enclosing, arg in records:
            for use in _uses_of(fa, outer, enclosing, arg):
                args = {}
                for param in params:
                    fact = _arg_fact(passed_values(fa, use, param, names, 0), use)
                    if fact is not None:
                        args[param] = fact
                span = spans.get(id(outer))
                line = span[0][0] if span else 0
                where = [span[0][1] + 1, span[1][0], span[1][1] + 1] if span else []
                out.append(BuildFact(qualified, line, args, None, span=where))
    return out


def _arg_fact(values: Optional[list], use: HandedUse) -> Optional[list]:
    """A value for `BuildFact.args`: None where nothing is passed."""
    from ..syntax.nodes import short_code

    if values == []:
        return None
    through = f"through {use.builder_name.rsplit('.', 1)[-1]}(...)"
    if values is None:
        return ["unknown", f"(not followed {through})"]
    shown = set()
    for value in values:
        if isinstance(value, ClassRefV):
            shown.add(("class", value.qualname))
        elif value == NONE_V:
            shown.add(("none",))
        elif isinstance(value, tuple) and value and value[0] == "<literal>":
            shown.add(("literal", short_code(value[1], 60)))
        else:
            shown.add(("unknown", f"(a value not followed {through})"))
    if len(shown) == 1:
        return list(shown.pop())
    return ["unknown", f"(values that differ between the calls {through})"]


# -- the arguments that reach the construction ----------------------------------------------


def passed_values(fa: "FileAnalysis", use: HandedUse, param: str, names: list, depth: int) -> Optional[list]:
    """What `use` passes to the class's parameter `param` (`names`: its positional parameters):
    [] when it passes nothing there, None when that is not known."""
    inner = use.inner
    positional = [a for a in inner.args if a.keyword is None and not a.star]
    node = positional[names.index(param)].value if param in names and names.index(param) < len(positional) else None
    for arg in inner.args:
        if arg.keyword is not None and arg.keyword.value == param:
            node = arg.value
    if node is not None:
        return _builder_value(fa, use, node, depth)
    if any(arg.star == "*" for arg in inner.args):
        return None
    star_kwarg = use.builder.params.star_kwarg
    kwargs_name = star_kwarg.name.value if isinstance(star_kwarg, cst.Param) else None
    for arg in reversed(inner.args):
        if arg.star != "**":
            continue
        if not (isinstance(arg.value, cst.Name) and arg.value.value == kwargs_name) or _mutated(fa, use.builder, kwargs_name):
            return None
        return _call_kwargs(fa, use.outer, use.builder, use.enclosing, param, depth)
    return []


def _builder_value(fa: "FileAnalysis", use: HandedUse, node: cst.BaseExpression, depth: int) -> Optional[list]:
    """A value the builder passes on: one of its parameters, as the handing call gives it."""
    if not isinstance(node, cst.Name):
        return None
    given = _argument_for(use.outer, use.builder, node.value)
    if given is not None:
        return fa.static_value(given, use.enclosing, depth)
    default = next((p.default for p in _all_params(use.builder) if p.name.value == node.value), None)
    if isinstance(default, cst.Name) and default.value == "None":
        return [NONE_V]
    return None


def _argument_for(call: cst.Call, fn: cst.FunctionDef, param: str) -> Optional[cst.BaseExpression]:
    names = [p.name.value for p in _positional_params(fn)]
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if param in names and names.index(param) < len(positional):
        return positional[names.index(param)].value
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param), None)


def _branch_taken(fa: "FileAnalysis", use: HandedUse) -> bool:
    """False when the builder's call sits under `if p is None` / `if p is not None` (p one of its
    parameters) and the handing call decides that test the other way."""
    for test, positive in _conditions(use.builder.body, use.inner):
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name)
                and isinstance(test.comparisons[0].comparator, cst.Name)
                and test.comparisons[0].comparator.value == "None"
                and isinstance(test.comparisons[0].operator, (cst.Is, cst.IsNot))):  # fmt: skip
            continue
        given = _argument_for(use.outer, use.builder, test.left.value)
        if given is None:
            default = next((p.default for p in _all_params(use.builder) if p.name.value == test.left.value), None)
            is_none = True if isinstance(default, cst.Name) and default.value == "None" else None
        else:
            is_none = True if isinstance(given, cst.Name) and given.value == "None" else None
            if is_none is None and fa.literal_value(given) is not None:
                is_none = False
            if is_none is None and (values := fa.static_value(given, use.enclosing, MAX_DEPTH)):
                is_none = True if all(v == NONE_V for v in values) else (False if NONE_V not in values else None)
        if is_none is None:
            continue
        holds = is_none if isinstance(test.comparisons[0].operator, cst.Is) else not is_none
        if holds != positive:
            return False
    return True


def _conditions(body: cst.CSTNode, target: cst.CSTNode) -> list:
    """(test, whether it holds) of each `if` around `target` in `body`."""
    out: list = []

    def visit(node: cst.CSTNode, around: list) -> bool:
        if node is target:
            out.extend(around)
            return True
        if isinstance(node, cst.If):
            if visit(node.body, [*around, (node.test, True)]):
                return True
            if node.orelse is not None:
                return visit(node.orelse, [*around, (node.test, False)])
            return False
        return any(visit(child, around) for child in node.children)

    visit(body, [])
    return out


def _mutated(fa: "FileAnalysis", fn: cst.FunctionDef, name: str) -> bool:
    """Whether `name` (a dict) may change in `fn` before it is passed on: assigned into, a
    method that adds keys called on it, or passed to a call (which may do either)."""
    return name in _function_index(fa, fn)[1]


def _function_index(fa: "FileAnalysis", fn: cst.FunctionDef) -> tuple:
    """One walk of `fn`: (name -> its bindings, None for one not a plain `name = expr`; names
    that may change as dicts; name -> {key: value} of the `name["key"] = value` statements in fn's
    own body, which set that key and no other), kept for this analysis by the node's identity."""
    return memoised(fa, "function index", fn, lambda: _index_function(fn))


def _index_function(fn: cst.FunctionDef) -> tuple:
    bindings: dict = {}
    mutated: set = set()
    keyed: dict = {}
    top_level = {id(line) for statement in fn.body.body if isinstance(statement, cst.SimpleStatementLine)
                 for line in statement.body}  # fmt: skip
    for node in _walk_nodes(fn.body):
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                    and func.attr.value not in ("pop", "get", "items", "keys", "values"):  # fmt: skip
                mutated.add(func.value.value)
            if dotted(func) != "dict":  # dict(model_args, **kwargs): a new dict, read only
                mutated.update(a.value.value for a in node.args if isinstance(a.value, cst.Name) and not a.star)
        if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    bindings.setdefault(target.value, []).append(node)
                    continue
                if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                    key = _literal_key(target)
                    if key is not None and id(node) in top_level and isinstance(node, cst.Assign):
                        keyed.setdefault(target.value.value, {})[key] = node.value  # kwargs["depth"] = depth
                    else:
                        mutated.add(target.value.value)
                for inner in _walk_nodes(target) if isinstance(target, (cst.Tuple, cst.List)) else ():
                    if isinstance(inner, cst.Name):
                        bindings.setdefault(inner.value, []).append(None)  # unpacked: not one expression
        elif isinstance(node, (cst.For, cst.CompFor, cst.WithItem, cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(node, "asname", None)
            for inner in _walk_nodes(target) if target is not None else ():
                if isinstance(inner, cst.Name):
                    bindings.setdefault(inner.value, []).append(None)
    return bindings, mutated, keyed


def _literal_key(target: cst.Subscript) -> Optional[str]:
    if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
        return None
    key = target.slice[0].slice.value
    value = key.evaluated_value if isinstance(key, cst.SimpleString) else None
    return value if isinstance(value, str) else None


def _call_kwargs(fa: "FileAnalysis", call: cst.Call, fn: cst.FunctionDef, enclosing, param: str, depth: int) -> Optional[list]:
    """What `call` puts into `fn`'s **kwargs under `param`: [] nothing, None not known."""
    if param in {p.name.value for p in _all_params(fn)}:
        return []  # a named parameter of fn takes it: never in its **kwargs
    node = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == param), None)
    if node is not None:
        return _tagged(fa, fa.static_value(node, enclosing, depth), enclosing)
    if any(a.star == "*" for a in call.args):
        return None
    for arg in reversed(call.args):
        if arg.star == "**":
            found = star_values(fa, arg.value, enclosing, param, depth)
            if found != []:
                return found
    return []


def star_values(fa: "FileAnalysis", node: cst.BaseExpression, enclosing, param: str, depth: int) -> Optional[list]:
    """The values key `param` of the mapping `node` (expanded with `**`) may have: [] when it
    surely has no such key, None when that is not known."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, cst.Dict):
        for element in reversed(node.elements):
            if isinstance(element, cst.StarredDictElement):
                found = star_values(fa, element.value, enclosing, param, depth + 1)
            else:
                key = element.key.evaluated_value if isinstance(element.key, cst.SimpleString) else None
                if not isinstance(key, str):
                    return None
                found = _tagged(fa, fa.static_value(element.value, enclosing, depth), enclosing) if key == param else []
            if found != []:
                return found
        return []
    if isinstance(node, cst.Call) and dotted(node.func) == "dict" and "dict" not in fa.functions:
        for arg in reversed(node.args):
            if arg.keyword is not None:
                found = _tagged(fa, fa.static_value(arg.value, enclosing, depth), enclosing) if arg.keyword.value == param else []
            elif arg.star == "*":
                return None
            else:
                found = star_values(fa, arg.value, enclosing, param, depth + 1)
            if found != []:
                return found
        return []
    if not isinstance(node, cst.Name):
        return None
    name = node.value
    if enclosing is not None:
        star_kwarg = enclosing.params.star_kwarg
        if isinstance(star_kwarg, cst.Param) and star_kwarg.name.value == name:
            if _mutated(fa, enclosing, name):
                return None
            stored = _function_index(fa, enclosing)[2].get(name, {})
            if param in stored:  # timm's `kwargs['growth_rate'] = growth_rate` before passing kwargs on
                return _tagged(fa, fa.static_value(stored[param], enclosing, depth), enclosing)
            return _kwargs_of(fa, enclosing, param, depth + 1)
        bound = _bound_once(fa, enclosing, name)
        if bound is not None:
            return star_values(fa, bound, enclosing, param, depth + 1)
        if any(p.name.value == name for p in _all_params(enclosing)):
            return None
    value = fa.module_bindings.get(name)
    if isinstance(value, (cst.Dict, cst.Call)) and not (enclosing is not None and _bound_once(fa, enclosing, name, any_binding=True)):
        return star_values(fa, value, None, param, depth + 1)
    return None


def _tagged(fa: "FileAnalysis", values: Optional[list], enclosing) -> Optional[list]:
    """Classes passed from `enclosing` name it in their evidence (a registered entry point as such)."""
    if not values or enclosing is None:
        return values
    where = fa.path.replace("\\", "/").rsplit("/", 1)[-1]
    origin = f"by {enclosing.name.value}() in {where}"
    if is_entry_point(fa, enclosing):
        origin = f"by the registered entry point {enclosing.name.value}() in {where}"
    return [dataclasses.replace(v, passed_by=origin) if isinstance(v, ClassRefV) and not v.passed_by else v for v in values]


def _bound_once(fa: "FileAnalysis", fn: cst.FunctionDef, name: str, any_binding: bool = False, kept: bool = True):
    """The expression a local name is bound to once in `fn` and never changed (else None)."""
    bindings, mutated, _ = _function_index(fa, fn)
    found = bindings.get(name, [])
    if any_binding:
        return found or None
    if len(found) != 1 or found[0] is None or isinstance(found[0], cst.AugAssign) or (kept and name in mutated):
        return None
    return found[0].value


def _kwargs_of(fa: "FileAnalysis", fn: cst.FunctionDef, param: str, depth: int) -> Optional[list]:
    """What `fn`'s **kwargs holds under `param`, over its callers in this module; nothing for an
    entry point a library's registry calls with its defaults."""
    if param in {p.name.value for p in _all_params(fn)}:
        return []
    key = ("<kwargs>", id(fn), param)
    if key not in fa.handed_cache:
        fa.handed_cache[key] = None  # asked again while computing it (calls in a cycle): not known
        fa.handed_cache[key] = _callers_kwargs(fa, fn, param, depth)
    return fa.handed_cache[key]


def _callers_kwargs(fa: "FileAnalysis", fn: cst.FunctionDef, param: str, depth: int) -> Optional[list]:
    if is_entry_point(fa, fn):
        return []
    name = fn.name.value
    if fa.functions.get(name) is not fn:
        return None  # a method or a nested function: its callers are not followed
    callers = fa.call_sites.get(name, [])
    if not callers or depth > MAX_DEPTH:
        return None
    values: list = []
    for call, enclosing in callers:
        if not (isinstance(call.func, cst.Name) and call.func.value == name):
            return None  # partial(fn, ...): called elsewhere, with what is not seen
        found = _call_kwargs(fa, call, fn, enclosing, param, depth)
        if found is None:
            return None
        values.extend(found)
    return values


def is_entry_point(fa: "FileAnalysis", fn: cst.FunctionDef) -> bool:
    """Whether a decorator of `fn` is a library registry's (library/hooks `ENTRY_POINTS`),
    resolved where it is defined: the library calls `fn` with its defaults."""
    key = ("<entry point>", id(fn))
    if key not in fa.handed_cache:
        fa.handed_cache[key] = (fn, _registered(fa, fn))
    return fa.handed_cache[key][1]


def _registered(fa: "FileAnalysis", fn: cst.FunctionDef) -> bool:
    from ..library import hooks

    for decorator in fn.decorators:
        qualified = fa.imports.qualify(decorator.decorator)
        if not qualified:
            continue
        loader = fa.library()
        found = loader.lookup(fa, qualified)
        resolved = qualified
        if found is not None and found[1] is not None:
            known = loader.index.names.get(found[1].path)
            resolved = f"{known[0]}.{found[2]}" if known else qualified
        if hooks.is_entry_point(resolved):
            return True
    return False


def entry_point_note(fa: "FileAnalysis", cls_name: str) -> Optional[str]:
    """How the class is built when only its registered entry points build it, for evidence:
    `build_model_with_cfg(...) from ghostnet_100() and 8 more registered entry points`."""
    found: list = []
    builder = ""
    for use in handed_uses(fa, cls_name):
        builder = use.builder_name.rsplit(".", 1)[-1]
        stack, seen = [(use.enclosing, 0)], set()
        while stack:
            fn, depth = stack.pop()
            if fn is None or id(fn) in seen or depth > MAX_DEPTH:
                continue
            seen.add(id(fn))
            if is_entry_point(fa, fn):
                found.append(fn.name.value)
            elif fa.functions.get(fn.name.value) is fn:
                stack.extend((enclosing, depth + 1) for _, enclosing in fa.call_sites.get(fn.name.value, []))
    if not found:
        return None
    more = f" and {len(found) - 1} more registered entry points" if len(found) > 1 else " (a registered entry point)"
    return f"built by {builder}(...) from {found[0]}(){more}"


def default_builds(fa: "FileAnalysis") -> list:
    """(class, imported class Name, keywords a partial binds, call) for each call of a constructor
    parameter whose default is an imported class (`mlp_layer: Type[nn.Module] = Mlp`, or
    `partial(PatchEmbed, strict_img_size=False)`; then `self.mlp = mlp_layer(...)`), where the
    parameter is only called or passed to a class's constructor in that constructor's own code
    (`param_uses`): a construction of the default, listed with that call's arguments, whatever
    callers may pass instead (their classes are their own mentions)."""
    return [(cls, option, keywords, call) for cls, param, option, keywords, fn in _defaults(fa)
            for call in param_uses(fa, fn)[param][0]]  # fmt: skip


def _defaults(fa: "FileAnalysis") -> list:
    """(class, parameter, imported class Name, keywords a partial binds, __init__) for each option
    of a constructor parameter's default that names imported classes, for the parameters
    `param_uses` lists (a partial's keywords are not passed on with the class: one passed on to a
    constructor is not listed). Kept for this analysis."""
    if "<defaults>" not in fa.handed_cache:
        found = []
        for cls in fa.classes.values():
            fn = cls.methods.get("__init__")
            if fn is None:
                continue  # an inherited constructor: listed where it is defined
            uses = param_uses(fa, fn)
            for param in _all_params(fn):
                name = param.name.value
                if param.default is None or name not in uses:
                    continue
                options = _value_options(fa, name, param.default, (), partial_ok=True)
                if options and not (uses[name][1] and any(keywords for _, keywords in options)):
                    found.extend((cls.name, name, option, keywords, fn) for option, keywords in options)
        fa.handed_cache["<defaults>"] = found
    return fa.handed_cache["<defaults>"]


def _imported_class(fa: "FileAnalysis", name: str) -> bool:
    """Whether an imported name is a class of a module the program's loader reads."""
    if fa.loader is None or name in fa.functions:
        return False
    found = fa.loader.lookup(fa, fa.imports.names[name])
    return found is not None and found[0] == "class" and found[1] is not None


def built_defaults(fa: "FileAnalysis", name: str) -> int:
    """How many mentions of an imported class are constructor defaults `default_builds` lists, or
    arguments to a class's constructor the program stage judges (`class_hands`)."""
    hands = sum(1 for handed, _, _, _, arg in class_hands(fa) if handed == name and arg.value.value == name)
    aliased = len({id(option) for _, option, _, _ in alias_builds(fa) if option.value == name})
    defaults = len({id(option) for _, _, option, _, _ in _defaults(fa) if option.value == name})
    return defaults + hands + aliased


def called_params(fa: "FileAnalysis", fn: cst.FunctionDef) -> dict:
    """parameter -> the calls `param(...)` in `fn`'s own code, for each parameter that is only ever
    called there (every mention one of those calls, never bound again): where what it holds is built."""
    return {name: calls for name, (calls, passes) in param_uses(fa, fn).items() if calls and not passes}


def param_uses(fa: "FileAnalysis", fn: cst.FunctionDef) -> dict:
    """parameter -> (its calls `param(...)`, its passes [(call, Arg)] to a class's constructor:
    `Block(mlp_layer=mlp_layer)`), for each parameter of `fn` mentioned only so in `fn`'s own code
    and never bound again there."""
    key = ("<param uses>", id(fn))
    if key not in fa.handed_cache:
        names = {p.name.value for p in _all_params(fn)}
        calls: dict = {}
        passes: dict = {}
        other: set = set()
        stack: list = [fn.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                if node.value in names:
                    other.add(node.value)  # a mention neither called nor passed to a constructor
                continue
            if isinstance(node, cst.Attribute):  # `self.name`: another thing of that name
                stack.append(node.value)
                continue
            if isinstance(node, cst.Arg):  # `f(name=...)`: the keyword is not a mention
                stack.append(node.value)
                continue
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
                func = node.func.value
                direct = fa._directly_in(fn, node)
                if func in names:
                    if direct:
                        calls.setdefault(func, []).append(node)
                    else:
                        other.add(func)  # in a nested function or lambda: when, with what, not seen
                    # `block_layers(mlp_block=mlp_block)`, block_layers defaulting to a class: a pass to it
                    routed = direct and param_default_class(fa, fn, func) is not None
                    for arg in node.args:
                        if routed and isinstance(arg.value, cst.Name) and arg.value.value in names \
                                and arg.value.value != func and _hand_key(node, arg) is not None:  # fmt: skip
                            passes.setdefault(arg.value.value, []).append((node, arg))
                        else:
                            stack.append(arg)
                    continue
                handed = [arg for arg in node.args if isinstance(arg.value, cst.Name) and arg.value.value in names]
                if direct and handed and (func in fa.classes or (func in fa.imports.names and _imported_class(fa, func))):
                    for arg in node.args:
                        if isinstance(arg.value, cst.Name) and arg.value.value in names:
                            if _hand_key(node, arg) is None:
                                other.add(arg.value.value)  # positional: which parameter it fills is not kept
                            else:
                                passes.setdefault(arg.value.value, []).append((node, arg))
                        else:
                            stack.append(arg)
                    continue
            stack.extend(child_nodes(node))
        found = {name: (calls.get(name, []), passes.get(name, [])) for name in {*calls, *passes}
                 if name not in other and not _rebound(fn, name)}  # fmt: skip
        fa.handed_cache[key] = (fn, found)
    return fa.handed_cache[key][1]


def _hand_key(call: cst.Call, arg: cst.Arg) -> Optional[str]:
    """The parameter an argument fills, by keyword (None for a positional one: which parameter it
    fills depends on the callee's positional parameters and `*args`, not kept)."""
    return arg.keyword.value if arg.keyword is not None and not arg.star else None


def class_hands(fa: "FileAnalysis") -> list:
    """(imported name, the callee as the imports qualify it, parameter or position, call, Arg) for
    each imported class passed as it is to a constructor of a class (this module's or another's),
    `Block(mlp_layer=Mlp)`, or as a constructor parameter's default passed on (`_defaults`). The
    program stage lists it as built where that constructor only calls the parameter
    (`ClassFact.built_params`); elsewhere it is handed on."""
    if "<class hands>" not in fa.handed_cache:
        found = []
        records = [(name, call, arg) for name, calls in fa.imported_args.items() for call, _, arg in calls]
        for name, call, arg in [*records, *fa.local_class_args]:
            func = call.func
            if not (isinstance(arg.value, cst.Name) and arg.value.value == name and isinstance(func, cst.Name)) \
                    or _hand_key(call, arg) is None or name in fa.classes \
                    or not (func.value in fa.classes or func.value in fa.imports.names) or not _imported_class(fa, name):  # fmt: skip
                continue
            if func.value in fa.classes:
                callee = f"local:{func.value}"
            elif func.value in fa.imports.names and _imported_class(fa, func.value):
                callee = fa.imports.names[func.value]
            else:
                continue
            key = _hand_key(call, arg)
            if key is not None:
                found.append((name, callee, key, call, arg))
        for _, param, default, _, fn in _defaults(fa):  # `def __init__(self, mlp_layer=Mlp)`, then `Block(mlp_layer=mlp_layer)`
            for call, arg in param_uses(fa, fn)[param][1]:
                callee = call.func.value
                if param_default_class(fa, fn, callee) is not None:
                    continue  # `block_layers(mlp_block=mlp_block)`: a parameter's class, `routed_hands`
                callee = f"local:{callee}" if callee in fa.classes else fa.imports.names[callee]
                key = _hand_key(call, arg)
                if key is not None:
                    found.append((default.value, callee, key, call, arg))
        fa.handed_cache["<class hands>"] = found
    return fa.handed_cache["<class hands>"]


def param_default_class(fa: "FileAnalysis", fn: cst.FunctionDef, name: str) -> Optional[str]:
    """The class a parameter of `fn` defaults to, as the imports qualify it (`local:X` for one of
    this module: `block_layers=LayerScaleBlock`), where `fn` never binds it again; None for any
    other default, or none."""
    default = next((p.default for p in _all_params(fn) if p.name.value == name), None)
    if not isinstance(default, cst.Name) or _rebound(fn, name):
        return None
    if default.value in fa.classes:
        return f"local:{default.value}"
    if default.value in fa.imports.names and _imported_class(fa, default.value):
        return fa.imports.names[default.value]
    return None


def routed_hands(fa: "FileAnalysis") -> list:
    """(imported name, the class its route defaults to, parameter, call, Arg, [class, route, parameter])
    for each constructor parameter's imported class default passed by keyword to a call of another
    parameter whose default is a class (`Cait(block_layers=LayerScaleBlock, mlp_block=Mlp)`, then
    `block_layers(mlp_block=mlp_block)`): a hand to that default class, which the program stage lists
    where that class only calls the parameter and no construction of `class` passes another `route`
    (that class would get it) without passing `parameter` too."""
    if "<routed hands>" not in fa.handed_cache:
        found = []
        for cls, param, default, _, fn in _defaults(fa):
            for call, arg in param_uses(fa, fn)[param][1]:
                route = call.func.value
                callee = param_default_class(fa, fn, route)
                key = _hand_key(call, arg)
                if callee is not None and key is not None:
                    found.append((default.value, callee, key, call, arg, [cls, route, param]))
        fa.handed_cache["<routed hands>"] = found
    return fa.handed_cache["<routed hands>"]


def alias_builds(fa: "FileAnalysis") -> list:
    """(class, imported class Name, keywords a partial binds, call) for each call of a local name of
    a constructor that every binding sets to imported classes, as they are, chosen
    (`A if c else B`), defaulted (`se_layer = se_layer or SqueezeExcite`) or partially applied
    (`partial(Mlp, use_conv=True)`), and that is only ever called there: a construction of each,
    listed with that call's arguments. Kept for this analysis."""
    if "<alias builds>" not in fa.handed_cache:
        found = []
        for cls in fa.classes.values():
            fn = cls.methods.get("__init__")
            if fn is None:
                continue
            bindings = _function_index(fa, fn)[0]
            for name, bound in bindings.items():
                options = _class_options(fa, name, bound)
                if not options:
                    continue
                calls = _alias_calls(fa, fn, name, bound)
                found.extend((cls.name, option, keywords, call) for call in calls or () for option, keywords in options)
        fa.handed_cache["<alias builds>"] = found
    return fa.handed_cache["<alias builds>"]


def _class_options(fa: "FileAnalysis", name: str, bound: list) -> Optional[list]:
    """[(imported class Name, bound keyword Args)] every binding of `name` may give; None if one is
    anything else."""
    options: list = []
    for binding in bound:
        if not (isinstance(binding, cst.Assign) and len(binding.targets) == 1
                and isinstance(binding.targets[0].target, cst.Name)):  # fmt: skip
            return None
        found = _value_options(fa, name, binding.value, (), partial_ok=True)
        if found is None:
            return None
        options.extend(found)
    return options


def _value_options(fa: "FileAnalysis", name: str, node: cst.BaseExpression, keywords: tuple,
                   partial_ok: bool) -> Optional[list]:  # fmt: skip
    if isinstance(node, cst.Name):
        if node.value in fa.imports.names and node.value not in fa.classes and _imported_class(fa, node.value):
            return [(node, keywords)]
        return None
    if isinstance(node, cst.IfExp):
        body = _value_options(fa, name, node.body, keywords, partial_ok)
        orelse = _value_options(fa, name, node.orelse, keywords, partial_ok)
        return body + orelse if body is not None and orelse is not None else None
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or) \
            and isinstance(node.left, cst.Name) and node.left.value == name:  # fmt: skip
        return _value_options(fa, name, node.right, keywords, partial_ok)  # what callers pass is their own mention
    if isinstance(node, cst.Call) and partial_ok and node.args and fa.imports.qualify(node.func) == "functools.partial":
        first, rest = node.args[0], node.args[1:]
        if first.keyword is not None or first.star or any(arg.keyword is None or arg.star for arg in rest):
            return None  # a bound positional shifts what the call passes: not listed
        return _value_options(fa, name, first.value, tuple(rest), partial_ok=False)
    return None


def _alias_calls(fa: "FileAnalysis", fn: cst.FunctionDef, name: str, bound: list) -> Optional[list]:
    """The calls `name(...)` in `fn`'s own code when every other mention of `name` is a binding's
    target or the `name` of a `name or X` it is bound to (None otherwise, or when never called)."""
    allowed = set()
    for binding in bound:
        allowed.add(id(binding.targets[0].target))
        for node in _walk_nodes(binding.value):
            if isinstance(node, cst.BooleanOperation) and isinstance(node.left, cst.Name) and node.left.value == name:
                allowed.add(id(node.left))
    calls, stack = [], [fn.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            if node.value == name and id(node) not in allowed:
                return None
            continue
        if isinstance(node, cst.Attribute):
            stack.append(node.value)
            continue
        if isinstance(node, cst.Arg):
            stack.append(node.value)
            continue
        if isinstance(node, cst.AssignTarget):
            stack.append(node.target)
            continue
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name:
            if not fa._directly_in(fn, node):
                return None
            calls.append(node)
            stack.extend(node.args)
            continue
        stack.extend(child_nodes(node))
    return calls or None
