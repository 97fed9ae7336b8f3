"""Calls the interpreter follows into readable code (helpers, methods, free functions)."""

from __future__ import annotations

import dataclasses
import typing
from typing import Optional

import libcst as cst

from ..syntax.nodes import _all_params, _positional_params, _walk_nodes, bound_names, dotted, literal_number, literal_string, short_code, written_literal
from .inits import InitScanner
from .values import (ActV, ChainV, ClassRefV, Flow, FunctionRefV, InstV, LayerV, MAX_INLINE_DEPTH, MODULE_CODE,
                     MaybeNone, NONE_V, OPAQUE, ParamV, RecordV, TransparentV, TupleV, UnknownV, one_of)

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from .file import FileAnalysis
    from .interpret import Context


class CallInterpreter:
    """Calls into code the interpreter can read: helpers, nested helpers, methods, free functions
    (inlined up to MAX_INLINE_DEPTH), with arguments bound. Composed into `Context`."""

    def call_helper(self, name: str, call: cst.Call, module: Optional[FileAnalysis] = None,
                    given: Optional[cst.Call] = None) -> object:  # fmt: skip
        """Inline a function of this module (or of `module`, another module of the program);
        `given`: the arguments it receives when they differ from the call's (a partial)."""
        owner = module or self.fa
        fn = owner.functions.get(name)
        if fn is None or self.depth >= MAX_INLINE_DEPTH:
            return UnknownV(f"{name}(...)")
        if (self.cls is not None or self.fn.name.value == MODULE_CODE) and module is None:
            self.fa.functions_used_by_classes.add(name)
        ctx = type(self)(owner, self.cls, fn, self.depth + 1, report_node=self.report_node or call, home=self.home)
        self.enter_helper(ctx)
        ctx.attrs = {}
        ctx.bind_params(fn, self_bound=False, args=self.call_args(fn, given or call, own_kwargs=True))
        rest = self.rest_of_positionals(fn, given or call)
        if rest is not None:  # `def Sequential(*modules)`: the tuple of what the call passes after the named ones
            ctx.env[fn.params.star_arg.name.value] = rest
        ctx.passed_literals = _literal_params(fn, given or call, ctx.env)
        ctx.run_block(fn.body)
        values = [v for v in ctx.returns]
        if not values:
            return UnknownV(f"{name}(...) returns nothing known")
        if module is not None and module is not self.fa:
            values = [self.exported(value, module) for value in values]
        return one_of(values)

    def exported(self, value: object, module: FileAnalysis) -> object:
        """A value a function of another module returns, as this module can use it: the classes and
        functions of that module it names (`local:Block`, `func:make`, what efficientnet_pytorch's
        `get_same_padding_conv2d()` returns) by their names in the program, or they would name this
        module's own; a partial object binding more than literals is not known here (its arguments'
        names are the function's, not this module's)."""
        if isinstance(value, ClassRefV):
            if any(not _literal_arg(arg) for arg in value.bound):
                return UnknownV(f"a partial object returned by {module.path}")
            kind, _, name = value.qualname.partition(":")
            if kind in ("local", "func") and name:
                known = self.home.loader.index.names.get(module.path) if self.home.loader is not None else None
                if known is None or "@" in name:  # `Block@2`: one of the module's several classes of that name
                    return UnknownV(f"{name} of {module.path}")
                return dataclasses.replace(value, qualname=f"{known[0]}.{name}")
            return value
        if isinstance(value, ParamV):
            return dataclasses.replace(value, default=self.exported(value.default, module))
        if isinstance(value, ChainV) and value.kind == "alt":
            return ChainV([(key, self.exported(item, module)) for key, item in value.items], "alt")
        return value

    def rest_of_positionals(self, fn: cst.FunctionDef, call: cst.Call) -> Optional[ChainV]:
        """What `fn`'s `*args` parameter holds for this call, a tuple of the positional arguments after
        those its named parameters take; None where it has none or the call spreads a sequence."""
        if not isinstance(fn.params.star_arg, cst.Param) or any(arg.star for arg in call.args):
            return None
        positional = [arg for arg in call.args if arg.keyword is None]
        taken = len([*fn.params.posonly_params, *fn.params.params])
        return ChainV(self.items_or_none([arg.value for arg in positional[taken:]]), "list", plain=True)

    def items_or_none(self, nodes: list) -> list:
        """A tuple's items, from their expressions: one that may be None is there or not (a value's
        None alternative is dropped where values merge, so the value alone cannot say)."""
        items: list = []
        for node in nodes:
            undecided = self.undecided_values
            value = self.arg_value(node)
            if value == NONE_V or _surely_not_none(node, self.undecided_values == undecided, self.fn):
                items.append((None, value))
            else:
                items.append(("<alt>", [[(None, value)], []]))
        return items

    def call_nested_helper(self, ref: FunctionRefV, call: cst.Call) -> object:
        """A helper defined in this function, called in constructor code: run with the names it
        closes over, its layers reported at this call (like a helper of the file)."""
        if self.depth >= MAX_INLINE_DEPTH:
            return UnknownV(f"{ref.name}(...)")
        fn = ref.node
        ctx = type(self)(self.fa, self.cls, fn, self.depth + 1, report_node=self.report_node or call, home=self.home)
        self.enter_helper(ctx)
        ctx.attrs = self.attrs  # `self` is a name it closes over
        ctx.self_name = self.self_name
        ctx.env = dict(ref.closure or {})
        ctx.bind_params(fn, self_bound=False, args=self.call_args(fn, call, own_kwargs=True))
        ctx.passed_literals = _literal_params(fn, call, ctx.env)
        ctx.run_block(fn.body)
        if not ctx.returns:
            return UnknownV(f"{ref.name}(...) returns nothing known")
        return one_of(ctx.returns)

    def call_args(self, fn: cst.FunctionDef, call: cst.Call, skip_self: bool = False, own_kwargs: bool = False) -> dict:
        params = _positional_params(fn)
        if skip_self and params:
            params = params[1:]
        names = [p.name.value for p in params] + [p.name.value for p in fn.params.kwonly_params]
        if any(a.star == "*" for a in call.args) or (self.cls is None and any(a.star for a in call.args)):
            return {}  # a script's or free function's own calls: their ** dicts are not read
        positional = [a for a in call.args if a.keyword is None and not a.star]
        bound = {name: self.arg_value(node) for name, node in _written_args(names, call).items()}
        # what lands in the function's own **kwargs
        extra = [(arg.keyword.value, self.arg_value(arg.value)) for arg in call.args
                 if arg.keyword is not None and arg.keyword.value not in names]  # fmt: skip
        stars = [arg for arg in call.args if arg.star == "**"]
        if not stars:
            return {**bound, **(self.own_kwargs(fn, extra) if own_kwargs else {})}
        # `f(x, **dd)`: a key passed twice is a TypeError, so a keyword written here is what f gets;
        # the dicts' keys where they are known, anything for the rest where they are not
        unknown = None
        for star in stars:
            held = self.eval_module(star.value, bind_site=False)
            keys = held.items if isinstance(held, ChainV) and held.kind == "list" else [("*", None)]
            for key, item in keys:
                if key in (None, "*", "<loop>", "<alt>"):
                    unknown = unknown or f"**{short_code(star.value)}"
                elif key in names and key not in bound:
                    bound[key] = self.passed_value(item, key)
                elif key not in names:
                    extra.append((key, self.passed_value(item, key)))
        if unknown is not None:
            for name in names[len(positional):]:
                bound.setdefault(name, UnknownV(f"parameter {name} (`{unknown}` may pass it)"))
            extra.append(("*", UnknownV(f"what `{unknown}` holds")))
        return {**bound, **(self.own_kwargs(fn, extra) if own_kwargs else {})}

    @staticmethod
    def own_kwargs(fn: cst.FunctionDef, extra: list) -> dict:
        """The function's `**kwargs` as the dict of the keywords it does not name (none passed: {})."""
        star = fn.params.star_kwarg
        return {star.name.value: ChainV(extra, "list")} if isinstance(star, cst.Param) else {}

    @staticmethod
    def passed_value(value: object, key: str) -> object:
        """A value a `**` dict holds, as `arg_value` keeps an argument's."""
        if isinstance(value, (ClassRefV, ActV, ParamV, TransparentV, ChainV, LayerV, InstV)) or value == NONE_V:
            return value
        if isinstance(value, tuple) and value and value[0] == "<literal>":
            return value
        return UnknownV(f"{key} in a ** dict")

    def arg_value(self, node: cst.BaseExpression) -> object:
        value = self.eval_module(node, bind_site=False) if self.in_init or self.cls is None else UnknownV("arg")
        if isinstance(value, (ClassRefV, ActV, ParamV, TransparentV, ChainV, LayerV, InstV)) or value == NONE_V:
            return value
        if isinstance(value, tuple) and value and value[0] == "<literal>":
            return value
        return UnknownV(short_code(node))

    def inline_method(self, fn: cst.FunctionDef, call: cst.Call) -> object:
        ctx = type(self)(self.fa, self.cls, fn, self.depth + 1, home=self.home)
        ctx.attrs = self.attrs
        ctx.in_init = False
        ctx.deciding = self.deciding
        ctx.self_name = self.self_name
        self.bind_flow_args(ctx, fn, call, self_bound=True)
        ctx.run_block(fn.body)
        return ctx.returned()

    def inline_function(self, fn: cst.FunctionDef, call: cst.Call, closure: Optional[dict] = None,
                        module: Optional[FileAnalysis] = None) -> object:  # fmt: skip
        """A free function called in forward, run on the flows passed to it (`module`: the other
        module of the program that defines it; its names are read there)."""
        ctx = type(self)(module or self.fa, self.cls, fn, self.depth + 1, home=self.home)
        ctx.attrs = self.attrs
        ctx.in_init = False
        ctx.deciding = self.deciding
        if closure is not None:  # a function nested in this forward: it sees self and the names around it
            ctx.env = dict(closure)
            ctx.self_name = self.self_name
        else:
            ctx.self_name = "<no self>"
        self.bind_flow_args(ctx, fn, call, self_bound=False)
        ctx.run_block(fn.body)
        return ctx.returned()

    def call_handed_self(self, value: object, call: cst.Call) -> Optional[object]:
        """`self.processor(self, x)` in a forward: a plain object (no torch module) of a class of this
        file that the module holds, called with the module itself (diffusers' attention processors,
        set in `__init__`). Its `__call__` runs on the module: the parameter that receives `self`
        stands for it (`attn.to_q(x)` applies this module's layer), the object's own attributes are
        not known. One of several such objects (`A() if c else B()`): each runs, their outputs merged.
        None where the call is not that, or what the object is is not known that way."""
        handed = [arg for arg in call.args if not arg.star and dotted(arg.value) == self.self_name]
        if len(handed) != 1 or self.cls is None or self.depth >= MAX_INLINE_DEPTH:
            return None
        options = [item for _, item in value.items] if isinstance(value, ChainV) and value.kind == "alt" else [value]
        runs = []
        for option in options:
            cls = self.fa.classes.get(option.cls) if isinstance(option, InstV) and option.module is None else None
            found = self.fa.method(cls, "__call__") if cls is not None and self.fa.plain_class(cls) else None
            receiver = _receiving_param(found[1], call, handed[0]) if found is not None else None
            if receiver is None:
                return None
            runs.append((found[1], receiver))
        facts = [fact for option in options for fact in option.rests_on]
        if facts and not self.in_init:  # a caller passing another object runs other code on these layers
            self.cls.forward_rests_on.extend(fact for fact in dict.fromkeys(facts) if fact not in self.cls.forward_rests_on)
        outputs = []
        for fn, receiver in runs:
            ctx = type(self)(self.fa, self.cls, fn, self.depth + 1, home=self.home)
            ctx.attrs = self.attrs
            ctx.in_init = False
            ctx.deciding = self.deciding
            self.bind_flow_args(ctx, fn, call, self_bound=True)
            ctx.env[ctx.self_name] = UnknownV("the held object's own attributes")
            ctx.env.pop(receiver, None)
            ctx.self_name = receiver
            ctx.run_block(fn.body)
            outputs.append(ctx.returned())
        return outputs[0] if len(outputs) == 1 else self.merged(outputs)

    def returned(self) -> object:
        """What an inlined forward helper returns: a tuple kept as a tuple when every return is
        one of the same length (`x, aux2, aux1 = self._forward(x)`), else one flow."""
        if self.returns and all(isinstance(v, FunctionRefV) and v.node is not None for v in self.returns):
            # a function a helper defines and returns (`def maybe(fn): ... def inner(x): ...; return inner`):
            # called where the caller calls what it got, with the names it closed over
            return self.returns[0] if len(self.returns) == 1 else ChainV([(None, v) for v in self.returns], "alt")
        return self.merged(self.returns)

    def merged(self, values: list) -> object:
        """One value for several (the returns of a function, the results of alternative callees):
        records field by field, tuples of one length position by position, else one flow."""
        if values and all(isinstance(v, RecordV) for v in values):
            names = list(dict.fromkeys(name for v in values for name in v.fields))
            fields = {}
            for name in names:
                given = [v.fields.get(name, NONE_V) for v in values]
                sure = all(isinstance(g, Flow) and not isinstance(g, MaybeNone) for g in given)
                fields[name] = (Flow if sure else MaybeNone)(frozenset().union(*(self.as_flow(g).sites for g in given)))
            return RecordV(values[0].what, fields)
        if values and all(isinstance(v, TupleV) and len(v.items) == len(values[0].items) for v in values):
            return TupleV([Flow(frozenset().union(*(self.as_flow(v.items[i]).sites for v in values)))
                           for i in range(len(values[0].items))])  # fmt: skip
        merged: set = set()
        for value in values:
            merged |= self.as_flow(value).sites
        return Flow(frozenset(merged))

    def bind_flow_args(self, ctx: "Context", fn: cst.FunctionDef, call: cst.Call, self_bound: bool) -> None:
        params = _positional_params(fn)
        if self_bound and params:
            ctx.self_name = params[0].name.value
            params = params[1:]
        names = [p.name.value for p in params] + [p.name.value for p in fn.params.kwonly_params]
        for name in names:
            ctx.env[name] = OPAQUE
        values = self.positional_values(call)
        star = fn.params.star_arg
        if values is not None:  # every `*seq` a tuple or list of known length: bound in order
            for name, value in zip([p.name.value for p in params], values):
                ctx.env[name] = value
            if isinstance(star, cst.Param):  # def closure(*inputs): the rest, as a tuple
                ctx.env[star.name.value] = TupleV(values[len(params):])
        else:  # by place up to the first `*seq`; after it, which parameter an argument lands in is not known
            before = _before_star(call)
            for name, arg in zip(names, before):
                ctx.env[name] = self.eval_flow(arg.value)
            for arg in call.args[len(before):]:
                if arg.keyword is None and not arg.star:
                    self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, "passed after a *")
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in names:
                ctx.env[arg.keyword.value] = self.eval_flow(arg.value)
            elif arg.star and (values is None or arg.star == "**"):
                self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, "passed with *")

    def positional_values(self, call: cst.Call) -> Optional[list]:
        """The positional arguments' values in order, a `*seq` spread when it holds a tuple or
        list of known length (`closure(*inputs)`); None when one does not."""
        values: list = []
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            value = self.eval_flow(arg.value)
            if arg.star != "*":
                values.append(value)
            elif isinstance(value, TupleV):
                values.extend(value.items)
            else:
                return None
        return values

    # -- init calls seen in constructor-like code ----------------------------------------

    def note_init_call(self, call: cst.Call) -> None:
        """Direct inits in __init__ / helpers: nn.init.x_(self.fc.weight), conv.weight.data.normal_()."""
        InitScanner.note_direct(self, call)


def _receiving_param(fn: cst.FunctionDef, call: cst.Call, handed: cst.Arg) -> Optional[str]:
    """The parameter of method `fn` (its own self skipped) that the argument `handed` lands in; None
    where that is not known by place or keyword."""
    params = _positional_params(fn)[1:]
    if handed.keyword is not None:
        names = {p.name.value for p in params} | {p.name.value for p in fn.params.kwonly_params}
        return handed.keyword.value if handed.keyword.value in names else None
    before = _before_star(call)
    position = next((i for i, arg in enumerate(before) if arg is handed), None)
    return params[position].name.value if position is not None and position < len(params) else None


def _written_args(names: list, call: cst.Call) -> dict:
    """Parameter name -> the expression written for it at the call: by place, then by keyword."""
    written = {name: arg.value for name, arg in zip(names, _before_star(call))}
    written.update((arg.keyword.value, arg.value) for arg in call.args if arg.keyword is not None and arg.keyword.value in names)
    return written


def _before_star(call: cst.Call) -> list:
    """The positional arguments before the first `*seq`: after it, which parameter an argument
    lands in is not known by place."""
    out = []
    for arg in call.args:
        if arg.star or arg.keyword is not None:
            break
        out.append(arg)
    return out


def _literal_params(fn: cst.FunctionDef, call: cst.Call, env: dict) -> frozenset:
    """The function's parameters this call passes a literal for, written at the call itself
    (`get_activation("silu")`, `act="silu"`): what they hold there is no default's guess."""
    names = [p.name.value for p in _positional_params(fn)] + [p.name.value for p in fn.params.kwonly_params]
    passed = _written_args(names, call)
    # (or a name the caller holds a literal in, no parameter's default there: `conv_type=conv_type` in a
    # block judged at a construction that passes "conv")
    return frozenset(name for name, node in passed.items()
                     if written_literal(node) and not isinstance(env.get(name), ParamV)
                     or isinstance(node, cst.Name) and isinstance(env.get(name), tuple) and len(env[name]) == 2
                     and env[name][0] == "<literal>")  # fmt: skip


def _literal_arg(arg: cst.Arg) -> bool:
    """An argument whose value is the same read anywhere: a number, a string, True, False or None."""
    value = arg.value
    if arg.star:
        return False
    if isinstance(value, cst.Name):
        return value.value in ("True", "False", "None")
    return literal_number(value) is not None or literal_string(value) is not None


def _surely_not_none(node: cst.BaseExpression, decided: bool, fn: Optional[cst.FunctionDef] = None) -> bool:
    """Whether an argument is surely no None: a call (a construction), or `A(...) if c else None` (or
    two calls) where `c` was `decided` (its value then None itself where that branch was taken), or a
    local name of `fn` that every assignment binds to calls (`activation = nn.SiLU() if swish else
    nn.GELU()`). Another name may hold None on some path (merged values keep no None alternative)."""
    if isinstance(node, cst.Call):
        return True
    if isinstance(node, cst.Name) and fn is not None:
        return _bound_to_calls(fn, node.value)
    if isinstance(node, cst.IfExp):
        branches = (node.body, node.orelse)
        nones = [b for b in branches if isinstance(b, cst.Name) and b.value == "None"]
        calls = [b for b in branches if isinstance(b, cst.Call)]
        return len(calls) == 2 or (decided and len(calls) + len(nones) == 2)
    return False


def _bound_to_calls(fn: cst.FunctionDef, name: str) -> bool:
    """Whether `name`, not a parameter of `fn`, is bound in its body only by plain assignments of
    calls (or of two calls chosen by a condition), at least once."""
    if name in {param.name.value for param in _all_params(fn)} or name in bound_names(fn.body, wide=True) - bound_names(fn.body, wide=False):
        return False
    values = []
    for node in _walk_nodes(fn.body):  # nested functions' assignments too: more to check, never fewer
        if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
            values.append(node.value)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and isinstance(node.target, cst.Name) and node.target.value == name:
            return False
    return bool(values) and all(_surely_not_none(value, False) for value in values)
