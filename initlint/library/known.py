"""What the analysis knows of torchvision, einops and transformers beyond catalogue.py's tables:
recognition keyed by resolved qualified names."""

from __future__ import annotations

import dataclasses

from typing import Optional

import libcst as cst

from .. import catalogue
from . import hooks
from ..semantics.imports import torch_nn_name
from ..semantics.values import (ActV, ChainV, ClassRefV, ConstructorDefault, ConsumerV, Evidence, InputSite, LayerV,
                                NONE_V, OPAQUE, ParamV, RecordV, RepeaterV, TransparentV, TupleV, UnknownV, derived, one_of)
from ..syntax.nodes import argument, dotted, literal_number, literal_string, short_code


ATTENTION_KERNEL = ConsumerV("an attention kernel of transformers' ALL_ATTENTION_FUNCTIONS")


def einops_name(qualname: Optional[str]) -> Optional[str]:
    """rearrange / Rearrange / reduce ... for einops' own names (einops.X, einops.layers.torch.X)."""
    if not qualname or not qualname.startswith("einops."):
        return None
    name = qualname.rsplit(".", 1)[-1]
    return name if name in catalogue.EINOPS_TRANSPARENT | catalogue.EINOPS_REDUCTIONS | catalogue.EINOPS_PACKING else None


def _literal_pair(value: object) -> Optional[tuple]:
    """(name, {keyword: literal source}) of a value that is a literal ("name", {"keyword": literal})
    tuple, as MONAI's `split_args` reads one; else None."""
    if isinstance(value, tuple) and value[:1] == ("<literal>",) and isinstance(value[1], cst.Tuple):
        return _pair_node(value[1])  # as a caller's literal reached here
    if not isinstance(value, ChainV) or value.kind != "list" or len(value.items) != 2 or value.items[0][0] is not None:
        return None
    name, arguments = _literal(value.items[0][1]), value.items[1][1]
    if name is None or not isinstance(arguments, ChainV) or arguments.kind != "list":
        return None
    out = {}
    for key, item in arguments.items:
        if key in (None, "*") or not (isinstance(item, tuple) and item[:1] == ("<literal>",)):
            return None
        out[key] = cst.Module([]).code_for_node(item[1])
    return (name, out)


def _pair_node(node: cst.Tuple) -> Optional[tuple]:
    """(name, {keyword: literal source}) of a literal `("name", {"keyword": value})` tuple, else None."""
    if len(node.elements) != 2 or not isinstance(node.elements[1].value, cst.Dict):
        return None
    name = literal_string(node.elements[0].value)
    out = {}
    for element in node.elements[1].value.elements:
        key = literal_string(element.key) if isinstance(element, cst.DictElement) else None
        if key is None:
            return None
        out[key] = cst.Module([]).code_for_node(element.value)
    return (name, out) if name is not None else None


def _hook_literal(value: object) -> object:
    """What a hook taking pairs is given for a value: a string, a number, a (name, {keyword:
    source}) pair, `hooks.NONE` for None; else None."""
    if value == NONE_V:
        return hooks.NONE
    if isinstance(value, tuple) and value[:1] == ("<literal>",):
        text = literal_string(value[1])
        return text if text is not None else literal_number(value[1]) if literal_number(value[1]) is not None \
            else _literal_pair(value)  # fmt: skip
    return _literal_pair(value)


def _literal(value: object) -> Optional[str]:
    """The string a `("<literal>", node)` value holds, else None."""
    return literal_string(value[1]) if isinstance(value, tuple) and len(value) > 1 and value[0] == "<literal>" else None


class KnownLibraries:
    """Idioms of torchvision, einops and transformers recognised by resolved name inside the
    interpreter. Composed into `Context`."""

    def library_hook(self, found: Optional[tuple], q: str, call: cst.Call) -> Optional[object]:
        """What a library's hook (library/hooks) says this call returns, keyed by the name the
        called function has where it is defined; None: no hook, or it declined."""
        resolved = q
        if found is not None and found[0] in ("function", "class") and found[1] is not None:
            module = self.home.loader.index.names.get(found[1].path)
            resolved = f"{module[0]}.{found[2]}" if module else q
        hook = hooks.hook_for(resolved)
        if hook is None:
            return None
        plain = [arg for arg in call.args if arg.keyword is None and not arg.star]
        each = self.hook_per_option(hook, call, plain, resolved)
        if each is not None:
            return each
        reads = len(self.default_reads)
        positional = [self.string(arg.value) for arg in plain]
        keywords = {arg.keyword.value: self.string(arg.value) for arg in call.args if arg.keyword is not None}
        pair_facts: list = []
        if hooks.takes_pairs(resolved):  # MONAI's `get_act_layer(("leakyrelu", {"negative_slope": 0.1}))`
            if any(arg.star for arg in call.args):
                return None  # what `*args` / `**kwargs` pass is not read here
            positional = [self.hook_argument(arg.value, resolved, pair_facts, i) for i, arg in enumerate(plain)]
            keywords = {arg.keyword.value: self.hook_argument(arg.value, resolved, pair_facts, arg.keyword.value)
                        for arg in call.args if arg.keyword is not None}  # fmt: skip
        classes = {**{i: self.registry_named(arg.value, resolved, i) for i, arg in enumerate(plain)},
                   **{arg.keyword.value: self.registry_named(arg.value, resolved, arg.keyword.value)
                      for arg in call.args if arg.keyword is not None}}  # fmt: skip
        answer = hook(positional, keywords, {k: v for k, v in classes.items() if v is not None})
        if answer is None:
            return None
        kind, what = (*answer, None)[:2]
        evidence = f"`{short_code(call, 50)}` ({resolved})"
        if kind == "argument":  # returns what is passed for that parameter (get_norm_layer(nn.LayerNorm))
            node = argument(call, answer[2], what)
            return self.read_through(self.eval_module(node, bind_site=False), answer[3:]) if node is not None else None
        if kind == "call_argument":  # builds what is passed for that parameter with the call's other keywords
            node = argument(call, answer[2], what)
            rest = [arg for arg in call.args if arg.star or arg.keyword is not None and arg.keyword.value != answer[2]]
            built = cst.Call(func=cst.Name(answer[2]), args=rest)
            return self.call_module_value(self.read_through(self.eval_module(node, bind_site=False), answer[3:]),
                                          built) if node is not None else None  # fmt: skip
        if kind == "bind":  # that class with these keywords bound to the call's arguments (or defaults)
            tight = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
            bound = tuple(cst.Arg(keyword=cst.Name(param), equal=tight,
                                  value=argument(call, param, position) or cst.parse_expression(default))
                          for param, (position, default) in answer[2].items())  # fmt: skip
            # a parameter's default class it was given (`get_norm_act_layer(norm_layer, act_layer)`):
            # what the made class applies rests on that default too
            facts = tuple(self.default_fact(*read) for read in self.default_reads[reads:])
            return ClassRefV(what, Evidence.assuming(evidence, facts) if facts else evidence, bound)
        if kind == "norm_act":
            return self.norm_activation(call, what, *answer[2:], evidence)
        if kind == "repeater":
            return RepeaterV(evidence)
        if kind == "class":
            return ClassRefV(what, evidence)
        if kind == "sequence":  # modules one after another (MONAI's ADN: norm, dropout, activation in its ordering)
            items = [(None, self.hook_answer_value(part, evidence)) for part in what]
            if self.cls is not None and any(isinstance(v, UnknownV) for _, v in items):
                self.cls.contains_unknown = True
            chain = ChainV(items, "sequential")
            self.summarise_chain(chain)
            return self.resting_on(chain, tuple(pair_facts)) if pair_facts else chain
        if kind == "instance" and len(answer) > 2 and answer[2]:  # built with these keywords (literal sources)
            made = self.hook_answer_value(answer, evidence)
            return self.resting_on(made, tuple(pair_facts)) if pair_facts else made
        if kind == "instance" and pair_facts:
            return self.resting_on(self.library_instance_of(what, evidence), tuple(pair_facts))
        if kind == "instance":
            return self.library_instance_of(what, evidence)
        return UnknownV(f"{evidence}: {what}")

    def hook_answer_value(self, answer: tuple, evidence: str) -> object:
        """The module a part of a ("sequence", ...) answer is: ("instance", class[, {keyword: source}])
        or ("unknown", why)."""
        if answer[0] != "instance":
            return UnknownV(f"{evidence}: {answer[1]}")
        if len(answer) > 2 and answer[2]:
            tight = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
            built = cst.Call(func=cst.Name("layer"), args=[cst.Arg(keyword=cst.Name(key), equal=tight, value=cst.parse_expression(source))
                                                           for key, source in answer[2].items()])  # fmt: skip
            made = self.call_module_value(ClassRefV(answer[1], evidence), built)
        else:
            made = self.library_instance_of(answer[1], evidence)
        if isinstance(made, ActV):
            made = ActV(made.activation, made.param, f"{evidence}: nn.{answer[1].rsplit('.', 1)[-1]}", made.chosen_by)
        return made

    def library_instance_of(self, what: str, evidence: str) -> object:
        """An instance of `what` made with no arguments, as a hook's ("instance", class) answer says."""
        nn_name = torch_nn_name(what)
        if nn_name in catalogue.ACTIVATION_MODULES:
            activation = catalogue.ACTIVATION_MODULES[nn_name][0]
            return ActV(activation, catalogue.DEFAULT_PARAM.get(activation), evidence)
        return self.construct_for_flow(ClassRefV(what, evidence))

    def hook_argument(self, node: cst.BaseExpression, resolved: str, facts: list, key: object = None) -> object:
        """An argument of a hook that takes (name, {keyword: value}) pairs: a string, such a pair
        (its values' literal sources), else None. A constructor parameter's default read here is
        added to `facts` (read through the hook's registry: a caller may pass another name); a
        parameter this file's constructions pass values for is each of them, which must all be
        the same name and keywords."""
        found = self.string(node)
        if found is not None and not isinstance(node, cst.Name):
            return found
        if literal_number(node) is not None:
            return literal_number(node)
        value = self.eval_module(node, bind_site=False) if isinstance(node, (cst.Name, cst.Tuple)) else None
        options = value.items if isinstance(value, ChainV) and value.kind == "alt" else [(None, value)]
        chosen, read = None, []
        for _, option in options:
            held = option if isinstance(option, ParamV) else None
            base = held.default if held is not None else option
            got = _hook_literal(base)
            if got is None or chosen is not None and got != chosen:
                return found if len(options) == 1 else None
            chosen = got
            if held is not None and held.owner is not None and self.in_init and not hooks.chooses_nothing(resolved, key):
                shown = self.param_default_source(held.owner, held.name)
                if shown is None:
                    return None  # its default's source is not found: what callers pass could not be compared
                registry = hooks.argument_registry(resolved, key) or (resolved if hooks.registry_table(resolved) else None)
                registry = tuple(registry.rsplit(".", 1)) if registry else ()
                holder = self.default_holder(held.owner)
                read.append(ConstructorDefault(held.owner, held.name, shown, holder.path if holder else None, registry))
        own = self.own_parameter(node)
        if own is not None and chosen is not None and not hooks.chooses_nothing(resolved, key) \
                and not any(fact.owner == own and fact.param == node.value for fact in read):  # fmt: skip
            # this constructor's own parameter, which the file's constructions pass values for (read above,
            # each): a construction elsewhere may pass another
            shown = self.param_default_source(own, node.value)
            if shown is None:
                return None
            registry = hooks.argument_registry(resolved, key) or (resolved if hooks.registry_table(resolved) else None)
            holder = self.default_holder(own)
            read.append(ConstructorDefault(own, node.value, shown, holder.path if holder else None,
                                           tuple(registry.rsplit(".", 1)) if registry else ()))  # fmt: skip
        facts.extend(read)
        return chosen

    def own_parameter(self, node: cst.BaseExpression) -> Optional[str]:
        """The class whose constructor (being interpreted) `node` names a parameter of, never bound
        again in it; else None."""
        from ..semantics.file import _default_filled

        fn = getattr(self, "fn", None)
        if not isinstance(node, cst.Name) or fn is None or self.cls is None or not self.in_init or self.depth != 0:
            return None
        params = fn.params
        if not any(p.name.value == node.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)):
            return None
        return self.cls.name if _default_filled(fn, node.value) is None else None

    def param_default_source(self, owner: str, name: str) -> Optional[str]:
        """The source of the default of parameter `name` of class (or function) `owner`'s
        constructor, in the module defining it; else None."""
        holder = next((fa for fa in (self.fa, self.home) if owner in fa.classes or owner in fa.functions), None)
        if holder is None:
            return None
        cls = holder.classes.get(owner)
        found = holder.method(cls, "__init__") if cls is not None else None
        fn = found[1] if found else holder.functions.get(owner) if cls is None else None
        if fn is None:
            return None
        params = fn.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name and param.default is not None:
                return cst.Module([]).code_for_node(param.default)
        return None

    def hook_per_option(self, hook, call: cst.Call, plain: list, resolved: str) -> Optional[object]:
        """A call whose one argument may hold one of several strings or classes (`get_norm_layer(norm_layer)`,
        `norm_layer` being "groupnorm" at one construction and `nn.BatchNorm2d` at the others): the
        hook asked for each, what it returns for each one of the values. None where no argument holds
        such a choice, or the hook's answer for one of them is not a class, an argument or unknown."""
        slots = [(i, arg) for i, arg in enumerate(plain)] + [(arg.keyword.value, arg) for arg in call.args
                                                             if arg.keyword is not None]  # fmt: skip
        chosen = None
        for slot, arg in slots:
            if not isinstance(arg.value, (cst.Name, cst.Attribute)):
                continue
            value = self.eval_module(arg.value, bind_site=False)
            if isinstance(value, ChainV) and value.kind == "alt":
                if chosen is not None:
                    return None  # two choices: their combinations are not followed
                chosen = (slot, arg, value)
        if chosen is None:
            return None
        slot, arg, value = chosen
        options = [item for _, item in value.items]
        if not all(isinstance(o, ClassRefV) and not o.bound and not o.qualname.startswith(("local:", "func:"))
                   or _literal(o) is not None for o in options):  # fmt: skip
            return None
        positional = [None if a is arg else self.string(a.value) for a in plain]
        keywords = {a.keyword.value: None if a is arg else self.string(a.value) for a in call.args if a.keyword is not None}
        classes = {**{i: self.class_named(a.value) for i, a in enumerate(plain) if a is not arg},
                   **{a.keyword.value: self.class_named(a.value) for a in call.args if a.keyword is not None and a is not arg}}
        made = []
        for option in options:
            text = _literal(option)
            if isinstance(slot, int):
                positional[slot] = text
            else:
                keywords[slot] = text
            known = {k: v for k, v in classes.items() if v is not None}
            if text is None:
                known[slot] = option.qualname
            answer = hook(positional, keywords, known)
            evidence = f"`{short_code(call, 50)}` ({resolved})"
            if answer is None:
                return None
            if answer[0] == "class":
                made.append(ClassRefV(answer[1], evidence))
            elif answer[0] == "argument" and (answer[1] == slot or answer[2] == slot) and text is None:
                made.append(option)
            elif answer[0] == "unknown":
                made.append(UnknownV(f"{evidence}: {answer[1]}"))
            else:
                return None
        return one_of(made)

    @staticmethod
    def read_through(value: object, registry: tuple) -> object:
        """A constructor parameter a library reads a key of through its registry (`registry`: the
        hook's qualified name for it, or empty): a caller's key is the class that table gives."""
        if registry and isinstance(value, ParamV):
            return dataclasses.replace(value, registry=tuple(registry[0].rsplit(".", 1)))
        return value

    def registry_named(self, node: cst.BaseExpression, resolved: str, key: object) -> Optional[str]:
        """`class_named`, a constructor default it reads noting the registry the hooked function reads
        that argument through (a caller's key is then the class that table gives)."""
        reads = len(self.default_reads)
        named = self.class_named(node)
        registry = hooks.argument_registry(resolved, key)
        if registry is not None and len(self.default_reads) == reads + 1:
            self.default_reads[-1] = (*self.default_reads[-1][:3], tuple(registry.rsplit(".", 1)))
        return named

    def class_named(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name of the class an argument names (`nn.BatchNorm2d`, a parameter's
        default class), for a hook; None otherwise (a partial's bound keywords would be lost).
        Names only: a call is not evaluated twice."""
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        value = self.eval_module(node, bind_site=False)
        if isinstance(value, ParamV) and isinstance(value.default, ClassRefV) and self.param_override(value.name) is None:
            if value.owner is not None and self.in_init:
                self.default_reads.append((value.owner, value.name, value.default))
            value = value.default
        if not isinstance(value, ClassRefV) or value.bound or value.qualname.startswith(("local:", "func:")):
            return None
        return value.qualname

    def norm_activation(self, call: cst.Call, norm: str, apply_at: int, act_at: int, default_act: str, registry: str,
                        evidence: str) -> object:  # fmt: skip
        """A norm whose forward then applies an activation module (timm's BatchNormAct2d): the norm
        (gain-neutral), then `act_layer` (the class default when not passed), unless
        `apply_act=False` or `act_layer=None`."""
        items: list = [(None, TransparentV(f"nn.{norm.rsplit('.', 1)[-1]}"))]  # a norm: what follows layers notes it
        reads = len(self.default_reads)
        apply_node = argument(call, "apply_act", apply_at)
        literal = {"True": True, "False": False}.get(apply_node.value) if isinstance(apply_node, cst.Name) else None
        applies = True if apply_node is None else literal if literal is not None else self.static_condition(apply_node)
        act_node = argument(call, "act_layer", act_at)
        hidden = self.star_may_pass(call, ("apply_act", "act_layer", "act_kwargs", "drop_layer"))
        if hidden:
            items.append((None, UnknownV(f"{hidden} of {evidence} may pass its act_layer")))
        elif applies is None:
            items.append((None, UnknownV(f"apply_act={short_code(apply_node)} of {evidence}")))
        elif applies and not (act_node is not None and self.eval_module(act_node, bind_site=False) == NONE_V):
            made = self.norm_act_activation(act_node, default_act, registry, evidence)
            if isinstance(made, ActV) and len(self.default_reads) > reads:  # `apply_act=apply_act` at its default
                made = self.assuming_defaults(made, self.default_reads[reads:])
            items.append((None, made))
        if self.cls is not None and any(isinstance(v, UnknownV) for _, v in items):
            self.cls.contains_unknown = True
        chain = ChainV(items, "sequential")
        self.summarise_chain(chain)
        return chain

    def norm_act_activation(self, act_node: Optional[cst.BaseExpression], default_act: str, registry: str,
                            evidence: str) -> object:  # fmt: skip
        """The activation module a norm+act module makes of its `act_layer` (a class, or a key of
        `registry`, its library's activation registry), the class's default when not passed."""
        if act_node is None:
            made = self.call_module_value(ClassRefV(default_act), cst.Call(func=cst.Name("act_layer")))
            shown = f"default act_layer nn.{default_act.rsplit('.', 1)[-1]} of {evidence}"
            return ActV(made.activation, made.param, shown) if isinstance(made, ActV) else made
        value = self.eval_module(act_node, bind_site=False)
        if isinstance(value, ParamV) and isinstance(value.default, ClassRefV) and self.fa.loader is not None:
            # a block's own act_layer at its default: that default rests on what the program's
            # constructions pass (the program stage reads them, each use judged with its own)
            made = self.call_module_value(self.read_through(value, (registry,)), cst.Call(func=cst.Name("act_layer")))
            if isinstance(made, ActV):
                evidence = Evidence.assuming(f"{made.evidence}, the act_layer of {evidence}",
                                             tuple(getattr(made.evidence, "defaults", ())))  # fmt: skip
                return ActV(made.activation, made.param, evidence, made.chosen_by)
            return made
        keyed = self.key_at_default(value, registry, evidence) if isinstance(value, ParamV) else None
        if keyed is not None:
            return keyed
        if isinstance(value, ParamV):
            # a block's own act_layer read alone: timm's builders pass it in `**kwargs` from code not
            # read as a constructor (EfficientNetBuilder._make_block), so its default is not known to hold
            return UnknownV(f"act_layer from parameter {value.name} of {value.owner or 'its caller'}")
        name = self.string(act_node)
        table = hooks.registry_table(registry) if name is not None else None
        if table is not None:  # act_layer="silu": a key of the library's registry
            entries, lowered = table
            chosen = entries.get(name.lower() if lowered else name, ["unknown", f"{name!r} is not a key of {registry}"])
            value = ClassRefV(chosen[1]) if chosen[0] == "class" else UnknownV(chosen[1])
        if isinstance(value, UnknownV):
            return value
        made = self.call_module_value(value, cst.Call(func=cst.Name("act_layer")))
        if isinstance(made, ActV):
            evidence = derived(f"{made.evidence}, the act_layer of {evidence}", made.evidence)
            return ActV(made.activation, made.param, evidence, made.chosen_by)
        return made

    def key_at_default(self, value: ParamV, registry: str, evidence: str) -> Optional[ActV]:
        """A constructor's own act_layer at its default key (DenseNet's `act_layer='relu'`, passed to
        timm's norm+act): the class the registry gives for it, resting on that default (the program
        looks at what other modules pass). None where that is not so."""
        key = _literal(value.default)
        table = hooks.registry_table(registry) if key is not None else None
        if table is None or value.owner is None or not self.in_init or self.fa.loader is None:
            return None
        entries, lowered = table
        chosen = entries.get(key.lower() if lowered else key)
        if chosen is None or chosen[0] != "class":
            return None
        made = self.call_module_value(ClassRefV(chosen[1]), cst.Call(func=cst.Name("act_layer")))
        if not isinstance(made, ActV):
            return None
        holder = self.default_holder(value.owner)
        fact = ConstructorDefault(value.owner, value.name, short_code(value.default[1]), holder.path if holder else None,
                                  tuple(registry.rsplit(".", 1)))  # fmt: skip
        return ActV(made.activation, made.param, Evidence.assuming(
            f"{value.name} default {key!r} (nn.{chosen[1].rsplit('.', 1)[-1]}), the act_layer of {evidence}", (fact,)))

    def star_may_pass(self, call: cst.Call, names: tuple) -> Optional[str]:
        """`**kwargs` of a call that may pass one of `names`, shown; None when every `**` is a dict
        of this function with other keys only (timm's `**dd`: device and dtype)."""
        for arg in call.args:
            if arg.star == "*":
                return f"`*{short_code(arg.value)}`"
            if arg.star == "**":
                value = self.eval_module(arg.value, bind_site=False)
                keys = [key for key, _ in value.items] if isinstance(value, ChainV) and value.kind == "list" else ["*"]
                if "*" in keys or any(key in names for key in keys):
                    return f"`**{short_code(arg.value)}`"
        return None

    def conv_norm_activation(self, call: cst.Call) -> object:
        """torchvision.ops.Conv2dNormActivation: Sequential(conv, norm, activation) with defaults."""
        kind = "Conv2d"
        for dims in ("1", "3"):
            if f"Conv{dims}dNormActivation" in (dotted(call.func) or ""):
                kind = f"Conv{dims}d"
        site = self.new_site(kind, call)
        site.fix_reason = "built inside torchvision's Conv2dNormActivation"
        items: list = [(None, LayerV(site))]
        norm = argument(call, "norm_layer", 6)
        if norm is None:
            items.append((None, TransparentV("nn.BatchNorm2d (default)")))
        elif not (isinstance(norm, cst.Name) and norm.value == "None"):
            norm_value = self.eval_module(norm, bind_site=False)
            items.append((None, self.transparent_if_norm(norm_value, norm)))
        act = argument(call, "activation_layer", 7)
        if act is None:
            items.append((None, ActV("relu", None, "Conv2dNormActivation default activation_layer nn.ReLU")))
        elif not (isinstance(act, cst.Name) and act.value == "None"):
            act_value = self.eval_module(act, bind_site=False)
            fake = cst.Call(func=cst.Name("x"))
            items.append((None, self.call_module_value(act_value, fake)))
        chain = ChainV(items, "sequential")
        self.summarise_chain(chain)
        return chain

    def einops_call(self, name: str, call: cst.Call, args: list) -> object:
        """rearrange / repeat move values (transparent); reduce(..., "mean") pools; other
        einops functions and reductions are ops like any other."""
        if name == "pack":  # `x, ps = pack([cls_tokens, x], "b * d")`: a concatenation, and its shapes
            for flow in (self.as_flow(self.eval_flow(arg.value)) for arg in call.args):
                self.consume(flow, "none", None, "goes into einops `pack` (a concatenation)")
            return TupleV([OPAQUE, OPAQUE])
        first = self.as_flow(self.eval_flow(args[0].value))
        if name == "unpack":  # `cls_tokens, x = unpack(x, ps, "b * d")`: the parts of x
            for arg in call.args[1:]:
                self.eval_flow(arg.value)
            return first
        if name in catalogue.EINOPS_TRANSPARENT or (
                name in catalogue.EINOPS_REDUCTIONS and self.string(argument(call, "reduction", 2) or cst.Name("x")) == "mean"):  # fmt: skip
            return first
        self.consume(first, "none", None, f"goes into einops `{name}`")
        return OPAQUE

    def transformers_call(self, call: cst.Call, q: Optional[str], args: list) -> Optional[object]:
        """A call of one of transformers' own helpers this analysis knows, in forward; else None."""
        func = call.func
        if isinstance(func, cst.Subscript):  # ACT2FN["relu"](x)
            activation = self.registry_hook(func)
            return None if activation is None else self.apply_to_args(activation, call, short_code(func))
        if not q or not q.startswith("transformers."):
            return None
        found = self.activation_call_hook(call)  # get_activation("silu"): a module
        if found is not None:
            return found
        instance = self.library_instance(self.resolved_name(func))  # gelu(x)
        if instance is not None:
            return self.apply_to_args(instance, call, short_code(func))
        if catalogue.is_transformers_output(q):  # BaseModelOutput(last_hidden_state=x, ...)
            return self.model_output(func, call)
        if any(catalogue.is_transformers(q, name) for name in catalogue.TRANSFORMERS_SHAPE_READERS):
            for arg in call.args:  # create_causal_mask(config, inputs_embeds, ...): shapes only
                self.eval_flow(arg.value)
            return OPAQUE
        if catalogue.is_transformers(q, catalogue.TRANSFORMERS_SLICING) and args:
            # slice_logits_to_keep(hidden_states, n): the last n positions, a slice
            for arg in call.args[1:]:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "none", None, "argument of slice_logits_to_keep")
            return self.as_flow(self.eval_flow(args[0].value))
        if catalogue.is_transformers(q, catalogue.TRANSFORMERS_CHUNKING) and call.args:
            # apply_chunking_to_forward(self.ff_chunk, size, dim, x): self.ff_chunk(x), chunk by chunk
            try:
                return self.flow_call(cst.Call(func=call.args[0].value, args=call.args[3:]))
            except cst.CSTValidationError:  # an argument list no call could have
                return self.unknown_call(call, short_code(func))
        return None

    def resolved_name(self, node: cst.BaseExpression) -> Optional[str]:
        """The qualified name of what `node` names where it is defined (re-exports followed through
        the program's modules, as library_hook keys hooks), else as the imports spell it."""
        q = self.fa.imports.qualify(node)
        loader = self.home.loader
        if not q or loader is None or q.split(".", 1)[0] not in hooks.PACKAGES:
            return q  # only a package with hooks is asked about
        found = loader.lookup(self.fa, q)
        module = loader.index.names.get(found[1].path) if found is not None and found[1] is not None else None
        return f"{module[0]}.{found[2]}" if module else q

    def registry_hook(self, node: cst.Subscript) -> Optional[object]:
        """`ACT2FN[key]`: a library registry its hook answers for (library/hooks), else None."""
        qualname = self.resolved_name(node.value)
        hook = hooks.hook_for(qualname)
        if hook is None:
            return None
        made = self.hooked_classes(hook, node, qualname)
        if made is not None:
            return made
        found = self.hooked_activation(hook, self.subscript_key(node), f"`{short_code(node)}`", node, qualname)
        held = self.key_parameter(node)
        if held is not None and self.in_init and isinstance(found, ActV) and hooks.registry_table(qualname) is not None:
            # `ACT2FN[act]` with `act="gelu"` by default: a caller's key is read in the library's table
            return self.assuming_defaults(found, [(held.owner, held.name, held.default, tuple(qualname.rsplit(".", 1)))])
        return found

    def hooked_classes(self, hook, node: cst.Subscript, qualname: str) -> Optional[object]:
        """`Conv[Conv.CONV, dims]`: the class (or one of the classes) a hooked registry returns for a
        key and its factory's arguments, given as a tuple; None where the hook answers otherwise."""
        if not all(isinstance(element.slice, cst.Index) for element in node.slice):
            return None
        parts = [element.slice.value for element in node.slice]  # `Conv[a, b]`: two elements
        if len(parts) == 1 and isinstance(parts[0], cst.Tuple):  # `Conv[(a, b)]`
            parts = [element.value for element in parts[0].elements]
        if any(isinstance(part, cst.StarredElement) or getattr(part, "star", "") for part in parts):
            return None
        made = []
        evidence = f"`{short_code(node)}` ({qualname})"
        for positional in self.key_options(parts):
            answer = hook(positional, {}, {})
            if answer is None or answer[0] not in ("class", "classes", "unknown"):
                return None
            if answer[0] == "unknown":
                made.append(UnknownV(f"{evidence}: {answer[1]}"))
            else:
                made.extend(ClassRefV(target, evidence) for target in ((answer[1],) if answer[0] == "class" else answer[1]))
        return one_of(made) if made else None

    def key_options(self, parts: list) -> list:
        """The positional arguments a subscript's key and arguments may be, each option of a
        conditional key (`Conv.CONVTRANS if t else Conv.CONV`) apart: a string (a literal, a hooked
        object's constant, a held literal), an int literal written here, else None."""
        options: list = [[]]
        for part in parts:
            values = [self.key_part(branch) for branch in ((part.body, part.orelse) if isinstance(part, cst.IfExp) else (part,))]
            options = [[*option, value] for option in options for value in values]
        return options

    def key_part(self, node: cst.BaseExpression) -> object:
        if isinstance(node, cst.Attribute):
            constant = hooks.constant(self.resolved_name(node.value), node.attr.value)
            if constant is not None:
                return constant
        if isinstance(node, cst.Integer):
            return int(node.evaluated_value)
        return self.string(node)

    def activation_call_hook(self, call: cst.Call) -> Optional[object]:
        """`get_activation("silu")`: the module instance a library's activation factory returns, when
        its hook answers with an instance for the string passed (its first argument); else None."""
        if not isinstance(call.func, (cst.Name, cst.Attribute)) or len(call.args) != 1 or call.args[0].star:
            return None
        hook = hooks.hook_for(self.resolved_name(call.func))
        if hook is None:
            return None
        key_node = call.args[0].value
        key = self.string(key_node)
        answer = hook([key], {}, {}) if key is not None else None
        if answer is None or answer[0] not in ("instance", "unknown"):
            return None
        return self.hooked_activation(hook, key, f"`{short_code(call)}`", key_node, self.resolved_name(call.func))

    def library_instance(self, qualname: Optional[str]) -> Optional[object]:
        """A module-level activation instance a library exports (transformers' `gelu`), else None."""
        found = hooks.instance_hook(qualname)
        if found is None:
            return None
        hook, key = found
        return self.hooked_activation(hook, key, f"`{qualname.rsplit('.', 1)[-1]}`", None, qualname)

    def hooked_activation(self, hook, key: Optional[str], what: str, key_node: Optional[cst.CSTNode] = None,
                          qualname: str = "") -> object:
        """The module a hooked registry gives for `key`: an activation (chosen by the config default
        the key comes from, when it does), a transparent module, or unknown with the reason."""
        where = self.key_evidence(key_node) if key_node is not None else ""
        what += where
        chosen_by = f"`{short_code(self.key_expression(key_node))}`" if where else None
        library = f"{qualname.split('.', 1)[0]}'"  # transformers' `ACT2FN[...]`
        answer = hook([key], {}, {}) if key is not None else None
        if answer is None:
            return UnknownV(what)
        kind, target = answer[:2]
        if kind == "unknown":
            return UnknownV(f"{what} ({target})")
        nn_name = torch_nn_name(target)
        if nn_name in catalogue.ACTIVATION_MODULES:
            activation = catalogue.ACTIVATION_MODULES[nn_name][0]
            return ActV(activation, catalogue.DEFAULT_PARAM.get(activation), f"{library} {what}", chosen_by)
        if nn_name in catalogue.TRANSPARENT_MODULES:
            return TransparentV(what)
        found = self.class_activation(target)
        if isinstance(found, ActV):
            evidence = f"{library} {what}: {target.rsplit('.', 1)[-1]}, {found.evidence}"
            return ActV(found.activation, found.param, evidence, chosen_by)
        return UnknownV(f"{what} ({target}: {found})")

    def class_activation(self, qualname: str) -> object:
        """A library module class whose forward applies one catalogued activation to its input
        and returns that (transformers' NewGELUActivation writes GELU's tanh form out): that
        activation, read from the class's source; else why not, as a string."""
        loader = self.home.loader
        found = loader.lookup(self.fa, qualname) if loader is not None else None
        if found is None or found[0] != "class" or found[1] is None:
            return "its source is not read here"
        module, cls = found[1], found[1].classes[found[2]]
        summary = module.summary(cls)
        outcomes = {(activation, param) for activation, param, _ in summary.input_site.outcomes}
        if not summary.done or summary.positions is not None or summary.fields is not None or len(outcomes) != 1 \
                or any(isinstance(site, InputSite) for site in summary.exits):  # fmt: skip
            return "its forward is not one catalogued activation of its input"
        ((activation, param),) = outcomes
        if activation in ("none", "unknown"):
            return "its forward is not one catalogued activation of its input"
        return ActV(activation, param, summary.input_site.outcomes[0][2])

    def is_local_model_output(self, func: cst.BaseExpression) -> bool:
        """A ModelOutput class of this file (`class MyOutput(ModelOutput)`); transformers' own
        are found by transformers_call."""
        cls = self.fa.classes.get(func.value) if isinstance(func, cst.Name) else None
        return cls is not None and self.fa.derives_from(cls, *catalogue.TRANSFORMERS_OUTPUT_BASES)

    def model_output(self, func: cst.BaseExpression, call: cst.Call) -> RecordV:
        """BaseModelOutput(last_hidden_state=x, ...): each field holds what was passed for it."""
        fields: dict = {}
        for i, arg in enumerate(call.args):
            if arg.star:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, "passed with *")
                continue
            fields[arg.keyword.value if arg.keyword is not None else f"#{i}"] = self.eval_flow(arg.value)
        return RecordV(f"`{short_code(func)}`", fields)

    def is_attention_registry(self, node: cst.BaseExpression) -> bool:
        return catalogue.is_transformers(self.fa.imports.qualify(node), catalogue.TRANSFORMERS_ATTENTION_REGISTRY)
