"""Forward interpretation: what happens to each layer's output."""

from __future__ import annotations

import dataclasses
import math
from typing import Optional

import libcst as cst

from .. import catalogue
from ..library.known import ATTENTION_KERNEL, einops_name
from ..syntax.nodes import (_all_params, _functional_prefix, _literal_index, _literal_prefix_stop, _names_in,
                            _positional_params, _walk_nodes, argument, dotted, literal_number, literal_string, short_code)
from .imports import functional_name, torch_nn_name
from .memo import memoised
from .values import (named_item, ActV, ActivationOutput, IgnoringV, ChainV, ClassRefV, ConstructorDefault, ConsumerV, Evidence, Flow,
                     FunctionRefV, InputSite, InstV, LayerV, MAX_INLINE_DEPTH, MaybeNone, NONE_V, OPAQUE, ObjectV,
                     ParamV, RecordV, Site, Summary, TransparentV, TupleV, UnknownV, UseProbe, _short_ref, _surely_tensor,
                     activated, alternative, derived, elements_at, feed_layer, head_part, list_element, note_norm, registered_modules,
                     note_residual, one_of)


# torch.autograd.Function as a class's base may name it (`Function` imported from torch.autograd too)
AUTOGRAD_FUNCTIONS = frozenset({"torch.autograd.Function", "torch.autograd.function.Function"})
# what a Function's `forward(ctx, ...)` gets first: its methods save tensors for backward, no op on them
AUTOGRAD_CTX = IgnoringV("a torch.autograd.Function's ctx")


class ForwardInterpreter:
    """What forward does to tensors: flows through calls, activations (library, functional, written
    out), tensor methods, records and containers. Composed into `Context`."""

    def new_site(self, layer_type: str, call: cst.Call) -> Site:
        node = self.report_node or call
        class_name = self.cls.name if self.cls is not None else None
        key = (id(node), class_name, id(call))
        home = self.home
        if key in home.sites_by_key:  # the same code run again (a method called twice, a loop)
            site = home.sites_by_key[key]
            if layer_type != site.layer_type and layer_type not in site.alt_types:  # one call, a class among several
                site.alt_types = (*site.alt_types, layer_type)
            return site
        site = Site(layer_type=layer_type, node=node, class_name=class_name, branches=self.branches,
                    module_path=home.path, against_defaults=self.against_defaults, skipped_by=self.skipped_by,
                    conditional_build=bool(self.branches or self.against_defaults) or self.default_decided,
                    built_if=self.built_if)  # fmt: skip
        home.sites_by_key[key] = site
        if self.cls is not None:
            self.cls.sites.append(site)
        else:
            site.function = self.fn.name.value
            home.free_sites.append(site)
        return site

    # -- flows ----------------------------------------------------------------------------

    def as_flow(self, value: object) -> Flow:
        if isinstance(value, (TupleV, RecordV)):  # a tuple used whole: each element goes where it goes
            sites: frozenset = frozenset()
            for item in value.items if isinstance(value, TupleV) else value.fields.values():
                sites |= self.as_flow(item).sites
            return Flow(sites)
        if isinstance(value, ChainV) and value.kind == "alt" and value.items \
                and all(isinstance(item, (TupleV, RecordV, Flow)) for _, item in value.items):  # fmt: skip
            # a list the paths leave with different items (`out.append(conv(x))` in a loop): used whole,
            # each item of each goes where it goes
            return Flow(frozenset().union(*(self.as_flow(item).sites for _, item in value.items)))
        return value if isinstance(value, Flow) else OPAQUE

    def consume(self, flow: Flow, activation: str, param: Optional[float], evidence: str) -> None:
        if self.deciding:
            self.note_deciding(flow.sites)
        for site in flow.sites:
            site.record(activation, param, evidence)
            if type(site) is Site and self.cls is not None and site.class_name != self.cls.name \
                    and activation not in ("none", "unknown", "softmax"):  # fmt: skip
                site.foreign.append((activation, param, evidence))
            elif type(site) is Site and self.cls is not None and not self.in_init:
                site.own_forward = True
            if type(site) is Site and site.module_path != self.home.path:
                # what follows another module's layer here: that module's analysis cannot see it
                by = self.cls.name if self.cls is not None else None  # whose code it is in: judged per use
                self.home.followed.append([site.module_path, site.class_name, site.name, activation, param, evidence, by,
                                           *([site.use_tag] if site.use_tag else [])])  # fmt: skip

    def apply_module(self, value: object, flow: Flow, evidence: str, extras: Optional[dict] = None) -> object:
        """Feed a flow through a module value; return the flow at its output (a TupleV when
        the module is a class of this file whose forward returns a tuple). `extras`: flows
        for the other inputs of a class of this file, by parameter name."""
        flow = self.as_flow(flow)
        if isinstance(value, ParamV):
            default = value.default
            if isinstance(default, ClassRefV):
                # with its module's path, as every default an activation rests on (`act_fn=F.relu`: a
                # construction elsewhere passing `torch.tanh` must be looked at)
                fact = self.default_fact(value.owner, value.name, default, value.registry)
                evidence = Evidence.assuming(f"{value.name} default", (fact,))
                return self.apply_module(self.construct_for_flow(default), flow, evidence)
            self.consume(flow, "unknown", None, f"goes into module from parameter {value.name}")
            if self.cls is None:
                return OPAQUE
            key = (self.cls.name, value.name)
            exit_site = self.fa.param_exits.setdefault(key, InputSite(f"{self.cls.name}({value.name}=...)"))
            return Flow(frozenset({exit_site}))
        if isinstance(value, LayerV):
            self.consume(flow, "none", None, derived(f"feeds another {value.site.layer_type} ({evidence})", evidence))
            feed_layer(flow, [value.site])
            return Flow(frozenset({value.site}))
        if isinstance(value, ActV):
            evidence = derived(f"{value.evidence} ({evidence})", value.evidence, evidence)
            self.consume(flow, value.activation, value.param, evidence)
            if value.chosen_by:
                for site in flow.sites:
                    if type(site) in (Site, UseProbe):
                        site.fix_reason = site.fix_reason or (
                            f"the activation is chosen by {value.chosen_by} at its default; another config or "
                            "command line chooses another, and one init call cannot suit both")
            return activated(flow)
        if isinstance(value, TransparentV):
            note_norm(flow, value.what)
            if value.defaults:
                for site in flow.sites:
                    if type(site) is Site:
                        site.through_defaults = tuple(dict.fromkeys((*site.through_defaults, *value.defaults)))
            return flow
        if isinstance(value, ClassRefV) and self.function_as_module(value) is not None:
            return self.apply_module(self.function_as_module(value), flow, evidence)
        if isinstance(value, ChainV):
            if value.kind == "alt":
                merged: set = set()
                for _, option in value.items:
                    merged |= self.as_flow(self.apply_module(option, flow, evidence)).sites
                return Flow(frozenset(merged))
            if value.summary is None:
                self.summarise_chain(value) if value.kind == "sequential" else None
            if value.summary is None:
                self.consume(flow, "unknown", None, "a container called as a module")
                return OPAQUE
            return self.apply_summary(value.summary, flow, "nn.Sequential")
        if isinstance(value, InstV):
            owner = value.module or self.fa
            cls = owner.classes.get(value.cls)
            if cls is None:
                self.consume(flow, "unknown", None, value.cls)
                return OPAQUE
            cls.used_in_flow = True
            # in an entry point's judged run, a class of this file built there with what that run gave it
            built = self.fa.construction_summary(cls, value.call) if value.module is None and value.call is not None else None
            summary = built or owner.summary(cls)
            if built is None and value.module is None and value.given:
                # `Residual(LocalAttention(...))`: a wrapper running the module it was handed, as built here
                summary = self.fa.holding_summary(cls, value) or summary
            if value.module is not None:
                passed, assumed = self.defaults_passed(value.passed)
                flags = value.module.flags_passed(cls, passed)
                # a flag this class passes on at its own default (`apply_act=self.has_pw_act`): what the
                # run finds would rest on that default, which nothing here records; not run
                run = value.module.flag_run(cls, flags) if flags and not set(dict(flags)) & set(assumed) else None
                if run is not None and run[1].done:  # `apply_act=False`: the class as that flag builds it
                    summary = self.tagged_exits(run[1], value)
                    passed = {k: v for k, v in passed.items() if k not in dict(flags)}
                summary = value.module.as_passed(summary, dataclasses.replace(value, passed=passed), assumed)
            out = self.apply_summary(summary, flow, value.cls, extras, value.defaults)
            return self.probed(out, value) if value.module is None and value.call is not None else out
        if isinstance(value, IgnoringV):  # `always(None)`: what goes in is dropped there, nothing follows it
            return OPAQUE
        if isinstance(value, ConsumerV):  # a loss, a reparametrised layer: its input meets no activation
            self.consume(flow, "none", None, f"goes into {value.what}")
            return OPAQUE
        if value == NONE_V:  # calling None raises: no path goes on from here
            return Flow()
        why = value.why if isinstance(value, UnknownV) else "a module not known here"
        evidence = f"goes into {why}"
        if isinstance(value, UnknownV) and value.open_params:
            evidence = Evidence(evidence)
            evidence.open_params = value.open_params
        self.consume(flow, "unknown", None, evidence)
        return self.declared_default_exits(value.may_be) if isinstance(value, UnknownV) and value.may_be else OPAQUE

    def kept_modules(self, fn: cst.FunctionDef, call: cst.Call) -> Optional[ChainV]:
        """The module list a call of `fn` passes, where `fn` returns some of that list's items in their
        order (`_sublist_param`: layer drop's `[layer for (layer, drop) in zip(layers, to_drop) if not
        drop]`, or the list itself): a loop over what it returns runs some of those modules, each as
        a loop over the list runs it (that loop already allows any number of passes). None: not so."""
        index = memoised(self.fa, "sublist param", fn, lambda: _sublist_param(fn))
        if index is None:
            return None
        name = _all_params(fn)[index].name.value
        node = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)
        if node is None and index < len(call.args) and all(a.keyword is None and not a.star for a in call.args[:index + 1]):
            node = call.args[index].value
        if node is None or not self.plain_iterable(node):
            return None
        held = self.eval_module(node, bind_site=False)
        return held if isinstance(held, ChainV) and held.kind == "list" and not held.plain else None

    def declared_default_exits(self, options: tuple) -> object:
        """The output of a module built through a constructor parameter (`self.mlp = mlp_layer(...)`),
        as far as its declared default's layers go (another module's class, `mlp_layer=Mlp`): the layers
        that class returns leave here, and what follows them is what this forward does to them, at the
        uses where that class is the one built (elsewhere there are none of its layers to speak of).
        Nothing goes in: what it does to its input is not known."""
        sites: set = set()
        for inst in options:
            cls = inst.module.classes.get(inst.cls)
            if cls is None:
                continue
            passed, assumed = self.defaults_passed(inst.passed)
            summary = inst.module.as_passed(inst.module.summary(cls), dataclasses.replace(inst, passed=passed), assumed)
            out = self.apply_summary(summary, Flow(frozenset()), inst.cls)
            sites |= {site for site in self.as_flow(out).sites if type(site) is Site and site.module_path != self.home.path}
        return Flow(frozenset(sites)) if sites else OPAQUE

    def tagged_exits(self, summary: Summary, inst: InstV) -> Summary:
        """A flag run's summary as this construction applies it: the layers that leave it are copies
        (fresh outcomes) tagged with [this class, the attribute holding the block], so that what
        follows them here is recorded for this construction only (None: not applied through one)."""
        held = self.applying_attr
        tag = [self.cls.name, held[0]] if held is not None and held[1] is inst and self.cls is not None else None
        mapping: dict = {}

        def mapped(sites: frozenset) -> frozenset:
            out = set()
            for site in sites:
                if type(site) is Site and site.module_path != self.home.path:
                    if id(site) not in mapping:
                        mapping[id(site)] = dataclasses.replace(site, outcomes=[], use_tag=tag)
                    site = mapping[id(site)]
                out.add(site)
            return frozenset(out)

        return dataclasses.replace(
            summary, exits=mapped(summary.exits),
            positions=[mapped(p) for p in summary.positions] if summary.positions is not None else None,
            fields={k: (mapped(v), maybe) for k, (v, maybe) in summary.fields.items()} if summary.fields is not None else None,
        )  # fmt: skip

    def defaults_passed(self, passed: dict) -> tuple[dict, dict]:
        """What a construction passes, a parameter of this class at its default class read as that
        class (`act_layer=act_layer`, nn.ReLU), with the `ConstructorDefault` each rests on."""
        out, assumed = dict(passed), {}
        for key, value in passed.items():
            literal = isinstance(value, ParamV) and isinstance(value.default, tuple) and value.default[:1] == ("<literal>",)
            if isinstance(value, ParamV) and (isinstance(value.default, ClassRefV) or literal) and value.owner is not None \
                    and self.param_override(value.name) is None:  # fmt: skip
                out[key], assumed[key] = value.default, self.default_fact(value.owner, value.name, value.default)
        return out, assumed

    def probed(self, out: object, inst: InstV) -> object:
        """The output of one construction of a class of this file, with that construction's
        `UseProbe` riding along where a layer of it leaves (not in a per-use run itself)."""
        if type(out) not in (Flow, MaybeNone) or self.cls is not None and self.cls.unsettled is not None \
                or not any(type(site) is Site for site in out.sites):  # fmt: skip
            return out
        probe = self.fa.use_probes.setdefault(id(inst.call), UseProbe(inst.cls))
        return type(out)(out.sites | {probe})

    def construct_for_flow(self, ref: ClassRefV) -> object:
        nn_name = torch_nn_name(ref.qualname)
        if nn_name in catalogue.ACTIVATION_MODULES:
            activation, _ = catalogue.ACTIVATION_MODULES[nn_name]
            return ActV(activation, None, f"nn.{nn_name}")
        if nn_name in catalogue.TRANSPARENT_MODULES:
            return TransparentV(nn_name)
        return self.function_as_module(ref) or UnknownV(ref.qualname)

    @staticmethod
    def function_as_module(ref: ClassRefV) -> Optional[object]:
        """`self.act = F.relu` / `act=torch.tanh`: a torch function called on the signal alone."""
        fname = functional_name(ref.qualname)
        if fname in catalogue.ACTIVATION_FUNCTIONS:
            activation, _ = catalogue.ACTIVATION_FUNCTIONS[fname]
            if activation == "prelu":
                return None  # needs its weight argument
            return ActV(activation, catalogue.DEFAULT_PARAM.get(activation), f"{_short_ref(ref)} called on it")
        if fname in catalogue.TRANSPARENT_FUNCTIONS:
            return TransparentV(_short_ref(ref))
        return None

    def apply_summary(self, summary: Summary, flow: Flow, what: str, extras: Optional[dict] = None,
                      assumed: tuple = ()) -> object:  # fmt: skip
        """What a module does with what goes in (`flow`, `extras`) and what comes out. `assumed`: the
        constructor defaults that chose the module, which what it applies rests on."""
        if not summary.done:  # DlaTree holding a DlaTree: its own summary is not known yet
            self.consume(flow, "unknown", None, f"goes into {what}, which contains itself")
            for extra in (extras or {}).values():
                self.consume(extra, "unknown", None, f"goes into {what}, which contains itself")
            return OPAQUE
        inputs = [(summary.input_site, flow)] + [(summary.extra_inputs[name], extra) for name, extra in (extras or {}).items()]
        for site, given in inputs:
            if site.feeds_layer:
                feed_layer(given, site.first_layers)
            if site.norm is not None:  # its input meets a norm first: so do the layers that feed it
                note_norm(given, site.norm)
            for activation, param, evidence in list(site.outcomes):
                chosen = (Evidence.assuming("", assumed),) if assumed else ()
                self.consume(given, activation, param, derived(f"{evidence}, first in {what}", evidence, *chosen))
            if not site.outcomes and given.sites and site not in summary.exits:
                # The module never touches its input in a way we saw, nor returns it: unknown, not none.
                self.consume(given, "unknown", None, f"{what} does not use its input visibly")
        own = {id(site) for site in summary.extra_inputs.values()} | {id(summary.input_site)}

        def through(sites: frozenset) -> Flow:
            # an activation output leaves as this use's own: where it goes next is up to this caller
            out = set(ActivationOutput(s.sites, s.feeds_layer) if isinstance(s, ActivationOutput) else s
                      for s in sites if id(s) not in own)  # fmt: skip
            for site, given in inputs:
                if site in sites:
                    out |= given.sites
            return Flow(frozenset(out))

        if summary.positions is not None:
            return TupleV([through(sites) for sites in summary.positions])
        if summary.fields is not None:
            return RecordV(what, {name: (MaybeNone if maybe else Flow)(through(sites).sites)
                                  for name, (sites, maybe) in summary.fields.items()})  # fmt: skip
        return through(summary.exits)

    def eval_flow(self, node: cst.BaseExpression) -> object:
        """Evaluate an expression in forward: tensors are flows, self.x are module values."""
        kind = type(node)  # exact types: these node classes have no subclasses (see dotted)
        if kind is cst.Name:
            if node.value in self.env:
                return self.env[node.value]
            if node.value == "None":
                return NONE_V
            if node.value in self.fa.functions:
                return FunctionRefV(node.value)
            alias = self.module_alias(node.value)  # `act = F.gelu` at the top of the file
            return alias if alias is not None else OPAQUE
        if kind is cst.Attribute:
            if dotted(node.value) == self.self_name:
                return self.attrs.get(node.attr.value, UnknownV(f"self.{node.attr.value}"))
            base = self.eval_flow(node.value)
            if isinstance(base, RecordV):  # outputs.last_hidden_state; a field not given is None
                return base.fields.get(node.attr.value, NONE_V)
            if isinstance(base, ChainV) and base.kind == "sequential":  # self.head.fc of Sequential(OrderedDict(...))
                named = [value for key, value in base.items if key == node.attr.value]
                return named[0] if len(named) == 1 else OPAQUE
            if isinstance(base, ChainV) and base.kind == "list" and any(key == node.attr.value for key, _ in base.items):
                named = named_item(base, node.attr.value)  # self.transformer.h of nn.ModuleDict(dict(h=...))
                return named if named is not None else OPAQUE
            if isinstance(base, InstV):  # self.encoder.layer: a submodule's own module, as it built it
                owner = base.module or self.fa
                cls = owner.classes.get(base.cls)
                if cls is not None:
                    owner.build_class(cls)
                    held = cls.attrs.get(node.attr.value)
                    # built with other arguments, its blocks may differ; a layer of it is still its site
                    # (`self.block.fc(x)` past the block's forward: what follows is recorded there)
                    if isinstance(held, LayerV) or isinstance(held, (InstV, ChainV)) and not base.passed:
                        return held
                return OPAQUE
            if isinstance(base, Flow) and base.sites:
                # x.shape, x.T, x.mT ...: T is a transpose (transparent), the rest are not tensors
                return base if node.attr.value in ("T", "mT", "data") else OPAQUE
            return OPAQUE
        if kind is cst.Call:
            return self.flow_call(node)
        if kind is cst.BinaryOperation:
            written_out = self.written_out_activation(node)
            if written_out is not None:
                return written_out
            left = self.as_flow(self.eval_flow(node.left))
            right = self.as_flow(self.eval_flow(node.right))
            if isinstance(node.operator, cst.Add):
                note_residual(left, right)
                return Flow(left.sites | right.sites)
            op = short_code(node.operator).strip() or "op"
            self.consume(left, "none", None, f"`{op}` in forward")
            self.consume(right, "none", None, f"`{op}` in forward")
            if self.is_constant(node.right):
                return head_part(left)
            return head_part(right) if self.is_constant(node.left) else OPAQUE
        if kind is cst.UnaryOperation:
            inner = self.as_flow(self.eval_flow(node.expression))
            self.consume(inner, "none", None, "negated in forward")
            return head_part(inner) if isinstance(node.operator, cst.Minus) else OPAQUE
        if kind is cst.Subscript:
            if self.is_attention_registry(node.value):  # ALL_ATTENTION_FUNCTIONS[impl]
                return ATTENTION_KERNEL
            base = self.eval_flow(node.value)
            if isinstance(base, ChainV):  # self.layer[1]: the items that may be in that place
                options = elements_at(base, node) if base.kind != "alt" else None
                if not options:
                    return list_element(base)
                return one_of(options)
            if isinstance(base, RecordV):
                stop = _literal_prefix_stop(node)
                if stop is not None:  # sequence_output, pooled_output = outputs[:2]
                    return TupleV([self.record_item(base, j) for j in range(stop)])
                return self.record_item(base, _literal_index(node))
            if isinstance(base, TupleV):
                index = _literal_index(node)
                if index is not None and -len(base.items) <= index < len(base.items):
                    return base.items[index]
                return self.as_flow(base)
            if isinstance(base, Flow) and base.sites:
                return base  # slicing keeps which layer produced the values
            return OPAQUE
        if kind is cst.Tuple or kind is cst.List:
            items = [self.eval_flow(element.value) for element in node.elements]
            if any(isinstance(element, cst.StarredElement) for element in node.elements) \
                    and all(isinstance(item, (Flow, TupleV)) for item in items):  # fmt: skip
                # `(self.to_q(x), *kv.chunk(2))`: places not counted here; the tensors, one flow
                return self.as_flow(TupleV(items))
            return TupleV(items)
        if kind is cst.ListComp or kind is cst.GeneratorExp:
            return self.comprehension(node)
        if kind is cst.IfExp:
            body = self.eval_flow(node.body)
            orelse = self.eval_flow(node.orelse)
            if isinstance(body, Flow) or isinstance(orelse, Flow):
                sure = not any(v == NONE_V or isinstance(v, MaybeNone) for v in (body, orelse))
                return (Flow if sure else MaybeNone)(self.as_flow(body).sites | self.as_flow(orelse).sites)
            return alternative(body, orelse)
        if kind is cst.Comparison or kind is cst.BooleanOperation:
            return OPAQUE
        return OPAQUE

    def comprehension(self, node: cst.BaseComp) -> object:
        """`[x[:, i::2] for i in range(2)]`, `(blk(x) for blk in self.blocks)`: a list of what its
        element is over every iteration, as one flow (its names do not leak out)."""
        saved = dict(self.env)
        clause = node.for_in
        while clause is not None:
            held = self.own_modules(clause)
            if held is not None:  # `[c(x) for i, c in enumerate(self.values())]` in a ModuleDict subclass
                self.env[clause.target.elements[0].value.value] = UnknownV("loop index")
                self.env[clause.target.elements[1].value.value] = held
                clause = clause.inner_for_in
                continue
            source = self.eval_flow(clause.iter)
            if isinstance(source, ChainV):
                element = list_element(source)
            elif isinstance(source, (Flow, TupleV)):
                element = self.as_flow(source)  # a tensor's slices, or a list's tensors: one of them
            else:
                element = OPAQUE
            for name in _names_in(clause.target):  # `for a, b in pairs`: parts of the same tensors
                self.env[name] = element if isinstance(clause.target, cst.Name) or isinstance(element, Flow) \
                    else UnknownV("loop element")  # fmt: skip
            clause = clause.inner_for_in
        value = self.eval_flow(node.elt)
        self.env = saved
        if isinstance(value, (LayerV, InstV, ChainV)):  # [self.layers[-1] for _ in range(n)]: modules
            return ChainV([("<loop>", [(None, value)])], "list")
        return self.as_flow(value)

    def own_modules(self, clause: cst.CompFor) -> Optional[object]:
        """A comprehension's `for i, c in enumerate(self.values())` (or `self.children()`) in a container
        class: `c` is one of the modules it registered (None: not such a clause)."""
        target, source = clause.target, clause.iter
        if not (isinstance(target, cst.Tuple) and len(target.elements) == 2
                and all(isinstance(e.value, cst.Name) for e in target.elements)
                and isinstance(source, cst.Call) and dotted(source.func) == "enumerate" and len(source.args) == 1):  # fmt: skip
            return None
        inner = source.args[0].value
        if not (isinstance(inner, cst.Call) and not inner.args and isinstance(inner.func, cst.Attribute)
                and inner.func.attr.value in ("values", "children") and isinstance(inner.func.value, cst.Name)
                and inner.func.value.value == self.self_name and self.cls is not None
                and self.fa.container_kind(self.cls)):  # fmt: skip
            return None
        return list_element(ChainV(registered_modules(self.attrs, self.fa, self.cls.registered_maybe), "list"))

    def flow_call(self, call: cst.Call) -> object:
        written_out = self.written_out_activation(call)
        if written_out is not None:
            return written_out
        func = call.func
        args = [a for a in call.args if a.keyword is None]
        # self.method(...) inlined; self.layer(x) applies a module
        if isinstance(func, cst.Attribute) and dotted(func.value) == self.self_name:
            attr = func.attr.value
            if attr in self.attrs:
                value = self.attrs[attr]
                handed = self.call_handed_self(value, call)
                if handed is not None:  # self.processor(self, x): the held object's code runs on this module
                    return handed
                outer, self.applying_attr = self.applying_attr, (attr, value)
                try:
                    return self.apply_to_args(value, call, f"self.{attr}")
                finally:
                    self.applying_attr = outer
            if self.cls is not None:
                found = self.fa.method(self.cls, attr)
                if found is not None and self.depth < MAX_INLINE_DEPTH:
                    return self.inline_method(found[1], call)
                if attr == "loss_function" and self.fa.derives_from(self.cls, catalogue.TRANSFORMERS_PRETRAINED):
                    return self.call_value(ConsumerV("the loss `self.loss_function` of transformers' PreTrainedModel"), call)
            return self.unknown_call(call, f"self.{attr}")
        # ALL_ATTENTION_FUNCTIONS.get_interface(impl, eager_attention_forward): a kernel, or the default
        if isinstance(func, cst.Attribute) and func.attr.value in ("get_interface", "get") \
                and self.is_attention_registry(func.value):  # fmt: skip
            positional = [a for a in call.args if a.keyword is None and not a.star]
            default = self.eval_flow(positional[1].value) if len(positional) > 1 else NONE_V
            return ATTENTION_KERNEL if default in (NONE_V, OPAQUE) else alternative(ATTENTION_KERNEL, default)
        # `super().forward(x)` in a module subclass: what its base class does to x, not a tensor method
        if isinstance(func, cst.Attribute) and func.attr.value in ("forward", "__call__") \
                and isinstance(func.value, cst.Call) and dotted(func.value.func) == "super":  # fmt: skip
            return self.apply_to_args(self.base_module(), call, "super().forward")
        # tensor methods: x.relu(), x.view(...), x.mean()
        if isinstance(func, cst.Attribute):
            if func.attr.value == "apply":
                applied = self.autograd_apply(func.value, call)
                if applied is not None:
                    return applied
            if isinstance(func.value, cst.Name) and self.env.get(func.value.value) is AUTOGRAD_CTX:
                return OPAQUE  # ctx.save_for_backward(x), ctx.mark_dirty(x): nothing the forward computes
            q = self.fa.imports.qualify(func)
            if q is None and isinstance(func.value, cst.Name) and func.value.value not in self.env:
                return self.unknown_call(call, short_code(func))  # a module or class not imported here
            if q is None or not q.startswith("torch"):
                receiver = self.eval_flow(func.value)
                if isinstance(receiver, Flow):
                    return self.tensor_method(receiver, func.attr.value, call)
                if isinstance(receiver, TupleV) and isinstance(func.value, cst.Name) \
                        and func.attr.value in ("append", "extend") and len(call.args) == 1:  # fmt: skip
                    # features.append(new): the list grows (a local list, rebound to its new contents)
                    added = self.eval_flow(call.args[0].value)
                    more = added.items if func.attr.value == "extend" and isinstance(added, TupleV) else [added]
                    self.env[func.value.value] = TupleV([*receiver.items, *more])
                    return NONE_V
                if isinstance(receiver, ChainV) and receiver.kind == "alt" and receiver.items \
                        and all(isinstance(item, TupleV) for _, item in receiver.items) \
                        and isinstance(func.value, cst.Name) and func.attr.value in ("append", "extend") \
                        and len(call.args) == 1:  # fmt: skip
                    # a list a loop left with different contents (`spo.append(sp)` in it), grown after it: each
                    added = self.eval_flow(call.args[0].value)
                    more = added.items if func.attr.value == "extend" and isinstance(added, TupleV) else [added]
                    self.env[func.value.value] = ChainV([(key, TupleV([*item.items, *more])) for key, item in receiver.items], "alt")
                    return NONE_V
                if isinstance(receiver, (LayerV, ActV, TransparentV, ChainV, InstV, ParamV)):
                    if func.attr.value == "forward":
                        return self.apply_to_args(receiver, call, short_code(func.value))
                    member = self.eval_flow(func)  # self.head.global_pool(x): a named submodule of it
                    if isinstance(member, (LayerV, ActV, TransparentV, ChainV, InstV)):
                        return self.apply_to_args(member, call, short_code(func))
                for arg in call.args:
                    self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, f"`{short_code(func)}`")
                return OPAQUE
        q = self.fa.imports.qualify(func)
        if q in catalogue.CALLING_FUNCTIONS and len(args) > catalogue.CALLING_FUNCTIONS[q][0] \
                and not any(a.star for a in call.args[:catalogue.CALLING_FUNCTIONS[q][0] + 1]):  # fmt: skip
            return self.flow_call(self.called_through(call, catalogue.CALLING_FUNCTIONS[q]))
        fname = functional_name(q)
        if fname is not None:
            return self.functional(fname, call, args)
        if einops_name(q) is not None and args:
            return self.einops_call(einops_name(q), call, args)
        if torch_nn_name(q) in catalogue.LOSS_MODULES:  # loss_fct = CrossEntropyLoss()
            return ConsumerV(f"the loss nn.{torch_nn_name(q)}")
        if q is not None and q.startswith("torch.distributions."):  # Normal(mu, std): what a policy returns
            flows = [self.as_flow(self.eval_flow(arg.value)) for arg in call.args]
            for flow in flows:
                self.consume(flow, "unknown", None, f"goes into `{short_code(func)}(...)`")
            return Flow(frozenset().union(*(head_part(flow).sites for flow in flows)))
        idiom = self.transformers_call(call, q, args)
        if idiom is not None:
            return idiom
        if isinstance(func, cst.Name) and func.value in self.fa.functions and func.value not in self.env:
            kept = self.kept_modules(self.fa.functions[func.value], call)
            if kept is not None:  # `dropout_layers(self.layers, p)`: some of the list's modules, in order
                return kept
        # a local module value called: act(x), layer(x), block(x), self.blocks[i](x)
        callee = self.eval_flow(func) if isinstance(func, (cst.Name, cst.Call, cst.Subscript)) else None
        if isinstance(callee, (ConsumerV, FunctionRefV)) or (isinstance(callee, ChainV) and callee.kind == "alt" and all(
                isinstance(option, (ConsumerV, FunctionRefV)) for _, option in callee.items)):  # fmt: skip
            return self.call_value(callee, call)
        if isinstance(callee, (LayerV, ActV, TransparentV, ChainV, InstV, ParamV)) or (
                isinstance(callee, ClassRefV) and self.function_as_module(callee) is not None):  # fmt: skip
            return self.apply_to_args(callee, call, short_code(func))
        if self.is_local_model_output(func):
            return self.model_output(func, call)
        if isinstance(func, cst.Name) and func.value in self.fa.tuple_types:
            # a namedtuple of this file packs its arguments: GoogLeNetOutputs(x, aux2, aux1)
            return TupleV([self.eval_flow(arg.value) for arg in call.args])
        if isinstance(func, cst.Name) and func.value in self.fa.functions and self.depth < MAX_INLINE_DEPTH:
            return self.inline_function(self.fa.functions[func.value], call)
        if isinstance(func, cst.Name) and func.value in ("len", "isinstance", "print", "range", "int", "float"):
            return OPAQUE
        if isinstance(func, cst.Name) and func.value == "map" and func.value not in self.env \
                and func.value not in self.fa.functions:  # fmt: skip
            mapped = self.mapped(call)
            if mapped is not None:
                return mapped
        if isinstance(func, cst.Name) and func.value in ("tuple", "list") and func.value not in self.env \
                and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:  # fmt: skip
            held = self.eval_flow(call.args[0].value)  # the same tensors (or modules) in another sequence
            return held if isinstance(held, (TupleV, ChainV)) else self.as_flow(held)
        # a function of another module of the program or an installed package (timm's nchw_to), run on
        # these flows there, as the runtime trace sees its tensor ops; torch's own are the catalogue's
        found = self.home.loader.lookup(self.fa, q) if q and q.split(".", 1)[0] != "torch" \
            and self.home.loader is not None else None  # fmt: skip
        if found is not None and found[0] == "function" and found[1] is not None and self.depth < MAX_INLINE_DEPTH:
            return self.inline_function(found[1].functions[found[2]], call, module=found[1])
        return self.unknown_call(call, short_code(func))

    def autograd_apply(self, node: cst.BaseExpression, call: cst.Call) -> Optional[object]:
        """`SwishImplementation.apply(x)`, a torch.autograd.Function subclass of the program (its class
        here or in another module): its static `forward(ctx, ...)` run on the flows, ctx standing for
        the Function's context; None where `node` names no such class or the forward is not read."""
        if self.depth >= MAX_INLINE_DEPTH or not isinstance(node, (cst.Name, cst.Attribute)) \
                or (isinstance(node, cst.Name) and node.value in self.env):  # fmt: skip
            return None
        module, cls = self.fa, self.fa.classes.get(node.value) if isinstance(node, cst.Name) else None
        if cls is None and self.home.loader is not None:
            q = self.fa.imports.qualify(node)
            found = self.home.loader.lookup(self.fa, q) if q and not q.startswith("torch.") else None
            if found is not None and found[0] == "class" and found[1] is not None:
                module, cls = found[1], found[1].classes.get(found[2])
        if cls is None or not any(base in AUTOGRAD_FUNCTIONS for base in cls.bases):
            return None
        fn = cls.methods.get("forward")
        static = fn is not None and any(dotted(d.decorator) == "staticmethod" for d in fn.decorators)
        if not static or not _positional_params(fn) or any(arg.star or arg.keyword for arg in call.args):
            return None
        ctx = type(self)(module, self.cls, fn, self.depth + 1, home=self.home)
        ctx.attrs = {}
        ctx.in_init = False
        ctx.self_name = "<no self>"
        self.bind_flow_args(ctx, fn, call.with_changes(args=[cst.Arg(cst.Name("None")), *call.args]), self_bound=False)
        ctx.env[_positional_params(fn)[0].name.value] = AUTOGRAD_CTX
        ctx.run_block(fn.body)
        return ctx.returned()

    @staticmethod
    def called_through(call: cst.Call, how: tuple) -> cst.Call:
        """`checkpoint(fn, *args, use_reentrant=False)` as the call it runs, `fn(*args)`:
        `how`: catalogue.CALLING_FUNCTIONS's entry."""
        at, skipped, taken, own = how
        positional = [a for a in call.args if a.keyword is None]
        given = positional[at + 1 + skipped:]
        rest = given[:taken] + [a for a in call.args if a.keyword is not None and a.keyword.value not in own]
        return cst.Call(func=positional[at].value, args=rest)

    def written_out_activation(self, node: cst.BaseExpression) -> Optional[Flow]:
        """An activation written in tensor arithmetic: `x * torch.sigmoid(x)` (SiLU),
        `x * torch.tanh(F.softplus(x))` (Mish), `F.relu(x) ** 2` / `torch.square(torch.relu(x))`
        (squared ReLU). Recorded as that activation on the operand's layers; else None.
        SiLU and Mish name their operand twice: only a plain name is surely the same tensor."""
        found = self.match_written_out(node)
        if found is None:
            return None
        activation, operand = found
        flow = self.as_flow(self.eval_flow(operand))
        name = catalogue.display_name(activation)
        self.consume(flow, activation, None, f"`{short_code(node, 60)}` in forward ({name} written out)")
        return activated(flow)

    def match_written_out(self, node: cst.BaseExpression) -> Optional[tuple[str, cst.BaseExpression]]:
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
            for x, other in ((node.left, node.right), (node.right, node.left)):
                if not isinstance(x, cst.Name):
                    continue
                outer = self.unary_op(other)
                if outer is None or not (isinstance(outer[1], cst.Name) or outer[0] == "tanh"):
                    continue
                if outer[0] in ("sigmoid", "expit") and dotted(outer[1]) == x.value:
                    return "silu", x
                inner = self.unary_op(outer[1]) if outer[0] == "tanh" else None
                if inner is not None and inner[0] == "softplus" and dotted(inner[1]) == x.value:
                    return "mish", x
            return self.replayed(node)
        squared = None
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Power) and literal_number(node.right) == 2:
            squared = node.left
        elif isinstance(node, cst.Call):
            op = self.unary_op(node, allow_exponent=True)
            if op is not None and (op[0] == "square" or (op[0] in ("pow", "pow_") and op[2] == 2)):
                squared = op[1]
        inner = self.unary_op(squared) if squared is not None else None
        if inner is not None and inner[0] in ("relu", "relu_"):
            return "squared_relu", inner[1]
        return self.replayed(node)

    def replayed(self, node: cst.BaseExpression) -> Optional[tuple[str, cst.BaseExpression]]:
        """An elementwise expression of one tensor name that computes a catalogued activation, read
        by replaying it at catalogue.SAMPLE_POINTS (the runtime tracer replays the traced ops alike):
        `0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))`
        is GELU. (activation, the name) or None."""
        if not isinstance(node, (cst.BinaryOperation, cst.Call)):
            return None
        names: set = set()
        try:
            fn = self.scalar_function(node, names)
            if fn is None or len(names) != 1:
                return None
            activation = catalogue.identify_elementwise(fn(z) for z in catalogue.SAMPLE_POINTS)
        except (ArithmeticError, ValueError, TypeError, RecursionError):
            return None
        return (activation, cst.Name(names.pop())) if activation is not None else None

    def scalar_function(self, node: cst.BaseExpression, names: set):
        """`node` as a function of one float standing for the tensor names it reads (collected in
        `names`), over constants and torch's elementwise ops; None where it is anything else."""
        kind = type(node)
        if kind is cst.Name and isinstance(self.env.get(node.value), Flow):
            if names and node.value not in names:
                return None  # a second tensor: not a function of one
            names.add(node.value)
            return lambda z: z
        if kind is cst.BinaryOperation:
            left, right = self.scalar_function(node.left, names), self.scalar_function(node.right, names)
            op = {cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "div",
                  cst.Power: "pow"}.get(type(node.operator))  # fmt: skip
            if left is None or right is None or op is None:
                return None
            combine = catalogue.SCALAR_FUNCTIONS[op][0]
            return lambda z: combine(left(z), right(z))
        if kind is cst.UnaryOperation and isinstance(node.operator, (cst.Minus, cst.Plus)):
            inner = self.scalar_function(node.expression, names)
            sign = -1.0 if isinstance(node.operator, cst.Minus) else 1.0
            return None if inner is None else (lambda z: sign * inner(z))
        if kind is cst.Call and not any(arg.star or (arg.keyword is not None) for arg in node.args):
            func = node.func
            q = self.fa.imports.qualify(func)
            operands = [arg.value for arg in node.args]
            if q is not None and q.startswith("math."):
                constant = literal_number(node) if q == "math.sqrt" else None
                if constant is None and q[5:] in catalogue.SCALAR_FUNCTIONS and len(operands) == 1:
                    inner = self.scalar_function(operands[0], set())
                    constant = catalogue.SCALAR_FUNCTIONS[q[5:]][0](inner(0.0)) if inner is not None else None
                return None if constant is None else (lambda z: constant)
            fname = functional_name(q)
            if fname is None and isinstance(func, cst.Attribute) and q is None:  # x.pow(3), x.tanh()
                fname, operands = func.attr.value, [func.value, *operands]
            spec = catalogue.SCALAR_FUNCTIONS.get(fname or "")
            if spec is None or len(operands) != spec[1]:
                return None
            parts = [self.scalar_function(operand, names) for operand in operands]
            if any(part is None for part in parts):
                return None
            return lambda z: spec[0](*(part(z) for part in parts))
        if kind is cst.Attribute and dotted(node) in ("math.pi", "math.e") and self.fa.imports.qualify(node) in ("math.pi", "math.e"):
            constant = math.pi if node.attr.value == "pi" else math.e
            return lambda z: constant
        constant = self.number(node) if kind in (cst.Integer, cst.Float, cst.Name, cst.Attribute) else None
        return None if constant is None else (lambda z: constant)

    def unary_op(self, node: cst.BaseExpression, allow_exponent: bool = False) -> Optional[tuple]:
        """(name, operand, exponent) for `torch.f(x)` / `F.f(x)` / `x.f()` with no other argument
        that changes values (`inplace=` aside; `pow` takes its exponent when allowed)."""
        if not isinstance(node, cst.Call) or any(a.star for a in node.args):
            return None
        values = [a for a in node.args if not (a.keyword is not None and a.keyword.value == "inplace")]
        func = node.func
        q = self.fa.imports.qualify(func)
        fname = functional_name(q)
        if fname is not None:
            operand, rest = (values[0].value, values[1:]) if values and values[0].keyword is None else (None, values)
        elif isinstance(func, cst.Attribute) and q is None:
            fname, operand, rest = func.attr.value, func.value, values
        else:
            return None
        if operand is None:
            return None
        exponent = None
        if allow_exponent and fname in ("pow", "pow_") and len(rest) == 1:
            exponent = literal_number(rest[0].value)
            rest = []
        return (fname, operand, exponent) if not rest else None

    def subscript_key(self, node: cst.Subscript) -> Optional[str]:
        """The string key of `d[key]` (a literal, or a parameter's literal default), else None."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        return self.string(node.slice[0].slice.value)

    def record_item(self, record: RecordV, index: Optional[int]) -> object:
        """outputs[k]: a ModelOutput indexes the fields that are not None, so the k-th field
        given is known only when every field before it surely holds a tensor. Otherwise any
        field from the k-th on may be the one read: each is followed by something unknown."""
        values = list(record.fields.values())
        if index is None or index < 0:
            candidates = values
        else:
            candidates = [v for j, v in enumerate(values) if j >= index
                          and sum(1 for before in values[:j] if _surely_tensor(before)) <= index]  # fmt: skip
            if len(candidates) == 1 and _surely_tensor(candidates[0]) and candidates[0] is values[index]:
                return candidates[0]
        for value in candidates:
            self.consume(self.as_flow(value), "unknown", None, f"read by position from {record.what}")
        return OPAQUE

    def call_value(self, callee: object, call: cst.Call) -> object:
        """Call a loss / kernel (its tensor inputs meet no activation), a function of this file
        (inlined), or one of several of those (`attention_interface`): each option is run."""
        if isinstance(callee, ConsumerV):
            for arg in call.args:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "none", None, f"goes into {callee.what}")
            return OPAQUE
        if isinstance(callee, FunctionRefV):
            if self.depth < MAX_INLINE_DEPTH:
                return self.inline_function(callee.node or self.fa.functions[callee.name], call, callee.closure, callee.module)
            return self.unknown_call(call, callee.name)
        return self.merged([self.call_value(option, call) for _, option in callee.items])

    def number(self, node: cst.BaseExpression) -> Optional[float]:
        """A number written here, or held by a parameter / self attribute / config default."""
        value = literal_number(node)
        return value if value is not None else self.held_literal(node, literal_number)

    def string(self, node: cst.BaseExpression) -> Optional[str]:
        """A string written here, or held by a parameter / self attribute / config default."""
        value = literal_string(node)
        return value if value is not None else self.held_literal(node, literal_string)

    def held_literal(self, node: cst.BaseExpression, read) -> Optional[object]:
        """`read` (literal_number / literal_string) of the literal a name, a self attribute or a
        config attribute holds, else None."""
        held: object = None
        if isinstance(node, cst.Name):
            held = self.env.get(node.value)
        elif isinstance(node, cst.Attribute) and dotted(node.value) == self.self_name:
            held = self.attrs.get(node.attr.value)
        if held is None:
            held = self.object_field(node)
        if isinstance(held, ParamV):
            held = held.default
        if isinstance(held, tuple) and held and held[0] == "<literal>":
            return read(held[1])
        return None

    def object_field(self, node: cst.BaseExpression) -> Optional[object]:
        """`config.hidden_act` / `self.config.hidden_act` / `getattr(config, "hidden_act", None)`,
        the object built with its defaults: the attribute's literal default, else None."""
        node = self.getattr_as_attribute(node)
        if not isinstance(node, cst.Attribute):
            return None
        held = self.object_holder(node.value)
        if held is None:
            return None
        found = held.fields.get(node.attr.value)
        if found is None:
            return None
        self.object_reads += 1
        self.last_object_source = found[1]
        if ":" in held.qualname:  # a class of the program (not a parsed command line's namespace)
            path, owner = held.qualname.rsplit(":", 1)
            shown = short_code(found[0][1]) if isinstance(found[0], tuple) else "None"
            self.object_facts.append(ConstructorDefault(owner, node.attr.value, shown, path, object_field=True))
        return found[0]

    @staticmethod
    def getattr_as_attribute(node: cst.BaseExpression) -> cst.BaseExpression:
        """`getattr(config, "x", ...)` read as `config.x` (a declared attribute wins over the
        fallback; an undeclared one is not known here: a base class may set it)."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in ("getattr", "hasattr") \
                and len(node.args) in (2, 3) and isinstance(node.args[0].value, (cst.Name, cst.Attribute)):  # fmt: skip
            attr = literal_string(node.args[1].value)
            if attr is not None and attr.isidentifier():
                return cst.Attribute(value=node.args[0].value, attr=cst.Name(attr))
        return node

    @staticmethod
    def key_expression(node: cst.BaseExpression) -> cst.BaseExpression:
        """`config.hidden_act` of `ACT2FN[config.hidden_act]`; the node itself otherwise."""
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            return node.slice[0].slice.value
        return node

    def key_parameter(self, node: cst.Subscript) -> Optional[ParamV]:
        """The constructor parameter a registry's key is (`ACTS[act]`, `ACT2FN[act]`), else None."""
        key = self.key_expression(node)
        held = self.env.get(key.value) if isinstance(key, cst.Name) else None
        return held if isinstance(held, ParamV) and held.owner is not None else None

    def object_holder(self, base: cst.BaseExpression) -> Optional[ObjectV]:
        """The object `config` / `self.config` / a module-level `args` holds, else None."""
        held: object = None
        if isinstance(base, cst.Name):
            held = self.env.get(base.value) if base.value in self.env else self.fa.module_objects.get(base.value)
            if held is None and base.value not in self.env and self.fa.loader is not None:
                # `from options import args`: the namespace that module parses
                q = self.fa.imports.qualify(base)
                found = self.fa.loader.lookup(self.fa, q) if q else None
                if found is not None and found[0] == "object" and found[1] is not None:
                    held = found[1].module_objects.get(found[2])
        elif isinstance(base, cst.Attribute) and dotted(base.value) == self.self_name:
            held = self.attrs.get(base.attr.value)
        if isinstance(held, ParamV):
            held = held.default
        return held if isinstance(held, ObjectV) else None

    def key_evidence(self, node: Optional[cst.BaseExpression]) -> str:
        """Where a key read from an object's defaults comes from: ', config.hidden_act being
        "gelu" by default (BertConfig.hidden_act in configuration_bert.py)', else ''."""
        node = self.getattr_as_attribute(self.key_expression(node)) if node is not None else None
        held = self.env.get(node.value) if isinstance(node, cst.Name) else None
        if isinstance(held, tuple) and len(held) == 3 and held[0] == "<literal>":  # a config default its callers pass
            return f", {node.value} being {short_code(held[1])} ({held[2]})"
        holder = self.object_holder(node.value) if isinstance(node, cst.Attribute) else None
        if holder is None or node.attr.value not in holder.fields:
            return ""  # read without counting as a read: evidence decides no branch
        value, where = holder.fields[node.attr.value]
        shown = short_code(value[1]) if isinstance(value, tuple) else "None"
        return f", {short_code(node)} being {shown} by default ({where})"

    def activation_param(self, call: cst.Call, spec: Optional[tuple], activation: str) -> Optional[float]:
        """The slope / alpha / init of an activation: as passed, torch's default when not passed,
        None when passed but not known statically."""
        if spec is None:
            return None
        node = argument(call, *spec)
        if node is None:
            return catalogue.DEFAULT_PARAM.get(activation)
        return self.number(node)

    def rrelu_param(self, call: cst.Call, first: int) -> Optional[float]:
        """RReLU's slope is drawn from U(lower, upper); its mean is what the gain uses."""
        lower_node, upper_node = argument(call, "lower", first), argument(call, "upper", first + 1)
        lower = 1 / 8 if lower_node is None else self.number(lower_node)
        upper = 1 / 3 if upper_node is None else self.number(upper_node)
        return None if lower is None or upper is None else (lower + upper) / 2

    def mapped(self, call: cst.Call) -> Optional[object]:
        """`map(lambda t: rearrange(t, ...), qkv)`: the lambda's body on each tensor (or on the parts of
        a split, one flow), or on the modules of a list, as the loop it stands for; None for any other
        map (a function, several iterables)."""
        if len(call.args) != 2 or any(a.keyword is not None or a.star for a in call.args):
            return None
        function, iterable = call.args[0].value, call.args[1].value
        if isinstance(function, (cst.Name, cst.Attribute)):
            # `map(l2norm, (q, k))`, a function named: each item as the argument of a call of it
            function = cst.Lambda(params=cst.Parameters(params=[cst.Param(cst.Name(_MAPPED_ITEM))]),
                                  body=cst.Call(func=function, args=[cst.Arg(cst.Name(_MAPPED_ITEM))]))  # fmt: skip
        params = function.params if isinstance(function, cst.Lambda) else None
        if params is None or len(params.params) != 1 or params.star_arg is not cst.MaybeSentinel.DEFAULT \
                or params.posonly_params or params.kwonly_params or params.star_kwarg is not None:  # fmt: skip
            return None
        if params.params[0].default is not None:
            return None
        items = self.eval_flow(iterable)
        modules = isinstance(items, ChainV)
        if modules:  # map(lambda conv: conv(x), self.convs): on one module of the list, as a loop over it
            items = list_element(items)
            if isinstance(items, UnknownV):
                return OPAQUE
        elif not isinstance(items, (TupleV, Flow)):
            self.consume(self.as_flow(items), "unknown", None, "goes into `map(...)`")
            return OPAQUE
        name, saved = params.params[0].name.value, dict(self.env)  # the lambda's name does not leak out

        def body_on(item: object) -> object:
            self.env[name] = item
            return self.eval_flow(function.body)

        try:
            if isinstance(items, TupleV) and not modules:
                return TupleV([body_on(item) for item in items.items])
            return self.as_flow(body_on(items))
        finally:
            self.env = saved

    def unknown_call(self, call: cst.Call, what: str) -> object:
        for arg in call.args:
            self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, f"goes into `{what}(...)`")
        return OPAQUE

    def base_module(self) -> object:
        """The module a class's `super().forward` runs: a torch base class's (a norm: gain-neutral,
        an activation); any other base's forward is not read here (unknown)."""
        bases = self.cls.bases if self.cls is not None else []
        if len(bases) == 1 and torch_nn_name(bases[0]) is not None:
            return self.construct_for_flow(ClassRefV(bases[0]))
        return UnknownV("the forward of its base class")

    def apply_to_args(self, value: object, call: cst.Call, what: str) -> object:
        if isinstance(value, ConsumerV):
            return self.call_value(value, call)
        if isinstance(value, ChainV) and value.kind == "alt":
            # one of several modules: those whose forward cannot take these arguments are not it
            callable_here = [option for _, option in value.items if self.accepts(option, call) is not False]
            if len(callable_here) == 1:
                value = callable_here[0]
        args = [a for a in call.args if a.keyword is None and not a.star]
        names = self.input_names(value)
        if not args and names:  # self.self_attn(hidden_states=x, ...): forward's input by name
            args = [a for a in call.args if a.keyword is not None and a.keyword.value == names[0]][:1]
        if not args:
            for arg in call.args:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, f"goes into {what}")
            return OPAQUE
        first = self.as_flow(self.eval_flow(args[0].value))
        extras: dict = {}
        positional = 0
        for extra in call.args:
            if extra is args[0]:
                continue
            name = extra.keyword.value if extra.keyword is not None else None
            if extra.keyword is None and not extra.star:
                positional += 1
                name = names[positional] if positional < len(names) else None
            flow = self.as_flow(self.eval_flow(extra.value))
            if name is not None and name in names[1:] and name not in extras:
                extras[name] = flow
            else:
                self.consume(flow, "unknown", None, f"extra input of {what}")
        if isinstance(value, ActV):
            evidence = derived(f"{what} = {value.evidence}", value.evidence)
            return self.apply_module(dataclasses.replace(value, evidence=evidence), first, "forward")
        return self.apply_module(value, first, f"{what} in forward", extras)

    def accepts(self, value: object, call: cst.Call) -> Optional[bool]:
        """Whether a module of the program can be called with these arguments (a keyword its
        forward does not name, without **kwargs, is a TypeError at run time); None: not known."""
        if not isinstance(value, InstV):
            return None
        owner = value.module or self.fa
        cls = owner.classes.get(value.cls)
        found = owner.forward_of(cls) if cls is not None else None
        if found is None:
            return None
        params = found[1].params
        if isinstance(params.star_kwarg, cst.Param):
            return True
        names = {p.name.value for p in _positional_params(found[1])[1:]} | {p.name.value for p in params.kwonly_params}
        positional = sum(1 for arg in call.args if arg.keyword is None and not arg.star)  # `*a`, `**k` may be empty
        if positional > len(_positional_params(found[1])) - 1 and not isinstance(params.star_arg, cst.Param):
            return False
        if not all(arg.keyword.value in names for arg in call.args if arg.keyword is not None):
            return False
        return None if any(arg.star for arg in call.args) else True

    def input_names(self, value: object) -> list:
        """The inputs of a module of this file: its forward's parameters after self, in order."""
        owner = (value.module or self.fa) if isinstance(value, InstV) else self.fa
        cls = owner.classes.get(value.cls) if isinstance(value, InstV) else None
        found = owner.forward_of(cls) if cls is not None else None
        return [p.name.value for p in _positional_params(found[1])[1:]] if found else []

    def clamp_activation(self, call: cst.Call, method: str, first: int) -> Optional[str]:
        """`x.clamp(min=0)`, `torch.clamp(x, 0, 6)`: the activation it is, if its bounds make one
        (`first`: the position of the min bound among the positional arguments)."""
        if method not in catalogue.CLAMPS:
            return None
        low, high = argument(call, "min", first), None if method.startswith("clamp_min") else argument(call, "max", first + 1)
        bounds = [literal_number(node) if node is not None else None for node in (low, high)]
        if any(node is not None and bound is None for node, bound in zip((low, high), bounds)):
            return None  # a bound not written as a number
        return catalogue.clamp_activation(*bounds)

    def tensor_method(self, receiver: Flow, method: str, call: cst.Call) -> Flow:
        clamped = self.clamp_activation(call, method, 0)
        if clamped is not None:
            self.consume(receiver, clamped, catalogue.DEFAULT_PARAM.get(clamped), f".{method}() in forward ({catalogue.display_name(clamped)} written as a clamp)")
            return activated(receiver)
        if method in catalogue.ACTIVATION_FUNCTIONS:
            activation, spec = catalogue.ACTIVATION_FUNCTIONS[method]
            if activation == "rrelu":
                param = self.rrelu_param(call, 0)
            else:
                param = self.activation_param(call, (spec[0], spec[1] - 1) if spec else None, activation)
            self.consume(receiver, activation, param, f".{method}() in forward")
            return activated(receiver)
        if method in catalogue.SPLIT_FUNCTIONS:  # each part is followed on its own where it goes
            self.note_split(receiver, f".{method}()")
            for arg in call.args:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "none", None, f"argument of .{method}()")
            return receiver
        if method in catalogue.TRANSPARENT_FUNCTIONS:
            for arg in call.args:
                extra = self.as_flow(self.eval_flow(arg.value))
                if method in ("add", "add_"):
                    note_residual(receiver, extra)
                    receiver = Flow(receiver.sites | extra.sites)
            return receiver
        self.consume(receiver, "none", None, f".{method}() in forward")
        for arg in call.args:
            self.consume(self.as_flow(self.eval_flow(arg.value)), "none", None, f"argument of .{method}()")
        if method in catalogue.ELEMENTWISE_FUNCTIONS and all(self.is_constant(arg.value) for arg in call.args):
            return head_part(receiver)
        return OPAQUE

    @staticmethod
    def note_split(flow: Flow, how: str) -> None:
        for site in flow.sites:
            if isinstance(site, Site):
                site.split_by = site.split_by or how

    def functional(self, fname: str, call: cst.Call, args: list) -> object:
        inputs = [self.as_flow(self.eval_flow(a.value)) for a in args]
        first = inputs[0] if inputs else OPAQUE
        clamped = self.clamp_activation(call, fname, 1) if len(inputs) >= 1 else None
        if clamped is not None:
            self.consume(first, clamped, catalogue.DEFAULT_PARAM.get(clamped), f"{_functional_prefix(call)}{fname} in forward ({catalogue.display_name(clamped)} written as a clamp)")
            for other in inputs[1:]:
                self.consume(other, "none", None, f"argument of {fname}")
            return activated(first)
        if fname in catalogue.ACTIVATION_FUNCTIONS:
            activation, spec = catalogue.ACTIVATION_FUNCTIONS[fname]
            if activation == "rrelu":
                param = self.rrelu_param(call, 1)
            else:
                param = self.activation_param(call, spec, activation)
            self.consume(first, activation, param, f"{_functional_prefix(call)}{fname} in forward")
            for other in inputs[1:]:
                self.consume(other, "none", None, f"argument of {fname}")
            return activated(first)
        if fname in catalogue.SPLIT_FUNCTIONS:
            self.note_split(first, f"{_functional_prefix(call)}{fname}")
        if fname in catalogue.TRANSPARENT_FUNCTIONS or fname in catalogue.SPLIT_FUNCTIONS:
            if fname in catalogue.TRANSPARENT_FUNCTIONS:
                note_norm(first, fname)
            if fname == "add":
                note_residual(*inputs)
                merged: set = set()
                for flow in inputs:
                    merged |= flow.sites
                return Flow(frozenset(merged))
            for other in inputs[1:]:
                self.consume(other, "none", None, f"argument of {fname}")
            return first
        for flow in inputs:
            self.consume(flow, "none", None, f"goes into torch `{fname}`")
        for arg in call.args:
            if arg.keyword is not None:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "none", None, f"goes into torch `{fname}`")
        if fname in catalogue.ELEMENTWISE_FUNCTIONS and all(self.is_constant(a.value) for a in call.args[1:]):
            return head_part(first)
        return OPAQUE

    def is_constant(self, node: cst.BaseExpression) -> bool:
        """An expression of literals, globals and attributes of self that are not modules
        (`self.max_action`, `LOG_STD_MAX - LOG_STD_MIN`): no call, no local tensor."""
        for part in _walk_nodes(node):
            if isinstance(part, cst.Call):
                return False
            if isinstance(part, cst.Name) and part.value in self.env and part.value != self.self_name:
                return False
            if isinstance(part, cst.Attribute) and dotted(part.value) == self.self_name and isinstance(
                    self.attrs.get(part.attr.value), (Flow, LayerV, ActV, TransparentV, ChainV, InstV)):  # fmt: skip
                return False
        return True


def _sublist_param(fn: cst.FunctionDef) -> Optional[int]:
    """The position of the parameter `fn` returns some items of, in order: each `return` returns
    that name, bound only to itself or to `[item for item in NAME if ...]` / `[item for (item, *_)
    in zip(NAME, ...) if ...]`; the name read nowhere else but in `len(NAME)`. None: no such one."""
    returns = [node for node in _walk_nodes(fn.body) if type(node) is cst.Return]
    names = {r.value.value for r in returns if isinstance(r.value, cst.Name)}
    params = [p.name.value for p in _all_params(fn)]
    if len(names) != 1 or len(returns) != sum(isinstance(r.value, cst.Name) for r in returns) or not returns:
        return None
    name = names.pop()
    if name not in params or any(type(node) in (cst.FunctionDef, cst.Lambda, cst.ClassDef) for node in _walk_nodes(fn.body)):
        return None
    allowed: set = set()  # ids of the Name nodes of `name` read in a way that keeps the items
    for node in _walk_nodes(fn.body):
        kind = type(node)
        if kind is cst.Return:
            allowed.add(id(node.value))
        elif kind is cst.Call and isinstance(node.func, cst.Name) and node.func.value == "len" and len(node.args) == 1:
            allowed.add(id(node.args[0].value))
        elif kind is cst.Assign and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
            if len(node.targets) != 1 or not _keeps_items(node.value, name):
                return None
            allowed.add(id(node.targets[0].target))
            comp = node.value.for_in
            allowed.add(id(comp.iter if isinstance(comp.iter, cst.Name) else comp.iter.args[0].value))
    if any(type(node) is cst.Name and node.value == name and id(node) not in allowed for node in _walk_nodes(fn.body)):
        return None
    if name in {t for node in _walk_nodes(fn.body) if type(node) in (cst.AugAssign, cst.For, cst.NamedExpr, cst.Del)
                for t in [getattr(getattr(node, "target", None), "value", None)]}:  # fmt: skip
        return None
    return params.index(name)


def _keeps_items(node: cst.BaseExpression, name: str) -> bool:
    """`[x for x in NAME if ...]` or `[x for (x, *_) in zip(NAME, ...) if ...]`: items of NAME, in order."""
    if type(node) is not cst.ListComp or node.for_in.inner_for_in is not None or not isinstance(node.elt, cst.Name):
        return False
    comp, item = node.for_in, node.elt.value
    if isinstance(comp.iter, cst.Name) and comp.iter.value == name:
        return isinstance(comp.target, cst.Name) and comp.target.value == item
    if isinstance(comp.iter, cst.Call) and isinstance(comp.iter.func, cst.Name) and comp.iter.func.value == "zip" \
            and comp.iter.args and isinstance(comp.iter.args[0].value, cst.Name) and comp.iter.args[0].value.value == name \
            and not any(a.star or a.keyword for a in comp.iter.args):  # fmt: skip
        target = comp.target
        return isinstance(target, (cst.Tuple, cst.List)) and bool(target.elements) \
            and isinstance(target.elements[0].value, cst.Name) and target.elements[0].value.value == item \
            and sum(isinstance(e.value, cst.Name) and e.value.value == item for e in target.elements) == 1  # fmt: skip
    return False


# the name a named function's argument takes in `map(f, items)`, read as `map(lambda item: f(item), items)`
# (a name no code reads)
_MAPPED_ITEM = "__initlint_mapped_item__"
