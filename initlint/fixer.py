"""Autofix: turn the analysis' fix plans into inserted init calls, check them, write them.

The analysis decides WHERE (`Layer.fix: FixPlan`: the line the init goes after, its
indentation, the weight expression), the catalogue decides WHAT (`Recommendation.calls`).
This module only turns that into text edits, proves the edit harmless and writes it.

Choices, and why:

- Fixes are insertions of whole lines, never edits of user code. Where, as the analysis'
  plan says: after `self.x = ...`; after a `nn.Sequential(...)` literal, indexing the child
  (`self.body[0].weight`, `self.net.fc1.weight` for OrderedDict names); after a local
  binding (`conv2d = nn.Conv2d(...)`); a ModuleList comprehension gets a loop (`loop_over`)
  or, where the analysis cannot say every element is the layer, no fix; a layer appended in a
  loop or a branch (`layers.append(nn.Linear(...))`), right after the append, as `layers[-1]`;
  a layer a helper builds and activates, in the helper right after it binds the layer (one
  line for every call: every call's layer must share the activation; a module-level helper's
  fix is unsafe, other modules may call it).
- A class whose init routines provably leave the layer alone (each only `isinstance(m, X)`
  branches, no `else`, every X a torch.nn class the layer is not): right after the layer, safe.
- A class whose one init routine `__init__` runs after the layer may touch it: the call goes at
  the END of that routine, written the way the routine is written but for this layer alone:
  `if m is self.fc1: <init>(m.weight)` in an `_init_weights(self, m)` applied with `self.apply`
  (a branch on the type, `elif isinstance(m, nn.Linear)`, would also re-initialise the head and
  every other Linear), a line in `reset_parameters()` (or any method `__init__` calls that
  re-initialises weights: an init right after the layer would be undone there, a dead fix).
  There it runs after whatever the routine does, every time the routine runs. Safe, when the
  routine is proven to run after the layer is bound, ends without a `return`, runs after no
  weight load, and is the class's only routine (`_into_routine`); the analysis reads the
  `m is self.fc1` branch back, so a second --fix changes nothing.
- Otherwise, a class that owns another init routine (a loop over `self.modules()`, several
  routines, one that may return early): the call goes after the LAST statement of `__init__`,
  so it runs after whatever the routine does (an unsafe fix, see below), not right after
  construction (a routine that re-runs `reset_parameters()` on every module would undo that;
  tests/fix_models/init_routines.py proves it with torch). A layer of such a class bound to a
  local name, or built in a helper method, cannot move there (the name may be rebound) and is
  reported unfixable. A function that `__init__` hands the model to after the layer
  (`init_weights(self)`, from any file) counts as such a routine: an init before it could be
  overwritten (a dead fix).
- Where init must live in a routine to survive (`_survival_routine`): a class deriving from
  transformers' PreTrainedModel (by the resolved base, through the file's classes) is built on
  the meta device when loaded, and `_init_weights` runs on the leaves (with `self` the model)
  for what the checkpoint lacks: a layer the model class holds gets `if module is
  getattr(self, "fc", None):` at the end of `_init_weights` (a sibling model class sharing the
  routine may lack the attribute), safe; transformers guards the init there so a loaded weight
  is never overwritten. A file that builds on the meta device or calls `to_empty()`: at the end
  of the class's `reset_parameters` (or `_init_weights`), unsafe, since only the materialising
  code decides whether it runs after each layer's own reset. With no such routine: right after
  the layer, unsafe, the reason saying where to put it.
- A layer that a top-level statement of `__init__` builds after every call of a method of the
  model (`self.apply(...)`, `self.x.apply(...)`, a loop over `self.modules()`) and every function
  handed the model: the routines ran before it existed, so right after it, safe.
- A class of the file that builds this one and then runs an init routine (or hands itself
  to a function) not proven to leave the layer alone: no fix, it could be overwritten there.
- A layer whose attribute (or local name) the same function also binds elsewhere
  (`self.fc = ...` then `if wide: self.fc = ...`, a rebuild after an early `return`): every
  live alternative gets its own fix, or none does and the finding stays. Code after a
  return/raise/break/continue is never fixed (nor analysed).
- Never fixed: layers followed by nothing, softmax or the sigmoid family (output heads and
  gates: their init is a choice, not a fact), `unknown` activations, and `Lazy*` layers
  (their weight is an `UninitializedParameter` until the first forward; a hook that
  re-inits after materialisation is more machinery than a linter should write into user
  code, so they are reported as unfixable instead).
- Gains torch has no name for (GELU, SiLU, Mish, ELU...): one `normal_(w, std=g / w[0].numel() ** 0.5)`
  with a comment naming the activation and the formula of g (catalogue.Recommendation.calls;
  rules/IL106/README.md says why this spelling).
- Applicability: "safe", or "unsafe" when the fix rests on an assumption the file cannot
  prove: the plan carries an `unsafe_reason` (e.g. an activation that is a constructor
  parameter's default, which callers in other files may override), or the call goes after
  an init routine (where the analysis misread the routine, the call would override the
  user's init instead of being overridden by it). Unsafe fixes go in only with
  `--unsafe-fixes`.
- A plan with `loop_over` (a container built by a comprehension, every element of which is
  the layer) becomes a short loop, `for layer in <container>: <init>(layer.weight)`; the loop
  variable gets a name used nowhere in the file, so it cannot shadow anything.
- The init module is the file's own alias for `torch.nn.init`; else `<nn alias>.init`;
  else `torch.nn.init`, adding `import torch` after the import block (or after the module
  docstring and `from __future__` imports) when the file lacks it. Names are resolved over
  the whole module, as ruff's F811 and mypy see them: a spelling whose first name is bound
  locally where the call goes (a parameter called `init`) or rebound at module level (a
  later `def init(model)`, `nn = None`) is skipped; if the file binds `torch` to something
  else, or imports torch under `try` (optional torch must stay optional) and no guarded
  name is provably bound there, the layer is reported unfixable.
- The indentation is that of the innermost simple statement ending on the anchor line, as
  written in the source (tabs stay tabs); the plan's `indent` is used when no statement ends
  there (the safety check then has the last word).
- `fix-bias = "zeros"` adds `if <layer>.bias is not None: <init>.zeros_(<layer>.bias)`: the
  analysis does not know whether a layer has a bias, so the guard asks at run time.
- Safety, as black does it: the fixed text must compile, and its AST with the inserted
  statements taken out must dump equal to the original's; each inserted statement must be
  exactly the one intended, and an init must directly follow a simple statement ending on
  its anchor line, in the same block. If not, the file is left untouched and a `FileError`
  reported.
- Writing keeps every byte outside the inserted lines: the inserted text is encoded alone
  and spliced into the original bytes (so the encoding, BOM and line endings of everything
  else cannot change); inserted lines take the line ending of the line they follow. The
  write is atomic (temp file in the same folder, fsync, `os.replace`), keeps mode bits,
  and refuses read-only files and files whose bytes changed since they were read.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import errno
import io
import os
import re
import stat
import tempfile
import textwrap
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

from . import catalogue, sources
from .model import Edit, FileError, FileModel, Finding, Fix, FixOptions, FixPlan, Layer

FIXABLE_CODES = frozenset({"IL101", "IL102", "IL103", "IL104", "IL105", "IL106"})
# What follows these layers makes their right init a choice (or a guess), not a fact.
NEVER_FIX_ACTIVATIONS = {
    "none": "a layer followed by no activation is an output head or a projection: its init is a choice, not a fact",
    "softmax": "a layer followed by Softmax is an output head: its init is a choice, not a fact",
    "sigmoid": "a layer followed by Sigmoid is an output head or a gate: its init is a choice, not a fact",
    "hardsigmoid": "a layer followed by Hardsigmoid is an output head or a gate: its init is a choice, not a fact",
    "logsigmoid": "a layer followed by LogSigmoid is an output head: its init is a choice, not a fact",
    "unknown": "what follows this layer is not known statically: a fix would be a guess",
}
LOOP_VARIABLE_NAMES = ("layer", "layer_", "_layer", "init_layer", "_init_layer")

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_ENDING = re.compile(r"(\r\n|\r|\n)\Z")
_BOM = sources.BOM


# --------------------------------------------------------------------------------------
# Options


# --------------------------------------------------------------------------------------
# Building fixes


@dataclass
class Unfixable:
    """A finding of a fixable rule that gets no fix, and why."""

    finding: Finding
    reason: str


def attach_fixes(
    findings: Iterable[Finding],
    file_model: FileModel,
    options: Any = None,
    source: Optional[str] = None,
    tree: Optional[ast.Module] = None,
) -> list[Unfixable]:
    """Set `finding.fix` on every IL101-IL106 finding whose layer can be fixed.

    `options`: a FixOptions, a mapping with `fix-distribution` / `fix-mode` / `fix-bias`
    keys, a config object with `fix_distribution` / `fix_mode` / `fix_bias`, or None.
    `source` is the file's text as read (newlines untranslated): it gives line endings,
    indentation, the names bound where a call goes, where a missing import goes, a free loop
    variable. Pass it; without it "\\n" and the plan's indentation are used and fixes that
    need more are skipped. `tree`, CPython's tree of that source if the caller has it, saves
    parsing it again. Returns the findings of fixable rules that got no fix, and why.
    """
    opts = FixOptions.coerce(options)
    lines = split_lines(source) if source is not None else None
    at: dict[tuple[int, int], list[Layer]] = {}  # a subclass's layer shares its base's position
    by_site: dict[str, Layer] = {}  # a finding is joined to its layer by site id, never by position
    for layer in file_model.layers:
        at.setdefault((layer.line, layer.column), []).append(layer)
        by_site[layer.site] = layer
    names = _Names(source, tree)
    indents = _simple_statement_indents(names.tree, lines) if names.tree is not None else {}
    unfixable: list[Unfixable] = []
    import_edit: Optional[Edit] = None
    fixed: list[tuple[Finding, int, str]] = []  # (finding, the line its init follows, what it initialises)
    meta_line: Optional[int] = None  # computed at the first layer that could get a fix
    for finding in findings:
        if finding.code not in FIXABLE_CODES:
            continue
        layer = by_site.get(finding.site) if finding.site else None
        here = at.get((layer.line, layer.column), []) if layer is not None else []
        plan = layer.fix if layer else None
        reason = _why_not_fixable(layer, plan) or _shared_with_another_use(layer, here)
        if reason is None and source is None and plan is not None and plan.loop_over:
            reason = "a loop fix needs the source, to give its variable a free name"
        module = None
        anchor, indent, routine_note, inside = 0, "", None, None
        if reason is None and names.unreachable(plan.insert_after_line):
            reason = "it is built in code that never runs (after a return, raise, break or continue)"
        if reason is None and meta_line is None:
            meta_line = _meta_device_line(names.tree)
        survive = None  # why init must live in a routine to survive (meta-device loading)
        if reason is None:
            assert layer is not None and plan is not None
            survive, inside = _survival_routine(layer, plan, file_model, names, lines, meta_line)
            if inside is not None and meta_line and survive:
                routine_note = survive  # in the routine, but when it runs is the materialising code's
            inside = inside or (None if survive else _into_routine(layer, plan, file_model, names, lines))
            if inside is not None:
                anchor, indent = inside.anchor, inside.indent
            else:
                anchor, indent, reason, routine_note = _placement(layer, plan, file_model, names, lines, indents)
            if inside is None and survive and reason is None:
                routine_note = survive
        if reason is None:
            reason = _handed_to_an_init(names, plan)
        if reason is None:
            module, reason = _init_module(file_model, names, anchor)
        if reason is None and module is None and source is None and not file_model.import_line:
            reason = "the import the fix needs can only be placed with the source at hand"
        if reason is not None:
            unfixable.append(Unfixable(finding, reason))
            continue
        assert layer is not None and plan is not None
        edits: list[Edit] = []
        if module is None:
            if import_edit is None:
                import_anchor = file_model.import_line or _top_anchor(names.tree, lines or [])
                import_edit = _insert_after(lines, import_anchor, ["import torch"], "")
            edits.append(import_edit)
            module = "torch.nn.init"
        statements = _init_lines(layer, plan, module, opts, indent, names, inside)
        edits.append(_insert_after(lines, anchor, statements, indent))
        act = catalogue.display_name(layer.activation, layer.activation_param)
        target = f"`{plan.weight}`" if not plan.loop_over else f"each layer in `{plan.loop_over}`"
        message = f"Initialise {target} for {act}" + (f" in `{inside.routine}`" if inside else "")
        # A plan that rests on an assumption the file cannot prove (an activation taken from a
        # constructor parameter's default, which callers elsewhere may override; a routine
        # the analysis may have misread) is unsafe.
        assumption = getattr(plan, "unsafe_reason", None) or routine_note
        if assumption:
            message += f" (unsafe: {assumption})"
        finding.fix = Fix(applicability="unsafe" if assumption else "safe", message=message, edits=edits,
                          site=layer.site)  # fmt: skip
        fixed.append((finding, plan.insert_after_line, plan.loop_over or plan.weight))
    if names.tree is not None and fixed:
        unfixable += _drop_partial_alternatives(fixed, file_model, names)
    return unfixable


def _drop_partial_alternatives(fixed: list[tuple[Finding, int, str]], file_model: FileModel, names: "_Names") -> list[Unfixable]:
    """Take the fix off a layer whose attribute (or local name) the same function also binds
    elsewhere to a layer this run neither fixes nor finds initialised: `self.fc = nn.Linear(...)`
    then `if wide: self.fc = nn.Linear(...)`, or a rebuild after an early `return`. Fixing one
    alternative would leave the other on the default while the finding goes away; every live
    alternative is fixed, or none is. Repeated until nothing changes (a dropped fix uncovers
    the alternatives that counted on it)."""
    layers = file_model.layers
    explicit_lines = {line for layer in layers if layer.init == "explicit" for line in range(layer.line, layer.end_line + 1)}
    layer_lines = {line for layer in layers for line in range(layer.line, layer.end_line + 1)}
    dropped: list[Unfixable] = []
    live = {id(f): (f, line, weight) for f, line, weight in fixed}
    changed = True
    while changed:
        changed = False
        fixed_at: dict[tuple[int, str], set[int]] = {}  # (function, bound name) -> anchor lines with a fix
        keyed = []
        for finding, line, weight in live.values():
            key = _binding_key(names, line, weight)
            keyed.append((finding, line, key))
            if key is not None:
                fixed_at.setdefault(key, set()).add(line)
        for finding, line, key in keyed:
            if key is None:
                continue
            fn, bound = key
            for stmt in names.bindings_in(fn, bound):
                end = stmt.end_lineno or stmt.lineno
                if end == line or end in fixed_at.get(key, ()) or names.unreachable(stmt.lineno):
                    continue
                span = range(stmt.lineno, end + 1)
                if any(n in explicit_lines for n in span) and not any(n in layer_lines and n not in explicit_lines for n in span):
                    continue  # an alternative with its own init
                if _builds_nothing_with_weights(stmt, bound):
                    continue
                del live[id(finding)]
                finding.fix = None
                what = bound[len("<local>") :] if bound.startswith("<local>") else f"{fn.args.args[0].arg}.{bound}"
                dropped.append(Unfixable(finding, (
                    f"`{what}` is also bound at line {stmt.lineno}, to a layer this fix would not cover: "
                    "every alternative must be fixed, or none"
                )))
                changed = True
                break
    return dropped


def _handed_to_an_init(names: "_Names", plan: FixPlan) -> Optional[str]:
    """Why not, when a later statement of the same function hands the layer (or its weight)
    to a function whose name says it initialises (`layer_init(self.fc)`, mmcv's
    `xavier_init(conv)`, `init_weights(fc)`), which would overwrite a fix placed before it,
    or be overwritten by one placed after it. Functions of any file: their body is not read."""
    fn = names.function_at(plan.insert_after_line)
    holder = plan.loop_over or (plan.weight[: -len(".weight")] if plan.weight.endswith(".weight") else plan.weight)
    if fn is None or not holder:
        return None
    given = {holder, f"{holder}.weight", f"{holder}.weight.data"}
    for stmt in fn.body:
        for node in _walk_same_function(stmt):
            if not isinstance(node, ast.Call) or node.lineno <= plan.insert_after_line:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if "init" not in name.lower() or name.startswith("__"):
                continue
            if any(ast.unparse(arg) in given for arg in [*node.args, *(k.value for k in node.keywords)]):
                return (
                    f"`{holder}` is handed to `{ast.unparse(func)}` at line {node.lineno}, which initialises it "
                    "elsewhere: an init placed before that call would be overwritten"
                )
    return None


def _binding_key(names: "_Names", line: int, weight: str) -> Optional[tuple[ast.AST, str]]:
    """(the function the init goes in, the attribute of `self` or the local name the fixed
    weight hangs from), or None when the fix is not in a function or has no such root."""
    fn = names.function_at(line)
    root = re.match(r"([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?", weight)
    if fn is None or root is None:
        return None
    self_name = fn.args.args[0].arg if fn.args.args else None
    if root.group(1) == self_name and root.group(2):
        return fn, root.group(2)
    return fn, "<local>" + root.group(1)


# Modules with no weight to initialise: binding one of these is not an alternative layer.
_WEIGHTLESS = frozenset(
    {"Identity", "Dropout", "Flatten", "Unflatten", "Sequential", "ModuleList", "ModuleDict"}
    | set(catalogue.ACTIVATION_MODULES) | set(catalogue.TRANSPARENT_MODULES)
) - set(catalogue.LAYER_TYPES)


def _builds_nothing_with_weights(stmt: ast.stmt, bound: str) -> bool:
    """Whether the value `stmt` binds can hold no layer: no call at all (None, a constant, a
    parameter passed in), or only calls of weightless torch.nn modules and methods of the
    bound module itself (`self.fc = self.fc.to(device)`)."""
    value = getattr(stmt, "value", None)
    if value is None:
        return True
    name = bound[len("<local>") :] if bound.startswith("<local>") else None
    for node in ast.walk(value):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
        if owner.endswith(f".{bound}") or (name is not None and owner == name):
            continue
        if last not in _WEIGHTLESS:
            return False
    return True


class _Names:
    """What names the source binds where, so an inserted call cannot pick up a shadowed one."""

    def __init__(self, source: Optional[str], tree: Optional[ast.Module] = None):
        self.source = source
        self.tree: Optional[ast.Module] = tree
        if source is not None and tree is None:
            try:
                self.tree = _parse(source)
            except (SyntaxError, ValueError):
                pass
        self.module_level = _bound_in_scope(self.tree) if self.tree is not None else set()
        self._bindings: Optional[dict[str, list[tuple[Optional[str], ast.AST]]]] = None
        self._handled: Optional[set[int]] = None
        self._all: Optional[set[str]] = None
        # Per node: its children's start lines (sorted) and the children, and each scope's
        # bound names, computed once, so a file with many findings stays linear.
        self._children: dict[int, tuple[list[int], list[ast.AST]]] = {}
        self._scopes: dict[int, set[str]] = {}
        self._first_indent: Optional[str] = None
        self._dead: Optional[list[tuple[int, int]]] = None

    def module_bindings(self) -> dict[str, list[tuple[Optional[str], ast.AST]]]:
        """Every binding of a module-level name: (the module an import binds it to, or None
        for any other binding; the node), from the module's own statements at any depth and
        from `global` declarations in functions."""
        if self._bindings is None:
            # no `global` in the text: no function can rebind a module-level name
            declares = self.source is None or "global" in self.source
            self._bindings = _module_bindings(self.tree, declares) if self.tree is not None else {}
        return self._bindings

    def means(self, spelling: str, qualname: str, line: int) -> bool:
        """Whether `spelling` (a suffix of the dotted `qualname`, e.g. `nn.init` for
        torch.nn.init) names `qualname` wherever code runs, as far as module-level bindings go."""
        parts, full = spelling.split("."), qualname.split(".")
        if full[len(full) - len(parts) + 1 :] != parts[1:]:
            return False
        head_module = ".".join(full[: len(full) - len(parts) + 1])
        bindings = self.module_bindings().get(parts[0], [])
        if not bindings:
            return False
        for bound_to, node in bindings:
            if bound_to == head_module:
                continue
            is_none = isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value is None
            if is_none and id(node) in self.in_handlers() and self.reads_attribute_at(line, parts[0]):
                continue  # `except ImportError: nn = None`, and the layer was just built with nn.X
            return False
        return True

    def reads_attribute_at(self, line: int, name: str) -> bool:
        """Whether the innermost simple statement ending on `line` reads `name.<attr>`."""
        node: Optional[ast.AST] = self.tree
        found = None
        while node is not None:
            node = self._child_at(node, line)
            if isinstance(node, ast.stmt) and not isinstance(node, _COMPOUND) and (node.end_lineno or node.lineno) == line:
                found = node
        return found is not None and any(
            isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == name for n in ast.walk(found)
        )

    def in_handlers(self) -> set[int]:
        """ids of the nodes inside `except` handlers."""
        if self._handled is None:
            self._handled = {
                id(inner)
                for node in (ast.walk(self.tree) if self.tree is not None else ())
                if isinstance(node, ast.ExceptHandler)
                for stmt in node.body
                for inner in ast.walk(stmt)
            }
        return self._handled

    def torch_guarded(self) -> bool:
        """Whether the file imports torch inside a `try` (its handlers then run without it)."""
        for node in ast.walk(self.tree) if self.tree is not None else ():
            if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                for inner in (n for stmt in node.body for n in ast.walk(stmt)):
                    if isinstance(inner, ast.Import) and any(a.name.split(".")[0] == "torch" for a in inner.names):
                        return True
                    if isinstance(inner, ast.ImportFrom) and (inner.module or "").split(".")[0] == "torch" and not inner.level:
                        return True
        return False

    def unreachable(self, line: int) -> bool:
        """Whether `line` is in a statement that follows a return/raise/break/continue in its block."""
        if self._dead is None:
            self._dead = []
            # statement lists hang only off statements, handlers and match cases: expressions are not walked
            stack: list = [self.tree] if self.tree is not None else []
            while stack:
                node = stack.pop()
                for _, value in ast.iter_fields(node):
                    if isinstance(value, list):
                        stack.extend(v for v in value if isinstance(v, _HOLDS_STATEMENTS))
                    if not (isinstance(value, list) and value and isinstance(value[0], ast.stmt)):
                        continue
                    for index, stmt in enumerate(value[:-1]):
                        if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
                            self._dead.append((_start_line(value[index + 1]), value[-1].end_lineno or value[-1].lineno))
                            break
        return any(start <= line <= end for start, end in self._dead)

    def function_at(self, line: int) -> Optional[ast.AST]:
        """The innermost function whose body holds `line`."""
        found, node = None, self.tree
        while node is not None:
            node = self._child_at(node, line)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found = node
        return found

    def bindings_in(self, fn: ast.AST, bound: str) -> list[ast.stmt]:
        """Statements of `fn` (not of nested functions) that bind `self.<bound>`, or the local
        name `<local>name`."""
        self_name = fn.args.args[0].arg if fn.args.args else None
        local = bound[len("<local>") :] if bound.startswith("<local>") else None
        out = []
        for node in _walk_same_function(fn):
            if node is fn or not isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for item in ast.walk(target):
                    if local is not None and isinstance(item, ast.Name) and item.id == local:
                        out.append(node)
                    elif local is None and isinstance(item, ast.Attribute) and item.attr == bound \
                            and isinstance(item.value, ast.Name) and item.value.id == self_name:  # fmt: skip
                        out.append(node)
        return out

    def first_indent(self) -> str:
        """The file's first INDENT token ("" if none), tokenized once per file, not per fix."""
        if self._first_indent is None:
            self._first_indent = ""
            try:
                for token in tokenize.generate_tokens(io.StringIO(self.source or "").readline):
                    if token.type == tokenize.INDENT:
                        self._first_indent = token.string
                        break
            except (tokenize.TokenError, SyntaxError, IndentationError):
                pass
        return self._first_indent

    def _child_at(self, node: ast.AST, line: int) -> Optional[ast.AST]:
        entry = self._children.get(id(node))
        if entry is None:
            spanned = [c for c in ast.iter_child_nodes(node) if getattr(c, "end_lineno", None) is not None]
            spanned.sort(key=_start_line)
            entry = ([_start_line(c) for c in spanned], spanned)
            self._children[id(node)] = entry
        starts, children = entry
        index = bisect.bisect_right(starts, line) - 1
        # Children may overlap only in odd cases (decorators); look back a little.
        for child in reversed(children[max(0, index - 2) : index + 1]):
            if _spans(child, line):
                return child
        return None

    def local_at(self, line: int) -> set[str]:
        """Names bound in the function (or class body) scopes enclosing `line`."""
        out: set[str] = set()
        node: Optional[ast.AST] = self.tree
        while node is not None:
            node = self._child_at(node, line)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                bound = self._scopes.get(id(node))
                if bound is None:
                    bound = self._scopes[id(node)] = _bound_in_scope(node)
                out |= bound
        return out

    def everywhere(self) -> set[str]:
        """Every name read or bound anywhere in the file."""
        if self._all is None:
            self._all = set()
            for node in ast.walk(self.tree) if self.tree is not None else ():
                if isinstance(node, ast.Name):
                    self._all.add(node.id)
                elif isinstance(node, ast.arg):
                    self._all.add(node.arg)
                elif isinstance(node, ast.alias):
                    self._all.add((node.asname or node.name).split(".")[0])
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    self._all.add(node.name)
        return self._all


def _start_line(node: ast.AST) -> int:
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _spans(node: ast.AST, line: int) -> bool:
    if not hasattr(node, "lineno") or getattr(node, "end_lineno", None) is None:
        return False
    return _start_line(node) <= line <= node.end_lineno


def _bound_in_scope(scope: ast.AST) -> set[str]:
    """Names a scope binds (its own statements, not nested functions' or classes' bodies)."""
    bound: set[str] = set()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = scope.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                bound.add(arg.arg)
    body = scope.body if isinstance(getattr(scope, "body", None), list) else [getattr(scope, "body", None)]
    stack = [node for node in body if node is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
            stack.extend(node.decorator_list)
            continue  # its body is another scope
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # Comprehension variables stay inside; a walrus in one binds out here.
            stack.extend(n.target for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif type(node).__name__ in ("MatchAs", "MatchStar") and getattr(node, "name", None):
            bound.add(node.name)
        elif type(node).__name__ == "MatchMapping" and getattr(node, "rest", None):
            bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return bound


def _module_bindings(tree: ast.Module, may_declare_global: bool = True) -> dict[str, list[tuple[Optional[str], ast.AST]]]:
    """name -> [(the module an import binds it to, or None; the binding node)] at module level."""
    out: dict[str, list[tuple[Optional[str], ast.AST]]] = {}
    stack: list[ast.AST] = list(tree.body)
    declared_global: list[ast.AST] = []
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.setdefault(node.name, []).append((None, node))
            stack.extend(node.decorator_list)
            declared_global.append(node)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out.setdefault(alias.asname, []).append((alias.name, node))
                else:
                    head = alias.name.split(".")[0]
                    out.setdefault(head, []).append((head, node))
            continue
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                module = f"{node.module}.{alias.name}" if node.module and not node.level else None
                out.setdefault(alias.asname or alias.name, []).append((module, node))
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            continue
        binder: Optional[str] = None
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            binder = node.id
        elif isinstance(node, ast.ExceptHandler) and node.name:
            binder = node.name
        elif type(node).__name__ in ("MatchAs", "MatchStar") and getattr(node, "name", None):
            binder = node.name
        if binder is not None:
            out.setdefault(binder, []).append((None, _statement_of(tree, node)))
        stack.extend(ast.iter_child_nodes(node))
    # `global x` in a function, then a binding of x there: the module's x changes.
    for scope in declared_global if may_declare_global else ():
        names = {n for g in ast.walk(scope) if isinstance(g, ast.Global) for n in g.names}
        for node in ast.walk(scope) if names else ():
            if isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, (ast.Store, ast.Del)):
                out.setdefault(node.id, []).append((None, node))
    return out


def _statement_of(tree: ast.Module, target: ast.AST) -> ast.AST:
    """The Assign holding a bound name, so `nn = None` can be told from other bindings."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(t is target for t in node.targets):
            return node
    return target


def _why_not_fixable(layer: Optional[Layer], plan: Optional[FixPlan]) -> Optional[str]:
    if layer is None:
        return "no layer in the file model matches this finding"
    if catalogue.is_lazy(layer.layer_type):
        return f"{layer.layer_type}'s weight does not exist until the first forward; initialise it after that"
    if layer.activation in NEVER_FIX_ACTIVATIONS:
        return NEVER_FIX_ACTIVATIONS[layer.activation]
    if layer.output_head and catalogue.FAMILY.get(layer.activation) in catalogue.HEAD_FAMILIES:
        act = catalogue.display_name(layer.activation, layer.activation_param)
        return f"the model returns this {act}'s output (an output head): its init is a choice, not a fact"
    if catalogue.recommend(layer.activation, layer.activation_param) is None:
        return f"no recommended init for {layer.activation}"
    if plan is None:
        return "the analysis found no place to insert the init"
    if plan.reason:
        return plan.reason
    if plan.insert_after_line < 1 or (not plan.loop_over and not plan.weight):
        return "the analysis gave an incomplete fix plan"
    if plan.indent.strip(" \t"):
        return "the analysis gave an indentation that is not whitespace"
    for expression in (plan.weight, plan.loop_over):
        if expression and not _is_expression(expression):
            return f"`{expression}` is not a Python expression, so no init line can name this layer"
    return None


def _shared_with_another_use(layer: Optional[Layer], here: list[Layer]) -> Optional[str]:
    """One statement builds this layer for several classes (a subclass keeps its base's
    `__init__`): an init there reaches each of them, so it must suit each."""
    for other in here:
        if other is not layer and layer is not None and \
                (other.activation, other.activation_param) != (layer.activation, layer.activation_param):  # fmt: skip
            act = catalogue.display_name(other.activation, other.activation_param)
            return f"this line also builds `{other.class_name}.{other.name}`, followed by {act}: one init here cannot suit both"
        if other is not layer and layer is not None and other.init != "default":
            # (its instances draw again after __init__, or may: an init here would be overwritten in them)
            return (f"this line also builds `{other.class_name}.{other.name}`, whose init is {other.init} "
                    f"({other.init_evidence}): an init here would not hold there")
    return None


def _is_expression(text: str) -> bool:
    try:
        ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


def _placement(
    layer: Layer, plan: FixPlan, file_model: FileModel, names: _Names, lines: Optional[list[str]], indents: dict[int, str]
) -> tuple[int, str, Optional[str], Optional[str]]:
    """(line to insert after, indentation, None, note) or (0, "", reason, None).

    Right after the statement that builds the layer, unless the layer's class owns an init
    routine: then after the last statement of `__init__`, so the call runs after whatever
    the routine does (a routine that re-runs `reset_parameters()` would undo an earlier
    one), but before the first statement that loads or copies weights (an init after
    `load_state_dict` would overwrite the checkpoint). No place when a `return` between the
    layer and that point could skip the call, when the model runs more code after a load,
    or when the layer is built inside a block. The note says so; it makes the fix unsafe,
    since the call now overrides the routine wherever the analysis misread what the routine
    covers."""
    # The statement ending on the anchor line decides the block, so its indentation wins
    # over the plan's (they only differ when the analysis miscounted).
    if plan.insert_after_line not in indents and not plan.indent and lines is not None and names.tree is not None:
        return 0, "", f"no statement ends on line {plan.insert_after_line}, where the layer is built", None
    here = (plan.insert_after_line, indents.get(plan.insert_after_line, plan.indent), None, None)
    module = next((m for m in file_model.modules if m.name == layer.class_name), None)
    if module is None or names.tree is None or lines is None:
        return here
    for holder, holder_routines in module.contained_by.items():
        # A class that builds this one and then runs an init routine (`self.apply(...)`) or
        # hands itself to a function may re-initialise the layer after its own __init__.
        holder_init = _class_init(names.tree, holder)
        handed = _functions_given_self(holder_init, 0) if holder_init is not None else []
        if not holder_routines and not handed:
            continue
        if holder_init is None or handed or not _routines_leave_alone(names.tree, holder_init, holder_routines, layer.layer_type):
            routines = ", ".join(dict.fromkeys([*holder_routines, *handed]))
            return 0, "", (
                f"{holder} builds {layer.class_name} and runs an init routine ({routines}) that may re-initialise "
                f"this layer afterwards: a fix in {layer.class_name} could be overwritten"
            ), None
    init = _enclosing_init(names.tree, layer.class_name, plan.insert_after_line)
    # A function the constructor hands the model to (`init_weights(self)` from another
    # file) may initialise this layer after it is built, as a routine of the class would.
    handed = _functions_given_self(init, plan.insert_after_line) if init is not None else []
    if not module.init_routines and not handed:
        return here
    if not handed and init is not None and _routines_leave_alone(names.tree, init, module.init_routines, layer.layer_type):
        return here  # every routine dispatches on types this layer is not: right after it, safe
    if not handed and init is not None and "reset_parameters" not in module.init_routines \
            and _last_code_on_self_before(init, plan.insert_after_line):  # fmt: skip
        return here  # the routines ran before this layer existed (`self.apply(...)`, then the layer): safe
    routines = ", ".join(dict.fromkeys([*module.init_routines, *handed]))
    if init is None or plan.loop_over or not plan.weight.startswith(f"{_self_name(init)}."):
        # A local name may be rebound before the routine runs: the call cannot move there.
        return 0, "", f"{layer.class_name} has an init routine ({routines}) that may run after this layer is built", None
    body = init.body
    at = _top_statement_ending_at(init, plan.insert_after_line)
    if at is None:
        # Built inside an `if`/loop of __init__: a call after the routine could run where it was not built.
        return 0, "", f"{layer.class_name} has an init routine ({routines}) and builds this layer inside a block: no place after the routine that runs only where the layer exists", None
    # The call must run after the routine and before anything that loads or copies weights,
    # and no `return` may lie between the layer and the call.
    closing = len(body) - 1 if isinstance(body[-1], ast.Return) and body[-1].value is None else len(body)
    stop = next((i for i in range(at + 1, closing) if _loads_weights(body[i]) or _exit_line(body[i])), closing)
    end = stop - 1
    if stop < closing:
        loads = _loads_weights(body[stop])
        later = next((stmt for stmt in body[stop + int(loads is not None) : closing] if _runs_code_on_self(stmt, _self_name(init))), None)
        if later is not None:
            what = f"loads weights at line {loads}" if loads else f"may return early at line {_exit_line(body[stop])}"
            return 0, "", (
                f"{layer.class_name}.__init__ {what}, before it runs more code on the model "
                f"(line {later.lineno}): no place after its init routine ({routines}) that "
                + ("a load cannot follow" if loads else "every path reaches")
            ), None
    note = f"it goes after {layer.class_name}'s init routine ({routines}); check that the routine leaves this layer alone"
    if end == at:
        return here[:3] + (note,)
    last = body[end]
    text = lines[last.lineno - 1] if last.lineno <= len(lines) else ""
    return last.end_lineno or last.lineno, re.match(r"[ \t]*", text).group(0), None, note


@dataclass
class _Routine:
    """An init that goes at the end of the class's own init routine, so it runs after whatever
    the routine does, every time the routine runs (again under meta-device loading, or from a
    user's `reset_parameters()`)."""

    routine: str
    anchor: int  # the routine body's last line
    indent: str  # its body's indentation
    weight: str  # the weight as the routine names it
    when: Optional[str] = None  # `module is self.fc1`: only this layer, in a routine over every module


def _into_routine(layer: Layer, plan: FixPlan, file_model: FileModel, names: _Names, lines: Optional[list[str]]) -> Optional[_Routine]:
    """Where the layer's class keeps its init in one routine that `__init__` runs after building
    the layer, the fix goes at the end of that routine, written as the routine is written:

    - `self.apply(self._init_weights)`, a method over every module (`_init_weights(self, m)`):
      `if m is self.fc1: <init>(m.weight)`, a branch that takes this layer and no other, so
      every other layer (a head, a layer of the same type) keeps what the routine gives it;
    - a method `__init__` calls with no arguments (`self.reset_parameters()`) that re-initialises
      weights: `<init>(self.fc1.weight)` as its last line.

    Only when the routine is proven to run after the layer is bound (both top-level statements of
    `__init__`, the layer's binding first), ends without a `return`, is the only routine
    of the class, and no class of the file that builds this one runs a routine of its own."""
    module = next((m for m in file_model.modules if m.name == layer.class_name), None)
    if module is None or names.tree is None or lines is None or plan.loop_over or any(module.contained_by.values()):
        return None
    init = _enclosing_init(names.tree, layer.class_name, plan.insert_after_line)
    if init is None or not plan.weight.startswith(f"{_self_name(init)}.") or not plan.weight.endswith(".weight"):
        return None
    if _functions_given_self(init, 0):
        return None
    self_name = _self_name(init)
    holder = plan.weight[: -len(".weight")]
    body = init.body
    at = next((i for i, stmt in enumerate(body) if _spans(stmt, plan.insert_after_line)), None)
    if at is None or isinstance(body[at], _COMPOUND) or (body[at].end_lineno or body[at].lineno) != plan.insert_after_line:
        return None
    cls = next((n for n in ast.walk(names.tree) if isinstance(n, ast.ClassDef) and init in n.body), None)
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)} if cls is not None else {}
    runs: list[tuple[int, str, bool]] = []  # (statement index in __init__, method, over every module)
    for index, stmt in enumerate(body):
        for node in _walk_same_function(stmt):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            if func == f"{self_name}.apply" and len(node.args) == 1 and not node.keywords:
                target = ast.unparse(node.args[0])
                runs.append((index, target[len(self_name) + 1 :] if target.startswith(f"{self_name}.") else "", True))
            elif func.startswith(f"{self_name}.") and func.count(".") == 1 and func[len(self_name) + 1 :] in methods \
                    and _touches_weights(methods[func[len(self_name) + 1 :]]):  # fmt: skip
                # with arguments it is no init routine this fix can end (`self._make_layer(64)`)
                runs.append((index, func[len(self_name) + 1 :] if not (node.args or node.keywords) else "", False))
    routines = set(module.init_routines) | {name for _, name, _ in runs}
    if len(runs) != 1 or len(routines) != 1:
        return None
    if set(module.init_routines) == routines and _routines_leave_alone(names.tree, init, module.init_routines, layer.layer_type):
        return None  # the routine leaves this layer alone: right after the layer, safe
    index, name, over_modules = runs[0]
    method = methods.get(name)
    stmt = body[index]
    if method is None or index <= at or isinstance(stmt, _COMPOUND) or _exit_line_anywhere(method):
        return None
    if any(_loads_weights(between) or _exit_line(between) for between in body[at + 1 : index]):
        return None  # the routine runs after a load (an init there would overwrite it) or not at all
    called = [n for n in ast.walk(cls) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith(f".{name}") and n not in _walk_same_function(stmt)]
    if any(n.lineno <= plan.insert_after_line for n in called if _spans(init, n.lineno)):
        return None  # run again before the layer exists
    params = [a.arg for a in method.args.args]
    if over_modules and len(params) != 2 or not over_modules and len(params) != 1:
        return None
    last = method.body[-1]
    first = method.body[0]
    text = lines[first.lineno - 1] if first.lineno <= len(lines) else ""
    indent = re.match(r"[ \t]*", text).group(0)
    own = params[0] + holder[len(self_name) :]  # self.fc1 as the routine's `self` spells it
    if over_modules:
        return _Routine(name, last.end_lineno or last.lineno, indent, f"{params[1]}.weight", f"{params[1]} is {own}")
    return _Routine(name, last.end_lineno or last.lineno, indent, f"{own}.weight")


def _survival_routine(
    layer: Layer, plan: FixPlan, file_model: FileModel, names: _Names, lines: Optional[list[str]], meta_line: int
) -> tuple[Optional[str], Optional[_Routine]]:
    """(why the init must live in a routine, the routine it goes in) where an init in `__init__`
    does not survive: a model deriving from transformers' PreTrainedModel (resolved base class;
    loading builds it on the meta device and runs `_init_weights` for what the checkpoint
    lacks) or a file that builds on the meta device / calls `to_empty()` (materialising runs
    `reset_parameters()`). (None, None) elsewhere; (why, None) when no routine can hold it: the
    caller then places it right after the layer as an unsafe fix that says why."""
    summary = file_model.summary
    classes = {fact.name: fact for fact in summary.classes.values()} if summary is not None else {}
    module = next((m for m in file_model.modules if m.name == layer.class_name), None)
    holders = [layer.class_name, *(module.contained_by if module is not None else ())]
    pretrained = [h for h in holders if h is not None and _derives_from_pretrained(h, classes)]
    if not pretrained and not meta_line:
        return None, None
    nameable = names.tree is not None and lines is not None and not plan.loop_over \
        and plan.weight.startswith("self.") and plan.weight.endswith(".weight")  # fmt: skip
    path = plan.weight[len("self.") : -len(".weight")] if nameable else ""
    if pretrained:
        why = (
            f"{pretrained[0]} derives from transformers' PreTrainedModel: loading builds it on the meta device and runs "
            "`_init_weights` for what the checkpoint lacks, so an init in __init__ is discarded"
        )
        if not nameable:
            return f"{why}; no line in `_init_weights` can name this layer", None
        # transformers runs `_init_weights` on the modules that hold parameters themselves (the
        # leaves) with `self` the model: only a layer the model class holds directly can be told
        # apart there, by identity; a sibling model class sharing the routine may lack it
        owner = _routine_owner(layer.class_name, "_init_weights", classes, names.tree) if layer.class_name in pretrained else None
        routine = _method(names.tree, owner, "_init_weights") if owner else None
        ran = module is not None and "_init_weights" in module.init_routines
        if routine is None or not ran or len(routine.args.args) != 2 or _exit_line_anywhere(routine) or not path.isidentifier():
            where = "a layer of a block inside it cannot be told apart in `_init_weights`" if routine is not None or owner else \
                "define `_init_weights` (run by post_init)"
            return f"{why}; {where}: initialise it there by hand", None
        model, var = routine.args.args[0].arg, routine.args.args[1].arg
        return why, _end_of(routine, lines, f"{var}.weight", f'{var} is getattr({model}, "{path}", None)')
    why = (
        f"the file builds on the meta device or materialises with `to_empty()` (line {meta_line}): the weights are "
        "initialised again after materialising (`reset_parameters()`), so an init in __init__ is discarded"
    )
    if not nameable:
        return f"{why}; initialise it in a routine that runs after materialising", None
    init = _enclosing_init(names.tree, layer.class_name, plan.insert_after_line)
    at = next((s for s in init.body if _spans(s, plan.insert_after_line)), None) if init is not None else None
    if at is None or isinstance(at, _COMPOUND) or (at.end_lineno or at.lineno) != plan.insert_after_line:
        return why + "; initialise it in the class's `reset_parameters`", None
    for name in ("reset_parameters", "_init_weights", "init_weights"):
        routine = _method(names.tree, layer.class_name, name)
        if routine is None or _exit_line_anywhere(routine) or len(routine.args.args) not in (1, 2):
            continue
        early = [n for n in _walk_same_function(init) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith(f".{name}")
                 and n.lineno <= plan.insert_after_line]  # fmt: skip
        if early:
            continue  # run before the layer exists
        params = [a.arg for a in routine.args.args]
        own = params[0] + plan.weight[len("self") : -len(".weight")]
        # whether it runs after the layers' own reset depends on the materialising code (a loop
        # over `modules()` resets each layer after its parent): the fix stays unsafe
        order = (
            f"the file builds on the meta device (line {meta_line}): the init goes in `{name}`, which "
            "takes effect only if materialising runs it after each layer's own reset"
        )
        if len(params) == 1:
            return order, _end_of(routine, lines, f"{own}.weight", None)
        return order, _end_of(routine, lines, f"{params[1]}.weight", f"{params[1]} is {own}")
    return why + "; define `reset_parameters` and initialise it there", None


def _derives_from_pretrained(class_name: Optional[str], classes: dict, seen: Optional[set] = None) -> bool:
    """Whether a class of the file derives from transformers' PreTrainedModel, by its bases' resolved
    names (`transformers.PreTrainedModel`, through the file's own classes), never by spelling."""
    seen = seen if seen is not None else set()
    fact = classes.get(class_name)
    if fact is None or class_name in seen:
        return False
    seen.add(class_name)
    for base in fact.bases:
        if catalogue.is_transformers(base, catalogue.TRANSFORMERS_PRETRAINED):
            return True
        if base.startswith("local:") and _derives_from_pretrained(base[len("local:") :], classes, seen):
            return True
    return False


def _routine_owner(class_name: str, routine: str, classes: dict, tree: ast.Module, seen: Optional[set] = None) -> Optional[str]:
    """The class of this file, `class_name` or one of its bases, whose `routine` it runs."""
    seen = seen if seen is not None else set()
    if class_name in seen or class_name not in classes:
        return None
    seen.add(class_name)
    if _method(tree, class_name, routine) is not None:
        return class_name
    for base in classes[class_name].bases:
        if base.startswith("local:"):
            found = _routine_owner(base[len("local:") :], routine, classes, tree, seen)
            if found:
                return found
    return None


def _method(tree: ast.Module, class_name: Optional[str], name: str) -> Optional[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            return next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == name and s.args.args), None)
    return None


def _end_of(routine: ast.FunctionDef, lines: list[str], weight: str, when: Optional[str]) -> _Routine:
    first, last = routine.body[0], routine.body[-1]
    text = lines[first.lineno - 1] if first.lineno <= len(lines) else ""
    return _Routine(routine.name, last.end_lineno or last.lineno, re.match(r"[ \t]*", text).group(0), weight, when)


def _touches_weights(method: ast.FunctionDef) -> bool:
    """Whether a method may (re-)initialise parameters: it calls `reset_parameters`, `apply`, an
    init function, or writes into a tensor's data."""
    for node in _walk_same_function(method):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if "reset_parameters" in name or name == "apply" or "init" in name.lower() or name.endswith("_") and name[:1] != "_":
                return True
        elif isinstance(node, ast.Attribute) and node.attr == "data":
            return True
    return False


def _exit_line_anywhere(fn: ast.FunctionDef) -> bool:
    """A `return` in the routine's own body would skip a line appended at its end."""
    return any(isinstance(n, ast.Return) for stmt in fn.body for n in _walk_same_function(stmt))


# Calls that put stored values into parameters: an init that runs after them overwrites what
# they loaded. A callee whose name contains "load" (torch.load, load_checkpoint,
# load_pretrained...) counts, so a project's own loader is not missed.
_WEIGHT_COPIES = frozenset({"copy_", "from_pretrained", "set_", "load_state_dict"})


def _loads_weights(stmt: ast.stmt) -> Optional[int]:
    """The line where running `stmt` may load or copy values into parameters, if it may."""
    for node in _walk_same_function(stmt):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _WEIGHT_COPIES or "load" in name.lower():
                return node.lineno
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                while isinstance(target, ast.Subscript):
                    target = target.value
                if isinstance(target, ast.Attribute) and target.attr in ("weight", "bias", "data"):
                    return node.lineno  # self.fc.weight = nn.Parameter(torch.load(...)), w.data = ...
    return None


def _runs_code_on_self(stmt: ast.stmt, self_name: str, submodules: bool = False) -> bool:
    """Whether `stmt` calls a method of the model or hands the model to a function (an init
    routine may be behind either); with `submodules`, of a module it holds too (`self.x.apply`,
    `f(self.x)`)."""
    for node in _walk_same_function(stmt):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if submodules and (_rooted_at(func, self_name) or any(_rooted_at(arg, self_name) for arg in node.args)):
            return True
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self_name:
            return True
        if any(isinstance(arg, ast.Name) and arg.id == self_name for arg in node.args):
            return True
    return False


def _last_code_on_self_before(init: ast.FunctionDef, line: int) -> bool:
    """Whether the statement of `__init__` ending on `line` is at its top level and no statement
    after it calls a method of the model (`self.apply`, `self.x.apply`, `self.modules()`, a routine)
    or hands the model to a function: every init routine then ran before the layer was built."""
    at = _top_statement_ending_at(init, line)
    if at is None:
        return False
    self_name = _self_name(init)
    return not any(_runs_code_on_self(stmt, self_name, submodules=True) for stmt in init.body[at + 1 :])


def _top_statement_ending_at(init: ast.FunctionDef, line: int) -> Optional[int]:
    """The index of the simple top-level statement of `init` that ends on `line`, else None (the
    line is inside an `if`/loop, or no statement ends there)."""
    body = init.body
    at = next((i for i, stmt in enumerate(body) if _spans(stmt, line)), None)
    if at is None or isinstance(body[at], _COMPOUND) or (body[at].end_lineno or body[at].lineno) != line:
        return None
    return at


def _rooted_at(node: ast.AST, name: str) -> bool:
    """`self`, `self.x`, `self.x.apply`: an expression that starts at the name `name`."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return isinstance(node, ast.Name) and node.id == name


def _exit_line(stmt: ast.stmt) -> Optional[int]:
    """The line of a `return` inside `stmt` (not in a nested function), if any."""
    for node in _walk_same_function(stmt):
        if isinstance(node, ast.Return):
            return node.lineno
    return None


def _walk_same_function(node: ast.AST) -> Iterable[ast.AST]:
    """`node` and what it holds, without the bodies of nested functions, lambdas and classes."""
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        for child in ast.iter_child_nodes(item):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


# torch.nn classes a layer of another type is never an instance of (so an `isinstance(m, X)`
# branch on them provably leaves it alone).
_OTHER_MODULES = frozenset(
    {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm1d",
     "InstanceNorm2d", "InstanceNorm3d", "LocalResponseNorm", "Embedding", "EmbeddingBag", "LSTM", "GRU", "RNN",
     "LSTMCell", "GRUCell", "RNNCell", "MultiheadAttention", "PReLU", "Bilinear"}
)  # fmt: skip


def _routines_leave_alone(tree: ast.Module, init: ast.FunctionDef, routines: list[str], layer_type: str) -> bool:
    """Whether every init routine of the class provably does nothing to a `layer_type` layer:
    each is a method of the class (or a loop of `__init__` over `self.modules()`) whose body
    is only `if isinstance(m, X): ...` / `elif isinstance(m, (X, Y)): ...` branches, no
    `else`, every X a torch.nn class other than the layer's own (never a local class or a
    base class, which a subclass could match). Anything else: not proven."""
    others = (set(catalogue.LAYER_TYPES) | _OTHER_MODULES) - {layer_type, f"Lazy{layer_type}"}
    cls = next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and init in n.body), None)
    if cls is None:
        return False
    methods = {n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    self_name = _self_name(init)
    for routine in dict.fromkeys(routines):
        if routine == init.name:
            loops = [
                n for n in _walk_same_function(init) if isinstance(n, ast.For)
                and isinstance(n.iter, ast.Call) and ast.unparse(n.iter.func) == f"{self_name}.modules"
            ]  # fmt: skip
            if not loops or not all(isinstance(n.target, ast.Name) and _dispatches_away(n.body, n.target.id, others) for n in loops):
                return False
            continue
        method = methods.get(routine)
        params = [a.arg for a in method.args.args] if method is not None else []
        if method is None or len(params) != 2 or not _dispatches_away(method.body, params[1], others):
            return False
        # the routine must reach the layers only through `self.apply(self.<routine>)`
        applied = [
            n for n in _walk_same_function(init) if isinstance(n, ast.Call)
            and ast.unparse(n.func) == f"{self_name}.apply" and n.args and ast.unparse(n.args[0]) == f"{self_name}.{routine}"
        ]  # fmt: skip
        called = [n for n in ast.walk(cls) if isinstance(n, ast.Call) and ast.unparse(n.func) == f"{self_name}.{routine}"]
        if not applied or called:
            return False
    return True


def _dispatches_away(body: list[ast.stmt], var: str, others: set[str]) -> bool:
    """`body` is only isinstance(var, X) if/elif chains (a docstring, `pass`), no `else`, every X in `others`."""
    for stmt in body:
        if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
            continue
        while isinstance(stmt, ast.If):
            test = stmt.test
            if not (isinstance(test, ast.Call) and ast.unparse(test.func) == "isinstance" and len(test.args) == 2
                    and isinstance(test.args[0], ast.Name) and test.args[0].id == var):  # fmt: skip
                return False
            kinds = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
            if not all(isinstance(k, (ast.Attribute, ast.Name)) and ast.unparse(k).split(".")[-1] in others for k in kinds):
                return False
            if not stmt.orelse:
                break
            if len(stmt.orelse) != 1 or not isinstance(stmt.orelse[0], ast.If):
                return False  # an `else:` reaches every other module
            stmt = stmt.orelse[0]
        else:
            return False
    return True


_BUILTINS_GIVEN_SELF = frozenset(
    {"isinstance", "issubclass", "hasattr", "getattr", "setattr", "delattr", "super", "print", "id", "type", "len",
     "repr", "str", "vars", "dir", "callable", "hash", "format"}
)  # fmt: skip


def _functions_given_self(init: ast.FunctionDef, after: int) -> list[str]:
    """Names of functions that statements of `init` after line `after` call with the model
    as an argument (`initialize_weights(self)`); builtins that only look at it excluded."""
    self_name = _self_name(init)
    found = []
    for stmt in init.body:
        if stmt.lineno <= after:
            continue
        for node in _walk_same_function(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in _BUILTINS_GIVEN_SELF:
                if any(isinstance(arg, ast.Name) and arg.id == self_name for arg in node.args):
                    found.append(node.func.id)
    return found


def _meta_device_line(tree: Optional[ast.Module]) -> int:
    """The first line that builds on the meta device or materialises with `to_empty()`, or 0."""
    found = []
    for node in ast.walk(tree) if tree is not None else ():
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr == "to_empty":
            found.append(node.lineno)
            continue
        values = [*node.args[:1]] if _spelled_ending(node.func, "device") else []
        values += [k.value for k in node.keywords if k.arg == "device"]
        if any(isinstance(v, ast.Constant) and v.value == "meta" for v in values):
            found.append(node.lineno)
    return min(found, default=0)


def _spelled_ending(node: ast.expr, suffix: str) -> bool:
    """ast.unparse(node).endswith(suffix), without unparsing a plain name or attribute."""
    if isinstance(node, ast.Name):
        return node.id.endswith(suffix)
    if isinstance(node, ast.Attribute):
        return node.attr.endswith(suffix)
    return ast.unparse(node).endswith(suffix)


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, getattr(ast, "match_case", ast.stmt))


def _class_init(tree: ast.Module, class_name: str) -> Optional[ast.FunctionDef]:
    """The `__init__` of the (first) class called `class_name`, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" and stmt.args.args:
                    return stmt
    return None


def _enclosing_init(tree: ast.Module, class_name: Optional[str], line: int) -> Optional[ast.FunctionDef]:
    """The `__init__` of class `class_name` (at any depth) whose body holds `line`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for stmt in node.body:
                if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" and _spans(stmt, line) and stmt.args.args:
                    return stmt
    return None


def _self_name(fn: ast.FunctionDef) -> str:
    return fn.args.args[0].arg


def _init_module(file_model: FileModel, names: _Names, line: int) -> tuple[Optional[str], Optional[str]]:
    """How to spell torch.nn.init at `line`: (spelling, None); (None, None) when `import torch`
    must be added; (None, reason) when no spelling is safe there.

    The file's alias for torch.nn.init comes first, then `<nn alias>.init` (torch.nn imports
    init), then `torch.nn.init`. A spelling counts only if its first name means the same
    thing wherever the call runs, as ruff's F811 and mypy see the module: not shadowed by a
    local binding where the call goes (a parameter called `init`), and bound at module level
    only by imports of the right module (a later `def init(model)` or `nn = None` rebinds
    it). `nn = None` in an `except ImportError:` is allowed when the statement the call
    follows itself reads `nn.`: the name is then provably the module there. A file that
    imports torch under `try` never gets a new `import torch` (torch would become a hard
    dependency)."""
    local = names.local_at(line) if names.tree is not None else set()
    candidates = [file_model.init_alias, f"{file_model.nn_alias}.init" if file_model.nn_alias else None]
    for spelling in candidates:
        if spelling and spelling.split(".")[0] not in local and names.means(spelling, "torch.nn.init", line):
            return spelling, None
    if "torch" in local:
        return None, "every spelling of torch.nn.init is shadowed by a local name where the init goes"
    if names.means("torch.nn.init", "torch.nn.init", line):
        return "torch.nn.init", None
    if "torch" in names.module_level:
        return None, "the file binds the name `torch` to something other than the torch module, so `import torch` cannot be added"
    if names.torch_guarded():
        return None, (
            "the file imports torch under `try: ... except ImportError`, and no spelling of torch.nn.init is "
            "provably bound where the init goes: adding `import torch` would make torch a hard dependency"
        )
    return None, None


def _init_lines(
    layer: Layer, plan: FixPlan, init_module: str, opts: FixOptions, indent: str, names: _Names, inside: Optional["_Routine"] = None
) -> list[str]:
    """The inserted statements, without the anchor's indentation (nested bodies indented)."""
    rec = catalogue.recommend(layer.activation, layer.activation_param)
    assert rec is not None
    unit = _indent_unit(names.first_indent(), indent)
    if inside is not None:
        return catalogue.init_code(rec, inside.weight, init_module, opts.distribution, opts.mode, opts.bias, None, unit, inside.when)
    weight = f"{_free_name(names.everywhere())}.weight" if plan.loop_over else plan.weight
    return catalogue.init_code(rec, weight, init_module, opts.distribution, opts.mode, opts.bias, plan.loop_over, unit)


def _simple_statement_indents(tree: ast.Module, lines: list[str]) -> dict[int, str]:
    """For each line a simple statement ends on, the indentation of the innermost such
    statement (as written: tabs stay tabs)."""
    found: dict[int, tuple[int, str]] = {}
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                continue
            if isinstance(child, _COMPOUND):
                stack.append((child, depth + 1))
                continue
            end = child.end_lineno or child.lineno
            text = lines[child.lineno - 1] if child.lineno <= len(lines) else ""
            indent = re.match(r"[ \t\f]*", text).group(0).rpartition("\f")[2]  # a form feed resets the column
            if end not in found or found[end][0] < depth:
                found[end] = (depth, indent)
    return {line: indent for line, (_, indent) in found.items()}


def _indent_unit(first_indent: str, indent: str) -> str:
    """One level of indentation for a nested body: the file's own first INDENT, if it uses
    the same character as the anchor's indentation; else a tab or four spaces."""
    char = "\t" if "\t" in indent else " "
    fallback = "\t" if char == "\t" else "    "
    return first_indent if first_indent and set(first_indent) == {char} else fallback


def _free_name(used: set[str]) -> str:
    """A loop variable name bound or read nowhere in the file."""
    for name in LOOP_VARIABLE_NAMES:
        if name not in used:
            return name
    index = 0
    while f"_layer{index}" in used:
        index += 1
    return f"_layer{index}"


def _top_anchor(tree: Optional[ast.Module], lines: list[str]) -> int:
    """The line a new import goes after in a file with no import block: after the module
    docstring and `from __future__` imports, else after the leading comments and blank lines
    (shebang, coding cookie, licence header stay first)."""
    anchor = 0
    for index, stmt in enumerate(tree.body if tree is not None else []):
        is_docstring = (
            index == 0
            and isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
        )
        is_future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if not (is_docstring or is_future):
            break
        anchor = stmt.end_lineno or stmt.lineno
    if anchor:
        return anchor
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text and not text.startswith("#"):
            return number - 1
    return len(lines)


def _insert_after(lines: Optional[list[str]], anchor: int, statements: list[str], indent: str) -> Edit:
    """An Edit inserting `statements` as whole lines after line `anchor`, ending them like it."""
    newline = "\n"
    if lines is not None and 0 < anchor <= len(lines):
        newline = line_ending(lines[anchor - 1]) or _first_ending(lines)
    elif lines:
        newline = _first_ending(lines)
    body = "".join(f"{indent}{statement}{newline}" for statement in statements)
    if lines is not None and anchor == len(lines) and lines and not line_ending(lines[-1]):
        # The anchor is the last line and has no line ending: start a new line, add none at the end.
        end_column = len(lines[-1]) + 1
        return Edit(newline + body[: -len(newline)], anchor, end_column, anchor, end_column)
    return Edit(body, anchor + 1, 1, anchor + 1, 1)


# --------------------------------------------------------------------------------------
# Text


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split only where Python's tokenizer ends a line."""
    return _LINE.findall(text)


def line_ending(line: str) -> str:
    match = _ENDING.search(line)
    return match.group(1) if match else ""


def _first_ending(lines: list[str]) -> str:
    for line in lines:
        ending = line_ending(line)
        if ending:
            return ending
    return "\n"


def _offset(starts: list[int], lines: list[str], text_length: int, line: int, column: int) -> int:
    if line == len(lines) + 1 and column == 1:
        return text_length
    if not 1 <= line <= len(lines):
        raise ValueError(f"edit position {line}:{column} is outside the text ({len(lines)} lines)")
    content = lines[line - 1]
    width = len(content) - len(line_ending(content))
    if not 1 <= column <= width + 1:
        raise ValueError(f"edit position {line}:{column} is outside line {line} ({width} characters)")
    return starts[line - 1] + column - 1


def _edit_spans(text: str, edits: Iterable[Edit]) -> list[tuple[int, int, str]]:
    """(start, end, content) character offsets, sorted by position; edits at one position
    keep the order given."""
    lines = split_lines(text)
    starts, position = [], 0
    for line in lines:
        starts.append(position)
        position += len(line)
    spans = []
    for order, edit in enumerate(edits):
        start = _offset(starts, lines, len(text), edit.line, edit.column)
        end = _offset(starts, lines, len(text), edit.end_line, edit.end_column)
        if end < start:
            raise ValueError(f"edit ends before it starts at {edit.line}:{edit.column}")
        spans.append((start, end, order, edit.content))
    spans.sort(key=lambda span: (span[0], span[1], span[2]))
    for (_, end, _, _), (start, _, _, _) in zip(spans, spans[1:]):
        if start < end:
            raise ValueError("edits overlap")
    return [(start, end, content) for start, end, _, content in spans]


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """`text` with `edits` applied (1-based lines and columns, columns in characters).
    Several inserts at one position go in the order given. Raises ValueError on edits that
    overlap or point outside the text."""
    out, cursor = [], 0
    for start, end, content in _edit_spans(text, edits):
        out.append(text[cursor:start])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def diff_text(path: str, old: str, new: str) -> str:
    """A unified diff, as `--diff` prints it ("" when nothing changes)."""
    if old == new:
        return ""
    out = []
    for line in difflib.unified_diff(split_lines(old), split_lines(new), fromfile=path, tofile=path, lineterm="\n"):
        out.append(line)
        if line[:1] in " +-" and not line.startswith(("--- ", "+++ ")) and not line_ending(line):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


# --------------------------------------------------------------------------------------
# The safety check


def _parse(text: str) -> ast.Module:
    """ast.parse without the SyntaxWarnings of user code (`1()`, invalid escapes) on stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


class UnsafeFix(Exception):
    """The fixed text is not the original plus exactly the intended statements."""


def check_fix(old: str, new: str, edits: list[Edit]) -> None:
    """Raise UnsafeFix unless `new` is `old` with `edits` (pure insertions of whole
    statements) applied and nothing else changed in its syntax tree.

    Checks: `new` equals apply_edits(old, edits); it compiles; every inserted line range
    parses to exactly the statements its content says; with those statements removed the
    new AST dumps equal to the old one; an inserted `import` lies at module level; any other
    inserted block directly follows, in the same block, a simple statement ending on the
    line the insertion follows.
    """
    if any((e.line, e.column) != (e.end_line, e.end_column) for e in edits):
        raise UnsafeFix("only insertions can be checked")
    try:
        expected = apply_edits(old, edits)
    except ValueError as error:
        raise UnsafeFix(str(error)) from None
    if expected != new:
        raise UnsafeFix("the fixed text is not the original with the edits applied")
    try:
        old_tree = _parse(old)
    except (SyntaxError, ValueError) as error:
        raise UnsafeFix(f"the original does not parse: {error}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new, "<fixed>", "exec", dont_inherit=True)
        new_tree = _parse(new)
    except (SyntaxError, ValueError) as error:
        raise UnsafeFix(f"the fixed text does not compile: {error}") from None

    blocks = _inserted_blocks(old, edits)
    found: list[list[ast.stmt]] = [[] for _ in blocks]
    _remove_inserted(new_tree, blocks, found)
    for block, statements in zip(blocks, found):
        if [ast.dump(s) for s in statements] != block.intended:
            raise UnsafeFix(f"the lines inserted at {block.first}-{block.last} do not parse as intended")
    if ast.dump(new_tree) != ast.dump(old_tree):
        raise UnsafeFix("the fixed file's syntax tree differs from the original beyond the inserted statements")


@dataclass
class _Block:
    first: int  # new-text line numbers of the inserted code
    last: int
    anchor: int  # new-text line the original statement before it must end on (0: none)
    intended: list[str]  # ast.dump of each statement the content should parse to
    is_import: bool


def _inserted_blocks(old: str, edits: list[Edit]) -> list[_Block]:
    blocks = []
    new_breaks = 0  # line breaks in the new text before the current position
    cursor = 0
    anchors: dict[int, int] = {}
    for start, _, content in _edit_spans(old, edits):
        new_breaks += _count_line_breaks(old[cursor:start])
        cursor = start
        at_line_start = _starts_line(old, start)
        # The line the insertion follows, fixed by the first insert at this position.
        anchor = anchors.setdefault(start, new_breaks if at_line_start else new_breaks + 1)
        lead = len(content) - len(content.lstrip("\r\n"))
        leading_breaks = _count_line_breaks(content[:lead])
        if not at_line_start and not leading_breaks:
            raise UnsafeFix("an insertion does not start a new line")
        code = content[lead:]
        if code and not line_ending(code) and start != len(old):
            raise UnsafeFix("an insertion does not end its last line")
        code_lines = split_lines(code)
        first = new_breaks + 1 + leading_breaks
        try:
            parsed = _parse(textwrap.dedent("".join(code_lines)))
        except (SyntaxError, ValueError) as error:
            raise UnsafeFix(f"the inserted text does not parse on its own: {error}") from None
        if not parsed.body:
            raise UnsafeFix("an insertion holds no statement")
        is_import = all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in parsed.body)
        blocks.append(_Block(first, first + len(code_lines) - 1, anchor, [ast.dump(s) for s in parsed.body], is_import))
        new_breaks += _count_line_breaks(content)
    return blocks


def _remove_inserted(node: ast.AST, blocks: list[_Block], found: list[list[ast.stmt]]) -> None:
    """Take the inserted statements out of every statement list under `node`, checking
    where each block sits; collect them per block in `found`."""
    by_line = {n: i for i, b in enumerate(blocks) for n in range(b.first, b.last + 1)}
    _walk_remove(node, blocks, by_line, found)


def _walk_remove(node: ast.AST, blocks: list[_Block], by_line: dict[int, int], found: list[list[ast.stmt]]) -> None:
    for _, value in ast.iter_fields(node):
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            kept = []
            previous: Optional[ast.stmt] = None  # the last original statement so far
            for stmt in value:
                end = stmt.end_lineno or stmt.lineno
                index = by_line.get(stmt.lineno)
                if index is None:
                    kept.append(stmt)
                    previous = stmt
                    continue
                block = blocks[index]
                if end > block.last:
                    raise UnsafeFix(f"the statement inserted at line {stmt.lineno} runs past its inserted lines")
                _check_placement(block, stmt, node, previous)
                found[index].append(stmt)
            value[:] = kept
            for stmt in kept:
                _walk_remove(stmt, blocks, by_line, found)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    _walk_remove(item, blocks, by_line, found)
        elif isinstance(value, ast.AST):
            _walk_remove(value, blocks, by_line, found)


def _count_line_breaks(text: str) -> int:
    return sum(1 for line in split_lines(text) if line_ending(line))


def _starts_line(text: str, offset: int) -> bool:
    if offset == 0:
        return True
    before = text[offset - 1]
    return before == "\n" or before == "\r" and text[offset : offset + 1] != "\n"


_COMPOUND = tuple(
    getattr(ast, name)
    for name in (
        "If", "For", "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar", "Match",
        "FunctionDef", "AsyncFunctionDef", "ClassDef",
    )
    if hasattr(ast, name)
)  # fmt: skip


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _check_placement(block: _Block, stmt: ast.stmt, parent: ast.AST, previous: Optional[ast.stmt]) -> None:
    if block.is_import:
        if not isinstance(parent, ast.Module):
            raise UnsafeFix(f"the import inserted at line {stmt.lineno} is not at module level")
        return
    # An init follows a statement of a function body or of module code; after a `def` or a
    # `class` (a class body, or between definitions) it was never meant to go.
    if previous is None or isinstance(previous, _DEFINITIONS) or isinstance(parent, ast.ClassDef):
        raise UnsafeFix(f"the init inserted at line {stmt.lineno} does not follow a statement of a function body or module code")
    if (previous.end_lineno or previous.lineno) != block.anchor:
        raise UnsafeFix(f"the init inserted at line {stmt.lineno} does not directly follow the statement it fixes")


# --------------------------------------------------------------------------------------
# Applying fixes to a text and to a file


@dataclass
class FixResult:
    """What fixing one file (or stdin) did."""

    path: str
    old_text: str
    new_text: str
    fixed: list[Finding] = field(default_factory=list)  # findings whose fix went in
    edits: list[Edit] = field(default_factory=list)  # what was inserted, merged and ordered
    error: Optional[FileError] = None  # the file was left untouched
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text

    def diff(self) -> str:
        return diff_text(self.path, self.old_text, self.new_text)


def fixable(findings: Iterable[Finding], unsafe: bool = False) -> list[Finding]:
    """Findings with a fix that this run applies (safe ones; unsafe ones too with `unsafe`)."""
    allowed = ("safe", "unsafe") if unsafe else ("safe",)
    return [f for f in findings if f.fix is not None and f.fix.applicability in allowed and f.fix.edits]


def _collect_edits(text: str, findings: list[Finding]) -> list[Edit]:
    """The edits of `findings` in source order of their layers; an edit shared by several
    fixes (the added import) goes in once; each insert takes its anchor line's ending."""
    lines = split_lines(text)
    seen: set[tuple] = set()
    edits = []
    for finding in sorted(findings, key=lambda f: (f.line, f.column, f.code)):
        assert finding.fix is not None
        for edit in finding.fix.edits:
            key = (edit.line, edit.column, edit.end_line, edit.end_column, edit.content)
            if key in seen:
                continue
            seen.add(key)
            edits.append(_with_anchor_ending(lines, edit))
    # The import goes before the inits inserted at the same place.
    edits.sort(key=lambda e: (e.line, e.column, not _is_import_edit(e)))
    return edits


def _is_import_edit(edit: Edit) -> bool:
    return edit.content.strip().startswith(("import ", "from "))


def _with_anchor_ending(lines: list[str], edit: Edit) -> Edit:
    """Re-end the inserted lines like the line they follow (mixed files: the anchor decides)."""
    if edit.column != 1 or edit.line < 2 or edit.line - 2 >= len(lines):
        return edit
    ending = line_ending(lines[edit.line - 2])
    if not ending:
        return edit
    content = re.sub(r"\r\n|\r|\n", lambda _: ending, edit.content)
    return Edit(content, edit.line, edit.column, edit.end_line, edit.end_column)


def is_comment_edit(edit: Edit) -> bool:
    """An edit within one line that does not start a statement (a `# noqa` added, codes
    merged into one or taken out): fix_source checks it changes comments only. Every other
    edit inserts whole statements."""
    return edit.line == edit.end_line and "\n" not in edit.content and "\r" not in edit.content


def _code_tokens(text: str) -> list[tuple[int, str]]:
    """The tokens of `text` but comments and blank-line breaks: equal lists mean that only
    comments differ. Raises UnsafeFix when the text does not tokenize."""
    try:
        return [
            (token.type, token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type not in (tokenize.COMMENT, tokenize.NL)
        ]
    except (tokenize.TokenError, SyntaxError) as error:
        raise UnsafeFix(f"the text does not tokenize: {error}") from None


def check_comment_edits(old: str, new: str) -> None:
    """Raise UnsafeFix unless `new` differs from `old` in comments only."""
    if _code_tokens(old) != _code_tokens(new):
        raise UnsafeFix("an edit meant for a comment changes code")


def _shift_columns(insertions: list[Edit], comment_edits: list[Edit]) -> list[Edit]:
    """Insertion positions after the comment edits went in (columns on their line move)."""
    out = []
    for edit in insertions:
        delta = sum(
            len(c.content) - (c.end_column - c.column)
            for c in comment_edits
            if c.line == edit.line and c.end_line == c.line and c.end_column <= edit.column
        )
        out.append(Edit(edit.content, edit.line, edit.column + delta, edit.end_line, edit.end_column + delta) if delta else edit)
    return out


def fix_source(source: str, findings: Iterable[Finding], path: str = "-", unsafe: bool = False) -> FixResult:
    """Apply the applicable fixes of `findings` to `source` and check the result. On a
    failed check the text is returned unchanged with an error. Comment edits (a `# noqa`
    cleaned up) are checked to change comments only; inserted statements as check_fix says."""
    chosen = fixable(findings, unsafe)
    result = FixResult(path, source, source)
    if not chosen:
        return result
    try:
        edits = _collect_edits(source, chosen)
        new = apply_edits(source, edits)
        comments = [e for e in edits if is_comment_edit(e)]
        insertions = [e for e in edits if not is_comment_edit(e)]
        commented = source
        if comments:
            commented = apply_edits(source, comments)
            check_comment_edits(source, commented)
        if insertions:
            check_fix(commented, new, _shift_columns(insertions, comments))
    except (UnsafeFix, ValueError) as error:
        result.error = FileError(path, f"internal error: the fix was not applied because it failed the safety check: {error}")
        return result
    result.new_text = new
    result.fixed = chosen
    result.edits = edits
    return result


@dataclass
class DecodedSource:
    text: str  # decoded without newline translation, BOM removed
    encoding: str  # the codec the bytes use (PEP 263 cookie, BOM or utf-8)
    bom: bool


def decode_source(data: bytes) -> DecodedSource:
    """Decode Python source bytes as the interpreter does, keeping line endings as they are
    (sources.decode; raises sources.ReadError)."""
    text, encoding, bom = sources.decode(data)
    return DecodedSource(text, encoding, bom)


def _same_text(analysed: str, current: str) -> bool:
    """Whether the text the findings were computed on is the file's current text, allowing
    for a reader that translated newlines (line numbers are the same either way)."""
    if analysed == current:
        return True
    normalise = lambda s: s.replace("\r\n", "\n").replace("\r", "\n")  # noqa: E731
    return normalise(analysed) == normalise(current)


def fix_file(
    path: str,
    findings: Iterable[Finding],
    expected: Union[str, bytes, None] = None,
    unsafe: bool = False,
    write: bool = True,
) -> FixResult:
    """Fix one file in place. `expected` is what the findings were computed from (the bytes
    read, or the text decoded from them): if the file no longer holds it, nothing is written
    and the result carries a FileError. With `write=False` only the new text is computed
    (for `--diff`). Never raises for file problems: they come back as `result.error`."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        decoded = decode_source(data)
    except (OSError, sources.ReadError) as error:
        text = expected if isinstance(expected, str) else ""
        return FixResult(path, text, text, error=FileError(path, f"cannot read the file to fix it: {error}"))
    if isinstance(expected, bytes) and expected != data or isinstance(expected, str) and not _same_text(
        expected, decoded.text
    ):
        return FixResult(
            path, decoded.text, decoded.text, error=FileError(path, "the file changed on disk since it was read; not fixed")
        )
    result = fix_source(decoded.text, findings, path, unsafe)
    if result.error or not result.changed:
        return result
    try:
        new_bytes = _splice_bytes(data, decoded, result.old_text, result.edits)
    except (UnsafeFix, UnicodeEncodeError) as error:
        return _failed(result, f"internal error: the fix cannot be written in the file's encoding: {error}")
    if not write:
        return result
    try:
        write_atomic(path, new_bytes, data)
    except WriteRefused as error:
        return _failed(result, str(error))
    result.written = True
    return result


def _failed(result: FixResult, message: str) -> FixResult:
    result.error = FileError(result.path, message)
    result.new_text = result.old_text
    result.fixed = []
    result.edits = []
    return result


def _splice_bytes(data: bytes, decoded: DecodedSource, text: str, edits: list[Edit]) -> bytes:
    """Put each edit's content, encoded alone, into the original bytes in place of the span
    it replaces (nothing, for an insertion): everything else stays byte for byte. Verified by decoding the result and compiling it."""
    prefix = len(_BOM) if decoded.bom else 0
    out, cursor = [], prefix
    for start, end, content in _edit_spans(text, edits):
        at = prefix + len(text[:start].encode(decoded.encoding))
        out.append(data[cursor:at])
        out.append(content.encode(decoded.encoding))
        cursor = prefix + len(text[:end].encode(decoded.encoding))
    out.append(data[cursor:])
    new_bytes = data[:prefix] + b"".join(out)
    expected = apply_edits(text, edits)
    try:
        round_trip = decode_source(new_bytes).text
    except sources.ReadError as error:
        raise UnsafeFix(f"the encoded result does not decode: {error}") from None
    if round_trip != expected:
        raise UnsafeFix("the encoded result does not decode to the fixed text")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new_bytes, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise UnsafeFix(f"the encoded result does not compile: {error}") from None
    return new_bytes


# --------------------------------------------------------------------------------------
# Writing


class WriteRefused(Exception):
    """The file could not or must not be written; the message says why."""


def _is_read_only(path: str, st: os.stat_result) -> bool:
    # root passes os.access for everything, so the mode bits are asked too.
    return not (st.st_mode & 0o222) or not os.access(path, os.W_OK)


def write_atomic(path: str, data: bytes, expected: Optional[bytes] = None) -> None:
    """Replace the file at `path` (through symlinks) with `data`: temp file in the same
    folder, fsync, os.replace; mode bits, owner and extended attributes kept. Refuses
    (WriteRefused) a read-only file and, when `expected` is given, a file whose bytes are
    no longer `expected`. Where a rename cannot or must not replace the file (hard links,
    a bind-mounted file, a folder where no file can be created), it is written in place
    instead (_write_in_place), as black does, whole or not at all."""
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
        if not stat.S_ISREG(st.st_mode):
            raise WriteRefused(f"{path}: not a regular file; not fixed")
        if _is_read_only(real, st):
            raise WriteRefused("the file is read-only; not fixed")
        if expected is not None:
            with open(real, "rb") as handle:
                if handle.read() != expected:
                    raise WriteRefused("the file changed on disk since it was read; not fixed")
    except OSError as error:
        raise WriteRefused(f"cannot write the fixed file: {error}") from None
    if st.st_nlink > 1:
        _write_in_place(real, data, expected)  # a new inode would cut the file from its other names
        return
    folder, name = os.path.split(real)
    try:
        # the name shortened: a 240-character file name leaves no room for a longer one
        fd, temp = tempfile.mkstemp(prefix=f".{name[:64]}.", suffix=".initlint-tmp", dir=folder or ".")
    except OSError:
        _write_in_place(real, data, expected)  # a folder where no file can be created
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(st.st_mode))
        if hasattr(os, "chown") and (st.st_uid, st.st_gid) != _owner(temp):
            try:
                os.chown(temp, st.st_uid, st.st_gid)
            except OSError:
                pass  # not permitted: the file becomes ours, as any editor would make it
        in_place = not _copy_xattrs(real, temp)
        if expected is not None and not in_place:
            # Last look: an editor may have saved while we wrote.
            now = os.stat(real)
            if (now.st_mtime_ns, now.st_size, now.st_ino) != (st.st_mtime_ns, st.st_size, st.st_ino):
                with open(real, "rb") as handle:
                    if handle.read() != expected:
                        raise WriteRefused("the file changed on disk since it was read; not fixed")
        if not in_place:
            try:
                os.replace(temp, real)
            except OSError as error:
                if error.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM, errno.EACCES):
                    raise
                in_place = True  # a bind-mounted file cannot be renamed over
    except BaseException as error:
        _unlink(temp)
        if isinstance(error, OSError):
            raise WriteRefused(f"cannot write the fixed file: {error}") from None
        raise
    if in_place:
        _unlink(temp)
        _write_in_place(real, data, expected)
        return
    _fsync_folder(os.path.dirname(real))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _copy_xattrs(source: str, target: str) -> bool:
    """The extended attributes (ACLs, labels, user.*) of `source` on `target`; False when
    one cannot be carried over (then the file is written in place, and keeps them all)."""
    if not hasattr(os, "listxattr"):
        return True
    try:
        names = os.listxattr(source)
    except OSError:
        return True  # a file system without them
    try:
        for attribute in names:
            os.setxattr(target, attribute, os.getxattr(source, attribute))
    except OSError:
        return False
    return True


# Room the disk must have beyond the bytes a fix adds before the file is written in place.
IN_PLACE_MARGIN = 1 << 20


def _write_in_place(real: str, data: bytes, expected: Optional[bytes]) -> None:
    """Overwrite the file itself, keeping its inode, links, mode and attributes. Whole or
    not at all as far as this process can make it: the disk is first asked for room, the
    new bytes go in with one write (a fix only inserts, so they cover every old byte), and
    on any failure or interruption before the fsync the original bytes are written back."""
    try:
        fd = os.open(real, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise WriteRefused(f"cannot write the fixed file: {error}") from None
    try:
        size = os.fstat(fd).st_size
        current = os.pread(fd, size + 1, 0)
        if expected is not None and current != expected:
            raise WriteRefused("the file changed on disk since it was read; not fixed")
        if len(data) > len(current) and hasattr(os, "fstatvfs"):
            disk = os.fstatvfs(fd)
            if disk.f_bavail * disk.f_frsize < len(data) - len(current) + IN_PLACE_MARGIN:
                raise WriteRefused("cannot write the fixed file: no space left on the device; not fixed")
        try:
            if os.pwrite(fd, data, 0) != len(data):
                raise OSError(errno.EIO, "the write was cut short")
            if len(data) < len(current):
                os.ftruncate(fd, len(data))
            os.fsync(fd)
        except BaseException as error:
            _put_back(fd, current)
            if isinstance(error, OSError):
                raise WriteRefused(f"cannot write the fixed file: {error}; the original is kept") from None
            raise
    except OSError as error:
        raise WriteRefused(f"cannot write the fixed file: {error}") from None
    finally:
        os.close(fd)


def _put_back(fd: int, original: bytes) -> None:
    try:
        os.pwrite(fd, original, 0)
        os.ftruncate(fd, len(original))
        os.fsync(fd)
    except OSError:
        pass


def _owner(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_uid, st.st_gid


def _fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return  # not possible on every platform
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
