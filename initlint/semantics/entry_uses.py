"""A module's own classes judged at each entry point that builds them.

timm's `resnet18()` builds `ResNet(block=BasicBlock, ...)`, whose `make_blocks` builds each block
through a value (`block_fn(...)`) with what the entry point chose (`block_args=dict(attn_layer='se')`
in `seresnext26d_32x4d()`). Judged once for all the module's entry points, such a layer meets
different things (an SE module after `bn3` in one model, the residual's ReLU in another): unknown.
The entry point's run (`entries.EntryProbe`) knows what each construction gets; each class of the
module it builds (the model and its blocks) is judged again with those arguments
(`FileAnalysis._outcomes_for_call`), and a layer whose own row is unknown gets a row at the entry
point's call where every construction that run reaches agrees (a row speaks for the layers built
under that call only: `runtime.provenance.built_on_chain`)."""

from __future__ import annotations

import copy
import dataclasses
import types
from typing import Optional

import libcst as cst

from .. import catalogue
from ..model import RETURNED, FixPlan, Layer
from ..syntax.nodes import _positional_params
from .fields import UNKNOWN, as_literal
from .pure import ClassObj
from .values import NONE_V, ChainV, ClassRefV, UnknownV, derived

MAX_JUDGED = 256  # distinct (class, arguments) judged again per module: past it, the rest say nothing


def entry_outcomes(fa) -> dict:
    """id(site) -> [(entry point's call, model class, entry point name, (activation, param, evidence), count)],
    one per entry point whose run judges it known: what every construction that run reaches (under
    one call of the entry point) makes it meet, where they all agree. A site whose own outcome is
    known and an entry point judges otherwise is not one thing: its outcomes get that entry
    point's too (unknown where built, judged at each entry point)."""
    from .entries import entry_points
    from .file import resolve_outcomes

    fa.entry_followed = {}
    if fa.loader is None or not any(cls.sites or _follows_others(fa, key) for key, cls in fa.classes.items()):
        return {}
    judged: dict = {}  # (class key, call, arguments as text) -> {site name: outcome} or None
    found: dict = {}
    # id(site) -> [(entry point name, outcome)]: a run passing a flag its class's forward branches on
    # (`gate=True` for `if self.gate is not None`) that makes it meet something not one known thing
    doubts: dict = {}
    sites = {id(site): site for cls in fa.classes.values() for site in cls.sites}
    # a judged forward follows flows into the classes it holds, whose sites are this file's own:
    # what it records there holds for that one run, not for the class's row
    kept = [(site, _state(site)) for site in [*sites.values(), *fa.free_sites]]
    try:
        _judge_entry_points(fa, entry_points(fa), judged, found, doubts)
    finally:
        for site, state in kept:
            vars(site).clear()
            vars(site).update(state)
    for site_id, uses in found.items():
        site = sites[site_id]
        own = resolve_outcomes(site.outcomes, site.split_by)
        for _, _, entry, (activation, param, evidence), _ in uses:
            if own[0] != "unknown" and (activation, param) != own[:2]:
                site.outcomes.append((activation, param, derived(f"{evidence}, as {entry}() builds it", evidence)))
    for site_id, uses in doubts.items():
        # a run whose constructions meet several things, or something not known (`gate=True`, which
        # the forward's `if self.gate is not None` then takes): the row where it is built is not one thing either
        site = sites[site_id]
        if resolve_outcomes(site.outcomes, site.split_by)[0] != "unknown":
            entry, (_, _, evidence) = uses[0]
            site.outcomes.append(("unknown", None, f"{evidence}, as {entry}() builds it"))
    return found


def _follows_others(fa, key: str) -> bool:
    """Whether what the forward of class `key` does with another module's layer (its `followed`
    records) is not one known thing for every way the module builds it (unknown, several, or
    returned on): judged at each entry point for what follows that layer there. Where it is one
    thing already, an entry point's run can only say the same. Records of a construction applied
    through the attribute holding it (tagged: a flag use's, `_with_flag_variant` reads them) count
    apart; the others (a returned Mlp.fc2's, `_judge_outputs_at_entry_points` reads them) together."""
    if "<undecided followers>" not in fa.handed_cache:
        met: dict = {}
        for record in fa.followed:
            tag = repr(record[7:]) if len(record) > 7 else ""
            met.setdefault(record[6], {}).setdefault((*record[:3], tag), set()).add(tuple(record[3:5]))
        fa.handed_cache["<undecided followers>"] = {
            by for by, layers in met.items()
            if any(len(kinds) > 1 or next(iter(kinds))[0] in ("unknown", RETURNED) for kinds in layers.values())}
    return key in fa.handed_cache["<undecided followers>"]


def _state(site) -> dict:
    return {key: value.copy() if isinstance(value, (list, set, dict)) else value for key, value in vars(site).items()}


def _judge_entry_points(fa, functions: list, judged: dict, found: dict, doubts: dict) -> None:
    from .entries import entry_constructions

    try:
        for fn in functions:
            constructions = entry_constructions(fa, fn, own=True)
            fa.entry_run = _entry_run(fa, constructions)
            _judge_entry_point(fa, fn, constructions, judged, found, doubts)
    finally:
        fa.entry_run = types.SimpleNamespace(given={}, summaries={}, building=set(), text="")


def _entry_run(fa, constructions: list) -> types.SimpleNamespace:
    """What the entry point's run gave each construction call of this module's classes it went
    through (id(call) -> {parameter: value}): a value every construction at that call got alike, else
    unknown; a call where one construction's arguments are not known is left out (its class then
    keeps its module-wide summary). The judged forwards apply these classes as built so
    (`FileAnalysis.construction_summary`)."""
    by_call: dict = {}
    for construction in constructions:
        key = _local_class(fa, construction.qualname)
        if key is not None and construction.node is not None:
            by_call.setdefault(id(construction.node), (key, []))[1].append(_given(fa, key, construction))
    given_at: dict = {}
    shown: list = []
    for call_id, (key, all_given) in by_call.items():
        if any(given is None for given in all_given):
            continue
        merged = {}
        for name in sorted(set().union(*all_given)):
            texts = {_shown(given[name]) if name in given else "<default>" for given in all_given}
            values = [_analysis_value(fa, given[name]) if name in given else None for given in all_given]
            if len(texts) == 1:
                merged[name] = values[0]
            elif all(isinstance(value, tuple) and value[:1] == ("<literal>",) for value in values):
                # numbers or strings that differ between the constructions (each stage's kernel size): one of them
                firsts = {text: value for text, value in zip([_shown(given[name]) for given in all_given], values)}
                merged[name] = ChainV([(None, value) for _, value in sorted(firsts.items())], "alt")
            else:
                merged[name] = UnknownV(f"parameter {name} (the constructions here get different values)")
            shown.append((key, name, sorted(texts)))
        given_at[call_id] = merged
    return types.SimpleNamespace(given=given_at, summaries={}, building=set(), text=repr(sorted(shown)))


def _judge_entry_point(fa, fn, constructions: list, judged: dict, found: dict, doubts: dict) -> None:
    from .file import site_outcome

    # (id(call of the entry point), id(site)) -> [outcome or None, ...]: each construction under that call
    per_site: dict = {}
    tops: dict = {}
    flagged: set = set()  # (id(call), id(site)): a construction passes a flag its forward branches on
    # class -> the `followed` records of every construction of it the run reaches (None: one not judged)
    followed: dict = {}
    for construction in constructions:
        key = _local_class(fa, construction.qualname)
        follows = key is not None and _follows_others(fa, key)
        if key is None or not fa.classes[key].sites and not follows:
            continue
        tops[id(construction.top)] = (construction.top, construction.container)
        outcomes, records = _judged(fa, key, construction, judged)
        if follows:
            if records is None or followed.get(key, []) is None:
                followed[key] = None
            else:
                followed.setdefault(key, []).extend(r for r in records if r not in followed[key])
        flags = {fact.param for fact in fa.classes[key].forward_rests_on}
        for site in fa.classes[key].sites:
            per_site.setdefault((id(construction.top), id(site)), []).append(
                site_outcome(outcomes, site, fa.classes[key].sites) if outcomes is not None else None)
            if flags & set(construction.kwargs or ()):
                flagged.add((id(construction.top), id(site)))
    known = {key: records for key, records in followed.items() if records is not None}
    if known:  # what the classes of this run do with other modules' layers, for the program stage
        fa.entry_followed[fn.name.value] = known
    for (top_id, site_id), outcomes in per_site.items():
        agreed = {outcome[:2] for outcome in outcomes if outcome is not None}
        if None in outcomes:
            continue  # a construction not judged: what its run makes of it is not known here
        if (top_id, site_id) in flagged and (len(agreed) != 1 or next(iter(agreed))[0] == "unknown"):
            unknown = next((o for o in outcomes if o[0] == "unknown"), None)
            shown = unknown or ("unknown", None, "its constructions meet " + ", ".join(sorted(a for a, _ in agreed)))
            doubts.setdefault(site_id, []).append((fn.name.value, shown))
            continue
        if len(agreed) != 1 or next(iter(agreed))[0] == "unknown":
            continue  # a row at that call speaks for every layer built under it
        top, container = tops[top_id]
        found.setdefault(site_id, []).append((top, container, fn.name.value, outcomes[0], len(outcomes)))


def _local_class(fa, qualname: str) -> Optional[str]:
    from .entries import _qualified

    name = qualname.rsplit(".", 1)[-1]
    return name if name in fa.classes and _qualified(fa, name) == qualname else None


def _judged(fa, key: str, construction, judged: dict) -> tuple:
    """({site name: outcome}, [`followed` records]) of class `key` built with what `construction`
    got (`FileAnalysis._outcomes_for_call`); (None, None): not known."""
    cls = fa.classes[key]
    init, forward = fa.method(cls, "__init__"), fa.forward_of(cls)
    given = _given(fa, key, construction)
    if forward is None or forward[0] is not cls or given is None:
        return None, None
    # the call that built it, where this module's forwards follow what comes out of it (its UseProbe)
    call = construction.node if construction.node is not None and id(construction.node) in fa.use_probes else None
    # what the run gave the classes it builds inside is part of what is judged (construction_summary)
    text = (key, id(call), construction.outermost, repr(sorted((name, _shown(value)) for name, value in given.items())),
            fa.entry_run.text)  # fmt: skip
    if text not in judged:
        if len(judged) >= MAX_JUDGED:
            return None, None
        args = {name: _analysis_value(fa, value) for name, value in given.items()}
        # the model's own output is what the entry point returns: nothing of the model follows it
        returned = [("none", None, f"returned as the output of {cls.node.name.value}.forward")] \
            if construction.outermost else None  # fmt: skip
        fa.judging_entry = True  # the values given are what one run passed: a string test on them is decided
        followed: list = []  # one item where the run completed: its records
        try:
            outcomes = fa._outcomes_for_call(cls, init[1], call or cst.Call(func=cst.Name(cls.node.name.value)), None,
                                             given=args, returned=returned, followed=followed)  # fmt: skip
        finally:
            fa.judging_entry = False
        judged[text] = ({name: found[0] for name, found in outcomes.items()} if outcomes else None,
                        followed[0] if followed else None)  # fmt: skip
    return judged[text]


def _given(fa, key: str, construction) -> Optional[dict]:
    """{parameter: value} that `construction` gave class `key` of this module; None: not known (what
    it passes is not listed, or goes into its *args or **kwargs, or makes Python raise)."""
    init = fa.method(fa.classes[key], "__init__")
    if init is None or construction.kwargs is None:
        return None
    params = _positional_params(init[1])[1:]
    names = [p.name.value for p in params] + [p.name.value for p in init[1].params.kwonly_params]
    if len(construction.args) > len(params):
        return None  # into its *args
    given = {names[index]: value for index, value in enumerate(construction.args)}
    for name, value in construction.kwargs.items():
        if name in given or (name not in names and init[1].params.star_kwarg is None):
            return None  # Python raises there
        if name not in names:
            return None  # into its **kwargs: what it does with them is not followed here
        given[name] = value
    return given


def _shown(value: object) -> str:
    from .entries import PartialObj

    if isinstance(value, ClassObj):
        return value.qualname
    if isinstance(value, PartialObj):
        return f"partial({_shown(value.func)}, {[_shown(a) for a in value.args]}, {sorted((k, _shown(v)) for k, v in value.kwargs.items())})"
    literal = as_literal(value)
    return repr(value) if literal is not None else "?"


def _analysis_value(fa, value: object) -> object:
    """A value the entry point's run computed, in the interpreter's form: a class, a constant, None;
    anything else is not known there."""
    if isinstance(value, ClassObj) and not value.qualname.startswith("builtins."):
        local = _local_class(fa, value.qualname)
        return ClassRefV(f"local:{local}" if local else value.qualname)
    from .entries import PartialObj, held_fact

    if isinstance(value, PartialObj) and held_fact(value)[0] == "class":
        # `partial(nn.BatchNorm2d, eps=eps)`: a torch norm, whatever keywords it binds (none chooses an activation)
        return ClassRefV(held_fact(value)[1])
    if isinstance(value, PartialObj) and not value.args:
        # `partial(Mlp, use_conv=False)`: that class, its keywords bound where each is a literal
        inner = _analysis_value(fa, value.func)
        bound = [(name, as_literal(item)) for name, item in value.kwargs.items()]
        if isinstance(inner, ClassRefV) and all(literal is not None and literal != NONE_V for _, literal in bound):
            args = tuple(cst.Arg(literal[1], keyword=cst.Name(name)) for name, literal in bound)
            return dataclasses.replace(inner, bound=args + inner.bound)
    if isinstance(value, PartialObj):
        return UnknownV("a value not known at this entry point")
    literal = as_literal(value) if value is not UNKNOWN else None
    return literal if literal is not None else UnknownV("a value not known at this entry point")


def entry_rows(fa, layer: Layer, site, spans: dict, found: dict) -> list:
    """Rows of `layer` (its own row unknown) at the entry points' calls that judged it (`found`:
    `entry_outcomes`), named as a block's layer at a use (`BasicBlock().conv2`), its own line related;
    no fix there (each entry point decides)."""
    if layer.activation != "unknown" or layer.class_name is None:
        return []
    rows = []
    for call, container, entry, (activation, param, evidence), count in found.get(id(site), []):
        span = spans.get(id(call))
        if span is None or container not in fa.classes:
            continue
        (line, col), (end_line, end_col) = span
        row = copy.copy(layer)
        row.line, row.column, row.end_line, row.end_column = line, col + 1, end_line, end_col + 1
        row.class_name = container
        row.name = f"{layer.class_name}().{layer.name or layer.layer_type}"
        row.site = f"{container}/{row.name}/{layer.layer_type}@{line}"
        row.at_use = True
        every = f"each of the {count} constructions" if count > 1 else "the one construction"
        row.activation, row.activation_param = activation, param
        row.activation_evidence = derived(f"{evidence}, at {every} {entry}() reaches", evidence)
        row.related = [[layer.path, layer.line], *[list(r) for r in layer.related]]
        row.fix = FixPlan(reason=f"{layer.class_name} is built with different arguments: each entry point decides "
                                 f"({layer.path}:{layer.line})")  # fmt: skip
        row.container, row.open_output, row.activation_defaults, row.output_head = None, None, [], False
        row.as_defaults, row.agreed_uses, row.weight = None, None, None
        row.recommended = catalogue.recommended_line(activation, param, "layer.weight")
        rows.append(row)
    return rows

