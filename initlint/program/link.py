"""The program stage: what other modules decide about each file's layers.

Each file's analysis leaves two questions open that only the rest of the program answers:
- a layer "keeps the default init" only because nothing in its own file initialises it;
  a model in another module that builds its block may re-initialise it (`self.apply(...)`,
  an init loop, `post_init()`), or a script may (`net = Net(); net.apply(weights_init)`).
  The effective init is the last one that runs: the layer is judged at every root that
  builds it (a class nothing in the program builds, or a script's construction).
- an activation chosen by a constructor parameter's default (`act_layer=nn.GELU`) holds only
  if no caller in the program passes another class.

`link(models)` reads only the plain module summaries and layers (no tree, no LibCST) and
updates the layers in place; each change names the other module's line as evidence.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from .. import catalogue
from ..library import hooks
from ..model import DEFAULT_ACTIVATION_ASSUMED, FORWARDED_KWARGS, MODULE_ATTRIBUTES, OVERRIDES, PROGRAM_CONSTRUCTIONS_AGREE, REQUIRED, RETURNED, FileModel, FixPlan, InitRuleFact, Layer, ModuleModel, name_suffix_reaches
from .modules import ClassRef, ModuleIndex, absolute

MAX_CHAINS = 64  # distinct containment chains (rule lists) followed up from one class; more than that is `unknown`
MAX_CHAIN_WALK = 4096  # ways up walked from one class (many share one rule list: a block built by dozens of blocks)
MAX_RETURN_DEPTH = 6  # classes a returned layer's output is followed up through
MAX_PASSING_DEPTH = 6  # constructors a parameter passed down (`act_layer=act_layer`) is followed up through


@dataclass
class Use:
    """One way the program builds a class: inside another class, or by module code."""

    container: Optional[ClassRef]  # None: module code or a free function
    path: str  # the module holding the construction
    line: int
    args: dict = field(default_factory=dict)
    applied: list = field(default_factory=list)  # InitRuleFact of `.apply(fn)` on what was built
    attr: Optional[str] = None  # the name it is bound to in its container (`self.mlp = Mlp()`)
    span: list = field(default_factory=list)  # [column, end_line, end_column] of the construction
    callee: str = ""  # as written there
    unrun: bool = False  # in a builder object's method: read for its arguments only (BuildFact.unrun)
    entry: Optional[str] = None  # reached by this entry point's run (BuildFact.entry): judged once per entry point
    within: list = field(default_factory=list)  # BuildFact.within: the classes that run built around its container
    built_at: Optional[int] = None  # BuildFact.built_at: the line of its construction on that run
    via: Optional[str] = None  # a call of this factory of the class's module, which returns what it builds
    runs: list = field(default_factory=list)  # BuildFact.runs: methods module code runs on what it built
    function: Optional[str] = None  # BuildFact.function: the free function whose code builds it
    within_paths: list = field(default_factory=list)  # BuildFact.within_paths: the module of each of `within` (None: the container's)
    unlinked: bool = False  # built on an entry point's run inside a module not linked here: that run is not all known
    through: list = field(default_factory=list)  # BuildFact.through, as ClassRefs: other modules' blocks around it
    held_at: Optional[str] = None  # BuildFact.held_at: where that run's model holds it
    init_top: bool = True  # BuildFact.init_top: a fix after it is read back as its init


@dataclass
class LinkStats:
    """How many layers the program stage changed, for tests and benches."""

    init_explicit: int = 0
    init_unknown: int = 0
    activation_unknown: int = 0
    resolved_builds: int = 0
    unresolved_builds: int = 0
    # path -> [(line, message)]: internal errors the stage contained; the layers they hit claim nothing
    failures: dict = field(default_factory=dict)


def link(models: dict, installed: frozenset = frozenset()) -> LinkStats:
    """Update every layer of `models` (path -> FileModel) with what other modules decide.
    `installed`: paths of installed packages' modules (and stubs) among them, read for what
    they tell the program: their layers are reported where the checked code builds them.

    Never raises for a bug of ours: an error on one layer leaves that layer claiming nothing
    (`_given_up`); one outside any layer leaves every claim that other modules could change
    unknown (`_unlinked`). Either is in `LinkStats.failures`, for the file it hit."""
    stats = LinkStats()
    try:
        _link(models, installed, stats)
    except Exception as error:  # a bug of ours: what the program would decide is not known
        _unlinked(models, installed, error, stats)
    return stats


_GIVEN_UP = "not known: the program stage failed on it (an internal error, reported)"


def _contained(stats: LinkStats, layer: Layer, path: str, step, *args, **kwargs) -> None:
    """One layer's step of the stage: a bug of ours there gives that layer up, the others go on."""
    if layer.init_evidence == _GIVEN_UP:
        return
    try:
        step(*args, **kwargs)
    except Exception as error:
        _given_up(layer, path, error, stats)


def _given_up(layer: Layer, path: str, error: Exception, stats: LinkStats) -> None:
    """An internal error while linking `layer`: it claims nothing, and its file says why."""
    layer.activation, layer.activation_param = "unknown", None
    layer.activation_evidence = layer.init_evidence = _GIVEN_UP
    layer.init, layer.init_call, layer.init_open, layer.fix, layer.output_head = "unknown", None, False, None, False
    _recommend(layer)
    stats.failures.setdefault(path, []).append(
        (layer.line, f"internal error while linking {layer.name or layer.layer_type}: {type(error).__name__}: {error} (please report it)"))


def _unlinked(models: dict, installed: frozenset, error: Exception, stats: LinkStats) -> None:
    """An internal error outside any one layer: every claim another module could have changed is unknown."""
    for path, model in sorted(models.items()):
        if path in installed:
            continue
        hit = [layer for layer in [*model.free_layers, *(x for m in model.modules for x in m.layers)]
               if layer.init == "default" or layer.activation_defaults or layer.as_defaults is not None
               or layer.open_output or layer.at_use]  # fmt: skip
        for layer in hit:
            _given_up(layer, path, error, LinkStats())
        if hit:
            first = min(layer.line for layer in hit)
            stats.failures.setdefault(path, []).append(
                (first, f"internal error in the program stage: {type(error).__name__}: {error}; what other modules "
                        f"decide about this file's layers is not known (please report it)"))  # fmt: skip


def _link(models: dict, installed: frozenset, stats: LinkStats) -> None:
    # by path: which user an evidence names must not depend on the order workers finished in
    summaries = {path: model.summary for path, model in sorted(models.items()) if model.summary is not None}
    index = ModuleIndex.of(summaries)
    every_use, counts = _uses(index)
    stats.resolved_builds, stats.unresolved_builds = counts.resolved_builds, counts.unresolved_builds
    uses = _without_unrun(every_use)
    # installed modules are linked on copies: linking again (a file analysed afresh) starts from them as built
    models = {path: _copied(model) if path in installed else model for path, model in sorted(models.items())}
    for model in models.values():
        for layer in [*model.free_layers, *(x for m in model.modules for x in m.layers)]:
            layer.moved = False
            if (layer.activation_defaults or layer.as_defaults or layer.object_defaults) and layer.built_activation is None:
                layer.built_activation = [layer.activation, layer.activation_param, layer.activation_evidence]
            elif layer.activation_defaults or layer.as_defaults or layer.object_defaults:
                layer.activation, layer.activation_param, layer.activation_evidence = layer.built_activation
    as_built = {id(layer): copy.copy(layer) for path in installed for layer in models[path].layers}
    handed = _handed_on(index, every_use)
    disagreeing: list = []  # (module, layer, class): its uses pass different activations
    judged_here: list = []  # (layer, class): its own file judged it per construction; other files' uses too
    apart: list = []  # (layer, class, [(use, outcomes)]): what its class returns meets different things
    followed: dict = {}  # (path, class, layer) -> {user path: [(activation, param, evidence, by class)]}
    built_init: dict = {}  # id(layer) -> its init evidence as built, where its file left the init open
    init_apart: list = []  # (layer, class): what re-initialises it differs between the ways it is built
    for path, summary in summaries.items():
        for where, cls, name, activation, param, evidence, *by in summary.followed:
            followed.setdefault((where, cls, name), {}).setdefault(path, []).append(
                (activation, param, evidence, by[0] if by else None, by[1] if len(by) > 1 else None))
    index.followed = followed
    # a program where nothing re-initialises anything: a builder's blocks keep their own draw wherever they go
    reinits = any(fact.rules for summary in summaries.values() for fact in summary.classes.values()) or any(
        build.applied or build.runs for summary in summaries.values() for build in summary.builds) or any(
        summary.blind_applies for summary in summaries.values())  # fmt: skip
    index.unlisted_builds = {ref: use for ref, use in ((ref, _builder_only(found)) for ref, found in every_use.items())
                             if use is not None} if reinits else {}  # fmt: skip
    index.entry_builds = {ref: [use for use in found if use.unrun and use.entry and use.container is not None]
                          for ref, found in every_use.items() if any(use.unrun and use.entry for use in found)}  # fmt: skip
    methods_run = any(use.runs for found in uses.values() for use in found)  # `model.init_weights()` by module code
    handed_default: list = []  # (layer, class): on the default where built, its class handed on as a value
    for path, model in models.items():
        for layer in [*model.free_layers, *(x for m in model.modules for x in m.layers)] if path not in installed else ():
            if layer.object_defaults:
                _link_object_fields(layer, index, every_use, stats)
        for layer in model.free_layers:
            try:
                if layer.activation_defaults and path not in installed:
                    _link_activation(layer, index, every_use, stats, path)
                maker = ClassRef(path, layer.function) if layer.function else None
                if layer.init == "default" and layer.init_open and maker is not None and uses.get(maker):
                    # built by a factory function (timm's create_conv2d_pad): what its callers run on it
                    _link_init(layer, maker, index, uses, stats)
            except Exception as error:  # a bug of ours: this layer claims nothing, the others go on
                _given_up(layer, path, error, stats)
        for module in model.modules:
            ref = _class_ref(index, path, module.name)
            if ref is None:
                continue
            for layer in module.layers:
                try:
                    if layer.init == "default" and layer.init_open:
                        built_init[id(layer)] = layer.init_evidence
                        if _link_init(layer, ref, index, uses, stats) and path not in installed:
                            init_apart.append((layer, ref))
                        elif layer.init == "default" and ref in handed:
                            handed_default.append((layer, ref))
                    elif layer.init == "explicit" and not layer.at_use and _overridden_by_builders(layer, ref, index, uses, stats):
                        pass  # a routine of what builds its class runs after its own init: that one is effective
                    elif methods_run and layer.init in ("explicit", "unknown"):
                        _link_method_runs(layer, ref, index, uses, stats)
                    if layer.as_defaults is not None:
                        if path not in installed and not _open_at_use(layer, ref):  # those: at entry points only
                            judged_here.append((layer, ref))
                        if layer.activation_defaults:  # what its file's constructions pass rests on defaults too
                            _link_activation(layer, index, every_use, stats, path, handed)
                    elif layer.activation_defaults and _link_activation(layer, index, every_use, stats, path, handed) \
                            and path not in installed:  # fmt: skip
                        disagreeing.append((module, layer, ref))
                    if layer.activation not in ("unknown", "none") and not layer.at_use:
                        _followed_otherwise(layer, followed.get(_followed_key(model, layer), {}), stats)
                    if layer.open_output and not layer.moved:
                        owner = _class_ref(index, path, layer.open_output)
                        # a flag run's records (tagged with their construction) are what that use does with it too
                        per_use = _link_output(layer, owner, uses, stats, followed.get(_followed_key(model, layer), {}),
                                               handed)  # fmt: skip
                        if per_use and path not in installed:
                            apart.append((layer, owner, per_use))
                except Exception as error:  # a bug of ours: this layer claims nothing, the others go on
                    _given_up(layer, path, error, stats)
    for path in sorted(installed):
        if path in models:
            _project_installed(models, path, installed, index, uses, as_built)
    for module, layer, ref in disagreeing:
        # a builder's instances have no use to be judged at: its own row stays for them, the listed uses are judged each
        unlisted = _built_unlisted(every_use.get(ref, []))
        _contained(stats, layer, ref.path, _project_to_uses, models, layer, ref, index, uses, handed,
                   built_init.get(id(layer)), unlisted=unlisted)  # fmt: skip
    handing_all = _handing_modules(index) if judged_here and handed else {}
    for layer, ref in judged_here:
        _contained(stats, layer, ref.path, _judge_other_files_uses, models, layer, ref, index, uses, built_init.get(id(layer)),
                   handed, handing_all)  # fmt: skip
    for layer, ref, per_use in apart:
        if not layer.moved:
            _contained(stats, layer, ref.path, _project_outputs, models, layer, ref, per_use, index, handed)
    _judge_at_entry_points(models, index, every_use, uses, built_init, installed, stats)
    _judge_outputs_at_entry_points(models, index, every_use, uses, built_init, installed, stats)
    for layer, ref in init_apart:
        # a class handed on as a value is also built in ways not listed: no use would hold those;
        # an activation no init is recommended for (none, softmax) has nothing to find at a use
        if not layer.moved and catalogue.recommend(layer.activation, layer.activation_param) is not None \
                and layer.as_defaults is None and ref not in handed \
                and not _built_unlisted(every_use.get(ref, [])):  # fmt: skip
            _contained(stats, layer, ref.path, _project_to_uses, models, layer, ref, index, uses,
                       built_init=built_init[id(layer)], by_init=True)  # fmt: skip
    # last: the rows judged at each listed use were copied from these as the class builds them
    handing = _handing_modules(index) if handed_default else {}
    for layer, ref in handed_default:
        if not layer.moved and layer.init == "default":
            _contained(stats, layer, ref.path, _init_where_handed, layer, ref, index, handing.get(ref, ()), stats)
    _reach_of_blind_applies(models, index, installed)
    _materialised_empty(models, index, every_use, installed)
    _changed_by_subclasses(models, index)
    _rebound_by_module_code(models, index, every_use)


def _rebound_by_module_code(models: dict, index: ModuleIndex, uses: dict) -> None:
    """`blk.act = nn.Tanh()` by module code after building `blk`: the layers of the class that holds
    that attribute (`net.a.act`: the class built at `a`) meet something else in that model than their
    rows say; where the way down is not read, every class below the model. Their rows claim nothing."""
    if not any(summary.rebinds for summary in index.summaries.values()):
        return
    held: dict = {}  # ClassRef -> [(attribute, ClassRef built there)]
    for ref, found in uses.items():
        for use in found:
            if use.container is not None:
                held.setdefault(use.container, []).append((use.attr, ref))
    for path, summary in index.summaries.items():
        for callee, attribute, line, code in summary.rebinds:
            root = index.resolve_class(path, callee)
            if root is None:
                continue
            reached, current = set(), root
            for part in attribute.split(".")[:-1]:
                below = [ref for attr, ref in held.get(current, []) if attr == part]
                if len(below) != 1:
                    current = None
                    break
                current = below[0]
            lineage = [current, *_ancestors(current, index)] if current is not None else []
            facts = [index.summaries[ref.path].classes.get(ref.name) for ref in lineage]
            if facts and all(fact is not None and attribute.rsplit(".", 1)[-1] not in fact.self_reads for fact in facts):
                continue  # an attribute its class's code never reads (`model.config = cfg`)
            stack = [current] if current is not None else [root]
            while stack:  # its blocks too (what follows their outputs in its forward may be that attribute), and
                ref = stack.pop()  # the classes it derives from, whose lines build its layers
                if ref not in reached and len(reached) < 256:
                    reached.add(ref)
                    stack.extend(inner for _, inner in held.get(ref, []))
                    stack.extend(_ancestors(ref, index))
            for ref in reached:
                for module in models[ref.path].modules if ref.path in models else ():
                    if _class_ref(index, ref.path, module.name) != ref:
                        continue
                    for layer in module.layers:
                        if layer.activation in ("unknown", "none"):
                            continue
                        layer.activation, layer.activation_param = "unknown", None
                        layer.activation_evidence = f"{path}:{line} binds `{code}` on the {root.name} it built"
                        _relate(layer, path, line)
                        _recommend(layer)


def _followed_otherwise(layer: Layer, records: dict, stats: LinkStats) -> None:
    """Another module's forward applying something else to the layer's own output (`torch.tanh(
    self.block.fc(x))` past the block's forward, or what the block returns as it is on some path):
    the layer meets both, so its row claims neither."""
    for user, found in sorted(records.items()):
        # an activation only: "none" may be an exit of a branch its forward's run did not decide
        other = next((record for record in found if record[0] not in (RETURNED, "none", "unknown", "softmax")
                      and (record[0], record[1]) != (layer.activation, layer.activation_param)), None)  # fmt: skip
        if other is not None:
            shown = catalogue.display_name(other[0], other[1])
            layer.activation_evidence = f"{layer.activation_evidence}, but {other[2]} in {other[3] or 'module code'} ({user}): {shown}"
            layer.activation, layer.activation_param = "unknown", None
            _recommend(layer)
            stats.activation_unknown += 1
            return


def _ancestors(ref: ClassRef, index: ModuleIndex) -> list:
    """The program's classes `ref` derives from, nearest first."""
    ancestors, stack = [], [(ref, 0)]
    while stack:
        current, depth = stack.pop()
        found = index.summaries.get(current.path)
        cls = found.classes.get(current.name) if found is not None else None
        for base in cls.bases if cls is not None and depth < 8 else ():
            target = index.resolve_class(current.path, base)
            if target is not None and target not in ancestors and target != ref:
                ancestors.append(target)
                stack.append((target, depth + 1))
    return ancestors


def _changed_by_subclasses(models: dict, index: ModuleIndex) -> None:
    """`class Classifier(Regressor)` whose __init__ runs `self.final.add_module("act", nn.Sigmoid())`
    after its base built `self.final`: the base's layers there meet something else in its
    constructions than in the base's own, so their row (which speaks for both) claims no activation."""
    for path, summary in index.summaries.items():
        for fact in summary.classes.values():
            if not fact.mutates and not fact.binds and not fact.defines:
                continue
            for ref in _ancestors(ClassRef(path, fact.name), index):
                model = models.get(ref.path)
                base = index.summaries[ref.path].classes.get(ref.name) if ref.path in index.summaries else None
                # `self.act = nn.Tanh()` after `super().__init__()`: another activation the base's layers may meet
                # (the same one bound again changes nothing: `ACT2FN["silu"]` for the config default's silu)
                held = {attr: (activation, param) for attr, activation, param in base.activation_attrs} if base is not None else {}
                rebound = next((b for b in fact.binds if b[0] in held and (held[b[0]][0] == "unknown" or b[3:5] != list(held[b[0]]))), None)
                # its own `forward` (not extending the base's), or a method or class attribute the base's code
                # reads through `self` (`self.make_act()`): the base's layers meet what that says in its instances.
                # A subclass in the base's own module has rows of its own there, or (its own `__init__` running
                # `super().__init__()`) its forward was run on the base's own sites there
                hooked = [d[0] for d in fact.defines if base is not None and ref.path != path and d[0] in base.hooks
                          and not (d[0] == "forward" and d[1])]  # fmt: skip
                # its own init routine (`_init_weights`, which the base's __init__ applies): the base's layers' init
                routine = next((name for name in hooked if name in base.init_hooks), None) if base is not None else None
                redefined = next((name for name in hooked if name != routine), None) if rebound is None else None
                for module in model.modules if model is not None else ():
                    if _class_ref(index, ref.path, module.name) != ref:
                        continue
                    for layer in module.layers:
                        if routine is not None and not layer.at_use and layer.init != "unknown":
                            _init_unknown(layer, f"{fact.name} (a subclass) defines its own `{routine}`, which "
                                                 f"{ref.name}'s __init__ runs as an init routine", path, fact.line)
                        if redefined is not None and not layer.at_use and layer.activation not in ("unknown", "none") \
                                and (redefined != "forward" or layer.name in base.forward_layers):  # fmt: skip
                            layer.activation, layer.activation_param = "unknown", None
                            layer.activation_evidence = (f"{fact.name} (a subclass) defines its own `{redefined}`, which "
                                                         f"{ref.name}'s code runs on its instances")  # fmt: skip
                            _relate(layer, path, fact.line)
                            _recommend(layer)
                            continue
                        if rebound is not None and not layer.at_use and layer.activation not in ("unknown", "none"):
                            layer.activation, layer.activation_param = "unknown", None
                            layer.activation_evidence = (f"{fact.name} (a subclass) binds `self.{rebound[0]}` again after "
                                                         f"{ref.name} built it: `{rebound[2]}`")  # fmt: skip
                            _relate(layer, path, rebound[1])
                            _recommend(layer)
                            continue
                        changed = next((m for m in fact.mutates if layer.name == m[0] or (layer.name or "").startswith(f"{m[0]}.")), None)
                        if changed is None or layer.at_use or layer.activation == "unknown":
                            continue
                        layer.activation, layer.activation_param = "unknown", None
                        layer.activation_evidence = (f"{fact.name} (a subclass) changes `self.{changed[0]}` after "
                                                     f"{ref.name} built it: `{changed[2]}`")  # fmt: skip
                        _relate(layer, path, changed[1])
                        _recommend(layer)


def _materialised_empty(models: dict, index: ModuleIndex, uses: dict, installed: frozenset) -> None:
    """A script's `model.to_empty(...)` on a class of the program: the weights of that class and of
    every class it holds are uninitialised memory after it, whatever their construction drew."""
    held_by: dict = {}  # ClassRef -> the classes built in its code
    for ref, found in uses.items():
        for use in found:
            if use.container is not None:
                held_by.setdefault(use.container, set()).add(ref)
    for path, summary in index.summaries.items():
        for fact in summary.builds:
            wipe = next((rule for rule in fact.applied if rule.wipes), None)
            root = _built_class(index, path, fact.callee) if wipe is not None else None
            if root is None:
                continue
            stack, seen = [root], {root}
            while stack:
                ref = stack.pop()
                for inner in held_by.get(ref, ()):
                    if inner not in seen:
                        seen.add(inner)
                        stack.append(inner)
            for ref in seen:
                model = models.get(ref.path)
                if model is None or ref.path in installed:
                    continue
                for module in model.modules:
                    if _class_ref(index, ref.path, module.name) != ref:
                        continue
                    for layer in module.layers:
                        if wipe.wipes == "explicit" and layer.init != "explicit":
                            continue  # each layer's own reset_parameters(): the default stays what it was
                        _init_unknown(layer, wipe.evidence, path, wipe.line)


def _reach_of_blind_applies(models: dict, index: ModuleIndex, installed: frozenset) -> None:
    """`model = build_model(cfg); model.apply(init)`: the model is not followed, so the routine
    may re-initialise any layer of its types in the modules the script's imports reach, and it
    runs last: the effective init there is unknown, never the default or the class's own."""
    for path, summary in index.summaries.items():
        # (rule, the module whose imports reach what the model may hold): a function of the program
        # building it (`mobilenet_v3_large(...)`) builds from its own module's reach
        rules = [(rule, path) for rule in summary.blind_applies]
        for fact in summary.builds:
            # `model = build_model(cfg)` of another module: a function, or a class of a library,
            # not a class of the program; only a module of the program (or none found) may build its classes
            if fact.inside is not None or not fact.applied or _built_class(index, path, fact.callee) is not None:
                continue
            module, is_package = index.names.get(path, ("", False))
            home = index.split(absolute(module, is_package, fact.callee), path)
            if home is not None and (home[0] in installed or home[0] not in index.summaries):
                continue
            rules += [(dataclasses.replace(rule, state="unknown", line=fact.line, call=None, evidence=(
                f"{rule.routine or rule.evidence} on the model `{fact.callee.rsplit('.', 1)[-1]}(...)` "
                f"builds in {path}")), home[0] if home is not None else path) for rule in _rules_below(fact.applied, None)]  # fmt: skip
        if not rules:
            continue
        reach = {root: index.reached_by_imports(root) | {path} for root in {root for _, root in rules}}
        for target in sorted(set().union(*reach.values())):
            if target in installed or target not in models:
                continue
            model = models[target]
            here = [rule for rule, root in rules if target in reach[root]]
            for layer in [*model.free_layers, *(x for m in model.modules for x in m.layers)]:
                rule = next((r for r in here if layer.init in ("default", "explicit") and (
                    r.types is None or _reach(layer, r.types) is not False)
                    and (not r.name_suffix or name_suffix_reaches(r.name_suffix, layer.name, False) is not False)
                    and (r.wipes != "explicit" or layer.init == "explicit")), None)  # fmt: skip
                if rule is None:
                    continue
                _init_unknown(layer, f"{rule.evidence} (line {rule.line}) may re-initialise it", path, rule.line)


def _relate(layer: Layer, path: str, line: int) -> None:
    """Name another place that decided something about the layer, once."""
    if [path, line] not in layer.related:
        layer.related.append([path, line])


def _init_unknown(layer: Layer, evidence: str, path: str, line: int) -> None:
    """Code elsewhere may rewrite the layer's weights after its class's own init: unknown, and where."""
    layer.init, layer.init_call, layer.init_open, layer.init_evidence = "unknown", None, False, evidence
    _relate(layer, path, line)


def _judge_at_entry_points(models: dict, index: ModuleIndex, every_use: dict, uses: dict, built_init: dict,
                           installed: frozenset, stats: LinkStats) -> None:  # fmt: skip
    """A block an entry point's run builds through a builder object (`BuildFact.entry`:
    efficientnet_b0() -> EfficientNetBuilder -> `InvertedResidual(**ba)`): each layer whose activation
    rests on constructor defaults is judged once per entry point, at its call that led there, with
    what each construction that run reaches passes: the activation where they all agree, else
    unknown with what they meet. Its own row stays (other ways of building it, other entry points)."""
    for ref, found in every_use.items():
        at_entries: dict = {}
        for use in found:
            if use.entry and use.line and use.path in models and use.path not in installed:
                at_entries.setdefault((use.path, use.entry, use.line, tuple(use.span)), []).append(use)
        module = next((m for m in models[ref.path].modules if _class_ref(index, ref.path, m.name) == ref), None) \
            if ref.path in models else None  # fmt: skip
        if not at_entries or module is None:
            continue
        for layer in [x for x in module.layers if not x.at_use or _open_at_use(x, ref)]:
            _contained(stats, layer, ref.path, _layer_at_entry_points, models, layer, ref, at_entries, index, every_use,
                       uses, built_init)  # fmt: skip


def _layer_at_entry_points(models: dict, layer: Layer, ref: ClassRef, at_entries: dict, index: ModuleIndex,
                           every_use: dict, uses: dict, built_init: dict) -> None:  # fmt: skip
    if layer.as_defaults is not None:
        start, defaults = layer.as_defaults[:3], layer.as_defaults[3]
    elif layer.activation_defaults and layer.built_activation is not None:
        start, defaults = layer.built_activation, layer.activation_defaults
    else:
        return  # what it meets rests on no argument: its own row says it for every construction
    for (path, entry, _, _), group in _construction_groups(at_entries):
        if any(use.unlinked for use in group):
            continue  # some constructions that run reaches were built where the program is not linked
        if not defaults and path == ref.path:
            continue  # a class of the entry point's own module whose row rests on no argument: said there
        if layer.at_use and not _inner_built(layer, ref, models[ref.path], every_use, entry):
            continue  # that run builds another class there (`ConvNorm if use_conv else LinearNorm`)
        judged = [_judged_at(layer, ref, use, start, defaults, index, uses, built_init.get(id(layer)), True)
                  for use in group]  # fmt: skip
        met = sorted({(p.activation, p.activation_param) for p in judged}, key=str)
        places = [use.held_at for use in group]
        if len(met) > 1 and all(places) and len(set(places)) == len(places):
            # one line builds blocks that meet different things (MobileNetV3's ReLU and hard-swish
            # stages): a row per block, named where the model holds it (`blocks.2.0.conv_pw`)
            for use, row in zip(group, judged):
                row.name = f"{use.held_at}.{layer.name or layer.layer_type}"
                row.site = f"{row.class_name or ''}/{row.name}/{layer.layer_type}@{use.line}"
                row.activation_evidence = f"{row.activation_evidence}, as {entry}() builds {use.held_at}"
                _entry_row(models, layer, row, [use], entry, path, ref, split=True)
            continue
        row = judged[0]
        count = f"each of the {len(group)} constructions" if len(group) > 1 else "the one construction"
        if len(met) == 1:
            row.activation_evidence = f"{row.activation_evidence}, {count} {entry}() reaches"
        else:
            shown = ", ".join(sorted({p.activation for p in judged}))
            row.activation, row.activation_param = "unknown", None
            row.activation_evidence = (f"the {len(group)} constructions {entry}() reaches meet different "
                                       f"things: {shown}")  # fmt: skip
        if len({(p.init, p.init_evidence) for p in judged}) > 1:
            row.init, row.init_evidence, row.init_call = "unknown", f"what re-initialises it differs between the constructions {entry}() reaches", None
        _entry_row(models, layer, row, group, entry, path, ref)


def _entry_row(models: dict, layer: Layer, row: Layer, group: list, entry: str, path: str, ref: ClassRef,
               split: bool = False) -> None:  # fmt: skip
    """Place a row judged at an entry point's call for the constructions of `group` (`split`: one of
    the blocks a line builds, each its own row); where it says otherwise than the layer's own row,
    that row is not one thing."""
    row.activation_evidence = f"{row.activation_evidence} (built through {group[0].callee.rsplit('.', 1)[-1] or ref.name})"
    if not layer.at_use and layer.activation != "unknown" and row.activation != "unknown":
        if (row.activation, row.activation_param, row.init) == (layer.activation, layer.activation_param, layer.init) \
                and not split:  # fmt: skip
            return  # its own row says so for the constructions this entry point reaches too
        if (row.activation, row.activation_param) != (layer.activation, layer.activation_param):
            # the run builds it otherwise than its own row says: that row is not one thing
            layer.activation, layer.activation_param = "unknown", None
            layer.activation_evidence = f"{entry}() builds it otherwise: {row.activation_evidence}"
            _relate(layer, path, row.line)
            _recommend(layer)
    _place_at_entry(models, row, group, path)


def _place_at_entry(models: dict, row: Layer, group: list, path: str) -> None:
    """Add a row judged at an entry point's call to that module's model: where the constructions
    it stands for are all on one line, it speaks for the layers built there only."""
    lines = {use.built_at for use in group}
    if len(lines) == 1 and None not in lines:
        row.related.insert(0, [path, lines.pop()])
        row.site = f"{row.site}:{row.related[0][1]}"  # one row per construction line
    _recommend(row)
    _place(models[path], row)


def _judge_outputs_at_entry_points(models: dict, index: ModuleIndex, every_use: dict, uses: dict, built_init: dict,
                                   installed: frozenset, stats: LinkStats) -> None:  # fmt: skip
    """A layer a class returns (Mlp.fc2), unknown where it is built because its users meet different
    things over every way their module builds them (a stage's last block feeds the next stage's
    `norm_layer(...)`, which one model makes a norm and another a norm and an activation): judged at
    each entry point's call, through what the classes that run builds do with it there
    (`ModuleSummary.entry_followed`, via `_followed_at`), up to the model's output; a row where every
    construction that run reaches meets one known thing. Its own row stays."""
    for ref, found in every_use.items():
        at_entries: dict = {}
        for use in found:
            if use.entry and use.line and use.container is not None and use.path in models and use.path not in installed:
                at_entries.setdefault((use.path, use.entry, use.line, tuple(use.span)), []).append(use)
        module = next((m for m in models[ref.path].modules if _class_ref(index, ref.path, m.name) == ref), None) \
            if at_entries and ref.path in models else None  # fmt: skip
        if module is None:
            continue
        for layer in [x for x in module.layers if not x.at_use and x.open_output]:
            _contained(stats, layer, ref.path, _output_at_entry_points, models, layer, ref, at_entries, index, uses,
                       built_init)  # fmt: skip


def _output_at_entry_points(models: dict, layer: Layer, ref: ClassRef, at_entries: dict, index: ModuleIndex,
                            uses: dict, built_init: dict) -> None:  # fmt: skip
    if layer.activation != "unknown" and not layer.moved:
        return  # its own row says it for every construction
    key = _followed_key(models[ref.path], layer)
    for (path, entry, _, _), group in _construction_groups(at_entries):
        met: set = set()
        for use in group:
            outcomes = _entry_walk(use, index, key)
            if outcomes is None:
                outcomes = _use_outcomes(use, uses, _followed_at(index, key, use), 0, frozenset({ref}))
            if outcomes is None:
                break
            met |= set(outcomes)
        else:
            kinds = {(a, p) for a, p, _ in met}
            if len(kinds) != 1 or "unknown" in {a for a, _ in kinds}:
                continue
            (activation, param), = kinds
            # what it meets first: in the block that applies it, else the nearest of the rest
            first = [r[2] for r in _followed_at(index, key, group[0]).get(group[0].path, [])
                     if r[3] == group[0].container.name and r[0] != RETURNED]  # fmt: skip
            evidence = first[0] if first else sorted(e for *_, e in met)[0]
            count = f"each of the {len(group)} constructions" if len(group) > 1 else "the one construction"
            evidence = f"returned by {ref.name}.forward: {evidence}, at {count} {entry}() reaches"
            row = _judged_at(layer, ref, group[0], [activation, param, evidence], [], index, uses,
                             built_init.get(id(layer)), True)  # fmt: skip
            row.output_head, row.moved = False, False  # (its own row may have moved to its uses)
            _place_at_entry(models, row, group, path)


def _entry_walk(use: Use, index: ModuleIndex, key: tuple) -> Optional[set]:
    """What the output of the layer `key` meets on one entry point's run, from the construction `use`
    up through the classes that run built around it (`Use.within`, the model outermost), each judged
    there (`ModuleSummary.entry_followed`): what each does with it, up to where it no longer leaves one;
    a class built through a value (`block_layer(...)`), which no listed use names, is on the way too.
    None: some class on the way was not judged on that run, or the model returns it unjudged."""
    summary = index.summaries.get(use.path)
    judged = summary.entry_followed.get(use.entry, {}) if summary is not None and use.entry else {}
    chain = [use.container.name, *reversed(use.within)]
    found: set = set()
    for position, name in enumerate(chain):
        records = [r for r in judged.get(name) or () if tuple(r[:3]) == key]
        if not records:
            return None
        leaves = False
        for record in records:
            if record[3] == RETURNED:
                leaves = True
            else:
                found.add((record[3], record[4], record[5]))
        if not leaves:
            return found
        if position == len(chain) - 1:
            return None  # the model returns it to code its run does not show
    return found


def _open_at_use(layer: Layer, ref: ClassRef) -> bool:
    """A row its own file judged at a use inside `ref` (`self.ln1 = LinearNorm(...)` in LevitMlp),
    left unknown only by what `ref`'s own callers pass it (`Layer.as_defaults` naming `ref`'s
    parameters): each entry point's run judges it with what it passes."""
    return layer.at_use and layer.path == ref.path and layer.as_defaults is not None and bool(layer.as_defaults[3]) \
        and all(fact[0] == ref.name for fact in layer.as_defaults[3])  # fmt: skip


def _inner_built(layer: Layer, ref: ClassRef, model: FileModel, every_use: dict, entry: str) -> bool:
    """Whether the entry point's run builds, inside `ref`, the class whose own row the use row copies."""
    inner = next((m.name for m in model.modules for x in m.layers
                  if not x.at_use and layer.related and [x.path, x.line] == layer.related[0]), None)  # fmt: skip
    return inner is not None and any(use.entry == entry and use.container == ref
                                     for use in every_use.get(ClassRef(ref.path, inner), []))  # fmt: skip


def _construction_groups(at_entries: dict) -> list:
    """Per entry point's call, the constructions a row is judged over: those of one call the run went
    through in the entry point's module (`self.conv1 = ConvNormAct(...)` in Bottleneck: that row speaks
    for the layers built on that line, `related[0]`), and, where the line of some is not known, all of
    them (that row speaks for every one)."""
    out = []
    for key, found in sorted(at_entries.items(), key=lambda item: item[0][:3]):
        if any(use.built_at is None for use in found):
            out.append((key, sorted(found, key=lambda use: use.built_at is not None)))  # named by one of those
        for line in sorted({use.built_at for use in found if use.built_at is not None}):
            out.append((key, [use for use in found if use.built_at == line]))
    return out


def _copied(model: FileModel) -> FileModel:
    return copy.copy(model) if not model.modules else FileModel(
        model.path, [ModuleModel(m.name, m.line, [copy.copy(l) for l in m.layers], m.init_routines, m.contained_by)
                     for m in model.modules],
        [copy.copy(l) for l in model.free_layers], model.gain_calls, model.nn_alias, model.init_alias,
        model.import_line, model.summary, model.consulted)  # fmt: skip


def _project_to_uses(models: dict, layer: Layer, ref: ClassRef, index: ModuleIndex, uses: dict,
                     handed: Optional[dict] = None, built_init: Optional[str] = None, by_init: bool = False,
                     unlisted: bool = False) -> None:  # fmt: skip
    """A block whose uses pass different activations: its layer is judged at each use site
    (`self.stem = ConvAct(act_layer=nn.SiLU)` -> `stem.conv` there), with its own line related,
    and no longer where it is built. Not when a use's arguments are not known (a construction
    inside its own module, which its analysis has merged). A class another module hands on as a
    value is built there in ways not listed: its listed uses are judged each, even where they agree.
    `by_init`: the activation is settled, what re-initialises the layer differs by use (a model
    re-initialises its block, a script's construction does not): judged at each use where they differ.
    `unlisted`: a builder object's method also builds it (`InvertedResidual(**ba)` in timm's
    EfficientNetBuilder), with arguments no use lists: as for a class handed on, its own row stays."""
    found = uses.get(ref, [])
    # its own module's constructions merged into its analysis (`self.res = ResnetBlock2D(...)` there),
    # arguments not listed: they are judged by none of the rows the other uses get
    merged_here = [use for use in found if use.path == ref.path and not use.args and not use.span]
    if merged_here and by_init:
        return
    found = [use for use in found if use not in merged_here]
    if not found:
        return
    for use in found:
        target = models.get(use.path)
        if target is None or (by_init and (not use.line or _built_in_ways_not_listed(use, index, uses))):
            return
    if by_init:  # the activation is settled for every use (none passes another): kept as it is
        start, defaults = [layer.activation, layer.activation_param, layer.activation_evidence], []
    else:
        start, defaults = layer.built_activation, layer.activation_defaults
    projected_all = [(use, _judged_at(layer, ref, use, start, defaults, index, uses, built_init)) for use in found]
    if by_init:
        # every use agrees, down to what re-initialises it: judged where it is built (two uses
        # each with an init of their own are judged each, so each init's call can be judged)
        if len({(p.activation, p.activation_param, p.init, p.init_evidence) for _, p in projected_all}) < 2:
            return
    # a subclass passing its own arguments (`super().__init__(act_layer=LEAKY)`) builds the layer too: it
    # has no use to be judged at, so where it differs the own row stays, for its instances
    subclassed = [(use, _judged_at(layer, ref, use, start, defaults, index, uses, built_init))
                  for use in _subclass_uses(ref, index, uses) if use.args and not by_init]  # fmt: skip
    differs_below = len({(p.activation, p.activation_param) for _, p in projected_all + subclassed}) > 1
    fact = index.summaries[ref.path].classes.get(ref.name)
    # `def net(): return Net()` in its own module: a construction with arguments the links do not list
    own_code = bool(merged_here) or fact is not None and fact.standalone \
        and not any(u.path == ref.path and u.container is None for u in found) and not _made_by_listed_factories(fact, found)  # fmt: skip
    if not by_init and not differs_below and ref not in (handed or {}) and not unlisted and not own_code:
        for use, projected in projected_all if projected_all[0][1].activation == "unknown" else ():
            for above in _judged_above(layer, ref, use, projected, start, defaults, index, uses, models) if use.line else ():
                _place_above(models[above.path], above)
        _claim_where_built(layer, projected_all)
        return
    for use, projected in projected_all:
        if use.line:
            _place(models[use.path], projected)
        if use.line and projected.activation == "unknown" and not by_init:
            for above in _judged_above(layer, ref, use, projected, start, defaults, index, uses, models):
                _place_above(models[above.path], above)
    if own_code and not by_init:
        layer.activation, layer.activation_param, layer.recommended = "unknown", None, None
        layer.activation_evidence = f"{layer.activation_evidence}; code of {ref.path} builds {ref.name} too"
        _relate(layer, found[0].path, found[0].line)
    # a class handed on as a value (or built by a builder) is also built where no use is listed: its own row
    # (unknown) stays for those
    layer.moved = ref not in (handed or {}) and not unlisted and not own_code and not (differs_below and subclassed)


def _judged_above(layer: Layer, ref: ClassRef, use: Use, at_use: Layer, start: list, defaults: list,
                  index: ModuleIndex, uses: dict, models: dict) -> list:  # fmt: skip
    """A layer left unknown at `use` because the constructions of its container pass different values
    (diffusers' DownBlock2D, built by `get_down_block` for every UNet): judged again along each way the
    container is built (another module's construction, or a call of the function of its module that
    builds it), with that way's values only. A known judgement is a row at that construction, for the
    layers built through `use` under it only (`Layer.via`), its init as judged at `use`."""
    holder = use.container
    fact = index.summaries[holder.path].classes.get(holder.name) if holder is not None else None
    if fact is None or layer.conditional_build:  # (built under a condition: a way up may not build it at all)
        return []
    ways = [(outer, outer) for outer in uses.get(holder, []) if outer.span and outer.path != holder.path]
    if fact.listed_here:
        ways += [((function, call), call) for function, _ in fact.function_builds
                 for call in uses.get(ClassRef(holder.path, function), []) if call.span]  # fmt: skip
    out = []
    for way, where in ways:
        if where.path not in models:
            continue
        judged = _projected(layer, where, [f"{ref.name}()"])
        judged.activation, judged.activation_param, judged.activation_evidence = start[:3]
        _activation_for_use(judged, defaults, use, index, uses, pin=(holder, way))
        if judged.activation == "unknown":
            continue
        judged.activation_evidence = f"{judged.activation_evidence}, as {where.path}:{where.line} builds {holder.name}"
        judged.related = [[layer.path, layer.line], [use.path, use.line]]
        judged.via = [[use.path, use.line]]
        judged.site = f"{judged.site}<{holder.name}@{use.line}"
        judged.init, judged.init_evidence, judged.init_call, judged.init_open = (
            at_use.init, at_use.init_evidence, at_use.init_call, False)  # fmt: skip
        judged.fix = FixPlan(reason=f"judged as {where.path}:{where.line} builds {holder.name}, whose other "
                                    f"constructions differ; no one statement fixes it for this one ({layer.path}:{layer.line})")
        judged.weight = None
        _recommend(judged)
        out.append(judged)
    return out


def _place_above(model: FileModel, layer: Layer) -> None:
    """A row `_judged_above` made: one with another block's `via` at the same construction, judged
    alike, speaks for both (one finding there, not one per block that builds the layer)."""
    for module in model.modules if layer.class_name is not None else ():
        for other in module.layers:
            if other.at_use and other.via and (other.class_name, other.name, other.line, other.column) == \
                    (layer.class_name, layer.name, layer.line, layer.column) \
                    and (other.activation, other.activation_param, other.init) == (layer.activation, layer.activation_param, layer.init):  # fmt: skip
                other.via = [*other.via, *(v for v in layer.via if v not in other.via)]
                other.related = [*other.related, *(r for r in layer.related if r not in other.related)]
                return
    _place(model, layer)


def _built_in_ways_not_listed(use: Use, index: ModuleIndex, uses: dict) -> bool:
    """Whether a class on the way up from `use` is built in ways the links cannot list: its own
    module builds it through a value (`self._make_layer(BasicBlock, ...)`) and no use of it is
    listed, so what re-initialises it there (TResNet's init loop) is not on any chain."""
    stack, seen = [use.container], set()
    while stack:
        current = stack.pop()
        if current is None or current in seen:
            continue
        seen.add(current)
        found = uses.get(current, [])
        fact = index.summaries[current.path].classes.get(current.name)
        if not found and fact is not None and fact.built_here and not fact.standalone \
                and _module_may_reinit(current.path, index, uses):  # fmt: skip
            return True
        stack.extend(u.container for u in found)
    return False


def _module_may_reinit(path: str, index: ModuleIndex, uses: dict) -> bool:
    """Whether what builds a class inside its own module may re-initialise it: a class of that
    module runs an init routine, or is built by other modules (whose routines may reach it).
    GhostNet's module does neither: its blocks keep what their own code draws."""
    classes = index.summaries[path].classes
    return any(fact.rules for fact in classes.values()) or any(
        use.path != path for name in classes for use in uses.get(ClassRef(path, name), []))


def _claim_where_built(layer: Layer, projected_all: list) -> None:
    """Every construction in the program passes what makes the same activation: the layer is
    judged where it is built, with that activation (the issue's rule). Its fix there holds for
    these constructions only, not for the class's default: unsafe, with the uses as evidence."""
    agreed = projected_all[0][1]
    if agreed.activation == "unknown":
        layer.activation_evidence = f"{layer.activation_evidence} ({agreed.activation_evidence})"
        return
    layer.activation, layer.activation_param = agreed.activation, agreed.activation_param
    count = len(projected_all)
    every = "the program's only construction" if count == 1 else f"each of the program's {count} constructions"
    layer.activation_evidence = f"{agreed.activation_evidence}: {every}, not the default"
    for use, _ in projected_all:
        _relate(layer, use.path, use.line)
    if layer.fix is not None and layer.fix.reason is None:
        layer.fix.unsafe_reason = PROGRAM_CONSTRUCTIONS_AGREE
    layer.recommended = catalogue.recommended_line(layer.activation, layer.activation_param,
                                                   layer.weight or "layer.weight", loop_over=layer.container)


def _judged_at(layer: Layer, ref: ClassRef, use: Use, start: list, defaults: list, index: ModuleIndex,
               uses: dict, built_init: Optional[str] = None, whole_way: bool = False) -> Layer:  # fmt: skip
    """The layer of `ref` as one construction builds it: `start` ([activation, param, evidence]) with
    what that call passes for the constructor parameters in `defaults` put in. Where its own file
    left the init open (`built_init`, the evidence as built), the init is what runs along this
    construction's own ways up (its container's routines, what builds that), not all the program's."""
    projected = _projected(layer, use, [use.attr or f"{ref.name}()"])
    projected.activation, projected.activation_param, projected.activation_evidence = start[:3]
    passed_on = _activation_for_use(projected, defaults, use, index, uses)
    projected.related = [[layer.path, layer.line]]
    # else: as the program judged it; an entry point's run is the whole way that builds it (`whole_way`)
    if built_init is not None and (whole_way or not _built_in_ways_not_listed(use, index, uses)):
        projected.init, projected.init_evidence, projected.init_call, projected.init_open = "default", built_init, None, True
        _link_init(projected, None, index, uses, LinkStats(), _use_chains(use, index, uses, ref))
        projected.init_open = False
        if projected.init == "default":
            projected.init_evidence = f"no init runs on it in {layer.path} nor in what builds it at {use.path}:{use.line}"
    _init_at_use(projected, use, index)
    if use.entry:  # its line is the entry point's call (a `return`): no statement there holds the block
        projected.fix = FixPlan(reason=f"judged as {use.entry}() builds it; no one statement fixes it for that model "
                                       f"only ({layer.path}:{layer.line})")  # fmt: skip
    else:
        projected.fix = _fix_at_use(layer, use) or FixPlan(
            reason=f"{ref.name} is built with different activations: each use decides ({layer.path}:{layer.line})")
    if passed_on is not None and projected.fix.reason is None:
        # `Block(act=act)`: what this use passes is what the container's own callers pass
        projected.fix.unsafe_reason = f"the activation is what {use.container.name}'s constructions pass for {passed_on}"
    projected.weight = projected.fix.weight or None  # what the message names, as the fix does
    _recommend(projected)
    return projected


def _judge_other_files_uses(models: dict, layer: Layer, ref: ClassRef, index: ModuleIndex, uses: dict,
                            built_init: Optional[str] = None, handed: Optional[dict] = None,
                            handing: Optional[dict] = None) -> None:  # fmt: skip
    """A class its own file judged at each of its constructions there (`Layer.as_defaults`): the
    constructions other files make are judged alike, from what the layer meets built with the
    defaults and what each passes for the parameters that chose that. Where the file's own
    constructions all agreed (one row where it is built) and another file's do not, the row there
    becomes unknown and each construction gets its own row."""
    others = [use for use in uses.get(ref, []) if use.path != ref.path]
    if not others or any(use.path not in models for use in others):
        return
    activation, param, evidence, defaults = layer.as_defaults
    judged = [(use, _judged_at(layer, ref, use, [activation, param, evidence], defaults, index, uses, built_init))
              for use in others]  # fmt: skip
    if layer.agreed_uses:
        differ = next((use for use, p in judged
                       if (p.activation, p.activation_param) != (layer.activation, layer.activation_param)), None)  # fmt: skip
        if differ is None:
            return  # every construction in the program agrees: judged where it is built
        as_judged = [layer.activation, layer.activation_param, f"{layer.activation_evidence}, as built here"]
        for container, line, column, end_line, end_column, attr in layer.agreed_uses:
            own = Use(ClassRef(ref.path, container) if container else None, ref.path, line, attr=attr,
                      span=[column, end_line, end_column])  # fmt: skip
            judged.append((own, _judged_at(layer, ref, own, as_judged, [], index, uses, built_init)))
        layer.activation_evidence = f"{layer.activation_evidence}, but {differ.path}:{differ.line} builds it otherwise"
        layer.activation, layer.activation_param = "unknown", None
        _relate(layer, differ.path, differ.line)
        layer.moved = True
    for use, projected in judged:
        for above in _handed_above(use, uses, handed or {}):
            if projected.init != "default":
                break
            # a class on its way up handed on as a value is also built where no use is listed: what the
            # modules handing it on run may reach it there (DynUNet's `self.conv_block(...)`)
            _init_where_handed(projected, above, index, (handing or {}).get(above, ()), LinkStats())
        _place(models[use.path], projected)
        if use.line and projected.activation == "unknown":
            for above in _judged_above(layer, ref, use, projected, [activation, param, evidence], defaults, index, uses, models):
                _place_above(models[above.path], above)


def _handed_above(use: Use, uses: dict, handed: dict) -> list:
    """The classes on the way up from `use` (its container, what builds that, ...) that a module hands
    on as a value."""
    out, stack, seen = [], [use.container], set()
    while stack and len(seen) < 64:
        current = stack.pop()
        if current is None or current in seen:
            continue
        seen.add(current)
        if current in handed:
            out.append(current)
        stack.extend(outer.container for outer in uses.get(current, []))
    return out


def _init_at_use(projected: Layer, use: Use, index: ModuleIndex) -> None:
    """`nn.init.kaiming_uniform_(self.stem.conv.weight, ...)` in the container's __init__, after
    `self.stem = ConvAct(...)`: this use's layer is initialised there (a fix written before)."""
    if use.container is None or not use.attr:
        return
    fact = index.summaries[use.container.path].classes.get(use.container.name)
    found = fact.path_inits.get(projected.name) if fact is not None else None
    if found is None:
        return
    text, line, surely = found
    projected.init, projected.init_evidence, projected.init_open = "explicit", f"`{text}` in {use.container.name}", False
    if not surely:  # under a condition, or in a method it calls: not known to run whenever it is built
        projected.init = "unknown"
        projected.init_evidence = f"`{text}` in {use.container.name}, under a condition or in a method it calls"
    projected.init_call = None
    if line:
        _relate(projected, use.path, line)


def _fix_at_use(layer: Layer, use: Use) -> Optional[FixPlan]:
    """`self.stem = ConvAct(..., act_layer=nn.Tanh)`: the init of this use's layer right after
    that statement (`self.stem.conv.weight`), when the block could fix it in its own code (its
    weight is its own attribute path) and the use binds it to an attribute of a class. The fixer
    checks the place as for any layer of that class (its routines, loads, early returns)."""
    own = layer.fix
    if use.container is None or not use.attr or not (layer.weight or "").startswith("self.") or own is None \
            or own.reason or own.unsafe_reason not in (None, DEFAULT_ACTIVATION_ASSUMED) or own.loop_over \
            or own.in_function or not use.init_top:  # fmt: skip
        return None
    end_line = use.span[1] if len(use.span) == 3 else use.line
    return FixPlan(insert_after_line=end_line, indent="", weight=f"self.{use.attr}.{layer.weight[len('self.'):]}")


def _project_installed(models: dict, path: str, installed: frozenset, index: ModuleIndex, uses: dict,
                       as_built: dict) -> None:  # fmt: skip
    """Each layer of an installed module's class, as a layer of the checked code that builds that
    class (`self.mlp = Mlp(...)` -> `mlp.fc1` at that line), judged for that use: the activation
    the call passes (else the default), the init its own chain of containers runs. The layer's
    own line is a related location; nothing is ever fixed inside an installed package."""
    for module in models[path].modules:
        ref = _class_ref(index, path, module.name)
        if ref is None:
            continue
        for use, names, direct in _checked_uses(ref, installed, uses):
            target = models.get(use.path)
            if target is None:
                continue
            for layer in module.layers:
                projected = _projected(layer, use, names)
                built = as_built.get(id(layer))
                if direct and built is not None and built.activation_defaults:  # judged again for this call
                    projected.activation, projected.activation_param = built.activation, built.activation_param
                    projected.activation_evidence = built.activation_evidence
                    _activation_for_use(projected, built.activation_defaults, use, index, uses)
                if direct and built is not None and built.init == "default" and built.init_open:
                    projected.init, projected.init_evidence, projected.init_call = "default", built.init_evidence, None
                    projected.related = projected.related[:1]
                    _link_init(projected, None, index, uses, LinkStats(), _use_chains(use, index, uses, ref))
                if direct:
                    _init_at_use(projected, use, index)
                if projected.init == "default":
                    projected.init_evidence = f"no init runs on it in {layer.path} nor in what builds it here"
                projected.init_open = False
                _recommend(projected)
                _place(target, projected)


def _recommend(layer: Layer) -> None:
    weight = f"self.{layer.name}.weight" if layer.class_name and "()" not in (layer.name or "") else "layer.weight"
    layer.recommended = catalogue.recommended_line(layer.activation, layer.activation_param, weight)


def _checked_uses(ref: ClassRef, installed: frozenset, uses: dict) -> list:
    """(use in checked code, attribute path from there down to `ref`, whether that use builds
    `ref` itself): up through the installed containers that build it."""
    out: list = []
    stack: list = [(ref, [], frozenset({ref}))]
    while stack and len(out) <= MAX_CHAINS:
        current, names, seen = stack.pop()
        for use in uses.get(current, []):
            name = use.attr or (use.callee.rsplit(".", 1)[-1] + "()" if use.callee else current.name)
            if use.path not in installed:
                out.append((use, [name, *names], current == ref))
            elif use.container is not None and use.container not in seen:
                stack.append((use.container, [name, *names], seen | {use.container}))
    return out


def _projected(layer: Layer, use: Use, names: list) -> Layer:
    moved = copy.copy(layer)
    column, end_line, end_column = use.span if len(use.span) == 3 else (1, use.line, 1)
    moved.path, moved.line, moved.column, moved.end_line, moved.end_column = use.path, use.line, column, end_line, end_column
    moved.class_name = use.container.name if use.container is not None else None
    moved.name = ".".join([*names, layer.name or layer.layer_type])
    moved.site = f"{moved.class_name or ''}/{moved.name}/{layer.layer_type}@{use.line}"  # one per use: findings join fixes by it
    moved.at_use = True
    moved.related = [[layer.path, layer.line], *[list(r) for r in layer.related]]
    moved.fix = FixPlan(reason=f"built inside an installed package ({layer.path}:{layer.line})")
    moved.weight, moved.container, moved.open_output, moved.activation_defaults = None, None, None, []
    return moved


def _activation_for_use(layer: Layer, defaults: list, use: Use, index: ModuleIndex, uses: dict,
                        pin: Optional[tuple] = None) -> Optional[str]:  # fmt: skip
    """What this construction passes replaces the constructor default that chose the activation.
    The activation may rest on several defaults (`act_layer=nn.ReLU`, `apply_act=True`, the
    `norm_layer` a norm+act class is made of): a use that passes another value for one activation
    class only is judged with that class; one that passes anything else is unknown there. Returns
    the container's parameter the use passes on, where that decided it (`Block(act=act)`)."""
    if not use.line and not use.span:  # a construction listed for its inits only (a function's `x = Block()`)
        layer.activation, layer.activation_param = "unknown", None
        layer.activation_evidence = f"the arguments {use.path} passes to it are not listed"
        return
    unbuilt = _not_built_at(layer, use, index, uses, pin)
    if unbuilt is not None:  # `ResnetBlock2D(temb_channels=None)`: no time_emb_proj there to judge
        layer.activation, layer.activation_param = "unknown", None
        layer.activation_evidence = unbuilt
        return None
    overridden: list = []
    passed_on = None
    for class_name, param, default, registry in _per_parameter(defaults):
        summary = index.summaries.get(layer.related[0][0]) if layer.related else None
        fact = summary.classes.get(class_name) if summary is not None else None
        passed = use.args.get(param)
        if passed is None and fact is not None and param in fact.params:
            passed = use.args.get(str(fact.params.index(param)))
        raw = passed
        passed = _from_registry(_resolved(passed, use, index, uses, pin=pin), registry, index)
        same = passed is not None and _same_value(passed, default, registry, index)
        default = _registry_default(default, registry, index)
        if passed is None and "*" not in use.args:
            continue  # the default applies to this use
        if same:
            continue
        overridden.append((class_name, param, default, passed))
        passed_on = raw[1] if raw is not None and raw[0] == "param" and len(overridden) == 1 else passed_on
    if not overridden:
        return None
    if _with_flag_variant(layer, overridden, use, index, uses):
        return None
    overriding = {(fact[0], fact[1]) for fact in defaults if fact[-1] == OVERRIDES}
    chosen = [fact for fact in overridden if (fact[0], fact[1]) in overriding]
    forced = len(chosen) == 1 and len(overriding) == 1 and chosen[0][3] is not None and chosen[0][3][0] == "class"
    if forced:  # `force_act_layer or act_layer` given a class for force_act_layer: that class, whatever act_layer is
        overridden = chosen
    class_name, param, default, passed = overridden[0]
    # a class for a class, an instance (`nn.Tanh()`) for an instance (`act or nn.ReLU()`), a function for
    # a function (`act_fn=F.relu`): never one for the other
    kind = "instance" if default.endswith("()") else "function" if _torch_function(default) else "class"
    if kind == "function" and len(overridden) == 1 and passed is not None and passed[0] == "class" \
            and _torch_function(passed[1]) and catalogue.ACTIVATION_FUNCTIONS[_torch_function(passed[1])][0] != "prelu":  # fmt: skip
        activation = catalogue.ACTIVATION_FUNCTIONS[_torch_function(passed[1])][0]
        layer.activation, layer.activation_param = activation, catalogue.DEFAULT_PARAM.get(activation)
        layer.activation_evidence = f"{param}={passed[1]} passed to {class_name} ({use.path}:{use.line})"
        return passed_on
    torch_name = passed[1].rsplit(".", 1)[-1] if passed and passed[0] == kind and passed[1].startswith("torch.nn.") else None
    owner_path = layer.related[0][0] if layer.related else layer.path
    replaces_activation = forced or default == REQUIRED and kind == "class" or default.startswith("torch.nn.") \
        and default.removesuffix("()").rsplit(".", 1)[-1] in catalogue.ACTIVATION_MODULES \
        or kind == "class" and _program_activation(default, owner_path, index) is not None  # fmt: skip
    # a class default stands for the activation only where, at that default, the layer meets it on every
    # way through (not "SiLU here, no activation on the other branch")
    judged_at_default = layer.activation != "unknown" or forced or default == REQUIRED
    written = _program_activation(passed[1], use.path, index) if passed and passed[0] == "class" and kind == "class" else None
    if len(overridden) == 1 and replaces_activation and judged_at_default and written is not None:
        # `act=Swish`, the program's own activation module (`x * torch.sigmoid(x)`): what its forward applies
        layer.activation, layer.activation_param = written
        layer.activation_evidence = f"{param}={passed[1]} passed to {class_name}, whose forward applies {written[0]} ({use.path}:{use.line})"
        return passed_on
    if len(overridden) == 1 and replaces_activation and judged_at_default and torch_name in catalogue.ACTIVATION_MODULES:
        activation = catalogue.ACTIVATION_MODULES[torch_name][0]
        layer.activation, layer.activation_param = activation, catalogue.DEFAULT_PARAM.get(activation)
        if kind == "instance":
            if passed[2] is not None:  # `nn.LeakyReLU(0.2)`
                layer.activation_param = passed[2]
            layer.activation_evidence = f"{param}=nn.{torch_name}() passed to {class_name} ({use.path}:{use.line})"
            return passed_on
        if len(passed) > 3 and passed[3] is not None:  # built with its parameter given (`{"negative_slope": 0.1}`)
            layer.activation_param = passed[3]
        through = f" through {passed[2]}" if len(passed) > 2 else ""
        layer.activation_evidence = f"{param}=nn.{torch_name} passed to {class_name}{through} ({use.path}:{use.line})"
        return passed_on
    shown = passed[1] if passed is not None and len(passed) > 1 else "(something in **kwargs)"
    layer.activation, layer.activation_param = "unknown", None
    layer.activation_evidence = f"{use.path}:{use.line} passes {param}={shown} to {class_name}"
    return None


def _not_built_at(layer: Layer, use: Use, index: ModuleIndex, uses: dict, pin: Optional[tuple]) -> Optional[str]:
    """Why this construction may not build the layer (evidence), else None: a None test on a default
    decided the branch it is built in (`Layer.built_if`: `if temb_channels is not None:` at 512), and
    the use passes None there, or a value where the default is None (what a parameter it passes on
    resolves to, the same)."""
    summary = index.summaries.get(layer.related[0][0]) if layer.related else None
    for owner, param, default in layer.built_if or ():
        fact = summary.classes.get(owner) if summary is not None else None
        if fact is None or param not in fact.params:
            continue
        passed = use.args.get(param, use.args.get(str(fact.params.index(param))))
        if passed is None:
            continue
        passed = _resolved(passed, use, index, uses, pin=pin)
        if passed is not None and (passed[0] == "none" and default != "None" or passed[0] in ("literal", "class", "instance")
                                   and default == "None"):  # fmt: skip
            shown = "None" if passed[0] == "none" else passed[1]
            return f"{use.path}:{use.line} passes {param}={shown} to {owner}, which builds it only where {param} is {default}"
    return None


def _with_flag_variant(layer: Layer, overridden: list, use: Use, index: ModuleIndex, uses: dict) -> bool:
    """A use passing the other literal for one flag the activation rests on (`apply_act=False`), and
    otherwise only other activation classes, which that flag leaves unused: what the block's own file
    found with that flag (`Layer.flag_variants`); where its forward then returns the layer, what the
    container's forward does with the block's output, up to the model. False: not judged so."""
    flags = [(owner, param, passed[1]) for owner, param, default, passed in overridden
             if passed is not None and passed[0] == "literal" and default in ("True", "False")
             and passed[1] in ("True", "False") and passed[1] != default]  # fmt: skip
    if len(flags) != 1:
        return False
    owner, flag, literal = flags[0]
    variant = next((v for v in layer.flag_variants or () if v[:3] == [owner, flag, literal] and len(v) > 7), None)
    if variant is None or variant[3] == "unknown":
        return False
    for _, param, default, _ in overridden:
        if param == flag:
            continue
        replaces_activation = default.startswith("torch.nn.") and default.rsplit(".", 1)[-1] in catalogue.ACTIVATION_MODULES
        if param in variant[6] or not replaces_activation:
            return False  # what it then meets rests on that parameter too, or the parameter builds more than an activation
    summary = index.summaries.get(variant[7][0])
    fact = summary.classes.get(owner) if summary is not None else None
    for param, default in variant[8] if len(variant) > 8 else ():
        # a default that decided a branch of that run (`aa_layer=None`): this use must keep it
        passed = use.args.get(param)
        if passed is None and fact is not None and param in fact.params:
            passed = use.args.get(str(fact.params.index(param)))
        if passed is None and "*" not in use.args:
            continue
        passed = _resolved(passed, use, index, uses)
        if passed is None or not _same_class(passed, default):
            return False
    where = f"{flag}={literal} passed at {use.path}:{use.line}"
    if variant[3] != RETURNED:
        layer.activation, layer.activation_param = variant[3], variant[4]
        layer.activation_evidence = f"{variant[5]}, with {where}"
        return True
    found = None
    if use.container is not None and use.attr:
        # what follows it where this construction's container applies it (its records carry that use)
        tag = [use.container.name, use.attr]
        seen = {path: [r for r in records if r[4] == tag]
                for path, records in _followed_at(index, tuple(variant[7]), use).items()}  # fmt: skip
        found = _use_outcomes(use, uses, seen, 0, frozenset())
    kinds = {(a, p) for a, p, _ in found} if found else set()
    if len(kinds) == 1 and "unknown" not in {a for a, _ in kinds}:
        (layer.activation, layer.activation_param), = kinds
        evidence = next(e for *_, e in found)
        layer.activation_evidence = f"{variant[5]} with {where}: {evidence} in {use.container.name}"
    else:
        layer.activation, layer.activation_param = "unknown", None
        # a free function's construction (MONAI's `get_conv_layer`) has no container: it returns the block
        into = use.container.name if use.container is not None else f"what {use.function or use.path} returns to"
        layer.activation_evidence = f"{variant[5]} with {where}, " + (
            f"into {into}, which is not followed there" if not found else
            f"where it meets different things: {', '.join(sorted({a for a, _ in kinds}))}")
    _relate(layer, use.path, use.line)
    return True


def _followed_at(index: ModuleIndex, key: tuple, use: Use) -> dict:
    """What follows another module's layer `key` in each user module (`index.followed`), for a use
    an entry point's run reached: in its module, the records of the classes that run judged with what
    each of their constructions got (`ModuleSummary.entry_followed`) instead of those of every way
    the module may build them (`drop_path=None` there: no DropPath after the layer)."""
    found = index.followed.get(key, {})
    summary = index.summaries.get(use.path) if use.entry else None
    judged = summary.entry_followed.get(use.entry, {}) if summary is not None else {}
    if not judged:
        return found
    kept = [record for record in found.get(use.path, []) if record[3] not in judged]
    for by, records in sorted(judged.items()):
        kept += [(r[3], r[4], r[5], r[6], r[7] if len(r) > 7 else None) for r in records if tuple(r[:3]) == key]
    return {**found, use.path: kept}


def _resolved(passed: Optional[list], use: Use, index: ModuleIndex, uses: dict, depth: int = 0,
              pin: Optional[tuple] = None) -> Optional[list]:  # fmt: skip
    """What a construction passes, where it passes a parameter of the class that builds it
    (`Mlp(act_layer=act_layer)` in Block): what every construction of that class passes there
    (its default where one passes nothing), followed up the same way (bounded); a class nothing
    in the program builds, nor its own module names, is built with its defaults. What cannot be
    followed is unknown, as are values that differ between the constructions. `pin`: (a class, the one
    way of building it to follow: an outer construction, or (function, its call)), for a judgement
    along that way only (`_judged_above`)."""
    if passed is not None and passed[0] == "param" and use.container is None and use.function is not None:
        calls = [pin[1][1]] if pin is not None and isinstance(pin[1], tuple) and pin[1][0] == use.function \
            and pin[0].path == use.path else None  # fmt: skip
        return _passed_to_function(passed[1], use, index, uses, depth, calls)
    if passed is None or passed[0] != "param" or use.container is None:
        return passed
    name, holder = passed[1], use.container
    fact = index.summaries[holder.path].classes.get(holder.name)
    unknown = ["unknown", f"{name} of {holder.name} (not followed to what its constructions pass)"]
    if fact is None or name not in fact.params or depth >= MAX_PASSING_DEPTH:
        return unknown
    found = uses.get(holder, [])
    own = fact.own_constructions is not None and not (pin is not None and pin[0] == holder)
    if own:  # every construction in its own module, listed with its arguments (MONAI's TwoConv in Down)
        found = [outer for outer in found if outer.path != holder.path] + [
            Use(ClassRef(holder.path, container), holder.path, line, args, span=[1, line, 1])
            for line, args, container in fact.own_constructions]  # fmt: skip
    pinned = pin is not None and pin[0] == holder
    if pinned and isinstance(pin[1], Use):
        found, values = [pin[1]], []
    elif pinned:
        values = [_passed_by_function(name, fact, function, args, holder, index, uses, depth, pin)
                  for function, args in fact.function_builds if function == pin[1][0]]  # fmt: skip
        found = []
    elif len(passed) > 2:  # what its own module's constructions pass, each of them seen there
        found, values = [outer for outer in found if outer.path != holder.path], [passed[2]]
    elif fact.listed_here and fact.function_builds:  # and what its module's functions pass (their callers')
        values = [_passed_by_function(name, fact, function, args, holder, index, uses, depth)
                  for function, args in fact.function_builds]  # fmt: skip
    elif not found and fact.built_here and not own:
        return unknown  # built in its own module in ways its summary does not list
    else:
        values = [] if found else [fact.defaults.get(name)]
    for outer in found:
        listed = fact.listed_here and outer.container is None and outer.function is not None
        if not outer.span or fact.built_here and outer.path == holder.path and not listed and not own:
            return unknown  # a construction whose arguments are not listed (its own module's)
        arg = outer.args.get(name)
        if arg is None:
            arg = outer.args.get(str(fact.params.index(name)))
        if arg is None:
            if "*" in outer.args:
                return unknown
            values.append(fact.defaults.get(name))
            continue
        value = _resolved(arg, outer, index, uses, depth + 1, pin)
        if outer.container is None and value is not None and value[0] in ("class", "literal") and len(value) == 2:
            value = [*value, f"by {outer.path}:{outer.line}"]  # a script's construction: where it is said
        values.append(value)
    return _agreed(values, unknown, f"{name} of {holder.name}", "constructions")


def _agreed(values: list, unknown: list, what: str, ways: str) -> list:
    """The one value all ways pass (`what` prefixed to its evidence); unknown when any of them is
    not known, or when they differ."""
    if any(value is None or value[0] in ("unknown", "param") for value in values):
        return unknown
    if len({tuple(value[:2]) for value in values}) > 1:
        return ["unknown", f"{what} (values that differ between its {ways})"]
    return [*values[0][:2], what + (f", {values[0][2]}" if len(values[0]) > 2 else "")]


class ChainStep(NamedTuple):
    """An init rule on one way up from a construction: where it runs (for messages), the file
    that holds it, and whether module code runs it on the model once built (after all of its
    construction: `model.apply(fn)`, `model.init_weights()` in a script)."""

    rule: InitRuleFact
    where: str
    path: str
    after_build: bool = False


def _use_chains(use: Use, index: ModuleIndex, uses: dict, built: Optional[ClassRef] = None,
                below: Optional[tuple] = ()) -> Optional[list]:  # fmt: skip
    """The init rules along each way up from one construction (of `built`, if known): its container's
    own rules, then those of whatever builds the container (or what module code runs on what it built).
    `below`: the attribute path from `built` down to the class whose layers are judged."""
    below = below if built is not None else None
    if use.container is None:
        here = _root_rules(use, built, index, own=built is not None, below=below)
        caller = _caller_of(use, index, uses, built)
        above = _chains(caller, index, uses, below=None) if caller is not None else [[]]
        return None if above is None else [here + rules for rules in above]
    # a helper's code run on what it built, where a class calls the helper (`for m in conv_block.modules()`)
    own = [ChainStep(rule, f"code of {use.path}", use.path, after_build=True) for rule in _rules_below(use.applied, below)]
    for block in reversed(use.through):  # other modules' blocks its run built it in, innermost first
        summary = index.summaries.get(block.path)
        inner = summary.classes.get(block.name) if summary is not None else None
        own += [ChainStep(rule, f"{block.name} in {block.path}", block.path) for rule in _rules_below(inner.rules if inner else [], None)]
    fact = index.summaries[use.container.path].classes.get(use.container.name)
    where = use.container.path  # the module using it, or that of the model an entry point built
    own += [ChainStep(rule, f"{use.container.name} in {where}", where) for rule in _rules_below(fact.rules if fact else [], _below(use, below))]
    outermost = use.container
    paths = use.within_paths or [None] * len(use.within)
    for name, where in reversed(list(zip(use.within, paths))):  # an entry point's run built it inside these, innermost last to run
        where = where or use.container.path
        if where not in index.summaries or name not in index.summaries[where].classes:
            return None  # a class of a module not linked here: what it runs on its blocks is not known
        outer = index.summaries[where].classes[name]
        own += [ChainStep(rule, f"{name} in {where}", where) for rule in _rules_below(outer.rules, None)]
        outermost = ClassRef(where, name)
    above = _chains(outermost, index, uses, below=_below(use, below))
    return None if above is None else [own + rules for rules in above]


def _below(use: Use, below: Optional[tuple]) -> Optional[tuple]:
    """The attribute path from `use.container` down to the layers' class, given the path from the
    built class down (`below`): None where some step is not an attribute of its container."""
    if below is None or not use.attr or use.within or use.through or use.function:
        return None
    return (use.attr, *below)


def _caller_of(use: Use, index: ModuleIndex, uses: dict, built: Optional[ClassRef]) -> Optional[ClassRef]:
    """The free function whose code makes this construction, where the program calls it: its
    callers build what it builds (`make_blocks()` in Net.__init__), not its users. None for module
    code, a function nothing calls, or a factory of `built` (its calls are listed as uses of it)."""
    if use.function is None:
        return None
    caller = ClassRef(use.path, use.function)
    if not uses.get(caller):
        return None
    made = _factory_made(index, caller)
    return None if made is not None and made[0] == built else caller


def _root_rules(use: Use, built: Optional[ClassRef], index: ModuleIndex, own: bool = False,
                below: Optional[tuple] = None) -> list:  # fmt: skip
    """What module code runs on the model it built, in order: its `.apply(fn)` routines, its inits
    of one layer by path (`nn.init.x_(net.a.fc.weight)`), and the routines of the model's own
    methods it calls (`model.init_weights()`), which building the model did not run
    (`InitRuleFact.method`): run now, on every layer they reach. `own`: the layers judged are
    `built`'s own, which its methods' `nn.init.x_(self.fc.weight)` calls name. `below`: the
    attribute path from the model down to the class whose layers are judged (None: not known)."""
    where = f"module code of {use.path}"
    out = [ChainStep(rule, where, use.path, after_build=True) for rule in _rules_below(use.applied, below)]
    fact = index.summaries[built.path].classes.get(built.name) if built is not None and use.runs else None
    if fact is None:
        return out
    for method, position, line in reversed(use.runs):
        ran_by = f"which {use.path} runs on every {built.name} it builds there"
        routine = f"`{built.name}.{method}()`"
        ran = [ChainStep(_ran(rule, f"{rule.evidence}, {ran_by}", routine), where, built.path, after_build=True)
               for rule in fact.rules if rule.method == method]  # fmt: skip
        for target, call in fact.method_inits.get(method, {}).items() if own else ():
            text = f"`{call.text}`" if call is not None else f"a write to self.{target}.weight"
            ran.append(ChainStep(InitRuleFact(None, "explicit" if call is not None else "unknown",
                                              f"{text} in {built.name}.{method}(), {ran_by}", call.line if call else line,
                                              call, routine=routine, method=method, target=target),
                                 where, built.path, after_build=True))  # fmt: skip
        out[position:position] = ran
    return out


def _rules_below(rules: list, below: Optional[tuple]) -> list:
    """`rules` as seen from the class at `below` under the one they run on: path inits resolved."""
    return [rule for rule in (_at_path(rule, below) if rule.path else rule for rule in rules) if rule is not None]


def _at_path(rule: InitRuleFact, below: Optional[tuple]) -> Optional[InitRuleFact]:
    """A path init (`a.fc` of the model) as seen from the class whose layers are judged, at `below`
    under the model: that layer of it (`target`), or None where the path leads elsewhere. Where
    the way down is not known, it may reach a layer whose name ends as the path does (unknown)."""
    parts = rule.path.split(".")
    if below is not None:
        if len(parts) <= len(below) or any(part not in (step, "*") for part, step in zip(parts, below)):
            return None  # `blocks.*.fc` does not lead to `a`
        rest = parts[len(below):]
        if "*" not in parts:
            return dataclasses.replace(rule, target=".".join(rest), path="")
        parts = rest
    last = ".".join(parts[len(parts) - parts[::-1].index("*"):] if "*" in parts else parts)
    return dataclasses.replace(rule, state="unknown", call=None, path="", name_suffix=f".{last}.weight" if last else "")


def _ran(rule: InitRuleFact, evidence: str, routine: str) -> InitRuleFact:
    """An init routine of a method, run: explicit where what it does is known."""
    known = rule.call is not None and not rule.call.undecided
    return dataclasses.replace(rule, state="explicit" if known else "unknown", evidence=evidence, routine=routine)


def _ran_by_module_code(rule: InitRuleFact) -> bool:
    """A routine of a method that module code runs on the model it built (`_root_rules`)."""
    return bool(rule.method and rule.routine)


def _link_method_runs(layer: Layer, ref: ClassRef, index: ModuleIndex, uses: dict, stats: LinkStats) -> None:
    """A layer its own file left explicit or unknown, where a method building it did not run
    (`init_weights()`) may re-initialise it: module code elsewhere that runs that method on every
    model it builds makes that method's init the effective one, the last to run."""
    chains = _chains(ref, index, uses) or []
    if not any(_ran_by_module_code(item.rule) and _covering([item], layer) for rules in chains for item in rules):
        return
    covered = [_covering(rules, layer) for rules in chains]
    # what module code runs on the model once built runs after all of its construction
    ran = [found for found in covered if found is not None and found.after_build]
    if not ran:
        return
    rule, rule_path = ran[0].rule, ran[0].path
    if len(ran) == len(chains) and all(found.rule.state == "explicit" and not found.rule.partial for found in ran):
        layer.init, layer.init_evidence, layer.init_call, layer.init_open = "explicit", rule.evidence, rule.call, False
        if rule.call is not None and rule.call.path is None and rule_path != layer.path:
            layer.init_call = dataclasses.replace(rule.call, path=rule_path)
        stats.init_explicit += 1
    else:
        some = "" if len(ran) == len(chains) else f" in {len(ran)} of the {len(chains)} ways the program builds it"
        layer.init, layer.init_call, layer.init_open = "unknown", None, False
        layer.init_evidence = f"{rule.evidence}: it may re-initialise it{some}"
        stats.init_unknown += 1
    if rule.line:
        _relate(layer, rule.call.path if rule.call is not None and rule.call.path else rule_path, rule.line)


def _place(model: FileModel, layer: Layer) -> None:
    """Add a layer judged at a use to that file's model (once: linking again replaces it)."""
    same = (layer.class_name, layer.name, layer.line, layer.column, str(layer.via))
    for layers in [model.free_layers, *(m.layers for m in model.modules)]:
        layers[:] = [x for x in layers if not (x.at_use and (x.class_name, x.name, x.line, x.column, str(x.via)) == same)]
    if layer.class_name is None:
        model.free_layers.append(layer)
        return
    for module in model.modules:
        if module.name == layer.class_name:
            module.layers.append(layer)
            return
    model.modules.append(ModuleModel(layer.class_name, layer.line, [layer]))


def _class_ref(index: ModuleIndex, path: str, name: str) -> Optional[ClassRef]:
    summary = index.summaries.get(path)
    if summary is None or name not in summary.classes:
        return None
    return ClassRef(path, name)


def _uses(index: ModuleIndex) -> tuple[dict, LinkStats]:
    """ClassRef -> [Use]: every construction of each class the program makes."""
    uses: dict = {}
    stats = LinkStats()
    for path, summary in index.summaries.items():
        for key, fact in summary.classes.items():
            for inner in fact.contains:
                if inner in summary.classes:
                    uses.setdefault(ClassRef(path, inner), []).append(Use(ClassRef(path, key), path, fact.line))
        for build in summary.builds:
            target = index.resolve_class(path, build.callee)
            if target is None:
                # a factory function's calls are its uses too (keyed by its module and name)
                target = index.resolve_function(path, build.callee)
                if target is not None:
                    uses.setdefault(target, []).append(Use(
                        ClassRef(path, build.inside) if build.inside else None, path, build.line, build.args,
                        [rule for rule in build.applied if not rule.wipes], build.attr, build.span, build.callee,
                        function=build.function))  # fmt: skip
                    made = _factory_made(index, target)
                    if made is not None:  # `g = build_generator(); g.apply(init)`: a Generator built here
                        uses.setdefault(made[0], []).append(Use(
                            ClassRef(path, build.inside) if build.inside else None, path, build.line,
                            _through_factory(made[1], index.summaries[target.path].functions or {}, target.name, build.args),
                            [rule for rule in build.applied if not rule.wipes], build.attr, build.span, build.callee,
                            build.unrun, build.entry, via=target.name, runs=build.runs, function=build.function))  # fmt: skip
                        stats.resolved_builds += 1
                        continue
                stats.unresolved_builds += 1
                continue
            stats.resolved_builds += 1
            # the class that built it: of this module, or of the module of the model an entry point built (`inside_path`)
            container = ClassRef(build.inside_path or path, build.inside) if build.inside is not None else None
            unlinked = any(where is not None and where not in index.summaries for where in [build.inside_path, *build.within_paths])
            if unlinked:  # built inside a module not linked here: kept only to say that entry point's run is not all known
                container = None
            # what to_empty() undoes is settled after linking (_materialised_empty), not as a routine along the way
            applied = [rule for rule in build.applied if not rule.wipes]
            uses.setdefault(target, []).append(Use(container, path, build.line, build.args, applied,
                                                   build.attr, build.span, build.callee, build.unrun,
                                                   build.entry, list(build.within), build.built_at, runs=build.runs,
                                                   function=build.function, within_paths=list(build.within_paths),
                                                   unlinked=unlinked, through=[ClassRef(where, name) for where, name in build.through],
                                                   held_at=build.held_at, init_top=build.init_top))  # fmt: skip
    # a routed hand rests on what every construction of its class passes: those listed first
    hands = sorted(((path, hand) for path, summary in index.summaries.items() for hand in [*summary.hands, *_positional_hands(index, path)]),
                   key=lambda item: len(item[1]) > 4)  # fmt: skip
    for path, hand in hands:
        found = _hand_uses(index, path, hand, uses)
        if found is not None:
            target, listed = found
            known = {(use.container, use.line) for use in uses.get(target, [])}
            uses.setdefault(target, []).extend(use for use in listed if (use.container, use.line) not in known)
    return uses, stats


def _built_class(index: ModuleIndex, path: str, callee: str) -> Optional[ClassRef]:
    """The program's class a call builds: the class it names, or the one a factory it names returns."""
    found = index.resolve_class(path, callee)
    if found is None:
        function = index.resolve_function(path, callee)
        made = _factory_made(index, function) if function is not None else None
        found = made[0] if made is not None else None
    return found


def _factory_made(index: ModuleIndex, function: ClassRef) -> Optional[tuple]:
    """(the class, the args it is built with) that every return of a program function builds
    (`ModuleSummary.factories`), or None."""
    entry = index.summaries[function.path].factories.get(function.name)
    return (ClassRef(function.path, entry[0]), entry[1]) if entry else None


def _through_factory(made: dict, functions: dict, name: str, passed: dict) -> dict:
    """What a factory's construction passes, its own parameters (`["factory_param", name, default]`)
    replaced by what this call of it passes, else that parameter's default."""
    params = functions.get(name, [])
    out = {}
    for key, value in made.items():
        if value and value[0] == "factory_param":
            position = str(params.index(value[1])) if value[1] in params else None
            given = passed.get(value[1], passed.get(position)) if position is not None else passed.get(value[1])
            if given is None and "*" in passed:
                given = ["unknown", f"what this call passes for {value[1]}"]
            value = given or value[2] or ["unknown", f"{name}({value[1]}) without a default"]
        out[key] = value
    return out


def _made_by_listed_factories(fact, found: list) -> bool:
    """Every construction of the class by its own module's code is the return of a factory whose
    calls the program lists (`found` holds them): those calls, not that code, are its roots."""
    return bool(fact.made_by) and set(fact.made_by) <= {use.via for use in found if use.via}


def _positional_hands(index: ModuleIndex, path: str) -> list:
    """`Net(Block)`: a class passed by position to a parameter the constructor only calls (`self.block =
    block(8)`), as a hand by keyword is listed (`ModuleSummary.hands`, which keeps keywords only)."""
    out = []
    for build in index.summaries[path].builds:
        classes = [(key, value[1]) for key, value in build.args.items() if key.isdigit() and value[:1] == ["class"]]
        holder = index.resolve_class(path, build.callee) if classes else None
        fact = index.summaries[holder.path].classes.get(holder.name) if holder is not None else None
        for key, written in classes if fact is not None else ():
            param = fact.params[int(key)] if int(key) < len(fact.params) else None
            if param is not None and param in fact.built_params:
                out.append([written, build.callee, param, build.line])
    return out


def _hand_uses(index: ModuleIndex, path: str, hand: list, uses: Optional[dict] = None) -> Optional[tuple]:
    """`Block(mlp_layer=Mlp)` in `path`: (Mlp, its uses) where Block's constructor only calls that
    parameter (each call a construction inside Block, with that call's arguments), None where it
    does not (then `path` hands Mlp on). Not for a class of Block's own module: that module's
    analysis merges what its own constructions pass, and this one it does not see. A routed hand
    (`block_layers(mlp_block=mlp_block)`, `_routed_elsewhere`) holds where no construction sends
    the class elsewhere."""
    written, callee, key, _, *route = hand
    target, holder = index.resolve_class(path, written), index.resolve_class(path, callee)
    if target is None or holder is None:
        return None
    if route and _routed_elsewhere(index, path, route[0], uses or {}):
        return None
    fact = index.summaries[holder.path].classes.get(holder.name)
    if fact is None:
        return None
    calls = fact.built_params.get(key)
    if not calls:
        return None
    return target, [Use(holder, holder.path, line, args, [], attr, span, written) for line, args, attr, span in calls]


def _routed_elsewhere(index: ModuleIndex, path: str, route: list, uses: dict) -> bool:
    """`Cait(block_layers=LayerScaleBlock, mlp_block=Mlp)` calling `block_layers(mlp_block=mlp_block)`:
    whether Mlp may reach a class other than LayerScaleBlock, where a construction of Cait passes
    `block_layers` (or may, through `**`) without passing `mlp_block`, or a class derives from Cait
    (its `super().__init__` passes what it likes)."""
    name, through, own = route
    outer = ClassRef(path, name)
    fact = index.summaries[path].classes.get(name)
    if fact is None:
        return True
    for use in uses.get(outer, []):
        given = {fact.params[int(key)] if key.isdigit() and int(key) < len(fact.params) else key for key in use.args}
        if (through in given or "*" in given) and own not in given:
            return True
    return any(index.resolve_class(where, base) == outer for where, summary in index.summaries.items()
               for cls in summary.classes.values() for base in cls.bases)  # fmt: skip


def _built_unlisted(found: list) -> bool:
    """Whether a class is built, on an entry point's run, by a construction no listed use stands for
    (`InvertedResidual(**ba)` in a builder object's method), not one the entry point's module lists
    with its arguments (`Block(dim, act_layer=act_layer)` in the model, seen again on each run)."""
    listed = {(use.path, use.line) for use in found if not use.unrun}
    return any(use.unrun and (use.built_at is None or (use.path, use.built_at) not in listed) for use in found)


def _builder_only(found: list) -> Optional[Use]:
    """A construction of a class in a builder object's method (`InvertedResidual(**ba)`) that no
    entry point's run reaches: whoever receives what that builder makes is not followed."""
    reached = {(use.path, use.built_at) for use in found if use.entry}
    return next((use for use in found if use.unrun and not use.entry and (use.path, use.line) not in reached), None)


def _without_unrun(uses: dict) -> dict:
    """The uses that place a class in the program's containment (a builder's do not)."""
    return {ref: [use for use in found if not use.unrun] for ref, found in uses.items()}


def _chains(ref: ClassRef, index: ModuleIndex, uses: dict, pretrained: Optional[dict] = None,
            below: Optional[tuple] = ()) -> Optional[list]:  # fmt: skip
    """Each way the program builds `ref`, up to a root: the init rules along it, and where.

    A root is module code that builds it (with what `.apply` it runs), or a class nothing in
    the program builds (a model its users build; in a transformers model file, a
    PreTrainedModel builds it: see `_post_init_rules`). A free function the program calls is
    no root: its callers are the way up; an entry point's run gives the way up from the model
    it builds; a builder object's construction no run reaches ends in an unknown routine. The
    class's own rules are not included: its file's analysis has read them. None: too many ways
    to follow (counted over the listed uses). `below`: the attribute path from `ref` down to the
    class whose layers are judged (None: not known)."""
    pretrained = index.pretrained if pretrained is None else pretrained  # path -> its PreTrainedModel class, or None
    chains = _DistinctChains()
    stack: list = [(ref, [], frozenset({ref}), below)]
    walked = 0
    while stack:
        current, rules, seen, below = stack.pop()
        walked += 1
        if walked > MAX_CHAIN_WALK:
            return None
        found = uses.get(current, [])
        summary = index.summaries[current.path]
        fact = summary.classes.get(current.name)
        if current != ref and fact is not None:
            rules = rules + [ChainStep(rule, f"{current.name} in {current.path}", current.path)
                             for rule in _rules_below(fact.rules, below)]
        hidden = index.unlisted_builds.get(current)
        if hidden is not None:
            # built by a builder object's method too: what receives it there (a model whose routine
            # re-draws every conv, as timm's EfficientNet does) is not followed
            why = f"whatever receives the {current.name} built at {hidden.path}:{hidden.line} (by a builder's method)"
            chains.append(rules + [ChainStep(InitRuleFact(None, "unknown", why), f"{current.name}'s builder", hidden.path)])
        # built on entry points' runs (inside the model each builds): the way up from each
        entries = [use for use in index.entry_builds.get(current, ()) if use.container not in seen]
        for use in entries:
            above = _use_chains(use, index, uses, current, below)
            if above is None:
                return None
            chains.extend(rules + chain for chain in above)
        if not found and hidden is None and not entries:
            chains.append(_post_init_rules(index, current, pretrained) + rules)
        elif fact is not None and fact.standalone and not _made_by_listed_factories(fact, found):
            chains.append(rules)
        for use in found:
            if use.container is None:
                here = rules + _root_rules(use, current, index, current == ref, below)
                caller = _caller_of(use, index, uses, current)
                if caller is not None and caller not in seen:
                    stack.append((caller, here, seen | {caller}, None))
                else:
                    chains.append(here)
            elif use.container not in seen:
                stack.append((use.container, rules, seen | {use.container}, _below(use, below)))
            if len(chains) > MAX_CHAINS:
                return None
    return list(chains)


class _DistinctChains(list):
    """The chains found so far, each rule list once: ways up that run the same routines, in the same
    places and order, decide a layer's init alike however many blocks they pass through (a block
    built by dozens of blocks of a UNet, none of which re-initialises anything, has one chain)."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set = set()

    def append(self, chain: list) -> None:
        key = tuple((repr(step.rule), step.where, step.path, step.after_build) for step in chain)  # by content: equal rules decide alike
        if key not in self.keys:
            self.keys.add(key)
            super().append(chain)

    def extend(self, more) -> None:
        for chain in more:
            self.append(chain)


def _post_init_rules(index: ModuleIndex, root: ClassRef, pretrained: dict) -> list:
    """transformers builds every module of a model file inside a PreTrainedModel, whose
    `post_init()` (or, loading, `from_pretrained`) runs `_init_weights` over all of them: the
    base one re-draws every Linear and Conv. A class of such a file that nothing in the program
    builds is built that way all the same: by the code transformers generates from a
    `modular_*.py` file (where `DogeModel(MixtralModel)` inherits the `__init__` that builds the
    blocks), or by a model the program does not show. That routine is the fallback of such a
    chain (the first rule: any routine the chain shows runs later); what it does: unknown."""
    if root.path not in pretrained:
        pretrained[root.path] = next(
            (name for name in index.summaries[root.path].classes if _is_pretrained(index, ClassRef(root.path, name))), None)
    holder = pretrained[root.path]
    fact = index.summaries[root.path].classes.get(root.name)
    if holder is None or (fact is not None and fact.rules and _is_pretrained(index, root)):
        return []  # a PreTrainedModel whose own post_init() is in sight: its file's analysis read it
    why = f"_init_weights (run by post_init() of {holder}: transformers builds every module of a model file inside one)"
    return [ChainStep(InitRuleFact(None, "unknown", why), f"{holder} in {root.path}", root.path)]


def _is_pretrained(index: ModuleIndex, ref: ClassRef, depth: int = 0) -> bool:
    """Whether the class derives from transformers' PreTrainedModel, through the program's classes."""
    summary = index.summaries.get(ref.path)
    fact = summary.classes.get(ref.name) if summary is not None else None
    if fact is None or depth > 8:
        return False
    module, is_package = index.names.get(ref.path, ("", False))
    for base in fact.bases:
        if catalogue.is_transformers(absolute(module, is_package, base), catalogue.TRANSFORMERS_PRETRAINED):
            return True
        target = index.resolve_class(ref.path, base)
        if target is not None and target != ref and _is_pretrained(index, target, depth + 1):
            return True
    return False


def _covering(rules: list, layer: Layer) -> Optional[ChainStep]:
    """The last rule along a chain that takes this layer: the outermost routine runs last."""
    for step in reversed(rules):
        rule = step.rule
        if rule.target:  # `nn.init.x_(self.fc1.weight)`: that layer of the class built (`Net().fc1` at a use), no other
            if rule.target in (layer.name, (layer.name or "").split(".", 1)[-1] if layer.at_use else None):
                return step
            if "*" in (layer.name or "") and re.fullmatch(re.escape(layer.name).replace(r"\*", "[^.]+"), rule.target):
                # `blocks.*.fc` built in a loop, `blocks.0.fc` initialised: some of those layers
                return ChainStep(dataclasses.replace(rule, state="unknown", call=None,
                                                     evidence=f"{rule.evidence}, which reaches some of the layers built there"),
                                 step.where, step.path, step.after_build)  # fmt: skip
        elif rule.name_suffix:  # by the layer's name, below the class whose loop it is
            name = layer.name or ""
            if layer.at_use and not name.split(".", 1)[0].isidentifier():  # `Block().fc`: built with no name there
                name = name.split(".", 1)[-1]
            reaches = name_suffix_reaches(rule.name_suffix, name, False)
            if reaches is None:
                return ChainStep(dataclasses.replace(rule, state="unknown", call=None,
                                                     evidence=f"{rule.evidence}, which may or may not reach it"),
                                 step.where, step.path, step.after_build)  # fmt: skip
            if reaches:
                return step
        elif rule.types is None or _reach(layer, rule.types):
            return step
        elif _reach(layer, rule.types) is None:  # it takes some of the classes the layer may be
            return ChainStep(dataclasses.replace(rule, state="unknown", call=None,
                                                 evidence=f"{rule.evidence}, which may or may not reach it"),
                             step.where, step.path, step.after_build)  # fmt: skip
    return None


def _overridden_by_builders(layer: Layer, ref: ClassRef, index: ModuleIndex, uses: dict, stats: LinkStats) -> bool:
    """An init its own class gives a layer (`nn.init.x_(self.fc.weight)` in Block) runs while Block
    is built; a routine of whatever builds Block (`self.apply(self._init_weights)` in Net) runs
    after, on every layer it reaches: where one reaches it, that routine's init is the effective
    one, and where only some ways of building it run one, unknown."""
    chains = _chains(ref, index, uses)
    if not chains or not any(_covering(rules, layer) is not None for rules in chains):
        return False  # nothing runs after it (None: more ways than followed; its own init stands, as before)
    _link_init(layer, None, index, uses, stats, chains)
    return True


def _link_init(layer: Layer, ref: Optional[ClassRef], index: ModuleIndex, uses: dict, stats: LinkStats,
               chains: Optional[list] = None) -> bool:  # fmt: skip
    """The effective init along every way up the program builds the layer. True when those ways
    disagree (some re-initialise it, others do not, or not alike): unknown where it is built."""
    chains = _chains(ref, index, uses) if ref is not None else chains
    if chains is None:
        name = ref.name if ref is not None else layer.class_name
        layer.init, layer.init_evidence = "unknown", f"{name} is built in more ways than the analysis follows"
        stats.init_unknown += 1
        return False
    covered = [v for v in (_covering(rules, layer) for rules in chains) if v is not None]
    if not covered:
        return False
    rule, where, rule_path, _ = covered[0]
    if rule.line:  # the routine's line, in the module that defines it (a script may apply another's)
        _relate(layer, rule.call.path if rule.call is not None and rule.call.path else rule_path, rule.line)
    decided = rule.state == "explicit" and not rule.partial
    if decided and len(covered) == len(chains) and all(v.rule.state == "explicit" and not v.rule.partial for v in covered):
        layer.init = "explicit"
        layer.init_evidence = rule.evidence if _ran_by_module_code(rule) else f"{rule.evidence} ({where})"
        layer.init_call = rule.call
        if rule.call is not None and rule.call.path is None and rule_path != layer.path:
            layer.init_call = dataclasses.replace(rule.call, path=rule_path)  # its line is that module's
        layer.init_open = False
        stats.init_explicit += 1
        return False
    layer.init = "unknown"
    some = "" if len(covered) == len(chains) else f" in {len(covered)} of the {len(chains)} ways the program builds it"
    layer.init_evidence = f"{rule.evidence} ({where}) may re-initialise it{some}"
    layer.init_open = False
    stats.init_unknown += 1
    return len(chains) > 1


def _followed_key(model, layer: Layer) -> tuple:
    """What other modules' records of what follows `layer` are keyed by: its class and name where
    it is built; a row judged at a use of its class (`at_use`) is named by its container, its own
    row is at its own line (`related[0]`)."""
    if layer.at_use and layer.related:
        path, line = layer.related[0]
        own = next((row for row in model.layers if not row.at_use and row.path == path and row.line == line
                    and row.layer_type == layer.layer_type), None)  # fmt: skip
        if own is not None:
            return (path, own.class_name, own.name)
    return (layer.path, layer.class_name, layer.name)


def _link_output(layer: Layer, ref: Optional[ClassRef], uses: dict, stats: LinkStats, seen: dict,
                 handed: Optional[dict] = None) -> Optional[list]:  # fmt: skip
    """What a class returns is a model's output only if no class of the program builds it; where
    classes of other modules build it, what follows is what their forwards do with it. Returns
    [(use, outcomes)] when the uses meet different things: the layer is then judged at each. A
    class another module hands on as a value is also built where no use is listed: unknown where
    it is built, each listed use judged."""
    inside = [use for use in uses.get(ref, []) if use.container is not None] if ref is not None else []
    by = (handed or {}).get(ref) if ref is not None else None
    if not inside and by is None:
        return None
    layer.output_head = False
    if layer.activation != "none":
        return None
    per_use = [(use, _use_outcomes(use, uses, seen, 0, frozenset({ref}))) for use in inside]
    if by is not None:
        layer.activation, layer.activation_param = "unknown", None
        layer.activation_evidence = (f"returned by {ref.name}.forward, and {by} hands {ref.name} on as a value, "
                                     "to code that may apply anything to it")  # fmt: skip
        stats.activation_unknown += 1
        return per_use or None
    outcomes = {(a, p) for _, found in per_use for a, p, _ in (found or [("unknown", None, "")])}
    if len(outcomes) == 1 and "unknown" not in {a for a, _ in outcomes}:
        (activation, param), = outcomes
        use, found = per_use[0]
        evidence = next(e for a, p, e in found if (a, p) == (activation, param))
        layer.activation, layer.activation_param = activation, param
        layer.activation_evidence = f"{evidence} in {use.container.name} ({use.path}:{use.line})"
        _relate(layer, use.path, use.line)
        return None
    lost = next(((use, found) for use, found in per_use if found is None), None)
    use = (lost or per_use[0])[0]
    layer.activation, layer.activation_param = "unknown", None
    if lost is not None:
        layer.activation_evidence = (
            f"returned by {ref.name}.forward into {use.container.name} ({use.path}:{use.line}), not followed there yet")
    else:
        shown = ", ".join(sorted({a for a, _ in outcomes}))
        layer.activation_evidence = f"returned by {ref.name}.forward into classes that apply different things to it: {shown}"
    _relate(layer, use.path, use.line)
    stats.activation_unknown += 1
    return per_use


def _use_outcomes(use: Use, uses: dict, seen: dict, depth: int, visited: frozenset) -> Optional[list]:
    """What follows, at one construction inside a class, the output the built class returns: what
    the builder's file recorded of the layer; where that class returns it on (`x = x + self.mlp(x);
    return x`), what follows at the constructions of that class, up to the model (whose file
    records its output as such). None: not known. In the order recorded, so that the evidence
    shown among agreeing outcomes is the same on every run (a set's order follows the hash seed)."""
    recorded = [r for r in seen.get(use.path, []) if r[3] == use.container.name]
    if not recorded:
        return None  # the builder's code followed it nowhere
    found: dict = {}
    for activation, param, evidence, *_ in recorded:
        if activation != RETURNED:
            found[(activation, param, evidence)] = None
            continue
        holder = use.container
        if holder in visited or depth >= MAX_RETURN_DEPTH:
            return None
        above = [u for u in uses.get(holder, []) if u.container is not None]
        if not above and evidence:
            # a model (nothing in its file uses it) no class builds: its output, unless the module
            # code or functions that build it (a script, an entry point) apply something to it
            found.update((tuple(r[:3]), None) for u in uses.get(holder, []) for r in seen.get(u.path, []) if r[3] is None)
            found[("none", None, evidence)] = None
            continue
        if not above:
            return None  # used by code whose use of its output is not listed
        for outer in above:
            more = _use_outcomes(outer, uses, seen, depth + 1, visited | {holder})
            if more is None:
                return None
            found.update(dict.fromkeys(more))
    return list(found)


def _project_outputs(models: dict, layer: Layer, ref: ClassRef, per_use: list, index: ModuleIndex,
                     handed: Optional[dict] = None) -> None:  # fmt: skip
    """A returned layer whose uses meet different things: judged at each use (`self.mlp = Mlp()`
    -> `mlp.fc2` there), with its own line related, and no longer where it is built (but for a
    class handed on as a value: its own row, unknown, speaks for the constructions not listed)."""
    decided = [found for _, found in per_use if found is not None and len({(a, p) for a, p, _ in found}) == 1
               and next(iter(found))[0] != "unknown"]  # fmt: skip
    if not decided or any(use.path not in models for use, _ in per_use):
        return  # no use knows more than the layer's own row says
    for use, found in per_use:
        projected = _projected(layer, use, [use.attr or f"{ref.name}()"])
        kinds = {(a, p) for a, p, _ in found} if found is not None else set()
        if len(kinds) == 1 and "unknown" not in {a for a, _ in kinds}:
            (projected.activation, projected.activation_param), = kinds
            evidence = next(e for *_, e in found)
            projected.activation_evidence = f"returned by {ref.name}.forward: {evidence} in {use.container.name}"
        else:
            projected.activation, projected.activation_param = "unknown", None
            projected.activation_evidence = _use_output_reason(ref, use, found)
        projected.output_head = False
        projected.related = [[layer.path, layer.line]]
        _init_at_use(projected, use, index)
        projected.fix = _fix_at_use(layer, use) or FixPlan(
            reason=f"{ref.name} returns it into classes that apply different things to it: each use decides ({layer.path}:{layer.line})")
        projected.weight = projected.fix.weight or None
        _recommend(projected)
        _place(models[use.path], projected)
    layer.moved = ref not in (handed or {})


def _use_output_reason(ref: ClassRef, use: Use, found: Optional[list]) -> str:
    """Why a returned layer is unknown at one use: that use's own reason, not the class's row's
    (a module handing the class on elsewhere says nothing of this use)."""
    where = f"{use.container.name} ({use.path}:{use.line})"
    if found is None:
        return f"returned by {ref.name}.forward into {where}, not followed there yet"
    shown = ", ".join(sorted({a for a, _, _ in found}))
    why = sorted(e for a, _, e in found if a == "unknown" and e)
    return f"returned by {ref.name}.forward into {where}, where it meets {shown}" + (
        f" ({why[0]})" if why else "")


def _handing_modules(index: ModuleIndex) -> dict:
    """ClassRef -> the paths of the other modules that hand that class on as a value."""
    out: dict = {}
    for path, summary in index.summaries.items():
        for target in _handed_classes(index, path, summary.handed_on):
            if path not in out.get(target, ()):
                out.setdefault(target, []).append(path)
    return out


def _handed_classes(index: ModuleIndex, path: str, names: list):
    """The program's classes of other modules that these names, as `path`'s imports spell them, are."""
    for name in names:
        target = index.resolve_class(path, name)
        if target is not None and target.path != path:
            yield target


def _init_where_handed(layer: Layer, ref: ClassRef, index: ModuleIndex, paths: list, stats: LinkStats) -> None:
    """A class handed on as a value (`features_extractor_class=NatureCNN`, passed up to a base class
    that builds it) is built where no use is listed: the init routines of the classes of the modules
    that hand it on may run on it there (stable-baselines3's `module.apply(partial(self.init_weights,
    gain=gain))`), so a layer they may reach is `unknown` there, never the default."""
    for path in paths:
        for cls, fact in sorted(index.summaries[path].classes.items()):
            rule = next((rule for rule in fact.rules if rule.types is None
                         or _reach(layer, rule.types) is not False), None)  # fmt: skip
            if rule is not None:
                layer.init, layer.init_call, layer.init_open = "unknown", None, False
                layer.init_evidence = (f"{ref.name} is handed on as a value in {path}, whose {cls} runs init routines "
                                       f"where it may be built: {rule.evidence}")  # fmt: skip
                if rule.line:
                    _relate(layer, path, rule.line)
                stats.init_unknown += 1
                return


def _handed_on(index: ModuleIndex, uses: Optional[dict] = None) -> dict:
    """ClassRef -> the first module (by path) that hands that class on as a value, to code that
    builds it with arguments not listed (`se_layer = se_layer or SqueezeExcite`, then a builder's
    `se_layer(chs, act_layer=act_layer)`)."""
    out: dict = {}
    for path, summary in index.summaries.items():
        names = [*summary.handed_on, *(hand[0] for hand in summary.hands if _hand_uses(index, path, hand, uses) is None)]
        for target in _handed_classes(index, path, names):
            out.setdefault(target, path)
    return out


def _link_activation(layer: Layer, index: ModuleIndex, uses: dict, stats: LinkStats, path: str,
                     handed: Optional[dict] = None) -> bool:  # fmt: skip
    """A constructor default decided the activation: do callers elsewhere pass another class?
    True when one does, or when a module hands the class on as a value (the activation is then
    unknown where the layer is built)."""
    for owner, *_ in layer.activation_defaults:
        ref = _class_ref(index, path, owner)
        if ref is not None and ref in (handed or {}):
            layer.activation, layer.activation_param, layer.recommended = "unknown", None, None
            layer.activation_evidence = (f"{layer.activation_evidence}, but {handed[ref]} hands {owner} on as "
                                         "a value, to code that may build it with another")  # fmt: skip
            stats.activation_unknown += 1
            return True
    for owner, param, default, registry in _per_parameter(layer.activation_defaults):
        summary = index.summaries[path]
        if owner in summary.classes:
            ref, position = ClassRef(path, owner), summary.classes[owner].params
        elif owner in (summary.functions or {}) and layer.class_name is None:
            ref, position = ClassRef(path, owner), summary.functions[owner]  # a factory function's default
        else:
            continue
        for use in [*uses.get(ref, []), *_subclass_uses(ref, index, uses)]:
            if use.path == path and use.callee != SUPER_INIT:
                continue  # this file's own callers: its analysis has merged them (not its subclasses' calls)
            passed = use.args.get(param)
            if passed is None and param in position:
                passed = use.args.get(str(position.index(param)))
            passed = _from_registry(_resolved(passed, use, index, uses), registry, index)
            if passed is None and "*" not in use.args:
                continue  # the default applies there
            if passed is not None and _same_value(passed, default, registry, index):
                continue
            shown = passed[1] if passed is not None and len(passed) > 1 else "(something in **kwargs)"
            layer.activation, layer.activation_param, layer.recommended = "unknown", None, None
            layer.activation_evidence = (
                f"{layer.activation_evidence}, but {use.path}:{use.line} passes {param}={shown}")
            _relate(layer, use.path, use.line)
            stats.activation_unknown += 1
            return True
    return False


def _link_object_fields(layer: Layer, index: ModuleIndex, uses: dict, stats: LinkStats) -> None:
    """The activation was read from a config object at its class's defaults (`ACTS[cfg.act]()`,
    `Config.act = "relu"`): where the program builds that class passing the field (or what may be
    it: a positional argument, `**`), another activation may be chosen there."""
    if layer.activation == "unknown":
        return
    for path, owner, name, default in layer.object_defaults:
        storing = _field_setters(index).get(name)
        if storing is not None:
            layer.activation, layer.activation_param, layer.recommended = "unknown", None, None
            layer.activation_evidence = f"{layer.activation_evidence}, but {storing} sets a `.{name}` on some object"
            stats.activation_unknown += 1
            return
        for use in uses.get(ClassRef(path, owner), []):
            passed = use.args.get(name)
            positional = [key for key in use.args if key.isdigit() or key == "*"]
            if passed is None and not positional or passed is not None and passed[0] == "literal" and passed[1] == default:
                continue
            shown = f"{name}={passed[1]}" if passed is not None and len(passed) > 1 else "arguments it may take as " + name
            layer.activation, layer.activation_param, layer.recommended = "unknown", None, None
            layer.activation_evidence = f"{layer.activation_evidence}, but {use.path}:{use.line} builds {owner} with {shown}"
            _relate(layer, use.path, use.line)
            stats.activation_unknown += 1
            return


def _field_setters(index: ModuleIndex) -> dict:
    """Each stored field name -> the first module (by path) that sets it on some object."""
    if index.field_setters is None:
        index.field_setters = {}
        for where, summary in sorted(index.summaries.items()):
            for name in summary.stored_fields:
                index.field_setters.setdefault(name, where)
    return index.field_setters


SUPER_INIT = "super().__init__"  # Use.callee of a subclass's call of its base's constructor


def _subclass_uses(ref: ClassRef, index: ModuleIndex, uses: dict) -> list:
    """The classes deriving (first) from `ref` whose `__init__` passes it arguments, each as a Use
    with those (`super().__init__(act_layer=nn.Tanh)`): `ref`'s lines build their instances' layers too.
    Its own `**kwargs` passed on: each construction of it passing keywords beyond its parameters is a
    Use with those as well (`DenseNet121(act="prelu")`)."""
    if index.subclass_uses is None:
        index.subclass_uses = {}
        for path, summary in index.summaries.items():
            for fact in summary.classes.values():
                base = index.resolve_class(path, fact.bases[0]) if fact.super_args is not None and fact.bases else None
                if base is None:
                    continue
                own = {key: value for key, value in fact.super_args.items() if key != FORWARDED_KWARGS}
                found = index.subclass_uses.setdefault(base, [])
                found.append(Use(ClassRef(path, fact.name), path, fact.line, own, callee=SUPER_INIT))
                if FORWARDED_KWARGS not in fact.super_args:
                    continue
                for use in uses.get(ClassRef(path, fact.name), []):
                    extra = {key: value for key, value in use.args.items()
                             if key == "*" or not key.isdigit() and key not in fact.params}  # fmt: skip
                    if extra:
                        found.append(dataclasses.replace(use, args={**own, **extra}, callee=SUPER_INIT))
    return index.subclass_uses.get(ref, [])


def _per_parameter(defaults: list) -> list:
    """(class, parameter, default, [registry]) once per parameter: read through a registry
    wherever one of the readings that rest on it says so."""
    out: dict = {}
    for class_name, param, default, *registry in defaults:
        registry = [part for part in registry if part != OVERRIDES]
        if (class_name, param) not in out or registry:
            out[(class_name, param)] = (class_name, param, default, registry)
    return list(out.values())


def _reach(layer: Layer, types) -> Optional[bool]:
    """Whether an init routine's types take the layer: True, False, None where not known (a layer
    whose class is one of several, a type the routine's test names that is not read)."""
    return catalogue.init_types_reach(layer.layer_type, None, types, tuple(getattr(layer, "alt_types", ()) or ()))


class _Attributes(dict):
    """A module's namespace read as a registry: each key a name, the class `module.name`."""

    def __init__(self, module: str) -> None:
        super().__init__()
        self.module = module

    def get(self, key, default=None):
        return ["class", f"{self.module}.{key}"] if isinstance(key, str) and key.isidentifier() else default


def _registry_table(registry: list, index: ModuleIndex) -> Optional[tuple]:
    """(key -> [kind, class or why], whether keys are lower-cased first, how evidence names it) of
    the table a parameter is read through: [path, name] of a registry in a program module's
    summary, or [module, name] of a library's (library/hooks), keyed by its resolved name."""
    if len(registry) != 1 or not isinstance(registry[0], list) or len(registry[0]) != 2:
        return None
    where, name = registry[0]
    if name == MODULE_ATTRIBUTES:  # `getattr(nn, act)`: a key names the module's attribute
        return (_Attributes(where), False, f"the attributes of {where}")
    summary = index.summaries.get(where)
    if summary is not None:
        table = summary.registries.get(name)
        return (table, False, f"{name} in {where}") if table is not None else None
    found = hooks.registry_table(f"{where}.{name}")
    return (*found, f"{where}.{name}") if found is not None else None


def _from_registry(passed: Optional[list], registry: list, index: ModuleIndex) -> Optional[list]:
    """A key passed for a parameter read through a registry (`Net(act="tanh")` where Net builds
    `ACTS[act]()`, timm's `act_layer="swish"`): the class that table gives, with what it went
    through; unknown, with the key, where the table does not give a class for it."""
    if not registry or passed is None or passed[0] != "literal":
        return passed
    table = _registry_table(registry, index)
    try:
        key = ast.literal_eval(passed[1])
    except (ValueError, SyntaxError):
        key = None
    keywords: dict = {}
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str) and isinstance(key[1], dict):
        key, keywords = key  # MONAI's ("leakyrelu", {"negative_slope": 0.1}): a key, built with those keywords
    if table is None or not isinstance(key, str):
        return ["unknown", f"{passed[1]} (read through a registry not known here)"]
    entries, lowered, shown = table
    entry = entries.get(key.lower() if lowered else key)
    if entry is None:
        return ["unknown", f"{passed[1]} (not a key of {shown})"]
    if entry[0] not in ("class", "instance"):
        return ["unknown", f"{passed[1]} ({entry[1]}, in {shown})"]
    spec = catalogue.ACTIVATION_MODULES.get(entry[1].rsplit(".", 1)[-1]) if entry[1].startswith("torch.nn.") else None
    slope = spec[1][0] if spec is not None and spec[1] is not None else None
    if spec is None and entry[1].rsplit(".", 1)[-1] not in catalogue.NORM_MODULES and keywords:
        return ["unknown", f"{passed[1]} (keywords not read here)"]
    if spec is not None and (set(keywords) - {"inplace", slope} or not isinstance(keywords.get(slope, 0.0), (int, float))):
        return ["unknown", f"{passed[1]} (keywords not read here)"]  # a norm's keywords change no gain
    param = float(keywords[slope]) if slope in keywords else None
    return ["class", entry[1], f"{passed[1]}, a key of {shown}" + (f", {passed[2]}" if len(passed) > 2 else ""), param]


def _same_value(passed: list, default: str, registry: list, index: ModuleIndex) -> bool:
    """`_same_class`, and for a key read through a registry with its keywords (`("leakyrelu",
    {"negative_slope": 0.1})`), the same parameter."""
    if not _same_class(passed, _registry_default(default, registry, index)):
        return False
    if passed[0] != "class" or len(passed) < 4 or passed[3] is None and default[:1] not in ("'", '"', "("):
        return True  # no parameter given, or a default class (built with its own default parameter)
    made = _from_registry(["literal", default], registry, index) if default[:1] in ("'", '"', "(") else None
    return made is not None and made[0] == "class" and (made[3] if len(made) > 3 else None) == passed[3]


def _registry_default(default: str, registry: list, index: ModuleIndex) -> str:
    """The class a default key gives (`act="relu"` read through a dict of instances), else as recorded."""
    found = _from_registry(["literal", default], registry, index) if default[:1] in ("'", '"', "(") else None
    return found[1] if found is not None and found[0] == "class" else default


def _passed_by_function(name: str, fact, function: str, args: dict, holder: ClassRef, index: ModuleIndex,
                        uses: dict, depth: int, pin: Optional[tuple] = None) -> Optional[list]:  # fmt: skip
    """What a construction of `holder` by `function` of its module passes for its parameter `name`:
    its default where the call passes nothing, what that function's callers pass for a parameter of it.
    A function nothing in the program calls: unknown (code not seen may call it, or none may)."""
    if not uses.get(ClassRef(holder.path, function)):
        return ["unknown", f"{name} of {holder.name} as {function}() builds it (no call of {function}() followed)"]
    arg = args.get(name, args.get(str(fact.params.index(name))))
    if arg is None:
        return fact.defaults.get(name)
    return _resolved(arg, Use(None, holder.path, 0, function=function), index, uses, depth + 1, pin)


def _passed_to_function(name: str, use: Use, index: ModuleIndex, uses: dict, depth: int,
                        calls: Optional[list] = None) -> list:  # fmt: skip
    """A parameter of the free function whose code makes this construction (diffusers'
    `get_down_block(..., resnet_act_fn)` building `DownBlock2D(resnet_act_fn=resnet_act_fn)`):
    what every call of that function in the program passes there (its default where one passes
    nothing), followed up the same way (`calls`: those only). No call listed: unknown."""
    params = (index.summaries[use.path].functions or {}).get(use.function)
    calls = uses.get(ClassRef(use.path, use.function), []) if calls is None else calls
    unknown = ["unknown", f"{name} of {use.function}() (not followed to what its calls pass)"]
    if params is None or name not in params or not calls or depth >= MAX_PASSING_DEPTH:
        return unknown
    default = index.summaries[use.path].function_defaults.get(use.function, {}).get(name)
    values = []
    for call in calls:
        arg = call.args.get(name, call.args.get(str(params.index(name))))
        if not call.span or arg is None and (default is None or "*" in call.args):
            return unknown
        values.append(default if arg is None else _resolved(arg, call, index, uses, depth + 1))
    return _agreed(values, unknown, f"{name} of {use.function}()", "calls")


def _program_activation(written: str, path: str, index: ModuleIndex) -> Optional[tuple]:
    """(activation, parameter) a class of the program that is an activation written as a module applies
    (`ClassFact.applies`), `written` as the module at `path` names it; else None."""
    if written.startswith("torch.") or written in (REQUIRED, "None"):
        return None
    ref = index.resolve_class(path, written.removeprefix("local:"))
    summary = index.summaries.get(ref.path) if ref is not None else None
    fact = summary.classes.get(ref.name) if summary is not None else None
    return tuple(fact.applies) if fact is not None and fact.applies else None


def _torch_function(qualname: str) -> Optional[str]:
    """`torch.nn.functional.relu`, `torch.tanh`: the name of a torch activation function, else None."""
    for prefix in ("torch.nn.functional.", "torch.special.", "torch."):
        rest = qualname[len(prefix):] if qualname.startswith(prefix) else None
        if rest and "." not in rest and rest in catalogue.ACTIVATION_FUNCTIONS:
            return rest
    return None


def _same_class(passed: list, default: str) -> bool:
    if passed[0] == "literal":  # `use_activation=True`, the default written out
        return passed[1] == default
    if passed[0] == "none":  # `drop_layer=drop_block`, None there: the default None written out
        return default == "None"
    if passed[0] == "instance":  # `act=nn.ReLU()` for the default `nn.ReLU()`: with torch's own parameter
        return default == f"{passed[1]}()" and passed[2] is None
    if passed[0] != "class":
        return False
    if passed[1] == default:
        return True
    torch_passed = passed[1].rsplit(".", 1)[-1] if passed[1].startswith("torch.nn.") else None
    torch_default = default.rsplit(".", 1)[-1] if default.startswith("torch.nn.") else None
    if torch_passed in catalogue.NORM_MODULES and torch_default in catalogue.NORM_MODULES:
        return True  # a torch norm for a torch norm (`norm_layer=nn.GroupNorm`): gain-neutral either way
    return torch_passed is not None and torch_passed == torch_default
