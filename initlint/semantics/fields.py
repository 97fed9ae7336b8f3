"""What a plain data class (a model's config) sets its attributes to when built with its defaults:
class-level defaults, then the code of the `__init__` and `__post_init__` Python runs, read with
constants only (`self.dense_act_fn = self.feed_forward_proj.split("-")[-1]` in T5Config). A
value this cannot evaluate, a branch it cannot decide that sets an attribute differently, a loop
or another method that assigns it: that attribute is not known (left out)."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from ..syntax.nodes import _all_params, _walk_nodes, literal_number, literal_string

UNKNOWN = object()  # a value this reading cannot tell
_STRING_METHODS = frozenset({"split", "rsplit", "lower", "upper", "strip", "replace", "startswith", "endswith",
                             "casefold", "lstrip", "rstrip"})  # fmt: skip
_EVALUATED = ("__init__", "__post_init__")


class _Dead(Exception):
    """The path raised or returned: what follows does not run on it."""

    def __init__(self, returned: bool):
        self.returned = returned


def constant(node: Optional[cst.BaseExpression], env: dict, attrs: dict) -> object:
    """The Python value of an expression over constants, locals (`env`) and `self.x` (`attrs`)."""
    try:
        return _constant(node, env, attrs)
    except Exception:  # noqa: BLE001 - a type error, an index out of range ...: not known
        return UNKNOWN


LITERAL_NAMES = {"True": True, "False": False, "None": None}


def literal_constant(node) -> object:
    """The value a literal string, number, True, False or None is; UNKNOWN for anything else."""
    kind = type(node)  # exact types: LibCST's classes pay ABCMeta's check on every isinstance miss
    if kind is cst.SimpleString or kind is cst.ConcatenatedString:
        value = literal_string(node)
        return UNKNOWN if value is None else value
    if kind is cst.Integer or kind is cst.Float:
        value = literal_number(node)
        return UNKNOWN if value is None else (int(value) if kind is cst.Integer else value)
    if kind is cst.Name and node.value in LITERAL_NAMES:
        return LITERAL_NAMES[node.value]
    return UNKNOWN


def _constant(node, env: dict, attrs: dict) -> object:
    if node is None:
        return UNKNOWN
    if isinstance(node, cst.Name):
        return LITERAL_NAMES[node.value] if node.value in LITERAL_NAMES else env.get(node.value, UNKNOWN)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return literal_constant(node)
    if isinstance(node, cst.Attribute):
        if isinstance(node.value, cst.Name) and node.value.value == "self":
            return attrs.get(node.attr.value, UNKNOWN)
        return UNKNOWN
    if isinstance(node, cst.UnaryOperation):
        inner = _constant(node.expression, env, attrs)
        if inner is UNKNOWN:
            return UNKNOWN
        if isinstance(node.operator, cst.Not):
            return not inner
        return -inner if isinstance(node.operator, cst.Minus) else UNKNOWN
    if isinstance(node, cst.BinaryOperation):
        left, right = _constant(node.left, env, attrs), _constant(node.right, env, attrs)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        ops = {cst.Add: lambda a, b: a + b, cst.Subtract: lambda a, b: a - b, cst.Multiply: lambda a, b: a * b,
               cst.Divide: lambda a, b: a / b, cst.FloorDivide: lambda a, b: a // b}  # fmt: skip
        op = ops.get(type(node.operator))
        return UNKNOWN if op is None or isinstance(left, str) and isinstance(right, int) else op(left, right)
    if isinstance(node, cst.BooleanOperation):
        left = _constant(node.left, env, attrs)
        if left is UNKNOWN:
            return UNKNOWN
        if isinstance(node.operator, cst.And):
            return _constant(node.right, env, attrs) if left else left
        return left if left else _constant(node.right, env, attrs)
    if isinstance(node, cst.IfExp):
        test = _constant(node.test, env, attrs)
        if test is UNKNOWN:
            return UNKNOWN
        return _constant(node.body if test else node.orelse, env, attrs)
    if isinstance(node, cst.Comparison):
        left = _constant(node.left, env, attrs)
        for target in node.comparisons:
            right = _constant(target.comparator, env, attrs)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            op = type(target.operator)
            if op is cst.Equal:
                ok = left == right
            elif op is cst.NotEqual:
                ok = left != right
            elif op is cst.Is:
                ok = left is right if right is None or left is None else UNKNOWN
            elif op is cst.IsNot:
                ok = left is not right if right is None or left is None else UNKNOWN
            elif op is cst.In:
                ok = left in right
            elif op is cst.NotIn:
                ok = left not in right
            else:
                return UNKNOWN
            if ok is UNKNOWN or not ok:
                return ok
            left = right
        return True
    if isinstance(node, (cst.List, cst.Tuple)):
        items = [_constant(e.value, env, attrs) if not isinstance(e, cst.StarredElement) else UNKNOWN for e in node.elements]
        return UNKNOWN if any(i is UNKNOWN for i in items) else (list(items) if isinstance(node, cst.List) else tuple(items))
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        base = _constant(node.value, env, attrs)
        index = _constant(node.slice[0].slice.value, env, attrs)
        if base is UNKNOWN or index is UNKNOWN or not isinstance(base, (str, list, tuple)) or not isinstance(index, int):
            return UNKNOWN
        return base[index]
    if isinstance(node, cst.Call) and not any(a.star or a.keyword for a in node.args):
        args = [_constant(a.value, env, attrs) for a in node.args]
        if any(a is UNKNOWN for a in args) or not all(isinstance(a, (str, int, float)) for a in args):
            return UNKNOWN
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _STRING_METHODS:
            receiver = _constant(func.value, env, attrs)
            return getattr(receiver, func.attr.value)(*args) if isinstance(receiver, str) else UNKNOWN
        if isinstance(func, cst.Name) and func.value in ("len", "str", "int", "float", "bool") and len(args) == 1:
            return {"len": len, "str": str, "int": int, "float": float, "bool": bool}[func.value](args[0])
        number = literal_number(node)  # math.sqrt(2)
        return UNKNOWN if number is None else number
    return UNKNOWN


def _merge(a: dict, b: dict) -> dict:
    return {key: a[key] if a.get(key, UNKNOWN) == b.get(key, UNKNOWN) and key in a and key in b else UNKNOWN
            for key in a.keys() | b.keys()}  # fmt: skip


def _assigned(node: cst.CSTNode) -> tuple[set, set]:
    """(self attributes, local names) a statement assigns anywhere inside it."""
    attrs, names = set(), set()
    for part in _walk_nodes(node):
        if isinstance(part, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.WithItem)):
            targets = [t.target for t in part.targets] if isinstance(part, cst.Assign) else [
                part.target if not isinstance(part, cst.WithItem) else (part.asname.name if part.asname else None)]
            for target in targets:
                for leaf in _walk_nodes(target) if target is not None else ():
                    if isinstance(leaf, cst.Attribute) and isinstance(leaf.value, cst.Name) and leaf.value.value == "self":
                        attrs.add(leaf.attr.value)
                    elif isinstance(leaf, cst.Name):
                        names.add(leaf.value)
    return attrs, names


class _Run:
    """One method body run over (locals, self attributes)."""

    def __init__(self, chain: list, depth: int = 0):
        self.chain = chain  # the class and its local bases, subclass first: what super() reaches
        self.depth = depth
        self.stars: frozenset = frozenset()  # the running method's *args / **kwargs

    def block(self, statements, env: dict, attrs: dict) -> None:
        for statement in statements:
            self.statement(statement, env, attrs)

    def statement(self, statement: cst.CSTNode, env: dict, attrs: dict) -> None:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.small(small, env, attrs)
            return
        if isinstance(statement, cst.If):
            test = constant(statement.test, env, attrs)
            orelse = statement.orelse
            other = (orelse.body.body if isinstance(orelse, cst.Else) else [orelse]) if orelse is not None else []
            if test is not UNKNOWN:
                self.block(statement.body.body if test else other, env, attrs)
                return
            outcomes = []
            for branch in (statement.body.body, other):
                env_b, attrs_b = dict(env), dict(attrs)
                try:
                    self.block(branch, env_b, attrs_b)
                except _Dead as dead:
                    if dead.returned:
                        raise _Dead(True) from None  # what the rest of the method sets depends on the branch
                    continue
                outcomes.append((env_b, attrs_b))
            if not outcomes:
                raise _Dead(False)
            merged_env, merged_attrs = outcomes[0]
            for env_b, attrs_b in outcomes[1:]:
                merged_env, merged_attrs = _merge(merged_env, env_b), _merge(merged_attrs, attrs_b)
            env.clear(), env.update(merged_env)
            attrs.clear(), attrs.update(merged_attrs)
            return
        # a loop, try, with: what it assigns is not known here
        names_attrs, names = _assigned(statement)
        for attr in names_attrs:
            attrs[attr] = UNKNOWN
        for name in names:
            env[name] = UNKNOWN

    def small(self, small: cst.BaseSmallStatement, env: dict, attrs: dict) -> None:
        if isinstance(small, cst.Raise):
            raise _Dead(False)
        if isinstance(small, cst.Return):
            raise _Dead(True)
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            if small.value is None:
                return
            value = constant(small.value, env, attrs)
            if isinstance(small, cst.AugAssign):
                value = constant(cst.BinaryOperation(small.target, _AUG.get(type(small.operator), cst.Add)(), small.value),
                                 env, attrs) if type(small.operator) in _AUG else UNKNOWN  # fmt: skip
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    env[target.value] = value
                elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self":
                    attrs[target.attr.value] = value
                else:
                    attrs_in, names_in = _assigned(small)
                    for attr in attrs_in:
                        attrs[attr] = UNKNOWN
                    for name in names_in:
                        env[name] = UNKNOWN
            return
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            self.super_call(small.value, env, attrs)

    def super_call(self, call: cst.Call, env: dict, attrs: dict) -> None:
        """`super().__init__(...)` into a local base that defines it: its body runs here."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in _EVALUATED and isinstance(func.value, cst.Call)
                and isinstance(func.value.func, cst.Name) and func.value.func.value == "super"):  # fmt: skip
            return
        found = next(((i, c.methods[func.attr.value]) for i, c in enumerate(self.chain[1:], 1)
                      if func.attr.value in c.methods), None)  # fmt: skip
        if found is None or self.depth > 4:
            return
        run = _Run(self.chain[found[0] :], self.depth + 1)
        run.method(found[1], attrs, call, env, self.stars)

    def method(self, fn: cst.FunctionDef, attrs: dict, call: Optional[cst.Call] = None,
               caller_env: Optional[dict] = None, caller_stars: frozenset = frozenset()) -> None:
        env: dict = {}
        # `*args` / `**kwargs` of a method run at its defaults hold nothing: passed on, they pass nothing
        self.stars = frozenset(p.name.value for p in (fn.params.star_arg, fn.params.star_kwarg) if isinstance(p, cst.Param))
        params = _all_params(fn)[1:] + list(fn.params.kwonly_params)
        for p in params:
            env[p.name.value] = constant(p.default, {}, {}) if p.default is not None else UNKNOWN
        if call is not None:
            positional = [a for a in call.args if a.keyword is None and not a.star]
            for p, arg in zip(_all_params(fn)[1:], positional):
                env[p.name.value] = constant(arg.value, caller_env or {}, attrs)
            for arg in call.args:
                if arg.keyword is not None:
                    env[arg.keyword.value] = constant(arg.value, caller_env or {}, attrs)
            if any(a.star and not (isinstance(a.value, cst.Name) and a.value.value in caller_stars) for a in call.args):
                env = {name: UNKNOWN for name in env}
        try:
            self.block(fn.body.body if isinstance(fn.body, cst.IndentedBlock) else [], env, attrs)
        except _Dead as dead:
            if not dead.returned:  # every path raises: no such object is built with these defaults
                attrs.clear()


_AUG = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply}


def object_fields(chain: list) -> dict:
    """attribute -> its Python value, for an object of `chain[0]` (its local bases after it)
    built with its defaults; attributes not known are left out."""
    attrs: dict = {}
    for info in reversed(chain):  # class-level defaults, a subclass's over its bases'
        for stmt in info.node.body.body if isinstance(info.node.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    target = None
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                        target = small.target.value
                    elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                        target = small.targets[0].target.value
                    if target is not None:
                        attrs[target] = constant(small.value, {}, {})
    ran: set = set()
    for name in _EVALUATED:  # what Python runs: the first definition along the chain
        for index, info in enumerate(chain):
            if name in info.methods:
                _Run(chain[index:]).method(info.methods[name], attrs)
                ran.add((index, name))
                break
    # another method, or a base's own method super() did not reach here, may assign it too
    for index, info in enumerate(chain):
        for name, fn in info.methods.items():
            if name in _EVALUATED and ((index, name) in ran or _reached(chain, index, name, ran)):
                continue
            for attr in _assigned(fn.body)[0]:
                attrs[attr] = UNKNOWN
    return {key: value for key, value in attrs.items() if value is not UNKNOWN}


def _reached(chain: list, index: int, name: str, ran: set) -> bool:
    """A base's __init__ / __post_init__ that the subclass's runs through `super()` (read in
    `_Run.super_call`) when every class between them defines it and calls it."""
    first = min((i for i, n in ran if n == name), default=None)
    if first is None or index <= first:
        return False
    for between in chain[first:index]:
        fn = between.methods.get(name)
        if fn is None:
            continue
        if not any(isinstance(p, cst.Call) and isinstance(p.func, cst.Attribute) and p.func.attr.value == name
                   and isinstance(p.func.value, cst.Call) and isinstance(p.func.value.func, cst.Name)
                   and p.func.value.func.value == "super" for p in _walk_nodes(fn.body)):  # fmt: skip
            return False
    return True


def as_literal(value: object) -> Optional[object]:
    """A value in the analysis's form (("<literal>", node) or NONE_V), or None where it has none."""
    from .values import NONE_V

    if value is None:
        return NONE_V
    if isinstance(value, bool):
        return ("<literal>", cst.Name("True" if value else "False"))
    if isinstance(value, str):
        written = f'"{value}"' if not any(c in value for c in '"\\\n') else repr(value)
        return ("<literal>", cst.SimpleString(written))
    if isinstance(value, int):
        node = cst.Integer(str(abs(value)))
        return ("<literal>", node if value >= 0 else cst.UnaryOperation(cst.Minus(), node))
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        node = cst.Float(repr(abs(value)))
        return ("<literal>", node if value >= 0 else cst.UnaryOperation(cst.Minus(), node))
    return None
