"""One file's analysis: its classes, the interpreter run over each, the inits decided, and the
`FileModel` with its `ModuleSummary` (`analyze`, `analyze_with_tree`).

For every Conv/Linear layer built in a file this works out
- where it is built (the call in the class, or the helper call that returns it),
- its name as `named_modules()` would give it, relative to its class,
- which activation follows it, by abstract interpretation of `forward` (and of
  `nn.Sequential` chains, lists built in loops, helper factories, sub-module classes),
- whether something initialises it explicitly (direct `nn.init` calls, `.data.normal_()`,
  init loops over `self.modules()`, `self.apply(fn)`, `post_init()` + `_init_weights`).

No process-global state: per-analysis data lives on the `FileAnalysis` and a context variable."""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
import types
import typing
import warnings
from dataclasses import dataclass, field
from typing import Iterator, Optional

import libcst as cst

from .. import catalogue
from ..library import hooks
from ..library.hooks import reads_classes_only
from ..model import (name_suffix_reaches, DEFAULT_ACTIVATION_ASSUMED, FORWARDED_KWARGS, OVERRIDES, PROGRAM_CONSTRUCTIONS_AGREE, RETURNED, BuildFact, ClassFact, FileModel, FixPlan, GainCall, InitCall, InitRuleFact, Layer,
                     ModuleModel, ModuleSummary)
from ..syntax.nodes import (_EMPTY_FUNCTION, _literal_index, _SHORT_CODES, _all_params, keyed_args, written_literal, _blocks, _flat_statements, _only_imports,
                            _is_super_init, _partial_of, _positional_params, _unconditional_statements, runs_whenever, statement_conditions, _walk_calls, _walk_nodes, argument, bound_names, child_nodes, dotted, literal_number,
                            literal_string, name_options, python_path, short_code)
from ..syntax.parse import SourceError, _syntax_error, _without_final_continuation, collector_paused, parse_by_statement
from ..syntax.positions import compute_spans
from .imports import Imports, functional_name, torch_nn_name
from .handed import (_rebound, alias_builds, built_by_handing, built_defaults, built_only_by_free_code, called_params,
                     class_hands, default_builds, entry_point_note, handed_builds, handed_to_builders, handed_uses, passed_values, routed_hands,
                     touched_after_handing)
from .inits import INPLACE_INIT_METHODS, UNDECIDED_PARAMETER, InitRule, InitScanner, NameSuffixed, _iterates_parameters, _parameter_loop_names
from .interpret import Context
from .interpret_init import registry_table
from .fields import as_literal, object_fields
from .memo import SyntaxMemo, memoised
from .pure import ClassObj, ParamObj, keyword_dicts
from .entries import entry_build_facts, entry_builds
from .entry_uses import entry_outcomes, entry_rows
from .values import (ActivationOutput, ActV, ChainV, ClassRefV, ConstructorDefault, Evidence, InputSite, InstV, LayerV, MODULE_CODE, NONE_V, ObjectV,
                     ParamV, RecordV, UnknownV, UseProbe, one_of, Site, Summary, TupleV, _flatten, _surely_tensor, _type_matches, derived,
                     registered_modules, sites_in, TransparentV)

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from ..program.loader import ModuleLoader


# Builtins that take a class without building it elsewhere (super(Block, self), repr(Block)).
_HARMLESS_BUILTINS = frozenset({"super", "print", "repr", "str", "getattr", "hasattr", "setattr", "id", "len", "type",
                                "callable", "vars", "dir"})  # fmt: skip


def _name_and_keywords(node: cst.BaseExpression) -> bool:
    """A literal ("name", {"keyword": literal, ...}) tuple: a layer named with its keywords, as
    MONAI's `split_args` reads one (`act=("prelu", {"init": 0.2})`)."""
    if not isinstance(node, cst.Tuple) or len(node.elements) != 2:
        return False
    name, keywords = (element.value for element in node.elements)
    if not isinstance(name, cst.SimpleString) or not isinstance(keywords, cst.Dict):
        return False
    try:
        ast.literal_eval(cst.Module([]).code_for_node(node))
    except (ValueError, SyntaxError):
        return False
    return True



def _is_self_attr(node: cst.BaseExpression, attr: str, self_name: Optional[str] = "self") -> bool:
    """`self.<attr>`; with `self_name` None, `<any name>.<attr>` (a method may spell its `self` otherwise)."""
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.attr.value == attr \
        and (self_name is None or node.value.value == self_name)  # fmt: skip


def _binds_self_attr(node: cst.CSTNode, attr: str) -> bool:
    """`<name>.<attr> = ...`, `+=`, an annotated binding, or a tuple or for target holding it: any
    name, so that a method spelling its `self` otherwise is counted too."""
    if isinstance(node, cst.AssignTarget) or isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For)):
        target = node.target
    elif isinstance(node, cst.WithItem) and node.asname is not None:
        target = node.asname.name
    elif isinstance(node, cst.NamedExpr):
        target = node.target
    else:
        return False
    return any(_is_self_attr(inner, attr, None) for inner in _walk_nodes(target)) or _is_self_attr(target, attr, None)


@dataclass
class ClassInfo:
    node: cst.ClassDef
    name: str
    bases: list  # qualified names or "local:X"
    methods: dict  # name -> FunctionDef
    sites: list = field(default_factory=list)
    attrs: dict = field(default_factory=dict)  # self.attr -> value (after __init__)
    summary: Optional[Summary] = None
    analysing: bool = False
    contains: set = field(default_factory=set)  # classes instantiated in its tree
    contains_unknown: bool = False  # builds something whose class is not known
    init_rules: list = field(default_factory=list)  # InitRule: what an init routine of the class covers
    init_order: dict = field(default_factory=dict)  # id(node) -> top-level statement of its own __init__
    entry_order: dict = field(default_factory=dict)  # method __init__ calls -> the top-level statement calling it
    # per method building it does not run: site name -> (InitCall, or None when what it does is not
    # decided, call node) for the `nn.init.x_(self.fc.weight)` calls in it (ClassFact.method_inits)
    method_inits: dict = field(default_factory=dict)
    own_init_rules_done: bool = False
    routines: list = field(default_factory=list)
    used_in_flow: bool = False
    layer_subclass: Optional[str] = None  # base layer type when it subclasses nn.Linear/ConvNd
    # per-use runs only (`_outcomes_for_call`): attributes its constructor may leave otherwise than
    # `attrs` says (set in a loop or an undecided branch); the others are what that call builds
    unsettled: Optional[set] = None
    # a container class (nn.Sequential subclass): modules its constructor binds on some ways through only
    registered_maybe: set = field(default_factory=set)
    # attributes a constructor default chose (`self.gate = nn.Sigmoid() if gate else None`): attr -> the
    # ConstructorDefault facts; a forward branch on one rests its layers' outcomes on them
    default_chosen: dict = field(default_factory=dict)
    forward_rests_on: list = field(default_factory=list)  # those facts, where a forward branch tested one


class FileAnalysis:
    def __init__(self, module: cst.Module, path: str, source: Optional[str] = None, package: Optional[list] = None):
        self.module = module
        self.source = source  # the text parsed (module.code would codegen it all again)
        self.c_tree: Optional[ast.Module] = None  # CPython's ast of the same source, when analyze made one
        self.path = path
        self.imports = Imports(package)  # the package as the program names it (its __init__.py files)
        self.classes: dict[str, ClassInfo] = {}
        self.functions: dict[str, cst.FunctionDef] = {}
        self.free_sites: list[Site] = []
        self.gain_calls: list[tuple] = []  # (name, node)
        self.import_end_stmt: Optional[cst.CSTNode] = None
        self.functions_used_by_classes: set[str] = set()
        self.references: dict[str, int] = {}  # class name -> uncalled references (passed as value)
        self.external_refs: dict[str, int] = {}  # ... of those, passed into calls of code in other files
        # imported names: every mention, and those that call it, read an attribute of it or import it;
        # the rest hand it on as a value (`se_layer = se_layer or SqueezeExcite`, `partial(SqueezeExcite)`)
        self.imported_mentions: dict[str, list] = {}  # name -> [mentions, calls, attribute roots, imports]
        self.harmless_refs: dict[str, int] = {}  # ... of those, in super(X, self), repr(X) and the like
        self.local_arg_refs: dict[str, int] = {}  # ... of those, passed to this file's own classes and functions
        self.class_args: dict = {}  # class name -> [(call, enclosing FunctionDef or None, the Arg passing it)]
        self.stored_fields: set = set()  # ModuleSummary.stored_fields
        self.script_rebinds: list = []  # (callee, attribute path, statement): ModuleSummary.rebinds
        self.handed_cache: dict = {}  # class name -> [handed.HandedUse]: built by a function it is handed to
        self.syntax_memo = SyntaxMemo()  # walks of this module's nodes whose answer is the syntax's alone
        self.imported_args: dict = {}  # imported name -> [(call, enclosing, Arg)]: another module's class handed over?
        self.local_class_args: list = []  # (imported name, call of a class of this module, Arg)
        self.alias_args: list = []  # (call, enclosing, Arg, name) passing a local name: a class bound to it?
        self.class_bindings: set = set()  # (id(FunctionDef), name) bound there to a class name (or a choice of them)
        self.call_holder: dict[int, int] = {}  # id(call) -> index of the top-level statement holding it
        self.calls_in: dict[int, list] = {}  # id(FunctionDef) -> the calls in its body (not in nested defs)
        self.top_calls: dict[str, int] = {}  # class name -> calls outside any class
        self.sites_by_key: dict = {}
        self.call_sites: dict[str, list] = {}  # callee -> [(call, enclosing FunctionDef or None)]
        self.param_exits: dict = {}  # (class, param) -> ParamExitSite
        # (id(construction), ids of what it was handed) -> (those values, its summary with them): holding_summary
        self.holding_runs: dict = {}
        self.use_probes: dict = {}  # id(construction call of a class of this file) -> its UseProbe
        self.constructions: dict = {}  # class key -> id() of each call that builds it in code run here
        # class key -> {id(call): (call, container class, parameter -> value)}: constructions through a
        # value (`block_fn(...)`, block_fn a class a constructor was given), with what the constructor passed
        self.value_builds: dict = {}
        self.judging_use = False  # a construction being judged again (`_outcomes_for_call`): not recorded
        self.factory_shapes: dict = {}  # free function -> what `_factory_returns` found
        self.called_names: Optional[set] = None  # the names this module calls, read once where needed
        self.flag_runs: dict = {}  # (class key, ((flag, literal), ...)) -> (shadow class, its summary, reads) or None
        self.flag_running = False  # a flag run is under way: branches surely taken end the function at a return
        self.flag_reads: list = []  # (class, parameter, default) whose default decided a branch in that run
        self.flag_variants: dict = {}  # id(site) -> Layer.flag_variants
        self.bindings: list = []  # (module value, class, param): a module passed to a constructor
        self.tuple_types: set[str] = set()  # namedtuple classes of this file (and their aliases)
        self.module_aliases: dict = {}  # top-level name -> the class expression it names (None: bound otherwise)
        self.resolving: set[str] = set()  # aliases being evaluated (`A = B; B = A` ends as unknown)
        self.variants: dict[str, list] = {}  # class name -> keys of its other definitions (if/else)
        self.module_bindings: dict = {}  # top-level name -> the expression bound once to it (None: bound otherwise)
        self.module_objects: dict = {}  # top-level name -> ObjectV (`args = parser.parse_args()`)
        self.path_inits: dict = {}  # class -> {attribute path into another module's block: (init text, call)}
        self.registries: dict = {}  # top-level name -> its {"key": class} literal (None: bound otherwise)
        self.object_cache: dict = {}  # ("object", annotation as written) -> ObjectV or None
        # Filled by run(): once every class is summarised (their `contains` complete), and once
        # the init scan has found every class's init rules.
        self.contained: set[str] = set()  # class names some class of this file builds
        self.init_loops_over_unknown: list = []  # classes with init rules that build something unknown
        self.pending_lines: list = []  # (InitCall, node): calls whose line comes with the layers' positions
        self.loader: Optional["ModuleLoader"] = None  # other modules of the program, read on demand
        self.stubs_only: Optional["ModuleLoader"] = None  # without a loader: initlint's library stubs
        self.followed: list = []  # [path, class, layer, activation, param, evidence, by class]: other modules' layers seen here
        self.entry_followed: dict = {}  # ModuleSummary.entry_followed (entry_uses.py)
        # while one entry point's run is judged: id(construction call) -> {parameter: value} that run gave
        # every construction there (entry_uses.py), and the summaries of the classes built so
        # (a namespace, not a container: a judged use's snapshot leaves it alone)
        self.entry_run = types.SimpleNamespace(given={}, summaries={}, building=set(), text="")
        # For the module summary (what other modules read of this one)
        self.builds: list = []  # (class name or None, qualified callee as written, call node)
        self.entry_builds: list = []  # (entry point name, entries.Construction): what entry points build
        self.inherited_mutations: dict = {}  # class key -> [(attribute, node)]: `_inherited_mutations`
        self.own_binds: dict = {}  # class key -> [(attribute, node)]: `_own_binds`, for ClassFact.binds
        self.entry_uses: dict = {}  # id(site) -> its judgement at each entry point's call (entry_uses.py)
        self.bound_args: dict = {}  # id(call of a partial object in builds) -> the arguments the partial binds
        self.default_params = False  # a constructor default of a class of this module chose an activation
        # constructions of other modules' classes by module code or free functions:
        # (qualified callee, call, [(function passed to .apply(...) on what it built, its rules or None)])
        self.script_builds: list = []
        self.undecided_applies: set = set()  # id() of the functions script code `.apply(...)`s only on some runs
        self.partial_applies: set = set()  # id() of `partial(f, ...)` applied, f another module's: its binding not read
        self.script_build_function: dict = {}  # id(construction in script_builds) -> its free function, or None
        # [(function node, construction call)]: `.apply(fn)` on a model built by a call not followed
        # (`model = build_model(cfg)`): it may re-initialise any layer the script's imports reach
        self.blind_applies: list = []
        self.emptied: dict = {}  # class name -> the `model.to_empty(...)` call a script runs on it
        self.script_runs: dict = {}  # class name -> methods a script runs on every construction of it
        self._self_assigned: Optional[dict] = None  # self_assigned_calls(), once read
        self.forward_facts: dict = {}  # class -> its forward summary as plain data (semantics/interface.py)
        # (id(routine), class name, parameter) -> its branches, for other modules' `.apply` (`routine_branches`)
        self.served_routines: dict = {}
        self.refilled: dict = {}  # (function, parameter) -> `_default_filled` of them, read once

    # -- collection -----------------------------------------------------------------------

    def collect(self) -> None:
        for stmt in self.module.body:
            self._collect_stmt(stmt, top=True)
        self._name_star_imports()
        self._scan_references(self.module)
        self._note_default_classes()
        self._collect_argument_parsers()

    def _name_star_imports(self) -> None:
        """`from .blocks import *`: a name this file uses and does not bind is looked up in the
        program's star-imported modules (their public classes and functions), read when a name
        first needs them: an EfficientNet builder's `InvertedResidual(**ba)` is then a construction
        the program lists. Only with the program's loader; else such names stay unknown."""
        if self.loader is None or not self.imports.stars:
            return
        from ..program.modules import absolute  # a cycle at import time

        importer, is_package = self.loader.index.names.get(self.path, ("", False))
        loader, own = self.loader, self
        stars = [absolute(importer, is_package, written) for written in self.imports.stars]

        def lookup(name: str) -> Optional[str]:
            if name.startswith("_"):
                return None
            for base in reversed(stars):  # the last star import binding a name wins
                found = loader.lookup(own, f"{base}.{name}")  # re-exported on, through its own star imports too
                if found is not None and found[0] in ("class", "function") and found[1] is not own:
                    return f"{base}.{name}"
            return None

        self.imports.star_lookup = lookup

    def _note_default_classes(self) -> None:
        """`def __init__(self, block_fn=Block)` whose body only calls `block_fn(...)`: those calls
        build Block, with arguments seen here, when no caller passes another class for it (the
        callers this module shows, and the entry points of code it is handed to, agree)."""
        found = []
        for fn in [*self.functions.values(), *(m for cls in self.classes.values() for m in cls.methods.values())]:
            for param in _all_params(fn):
                if isinstance(param.default, cst.Name) and param.default.value in self.classes:
                    found.append((fn, param.name.value, param.default.value))
        for fn, param, cls_name in found:
            owner = self.init_owner(fn) or (fn.name.value if self.functions.get(fn.name.value) is fn else None)
            if owner is None or self.passed_away(owner):
                continue
            values = self.param_candidates(owner, param)
            if values is None or any(not (isinstance(v, ClassRefV) and v.qualname == f"local:{cls_name}") for v in values):
                continue
            self.handed_cache.clear()  # what was read before these calls were known is read again
            self._note_class_alias(fn, param, cls_name)

    def _collect_argument_parsers(self) -> None:
        """`args = parser.parse_args()` with `parser = argparse.ArgumentParser()` at the top of
        the file: a namespace of the options' literal defaults (`add_argument("--act",
        default="relu")` -> args.act), what the script runs with unless told otherwise."""
        parsers = {name for name, value in self.module_bindings.items() if isinstance(value, cst.Call)
                   and self.imports.qualify(value.func) == "argparse.ArgumentParser"}  # fmt: skip
        if not parsers:
            return
        fields: dict = {}
        for node in _walk_nodes(self.module):
            if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "add_argument" and dotted(node.func.value) in parsers):  # fmt: skip
                continue
            flags = [literal_string(a.value) for a in node.args if a.keyword is None]
            dest = literal_string(argument(node, "dest", None))
            if dest is None:
                longs = [f for f in flags if f and f.startswith("--")]
                dest = (longs or [f for f in flags if f])[0].lstrip("-").replace("-", "_") if any(flags) else None
            if not dest or not dest.isidentifier():
                continue
            action = literal_string(argument(node, "action", None))
            default = argument(node, "default", None)
            if action in ("store_true", "store_false") and default is None:
                default = cst.Name("False" if action == "store_true" else "True")
            value = NONE_V if default is None else self.literal_value(default)
            where = f"the default of {next((f for f in flags if f), dest)} in {self.where(node)}"
            fields[dest] = (value, where) if dest not in fields else (None, "")
        fields = {k: v for k, v in fields.items() if v[0] is not None}
        for name, value in self.module_bindings.items():
            if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
                    and value.func.attr.value == "parse_args" and dotted(value.func.value) in parsers):  # fmt: skip
                continue
            if not value.args or (len(value.args) == 1 and isinstance(value.args[0].value, cst.List)
                                  and not value.args[0].value.elements):  # parse_args() or parse_args([]): the defaults
                self.module_objects[name] = ObjectV("argparse.Namespace", fields)

    def _collect_stmt(self, stmt: cst.CSTNode, top: bool) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    self.imports.add(small)
                    if top:
                        self.import_end_stmt = stmt
                elif isinstance(small, cst.Assign) and all(isinstance(t.target, cst.Name) for t in small.targets):
                    value = small.value
                    # `DynUnet = Dynunet = DynUNet`: each name is bound as a lone one would be
                    for name in [t.target.value for t in small.targets]:
                        # `Linear = nn.Linear`, `Conv = partial(nn.Conv2d, bias=False)`: a name for a class;
                        # bound twice (or under a condition), it may be either: not an alias
                        alias = top and (isinstance(value, (cst.Name, cst.Attribute)) or (
                            isinstance(value, cst.Call) and dotted(value.func) in ("partial", "functools.partial")))
                        self.module_aliases[name] = value if alias and name not in self.module_aliases else None
                        self.module_bindings[name] = value if top and name not in self.module_bindings else None
                        # ACT_LAYERS = {"relu": nn.ReLU, ...}: a registry, when bound once at the top
                        registry = top and isinstance(value, cst.Dict) and all(
                            isinstance(e, cst.DictElement) and literal_string(e.key) is not None for e in value.elements)
                        self.registries[name] = value if registry and name not in self.registries else None
                        if isinstance(value, cst.Call) and (dotted(value.func) or "").rsplit(".", 1)[-1] in ("namedtuple", "NamedTuple"):
                            self.tuple_types.add(name)
                        elif isinstance(value, cst.Name) and value.value in self.tuple_types:
                            self.tuple_types.add(name)
        elif isinstance(stmt, cst.ClassDef):
            self._collect_class(stmt)
        elif isinstance(stmt, cst.FunctionDef):
            self.functions.setdefault(stmt.name.value, stmt)
        elif isinstance(stmt, (cst.If, cst.Try)):
            for block in _blocks(stmt):
                for inner in block:
                    self._collect_stmt(inner, top=False)

    def _collect_class(self, node: cst.ClassDef) -> None:
        if any((dotted(arg.value) or "").rsplit(".", 1)[-1] == "NamedTuple" for arg in node.bases):
            self.tuple_types.add(node.name.value)
            return
        methods = {}
        for stmt in node.body.body if isinstance(node.body, cst.IndentedBlock) else ():
            if isinstance(stmt, cst.FunctionDef):
                methods[stmt.name.value] = stmt
            elif isinstance(stmt, cst.ClassDef):
                self._collect_class(stmt)
        bases = []
        for arg in node.bases:
            q = self.imports.qualify(arg.value)
            text = dotted(arg.value)
            bases.append(q or (f"local:{text}" if text else "?"))
        name = node.name.value
        if name not in self.classes:
            self.classes[name] = ClassInfo(node, name, bases, methods)
        else:
            # `if available: class Block(Fast) else: class Block(nn.Module)`: analyse both; uses of
            # the name may mean either
            key = f"{name}@{len(self.variants.get(name, [])) + 2}"
            self.variants.setdefault(name, []).append(key)
            self.classes[key] = ClassInfo(node, key, bases, methods)

    def _scan_references(self, root: cst.CSTNode) -> None:
        """Count how each local class is referenced outside classes' own flows.

        `external_refs` counts references passed into code of other files
        (`build_model_with_cfg(ResNet, block=Bottleneck)`): what builds it there is not seen.
        """
        stack: list = [(stmt, False, None, False, i) for i, stmt in enumerate(root.body)]
        holder = self.call_holder
        classes, functions = self.classes, self.functions
        aliases: list = []  # (function, local name, class): `block = InvertedResidual`
        imported, mentions = self.imports.names, self.imported_mentions
        # a star-imported name enters `imported` when first resolved: a called one is resolved before its
        # call is counted (a call counted short made `from blocks import *` hand the class on)
        star = (lambda name: self.imports.qualify(name) is not None) if self.imports.star_lookup is not None else None
        # exact type checks: these node classes have no subclasses, and `isinstance` against
        # LibCST classes pays ABCMeta's Python-level check on every miss
        Annotation, FunctionDef, Call, Name, ClassDef, Attribute = (
            cst.Annotation, cst.FunctionDef, cst.Call, cst.Name, cst.ClassDef, cst.Attribute)  # fmt: skip
        while stack:
            node, in_class, fn, ext, top = stack.pop()
            kind = type(node)
            if kind is Name:
                value = node.value
                if value in classes:
                    self.references[value] = self.references.get(value, 0) + 1
                    if ext:
                        self.external_refs[value] = self.external_refs.get(value, 0) + 1
                elif value in imported:
                    mentions.setdefault(value, [0, 0, 0, 0])[0] += 1
                continue  # a Name has no child nodes
            if kind is Attribute:
                if type(node.value) is Name and node.value.value in imported:
                    mentions.setdefault(node.value.value, [0, 0, 0, 0])[2] += 1
                stack.append((node.value, in_class, fn, ext, top))
                continue
            if kind is cst.ImportAlias:
                for part in (node.name, node.asname.name if node.asname is not None else None):
                    if type(part) is Name and part.value in imported:
                        mentions.setdefault(part.value, [0, 0, 0, 0])[3] += 1
            if kind is Call:
                if star is not None and type(node.func) is Name and node.func.value not in imported \
                        and node.func.value not in functions:  # fmt: skip
                    star(node.func)
                if type(node.func) is Name and node.func.value in imported:
                    mentions.setdefault(node.func.value, [0, 0, 0, 0])[1] += 1
                holder[id(node)] = top
                if fn is not None:
                    self.calls_in.setdefault(id(fn), []).append(node)
                self._note_gain_name(node)
                func = node.func
                callee = func.value if type(func) is Name else None
                if callee in ("isinstance", "issubclass", "type"):
                    continue
                harmless = callee in _HARMLESS_BUILTINS or (
                    callee not in classes and callee not in functions and reads_classes_only(self.imports.qualify(func)))
                if harmless:  # super(Block, self), OutputRecorder(Block, index=0): not the class handed anywhere
                    for arg in node.args:
                        if type(arg.value) is Name and arg.value.value in classes:
                            self.harmless_refs[arg.value.value] = self.harmless_refs.get(arg.value.value, 0) + 1
                if callee in classes or callee in functions:
                    self.call_sites.setdefault(callee, []).append((node, fn))
                elif _partial_of(node) in classes or _partial_of(node) in functions:
                    # partial(Block, act_layer=nn.GELU): what it binds is passed to every Block it builds
                    self.call_sites.setdefault(_partial_of(node), []).append((node, fn))
                if callee in classes and not in_class:
                    self.top_calls[callee] = self.top_calls.get(callee, 0) + 1
                text = dotted(func) or ""
                local = callee in classes or callee in functions or harmless \
                    or text.startswith("self.") or (
                    type(func) is Attribute and type(func.value) is Call
                    and dotted(func.value.func) == "super")  # fmt: skip
                for child in node.args:
                    stack.append((child, in_class, fn, not local, top))
                    # build(Net, ...), build(A if c else B, ...): a function that may build the class (handed.py)
                    options = [child.value.body, child.value.orelse] if type(child.value) is cst.IfExp else [child.value]
                    for option in options:
                        if type(option) is Name and option.value in classes and callee not in _HARMLESS_BUILTINS:
                            self.class_args.setdefault(option.value, []).append((node, fn, child))
                        elif type(option) is Name and option.value in self.imports.names and callee not in classes:
                            self.imported_args.setdefault(option.value, []).append((node, fn, child))
                        elif type(option) is Name and option.value in self.imports.names and option is child.value:
                            self.local_class_args.append((option.value, node, child))  # Block(mlp_layer=Mlp)
                        elif type(option) is Name and fn is not None and callee not in classes:
                            self.alias_args.append((node, fn, child, option.value))  # model_cls = A if c else B; build(model_cls)
                    if local and type(child.value) is Name and child.value.value in classes:
                        # _resnet(BasicBlock, ...), ResNet(block=BasicBlock): this file's own code builds it
                        self.local_arg_refs[child.value.value] = self.local_arg_refs.get(child.value.value, 0) + 1
                if callee not in classes:
                    stack.append((func, in_class, fn, ext, top))
                continue
            if kind is Annotation:
                continue
            if kind is cst.AssignTarget or kind is cst.AugAssign or kind is cst.AnnAssign:
                target = node.target
                if type(target) is Attribute and type(target.value) is Name and target.value.value != "self":
                    self.stored_fields.add(target.attr.value)  # `cfg.act = "tanh"`
            if kind is FunctionDef:
                member = type(top) is tuple and len(top) == 2 and node is root.body[top[0]].body.body[top[1]]
                for child in child_nodes(node):
                    if member and child is node.body and type(child) is cst.IndentedBlock:
                        # a method of a top-level class: positions are generated per statement of its body
                        stack.append((child, in_class, node, ext, (top[0], top[1], None)))
                    else:
                        stack.append((child, in_class, node, ext, top))
                continue
            if type(top) is tuple and len(top) == 3 and top[2] is None:  # that method's body
                for k, child in enumerate(child_nodes(node)):
                    stack.append((child, in_class, fn, ext, (top[0], top[1], k)))
                continue
            if kind is ClassDef:
                if isinstance(top, int) and node is root.body[top] and isinstance(node.body, cst.IndentedBlock):
                    # a top-level class: its statements are what positions are generated for
                    for j, child in enumerate(node.body.body):
                        stack.append((child, True, fn, ext, (top, j)))
                    continue
                for child in child_nodes(node.body):
                    stack.append((child, True, fn, ext, top))
                continue
            if kind is cst.Assign and fn is not None and len(node.targets) == 1 and type(node.targets[0].target) is Name:
                # `block = InvertedResidual`, `layer = BottleNeck if c else Basic`: each class the alias may name
                options = name_options(node.value)
                for option in options:
                    if option in classes:
                        aliases.append((fn, node.targets[0].target.value, option))
                # model_cls = A if distilled else B: a name that may hand a class over
                if any(option in classes or option in self.imports.names for option in options):
                    self.class_bindings.add((id(fn), node.targets[0].target.value))
            for child in child_nodes(node):
                stack.append((child, in_class, fn, ext, top))
        for fn, alias, cls_name in aliases:
            self._note_class_alias(fn, alias, cls_name)

    def _note_class_alias(self, fn: cst.FunctionDef, alias: str, cls_name: str) -> None:
        """`block = InvertedResidual` in a function that then only calls `block(...)` (and tests
        `block is None`): those calls build the class here, with arguments seen here."""
        calls, other_uses = [], 0
        tested = {id(c.left) for c in _walk_nodes(fn.body) if isinstance(c, cst.Comparison)
                  and all(isinstance(t.operator, (cst.Is, cst.IsNot)) for t in c.comparisons)}  # fmt: skip
        for node in _walk_nodes(fn):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == alias:
                calls.append(node)
            elif isinstance(node, cst.Assign):
                other_uses -= sum(1 for t in node.targets if isinstance(t.target, cst.Name) and t.target.value == alias)
            elif isinstance(node, cst.Param) and node.name.value == alias:
                other_uses -= 1
            if isinstance(node, cst.Name) and node.value == alias and id(node) not in tested:
                other_uses += 1
        if calls and other_uses == len(calls):  # every other mention is a call's callee
            self.local_arg_refs[cls_name] = self.local_arg_refs.get(cls_name, 0) + 1
            self.call_sites.setdefault(cls_name, []).extend((call, fn) for call in calls)

    def _note_gain_name(self, call: cst.Call) -> None:
        """calculate_gain("x") / kaiming_*_(w, nonlinearity="x") anywhere in the file, run or not."""
        text = dotted(call.func) or ""
        name_node = None
        if text.endswith("calculate_gain") and call.args:
            name_node = argument(call, "nonlinearity", 0)
        elif text.rsplit(".", 1)[-1] in ("kaiming_uniform_", "kaiming_normal_", "kaiming_uniform", "kaiming_normal"):
            name_node = argument(call, "nonlinearity", 3)
        name = literal_string(name_node)
        if name is not None:
            self.gain_calls.append((name, call))

    def param_candidates(self, callee: str, param: str, depth: int = 0) -> Optional[list]:
        """Values passed for `param` at this file's calls of `callee` (a class or function).

        None when some call passes something we cannot evaluate; [] when no call passes it.
        """
        target = self.classes.get(callee)
        fn = self.method(target, "__init__")[1] if target is not None and self.method(target, "__init__") else None
        if target is None:
            fn = self.functions.get(callee)
        if fn is None or depth > 3:
            return None
        params = _positional_params(fn)
        if target is not None and params:
            params = params[1:]
        names = [p.name.value for p in params]
        values: list = []
        for call, enclosing in self.call_sites.get(callee, []):
            # **kwargs may carry anything; like a default, we take what is written
            node = _argument_for(call, names, param, callee)
            if node is None:
                unpacked = self.unpacked_values(call, enclosing, param, depth)
                if unpacked is None:
                    return None
                values.extend(unpacked)
                continue
            value = self.static_value(node, enclosing, depth)
            if value is None:
                return None
            values.extend(value)
        if target is not None:  # built by a function it is handed to: what reaches that construction
            for use in handed_uses(self, callee):
                value = passed_values(self, use, param, names, depth)
                if value is None:
                    return None
                values.extend(value)
        return values

    def carried_params(self, callee: str, param: str, depth: int = 0) -> Optional[list]:
        """[(class, its parameter, its default)] for this file's calls of the class `callee` that pass
        for `param` a constructor parameter of the class building it, left at its default
        (`ConvAct(c, act_layer=act_layer)` in Unit's `__init__`): what they pass is what that class
        is built with, which other modules' constructions may set; and so on up (Stage passing its
        own to Unit). None: not known (a parameter bound again, or set here to other values too)."""
        target = self.classes.get(callee)
        found = self.method(target, "__init__") if target is not None else None
        if found is None:
            return []
        if depth > 4:
            return None
        names = [p.name.value for p in _positional_params(found[1])[1:]]
        carried: list = []
        for call, enclosing in self.call_sites.get(callee, []):
            node = _argument_for(call, names, param, callee)
            container = self.init_owner(enclosing)
            held = next((p for p in _all_params(enclosing) if isinstance(node, cst.Name) and p.name.value == node.value),
                        None) if container is not None else None  # fmt: skip
            if held is None:
                continue  # a value written here: what other modules pass the builder does not change it
            if held.default is None or _rebound(enclosing, held.name.value):
                return None
            default = self.static_value(held.default, None, 1)
            if not default or len(default) != 1 or not all(_same_value(v, default[0]) for v in self.static_value(node, enclosing, 0) or [None]):
                return None  # built here with other values too: not one default that others may replace
            if (container, held.name.value, default[0]) not in carried:
                carried.append((container, held.name.value, default[0]))
        out = list(carried)
        for container, name, _ in carried:
            above = self.carried_params(container, name, depth + 1)
            if above is None:
                return None
            out += [fact for fact in above if fact not in out]
        return out

    def _default_applies(self, owner: str, param: str) -> bool:
        """Whether some construction of `owner` leaves `param` at its default: a call here that
        does not pass it, or no call here at all (it is built elsewhere, or it is the model)."""
        calls = self.call_sites.get(owner, [])
        target = self.classes.get(owner)
        found = self.method(target, "__init__") if target is not None else None
        fn = found[1] if found else self.functions.get(owner)
        if not calls or fn is None:
            return True
        names = [p.name.value for p in _positional_params(fn)][1 if target is not None else 0:]
        # a call's own **kwargs passed on is not known to leave it out (unlike a dict it builds)
        return any(_argument_for(call, names, param, owner) is None and not any(a.star == "*" for a in call.args)
                   and (not any(a.star for a in call.args) or not _passes_own_kwargs(call, enclosing)
                        and self.unpacked_presence(call, enclosing, param) in ("none", "some"))
                   for call, enclosing in calls)  # fmt: skip

    def unpacked_presence(self, call: cst.Call, enclosing: Optional[cst.FunctionDef], param: str) -> Optional[str]:
        """Whether the `**` dicts of a call pass `param` on every run ("all"), on none ("none";
        also where the call has none, or passes on its function's own **kwargs, taken as written
        as `unpacked_values` takes them), on some only ("some"). None: not known."""
        if _passes_own_kwargs(call, enclosing):
            return "none"
        records = keyword_dicts(self, enclosing).get(id(call)) if enclosing is not None else None
        if not records or not all(isinstance(record, dict) for record in records):
            return None
        holding = sum(1 for record in records if param in record)
        return "all" if holding == len(records) else "none" if not holding else "some"

    def unpacked_values(self, call: cst.Call, enclosing: Optional[cst.FunctionDef], param: str,
                        depth: int = 0) -> Optional[list]:  # fmt: skip
        """What `Block(**ba)` passes for `param` each time it runs, `ba` a dict the enclosing
        function fills (decoded from strings, keys popped and set: `pure.keyword_dicts`); []
        when no run passes it. The enclosing function's own `**kwargs` passed on hold what its
        callers write (taken as written, like a default: nothing). None: not known."""
        stars = [arg for arg in call.args if arg.star == "**"]
        if not stars:
            return []
        own = enclosing.params.star_kwarg if enclosing is not None else None
        if all(isinstance(own, cst.Param) and isinstance(star.value, cst.Name) and star.value.value == own.name.value
               for star in stars):  # fmt: skip
            # a constructor's **kwargs: what this module's constructions of its class put there
            # (`Stage(..., **common)` then `block_fn(chs, **block_kwargs)`), else taken as written
            owner = self.init_owner(enclosing)
            if owner is None or param in {p.name.value for p in _all_params(enclosing)} or depth > 3:
                return []
            return self.param_candidates(owner, param, depth + 1)
        if enclosing is None:
            return None
        records = keyword_dicts(self, enclosing).get(id(call))
        if records is None:
            return None
        values: list = []
        for record in records:
            if not isinstance(record, dict):
                return None
            if param not in record:
                continue
            held = record[param]
            if isinstance(held, ParamObj):  # `ba["act_layer"] = act_layer`: as if passed by keyword,
                # and where that is not known here, as the enclosing function's **kwargs: as written
                values.extend(self.static_value(cst.Name(held.name), enclosing, depth) or [])  # bounded: callers' callers
                continue
            value = _as_analysis_value(held)
            if value is None:
                return None
            values.append(value)
        return values

    def init_owner(self, fn: Optional[cst.FunctionDef]) -> Optional[str]:
        """The class of this file whose `__init__` `fn` is (None: module code)."""
        if fn is None or fn.name.value != "__init__":
            return None
        for name, cls in self.classes.items():
            if cls.methods.get("__init__") is fn:
                return name
        return None

    def annotated_object(self, annotation: Optional[cst.Annotation]) -> Optional[ObjectV]:
        """`config: BertConfig`: an instance of that class with its literal defaults, when the
        annotation names a class (of this file or of the program) that has some."""
        if annotation is None or not isinstance(annotation.annotation, (cst.Name, cst.Attribute)):
            return None
        written = dotted(annotation.annotation)
        if not written:
            return None
        key = ("object", written)
        if key not in self.object_cache:
            self.object_cache[key] = self._object_of(written, self.imports.qualify(annotation.annotation))
        return self.object_cache[key]

    def _object_of(self, written: str, qualified: Optional[str]) -> Optional[ObjectV]:
        if written in self.classes:
            module, cls = self, self.classes[written]
        elif self.loader is not None and qualified:
            found = self.loader.lookup(self, qualified)
            if found is None or found[0] != "class" or found[1] is None:
                return None
            module, cls = found[1], found[1].classes.get(found[2])
            if cls is None:
                return None
        else:
            return None
        chain, current, seen = [], cls, set()
        while current is not None and current.name not in seen and len(chain) < 8:
            seen.add(current.name)
            chain.append(current)
            current = module.local_base(current)
        where = module.where(cls.node)
        fields = {attr: (literal, f"{cls.name}.{attr} in {where}") for attr, value in object_fields(chain).items()
                  if (literal := as_literal(value)) is not None}  # fmt: skip
        if not fields:
            return None
        return ObjectV(f"{module.path}:{cls.name}", fields)

    @staticmethod
    def literal_value(node: Optional[cst.BaseExpression]) -> Optional[object]:
        if node is None:
            return None
        if isinstance(node, cst.Name):
            if node.value == "None":
                return NONE_V
            return ("<literal>", node) if node.value in ("True", "False") else None
        if literal_number(node) is not None or literal_string(node) is not None:
            return ("<literal>", node)
        return None

    def where(self, node: cst.CSTNode) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    def static_value(self, node: cst.BaseExpression, enclosing: Optional[cst.FunctionDef], depth: int,
                     as_passed: bool = False) -> Optional[list]:  # fmt: skip
        """What a simple argument expression can be: class references, None, a caller's parameter
        (with `as_passed`, a parameter is what callers pass, however the function binds it again)."""
        if isinstance(node, cst.IfExp):  # `Merging if i < n - 1 else None`: either
            body = self.static_value(node.body, enclosing, depth)
            orelse = self.static_value(node.orelse, enclosing, depth) if body is not None else None
            return None if orelse is None else body + orelse
        if literal_number(node) is not None or isinstance(node, cst.SimpleString) or (
                isinstance(node, cst.Name) and node.value in ("True", "False")):  # fmt: skip
            return [("<literal>", node)]
        if _name_and_keywords(node):  # MONAI's `act=("leakyrelu", {"negative_slope": 0.1})`: a literal
            return [("<literal>", node)]
        if isinstance(node, (cst.List, cst.Tuple)) and node.elements:
            # `block=[BasicBlock, BasicBlock, Bottleneck]`: a sequence of classes, one per stage
            items = []
            for element in node.elements:
                held = None if isinstance(element, cst.StarredElement) else self.static_value(element.value, enclosing, depth)
                if not held or not all(isinstance(v, ClassRefV) for v in held):
                    return None
                items.append((None, one_of(held)))
            return [ChainV(items, "list")]
        if isinstance(node, cst.Subscript) and enclosing is not None and depth < 4:
            item = _item_of_local_list(enclosing, node)  # `conv_types[0]`, conv_types = ["conv", "dcn"] there
            if item is not None:
                return self.static_value(item, enclosing, depth + 1)
        if isinstance(node, cst.Name):
            if node.value == "None":
                return [NONE_V]
            params = {p.name.value: p for p in _all_params(enclosing)} if enclosing is not None else {}
            if node.value in params:
                typed = self.annotated_object(params[node.value].annotation)
                if typed is not None:
                    return [typed]
                key = (enclosing, node.value)  # the node itself: identity, and kept alive with its key
                if not as_passed and key not in self.refilled:
                    self.refilled[key] = _default_filled(enclosing, node.value)
                filled = None if as_passed else self.refilled[key]
                if filled is False:  # bound again to something else: what callers pass is not what it holds
                    return self._made_by_hook(node.value, enclosing, depth)
                owner = enclosing.name.value
                if owner in self.functions and self.functions[owner] is enclosing and not as_passed \
                        and not self.call_sites.get(owner) and self._factory_returns(owner) is None:  # fmt: skip
                    # a free function this module never calls: other modules do (`get_down_block(...,
                    # resnet_act_fn=act_fn)` in each model's module), passing what is not seen here (a
                    # factory's calls elsewhere are constructions the program lists with what they pass)
                    return None
                if not (owner in self.functions and self.functions[owner] is enclosing):
                    owner = self.init_owner(enclosing)  # BertIntermediate(config) in BertLayer.__init__: what BertLayer gets
                if owner is None:
                    return None
                passed = self.param_candidates(owner, node.value, depth + 1)
                if passed is None:
                    return None
                default = params[node.value].default
                if not passed and default is None:
                    return None  # no default, no call here passes it: what callers elsewhere pass is not seen
                if default is not None and self._default_applies(owner, node.value):
                    held = self.static_value(default, None, depth + 1)
                    if held is None:
                        return None
                    passed = passed + [v for v in held if v not in passed]
                if filled is None:
                    return passed
                # `act = act or nn.Tanh`, `if act is None: act = nn.Tanh`: None is replaced by that value
                kind, fallback = filled
                if kind == "or" and any(not (v == NONE_V or isinstance(v, (ClassRefV, InstV))) for v in passed):
                    return None  # a literal that may be falsy: not followed
                if NONE_V not in passed:
                    return passed
                instead = self.static_value(fallback, enclosing, depth + 1)
                return None if instead is None else [v for v in passed if v != NONE_V] + instead
            if node.value in self.classes:
                return [ClassRefV(f"local:{node.value}")]
            bound = _bound_once(enclosing, node.value) if enclosing is not None and depth < 4 else None
            if bound is not None:  # `norm_layer_cl = partial(nn.LayerNorm, eps=1e-6)`, then passed on
                return self.static_value(bound, enclosing, depth + 1)
        if isinstance(node, cst.Call) and self.imports.qualify(node.func) == "functools.partial" and node.args \
                and node.args[0].keyword is None and not node.args[0].star:  # fmt: skip
            # partial(nn.LayerNorm, eps=1e-6): that class, its keywords bound; only literal keywords,
            # which read the same wherever the callee's code calls it
            held = self.static_value(node.args[0].value, enclosing, depth + 1)
            rest = node.args[1:]
            if held is None or len(held) != 1 or not isinstance(held[0], ClassRefV) or held[0].bound \
                    or any(a.keyword is None or a.star or not _plain_literal(a.value) for a in rest):  # fmt: skip
                return None
            return [dataclasses.replace(held[0], bound=tuple(rest))]
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and enclosing is not None \
                and _positional_params(enclosing) and node.value.value == _positional_params(enclosing)[0].name.value \
                and self.init_owner(enclosing) is not None:  # fmt: skip
            # shared_cpe=self.cpe1: a module the constructor built once and hands to each block
            built = [a.value for a in _walk_assigns(enclosing.body) if isinstance(a, cst.Assign) and any(
                isinstance(t.target, cst.Attribute) and dotted(t.target) == dotted(node) for t in a.targets)]  # fmt: skip
            cls = built[0].func.value if len(built) == 1 and isinstance(built[0], cst.Call) \
                and isinstance(built[0].func, cst.Name) else None  # fmt: skip
            if cls in self.classes and self.classes[cls].layer_subclass is None:
                return [InstV(cls)]
        if isinstance(node, cst.Attribute) and depth < 4 and (held := self._attribute_set_once(node, enclosing)) is not None:
            # `norm_layer=self.norm`, `self.norm = nn.BatchNorm2d` in the caller's `__init__`: that class
            values = self.static_value(held, None, depth + 1)
            if values and all(isinstance(v, ClassRefV) for v in values):
                return values
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            # activation=config.hidden_act, config being a parameter (or args, a parsed namespace): each default
            params = {p.name.value for p in _all_params(enclosing)} if enclosing is not None else set()
            if node.value.value in params:
                holders = self.static_value(node.value, enclosing, depth)
            else:
                holders = [self.module_objects[node.value.value]] if node.value.value in self.module_objects else None
            if holders is not None and holders and all(isinstance(h, ObjectV) for h in holders):
                found = [h.fields.get(node.attr.value) for h in holders]
                if all(f is not None for f in found):
                    # a literal with where it comes from: a choice made by that default
                    return [(*f[0], f"`{short_code(node)}`: {f[1]}") if isinstance(f[0], tuple) else f[0] for f in found]
            if holders is not None and any(isinstance(h, ObjectV) for h in holders):
                return None
        q = self.imports.qualify(node)
        if q:
            return [ClassRefV(q)]
        return None

    def _made_by_hook(self, name: str, fn: cst.FunctionDef, depth: int) -> Optional[list]:
        """A parameter bound again, before any other mention, by the first statement of `fn` that names
        it, to a call a library hook answers from literal arguments (`norm_layer =
        get_norm_act_layer(norm_layer, act_layer=act_layer)`, each argument one string or None over
        what callers pass): the class the hook makes, its bound keywords those literals."""
        from ..library import hooks  # keyed by the resolved name, as interpretation reads it

        call = _rebinding_call(fn, name)
        if call is None or depth > 3 or self.loader is None:
            return None
        written = self.imports.qualify(call.func)
        found = self.loader.lookup(self, written) if written else None
        resolved = written
        if found is not None and found[0] == "function" and found[1] is not None:
            module = self.loader.index.names.get(found[1].path)
            resolved = f"{module[0]}.{found[2]}" if module else written
        hook = hooks.hook_for(resolved)
        if hook is None:
            return None
        owner = self.init_owner(fn) or (fn.name.value if self.functions.get(fn.name.value) is fn else None)
        params = {p.name.value: p for p in _all_params(fn)}
        nodes: dict = {}  # position or keyword -> the one literal node (or None) it holds
        facts: list = []  # the parameters' defaults it rests on: the program looks for other modules passing others
        for position, arg in enumerate(call.args):
            if arg.star or arg.keyword is None and position != len(nodes):
                return None
            held = self.static_value(arg.value, fn, depth + 1, as_passed=True) or []
            texts = {_literal_text(v) for v in held}
            if len(texts) != 1 or None in texts:
                return None  # not known, or not one string (or None) on every run
            if isinstance(arg.value, cst.Name) and arg.value.value in params:
                default = params[arg.value.value].default
                shown = [_literal_text(v) for v in self.static_value(default, None, depth + 1) or []] if default else []
                if owner is None or shown != list(texts):
                    return None  # what callers here pass instead of the default: other modules' callers pass nothing
                facts.append(ConstructorDefault(owner, arg.value.value, shown[0], self.path))
            nodes[arg.keyword.value if arg.keyword is not None else position] = cst.Name("None") if held[0] == NONE_V else held[0][1]
        strings = {key: literal_string(node) if not isinstance(node, cst.Name) else None for key, node in nodes.items()}
        answer = hook([strings[key] for key in sorted(k for k in strings if isinstance(k, int))],
                      {key: value for key, value in strings.items() if isinstance(key, str)}, {})  # fmt: skip
        if answer is None or answer[0] != "bind":
            return None
        tight = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
        bound = tuple(cst.Arg(keyword=cst.Name(param), equal=tight,
                              value=nodes.get(param, nodes.get(position)) or cst.parse_expression(default))
                      for param, (position, default) in answer[2].items())  # fmt: skip
        evidence = Evidence.assuming(f"`{short_code(call, 50)}` ({resolved}) with {owner}'s defaults", tuple(facts))
        return [ClassRefV(answer[1], evidence, bound)]

    # -- class model ----------------------------------------------------------------------

    def method(self, cls: ClassInfo, name: str) -> Optional[tuple[ClassInfo, cst.FunctionDef]]:
        seen = set()
        current: Optional[ClassInfo] = cls
        while current is not None and current.name not in seen:
            seen.add(current.name)
            if name in current.methods:
                return current, current.methods[name]
            current = self.local_base(current)
        return None

    def inherited(self, cls: ClassInfo, name: str, depth: int = 0) -> Optional[tuple["FileAnalysis", ClassInfo, cst.FunctionDef]]:
        """Method `name` of a base class another module defines (a library's, read from its stub
        or installed source): (that module, its class, the method); None if not found there."""
        seen: set = set()
        current: Optional[ClassInfo] = cls
        while current is not None and current.name not in seen and depth < 4:
            seen.add(current.name)
            for base in current.bases:
                if base.startswith("local:"):
                    continue
                found = self.library().lookup(self, base)
                if found is None or found[0] != "class" or found[1] is None:
                    continue
                module, owner = found[1], found[1].classes[found[2]]
                method = module.method(owner, name)
                if method is not None:
                    return module, method[0], method[1]
                deeper = module.inherited(owner, name, depth + 1)
                if deeper is not None:
                    return deeper
            current = self.local_base(current)
        return None

    def library(self) -> "ModuleLoader":
        """The program's loader; without one (a file analysed alone), initlint's stubs only."""
        if self.loader is not None:
            return self.loader
        if self.stubs_only is None:  # not `loader`: a file alone follows no other module's code
            from ..program.environment import Environment
            from ..program.loader import ModuleLoader

            self.stubs_only = ModuleLoader((), environment=Environment())
        return self.stubs_only

    def container_kind(self, cls: ClassInfo, depth: int = 0) -> Optional[str]:
        """"Sequential" / "ModuleList" / "ModuleDict" for a local subclass of one (class Seq(nn.Sequential))."""
        for base in cls.bases:
            name = torch_nn_name(base)
            if name in ("Sequential", "ModuleList", "ModuleDict"):
                return name
            if base.startswith("local:") and base[6:] in self.classes and depth < 5:
                found = self.container_kind(self.classes[base[6:]], depth + 1)
                if found:
                    return found
        return None

    def attributes_set_outside_init(self, cls: ClassInfo) -> frozenset:
        """`self.x` names a method other than `__init__` assigns (`set_mode()`, a subclass's own
        methods are another class): forward cannot take what `__init__` left there for what it holds."""
        return memoised(self, "attributes set outside init", cls.node, lambda: frozenset(
            target.attr.value for name, fn in cls.methods.items() if name != "__init__"
            for node in _walk_nodes(fn.body) if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign))
            for target in ([t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target])
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == "self"))

    def sets_attributes_by_name(self, cls: ClassInfo) -> bool:
        """`_sets_attributes_by_name` of the class and its children, kept per class node."""
        return memoised(self, "sets attributes by name", cls.node, lambda: _sets_attributes_by_name(cls))

    def passes_its_items(self, cls: ClassInfo) -> Optional[str]:
        """The container kind ("Sequential", "ModuleList") of a container class whose instances hold
        what a call passes, in order: no forward of its own, and an __init__ (if any) of the form
        `def __init__(self, *args): super().__init__(*args)` that registers nothing else (kornia's
        `_DescriptorSequential` then marks its last BatchNorm); a forward of its own counts when it
        runs the items in order as nn.Sequential's does (`_runs_items_in_order`). None otherwise."""
        kind = self.container_kind(cls)
        forward = self.forward_of(cls)
        if kind not in ("Sequential", "ModuleList") or forward is not None and not _runs_items_in_order(forward[1]):
            return None
        found = self.method(cls, "__init__")
        if found is None:
            return kind
        init = found[1]
        params = init.params
        if len(params.params) != 1 or params.kwonly_params or not isinstance(params.star_arg, cst.Param):
            return None
        self_name, star = params.params[0].name.value, params.star_arg.name.value
        body = [stmt for stmt in init.body.body if not (isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr)
                and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))] \
            if isinstance(init.body, cst.IndentedBlock) else []  # (its docstring aside)
        first = body[0] if body else None
        call = first.body[0].value if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Expr) else None
        if not (isinstance(call, cst.Call) and _is_super_init(call.func, self_name) and len(call.args) == 1
                and call.args[0].star == "*" and dotted(call.args[0].value) == star):  # fmt: skip
            return None
        for node in _walk_nodes(init):
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
                if any(isinstance(t, cst.Attribute) and dotted(t.value) == self_name for t in targets):
                    return None  # `self.head = ...`: a module of its own, registered after the items
            elif isinstance(node, cst.Call) and node is not call and (
                    isinstance(node.func, cst.Attribute) and dotted(node.func.value) == self_name
                    and node.func.attr.value in ("add_module", "register_module", "append", "extend", "insert")
                    or dotted(node.func) == "setattr" and node.args and dotted(node.args[0].value) == self_name):  # fmt: skip
                return None
        return kind

    def plain_param(self, owner: str, name: str) -> bool:
        """Whether the parameter `name` of `owner`'s constructor surely holds no module: annotated
        with a plain type (`out_channels: int`), or passed to a torch layer's constructor there
        (`nn.Conv2d(cin, cout, 3)`: a module there raises)."""
        cls = self.classes.get(owner)
        found = self.method(cls, "__init__") if cls is not None else None
        if found is None:
            return False
        return memoised(self, "plain params", found[1], lambda: _plain_params(self, found[1])).__contains__(name)

    def sequential_substitute(self, cls: ClassInfo) -> bool:
        """A subclass of nn.Sequential that keeps its forward: its modules run in the order registered."""
        return self.container_kind(cls) == "Sequential" and self.forward_of(cls) is None

    def forward_of(self, cls: ClassInfo) -> Optional[tuple[ClassInfo, cst.FunctionDef]]:
        """What calling an instance runs: a `__call__` of its own (which replaces nn.Module's,
        forward and hooks included), else its forward."""
        return self.method(cls, "__call__") or self.method(cls, "forward")

    def derives_from(self, cls: ClassInfo, *transformers_classes: str) -> bool:
        """Whether the class, through this file's classes, derives from one of those transformers classes."""
        seen: set = set()
        current: Optional[ClassInfo] = cls
        while current is not None and current.name not in seen:
            seen.add(current.name)
            if any(catalogue.is_transformers(base, name) for base in current.bases for name in transformers_classes):
                return True
            current = self.local_base(current)
        return False

    def plain_class(self, cls: ClassInfo, depth: int = 0) -> bool:
        """Whether instances of the class are plain objects: its bases, through this file's classes,
        are `object` alone (no torch module, nothing of another module whose code is not read here)."""
        for base in cls.bases:
            inner = self.classes.get(base[6:]) if base.startswith("local:") else None
            if inner is not None and inner is not cls and depth < 8:
                if not self.plain_class(inner, depth + 1):
                    return False
            elif base not in ("object", "builtins.object"):
                return False
        return True

    def local_base(self, cls: ClassInfo) -> Optional[ClassInfo]:
        for base in cls.bases:
            if base.startswith("local:") and base[6:] in self.classes:
                return self.classes[base[6:]]
        return None

    def layer_init(self, cls: ClassInfo) -> Optional[tuple]:
        """How a layer subclass of this module initialises its own weight: (evidence, surely) where it
        overrides `reset_parameters` (torch's constructor calls it), or where its `__init__` runs an
        init on `self.weight` (surely: at the top level of its body, not under a condition); else None."""
        if "reset_parameters" in cls.methods:
            return (f"{cls.name} (in {self.path}) overrides reset_parameters", True)
        init = cls.methods.get("__init__")
        params = _positional_params(init) if init is not None else []
        if not params or not isinstance(init.body, cst.IndentedBlock):
            return None
        self_name = params[0].name.value
        top = {id(node) for stmt in init.body.body if isinstance(stmt, cst.SimpleStatementLine)
               for node in _walk_nodes(stmt) if isinstance(node, cst.Call)}  # fmt: skip
        found = None
        for call in _walk_calls(init.body):
            target = call.args[0].value if call.args else None
            q = self.imports.qualify(call.func) or ""
            if q.startswith("torch.nn.init.") and target is not None and dotted(target) in (f"{self_name}.weight", f"{self_name}.weight.data") \
                    or isinstance(call.func, cst.Attribute) and call.func.attr.value in INPLACE_INIT_METHODS \
                    and dotted(call.func.value) in (f"{self_name}.weight", f"{self_name}.weight.data"):  # fmt: skip
                surely = id(call) in top
                found = (f"{cls.name}.__init__ (in {self.path}) runs `{short_code(call, 60)}`", surely)
                if surely:
                    return found
        return found

    def layer_base(self, cls: ClassInfo, depth: int = 0) -> Optional[str]:
        """The torch layer type a local class derives from (class MyLinear(nn.Linear))."""
        for base in cls.bases:
            name = torch_nn_name(base)
            if name in catalogue.LAYER_TYPES:
                return name
            if base.startswith("local:") and base[6:] in self.classes and depth < 5:
                found = self.layer_base(self.classes[base[6:]], depth + 1)
                if found:
                    return found
        return None

    def norm_base(self, cls: ClassInfo, depth: int = 0) -> Optional[str]:
        """The torch norm a class of this module derives from when its forward calls no module or
        method of its own (timm's LayerNorm2d, GroupNorm, LayerNormFp32; not BatchNormAct2d, whose
        forward runs its activation): gain-neutral whatever its forward spells, as the runtime
        trace takes it by its class. A base of another module counts where it is such a norm there
        (metaformer's LayerNorm2dNoBias(LayerNorm2d), LayerNorm2d in timm/layers)."""
        found, current, seen = None, cls, set()
        while current is not None and found is None and current.name not in seen:
            seen.add(current.name)
            found = next((torch_nn_name(b) for b in current.bases if torch_nn_name(b) in catalogue.NORM_MODULES), None)
            found = found or self._norm_base_elsewhere(current, depth)
            current = self.local_base(current)
        forward = self.forward_of(cls) if found else None
        if forward is None:
            return found
        self_name = _positional_params(forward[1])[0].name.value if _positional_params(forward[1]) else "self"
        calls_own = any(isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                        and dotted(node.func.value) == self_name for node in _walk_nodes(forward[1].body))  # fmt: skip
        return None if calls_own else found

    def _norm_base_elsewhere(self, cls: ClassInfo, depth: int) -> Optional[str]:
        """The torch norm a base of `cls` from another module of the program derives from (its own
        module's `norm_base`); None past a few modules (a cycle of bases)."""
        if self.loader is None or depth >= 4:
            return None
        for base in cls.bases:
            if base.startswith(("local:", "builtins.", "torch.")):
                continue
            found = self.loader.lookup(self, base)
            if found is None or found[0] != "class" or found[1] is None or found[1] is self or found[2] not in found[1].classes:
                continue
            norm = found[1].norm_base(found[1].classes[found[2]], depth + 1)
            if norm:
                return norm
        return None

    def build_class(self, cls: ClassInfo) -> None:
        if cls.attrs or cls.analysing:
            return
        cls.analysing = True
        found = self.method(cls, "__init__")
        if found is not None:
            ctx = Context(self, cls, found[1], depth=0)
            ctx.bind_params(found[1], self_bound=True)
            ctx.run_init()
            cls.attrs = ctx.attrs
            base = self.local_base(cls) if found[0] is cls and self._calls_super_init(found[1]) else None
            if base is not None and "forward" in cls.methods:
                # `super().__init__()` in its own __init__: the base's modules are its instances' too, the very
                # sites of the base's rows (no rows of its own for them), which its own forward then meets
                self.build_class(base)
                for name, value in base.attrs.items():
                    cls.attrs.setdefault(name, value)
        cls.analysing = False

    @staticmethod
    def _calls_super_init(init: cst.FunctionDef) -> bool:
        return any(isinstance(call.func, cst.Attribute) and call.func.attr.value == "__init__"
                   and isinstance(call.func.value, cst.Call) and dotted(call.func.value.func) == "super"
                   for call in _walk_calls(init.body))  # fmt: skip

    def summary(self, cls: ClassInfo) -> Summary:
        if cls.summary is not None:
            return cls.summary
        input_site = InputSite(cls.name)
        cls.summary = Summary(entry=input_site.outcomes, exits=frozenset(), input_site=input_site, done=False)
        self.build_class(cls)
        found = self.forward_of(cls)
        if found is None and self.sequential_substitute(cls):
            init = self.method(cls, "__init__")
            ctx = Context(self, cls, init[1] if init else _EMPTY_FUNCTION, depth=0)
            ctx.attrs = cls.attrs
            # a list or dict attribute is no submodule (an nn.ModuleList here would raise in forward)
            items = [(key, value) for key, value in registered_modules(cls.attrs, self, cls.registered_maybe)
                     if not (isinstance(value, ChainV) and value.kind == "list")]
            chain = ChainV(items, "sequential")
            ctx.summarise_chain(chain)
            cls.summary = chain.summary
            return cls.summary
        if found is None and self.norm_base(cls):  # a norm whose forward is its base's, elsewhere: the signal passes
            cls.summary.exits = frozenset({input_site})
            cls.summary.done = True
            return cls.summary
        if found is None:
            input_site.record("unknown", None, f"{cls.name} has no forward in this file")
            cls.summary.done = True
            return cls.summary
        if self.only_normalises(cls, found[1]):  # a hand-written LayerNorm / RMSNorm: the signal passes
            cls.summary.exits = frozenset({input_site})
            cls.summary.done = True
            return cls.summary
        # BertSelfOutput.forward(hidden_states, input_tensor): each input is followed on its own
        cls.summary.extra_inputs = {p.name.value: InputSite(f"{cls.name}({p.name.value})")
                                    for p in _positional_params(found[1])[2:]}  # fmt: skip
        ctx = Context(self, cls, found[1], depth=0)
        ctx.attrs = cls.attrs
        ctx.bind_params(found[1], self_bound=True, input_site=input_site, extra_inputs=cls.summary.extra_inputs)
        exits = ctx.run_forward()
        cls.summary.exits = exits
        shape = ctx.returned()
        if isinstance(shape, TupleV):  # forward returns (a, b): callers may unpack it
            cls.summary.positions = [ctx.as_flow(item).sites for item in shape.items]
        elif isinstance(shape, RecordV):  # forward returns a ModelOutput: callers read its fields
            cls.summary.fields = {name: (ctx.as_flow(value).sites, not _surely_tensor(value))
                                  for name, value in shape.fields.items()}  # fmt: skip
        cls.summary.done = True
        return cls.summary

    def as_passed(self, summary: Summary, inst: "InstV", assumed: Optional[dict] = None) -> Summary:
        """A summary of this module's class as another module's construction sees it: what a
        constructor default decided is unknown where that call passes another value. `assumed`:
        parameter -> the caller's own `ConstructorDefault` whose default class it passes
        (`BatchNormAct(c, act_layer=act_layer)` in a block whose act_layer defaults to nn.ReLU):
        what follows then rests on that default too."""
        if not self.default_params or not inst.passed:
            return summary
        assumed = assumed or {}
        replaced = []
        for activation, param, evidence in summary.entry:
            resting = []  # the caller's defaults this outcome now rests on
            for fact in getattr(evidence, "defaults", ()):
                given = inst.passed.get(fact.param, inst.passed.get("*"))
                if fact.path != self.path or fact.owner != inst.cls or given is None:
                    continue
                same = (isinstance(given, ClassRefV) and given.qualname == fact.default) or (
                    isinstance(given, tuple) and given[:1] == ("<literal>",) and short_code(given[1]) == fact.default)
                if not same:
                    activation, param, evidence = _passed_activation(given, fact.param, inst.cls)
                    resting = []
                    break
                if fact.param in assumed:
                    resting.append(assumed[fact.param])
            if resting:
                evidence = Evidence.assuming(evidence, (*getattr(evidence, "defaults", ()), *resting))
            replaced.append((activation, param, evidence))
        if all(new is old for new, old in zip((e for *_, e in replaced), (e for *_, e in summary.entry))) \
                and [r[:2] for r in replaced] == [r[:2] for r in summary.entry]:  # fmt: skip
            return summary
        old, new = summary.input_site, InputSite(summary.input_site.owner, replaced)

        def mapped(sites: frozenset) -> frozenset:  # its input passed through stays its (new) input
            return frozenset(new if s is old else s for s in sites)

        return dataclasses.replace(
            summary, entry=replaced, input_site=new, exits=mapped(summary.exits),
            positions=[mapped(p) for p in summary.positions] if summary.positions is not None else None,
            fields={k: (mapped(v), maybe) for k, (v, maybe) in summary.fields.items()} if summary.fields is not None else None,
        )  # fmt: skip

    def only_normalises(self, cls: ClassInfo, fn: cst.FunctionDef) -> bool:
        """Whether a module's forward only standardises its input, by structure (not by name):
        it builds no layer, calls no module, and computes a statistic of its input (mean, var,
        std) and scales by it (`/`, sqrt, rsqrt), or calls a functional norm; the rest is
        elementwise arithmetic with its own parameters and reshapes. LayerNorm2d, RMSNorm,
        ConvNeXt's channels-first LayerNorm. Gain-neutral, as nn.LayerNorm is."""
        if cls.sites or cls.contains or len(_positional_params(fn)) != 2 or fn.params.kwonly_params:
            return False
        self_name = _positional_params(fn)[0].name.value
        ops: set = set()
        divides = False
        for node in _walk_nodes(fn.body):
            if isinstance(node, (cst.Lambda, cst.FunctionDef, cst.ClassDef, cst.For, cst.While, cst.Yield)):
                return False
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide):
                divides = True
            if not isinstance(node, cst.Call):
                continue
            func = node.func
            text = dotted(func) or ""
            if text.startswith(self_name + ".") or text == self_name:
                return False  # a submodule or method: more than normalising
            q = self.imports.qualify(func)
            if q is not None:
                name = functional_name(q) if q.startswith("torch.") else None
            elif isinstance(func, cst.Attribute):
                name = func.attr.value  # a tensor method
            else:
                name = text if text in ("isinstance", "len") else None
            if name is None or name not in catalogue.NORMALISING_OPS:
                return False
            ops.add(name)
        if ops & catalogue.FUNCTIONAL_NORMS:
            return True
        return bool(ops & {"mean", "var", "std", "var_mean", "std_mean"}) and (
            divides or bool(ops & {"sqrt", "rsqrt", "std"}))  # fmt: skip

    # -- the run --------------------------------------------------------------------------

    def run(self) -> FileModel:
        self.collect()
        for cls in self.classes.values():
            cls.layer_subclass = self.layer_base(cls)
        for cls in self.classes.values():
            if cls.layer_subclass is None:
                self.summary(cls)
        if self.loader is not None:  # read by other modules' analyses: before this file's own judgement marks the sites
            from .interface import forward_facts

            self.forward_facts = forward_facts(self)
        self._run_module_code()
        for name, fn in self.functions.items():
            if name not in self.functions_used_by_classes:
                ctx = Context(self, None, fn, depth=0)
                ctx.bind_params(fn, self_bound=False)
                ctx.run_free_function()
        self.contained = set().union(*(c.contains for c in self.classes.values()))
        self._mark_uncalled_blocks()
        self._close_class_outputs()
        self._link_bindings()
        self.per_use = self._per_use_outcomes()
        self._settle_agreeing_uses()
        self.flag_variants = self._flag_variants()
        self.entry_uses = entry_outcomes(self)  # the module's own classes judged at each entry point
        self._decide_inits()
        return self._file_model()

    def _per_use_outcomes(self) -> dict:
        """id(site) -> [(call, container, (activation, param, evidence))]: a class this file builds
        several times with different arguments, whose layer meets different things in different
        uses, judged for each construction in a class of the file: its `__init__` and `forward`
        run again with that call's arguments (the defaults for the rest) on fresh sites, nothing
        of it kept but what follows each layer there. A layer its forward returns is left to the
        caller (unknown for that use); so are calls whose arguments are not known."""
        self.value_built_sites: set = set()
        self.value_build_calls: set = set()
        found: dict = self._value_built_outcomes()
        self.per_use_complete: set = set()  # id(site): every construction of its class here was judged
        self.per_use_reasons: dict = {}  # id(site) -> why no fix, from a use (an activation a config default chose)
        self.per_use_defaults: dict = {}  # id(site) -> what it meets built with the defaults: other files' uses start there
        # (id(site), id(call)) -> the class of this file nothing here uses whose output the layer is at that use
        self.per_use_open: dict = {}
        for key, cls in self.classes.items():
            mixed = [site for site in cls.sites
                     if resolve_outcomes(site.outcomes, site.split_by)[2].startswith((DIFFERENT_USES, SPLIT_APART))
                     or _rests_on_library_key(resolve_outcomes(site.outcomes, site.split_by)[2], cls.name)]  # fmt: skip
            calls = list(self.call_sites.get(key, [])) if key == cls.name else []
            init, forward = self.method(cls, "__init__"), self.forward_of(cls)
            # an nn.Sequential subclass keeping its forward runs its modules in the order registered: judged
            # so where what follows its layers rests on a key a library reads (MONAI's Convolution); where
            # its uses differ otherwise, its own row stays (one line may hold two of its constructions,
            # which nothing tells apart but their columns)
            runs = forward is not None and forward[0] is cls or forward is None and self.sequential_substitute(cls) \
                and all(_rests_on_library_key(resolve_outcomes(site.outcomes, site.split_by)[2], cls.name) for site in mixed)
            # a class holding blocks of this file: judged at the constructions that build none of them (`plain_only`)
            if not mixed or not calls or init is None or not runs or self.handed(key):
                continue
            judged = set()
            for call, enclosing in calls:
                container = self._method_owner(enclosing)
                if _partial_of(call) == key or (container is None and not self._runs_as_code(enclosing)):
                    continue
                outcomes = self._outcomes_for_call(cls, init[1], call, enclosing, plain_only=bool(cls.contains))
                judged.add(id(call))
                for site in mixed:
                    outcome, reason, opened = site_outcome(outcomes, site, cls.sites, (None, None, None))
                    found.setdefault(id(site), []).append((call, container, outcome))
                    if opened:
                        self.per_use_open[(id(site), id(call))] = opened
                    if reason:
                        self.per_use_reasons.setdefault(id(site), reason)
            if self.constructions.get(key, set()) <= judged:
                self.per_use_complete.update(id(site) for site in mixed)
            if judged:
                as_built = self._outcomes_for_call(cls, init[1], cst.Call(func=cst.Name(cls.node.name.value)), None,
                                                   plain_only=bool(cls.contains))
                for site in mixed:
                    self.per_use_defaults[id(site)] = site_outcome(as_built, site, cls.sites, (None, None))[0]
        return found

    def flag_run(self, cls: ClassInfo, flags: tuple) -> Optional[tuple]:
        """(shadow class, its summary): `cls` built again with its own flag parameters at the literals
        `flags` gives (((param, "False"), ...); the defaults for the rest), on fresh sites, nothing of
        the file's state kept. What another module's construction passing those flags meets
        (`ConvNormAct(..., apply_act=False)`: its conv then leaves its forward). None: not run."""
        key = (cls.name, flags)
        if key in self.flag_runs:
            return self.flag_runs[key]
        init, forward = self.method(cls, "__init__"), self.forward_of(cls)
        result = None
        # an nn.Sequential subclass keeping its forward, where a library key decides what follows its layers
        # (MONAI's Convolution, `conv_only=True`): as judged per construction (`_per_use_outcomes`)
        runs = forward is not None and forward[0] is cls or forward is None and self.sequential_substitute(cls) \
            and any(_rests_on_library_key(resolve_outcomes(site.outcomes, site.split_by)[2], cls.name) for site in cls.sites)
        if init is not None and runs and not _sets_attributes_by_name(cls, False) and cls.layer_subclass is None:
            result = self._shadow_run(cls, init[1], dict(flags))
        self.flag_runs[key] = result
        return result

    def flags_passed(self, cls: ClassInfo, passed: dict) -> tuple:
        """((param, literal), ...): the literal True/False a construction passes for a parameter of
        `cls` whose default is the other literal (`apply_act=False` where it defaults to True)."""
        found = self.method(cls, "__init__")
        if found is None:
            return ()
        defaults = {p.name.value: p.default for p in [*_positional_params(found[1])[1:], *found[1].params.kwonly_params]}
        out = []
        for name, value in passed.items():
            default = defaults.get(name)
            if isinstance(value, tuple) and value[:1] == ("<literal>",) and isinstance(value[1], cst.Name) \
                    and value[1].value in ("True", "False") and isinstance(default, cst.Name) \
                    and default.value in ("True", "False") and default.value != value[1].value:  # fmt: skip
                out.append((name, value[1].value))
        return tuple(sorted(out))

    def _shadow_run(self, cls: ClassInfo, init: cst.FunctionDef, flags: dict) -> Optional[tuple]:
        params = [*_positional_params(init)[1:], *init.params.kwonly_params]
        if not all(any(p.name.value == name for p in params) for name in flags):
            return None
        saved = _snapshot(vars(self))
        self.judging_use = self.flag_running = True
        try:
            self.flag_reads = []
            given = {name: ("<literal>", cst.Name(value)) for name, value in flags.items()}
            shadow, summary = self._fresh_construction(cls, init, params, given)
            return shadow, summary, list(self.flag_reads)
        except (RecursionError, ValueError, TypeError, AttributeError, KeyError):
            return None
        finally:
            _restore(saved)
            self.judging_use = self.flag_running = False
            self.flag_reads = []

    def _flag_variants(self) -> dict:
        """id(site) -> [[class, flag, literal, activation, param, evidence, [parameters it rests on]]]:
        for a layer whose activation rests on a literal True/False default of its own class's
        parameter (`apply_act=True`), what it meets with that flag flipped, the rest at the defaults;
        RETURNED where the class's forward then returns it (what follows is the caller's)."""
        found: dict = {}
        for key, cls in self.classes.items():
            own = cls.node.name.value
            for site in cls.sites:
                facts = [fact for _, _, e in site.outcomes for fact in getattr(e, "defaults", ())] + list(site.branch_defaults)
                if site in cls.sites and cls.forward_rests_on:
                    facts += list(cls.forward_rests_on)
                flags = sorted({fact.param: fact.default for fact in facts
                                if fact.path == self.path and fact.owner in (key, own) and fact.default in ("True", "False")}.items())  # fmt: skip
                for param, default in flags:
                    literal = "False" if default == "True" else "True"
                    run = self.flag_run(cls, ((param, literal),))
                    if run is None:
                        continue
                    shadow, summary, reads = run
                    # a factory's candidates (`Conv2dSame` or `nn.Conv2d`) are one layer: known where they agree
                    twins = [s for s in shadow.sites if s.name == site.name and s.layer_type == site.layer_type]
                    if not twins or len({(s.module_path, s.class_name) for s in twins}) != 1:
                        continue
                    judged = []
                    for twin in twins:
                        outcomes = list(twin.outcomes)
                        if any(s is twin for s in summary.exits):
                            outcomes.append((RETURNED, None, f"returned by {own}.forward"))
                        judged.append(resolve_outcomes(outcomes, twin.split_by))
                    activation, act_param, evidence = judged[0]
                    if len({j[:2] for j in judged}) != 1:
                        activation, act_param, evidence = "unknown", None, "its factory's candidates meet different things"
                    rests = [f for twin in twins for f in (*(f for _, _, e in twin.outcomes for f in getattr(e, "defaults", ())),
                                                           *twin.through_defaults, *twin.branch_defaults)] + list(shadow.forward_rests_on)  # fmt: skip
                    decided = sorted({(name, _default_text(default)) for owner_key, name, default in reads
                                      if owner_key in (key, own) and name != param})  # fmt: skip
                    found.setdefault(id(site), []).append(
                        [own, param, literal, activation, act_param, str(evidence),
                         sorted({f.param for f in rests if f.owner in (key, own)}),
                         [twins[0].module_path, twins[0].class_name, twins[0].name], [list(d) for d in decided]])  # fmt: skip
        return found

    def _value_built_outcomes(self) -> dict:
        """id(site) -> [(call, container, outcome)] for a class built through a value its container's
        constructor was given (timm's `block_fn(...)` in `make_blocks`, `block` a class the models pass):
        each such construction judged with the arguments the constructor ran it with. Its own row
        stays as it is: the class may be built elsewhere with others."""
        found: dict = {}
        for key, builds in self.value_builds.items():
            cls = self.classes.get(key)
            init, forward = (self.method(cls, "__init__"), self.forward_of(cls)) if cls is not None else (None, None)
            if init is None or forward is None or forward[0] is not cls:
                continue
            for call, container, args in builds.values():
                self.value_build_calls.add(id(call))
                outcomes = self._outcomes_for_call(cls, init[1], call, None, given=args)
                for site in cls.sites:
                    outcome = site_outcome(outcomes, site, cls.sites, (None, None))[0]
                    found.setdefault(id(site), []).append((call, container, outcome))
        self.value_built_sites = set(found)
        return found

    def _settle_agreeing_uses(self) -> None:
        """A layer every construction here judges alike (each known, the same activation) is
        judged where it is built, as if the uses had not been merged."""
        self.per_use_agreed: set = set()  # id(site): settled so; other files' uses may still differ
        self.agreed_by_code: set = set()  # id(site): settled by what a script passes, not by a class
        for cls in self.classes.values():
            for site in cls.sites:
                uses = self.per_use.get(id(site), [])
                if id(site) not in self.per_use_complete or not uses or any(o is None for _, _, o in uses):
                    continue
                agreed = {outcome[:2] for _, _, outcome in uses}
                if len(agreed) != 1 or next(iter(agreed))[0] == "unknown":
                    continue
                activation, param, evidence = uses[0][2]
                if any((a, p) != (activation, param) for a, p, _ in site.foreign):
                    continue  # another class's forward applies something else to its output itself
                self.per_use_agreed.add(id(site))
                if any(container is None for _, container, _ in uses):
                    self.agreed_by_code.add(id(site))
                where = f"at each of its {len(uses)} constructions here" if len(uses) > 1 else "at its one construction here"
                site.outcomes = [(activation, param, derived(f"{evidence}, {where}", evidence))]
                site.fix_reason = site.fix_reason or self.per_use_reasons.get(id(site))

    def _runs_as_code(self, fn: Optional[cst.FunctionDef]) -> bool:
        """A free function of this file or its module code: a script's `model = Net(act="tanh")`."""
        return fn is None or self.functions.get(fn.name.value) is fn or fn.name.value == MODULE_CODE

    def _method_owner(self, fn: Optional[cst.FunctionDef]) -> Optional[str]:
        for name, cls in self.classes.items():
            if fn is not None and any(method is fn for method in cls.methods.values()):
                return name
        return None

    def _attribute_set_once(self, node: cst.Attribute, enclosing: Optional[cst.FunctionDef]) -> Optional[cst.BaseExpression]:
        """What `self.x`, read in a method of a class of this file, holds: the value of the one
        assignment to it in the class's `__init__`, when no other statement binds it (one target,
        no other method sets it). None otherwise."""
        owner = self._method_owner(enclosing)
        if not (isinstance(node.value, cst.Name) and owner is not None and _positional_params(enclosing)
                and node.value.value == _positional_params(enclosing)[0].name.value):
            return None
        cls = self.classes[owner]
        init = cls.methods.get("__init__")
        if init is None or not _positional_params(init) or node.attr.value in self.attributes_set_outside_init(cls) \
                or any(f"local:{owner}" in other.bases for other in self.classes.values()):  # fmt: skip
            return None  # (a subclass's instance may hold another value there when the method runs)
        written = f"{_positional_params(init)[0].name.value}.{node.attr.value}"
        bound = [a for a in _walk_nodes(init.body) if isinstance(a, (cst.Assign, cst.AnnAssign, cst.AugAssign)) and any(
            dotted(t.target) == written for t in (a.targets if isinstance(a, cst.Assign) else [a]))]  # fmt: skip
        return bound[0].value if len(bound) == 1 and isinstance(bound[0], cst.Assign) and len(bound[0].targets) == 1 else None

    def _passed_activation(self, node: cst.BaseExpression, enclosing: Optional[cst.FunctionDef]) -> Optional[cst.Call]:
        """The call building an activation module (torch's, literal arguments only: they read the same
        in the callee's scope) that a construction passes as an instance: written at the call
        (`gate=nn.SELU(inplace=True)`), or an attribute the caller's class sets once, in its
        `__init__` and nowhere else (`self.gate = nn.SELU()`, then `ConvBlock(c, c, self.gate)` in
        `__init__` or in a method building blocks). None otherwise."""
        if isinstance(node, cst.Attribute):
            node = self._attribute_set_once(node, enclosing)
        if not isinstance(node, cst.Call) or torch_nn_name(self.imports.qualify(node.func) or "") not in catalogue.ACTIVATION_MODULES:
            return None
        return node if all(not a.star and _plain_literal(a.value) for a in node.args) else None

    def _outcomes_for_call(self, cls: ClassInfo, init: cst.FunctionDef, call: cst.Call,
                           enclosing: Optional[cst.FunctionDef], given: Optional[dict] = None,
                           returned: Optional[list] = None, followed: Optional[list] = None,
                           plain_only: bool = False) -> dict:  # fmt: skip
        """Layer name -> (what follows it when built by this call, why no fix: a config default
        chose it, the unused class whose output it then is): in `cls`'s own forward, and for a
        layer it returns, after this construction in the forward that applies it (its `UseProbe`),
        or `returned` (the model an entry point builds: its output is the model's). Where the run
        completes, `followed` gets one item: the `followed` records of what this construction's code
        does with other modules' layers (its class as `by`), for this construction only. With
        `plain_only`, unknown for each layer where the run builds a block of a class of this file (its
        layers come into being on the lines of this class's, and meet other things)."""
        params = _positional_params(init)[1:]
        names = [p.name.value for p in params] + [p.name.value for p in init.params.kwonly_params]
        passed: dict = {}
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if any(a.star == "*" for a in call.args) or len(positional) > len(params) or self.sets_attributes_by_name(cls):
            return {}
        if given is not None:  # the values the interpreter ran the call with: no node of it read again
            positional = []
        unpacked = given is None and any(a.star == "**" for a in call.args)  # `GhostModule(..., **dd)`: what its dicts hold on each run
        for index, arg in enumerate(positional):
            passed[names[index]] = arg.value
        for arg in call.args if given is None else ():
            if arg.keyword is not None:
                passed[arg.keyword.value] = arg.value
        saved = _snapshot(vars(self))
        self.judging_use = True
        recorded = len(self.followed)
        try:
            self.sites_by_key.clear()
            shadow = dataclasses.replace(cls, sites=[], attrs={}, summary=None, analysing=False, contains=set(),
                                         init_rules=[], routines=[], unsettled=set(), registered_maybe=set())  # fmt: skip
            ctx = Context(self, shadow, init, depth=0)
            args: dict = {}
            for p in [*params, *init.params.kwonly_params]:
                name = p.name.value
                if given is not None and name in given:
                    args[name] = given[name]
                elif name in passed and (made := self._passed_activation(passed[name], enclosing)) is not None:
                    args[name] = ctx.eval_module(made, bind_site=False)  # `gate=nn.SELU()`: that activation module
                elif name in passed:
                    values = self.static_value(passed[name], enclosing, 0)
                    if not values:  # channels and the like: unknown, and what rests on them is unknown
                        args[name] = UnknownV(f"parameter {name} (this call passes a value not known here)")
                        continue
                    args[name] = self._container_default(passed[name], enclosing, values) or one_of(values)
                elif unpacked and (presence := self.unpacked_presence(call, enclosing, name)) != "none":
                    values = self.unpacked_values(call, enclosing, name) if presence == "all" else None
                    args[name] = one_of(values) if values else UnknownV(
                        f"parameter {name} (this call's ** dicts may pass a value not known here)")
                else:
                    default = ctx.eval_module(p.default, bind_site=False) if p.default is not None else None
                    default = default if default is not None else self.annotated_object(p.annotation)
                    args[name] = ParamV(name, default if default is not None else UnknownV(f"parameter {name}"),
                                        cls.name)  # fmt: skip
            ctx.bind_params(init, self_bound=True, args=args)
            ctx.passed_literals = _written_literals({name: node for name, node in passed.items() if name not in (given or {})})
            ctx.run_init()
            if plain_only and shadow.contains:
                built = ", ".join(sorted(shadow.contains))
                return {site.name: (("unknown", None, f"this construction may build {built} (a block of this file) "
                                                      f"in its place, whose layers meet other things"), None, None)
                        for site in cls.sites}  # fmt: skip
            shadow.attrs = ctx.attrs
            if ctx.early_exits:  # `if small: return`: each attribute is one of several values
                shadow.unsettled.update(shadow.attrs)
            summary = self.summary(shadow)
            leaving = {id(site) for site in summary.exits}
            # a layer the block returns meets, at this use, what follows this construction's output
            probe = self.use_probes.get(id(call))
            after = [(a, p, derived(f"{e}, after {cls.node.name.value}", e)) for a, p, e in probe.outcomes] if probe else []
            after = after or list(returned or [])
            found = {}
            nodes: dict = {}  # name -> the constructions the run built layers of that name at
            for site in shadow.sites:
                outcomes = site.outcomes + after if id(site) in leaving else site.outcomes
                if outcomes and (after or id(site) not in leaving):
                    reason = site.fix_reason or (probe.fix_reason if probe and id(site) in leaving else None)
                    opened = probe.open_output if probe is not None and id(site) in leaving else None
                    found[site.name, id(site.node)] = (resolve_outcomes(outcomes, site.split_by), reason, opened)
                else:
                    found[site.name, id(site.node)] = (("unknown", None, "returned to the code that builds it here"), None, None)
                nodes.setdefault(site.name, set()).add(id(site.node))
            for name, built in nodes.items():  # by name alone where one construction made it (see site_outcome)
                if len(built) == 1:
                    found[name] = found[name, next(iter(built))]
            if followed is not None:
                # a container this entry point's run builds it in is judged too (construction_summary):
                # what follows there is its record, not what every way the module builds it meets
                inside = self.entry_run.given.get(id(call)) is not None and not returned
                followed.append(self._followed_here(cls, summary, self.followed[recorded:], [] if inside else after))
            return found
        except (RecursionError, ValueError, TypeError, AttributeError, KeyError):
            return {}
        finally:
            _restore(saved)
            self.judging_use = False

    def construction_summary(self, cls: ClassInfo, call: cst.Call) -> Optional[Summary]:
        """While an entry point's run is judged (`entry_run.given`, entry_uses.py): the summary of `cls` as
        `call` builds it on that run, with what every construction there gave it (a ConvNeXt stage's
        blocks, each with its kernel size and norm class, instead of every way the module may build
        them). None: not judged so (the module-wide summary holds)."""
        run = self.entry_run
        given = run.given.get(id(call))
        if given is None or cls.layer_subclass is not None or cls.name in run.building:
            return None
        key = (cls.name, id(call))
        if key not in run.summaries:
            init = self.method(cls, "__init__")
            run.summaries[key] = None
            if init is not None and self.forward_of(cls) is not None \
                    and not self.sets_attributes_by_name(cls):  # fmt: skip
                run.building.add(cls.name)
                try:
                    run.summaries[key] = self._given_run(cls, init[1], given)
                finally:
                    run.building.discard(cls.name)
        return run.summaries[key]

    def holding_summary(self, cls: ClassInfo, value: InstV) -> Optional[Summary]:
        """The summary of `cls` as `value`'s construction builds it, where its forward runs a module
        that construction handed it (`Residual(fn)`, `PreNorm(dim, fn)`: `self.fn(x)`), which the
        class-wide summary leaves unknown (`param_exits`). Only for a class that builds no layer of its
        own: a copy of one would have no row of its own to carry what follows it here. None: not so."""
        summary = self.summary(cls)
        handed = [param for param, held in (value.given or {}).items()
                  if isinstance(held, (InstV, LayerV, ChainV)) and (cls.name, param) in self.param_exits]
        if not handed or cls.sites or not summary.done or cls.layer_subclass is not None:
            return None
        # per construction and what it was handed on this run (a judged use or entry point hands others)
        key = (id(value.call), tuple(id(held) for held in value.given.values()))
        kept_run = self.holding_runs.get(key)
        if kept_run is not None and all(a is b for a, b in zip(kept_run[0], value.given.values())):
            return kept_run[1]
        init = self.method(cls, "__init__")
        self.holding_runs[key] = (tuple(value.given.values()), None)  # inside its own summary: the class-wide one
        if init is not None and not memoised(self, "sets attributes by name", cls.node,
                                             lambda: _sets_attributes_by_name(cls)):  # fmt: skip
            # the handed layers keep their names and fix anchors: the copy's `self.fn = fn` names none
            sites = [site for param in handed for site in self._handed_sites(value.given[param])]
            kept = [(site, site.name, site.class_name, site.anchor, site.weight) for site in sites]
            # a layer handed as it is: what follows it there is the class-wide record (`_link_bindings`,
            # "as fn= of Residual"); only what goes into the wrapper is read from this run
            bare = [(held.site, list(held.site.outcomes)) for held in value.given.values() if isinstance(held, LayerV)]
            try:
                self.holding_runs[key] = (tuple(value.given.values()), self._given_run(cls, init[1], value.given))
            finally:
                for site, *fields in kept:
                    site.name, site.class_name, site.anchor, site.weight = fields
                for site, outcomes in bare:
                    site.outcomes[:] = outcomes
        return self.holding_runs[key][1]

    def _handed_sites(self, value: object) -> list:
        if isinstance(value, InstV):
            cls = self.classes.get(value.cls) if value.module is None else None
            return list(cls.sites) if cls is not None else []
        return sites_in(value)

    def _fresh_construction(self, cls: ClassInfo, init: cst.FunctionDef, params: list, given: dict) -> tuple:
        """`cls` built again on fresh sites, `given` (parameter -> value) passed, the defaults for the
        rest: (its copy, its summary). The caller keeps and restores the file's state around it."""
        self.sites_by_key.clear()
        shadow = dataclasses.replace(cls, sites=[], attrs={}, summary=None, analysing=False, contains=set(),
                                     init_rules=[], routines=[], unsettled=set(), default_chosen={}, registered_maybe=set(),
                                     forward_rests_on=[])  # fmt: skip
        ctx = Context(self, shadow, init, depth=0)
        args: dict = {}
        for p in params:
            name = p.name.value
            if name in given:
                args[name] = given[name]
                continue
            default = ctx.eval_module(p.default, bind_site=False) if p.default is not None else None
            default = default if default is not None else self.annotated_object(p.annotation)
            args[name] = ParamV(name, default if default is not None else UnknownV(f"parameter {name}"), cls.name)
        ctx.bind_params(init, self_bound=True, args=args)
        ctx.passed_literals = _written_literals({name: value[1] for name, value in given.items()
                                                 if isinstance(value, tuple) and len(value) == 2 and value[0] == "<literal>"})  # fmt: skip
        ctx.run_init()
        shadow.attrs = ctx.attrs
        if ctx.early_exits:
            shadow.unsettled.update(shadow.attrs)
        return shadow, self.summary(shadow)

    def _given_run(self, cls: ClassInfo, init: cst.FunctionDef, given: dict) -> Optional[Summary]:
        """`cls` built again with `given` (parameter -> value; the defaults for the rest), on fresh
        sites, nothing of the file's state kept but what the caller's run goes on with: its summary."""
        params = [*_positional_params(init)[1:], *init.params.kwonly_params]
        saved = _snapshot(vars(self))
        judging = self.judging_use
        self.judging_use = True
        try:
            _, summary = self._fresh_construction(cls, init, params, given)
            return summary if summary.done else None
        except (RecursionError, ValueError, TypeError, AttributeError, KeyError):
            return None
        finally:
            _restore(saved)
            self.judging_use = judging

    def _followed_here(self, cls: ClassInfo, summary, records: list, after: list) -> list:
        """The `followed` records one judged construction of `cls` made (what its code does with
        other modules' layers), and, for another module's layer its forward returns, what follows
        this construction's output (`after`), else RETURNED: up to the class's users."""
        name = cls.name
        out = [[*record[:5], str(record[5]), *record[6:]] for record in records if record[6] == name]
        for site in summary.exits:
            if type(site) is not Site or site.module_path == self.path:
                continue
            tag = [site.use_tag] if site.use_tag else []
            for activation, param, evidence in after or [(RETURNED, None, "")]:
                out.append([site.module_path, site.class_name, site.name, activation, param, str(evidence), name, *tag])
        return out

    def _run_module_code(self) -> None:
        """A script's own statements (`model = nn.Sequential(...)`, `net.apply(init)`), run as
        constructor code of a function named MODULE_CODE; what they call is theirs, as a class's."""
        body = [stmt for stmt in self.module.body if not isinstance(stmt, (cst.ClassDef, cst.FunctionDef))]
        if not any(isinstance(stmt, (cst.SimpleStatementLine, cst.If, cst.For, cst.While, cst.With, cst.Try))
                   and not _only_imports(stmt) for stmt in body):  # fmt: skip
            return
        fn = cst.FunctionDef(name=cst.Name(MODULE_CODE), params=cst.Parameters(), body=cst.IndentedBlock(body=body))
        ctx = Context(self, None, fn, depth=0)
        for stmt in body:
            try:
                ctx.run_stmt(stmt)
            except RecursionError:
                # `x = 1 + 1 + ...` a thousand deep: CPython compiles it; a script statement that deep
                # builds no model we could follow, and the classes of the file are still analysed
                continue

    def _class_line(self, cls: ClassInfo) -> list:
        """The class and its bases among this file's classes."""
        line, current = [], cls
        while current is not None and all(known is not current for known in line) and len(line) < 8:
            line.append(current)
            current = self.local_base(current)
        return line

    def _mark_uncalled_blocks(self) -> None:
        """A block of this file held by a class that never calls it, only reads its attributes
        (`self.abs_pos_emb = NormLinear(...)`, then `self.abs_pos_emb.weight[...]`): the layers it
        returns do not run there, so what its other users do with them is not what follows them
        there: unknown at that construction."""
        assigned = self.self_assigned_calls()
        for holder in self.classes.values():
            init = holder.methods.get("__init__")
            if init is None or any(f"local:{holder.name}" in other.bases for other in self.classes.values()):
                continue  # (a subclass's methods may call it)
            for call in _walk_calls(init.body):
                attr = assigned.get(id(call))
                block = self.classes.get(call.func.value) if isinstance(call.func, cst.Name) else None
                if block is None:
                    continue
                # (a method of the block read, `self.pos.encode`, may be called through another name; a property
                # that calls nothing, `return self.linear.weight`, only reads)
                methods = {name for cls in self._class_line(block) for name, fn in cls.methods.items()
                           if not (any(dotted(d.decorator) == "property" for d in fn.decorators)
                                   and not any(isinstance(node, cst.Call) for node in _walk_nodes(fn.body)))}
                methods |= {"forward", "__call__"}
                if attr is None or block is None or block.layer_subclass is not None or block.summary is None \
                        or not _only_attributes_read(holder, attr, methods):  # fmt: skip
                    continue
                for site in block.summary.exits:
                    if type(site) is Site:
                        site.record("unknown", None, f"`self.{attr}` of {holder.name} is never called, its attributes "
                                                     f"read: its layer does not run there")  # fmt: skip

    def _close_class_outputs(self) -> None:
        """A class's output sites that no flow in this file consumed.

        The top-level models (classes nothing here uses) go first: what a submodule returns to
        them and they return in turn is the model's output, "none". What is left is returned
        to a caller this file does not show.
        """
        # every definition of a name shares its uses
        flowing = {c.node.name.value for c in self.classes.values() if c.used_in_flow}

        def is_used(cls: ClassInfo) -> bool:
            name = cls.node.name.value
            if built_only_by_free_code(self, name):  # a model its registered entry points build
                return name in flowing or self._built_by_a_class(name)
            # `super(Generator, self)` names the class without using it: the model is still the top
            handed = self.references.get(name, 0) > self.harmless_refs.get(name, 0)
            return bool(name in flowing or handed or self._built_by_a_class(name))

        ordered = sorted(self.classes.values(), key=is_used)
        for cls in ordered:
            summary = cls.summary
            if summary is None:
                continue
            used = is_used(cls)
            for site in summary.exits:
                if type(site) is Site and site.module_path != self.path:
                    # another module's layer this class returns: what follows is up to this class's
                    # users, or, for a model nothing here uses, the model's output
                    model = "" if used else f"returned as the output of {cls.node.name.value}.forward"
                    self.followed.append([site.module_path, site.class_name, site.name, RETURNED, None, model, cls.name,
                                          *([site.use_tag] if site.use_tag else [])])  # fmt: skip
                if isinstance(site, ActivationOutput) and not used and not site.feeds_layer:
                    for head in site.sites:
                        head.output_head = True
                        head.open_output = cls.name
                if not isinstance(site, (Site, UseProbe)) or (site.outcomes and (used or type(site) is UseProbe)):
                    continue  # a user here recorded what follows
                shown = cls.node.name.value
                if used:
                    site.record("unknown", None, f"returned by {shown}.forward to a caller not known here")
                elif isinstance(site, Site) and site.outcomes:
                    several = "*" in (site.name or "")  # `self.layers[-1](x)` after `for l in self.layers[:-1]`
                    if site.raw_on_other_path and site.class_name in (cls.name, shown):
                        site.record("none", None, f"returned as the output of {shown}.forward on another path")
                        continue
                    if site.class_name in (cls.name, shown) and not several or all(a == "none" for a, *_ in site.outcomes):
                        continue  # its own layer, whose forward recorded what follows it (a head's loss); or "none" anyway
                    if several and site.class_name in (cls.name, shown):
                        # one construction, several layers: the one returned is the model's output
                        site.record("none", None, f"returned as the output of {shown}.forward")
                        continue
                    # a block's layer another class here applies otherwise: judged per use (its UseProbe
                    # here is open, for the program to follow this class's users in other modules)
                    site.record("none", None, f"returned as the output of {shown}.forward")
                else:
                    site.record("none", None, f"returned as the output of {shown}.forward")
                    site.open_output = cls.name

    def _built_by_a_class(self, name: str) -> bool:
        return name in self.contained

    def _link_bindings(self) -> None:
        """A module passed to a constructor (downsample=...) is followed by what follows it there."""
        for value, cls_name, param in self.bindings:
            exit_site = self.param_exits.get((cls_name, param))
            if exit_site is None:
                continue
            for site in self._exits_of(value):
                for activation, act_param, evidence in exit_site.outcomes:
                    site.record(activation, act_param, derived(f"{evidence}, as {param}= of {cls_name}", evidence))

    def _exits_of(self, value: object) -> list:
        if isinstance(value, LayerV):
            return [value.site]
        if isinstance(value, ChainV) and value.summary is not None:
            return [s for s in value.summary.exits if isinstance(s, Site)]
        if isinstance(value, InstV) and value.module is None and value.cls in self.classes:
            return [s for s in self.summary(self.classes[value.cls]).exits if isinstance(s, Site)]
        return []

    # -- init -----------------------------------------------------------------------------

    def _decide_inits(self) -> None:
        # Init rules a class applies to its whole tree (init loops, apply(fn), post_init).
        self.script_runs = self._script_method_runs()
        for cls in self.classes.values():
            InitScanner(self, cls).scan()
        self._scan_outside_apply()
        containers = self._containment()
        self.init_loops_over_unknown = [c for c in self.classes.values() if c.contains_unknown and c.init_rules]
        for cls in self.classes.values():
            for site in cls.sites:
                self._decide_site_init(site, cls, containers)
        for name, call in self.emptied.items():
            self._materialised_empty(name, call, containers)
        built_for = self._functions_built_for_classes()
        for site in self.free_sites:
            if site.init_state is None and site.explicit_init is None:
                owners = built_for.get(site.function, [])
                rules = [r for r in (self._covering_rule(self.classes[o], site) for o in owners) if r is not None]
                if rules and len(rules) == len(owners):
                    self._apply_rule(site, rules[0])
                elif rules:
                    site.init_state, site.init_evidence = "unknown", "covered by a class's init loop in some uses"
                else:
                    site.init_state, site.init_evidence = "default", "no init found for it in this file"
                    site.init_open = True

    def _script_method_runs(self) -> dict:
        """class name -> its methods that module code and free functions run on every construction
        of it here (`model = Net(); model.init_weights()`), when no class of the file builds it: run
        once it is built, they are routines of its construction, after all of `__init__`."""
        found: dict = {}  # class name -> [the methods each construction runs]
        for statements in self._script_bodies():
            built: dict = {}  # variable -> (class name, the methods run on it)
            for stmt in statements:
                for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
                    name = _bound_name(small)
                    if name is not None:
                        cls_name = self._constructed_class(small.value)[0]
                        if cls_name in self.classes:
                            built[name] = (cls_name, set())
                            found.setdefault(cls_name, []).append(built[name][1])
                        else:
                            built.pop(name, None)
                    elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) \
                            and isinstance(small.value.func, cst.Attribute) and dotted(small.value.func.value) in built:  # fmt: skip
                        cls_name, methods = built[dotted(small.value.func.value)]
                        if small.value.func.attr.value in self.classes[cls_name].methods:
                            methods.add(small.value.func.attr.value)
        runs: dict = {}
        for cls_name, each in found.items():
            every = set.intersection(*each) - {"forward", "__init__", "__call__"}
            if every and len(each) >= self.top_calls.get(cls_name, 0) and not self._built_by_a_class(cls_name):
                runs[cls_name] = every
        return runs

    def _factories(self) -> dict:
        """free function -> (class of this module, args, constructions) where every `return` of it
        builds that class (`return Generator().to(device)`) and this module never calls it: its
        callers elsewhere hold the model it builds."""
        out: dict = {}
        for name, fn in self.functions.items():
            built = self._factory_returns(name)
            if built is None:
                continue
            calls = [call for _, _, call in built]
            args = self._arg_facts(calls[0], None) if len(calls) == 1 else {"*": ["unknown", "one of several returns"]}
            if len(calls) == 1:  # `return Net(act_layer=act_layer)`: what each call of the factory passes it
                params = {p.name.value: p for p in _all_params(fn)}
                for arg in calls[0].args:
                    if arg.star or not isinstance(arg.value, cst.Name) or arg.value.value not in params:
                        continue
                    key = arg.keyword.value if arg.keyword is not None else str(calls[0].args.index(arg))
                    default = params[arg.value.value].default
                    args[key] = ["factory_param", arg.value.value,
                                 self._arg_fact(default, set()) if default is not None else None]
            out[name] = (next(cls_name for cls_name, applied, _ in built if applied is None), args, len(calls))
        return out

    def _made_by(self, cls_name: str, factories: dict) -> list:
        """The factories whose returns are all of the class's constructions outside classes, or []."""
        names = sorted(name for name, (built, _, _) in factories.items() if built == cls_name)
        count = sum(factories[name][2] for name in names)
        return names if names and count == self.top_calls.get(cls_name, 0) else []

    def _own_binds(self, cls: ClassInfo) -> list:
        """(attribute, statement) for each `self.<attribute> = ...` of its own __init__, first binding each."""
        init = cls.methods.get("__init__")
        params = _positional_params(init) if init is not None else []
        if not params:
            return []
        self_name, found = params[0].name.value, {}
        for node in _walk_nodes(init):
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                for target in [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]:
                    if isinstance(target, cst.Attribute) and dotted(target.value) == self_name:
                        found.setdefault(target.attr.value, node)
        return list(found.items())

    def _inherited_mutations(self, cls: ClassInfo) -> list:
        """(attribute, node) for each change in place its own __init__ makes to an attribute it does
        not bind itself (a base built it): `self.final.add_module(...)`, `.append`, `self.head[0] = ...`."""
        init = cls.methods.get("__init__")
        if init is None or not any(base.startswith("local:") or "." in base or base[:1].isupper() for base in cls.bases):
            return []
        self_name = init.params.params[0].name.value if init.params.params else "self"
        own = set()  # what it binds itself: `self.final = ...`
        for node in _walk_nodes(init):
            if isinstance(node, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                for target in [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]:
                    if isinstance(target, cst.Attribute) and dotted(target.value) == self_name:
                        own.add(target.attr.value)
        found = []
        for node in _walk_nodes(init):
            target = None
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in ("add_module", "register_module", "append", "extend", "insert"):  # fmt: skip
                target = node.func.value
            elif isinstance(node, cst.Assign) and isinstance(node.targets[0].target, cst.Subscript):
                target = node.targets[0].target.value
            if isinstance(target, cst.Subscript):
                target = target.value
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                    and target.value.value == self_name and target.attr.value not in own:  # fmt: skip
                found.append((target.attr.value, node))
        return found

    def self_assigned_calls(self) -> dict:
        """`_self_assigned_calls` of this file's classes, walked once (rows at uses and the summary read it)."""
        if self._self_assigned is None:
            self._self_assigned = _self_assigned_calls(self.classes.values())
        return self._self_assigned

    def _script_bodies(self) -> typing.Iterator[list]:
        """The statements of module code, then of each free function: what runs outside classes
        and builds models (each body tracks its own variables)."""
        return (statements for _, statements in self._named_script_bodies())

    def _named_script_bodies(self) -> typing.Iterator[tuple[Optional[str], list]]:
        """`_script_bodies`, each with its free function's name (None: module code)."""
        yield None, _flat_statements(self.module.body)
        for name, fn in self.functions.items():
            if isinstance(fn.body, cst.IndentedBlock):
                yield name, _flat_statements(fn.body.body)

    def _materialised_empty(self, name: str, call: cst.Call, containers: dict) -> None:
        """`model.to_empty(device=...)` in a script: the weights of the model and of all it holds are
        uninitialised memory after it, whatever its construction drew (on the meta device, nothing):
        what runs after it decides, which this file does not follow."""
        inner = {name} | {other for other, holders in containers.items() if name in holders}
        for cls_name in inner:
            for site in self.classes[cls_name].sites:
                if call is _RESET_AFTER_EMPTY:  # each layer's own default again: an init of __init__ is gone
                    if site.explicit_init is not None or site.init_state == "explicit":
                        site.explicit_init, site.init_state, site.init_open = None, "unknown", False
                        site.init_evidence = (f"{name} is materialised with `to_empty()` and each module's "
                                              f"reset_parameters() runs again: its init in __init__ is undone")  # fmt: skip
                    continue
                site.explicit_init, site.init_state, site.init_open = None, "unknown", False
                site.init_evidence = f"`{short_code(call, 40)}` in this file {_WEIGHTS_REPLACED_BY[call.func.attr.value]}"

    def _loop_branches(self, loop: cst.For) -> list:
        """(types, init call) branches of `for m in model.modules(): <body>`, as an `.apply` of a function
        whose body it is; [(None, None)] where it cannot be read (it may then reach any layer)."""
        key = ("<loop>", id(loop))
        if key not in self.handed_cache:
            found = list(InitScanner(self, None).branches(loop.body, loop.target.value)) if isinstance(loop.target, cst.Name) else []
            self.handed_cache[key] = (loop, found or [(None, None)])
        return self.handed_cache[key][1]

    def rules_of_apply(self, fn_node: cst.BaseExpression, cls: Optional[ClassInfo]):
        """The function passed to .apply(...) and its (types, init call) branches; None if not in this file."""
        text = dotted(fn_node) or ""
        target: Optional[cst.FunctionDef] = None
        self_bound = False
        home: FileAnalysis = self
        if text.startswith("self.") and cls is not None:
            found = self.method(cls, text[5:])
            target, self_bound = (found[1], True) if found else (None, False)
            inherited = self.inherited(cls, text[5:]) if found is None and self.loader is not None else None
            if inherited is not None:  # `_init_weights` of a base class another module defines
                home, cls, target, self_bound = inherited[0], inherited[1], inherited[2], True
        elif text in self.functions:
            target = self.functions[text]
        elif isinstance(fn_node, cst.Call) and dotted(fn_node.func) in ("partial", "functools.partial") and fn_node.args:
            inner = dotted(fn_node.args[0].value) or ""
            target = self.functions.get(inner)
            if inner.startswith("self.") and cls is not None:  # partial(self._init_weights, needs_reset=False)
                found = self.method(cls, inner[5:])
                target, self_bound = (found[1], True) if found else (None, False)
        imported = fn_node
        if target is None and isinstance(fn_node, cst.Call) and dotted(fn_node.func) in ("partial", "functools.partial") \
                and fn_node.args and not fn_node.args[0].keyword:  # fmt: skip
            # `partial(init_fn, gain=2.0)` of another module's function: what it binds is not read into its
            # calls (`gain=gain` there), so what they draw is not known
            imported = fn_node.args[0].value
            if len(fn_node.args) > 1:
                self.partial_applies.add(id(fn_node))
        if target is None and self.loader is not None and isinstance(imported, (cst.Name, cst.Attribute)):
            # `from utils import weights_init`: read in its module, whose imports name its calls
            q = self.imports.qualify(imported)
            found = self.loader.lookup(self, q) if q and q.split(".", 1)[0] not in ("torch", "builtins") else None
            if found is not None and found[0] == "function" and found[1] is not None:
                home, target, cls = found[1], found[1].functions.get(found[2]), None
        if target is None:
            return None
        params = _positional_params(target)
        static = any(dotted(d.decorator) in ("staticmethod", "builtins.staticmethod") for d in target.decorators)
        if (self_bound and not static) or (params and params[0].name.value == "self"):
            params = params[1:]  # `self.apply(self.init_weights)`: bound, so the module comes second (not a staticmethod)
        var = params[0].name.value if params else "m"
        if home is not self:
            return target, home.routine_branches(cls, target, var)
        return target, list(InitScanner(home, cls).branches(target.body, var))

    def routine_branches(self, cls: Optional[ClassInfo], target: cst.FunctionDef, var: str) -> list:
        """(types, init call) branches of an init routine of this module that another module's
        `.apply(...)` runs, with their lines read here (nothing else places them): read once per
        loaded module and served to every `.apply` site and every file that runs it."""
        key = (id(target), cls.name if cls is not None else None, var)
        if key not in self.served_routines:
            pending = len(self.pending_lines)
            branches = list(InitScanner(self, cls).branches(target.body, var))
            found_calls = self.pending_lines[pending:]
            del self.pending_lines[pending:]
            holder = next((k for k, stmt in enumerate(self.module.body) if stmt is target), None)
            spans = compute_spans(self.module, [node for _, node in found_calls],
                                  {id(node): holder for _, node in found_calls} if holder is not None else None,
                                  self.source, self.c_tree)  # fmt: skip
            for info, node in found_calls:
                info.line, info.path = (spans[id(node)][0][0] if id(node) in spans else 0), self.path
            self.served_routines[key] = branches
        return self.served_routines[key]

    def _scan_outside_apply(self) -> None:
        """`net = Net(); net.apply(weights_init)` in free functions and module code (the DCGAN idiom).

        It counts for a class when every construction of it outside classes is followed by an
        apply with a function of this file, and no class here builds it (else: unknown).
        """
        covered: dict[str, list] = {}
        path_covered: dict[str, list] = {}  # this module's class -> [_PathInit] module code runs on one it built
        ext: list = []  # [qualified callee, construction call, [functions .apply(...) runs on it]]
        listed: set = set()  # id() of the construction calls in `ext`

        def listed_once(callee: str, call: cst.Call, fns: list) -> list:
            entry = [callee, call, fns]
            if id(call) not in listed:
                ext.append(entry)
                listed.add(id(call))
                self.script_build_function[id(call)] = function
            return entry

        always = _unconditional_statements(self.module.body)  # a method run under `if` may not run
        # `if args.init: model.apply(fn)`: an init that runs on some runs only (under the `if`
        # that built the model too, whenever that model is built)
        conditions = statement_conditions(self.module.body)
        for fn in self.functions.values():
            always |= _unconditional_statements(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else set()
            conditions.update(statement_conditions(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else {})
        for function, statements in self._named_script_bodies():
            built: dict[str, object] = {}  # variable -> its class's name, or its entry of `ext`
            built_under: dict[str, tuple] = {}  # variable -> the conditions its construction ran under
            for stmt in statements:
                looped = _init_loop_over(stmt)
                if looped is not None and isinstance(built.get(looped), (list, str)):
                    # `for m in model.modules(): nn.init...(m.weight)`, read as an `.apply` of its body
                    loop = _LoopInit(stmt, not runs_whenever(conditions.get(id(stmt), ()), built_under.get(looped, ())))
                    self._loop_branches(stmt)  # read now, so that its calls get lines with the layers' positions
                    held = built[looped]
                    (held[2] if isinstance(held, list) else covered.setdefault(held, [])).append(loop)
                over = _parameter_loop_over(stmt)
                root = over.split(".", 1)[0] if over else None
                if root is not None and isinstance(built.get(root), (list, str)):
                    # `for p in model.parameters(): if p.dim() > 1: nn.init.xavier_uniform_(p)` (the annotated
                    # transformer): every weight it reaches, as an `.apply` would
                    var, name = _parameter_loop_names(stmt.target)
                    found = InitScanner(self, None).parameter_inits(stmt.body, var, name) if var else UNDECIDED_PARAMETER
                    if found is not None:
                        if isinstance(found, InitCall):
                            self.pending_lines.append((found, stmt))
                        undecided = not runs_whenever(conditions.get(id(stmt), ()), built_under.get(root, ()))
                        held = built[root]
                        loop = _ParameterLoop(stmt, found, undecided, over != root)
                        (held[2] if isinstance(held, list) else covered.setdefault(held, [])).append(loop)
                reset = _reset_loop_over(stmt)
                if reset is not None and reset in built:
                    held = built[reset]  # `for m in model.modules(): m.reset_parameters()`: each layer's own again
                    if isinstance(held, list):
                        held[2] = [fn if not _is_to_empty(fn) else _RESET_AFTER_EMPTY for fn in held[2]]
                    elif isinstance(held, str) and _is_to_empty(self.emptied.get(held)):
                        self.emptied[held] = _RESET_AFTER_EMPTY
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    for target, bound in _bound_pairs(small):  # `model = Net()`, `MODEL, SHAPE = Net(), (2, 8)`
                        built_under[target] = conditions.get(id(stmt), ())
                        cls_name, applied, call = self._constructed_class(bound) if bound is not None else (None, None, None)
                        if cls_name is not None and cls_name.startswith("ext:"):
                            built[target] = listed_once(cls_name[4:], call, [applied] if applied is not None else [])
                        elif cls_name is not None:
                            built[target] = cls_name
                            if applied is not None:
                                covered.setdefault(cls_name, []).append(applied)
                        elif isinstance(bound, cst.Call):
                            built[target] = bound  # `model = build_model(cfg)`: a model not followed
                            if applied is not None:
                                self.blind_applies.append((applied, bound))
                        elif isinstance(bound, cst.Name) and bound.value in built and bound.value != target:
                            built[target] = built[bound.value]  # `MODEL = generator`: the same model
                            built_under[target] = built_under.get(bound.value, ())
                        else:
                            built.pop(target, None)
                    value = small.value if isinstance(small, cst.Expr) else None
                    first = value.args[0].value if isinstance(value, cst.Call) and value.args and value.args[0].keyword is None else None
                    if isinstance(first, cst.Name) and isinstance(built.get(first.value), (list, str)):
                        scanner = InitScanner(self, None)
                        routine = scanner.init_only_function(value)
                        reach = scanner.handed_routine_reach(routine) if routine is not None else None
                        if reach:  # `init_weights(net)`: a routine of the program handed the model
                            held = built[first.value]
                            handed = _HandedRoutine(value, routine[2], reach)
                            (held[2] if isinstance(held, list) else covered.setdefault(held, [])).append(handed)
                    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
                        receiver = dotted(value.func.value)
                        # a load under a condition (`if weights is not None:`, a pretrained option) leaves the
                        # other way built from scratch: there the construction's init (or a fix) holds
                        if value.func.attr.value in _WEIGHTS_REPLACED_BY and receiver in built and (
                                value.func.attr.value == "to_empty"
                                or runs_whenever(conditions.get(id(stmt), ()), built_under.get(receiver, ()))):  # fmt: skip
                            held = built[receiver]  # storage allocated again, uninitialised: every weight
                            if isinstance(held, list):
                                held[2].append(value)
                            elif isinstance(held, str):
                                self.emptied.setdefault(held, value)
                        elif value.func.attr.value == "apply" and receiver in built and value.args:
                            held = built[receiver]
                            if not runs_whenever(conditions.get(id(stmt), ()), built_under.get(receiver, ())):
                                self.undecided_applies.add(id(value.args[0].value))
                            if isinstance(held, cst.Call):
                                self.blind_applies.append((value.args[0].value, held))
                            else:
                                (held[2] if isinstance(held, list) else covered.setdefault(held, [])).append(value.args[0].value)
                        elif receiver in built and isinstance(built[receiver], list) and id(stmt) in always:
                            built[receiver][2].append(_MethodRun(value.func.attr.value, value))  # `model.init_weights(...)`
                        elif isinstance(value.func.value, cst.Call):
                            cls_name, applied, call = self._constructed_class(value)
                            if cls_name is not None and cls_name.startswith("ext:"):
                                listed_once(cls_name[4:], call, [applied] if applied is not None else [])
                            elif cls_name is not None and applied is not None:
                                covered.setdefault(cls_name, []).append(applied)
                    rebound = _rebound_attribute(self, small)  # `blk.act = nn.Tanh()`
                    root, path = _path_below(rebound) if rebound is not None else (None, None)
                    if root in built and isinstance(built[root], (list, str)) and path:
                        held = built[root]
                        self.script_rebinds.append((held[0] if isinstance(held, list) else f"local:{held}", path, small))
                    for holder, info, node in _weight_inits(self, small):  # `nn.init.x_(net.a.fc.weight)`
                        root, path = _path_below(holder)
                        held = built.get(root) if root is not None else None
                        if not isinstance(held, (list, str)) or path == "":
                            continue
                        self.pending_lines.append((info, node))
                        init = _PathInit(path, info, node, not runs_whenever(conditions.get(id(stmt), ()), built_under.get(root, ())))
                        (held[2] if isinstance(held, list) else path_covered.setdefault(held, [])).append(init)
                    # anywhere else (`return Net(act_layer=nn.Tanh)`, `[Net(nn.SiLU)]`): a construction
                    # whose arguments count, with no init run on it here
                    for node in _walk_nodes(small):
                        if isinstance(node, cst.Call):
                            cls_name, _, call = self._constructed_class(node)
                            if cls_name is not None and cls_name.startswith("ext:"):
                                listed_once(cls_name[4:], call, [])
        for callee, call, fns in ext:
            # read now, so that their calls get lines with the layers' positions
            self.script_builds.append((callee, call, [(fn_node, None if _replaces_weights(fn_node) or fn_node is _RESET_AFTER_EMPTY
                                                       or isinstance(fn_node, (_MethodRun, _PathInit, _ParameterLoop, _HandedRoutine))
                                                       else self.rules_of_apply(fn_node, None)) for fn_node in fns]))  # fmt: skip
        for cls_name, fns in covered.items():
            cls = self.classes[cls_name]
            constructions = self.top_calls.get(cls_name, 0)
            complete = len(fns) >= constructions and not self._built_by_a_class(cls_name)
            for fn_node in fns:
                if isinstance(fn_node, _HandedRoutine):
                    for types in fn_node.reach:
                        cls.init_rules.append(InitRule(frozenset(types) if types is not None else None, None,
                                                       fn_node.evidence(self.path), "unknown"))  # fmt: skip
                    continue
                if isinstance(fn_node, _ParameterLoop):
                    rule = fn_node.rule(self.path)
                    state = rule.state if complete else "unknown"
                    where = rule.evidence + ("" if complete else f" on some of the {cls_name}s built here")
                    cls.init_rules.append(InitRule(None, rule.call if state == "explicit" else None, where, state,
                                                   name_suffix=rule.name_suffix or None))  # fmt: skip
                    continue
                if isinstance(fn_node, _LoopInit):
                    state = "explicit" if complete and not fn_node.undecided else "unknown"
                    where = f"an init loop over `{short_code(fn_node.loop.iter, 40)}` on {cls_name}(...)" + (
                        "" if complete else " in some of its uses") + (" under a condition not decided here" if fn_node.undecided else "")
                    for types, call in self._loop_branches(fn_node.loop):
                        cls.init_rules.append(InitRule(types, call, where, state))
                    continue
                found = self.rules_of_apply(fn_node, None)
                text = dotted(fn_node) or short_code(fn_node, 40)
                if found is None:
                    cls.init_rules.append(InitRule(None, None, f"`.apply({text})` with a function not in this file", "unknown"))
                    continue
                target, branches = found
                undecided = id(fn_node) in self.undecided_applies or id(fn_node) in self.partial_applies
                state = "explicit" if complete and not undecided else "unknown"
                where = f"`.apply({text})` on {cls_name}(...)" + ("" if complete else " in some of its uses") \
                    + _undecided_text(fn_node, self)
                for types, call in branches:
                    cls.init_rules.append(InitRule(types, call, where, state))
                cls.routines.append(target.name.value)

        for cls_name, inits in path_covered.items():
            # an init of one layer of the model module code built, after building it: the last one
            # to run on that layer, where module code builds the class once and no class builds it
            once = self.top_calls.get(cls_name, 0) == 1 and not self._built_by_a_class(cls_name)
            for init in inits:
                known = once and not init.undecided and init.path is not None and "*" not in init.path
                where = f"`{init.info.text}` on {cls_name}(...) in module code" + (
                    "" if once else " in some of its uses") + (" under a condition not decided here" if init.undecided else "")
                read = (init.path or "*").split(".")
                prefix = ".".join(read[:read.index("*")] if "*" in read else read) or None  # what is known of the path
                self.classes[cls_name].init_rules.append(InitRule(
                    None, init.info if known else None, where, "explicit" if known else "unknown", prefix, one_layer="*" not in read))

    def _factory_returns(self, name: str) -> Optional[list]:
        """The constructions a free function returns, where every `return` of it builds one class of
        this module and this module never calls it (a factory, `ModuleSummary.factories`: the program
        lists each call of it elsewhere as a construction of that class); else None."""
        if name in self.factory_shapes:
            return self.factory_shapes[name]
        fn = self.functions[name]
        smalls = fn.body.body if isinstance(fn.body, cst.SimpleStatementSuite) else [
            small for stmt in _flat_statements(fn.body.body) if isinstance(stmt, cst.SimpleStatementLine)
            for small in stmt.body]  # fmt: skip
        values = [small.value for small in smalls if isinstance(small, cst.Return)]
        built = [self._constructed_class(value) if value is not None else (None, None, None) for value in values]
        classes = {cls_name for cls_name, applied, _ in built if applied is None}
        found: Optional[list] = built
        if not built or len(classes) != 1 or None in classes or next(iter(classes)) not in self.classes:
            found = None
        else:
            if self.called_names is None:  # read once, only in a module that has such a function
                self.called_names = {node.func.value for node in _walk_nodes(self.module)
                                     if isinstance(node, cst.Call) and isinstance(node.func, cst.Name)}  # fmt: skip
            if name in self.called_names:
                found = None
        self.factory_shapes[name] = found
        return found

    def _constructed_class(self, node: cst.BaseExpression) -> tuple:
        """Net(...), Net(...).to(device), Net(...).apply(fn): (class name, fn passed to apply or
        None, the construction call)."""
        applied = None
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            if node.func.attr.value == "apply" and node.args:
                applied = node.args[0].value
            elif node.func.attr.value not in ("to", "cuda", "cpu", "float", "double", "half", "train", "eval"):
                return None, None, None
            node = node.func.value
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in self.classes:
            return node.func.value, applied, node
        if isinstance(node, cst.Call):
            q = self.imports.qualify(node.func)
            if q and not q.startswith(("torch.", "builtins.")):
                return f"ext:{q}", applied, node  # a class of another module, perhaps: the program stage resolves it
        return None, None, None

    def _functions_built_for_classes(self) -> dict:
        """free function -> classes whose constructor receives what it builds: Net(make_layers(...))."""
        out: dict = {}
        for cls_name in self.classes:
            for call, _ in self.call_sites.get(cls_name, []):
                for arg in call.args:
                    value = arg.value
                    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name):
                        if value.func.value in self.functions:
                            out.setdefault(value.func.value, []).append(cls_name)
        return out

    def _containment(self) -> dict:
        """class name -> set of classes that (may) contain it, transitively."""
        contained_in: dict[str, set] = {name: set() for name in self.classes}
        for cls in self.classes.values():
            stack, seen = [*cls.contains, *(v for c in cls.contains for v in self.variants.get(c, ()))], set()
            while stack:
                inner = stack.pop()
                if inner in seen or inner not in self.classes:
                    continue
                seen.add(inner)
                contained_in[inner].add(cls.name)
                stack.extend(self.classes[inner].contains)
                stack.extend(self.variants.get(inner, ()))
        return contained_in

    def _decide_site_init(self, site: Site, cls: ClassInfo, containers: dict) -> None:
        if site.explicit_at is not None:  # its own init (or reset) then perhaps a routine after it
            self._routine_after_explicit(cls, site)
            return
        if site.explicit_init is not None or site.init_state is not None:
            return
        if site.subclass_init:
            # a layer class that inits its own weight, under a condition of its constructor: not known to run
            surely = site.subclass_init_surely
            site.init_state, site.init_evidence = ("explicit", site.subclass_init) if surely else (
                "unknown", f"{site.subclass_init}, under a condition")
            return
        rule = self._covering_rule(cls, site)
        if rule is not None:
            self._apply_rule(site, rule)
            return
        holders = containers.get(cls.name, set())
        covering_any = [r for r in (self._covering_rule(self.classes[h], site) for h in holders) if r is not None]
        roots = [h for h in holders if not containers.get(h)]
        covering = [self._covering_rule(self.classes[h], site) for h in roots]
        if roots and all(r is not None for r in covering) and not self._may_be_standalone(cls):
            self._apply_rule(site, covering[0])
            return
        if covering_any and not roots:
            self._apply_rule(site, covering_any[0])
            return
        if covering_any:
            site.init_state = "unknown"
            site.init_evidence = "initialised by an init loop of a containing class in some uses only"
            return
        # a class passed around as a value (block=Bottleneck) may be built by a class whose
        # contents we cannot see, and so may anything it contains
        passed = any(self.references.get(name) for name in holders | {cls.name})
        maybe = [c for c in self.init_loops_over_unknown if c.name != cls.name] if passed else []
        if maybe:
            site.init_state = "unknown"
            site.init_evidence = f"{maybe[0].name} may contain it (built from a parameter) and runs an init loop"
            return
        handed = [name for name in sorted(holders | {cls.name}) if self.passed_away(name)]
        if handed:
            site.init_state = "unknown"
            site.init_evidence = f"{handed[0]} is passed to code in another file, which may initialise it"
            return
        site.init_state, site.init_evidence = "default", "no init found for it in this file"
        built = next((n for n in (entry_point_note(self, h) for h in sorted(holders | {cls.name})) if n), None)
        if built is not None:  # GhostNet: what timm.create_model runs adds none
            site.init_evidence = f"no init found for it in this file; {built}, which run none"
        site.init_open = True

    def handed(self, name: str) -> bool:
        """Is the class referenced as a value (model_cls = Net; build(Net, ...)), so that code not
        seen here may build it with any arguments?"""
        if self.passed_away(name):
            return True
        built_here = self.local_arg_refs.get(name, 0) + built_by_handing(self, name, external=True) \
            + built_by_handing(self, name, external=True, alias=True) + built_by_handing(self, name, external=False, alias=True)
        return self.references.get(name, 0) > self.harmless_refs.get(name, 0) + built_here + self._alias_refs(name)

    def _alias_refs(self, name: str) -> int:
        """The references to the class that only bind module-level aliases nothing else here mentions
        (`DynUnet = Dynunet = DynUNet`: one reference): the program resolves other modules'
        constructions under an alias, so these neither build nor hand it on."""
        if self.loader is None:
            return 0
        return len({id(self.module_aliases[alias]) for alias, cls in self.class_aliases(unused=True).items() if cls == name})

    def class_aliases(self, unused: bool = False) -> dict:
        """alias -> class: `SqueezeExcite = SEModule` at the top of the module (with `unused`, only
        aliases nothing else in this module mentions: the class is built under them elsewhere only)."""
        key = ("<class aliases>", unused)
        if key not in self.handed_cache:
            found = {alias: value.value for alias, value in self.module_aliases.items()
                     if isinstance(value, cst.Name) and value.value in self.classes}  # fmt: skip
            if unused and found:
                mentions: dict = {}
                for node in _walk_nodes(self.module):
                    if isinstance(node, cst.Name) and node.value in found:
                        mentions[node.value] = mentions.get(node.value, 0) + 1
                found = {alias: cls for alias, cls in found.items() if mentions.get(alias) == 1}
            self.handed_cache[key] = found
        return self.handed_cache[key]

    def function_aliases(self) -> dict:
        """alias -> function: `to_ntuple = _ntuple` at the top of the module."""
        return {alias: value.value for alias, value in self.module_aliases.items()
                if isinstance(value, cst.Name) and value.value in self.functions}  # fmt: skip

    def passed_away(self, name: str) -> int:
        """References passing the class into code of other files, but for those that build it
        (`build_model_with_cfg(ResNet, ...)`, read from timm's stub): those are uses seen here."""
        count = self.external_refs.get(name, 0)
        count = count - built_by_handing(self, name, external=True) if count else 0
        return count + touched_after_handing(self, name) if name in self.class_args or self.class_bindings else count

    def _may_be_standalone(self, cls: ClassInfo) -> bool:
        return bool(self.top_calls.get(cls.name))

    def _covering_rule(self, cls: ClassInfo, site: Site):
        """The init rule of `cls` that decides `site` (a site of cls itself or of a class it
        contains): the last routine that runs on it where each one's place in `__init__` is known
        (the effective init), else the first that reaches it."""
        found = list(self._reaching_rules(cls, site))
        if found and all(rule.runs_at is not None for rule, _ in found):
            last = max(rule.runs_at for rule, _ in found)
            return next(result for rule, result in found if rule.runs_at == last)  # its first branch that matches
        return found[0][1] if found else None

    def _routine_after_explicit(self, cls: ClassInfo, site: Site) -> None:
        """`nn.init.x_(self.fc.weight)` then `self.apply(self._init_weights)`: the routine runs
        last, so its init is the effective one. Where the order is not known (the init in a helper
        reached through another, a routine of a method construction does not run), unknown."""
        reaching = list(self._reaching_rules(cls, site))
        if not reaching:
            return
        fn_name, node = site.explicit_at
        at = cls.init_order.get(id(node)) if fn_name == "__init__" else cls.entry_order.get(fn_name)
        if at is not None and all(rule.runs_at is not None for rule, _ in reaching):
            later = [(rule, result) for rule, result in reaching if rule.runs_at > at]
            if later:
                last = max(rule.runs_at for rule, _ in later)
                self._apply_rule(site, next(result for rule, result in later if rule.runs_at == last))
            return
        rule = reaching[0][0]
        site.explicit_init, site.init_state = None, "unknown"
        site.init_evidence = f"{site.init_evidence}, then perhaps {rule.evidence}, which may run after it"

    def _reaching_rules(self, cls: ClassInfo, site: Site):
        own = site in cls.sites
        built_at = cls.init_order.get(id(site.node)) if own else None
        for rule in cls.init_rules:
            if built_at is not None and rule.runs_at is not None and built_at > rule.runs_at:
                continue  # built by a later statement of __init__: not there yet when the routine ran
            if rule.types is not None and any(t.startswith("@") for t in rule.types):
                if own and site.name is not None and f"@{site.name}" in rule.types and rule.prefix is None:
                    yield rule, (rule.call, rule.evidence, rule.state)
                continue  # `m is self.fc1`: that layer of this class only
            reach = _type_matches(site, rule.types) if rule.types is not None else True
            if reach is False:
                continue
            if reach is None:  # it takes some of the classes the layer may be
                yield rule, (None, f"{rule.evidence}, which may or may not reach it (its class is one of several)", "unknown")
                continue
            if rule.name_suffix is not None:  # `if pn.endswith("c_proj.weight")`: by the layer's name
                reaches = name_suffix_reaches(rule.name_suffix, site.name, own)
                if reaches is None:
                    yield rule, (None, f"{rule.evidence}, which may or may not reach it", "unknown")
                elif reaches:
                    yield rule, (rule.call, rule.evidence, rule.state)
                continue
            if rule.one_layer and not own and rule.prefix is not None and not (site.name and f".{rule.prefix}".endswith(f".{site.name}")):
                continue  # `net.a.fc`: no layer of a block below but one named `fc` (or `a.fc`)
            if rule.prefix is None:
                yield rule, (rule.call, rule.evidence, rule.state)
            elif own and site.name and (site.name == rule.prefix or site.name.startswith(rule.prefix + ".")):
                yield rule, (rule.call, rule.evidence, rule.state)
            elif not own or not site.name:
                yield rule, (None, f"{rule.evidence}, which may or may not reach it", "unknown")

    def _apply_rule(self, site: Site, rule) -> None:
        call, evidence, state = rule
        if call is not None and call.undecided:
            state, evidence, call = "unknown", f"{evidence}: `{call.text}`, {call.undecided}", None
        site.init_state, site.init_evidence = state, evidence
        site.explicit_init = call if state == "explicit" else None

    # -- output ---------------------------------------------------------------------------

    def _file_model(self) -> FileModel:
        all_sites = [(cls.name, s) for cls in self.classes.values() for s in cls.sites]
        all_sites += [(None, s) for s in self.free_sites]
        nodes = [s.node for _, s in all_sites] + [s.anchor for _, s in all_sites if s.anchor is not None]
        nodes += [node for _, node in self.gain_calls]
        nodes += [call for _, _, call in self.builds]
        nodes += [call for _, _, _, call in default_builds(self)]
        nodes += [call for _, _, _, call in alias_builds(self)]
        nodes += [call for _, _, _, call, _ in class_hands(self)]
        nodes += [call for _, _, _, call, _, _ in routed_hands(self)]
        nodes += [call for cls in self.classes.values() for calls in self._built_params(cls).values() for call in calls]
        nodes += [call for _, call, _ in self.script_builds]
        nodes += [call for _, call in self.blind_applies]
        nodes += [node for _, _, node in self.script_rebinds]
        nodes += [fn for _, _, fns in self.script_builds for fn, _ in fns if _replaces_weights(fn)]
        nodes += [fn.call for _, _, fns in self.script_builds for fn, _ in fns if isinstance(fn, _MethodRun)]
        nodes += [call for records in self.imported_args.values() for call, _, _ in records]
        nodes += [call for call, _, _, _ in self.alias_args]
        pending = self.pending_lines
        nodes += [node for _, node in pending]
        nodes += [call for uses in self.per_use.values() for call, _, _ in uses]
        nodes += [use[0] for uses in self.entry_uses.values() for use in uses]
        nodes += [call for inits in self.path_inits.values() for _, call, _ in inits.values()]
        nodes += [call for _, calls in self._builder_calls() for _, call in calls]
        holders = dict(self.call_holder)
        self.helper_uses = {}  # id(helper anchor) -> the sites one init there would reach
        for _, site in all_sites:
            if site.helper_anchor is not None and id(site.helper_node) in holders:
                nodes.append(site.helper_anchor)
                holders[id(site.helper_anchor)] = holders[id(site.helper_node)]
                self.helper_uses.setdefault(id(site.helper_anchor), []).append(site)
        method_bodies: dict = {}  # (class index, method index) -> id(statement of its body) -> index
        for _, site in all_sites:  # a fix anchor is a statement in the code that builds its layer
            if site.anchor is not None and id(site.node) in holders:
                place = holders[id(site.node)]
                if type(place) is tuple and len(place) == 3:
                    # in the same method, not always in the same statement of it
                    body = method_bodies.get(place[:2])
                    if body is None:
                        fn = self.module.body[place[0]].body.body[place[1]]
                        body = method_bodies[place[:2]] = {id(stmt): k for k, stmt in enumerate(fn.body.body)}
                    k = body.get(id(site.anchor))
                    place = place[:2] if k is None else (place[0], place[1], k)
                holders[id(site.anchor)] = place
        self.entry_builds = entry_builds(self)  # what entry points build through a builder object
        nodes += [node for _, c in self.entry_builds for node in (c.top, c.node) if node is not None]
        if self.import_end_stmt is not None:
            nodes.append(self.import_end_stmt)
            for index, stmt in enumerate(self.module.body):
                if stmt is self.import_end_stmt:
                    holders[id(stmt)] = index
        self.inherited_mutations = {key: self._inherited_mutations(cls) for key, cls in self.classes.items()}
        nodes += [node for found in self.inherited_mutations.values() for _, node in found]
        # a subclass's own bindings (a class deriving from one not torch's): what of its base's it may replace
        self.own_binds = {key: self._own_binds(cls) for key, cls in self.classes.items()
                          if any(not base.startswith("torch.") for base in cls.bases)}  # fmt: skip
        nodes += [node for found in self.own_binds.values() for _, node in found]
        # its classes' constructions in this module (ClassFact.own_constructions)
        nodes += [call for name, calls in self.call_sites.items() if name in self.classes for call, _ in calls]
        spans = compute_spans(self.module, nodes, holders, self.source, self.c_tree)
        for info, node in pending:
            span = spans.get(id(node))
            if span:
                info.line = span[0][0]
        text = self.source if self.source is not None else self.module.code
        lines = text.splitlines() if any(s.anchor is not None for _, s in all_sites) else []
        init_alias = self._init_alias()
        fm = FileModel(path=self.path)
        fm.nn_alias = self._nn_alias()
        fm.init_alias = init_alias
        if self.import_end_stmt is not None and id(self.import_end_stmt) in spans:
            fm.import_line = _end_line(spans[id(self.import_end_stmt)])
        chains = self._chains([site for _, site in all_sites])
        modules: dict[str, ModuleModel] = {}
        containers = self._containment()
        seen_positions: dict = {}
        attrs = None  # id(call) -> `self.attr = Call()`'s attribute, read once when needed
        for class_name, site in all_sites:
            span = spans.get(id(site.node))
            if span is None:
                continue
            (line, col), (end_line, end_col) = span
            key = (line, col, site.name, class_name)
            real_name = self.classes[class_name].node.name.value if class_name else None  # Block@2 -> Block
            if key in seen_positions:
                # another class the same call may build (a factory's `Conv2dSame` or `nn.Conv2d`, a
                # `conv_nd(dims, ...)`): one row, known only where every candidate agrees
                other = self._layer(site, real_name, line, col, end_line, end_col, spans, lines, init_alias)
                _merge_candidate(seen_positions[key], other)
                continue
            layer = self._layer(site, real_name, line, col, end_line, end_col, spans, lines, init_alias)
            seen_positions[key] = layer
            layer.site = f"{class_name or site.function or MODULE_CODE}/{site.name or ''}/{site.layer_type}"
            self._impact(layer, site, chains.get(id(site), [site]))
            if class_name is None:
                fm.free_layers.append(layer)
            else:
                cls = self.classes[class_name]
                if class_name not in modules:
                    holders = containers.get(class_name, ())
                    modules[class_name] = ModuleModel(
                        name=real_name, line=0, init_routines=list(cls.routines),
                        contained_by={self.classes[h].node.name.value: list(self.classes[h].routines) for h in sorted(holders)},
                    )  # fmt: skip
                modules[class_name].layers.append(layer)
            if attrs is None and id(site) in self.per_use:
                attrs = self.self_assigned_calls()
            rows_at_uses = self._rows_at_uses(layer, site, spans, attrs or {})
            as_built = self.per_use_defaults.get(id(site))
            if as_built is not None and (rows_at_uses or id(site) in self.per_use_agreed):
                facts = dict.fromkeys(getattr(as_built[2], "defaults", ()))
                layer.as_defaults = [*as_built[:2], str(as_built[2]),
                                     [[f.owner, f.param, f.default, *([list(f.registry)] if f.registry else []), *([OVERRIDES] if f.overrides else [])]
                                      for f in facts if f.path == self.path]]  # fmt: skip
                if not rows_at_uses:
                    for call, container, _ in self.per_use.get(id(site), []):
                        if id(call) in spans:
                            (use_line, use_col), (use_end, use_end_col) = spans[id(call)]
                            layer.agreed_uses = layer.agreed_uses or []
                            owner = self.classes[container].node.name.value if container else None
                            layer.agreed_uses.append([owner, use_line, use_col + 1, use_end, use_end_col + 1,
                                                      attrs.get(id(call))])  # fmt: skip
            for use in rows_at_uses + entry_rows(self, layer, site, spans, self.entry_uses):
                if use.class_name is None:  # built by module code or a free function
                    fm.free_layers.append(use)
                    continue
                holder = self.classes[use.class_name]
                if use.class_name not in modules:
                    holders = containers.get(use.class_name, ())
                    modules[use.class_name] = ModuleModel(
                        name=holder.node.name.value, line=0, init_routines=list(holder.routines),
                        contained_by={self.classes[h].node.name.value: list(self.classes[h].routines) for h in sorted(holders)},
                    )  # fmt: skip
                use.class_name = holder.node.name.value
                modules[holder.name].layers.append(use)
        fm.modules = list(modules.values())
        _name_sites(fm)
        for name, node in self.gain_calls:
            span = spans.get(id(node))
            if span:
                (line, col), (end_line, end_col) = span
                fm.gain_calls.append(GainCall(name, line, col + 1, end_line, end_col + 1))
        fm.summary = self._module_summary(spans)
        return fm

    def _rows_at_uses(self, layer: Layer, site: Site, spans: dict, attrs: dict) -> list:
        """The layer as judged at each construction of its class here (`_per_use_outcomes`), when
        those differ: a row at the call (named by the attribute it is bound to, `attrs`), its own
        line related, no fix offered there."""
        uses = self.per_use.get(id(site), [])
        if layer.activation != "unknown":  # its own row claims: constructions through a value add no row
            uses = [use for use in uses if id(use[0]) not in self.value_build_calls]
        distinct = {outcome[:2] for _, _, outcome in uses if outcome is not None}
        # built through a value (its own row unknown: other constructions not seen): each judged use speaks for itself
        through_value = id(site) in self.value_built_sites and layer.activation == "unknown" \
            and any(activation != "unknown" for activation, _ in distinct)  # fmt: skip
        if layer.class_name is None or (len(distinct) < 2 and not through_value):
            return []
        rows = []
        for call, container, outcome in uses:
            span = spans.get(id(call))
            if span is None:
                continue
            (line, col), (end_line, end_col) = span
            row = copy.copy(layer)
            row.line, row.column, row.end_line, row.end_column = line, col + 1, end_line, end_col + 1
            row.class_name = container
            if container is None and id(call) not in attrs:
                attrs.update(_code_assigned_calls(self.module, self.functions.values()))
            row.name = f"{attrs.get(id(call)) or layer.class_name + '()'}.{layer.name or layer.layer_type}"
            row.site = f"{container or MODULE_CODE}/{row.name}/{layer.layer_type}@{line}"  # one per use
            row.at_use = True
            row.activation, row.activation_param, evidence = outcome or (
                "unknown", None, f"the arguments this call passes to {layer.class_name} are not known here")
            row.activation_evidence = f"{evidence}, as built here" if row.activation != "unknown" else evidence
            row.as_defaults = _open_at_use(row.activation, evidence, container, self.path)
            row.related = [[layer.path, layer.line], *[list(r) for r in layer.related]]
            row.fix = FixPlan(reason=f"{layer.class_name} is built with different arguments: each use decides "
                                     f"({layer.path}:{layer.line})")  # fmt: skip
            # "none" because the class holding it here is a model no class of this file uses: the
            # program follows that class's users in other modules
            row.container, row.activation_defaults = None, []
            row.open_output = self.per_use_open.get((id(site), id(call))) if row.activation == "none" else None
            if through_value and outcome is not None:
                # what the container was given decides it (`act_layer` passed on at the model's default):
                # the program looks at what other modules pass the container
                row.activation_defaults = [[f.owner, f.param, f.default, *([list(f.registry)] if f.registry else []), *([OVERRIDES] if f.overrides else [])]
                                           for f in dict.fromkeys(getattr(outcome[2], "defaults", ()))
                                           if f.owner != layer.class_name and f.path == self.path]  # fmt: skip
            row.output_head = False
            bound = attrs.get(id(call)) and "*" not in row.name
            # what the message names: the layer's path from the container (`self.a.fc1`) or the script's name
            row.weight = python_path(f"self.{row.name}" if container else row.name) + ".weight" if bound else None
            row.recommended = catalogue.recommended_line(row.activation, row.activation_param, row.weight or "layer.weight")
            rows.append(row)
        return rows

    def _module_summary(self, spans: dict) -> ModuleSummary:
        """What other modules may read of this one (the program stage links them)."""
        summary = ModuleSummary(path=self.path, imports=dict(self.imports.names), stars=list(self.imports.stars),
                                stored_fields=sorted(self.stored_fields),
                                followed=list(self.followed),
                                aliases=dict(self.class_aliases()), entry_followed=dict(self.entry_followed))  # fmt: skip
        summary.functions = {name: [p.name.value for p in _all_params(fn)] for name, fn in self.functions.items()}
        summary.registries = {name: registry_table(value, self.imports, self.classes)
                               for name, value in self.registries.items() if value is not None}  # fmt: skip
        summary.handed_on = sorted(self.imports.names[name] for name, (mentions, calls, roots, imports)
                                   in self.imported_mentions.items()
                                   if mentions > calls + roots + imports
                                   and mentions > calls + roots + imports + handed_to_builders(self, name)
                                   + built_defaults(self, name))  # fmt: skip
        summary.rebinds = [[callee, path, spans[id(node)][0][0], short_code(node, 60)]
                           for callee, path, node in self.script_rebinds if id(node) in spans]  # fmt: skip
        class_lines = _class_lines(self.c_tree)
        overrides = _class_overrides(self.c_tree, self.source)
        attrs = self.self_assigned_calls()
        factories = self._factories()
        summary.factories = {name: [cls_name, args] for name, (cls_name, args, _) in factories.items()}
        for name, callee, key, call, _ in class_hands(self):
            summary.hands.append([self.imports.names[name], callee, key, spans[id(call)][0][0] if id(call) in spans else 0])
        for name, callee, key, call, _, route in routed_hands(self):  # `block_layers(mlp_block=mlp_block)`
            summary.hands.append([self.imports.names[name], callee, key, spans[id(call)][0][0] if id(call) in spans else 0, route])
        for key, cls in self.classes.items():
            init = self.method(cls, "__init__")
            params = [p.name.value for p in _positional_params(init[1])[1:]] if init else []
            if init:
                params += [p.name.value for p in init[1].params.kwonly_params]
            rules = [_rule_fact(rule) for rule in cls.init_rules]
            defaults = {p.name.value: self._arg_fact(p.default, set()) for p in _all_params(init[1])
                        if p.default is not None} if init else {}  # fmt: skip
            path_inits = {path: [text, spans[id(call)][0][0] if id(call) in spans else 0, surely]
                          for path, (text, call, surely) in self.path_inits.get(key, {}).items()}  # fmt: skip
            listed_here = self._built_by_functions_only(cls.node.name.value)
            defines, hooks, self_reads = overrides.get(cls.node.name.value, ([], [], []))
            summary.classes[key] = ClassFact(
                name=cls.node.name.value, line=class_lines.get(cls.node.name.value, 0), bases=list(cls.bases),
                params=params, contains=sorted(cls.contains), rules=rules,
                standalone=bool(self.top_calls.get(cls.node.name.value)), path_inits=path_inits, defaults=defaults,
                built_here=self._mentioned(cls.node.name.value),
                listed_here=listed_here,
                function_builds=self._function_builds(cls.node.name.value) if listed_here else [],
                built_params={param: [[spans[id(call)][0][0], self._arg_facts(call, key), attrs.get(id(call)),
                                       [spans[id(call)][0][1] + 1, spans[id(call)][1][0], spans[id(call)][1][1] + 1]]
                                      for call in calls if id(call) in spans]
                              for param, calls in self._built_params(cls).items()},
                made_by=self._made_by(cls.node.name.value, factories),
                method_inits={method: {name: info for name, (info, _) in found.items()}
                              for method, found in cls.method_inits.items()},
                mutates=[[attr, spans[id(node)][0][0], short_code(node, 60)] for attr, node in self.inherited_mutations.get(key, ())
                         if id(node) in spans],
                super_args=self._super_args(key),
                applies=self._applies(cls),
                own_constructions=self._own_constructions(cls.node.name.value, spans),
                activation_attrs=sorted([attr, *_activation_of(value)] for attr, value in cls.attrs.items()
                                        if isinstance(value, ActV) or isinstance(value, ChainV) and value.kind == "alt"
                                        and any(isinstance(item, ActV) for _, item in value.items)),  # fmt: skip
                binds=[[attr, spans[id(node)][0][0], short_code(node, 60), *_activation_of(cls.attrs.get(attr))]
                       for attr, node in self.own_binds.get(key, ()) if id(node) in spans],
                defines=defines,
                hooks=hooks,
                self_reads=self_reads,
                init_hooks=sorted(set(cls.routines) & set(hooks)),
                forward_layers=sorted({site.name for site in cls.sites if site.own_forward and site.name}),
            )  # fmt: skip
        for fact in summary.classes.values():
            for function, _ in fact.function_builds:
                summary.function_defaults.setdefault(function, {
                    p.name.value: self._arg_fact(p.default, set()) for p in _all_params(self.functions[function])
                    if p.default is not None})  # fmt: skip
        for inside, callee, call in self.builds:
            span = spans.get(id(call))
            line = span[0][0] if span else 0
            where = [span[0][1] + 1, span[1][0], span[1][1] + 1] if span else []
            summary.builds.append(BuildFact(callee, line, self._bound_facts(self._arg_facts(call, inside), call), inside,
                                            attr=attrs.get(id(call)), span=where, init_top=self._at_init_top(inside, call)))  # fmt: skip
        listed = {(callee, id(call)) for _, callee, call in self.builds}
        # `mlp_layer=Mlp` then `mlp_layer(...)`; `mlp_layer = partial(Mlp, ...)` then `mlp_layer(...)`
        for inside, option, keywords, call in [*default_builds(self), *alias_builds(self)]:
            callee = self.imports.names[option.value]
            span = spans.get(id(call))  # none (not expected): a use whose arguments are not listed, never one dropped
            if (callee, id(call)) in listed:
                continue
            listed.add((callee, id(call)))
            args = self._arg_facts(call, inside)
            for keyword in keywords:  # what the partial binds, unless the call passes it again
                args.setdefault(keyword.keyword.value, self._arg_fact(keyword.value, set()))
            where = [span[0][1] + 1, span[1][0], span[1][1] + 1] if span else []
            summary.builds.append(BuildFact(callee, span[0][0] if span else 0, args, inside, attr=attrs.get(id(call)),
                                            span=where, init_top=self._at_init_top(inside, call)))  # fmt: skip
        summary.builds.extend(handed_builds(self, spans))  # build_model_with_cfg(VisionTransformer, ...)
        summary.builds.extend(self._builder_builds(spans))  # `InvertedResidual(**ba)` in EfficientNetBuilder
        for fn_node, construction in self.blind_applies:
            found = self.rules_of_apply(fn_node, None)
            span = spans.get(id(construction))
            text = dotted(fn_node) or short_code(fn_node, 40)
            for types, call in found[1] if found is not None and span is not None else ():
                summary.blind_applies.append(InitRuleFact(
                    sorted(types) if types is not None else None, "unknown",
                    f"`.apply({text})` on the model `{short_code(construction, 40)}` builds in {self.path}",
                    span[0][0], call))  # fmt: skip
        summary.builds.extend(entry_build_facts(self.entry_builds, spans))  # and what each entry point passes there
        for callee, construction, fns in self.script_builds:
            applied, runs = [], []
            for fn_node, found in fns:
                if isinstance(fn_node, _LoopInit):  # its body read as an `.apply` of it: the types it tests, what it runs
                    routine = f"`for ... in {short_code(fn_node.loop.iter, 40)}`"
                    for types, call in self._loop_branches(fn_node.loop):
                        fact = InitRuleFact(sorted(types) if types is not None else None, "explicit",
                                            f"an init loop over `{short_code(fn_node.loop.iter, 40)}` in {self.path}"
                                            + (" runs only under a condition not decided here" if fn_node.undecided else ""),
                                            call.line if call else 0, call, routine=routine)  # fmt: skip
                        if call is None or call.undecided or fn_node.undecided:
                            fact.state = "unknown"
                        applied.append(fact)
                    continue
                if isinstance(fn_node, _ParameterLoop):
                    applied.append(fn_node.rule(self.path))
                    continue
                if isinstance(fn_node, _HandedRoutine):
                    applied += [InitRuleFact(types, "unknown", fn_node.evidence(self.path), routine=f"`{fn_node.name}()`")
                                for types in fn_node.reach]  # fmt: skip
                    continue
                if isinstance(fn_node, _PathInit):  # `nn.init.x_(net.a.fc.weight)`: that layer only (program/link.py reads the path)
                    known = not fn_node.undecided and fn_node.path is not None and not fn_node.info.undecided
                    applied.append(InitRuleFact(
                        None, "explicit" if known else "unknown", f"`{fn_node.info.text}` in {self.path}"
                        + (" under a condition not decided here" if fn_node.undecided else ""), fn_node.info.line,
                        fn_node.info if known else None, routine=f"`{fn_node.info.text}`", path=fn_node.path or "*"))  # fmt: skip
                    continue
                if isinstance(fn_node, _MethodRun):
                    runs.append([fn_node.method, len(applied), spans[id(fn_node.call)][0][0] if id(fn_node.call) in spans else 0])
                    continue
                if fn_node is _RESET_AFTER_EMPTY:
                    applied.append(InitRuleFact(None, "unknown", f"materialised with `to_empty()` in {self.path}, and each "
                                                f"module's reset_parameters() runs again: an init of __init__ is undone",
                                                spans[id(construction)][0][0] if id(construction) in spans else 0,
                                                wipes="explicit", routine="`to_empty()` then `reset_parameters()`"))  # fmt: skip
                    continue
                if _replaces_weights(fn_node):
                    span = spans.get(id(fn_node))
                    applied.append(InitRuleFact(None, "unknown", f"`{short_code(fn_node, 40)}` in {self.path} "
                                                f"{_WEIGHTS_REPLACED_BY[fn_node.func.attr.value]}",
                                                span[0][0] if span else 0, wipes="all",
                                                routine=f"`{short_code(fn_node, 40)}`"))  # fmt: skip
                    continue
                text = dotted(fn_node) or short_code(fn_node, 40)
                if found is None:
                    applied.append(InitRuleFact(None, "unknown", f"`.apply({text})` with a function not in {self.path}",
                                                routine=f"`.apply({text})`"))
                    continue
                undecided = id(fn_node) in self.undecided_applies or id(fn_node) in self.partial_applies
                for types, call in found[1]:
                    fact = InitRuleFact(sorted(types) if types is not None else None, "explicit",
                                        f"`.apply({text})` in {self.path}" + _undecided_text(fn_node, self),
                                        call.line if call else 0, call, routine=f"`.apply({text})`")  # fmt: skip
                    if call is not None and call.undecided or undecided:
                        fact.state = "unknown"
                    applied.append(fact)
            span = spans.get(id(construction))
            where = [span[0][1] + 1, span[1][0], span[1][1] + 1] if span else []
            args = self._arg_facts(construction, None) if span else {}
            summary.builds.append(BuildFact(callee, span[0][0] if span else 0, args, None, applied, span=where, runs=runs,
                                            function=self.script_build_function.get(id(construction))))  # fmt: skip
        # a helper function's construction inlined where a class calls it: what the helper runs on
        # what it built (`for m in conv_block.modules(): ...`) runs there too
        helpers = {(build.callee, build.line, tuple(build.span)): build.applied for build in summary.builds
                   if build.function and build.inside is None and build.applied}  # fmt: skip
        for build in summary.builds:
            if build.inside is not None and not build.applied and (build.callee, build.line, tuple(build.span)) in helpers:
                build.applied = list(helpers[(build.callee, build.line, tuple(build.span))])
        return summary

    def _builder_calls(self) -> Iterator[tuple[cst.FunctionDef, list]]:
        """Each method of a plain class (a builder object) and its calls of other modules' names."""
        for cls in self.classes.values():
            if any(base != "builtins.object" and base != "local:object" for base in cls.bases):
                continue
            for method in cls.methods.values():
                calls = [(callee, call) for call in self.calls_in.get(id(method), [])
                         if (callee := self.imports.qualify(call.func)) is not None
                         and not callee.startswith(("torch.", "builtins."))]  # fmt: skip
                if calls:
                    yield method, calls

    def _builder_builds(self, spans: dict) -> list:
        """Constructions of other modules' classes in the methods of a plain class (no base: a
        builder object, never run as a module's code), one `BuildFact` per run with what its
        `**` dict holds then (`pure.keyword_dicts`; a dict not known passes anything)."""
        out = []
        for method, calls in self._builder_calls():
            records = keyword_dicts(self, method)
            for callee, call in calls:
                if id(call) not in spans:
                    continue
                span = spans[id(call)]
                where = [span[0][1] + 1, span[1][0], span[1][1] + 1]
                written = self._arg_facts(call, None)
                runs = records.get(id(call)) if any(a.star == "**" for a in call.args) else [{}]
                for record in runs if runs else [None]:
                    args = dict(written)
                    if isinstance(record, dict):
                        args.pop("*", None) if not any(a.star == "*" for a in call.args) else None
                        args.update({key: _held_fact(value) for key, value in record.items() if isinstance(key, str)})
                    out.append(BuildFact(callee, span[0][0], args, None, span=where, unrun=True))
        return out

    def _bound_facts(self, facts: dict, call: cst.Call) -> dict:
        """A partial object's call: the keywords it binds, unless the call passes them again; a
        bound positional or `**` shifts or hides what the call passes (not known)."""
        bound = self.bound_args.get(id(call), ())
        if any(arg.keyword is None for arg in bound):
            return {**facts, "*": ["unknown", "arguments a partial object binds"]}
        for arg in bound:
            facts.setdefault(arg.keyword.value, self._arg_fact(arg.value, set()))
        return facts

    def _own_constructions(self, name: str, spans: dict) -> Optional[list]:
        """ClassFact.own_constructions: each call of the class in this module, where every mention of it
        is such a call, made directly in the `__init__` of a class of the module, its arguments listed."""
        calls = self.call_sites.get(name, [])
        if not calls or name not in self.classes:
            return None
        # `references` counts the mentions that are not a call's callee: none but harmless ones
        mentions = self.references.get(name, 0) - self.harmless_refs.get(name, 0) - self._alias_refs(name)
        if mentions > 0 or any(name in {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in other.node.bases}
                                         for other in self.classes.values()):  # fmt: skip
            return None
        out = []
        for call, fn in calls:
            container = self.init_owner(fn)
            if container is None or not isinstance(call.func, cst.Name) or call.func.value != name \
                    or any(arg.star for arg in call.args) or id(call) not in spans or not self._directly_in(fn, call):  # fmt: skip
                return None
            out.append([spans[id(call)][0][0], self._arg_facts(call, container), container])
        return out

    def _applies(self, cls: ClassInfo) -> Optional[list]:
        """ClassFact.applies: for a class with no layer and no submodule whose forward applies one
        activation to its input on every way through, [activation, parameter]."""
        if cls.layer_subclass is not None or self.forward_of(cls) is None or cls.analysing:
            return None
        self.build_class(cls)
        if cls.sites or cls.contains or cls.contains_unknown or any(
                isinstance(value, (LayerV, ChainV, InstV, ActV, TransparentV, UnknownV)) for value in cls.attrs.values()):  # fmt: skip
            return None
        summary = self.summary(cls)
        if not summary.done or summary.positions is not None or summary.fields is not None:
            return None
        activation, param, _ = resolve_outcomes(list(summary.entry))
        return [activation, param] if activation not in ("unknown", "none", RETURNED) else None

    def super_init_call(self, key: str) -> Optional[cst.Call]:
        """The base constructor call of the class's own `__init__` that passes arguments
        (`super().__init__(act_layer=nn.Tanh)`, `Base.__init__(self, ...)`), else None."""
        cls = self.classes.get(key)
        init = cls.methods.get("__init__") if cls is not None else None
        if init is None:
            return None
        params = _positional_params(init)
        self_name = params[0].name.value if params else "self"
        for call in _walk_calls(init.body):
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
                continue
            if isinstance(func.value, cst.Call) and dotted(func.value.func) == "super":
                return call if call.args else None
            if call.args and dotted(call.args[0].value) == self_name:  # `Base.__init__(self, ...)`
                return call if len(call.args) > 1 else None
        return None

    def _super_args(self, key: str) -> Optional[dict]:
        """ClassFact.super_args: `Base.__init__(self, ...)` read as if `self` were not passed; its own
        `**kwargs` passed on whole is FORWARDED_KWARGS (what its constructions pass beyond its parameters)."""
        call = self.super_init_call(key)
        if call is None:
            return None
        facts = self._arg_facts(call, key)  # the call itself: its identity says where it is
        if not (isinstance(call.func.value, cst.Call) and dotted(call.func.value.func) == "super"):
            facts = {str(int(k) - 1) if k.isdigit() else k: v for k, v in facts.items() if k != "0"}  # `self` first
        init = self.classes[key].methods["__init__"]
        own = init.params.star_kwarg.name.value if isinstance(init.params.star_kwarg, cst.Param) else None
        stars = [arg for arg in call.args if arg.star]
        if len(stars) == 1 and stars[0].star == "**" and isinstance(stars[0].value, cst.Name) and stars[0].value.value == own \
                and not _rebound(init, own) and facts.get("*", ["unknown"])[0] == "unknown":  # fmt: skip
            facts.pop("*", None)
            facts[FORWARDED_KWARGS] = ["kwargs", own]
        return facts

    def _arg_facts(self, call: cst.Call, inside: Optional[str]) -> dict:
        """Each argument of a construction, as far as another module needs to read it."""
        init = self.method(self.classes[inside], "__init__") if inside in self.classes else None
        own_params = {p.name.value for p in _all_params(init[1])} if init else set()
        # a parameter as the call sees it: in the constructor's own code, never bound again there
        # (`act_layer = get_act_layer(act_layer)`), and not a helper method's parameter of that name
        opaque = set()
        if own_params and not self._directly_in(init[1], call):
            opaque, own_params = own_params, set()
        elif own_params:
            opaque = {name for name in own_params if _rebound(init[1], name)}
            own_params = own_params - opaque
        out: dict = {}
        for key, arg in keyed_args(call):
            if arg.star == "**" and init is not None and self._directly_in(init[1], call):
                # `ckwargs = dict(act_layer=act_layer, ...)`, then `ConvNormAct(..., **ckwargs)`
                keyed = self._dict_nodes(arg.value, init[1], 0)
                if keyed is not None:
                    out.update((key, self._arg_fact(value, own_params, inside, opaque)) for key, value in keyed.items())
                    continue
            if arg.star:
                out["*"] = ["unknown", "*args"]
                continue
            out[key] = self._arg_fact(arg.value, own_params, inside, opaque)
        if "*" in out and all(arg.star != "*" for arg in call.args) and inside is not None:
            unpacked = self._unpacked_facts(call, init[1] if init else None, own_params, inside, opaque)
            if unpacked is not None:  # `Mlp(..., **dd)`: the keys its dicts hold on every run, and no other
                del out["*"]
                out.update({key: fact for key, fact in unpacked.items() if key not in out or out[key][0] == "unknown"})
        return out

    def _unpacked_facts(self, call: cst.Call, init: Optional[cst.FunctionDef], own_params: set, inside: str,
                        opaque: frozenset = frozenset()) -> Optional[dict]:  # fmt: skip
        """What a construction's `**` dicts pass on every run (`pure.keyword_dicts`), as `_arg_fact`
        reads a keyword: a key that some runs pass and others do not, or with different values,
        is unknown. None: not known (a dict not followed, the function's own **kwargs)."""
        fn = self._enclosing_of(call)
        own = fn.params.star_kwarg if fn is not None else None
        if fn is None or any(isinstance(own, cst.Param) and isinstance(a.value, cst.Name) and a.value.value == own.name.value
                             for a in call.args if a.star == "**"):  # fmt: skip
            return None
        records = keyword_dicts(self, fn).get(id(call))
        if not records or not all(isinstance(record, dict) for record in records):
            return None
        facts: dict = {}
        for key in {key for record in records for key in record if isinstance(key, str)}:
            seen = []
            for record in records:
                if key not in record:
                    seen.append(["unknown", f"{key} passed on some runs only"])
                    continue
                held = record[key]
                if isinstance(held, ParamObj):  # as `act_layer=act_layer` written in the constructor would read
                    fact = self._arg_fact(cst.Name(held.name), own_params, inside, opaque) if fn is init else ["param", held.name]
                else:
                    fact = _held_fact(held)
                seen.append(fact)
            facts[key] = seen[0] if all(fact == seen[0] for fact in seen) else ["unknown", f"{key} differs between runs"]
        return facts

    def _enclosing_of(self, call: cst.Call) -> Optional[cst.FunctionDef]:
        """The function whose own body holds the call (a class method or a free function)."""
        index = self.object_cache.get("<enclosing>")
        if index is None:
            index = self.object_cache["<enclosing>"] = {}
            for fn in [*self.functions.values(), *(m for c in self.classes.values() for m in c.methods.values())]:
                for inner in self.calls_in.get(id(fn), []):
                    index[id(inner)] = fn
        return index.get(id(call))

    def _dict_nodes(self, node: cst.BaseExpression, fn: cst.FunctionDef, depth: int) -> Optional[dict]:
        """key -> value expression of a mapping expanded with `**` in `fn`: a dict display or a
        `dict(...)` call, or a local name bound once to one and never changed; None when its
        keys are not all known."""
        from .handed import _bound_once, _function_index

        if depth > 4:
            return None
        if isinstance(node, cst.Name):
            bound = _bound_once(self, fn, node.value)
            if bound is None or _function_index(self, fn)[2].get(node.value):
                return None  # `ckwargs["x"] = ...` somewhere in fn: its keys at the call are not read here
            return self._dict_nodes(bound, fn, depth + 1)
        out: dict = {}
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    inner = self._dict_nodes(element.value, fn, depth + 1)
                    if inner is None:
                        return None
                    out.update(inner)
                    continue
                key = literal_string(element.key)
                if key is None:
                    return None
                out[key] = element.value
            return out
        if isinstance(node, cst.Call) and dotted(node.func) == "dict" and "dict" not in self.functions:
            for arg in node.args:
                if arg.keyword is not None:
                    out[arg.keyword.value] = arg.value
                    continue
                inner = self._dict_nodes(arg.value, fn, depth + 1) if arg.star in ("", "**") else None
                if inner is None:
                    return None
                out.update(inner)
            return out
        return None

    def _built_params(self, cls: ClassInfo) -> dict:
        """The parameters of the class's own `__init__` it only calls (handed.called_params)."""
        init = cls.methods.get("__init__")
        return called_params(self, init) if init is not None else {}

    def _mentioned(self, name: str) -> bool:
        """Whether this module's code names the class (builds it, hands it on, derives from it)."""
        if self.references.get(name, 0) > self.harmless_refs.get(name, 0) + self._alias_refs(name) or self.call_sites.get(name):
            return True
        return any(name in {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in other.node.bases}
                   for other in self.classes.values())  # fmt: skip

    def _built_by_functions_only(self, name: str) -> bool:
        """Whether this module names the class only to call it by name, with no `*`/`**`, in its
        top-level functions (`def get_down_block(...): return DownBlock2D(...)`): each such
        construction is listed with its arguments, nothing else builds it here."""
        calls = self.call_sites.get(name, [])
        if not calls or self.references.get(name, 0) > self.harmless_refs.get(name, 0) \
                or any(name in {(dotted(base.value) or "").rsplit(".", 1)[-1] for base in other.node.bases}
                       for other in self.classes.values()):  # fmt: skip
            return False
        return all(fn is not None and self.functions.get(fn.name.value) is fn and isinstance(call.func, cst.Name)
                   and call.func.value == name and not any(arg.star for arg in call.args) for call, fn in calls)  # fmt: skip

    def _function_builds(self, name: str) -> list:
        """[function, args] per construction of the class by a top-level function of this module
        (`_built_by_functions_only`): args as BuildFact.args has them, a parameter of that function
        it never binds again as ["param", name] (what the function's callers pass, for the links)."""
        out = []
        for call, fn in self.call_sites.get(name, []):
            params = {p.name.value for p in _all_params(fn)}
            opaque = {param for param in params if _rebound(fn, param)}
            out.append([fn.name.value, {key: self._arg_fact(arg.value, params - opaque, None, opaque)
                                        for key, arg in keyed_args(call)}])
        return out

    def _at_init_top(self, inside: Optional[str], call: cst.Call) -> bool:
        """Whether the call is in a plain statement of its class's `__init__` body (no branch, loop,
        `with` or method around it): what `ClassFact.path_inits` reads back as surely run."""
        init = self.method(self.classes[inside], "__init__") if inside in self.classes else None
        if init is None:
            return False
        key = ("<init top>", id(init[1]))
        if key not in self.handed_cache:
            top = {id(node) for stmt in init[1].body.body if isinstance(stmt, cst.SimpleStatementLine)
                   for node in _walk_nodes(stmt) if isinstance(node, cst.Call)}  # fmt: skip
            self.handed_cache[key] = (init[1], top)
        return id(call) in self.handed_cache[key][1]

    def _directly_in(self, fn: cst.FunctionDef, call: cst.Call) -> bool:
        """Whether `call` is in `fn`'s own code (not in a function or lambda nested in it)."""
        key = ("<own calls>", id(fn))
        if key not in self.handed_cache:
            own: set = set()
            stack: list = [fn.body]
            while stack:
                node = stack.pop()
                if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                    continue
                if isinstance(node, cst.Call):
                    own.add(id(node))
                stack.extend(child_nodes(node))  # not `.children`: a visitor over every whitespace node
            self.handed_cache[key] = (fn, own)
        return id(call) in self.handed_cache[key][1]

    def _arg_fact(self, node: cst.BaseExpression, own_params: set, inside: Optional[str] = None,
                  opaque: frozenset = frozenset()) -> list:  # fmt: skip
        held = self._param_held(inside, node) if isinstance(node, cst.Attribute) else None
        if held is not None:  # `act=self.act` in a helper method, after `self.act = act` in __init__
            init = self.method(self.classes[inside], "__init__")[1]
            if _rebound(init, held):
                return ["unknown", f"{held} (as the constructor has it there)"]
            return self._arg_fact(cst.Name(held), {p.name.value for p in _all_params(init)}, inside)
        if isinstance(node, cst.Name):
            if node.value == "None":
                return ["none"]
            if node.value in opaque:
                return ["unknown", f"{node.value} (as the constructor has it there)"]
            if node.value in own_params:
                # what every construction this module shows passes, beside the name: the program adds
                # what other modules' constructions pass (link._resolved)
                passed = self._passed_class(inside, node.value) if inside is not None else None
                return ["param", node.value, passed] if passed else ["param", node.value]
            if node.value in self.classes:
                return ["class", f"local:{node.value}"]
        if literal_number(node) is not None or literal_string(node) is not None \
                or isinstance(node, cst.Name) and node.value in ("True", "False"):  # fmt: skip
            return ["literal", short_code(node, 60)]
        if _name_and_keywords(node):  # `act=("relu", {"inplace": True})`: written out whole, to be read back
            return ["literal", cst.Module([]).code_for_node(node)]
        if isinstance(node, cst.Call):  # `act=nn.LeakyReLU(0.2)`: a torch activation instance, with its parameter
            instance = self._activation_instance_fact(node)
            if instance is not None:
                return instance
        if isinstance(node, cst.Attribute):  # MONAI's `Norm.BATCH`: a library object's attribute that is a string
            constant = hooks.constant(self.imports.qualify(node.value), node.attr.value)
            if constant is not None:
                return ["literal", repr(constant)]
        q = self.imports.qualify(node)
        if q:
            return ["class", q]
        return ["unknown", short_code(node, 60)]

    def _activation_instance_fact(self, call: cst.Call) -> Optional[list]:
        """["instance", "torch.nn.LeakyReLU", 0.2] for a torch activation built with literal arguments
        (its parameter None where not given: torch's default); None for anything else."""
        q = self.imports.qualify(call.func) or ""
        name = q.rsplit(".", 1)[-1] if q.startswith("torch.nn.") else None
        if name not in catalogue.ACTIVATION_MODULES or any(arg.star for arg in call.args) or name == "RReLU" and call.args:
            return None
        if any(literal_number(arg.value) is None and not (isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False"))
               for arg in call.args):  # fmt: skip
            return None
        spec = catalogue.ACTIVATION_MODULES[name][1]
        node = argument(call, *spec) if spec is not None else None
        return ["instance", q, literal_number(node) if node is not None else None]

    def _param_held(self, owner: Optional[str], node: cst.Attribute) -> Optional[str]:
        """The constructor parameter `self.<attr>` holds wherever the class's code reads it: its own
        `__init__` binds it once, `self.act = act`, at its top level after any `super().__init__()`
        (a base's constructor does not bind it again after), to a parameter it never binds again,
        and no other code of this module binds that attribute (a subclass, another method). MONAI's
        UNet passes `act=self.act` to the blocks its helper methods build."""
        if owner not in self.classes or not (isinstance(node.value, cst.Name) and node.value.value == "self"):
            return None
        key = ("<param held>", owner, node.attr.value)
        if key not in self.handed_cache:
            self.handed_cache[key] = self._find_param_held(owner, node.attr.value)
        return self.handed_cache[key]

    def _find_param_held(self, owner: str, attr: str) -> Optional[str]:
        found = self.method(self.classes[owner], "__init__")
        if found is None or not isinstance(found[1].body, cst.IndentedBlock):
            return None
        init = found[1]
        params = {p.name.value for p in _all_params(init)}
        held, at, last_super = None, -1, -1
        for position, stmt in enumerate(init.body.body):
            # super().__init__(...), Base.__init__(self, ...): a base's constructor may bind it too
            if any(isinstance(call.func, cst.Attribute) and call.func.attr.value == "__init__" for call in _walk_calls(stmt)):
                last_super = position
            small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and _is_self_attr(small.targets[0].target, attr) \
                    and isinstance(small.value, cst.Name) and small.value.value in params:  # fmt: skip
                held, at = small.value.value, position
        if held is None or at < last_super:
            return None
        # bound once in the whole module: by that one statement
        binds = sum(1 for node in _walk_nodes(self.module) if _binds_self_attr(node, attr))
        return held if binds == 1 else None

    def _container_default(self, node: cst.BaseExpression, enclosing: Optional[cst.FunctionDef],
                           values: list) -> Optional[object]:
        """`Convolution(..., act=act)` in ResidualUnit's `__init__`, where this module builds ResidualUnit
        only with `act` left at its default (or not at all): the value is that default, resting on
        it as a parameter of ResidualUnit, which other modules' constructions may pass otherwise."""
        owner = self.init_owner(enclosing)
        if owner is None or not isinstance(node, cst.Name) or len(values) != 1:
            return None
        param = next((p for p in _all_params(enclosing) if p.name.value == node.value), None)
        if param is None or param.default is None or _rebound(enclosing, node.value):
            return None
        default = self.static_value(param.default, None, 1)
        if default != values:  # a construction here passes another value too
            return None
        if self.carried_params(owner, node.value) != []:  # ResidualUnit itself built here with its builder's own
            return UnknownV(f"parameter {node.value} of {owner} (passed on from parameters of constructors here)")
        return ParamV(node.value, values[0], owner)

    def _passed_class(self, owner: str, param: str) -> Optional[list]:
        """The one class (or string: timm's `act_layer="swish"`) every construction of `owner` this
        module shows passes for `param` (its default too, where it has one), as `BuildFact.args`
        holds it: what `owner` passes on to the blocks it builds."""
        if self.passed_away(owner) or self._passes_an_open_parameter(owner, param):
            return None
        values = self.param_candidates(owner, param)
        # none passes it: the default, where this module shows every construction of a class of its own
        # (`build_model_with_cfg(RexNet, ...)` from entry points that pass no act_layer)
        everywhere_default = values == [] and owner in self.classes and not self.handed(owner) \
            and bool(self.call_sites.get(owner) or handed_uses(self, owner))  # fmt: skip
        if not values and not everywhere_default:
            return None
        init = self.method(self.classes[owner], "__init__")
        default = next((p.default for p in _all_params(init[1]) if p.name.value == param), None) if init else None
        if default is not None:
            values = values + (self.static_value(default, init[1], 0) or [None])
        names = {("class", v.qualname) if isinstance(v, ClassRefV) else
                 ("literal", short_code(v[1], 60)) if isinstance(v, tuple) and v[:1] == ("<literal>",)
                 and isinstance(v[1], cst.SimpleString) else
                 ("literal", cst.Module([]).code_for_node(v[1])) if isinstance(v, tuple) and v[:1] == ("<literal>",)
                 and _name_and_keywords(v[1]) else None for v in values}  # fmt: skip
        return list(names.pop()) if len(names) == 1 and None not in names else None

    def _passes_an_open_parameter(self, owner: str, param: str) -> bool:
        """A construction here passes, for `param`, a parameter of the class whose constructor makes
        it (`Block(dim, act_layer=act_layer)` in Net), and nothing here builds that class, or of the
        free function that makes it: what it holds is what other modules pass Net (`Net(act_layer=
        nn.ReLU)` in train.py) or call the function with, not its default."""
        target = self.classes.get(owner)
        found = self.method(target, "__init__") if target is not None else None
        if found is None:
            return False
        names = [p.name.value for p in _positional_params(found[1])[1:]]
        for call, enclosing in self.call_sites.get(owner, []):
            node = _argument_for(call, names, param, owner)
            builder = self.init_owner(enclosing) if enclosing is not None else None
            if isinstance(node, cst.Name) and builder is not None and node.value in {p.name.value for p in _all_params(enclosing)} \
                    and not self.call_sites.get(builder):  # fmt: skip
                return True
            if isinstance(node, cst.Name) and enclosing is not None and self.functions.get(enclosing.name.value) is enclosing \
                    and node.value in {p.name.value for p in _all_params(enclosing)}:  # fmt: skip
                return True  # `get_down_block(..., resnet_act_fn)`: what its callers pass, here or in other modules
        return False

    def _layer(self, site, class_name, line, col, end_line, end_col, spans, lines, init_alias) -> Layer:
        activation, param, evidence = resolve_outcomes(site.outcomes, site.split_by)
        init = site.init_state or ("explicit" if site.explicit_init else "default")
        init_evidence = site.init_evidence
        if site.explicit_init is not None and not init_evidence:
            init_evidence = f"{site.explicit_init.text} (line {site.explicit_init.line})"
        # the constructor defaults any use's activation rests on (typed evidence, never its wording)
        assumed = list(dict.fromkeys(fact for _, _, e in site.outcomes for fact in getattr(e, "defaults", ())))
        owner = self.classes.get(class_name) if class_name else None
        if owner is not None and owner.forward_rests_on and site in owner.sites:
            # its forward took a branch on an attribute a default chose (`if self.gate is not None`)
            assumed = list(dict.fromkeys([*assumed, *owner.forward_rests_on]))
        if activation != "unknown":  # a norm parameter's default between it and what it meets
            assumed = list(dict.fromkeys([*assumed, *site.through_defaults, *site.branch_defaults]))
        skipped = next((fact for fact in site.against_defaults if any(
            (fact.owner, fact.param) == (other.owner, other.param) for other in assumed)), None)  # fmt: skip
        if activation != "unknown" and site.skipped_by:
            # built in a branch its class's defaults skip: what follows it there was never run at those defaults
            fact = site.skipped_by[0]
            activation, param = "unknown", None
            evidence = f"built only where {fact.param} is not its default {fact.default}: judged at no default"
            assumed = []
        elif activation != "unknown" and skipped is not None:
            # `time_emb_proj` built when `time_embedding_norm != "default"`, judged through forward at that default
            activation, param = "unknown", None
            evidence = (f"built only where {skipped.param} is not its default {skipped.default}, "
                        f"and what follows it was judged at that default")
            assumed = []
        layer = Layer(
            path=self.path,
            line=line,
            column=col + 1,
            end_line=end_line,
            end_column=end_col + 1,
            class_name=class_name,
            name=site.name,
            layer_type=site.layer_type,
            alt_types=list(site.alt_types),
            activation=activation,
            activation_param=param,
            activation_evidence=str(evidence),  # plain data from here on
            init=init,
            init_evidence=init_evidence,
            init_call=site.explicit_init,
            output_head=site.output_head,
            init_open=site.init_open,
            open_output=site.open_output,
            activation_defaults=[[fact.owner, fact.param, fact.default, *([list(fact.registry)] if fact.registry else []), *([OVERRIDES] if fact.overrides else [])]
                                 for fact in assumed if fact.path == self.path and not fact.object_field],
        )
        layer.object_defaults = [[fact.path, fact.owner, fact.param, fact.default] for fact in assumed if fact.object_field]
        layer.flag_variants = self.flag_variants.get(id(site))
        layer.conditional_build = site.conditional_build
        layer.built_if = [[fact.owner, fact.param, fact.default] for fact in site.built_if if fact.path == self.path]
        layer.function = site.function if class_name is None and site.function != MODULE_CODE else None
        layer.fix = self._fix_plan(site, spans, lines)
        layer.weight = site.weight or self._weight_from_name(site)
        if layer.fix.in_function and layer.fix.reason is None:
            layer.weight = layer.fix.weight  # the helper's name for it, where the init goes
        layer.container = None if layer.weight else (site.loop_over or self._container_of(site))
        layer.recommended = catalogue.recommended_line(activation, param, layer.weight or "layer.weight",
                                                       init_alias or "torch.nn.init", layer.container)  # fmt: skip
        if layer.fix.reason is None and assumed:
            # Callers in other files may pass another activation than the default.
            layer.fix.unsafe_reason = DEFAULT_ACTIVATION_ASSUMED
        elif layer.fix.reason is None and id(site) in self.agreed_by_code:
            # a script's `Net(act="tanh")`: a new caller keeping the default would differ
            layer.fix.unsafe_reason = PROGRAM_CONSTRUCTIONS_AGREE
        return layer

    def _chains(self, sites: list) -> dict:
        """id(site) -> the sites of its chain: layers linked output -> (activation) -> input with no
        norm after the first of each link (union-find over the `feeds` links)."""
        parent = {id(site): site for site in sites}
        ids = {id(site) for site in sites}

        def root(site: Site) -> Site:
            while parent[id(site)] is not site:
                parent[id(site)] = parent[id(parent[id(site)])]
                site = parent[id(site)]
            return site

        for site in sites:
            if site.norm is not None:
                continue
            for target in site.feeds:
                if id(target) in ids:
                    a, b = root(site), root(target)
                    if a is not b:
                        parent[id(a)] = b
        groups: dict = {}
        for site in sites:
            groups.setdefault(id(root(site)), []).append(site)
        return {id(site): groups[id(root(site))] for site in sites}

    def _impact(self, layer: Layer, site: Site, chain: list) -> None:
        """Norm after it, a residual branch, and the chain's impact on the forward signal."""
        layer.norm_after = site.norm
        # one activation: it -> activation -> the branch's last layer, whose output is added to
        # the very signal this layer reads (x + fc2(act(fc1(norm(x))))), with no activation after
        layer.residual_branch = bool(site.feeds) and all(
            site.inputs & target.added_to and resolve_outcomes(target.outcomes)[0] == "none"
            for target in site.feeds)  # fmt: skip
        layer.chain = len(chain)
        if site.norm is not None or layer.residual_branch:
            layer.impact = 1.0  # renormalised right away / added to a stream that keeps its scale
            return
        shrinks, own = [], 1.0
        for member in chain:
            if member.norm is None:
                activation, param, _ = resolve_outcomes(member.outcomes)
                init = member.init_state or ("explicit" if member.explicit_init else "default")
                if member is site:
                    own = catalogue.shrink(activation, param, init)
                else:
                    shrinks.append(catalogue.shrink(activation, param, init))
        layer.chain_others = catalogue.chain_impact(shrinks)
        layer.impact = layer.chain_others * own

    def _weight_from_name(self, site: Site) -> Optional[str]:
        """`self.features[0].weight` from the named_modules() name `features.0`, where every part
        of the name is an attribute or an index (no `*`: one layer, not each of a loop's)."""
        if site.class_name is None or not site.name or "*" in site.name:
            return None
        return f"{python_path('self.' + site.name)}.weight"  # a key such as `fc-a` spelled with getattr

    def _container_of(self, site: Site) -> Optional[str]:
        """`self.blocks` when the layer is named `blocks.*` and every element of that container
        is this layer: a loop over it is then the init (for layer in self.blocks: ...)."""
        cls = self.classes.get(site.class_name) if site.class_name else None
        attr = site.name[: -len(".*")] if site.name and site.name.endswith(".*") else None
        if cls is None or attr is None or not attr.isidentifier():
            return None
        holder = cls.attrs.get(attr)
        if not isinstance(holder, ChainV):
            return None
        elements = list(_flatten(holder.items))
        if elements and all(isinstance(e, LayerV) and e.site is site for e in elements):
            return f"self.{attr}"
        return None

    def _fix_plan(self, site: Site, spans: dict, lines: list) -> FixPlan:
        if catalogue.is_lazy(site.layer_type):
            return FixPlan(reason="a Lazy layer has no weight until its first forward")
        helper = self._helper_plan(site, spans, lines)
        at_call = not site.fix_reason and site.anchor is not None and bool(site.weight or site.loop_over)
        if helper is not None and (not at_call or (helper.reason is None and helper.unsafe_reason is None)):
            return helper  # a safe fix at the call beats an unsafe one in a module-level helper
        if site.fix_reason or site.anchor is None or not (site.weight or site.loop_over):
            return FixPlan(reason=site.fix_reason or "no statement binds this layer to a name")
        return self._plan_after(site.anchor, site.weight or "", site.loop_over, spans, lines)

    def _plan_after(self, anchor: cst.CSTNode, weight: str, loop_over: Optional[str], spans: dict, lines: list) -> FixPlan:
        span = spans.get(id(anchor))
        if span is None:
            return FixPlan(reason="no position for its statement")
        (line, _), _ = span
        end_line = _end_line(span)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        return FixPlan(insert_after_line=end_line, indent=indent, weight=weight, loop_over=loop_over)

    def _helper_plan(self, site: Site, spans: dict, lines: list) -> Optional[FixPlan]:
        """In the helper that builds the layer, right after it binds it: one init there reaches the
        layer of every call, so every call's layer must be followed by the same activation and none
        may be an output head. None when the helper binds no name for it."""
        if site.helper_anchor is None:
            return None
        uses = self.helper_uses.get(id(site.helper_anchor), [site])
        acts = {resolve_outcomes(use.outcomes, use.split_by)[:2] for use in uses}
        heads = [use for use in uses if use.output_head and catalogue.FAMILY.get(next(iter(acts))[0]) in catalogue.HEAD_FAMILIES]
        if len(acts) > 1 or heads:
            what = " and ".join(sorted(catalogue.display_name(a, p) for a, p in acts))
            return FixPlan(reason=(
                f"`{site.helper}` builds this layer for {len(uses)} uses, followed by {what}"
                + (" (one is an output head)" if heads else "")
                + ": one init in the helper would reach each; initialise each use after its call"
            ))
        plan = self._plan_after(site.helper_anchor, site.helper_weight or "", None, spans, lines)
        plan.in_function = site.helper
        if plan.reason is None and site.helper_shared:
            plan.unsafe_reason = (
                f"`{site.helper}` is a module-level function, which other modules may call for layers "
                "followed by another activation"
            )
        return plan

    def _nn_alias(self) -> Optional[str]:
        for local, qual in self.imports.names.items():
            if qual == "torch.nn":
                return local
        if self.imports.names.get("torch") == "torch":
            return "torch.nn"
        return None

    def _init_alias(self) -> Optional[str]:
        for local, qual in self.imports.names.items():
            if qual == "torch.nn.init":
                return local
        nn = self._nn_alias()
        return f"{nn}.init" if nn else None


def _passes_own_kwargs(call: cst.Call, enclosing: Optional[cst.FunctionDef]) -> bool:
    """Every `**` of the call is its function's own `**kwargs` passed on (or it has none)."""
    own = enclosing.params.star_kwarg if enclosing is not None else None
    return all(isinstance(own, cst.Param) and isinstance(arg.value, cst.Name) and arg.value.value == own.name.value
               for arg in call.args if arg.star == "**")  # fmt: skip


def _default_text(default: object) -> str:
    """A parameter's default as `ConstructorDefault.default` writes it: a class's qualified name,
    a literal as written, None; `?` where it is neither."""
    if default == NONE_V:
        return "None"
    if isinstance(default, ClassRefV):
        return default.qualname
    if isinstance(default, tuple) and default[:1] == ("<literal>",):
        return short_code(default[1], 60)
    return "?"


def _sets_attributes_by_name(cls: ClassInfo, children_too: bool = True) -> bool:
    """A method of the class binds attributes by a computed name (`setattr(self, ...)`,
    `self.add_module(...)`, `self.__dict__`): what `self.x` holds may not be what `attrs` says,
    so no construction of it is judged on its own. `children_too=False`: a module added to one of
    its attributes (`self.bn.add_module("drop", ...)`) does not count (a run that reaches it takes
    that attribute for unknown)."""
    for fn in cls.methods.values():
        for node in _walk_nodes(fn.body):
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and not children_too \
                    and node.func.attr.value in ("add_module", "register_module") \
                    and isinstance(node.func.value, cst.Attribute):  # fmt: skip
                continue
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in ("add_module", "register_module") and dotted(node.func.value) == "self" \
                    and node.args and node.args[0].keyword is None and literal_string(node.args[0].value) is not None:  # fmt: skip
                continue  # `self.add_module("conv", conv)`: a name written out, as `self.conv = conv` is
            if isinstance(node, cst.Call) and (dotted(node.func) == "setattr" or isinstance(node.func, cst.Attribute)
                                               and node.func.attr.value in ("add_module", "register_module", "__setattr__")):
                return True  # fmt: skip
            if isinstance(node, cst.Attribute) and node.attr.value == "__dict__":
                return True
    return False


def _snapshot(state: dict) -> list:
    """The contents of the containers `state` holds, two levels deep, to be put back in place
    (whatever else refers to them sees them as they were)."""
    saved: list = []
    for value in state.values():
        if isinstance(value, _CONTAINERS):
            saved.append((value, value.copy() if type(value) in _PLAIN_CONTAINERS else copy.copy(value)))
            # taken around every judged use: the second level inline, plain containers by their own copy()
            for inner in value.values() if isinstance(value, dict) else value:
                kind = type(inner)
                if kind in _PLAIN_CONTAINERS:
                    saved.append((inner, inner.copy()))
                elif isinstance(inner, _CONTAINERS):
                    saved.append((inner, copy.copy(inner)))
    return saved


_CONTAINERS = (list, dict, set)
_PLAIN_CONTAINERS = frozenset(_CONTAINERS)


def _restore(saved: list) -> None:
    for container, contents in saved:
        if isinstance(container, list):
            container[:] = contents
        else:
            container.clear()
            container.update(contents)


def _name_sites(fm: FileModel) -> None:
    """Make each layer's site id unique in the file: the k-th repeat of an id (a layer built in
    both branches of an `if`) gets `#k`, counted in the order the analysis met them, not by line."""
    seen: dict = {}
    for layer in [*(layer for module in fm.modules for layer in module.layers), *fm.free_layers]:
        count = seen[layer.site] = seen.get(layer.site, 0) + 1
        if count > 1:
            layer.site = f"{layer.site}#{count - 1}"


def _merge_candidate(kept: Layer, other: Layer) -> None:
    """`kept` is the row of a call that may build `other`'s class instead: what they disagree on
    (the activation, the init) is unknown there."""
    if (other.activation, other.activation_param) != (kept.activation, kept.activation_param):
        if not kept.activation_evidence.startswith(CANDIDATES):
            kept.activation_evidence = f"{CANDIDATES}: {kept.layer_type} {kept.activation} ({kept.activation_evidence})"
        kept.activation, kept.activation_param = "unknown", None
        kept.activation_evidence += f"; {other.layer_type} {other.activation} ({other.activation_evidence})"
    if (other.init, other.init_call) != (kept.init, kept.init_call) or kept.init_evidence.startswith(CANDIDATES):
        if not kept.init_evidence.startswith(CANDIDATES):
            kept.init_evidence = f"{CANDIDATES}: {kept.layer_type} {kept.init} ({kept.init_evidence})"
        kept.init, kept.init_call, kept.init_open = "unknown", None, False
        kept.init_evidence += f"; {other.layer_type} {other.init} ({other.init_evidence})"


CANDIDATES = "built as one of several classes, which disagree"


def _class_overrides(tree: Optional[ast.Module], source: str) -> dict:
    """Top-level class name -> (ClassFact.defines, .hooks, .self_reads), from CPython's tree and the
    class's text (what its methods read through their first parameter, matched as text: a name in a
    string or a comment counts too, which only ever makes more of the base's layers unknown)."""
    out: dict = {}
    lines = source.splitlines()
    stack = list(tree.body) if tree is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.If, ast.Try)):
            stack.extend(node.body + node.orelse + getattr(node, "finalbody", []))
        if not isinstance(node, ast.ClassDef) or node.name in out:
            continue
        defines, receivers = [], set()
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = item.args.posonlyargs[:1] or item.args.args[:1]
                if first:
                    receivers.add(first[0].arg)
                if item.name != "__init__":
                    text = "\n".join(lines[item.lineno - 1:item.end_lineno])
                    defines.append([item.name, f"super().{item.name}(" in text.replace(" ", "")])
            elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                for target in item.targets if isinstance(item, ast.Assign) else [item.target]:
                    if isinstance(target, ast.Name):
                        defines.append([target.id, False])
        text = "\n".join(lines[node.lineno - 1:node.end_lineno])
        reads = {match.group(2) for match in _ATTRIBUTE_READ.finditer(text) if match.group(1) in receivers}
        names = {name for name, _ in defines}
        out[node.name] = (sorted(defines), sorted(name for name in names if name in reads or name == "forward"), sorted(reads))
    return out


_ATTRIBUTE_READ = re.compile(r"\b(\w+)\s*\.\s*(\w+)")


def _class_lines(tree: Optional[ast.Module]) -> dict:
    """Top-level class name -> line, from CPython's tree (no LibCST positions needed)."""
    lines: dict = {}
    stack = list(tree.body) if tree is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, ast.ClassDef):
            lines.setdefault(node.name, node.lineno)
        elif isinstance(node, (ast.If, ast.Try)):
            stack.extend(node.body + node.orelse + getattr(node, "finalbody", []))
    return lines


def _rule_fact(rule: "InitRule") -> InitRuleFact:
    call = rule.call
    state = "unknown" if call is not None and call.undecided else rule.state
    types = sorted(rule.types) if rule.types is not None else None
    if rule.one_layer:  # module code's init of one layer of the model, by its path below it
        return InitRuleFact(types, state, rule.evidence, call.line if call else 0, call, path=rule.prefix or "*")
    return InitRuleFact(types, state, rule.evidence, call.line if call else 0, call, rule.prefix is not None,
                        method=rule.unrun or "", name_suffix=rule.name_suffix or "")


def _end_line(span) -> int:
    (_, _), (end_line, end_col) = span
    return end_line - 1 if end_col == 0 else end_line


def _argument_for(call: cst.Call, names: list, param: str, callee: str) -> Optional[cst.BaseExpression]:
    """What a call of `callee` writes for its parameter `param` (by position among `names`, or by
    keyword), else None; `partial(callee, ...)`'s first argument is the callee itself."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if _partial_of(call) == callee:
        positional = positional[1:]
    node = positional[names.index(param)].value if param in names and names.index(param) < len(positional) else None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param:
            node = arg.value
    return node


def _same_value(value: object, other: object) -> bool:
    """One value as `Context.param_value` merges them: a class by its name (partial objects of it too)."""
    if isinstance(value, ClassRefV) and isinstance(other, ClassRefV):
        return value.qualname == other.qualname
    if all(isinstance(v, tuple) and len(v) == 2 and v[0] == "<literal>" for v in (value, other)):
        return short_code(value[1]) == short_code(other[1])  # `"batch"` written in two places is one value
    return value == other


def _literal_text(value: object) -> Optional[str]:
    """A string literal's code (or "None") as `static_value` holds it; None for anything else."""
    if value == NONE_V:
        return "None"
    literal = isinstance(value, tuple) and value[:1] == ("<literal>",) and literal_string(value[1]) is not None
    return short_code(value[1]) if literal else None


_PLAIN_ANNOTATIONS = frozenset({"int", "float", "bool", "str", "bytes", "complex"})
_SIZED_TORCH_MODULES = frozenset(catalogue.LAYER_TYPES) | catalogue.NORM_MODULES


def _plain_params(fa, init: cst.FunctionDef) -> frozenset:
    """The parameters of `init` that surely hold no module (see `FileAnalysis.plain_param`)."""
    params = {p.name.value: p for p in [*_all_params(init), *init.params.kwonly_params]}
    plain = {name for name, p in params.items() if p.annotation is not None
             and isinstance(p.annotation.annotation, cst.Name) and p.annotation.annotation.value in _PLAIN_ANNOTATIONS}
    for call in _walk_calls(init.body):
        # a layer or norm of torch takes sizes: a module there raises (not nn.Identity, which takes anything)
        if torch_nn_name(fa.imports.qualify(call.func)) not in _SIZED_TORCH_MODULES:
            continue
        plain.update(arg.value.value for arg in call.args
                     if not arg.star and isinstance(arg.value, cst.Name) and arg.value.value in params)
    return frozenset(plain)


def _plain_literal(node: cst.BaseExpression) -> bool:
    """A number, a string, True/False/None: a value that reads the same in any scope."""
    return literal_number(node) is not None or isinstance(node, cst.SimpleString) or (
        isinstance(node, cst.Name) and node.value in ("True", "False", "None"))


def _bound_once(fn: cst.FunctionDef, name: str) -> Optional[cst.BaseExpression]:
    """The value of the one top-level `name = value` statement of `fn`'s body, when `name` is no
    parameter and nothing else in `fn` binds it (an assignment, a loop or comprehension target,
    `with ... as`, `:=`, an import, a def, `global`/`nonlocal`, `except ... as`, `del`): a local
    holding that value wherever it is read (before it, Python raises)."""
    if any(p.name.value == name for p in [*_all_params(fn), *fn.params.kwonly_params]) \
            or isinstance(fn.params.star_arg, cst.Param) and fn.params.star_arg.name.value == name \
            or fn.params.star_kwarg is not None and fn.params.star_kwarg.name.value == name:  # fmt: skip
        return None
    found = None
    for stmt in fn.body.body:
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
        if found is None and isinstance(small, cst.Assign) and len(small.targets) == 1 \
                and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name:  # fmt: skip
            found = small
            break
    if found is None:
        return None
    for node in _walk_nodes(fn.body):
        kind = type(node)
        if kind is cst.Assign and node is not found:
            targets = [t.target for t in node.targets]
        elif kind in (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr):
            targets = [node.target]
        elif kind is cst.WithItem:
            targets = [node.asname.name] if node.asname is not None else []
        elif kind in (cst.FunctionDef, cst.ClassDef):
            targets = [node.name]
        elif kind in (cst.Import, cst.ImportFrom):
            names = node.names if isinstance(node.names, (list, tuple)) else []
            targets = [alias.asname.name if alias.asname else alias.name for alias in names]
        elif kind in (cst.Global, cst.Nonlocal):
            targets = [item.name for item in node.names]
        elif kind is cst.ExceptHandler:
            targets = [node.name.name] if node.name is not None else []
        elif kind is cst.Del:
            targets = [node.target]
        else:
            continue
        if any(type(sub) is cst.Name and sub.value == name for target in targets for sub in _walk_nodes(target)):
            return None
    return found.value


def _rebinding_call(fn: cst.FunctionDef, name: str) -> Optional[cst.Call]:
    """The call `fn` binds its parameter `name` to again, when that top-level statement of its body is
    the first to name it and nothing else binds it (`norm_layer = get_norm_act_layer(norm_layer, ...)`)."""
    found = None
    for stmt in fn.body.body:
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
        if found is None and isinstance(small, cst.Assign) and len(small.targets) == 1 \
                and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name \
                and isinstance(small.value, cst.Call):  # fmt: skip
            found = small.value
            continue
        if name in bound_names(stmt) or found is None and any(
                isinstance(n, cst.Name) and n.value == name for n in _walk_nodes(stmt)):  # fmt: skip
            return None
    return found


def _default_filled(fn: cst.FunctionDef, name: str):
    """How the function binds its parameter `name` again: None (never), ("or", expr) for
    `name = name or expr`, ("none", expr) for `if name is None: name = expr` (either a top-level
    statement of its body, the only binding), else False (bound to something else)."""
    found, filling = None, None
    for stmt in _flat_statements(fn.body.body):
        if stmt is filling:
            continue
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
        if isinstance(stmt, cst.If) and stmt in fn.body.body and stmt.orelse is None \
                and isinstance(stmt.test, cst.Comparison) and isinstance(stmt.test.left, cst.Name) \
                and stmt.test.left.value == name and len(stmt.test.comparisons) == 1 \
                and isinstance(stmt.test.comparisons[0].operator, cst.Is) \
                and isinstance(stmt.test.comparisons[0].comparator, cst.Name) \
                and stmt.test.comparisons[0].comparator.value == "None" \
                and isinstance(stmt.body, cst.IndentedBlock) and len(stmt.body.body) == 1:  # fmt: skip
            inner = stmt.body.body[0]
            assign = inner.body[0] if isinstance(inner, cst.SimpleStatementLine) and len(inner.body) == 1 else None
            if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) \
                    and assign.targets[0].target.value == name and found is None:  # fmt: skip
                found, filling = ("none", assign.value), inner
                continue
        if isinstance(stmt, cst.If):
            continue  # its body's statements come next
        if isinstance(small, cst.Assign) and stmt in fn.body.body and len(small.targets) == 1 \
                and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name \
                and isinstance(small.value, cst.BooleanOperation) and isinstance(small.value.operator, cst.Or) \
                and isinstance(small.value.left, cst.Name) and small.value.left.value == name and found is None:  # fmt: skip
            found = ("or", small.value.right)
            continue
        if name in bound_names(stmt):
            return False
    return found


def site_outcome(outcomes: dict, site: Site, siblings: list, default: object = None) -> object:
    """What a run of its class (`_outcomes_for_call`) says of `site`: the layer that run built at the
    same construction under the same name; else, where `site` is the one layer of its class of that
    name, the one that run built of that name (a run may place it otherwise). Not another branch's
    layer of that name (`self.stem = A(...)` if c else `B(...)`: both `stem.0`), which the run built
    where it did not build this one."""
    key = (site.name, id(site.node))
    if key in outcomes:
        return outcomes[key]
    if sum(1 for other in siblings if other.name == site.name) == 1:
        return outcomes.get(site.name, default)
    return default


def _rests_on_library_key(evidence: str, owner: str) -> bool:
    """An activation chosen by a default of `owner`'s constructor read through a library's registry
    (MONAI's `act="PRELU"` handed to `ADN`, read through get_act_layer's names): its constructions
    here are judged each, so that other modules' constructions are judged against the same start."""
    return any(fact.owner == owner and fact.registry and hooks.registry_table(".".join(fact.registry)) is not None
               for fact in getattr(evidence, "defaults", ()))  # fmt: skip


def resolve_outcomes(outcomes: list, split_by: Optional[str] = None) -> tuple[str, Optional[float], str]:
    if not outcomes:
        return "unknown", None, "its output is not followed anywhere in this file"
    distinct = {}
    for activation, param, evidence in outcomes:
        distinct.setdefault((activation, None if param is None else round(param, 6)), evidence)
    if len(distinct) == 1:
        (activation, param), evidence = next(iter(distinct.items()))
        if getattr(evidence, "open_params", ()) and any(str(other) != str(evidence) for _, _, other in outcomes):
            evidence = str(evidence)  # another unknown besides what the open parameters decide
        return activation, param, evidence
    if all(a == "unknown" for a, _ in distinct):
        return "unknown", None, next(iter(distinct.values()))
    names = sorted({catalogue.display_name(a, p) for a, p in distinct})
    if split_by:  # GLU, GEGLU, SwiGLU: a gated half and an activated half; no gain is right for both
        return "unknown", None, f"{SPLIT_APART}{split_by} and the parts meet different ops: " + ", ".join(names)
    return "unknown", None, DIFFERENT_USES + ", ".join(names)


DIFFERENT_USES = "followed by different things in different uses: "
SPLIT_APART = "its output is split by "  # in some use: each construction may still meet one thing


def _passed_activation(given: object, name: str, cls: str) -> tuple:
    """The outcome of a torch activation class a caller passes for a parameter (act_layer=nn.ReLU)."""
    nn_name = torch_nn_name(given.qualname) if isinstance(given, ClassRefV) else None
    if nn_name in catalogue.ACTIVATION_MODULES:
        activation = catalogue.ACTIVATION_MODULES[nn_name][0]
        return activation, catalogue.DEFAULT_PARAM.get(activation), f"{name}=nn.{nn_name} passed to {cls}"
    return "unknown", None, f"{name}= passed to {cls}: {getattr(given, 'why', 'a value not known here')}"


def _held_fact(value: object) -> list:
    """A value `pure` computed, as `BuildFact.args` holds it."""
    if value is None:
        return ["none"]
    if isinstance(value, ClassObj) and not value.qualname.startswith("builtins."):
        return ["class", value.qualname]
    if isinstance(value, ParamObj):
        return ["param", value.name]
    literal = as_literal(value)
    return ["literal", short_code(literal[1], 60)] if isinstance(literal, tuple) else ["unknown", "a value not known here"]


def _as_analysis_value(value: object) -> Optional[object]:
    """A value `pure` computed, in the analysis's form; None where it has none."""
    if isinstance(value, ClassObj):
        return ClassRefV(value.qualname) if not value.qualname.startswith("builtins.") else None
    return as_literal(value)


def analyze(source: str, path: str, loader: Optional["ModuleLoader"] = None, module: Optional[str] = None) -> FileModel:
    """Build the module model of one file. Raises SourceError when it does not parse.
    With a loader, functions the file imports from other modules of the program are followed.
    `module`: the file's dotted module name (`pkg.sub.mod`, `pkg.sub` for its `__init__.py`),
    which its relative imports resolve against; by default as the `__init__.py` files around
    `path` on disk name it."""
    return analyze_with_tree(source, path, loader, module=module)[0]


def analyze_with_tree(source: str, path: str, loader: Optional["ModuleLoader"] = None,
                      reuse: Optional[dict] = None, module: Optional[str] = None) -> tuple[FileModel, Optional[ast.Module]]:  # fmt: skip
    """analyze(), and CPython's tree of the source it parsed first (None if CPython could
    not build one), for the fixer to reuse. `reuse`: see parse_by_statement."""
    with collector_paused():
        return _analyze(source, path, loader, reuse, module)


def _analyze(source: str, path: str, loader: Optional["ModuleLoader"] = None,
             reuse: Optional[dict] = None, module_name: Optional[str] = None) -> tuple[FileModel, Optional[ast.Module]]:  # fmt: skip
    known = loader.trees_of(path, source) if loader is not None and reuse is None else None
    if known is not None:  # the loader parsed these bytes for another module's analysis
        module, c_tree = known
    else:
        module, c_tree = _parse(source, path, reuse)
    short_codes = _SHORT_CODES.set({})  # it holds nodes of this tree: gone with the analysis
    try:
        from ..program.loader import package_of  # a cycle at import time

        fa = FileAnalysis(module, path, source, package_of(path, module_name, loader))
        fa.c_tree = c_tree  # compute_spans reads statement lines from it instead of parsing again
        fa.loader = loader
        if loader is not None:
            loader.consulted, loader.unresolved = {}, set()
        model = _run_with_lines(fa)
        if loader is not None:
            from .interface import code_shape, interface_digest

            model.consulted = dict(loader.consulted)
            # the file's own path as "": the same bytes elsewhere looked from there
            model.unresolved = sorted([target, "" if near == path else near, found] for target, near, found in loader.unresolved)
            model.interface = interface_digest(code_shape(c_tree, source), fa.forward_facts)
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
    finally:
        _SHORT_CODES.reset(short_codes)
    return model, c_tree


def _parse(source: str, path: str, reuse: Optional[dict]) -> tuple[cst.Module, Optional[ast.Module]]:
    # CPython's parser first: LibCST accepts code CPython rejects (more than 200 nested
    # brackets) and takes tens of seconds on such nesting; CPython's costs ~6% of an analysis.
    c_tree = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes & co.: not ours to report
            c_tree = compile(source, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        raise SourceError(f"SyntaxError: {error.msg}", error.lineno, error.offset) from None
    except (RecursionError, MemoryError):
        # CPython's parser gave up on the nesting: LibCST's native parser would overflow
        # its stack (a segfault past ~8000 levels) or take minutes.
        raise SourceError("too deeply nested to parse") from None
    except ValueError:
        pass  # LibCST's own verdict below
    try:
        module = parse_by_statement(_without_final_continuation(source) if c_tree is not None else source, c_tree, reuse)
    except cst.ParserSyntaxError as exc:
        raise _syntax_error(source, exc) from None
    except RecursionError:
        raise SourceError("too deeply nested to parse") from None
    return module, c_tree


def _open_at_use(activation: str, evidence: str, container: Optional[str], path: str) -> Optional[list]:
    """A row at a use left unknown only by what the container's own callers pass it, not known
    here (`self.act = act_layer()`, the model's arguments read at run time): `Layer.as_defaults`
    with that start, unknown, and those parameters, which each entry point's run may know."""
    facts = list(dict.fromkeys(getattr(evidence, "open_params", ())))
    if activation != "unknown" or not facts or any(f.owner != container or f.path != path for f in facts):
        return None
    start = ["unknown", None, str(evidence)]
    nn_name = facts[0].default.rsplit(".", 1)[-1] if len(facts) == 1 and facts[0].default.startswith("torch.nn.") else None
    if nn_name in catalogue.ACTIVATION_MODULES:  # built with the default class: that activation (one without a parameter)
        default = catalogue.ACTIVATION_MODULES[nn_name][0]
        if catalogue.DEFAULT_PARAM.get(default) is None:
            start = [default, None, f"{facts[0].param} default nn.{nn_name} ({evidence})"]
    return [*start, [[f.owner, f.param, f.default] for f in facts]]


def _self_assigned_calls(classes: typing.Iterable[ClassInfo]) -> dict:
    """id(call) -> attribute, for each `self.attr = Call(...)` in the classes' methods: the
    name a built module has in its container (`self.mlp = Mlp()` -> "mlp")."""
    out: dict = {}
    for cls in classes:
        for stmt in cls.node.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.params.params:
                self_name = stmt.params.params[0].name.value
                out.update(_assigned_calls(stmt.body, lambda target: target.attr.value if isinstance(
                    target, cst.Attribute) and dotted(target.value) == self_name else None))  # fmt: skip
                for node in _walk_calls(stmt.body):  # `self.add_module("conv1", ConvNorm(...))`: named so too
                    if dotted(node.func) == f"{self_name}.add_module" and len(node.args) == 2 \
                            and isinstance(node.args[1].value, cst.Call) and literal_string(node.args[0].value):  # fmt: skip
                        out[id(node.args[1].value)] = literal_string(node.args[0].value)
    return out


# `to_empty()` followed by a loop that runs every module's reset_parameters(): each layer is back on
# its own default, and an init its class's __init__ drew (on the meta device) is gone
_RESET_AFTER_EMPTY = cst.Name("reset_parameters")


@dataclass(frozen=True)
class _MethodRun:
    """`model.init_weights()` run by module code on a model of another module it built."""

    method: str
    call: cst.Call


def _activation_of(value: object) -> list:
    """[activation, parameter] of an activation module's value; ["unknown", None] for anything else."""
    return [value.activation, value.param] if isinstance(value, ActV) else ["unknown", None]


def _undecided_text(fn_node: object, fa: "FileAnalysis") -> str:
    """Why an `.apply` read is not known to draw what its calls say, for its evidence ("" where it is)."""
    if id(fn_node) in fa.undecided_applies:
        return " runs only under a condition not decided here"
    if id(fn_node) in fa.partial_applies:
        return " binds arguments its function's calls may read"
    return ""


@dataclass
class _HandedRoutine:
    """`init_weights(net)` by module code: a function of the program whose body is only init loops over
    the model it is handed. What it draws is not read here: the layers it may reach are unknown."""

    call: cst.Call
    name: str
    reach: list  # the layer types it draws (InitScanner.handed_routine_reach)

    def evidence(self, path: str) -> str:
        return f"`{short_code(self.call, 40)}` in {path}, a routine handed the model, may initialise it"


@dataclass
class _ParameterLoop:
    """`for p in model.parameters(): if p.dim() > 1: nn.init.xavier_uniform_(p)` by module code."""

    loop: cst.For
    found: object  # InitCall, NameSuffixed, or UNDECIDED_PARAMETER (InitScanner.parameter_inits)
    undecided: bool = False  # under a condition the model's construction was not
    below: bool = False  # over a part of the model only (`model.encoder.parameters()`)

    def rule(self, path: str) -> InitRuleFact:
        where = f"an init loop over `{short_code(self.loop.iter, 40)}` in {path}"
        call = self.found.call if isinstance(self.found, NameSuffixed) else self.found
        if not isinstance(call, InitCall) or self.undecided or self.below or call.undecided:
            why = " under a condition not decided here" if self.undecided else (
                ", under a condition on each parameter not decided here" if not isinstance(call, InitCall) else "")
            return InitRuleFact(None, "unknown", where + why, routine=f"`for ... in {short_code(self.loop.iter, 40)}`")
        suffix = self.found.suffix if isinstance(self.found, NameSuffixed) else ""
        return InitRuleFact(None, "explicit", where + (f", on the parameters named `*{suffix}`" if suffix else ""),
                            call.line, call, routine=f"`for ... in {short_code(self.loop.iter, 40)}`", name_suffix=suffix)


def _parameter_loop_over(stmt: cst.CSTNode) -> Optional[str]:
    """`for p in model.parameters():`, `for n, p in model.named_parameters():`: what it loops over."""
    if not isinstance(stmt, cst.For) or not _iterates_parameters(stmt.iter):
        return None
    return dotted(stmt.iter.func.value)


@dataclass
class _PathInit:
    """`nn.init.x_(net.a.fc.weight)`, `net.a.fc.weight.data.normal_()` by module code on a model it
    built: the layer at `path` below it (None, or with `*`: a path not read, which may reach any)."""

    path: Optional[str]
    info: object  # InitCall
    node: cst.CSTNode
    undecided: bool = False  # under a condition the model's construction was not


# what module code may set on a model without changing what follows a layer: state, and what
# `_weight_inits` reads as an init
_NOT_REBINDING = frozenset({"weight", "bias", "data", "training", "requires_grad", "grad"})


def _rebound_attribute(fa: "FileAnalysis", small: cst.CSTNode) -> Optional[cst.Attribute]:
    """`blk.act = nn.Tanh()`: the attribute bound to a module or to what may be one (not a literal,
    nor a new Linear or Conv in place of one: the fine-tuning head `model.fc = nn.Linear(...)`)."""
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target, value = small.targets[0].target, small.value
    if not isinstance(target, cst.Attribute) or target.attr.value in _NOT_REBINDING \
            or isinstance(value, (cst.BaseNumber, cst.BaseString, cst.List, cst.Tuple, cst.Dict)):  # fmt: skip
        return None
    if isinstance(value, cst.Name) and value.value in ("True", "False", "None"):
        return None
    if isinstance(value, cst.Call) and (fa.imports.qualify(value.func) or "").rsplit(".", 1)[-1] in catalogue.LAYER_TYPES:
        return None
    return target


def _weight_inits(fa: "FileAnalysis", small: cst.CSTNode) -> Iterator[tuple]:
    """(what holds the weight, InitCall, node) for each init of some `.weight` in a statement."""
    for node in _walk_nodes(small):
        found = InitScanner.init_call_of(fa, node) if isinstance(node, cst.Call) else None
        if found is not None and isinstance(found[1], cst.Attribute) and found[1].attr.value == "weight":
            yield found[1].value, found[2], node
    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Name) and small.value.value == "None":
        return  # `model.norm.weight = None`: no weight left to draw
    for target, info in InitScanner.weight_writes(small):
        yield target.value, info, small


def _path_below(node: cst.BaseExpression) -> tuple[Optional[str], Optional[str]]:
    """`net.a.blocks[0].fc` -> ("net", "a.blocks.0.fc"); an index not written as a number is `*`."""
    parts: list = []
    while True:
        if isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Subscript):
            index = _literal_index(node)
            parts.append(str(index) if index is not None and index >= 0 else "*")
            node = node.value
        elif isinstance(node, cst.Name):
            return node.value, ".".join(reversed(parts))
        else:
            return None, None


@dataclass
class _LoopInit:
    """`for m in block.modules(): ... nn.init.x_(m.weight)` on a construction of script code."""

    loop: cst.For
    undecided: bool = False  # under a condition the model's construction was not (`if args.init:`)


def _init_loop_over(stmt: cst.CSTNode) -> Optional[str]:
    """`for m in block.modules(): ... <an init of m.weight>`: the name of what it loops over."""
    if not isinstance(stmt, cst.For) or not isinstance(stmt.target, cst.Name):
        return None
    source = stmt.iter
    if not (isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and source.func.attr.value == "modules"):
        return None
    var = stmt.target.value
    for node in _walk_nodes(stmt.body):
        if isinstance(node, cst.Call) and node.args and f"{var}.weight" in short_code(node.args[0].value, 200) \
                and (dotted(node.func) or "").rsplit(".", 1)[-1].endswith("_"):  # an in-place init of its weight
            return dotted(source.func.value)
    return None


def _reset_loop_over(stmt: cst.CSTNode) -> Optional[str]:
    """`for m in model.modules(): ... m.reset_parameters()`: the name of the model it resets."""
    if not isinstance(stmt, cst.For) or not isinstance(stmt.target, cst.Name):
        return None
    source = stmt.iter
    while isinstance(source, cst.Call) and dotted(source.func) in ("reversed", "list", "tuple") and len(source.args) == 1:
        source = source.args[0].value  # reversed(list(model.modules())): children first
    if not (isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and source.func.attr.value == "modules"):
        return None
    var = stmt.target.value
    for node in _walk_nodes(stmt.body):
        if isinstance(node, cst.Call) and dotted(node.func) == f"{var}.reset_parameters":
            return dotted(source.func.value)
    return None


# a script's call on a model it built that replaces every weight its construction drew: what it says then
_WEIGHTS_REPLACED_BY = {
    "to_empty": "materialises it uninitialised: what runs after it decides",
    "load_state_dict": "loads its weights (a checkpoint): what was saved there decides, not its construction's init",
}


def _replaces_weights(node: cst.CSTNode) -> bool:
    """`model.to_empty(device=...)`, `model.load_state_dict(state)`, as a script runs it on a model it built."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in _WEIGHTS_REPLACED_BY


def _is_to_empty(node: cst.CSTNode) -> bool:
    """`model.to_empty(device=...)`, as a script runs it on a model it built."""
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "to_empty"


def _code_assigned_calls(module: cst.Module, functions: typing.Iterable[cst.FunctionDef]) -> dict:
    """id(call) -> name, for each `name = Call(...)` in module code and free functions: what a
    script calls the model it builds (`model = Net(act="tanh")` -> "model")."""
    out: dict = {}
    for body in [module, *(fn.body for fn in functions)]:
        out.update(_assigned_calls(body, lambda target: target.value if isinstance(target, cst.Name) else None))
    return out


def _assigned_calls(body: cst.CSTNode, name_of: typing.Callable) -> dict:
    """id(call) -> name, for each `target = Call(...)` in `body` whose target `name_of` names."""
    out: dict = {}
    for node in _walk_assigns(body):
        target = node.targets[0].target if isinstance(node, cst.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        name = name_of(target) if isinstance(node.value, cst.Call) and target is not None else None
        if name is not None:
            out[id(node.value)] = name
    return out


def _bound_name(small: cst.BaseSmallStatement) -> Optional[str]:
    """`name = value`: the one plain name it binds; None for anything else."""
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value
    return None


def _bound_pairs(small: cst.BaseSmallStatement) -> list:
    """(name, value) for each plain name an assignment binds: `name = value`, and `a, b = x, y`
    item by item; none for what cannot be paired (`a, b = f()`)."""
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        return [(small.target.value, small.value)]  # `conv_block: nn.Module = Convolution(...)`
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return []
    target, value = small.targets[0].target, small.value
    if isinstance(target, cst.Name):
        return [(target.value, value)]
    if not isinstance(target, (cst.Tuple, cst.List)):
        return []
    names = [element.value for element in target.elements]
    values = [element.value for element in value.elements] if isinstance(value, (cst.Tuple, cst.List)) \
        and not any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements)) else None  # fmt: skip
    if values is not None and len(values) == len(names):
        return [(name.value, item) for name, item in zip(names, values) if isinstance(name, cst.Name)]
    return []  # `model, opt = accelerator.prepare(model, opt)`: as before, the names keep what they held


def _walk_assigns(body: cst.CSTNode) -> typing.Iterator:
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Assign, cst.AnnAssign)):
            yield node
        elif not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.BaseExpression)):
            stack.extend(child_nodes(node))  # not `.children`: a visitor over every whitespace node


def _run_with_lines(self: FileAnalysis) -> FileModel:
    """Run, then name the line of each explicit init call in its evidence (the lines came with
    the layers' positions, in the same pass)."""
    model = self.run()
    if self.pending_lines:
        for layer in model.layers:
            if layer.init_call is not None and layer.init_evidence.endswith("`") and layer.init_call.line > 0:
                layer.init_evidence = f"{layer.init_evidence} (line {layer.init_call.line})"
    return model


def _written_literals(nodes: dict) -> frozenset:
    """The parameters a construction passes a string or a number for, written out: what a test on
    them decides is no default's guess."""
    return frozenset(name for name, node in nodes.items() if written_literal(node))


# tensor methods that keep the values (another dtype, device or memory): what a forward does around
# each module's call without changing what the module's output meets
_VALUE_KEEPING_METHODS = frozenset({"float", "half", "double", "bfloat16", "to", "cuda", "cpu", "contiguous", "clone", "type"})


def _runs_items_in_order(fn: cst.FunctionDef) -> bool:
    """Whether a container's own forward is nn.Sequential's: `for module in self: x = module(x)`, then
    `return x`, each module run once on what the one before gave, in every branch of an `if` in the
    loop (kornia's `_DescriptorSequential` runs its float32 norm as `module(x.float()).to(x.dtype)`);
    dtype, device and memory changes around the call keep the values. Anything else: False."""
    params = fn.params
    if len(params.params) != 2 or params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) or params.kwonly_params \
            or params.star_kwarg is not None or not isinstance(fn.body, cst.IndentedBlock):  # fmt: skip
        return False
    self_name, signal = params.params[0].name.value, params.params[1].name.value
    body = [stmt for stmt in fn.body.body if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))]
    if len(body) != 2 or not isinstance(body[0], cst.For) or body[0].orelse is not None or body[0].asynchronous is not None:
        return False
    loop, last = body
    iterated = loop.iter
    if isinstance(iterated, cst.Call) and not iterated.args and isinstance(iterated.func, cst.Attribute) \
            and iterated.func.attr.value == "children":  # fmt: skip
        iterated = iterated.func.value  # self.children(): the registered modules, in order
    if not (isinstance(iterated, cst.Name) and iterated.value == self_name and isinstance(loop.target, cst.Name)):
        return False
    if not (isinstance(last, cst.SimpleStatementLine) and len(last.body) == 1 and isinstance(last.body[0], cst.Return)
            and isinstance(last.body[0].value, cst.Name) and last.body[0].value.value == signal):
        return False
    module = loop.target.value

    def kept(expr: cst.BaseExpression) -> cst.BaseExpression:
        while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _VALUE_KEEPING_METHODS:
            expr = expr.func.value
        return expr

    def runs_once(block: cst.BaseSuite) -> bool:
        statements = block.body if isinstance(block, cst.IndentedBlock) else []
        if len(statements) != 1:
            return False
        stmt = statements[0]
        if isinstance(stmt, cst.If):
            orelse = stmt.orelse
            return orelse is not None and runs_once(stmt.body) and (
                runs_once(orelse.body) if isinstance(orelse, cst.Else) else runs_once(cst.IndentedBlock(body=[orelse])))
        if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign)):
            return False
        assign = stmt.body[0]
        if len(assign.targets) != 1 or not (isinstance(assign.targets[0].target, cst.Name) and assign.targets[0].target.value == signal):
            return False
        call = kept(assign.value)
        return isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == module \
            and len(call.args) == 1 and not call.args[0].star and call.args[0].keyword is None \
            and isinstance(kept(call.args[0].value), cst.Name) and kept(call.args[0].value).value == signal  # fmt: skip

    return runs_once(loop.body)


def _only_attributes_read(cls: ClassInfo, attr: str, methods: set) -> bool:
    """Whether every mention of `self.<attr>` in the class's methods reads one of its attributes,
    none of `methods`, without calling it (`self.abs_pos_emb.weight[...]`): the module held there
    never runs."""
    seen = False
    for fn in cls.methods.values():
        params = _positional_params(fn)
        if not params:
            continue
        self_name = params[0].name.value
        called = {id(node.func) for node in _walk_nodes(fn) if isinstance(node, cst.Call)}
        bound = {id(target.target) for node in _walk_nodes(fn) if isinstance(node, cst.Assign) for target in node.targets}
        reads = set()
        for node in _walk_nodes(fn):
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Attribute) \
                    and dotted(node.value) == f"{self_name}.{attr}" and id(node) not in called \
                    and node.attr.value not in methods:  # fmt: skip
                reads.add(id(node.value))
        for node in _walk_nodes(fn):
            if isinstance(node, cst.Attribute) and dotted(node) == f"{self_name}.{attr}":
                if id(node) in bound:
                    continue  # `self.abs_pos_emb = ...`: its assignment
                if id(node) not in reads:
                    return False
                seen = True
    return seen


def _item_of_local_list(fn: cst.FunctionDef, node: cst.Subscript) -> Optional[cst.BaseExpression]:
    """`conv_types[0]` in `fn`, where `conv_types = ["conv", "conv", "dcn"]` is its one binding there
    (`_bound_once`) and every other mention of it reads an item by a literal index (nothing can
    change the list): the literal item there."""
    if not isinstance(node.value, cst.Name) or len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    index = node.slice[0].slice.value
    if not isinstance(index, cst.Integer):
        return None
    name = node.value.value
    held = _bound_once(fn, name)
    if not isinstance(held, (cst.List, cst.Tuple)) or any(not isinstance(e, cst.Element) or not _plain_literal(e.value)
                                                          for e in held.elements):  # fmt: skip
        return None
    reads = {id(sub.value) for sub in _walk_nodes(fn.body) if isinstance(sub, cst.Subscript) and len(sub.slice) == 1
             and isinstance(sub.slice[0].slice, cst.Index) and isinstance(sub.slice[0].slice.value, cst.Integer)}
    bound = {id(target.target) for sub in _walk_nodes(fn.body) if isinstance(sub, cst.Assign) for target in sub.targets}
    if any(isinstance(sub, cst.Name) and sub.value == name and id(sub) not in reads and id(sub) not in bound
           for sub in _walk_nodes(fn.body)):  # fmt: skip
        return None  # handed somewhere, looped over, or read otherwise: not only read by item
    position = int(index.value)
    return held.elements[position].value if position < len(held.elements) else None
