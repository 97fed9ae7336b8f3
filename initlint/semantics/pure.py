"""Plain Python run over constants: what a keyword dict holds each time a construction runs.

`Block(**ba)` in a loop over decoded architecture strings (timm's EfficientNet builder, and the
hand-written models that copy it): `ba` comes from a module function that splits a string
(`"ir_r2_k3_s2_e6_c24_nsw"`), a dict is filled, a key popped, a class picked by what was
decoded. Each is pure Python over constants, which this module runs: the function holding the
construction, with the functions it calls (its module's, or another module's the loader reads),
evaluated over the arguments they get, its constants, loops unrolled over known sequences, branches
decided where the test is known and both run where it is not. Each time the construction runs, its
keywords (written, and what its `**` dicts hold) are recorded.

What it cannot tell is `UNKNOWN`, never a guess: a parameter of the function (its callers pass
it), an attribute, a call of code not read here, a container handed to such a call (it may be
changed there). A run over its budget records nothing known."""

from __future__ import annotations

import copy
import itertools
import math
import re
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from ..syntax.nodes import _all_params
from .fields import LITERAL_NAMES, UNKNOWN, literal_constant
from .memo import memoised

MAX_STEPS = 20000  # statements and expressions run in one probe; past it, nothing is known
MAX_CALL_DEPTH = 8  # module functions run inside one another
MAX_RECORDS = 256  # executions of one construction recorded


@dataclass(frozen=True)
class ClassObj:
    """A class (or a callable) the code names: `nn.SiLU`, `local:Block`. Opaque: only passed around."""

    qualname: str


@dataclass(frozen=True)
class ParamObj:
    """A parameter of the function probed: what its callers pass, unknown here (never decides a
    branch), but named where it lands (`act_layer=act_layer` through a dict)."""

    name: str


@dataclass(frozen=True)
class _FunctionObj:
    node: cst.FunctionDef


class _MaybeKeys(dict):
    """A dict two branches left apart: a key only one of them set, or set to different values,
    holds UNKNOWN (read: perhaps passed, with a value not known). Which keys it has is not known:
    nothing iterates it, counts it or copies it."""


class _OpenKwargs(_MaybeKeys):
    """Keywords some of which are not known (`**stage_args`, a dict the run does not hold): the keys
    it holds are passed with those values (Python refuses a key twice), any other key may be passed
    with a value not known. Reading a key it does not hold is UNKNOWN."""

    def __missing__(self, key: object) -> object:
        return UNKNOWN

    def get(self, key: object, default: object = None) -> object:
        return dict.get(self, key, default) if key in self else UNKNOWN

    def pop(self, key: object, *default: object) -> object:
        return dict.pop(self, key, *default) if key in self else UNKNOWN

    def setdefault(self, key: object, default: object = None) -> object:
        return dict.setdefault(self, key, default) if key in self else dict.setdefault(self, key, UNKNOWN)


class _Budget(Exception):
    """The probe ran out of steps or depth: nothing it saw is kept."""


class _Return(Exception):
    def __init__(self, value: object):
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Dead(Exception):
    """The path raises (or an assert fails): what follows does not run on it."""


_BUILTINS = {
    "len": len, "int": int, "float": float, "str": str, "bool": bool, "abs": abs, "round": round, "max": max,
    "min": min, "sum": sum, "sorted": sorted, "list": list, "tuple": tuple, "dict": dict, "range": range,
    "enumerate": enumerate, "zip": zip, "reversed": reversed, "any": any, "all": all, "set": set,
}  # fmt: skip
# builtins that only hold what they are given: their items need not be known
_HOLDING = frozenset({"dict", "list", "tuple", "enumerate", "zip", "reversed", "len"})
# standard-library functions of plain values, by qualified name
_LIBRARY = {
    "re.split": re.split, "re.match": lambda *a: _matched(re.match(*a)), "re.fullmatch": lambda *a: _matched(re.fullmatch(*a)),
    "re.findall": re.findall, "re.sub": re.sub, "math.ceil": math.ceil, "math.floor": math.floor,
    "math.sqrt": math.sqrt, "copy.deepcopy": copy.deepcopy, "copy.copy": copy.copy,
}  # fmt: skip
_PURE_METHODS = {
    str: {"split", "rsplit", "lower", "upper", "strip", "lstrip", "rstrip", "replace", "startswith", "endswith",
          "isdigit", "isalpha", "join", "format", "partition", "rpartition", "count", "find", "index"},
    list: {"append", "extend", "pop", "insert", "index", "count", "copy", "remove", "reverse"},
    dict: {"get", "pop", "update", "setdefault", "copy", "items", "keys", "values"},
    tuple: {"index", "count"},
}  # fmt: skip
_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "tuple": tuple, "dict": dict}


_LITERAL_NODES = frozenset({cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float})


def _matched(match: Optional[re.Match]) -> object:
    return None if match is None else UNKNOWN  # a match object itself is not followed; only whether there is one


class Opaque:
    """A value a run holds and passes around but never looks into (a module built there): not
    plain, its truth not known (an empty nn.Sequential is false); one object, never copied."""

    __slots__ = ()

    def __deepcopy__(self, memo: dict) -> "Opaque":
        return self


def _plain(value: object) -> bool:
    """A value made of constants only (no UNKNOWN anywhere inside)."""
    if type(value) in _SCALARS:  # asked of every element of every argument: the common case first
        return True
    if value is UNKNOWN or isinstance(value, (ParamObj, Opaque)):
        return False
    if isinstance(value, (list, tuple, set)):
        for item in value:
            if not _plain(item):
                return False
        return True
    if isinstance(value, dict):
        if isinstance(value, _OpenKwargs):
            return False
        for key, item in value.items():
            if not (_plain(key) and _plain(item)):
                return False
        return True
    return True


_SCALARS = frozenset({str, int, float, bool, type(None)})
_COMPARE = {cst.Equal: lambda a, b: a == b, cst.NotEqual: lambda a, b: a != b,
            cst.LessThan: lambda a, b: a < b, cst.LessThanEqual: lambda a, b: a <= b,
            cst.GreaterThan: lambda a, b: a > b, cst.GreaterThanEqual: lambda a, b: a >= b,
            cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b}  # fmt: skip


class Probe:
    """One run of a function body; `records`: id(call) -> [the `**` dict at each execution (or UNKNOWN)]."""

    def __init__(self, fa, targets: set, foreign: bool = False):
        self.fa = fa
        self.targets = targets
        self.foreign = foreign  # another module's function run for the probe: its `local:` names mean nothing there
        self.records: dict = {}
        self.steps = 0
        self.depth = 0
        # containers handed to code not run here, by id; kept alive, so that no container made
        # later takes the id of a freed one (and passes for tainted)
        self.tainted: dict = {}
        self.own_kwargs: Optional[str] = None  # the probed function's **kwargs

    # -- names ----------------------------------------------------------------------------

    def module_value(self, name: str) -> object:
        fa = self.fa
        if name in fa.classes:
            return UNKNOWN if self.foreign else ClassObj(f"local:{name}")
        if name in fa.functions:
            return _FunctionObj(fa.functions[name])
        bound = fa.module_bindings.get(name)
        if bound is not None:
            key = ("pure", name)
            if key not in fa.object_cache:
                fa.object_cache[key] = UNKNOWN  # a cycle of names: unknown
                fa.object_cache[key] = self.expr(bound, {})
            value = fa.object_cache[key]
            return _copy(value)
        qualified = fa.imports.qualify(cst.Name(name))
        return ClassObj(qualified) if qualified else UNKNOWN

    # -- expressions ----------------------------------------------------------------------

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _Budget()

    def expr(self, node: Optional[cst.BaseExpression], env: dict) -> object:
        self.tick()
        if node is None:
            return UNKNOWN
        # exact types (LibCST's node classes have no subclasses): `isinstance` against them pays
        # ABCMeta's Python-level check on every miss, and this runs for every expression of every run
        kind = type(node)
        if kind in _LITERAL_NODES:
            return literal_constant(node)
        if kind is cst.Name:
            if node.value in LITERAL_NAMES:
                return LITERAL_NAMES[node.value]
            if node.value in env:
                value = env[node.value]
                return UNKNOWN if id(value) in self.tainted else value
            if node.value in _BUILTINS or node.value in _TYPES or node.value == "isinstance":
                return ClassObj(f"builtins.{node.value}")
            return self.module_value(node.value)
        if kind is cst.Attribute:
            qualified = self.fa.imports.qualify(node)
            if qualified is not None and not (type(node.value) is cst.Name and node.value.value in env):
                return ClassObj(qualified)
            return UNKNOWN
        if kind is cst.UnaryOperation:
            inner = self.expr(node.expression, env)
            if isinstance(node.operator, cst.Not):
                truth = _truth(inner)
                return UNKNOWN if truth is UNKNOWN else not truth
            if inner is UNKNOWN or not isinstance(inner, (int, float)):
                return UNKNOWN
            return -inner if isinstance(node.operator, cst.Minus) else inner if isinstance(node.operator, cst.Plus) else UNKNOWN
        if kind is cst.BinaryOperation:
            return _binary(node.operator, self.expr(node.left, env), self.expr(node.right, env))
        if kind is cst.BooleanOperation:
            left = self.expr(node.left, env)
            truth = _truth(left)
            if truth is UNKNOWN:
                self.expr(node.right, env)
                return UNKNOWN
            if isinstance(node.operator, cst.And):
                return self.expr(node.right, env) if truth else left
            return left if truth else self.expr(node.right, env)
        if kind is cst.IfExp:
            test = _truth(self.expr(node.test, env))
            if test is UNKNOWN:
                body, orelse = self.expr(node.body, env), self.expr(node.orelse, env)
                return body if body == orelse and _plain(body) else UNKNOWN
            return self.expr(node.body if test else node.orelse, env)
        if kind is cst.Comparison:
            return self.comparison(node, env)
        if kind is cst.List or kind is cst.Tuple or kind is cst.Set:
            items: list = []
            for element in node.elements:
                value = self.expr(element.value, env)
                if isinstance(element, cst.StarredElement):
                    if value is UNKNOWN or not isinstance(value, (list, tuple, str)):
                        return UNKNOWN
                    items.extend(value)
                else:
                    items.append(value)
            if isinstance(node, cst.Set):
                return set(items) if all(v is not UNKNOWN for v in items) else UNKNOWN
            return items if isinstance(node, cst.List) else tuple(items)
        if kind is cst.Dict:
            out: dict = {}
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    value = self.expr(element.value, env)
                    if not isinstance(value, dict):
                        return UNKNOWN
                    if isinstance(value, _OpenKwargs):  # `{..., **kwargs}`: which keys it holds is not known
                        out = _OpenKwargs({key: UNKNOWN for key in out})  # any of those before it may be replaced
                    out.update(value)
                    continue
                key = self.expr(element.key, env)
                if key is UNKNOWN:
                    return UNKNOWN
                out[key] = self.expr(element.value, env)
            return out
        if kind is cst.Subscript:
            return self.subscript(node, env)
        if kind is cst.ListComp or kind is cst.SetComp or kind is cst.GeneratorExp or kind is cst.DictComp:
            return self.comprehension(node, env)
        if kind is cst.Call:
            return self.call(node, env)
        self.unrun(node)  # a lambda and the like: what runs in it, and when, is not known
        return UNKNOWN

    def unrun(self, node: cst.CSTNode) -> None:
        from ..syntax.nodes import _walk_nodes

        for part in _walk_nodes(node):
            if isinstance(part, cst.Call) and id(part) in self.targets:
                self.records.setdefault(id(part), []).append(UNKNOWN)

    def comparison(self, node: cst.Comparison, env: dict) -> object:
        left = self.expr(node.left, env)
        for target in node.comparisons:
            right = self.expr(target.comparator, env)
            op = type(target.operator)
            singletons = left is None or right is None or isinstance(left, bool) and isinstance(right, bool)
            if op in (cst.Is, cst.IsNot) and singletons and _plain(left) and _plain(right):  # `skip is False`
                ok = (left is right) == (op is cst.Is)
            elif left is UNKNOWN or right is UNKNOWN or not _plain(left) or not _plain(right):
                return UNKNOWN
            elif op in (cst.Is, cst.IsNot):
                return UNKNOWN
            else:
                try:
                    ok = _COMPARE[op](left, right)
                except (KeyError, TypeError):
                    return UNKNOWN
            if not ok:
                return False
            left = right
        return True

    def subscript(self, node: cst.Subscript, env: dict) -> object:
        base = self.expr(node.value, env)
        if len(node.slice) != 1:
            return UNKNOWN
        part = node.slice[0].slice
        if isinstance(part, cst.Index):
            index = self.expr(part.value, env)
            if base is UNKNOWN or not _plain(index) or not isinstance(base, (str, list, tuple, dict)):
                return UNKNOWN
            try:
                return base[index]
            except (KeyError, IndexError, TypeError):
                raise _Dead() from None  # Python raises there
        if isinstance(part, cst.Slice):
            bounds = [self.expr(b, env) if b is not None else None for b in (part.lower, part.upper, part.step)]
            if base is UNKNOWN or not isinstance(base, (str, list, tuple)) or any(
                    b is UNKNOWN or not (b is None or isinstance(b, int)) for b in bounds):  # fmt: skip
                return UNKNOWN
            return base[slice(*bounds)]
        return UNKNOWN

    def comprehension(self, node, env: dict) -> object:
        results: list = []
        local = dict(env)
        unknown = []

        def run(clause: Optional[cst.CompFor]) -> None:
            if clause is None:
                if isinstance(node, cst.DictComp):
                    results.append((self.expr(node.key, local), self.expr(node.value, local)))
                else:
                    results.append(self.expr(node.elt, local))
                return
            iterable = self.expr(clause.iter, local)
            known = iterable is not UNKNOWN and isinstance(iterable, (list, tuple, str, dict, range, set)) \
                and id(iterable) not in self.tainted and not isinstance(iterable, _MaybeKeys)  # fmt: skip
            for item in list(iterable) if known else [UNKNOWN]:
                self.tick()
                if not known or not self.bind(clause.target, item, local):
                    # how many times, and over what, is not known: the element runs once over unknowns
                    self.bind(clause.target, UNKNOWN, local)
                    unknown.append(clause)
                tests = [_truth(self.expr(cond.test, local)) for cond in clause.ifs]
                if any(t is UNKNOWN for t in tests):
                    unknown.append(clause)
                if unknown or all(tests):
                    run(clause.inner_for_in)

        run(node.for_in)
        if unknown:
            return UNKNOWN
        if isinstance(node, cst.DictComp):
            return UNKNOWN if any(k is UNKNOWN for k, _ in results) else dict(results)
        if isinstance(node, cst.SetComp):
            return UNKNOWN if any(v is UNKNOWN for v in results) else set(results)
        return results

    def call(self, node: cst.Call, env: dict) -> object:
        func = node.func
        receiver = None
        if isinstance(func, cst.Attribute) and self.fa.imports.qualify(func) is None:
            receiver = self.expr(func.value, env)
            callee = None
        else:
            callee = self.expr(func, env)
        args: list = []
        kwargs: dict = {}
        known = True
        starred: list = []
        for arg in node.args:
            value = self.expr(arg.value, env)
            if arg.star == "**" and not (self.depth == 1 and isinstance(arg.value, cst.Name) and arg.value.value == self.own_kwargs):
                starred.append(value)  # the probed function's own **kwargs passed on: taken as written (nothing)
            if arg.star == "*":
                if isinstance(value, (list, tuple)):
                    args.extend(value)
                else:
                    known = False
            elif arg.star == "**":
                if isinstance(value, dict) and all(isinstance(k, str) for k in value) and not isinstance(value, _MaybeKeys):
                    kwargs.update(value)
                else:
                    known = False
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            else:
                args.append(value)
        if id(node) in self.targets:  # its keywords, those written and those its ** dicts hold
            record: object = {arg.keyword.value: kwargs[arg.keyword.value] for arg in node.args
                              if arg.keyword is not None and arg.keyword.value in kwargs}  # fmt: skip
            for value in starred:  # `**skwargs, **dd`: their keys together
                if not isinstance(value, dict) or id(value) in self.tainted:
                    record = UNKNOWN
                    break
                record.update(value)
            found = self.records.setdefault(id(node), [])
            if len(found) >= MAX_RECORDS:
                raise _Budget()
            found.append(_copy(record))
        if receiver is not None:
            return self.method_call(func.attr.value, receiver, args, kwargs, known, node)
        if isinstance(callee, _FunctionObj):
            if not known or self.fa.functions.get(callee.node.name.value) is not callee.node:  # or another module's
                self.taint(args, kwargs)
                return UNKNOWN
            return self.run_function(callee.node, args, kwargs)
        if isinstance(callee, ClassObj):
            name = callee.qualname
            short = name[len("builtins."):] if name.startswith("builtins.") else None
            function = _BUILTINS.get(short) if short is not None else _LIBRARY.get(name)
            holding = short in _HOLDING and all(isinstance(a, (list, tuple, dict, str, range)) and id(a) not in self.tainted
                                                and not isinstance(a, _MaybeKeys) for a in args)  # fmt: skip
            if function is not None and known and (holding or all(_plain(a) for a in args) and all(
                    _plain(v) for v in kwargs.values())):  # fmt: skip
                try:
                    result = function(*args, **kwargs)
                except Exception:  # noqa: BLE001 - Python raises there
                    raise _Dead() from None
                if isinstance(result, (range, enumerate, zip, reversed, map, filter, itertools.chain)) or (
                        hasattr(result, "__next__")):  # fmt: skip
                    result = list(result)
                return result
            found = self.foreign_function(name) if function is None and short is None else None
            if found is not None and known:  # `decode_arch_def(...)` imported from the builder's module
                return self.run_foreign(found[0], found[1], args, kwargs)
            if short == "isinstance" and len(args) == 2 and _plain(args[0]):
                kinds = args[1] if isinstance(args[1], tuple) else (args[1],)
                if all(isinstance(k, ClassObj) and k.qualname[len("builtins."):] in _TYPES for k in kinds):
                    return isinstance(args[0], tuple(_TYPES[k.qualname[len("builtins."):]] for k in kinds))
        self.taint(args, kwargs)
        return UNKNOWN

    def foreign_function(self, qualname: str) -> Optional[tuple]:
        """(module, function) another module of the program defines under this name, read by the loader."""
        loader = getattr(self.fa, "loader", None)
        if loader is None or qualname.startswith(("torch.", "local:")):
            return None
        found = loader.lookup(self.fa, qualname)
        if found is None or found[0] != "function" or found[1] is None or found[2] not in found[1].functions:
            return None
        return found[1], found[1].functions[found[2]]

    def run_foreign(self, module, fn: cst.FunctionDef, args: list, kwargs: dict) -> object:
        inner = Probe(module, set(), foreign=True)
        inner.steps, inner.depth, inner.tainted = self.steps, self.depth, self.tainted
        try:
            return inner.run_function(fn, args, kwargs)
        finally:
            self.steps = inner.steps

    def method_call(self, name: str, receiver: object, args: list, kwargs: dict, known: bool, node: cst.Call) -> object:
        allowed = next((methods for kind, methods in _PURE_METHODS.items() if isinstance(receiver, kind)), set())
        if isinstance(receiver, _MaybeKeys) and name in ("copy", "items", "keys", "values"):
            return UNKNOWN  # which keys it holds is not known
        if receiver is UNKNOWN or name not in allowed or not known or id(receiver) in self.tainted:
            if receiver is not UNKNOWN:
                self.taint([receiver], {})
            self.taint(args, kwargs)
            return UNKNOWN
        if not all(_plain(a) for a in args) or not all(_plain(v) for v in kwargs.values()):
            if isinstance(receiver, str) or name in ("get", "index", "count", "find"):
                return UNKNOWN
            if name in ("append", "insert") and _plain(args[:-1]):
                receiver.append(args[-1]) if name == "append" else receiver.insert(args[0], args[-1])
                return None
            if isinstance(receiver, dict) and name in ("setdefault", "pop") and args and _plain(args[0]):
                pass  # a known key: the value may be anything
            elif isinstance(receiver, dict) and name == "update" and len(args) == 1 and not kwargs \
                    and type(args[0]) is dict and all(_plain(key) for key in args[0]):  # fmt: skip
                pass  # known keys, each value as it is (perhaps not known)
            else:  # what it changes is not known: the container is not either
                self.tainted[id(receiver)] = receiver
                return UNKNOWN
        try:
            result = getattr(receiver, name)(*args, **kwargs)
        except Exception:  # noqa: BLE001 - Python raises there (a missing key, a bad index)
            raise _Dead() from None
        if isinstance(receiver, dict) and name in ("items", "keys", "values"):
            result = list(result)
        return result

    def taint(self, args: list, kwargs: dict) -> None:
        """Containers handed to code not run here may be changed there."""
        stack = list(args) + list(kwargs.values())
        while stack:
            value = stack.pop()
            if isinstance(value, (list, dict, set)) and id(value) not in self.tainted:
                self.tainted[id(value)] = value
                stack.extend(value.values() if isinstance(value, dict) else value)

    # -- statements -----------------------------------------------------------------------

    def run_function(self, fn: cst.FunctionDef, args: list, kwargs: dict, params: Optional[dict] = None,
                     outer: Optional[dict] = None) -> object:  # fmt: skip
        """Run a module function on these arguments; `params` binds names directly (a probe's own
        parameters: UNKNOWN); `outer`: the names a nested function sees of the one it is defined in."""
        if self.depth >= getattr(self, "max_depth", MAX_CALL_DEPTH):  # deeper (or recursive) calls: not known
            self.taint(args, kwargs)
            return UNKNOWN
        env: dict = dict(outer) if outer else {}
        if params is not None:
            env.update(params)
        else:
            positional = list(fn.params.posonly_params) + list(fn.params.params)
            for index, param in enumerate(positional):
                name = param.name.value
                if index < len(args):
                    env[name] = args[index]
                elif name in kwargs:
                    env[name] = kwargs.pop(name)
                elif param.default is not None:
                    env[name] = self.expr(param.default, {})
                else:
                    return UNKNOWN
            extra = args[len(positional):]
            star = fn.params.star_arg
            if isinstance(star, cst.Param):
                env[star.name.value] = tuple(extra)
            elif extra:
                return UNKNOWN
            for param in fn.params.kwonly_params:
                name = param.name.value
                env[name] = kwargs.pop(name) if name in kwargs else self.expr(param.default, {}) if param.default else UNKNOWN
            if fn.params.star_kwarg is not None:
                env[fn.params.star_kwarg.name.value] = dict(kwargs)
            elif kwargs:
                return UNKNOWN
        self.depth += 1
        try:
            self.block(fn.body.body if isinstance(fn.body, cst.IndentedBlock) else [fn.body], env)
        except _Return as returned:
            return returned.value
        except (_Break, _Continue):
            return UNKNOWN
        finally:
            self.depth -= 1
        return None

    def block(self, statements, env: dict) -> None:
        for statement in statements:
            self.statement(statement, env)

    def statement(self, statement: cst.CSTNode, env: dict) -> None:
        self.tick()
        kind = type(statement)  # exact types, as in expr
        if kind is cst.SimpleStatementLine:
            for small in statement.body:
                self.small(small, env)
        elif kind is cst.If:
            self.branch(statement, env)
        elif kind is cst.For:
            self.loop(statement, env)
        elif kind is cst.While:
            self.unknown_region(statement, env)
        elif kind is cst.With:
            for item in statement.items:
                self.expr(item.item, env)
                if item.asname is not None:
                    self.bind(item.asname.name, UNKNOWN, env)
            self.block(statement.body.body, env)
        elif kind is cst.Try:
            self.unknown_region(statement, env)
        elif kind is cst.FunctionDef or kind is cst.ClassDef:
            env[statement.name.value] = UNKNOWN
        else:
            self.unknown_region(statement, env)

    def decided_branch(self, statement: cst.If, env: dict) -> Optional[list]:
        """Run the side the test decides and return None; an undecided test runs nothing and
        returns both sides' statements, for the caller's way of running both."""
        test = _truth(self.expr(statement.test, env))
        orelse = statement.orelse
        other = (orelse.body.body if isinstance(orelse, cst.Else) else [orelse]) if orelse is not None else []
        if test is not UNKNOWN:
            self.block(statement.body.body if test else other, env)
            return None
        return [statement.body.body, other]

    def branch(self, statement: cst.If, env: dict) -> None:
        sides = self.decided_branch(statement, env)
        if sides is None:
            return
        # both may run: each on its own copy, then what they agree on
        outcomes = []
        returned = []
        for body in sides:
            local = self.fork(env)
            try:
                self.block(body, local)
            except _Dead:
                continue
            except _Return as done:
                returned.append(done.value)
                continue
            outcomes.append(local)
        if returned:  # one path returns, another may not: what the function gives is not one value
            if not outcomes:
                raise _Return(returned[0] if all(r == returned[0] and _plain(r) for r in returned) else UNKNOWN)
            raise _Return(UNKNOWN)
        if not outcomes:
            raise _Dead()
        merged = outcomes[0]
        for other_env in outcomes[1:]:  # UNKNOWN inside a value stays unknown: equal values may be kept
            merged = {key: merged[key] if key in merged and key in other_env and _same(merged[key], other_env[key])
                      else self.merged_dict(key, merged, other_env) for key in merged.keys() | other_env.keys()}  # fmt: skip
        env.clear()
        env.update(merged)

    def merged_dict(self, key: str, one: dict, other: dict) -> object:
        """A local dict each branch changed (`kw = dict(**dd)`, then `if v2: kw["mode"] = "attn"`):
        key by key, what both hold alike, UNKNOWN for the rest (`_MaybeKeys`). Only a dict no other
        name or container refers to in either branch: a shared one would be changed apart."""
        a, b = one.get(key, UNKNOWN), other.get(key, UNKNOWN)
        if not (isinstance(a, dict) and isinstance(b, dict)) or id(a) in self.tainted or id(b) in self.tainted:
            return UNKNOWN
        for value, env in ((a, one), (b, other)):
            if sum(1 for held in _containers(env.values()) if held is value) != 1:
                return UNKNOWN
        return _MaybeKeys({k: self.joined(a[k], b[k]) if k in a and k in b else UNKNOWN for k in a.keys() | b.keys()})

    def joined(self, a: object, b: object) -> object:
        """What a name or key holds after an undecided branch, `a` on one side, `b` on the other."""
        return a if _same(a, b) else UNKNOWN

    def fork(self, env: dict) -> dict:
        """A copy of the locals for one branch (containers too: a branch's changes stay its
        own); a container handed away is unknown in it."""
        memo: dict = {id(value): UNKNOWN for value in _containers(env.values()) if id(value) in self.tainted}
        return _copy(env, memo)

    def loop(self, statement: cst.For, env: dict) -> None:
        iterable = self.expr(statement.iter, env)
        if iterable is UNKNOWN or not isinstance(iterable, (list, tuple, str, dict, set)) or id(iterable) in self.tainted \
                or isinstance(iterable, _MaybeKeys):  # fmt: skip
            self.unknown_region(statement, env)
            return
        broke = False
        for item in list(iterable):
            self.tick()
            if not self.bind(statement.target, item, env):
                self.unknown_region(statement, env)
                return
            try:
                self.block(statement.body.body, env)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke and isinstance(statement.orelse, cst.Else):
            self.block(statement.orelse.body.body, env)

    def unknown_region(self, statement: cst.CSTNode, env: dict) -> None:
        """A loop over what is not known, a while, a try: run once with what it assigns unknown
        (its constructions still run, recorded as unknown where their dict is), then that again."""
        from .fields import _assigned

        _, names = _assigned(statement)
        for name in names:
            env[name] = UNKNOWN
        # an earlier iteration may have changed what the region changes in place
        changed = memoised(self.fa, "changed in place", statement, lambda: _changed_in_place(statement))
        self.taint([env[name] for name in changed if name in env], {})
        for part in _children(statement):
            local = env
            try:
                self.block(part, local)
            except (_Dead, _Break, _Continue):
                pass
            except _Return:
                pass
        for name in _assigned(statement)[1]:
            env[name] = UNKNOWN
        self.taint(list(env.values()), {})

    def small(self, small: cst.BaseSmallStatement, env: dict) -> None:
        kind = type(small)  # exact types, as in expr
        if kind is cst.Return:
            raise _Return(self.expr(small.value, env) if small.value is not None else None)
        if kind is cst.Raise:
            raise _Dead()
        if kind is cst.Break:
            raise _Break()
        if kind is cst.Continue:
            raise _Continue()
        if kind is cst.Assert:
            if _truth(self.expr(small.test, env)) is False:
                raise _Dead()
            return
        if kind is cst.Expr:
            self.expr(small.value, env)
            return
        if kind is cst.Assign:
            value = self.expr(small.value, env)
            for target in small.targets:
                self.bind(target.target, value, env)
            return
        if kind is cst.AnnAssign:
            if small.value is not None:
                self.bind(small.target, self.expr(small.value, env), env)
            return
        if kind is cst.AugAssign:
            current = self.expr(small.target, env)
            value = _binary(small.operator, current, self.expr(small.value, env))
            if isinstance(current, list) and isinstance(small.operator, cst.AddAssign) and isinstance(value, list):
                current.extend(value[len(current):])
                return
            self.bind(small.target, value, env)
            return
        if kind in (cst.Pass, cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal):
            return
        if kind is cst.Del:
            return

    def bind(self, target: cst.BaseExpression, value: object, env: dict) -> bool:
        """Assign; False when the target's shape does not match a known value."""
        kind = type(target)  # exact types, as in expr
        if kind is cst.Name:
            env[target.value] = value
            return True
        if kind is cst.Tuple or kind is cst.List:
            elements = target.elements
            if value is UNKNOWN or not isinstance(value, (list, tuple, str)) or len(value) != len(elements) or any(
                    isinstance(e, cst.StarredElement) for e in elements):  # fmt: skip
                for element in elements:
                    self.bind(element.value, UNKNOWN, env)
                return value is UNKNOWN
            return all(self.bind(e.value, v, env) for e, v in zip(elements, value))
        if kind is cst.Subscript and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
            holder = self.expr(target.value, env)
            key = self.expr(target.slice[0].slice.value, env)
            if isinstance(holder, dict) and key is not UNKNOWN and _plain(key):
                holder[key] = value
            elif isinstance(holder, list) and isinstance(key, int) and -len(holder) <= key < len(holder):
                holder[key] = value
            elif isinstance(holder, (dict, list)):
                self.tainted[id(holder)] = holder
            return True
        return True  # an attribute: not a local


def _children(statement: cst.CSTNode) -> list:
    """The statement lists inside a compound statement, in order."""
    parts: list = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.IndentedBlock):
        parts.append(list(body.body))
    for handler in getattr(statement, "handlers", ()):
        parts.append(list(handler.body.body))
    for name in ("orelse", "finalbody"):
        extra = getattr(statement, name, None)
        if extra is not None and isinstance(getattr(extra, "body", None), cst.IndentedBlock):
            parts.append(list(extra.body.body))
    return parts


def _copy(value: object, memo: Optional[dict] = None) -> object:
    """A deep copy in which UNKNOWN stays the one sentinel."""
    memo = {} if memo is None else memo
    memo[id(UNKNOWN)] = UNKNOWN
    return copy.deepcopy(value, memo)


def _changed_in_place(statement: cst.CSTNode) -> set:
    """Names whose value a statement may change in place: a subscript assigned, a method
    called on it, handed to a call (not unpacked: `f(**dd)` gets a copy)."""
    from ..syntax.nodes import _walk_nodes

    names: set = set()
    for node in _walk_nodes(statement):
        if isinstance(node, (cst.Assign, cst.AugAssign)):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                while isinstance(target, (cst.Subscript, cst.Attribute)):
                    target = target.value
                if isinstance(target, cst.Name):
                    names.add(target.value)
        elif isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name):
                names.add(node.func.value.value)
            for arg in node.args:
                if not arg.star and isinstance(arg.value, cst.Name):
                    names.add(arg.value.value)
    return names


def _same(a: object, b: object) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def _containers(values) -> list:
    out, stack = [], list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, (list, dict, set, tuple)):
            out.append(value)
            stack.extend(value.values() if isinstance(value, dict) else value)
    return out


def _truth(value: object) -> object:
    if value is UNKNOWN or isinstance(value, (ParamObj, Opaque)):
        return UNKNOWN
    if isinstance(value, (ClassObj, _FunctionObj)):
        return True
    try:
        return bool(value)
    except Exception:  # noqa: BLE001
        return UNKNOWN


_OPERANDS = (int, float, str, list, tuple)  # bool is an int
_ARITHMETIC = {cst.Add: lambda a, b: a + b, cst.Subtract: lambda a, b: a - b, cst.Multiply: lambda a, b: a * b,
               cst.Divide: lambda a, b: a / b, cst.FloorDivide: lambda a, b: a // b, cst.Modulo: lambda a, b: a % b,
               cst.Power: lambda a, b: a ** b}  # fmt: skip
_AUGMENTED = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
              cst.DivideAssign: cst.Divide, cst.FloorDivideAssign: cst.FloorDivide, cst.ModuloAssign: cst.Modulo}  # fmt: skip


def _binary(operator: cst.BaseBinaryOp, left: object, right: object) -> object:
    if not (isinstance(left, _OPERANDS) and isinstance(right, _OPERANDS) and _plain(left) and _plain(right)):
        return UNKNOWN  # a class, a constant of a library (math.pi): not computed here
    kind = _AUGMENTED.get(type(operator), type(operator))
    op = _ARITHMETIC.get(kind)
    if op is None:
        return UNKNOWN
    if kind is cst.Multiply and (isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple))):
        count = right if isinstance(right, int) else left if isinstance(left, int) else None
        if count is None or count > 4096:
            return UNKNOWN
    if kind is cst.Power and isinstance(right, (int, float)) and abs(right) > 64:
        return UNKNOWN
    try:
        return op(left, right)
    except Exception:  # noqa: BLE001 - a type error, a division by zero: Python raises there
        raise _Dead() from None


def keyword_dicts(fa, fn: cst.FunctionDef) -> dict:
    """id(call) -> [what its `**` dicts hold together at each execution, or UNKNOWN] for the calls
    in `fn` with `**` arguments, `fn` run with its parameters as `ParamObj` (what its callers pass). A
    call missing from the answer: its executions are not known (the probe gave up)."""
    key = ("keyword dicts", id(fn))
    if key in fa.object_cache:
        return fa.object_cache[key]
    targets = {id(call) for call in fa.calls_in.get(id(fn), []) if any(a.star == "**" for a in call.args)}
    out: dict = {}
    if targets:
        probe = Probe(fa, targets)
        params = {p.name.value: ParamObj(p.name.value) for p in [*_all_params(fn), *fn.params.kwonly_params]}
        for star in (fn.params.star_arg, fn.params.star_kwarg):
            if isinstance(star, cst.Param):
                params[star.name.value] = UNKNOWN
        if isinstance(fn.params.star_kwarg, cst.Param):
            probe.own_kwargs = fn.params.star_kwarg.name.value
        try:
            probe.run_function(fn, [], {}, params=params)
            out = {target: probe.records.get(target, []) for target in targets}
        except _Dead:  # every path raises at some point: the runs before it are all there are
            out = {target: probe.records.get(target, []) for target in targets}
        except (_Budget, RecursionError):
            out = {}
        except Exception:  # noqa: BLE001 - Python this probe does not model: nothing known, never a crash
            out = {}
    fa.object_cache[key] = out
    return out
