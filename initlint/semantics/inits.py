"""How a class initialises its layers: direct init calls, init loops, `apply(fn)`, and what methods it
inherits from other modules run (transformers' `post_init()`, read from initlint's stub)."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Iterator, Optional

import libcst as cst

from .. import catalogue

from ..model import InitCall
from ..syntax.positions import compute_spans
from ..syntax.nodes import (_always_run, _block_list, _literal_index, _positional_params, _unconditional_calls, _walk_calls, _walk_nodes, _walk_statements,
                            argument, bound_names, dotted, literal_number, literal_string, short_code)
from .imports import init_function_name, torch_nn_name
from .values import ChainV, LayerV, exact_element

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from .file import ClassInfo, FileAnalysis
    from .interpret import Context


INPLACE_INIT_METHODS = frozenset(
    {"normal_", "uniform_", "zero_", "fill_", "copy_", "mul_", "div_", "trunc_normal_", "orthogonal_",
     "clamp_", "set_", "data_", "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_"}
)  # fmt: skip


class InitScanner:
    """Finds how a class initialises layers: per layer (direct calls) and for its whole tree."""

    def __init__(self, fa: FileAnalysis, cls: ClassInfo):
        self.fa = fa
        self.cls = cls
        self.position: Optional[int] = None  # the statement of `__init__` the rule being scanned runs at
        self.unrun: Optional[str] = None  # the method being scanned, when building the class does not run it

    @staticmethod
    def init_call_of(fa: FileAnalysis, call: cst.Call, ctx: Optional["Context"] = None) -> Optional[tuple[str, cst.BaseExpression, InitCall]]:
        """If `call` initialises a weight, (function, weight expression, InitCall)."""
        func = call.func
        text = dotted(func)
        q = fa.imports.qualify(func)
        # w.data.normal_(...), w.normal_(...), w.data.copy_(...): a tensor method, not an imported function
        if isinstance(func, cst.Attribute) and func.attr.value in INPLACE_INIT_METHODS and q is None:
            target = func.value
            if isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute) and target.func.attr.value == "detach" \
                    and not target.args:  # fmt: skip
                target = target.func.value  # `p.detach().zero_()` (guided-diffusion's zero_module): detach shares the storage
            if isinstance(target, cst.Attribute) and target.attr.value == "data":
                target = target.value
            return func.attr.value, target, InitScanner._describe(fa, func.attr.value, call, ctx)
        name = init_function_name(q, text)
        if name is not None and call.args:
            weight = call.args[0].value
            if isinstance(weight, cst.Call) and fa.imports.qualify(weight.func) == "torch.as_tensor" \
                    and len(weight.args) == 1 and weight.args[0].keyword is None and not weight.args[0].star:  # fmt: skip
                weight = weight.args[0].value  # the tensor itself (as_tensor returns a tensor given as is; checked on torch 2.13)
            return name, weight, InitScanner._describe(fa, name, call, ctx)
        return None

    @staticmethod
    def _describe(fa: FileAnalysis, name: str, call: cst.Call, ctx: Optional["Context"] = None) -> InitCall:
        """What an init call does to the gain; `undecided` says which argument cannot be read."""
        info = InitCall(function=name, text=short_code(call, 80), line=0)
        number = ctx.number if ctx is not None else literal_number
        string = ctx.string if ctx is not None else literal_string

        def read(node, reader, what):
            if node is None:
                return None
            value = reader(node)
            if value is None:
                info.undecided = info.undecided or f"its {what} `{short_code(node, 40)}` is not known statically"
            return value

        if name.startswith("kaiming_"):
            info.nonlinearity = read(argument(call, "nonlinearity", 3), string, "nonlinearity")
            info.a = read(argument(call, "a", 1), number, "slope a")
            info.mode = literal_string(argument(call, "mode", 2))
        gain = argument(call, "gain", 1) if name.startswith(("xavier_", "orthogonal_")) else None
        if isinstance(gain, cst.Call) and (dotted(gain.func) or "").endswith("calculate_gain") and gain.args:
            info.gain_name = read(argument(gain, "nonlinearity", 0), string, "gain name")
            info.gain_param = read(argument(gain, "param", 1), number, "gain parameter")
        elif gain is not None:
            info.gain = read(gain, number, "gain")
        return info

    @staticmethod
    def note_direct(ctx: Context, call: cst.Call) -> None:
        found = InitScanner.init_call_of(ctx.fa, call, ctx)
        if found is not None:
            InitScanner._note_weight(ctx, found[1], found[2], call)
        elif isinstance(call.func, cst.Attribute) and call.func.attr.value == "reset_parameters" and not call.args:
            InitScanner._note_reset(ctx, call.func.value, call)
        elif call.args and ctx.fa.imports.qualify(call.func) in _REPARAMETRISING:
            InitScanner._note_reparametrised(ctx, call)
        elif call.args and ctx.fa.imports.qualify(call.func) in catalogue.REPARAMETRISING:
            # weight_norm(self.fc): the draw is kept (g = |v| at the start), but `.weight` is computed now
            from .interpret_init import reparametrised_reason

            for site in InitScanner.sites_for(ctx, call.args[0].value):
                site.fix_reason = site.fix_reason or reparametrised_reason(ctx.fa.imports.qualify(call.func))

    @staticmethod
    def _note_reparametrised(ctx: Context, call: cst.Call) -> None:
        """`register_parametrization(self.fc, "weight", L2Norm())`, `spectral_norm(nn.Linear(...))`:
        the weight torch uses is computed from the one drawn on every access, not that draw."""
        tensor = argument(call, "tensor_name", 1) or argument(call, "name", 1)
        if tensor is not None and literal_string(tensor) not in (None, "weight"):
            return  # another parameter of the layer
        for site in InitScanner.sites_for(ctx, call.args[0].value):
            site.explicit_init, site.init_state, site.init_open = None, "unknown", False
            site.init_evidence = f"`{short_code(call, 60)}` computes its weight from the draw on every access"

    @staticmethod
    def _note_reset(ctx: Context, holder: cst.BaseExpression, call: cst.Call) -> None:
        """`self.fc.reset_parameters()` after `nn.init.x_(self.fc.weight)`: the layer is back on
        torch's default draw, whatever was drawn before."""
        if isinstance(holder, cst.Name) and holder.value == ctx.self_name:
            return  # the module's own method, not a layer's
        text = f"`{short_code(call, 60)}`"
        for site in InitScanner.sites_for(ctx, holder):
            if ctx.conditional and site.branches[: len(ctx.branches)] != ctx.branches:
                if site.init_state == "explicit":  # re-drawn on some paths only
                    site.explicit_init, site.init_state = None, "unknown"
                    site.init_evidence = f"{site.init_evidence}, then {text} under a condition not decided here"
                continue
            site.explicit_init, site.init_state = None, "default"
            site.init_evidence = f"{text} re-draws torch's default"
            site.init_open = True  # what builds its class may still re-initialise it
            site.explicit_at = (ctx.fn.name.value, call)
            # an init inserted after its construction would run before the reset: a dead fix
            site.fix_reason = site.fix_reason or f"{text} re-draws the default after its construction: draw the init after it"

    @staticmethod
    def weight_writes(small: cst.CSTNode) -> list:
        """`layer.weight.data *= scale / norm`, `layer.weight.data = w`, `layer.weight = nn.Parameter(w)`:
        the weight is rewritten, as an in-place tensor method would (`mul_`, `copy_`). [(weight, InitCall)]."""
        if isinstance(small, cst.AugAssign):
            targets = [small.target]
            function = {cst.MultiplyAssign: "mul_", cst.DivideAssign: "div_"}.get(type(small.operator), "add_")
        elif isinstance(small, cst.Assign):
            targets, function = [t.target for t in small.targets], "copy_"
        else:
            return []
        out = []
        for target in targets:
            if isinstance(target, cst.Attribute) and target.attr.value == "data":
                target = target.value
            if isinstance(target, cst.Attribute) and target.attr.value == "weight" \
                    and not (isinstance(small, cst.Assign) and _same_values(small.value, target)):  # fmt: skip
                out.append((target, InitCall(function=function, text=short_code(small, 80), line=0)))
        return out

    @staticmethod
    def note_weight_write(ctx: Context, small: cst.BaseSmallStatement) -> None:
        for target, info in InitScanner.weight_writes(small):
            InitScanner._note_weight(ctx, target, info, small)
        value = small.value if isinstance(small, cst.Assign) else None
        if isinstance(value, cst.Attribute) and value.attr.value == "weight":
            # `self.tied.weight = self.c.weight`: one tensor for both; a fix drawing c's would draw tied's
            for site in InitScanner.sites_for(ctx, value.value):
                site.fix_reason = site.fix_reason or f"its weight is shared (`{short_code(small, 60)}`): an init of it draws the other layer's too"

    @staticmethod
    def _note_weight(ctx: Context, target: cst.BaseExpression, info: InitCall, node: cst.CSTNode) -> None:
        """An init of `target` (a weight) seen in constructor-like code: the sites it reaches."""
        info.line = -1
        call = node
        if not (isinstance(target, cst.Attribute) and target.attr.value == "weight"):
            return
        holder = target.value
        sites = InitScanner.sites_for(ctx, holder)
        for site in sites:
            if info.undecided and site.init_state != "explicit":
                site.explicit_init = None
                site.init_state = "unknown"
                site.init_evidence = f"`{info.text}`: {info.undecided}"
                continue
            # Undecided unless it runs whenever the layer is built: in the branch that builds
            # it, or in one around that.
            runs_with_site = site.branches[: len(ctx.branches)] == ctx.branches
            if ctx.conditional and not runs_with_site and site.init_state != "explicit":
                site.explicit_init = None
                site.init_state = "unknown"
                site.init_evidence = f"`{info.text}` runs only under a condition not decided here"
                continue
            if ctx.conditional and not runs_with_site:
                # an init drawn before, then perhaps this one: which is the last is not known here
                site.explicit_init, site.init_state = None, "unknown"
                site.init_evidence = f"{site.init_evidence}, then perhaps `{info.text}` under a condition not decided here"
                continue
            site.explicit_init = info
            site.init_state = "explicit"
            site.init_evidence = f"`{info.text}`"
            site.explicit_at = (ctx.fn.name.value, node)  # where it ran: a routine after it overrides it
        if sites:
            ctx.fa.pending_lines.append((info, call))
        elif ctx.cls is not None and ctx.in_init:
            # a layer of another module's block (self.stem.conv): the program stage reads it there; under
            # a condition, or in a helper method, it may not run each time the block is built (unknown)
            path = _self_path(holder, ctx.self_name)
            if path and "." in path:
                ctx.fa.path_inits.setdefault(ctx.cls.name, {})[path] = (info.text, call, not ctx.conditional and ctx.depth == 0)

    @staticmethod
    def sites_for(ctx: Context, holder: cst.BaseExpression) -> list:
        """self.fc / self.body[0] / self.net.fc1 / conv (a local) / a loop variable over layers -> sites."""
        value = ctx.eval_module(holder, bind_site=False) if not isinstance(holder, cst.Subscript) else None
        if isinstance(holder, cst.Subscript) and dotted(holder.value) == ctx.self_name:
            position = _literal_index(holder)  # self[0] in a subclass of nn.Sequential
            value = ctx.attrs.get(str(position)) if position is not None and position >= 0 else None
        elif isinstance(holder, cst.Subscript):
            base = ctx.eval_module(holder.value, bind_site=False)
            if isinstance(base, ChainV):
                # the element the fix names `self.model[0]`: every item up to it has a certain place
                value = exact_element(base, holder)
        elif isinstance(holder, cst.Attribute) and not isinstance(value, LayerV):
            base = ctx.eval_module(holder.value, bind_site=False)
            if isinstance(base, ChainV):
                for key, item in base.items:
                    if key == holder.attr.value:
                        value = item
        if isinstance(value, LayerV):
            return [value.site]
        if isinstance(value, ChainV) and value.kind == "alt":
            # for layer in [self.a, self.b]: init(layer.weight); or `make_conv(...)` where
            # make_conv is nn.Conv2d or a module of this file: when the init runs, it is a layer's
            return [v.site for _, v in value.items if isinstance(v, LayerV)]
        return []

    def scan(self) -> None:
        """Tree-wide init rules of this class: init loops, self.apply(fn), post_init().

        Only routines that construction runs count as done: __init__ and the methods it calls
        (its own or inherited, transitively). A routine nobody here calls (a public
        `init_weights()` a user may or may not call) makes what it covers `unknown`.
        """
        cls = self.cls
        reached = self.reached_from_init()
        own_init = self.fa.method(cls, "__init__")
        if own_init is not None and own_init[0] is cls:
            cls.init_order = _top_level_order(own_init[1])
        entry = _entry_statements(own_init[1], reached, cls.init_order) if cls.init_order else {}
        cls.entry_order = dict(entry)
        scripted = self.fa.script_runs.get(cls.name, set())
        for name in scripted & set(reached):  # run by the script once built: after all of __init__
            entry[name] = len(_block_list(own_init[1].body)) if own_init is not None else None
        for name, (owner, fn) in reached.items():
            label = name if self.fa.classes.get(owner.name) is owner else f"{name} (inherited from {owner.name})"
            if name in scripted:
                label = f"{label}, which the script runs on every {cls.node.name.value} it builds"
                if self.fa.classes.get(owner.name) is owner:
                    self.direct_inits_run_by_script(fn, name)
            for node in _walk_statements(fn.body):
                self.position = cls.init_order.get(id(node)) if name == "__init__" else entry.get(name)
                self.scan_statement(node, fn, label, "explicit")
        self.position = None
        for name, fn in cls.methods.items():
            if name not in reached:
                self.unrun = name
                for node in _walk_statements(fn.body):
                    self.scan_statement(node, fn, name, "unknown")
                self.unrun = None
                self.direct_inits_not_run(fn, name)

    def direct_inits_not_run(self, fn: cst.FunctionDef, method: str) -> None:
        """`nn.init.x_(self.fc.weight)` in a method construction does not run (reinit(), a public
        reset_parameters()): whoever calls it is not known here, so those layers are unknown."""
        self_name = fn.params.params[0].name.value if fn.params.params else "self"
        by_name = {site.name: site for site in self.cls.sites if site.name}
        if not by_name:
            return
        writes = [(found[1], call, found) for call in self.fa.calls_in.get(id(fn), ())
                  if (found := InitScanner.init_call_of(self.fa, call)) is not None]
        writes += [(weight, node, None) for node in _walk_nodes(fn.body) for weight, _ in InitScanner.weight_writes(node)]
        unconditional = _unconditional_calls(fn)
        for weight, node, found in writes:
            if not (isinstance(weight, cst.Attribute) and weight.attr.value == "weight"):
                continue
            name = _self_path(weight.value, self_name)
            site = by_name.get(name) if name else None
            if site is not None and site.init_state is None and site.explicit_init is None:
                site.init_state = "unknown"
                site.init_evidence = f"`{short_code(node, 60)}` in {self.cls.name}.{method}(), which building the model does not run"
            if site is not None:  # what running it would do, for code elsewhere that runs it
                info = found[2] if found is not None and id(node) in unconditional and not found[2].undecided else None
                # a second write to the same layer in the method: the last one decides, if both are known
                self.cls.method_inits.setdefault(method, {})[name] = (info, node)
                if info is not None:
                    self.fa.pending_lines.append((info, node))

    def direct_inits_run_by_script(self, fn: cst.FunctionDef, method: str) -> None:
        """`nn.init.x_(self.fc.weight)` in a method the script runs on every model it builds
        (`model.init_weights()`): explicit where the statement always runs, unknown under a branch."""
        self_name = fn.params.params[0].name.value if fn.params.params else "self"
        by_name = {site.name: site for site in self.cls.sites if site.name}
        unconditional = _unconditional_calls(fn)
        for call in self.fa.calls_in.get(id(fn), ()):
            found = InitScanner.init_call_of(self.fa, call)
            weight = found[1] if found is not None else None
            if not (isinstance(weight, cst.Attribute) and weight.attr.value == "weight"):
                continue
            name = _self_path(weight.value, self_name)
            site = by_name.get(name) if name else None
            if site is None:
                continue
            info = found[2]
            where = f"in {self.cls.name}.{method}(), which the script runs on every {self.cls.node.name.value} it builds"
            if info.undecided or id(call) not in unconditional:
                site.explicit_init, site.init_state = None, "unknown"
                site.init_evidence = f"`{info.text}` {where}: " + (info.undecided or "under a condition not decided here")
                continue
            site.explicit_init, site.init_state, site.init_evidence = info, "explicit", f"`{info.text}` {where}"
            self.fa.pending_lines.append((info, call))

    def reached_from_init(self) -> dict:
        """Methods that running the constructor calls: name -> (class, FunctionDef)."""
        found = self.fa.method(self.cls, "__init__")
        if found is None:
            return {}
        reached = {"__init__": found}
        stack = [(found[1], self.fa)]
        for name in sorted(self.fa.script_runs.get(self.cls.name, ())):  # `model.init_weights()` after building it
            target = self.fa.method(self.cls, name)
            if target is not None and name not in reached:
                reached[name] = target
                stack.append((target[1], self.fa))
        while stack:
            fn, owner = stack.pop()
            self_name = fn.params.params[0].name.value if fn.params.params else "self"
            for call in owner.calls_in.get(id(fn), ()):
                func = call.func
                if isinstance(func, cst.Attribute) and dotted(func.value) == self_name:
                    name = func.attr.value
                    if name in reached:
                        continue
                    target = self.fa.method(self.cls, name)
                    if target is not None:
                        reached[name] = target
                        stack.append((target[1], self.fa))
                        continue
                    # inherited from a library's class (its stub: transformers' post_init)
                    inherited = self.fa.inherited(self.cls, name)
                    if inherited is not None:
                        reached[name] = (inherited[1], inherited[2])
                        stack.append((inherited[2], inherited[0]))
                elif isinstance(func, cst.Name) and func.value in self.fa.functions and call.args \
                        and call.args[0].keyword is None and dotted(call.args[0].value) == self_name:  # fmt: skip
                    # initialize_weights(self): a function of this file that gets the model runs
                    # on it as a method would (its first parameter is the model)
                    function = self.fa.functions[func.value]
                    if func.value not in reached and _positional_params(function):
                        reached[func.value] = (self.cls, function)
                        stack.append((function, self.fa))
        return reached

    def add_rule(self, types, call, evidence: str, state: str, prefix: Optional[str] = None,
                 name_suffix: Optional[str] = None) -> None:
        self.cls.init_rules.append(InitRule(types, call, evidence, state, prefix, self.position, self.unrun, name_suffix))

    def scan_statement(self, stmt: cst.CSTNode, fn: cst.FunctionDef, method: str, state: str) -> None:
        cls = self.cls
        self_name = fn.params.params[0].name.value if fn.params.params else "self"
        if isinstance(stmt, cst.For) and _iterates_parameters(stmt.iter):
            receiver = dotted(stmt.iter.func.value)
            prefix = receiver[len(self_name) + 1 :] if receiver and receiver.startswith(self_name + ".") else None
            var, name = _parameter_loop_names(stmt.target)
            found = self.parameter_inits(stmt.body, var, name) if var and (receiver == self_name or prefix) else None
            if found is not None:
                where = f"init loop over {receiver}.{stmt.iter.func.attr.value}() in {cls.name}.{method}"
                if found is UNDECIDED_PARAMETER or isinstance(found, NameSuffixed) and prefix is not None:
                    self.add_rule(None, None, f"{where}, under a condition on each parameter not decided here", "unknown", prefix)
                elif isinstance(found, NameSuffixed):
                    self.add_rule(None, found.call, f"{where}, on the parameters named `*{found.suffix}`", state,
                                  name_suffix=found.suffix)
                else:
                    self.add_rule(None, found, where, state, prefix)
                cls.routines.append(method)
            return
        if isinstance(stmt, cst.For) and _iterates_modules(stmt.iter):
            receiver = dotted(stmt.iter.func.value) if isinstance(stmt.iter.func, cst.Attribute) else None
            # `for modules in [self.tower, self.logits]: for layer in modules.modules():` (RetinaNet heads)
            receivers = _literal_loop_items(fn, stmt, receiver, self_name) or [receiver]
            var = stmt.target.value if isinstance(stmt.target, cst.Name) else None
            if var is None and isinstance(stmt.target, cst.Tuple) and len(stmt.target.elements) == 2:
                second = stmt.target.elements[1].value
                var = second.value if isinstance(second, cst.Name) else None
            prefixes = [receiver[len(self_name) + 1 :] if receiver and receiver.startswith(self_name + ".") else None
                        for receiver in receivers]  # fmt: skip
            if any(receiver != self_name and prefix is None for receiver, prefix in zip(receivers, prefixes)):
                return  # a loop over something else's modules
            if var:
                for receiver, prefix in zip(receivers, prefixes):
                    for types, call in self.branches(stmt.body, var):
                        where = f"{receiver}.{stmt.iter.func.attr.value}()"
                        self.add_rule(types, call, f"init loop over {where} in {cls.name}.{method}", state, prefix)
                cls.routines.append(method)
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                call = small.value if isinstance(small, cst.Expr) else None
                if not isinstance(call, cst.Call):
                    continue
                text = dotted(call.func) or ""
                applied = self.applies_through(call) if not text.endswith(".apply") else None
                if applied is not None:  # named_apply(fn, self): a library function that runs module.apply(fn)
                    fn_node, receiver = applied
                elif text.endswith(".apply") and call.args:
                    fn_node, receiver = call.args[0].value, text[: -len(".apply")]
                else:
                    self.handed_with_an_init(call, method, self_name)
                    if state == "explicit":
                        self.handed_the_model(call, method, self_name)
                    continue
                if receiver == self_name:
                    self.apply_rule(fn_node, method, state, None)
                elif receiver.startswith(self_name + "."):
                    self.apply_rule(fn_node, method, state, receiver[len(self_name) + 1 :])
                elif receiver in _loop_targets(fn):
                    self.apply_in_loop(fn_node, call, method)

    def apply_in_loop(self, fn_node: cst.BaseExpression, call: cst.Call, method: str) -> None:
        """`for module, gain in module_gains.items(): module.apply(partial(self.init_weights, gain=gain))`
        (stable-baselines3): a routine run on modules a loop picks, which may be any of this class's
        tree: what it covers there is `unknown`, never the default."""
        rules = self.fa.rules_of_apply(fn_node, self.cls)
        text = short_code(call, 60)
        for types, _ in rules[1] if rules is not None and rules[1] else [(None, None)]:
            self.add_rule(types, None, f"`{text}` in {self.cls.name}.{method}, on modules a loop picks, may reach it",
                          "unknown")
        self.cls.routines.append(method)

    def handed_with_an_init(self, call: cst.Call, method: str, self_name: str) -> None:
        """`named_apply(partial(_init_conv, scheme=scheme), self)` with a function the analysis
        cannot read as `module.apply(fn)` (timm's own, recursive): an init function of this file
        handed over with the model may run on what it covers, so that is `unknown`."""
        values = [arg.value for arg in call.args]
        if not any(dotted(v) == self_name for v in values):
            return
        for value in values:
            rules = self.fa.rules_of_apply(value, self.cls) if dotted(value) != self_name else None
            if rules is None or not rules[1]:
                continue
            text = short_code(call, 60)
            for types, _ in rules[1]:
                self.add_rule(types, None, f"`{text}` in {self.cls.name}.{method} may run {rules[0].name.value} on it", "unknown")
            self.cls.routines.append(method)
            return

    def handed_the_model(self, call: cst.Call, method: str, self_name: str) -> None:
        """`efficientnet_init_weights(self)` while building: a function of another module handed
        the model may initialise any of its layers (timm's runs an init over named_modules()), so
        what it covers is `unknown`. A function of this file is followed (reached_from_init)."""
        func = call.func
        if isinstance(func, cst.Name) and (func.value in self.fa.functions or func.value in _NOT_INITS):
            return
        if isinstance(func, cst.Attribute) and dotted(func.value) in (self_name, None):
            return  # a method of the model (followed where it is its own), or super().__init__(...)
        at = next((i for i, arg in enumerate(call.args) if arg.keyword is None and not arg.star
                   and dotted(arg.value) == self_name), None)  # fmt: skip
        if at is None or not self.may_touch_weights(call, at):
            return
        text = short_code(call, 60)
        if at == 0 and self.read_handed_routine(call, method):
            self.cls.routines.append(method)
            return
        self.add_rule(None, None, f"`{text}` in {self.cls.name}.{method}, another module's function handed the model"
                                  " may initialise it", "unknown")  # fmt: skip
        self.cls.routines.append(method)

    def init_only_function(self, call: cst.Call) -> Optional[tuple]:
        """(its module's analysis, the function, its name, its body) for the program's function `call` runs
        when that body is only init loops over its first parameter (`for m in model.modules(): ...`, over
        parameters()) or `model.apply(fn)`, after a docstring: a routine handed the model
        (`init_weights(net)`). None otherwise."""
        if isinstance(call.func, cst.Name) and call.func.value in self.fa.functions:  # this module's own
            found = ("function", self.fa, call.func.value)
        else:
            q = self.fa.imports.qualify(call.func)
            found = self.fa.library().lookup(self.fa, q) if q else None
        if found is None or found[0] != "function" or found[1] is None or found[2] not in found[1].functions:
            return None
        fn = found[1].functions[found[2]]
        params = _positional_params(fn)
        if not params or len(call.args) > len(params) or any(arg.star for arg in call.args):
            return None
        model, body = params[0].name.value, _block_list(fn.body)
        for index, stmt in enumerate(body):
            if index == 0 and isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
                    and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):  # fmt: skip
                continue  # its docstring
            loop = isinstance(stmt, cst.For) and isinstance(stmt.iter, cst.Call) and isinstance(stmt.iter.func, cst.Attribute) \
                and dotted(stmt.iter.func.value) == model and (_iterates_modules(stmt.iter) or _iterates_parameters(stmt.iter))  # fmt: skip
            applied = isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) \
                and isinstance(stmt.body[0].value, cst.Call) and dotted(stmt.body[0].value.func) == f"{model}.apply"  # fmt: skip
            if not (loop or applied):
                return None
        return (found[1], fn, found[2], body) if body else None

    def handed_routine_reach(self, routine: tuple) -> Optional[list]:
        """The layer types (None: any) a routine of `init_only_function` draws, as its loops test them;
        None where it draws no weight (torchvision's `overwrite_eps(model, eps)` loops to set an eps)."""
        home, _, _, body = routine  # its loops are over the model (init_only_function checked)
        reader, reach = InitScanner(home, None), []
        for stmt in body:
            if isinstance(stmt, cst.For) and _iterates_modules(stmt.iter):
                target = stmt.target.elements[-1].value if isinstance(stmt.target, cst.Tuple) else stmt.target
                if isinstance(target, cst.Name):
                    reach += [sorted(types) if types is not None else None for types, _ in reader.branches(stmt.body, target.value)]
            elif isinstance(stmt, cst.For):  # over its parameters: every weight a test lets through
                var, name = _parameter_loop_names(stmt.target)
                if var and reader.parameter_inits(stmt.body, var, name) is not None:
                    reach.append(None)
            elif isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
                    and isinstance(stmt.body[0].value, cst.Call):  # `model.apply(fn)`, not its docstring
                reach.append(None)
        return reach or None

    def read_handed_routine(self, call: cst.Call, method: str) -> bool:
        """`initialize_weights(self)` with a function of another module whose body is only init
        loops over the model (`for m in model.modules(): if isinstance(m, nn.Conv2d): ...`) or
        `model.apply(fn)`: read there, with its module's imports, as this class's own routine.
        False (nothing added) for any other body: then it may initialise anything."""
        routine = self.init_only_function(call)
        if routine is None:
            return False
        home, fn, name, body = routine
        before = len(self.cls.init_rules)
        reader = InitScanner(home, self.cls)
        reader.position, reader.unrun = self.position, self.unrun
        pending = len(home.pending_lines)
        where = f"{method} ({name}() of {home.path})"
        for stmt in body:
            reader.scan_statement(stmt, fn, where, "explicit")
        found_calls = home.pending_lines[pending:]
        del home.pending_lines[pending:]
        for info, node in found_calls:  # placed in its own module, as routine_branches places them
            info.path = home.path
        if found_calls:
            holder = next((k for k, stmt in enumerate(home.module.body) if stmt is fn), None)
            spans = compute_spans(home.module, [node for _, node in found_calls],
                                  {id(node): holder for _, node in found_calls} if holder is not None else None,
                                  home.source, home.c_tree)  # fmt: skip
            for info, node in found_calls:
                info.line = spans[id(node)][0][0] if id(node) in spans else 0
        added = self.cls.init_rules[before:]
        if not added:
            return False
        for rule in added:
            if rule.call is not None and rule.call.path is None:
                rule.call.path = home.path
        return True

    def may_touch_weights(self, call: cst.Call, at: int) -> bool:
        """Whether the function `call` runs may change the weights of the model it gets as
        argument `at`, read where the program has it: yes unless its body only reads the model's
        dunder attributes or hands it to builtins that look at it (torchvision's
        `_log_api_usage_once(self)`). A function no module in reach defines is not followed."""
        q = self.fa.imports.qualify(call.func)
        found = self.fa.library().lookup(self.fa, q) if q else None
        if found is None or found[0] != "function" or found[1] is None or found[2] not in found[1].functions:
            # not found (a file analysed alone reads no other module): taken as before, as no init
            return False
        fn = found[1].functions[found[2]]
        params = _positional_params(fn)
        if at >= len(params) or any(arg.star for arg in call.args[:at]):
            return True
        names = {params[at].name.value}
        allowed: set = set()
        for node in _walk_nodes(fn.body):
            if isinstance(node, cst.For) and isinstance(node.iter, cst.Call) and isinstance(node.iter.func, cst.Attribute) \
                    and dotted(node.iter.func.value) in names and node.iter.func.attr.value in _MODULE_WALKS:  # fmt: skip
                # for m in model.modules(): ... what the loop does with each module is read the same way
                allowed.add(id(node.iter.func.value))
                target = node.target.elements[-1].value if isinstance(node.target, cst.Tuple) else node.target
                if isinstance(target, cst.Name):
                    names.add(target.value)
                    allowed.add(id(target))
        for node in _walk_nodes(fn.body):
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in names \
                    and node.attr.value.startswith("__"):  # fmt: skip
                allowed.add(id(node.value))  # obj.__module__, obj.__class__.__name__
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "reset_parameters" \
                    and isinstance(node.func.value, cst.Name) and node.func.value.value in names:  # fmt: skip
                allowed.add(id(node.func.value))  # torch's default drawn again: still the default
            elif isinstance(node, cst.Call) and dotted(node.func) in ("isinstance", "hasattr", "type", "id", "len", "repr", "str", "print"):
                allowed.update(id(a.value) for a in node.args if isinstance(a.value, cst.Name) and a.value.value in names)
        return any(isinstance(node, cst.Name) and node.value in names and id(node) not in allowed
                   for node in _walk_nodes(fn.body) if not (isinstance(node, cst.Name) and node is fn.name))  # fmt: skip

    def applies_through(self, call: cst.Call) -> Optional[tuple]:
        """(function passed, module it runs on as written) when `call` calls a function of another
        module (a library's, read from its stub) whose body is `module.apply(fn)` on two of its
        parameters: timm's `named_apply(fn, self)`. None otherwise."""
        q = self.fa.imports.qualify(call.func)
        found = self.fa.library().lookup(self.fa, q) if q else None
        if found is None or found[0] != "function" or found[1] is None:
            return None
        fn = found[1].functions[found[2]]
        params = [p.name.value for p in _positional_params(fn)]
        roles = _apply_roles(fn, params)
        if roles is None:
            return None
        passed = {}
        for position, arg in enumerate(call.args):
            if arg.star:
                return None
            key = arg.keyword.value if arg.keyword is not None else (params[position] if position < len(params) else None)
            passed[key] = arg.value
        fn_arg, module_arg = passed.get(roles[0]), passed.get(roles[1])
        if fn_arg is None or module_arg is None or dotted(module_arg) is None:
            return None
        return fn_arg, dotted(module_arg)

    def apply_rule(self, fn_node: cst.BaseExpression, method: str, state: str, prefix: Optional[str]) -> None:
        cls = self.cls
        text = dotted(fn_node) or short_code(fn_node, 40)
        where = f"self.{prefix}.apply({text})" if prefix else f"self.apply({text})"
        rules = self.fa.rules_of_apply(fn_node, cls)
        if rules is None:
            self.add_rule(None, None, f"{where} with a function not in this file", "unknown", prefix)
            cls.routines.append(text or "apply")
            return
        target, found = rules
        for types, call in found:
            self.add_rule(types, call, f"{where} in {cls.name}.{method}", state, prefix)
        if _calls_super(target, target.name.value):
            self.add_rule(None, None, f"{where} calls super().{target.name.value}, not in this file", "unknown", prefix)
        cls.routines.append(target.name.value)

    def parameter_inits(self, body: cst.BaseSuite, var: str, name: Optional[str]) -> Optional[object]:
        """`for p in model.parameters(): nn.init.zeros_(p)` (diffusers' zero_module), or under
        `if p.dim() > 1:` (every Conv/Linear weight has 2 dims or more): the InitCall that is last
        to draw a layer's weight; UNDECIDED_PARAMETER under another test; None: no init of `var`."""
        found: Optional[object] = None
        for stmt in _always_run(_block_list(body)):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    call = small.value if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) else None
                    init = InitScanner.init_call_of(self.fa, call) if call is not None else None
                    if init is not None and dotted(init[1]) == var:
                        found = init[2]
            elif isinstance(stmt, cst.If):
                inner = self.parameter_inits(stmt.body, var, name)
                suffix = _name_suffix_test(stmt.test, name)
                if _weights_only(stmt.test, var, name):
                    found = inner if inner is not None else found
                elif suffix is not None and found is None and isinstance(inner, InitCall) \
                        and not any(self.parameter_inits(block, var, name) is not None for block in _else_blocks(stmt)):  # fmt: skip
                    # `if pn.endswith("c_proj.weight"): normal_(p, std=...)` (nanoGPT): the layers whose
                    # parameter names end so, decided per layer where its name decides it
                    found = NameSuffixed(inner, suffix)
                elif inner is not None or any(
                        self.parameter_inits(block, var, name) is not None for block in _else_blocks(stmt)):  # fmt: skip
                    return UNDECIDED_PARAMETER
            elif any(isinstance(node, cst.Call) and (init := InitScanner.init_call_of(self.fa, node)) is not None
                     and dotted(init[1]) == var for node in _walk_nodes(stmt)):  # fmt: skip
                return UNDECIDED_PARAMETER  # in a loop, a try, a with: not read here
            if isinstance(found, NameSuffixed) and stmt is not _always_run(_block_list(body))[-1]:
                return UNDECIDED_PARAMETER  # what follows it is not read with it
        return found

    def branches(self, body: cst.BaseSuite, var: str, names: Optional[set] = None) -> Iterator[tuple]:
        """(layer types, init call) for each isinstance branch that initialises `var.weight`.

        `names` are variables holding the class name of `var` (classname = m.__class__.__name__).
        """
        if names is None:
            names = set(_class_name_vars(body, var))
        for stmt in _block_list(body):
            if isinstance(stmt, cst.If):
                yield from self.if_chain(stmt, var, names)
            elif isinstance(stmt, cst.SimpleStatementLine):
                # for m in self.modules(): _weight_init(m)  -- a helper of this file does the branching
                for small in stmt.body:
                    helper = self.helper_taking(small.value, var) if isinstance(small, cst.Expr) else None
                    if helper is not None:
                        fn, param = helper
                        self.inlined += 1
                        yield from self.branches(fn.body, param)
                        self.inlined -= 1

    inlined = 0  # helper depth while reading init branches

    def helper_taking(self, node: cst.BaseExpression, var: str) -> Optional[tuple]:
        """`helper(var, ...)` / `self.helper(var)` with a helper of this file: (FunctionDef, its parameter)."""
        if not isinstance(node, cst.Call) or not node.args or dotted(node.args[0].value) != var or self.inlined > 2:
            return None
        text = dotted(node.func) or ""
        fn, skip = self.fa.functions.get(text), 0
        if fn is None and text.startswith("self.") and self.cls is not None:
            found = self.fa.method(self.cls, text[5:])
            fn, skip = (found[1], 1) if found else (None, 0)
        if fn is None:
            return None
        params = _positional_params(fn)[skip:]
        return (fn, params[0].name.value) if params else None

    def if_chain(self, stmt: cst.If, var: str, names: set) -> Iterator:
        current: Optional[cst.CSTNode] = stmt
        while isinstance(current, cst.If):
            types = self.isinstance_types(current.test, var, names)
            if types is not None:
                call = self.weight_init_in(current.body, var)
                extra = self.other_condition(current.test, var, names)
                if call is not None and extra is not None:
                    # `isinstance(m, nn.Conv2d) and "stem" in name`: some layers of those types only
                    call.undecided = call.undecided or f"under `{short_code(extra, 40)}` besides the layer's type"
                if call is not None:
                    yield types, call
            else:
                # a nested if (e.g. `if m.bias is not None`) inside: look deeper for isinstance
                yield from self.branches(current.body, var, names)
            current = current.orelse

    def other_condition(self, test: cst.BaseExpression, var: str, names: set) -> Optional[cst.BaseExpression]:
        """A part of an `and` test besides the layer's type (`"stem" in name`), which decides for some
        layers of that type only; None where every part tests the type or that the weight exists."""
        if not (isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And)):
            return None
        for side in (test.left, test.right):
            if isinstance(side, cst.BooleanOperation) and isinstance(side.operator, cst.And):
                inner = self.other_condition(side, var, names)
                if inner is not None:
                    return inner
            elif self.isinstance_types(side, var, names) is None and short_code(side, 80).replace(" ", "") not in (
                    f"{var}.weightisnotNone", f"{var}.weight.requires_grad"):  # fmt: skip
                return side
        return None

    def isinstance_types(self, test: cst.BaseExpression, var: str, names: set = frozenset()) -> Optional[frozenset]:
        if isinstance(test, cst.BooleanOperation):
            left = self.isinstance_types(test.left, var, names)
            right = self.isinstance_types(test.right, var, names)
            if isinstance(test.operator, cst.Or):
                return left | right if left is not None and right is not None else None
            return left or right
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2:
            if dotted(test.args[0].value) != var:
                return None
            kinds = test.args[1].value
            nodes = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
            return frozenset(self.type_name(node) for node in nodes)
        if isinstance(test, cst.Call) and dotted(test.func) == "hasattr" and len(test.args) == 2:
            if dotted(test.args[0].value) == var and literal_string(test.args[1].value) == "weight":
                return frozenset({"Module"})
            return None
        # classname.find("Conv") != -1 / classname.startswith("Conv")
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "startswith":
            if _is_class_name(test.func.value, var, names) and test.args:
                prefix = literal_string(test.args[0].value)
                return frozenset({f"^{prefix}"}) if prefix else None
            return None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.Is) \
                and dotted(test.left) == var:  # fmt: skip
            # `if m is self.fc1:` / `if m is getattr(self, "fc1", None):` (initlint's own fix in a
            # routine): that one layer of the class
            other = test.comparisons[0].comparator
            if (dotted(other) or "").startswith("self."):
                return frozenset({"@" + dotted(other)[len("self.") :]})
            if isinstance(other, cst.Call) and dotted(other.func) == "getattr" and len(other.args) >= 2 \
                    and dotted(other.args[0].value) == "self" and literal_string(other.args[1].value):  # fmt: skip
                return frozenset({"@" + literal_string(other.args[1].value)})
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comp = test.comparisons[0]
            left, right, op = test.left, comp.comparator, comp.operator
            if isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "find":
                if _is_class_name(left.func.value, var, names) and left.args:
                    needle = literal_string(left.args[0].value)
                    bound = literal_number(right)
                    found = (isinstance(op, cst.NotEqual) and bound == -1) or (
                        isinstance(op, cst.GreaterThan) and bound == -1) or (
                        isinstance(op, cst.GreaterThanEqual) and bound == 0)  # fmt: skip
                    return frozenset({f"~{needle}"}) if needle and found else None
                return None
            if isinstance(op, cst.In) and _is_class_name(right, var, names):
                needle = literal_string(left)
                return frozenset({f"~{needle}"}) if needle else None
            if isinstance(op, (cst.Equal, cst.Is)) and _is_class_name(left, var, names):
                exact = literal_string(right)
                return frozenset({exact}) if exact else None
            if isinstance(left, cst.Call) and dotted(left.func) == "type" and left.args:
                if dotted(left.args[0].value) != var:
                    return None
                if isinstance(op, (cst.Equal, cst.Is)):
                    return frozenset({self.type_name(right)})
                if isinstance(op, cst.In) and isinstance(right, (cst.Tuple, cst.List)):
                    return frozenset(self.type_name(e.value) for e in right.elements)
        return None

    def type_name(self, node: cst.CSTNode) -> str:
        """nn.Conv2d -> Conv2d; a local subclass of a layer type -> that layer type."""
        text = dotted(node) or ""
        q = self.fa.imports.qualify(node) or ""
        name = torch_nn_name(q) or text.rsplit(".", 1)[-1]
        local = self.fa.classes.get(text)
        if local is not None and local.layer_subclass:
            return f"={local.name}"  # only that subclass, which the site records as its base type
        if not q and isinstance(node, cst.Name) and local is None:
            return catalogue.UNRESOLVED_TYPE  # a variable holding a class (`isinstance(m, conv_type)`): not read here
        return name

    def weight_init_in(self, body: cst.BaseSuite, var: str) -> Optional[InitCall]:
        for node in _walk_calls(body):
            found = InitScanner.init_call_of(self.fa, node)
            if found is None:
                helper = self.helper_taking(node, var)
                if helper is not None:  # if isinstance(m, nn.Linear): init_layer(m)
                    self.inlined += 1
                    inner = self.weight_init_in(helper[0].body, helper[1])
                    self.inlined -= 1
                    if inner is not None:
                        return inner
                continue
            function, weight, info = found
            if dotted(weight) in (f"{var}.weight", f"{var}.weight.data"):
                info.line = -1
                self.fa.pending_lines.append((info, node))
                return info
        for node in _walk_nodes(body):  # `m.weight.data *= 0.1`: a write, not a call
            for weight, info in InitScanner.weight_writes(node):
                if dotted(weight) == f"{var}.weight":
                    info.line = -1
                    self.fa.pending_lines.append((info, node))
                    return info
        return None


# methods that give a tensor's values unchanged (another dtype, device or memory): no init
_SAME_VALUES = frozenset({"half", "float", "double", "bfloat16", "to", "cuda", "cpu", "contiguous", "clone", "detach",
                          "data", "type"})  # fmt: skip


def _same_values(value: cst.BaseExpression, weight: cst.Attribute) -> bool:
    """`l.weight.data = l.weight.data.half()`: the weight's own values again (convert_module_to_f16)."""
    own = dotted(weight)
    while True:
        if dotted(value) in (own, f"{own}.data"):
            return True
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in _SAME_VALUES:
            value = value.func.value
        elif isinstance(value, cst.Attribute) and value.attr.value == "data":
            value = value.value
        else:
            return False


_MODULE_WALKS = frozenset({"modules", "named_modules", "children", "named_children"})
# Builtins that take the model without touching its weights.
_NOT_INITS = frozenset({"print", "repr", "str", "id", "len", "type", "isinstance", "hasattr", "getattr", "setattr",
                        "vars", "dir", "super"})  # fmt: skip


@dataclass
class InitRule:
    """Layers an init routine reaches: by type (None: every module), below `prefix` if set."""

    types: Optional[frozenset]
    call: Optional[InitCall]
    evidence: str
    state: str  # "explicit" | "unknown"
    prefix: Optional[str] = None  # self.<prefix>.apply(fn) / self.<prefix>.modules(): that subtree only
    # the top-level statement of the class's own `__init__` it runs at: a layer that a later
    # statement builds is not there yet when it runs (None: not known, taken to reach it)
    runs_at: Optional[int] = None
    # the method holding it, which building the class does not run (a public `init_weights()`):
    # module code elsewhere that runs it on every model it builds makes it run (program/link.py)
    unrun: Optional[str] = None
    # `if name.endswith("c_proj.weight")` in a loop over named_parameters(): only the parameters so named
    name_suffix: Optional[str] = None
    # module code's init of one layer by path (`nn.init.x_(net.a.fc.weight)`): `prefix` is that layer,
    # and a layer of a block below reads as it only if its name ends that path
    one_layer: bool = False


def _loop_targets(fn: cst.FunctionDef) -> frozenset:
    """Names the `for` loops of a function bind (`for module, gain in ...`)."""
    names = set()
    for node in _walk_nodes(fn.body):
        if isinstance(node, cst.For):
            names.update(n.value for n in _walk_nodes(node.target) if isinstance(n, cst.Name))
    return frozenset(names)


def _top_level_order(fn: cst.FunctionDef) -> dict:
    """id(node) -> index of the top-level statement of `fn` that holds it."""
    order: dict = {}
    for index, stmt in enumerate(_block_list(fn.body)):
        order[id(stmt)] = index
        for node in _walk_nodes(stmt):
            order[id(node)] = index
    return order


def _entry_statements(init: cst.FunctionDef, reached: dict, order: dict) -> dict:
    """method or function name -> the first top-level statement of `__init__` that calls it
    directly (`self._init_weights()`, `initialize_weights(self)`); one reached only through
    another is not placed (its rules are taken to reach every layer, as before)."""
    self_name = init.params.params[0].name.value if init.params.params else "self"
    entry: dict = {}
    for call in _walk_calls(init.body):
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) and dotted(func.value) == self_name else (
            func.value if isinstance(func, cst.Name) else None)  # fmt: skip
        if name in reached and name != "__init__" and id(call) in order and name not in entry:
            entry[name] = order[id(call)]
    return entry


def _calls_super(fn: cst.FunctionDef, name: str) -> bool:
    """Does fn call super().<name>(...) (an init routine continued in a base class)?"""
    for call in _walk_calls(fn.body):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == name and isinstance(func.value, cst.Call):
            if dotted(func.value.func) == "super":
                return True
    return False


def _self_path(node: cst.BaseExpression, self_name: str) -> Optional[str]:
    """self.net.fc1 -> "net.fc1"; self.body[0] -> "body.0"; else None."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        base = _self_path(node.value, self_name)
        index = literal_number(node.slice[0].slice.value)
        return f"{base}.{int(index)}" if base and index is not None and index >= 0 else None
    text = dotted(node)
    if text and text.startswith(self_name + "."):
        return text[len(self_name) + 1 :]
    return None


def _class_name_vars(body: cst.CSTNode, var: str) -> Iterator[str]:
    """`classname = m.__class__.__name__` (or type(m).__name__) anywhere in an init function."""
    for node in _walk_nodes(body):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if _is_class_name(node.value, var, set()):
                yield node.targets[0].target.value


def _is_class_name(node: cst.CSTNode, var: str, names: set) -> bool:
    if isinstance(node, cst.Name) and node.value in names:
        return True
    text = dotted(node)
    if text == f"{var}.__class__.__name__":
        return True
    if isinstance(node, cst.Attribute) and node.attr.value == "__name__" and isinstance(node.value, cst.Call):
        inner = node.value
        return dotted(inner.func) == "type" and bool(inner.args) and dotted(inner.args[0].value) == var
    return False


def _apply_roles(fn: cst.FunctionDef, params: list) -> Optional[tuple]:
    """(function parameter, module parameter) when `fn` runs the one on every submodule of the
    other: `module.apply(fn)` in its body (a stub's spelling), or timm's own `named_apply`, a loop
    over `module.named_children()` that recurses into itself and calls `fn(module=...)`."""
    body = [stmt for stmt in _block_list(fn.body) if isinstance(stmt, cst.SimpleStatementLine)]
    for small in (small for stmt in body for small in stmt.body):
        inner = small.value if isinstance(small, cst.Expr) else None
        if isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute) and inner.func.attr.value == "apply" \
                and len(inner.args) == 1 and dotted(inner.func.value) in params and dotted(inner.args[0].value) in params:  # fmt: skip
            return dotted(inner.args[0].value), dotted(inner.func.value)
    loops = [stmt for stmt in _block_list(fn.body) if isinstance(stmt, cst.For) and isinstance(stmt.iter, cst.Call)
             and isinstance(stmt.iter.func, cst.Attribute) and stmt.iter.func.attr.value in ("children", "named_children")
             and dotted(stmt.iter.func.value) in params]  # fmt: skip
    called = {dotted(call.func) for call in _walk_calls(fn.body)}
    for loop in loops:
        module = dotted(loop.iter.func.value)
        recurses = any(dotted(call.func) == fn.name.value for call in _walk_calls(loop.body))
        applied = [name for name in params if name != module and name in called]
        if recurses and len(applied) == 1:
            return applied[0], module
    return None


# torch functions after which a layer's `weight` is computed from the drawn one (weight_norm is not
# among them: its g starts as the norm of v, so the weight starts as drawn)
_REPARAMETRISING = frozenset({
    "torch.nn.utils.parametrize.register_parametrization", "torch.nn.utils.parametrizations.spectral_norm",
    "torch.nn.utils.parametrizations.orthogonal", "torch.nn.utils.spectral_norm",
    "torch.nn.utils.spectral_norm.spectral_norm"})  # fmt: skip

UNDECIDED_PARAMETER = object()  # a parameter loop's init under a test this analysis does not decide


@dataclass(frozen=True)
class NameSuffixed:
    """A parameter loop's init of the parameters whose full name ends with `suffix` only."""

    call: InitCall
    suffix: str


def _literal_loop_items(fn: cst.FunctionDef, inner: cst.For, name: Optional[str], self_name: str) -> Optional[list]:
    """`self.tower`, `self.logits` for `name` the target of a loop around `inner` over a list written out of
    the model's own attributes (`for modules in [self.tower, self.logits]:`), bound nowhere else in that loop."""
    if not name or "." in name:
        return None
    for node in _walk_nodes(fn.body):
        if not (isinstance(node, cst.For) and isinstance(node.target, cst.Name) and node.target.value == name
                and isinstance(node.iter, (cst.List, cst.Tuple)) and node.iter.elements):  # fmt: skip
            continue
        if not any(found is inner for found in _walk_nodes(node.body)):
            continue
        items = [dotted(element.value) if isinstance(element, cst.Element) else None for element in node.iter.elements]
        if all(item and item.startswith(self_name + ".") for item in items) and name not in bound_names(node.body):
            return items
    return None


def _name_suffix_test(test: cst.BaseExpression, name: Optional[str]) -> Optional[str]:
    """`name.endswith("c_proj.weight")` on the loop's parameter name: the suffix; else None."""
    if name is None or not isinstance(test, cst.Call) or len(test.args) != 1 or test.args[0].keyword is not None:
        return None
    if not isinstance(test.func, cst.Attribute) or test.func.attr.value != "endswith" or dotted(test.func.value) != name:
        return None
    suffix = literal_string(test.args[0].value)
    return suffix if suffix else None



def _iterates_parameters(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not node.args \
        and node.func.attr.value in ("parameters", "named_parameters")  # fmt: skip


def _parameter_loop_names(target: cst.BaseExpression) -> tuple[Optional[str], Optional[str]]:
    """`for p in ...parameters()` -> (p, None); `for n, p in ...named_parameters()` -> (p, n)."""
    if isinstance(target, cst.Name):
        return target.value, None
    if isinstance(target, cst.Tuple) and len(target.elements) == 2 \
            and all(isinstance(e.value, cst.Name) for e in target.elements):  # fmt: skip
        return target.elements[1].value.value, target.elements[0].value.value
    return None, None


def _weights_only(test: cst.BaseExpression, var: str, name: Optional[str]) -> bool:
    """A test every Conv/Linear weight passes (`p.dim() > 1`, `"weight" in n`): the weights are drawn."""
    code = cst.Module([]).code_for_node(test).replace("'", '"')
    shapes = {f"{var}.dim() > 1", f"{var}.dim() >= 2", f"{var}.ndim > 1", f"{var}.ndim >= 2",
              f"len({var}.shape) > 1", f"len({var}.shape) >= 2", f"len({var}.size()) > 1"}  # fmt: skip
    names = {f'"weight" in {name}', f'{name}.endswith("weight")', f'{name}.endswith(".weight")'} if name else set()
    return code in shapes or code in names


def _else_blocks(stmt: cst.If) -> list:
    out, current = [], stmt.orelse
    while current is not None:
        out.append(current.body)
        current = current.orelse if isinstance(current, cst.If) else None
    return out


def _iterates_modules(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call):
        text = dotted(node.func) or ""
        return text.endswith((".modules", ".named_modules", ".children", ".named_children"))
    return False
