"""What an entry point builds, run over its defaults: the blocks a builder object makes for it.

timm's EfficientNet / MobileNetV3 family builds its blocks in a builder object's method
(`InvertedResidual(**ba)` in `EfficientNetBuilder._make_block`), `ba` decoded from the
architecture strings and the activation each model function chooses
(`_gen_efficientnet(..., act_layer=resolve_act_layer(kwargs, 'swish'))`). No one construction
of the block says what it gets: each entry point does. An entry point (a function a library
registry decorator marks, called with its defaults: library/hooks `ENTRY_POINTS`; or a function
of no parameters) is run here as Python would run it, over constants (`pure.Probe`), with
objects: the model class its builder function builds (`build_model_with_cfg(EfficientNet, ...)`,
read from the stub) runs its `__init__`, a plain class (the builder object) is built and its
methods run, a library function is answered by its hook (`get_act_layer("swish")` -> nn.SiLU),
`functools.partial` binds. A block of another module built there is a construction recorded with
what it gets on that run (`Construction`); the program stage judges each block's layers once
per entry point, where every construction it reaches agrees.

What is not known is UNKNOWN, never a guess: an attribute an undecided branch, a loop over what
is not known or a `try` may set is unknown after it (the run's journal), and a block class that reaches
code not run here, or a value this run no longer follows, may be built there: its constructions
are not all listed (`Run.handed_away`), and the entry point says nothing of it. A run over its
budget says nothing at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from ..syntax.nodes import _all_params, _walk_nodes, short_code
from .fields import LITERAL_NAMES, UNKNOWN, literal_constant
from .memo import memoised
from .pure import (ClassObj, Opaque, ParamObj, Probe, _Break, _Budget, _changed_in_place, _containers, _Continue, _Dead, _MaybeKeys, _OpenKwargs,
                   _plain, _Return, _same, _truth, _BUILTINS, _TYPES, _binary)

MAX_STEPS = 60000  # statements and expressions one entry point's run may take; past it, nothing is known
MAX_DEPTH = 16  # functions run inside one another: an entry point, its model's __init__, the factories it calls
MAX_REGION_NESTING = 3  # regions of unknown extent inside one another: deeper, the run is not complete
MAX_HANDED_NESTING = 3  # blocks handed classes, each built inside the one before, whose constructors are run
HANDED_BLOCK_STEPS = 4000  # steps the constructor of one such block may take; past them, it is not run
_MISSING = object()
_NESTED = object()  # a function or class defined (or a lambda) in code the run goes through: not run here
# builtins that read their arguments and change none of them: a value not known stays followed after
_READS_ONLY = {"builtins.str": str, "builtins.repr": repr, "builtins.len": len}
_READING_BUILTINS = frozenset({"isinstance", "issubclass", "getattr", "hasattr", "print", "repr", "type", "id", "hash"})
_LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)
_MUTATING = frozenset({"append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear", "update",
                       "setdefault", "popitem", "add", "discard"})
# torch norms a partial object may bind keywords to (eps, momentum): no keyword of theirs chooses an activation
_TORCH_NORMS = frozenset({"BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm", "InstanceNorm1d",
                          "InstanceNorm2d", "InstanceNorm3d", "SyncBatchNorm"})  # fmt: skip


class Instance:
    """An object the run built (the model, a builder object) with its attributes. One object:
    branches change it through the journal, never a copy of it."""

    __slots__ = ("qualname", "module", "info", "attrs", "plain")

    def __init__(self, qualname: str, module, info, plain: bool):
        self.qualname, self.module, self.info, self.attrs, self.plain = qualname, module, info, {}, plain

    def __deepcopy__(self, memo: dict) -> "Instance":
        return self

    def __repr__(self) -> str:
        return f"<{self.qualname} object>"


class ModuleRef(Opaque):
    """A block of another module the run built without running its constructor: its construction."""

    __slots__ = ("construction",)

    def __init__(self, construction: "Construction"):
        self.construction = construction


class SequenceObj(Opaque):
    """`nn.Sequential(*blocks)` or `nn.ModuleList(blocks)` of what the run knows: its modules, in order
    (what each is held at in the model, `blocks.2.0`)."""

    __slots__ = ("items",)

    def __init__(self, items: list):
        self.items: Optional[list] = items  # None: changed in place, not followed


_SEQUENCES = frozenset({"torch.nn.Sequential", "torch.nn.ModuleList"})


@dataclass
class PartialObj:
    """`functools.partial(func, *args, **kwargs)`. `joined`: what an undecided branch left, a partial
    object of `func` on one side and `func` itself (or another partial of it) on the other: a call
    builds `func`, each keyword bound on one side only UNKNOWN (perhaps passed); what it is (a
    partial object or not) is not known."""

    func: object
    args: tuple
    kwargs: dict
    joined: bool = False


@dataclass
class RepeaterObj:
    """What timm's `to_ntuple(n)` returns (library/hooks: "repeater"): a function making a tuple of
    its one argument, its items for a list or tuple, else it repeated n times (a class, a string)."""

    count: int

    def made(self, args: list, kwargs: dict, known: bool) -> object:
        if len(args) != 1 or kwargs:
            return UNKNOWN
        value = args[0]
        if isinstance(value, (list, tuple)):
            return tuple(value)
        if value is None or isinstance(value, (str, int, float, ClassObj, PartialObj)):
            return tuple([value] * self.count)
        return UNKNOWN


class FnObj:
    """A function of a module of the program, run in that module."""

    __slots__ = ("module", "node")

    def __init__(self, module, node: cst.FunctionDef):
        self.module, self.node = module, node

    def __deepcopy__(self, memo: dict) -> "FnObj":
        return self

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FnObj) and other.node is self.node

    def __hash__(self) -> int:
        return id(self.node)


class BoundMethod(FnObj):
    __slots__ = ("instance",)

    def __init__(self, instance: Instance, module, node: cst.FunctionDef):
        super().__init__(module, node)
        self.instance = instance


class Closure(FnObj):
    """A function (or lambda) defined inside one the run goes through (timm's
    `get_condconv_initializer` returns one): run with the names of the function it was defined in."""

    __slots__ = ("env",)

    def __init__(self, module, node, env: dict):
        super().__init__(module, node)
        self.env = env


@dataclass
class Construction:
    """A class of another module built on the run: its class, what it got (None: not known),
    the model class being built then (its name in the entry point's module), and the entry
    point's call the construction happened under."""

    qualname: str
    args: list
    kwargs: Optional[dict]
    container: str
    top: cst.Call
    node: Optional[cst.Call] = None  # the call that built it (for the module's own classes: in whichever module it is)
    outermost: bool = False  # the model the entry point builds (nothing of the run holds it)
    attr: Optional[str] = None  # `self.attr = Block(...)`: its name in its container
    within: list = field(default_factory=list)  # the models being built around `container`, outermost first
    # the modules of `container` and of each of `within` where not the entry point's (None there):
    # the model an entry point builds may be another module's (`adopted`)
    container_path: Optional[str] = None
    within_paths: list = field(default_factory=list)
    # other modules' blocks whose constructor the run went through to build it, inside `container`,
    # outermost first: (module path, class name); they were handed the class it is (`se_layer`)
    through: list = field(default_factory=list)
    # where the model holds what it built (`blocks.2.0`), when the run knows it and one place holds it
    held_at: Optional[str] = None


class _Unfollowed(Exception):
    """A block's constructor, run for the classes it was handed, went where the run does not follow."""


@dataclass
class Run:
    """One entry point's run, shared by the probes of every module it enters."""

    root: object  # the entry point's FileAnalysis
    steps: int = 0
    depth: int = 0
    tainted: dict = field(default_factory=dict)
    journal: list = field(default_factory=list)  # (instance, attribute, value before), in order of writes
    constructions: list = field(default_factory=list)
    own: list = field(default_factory=list)  # Construction of the entry point's own module's classes (the model too)
    building: list = field(default_factory=list)  # the root module's model instances whose __init__ runs
    handed_away: set = field(default_factory=set)  # classes that reached values this run no longer follows
    top: Optional[cst.Call] = None
    resolved: dict = field(default_factory=dict)  # (module path, name) -> what `EntryProbe.resolve` found
    nesting: int = 0
    undecided: int = 0  # undecided branches and regions the run is inside
    instances: list = field(default_factory=list)
    complete: bool = True
    # also list the root module's own classes built among the blocks (their layers rest on what the run passes)
    own_blocks: bool = False
    owners: list = field(default_factory=list)  # (module, class info, instance) whose __init__ runs, innermost last
    calling: Optional[cst.Call] = None  # the call being made, when its callee is a class
    # per function running, innermost last: what a side of an undecided `if` returned while another
    # side went on (`if use_other: return build_other(...)`, then the rest of the function)
    pending_returns: list = field(default_factory=list)
    # modules (paths) of the models the entry point builds that another module defines (deit's
    # `build_model_with_cfg(VisionTransformer, ...)`): their classes' code is run as the root's is
    adopted: set = field(default_factory=set)
    # per other module's block whose constructor runs (`_run_handed_block`): the classes it was handed
    handed_in: list = field(default_factory=list)
    discarding: Optional[cst.Call] = None  # the call an expression statement makes, its value thrown away
    limit: int = MAX_STEPS  # the steps the run may reach; lower while a handed block's constructor runs
    models: list = field(default_factory=list)  # the root module's instances built outside any model (the models)
    # every write to an attribute, in order, but those of code not run that is handed an object: where
    # the model holds what it built is read from them (`_place_constructions`), taking that such code
    # (`efficientnet_init_weights(self)`) may rewrite weights, not move the blocks it is handed
    writes: list = field(default_factory=list)
    made: dict = field(default_factory=dict)  # id(Instance) -> its Construction, for a block whose constructor ran

    def mutating(self, container: object) -> None:
        """A container changed in place. Objects are not copied for a branch (their writes are
        undone through the journal, a container they hold is not): one an object holds, changed
        where the run may or may not go, is not known from there (read as UNKNOWN, also by the
        other branch)."""
        if self.undecided and id(container) not in self.tainted and _holds([i.attrs for i in self.instances], container):
            self.drop(container)
            self.tainted[id(container)] = container

    def write(self, instance: Instance, attr: str, value: object, logged: bool = True) -> None:
        self.journal.append((instance, attr, instance.attrs.get(attr, _MISSING)))
        instance.attrs[attr] = value
        if logged:
            self.writes.append((instance, attr, value))

    def rollback(self, mark: int) -> set:
        """Undo the writes since `mark`; the (instance, attribute) pairs they wrote."""
        written = set()
        while len(self.journal) > mark:
            instance, attr, before = self.journal.pop()
            written.add((instance, attr))
            if before is _MISSING:
                instance.attrs.pop(attr, None)
            else:
                instance.attrs[attr] = before
        return written

    def unsettle(self, written: set, logged: bool = True) -> None:
        """Attributes some path may have set, others not: unknown from here."""
        for instance, attr in written:
            self.drop(instance.attrs.get(attr))
            self.write(instance, attr, UNKNOWN, logged)

    def drop_except(self, kept: object, value: object) -> None:
        """Drop `value`, but what `kept` (the value that goes on, followed still) holds: the same
        objects, and the classes it names (a joined partial object names its class once, for both sides)."""
        parts = [part for part in _values_in(kept) if part is not UNKNOWN]
        before = set(self.handed_away)
        self.drop(value, {id(part) for part in parts})
        self.handed_away -= {part.qualname for part in parts if isinstance(part, ClassObj)} - before

    def drop(self, value: object, seen: Optional[set] = None) -> None:
        """A value this run stops following (handed to code not run, merged into UNKNOWN): the
        classes in it may be built where this run does not see."""
        seen = set() if seen is None else seen
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, ClassObj) and not value.qualname.startswith(("builtins.", "torch.")):
            self.handed_away.add(value.qualname)
        elif isinstance(value, PartialObj):
            for part in (value.func, *value.args, *value.kwargs.values()):
                self.drop(part, seen)
        elif isinstance(value, (list, tuple, set)):
            for part in value:
                self.drop(part, seen)
        elif isinstance(value, dict):
            for part in value.values():
                self.drop(part, seen)
        elif isinstance(value, Instance):
            for part in list(value.attrs.values()):
                self.drop(part, seen)


class EntryProbe(Probe):
    """`pure.Probe` with objects, partial objects, hooks and other modules' code, for one module;
    the state of the run is shared (`Run`)."""

    def __init__(self, fa, run: Run):  # not Probe.__init__: steps, depth and taints are the run's
        self.fa, self.run, self.targets, self.foreign, self.records, self.own_kwargs = fa, run, set(), False, {}, None

    steps = property(lambda self: self.run.steps, lambda self, value: setattr(self.run, "steps", value))
    depth = property(lambda self: self.run.depth, lambda self, value: setattr(self.run, "depth", value))
    tainted = property(lambda self: self.run.tainted, lambda self, value: None)

    def tick(self) -> None:
        self.run.steps += 1
        if self.run.steps > self.run.limit:
            raise _Budget()

    def probe_for(self, module) -> "EntryProbe":
        return self if module is self.fa else EntryProbe(module, self.run)

    # -- names ----------------------------------------------------------------------------

    def module_value(self, name: str) -> object:
        fa = self.fa
        if name in fa.classes:
            qualified = _qualified(fa, name)
            return ClassObj(qualified) if qualified else UNKNOWN
        if name in fa.functions:
            return FnObj(fa, fa.functions[name])
        bound = fa.module_bindings.get(name)
        if bound is not None:
            key = ("entry run", name)  # not pure's cache: its values name local classes otherwise
            if key in fa.object_cache:
                from .pure import _copy

                return _copy(fa.object_cache[key])
            fa.object_cache[key] = UNKNOWN  # a cycle of names: unknown
            value = self.expr(bound, {})
            if any(isinstance(held, Instance) for held in _values_in(value)):
                del fa.object_cache[key]  # an object this run may change: built again by the next
            else:
                fa.object_cache[key] = value
            return value
        qualified = fa.imports.qualify(cst.Name(name)) or _star_imported(fa, self.run.root.library(), name)
        return ClassObj(qualified) if qualified else UNKNOWN

    # -- expressions ----------------------------------------------------------------------

    def expr(self, node: Optional[cst.BaseExpression], env: dict) -> object:
        kind = type(node)  # exact types: LibCST's classes pay ABCMeta's check on every isinstance miss
        if kind is cst.Name:
            self.tick()
            name = node.value
            if name in LITERAL_NAMES:
                return LITERAL_NAMES[name]
            if name in env:
                value = env[name]
                return UNKNOWN if id(value) in self.run.tainted else value
            if name in _BUILTINS or name in _TYPES or name in ("isinstance", "issubclass"):
                return ClassObj(f"builtins.{name}")
            return self.module_value(name)
        if kind is cst.Call:
            self.tick()
            return self.call(node, env)
        if kind is cst.Subscript:
            self.tick()
            return self.subscript(node, env)
        if kind is cst.Comparison:
            self.tick()
            return self.comparison(node, env)
        if kind is cst.BinaryOperation:
            self.tick()
            return _binary(node.operator, self.expr(node.left, env), self.expr(node.right, env))
        if kind in _LITERALS:
            self.tick()
            return literal_constant(node)
        if kind is cst.Lambda:
            return Closure(self.fa, node, env)
        if kind is cst.Attribute:
            qualified = self.fa.imports.qualify(node)
            if qualified is None or isinstance(node.value, cst.Name) and node.value.value in env:
                self.tick()
                holder = self.expr(node.value, env)
                return self.member(holder, node.attr.value) if isinstance(holder, Instance) else UNKNOWN
        if kind is cst.IfExp:
            self.tick()
            test = _truth(self.expr(node.test, env))
            if test is not UNKNOWN:
                return self.expr(node.body if test else node.orelse, env)
            body, orelse = self.maybe(lambda: self.expr(node.body, env)), self.maybe(lambda: self.expr(node.orelse, env))
            if _same(body, orelse):
                return body
            value = self.joined(body, orelse)  # a class on one side, a partial object of it on the other
            self.run.drop_except(value, body), self.run.drop_except(value, orelse)
            return value
        if kind is cst.BooleanOperation:
            self.tick()
            left = self.expr(node.left, env)
            truth = _truth(left)
            if truth is UNKNOWN:
                self.run.drop(left)
                self.run.drop(self.maybe(lambda: self.expr(node.right, env)))
                return UNKNOWN
            if isinstance(node.operator, cst.And):
                return self.expr(node.right, env) if truth else left
            return left if truth else self.expr(node.right, env)
        if kind in (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            mark = len(self.run.journal)
            value = super().expr(node, env)
            if value is UNKNOWN:  # run once over what is not known: what it set may be otherwise
                self.run.unsettle(self.run.rollback(mark))
            return value
        return super().expr(node, env)

    def small(self, small: cst.BaseSmallStatement, env: dict) -> None:
        kind = type(small)
        if kind is cst.Assign:
            value = self.expr(small.value, env)
            last = self.run.constructions[-1] if self.run.constructions else None
            target = small.targets[0].target
            if last is not None and last.node is small.value and len(small.targets) == 1 and type(target) is cst.Attribute \
                    and type(target.value) is cst.Name and target.value.value == "self":  # fmt: skip
                last.attr = target.attr.value
            for target in small.targets:
                self.bind(target.target, value, env)
            return
        if kind is cst.Del:  # `del blocks[0]`, `del self.head`: what the model holds there is not followed
            for part in _walk_nodes(small.target):
                if type(part) is cst.Subscript:
                    holder = self.expr(part.value, env)
                    if isinstance(holder, SequenceObj):
                        holder.items = None
                elif type(part) is cst.Attribute and type(part.value) is cst.Name and isinstance(env.get(part.value.value), Instance):
                    self.run.write(env[part.value.value], part.attr.value, UNKNOWN)
            return
        if kind is cst.Expr:
            outer, self.run.discarding = self.run.discarding, small.value
            try:
                self.expr(small.value, env)
            finally:
                self.run.discarding = outer
            return
        if kind is cst.ImportFrom or kind is cst.Import:  # inside a function (`from .other import build`): its names
            self.local_import(small, env)
            return
        super().small(small, env)

    def local_import(self, small, env: dict) -> None:
        """An import run inside a function binds names as the module's own imports do (resolved with
        the file's package); `import *` there is not Python 3, a name it cannot qualify is unknown."""
        from .imports import Imports

        imports = Imports(self.fa.imports.package)
        imports.add(small)
        for local, qualified in imports.names.items():
            env[local] = ClassObj(qualified) if qualified else UNKNOWN

    def statement(self, statement: cst.CSTNode, env: dict) -> None:
        if type(statement) is cst.FunctionDef and not statement.decorators:  # a closure over this function's names
            env[statement.name.value] = Closure(self.fa, statement, env)
            return
        if type(statement) in (cst.FunctionDef, cst.ClassDef):
            env[statement.name.value] = _NESTED
            return
        super().statement(statement, env)

    max_depth = MAX_DEPTH

    def run_function(self, fn: cst.FunctionDef, args: list, kwargs: dict, params: Optional[dict] = None,
                     outer: Optional[dict] = None) -> object:  # fmt: skip
        if self.run.depth >= MAX_DEPTH and self.run.building:
            self.run.complete = False  # code past the depth the run follows may build blocks unseen
        if params is None and isinstance(kwargs, _OpenKwargs):
            params = _open_bound(fn, args, kwargs)
            if params is None:
                self.taint(args, kwargs)
                return UNKNOWN
        self.run.pending_returns.append([])
        try:
            value = super().run_function(fn, args, kwargs, params, outer)
        finally:
            pending = self.run.pending_returns.pop()
        if pending and not all(_same(value, other) and _plain(other) for other in pending):
            for other in [value, *pending]:
                self.run.drop(other)
            return UNKNOWN  # it returns one thing or another: not one value
        return value

    def maybe(self, evaluate) -> object:
        """What may run or not: its writes are undone, then unknown."""
        mark = len(self.run.journal)
        self.run.undecided += 1
        try:
            return evaluate()
        except (_Dead, _Return, _Break, _Continue):
            return UNKNOWN
        finally:
            self.run.undecided -= 1
            self.run.unsettle(self.run.rollback(mark))

    def member(self, instance: Instance, name: str) -> object:
        if name in instance.attrs:
            value = instance.attrs[name]
            return UNKNOWN if id(value) in self.run.tainted else value
        found = instance.module.method(instance.info, name)
        if found is not None and not found[1].decorators:  # a property or a static method: not followed
            return BoundMethod(instance, instance.module, found[1])
        info, seen = instance.info, set()
        while found is None and info is not None and info.name not in seen:  # `block_cls = InvertedResidual` in a class body
            seen.add(info.name)
            for statement in info.node.body.body:
                if type(statement) is cst.SimpleStatementLine and any(
                        type(small) is cst.Assign and any(type(t.target) is cst.Name and t.target.value == name
                                                          for t in small.targets) for small in statement.body):  # fmt: skip
                    return self.probe_for(instance.module).expr(statement.body[0].value, {})
            info = instance.module.local_base(info)
        return UNKNOWN

    def bind(self, target: cst.BaseExpression, value: object, env: dict) -> bool:
        kind = type(target)  # exact types: LibCST's classes pay ABCMeta's check on every isinstance miss
        if kind is cst.Attribute:
            holder = self.expr(target.value, env)
            if isinstance(holder, Instance):
                self.run.write(holder, target.attr.value, value)
            else:
                self.run.drop(value)
            return True
        if kind is cst.Subscript:
            holder = self.expr(target.value, env)
            if isinstance(holder, SequenceObj):
                holder.items = None  # `blocks[0] = ...`: what it holds where is not followed
            if not isinstance(holder, (dict, list)):
                self.run.drop(value)
            else:
                self.run.mutating(holder)
        return super().bind(target, value, env)

    def taint(self, args: list, kwargs: dict) -> None:
        for value in [*args, *kwargs.values()]:
            self.run.drop(value)
            if isinstance(value, Instance):  # code not run may set its attributes
                self.run.unsettle({(value, attr) for attr in value.attrs}, logged=False)
        super().taint(args, kwargs)

    # -- calls ----------------------------------------------------------------------------

    def call(self, node: cst.Call, env: dict) -> object:
        outermost = self.run.top is None and self.fa is self.run.root and self.run.depth == 1
        if outermost:
            self.run.top = node
        try:
            return self._call(node, env)
        finally:
            if outermost:
                self.run.top = None

    def _call(self, node: cst.Call, env: dict) -> object:
        func = node.func
        if type(func) is cst.Attribute and type(func.value) is cst.Call and type(func.value.func) is cst.Name \
                and func.value.func.value == "super" and self.run.building:  # fmt: skip
            building = self.run.building[-1]
            owner = self.run.owners[-1] if self.run.owners else (building.module, building.info, building)
            base = self.base_init(owner, func.attr.value)
            if base is not None:
                return self.run_base_init(base, owner[2], node, env)
            if any(not name.startswith("torch.") for name in owner[1].bases):
                self.run.complete = False  # a base class's code, not run here, may build blocks unseen
        if isinstance(func, cst.Attribute) and self.fa.imports.qualify(func) is None:
            if not isinstance(func.value, (cst.Name, cst.Attribute)):
                return super().call(node, env)
            receiver = self.expr(func.value, env)  # a name or an attribute read: nothing runs twice
            if not isinstance(receiver, Instance):
                return super().call(node, env)
            callee = self.member(receiver, func.attr.value)
            if callee is UNKNOWN and self.run.building and func.attr.value not in receiver.attrs \
                    and not _bases_read(receiver.module, receiver.info, ("torch.", "builtins.object", "local:object")):
                self.run.complete = False  # a method of a base class not read here may build blocks unseen
        else:
            callee = self.expr(func, env)
        if isinstance(callee, ClassObj) and callee.qualname == "builtins.isinstance" and len(node.args) == 2:
            args, kwargs, known = self.arguments(node, env)
            return _class_isinstance(args) if known and len(args) == 2 else UNKNOWN
        if isinstance(callee, ClassObj) and callee.qualname == "builtins.issubclass" and len(node.args) == 2:
            args, kwargs, known = self.arguments(node, env)  # reads its classes, hands them nowhere
            return self.subclass(args[0], args[1]) if known and len(args) == 2 and not kwargs else UNKNOWN
        if isinstance(callee, ClassObj) and callee.qualname in _READS_ONLY:  # str(ba) in a log line: changes nothing
            args, kwargs, known = self.arguments(node, env)
            if known and len(args) == 1 and not kwargs and _plain(args[0]) and isinstance(args[0], (str, int, float, list, tuple)):
                try:
                    return _READS_ONLY[callee.qualname](*args)
                except Exception:  # noqa: BLE001 - Python raises there
                    raise _Dead() from None
            return UNKNOWN
        if isinstance(callee, ClassObj) and callee.qualname in _SEQUENCES:
            args, kwargs, known = self.arguments(node, env)
            items = args if callee.qualname == "torch.nn.Sequential" else (list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else None)
            if known and not kwargs and items is not None and (callee.qualname != "torch.nn.Sequential" or not args
                                                                or not isinstance(args[0], dict)):  # fmt: skip
                return SequenceObj(list(items))
            self.taint(args, kwargs)
            return UNKNOWN
        if callee is _NESTED and self.run.building:
            self.run.complete = False  # a function defined in code run here, not run itself: it may build blocks unseen
        if not isinstance(callee, (ClassObj, PartialObj, FnObj, Instance, RepeaterObj)) or (
                isinstance(callee, ClassObj) and self.resolve(callee.qualname) is None):  # fmt: skip
            return super().call(node, env)
        args, kwargs, known = self.arguments(node, env)
        self.run.calling = node  # for a construction of the root module's class (`Construction.node`)
        mark, own_mark = len(self.run.constructions), len(self.run.own)
        value = self.call_value(callee, args, kwargs, known)
        if node is self.run.discarding and known and self.builds_a_class(callee) and _inert([callee, *args, *kwargs.values()]):
            # `self.se_layer(8, rd_ratio=1.0)` on a line of its own (timm's builder trying the class): the
            # object is thrown away, nothing it could attach itself to was given: no block of the model
            del self.run.constructions[mark:]
            del self.run.own[own_mark:]
            return value
        # the one construction made is of this class, not of a block its constructor built (`block_fn(...)`
        # building Block, whose `mlp_layer(...)` built Mlp on its own line)
        if isinstance(callee, ClassObj) and len(self.run.constructions) == mark + 1 \
                and self.run.constructions[-1].qualname == callee.qualname \
                and (self.resolve(callee.qualname) or ("",))[0] == "class":  # fmt: skip
            if self.fa is self.run.root:  # a block of another module built right here, in the entry point's module
                self.run.constructions[-1].node = node
        return value

    def subclass(self, value: object, kinds: object) -> object:
        """`issubclass(A, B)` for classes of the program (timm's `issubclass(attn_layer, DiffAttention)`):
        True where B is among A's bases, followed up through the program's classes; False where every
        base on the way is the program's or torch's (no torch class derives from the program's);
        UNKNOWN otherwise."""
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        if not isinstance(value, ClassObj) or not kinds or not all(isinstance(kind, ClassObj) for kind in kinds):
            return UNKNOWN
        targets = [self.class_key(self.fa, kind.qualname) for kind in kinds]
        if any(target is None for target in targets):
            return UNKNOWN  # a class not the program's (torch's `nn.Module`): its hierarchy is not read here
        start = self.class_key(self.fa, value.qualname)
        if start is None:
            return UNKNOWN
        wanted = {target[:2] for target in targets}
        stack, seen = [start], set()
        while stack:
            key = stack.pop()
            if key[:2] in seen:
                continue
            seen.add(key[:2])
            if key[:2] in wanted:
                return True
            module, info = key[2], key[3]
            if len(seen) > 32:
                return UNKNOWN
            for base in info.bases:
                if base.startswith(("torch.", "builtins.")) or base == "local:object":
                    continue
                found = self.class_key(module, base[len("local:"):] if base.startswith("local:") else base)
                if found is None:
                    return UNKNOWN  # a base this run cannot read
                stack.append(found)
        return False

    def class_key(self, module, written: str) -> Optional[tuple]:
        """(path, name, module, class info) of the program's class `written` names in `module`."""
        if written in module.classes:
            return (module.path, written, module, module.classes[written])
        found = self.run.root.library().lookup(module, written)
        if found is None or found[0] != "class" or found[1] is None or found[2] not in found[1].classes:
            return None
        return (found[1].path, found[2], found[1], found[1].classes[found[2]])

    def base_init(self, owner: tuple, method: str) -> Optional[tuple]:
        """(module, class info, __init__) of the one base class, of the owner's own module, whose
        `__init__` a `super().__init__(...)` in the owner's code runs (LevitDistilled's Levit)."""
        module, info, _ = owner
        bases = info.bases
        if method != "__init__" or len(bases) != 1 or not bases[0].startswith("local:"):
            return None
        base = module.classes.get(bases[0][len("local:"):])
        init = module.method(base, "__init__") if base is not None else None
        return (module, *init) if init is not None else None

    def run_base_init(self, base: tuple, instance: object, node: cst.Call, env: dict) -> object:
        module, info, init = base
        args, kwargs, known = self.arguments(node, env)
        if not known:
            self.run.complete = False  # the base's __init__ is not run over what is not known: its blocks unseen
        self.run.owners.append((module, info, instance))
        try:
            self.run_in(module, init, [instance, *args], kwargs, known)
        finally:
            self.run.owners.pop()
        return None

    def arguments(self, node: cst.Call, env: dict) -> tuple:
        args: list = []
        kwargs: dict = {}
        known, opened = True, False
        for arg in node.args:
            value = self.expr(arg.value, env)
            if arg.star == "*":
                if isinstance(value, (list, tuple)) and id(value) not in self.run.tainted:
                    args.extend(value)
                else:
                    known = False
                    self.run.drop(value)
            elif arg.star == "**":
                if isinstance(value, dict) and all(isinstance(k, str) for k in value) and id(value) not in self.run.tainted:
                    kwargs.update(value)  # a _MaybeKeys' keys: each perhaps passed, its value UNKNOWN where not alike
                    opened = opened or isinstance(value, _OpenKwargs)
                elif value is UNKNOWN:  # `**stage_args` not known: its keys are none of those written (Python
                    opened = True  # refuses a key twice), any other may be passed
                else:
                    known = False
                    self.run.drop(value)
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            else:
                args.append(value)
        return args, _OpenKwargs(kwargs) if opened else kwargs, known

    def call_value(self, callee: object, args: list, kwargs: dict, known: bool) -> object:
        if isinstance(callee, RepeaterObj):
            return callee.made(args, kwargs, known) if known else UNKNOWN
        if isinstance(callee, PartialObj):
            merged = {**callee.kwargs, **kwargs}
            return self.call_value(callee.func, [*callee.args, *args],
                                   _OpenKwargs(merged) if isinstance(kwargs, _OpenKwargs) else merged, known)  # fmt: skip
        if isinstance(kwargs, _OpenKwargs) and not isinstance(callee, (Instance, BoundMethod)) and (
                not isinstance(callee, (FnObj, ClassObj)) or isinstance(callee, Closure) and type(callee.node) is cst.Lambda
                or isinstance(callee, ClassObj) and (self.resolve(callee.qualname) or ("",))[0] not in ("class", "function")):  # fmt: skip
            known = False  # keywords not all known: only code run here binds them (each one it does not hold unknown)
        if isinstance(callee, Instance):
            bound = self.member(callee, "__call__")
            if not isinstance(bound, BoundMethod):
                self.taint([callee, *args], kwargs)
                return UNKNOWN
            callee = bound
        if isinstance(callee, BoundMethod):
            return self.run_in(callee.module, callee.node, [callee.instance, *args], kwargs, known)
        if isinstance(callee, Closure):
            if not known:
                self.taint(args, kwargs)
                return UNKNOWN
            probe = self.probe_for(callee.module)
            if type(callee.node) is cst.Lambda:  # its parameters bound (simple ones only), its expression evaluated
                params = callee.node.params
                names = [p.name.value for p in params.params]
                if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None \
                        or params.kwonly_params or params.posonly_params or any(p.default for p in params.params) \
                        or len(args) > len(names) or set(kwargs) - set(names[len(args):]) \
                        or len(args) + len(kwargs) != len(names):  # fmt: skip
                    self.taint(args, kwargs)
                    if self.run.building:
                        self.run.complete = False  # a lambda not run here may build blocks unseen
                    return UNKNOWN
                return probe.expr(callee.node.body, {**callee.env, **dict(zip(names, args)), **kwargs})
            return probe.run_function(callee.node, list(args), _copied_keywords(kwargs), outer=callee.env)
        if isinstance(callee, FnObj):
            return self.run_in(callee.module, callee.node, args, kwargs, known)
        if not isinstance(callee, ClassObj):
            self.taint(args, kwargs)
            return UNKNOWN
        found = self.resolve(callee.qualname)
        kind = found[0] if found else None
        if kind == "partial":
            if not known or not args:
                self.taint(args, kwargs)
                return UNKNOWN
            inner = args[0]
            if isinstance(inner, PartialObj):  # as Python's partial does: one object, the keywords merged
                return PartialObj(inner.func, (*inner.args, *args[1:]), {**inner.kwargs, **kwargs}, inner.joined)
            return PartialObj(inner, tuple(args[1:]), dict(kwargs))
        if kind == "hook":
            return self.hooked(found[1], args, kwargs, known)
        if kind == "replace":
            return self.replaced(args, kwargs, known)
        if kind == "asdict":
            held = args[0] if len(args) == 1 and not kwargs else None
            if not known or not isinstance(held, Instance) or _dataclass_fields(held.module, held.info) is None:
                self.taint(args, kwargs)
                return UNKNOWN
            return _as_dict(held)
        if kind == "function":
            return self.run_in(found[1], found[2], args, kwargs, known)
        if kind == "class":
            return self.construct(callee.qualname, found[1], found[2], args, kwargs, known)
        self.taint(args, kwargs)
        return UNKNOWN

    def run_in(self, module, fn: cst.FunctionDef, args: list, kwargs: dict, known: bool) -> object:
        if not known:
            self.taint(args, kwargs)
            return UNKNOWN
        return self.probe_for(module).run_function(fn, list(args), _copied_keywords(kwargs))

    def resolve(self, qualname: str) -> Optional[tuple]:
        """("partial",) | ("hook", hook) | ("function", module, node) | ("class", module, info) for a
        name the run may call; None: not followed here (pure's own builtins, or code not read)."""
        key = (self.fa.path, qualname)
        if key not in self.run.resolved:
            self.run.resolved[key] = self._resolve(qualname)
        return self.run.resolved[key]

    def _resolve(self, qualname: str) -> Optional[tuple]:
        if qualname == "functools.partial":
            return ("partial",)
        if qualname in ("dataclasses.replace", "dataclasses.asdict"):
            return (qualname.rsplit(".", 1)[-1],)
        if qualname.startswith(("builtins.", "torch.")) or qualname in ("re.split", "math.ceil", "math.floor"):
            return None
        from ..library import hooks
        from .handed import _stub_function

        loader = self.run.root.library()  # the program's, also inside a stub (whose own loader reads stubs only)
        found = loader.lookup(self.fa, qualname)
        resolved = qualname
        if found is not None and found[1] is not None:
            known = loader.index.names.get(found[1].path)
            resolved = f"{known[0]}.{found[2]}" if known else qualname
        hook = hooks.hook_for(resolved)
        if hook is not None:
            return ("hook", hook)
        if found is None or found[1] is None:
            return None
        if found[1].path == self.run.root.path:  # the entry point's own module: its analysis, not the loader's copy
            found = (found[0], self.run.root, found[2])
        if found[0] == "function":
            stub = _stub_function(self.fa, resolved)  # a builder a stub defines: read there
            if stub is not None:
                return ("function", _stub_module(self.fa, resolved), stub)
            fn = found[1].functions.get(found[2])
            return ("function", found[1], fn) if fn is not None else None
        if found[0] == "class" and found[2] in found[1].classes:
            return ("class", found[1], found[1].classes[found[2]])
        return None

    def hooked(self, hook, args: list, kwargs: dict, known: bool) -> object:
        """A library function its hook answers from the strings and classes it is given."""
        from ..library import hooks

        if not known:
            self.taint(args, kwargs)
            return UNKNOWN
        positional = [a if isinstance(a, str) else None for a in args]
        keywords = {k: v if isinstance(v, str) else None for k, v in kwargs.items()}
        named = {**dict(enumerate(args)), **kwargs}  # a class, or a partial object of one (timm maps it by its class)
        classes = {key: (value.func if isinstance(value, PartialObj) else value).qualname for key, value in named.items()
                   if isinstance(value, ClassObj) or isinstance(value, PartialObj) and isinstance(value.func, ClassObj)}
        classes.update({key: hooks.NONE for key, value in named.items() if value is None})  # None itself, as the run knows it
        answer = hook(positional, keywords, classes)
        if answer is not None and answer[0] == "repeater":  # to_ntuple(n): a function making an n-tuple
            count = args[0] if len(args) == 1 and not kwargs and type(args[0]) is int else None
            if count is not None:
                return RepeaterObj(count)
        if answer is not None and answer[0] == "class":
            return ClassObj(answer[1])
        if answer is not None and answer[0] == "bind":  # that class with these keywords bound (get_norm_act_layer)
            bound = {param: args[position] if position < len(args) else kwargs.get(param, None if default == "None" else UNKNOWN)
                     for param, (position, default) in answer[2].items()}  # fmt: skip
            return PartialObj(ClassObj(answer[1]), (), bound)
        if answer is not None and answer[0] == "argument":  # returns what it is given (a class passed through)
            position, name = answer[1], answer[2]
            return args[position] if position < len(args) else kwargs.get(name, UNKNOWN)
        self.taint(args, kwargs)
        return UNKNOWN

    def replaced(self, args: list, kwargs: dict, known: bool) -> object:
        """`dataclasses.replace(cfg, **changes)`: a new instance of a config dataclass the run built,
        its fields those of `cfg` but where `changes` (fields only) says otherwise."""
        held = args[0] if len(args) == 1 else None
        if not known or not isinstance(held, Instance) or not _dataclass_fields(held.module, held.info) \
                or any(key not in held.attrs for key in kwargs):  # fmt: skip
            self.taint(args, kwargs)
            return UNKNOWN
        instance = Instance(held.qualname, held.module, held.info, True)
        self.run.instances.append(instance)
        for name, value in {**held.attrs, **kwargs}.items():
            self.run.write(instance, name, value)
        return instance

    def dataclass_instance(self, qualname: str, module, info, fields: list, args: list, kwargs: dict) -> object:
        """A config dataclass built on the run (`RegNetCfg(w0=24, act_layer='silu')`): its fields
        from the arguments, else from their defaults (a `field(...)` without `default=`: unknown)."""
        names = [name for name, _ in fields]
        if len(args) > len(names) or set(kwargs) - set(names) or set(kwargs) & set(names[:len(args)]):
            raise _Dead()  # Python raises a TypeError there
        instance = Instance(qualname, module, info, True)
        self.run.instances.append(instance)
        given = {**dict(zip(names, args)), **kwargs}
        probe = self.probe_for(module)
        for name, default in fields:
            if name in given:
                value = given[name]
            elif default is None:
                raise _Dead()  # a field without a default the call does not give: a TypeError
            else:
                value = probe.expr(default, {}) if default is not _NO_DEFAULT else UNKNOWN
            self.run.write(instance, name, value)
        post = module.method(info, "__post_init__")
        if post is not None:  # `__post_init__(self)`: run as Python runs it, on the fields just set
            self.run_in(module, post[1], [instance], {}, True)
        return instance

    def construct(self, qualname: str, module, info, args: list, kwargs: dict, known: bool) -> object:
        plain = all(base in ("builtins.object", "local:object") for base in info.bases)
        fields = _dataclass_fields(module, info) if plain else None
        if fields is not None:
            if not known or isinstance(kwargs, _OpenKwargs):
                self.taint(args, kwargs)
                return UNKNOWN
            return self.dataclass_instance(qualname, module, info, fields, args, kwargs)
        if not plain and self.own_module(module) and self.run.handed_in:
            raise _Unfollowed()  # a class of the entry point's module built inside another module's block
        # inside a block's constructor run for the classes it was handed: only those are listed (its
        # other blocks are its own file's business, as where its constructor is not run)
        listed = not self.run.handed_in or qualname in self.run.handed_in[-1]
        construction = None
        if self.run.building and not plain and (module is not self.run.root or self.run.own_blocks) and listed:  # a block
            models = [i for i in self.run.building if self.own_module(i.module)] or self.run.building[:1]
            construction = Construction(qualname, list(args), (_OpenKwargs if isinstance(kwargs, _OpenKwargs) else dict)(kwargs) if known else None,
                                        models[-1].info.name, self.run.top,
                                        within=[i.info.name for i in models[:-1]],
                                        container_path=self.foreign_path(models[-1]),
                                        within_paths=[self.foreign_path(i) for i in models[:-1]],
                                        through=[(i.module.path, i.info.name) for i in self.run.building
                                                 if not self.own_module(i.module)])  # fmt: skip
            self.run.constructions.append(construction)
        if not plain and module is not self.run.root and not self.run.building and self.run.top is not None:
            self.run.adopted.add(module.path)  # the model the entry point builds is another module's: run its code
        if not plain and not self.own_module(module):
            handed = self.handed_classes(args, kwargs) if known and self.run.building else set()
            built = self.run_handed_block(qualname, module, info, args, kwargs, handed) if handed else None
            if built is not None:
                if construction is not None:
                    self.run.made[id(built)] = construction
                return built
            self.taint(args, kwargs)  # its own code, not run here, may keep or change what it is given
            return ModuleRef(construction) if construction is not None else UNKNOWN
        if not plain and self.run.top is not None and module is self.run.root:  # judged with these arguments at the entry point's call
            model = self.run.building[0].info.name if self.run.building else info.name
            self.run.own.append(Construction(qualname, list(args), dict(kwargs) if known else None, model, self.run.top,
                                             self.run.calling, not self.run.building))  # fmt: skip
        self.run.calling = None
        instance = Instance(qualname, module, info, plain)
        self.run.instances.append(instance)
        init = module.method(info, "__init__")
        if init is None:
            return instance
        if not plain:
            if not self.run.building:
                self.run.models.append(instance)
            self.run.building.append(instance)
        self.run.owners.append((module, info, instance))
        try:
            self.run_in(module, init[1], [instance, *args], kwargs, known)
        finally:
            self.run.owners.pop()
            if not plain:
                self.run.building.pop()
        return instance

    def foreign_path(self, instance: Instance) -> Optional[str]:
        """The module of a model being built, where it is not the entry point's (None there)."""
        return None if instance.module is self.run.root else instance.module.path

    def own_module(self, module) -> bool:
        """The entry point's module, or that of the model it builds (`adopted`): its classes' code is run."""
        return module is self.run.root or module.path in self.run.adopted

    def builds_a_class(self, callee: object) -> bool:
        """Whether calling `callee` builds an object of a class of the program (a partial object of one too)."""
        while isinstance(callee, PartialObj):
            callee = callee.func
        return isinstance(callee, ClassObj) and (self.resolve(callee.qualname) or ("",))[0] == "class"

    def handed_classes(self, args: list, kwargs: dict) -> frozenset:
        """The classes of the program a block of another module is handed as values (`se_layer=
        partial(SqueezeExcite, rd_ratio=0.25)`): its constructor may build them with what it chooses."""
        if isinstance(kwargs, _OpenKwargs):
            return frozenset()
        found = set()
        for value in [*args, *kwargs.values()]:
            while isinstance(value, PartialObj):
                value = value.func
            if isinstance(value, ClassObj) and not value.qualname.startswith(("builtins.", "torch.")) \
                    and (self.resolve(value.qualname) or ("",))[0] == "class":  # fmt: skip
                found.add(value.qualname)
        return frozenset(found)

    def run_handed_block(self, qualname: str, module, info, args: list, kwargs: dict, handed: frozenset) -> Optional[Instance]:
        """A block of another module handed classes of the program (timm's InvertedResidual given
        `se_layer`): its constructor is run, so that what it passes the classes it builds from them
        is known (`se_layer(mid_chs, act_layer=act_layer)`: the block's own act_layer). Only what it
        builds of those classes is listed, `through` it. Where its constructor goes where the run
        does not follow (code not read, a class of the entry point's module, past its steps), all it
        did is undone and it is not run: None."""
        init = module.method(info, "__init__")
        run = self.run
        if init is None or len(run.handed_in) >= MAX_HANDED_NESTING:
            return None
        marks = (len(run.constructions), len(run.own), len(run.journal))
        complete, away, limit = run.complete, set(run.handed_away), run.limit
        run.limit = min(limit, run.steps + HANDED_BLOCK_STEPS)
        instance = Instance(qualname, module, info, False)
        run.instances.append(instance)
        run.building.append(instance)
        run.owners.append((module, info, instance))
        run.handed_in.append(handed)
        followed = False
        try:
            self.run_in(module, init[1], [instance, *args], kwargs, True)
            followed = run.complete
        except (_Budget, _Unfollowed, _Dead, _Break, _Continue, RecursionError):
            pass  # past its steps, out of what the run follows, or raising: as if not run
        finally:
            run.building.pop()
            run.owners.pop()
            run.handed_in.pop()
            run.limit = limit
        if not followed:
            del run.constructions[marks[0]:]
            del run.own[marks[1]:]
            run.rollback(marks[2])
            run.complete, run.handed_away = complete, away
            run.instances.remove(instance)
            return None
        return instance

    # -- statements -----------------------------------------------------------------------

    def branch(self, statement: cst.If, env: dict) -> None:
        sides = self.decided_branch(statement, env)
        if sides is None:
            return
        # both may run: each on its own copy of the locals, objects' writes undone between them, then unknown
        outcomes, returned, written = [], [], set()
        changed = memoised(self.fa, "changed in place", statement, lambda: _changed_in_place(statement))
        self.run.undecided += 1
        try:
            for body in sides:
                local = self.fork_changing(env, changed)
                mark = len(self.run.journal)
                try:
                    self.block(body, local)
                    outcomes.append(local)
                except _Dead:
                    pass
                except _Return as done:
                    returned.append(done.value)
                finally:
                    written |= self.run.rollback(mark)
        finally:
            self.run.undecided -= 1
        self.run.unsettle(written)
        # the other side goes on to the rest of the function, what this one returned being one of its values;
        # not where that is not known (`return build_elsewhere(...)`: what it built there, this run does not see)
        if returned and (not outcomes or not self.run.pending_returns or any(value is UNKNOWN for value in returned)):
            for value in returned:
                self.run.drop(value)
            raise _Return(UNKNOWN)
        if returned:
            self.run.pending_returns[-1].extend(returned)
        if not outcomes:
            raise _Dead()
        merged = outcomes[0]
        for other_env in outcomes[1:]:
            joined = {key: merged[key] if key in merged and key in other_env and _same(merged[key], other_env[key])
                      else self.merged_dict(key, merged, other_env) for key in merged.keys() | other_env.keys()}  # fmt: skip
            for key in merged.keys() | other_env.keys():
                a, b = merged.get(key, UNKNOWN), other_env.get(key, UNKNOWN)
                if not _same(a, b) or isinstance(a, _MaybeKeys):  # what the join keeps is still followed
                    self.run.drop_except(joined[key], a), self.run.drop_except(joined[key], b)
            merged = joined
        env.clear()
        env.update(merged)

    def joined(self, a: object, b: object) -> object:
        if _same(a, b):
            return a
        one, other = _as_partial(a), _as_partial(b)
        if one is None or other is None or not _same(one.func, other.func) or len(one.args) != len(other.args) \
                or not all(_same(x, y) for x, y in zip(one.args, other.args)):  # fmt: skip
            return UNKNOWN
        keywords = {key: one.kwargs[key] if key in one.kwargs and key in other.kwargs and _same(one.kwargs[key], other.kwargs[key])
                    else UNKNOWN for key in one.kwargs.keys() | other.kwargs.keys()}  # fmt: skip
        return PartialObj(one.func, one.args, keywords, joined=True)

    def fork_changing(self, env: dict, changed: set) -> dict:
        """pure's fork, copying only what the branch may change in place (the names it changes, and
        every name sharing a container with them, copied together): a decoded architecture held
        by a name the branch leaves alone is shared, not copied for each branch."""
        reach = {id(c) for c in _containers([env[name] for name in changed if name in env])}
        if not reach:
            return dict(env)
        names = [name for name, value in env.items()
                 if name in changed or any(id(c) in reach for c in _containers([value]))]  # fmt: skip
        return {**env, **self.fork({name: env[name] for name in names})}

    def method_call(self, name: str, receiver: object, args: list, kwargs: dict, known: bool, node: cst.Call) -> object:
        if name in _MUTATING and isinstance(receiver, (list, dict, set)):
            self.run.mutating(receiver)
        if isinstance(receiver, SequenceObj):
            receiver.items = None  # `blocks.insert(0, stem)`: what it holds where is not followed
        return super().method_call(name, receiver, args, kwargs, known, node)

    def unknown_region(self, statement: cst.CSTNode, env: dict) -> None:
        """pure's region (a loop over what is not known, a while, a try), run twice: with its writes
        undone and made unknown, then again from there (what an earlier time through set is read as
        unknown); what its names held dropped (no longer followed), its writes unknown after."""
        from .pure import _children

        self.run.nesting += 1
        self.run.undecided += 1
        try:
            if self.run.nesting > MAX_REGION_NESTING:
                self.run.complete = False
                raise _Budget()
            names = memoised(self.fa, "local targets", statement, lambda: _local_targets(statement))
            changed = [env[name] for name in memoised(self.fa, "changed in place", statement, lambda: _changed_in_place(statement))
                       if name in env]  # fmt: skip
            for _ in range(2):
                for name in names:
                    self.run.drop(env.get(name))
                    env[name] = UNKNOWN
                Probe.taint(self, changed, {})  # changed in place by an earlier time through: not a hand-off
                mark = len(self.run.journal)
                for part in _children(statement):
                    try:
                        self.block(part, env)
                    except (_Dead, _Break, _Continue, _Return):
                        pass
                self.run.unsettle(self.run.rollback(mark))
            for name in names:
                self.run.drop(env.get(name))
                env[name] = UNKNOWN
            Probe.taint(self, list(env.values()), {})
        finally:
            self.run.nesting -= 1
            self.run.undecided -= 1


def _may_construct(fa, qualname: str, depth: int = 0, seen: Optional[set] = None) -> bool:
    """Whether the program function `qualname` names may build a class when called (by code this
    run does not see): a call in it, or in the functions it calls (bounded), of a class of the
    program, or of anything not a function the program or the standard library names. A class
    handed away is `handed_away`'s business; torch's and library names build nothing of the program."""
    seen = set() if seen is None else seen
    if qualname in seen or qualname.startswith(("torch.", "builtins.", "math.", "re.", "functools.")):
        return False
    seen.add(qualname)
    loader = fa.library()
    found = loader.lookup(fa, qualname)
    if found is None or found[1] is None or found[0] != "function":
        return False  # a class (handed_away lists it) or what the program does not hold (no program class in reach)
    module, fn = found[1], found[1].functions.get(found[2])
    if fn is None or depth > 3:
        return True
    for call in module.calls_in.get(id(fn), []):
        func, kind = call.func, type(call.func)
        if kind is cst.Name and func.value in module.functions:
            if _may_construct(module, f"{_qualified(module, func.value)}", depth + 1, seen):
                return True
            continue
        if kind is cst.Name and func.value in module.classes:
            return True
        if kind is cst.Name and (func.value in _BUILTINS or func.value in _READING_BUILTINS):
            continue
        written = module.imports.qualify(func) if kind in (cst.Name, cst.Attribute) else None
        if written is None:
            return True  # a parameter, a local, a method of a value, a call's result: it may be a class
        if _may_construct(module, written, depth + 1, seen):
            return True
        if (found := loader.lookup(module, written)) is not None and found[0] == "class":
            return True
    return False


def _as_partial(value: object) -> Optional[PartialObj]:
    """A class as a partial object of itself binding nothing; a partial object of a class as it is."""
    if isinstance(value, ClassObj):
        return PartialObj(value, (), {})
    if isinstance(value, PartialObj) and isinstance(value.func, ClassObj):
        return value
    return None


def _inert(values: list) -> bool:
    """Constants, classes, the program's module-level functions and partial objects of them only:
    nothing a constructor could keep a reference to itself in (an object, a container, a closure
    over one, a bound method)."""
    for value in values:
        while isinstance(value, PartialObj):
            if not _inert([*value.args, *value.kwargs.values()]):
                return False
            value = value.func
        if type(value) is tuple:
            if not _inert(list(value)):
                return False
        elif not (value is None or type(value) in (str, int, float, bool) or isinstance(value, ClassObj)
                  or type(value) is FnObj):  # fmt: skip
            return False
    return True


def _as_dict(instance: Instance) -> dict:
    """`dataclasses.asdict`: its fields, config dataclasses in them as dicts too (copies, as Python's are)."""
    from .pure import _copy

    def plain(value: object) -> object:
        if isinstance(value, Instance) and _dataclass_fields(value.module, value.info) is not None:
            return _as_dict(value)
        if isinstance(value, (list, tuple)):
            return type(value)(plain(item) for item in value)
        return value if isinstance(value, Instance) else _copy(value)

    return {name: plain(value) for name, value in instance.attrs.items()}


def _holds(values: list, container: object) -> bool:
    """Whether `container` is among the lists, dicts, sets and tuples `values` hold (pure._containers),
    searched until it is found: asked at every change in place under an undecided branch, of every
    object the run built."""
    stack = list(values)
    while stack:
        value = stack.pop()
        if value is container:
            return True
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, set, tuple)):
            stack.extend(value)
    return False


def _copied_keywords(kwargs: dict) -> dict:
    return _OpenKwargs(kwargs) if isinstance(kwargs, _OpenKwargs) else dict(kwargs)


def _open_bound(fn: cst.FunctionDef, args: list, kwargs: dict) -> Optional[dict]:
    """A function's parameters bound to arguments whose keywords are not all known (`_OpenKwargs`):
    each one given by position or by a keyword the call holds is that; any other, its default
    included, may come from the keywords not known (UNKNOWN); its `**kwargs`, what is left, still
    open. None where Python would refuse the call."""
    positional = [*fn.params.posonly_params, *fn.params.params]
    rest = _OpenKwargs(kwargs)
    env: dict = {}
    for index, param in enumerate(positional):
        name = param.name.value
        if index < len(args):
            if name in rest:
                return None
            env[name] = args[index]
        else:
            env[name] = dict.pop(rest, name) if name in rest else UNKNOWN
    star = fn.params.star_arg
    if isinstance(star, cst.Param):
        env[star.name.value] = tuple(args[len(positional):])
    elif len(args) > len(positional):
        return None
    for param in fn.params.kwonly_params:
        name = param.name.value
        env[name] = dict.pop(rest, name) if name in rest else UNKNOWN
    if fn.params.star_kwarg is not None:
        env[fn.params.star_kwarg.name.value] = rest
    elif rest:
        return None
    return env


_NO_DEFAULT = object()  # a `field(...)` whose default the run does not read (a default_factory)


def _dataclass_fields(module, info) -> Optional[list]:
    """(name, default expression | None | _NO_DEFAULT) per field of a class `@dataclass` (or
    `@dataclasses.dataclass(...)`) decorates, in order; None for any other class, or one whose
    fields the run cannot list (a body with more than annotated names, methods and a docstring).
    Read once per class node (every construction of every run asks)."""
    return memoised(module, "dataclass fields", info.node, lambda: _read_dataclass_fields(module, info))


def _read_dataclass_fields(module, info) -> Optional[list]:
    node = info.node
    decorated = False
    for decorator in node.decorators:
        expr = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        if module.imports.qualify(expr) != "dataclasses.dataclass":
            return None
        decorated = True
    if not decorated:
        return None
    fields: list = []
    for statement in node.body.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)) or isinstance(statement, cst.SimpleStatementLine) \
                and all(isinstance(small, (cst.Pass, cst.Expr)) for small in statement.body):  # fmt: skip
            continue
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
        if not isinstance(small, cst.AnnAssign) or not isinstance(small.target, cst.Name):
            return None
        if "ClassVar" in short_code(small.annotation.annotation):
            continue
        default = small.value
        if isinstance(default, cst.Call) and module.imports.qualify(default.func) == "dataclasses.field":
            given = next((a.value for a in default.args if a.keyword is not None and a.keyword.value == "default"), None)
            default = given if given is not None else _NO_DEFAULT
        fields.append((small.target.value, default))
    return fields


def _star_imported(fa, loader, name: str) -> Optional[str]:
    """`from ._efficientnet_blocks import *` in a module the loader read (its own analysis names
    these when it runs with the loader; a module only followed does not): the public class or
    function of that name one of its star-imported modules defines."""
    if name.startswith("_") or not fa.imports.stars or fa.path not in loader.index.names:
        return None
    from ..program.modules import absolute

    importer, is_package = loader.index.names[fa.path]
    for written in reversed(fa.imports.stars):  # the last star import binding a name wins
        base = absolute(importer, is_package, written)
        found = loader.lookup(fa, f"{base}.{name}")  # re-exported on, through its own star imports too
        if found is not None and found[0] in ("class", "function") and found[1] is not fa:
            return f"{base}.{name}"
    return None


def _local_targets(statement: cst.CSTNode) -> set:
    """The local names a statement binds anywhere inside it (not the `self` of `self.x = ...`)."""
    from ..syntax.nodes import _walk_nodes

    names: set = set()

    def bound(target: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bound(element.value)
        elif isinstance(target, cst.StarredElement):
            bound(target.value)

    for part in _walk_nodes(statement):
        if isinstance(part, cst.Assign):
            for target in part.targets:
                bound(target.target)
        elif isinstance(part, (cst.AnnAssign, cst.AugAssign, cst.For)):
            bound(part.target)
        elif isinstance(part, cst.WithItem) and part.asname is not None:
            bound(part.asname.name)
        elif isinstance(part, cst.ExceptHandler) and part.name is not None:
            bound(part.name.name)
    return names


def _values_in(value: object) -> list:
    """`value` and what its containers and partial objects hold, once each."""
    out, stack, seen = [], [value], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        if isinstance(current, (list, tuple, set)):
            stack.extend(current)
        elif isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, PartialObj):
            stack.extend([current.func, *current.args, *current.kwargs.values()])
    return out


def _bases_read(module, info, outside: tuple, depth: int = 0) -> bool:
    """Whether every base class of `info` is torch's (`outside`) or, up to those, a class of its
    own module, whose code the run reads (LevitDistilled's Levit, an nn.Module)."""
    for base in info.bases:
        if base.startswith(outside):
            continue
        inner = module.classes.get(base[len("local:"):]) if base.startswith("local:") and depth < 8 else None
        # one base of its module: its methods and class attributes are looked up there (`method`, `member`)
        if inner is None or len(info.bases) > 1 or not _bases_read(module, inner, outside, depth + 1):
            return False
    return True


def _class_isinstance(args: list) -> object:
    """`isinstance(x, kinds)` where x is a class or function the code names, or a partial object:
    never an instance of a module, a string, a number... (get_attn's `isinstance(attn_type,
    nn.Module)` on SqueezeExcite); UNKNOWN for anything else."""
    value, kinds = args
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if not kinds or not all(isinstance(kind, ClassObj) for kind in kinds):
        return UNKNOWN
    names = {kind.qualname for kind in kinds}
    if isinstance(value, (ClassObj, FnObj)):
        return UNKNOWN if names & {"builtins.type", "builtins.object"} else False
    if isinstance(value, PartialObj):
        if value.joined:  # a partial object on one side, perhaps the class itself on the other
            return UNKNOWN
        return True if names & {"functools.partial", "builtins.object"} else False
    types = [_TYPES.get(name[len("builtins."):]) if name.startswith("builtins.") else None for name in names]
    # a torch class is no base of a value Python holds itself (`isinstance("se", nn.Module)`: False)
    torch_kinds = [name for name in names if name.startswith("torch.")]
    held = [kind for kind in types if kind is not None]
    if type(value) in (int, float, bool, str, type(None), tuple, list, dict) and len(held) + len(torch_kinds) == len(names):
        return isinstance(value, tuple(held))  # a value Python would hold itself: `isinstance(x, (tuple, list))`
    return UNKNOWN


def _qualified(fa, name: str) -> Optional[str]:
    """The module name of `fa`'s own `name`, as the program's index names the module."""
    loader = fa.library()
    known = loader.index.names.get(fa.path)
    return f"{known[0]}.{name}" if known else None


def _stub_module(fa, resolved: str):
    from ..program.environment import Environment

    path = Environment().find(resolved.rpartition(".")[0])
    return fa.stubs_only.module(path)


def entry_points(fa) -> list:
    """The functions of `fa` run as entry points: those a library registry decorator marks
    (called with their defaults) and those without parameters (one run, whoever calls them)."""
    from .handed import is_entry_point

    out = []
    for fn in fa.functions.values():
        if not fn.body.body or fn.asynchronous is not None:
            continue
        # no parameters: `star_arg` is a sentinel, not None, where there is no `*args`
        if is_entry_point(fa, fn) or not [*_all_params(fn), *fn.params.kwonly_params] \
                and not isinstance(fn.params.star_arg, cst.Param) and fn.params.star_kwarg is None:  # fmt: skip
            out.append(fn)
    return out


def entry_constructions(fa, fn: cst.FunctionDef, own: bool = False) -> list:
    """The constructions of other modules' blocks `fn`'s run reaches while it builds a model of
    `fa` (with `own`: of `fa`'s own classes, the model's included), those of classes handed away
    dropped; [] where the run did not complete."""
    if fa.loader is None:
        return []
    key = ("<entry run>", id(fn))  # one run per entry point, for the builder's blocks and the module's own
    if key not in fa.handed_cache:
        fa.handed_cache[key] = (fn, _entry_run(fa, fn))
    run = fa.handed_cache[key][1]
    if run is None:
        return []
    away = run.handed_away  # a module handed away (`getattr(blocks, name)`) hands away its classes
    return [c for c in (run.own if own else run.constructions) if c.top is not None
            and not any(c.qualname == name or c.qualname.startswith(name + ".") for name in away)]


def _entry_run(fa, fn: cst.FunctionDef) -> Optional[Run]:
    """`fn` run over its defaults; None where the run did not complete."""
    run = Run(root=fa, own_blocks=_rests_on_open_params(fa))
    probe = EntryProbe(fa, run)
    try:
        probe.run_function(fn, [], {})
    except _Dead:
        pass  # every path raises at some point: the constructions before it are all there are
    except (_Budget, RecursionError):
        return None
    except Exception:  # noqa: BLE001 - Python this run does not model: nothing known, never a crash
        return None
    if not run.complete or any(_may_construct(fa, name) for name in run.handed_away):
        return None  # a function handed to code not run may build blocks there, unseen
    _place_constructions(run)
    run.journal, run.instances, run.tainted, run.resolved, run.made, run.writes = [], [], {}, {}, {}, []  # kept: what it built
    return run


def _place_constructions(run: Run) -> None:
    """`Construction.held_at`: where the model holds each block the run built, through its
    attributes, nn.Sequential and nn.ModuleList (torch's own naming of submodules: `blocks.2.0`);
    a block held in two places, or by one model among several, has none."""
    found: dict = {}

    def walk(value: object, prefix: str, seen: frozenset) -> None:
        if isinstance(value, ModuleRef):
            found.setdefault(id(value.construction), (value.construction, []))[1].append(prefix)
        elif isinstance(value, SequenceObj) and value.items is not None:
            for index, item in enumerate(value.items):
                walk(item, f"{prefix}.{index}" if prefix else str(index), seen)
        elif isinstance(value, Instance) and not value.plain and id(value) not in seen:
            made = run.made.get(id(value))
            if made is not None:
                found.setdefault(id(made), (made, []))[1].append(prefix)
            for name, held in value.attrs.items():
                walk(held, f"{prefix}.{name}" if prefix else name, seen | {id(value)})

    if len(run.models) != 1:
        return
    held: dict = {}
    for instance, attr, value in run.writes:
        held.setdefault(id(instance), {})[attr] = value
    for instance in {id(instance): instance for instance, _, _ in run.writes}.values():
        instance.attrs = held[id(instance)]  # what the run's own code left there (the run is over)
    walk(run.models[0], "", frozenset())
    for construction, places in found.values():
        if len(places) == 1 and places[0]:
            construction.held_at = places[0]


def held_fact(value: object) -> list:
    """A value the run computed, as `BuildFact.args` holds it."""
    from .file import _held_fact

    if isinstance(value, PartialObj):
        func = value.func
        if isinstance(func, ClassObj) and func.qualname.startswith("torch.nn.") and not value.args \
                and func.qualname.rsplit(".", 1)[-1] in _TORCH_NORMS:  # fmt: skip
            return ["class", func.qualname]
        return ["unknown", "a partial object"]
    if value is UNKNOWN or isinstance(value, (Instance, FnObj, ParamObj, dict, list, tuple, set)):
        return ["unknown", "a value not known at this entry point"]
    return _held_fact(value)


def entry_builds(fa) -> list:
    """(entry point name, `Construction`) for each block of another module an entry point of `fa`
    builds through a builder object; only in a module whose classes build one (an imported plain
    class: EfficientNetBuilder, or a config dataclass a model takes), the runs being whole-program
    Python. In a module where a layer judged at a use rests on what its container's callers pass,
    not known there (levit's `self.act = act_layer()`, the model's `act_layer` a string each model
    function may set), the constructions of its own classes too."""
    own = fa.loader is not None and _rests_on_open_params(fa)
    if fa.loader is None or not (own or _builds_a_builder_object(fa) or _configured_by_a_dataclass(fa)
                                 or _passes_its_arguments_on(fa) or _names_another_module_s_model(fa)):  # fmt: skip
        return []
    return [(fn.name.value, construction) for fn in entry_points(fa) for construction in entry_constructions(fa, fn)]


def _rests_on_open_params(fa) -> bool:
    return any(outcome is not None and getattr(outcome[2], "open_params", ())
               for uses in fa.per_use.values() for _, _, outcome in uses)  # fmt: skip


def _passes_its_arguments_on(fa) -> bool:
    """A class of `fa` whose constructor builds a block of another module with one of its own
    parameters (`self.mlp = mlp_layer(dim, act_layer=act_layer)` in a Block the model builds as
    `block_fn(..., act_layer=act_layer)`): what reaches that block is what the constructions of
    the class pass, through values the program's links do not follow; each entry point's run lists it."""
    for inside, _, call in fa.builds:
        cls = fa.classes.get(inside)
        init = fa.method(cls, "__init__") if cls is not None else None
        if init is None or init[0] is not cls:
            continue
        params = {p.name.value for p in [*_all_params(init[1]), *init[1].params.kwonly_params]}
        if any(isinstance(arg.value, cst.Name) and arg.value.value in params for arg in call.args):
            return True
    return False


def _names_another_module_s_model(fa) -> bool:
    """An entry point of `fa` that names a model class another module of the program defines
    (deit's `build_model_with_cfg(VisionTransformer, ...)` through `_create_deit`): its run builds that
    model with what the entry point passes, and the blocks it builds are listed there (`adopted`)."""
    return memoised(fa, "names another module's model", fa.module, lambda: _read_names_another_module_s_model(fa))


def _read_names_another_module_s_model(fa) -> bool:
    if not entry_points(fa):
        return False
    loader = fa.library()
    names = {node.value for fn in fa.functions.values() for node in _walk_nodes(fn.body) if type(node) is cst.Name
             and node.value in fa.imports.names and node.value not in fa.classes}  # fmt: skip
    for name in sorted(names):
        found = loader.lookup(fa, fa.imports.names[name])
        if found is not None and found[0] == "class" and found[1] is not None and found[1] is not fa \
                and found[2] in found[1].classes \
                and not all(base in ("builtins.object", "local:object") for base in found[1].classes[found[2]].bases):  # fmt: skip
            return True
    return False


def _configured_by_a_dataclass(fa) -> bool:
    """A class of `fa` whose constructor takes a config dataclass of `fa` (`RegNet(cfg: RegNetCfg)`):
    each entry point builds the config its model reads (`RegNetCfg(act_layer='silu')`)."""
    configs = {name for name, info in fa.classes.items()
               if all(base in ("builtins.object", "local:object") for base in info.bases)
               and _dataclass_fields(fa, info) is not None}  # fmt: skip
    for info in fa.classes.values() if configs else ():
        init = fa.method(info, "__init__")
        params = _all_params(init[1]) if init is not None else []
        if any(p.annotation is not None and any(isinstance(n, cst.Name) and n.value in configs
                                                 for n in _walk_nodes(p.annotation.annotation)) for p in params):  # fmt: skip
            return True
    return False


def _builds_a_builder_object(fa) -> bool:
    loader = fa.library()
    for inside, callee, _ in fa.builds:
        found = loader.lookup(fa, callee) if inside is not None and callee else None
        if found is not None and found[0] == "class" and found[1] is not None and found[2] in found[1].classes:
            info = found[1].classes[found[2]]
            if all(base in ("builtins.object", "local:object") for base in info.bases):
                return True
    return False


def entry_build_facts(entries: list, spans: dict) -> list:
    """`BuildFact`s of the constructions entry points reach: uses for their arguments (not roots
    for inits: `unrun`), named by the entry point, at its call that led there; once each."""
    from ..model import BuildFact

    out, seen = [], set()
    for name, construction in entries:
        span = spans.get(id(construction.top))
        if not span:
            continue
        args = {str(i): held_fact(value) for i, value in enumerate(construction.args)}
        if construction.kwargs is None or isinstance(construction.kwargs, _OpenKwargs):
            args["*"] = ["unknown", "what this run passes is not known"]
        if construction.kwargs is not None:
            args.update({key: held_fact(value) for key, value in construction.kwargs.items()})
        key = (name, construction.qualname, construction.container, construction.container_path, construction.attr,
               tuple(construction.within), span[0], id(construction.node), repr(sorted(args.items())),
               tuple(construction.through), construction.held_at)  # fmt: skip
        if key in seen:
            continue
        seen.add(key)
        where = [span[0][1] + 1, span[1][0], span[1][1] + 1]
        inner = spans.get(id(construction.node)) if construction.node is not None else None
        out.append(BuildFact(construction.qualname, span[0][0], args, construction.container, attr=construction.attr,
                             span=where, unrun=True, entry=name, within=list(construction.within),
                             built_at=inner[0][0] if inner else None, inside_path=construction.container_path,
                             within_paths=list(construction.within_paths),
                             through=[list(step) for step in construction.through], held_at=construction.held_at))  # fmt: skip
    return out
