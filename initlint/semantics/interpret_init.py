"""Constructor interpretation: the module values an `__init__` builds."""

from __future__ import annotations

import dataclasses
import typing
from typing import Optional

import libcst as cst

from .. import catalogue
from ..model import MODULE_ATTRIBUTES
from ..library.known import einops_name
from ..syntax.nodes import (_comp_fors, none_test, none_tested_name, _is_super_init, _names_in, _positional_params, _walk_nodes, _with_bound, argument, dotted, literal_number,
                            literal_string, short_code)
from .imports import Imports, torch_nn_name
from .values import (named_item, ActV, IgnoringV, CONDITIONAL_CLASS, CONDITIONAL_VALUE, ChainV, ClassRefV, ConstructorDefault, ConsumerV,
                     Evidence, Flow, FunctionRefV, InputSite, InstV, LayerV, MAX_INLINE_DEPTH, NONE_V, ParamV, RepeaterV, Summary,
                     TransparentV, UnknownV, _may_be_module, _short_ref, _type_matches, alternative, derived, with_facts,
                     classes_of, exact_element, instances_of, instances_resting_on, keyed_element, last_iteration, list_element, one_of, sites_in)

# methods that change a dict or list in place, other than those read for what they add
_MUTATING = frozenset({"update", "pop", "popitem", "clear", "setdefault", "remove", "reverse", "sort", "__setitem__", "__delitem__"})

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from .file import ClassInfo, FileAnalysis


# Module methods that return the module itself: `nn.Conv2d(...).to(device)` is still that layer.
RETURNS_SELF = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval",
                          "requires_grad_", "share_memory", "to_empty", "type"})  # fmt: skip


def _is_ordered_dict(node: cst.CSTNode, imports: Imports) -> bool:
    if isinstance(node, cst.Call):
        q = imports.qualify(node.func) or dotted(node.func) or ""
        return q.endswith("OrderedDict") or q == "dict"
    return isinstance(node, cst.Dict)


STRING_CASE_METHODS = frozenset({"lower", "upper", "casefold", "strip"})


def _surely_truthy(value: object) -> bool:
    """A class (or partial object, or function) is true, as is a torch activation module (no `__len__`),
    and every one of several such alternatives."""
    if isinstance(value, ChainV) and value.kind == "alt":
        return bool(value.items) and all(key is None and _surely_truthy(item) for key, item in value.items)
    return isinstance(value, (ClassRefV, ActV))


def registry_items(registry: cst.Dict) -> dict:
    """A registry's `{"key": value}` literal: key -> the value's expression."""
    return {literal_string(e.key): e.value for e in registry.elements if isinstance(e, cst.DictElement)}


def registry_table(registry: cst.Dict, imports: Imports, own_classes: typing.Container) -> dict:
    """A registry as plain data for the module summary (`ModuleSummary.registries`): key -> ["class"
    | "instance", the class as `imports` qualify it ("local:X" for one of `own_classes`)], or
    ["unknown", why] for a value that is neither a class nor one built without arguments."""
    table: dict = {}
    for key, value in registry_items(registry).items():
        made = isinstance(value, cst.Call) and not value.args
        named = value.func if made else value
        if isinstance(named, cst.Name) and named.value in own_classes:
            table[key] = ["instance" if made else "class", f"local:{named.value}"]
            continue
        q = imports.qualify(named) if isinstance(named, (cst.Name, cst.Attribute)) else None
        table[key] = ["instance" if made else "class", q] if q else ["unknown", f"`{short_code(value, 60)}`"]
    return table


class ConstructorInterpreter:
    """What a constructor builds: module values, containers, constructions of classes (this file's
    and other modules'), init functions it runs. Composed into `Context`."""

    def eval_module(self, node: cst.BaseExpression, bind_site: bool = True) -> object:
        """Evaluate an expression that builds modules (constructor / helper code)."""
        if isinstance(node, cst.Name):
            if node.value == "None":
                return NONE_V
            if node.value in ("True", "False"):
                return ("<literal>", node)
            if node.value in self.env:
                value = self.env[node.value]
                return value
            if node.value in self.fa.classes:
                return ClassRefV(f"local:{node.value}")
            if node.value in self.fa.functions:
                return ClassRefV(f"func:{node.value}")
            alias = self.module_alias(node.value)
            if alias is not None:
                return alias
            q = self.fa.imports.qualify(node)
            if q is None and node.value in ("dict", "list"):
                return ClassRefV(node.value)  # the builtin: `nn.ModuleDict(dict(h=nn.ModuleList(...)))` (nanoGPT)
            instance = self.library_instance(self.resolved_name(node)) if q else None
            if instance is not None:
                return instance
            return ClassRefV(q) if q else UnknownV(node.value)
        if isinstance(node, cst.Attribute):
            base = dotted(node.value)
            if base == self.self_name:
                if node.attr.value not in self.attrs and self.cls is not None:
                    held = self.class_attribute(node.attr.value)
                    if held is not None:
                        return held
                return self.attrs.get(node.attr.value, UnknownV(f"self.{node.attr.value}"))
            if base is not None and base.startswith(self.self_name + "."):
                # for block in self.transformer.h: an item of nn.ModuleDict(dict(h=...)) (nanoGPT)
                named = named_item(self.eval_module(node.value, bind_site=False), node.attr.value)
                if named is not None:
                    return named
            q = self.fa.imports.qualify(node)
            if q:
                return ClassRefV(q)
            return UnknownV(short_code(node))
        if isinstance(node, (cst.Call, cst.BinaryOperation)) and literal_number(node) is not None:
            return ("<literal>", node)  # np.sqrt(2), 1 / 3: a number, e.g. a gain's default
        if isinstance(node, cst.BinaryOperation) and self.plain_number(node):  # `stride * 2`: a number, not known
            return UnknownV(f"`{short_code(node)}`", plain=True)
        if isinstance(node, cst.Lambda) and not _names_its_parameters(node):
            return IgnoringV(f"`{short_code(node)}`")  # `always(None)`: called, it drops its arguments
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Name) and node.func.value == "getattr":
                field_value = self.object_field(node)
                if field_value is not None:
                    return field_value
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in STRING_CASE_METHODS and not node.args:
                # act_fn = act_fn.lower(): the literal, changed as the method does
                param = self.eval_module(node.func.value, bind_site=False)
                held = param.default if isinstance(param, ParamV) else param
                text = literal_string(held[1]) if isinstance(held, tuple) and held and held[0] == "<literal>" else None
                if text is not None:
                    changed = ("<literal>", cst.SimpleString(repr(getattr(text, node.func.attr.value)())), *held[2:])
                    # a parameter's default changed so is still that parameter: callers may pass another
                    return dataclasses.replace(param, default=changed) if isinstance(param, ParamV) else changed
            value = self.eval_module_call(node)
            if isinstance(value, UnknownV) and not value.plain and self.plain_number(node):  # `math.sqrt(dim)`
                return dataclasses.replace(value, plain=True)
            return value
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    inner = self.eval_module(element.value)
                    items.extend(inner.items if isinstance(inner, ChainV) else [(None, inner)])
                else:
                    items.append((None, self.eval_module(element.value)))
            return ChainV(items, "list", plain=True)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            saved = dict(self.env)
            for comp in _comp_fors(node.for_in):
                for name in _names_in(comp.target):
                    self.env[name] = UnknownV("comprehension variable")
            element = self.eval_module(node.elt)
            self.env = saved
            return ChainV([("<loop>", [(None, element)])], "list", plain=True)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            # `[GroupNormConv(...)] + [Conv(...) for ...]`: one list after the other
            left, right = self.eval_module(node.left), self.eval_module(node.right)
            if isinstance(left, ChainV) and isinstance(right, ChainV) and left.kind == right.kind == "list":
                return ChainV([*left.items, *right.items], "list")
            return UnknownV(f"`{short_code(node)}`")
        if isinstance(node, cst.IfExp):
            reads, defaults, objects = self.object_reads, len(self.default_reads), len(self.object_facts)
            taken = self.static_condition(node.test)
            if taken is not None:
                value = self.eval_module(node.body if taken else node.orelse)
                # `nn.ReLU() if act is None else act`: the name the untaken branch gives back, if it is the tested one
                tested, other = none_tested_name(node.test, taken), node.orelse if taken else node.body
                fallback_of = tested if tested is not None and isinstance(other, cst.Name) and other.value == tested else None
                if self.object_reads != reads and isinstance(value, ActV) and not value.chosen_by:
                    value = self.chosen(value, f"`{short_code(node.test)}`", tuple(self.object_facts[objects:]))
                elif len(self.default_reads) > defaults and isinstance(value, ActV):  # `nn.ReLU() if act else None`
                    if fallback_of is not None:  # a construction passing `nn.Tanh()` replaces it
                        return self.instance_fallback(value, self.env.get(fallback_of), node.body if taken else node.orelse)
                    value = self.assuming_defaults(value, self.default_reads[defaults:])
                elif len(self.default_reads) > defaults:  # `nn.Sigmoid() if gate else None`: what is bound to it
                    self.chosen_by_defaults = self.default_reads[defaults:]
                    facts = tuple(self.default_fact(*read) for read in self.chosen_by_defaults)
                    if instances_of(value):  # `Proc() if proc is None else proc`: what its code does rests on them
                        value = instances_resting_on(value, facts)
                    elif classes_of(value):  # `nn.ReLU if act_layer is None else act_layer`, `nn.ReLU if relu else nn.Tanh`
                        before = self.env.get(fallback_of) if fallback_of is not None else None
                        value = self.class_chosen(value, before, before is not None, facts)
                return value
            self.undecided_values += 1  # `A if c else None` is A or None: not one module
            body = self.eval_module(node.body)
            orelse = self.eval_module(node.orelse)
            for site in sites_in(body) + sites_in(orelse):
                site.fix_reason = site.fix_reason or CONDITIONAL_VALUE
            return alternative(body, orelse)
        if isinstance(node, (cst.Comparison, cst.UnaryOperation)) or isinstance(node, cst.BooleanOperation) \
                and isinstance(node.operator, cst.And):  # fmt: skip
            decided = self.decided_test(node)
            if decided is not None:
                return decided
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            left = self.eval_module(node.left)
            right = self.eval_module(node.right)
            for site in sites_in(right):
                site.fix_reason = site.fix_reason or CONDITIONAL_VALUE
            if isinstance(left, ParamV) and left.default in (NONE_V, None):
                # `act_layer or nn.ReLU`: still the parameter, whose default is now the right side;
                # `force_act_layer or act_layer`: the right parameter, resting on the left's None too
                if isinstance(right, ParamV) and isinstance(right.default, ClassRefV) and left.owner is not None:
                    return dataclasses.replace(right, also=((left.owner, left.name, NONE_V), *left.also, *right.also))
                if isinstance(right, ClassRefV):
                    return ParamV(left.name, right, left.owner)
                return self.instance_fallback(right, left, node.right)  # `act or nn.ReLU()`: a passed `nn.Tanh()` replaces it
            if left == NONE_V:
                return right
            if _surely_truthy(left):  # `act_layer or nn.ReLU` where the call passed a class: that class
                return left
            return alternative(left, right)
        if isinstance(node, cst.Subscript):
            hooked = self.registry_hook(node)  # ACT2FN[config.hidden_act]
            if hooked is not None:
                return hooked
            registry = self.registry_of(node.value)
            if registry is not None:
                entry = self.registry_entry(registry[1], node, registry[0])
                held = self.key_parameter(node)
                # the table a key passed by a caller is read in (the program stage looks it up there)
                table = ((registry[0] if registry[0] is not None else self.fa).path, registry[2])
                if held is not None and isinstance(entry, ClassRefV):
                    # `ACTS[act]` with `act="relu"` by default: still the parameter, whose default now
                    # names the class, so that callers passing another key are followed
                    return ParamV(held.name, entry, held.owner, held.or_none, registry=table, carried=held.carried)
                if held is not None and isinstance(entry, ActV) and self.in_init:
                    return self.assuming_defaults(entry, [(held.owner, held.name, held.default, table)])  # an instance's key
                return entry
            base = self.eval_module(node.value)
            if not isinstance(base, ChainV):
                return UnknownV(f"`{short_code(node)}`")
            keyed = keyed_element(base, node)  # op_dict["A"]: that key's value, not any of the dict's
            if keyed is not None:
                return keyed
            exact = exact_element(base, node)
            return exact if exact is not None else list_element(base)
        if isinstance(node, cst.Dict):
            items = []
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    key = literal_string(element.key)
                    items.append((key or "*", self.eval_module(element.value)))
                elif isinstance(element, cst.StarredDictElement):  # `{**dd, **(kwargs or {})}`: its keys, or any
                    items.extend(self.spread(element.value, f"`**{short_code(element.value)}`"))
            return ChainV(items, "list", plain=True)
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return ("<literal>", node)
        return UnknownV(f"`{short_code(node)}`")

    def plain_number(self, node: cst.BaseExpression, depth: int = 0) -> bool:
        """Whether `node` surely computes a number, never a module: arithmetic over literals and
        parameters that hold none (`FileAnalysis.plain_param`), `math` functions, `int`/`float`/`len`/
        `round` (`nn.Sequential` has `+` and `*`: operands that may be modules are not plain)."""
        if depth > 8:
            return False
        if literal_number(node) is not None or isinstance(node, (cst.Integer, cst.Float)):
            return True
        if isinstance(node, cst.BinaryOperation):
            return self.plain_number(node.left, depth + 1) and self.plain_number(node.right, depth + 1)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
            return self.plain_number(node.expression, depth + 1)
        if isinstance(node, cst.Call) and not any(arg.star for arg in node.args):
            q = self.fa.imports.qualify(node.func) or ""
            name = node.func.value if isinstance(node.func, cst.Name) and not q else None
            # `sum(splits)`: 0 + each item, which no module supports
            return q.startswith("math.") or name in ("int", "float", "len", "round") or name == "sum" and len(node.args) == 1
        if isinstance(node, cst.Name) and node.value in self.env:
            held = self.env[node.value]
            if isinstance(held, ParamV):
                return held.owner is not None and self.fa.plain_param(held.owner, held.name)
            return isinstance(held, UnknownV) and held.plain or isinstance(held, tuple) and held[:1] == ("<literal>",) \
                and literal_number(held[1]) is not None  # fmt: skip
        return False

    def registry_entry(self, registry: cst.Dict, node: cst.Subscript, module: Optional[FileAnalysis] = None) -> object:
        """`ACT_LAYERS[config.hidden_act]`: the class the key names, when the key is known here
        (`module`: the module the registry is written in, when it is another)."""
        key = self.subscript_key(node)
        entries = registry_items(registry)
        if key is None:  # a parameter this file's constructions pass several literals for: each entry
            expression = self.key_expression(node)
            keys = self.literal_options(expression) if expression is not node else None
            if keys and all(k in entries for k in keys):
                options = [self.registry_entry(registry, node.with_deep_changes(node.slice[0].slice, value=cst.SimpleString(repr(k))),
                                               module) for k in keys]  # fmt: skip
                merged = options[0]
                for option in options[1:]:
                    merged = alternative(merged, option)
                return merged
        if key is None or key not in entries:
            return UnknownV(f"`{short_code(node)}`")
        if module is None:
            return self.eval_module(entries[key], bind_site=False)
        entry = entries[key]
        if isinstance(entry, cst.Call) and not entry.args:  # `"relu": nn.ReLU()`: an instance, made there
            q = module.imports.qualify(entry.func)
            name = torch_nn_name(q) if q else None
            if name in catalogue.ACTIVATION_MODULES:
                activation = catalogue.ACTIVATION_MODULES[name][0]
                return ActV(activation, catalogue.DEFAULT_PARAM.get(activation), f"{short_code(node)} = nn.{name}() in {module.path}")
            return UnknownV(f"`{short_code(node)}`")
        q = module.imports.qualify(entry)  # a torch class named in that module
        return ClassRefV(q) if q and torch_nn_name(q) else UnknownV(f"`{short_code(node)}`")

    def literal_options(self, node: cst.BaseExpression) -> Optional[list]:
        """The strings a name holds when it is one of several literals (a parameter its
        constructions here pass different strings for), else None."""
        held = self.env.get(node.value) if isinstance(node, cst.Name) else None
        if not isinstance(held, ChainV) or held.kind != "alt":
            return None
        out = []
        for _, item in held.items:
            item = item.default if isinstance(item, ParamV) else item
            text = literal_string(item[1]) if isinstance(item, tuple) and item and item[0] == "<literal>" else None
            if text is None:
                return None
            out.append(text)
        return out

    def registry_of(self, node: cst.BaseExpression) -> Optional[tuple]:
        """(None, dict literal, name) of a registry of this module, (module, dict literal, name) of one
        another module of the program defines (`from .acts import ACT_LAYERS`), else None."""
        if isinstance(node, cst.Name) and node.value in self.env:
            return None
        if isinstance(node, cst.Name) and self.fa.registries.get(node.value) is not None:
            return None, self.fa.registries[node.value], node.value
        if self.fa.loader is None or not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        q = self.fa.imports.qualify(node)
        if not q or q.split(".", 1)[0] == "torch":
            return None
        found = self.fa.loader.lookup(self.fa, q)
        if found is None or found[0] != "registry" or found[1] is None:
            return None
        return found[1], found[1].registries[found[2]], found[2]

    def register_container_items(self, kind: str, call: cst.Call) -> None:
        args = [a for a in call.args if not (a.keyword is None and not a.star and dotted(a.value) == self.self_name)]
        chain = self.build_container(kind, call.with_changes(args=args))
        if any(key in ("<loop>", "<alt>") for key, _ in chain.items):
            self.attrs["<items>"] = chain  # positions not known statically
            for site in sites_in(chain):
                site.fix_reason = site.fix_reason or "built inline in a container filled in a loop"
            return
        for index, (key, item) in enumerate(chain.items):
            name = key if key not in (None, "*") else str(index)
            self.attrs[name] = item
            expr = f"{self.self_name}[{index}]" if key is None else None
            self.name_sites(item, name, None, expr)

    def module_alias(self, name: str) -> Optional[object]:
        """The class a top-level alias names (`Linear = nn.Linear`), else None."""
        value = self.fa.module_aliases.get(name)
        if value is None and name not in self.fa.module_aliases:
            return self.imported_alias(name)
        if value is None or name in self.fa.resolving:
            return None
        self.fa.resolving.add(name)
        try:
            found = self.eval_module(value, bind_site=False)
        finally:
            self.fa.resolving.discard(name)
        return found if isinstance(found, ClassRefV) else None

    def imported_alias(self, name: str) -> Optional[ClassRefV]:
        """`from .consts import ACT` where that module binds `ACT = torch.tanh` (or `nn.Tanh`,
        `partial(nn.LeakyReLU, 0.2)`) once at its top: the torch name it binds. Only torch names
        and literal arguments: the rest of its spelling means what that module's imports say."""
        q = self.fa.imports.qualify(cst.Name(name)) if self.fa.loader is not None else None
        if not q or q.split(".", 1)[0] == "torch":
            return None
        found = self.fa.loader.lookup(self.fa, q)
        if found is None or found[0] != "value" or found[1] is None or found[1] is self.fa:
            return None
        module = found[1]
        if module.module_aliases.get(found[2]) is None or ("<imported>", found[2]) in module.resolving:
            return None
        module.resolving.add(("<imported>", found[2]))
        try:
            value = type(self)(module, None, self.fn, self.depth + 1, home=self.home).module_alias(found[2])
        finally:
            module.resolving.discard(("<imported>", found[2]))
        if not isinstance(value, ClassRefV) or not value.qualname.startswith("torch.") \
                or any(literal_number(arg.value) is None and literal_string(arg.value) is None for arg in value.bound):  # fmt: skip
            return None
        return dataclasses.replace(value, evidence=value.evidence or f"{name} = {value.qualname} in {module.path}")

    def decided_test(self, node: cst.BaseExpression) -> Optional[object]:
        """`attn_last = attn_layer is not None and attn_last` with values surely held (literals, None,
        what one construction passed): the value it binds, for a later `if attn_last`. Not where a
        parameter's default decides it (callers may pass others: the test is read where it is used,
        with that default noted)."""
        if isinstance(node, cst.BooleanOperation):
            if not isinstance(node.operator, cst.And):
                return None
            left = self.decided_test(node.left)
            if left is None or _falsy(left):
                return left  # `and` stops at a falsy left operand: its value
            return self.decided_test(node.right)
        if not isinstance(node, (cst.Comparison, cst.UnaryOperation)):
            value = self.eval_module(node) if isinstance(node, cst.Name) else None
            return value if value == NONE_V or isinstance(value, tuple) and value[:1] == ("<literal>",) else None
        if any(isinstance(self.env.get(name.value), ParamV) for name in _walk_nodes(node) if isinstance(name, cst.Name)):
            return None
        reads, objects, flags = len(self.default_reads), self.object_reads, len(self.home.flag_reads)
        fields = len(self.object_facts)
        taken = self.static_condition(node)
        if taken is None or len(self.default_reads) != reads or self.object_reads != objects \
                or len(self.home.flag_reads) != flags:  # fmt: skip
            del self.default_reads[reads:]
            del self.home.flag_reads[flags:]
            del self.object_facts[fields:]
            self.object_reads = objects
            return None
        return ("<literal>", cst.Name("True" if taken else "False"))

    def eval_module_call(self, call: cst.Call) -> object:
        fields = len(self.object_facts)
        value = self._eval_module_call(call)
        func = call.func
        where = self.key_evidence(func) if type(func) is cst.Subscript and isinstance(value, ActV) and not value.chosen_by else ""
        if where:
            # ACT_LAYERS[config.hidden_act](): the activation that config default picks
            chooser = f"`{short_code(self.key_expression(func))}`"
            evidence = with_facts(derived(f"{value.evidence}{where}", value.evidence), tuple(self.object_facts[fields:]))
            value = dataclasses.replace(value, evidence=evidence, chosen_by=chooser)
        return value

    def insert_item(self, holder: ChainV, holder_name: Optional[str], call: cst.Call) -> object:
        """`extra.insert(0, block)`: the items from that position on move up by one. Where the
        position is not known, or the container's items are already named (`self.x.insert`),
        no item's position is."""
        at = literal_number(call.args[0].value)
        value = self.eval_module(call.args[1].value)
        if holder_name and holder_name.startswith(f"{self.self_name}."):
            for site in sites_in(holder) + sites_in(value):
                site.fix_reason = site.fix_reason or "an item inserted into its container after it was named moves it"
        elif (at is not None and at == int(at) and 0 <= at <= len(holder.items) and self.nesting == 0
              and all(key not in ("<loop>", "<alt>") for key, _ in holder.items[: int(at)])):  # fmt: skip
            holder.items.insert(int(at), (None, value))
            return NONE_V
        holder.items.insert(0, ("<alt>", [[(None, value)], []]))  # somewhere: no position after it is known
        return NONE_V

    def module_attribute(self, call: cst.Call) -> Optional[object]:
        """`getattr(nn, "Tanh")`: that attribute of an imported module, as `nn.Tanh` is; `getattr(nn, act)`
        with `act` a constructor parameter with a string default (`act="ReLU"`): still the parameter,
        its default the attribute it names, read through the module's namespace (a construction
        passing another name gets that one). None for anything else."""
        if len(call.args) != 2 or any(arg.keyword or arg.star for arg in call.args):
            return None
        module = self.fa.imports.qualify(call.args[0].value)
        if not module:
            return None
        key = call.args[1].value
        name = literal_string(key)
        if name is not None:
            return ClassRefV(f"{module}.{name}") if name.isidentifier() else None
        held = self.env.get(key.value) if isinstance(key, cst.Name) else None
        default = held.default if isinstance(held, ParamV) and held.owner is not None and not held.or_none else None
        name = literal_string(default[1]) if isinstance(default, tuple) and len(default) >= 2 and default[0] == "<literal>" else None
        if name is None or not name.isidentifier():
            return None
        return ParamV(held.name, ClassRefV(f"{module}.{name}"), held.owner, held.or_none,
                      registry=(module, MODULE_ATTRIBUTES), carried=held.carried)  # fmt: skip

    def _eval_module_call(self, call: cst.Call) -> object:
        func = call.func
        if isinstance(func, cst.Name) and func.value == "getattr" and func.value not in self.env \
                and func.value not in self.fa.functions:  # fmt: skip
            found = self.module_attribute(call)
            if found is not None:
                return found
        # list building inside constructors: layers.append(x), layers.extend([...])
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend", "insert", "add_module"):
            holder_name = dotted(func.value)
            holder = self.env.get(holder_name) if holder_name in self.env else None
            if holder is None and holder_name and holder_name.startswith(f"{self.self_name}."):
                holder = self.attrs.get(holder_name.split(".", 1)[1])
            if isinstance(holder, ChainV):
                start = len(holder.items)
                holder.summary = None  # a Sequential summarised when built runs its new items too
                if func.attr.value == "append" and call.args:
                    holder.items.append((None, self.eval_module(call.args[0].value)))
                    self.bind_appended(holder.items[-1][1], holder_name, call)
                elif func.attr.value == "extend" and call.args:
                    inner = self.eval_module(call.args[0].value)
                    holder.items.extend(inner.items if isinstance(inner, ChainV) else [(None, inner)])
                elif func.attr.value == "add_module" and len(call.args) >= 2:
                    key = literal_string(call.args[0].value) or "*"
                    value = self.eval_module(call.args[1].value)
                    holder.items.append((key, value))
                elif func.attr.value == "insert" and len(call.args) >= 2:
                    return self.insert_item(holder, holder_name, call)
                else:
                    holder.items.append(("*", UnknownV("inserted")))
                if holder_name and holder_name.startswith(f"{self.self_name}.") and self.cls is not None:
                    self.name_added(holder, start, holder_name)
                return NONE_V
            if holder_name == self.self_name and func.attr.value == "add_module" and len(call.args) >= 2:
                key = literal_string(call.args[0].value)
                value = self.eval_module(call.args[1].value)
                if key:
                    self.attrs[key] = value
                    if self.cls is not None:
                        self.name_sites(value, key, None, f"{self.self_name}.{key}")
                elif _may_be_module(value, self.fa):
                    # add_module("layer%d" % i, layer) in a loop: registered in order, name not known
                    self.attrs[f"<added {len(self.attrs)}>"] = value
                return NONE_V
        if isinstance(func, cst.Attribute) and func.attr.value in _MUTATING and isinstance(func.value, cst.Name) \
                and isinstance(self.env.get(func.value.value), ChainV):  # fmt: skip
            # `op_dict.update(...)`, `.pop(k)`: what its keys hold is no longer what was read
            holder = self.env[func.value.value]
            for arg in call.args:  # what it is handed is still built
                self.eval_module(arg.value, bind_site=False)
            holder.items[:] = [("*", UnknownV(f"`{short_code(call)}` changed it"))]
            return NONE_V
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and 1 <= len(call.args) <= 2 \
                and not any(arg.keyword or arg.star for arg in call.args):  # fmt: skip
            got = self.dict_get(func.value, call)
            if got is not None:
                return got
        self.note_init_call(call)
        if self.cls is not None and _is_super_init(func, self.self_name) and self.fa.container_kind(self.cls):
            # class ConvBNReLU(nn.Sequential): super().__init__(conv, norm, act) registers 0, 1, 2
            self.register_container_items(self.fa.container_kind(self.cls), call)
            return NONE_V
        if isinstance(func, cst.Attribute) and func.attr.value in RETURNS_SELF | {"apply"} \
                and isinstance(func.value, (cst.Call, cst.Name, cst.Attribute, cst.Subscript)) \
                and dotted(func.value) != self.self_name:  # fmt: skip
            receiver = self.eval_module(func.value, bind_site=False)
            if isinstance(receiver, (LayerV, ChainV, ActV, TransparentV, InstV)):
                if func.attr.value == "apply" and call.args:
                    self.apply_init_function(receiver, call.args[0].value)
                return receiver
            if self.cls is not None:
                self.cls.contains_unknown = True
            return UnknownV(f"`{short_code(call.func)}(...)`")
        if isinstance(func, cst.Attribute) and dotted(func.value) == self.self_name and self.cls is not None:
            found = self.fa.method(self.cls, func.attr.value)
            if found is not None and func.attr.value not in self.attrs and self.depth < MAX_INLINE_DEPTH:
                return self.inline_constructor_method(found[1], call)
        found = self.activation_call_hook(call)  # get_activation("gelu")
        if found is not None:
            return found
        if isinstance(func, cst.Name) and func.value == "filter" and func.value not in self.env \
                and func.value not in self.fa.functions:  # fmt: skip
            kept = self.kept_not_none(call)
            if kept is not None:
                return kept
        callee = self.eval_module(func, bind_site=False)
        return self.call_module_value(callee, call)

    def kept_not_none(self, call: cst.Call) -> Optional[ChainV]:
        """`filter(exists, modules)` (`exists` this module's `return v is not None`) or `filter(None,
        modules)` over a list written out or this helper's `*modules` (`rest_of_positionals`): the items
        that are not None, in order. None where the call is not that."""
        if len(call.args) != 2 or any(arg.keyword is not None or arg.star for arg in call.args):
            return None
        test = call.args[0].value
        named = isinstance(test, cst.Name) and test.value in self.fa.functions and test.value not in self.env
        if not (isinstance(test, cst.Name) and test.value == "None") and not (
                named and isinstance(none_test(self.fa.functions[test.value]), cst.IsNot)):  # fmt: skip
            return None
        sequence = call.args[1].value
        star = self.fn.params.star_arg
        if isinstance(sequence, (cst.List, cst.Tuple)) and not any(isinstance(e, cst.StarredElement) for e in sequence.elements):
            items = self.items_or_none([element.value for element in sequence.elements])
        elif isinstance(sequence, cst.Name) and isinstance(star, cst.Param) and sequence.value == star.name.value \
                and isinstance(self.env.get(sequence.value), ChainV):  # fmt: skip
            items = self.env[sequence.value].items  # this helper's `*modules` (`rest_of_positionals`)
        else:  # a list bound elsewhere: what may be None in it is not known any more
            return None
        if any(key not in (None, "<alt>") for key, _ in items):
            return None
        # an item that may be None (`nn.LayerNorm(d) if post_ln else None`, not decided) is there or not
        return ChainV([(key, value) for key, value in items if value != NONE_V], "list", plain=True)

    def dict_get(self, holder: cst.BaseExpression, call: cst.Call) -> Optional[object]:
        """`kwargs.get('norm_layer')` on a dict known by key: the value of that key (a keyword
        written out is what the dict holds, as for a call's `**` dicts), the default where the
        dict holds no such key and nothing else; None where it is not such a dict."""
        key = literal_string(call.args[0].value)
        if key is None or not isinstance(holder, cst.Name) or holder.value not in self.env:
            return None
        held = self.env[holder.value]
        if not isinstance(held, ChainV) or held.kind != "list" or any(k is None for k, _ in held.items):
            return None
        found = [item for k, item in held.items if k == key]
        if found:
            return found[-1]
        if any(k in ("*", "<loop>", "<alt>") for k, _ in held.items):
            return UnknownV(f"`{short_code(call)}`")
        return self.eval_module(call.args[1].value, bind_site=False) if len(call.args) == 2 else NONE_V

    def apply_init_function(self, value: object, fn_node: cst.BaseExpression) -> None:
        """`<module>.apply(fn)` after building it (`nn.Sequential(...).apply(init)`, a script's
        `model.apply(weights_init)`): fn's isinstance branches decide the layers they match; it
        runs after any init before it."""
        text = dotted(fn_node) or short_code(fn_node, 40)
        found = self.fa.rules_of_apply(fn_node, self.cls)
        branches = found[1] if found is not None else None
        self.apply_init_rules(sites_in(value), branches, f"`.apply({text})`")

    def apply_init_rules(self, sites: list, branches: Optional[list], where: str) -> None:
        """Give each site the init of the first (types, call) branch that takes it; unknown when
        the routine is not in this file or runs only under a condition not decided here."""
        for site in sites:
            if branches is None:
                state, evidence, init = "unknown", f"{where} with a function not in this file", None
            else:
                reaches = [(types is None or _type_matches(site, types), call) for types, call in branches]
                match = next(((reach, call) for reach, call in reaches if reach is not False), None)
                if match is None:
                    continue
                state, evidence, init = "explicit", where, match[1]
                if match[0] is None:  # it takes some of the classes the layer may be
                    state, evidence, init = "unknown", f"{where}, which may or may not reach it", None
                if self.conditional and site.branches[: len(self.branches)] != self.branches:
                    state, evidence, init = "unknown", f"{where} runs only under a condition not decided here", None
            self.fa._apply_rule(site, (init, evidence, state))

    def class_attribute(self, name: str) -> Optional[ClassRefV]:
        """`block_cls = Block` in the class body (or a base's of this file), read as `self.block_cls(8)`:
        that class. The instance's own class first: a subclass binding it again builds its own."""
        for cls in self.fa._class_line(self.cls):
            for stmt in cls.node.body.body:
                for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                    if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                            and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name:  # fmt: skip
                        if not isinstance(small.value, (cst.Name, cst.Attribute)):
                            return None
                        value = self.eval_module(small.value, bind_site=False)
                        return value if isinstance(value, ClassRefV) else None
        return None

    def inline_constructor_method(self, fn: cst.FunctionDef, call: cst.Call) -> object:
        """self._make_layer(...) inside __init__: its layers belong to this class, at their own lines."""
        ctx = type(self)(self.fa, self.cls, fn, self.depth + 1, report_node=self.report_node, home=self.home)
        ctx.attrs = self.attrs
        self.enter_helper(ctx)
        ctx.bind_params(fn, self_bound=True, args=self.call_args(fn, call, skip_self=True))
        ctx.run_block(fn.body)
        if not ctx.returns:
            return NONE_V
        return one_of(ctx.returns)

    def layerless(self, inst: InstV) -> bool:
        """A class of the program that builds no layer and holds no module (an activation written as a module)."""
        owner = inst.module or self.fa
        cls = owner.classes.get(inst.cls)
        if cls is None or cls.analysing:
            return False
        owner.build_class(cls)
        return not cls.sites and not cls.contains and not cls.contains_unknown and not cls.attrs

    def call_module_value(self, callee: object, call: cst.Call) -> object:
        if isinstance(callee, ParamV):
            default = callee.default
            if isinstance(default, ClassRefV):
                overridden = self.param_override(callee.name)
                value = self.call_module_value(overridden or default, call)
                if isinstance(value, ActV) and overridden is None:
                    # callers in other modules may pass another class: the program stage looks
                    # (for a class of this module) and the fix is unsafe
                    holder = self.default_holder(callee.owner)
                    fact = ConstructorDefault(callee.owner, callee.name, default.qualname, holder.path if holder else None,
                                              callee.registry)  # fmt: skip
                    # a parameter that overrides it (`force_act_layer or act_layer`) first: a use passing it decides
                    facts = (*(self.default_fact(*read, overrides=True) for read in callee.also), fact,
                             *(self.default_fact(*read) for read in callee.carried))
                    value = ActV(value.activation, value.param,
                                 Evidence.assuming(f"{callee.name}={_short_ref(default)} passed {default.passed_by}"
                                                   if default.passed_by else f"{callee.name} default {_short_ref(default)}",
                                                   facts))  # fmt: skip
                elif isinstance(value, InstV) and overridden is None and self.layerless(value):
                    # `act=Swish`, the program's own activation module: what its forward applies rests
                    # on this default, which a construction elsewhere may replace (`MLP(act=nn.GELU)`)
                    holder = self.default_holder(callee.owner)
                    fact = ConstructorDefault(callee.owner, callee.name, default.qualname, holder.path if holder else None)
                    value = dataclasses.replace(value, defaults=(fact,))
                elif isinstance(value, ChainV) and value.kind == "sequential" and overridden is None \
                        and any(isinstance(item, ActV) for _, item in value.items):  # fmt: skip
                    # a norm that then applies an activation (timm's BatchNormAct2d as norm_layer's default):
                    # the activation rests on that default as well
                    holder = self.default_holder(callee.owner)
                    fact = ConstructorDefault(callee.owner, callee.name, default.qualname, holder.path if holder else None)
                    value = ChainV([(key, ActV(item.activation, item.param, Evidence.assuming(
                        f"{item.evidence}, {callee.name} default {_short_ref(default)}", (fact,)), item.chosen_by)
                        if isinstance(item, ActV) else item) for key, item in value.items], "sequential")
                    self.summarise_chain(value)
                elif isinstance(value, TransparentV) and overridden is None and self.fa.loader is not None \
                        and torch_nn_name(default.qualname) in catalogue.NORM_MODULES:  # fmt: skip
                    # `self.bn1 = norm_layer(c)` at nn.BatchNorm2d: gain-neutral for any torch norm a
                    # construction passes instead, not for another class (a norm + activation)
                    holder = self.default_holder(callee.owner)
                    fact = ConstructorDefault(callee.owner, callee.name, default.qualname, holder.path if holder else None)
                    value = dataclasses.replace(value, defaults=(fact,))
                return value
            return UnknownV(f"built by parameter {callee.name}", default.open_params if isinstance(default, UnknownV) else (),
                            self.declared_default_instance(callee, call))  # fmt: skip
        if isinstance(callee, ClassRefV):
            value = self.construct(callee, call)
            if callee.rests_on:  # `act = nn.ReLU if use_relu else nn.Tanh`: what it builds rests on that default
                value = instances_resting_on(value, callee.rests_on) if instances_of(value) else \
                    dataclasses.replace(value, defaults=tuple(dict.fromkeys((*value.defaults, *callee.rests_on)))) \
                    if isinstance(value, TransparentV) else self.resting_on(value, callee.rests_on)  # fmt: skip
            return value
        if isinstance(callee, FunctionRefV) and callee.node is not None:
            return self.call_nested_helper(callee, call)
        if isinstance(callee, RepeaterV):
            return self.repeated(callee, call)
        if isinstance(callee, ChainV) and callee.kind == "alt":
            options = [self.call_module_value(v, call) for _, v in callee.items]
            value = one_of(options)
            if not all(isinstance(option, LayerV) for option in options):
                for site in sites_in(value):  # `make_conv_cls = nn.Conv2d if c else CausalConv`
                    site.fix_reason = site.fix_reason or CONDITIONAL_CLASS
            return value
        if isinstance(callee, UnknownV) and self.cls is not None:
            self.cls.contains_unknown = True
        return UnknownV(f"`{short_code(call.func)}(...)`")

    def param_override(self, name: str) -> Optional[object]:
        return None

    def declared_default_instance(self, param: ParamV, call: cst.Call) -> tuple:
        """(the instance,) that `param`'s declared default builds with this call's arguments, where that
        default is a class of another module (`mlp_layer: Type[nn.Module] = Mlp`, callers of the
        constructor passing classes not known here); else (). Only what follows its layers' output is
        read from it (`UnknownV.may_be`): the module itself stays unknown."""
        # its owner: the class whose constructor takes it (also named by the parameter left open)
        owner = param.owner or next((fact.owner for fact in getattr(param.default, "open_params", ())
                                     if fact.param == param.name), None)  # fmt: skip
        if owner is None and self.depth == 0 and self.in_init and self.cls is not None:
            owner = self.cls.name
        cls = self.fa.classes.get(owner) if owner is not None and self.cls is not None else None
        init = self.fa.method(cls, "__init__") if cls is not None and self.home.loader is not None else None
        if init is None:
            return ()
        declared = next((p for p in [*_positional_params(init[1]), *init[1].params.kwonly_params]
                         if p.name.value == param.name), None)  # fmt: skip
        if declared is None or declared.default is None:
            return ()
        default = self.eval_module(declared.default, bind_site=False)
        if not isinstance(default, ClassRefV) or default.bound or default.qualname.startswith(("local:", "func:", "torch.")):
            return ()
        found = self.home.loader.lookup(self.fa, default.qualname)
        if found is None or found[0] != "class" or found[1] is None or found[2] not in found[1].classes:
            return ()
        value = self.construct_foreign(found[1], found[1].classes[found[2]], call)
        return (value,) if isinstance(value, InstV) else ()

    def built_through_value(self, call: cst.Call, name: str) -> bool:
        """A construction in a constructor's code (or a function it runs) whose callee is a value it
        holds, not the class named (`block_fn(...)`, block_fn one of the classes it was given)."""
        return self.cls is not None and self.in_init and self.fa is self.home and not self.fa.judging_use \
            and self.report_node is not None and not (isinstance(call.func, cst.Name) and call.func.value == name) \
            and not (isinstance(call.func, cst.Name) and self.fa.module_aliases.get(call.func.value) is not None)  # fmt: skip

    def note_value_build(self, name: str, call: cst.Call, passed: dict) -> None:
        """Keep what this construction passes; run again (a loop's second pass), each parameter is
        either value."""
        builds = self.fa.value_builds.setdefault(name, {})
        if id(call) in builds:
            before = builds[id(call)][2]
            passed = {param: alternative(before[param], value) if param in before else value
                      for param, value in passed.items()}  # fmt: skip
            passed.update({param: value for param, value in before.items() if param not in passed})
        builds[id(call)] = (call, self.cls.name, passed)

    def repeated(self, callee: RepeaterV, call: cst.Call) -> object:
        """`to_ntuple(n)(block)`: a class (or one of several) repeated, one per item; a list's own items."""
        if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
            return UnknownV(f"`{short_code(call)}`")
        value = self.eval_module(call.args[0].value, bind_site=False)
        if isinstance(value, ParamV):  # the classes the constructions here pass (a class is never a sequence)
            value = value.default
        options = [item for _, item in value.items] if isinstance(value, ChainV) and value.kind == "alt" else [value]
        made = []
        for option in options:
            if isinstance(option, ClassRefV):
                made.append(ChainV([("<loop>", [(None, option)])], "list"))
            elif isinstance(option, ChainV) and option.kind == "list":
                made.append(option)  # already a sequence: its own items
            else:
                return UnknownV(f"`{short_code(call)}` ({callee.evidence})")
        return made[0] if len(made) == 1 else ChainV([(None, option) for option in made], "alt")

    def construct(self, ref: ClassRefV, call: cst.Call) -> object:
        q = ref.qualname
        given = _with_bound(call, ref.bound)  # what the callee receives; `call` is what is reported
        if q.startswith("local:"):
            name = q[6:]
            cls = self.fa.classes.get(name)
            if cls is None:
                return UnknownV(name)
            if cls.layer_subclass:
                site = self.new_site(cls.layer_subclass, call)
                site.local_class = name
                own = self.fa.layer_init(cls)
                if own is not None:
                    site.subclass_init, site.subclass_init_surely = own
                return LayerV(site)
            kind = self.fa.passes_its_items(cls)
            if kind is not None:  # class Seq(nn.Sequential): pass; or an __init__ that passes *args on
                return self.build_container(kind, given)
            if self.cls is not None:
                self.cls.contains.add(name)
            found = self.fa.method(cls, "__init__")
            passed = None
            if found is not None:
                passed = self.call_args(found[1], given, skip_self=True)
                for param, value in passed.items():
                    if isinstance(value, (ChainV, LayerV, InstV)):
                        self.fa.bindings.append((value, name, param))
                if self.built_through_value(call, name) and not any(a.star == "*" for a in given.args):
                    self.note_value_build(name, call, passed)
            self.fa.constructions.setdefault(name, set()).add(id(call))
            plain = passed is not None and not any(a.star for a in given.args)
            return InstV(name, call=call, given=passed if plain else None)
        if q in catalogue.REPARAMETRISING and given.args and given.args[0].keyword is None:
            # weight_norm(self.conv): the same layer, its weight recomputed on each call; what
            # goes in feeds a layer, what comes out is not followed (the runtime sees the
            # reparametrisation's own ops around it)
            inner = self.eval_module(given.args[0].value, bind_site=False)
            if isinstance(inner, LayerV) and isinstance(given.args[0].value, cst.Call):
                # weight_norm(nn.Conv1d(...)): the layer it is given, returned (its init is noted
                # where the call is: weight_norm keeps the draw, spectral_norm rescales it)
                inner.site.fix_reason = inner.site.fix_reason or reparametrised_reason(q)
                return inner
            if isinstance(inner, LayerV):
                return ConsumerV(f"{inner.site.layer_type} reparametrised by `{q.rsplit('.', 1)[-1]}`")
        nn_name = torch_nn_name(q)
        if nn_name is not None:
            if nn_name in catalogue.LAYER_TYPES:
                return LayerV(self.new_site(nn_name, call))
            if nn_name in catalogue.ACTIVATION_MODULES:
                activation, param_spec = catalogue.ACTIVATION_MODULES[nn_name]
                if nn_name == "RReLU":
                    param = self.rrelu_param(given, 0)
                else:
                    param = self.activation_param(given, param_spec, activation)
                return ActV(activation, param, f"nn.{nn_name}")
            if nn_name in catalogue.TRANSPARENT_MODULES:
                return TransparentV(f"nn.{nn_name}")
            if nn_name in catalogue.LOSS_MODULES:
                return ConsumerV(f"the loss nn.{nn_name}")
            if nn_name in ("Sequential", "ModuleList", "ModuleDict"):
                return self.build_container(nn_name, call)
            if self.cls is not None:
                self.cls.contains_unknown = self.cls.contains_unknown or nn_name not in ("Parameter",)
            return UnknownV(f"nn.{nn_name}")
        if q.endswith("OrderedDict") or q == "dict" or q == "list":
            return self.eval_plain_container(call)
        if einops_name(q) is not None:  # einops.layers.torch.Rearrange("b c h w -> b (h w) c")
            name = einops_name(q)
            reduction = argument(given, "reduction", 1)
            if name in catalogue.EINOPS_TRANSPARENT or (
                    name in catalogue.EINOPS_REDUCTIONS and reduction is not None and self.string(reduction) == "mean"):  # fmt: skip
                return TransparentV(f"einops {name}")
            return UnknownV(f"einops {name}")
        if q in ("functools.partial", "partial") and call.args and call.args[0].keyword is None and not call.args[0].star:
            # partial(nn.Conv2d, kernel_size=1): still that class when called, with those arguments first
            inner = self.eval_module(call.args[0].value, bind_site=False)
            if isinstance(inner, ParamV) and isinstance(inner.default, ClassRefV) and self.param_override(inner.name) is None:
                inner = inner.default
            if isinstance(inner, ClassRefV):
                return dataclasses.replace(inner, bound=tuple(call.args[1:]) + inner.bound)
            if isinstance(inner, ChainV) and inner.kind == "alt" and inner.items \
                    and all(isinstance(option, ClassRefV) for _, option in inner.items):  # fmt: skip
                # partial(GrnMlp if use_grn else Mlp, use_conv=c): each class, with those arguments bound
                return ChainV([(key, dataclasses.replace(option, bound=tuple(call.args[1:]) + option.bound))
                               for key, option in inner.items], "alt")  # fmt: skip
            return UnknownV(f"`{short_code(call, 50)}`")
        if q.endswith(("Conv2dNormActivation", "Conv3dNormActivation", "Conv1dNormActivation", "ConvNormActivation")):
            return self.conv_norm_activation(call)
        if q.startswith("func:"):
            return self.call_helper(q[5:], call, given=given)
        found = self.home.loader.lookup(self.fa, q) if self.home.loader is not None else None
        hooked = self.library_hook(found, q, given)
        if hooked is not None:  # a class a hook made of a parameter's default: what it applies rests on it
            facts = getattr(ref.evidence, "defaults", ())
            return self.resting_on(hooked, facts) if facts else hooked
        if self.cls is not None and self.fa is self.home:
            self.fa.builds.append((self.cls.name, q, call))
            if ref.bound:  # `_SE_LAYER = partial(SqueezeExcite, gate_layer=...)`: what it binds is passed too
                self.fa.bound_args[id(call)] = ref.bound
        if found is not None and found[0] == "function" and self.cls is not None:
            # a factory of another module (timm's create_conv2d), where a class builds its layers;
            # free functions (timm's hundred `resnet18()`-style registrations) are not followed there
            value = self.call_helper(found[2], call, module=found[1], given=given)
            if not isinstance(value, UnknownV):
                return value
        elif found is not None and found[0] == "class":  # a class of another module
            return self.construct_foreign(found[1], found[1].classes[found[2]], given)
        if self.cls is not None:
            self.cls.contains_unknown = True
        return UnknownV(f"`{short_code(call.func)}(...)`")

    def construct_foreign(self, module: "FileAnalysis", cls: ClassInfo, call: cst.Call) -> object:
        """A class of another module: a layer subclass is a layer here; a module is followed
        through its summary in its own module, with what this call passes kept beside it."""
        base = module.layer_base(cls)
        if base:
            site = self.new_site(base, call)
            site.local_class = cls.name
            own = module.layer_init(cls)
            if own is not None:
                site.subclass_init, site.subclass_init_surely = own
            return LayerV(site)
        norm = module.norm_base(cls)
        if norm:  # timm's LayerNorm2d(nn.LayerNorm): a norm, as the runtime trace takes it by its class
            return TransparentV(f"nn.{norm}")
        kind = module.passes_its_items(cls)
        if kind is not None:  # its items are what this call passes, built here
            return self.build_container(kind, call)
        found = module.method(cls, "__init__")
        passed: dict = {}
        if found is not None:
            for param, value in self.call_args(found[1], call, skip_self=True).items():
                passed[param] = value
            if any(arg.star for arg in call.args):
                passed["*"] = UnknownV("*args")
        return InstV(cls.name, module, passed)

    def transparent_if_norm(self, value: object, node: cst.CSTNode) -> object:
        if isinstance(value, ParamV) and isinstance(value.default, ClassRefV):
            value = value.default
        if isinstance(value, ClassRefV) and torch_nn_name(value.qualname) in catalogue.TRANSPARENT_MODULES:
            return TransparentV(value.qualname)
        return UnknownV(short_code(node))

    def eval_plain_container(self, call: cst.Call) -> object:
        keywords = [arg for arg in call.args if arg.keyword is not None]
        if any(arg.star == "**" for arg in call.args) and not any(arg.star == "*" for arg in call.args) \
                and dotted(call.func) == "dict":  # fmt: skip
            return self.merged_dict(call)
        if keywords and not any(arg.star for arg in call.args):
            # dict(wte=nn.Embedding(...), h=nn.ModuleList([...])): each keyword one named item
            positional = self.eval_plain_container(call.with_changes(args=[a for a in call.args if a.keyword is None]))
            items = list(positional.items) if isinstance(positional, ChainV) else [(None, positional)]
            return ChainV(items + [(arg.keyword.value, self.eval_module(arg.value)) for arg in keywords], "list", plain=True)
        if not call.args:
            return ChainV([], "list", plain=True)
        inner = self.eval_module(call.args[0].value)
        if isinstance(inner, ChainV):
            items = []
            for key, value in inner.items:
                # OrderedDict([("fc1", nn.Linear(...)), ...]): pairs come as 2-item lists
                if isinstance(value, ChainV) and len(value.items) == 2 and value.kind == "list":
                    (_, k), (_, v) = value.items
                    name = literal_string(k[1]) if isinstance(k, tuple) and k and k[0] == "<literal>" else None
                    items.append((name or "*", v))
                else:
                    items.append((key, value))
            return ChainV(items, "list", plain=True)
        return inner

    def merged_dict(self, call: cst.Call) -> object:
        """`dict(drop_block=db, **kwargs)`: the keywords, then each `**` dict's keys (a dict whose keys
        are not all known adds "*": anything); a positional dict first, its keys overridden."""
        items: list = []
        for arg in call.args:
            if arg.keyword is not None:
                items.append((arg.keyword.value, self.eval_module(arg.value, bind_site=False)))
                continue
            items.extend(self.spread(arg.value, f"`{short_code(arg.value)}`"))
        return ChainV(items, "list")

    def spread(self, node: cst.BaseExpression, shown: str) -> list:
        """The named items `**node` or `*node` adds to a container: those of a container known by
        key, else one item that may be anything."""
        held = self.eval_module(node, bind_site=False)
        if isinstance(held, ChainV) and held.kind == "list" and all(key is not None for key, _ in held.items):
            return [(key if key not in ("<loop>", "<alt>") else "*", item) for key, item in held.items]
        return [("*", UnknownV(shown))]

    def build_container(self, kind: str, call: cst.Call) -> object:
        items: list = []
        for arg in call.args:
            if arg.keyword is not None:
                continue
            value = self.eval_module(arg.value)
            if arg.star == "*":
                # `*backbone[a:b]`: some number of items, so the positions after it are not known
                items.extend(value.items if isinstance(value, ChainV) else [("<loop>", [("*", value)])])
            elif kind == "Sequential" and isinstance(value, ChainV) and value.kind == "list" and len(call.args) == 1 \
                    and _is_ordered_dict(arg.value, self.fa.imports):  # fmt: skip
                items.extend(value.items)
            elif kind in ("ModuleList", "ModuleDict") and isinstance(value, ChainV):
                items.extend(value.items)
            else:
                items.append((None, value))
        chain = ChainV(items, "sequential" if kind == "Sequential" else "list")
        if kind == "Sequential":
            self.summarise_chain(chain)
        else:
            self.flow_list_elements(chain)
        return chain

    def summarise_chain(self, chain: ChainV) -> None:
        """Run a Sequential's own flow once: item i feeds item i+1."""
        input_site = InputSite("nn.Sequential")
        flow = Flow(frozenset({input_site}))
        flow = self.flow_items(chain.items, flow, "nn.Sequential")
        chain.summary = Summary(entry=input_site.outcomes, exits=flow.sites, input_site=input_site)

    def flow_list_elements(self, chain: ChainV) -> None:
        """Lists (ModuleList) are not chained; nested Sequentials in them already ran their own flow."""

    def flow_items(self, items: list, flow: Flow, where: str) -> Flow:
        for key, value in items:
            if key == "<loop>":
                once = self.flow_items(value, flow, where)
                twice = self.flow_items(value, once, where)
                last = last_iteration(value)
                if last is not None:  # what leaves the loop is what its final iteration gives
                    twice = self.flow_items(last, Flow(flow.sites | once.sites | twice.sites), where)
                    once = Flow()
                flow = Flow(flow.sites | once.sites | twice.sites)
            elif key == "<alt>":
                merged: set = set()
                for branch in value:
                    merged |= self.flow_items(branch, flow, where).sites
                flow = Flow(frozenset(merged))
            else:
                flow = self.as_flow(self.apply_module(value, flow, f"next in {where}"))
        return flow


def _falsy(value: object) -> bool:
    """None, or a literal Python takes for false (False, 0, an empty string)."""
    if value == NONE_V:
        return True
    node = value[1] if isinstance(value, tuple) and len(value) > 1 else None
    if isinstance(node, cst.Name):
        return node.value == "False"
    number = literal_number(node) if node is not None else None
    if number is not None:
        return not number
    text = literal_string(node) if node is not None else None
    return text == ""


def _names_its_parameters(node: cst.Lambda) -> bool:
    """Whether a lambda's body mentions any of its parameters (a name it binds)."""
    params = node.params
    names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
    names |= {p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)}
    return any(type(sub) is cst.Name and sub.value in names for sub in _walk_nodes(node.body))


def reparametrised_reason(qualname: str) -> str:
    """Why no init line is written for a layer `weight_norm(...)` & co. wrap: its `weight` is
    computed from the reparametrisation's own tensors, so an init of `.weight` does not stick."""
    return (f"its weight is computed by `{qualname.rsplit('.', 1)[-1]}` from tensors of its own: an init of "
            f"`.weight` does not stick, draw it before the layer is wrapped")
