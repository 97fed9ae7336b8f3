"""The interpreter of one function body (an __init__, a forward, a helper) over the abstract
values: statements, branches, loops and assignments here; what constructors build, what forward
does to tensors, calls into readable code and library idioms in the classes `Context` is
composed of."""

from __future__ import annotations

import dataclasses
import typing
from typing import Optional, Union

import libcst as cst

from .. import catalogue
from ..library.known import KnownLibraries
from ..syntax.nodes import (_JUMPS, none_test, none_tested_name, _attribute_name, _jumps, _names_in, _not_an_attribute, _positional_params, _walk_nodes, dotted,
                            literal_number, literal_string, short_code)
from .inits import UNDECIDED_PARAMETER, InitScanner, NameSuffixed, _iterates_modules, _iterates_parameters, _parameter_loop_names
from .interpret_calls import CallInterpreter
from .interpret_forward import ForwardInterpreter
from .interpret_init import ConstructorInterpreter, registry_items
from .values import (ActivationOutput, ActV, ChainV, ClassRefV, ConstructorDefault, ConsumerV, Evidence, Flow, FunctionRefV, InputSite, InstV, LayerV, TransparentV, MODULE_CODE, NONE_V,
                     NotLast, ONE_LINE_COMPOUND, OPAQUE, ObjectV, ParamV, REQUIRED, RecordV, Site, TupleV, UnknownV, _single_looped_site,
                     _surely_tensor, alternative, classes_of, classes_resting_on, derived, with_facts, instances_of, instances_resting_on, list_element, merge_envs, registered_modules, set_item, sites_in, unpacked_items)

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from .file import ClassInfo, FileAnalysis


_ORDERING = {cst.GreaterThan: lambda a, b: a > b, cst.GreaterThanEqual: lambda a, b: a >= b,
             cst.LessThan: lambda a, b: a < b, cst.LessThanEqual: lambda a, b: a <= b}  # fmt: skip


class Context(ConstructorInterpreter, ForwardInterpreter, CallInterpreter, KnownLibraries):
    """Interprets one function (an __init__, a forward, a helper) over the abstract values."""

    # in a flag run (`FileAnalysis.flag_run`): a branch surely taken ended in `return`/`raise`, so
    # nothing after it in the function runs (`if not aa_layer: return None` in a factory)
    surely_returned = False
    applying_attr = None  # (attribute, value) of `self.attr(x)` being applied in a forward

    def __init__(self, fa: FileAnalysis, cls: Optional[ClassInfo], fn: cst.FunctionDef, depth: int,
                 report_node: Optional[cst.CSTNode] = None, report_anchor=None,
                 home: Optional[FileAnalysis] = None):  # fmt: skip
        self.fa = fa  # the module whose code this is: its names, functions, classes
        self.home = home or fa  # the file being analysed: its layers are reported there
        self.cls = cls
        self.fn = fn
        self.depth = depth
        self.env: dict[str, object] = {}
        self.attrs: dict[str, object] = {} if cls is None else cls.attrs
        self.report_node = report_node  # when inlined: where its layers are reported
        self.returns: list = []
        self.self_name = "self"
        self.current_stmt: Optional[cst.CSTNode] = None
        self.in_init = fn.name.value == "__init__"
        self.block_is_suite = False
        self.nesting = 0  # loops and undecided branches around the current statement (constructor code)
        self.conditional = 0  # undecided branches around the current statement
        self.tries = 0  # `try` statements around it
        self.undecided_values = 0  # conditional expressions left open so far (`A if c else None`)
        self.value_mark = 0  # undecided_values when the current statement's value began
        self.branches: tuple = ()  # which ones, outermost first: (id(if), "body" | "else")
        # ConstructorDefaults whose values skip the branch being run (`if mode == "default": ... else:`)
        self.against_defaults: tuple = ()
        self.skipped_by: tuple = ()  # a branch a default skips is being run for its layers only (`Site.skipped_by`)
        self.default_decided = False  # running a constructor branch a default (a parameter's, a config's) decided
        self.built_if: tuple = ()  # the constructor defaults that decided it (ConstructorDefault), where known
        # in forward: the ConstructorDefaults that decided the branches around here (`constructor_literal`),
        # which what follows a layer here rests on; and those read by the test being decided
        self.deciding: tuple = ()
        self.forward_default_reads: list = []
        self.comparing_branch_test = False  # an `if` test's `self.mode == "x"` is being read
        self.early_exits: list = []  # the attributes at each `return` of a constructor
        # (default reads, attributes then) of each `if flag: return` a constructor default decided against
        self.exit_guards: list = []
        self.object_reads = 0  # config defaults read so far (a branch decided by one still builds its classes)
        self.object_facts: list = []  # ConstructorDefault(object_field=True) of those reads, where the class is the program's
        self.default_reads: list = []  # (class, parameter, default) of constructor defaults a condition read
        self.chosen_by_defaults: list = []  # the reads that chose the value being bound (`A if gate else None`)
        self.last_object_source: Optional[str] = None  # what the last default read was, for the evidence
        self.loops: list = []  # (index name, the loop's length as written) of each `for` around, innermost last
        self.loop_sources: dict = {}  # id(call) -> the element of what a module function a loop runs over returned
        # parameters of an inlined function the call passed a literal for (`get_activation("silu")`):
        # a test of one against a literal (`if name == "silu":`) is decided by what this call passes
        self.passed_literals: frozenset = frozenset()

    # -- set-up ---------------------------------------------------------------------------

    def bind_params(self, fn: cst.FunctionDef, self_bound: bool, input_site: Optional[InputSite] = None,
                    args: Optional[dict] = None, extra_inputs: Optional[dict] = None) -> None:  # fmt: skip
        params = _positional_params(fn)
        if self_bound and params:
            self.self_name = params[0].name.value
            params = params[1:]
        all_params = params + list(fn.params.kwonly_params)
        for i, p in enumerate(all_params):
            name = p.name.value
            if args is not None and name in args:
                self.env[name] = args[name]
            elif input_site is not None and i == 0 and p in params:
                self.env[name] = Flow(frozenset({input_site}))
            elif extra_inputs and name in extra_inputs:
                self.env[name] = Flow(frozenset({extra_inputs[name]}))
            elif input_site is not None:
                self.env[name] = OPAQUE
            else:
                default = self.eval_module(p.default, bind_site=False) if p.default is not None else None
                if default is None:  # `config: BertConfig`: that class's defaults
                    default = self.fa.annotated_object(p.annotation)
                self.env[name] = self.param_value(name, default)
                held = self.env[name]
                written = self.plain_activation_instance(p.default)
                if isinstance(held, ParamV) and isinstance(held.default, ActV) and held.owner is not None and written:
                    # `act=nn.ReLU()` in the signature: that instance, resting on the parameter
                    self.env[name] = self.resting_on(held.default, (self.default_fact(held.owner, name, written),))
        for star in (fn.params.star_arg, fn.params.star_kwarg):
            if isinstance(star, cst.Param):
                held = args.get(star.name.value) if args is not None and star is fn.params.star_kwarg else None
                self.env[star.name.value] = held if held is not None else UnknownV(f"*{star.name.value}")

    def param_value(self, name: str, default: object) -> object:
        """A parameter of a constructor or top-level helper: its default, unless calls here pass others."""
        owner = None
        if self.depth == 0 and self.cls is not None and self.in_init:
            owner = self.cls.name
        elif self.depth == 0 and self.cls is None:
            owner = self.fn.name.value
        if owner is not None and self.cls is not None and self.fa.loader is not None and self.fa.handed(owner):
            # handed to code that builds it (build_model_with_cfg(Net, **kwargs)): its arguments are not
            # seen, but a parameter annotated with a config class gets one of those, read at its defaults
            if isinstance(default, ObjectV):
                return ParamV(name, default, owner)
            return ParamV(name, UnknownV(f"parameter {name}: {owner} is built by code it is handed to"), owner)
        passed = self.fa.param_candidates(owner, name) if owner else []
        if passed is None:
            return ParamV(name, UnknownV(f"parameter {name} (callers pass values not known here)",
                                         self.open_param(owner, name, default)))
        if not passed:
            return ParamV(name, default if default is not None else UnknownV(f"parameter {name}"), owner)
        values = list(passed)
        if default is not None:  # built from other files too, where the default applies
            values.append(default)
        if all(isinstance(v, tuple) and v and v[0] == "<literal>" for v in values) \
                and len({short_code(v[1]) for v in values}) == 1:  # fmt: skip
            # every call passes the same literal (`activation=config.hidden_act`, "relu" by default)
            literal = next((v for v in values if len(v) == 3), values[0])
            # `ConvAct(c, act=act)` in Unit, Unit's default "prelu": what other modules pass Unit decides it
            carried = self.fa.carried_params(owner, name) if self.cls is not None and len(literal) == 2 else []
            if carried is None:
                return ParamV(name, UnknownV(f"parameter {name} (passed on from parameters of constructors here)"), owner)
            return ParamV(name, literal, owner, carried=tuple(carried)) if carried else literal
        seen: set = set()  # one class passed by a hundred entry points is one value, not a hundred
        values = [v for v in values if not isinstance(v, ClassRefV) or v.bound
                  or (v.qualname not in seen and not seen.add(v.qualname))]  # fmt: skip
        value = values[0]
        for other in values[1:]:
            if not (isinstance(other, ClassRefV) and isinstance(value, ClassRefV) and other.qualname == value.qualname):
                value = alternative(value, other)
        if isinstance(value, ClassRefV) or value == NONE_V:
            # `ConvAct(c, act_layer=act_layer)` in Unit: the class rests on Unit's parameter too, which
            # other modules' constructions of Unit may set
            carried = self.fa.carried_params(owner, name) if self.cls is not None else []
            if carried is None:
                return ParamV(name, UnknownV(f"parameter {name} (passed on from parameters of constructors here)"), owner)
            return ParamV(name, value, owner, or_none=value != NONE_V and NONE_V in values, carried=tuple(carried))
        if NONE_V in values and isinstance(value, tuple):  # `alternative` drops the None a call passes
            return ParamV(name, value, owner, or_none=True)
        return value

    # -- statements -----------------------------------------------------------------------

    def run_init(self) -> None:
        self.run_block(self.fn.body)
        for reads, before in self.exit_guards:  # bound after an early exit a default decided against
            facts = tuple(self.default_fact(*read) for read in reads)
            for name, value in self.attrs.items():
                if value is before.get(name):
                    continue
                if instances_of(value):
                    self.attrs[name] = instances_resting_on(value, facts)
                elif isinstance(value, (ActV, ChainV)):
                    self.attrs[name] = self.resting_on(value, facts)
        # An early `return` leaves the modules bound at that point: each is one of the values
        # the attribute may hold (`self.fc = A; if small: return; self.fc = B`).
        for early in self.early_exits:
            for name, value in early.items():
                current = self.attrs.get(name)
                if current is not value:
                    self.attrs[name] = value if current is None else alternative(current, value)

    def run_forward(self) -> frozenset:
        self.run_block(self.fn.body)
        exits: set = set()
        returned = [self.as_flow(value).sites for value in self.returns]
        for sites in returned:
            exits |= sites
        # `if x.mean() > 0: return torch.relu(h)` then `return h`: the layer is returned raw on one path
        # and activated on another, so its activation here is not what always follows it
        for index, sites in enumerate(returned):
            for other in returned[:index] + returned[index + 1:]:
                for output in other:
                    if isinstance(output, ActivationOutput):
                        for site in output.sites & sites:
                            if site not in other:
                                site.raw_on_other_path = True
        return frozenset(exits)

    def run_free_function(self) -> None:
        self.run_block(self.fn.body)

    def run_block(self, block: cst.BaseSuite) -> None:
        if isinstance(block, cst.SimpleStatementSuite):
            outer = self.block_is_suite
            self.block_is_suite = True
            for small in block.body:
                self.run_small(small, block)
                if isinstance(small, _JUMPS):
                    break
            self.block_is_suite = outer
            return
        returns, outer = len(self.returns), None
        for stmt in block.body:
            self.run_stmt(stmt)
            if _jumps(stmt) or self.surely_returned:
                break  # what follows never runs: no layer, init or use there counts
            if outer is None and len(self.returns) > returns:
                # `if skip: return` returned on some paths: the rest runs only on the others, as
                # if under a branch (an init there does not surely reach a layer built before)
                outer = self.branches
                self.conditional += 1
                self.branches = outer + ((id(stmt), "after"),)
        if outer is not None:
            self.conditional -= 1
            self.branches = outer

    def run_stmt(self, stmt: cst.CSTNode) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.run_small(small, stmt)
                if isinstance(small, _JUMPS):
                    break
        elif isinstance(stmt, cst.If):
            self.run_if(stmt)
        elif isinstance(stmt, (cst.For, cst.While)):
            self.run_loop(stmt)
            self.surely_returned = False  # a loop's body may not run
        elif isinstance(stmt, cst.With):
            self.run_block(stmt.body)
        elif isinstance(stmt, cst.Try):
            self.tries += 1  # a handler may run after part of the body: what either binds is not settled
            self.run_block(stmt.body)
            if stmt.handlers:
                self.run_handlers(stmt.handlers)
            if stmt.orelse:
                self.run_block(stmt.orelse.body)
            if stmt.finalbody:
                self.run_block(stmt.finalbody.body)
            self.tries -= 1
            self.surely_returned = False
        elif isinstance(stmt, cst.FunctionDef):
            # a nested helper (`def block(in_feat, out_feat): ... return layers`): inlined where it is
            # called; a decorator may make it anything
            name = stmt.name.value
            # (`@functools.wraps(fn)` copies names and docs only: the function is its own code)
            decorated = [d for d in stmt.decorators if not (isinstance(d.decorator, cst.Call)
                         and self.fa.imports.qualify(d.decorator.func) == "functools.wraps")]  # fmt: skip
            self.env[name] = UnknownV(f"{name} (decorated)") if decorated else FunctionRefV(name, stmt, self.env, self.fa)
        elif isinstance(stmt, cst.ClassDef):
            return

    def run_handlers(self, handlers: typing.Sequence[cst.ExceptHandler]) -> None:
        """`except` bodies run instead of the rest of the `try` body, not after all of it: what a
        handler binds is one alternative, what the body bound the other."""
        after_body, attrs_after_body = dict(self.env), dict(self.attrs)
        outcomes = []
        self.nesting += 1
        self.conditional += 1
        for handler in handlers:
            self.env = dict(after_body)
            self.attrs.clear()  # in place: inlined helpers and the class share this dict
            self.attrs.update(attrs_after_body)
            self.run_block(handler.body)
            outcomes.append((self.env, dict(self.attrs)))
        self.nesting -= 1
        self.conditional -= 1
        self.env = dict(after_body)
        self.attrs.clear()
        self.attrs.update(attrs_after_body)
        self.note_registered_maybe(attrs_after_body, attrs_after_body, *(attrs for _, attrs in outcomes))
        for env, attrs in outcomes:
            self.env = merge_envs(self.env, env)
            for name, value in attrs.items():
                kept = self.attrs.get(name)
                if kept is not value:
                    self.attrs[name] = value if kept is None else alternative(kept, value)

    def note_default_choice(self, target: cst.BaseExpression, reads: list) -> None:
        """`self.gate = ... if gate else ...` decided by a constructor default: the attribute rests on it."""
        if reads and self.in_init and self.cls is not None and isinstance(target, cst.Attribute) \
                and dotted(target.value) == self.self_name:  # fmt: skip
            self.cls.default_chosen[target.attr.value] = tuple(self.default_fact(*read) for read in reads)

    def run_if(self, stmt: cst.If) -> None:
        if not self.in_init and self.cls is not None and self.cls.default_chosen:
            # `if self.gate is not None:` in forward, the attribute chosen by a default: so is the path taken
            for node in _attributes_of(stmt.test, self.self_name):
                for fact in self.cls.default_chosen.get(node, ()):
                    if fact not in self.cls.forward_rests_on:
                        self.cls.forward_rests_on.append(fact)
        reads, defaults, forward_facts = self.object_reads, len(self.default_reads), len(self.forward_default_reads)
        objects = len(self.object_facts)
        self.comparing_branch_test = True
        try:
            taken = self.static_condition(stmt.test)
        finally:
            self.comparing_branch_test = False
        if taken is not None and isinstance(stmt.test, cst.Comparison) and self.mode_by_default(stmt.test) \
                and _binds_references(stmt):  # fmt: skip
            # `make_conv_cls = nn.Conv2d` under `if btype == "2d":`: the layer's class would rest on the default
            # with nothing to say so (no autofix may assume `.weight`): both ways run, as before
            del self.default_reads[defaults:]
            taken = None
        if taken is not None and len(self.forward_default_reads) > forward_facts:
            facts = tuple(self.forward_default_reads[forward_facts:])
            # a flag (`if self.memory_efficient:`) often picks two spellings of one computation: where a
            # branch reads the module's input (or another module's layer), whose outcome no fact of this
            # class reaches, both run as for a test not decided; a mode string decides even there (what
            # those flows meet in it is then unknown: `note_deciding`)
            if any(fact.default not in ("True", "False") for fact in facts) or not self.branch_reads_foreign_flows(stmt):
                self.run_decided_by_default(stmt, taken, facts)
                return
            del self.forward_default_reads[forward_facts:]
            taken = None
        if taken is not None and self.object_reads != reads:
            # decided by a config default: another config takes the other branch, so what it
            # builds is still part of the program (contained, initialised), though not bound here
            self.run_discarded(stmt.orelse if taken else stmt.body)
            env, attrs = dict(self.env), dict(self.attrs)
            self.run_taken_by_default(stmt, taken)
            chooser = f"`{short_code(stmt.test)}`"
            for bound, before in ((self.env, env), (self.attrs, attrs)):
                for name, value in bound.items():
                    if value is not before.get(name) and isinstance(value, ActV) and not value.chosen_by:
                        bound[name] = self.chosen(value, chooser, tuple(self.object_facts[objects:]))
            return
        if taken is not None and len(self.default_reads) > defaults:
            # decided by a constructor parameter's default (`if use_activation:`): an activation it
            # picks rests on that default, which callers in other modules may not pass
            skipped = stmt.orelse if taken else stmt.body
            if self.in_init and self.depth == 0 and _ends_in_exit(skipped.body if isinstance(skipped, cst.Else) else skipped):
                # `if conv_only: return` not taken: what the rest of the constructor binds rests on it too
                self.exit_guards.append((tuple(self.default_reads[defaults:]), dict(self.attrs)))
            read = tuple(self.default_fact(*fact) for fact in self.default_reads[defaults:])
            if self.in_init and self.cls is not None and self.fa is self.home and _builds_only(skipped, self.self_name):
                # what the branch a default skips builds is still the class's, built where callers pass
                # another value: listed, bound to nothing here, judged at none of the defaults
                against, self.against_defaults, skipped_by = self.against_defaults, self.against_defaults + read, self.skipped_by
                self.skipped_by = skipped_by + read
                try:
                    self.run_discarded(skipped)
                finally:
                    self.against_defaults, self.skipped_by = against, skipped_by
            self.list_skipped_builds(skipped)
            env, attrs = dict(self.env), dict(self.attrs)
            # a None test (`if temb_channels is not None:`) is what a construction passing None flips
            tested = none_tested_name(stmt.test, True) or none_tested_name(stmt.test, False)
            self.run_taken_by_default(stmt, taken, tuple(fact for fact in read if fact.param == tested))
            facts = tuple(self.default_fact(*read) for read in self.default_reads[defaults:])
            for bound, before in ((self.env, env), (self.attrs, attrs)):
                for name, value in bound.items():
                    if value is not before.get(name) and instances_of(value):
                        bound[name] = instances_resting_on(value, facts)
                    elif value is not before.get(name) and classes_of(value):
                        # `if act_layer is None: act_layer = nn.ReLU`, `if use_relu: act = nn.ReLU`
                        bound[name] = self.class_chosen(value, before.get(name) if bound is self.env else None,
                                                        none_tested_name(stmt.test, taken) == name, facts)  # fmt: skip
                    elif value is not before.get(name) and isinstance(value, ActV) and bound is self.env \
                            and none_tested_name(stmt.test, taken) == name and isinstance(before.get(name), ParamV):  # fmt: skip
                        # `if act is None: act = nn.ReLU()`: a construction passing `nn.Tanh()` replaces it
                        bound[name] = self.instance_fallback(value, before[name], _bound_call(stmt.body if taken else stmt.orelse, name))
                    elif value is not before.get(name) and isinstance(value, (ActV, ChainV)):
                        bound[name] = self.assuming_defaults(value, self.default_reads[defaults:])
            return
        if taken is not None:
            self.run_taken(stmt, taken)
            return
        before = dict(self.env)
        attrs_before = dict(self.attrs)
        returned = self.surely_returned  # neither branch surely runs
        marks = self.chain_marks()
        self.nesting += 1
        self.conditional += 1
        outer = self.branches
        skipping, against = self.default_skipping(stmt.test), self.against_defaults
        self.branches = outer + ((id(stmt), "body"),)
        self.against_defaults = against + (skipping[1],) if skipping and not skipping[0] else against
        self.run_block(stmt.body)
        body_added = self.take_added(marks)
        after_body = self.env
        attrs_after_body = dict(self.attrs)
        self.env = dict(before)
        # in place: inlined helpers and the class share this dict
        self.attrs.clear()
        self.attrs.update(attrs_before)
        self.branches = outer + ((id(stmt), "else"),)
        self.against_defaults = against + (skipping[1],) if skipping and skipping[0] else against
        if isinstance(stmt.orelse, cst.If):
            self.run_if(stmt.orelse)
        elif stmt.orelse is not None:
            self.run_block(stmt.orelse.body)
        self.branches = outer
        self.against_defaults = against
        self.nesting -= 1
        self.conditional -= 1
        else_added = self.take_added(marks)
        not_last = self.not_last(stmt.test)
        for chain, _ in marks:
            added, other = body_added.get(id(chain), []), else_added.get(id(chain), [])
            if added or other:
                chain.items.append(("<alt>", NotLast([added, other]) if not_last else [added, other]))
        self.env = merge_envs(after_body, self.env)
        self.surely_returned = returned
        self.note_registered_maybe(attrs_before, attrs_after_body, self.attrs)
        # `if act: self.act = ACT2FN[name] else: self.act = None`: either branch's module
        for name, value in attrs_after_body.items():
            other = self.attrs.get(name)
            if other is not value:
                self.attrs[name] = value if other is None else alternative(value, other)

    def class_chosen(self, value: object, before: object, none_tested: bool, facts: tuple) -> object:
        """A class a constructor default chose. Where the branch gave a parameter found None its own
        default (`if act_layer is None: act_layer = nn.ReLU`), still that parameter, as `act_layer or
        nn.ReLU` is: a construction passing a class replaces it. Otherwise the class rests on those
        defaults, and so does what it builds: a caller passing `use_relu=False` gets another."""
        if none_tested and isinstance(value, ClassRefV) and isinstance(before, ParamV) and before.default in (NONE_V, None):
            return ParamV(before.name, value, before.owner, carried=before.carried)
        return classes_resting_on(value, facts)

    def run_taken_by_default(self, stmt: cst.If, taken: bool, facts: tuple = ()) -> None:
        """The branch a default decided (`if temb_channels is not None:`): a layer built in it may not
        be built by a construction passing another value (`Site.conditional_build`; `facts`, the
        constructor defaults that decided it, `Site.built_if`)."""
        outer, self.default_decided = self.default_decided, self.default_decided or self.in_init
        built_if = self.built_if
        self.built_if = tuple(dict.fromkeys((*built_if, *facts))) if self.in_init else built_if
        try:
            self.run_taken(stmt, taken)
        finally:
            self.default_decided, self.built_if = outer, built_if

    def run_decided_by_default(self, stmt: cst.If, taken: bool, facts: tuple) -> None:
        """A forward branch its class's constructor default decided (`if self.time_embedding_norm ==
        "default":`): only the branch taken runs, and what follows each layer whose output goes
        through it (met in it, or carried out of it) rests on `facts`. A branch that binds anything
        but tensors (a module to apply later) leaves the rest of the function resting on them."""
        before, returns, outer = dict(self.env), len(self.returns), self.deciding
        self.deciding = tuple(dict.fromkeys(outer + facts))
        self.run_taken(stmt, taken)
        changed = [value for name, value in self.env.items() if value is not before.get(name)] + self.returns[returns:]
        for value in changed:
            self.note_deciding(self.as_flow(value).sites)
        if all(isinstance(value, (Flow, TupleV, RecordV)) for value in changed):
            self.deciding = outer

    def branch_reads_foreign_flows(self, stmt: cst.If) -> bool:
        """Whether a branch of `stmt` reads a tensor that carries the module's input, a caller's or another
        module's layer (anything but this module's own layers)."""
        names = {node.value for part in (stmt.body, stmt.orelse) if part is not None
                 for node in _walk_nodes(part) if isinstance(node, cst.Name)}  # fmt: skip
        for name in names:
            value = self.env.get(name)
            if not isinstance(value, (Flow, TupleV, RecordV)):
                continue
            if any(not (type(site) is Site and site.module_path == self.home.path) and not isinstance(site, ActivationOutput)
                   for site in self.as_flow(value).sites):  # fmt: skip
                return True
        return False

    def note_deciding(self, sites: typing.Iterable) -> None:
        """Tag this module's layers in `sites` with the defaults deciding here (`Site.branch_defaults`).
        What follows the module's input, or another module's layer, is unknown: no fact of this class
        travels with them (whether the model returns an activation's output stays as followed)."""
        foreign = []
        for site in sites:
            if type(site) is Site and site.module_path == self.home.path:
                site.branch_defaults = tuple(dict.fromkeys(site.branch_defaults + self.deciding))
            elif not isinstance(site, ActivationOutput):
                foreign.append(site)
        if foreign:
            shown = ", ".join(dict.fromkeys(f"{fact.param}={fact.default}" for fact in self.deciding))
            deciding, self.deciding = self.deciding, ()
            self.consume(Flow(frozenset(foreign)), "unknown", None, f"goes through a forward branch decided by {shown}, a default")
            self.deciding = deciding

    def own_literal_param(self, value: object) -> bool:
        """Whether a value is a parameter of this class's own constructor with a literal default."""
        cls = self.cls
        return isinstance(value, ParamV) and not value.or_none and cls is not None \
            and value.owner in (cls.name, cls.node.name.value) and isinstance(value.default, tuple) \
            and len(value.default) == 2 and value.default[0] == "<literal>"  # fmt: skip

    def mode_by_default(self, test: cst.Comparison) -> bool:
        """`if act_fn == "gelu_tanh":` in a constructor, on a parameter of its own with a string default:
        decided by that default, the read noted (`held_value`), so what it chooses rests on it and a
        construction passing another string is judged with it or left unknown."""
        value = self.env.get(test.left.value) if isinstance(test.left, cst.Name) else None
        return self.in_init and self.depth == 0 and self.own_literal_param(value) \
            and literal_string(value.default[1]) is not None and literal_string(test.comparisons[0].comparator) is not None \
            and isinstance(test.comparisons[0].operator, (cst.Equal, cst.NotEqual))  # fmt: skip

    def default_skipping(self, test: cst.BaseExpression) -> Optional[tuple]:
        """For an undecided constructor test `mode == "x"` (or `self.mode != "x"`) on a parameter
        of this class with a literal default: (whether that default takes the body, the fact). A
        layer built only where callers pass another value says nothing of what follows it at the
        default, which its forward's branches on the same attribute are judged with."""
        cls = self.cls
        if not self.in_init or cls is None or not isinstance(test, cst.Comparison) or len(test.comparisons) != 1 \
                or not isinstance(test.comparisons[0].operator, (cst.Equal, cst.NotEqual)):  # fmt: skip
            return None
        left, comp = test.left, test.comparisons[0]
        if isinstance(left, cst.Name):
            value = self.env.get(left.value)
        elif isinstance(left, cst.Attribute) and dotted(left.value) == self.self_name:
            value = self.attrs.get(left.attr.value)
        else:
            return None
        if not self.own_literal_param(value):
            return None
        default, other = self.literal_key(value.default[1]), self.literal_key(comp.comparator)
        if default is None or other is None:
            return None
        taken = (default == other) == isinstance(comp.operator, cst.Equal)
        return taken, self.default_fact(value.owner, value.name, value.default)

    def note_registered_maybe(self, before: dict, *sides: dict) -> None:
        """In a container class's constructor (`class ADN(nn.Sequential)`), a module bound on some
        of the ways through (`if act: self.add_module("A", act)`) may not be registered: what
        runs in its forward is not surely it (`registered_modules`)."""
        if self.cls is None or not self.in_init or not self.fa.container_kind(self.cls):
            return
        for name in set().union(*sides) - set(before):
            if any(name not in side or side[name] == NONE_V for side in sides):
                self.cls.registered_maybe.add(name)

    def not_last(self, test: cst.BaseExpression) -> bool:
        """`i != len(blocks) - 1`, `i < n - 1`, `i + 1 < len(blocks)` in `for i, b in
        enumerate(blocks)` / `for i in range(n)`: true on every iteration but the last."""
        if not self.loops or not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return False
        index, length = self.loops[-1]
        comp = test.comparisons[0]
        left, right, op = test.left, comp.comparator, comp.operator
        if isinstance(op, cst.LessThan):
            pairs = [(left, right)]
        elif isinstance(op, cst.GreaterThan):
            pairs = [(right, left)]
        elif isinstance(op, cst.NotEqual):
            pairs = [(left, right), (right, left)]
        else:
            return False

        def shifted(node: cst.BaseExpression, operator: type, base: str) -> bool:  # `base - 1`, `base + 1`
            return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, operator) \
                and literal_number(node.right) == 1 and _code(node.left) == base  # fmt: skip

        return any((_code(small) == index and shifted(big, cst.Subtract, length))
                   or (shifted(small, cst.Add, index) and _code(big) == length) for small, big in pairs)  # fmt: skip

    def assuming_defaults(self, value: object, reads: list) -> object:
        """The activation, its evidence resting on the constructor defaults `reads` (typed)."""
        return self.resting_on(value, tuple(self.default_fact(*read) for read in reads))

    def enter_helper(self, ctx: "Context") -> None:
        """A helper (a function, a nested one, a method) run from this constructor code: it builds under
        the same branches, conditions and deciding defaults as the call does."""
        ctx.in_init = True
        ctx.nesting = self.nesting
        ctx.conditional = self.conditional
        ctx.tries = self.tries
        ctx.branches = self.branches
        ctx.against_defaults, ctx.skipped_by = self.against_defaults, self.skipped_by
        ctx.default_decided, ctx.built_if = self.default_decided, self.built_if

    def resting_on(self, value: object, facts: tuple) -> object:
        """An activation (or a norm+act chain's) whose evidence rests on `facts` as well."""
        if isinstance(value, ActV):
            return dataclasses.replace(value, evidence=Evidence.assuming(
                value.evidence, tuple(getattr(value.evidence, "defaults", ())) + facts))
        if isinstance(value, ChainV) and value.kind == "sequential" and any(isinstance(v, ActV) for _, v in value.items):
            chain = ChainV([(key, self.resting_on(item, facts)) for key, item in value.items], "sequential")
            self.summarise_chain(chain)
            return chain
        return value

    def open_param(self, owner: Optional[str], param: str, default: object) -> tuple:
        """(`ConstructorDefault`,) for a parameter of a constructor of this file whose callers pass
        values not known here, where what it holds is a class or nothing (REQUIRED): what an entry
        point's run passes for it may decide what it builds. () otherwise."""
        if self.cls is None or owner != self.cls.name or not (default is None or isinstance(default, ClassRefV)):
            return ()
        shown = default.qualname if isinstance(default, ClassRefV) else REQUIRED
        return (ConstructorDefault(owner, param, shown, self.fa.path),)

    def default_fact(self, owner: str, param: str, default: object, registry: tuple = (),
                     overrides: bool = False) -> ConstructorDefault:  # fmt: skip
        holder = self.default_holder(owner)
        if isinstance(default, ClassRefV):
            shown = default.qualname
        elif isinstance(default, tuple) and default and default[0] == "<literal>":
            shown = short_code(default[1])
        else:
            shown = "None" if default == NONE_V else str(default)
        return ConstructorDefault(owner, param, shown, holder.path if holder is not None else None, registry, overrides)

    def plain_activation_instance(self, node: Optional[cst.BaseExpression]) -> Optional[str]:
        """`nn.ReLU()` written with no argument: "torch.nn.ReLU()", the way a default instance is
        recorded (a construction passing `nn.Tanh()` replaces it); else None."""
        if not isinstance(node, cst.Call) or node.args:
            return None
        q = self.fa.imports.qualify(node.func) or ""
        return f"{q}()" if q.startswith("torch.nn.") and q.rsplit(".", 1)[-1] in catalogue.ACTIVATION_MODULES else None

    def instance_fallback(self, value: object, param: object, node: Optional[cst.BaseExpression]) -> object:
        """`act or nn.ReLU()`, `nn.ReLU() if act is None else act`: the instance a None parameter falls
        back to rests on that parameter, recorded as the instance where written plainly."""
        if not isinstance(value, ActV) or not isinstance(param, ParamV) or param.owner is None or param.default not in (NONE_V, None):
            return value
        shown = self.plain_activation_instance(node)
        return self.resting_on(value, (self.default_fact(param.owner, param.name, shown or NONE_V),))

    def default_holder(self, owner: Optional[str]) -> Optional["FileAnalysis"]:
        """The module of the program whose class `owner` is, when its constructor default chose an
        activation (marked there), or whose factory function `owner` is: the module whose code runs, else the file analysed (a helper of
        another module, inlined where that file's class calls it, runs on that class's parameters)."""
        holder = next((fa for fa in (self.fa, self.home) if owner is not None
                       and (fa.classes.get(owner) is not None or fa.functions.get(owner) is not None)), None)  # fmt: skip
        if holder is not None:
            holder.default_params = True
        return holder

    def chosen(self, value: ActV, chooser: str, facts: tuple = ()) -> ActV:
        """An activation a condition on config defaults picked: said in its evidence, and kept
        (`chosen_by`) so that no fix is written for it; resting on the config fields read (`facts`)."""
        source = f" ({self.last_object_source})" if self.last_object_source else ""
        evidence = with_facts(derived(f"{value.evidence}, {chooser} by default{source}", value.evidence), facts)
        return dataclasses.replace(value, evidence=evidence, chosen_by=chooser)

    def list_skipped_builds(self, branch: Optional[cst.CSTNode]) -> None:
        """Other modules' classes a constructor builds in a branch its parameter's default skips
        (`if num_embeddings is not None: self.emb = Combined(...)`): the callers that pass it take
        that branch, so the program lists those constructions (containment), none of it run here."""
        if branch is None or not self.in_init or self.cls is None or self.fa is not self.home:
            return
        for call in _calls_in(branch):
            q = self.fa.imports.qualify(call.func)
            listed = any(known is call for _, _, known in self.fa.builds)  # loops run twice
            if q and not listed and not q.startswith(("local:", "func:")) and q.partition(".")[0] != "torch":
                self.fa.builds.append((self.cls.name, q, call))

    def run_taken(self, stmt: cst.If, taken: bool) -> None:
        block = stmt.body if taken else stmt.orelse.body if isinstance(stmt.orelse, cst.Else) else None
        if taken:
            self.run_block(stmt.body)
        elif isinstance(stmt.orelse, cst.If):
            self.run_if(stmt.orelse)
        elif stmt.orelse is not None:
            self.run_block(stmt.orelse.body)
        if self.home.flag_running and isinstance(block, cst.IndentedBlock) and block.body \
                and isinstance(block.body[-1], cst.SimpleStatementLine) \
                and any(isinstance(small, (cst.Return, cst.Raise)) for small in block.body[-1].body):  # fmt: skip
            self.surely_returned = True

    def run_discarded(self, branch: Optional[cst.CSTNode]) -> None:
        if branch is None:
            return
        returned = self.surely_returned
        env, attrs, marks, exits = dict(self.env), dict(self.attrs), self.chain_marks(), len(self.early_exits)
        unsettled = set(self.cls.unsettled) if self.cls is not None and self.cls.unsettled is not None else None
        self.nesting += 1
        self.conditional += 1
        if isinstance(branch, cst.If):
            self.run_if(branch)
        else:
            self.run_block(branch.body if isinstance(branch, cst.Else) else branch)
        self.nesting -= 1
        self.conditional -= 1
        self.take_added(marks)
        del self.early_exits[exits:]
        self.env = env
        self.attrs.clear()  # in place: inlined helpers and the class share this dict
        self.attrs.update(attrs)
        self.surely_returned = returned
        if unsettled is not None:  # what the branch bound is undone, so is what it unsettled
            self.cls.unsettled.clear()
            self.cls.unsettled.update(unsettled)

    def chain_marks(self) -> list:
        """Containers being built, with their current length (constructor code only)."""
        if not self.in_init and self.cls is not None:
            return []
        seen, marks = set(), []
        for value in list(self.env.values()) + list(self.attrs.values()):
            if isinstance(value, ChainV) and value.kind in ("list", "sequential") and id(value) not in seen:
                seen.add(id(value))
                marks.append((value, len(value.items)))
        return marks

    def take_added(self, marks: list) -> dict:
        """Cut what a branch or loop body appended to each container, to put it back structured."""
        added = {}
        for chain, length in marks:
            if len(chain.items) > length:
                added[id(chain)] = chain.items[length:]
                del chain.items[length:]
        return added

    def static_condition(self, test: cst.BaseExpression) -> Optional[bool]:
        """Branches decided by a parameter's default that no call here overrides:
        `if norm_layer is None:`, `if init_weights:`, `if not zero_init:`."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.static_condition(test.expression)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            left = self.static_condition(test.left)
            is_and = isinstance(test.operator, cst.And)
            if left is not None and left != is_and:  # False and ..., True or ...
                return left
            right = self.static_condition(test.right)
            return right if left is not None else (right if right is not None and right != is_and else None)
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value == "hasattr":
            return True if self.object_field(test) is not None else None
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Name) and test.func.value in self.fa.functions \
                and test.func.value not in self.env and len(test.args) == 1 and test.args[0].keyword is None \
                and not test.args[0].star:  # fmt: skip
            # `exists(activation)`, a function of this module that is `return val is not None`: that test
            operator = none_test(self.fa.functions[test.func.value])
            if operator is not None:
                return self.static_condition(cst.Comparison(left=test.args[0].value, comparisons=[
                    cst.ComparisonTarget(operator=operator, comparator=cst.Name("None"))]))  # fmt: skip
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comp = test.comparisons[0]
            if isinstance(comp.comparator, cst.Name) and comp.comparator.value == "None":
                value = self.held_value(test.left)
                if value is None:
                    return None
                is_none = value == NONE_V
                if isinstance(comp.operator, cst.Is):
                    return is_none
                if isinstance(comp.operator, cst.IsNot):
                    return not is_none
            if isinstance(comp.operator, (cst.In, cst.NotIn)) and isinstance(comp.comparator, cst.Name):
                # `if act_fn in ACT2CLS:` with the key and the registry known here
                registry = self.registry_of(comp.comparator)
                key = self.string(test.left) if registry is not None else None
                if key is not None:
                    return (key in registry_items(registry[1])) == isinstance(comp.operator, cst.In)
                return None
            if isinstance(comp.operator, (cst.Equal, cst.NotEqual, *_ORDERING)) and isinstance(test.left, (cst.Attribute, cst.Name)):
                # `config.hidden_act == "relu"` (or `act == "relu"`, act passed config.hidden_act): a
                # config default against a literal
                branch_test, self.comparing_branch_test = self.comparing_branch_test, False
                value, other = self.constructor_literal(test.left, branch_test), comp.comparator
                value = value if value is not None else self.held_value(test.left)
                self.comparing_branch_test = branch_test
                if isinstance(test.left, cst.Name) and not (isinstance(value, tuple) and len(value) == 3) \
                        and test.left.value not in self.passed_literals and not self.mode_by_default(test) \
                        and not (getattr(self.home, "judging_entry", False) and not isinstance(self.env.get(test.left.value), ParamV)):  # fmt: skip
                    value = None  # a parameter's own default: callers not seen here may pass others
                    # (not a value an entry point's run passed: entry_uses.py judges with what that run holds)
                if isinstance(value, tuple) and value and value[0] == "<literal>":
                    left, right = self.literal_key(value[1]), self.literal_key(other)
                    if left is not None and right is not None and type(comp.operator) in _ORDERING:
                        # `if num_features > 0:` with a number passed (or a config's default)
                        if left[0] == right[0] == "number":
                            return _ORDERING[type(comp.operator)](left[1], right[1])
                        return None
                    if left is not None and right is not None:
                        return (left == right) == isinstance(comp.operator, cst.Equal)
            return None
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 \
                and isinstance(test.args[0].value, cst.Name) and test.args[0].value.value in self.env \
                and self.fa.imports.qualify(test.args[1].value) == "torch.Tensor":  # fmt: skip
            # forward's `isinstance(input, Tensor)`: a list of tensors is not one
            held = self.env[test.args[0].value.value]
            return False if isinstance(held, TupleV) else (True if _surely_tensor(held) else None)
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 \
                and dotted(test.args[1].value) in ("str", "int", "float", "bool"):  # fmt: skip
            value = self.held_value(test.args[0].value)
            if isinstance(value, tuple) and value and value[0] == "<literal>":
                kind = "str" if literal_string(value[1]) is not None else "number"
                return (kind == "str") == (dotted(test.args[1].value) == "str")
            return None
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 \
                and _container_types(test.args[1].value):  # fmt: skip
            # timm's create_conv2d: `isinstance(kernel_size, list)` on a number, a string or None is False
            value = self.held_value(test.args[0].value)
            if value is None and isinstance(test.args[0].value, cst.Name):  # one of several literals (`2 if s > 1 else 1`)
                value = self.env.get(test.args[0].value.value)
            options = [option for _, option in value.items] if isinstance(value, ChainV) and value.kind == "alt" else [value]
            return False if options and all(_scalar(option) for option in options) else None
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2 \
                and (self.fa.imports.qualify(test.args[1].value) or "").startswith("torch."):  # fmt: skip
            # timm's get_attn: `isinstance(attn_type, torch.nn.Module)` on a string or a number is False
            value = self.held_value(test.args[0].value)
            return False if isinstance(value, tuple) and value and value[0] == "<literal>" else None
        if isinstance(test, (cst.Name, cst.Attribute)):
            value = self.constructor_literal(test, self.comparing_branch_test)  # `if not self.is_last:`
            value = value if value is not None else self.held_value(test)
            if value == NONE_V:
                return False
            if isinstance(value, tuple) and value and value[0] == "<literal>":
                literal = value[1]
                if isinstance(literal, cst.Name):
                    return literal.value == "True"
                number = literal_number(literal)
                if number is not None:
                    return bool(number)
                text = literal_string(literal)
                if text is not None:
                    return bool(text)
        return None

    @staticmethod
    def literal_key(node: cst.BaseExpression) -> Optional[object]:
        """A string or number literal as a comparable Python value."""
        text = literal_string(node)
        if text is not None:
            return ("str", text)
        number = literal_number(node)
        return ("number", number) if number is not None else None

    def settled_attribute(self, node: cst.Attribute) -> Optional[object]:
        """In a forward run for one construction (`FileAnalysis._outcomes_for_call`), `self.x` as
        that call's constructor surely left it: None, or a module it built (never a parameter's
        value, which callers not seen here may pass); else None (not known)."""
        cls = self.cls
        if cls is None or cls.unsettled is None or self.in_init or dotted(node.value) != self.self_name:
            return None
        name = node.attr.value
        if name not in cls.attrs or name in cls.unsettled:
            return None
        value = cls.attrs[name]
        return value if value == NONE_V or _surely_module(value) else None

    def constructor_literal(self, node: cst.BaseExpression, branch_test: bool) -> Optional[object]:
        """In forward, `self.mode` that only `__init__` sets, to a parameter of its own with a string or
        True/False default (diffusers' `self.time_embedding_norm = time_embedding_norm`, `self.is_last`),
        read by an `if` test: that literal, a fact (`forward_default_reads`) what follows the layers
        whose output goes through the branch it decides rests on (`run_decided_by_default`); a
        construction passing another value is judged with it, or left unknown, by the program stage.
        In a run for one construction, also a literal that construction passed."""
        cls = self.cls
        if not isinstance(node, cst.Attribute) or cls is None or self.in_init or dotted(node.value) != self.self_name \
                or (cls.unsettled is not None and node.attr.value in cls.unsettled):  # fmt: skip
            return None
        name = node.attr.value
        value = self.attrs.get(name)
        fact = None
        if branch_test and self.own_literal_param(value) \
                and (literal_string(value.default[1]) is not None or _code(value.default[1]) in ("True", "False")):  # fmt: skip
            fact = self.default_fact(value.owner, value.name, value.default)
            value = value.default
        elif cls.unsettled is None:
            return None  # a literal every call of this file passes: other modules' calls may pass others
        if not (isinstance(value, tuple) and len(value) == 2 and value[0] == "<literal>") \
                or name in self.fa.attributes_set_outside_init(cls):  # fmt: skip
            return None
        if fact is not None:
            self.forward_default_reads.append(fact)
        return value

    def held_value(self, node: cst.BaseExpression) -> Optional[object]:
        """What a local name certainly holds here (its default, a class, a literal), else None.

        Not self attributes: forward's `if self.downsample is not None` is about a module that
        callers this file does not show may pass.
        """
        if isinstance(node, cst.Attribute):
            settled = self.settled_attribute(node)
            return settled if settled is not None else self.object_field(node)
        if not isinstance(node, cst.Name):
            return None
        value = self.env.get(node.value)
        if isinstance(value, ParamV) and value.or_none:
            return None
        if isinstance(value, ParamV):
            # a constructor's parameter, or a free function's own (`def mlp(dims, use_tanh=False)`): what it
            # decides rests on its default, which callers elsewhere may not pass
            if value.owner is not None and (self.in_init or self.cls is None and self.depth == 0
                                            and value.owner == self.fn.name.value):  # fmt: skip
                self.default_reads.append((value.owner, value.name, value.default))
            if value.owner is not None and self.home.flag_running:
                self.home.flag_reads.append((value.owner, value.name, value.default))
            value = value.default
        if value == NONE_V or isinstance(value, (ClassRefV, ActV)):  # ActV: an activation module passed in (no None)
            return value
        if isinstance(value, tuple) and value and value[0] == "<literal>":
            if len(value) == 3:  # a config default passed in: what it decides is chosen by it
                self.object_reads += 1
                self.last_object_source = f"`{node.value}` being {value[2]}"
            return value
        return None

    def run_loop(self, stmt: Union[cst.For, cst.While]) -> None:
        # a script, a free function, or a function of the program inlined into a constructor
        # (`_xavier_init(extra)`: a loop over the modules of the container passed to it)
        free = self.cls is None or self.fa.functions.get(self.fn.name.value) is self.fn
        if free and isinstance(stmt, cst.For) and _iterates_modules(stmt.iter) \
                and isinstance(stmt.iter.func, cst.Attribute):  # fmt: skip
            self.init_loop(stmt)
        elif free and isinstance(stmt, cst.For) and _iterates_parameters(stmt.iter):
            self.parameter_loop(stmt)
        before = dict(self.env)
        if isinstance(stmt, cst.For):
            self.bind_loop_target(stmt)
        marks = self.chain_marks()
        self.nesting += 1
        self.loops.append(_index_and_length(stmt))
        self.run_block(stmt.body)
        self.loops.pop()
        self.nesting -= 1
        if marks:  # constructor code: containers filled in a loop; one pass, wrapped as a loop
            added_by_chain = self.take_added(marks)
            for chain, _ in marks:
                if id(chain) in added_by_chain:
                    chain.items.append(("<loop>", added_by_chain[id(chain)]))
            self.env = merge_envs(before, self.env)
            return
        if isinstance(stmt, cst.For):
            self.bind_loop_target(stmt)
        self.run_block(stmt.body)  # a second pass: what one iteration feeds the next
        self.env = merge_envs(before, self.env)
        if stmt.orelse is not None:
            self.run_block(stmt.orelse.body)

    def init_loop(self, stmt: cst.For) -> None:
        """`for m in model.modules(): if isinstance(m, nn.Linear): nn.init...(m.weight)` in a
        script or a free function: the isinstance branches decide the layers of `model`."""
        receiver = self.eval_module(stmt.iter.func.value, bind_site=False)
        target = stmt.target
        if isinstance(target, cst.Tuple) and len(target.elements) == 2:  # for name, m in model.named_modules()
            target = target.elements[1].value
        if not isinstance(target, cst.Name):
            return
        branches = list(InitScanner(self.fa, None).branches(stmt.body, target.value))
        where = f"init loop over {short_code(stmt.iter, 40)}"
        if self.cls is not None:  # a function the constructor calls: say which
            where += f" in {self.fn.name.value}()"
        self.apply_init_rules(sites_in(receiver), branches, where)

    def parameter_loop(self, stmt: cst.For) -> None:
        """`for p in module.parameters(): nn.init.zeros_(p)` in a function of the program
        (`self.conv_out = zero_module(nn.Conv2d(...))`): every weight of what `module` holds."""
        var, name = _parameter_loop_names(stmt.target)
        found = InitScanner(self.fa, None).parameter_inits(stmt.body, var, name) if var else None
        if found is None:
            return
        where = f"init loop over {short_code(stmt.iter, 40)}" + (f" in {self.fn.name.value}()" if self.cls is not None else "")
        sites = sites_in(self.eval_module(stmt.iter.func.value, bind_site=False))
        if found is UNDECIDED_PARAMETER or isinstance(found, NameSuffixed):
            for site in sites:
                self.fa._apply_rule(site, (None, f"{where}, under a condition on each parameter not decided here", "unknown"))
            return
        self.apply_init_rules(sites, [(None, found)], where)

    def bind_loop_target(self, stmt: cst.For) -> None:
        """for layer in self.layers / for i, layer in enumerate(...) / for a, b in zip(...)."""
        target, iterable = stmt.target, stmt.iter
        pairs = _loop_pairs(target, iterable)
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and not iterable.args \
                and iterable.func.attr.value == "items" and isinstance(target, cst.Tuple) \
                and len(target.elements) == 2:  # fmt: skip
            # for name, layer in self.items(): a ModuleDict's (name, module) pairs
            pairs = [(target.elements[0].value, None), (target.elements[1].value, iterable.func.value)]
        for name_node, source in pairs:
            element: object = UnknownV("loop element")
            if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and not source.args \
                    and source.func.attr.value == "values":  # fmt: skip
                source = source.func.value  # for layer in self.heads.values(): a ModuleDict's modules
            if isinstance(source, cst.Subscript) and len(source.slice) == 1 \
                    and isinstance(source.slice[0].slice, cst.Slice):  # fmt: skip
                source = source.value  # for layer in self.layers[:n]: some of the list's modules
            if isinstance(source, cst.Name) and source.value == self.self_name and self.cls is not None \
                    and self.fa.container_kind(self.cls):  # fmt: skip
                # for layer in self: a container class's own modules, in order
                element = list_element(ChainV(registered_modules(self.attrs, self.fa, self.cls.registered_maybe), "list"))
            elif source is not None and self.plain_iterable(source):
                element = list_element(self.eval_module(source, bind_site=False))
            elif isinstance(source, cst.Call) and isinstance(source.func, cst.Name) and self.in_init \
                    and source.func.value in self.fa.functions and source.func.value not in self.env:  # fmt: skip
                # `zip(..., drop_blocks(rate))`: a function of this module, run once for the loop (both passes read it)
                if id(source) not in self.loop_sources:
                    self.loop_sources[id(source)] = list_element(self.eval_module(source, bind_site=False))
                element = self.loop_sources[id(source)]
            if isinstance(name_node, cst.Name):
                self.env[name_node.value] = element
                continue
            names = [e.value for e in name_node.elements] if isinstance(name_node, (cst.Tuple, cst.List)) else []
            plain = names and all(isinstance(n, cst.Name) for n in names)
            parts = unpacked_items(element, len(names)) if plain else None
            if parts is not None:  # for attn, ff in self.layers: each a module list's item at its place
                for name, part in zip(names, parts):
                    self.env[name.value] = part
                continue
            for name in _names_in(name_node):
                self.env[name] = UnknownV("loop element")

    def plain_iterable(self, node: cst.BaseExpression) -> bool:
        """An iterable that evaluating has no side effect on the model: a name, self.x, a literal list."""
        if isinstance(node, (cst.List, cst.Tuple)):
            return all(not isinstance(e, cst.StarredElement) and self.plain_iterable_item(e.value) for e in node.elements)
        return self.plain_iterable_item(node)

    def plain_iterable_item(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name):
            return True
        if isinstance(node, cst.Attribute):
            return self.plain_iterable_item(node.value)
        return isinstance(node, cst.Subscript) and self.plain_iterable_item(node.value) and not self.in_init

    def run_small(self, small: cst.BaseSmallStatement, stmt: cst.CSTNode) -> None:
        self.current_stmt = stmt
        self.value_mark = self.undecided_values
        if isinstance(small, cst.Assign):
            self.chosen_by_defaults = []
            value = self.eval(small.value, small)
            for target in small.targets:
                self.assign(target.target, value, small.value)
                self.note_default_choice(target.target, self.chosen_by_defaults)
            if self.in_init or self.cls is None:  # constructor-like code: a weight written there is its init
                InitScanner.note_weight_write(self, small)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.assign(small.target, self.eval(small.value, small), small.value)
        elif isinstance(small, cst.AugAssign):
            self.aug_assign(small)
            if self.in_init or self.cls is None:  # constructor-like code: a weight written there is its init
                InitScanner.note_weight_write(self, small)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, small)
            call = small.value
            if self.fa.judging_use and self.cls is not None and isinstance(call, cst.Call) \
                    and isinstance(call.func, cst.Attribute) and call.func.attr.value in ("add_module", "register_module") \
                    and (dotted(call.func.value) or "").startswith(f"{self.self_name}."):  # fmt: skip
                # `self.bn.add_module("drop", ...)` in a construction judged again: that attribute holds more than it built
                attr = dotted(call.func.value).split(".")[1]
                self.attrs[attr] = UnknownV(f"`{short_code(call.func)}(...)` adds to it")
        elif isinstance(small, cst.Del):
            for node in [small.target, *(e.value for e in getattr(small.target, "elements", ()))]:
                if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) \
                        and isinstance(self.env.get(node.value.value), ChainV):  # fmt: skip
                    set_item(self.env[node.value.value], node, NONE_V, True)  # `del op_dict["A"]`
        elif isinstance(small, cst.Return):
            value = self.eval(small.value, small) if small.value is not None else OPAQUE
            self.returns.append(value)
            if self.in_init and self.depth == 0 and self.report_node is None:
                self.early_exits.append(dict(self.attrs))

    def assign(self, target: cst.BaseExpression, value: object, value_node: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self.env[target.value] = value
            if self.fn.name.value == MODULE_CODE and self.report_node is None and isinstance(value, (LayerV, ChainV)):
                self.name_sites(value, target.value, value_node, target.value)  # model = nn.Sequential(...): model.0
            if isinstance(value, LayerV) and self.in_init_like() and value.site.anchor is None:
                self.bind_site(value.site, target.value, value_node)
            if isinstance(value_node, cst.List) and isinstance(value, ChainV) and self.report_node is not None:
                # `layers = [nn.Linear(...), ...]` in a helper: each layer is `layers[i]` right after
                for index, element in enumerate(value_node.elements):
                    if isinstance(element, cst.StarredElement) or index >= len(value.items):
                        break
                    if isinstance(value.items[index][1], LayerV):
                        self.place_in_helper(value.items[index][1].site, f"{target.value}[{index}].weight", element.value)
        elif isinstance(target, cst.Attribute) and dotted(target.value) == self.self_name:
            attr = target.attr.value
            self.attrs[attr] = value
            if self.cls is not None and self.cls.unsettled is not None \
                    and (self.nesting or self.tries or self.undecided_values != self.value_mark):  # fmt: skip
                self.cls.unsettled.add(attr)
            if self.cls is not None:
                self.name_sites(value, attr, value_node, f"{self.self_name}.{attr}")
        elif isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(e, cst.StarredElement) for e in target.elements)
            if isinstance(value, TupleV) and not starred and len(value.items) == len(target.elements):
                for element, item in zip(target.elements, value.items):
                    self.assign(element.value, item, value_node)
                return
            parts = None if starred else self.unpacked_modules(value, len(target.elements))
            if parts is not None:  # `global_pool, fc = create_classifier(...)`: a helper's tuple of modules
                for element, item in zip(target.elements, parts):
                    self.assign(element.value, item, value_node)
                return
            if type(value) is Flow and value.sites:
                # `a, b = h.chunk(2, -1)` / `q, k, v = qkv.unbind(0)`: each part holds the layer's values
                for element in target.elements:
                    self.assign(element.value, value, value_node)
                return
            for element in target.elements:
                if isinstance(element.value, cst.Name):
                    self.env[element.value.value] = UnknownV("unpacked")
        elif isinstance(target, cst.Subscript):
            base = dotted(target.value)
            if base and base.startswith(f"{self.self_name}."):
                # self.blocks[k] = Block(...) / self.layers["x"] = ...: a container filled by key
                holder = self.attrs.get(base.split(".", 1)[1])
                if isinstance(holder, ChainV):
                    holder.items.append(("*", value))
                    if self.cls is not None:
                        self.name_sites(value, base.split(".", 1)[1] + ".*", None, None)
            elif isinstance(target.value, cst.Name) and isinstance(self.env.get(target.value.value), ChainV):
                # op_dict["A"] = get_act_layer(act): a dict or list of this code, changed in place
                set_item(self.env[target.value.value], target, value, bool(self.nesting or self.tries))

    @staticmethod
    def unpacked_modules(value: object, count: int) -> Optional[list]:
        """The items of a tuple of modules built in constructor code, by position, when each of its
        possible values holds `count` items at known places; None otherwise."""
        options = [option for _, option in value.items] if isinstance(value, ChainV) and value.kind == "alt" else [value]
        if not all(isinstance(option, ChainV) and option.kind == "list" and len(option.items) == count
                   and all(key not in ("<loop>", "<alt>") for key, _ in option.items) for option in options):  # fmt: skip
            return None
        parts = [item for _, item in options[0].items]
        for option in options[1:]:
            parts = [alternative(part, item) for part, (_, item) in zip(parts, option.items)]
        return parts

    def in_init_like(self) -> bool:
        return self.in_init or self.cls is None or self.report_node is not None or True

    def bind_site(self, site: Site, local: str, value_node: cst.CSTNode) -> None:
        """A layer bound to a local name: the fix goes right after that statement."""
        if self.report_node is not None:
            self.place_in_helper(site, f"{local}.weight", value_node)
            return
        if self.block_is_suite:
            site.fix_reason = ONE_LINE_COMPOUND
            return
        site.anchor = self.current_stmt
        site.weight = f"{local}.weight"

    def place_in_helper(self, site: Site, weight: str, node: cst.CSTNode) -> None:
        """A helper of this file (its layers reported at each call) binds the layer in the statement
        being run: an init right after it would reach the layer of every call."""
        if self.report_node is None or self.block_is_suite or self.fa is not self.home or site.helper_anchor is not None:
            return
        site.helper_anchor, site.helper_weight, site.helper_node = self.current_stmt, weight, node
        site.helper = self.fn.name.value
        site.helper_shared = self.fa.functions.get(site.helper) is self.fn

    def bind_appended(self, value: object, holder_name: Optional[str], call: cst.Call) -> None:
        """`layers.append(nn.Conv2d(...))` on a line of its own, in a loop, a branch or a helper
        (where its place in the container is not certain): the init goes right after it, naming
        the layer `layers[-1]` (no edit of the user's line, only an insertion)."""
        stmt = self.current_stmt
        if not isinstance(value, LayerV) or not holder_name or self.block_is_suite:
            return
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
                and isinstance(stmt.body[0], cst.Expr) and stmt.body[0].value is call):  # fmt: skip
            return
        weight = f"{holder_name}[-1].weight"
        if self.report_node is not None:
            self.place_in_helper(value.site, weight, call)
        elif self.nesting > 0 and value.site.anchor is None:
            value.site.anchor, value.site.weight = stmt, weight

    def name_sites(self, value: object, name: str, value_node: Optional[cst.CSTNode], expr: Optional[str],
                   uncertain: bool = False) -> None:  # fmt: skip
        """Give the layers inside a module assigned to self.<name> their named_modules() names."""
        if isinstance(value, LayerV):
            site = value.site
            if site.class_name is None and self.cls is not None:
                site.class_name = self.cls.name
            if site.name is None:
                site.name = name
                if expr is not None and self.report_node is None and not self.block_is_suite:
                    if site.anchor is None or value_node is site.node or site.weight is None:
                        site.anchor = self.current_stmt
                        site.weight = f"{expr}.weight"
                elif expr is None and site.weight is None and site.loop_over is None:
                    site.fix_reason = site.fix_reason or "built inline in a container filled in a loop"
                elif self.block_is_suite:
                    site.fix_reason = ONE_LINE_COMPOUND
                    if expr is not None and site.weight is None:
                        site.weight = f"{expr}.weight"  # for the message; the reason keeps it unfixed
        elif isinstance(value, ChainV) and value.kind == "alt":
            # `partial(nn.Conv2d, kernel_size=1) if use_conv else nn.Linear`: each option is self.<name>
            for _, option in value.items:
                self.name_sites(option, name, value_node, expr, uncertain)
        elif isinstance(value, ChainV):
            looped = _single_looped_site(value)
            if looped is not None and expr is not None and not uncertain and self.report_node is None \
                    and not self.block_is_suite and looped.anchor is None and looped.weight is None:  # fmt: skip
                # nn.ModuleList([nn.Linear(d, d) for _ in range(n)]): one loop after the statement
                looped.anchor = self.current_stmt
                looped.loop_over = expr
            index: Optional[int] = 0
            for item in value.items:
                key, inner = item
                if key in ("<loop>", "<alt>"):
                    self.name_unplaced(key, inner, name)
                    index = None
                    continue
                if key is None:
                    child = f"{name}.{index}" if index is not None else f"{name}.*"
                    child_expr = f"{expr}[{index}]" if index is not None and expr else None
                else:
                    child = f"{name}.{key}" if key != "*" else f"{name}.*"
                    child_expr = f"{expr}.{key}" if expr and key != "*" and _attribute_name(key) else None
                if uncertain:
                    child_expr = None
                if isinstance(inner, LayerV) and child_expr is None and inner.site.weight is None:
                    if key not in (None, "*") and not _attribute_name(key):
                        inner.site.fix_reason = inner.site.fix_reason or _not_an_attribute(key)
                    inner.site.fix_reason = inner.site.fix_reason or "built inline in a container built in a loop"
                self.name_sites(inner, child, None, child_expr, uncertain)
                if index is not None:
                    index += 1

    def name_added(self, holder: ChainV, start: int, holder_expr: str) -> None:
        """self.blocks.append(layer): named blocks.<i> where the index is certain, else blocks.*."""
        attr = holder_expr.split(".", 1)[1]
        placed = self.nesting == 0 and all(k not in ("<loop>", "<alt>") for k, _ in holder.items[:start])
        for position, (key, value) in enumerate(holder.items[start:], start):
            if not placed or key == "*":
                self.name_sites(value, f"{attr}.*", None, None, True)
            elif key is None:
                self.name_sites(value, f"{attr}.{position}", None, f"{holder_expr}[{position}]")
            else:
                expr = f"{holder_expr}.{key}" if _attribute_name(key) else None
                if expr is None and isinstance(value, LayerV) and value.site.weight is None:
                    value.site.fix_reason = value.site.fix_reason or _not_an_attribute(key)
                self.name_sites(value, f"{attr}.{key}", None, expr)

    def name_unplaced(self, key: str, inner: list, name: str) -> None:
        """Items added in a loop or a branch: their index is not known statically (`name.*`)."""
        for branch in [inner] if key == "<loop>" else inner:
            for branch_key, element in branch:
                if branch_key in ("<loop>", "<alt>"):
                    self.name_unplaced(branch_key, element, name)
                else:
                    child = f"{name}.{branch_key}" if branch_key not in (None, "*") else f"{name}.*"
                    self.name_sites(element, child, None, None, True)

    def aug_assign(self, small: cst.AugAssign) -> None:
        target = small.target
        value = self.eval(small.value, small)
        if isinstance(target, cst.Name):
            current = self.env.get(target.value)
            if isinstance(small.operator, cst.AddAssign):
                if isinstance(current, ChainV) and isinstance(value, ChainV):
                    current.items.extend(value.items)
                    return
                if isinstance(current, (Flow, TupleV)) or isinstance(value, (Flow, TupleV)):
                    # x += h, or outputs += (h,): a tuple that grows in a loop holds each tensor added
                    self.env[target.value] = Flow(self.as_flow(current).sites | self.as_flow(value).sites)
                    return
            if isinstance(current, Flow) or isinstance(value, Flow):
                self.consume(self.as_flow(current), "none", None, f"`{short_code(small)}`")
                self.consume(self.as_flow(value), "none", None, f"`{short_code(small)}`")
                self.env[target.value] = OPAQUE

    # -- expressions: modules (in __init__) and flows (in forward) ----------------------------

    def eval(self, node: Optional[cst.BaseExpression], stmt: cst.CSTNode) -> object:
        if node is None:
            return OPAQUE
        if self.in_init or self.cls is None:
            return self.eval_module(node)
        return self.eval_flow(node)


def _attributes_of(test: cst.BaseExpression, self_name: str) -> list:
    """The `self.x` attributes a condition reads."""
    return [node.attr.value for node in _walk_nodes(test)
            if isinstance(node, cst.Attribute) and dotted(node.value) == self_name]  # fmt: skip


def _surely_module(value: object) -> bool:
    """A module the constructor built, on every path that reaches here."""
    if isinstance(value, ChainV) and value.kind == "alt":
        return all(_surely_module(option) for _, option in value.items)
    return isinstance(value, (LayerV, ActV, InstV, TransparentV, ChainV, ConsumerV))


def _code(node: cst.CSTNode) -> str:
    return "".join(cst.Module([]).code_for_node(node).split())


def _scalar(value: object) -> bool:
    """None, or a number, string or True/False literal the interpreter holds."""
    return value == NONE_V or isinstance(value, tuple) and len(value) == 2 and value[0] == "<literal>" and (
        literal_number(value[1]) is not None or literal_string(value[1]) is not None
        or isinstance(value[1], cst.Name) and value[1].value in ("True", "False"))  # fmt: skip


def _container_types(node: cst.BaseExpression) -> bool:
    """`list`, `tuple`, `dict`, `set`, or a tuple of them (the second argument of an isinstance test)."""
    names = [e.value for e in node.elements] if isinstance(node, cst.Tuple) else [node]
    return bool(names) and all(isinstance(n, cst.Name) and n.value in ("list", "tuple", "dict", "set") for n in names)


def _loop_pairs(target: cst.BaseExpression, iterable: Optional[cst.BaseExpression]) -> list:
    """(target, the iterable whose elements it takes, or None) of a `for` loop, through `enumerate`,
    `zip` and `reversed` (`for i, (block_fn, planes) in enumerate(zip(block_fns, channels))`)."""
    func = dotted(iterable.func) if isinstance(iterable, cst.Call) else None
    if func not in ("enumerate", "zip", "reversed") or not iterable.args:
        return [(target, iterable)]
    args = [a.value for a in iterable.args if a.keyword is None and not a.star]
    if func == "reversed" and len(args) == 1:
        return _loop_pairs(target, args[0])
    if func == "enumerate" and len(args) == 1 and isinstance(target, cst.Tuple) and len(target.elements) == 2:
        return [(target.elements[0].value, None), *_loop_pairs(target.elements[1].value, args[0])]
    if func == "zip" and len(args) == len(iterable.args) and isinstance(target, (cst.Tuple, cst.List)) \
            and len(target.elements) == len(args) and not any(isinstance(e, cst.StarredElement) for e in target.elements):  # fmt: skip
        return [pair for element, arg in zip(target.elements, args) for pair in _loop_pairs(element.value, arg)]
    return [(target, None)]


def _index_and_length(stmt: Union[cst.For, cst.While]) -> tuple:
    """`for i, b in enumerate(blocks)` -> ("i", "len(blocks)"); `for i in range(n)` -> ("i", "n");
    (None, None) when the loop has no such index."""
    if not isinstance(stmt, cst.For) or not isinstance(stmt.iter, cst.Call):
        return None, None
    func, args = dotted(stmt.iter.func), stmt.iter.args
    if any(a.keyword is not None or a.star for a in args):
        return None, None
    target = stmt.target
    if func == "enumerate" and len(args) == 1 and isinstance(target, cst.Tuple) and len(target.elements) == 2 \
            and isinstance(target.elements[0].value, cst.Name):  # fmt: skip
        return target.elements[0].value.value, f"len({_code(args[0].value)})"
    if func == "range" and len(args) in (1, 2) and isinstance(target, cst.Name):  # its last index: stop - 1
        return target.value, _code(args[-1].value)
    return None, None


def _calls_in(node: cst.CSTNode) -> list:
    """The calls written in a statement or block, nested ones included, in source order."""
    found: list = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(Calls())
    return found


def _ends_in_exit(block: Optional[cst.CSTNode]) -> bool:
    """A block whose last statement is a `return` or `raise`."""
    body = getattr(block, "body", None)
    if not isinstance(block, cst.IndentedBlock) or not body or not isinstance(body[-1], cst.SimpleStatementLine):
        return False
    return any(isinstance(small, (cst.Return, cst.Raise)) for small in body[-1].body)


def _bound_call(branch: Optional[cst.CSTNode], name: str) -> Optional[cst.Call]:
    """The call a branch made only of `name = <call>` binds; else None."""
    body = branch.body.body if isinstance(branch, cst.Else) else branch.body if isinstance(branch, cst.IndentedBlock) \
        else getattr(getattr(branch, "body", None), "body", None)  # fmt: skip
    if not body or len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    small = body[0].body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name) \
            and small.targets[0].target.value == name and isinstance(small.value, cst.Call):  # fmt: skip
        return small.value
    return None


def _binds_references(stmt: cst.If) -> bool:
    """Whether a branch of an if-chain binds something other than a call's result or a literal
    (a class, a function, `A if c else B`): what such a value builds later would not carry the test."""
    for node in _walk_nodes(stmt):
        if isinstance(node, (cst.Assign, cst.AnnAssign)) and node.value is not None \
                and not isinstance(node.value, (cst.Call, cst.SimpleString, cst.Integer, cst.Float)) \
                and not (isinstance(node.value, cst.Name) and node.value.value in ("None", "True", "False")):  # fmt: skip
            return True
    return False


def _builds_only(branch: Optional[cst.CSTNode], self_name: str) -> bool:
    """Whether a branch only binds what calls return to local names or `self.x` (and chains of such
    branches): run for its layers alone, nothing it does to what exists (a load, an init) is lost."""
    if branch is None:
        return False
    if isinstance(branch, cst.If):
        return _builds_only(branch.body, self_name) and (branch.orelse is None or _builds_only(branch.orelse, self_name))
    body = branch.body.body if isinstance(branch, cst.Else) else branch.body
    for stmt in body:
        if isinstance(stmt, cst.If):
            if not _builds_only(stmt, self_name):
                return False
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if isinstance(small, cst.Pass):
                continue
            if not isinstance(small, cst.Assign) or not isinstance(small.value, cst.Call):
                return False
            for target in small.targets:
                node = target.target
                if not (isinstance(node, cst.Name) or isinstance(node, cst.Attribute) and dotted(node.value) == self_name):
                    return False
    return True
