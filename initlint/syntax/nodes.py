"""Walking LibCST trees and reading small nodes: child nodes, statement and call walkers, dotted
names, literal numbers and strings, call arguments, short code for messages."""

from __future__ import annotations

import ast
import contextvars
import dataclasses
import functools
import keyword
import typing
from typing import Iterator, Optional, Union

import libcst as cst
from libcst._nodes.internal import CodegenState


_CHILD_FIELDS: dict = {}


_SKIPPED_FIELDS = frozenset({"whitespace", "lpar", "rpar", "comma", "semicolon", "equal", "colon", "dot", "star",
                             "operator", "leading_lines", "lines_after_decorators", "header", "footer", "newline",
                             "trailing_whitespace", "whitespace_before", "whitespace_after"})  # fmt: skip


class _IsNodeType(dict):
    """type -> is it a CSTNode subclass. `isinstance` against LibCST's abstract classes goes
    through ABCMeta's Python-level check, which the walks below would pay for every field."""

    def __missing__(self, kind: type) -> bool:
        result = self[kind] = issubclass(kind, cst.CSTNode)
        return result


_IS_NODE_TYPE = _IsNodeType()


_SEQUENCE_TYPES = (tuple, list)


def _never_a_node(annotation: object) -> bool:
    """A field typed str, a Literal of strings or Optional[str] (Name.value, Arg.star): no child
    node there, so leaves such as Name and SimpleString are not looked into at all."""
    if annotation is str or annotation is type(None):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return all(isinstance(arg, str) for arg in typing.get_args(annotation))
    if origin is Union:
        return all(_never_a_node(arg) for arg in typing.get_args(annotation))
    return False


def _child_fields(kind: type) -> tuple:
    names = _CHILD_FIELDS[kind] = tuple(
        f.name for f in dataclasses.fields(kind)
        if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace") and not _never_a_node(f.type)
    )  # fmt: skip
    return names


def child_nodes(node: cst.CSTNode) -> list:
    """A node's child nodes in field order, without the whitespace and punctuation.

    `CSTNode.children` runs a visitor over every field, whitespace included, which costs
    more than the rest of the analysis; the walks here only need expressions and statements.
    """
    kind = type(node)
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _child_fields(kind)
    is_node = _IS_NODE_TYPE
    out = []
    for name in names:
        value = getattr(node, name)
        value_type = type(value)
        if is_node[value_type]:
            out.append(value)
        elif isinstance(value, _SEQUENCE_TYPES):
            out.extend(v for v in value if is_node[type(v)])
    return out


def dotted(node: cst.CSTNode) -> Optional[str]:
    # exact type checks: Name and Attribute have no subclasses, and `isinstance` against LibCST
    # classes pays ABCMeta's Python-level check (this runs for most calls and names)
    kind = type(node)
    if kind is _NAME:
        return node.value
    if kind is _ATTRIBUTE:
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


_NAME, _ATTRIBUTE = cst.Name, cst.Attribute


@functools.lru_cache(maxsize=4096)
def _literal_eval(text: str):
    """What LibCST's `evaluated_value` returns for a literal's text (`ast.literal_eval`, which
    parses it): the same few literals ("weight", 0, 1.0) come back again and again."""
    return ast.literal_eval(text)


def literal_number(node: Optional[cst.CSTNode]) -> Optional[float]:
    if node is None:
        return None
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(_literal_eval(node.value))  # node.evaluated_value, cached
        except (ValueError, TypeError):
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal_number(node.expression)
        return None if inner is None else -inner
    if isinstance(node, cst.BinaryOperation):
        a, b = literal_number(node.left), literal_number(node.right)
        if a is None or b is None:
            return None
        op = node.operator
        if isinstance(op, cst.Divide):
            return a / b if b else None
        if isinstance(op, cst.Multiply):
            return a * b
        if isinstance(op, cst.Add):
            return a + b
        if isinstance(op, cst.Subtract):
            return a - b
        if isinstance(op, cst.Power) and a > 0 and abs(b) < 8:
            return a**b
        return None
    if isinstance(node, cst.Call) and dotted(node.func) in ("math.sqrt", "np.sqrt", "numpy.sqrt", "sqrt") and node.args:
        inner = literal_number(node.args[0].value)
        return None if inner is None or inner < 0 else inner**0.5
    return None


def literal_string(node: Optional[cst.CSTNode]) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        try:
            value = _literal_eval(node.value)  # node.evaluated_value, cached
        except Exception:  # noqa: BLE001 - odd prefixes: not a literal we can use
            return None
        return value if isinstance(value, str) else None
    return None


def argument(call: cst.Call, name: str, position: Optional[int]) -> Optional[cst.BaseExpression]:
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    if position is not None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) > position:
            return positional[position].value
    return None


class _EnoughCode(Exception):
    pass


class _PrefixState(CodegenState):
    """Codegen that stops once the code, whitespace collapsed, is longer than `limit`: the
    collapsed text of a prefix is a prefix of the collapsed text of the whole, so the
    truncated evidence is the same. Evidence is built for many calls that are large."""

    def __init__(self, limit: int):
        super().__init__(default_indent="    ", default_newline="\n")  # cst.Module([])'s defaults
        self.limit = limit
        self.size = 0
        self.next_check = limit

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.size += len(value)
        if self.size > self.next_check:
            if len(" ".join("".join(self.tokens).split())) > self.limit:
                raise _EnoughCode
            self.next_check = self.size + self.limit


# (id(node), limit) -> (node, text) for the file being analysed, and (id(node), kind) ->
# (node, names) for `bound_names`: one dict per analysis (a context variable, so that
# analyses in threads or nested calls never share one)
_SHORT_CODES: contextvars.ContextVar = contextvars.ContextVar("initlint_short_codes", default=None)


def bound_names(node: cst.CSTNode, wide: bool = True) -> frozenset:
    """The names an assignment anywhere in the node binds: `x = ...`, `x += ...`, `x: T = ...`;
    `wide`: also `for x in`, `with ... as x`, `x := ...` and `a, x = ...` (one level). Walked
    once per node and analysis: a function's parameters are each asked about."""
    key = (id(node), wide)
    cache = _SHORT_CODES.get()
    cached = cache.get(key) if cache is not None else None
    if cached is not None and cached[0] is node:
        return cached[1]
    kinds = _BINDING_WIDE if wide else _BINDING
    names = set()
    for sub in _walk_nodes(node):
        if type(sub) not in kinds:  # exact types (none has subclasses): isinstance pays ABCMeta's check
            continue
        if type(sub) is cst.Assign:
            targets = [t.target for t in sub.targets]
            if wide:
                targets.extend(e.value for t in sub.targets if isinstance(t.target, (cst.Tuple, cst.List)) for e in t.target.elements)
        else:
            targets = [getattr(sub, "target", None)] + [i.asname.name for i in getattr(sub, "items", []) if i.asname]
        names.update(t.value for t in targets if isinstance(t, cst.Name))
    found = frozenset(names)
    if cache is not None:
        cache[key] = (node, found)  # the node is kept so that its id is not reused
    return found


_BINDING = frozenset({cst.Assign, cst.AugAssign, cst.AnnAssign})
_BINDING_WIDE = _BINDING | {cst.For, cst.With, cst.NamedExpr}


def short_code(node: cst.CSTNode, limit: int = 90) -> str:
    key = (id(node), limit)
    cache = _SHORT_CODES.get()
    cached = cache.get(key) if cache is not None else None
    if cached is not None and cached[0] is node:
        return cached[1]
    state = _PrefixState(limit)
    try:
        node._codegen(state)
    except _EnoughCode:
        pass
    text = " ".join("".join(state.tokens).split())
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    if cache is not None:
        cache[key] = (node, text)  # the node is kept so that its id is not reused
    return text


def _blocks(stmt: cst.CSTNode) -> Iterator[list]:
    """The statement lists directly inside a compound statement."""
    for attr in ("body", "orelse", "finalbody"):
        part = getattr(stmt, attr, None)
        if part is None:
            continue
        if isinstance(part, (cst.If,)):  # an elif: its blocks are its own
            yield from _blocks(part)
            continue
        inner = getattr(part, "body", None)
        if isinstance(inner, cst.BaseSuite):
            inner = inner.body
        if isinstance(part, cst.BaseSuite):
            inner = part.body
        if isinstance(inner, (list, tuple)):
            yield list(inner)
    for handler in getattr(stmt, "handlers", ()) or ():
        yield list(handler.body.body)


def _functional_prefix(call: cst.Call) -> str:
    text = dotted(call.func) or ""
    return text.rsplit(".", 1)[0] + "." if "." in text else ""


_EMPTY_FUNCTION = cst.FunctionDef(name=cst.Name("__init__"), params=cst.Parameters(), body=cst.IndentedBlock(body=[]))


def _is_super_init(func: cst.BaseExpression, self_name: str) -> bool:
    """super().__init__ / super(X, self).__init__ / nn.Sequential.__init__ (called with self)."""
    if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
        return False
    inner = func.value
    return (isinstance(inner, cst.Call) and dotted(inner.func) == "super") or (
        (dotted(inner) or "").rsplit(".", 1)[-1] in ("Sequential", "ModuleList", "ModuleDict"))  # fmt: skip


def _partial_of(call: cst.Call) -> Optional[str]:
    """X of `partial(X, ...)` / `functools.partial(X, ...)` when X is a plain name."""
    if dotted(call.func) in ("partial", "functools.partial") and call.args and type(call.args[0].value) is cst.Name \
            and call.args[0].keyword is None and not call.args[0].star:  # fmt: skip
        return call.args[0].value.value
    return None


def _with_bound(call: cst.Call, bound: tuple) -> cst.Call:
    """The call a partial object makes: its bound positionals first, its bound keywords unless
    the call passes them again (for reading arguments only: the node is not in the tree)."""
    if not bound:
        return call
    def plain(args):
        return [a for a in args if a.keyword is None and not a.star]
    given = {a.keyword.value for a in call.args if a.keyword is not None}
    keywords = [a for a in bound if a.keyword is not None and a.keyword.value not in given]
    keywords += [a for a in call.args if a.keyword is not None]
    stars = [a for a in (*bound, *call.args) if a.star == "*"]
    double = [a for a in (*bound, *call.args) if a.star == "**"]
    args = plain(bound) + plain(call.args) + stars + keywords + double
    return cst.Call(func=call.func, args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])


def _only_imports(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom, cst.Pass)) or (
            isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)))
        for small in stmt.body)  # fmt: skip


def _positional_params(fn: cst.FunctionDef) -> list:
    return list(fn.params.posonly_params) + list(fn.params.params)


def _all_params(fn: cst.FunctionDef) -> list:
    return _positional_params(fn) + list(fn.params.kwonly_params)


def keyed_args(call: cst.Call) -> list:
    """(key, arg) per argument of a call: its keyword, or its place among the positional ones
    ("0", "1", ...); a starred argument takes no place."""
    out = []
    position = 0
    for arg in call.args:
        out.append((arg.keyword.value if arg.keyword is not None else str(position), arg))
        position += arg.keyword is None and not arg.star
    return out


def _comp_fors(for_in: cst.CompFor) -> Iterator[cst.CompFor]:
    current: Optional[cst.CompFor] = for_in
    while current is not None:
        yield current
        current = current.inner_for_in


def _names_in(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _names_in(element.value)


def _literal_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = literal_number(node.slice[0].slice.value)
    return int(value) if value is not None and value == int(value) else None


def _literal_prefix_stop(node: cst.Subscript) -> Optional[int]:
    """k of `x[:k]` (a literal, small k), else None."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
        return None
    part = node.slice[0].slice
    if part.step is not None or (part.lower is not None and literal_number(part.lower) != 0) or part.upper is None:
        return None
    stop = literal_number(part.upper)
    return int(stop) if stop is not None and stop == int(stop) and 0 <= stop <= 16 else None


def _attribute_name(key: str) -> bool:
    """Whether `<container>.<key>` is Python (an OrderedDict key such as `fc-a` or `class` is not)."""
    return key.isidentifier() and not keyword.iskeyword(key)


def _not_an_attribute(key: str) -> str:
    return (
        f"its key in the container, {key!r}, cannot follow a dot in Python (not an identifier, or a keyword), "
        "so an inserted line cannot name it; rename the key, or bind the layer to a name before the container is built"
    )


def python_path(name: str) -> str:
    """A dotted module name as an expression: `net.fc-a` -> `getattr(net, "fc-a")`."""
    parts = name.split(".")
    expr = parts[0] if _attribute_name(parts[0]) else f"getattr(self, {parts[0]!r})"
    for part in parts[1:]:
        if part.isdigit():
            expr = f"{expr}[{part}]"
        elif _attribute_name(part):
            expr = f"{expr}.{part}"
        else:
            expr = f"getattr({expr}, {part!r})"
    return expr


def _walk_nodes(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child_nodes(node))


def _flat_statements(body) -> Iterator[cst.CSTNode]:
    """Statements of a body, entering if/try/with/for blocks (not functions or classes)."""
    for stmt in body:
        yield stmt
        if type(stmt) in _COMPOUND:  # exact types (none has subclasses): isinstance pays ABCMeta's check
            for block in _blocks(stmt):
                yield from _flat_statements(block)
        if _jumps(stmt):
            break


def _block_list(body: cst.BaseSuite) -> list:
    """The statements of a block that can run (none after a return, raise, break or continue)."""
    if not isinstance(body, cst.IndentedBlock):
        return []
    out = []
    for stmt in body.body:
        out.append(stmt)
        if _jumps(stmt):
            break
    return out


_COMPOUND = frozenset({cst.If, cst.Try, cst.With, cst.For, cst.While})
_JUMPS = (cst.Return, cst.Raise, cst.Break, cst.Continue)
_JUMP_TYPES = frozenset(_JUMPS)


def _jumps(stmt: cst.CSTNode) -> bool:
    """A statement line holding a return/raise/break/continue: the rest of its block is dead."""
    return type(stmt) is cst.SimpleStatementLine and any(type(small) in _JUMP_TYPES for small in stmt.body)


def _always_run(body) -> list:
    """The statements of a body that run whenever it does: its own, and those of its `with`
    blocks, up to a return or raise (what follows never runs) or a compound statement that may
    return (`if pretrained: return`: what follows runs only on some calls)."""
    out: list = []
    _run_until_a_return(body, out)
    return out


def _run_until_a_return(body, out: list) -> bool:
    """`_always_run`'s walk, adding to `out`: whether it stopped (the enclosing body stops too)."""
    for stmt in body:
        out.append(stmt)
        if isinstance(stmt, cst.With) and isinstance(stmt.body, cst.IndentedBlock):
            if _run_until_a_return(stmt.body.body, out):
                return True
        elif type(stmt) in _COMPOUND and _may_return(stmt):
            return True
        if _jumps(stmt):
            return True
    return False


def _may_return(stmt: cst.CSTNode) -> bool:
    """A return somewhere in a compound statement, outside the functions and classes it defines."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        if type(node) is cst.Return:
            return True
        if node is not stmt and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(child_nodes(node))
    return False


def _unconditional_statements(body) -> set:
    """id() of the statements `_always_run` gives."""
    return {id(stmt) for stmt in _always_run(body)}


def _unconditional_calls(fn: cst.FunctionDef) -> set:
    """id() of the calls that are whole statements a function's body always runs
    (`nn.init.x_(self.fc.weight)`, under `with torch.no_grad():` too)."""
    return {id(small.value) for stmt in _always_run(_block_list(fn.body)) if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body if isinstance(small, cst.Expr)}  # fmt: skip


def _walk_statements(body: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    for stmt in _block_list(body):
        yield stmt
        if isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
            yield from _walk_statements(stmt.body)
            orelse = getattr(stmt, "orelse", None)
            while isinstance(orelse, cst.If):
                yield orelse
                yield from _walk_statements(orelse.body)
                orelse = orelse.orelse
            if orelse is not None:
                yield from _walk_statements(orelse.body)


def _walk_calls(body: cst.CSTNode) -> Iterator[cst.Call]:
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            yield node
        stack.extend(reversed(child_nodes(node)))


def name_options(value: cst.BaseExpression) -> list:
    """The names a value may be: `A`, or each branch of `A if c else B` (nested too)."""
    if type(value) is cst.Name:
        return [value.value]
    if type(value) is cst.IfExp:
        return name_options(value.body) + name_options(value.orelse)
    return []


def _is_main_guard(test: cst.BaseExpression) -> bool:
    """`__name__ == "__main__"`: the script's own run, which builds and initialises together."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    sides = {dotted(test.left), dotted(target.comparator)}
    strings = [node for node in (test.left, target.comparator) if isinstance(node, cst.SimpleString)]
    return (isinstance(target.operator, cst.Equal) and "__name__" in sides and len(strings) == 1
            and strings[0].evaluated_value == "__main__")  # fmt: skip


def statement_conditions(body, outer: tuple = ()) -> dict:
    """id() of each statement of a body (entering compound statements, not functions or classes)
    -> the conditions it runs under, outermost first: the if/for/while blocks and except
    handlers around it, and each earlier statement of its block that may return (what follows
    such a one runs only on some calls). `with` blocks, try bodies and the `__main__` guard add
    none. A statement runs whenever another does if its conditions are a prefix of the other's."""
    out: dict = {}
    here = outer
    for stmt in body:
        out[id(stmt)] = here
        kind = type(stmt)
        if kind is cst.With or (kind is cst.If and _is_main_guard(stmt.test) and stmt.orelse is None):
            if isinstance(stmt.body, cst.IndentedBlock):
                out.update(statement_conditions(stmt.body.body, here))
        elif kind is cst.Try:
            if isinstance(stmt.body, cst.IndentedBlock):
                out.update(statement_conditions(stmt.body.body, here))
            for handler in stmt.handlers:
                out.update(statement_conditions(handler.body.body, (*here, id(handler))))
            for part in (stmt.orelse, stmt.finalbody):
                if part is not None:
                    out.update(statement_conditions(part.body.body, (*here, id(part))))
        elif kind in _COMPOUND:
            for number, block in enumerate(_blocks(stmt)):
                out.update(statement_conditions(block, (*here, (id(stmt), number))))
        if kind in _COMPOUND and _may_return(stmt) or _jumps(stmt):
            here = (*here, id(stmt))
    return out


def runs_whenever(conditions: tuple, other: tuple) -> bool:
    """A statement under `conditions` runs whenever one under `other` does (`statement_conditions`)."""
    return other[: len(conditions)] == conditions


def written_literal(node: Optional[cst.CSTNode]) -> bool:
    """A string or a number written out (not a name holding one)."""
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float))


def none_tested_name(test: cst.BaseExpression, taken: bool) -> Optional[str]:
    """The name a branch test finds None on the way `taken` (`x is None` taken, `x is not None` or
    `x` not taken, `not x` taken); else None."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, taken = test.expression, not taken
    if isinstance(test, cst.Name):
        return None if taken else test.value
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name)):
        return None
    comp = test.comparisons[0]
    if not (isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None"):
        return None
    if isinstance(comp.operator, cst.Is):
        return test.left.value if taken else None
    if isinstance(comp.operator, cst.IsNot):
        return None if taken else test.left.value
    return None


def none_test(fn: cst.FunctionDef) -> Optional[cst.BaseCompOp]:
    """`def exists(val): return val is not None` (or `is None`): that operator; else None."""
    params = [*fn.params.posonly_params, *fn.params.params]
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else fn.body.body
    if len(params) != 1 or params[0].default is not None or fn.params.kwonly_params or fn.decorators \
            or isinstance(fn.params.star_arg, cst.Param) or fn.params.star_kwarg is not None or len(body) != 1:  # fmt: skip
        return None
    line = body[0]
    small = line.body[0] if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 else line
    test = small.value if isinstance(small, cst.Return) else None
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name)
            and test.left.value == params[0].name.value):  # fmt: skip
        return None
    comp = test.comparisons[0]
    if isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None" and isinstance(comp.operator, (cst.Is, cst.IsNot)):
        return cst.IsNot() if isinstance(comp.operator, cst.IsNot) else cst.Is()
    return None
