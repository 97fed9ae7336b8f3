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

from dataclasses import dataclass, field
from typing import Optional

from .. import catalogue
from ..model import FileModel, InitRuleFact, Layer
from .modules import ClassRef, ModuleIndex

MAX_CHAINS = 64  # containment chains followed up from one class; more than that is `unknown`


@dataclass
class Use:
    """One way the program builds a class: inside another class, or by module code."""

    container: Optional[ClassRef]  # None: module code or a free function
    path: str  # the module holding the construction
    line: int
    args: dict = field(default_factory=dict)
    applied: list = field(default_factory=list)  # InitRuleFact of `.apply(fn)` on what was built


@dataclass
class LinkStats:
    """How many layers the program stage changed, for tests and benches."""

    init_explicit: int = 0
    init_unknown: int = 0
    activation_unknown: int = 0
    resolved_builds: int = 0
    unresolved_builds: int = 0


def link(models: dict) -> LinkStats:
    """Update every layer of `models` (path -> FileModel) with what other modules decide."""
    summaries = {path: model.summary for path, model in models.items() if model.summary is not None}
    index = ModuleIndex.of(summaries)
    uses, stats = _uses(index)
    followed: dict = {}  # (path, class, layer) -> {user path: [outcomes]}
    for path, summary in summaries.items():
        for where, cls, name, activation, param, evidence in summary.followed:
            followed.setdefault((where, cls, name), {}).setdefault(path, []).append((activation, param, evidence))
    for path, model in models.items():
        for module in model.modules:
            ref = _class_ref(index, path, module.name)
            if ref is None:
                continue
            for layer in module.layers:
                if layer.init == "default" and layer.init_open:
                    _link_init(layer, ref, index, uses, stats)
                if layer.activation_defaults:
                    _link_activation(layer, index, uses, stats, path)
                if layer.open_output:
                    _link_output(layer, _class_ref(index, path, layer.open_output), uses, stats,
                                 followed.get((path, layer.class_name, layer.name), {}))  # fmt: skip
    return stats


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
                stats.unresolved_builds += 1
                continue
            stats.resolved_builds += 1
            container = ClassRef(path, build.inside) if build.inside is not None else None
            uses.setdefault(target, []).append(Use(container, path, build.line, build.args, build.applied))
    return uses, stats


def _chains(ref: ClassRef, index: ModuleIndex, uses: dict) -> Optional[list]:
    """Each way the program builds `ref`, up to a root: the init rules along it, and where.

    A root is module code that builds it (with what `.apply` it runs), or a class nothing in
    the program builds (a model its users build). The class's own rules are not included:
    its file's analysis has read them. None: too many ways to follow."""
    chains: list = []
    stack: list = [(ref, [], frozenset({ref}))]
    while stack:
        current, rules, seen = stack.pop()
        found = uses.get(current, [])
        summary = index.summaries[current.path]
        fact = summary.classes.get(current.name)
        if current != ref and fact is not None:
            rules = rules + [(rule, f"{current.name} in {current.path}", current.path) for rule in fact.rules]
        if not found or (fact is not None and fact.standalone):
            chains.append(rules)
        for use in found:
            if use.container is None:
                chains.append(rules + [(rule, f"module code of {use.path}", use.path) for rule in use.applied])
            elif use.container not in seen:
                stack.append((use.container, rules, seen | {use.container}))
            if len(chains) > MAX_CHAINS:
                return None
    return chains


def _covering(rules: list, layer: Layer) -> Optional[tuple[InitRuleFact, str, str]]:
    """The last rule along a chain that takes this layer: the outermost routine runs last."""
    for rule, where, path in reversed(rules):
        if rule.types is None or catalogue.init_types_match(layer.layer_type, None, rule.types):
            return rule, where, path
    return None


def _link_init(layer: Layer, ref: ClassRef, index: ModuleIndex, uses: dict, stats: LinkStats) -> None:
    chains = _chains(ref, index, uses)
    if chains is None:
        layer.init, layer.init_evidence = "unknown", f"{ref.name} is built in more ways than the analysis follows"
        stats.init_unknown += 1
        return
    covered = [v for v in (_covering(rules, layer) for rules in chains) if v is not None]
    if not covered:
        return
    rule, where, rule_path = covered[0]
    if rule.line:
        layer.related.append([rule_path, rule.line])
    decided = rule.state == "explicit" and not rule.partial
    if decided and len(covered) == len(chains) and all(v[0].state == "explicit" and not v[0].partial for v in covered):
        layer.init = "explicit"
        layer.init_evidence = f"{rule.evidence} ({where})"
        layer.init_call = rule.call
        layer.init_open = False
        stats.init_explicit += 1
        return
    layer.init = "unknown"
    some = "" if len(covered) == len(chains) else f" in {len(covered)} of the {len(chains)} ways the program builds it"
    layer.init_evidence = f"{rule.evidence} ({where}) may re-initialise it{some}"
    layer.init_open = False
    stats.init_unknown += 1


def _link_output(layer: Layer, ref: Optional[ClassRef], uses: dict, stats: LinkStats, seen: dict) -> None:
    """What a class returns is a model's output only if no class of the program builds it; where
    classes of other modules build it, what follows is what their forwards do with it."""
    inside = [use for use in uses.get(ref, []) if use.container is not None] if ref is not None else []
    if not inside:
        return
    use = inside[0]
    layer.output_head = False
    outcomes = {(a, p) for user in {u.path for u in inside} for a, p, _ in seen.get(user, [("unknown", None, "")])}
    if layer.activation == "none" and len(outcomes) == 1 and "unknown" not in {a for a, _ in outcomes}:
        (activation, param), = outcomes
        evidence = next(e for user in seen.values() for a, p, e in user if (a, p) == (activation, param))
        layer.activation, layer.activation_param = activation, param
        layer.activation_evidence = f"{evidence} in {use.container.name} ({use.path}:{use.line})"
        layer.related.append([use.path, use.line])
        return
    if layer.activation == "none":
        layer.activation, layer.activation_param = "unknown", None
        layer.activation_evidence = (
            f"returned by {ref.name}.forward into {use.container.name} ({use.path}:{use.line}), not followed there yet")
        layer.related.append([use.path, use.line])
        stats.activation_unknown += 1


def _link_activation(layer: Layer, index: ModuleIndex, uses: dict, stats: LinkStats, path: str) -> None:
    """A constructor default decided the activation: do callers elsewhere pass another class?"""
    for class_name, param, default in layer.activation_defaults:
        ref = _class_ref(index, path, class_name)
        if ref is None:
            continue
        position = index.summaries[path].classes[class_name].params
        for use in uses.get(ref, []):
            if use.path == path:
                continue  # this file's own callers: its analysis has merged them
            passed = use.args.get(param)
            if passed is None and param in position:
                passed = use.args.get(str(position.index(param)))
            if passed is None and "*" not in use.args:
                continue  # the default applies there
            if passed is not None and _same_class(passed, default):
                continue
            shown = passed[1] if passed is not None and len(passed) > 1 else "(something in **kwargs)"
            layer.activation = "unknown"
            layer.activation_param = None
            layer.activation_evidence = (
                f"{layer.activation_evidence}, but {use.path}:{use.line} passes {param}={shown}")
            layer.related.append([use.path, use.line])
            stats.activation_unknown += 1
            return


def _same_class(passed: list, default: str) -> bool:
    if passed[0] != "class":
        return False
    if passed[1] == default:
        return True
    torch_passed = passed[1].rsplit(".", 1)[-1] if passed[1].startswith("torch.nn.") else None
    torch_default = default.rsplit(".", 1)[-1] if default.startswith("torch.nn.") else None
    return torch_passed is not None and torch_passed == torch_default
