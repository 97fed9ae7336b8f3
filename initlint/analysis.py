"""Source -> module model: one LibCST parse and one walk per file.

For every Conv/Linear layer built in a file this works out
- where it is built (the call in the class, or the helper call that returns it),
- its name as `named_modules()` would give it, relative to its class,
- which activation follows it, by abstract interpretation of `forward` (and of
  `nn.Sequential` chains, lists built in loops, helper factories, sub-module classes),
- whether something initialises it explicitly (direct `nn.init` calls, `.data.normal_()`,
  init loops over `self.modules()`, `self.apply(fn)`, `post_init()` + `_init_weights`).

The abstract values are deliberately few. A tensor is a `Flow`: the set of layer sites
whose output reaches it through transparent ops only. Calling an activation on a flow
records that activation for every site in it; any other op records "none"; an op we
cannot see records "unknown". A site that ends up with disagreeing outcomes is unknown:
the analysis never guesses.

No metadata providers: names are resolved from the file's own import statements and
positions are computed only for the nodes that are reported.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import dataclasses
import functools
import gc
import keyword
import re
import typing
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional, Union

import libcst as cst
from libcst._nodes.base import CSTNode
from libcst._nodes.internal import CodegenState

from . import catalogue
from .model import (BuildFact, ClassFact, FileModel, FixPlan, GainCall, InitCall, InitRuleFact, Layer, ModuleModel,
                    ModuleSummary)

MAX_INLINE_DEPTH = 4  # helper/method inlining depth; deeper calls are unknown
MODULE_CODE = "__module__"  # the function name a script's top-level statements are run as
# Module methods that return the module itself: `nn.Conv2d(...).to(device)` is still that layer.
RETURNS_SELF = frozenset({"to", "cuda", "cpu", "float", "double", "half", "bfloat16", "train", "eval",
                          "requires_grad_", "share_memory", "to_empty", "type"})  # fmt: skip
INIT_FUNCTIONS = re.compile(
    r"^(kaiming|xavier|trunc_normal|normal|uniform|orthogonal|sparse|dirac|eye|constant|zeros?|ones|"
    r"lecun|variance_scaling|glorot|he)_?\w*_?$"
)
INPLACE_INIT_METHODS = frozenset(
    {"normal_", "uniform_", "zero_", "fill_", "copy_", "mul_", "div_", "trunc_normal_", "orthogonal_",
     "clamp_", "set_", "data_", "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_"}
)  # fmt: skip
CONSTRUCTOR_DEFAULT = re.compile(r"\b\w+ default\b")  # evidence such as "act_layer default nn.GELU"
NORM_HINT = re.compile(r"norm|bn$|^bn", re.I)


# Builtins that take a class without building it elsewhere (super(Block, self), repr(Block)).
_HARMLESS_BUILTINS = frozenset({"super", "print", "repr", "str", "getattr", "hasattr", "setattr", "id", "len", "type",
                                "callable", "vars", "dir"})  # fmt: skip


class SourceError(Exception):
    """The source does not parse (or cannot be analysed at all)."""

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# ---------------------------------------------------------------------------------------
# Abstract values
# ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class Site:
    """One place a Conv/Linear layer is built (per class that builds it)."""

    layer_type: str
    node: cst.CSTNode  # the expression reported (layer call, or the helper call in the class)
    class_name: Optional[str]
    name: Optional[str] = None
    outcomes: list = field(default_factory=list)  # (activation, param, evidence)
    anchor: Optional[cst.CSTNode] = None  # statement the fix goes after
    weight: Optional[str] = None  # expression of its weight at the anchor
    loop_over: Optional[str] = None  # a container every element of which is this layer (ModuleList comprehension)
    fix_reason: Optional[str] = None
    explicit_init: Optional[InitCall] = None
    init_state: Optional[str] = None  # set when decided locally ("explicit"/"unknown")
    init_evidence: str = ""
    subclass_init: Optional[str] = None  # a layer subclass in this file with its own reset_parameters
    function: Optional[str] = None  # the free function that builds it (class-less layers)
    local_class: Optional[str] = None  # a subclass of the layer type defined in this file (class MyConv(nn.Conv2d))
    branches: tuple = ()  # the undecided branches it is built in, outermost first
    output_head: bool = False  # its activation's output is what a top-level model returns
    init_open: bool = False  # "default" because nothing in this file initialises it; other modules may
    module_path: str = ""  # the file whose analysis built it (another module's, when followed from here)
    open_output: Optional[str] = None  # the unused class whose output it is ("none" / a head); others may use it
    norm: Optional[str] = None  # a norm its output goes through before any activation (conv -> BN -> ReLU)
    feeds: set = field(default_factory=set)  # layers its output (after its activation) goes into
    inputs: set = field(default_factory=set)  # what flows into it (sites, module inputs, activation outputs)
    added_to: set = field(default_factory=set)  # what its output is added to (x + branch(x): x's)
    split_by: Optional[str] = None  # `.chunk()` and the like divided its output into parts

    def record(self, activation: str, param: Optional[float], evidence: str) -> None:
        outcome = (activation, param, evidence)
        if outcome not in self.outcomes:  # the same use seen again (loops run twice)
            self.outcomes.append(outcome)


@dataclass(eq=False)
class InputSite:
    """The input of a module, so its effect on whatever feeds it can be summarised."""

    owner: str
    outcomes: list = field(default_factory=list)
    feeds_layer: bool = False  # the module's input reaches a Conv/Linear of it
    first_layers: set = field(default_factory=set)  # those Conv/Linear sites

    def record(self, activation: str, param: Optional[float], evidence: str) -> None:
        outcome = (activation, param, evidence)
        if outcome not in self.outcomes:  # the same use seen again (loops run twice)
            self.outcomes.append(outcome)


@dataclass(eq=False)
class ActivationOutput:
    """The output of an activation applied to some layers: followed only to see whether the
    model returns it (an output head, such as a generator's final Tanh)."""

    sites: frozenset
    feeds_layer: bool = False  # it goes into another Conv/Linear: the activation is inside the model

    def record(self, activation: str, param: Optional[float], evidence: str) -> None:
        """What comes after an activation does not change what follows the layers."""


def activated(flow: "Flow") -> "Flow":
    sites = frozenset(s for s in flow.sites if isinstance(s, Site))
    return Flow(frozenset({ActivationOutput(sites)})) if sites else Flow()


def head_part(flow: "Flow") -> "Flow":
    """The activation outputs in a flow that is rescaled by constants (`scale * torch.tanh(x) + shift`,
    exp, clamp): the model's output is still what it was, an output head, while the layers' own
    flows meet no activation there. The caller checks that the other operands are constants: a
    product of two tensors (`x * gate`) is not a rescale, and a gate's output is not the model's."""
    return Flow(frozenset(s for s in flow.sites if isinstance(s, ActivationOutput)))


def feed_layer(flow: "Flow", layers: Iterable["Site"]) -> None:
    """The flow goes into these Conv/Linear layers: activations in it are inside the model, not
    heads, and the layers it comes from compound with them (the chain an impact is counted on)."""
    for site in flow.sites:
        for layer in layers:
            layer.inputs.add(site)
        if isinstance(site, (ActivationOutput, InputSite)):
            site.feeds_layer = True
        if isinstance(site, InputSite):
            site.first_layers.update(layers)
        for source in site.sites if isinstance(site, ActivationOutput) else [site] if isinstance(site, Site) else []:
            source.feeds.update(layers)


def note_norm(flow: "Flow", what: str) -> None:
    """A norm on the flow: the layers it comes from (before any activation) are followed by a norm."""
    name = what.rsplit(".", 1)[-1].split(" ", 1)[0]
    if name in catalogue.NORM_MODULES or name in catalogue.NORM_FUNCTIONS:
        for site in flow.sites:
            if isinstance(site, Site) and site.norm is None:
                site.norm = name


def note_residual(*flows: "Flow") -> None:
    """`x + branch(x)`: what each layer's output is added to, so a branch that starts from the
    same signal it is added back to can be told from a sum of two signals (a U-Net's skip)."""
    for flow in flows:
        others = frozenset().union(*(other.sites for other in flows if other is not flow))
        for site in flow.sites:
            if isinstance(site, Site):
                site.added_to |= others


AnySite = Union[Site, InputSite]


@dataclass(frozen=True)
class Flow:
    """A tensor: the sites whose output reaches it through transparent ops only."""

    sites: frozenset = frozenset()


OPAQUE = Flow()


@dataclass(frozen=True)
class MaybeNone(Flow):
    """A tensor on some paths and None on others (`x if c else None`): for ModelOutput indexing."""


@dataclass
class TupleV:
    """A tuple or list of tensors in forward: `return mu, logvar`, `a, b = x, self.fc(x)`."""

    items: list


@dataclass
class LayerV:
    site: Site


@dataclass
class ActV:
    activation: str
    param: Optional[float]
    evidence: str


@dataclass
class TransparentV:
    what: str


@dataclass
class ClassRefV:
    """A class or factory not yet called: nn.ReLU, Bottleneck, a layer class."""

    qualname: str  # "torch.nn.ReLU" or "local:Bottleneck"
    evidence: str = ""
    bound: tuple = ()  # arguments bound by functools.partial(cls, ...), given before the call's own


@dataclass
class InstV:
    """An instance of a class defined in this file (or, with `module`, in another module of the program)."""

    cls: str
    module: Optional["FileAnalysis"] = None
    passed: dict = field(default_factory=dict)  # parameter -> value given at construction (other modules' classes)


@dataclass
class ChainV:
    """nn.Sequential (or a list of modules): items in order, with loops and alternatives.

    items: list of (name, value) | ("<loop>", [items]) | ("<alt>", [[items], ...])
    """

    items: list
    kind: str = "sequential"  # "sequential" | "list" (ModuleList / python list: not chained)
    summary: Optional["Summary"] = None


@dataclass
class ParamV:
    name: str
    default: object
    owner: Optional[str] = None  # the class (or free function) whose constructor takes it


@dataclass
class ConsumerV:
    """A callable whose tensor inputs meet no activation: a loss, an attention kernel."""

    what: str


@dataclass
class RecordV:
    """A transformers ModelOutput in forward (a dataclass of tensors): its fields in the order given."""

    what: str
    fields: dict  # name -> value


@dataclass
class FunctionRefV:
    """A function of this file named as a value (`attention_interface = eager_attention_forward`),
    or one defined inside the function being interpreted (`def block(...)` nested in __init__):
    then `node` is its definition and `closure` the enclosing names it sees."""

    name: str
    node: Optional[cst.FunctionDef] = None
    closure: Optional[dict] = None


@dataclass
class UnknownV:
    why: str


NONE_V = "<None>"
Value = object
ATTENTION_KERNEL = ConsumerV("an attention kernel of transformers' ALL_ATTENTION_FUNCTIONS")


@dataclass
class Summary:
    """What a module does to its input (entry outcomes) and which sites reach its output."""

    entry: list  # outcomes recorded on its input
    exits: frozenset  # sites pending at its output (may include its InputSite: passthrough)
    input_site: Optional[InputSite] = None
    done: bool = True  # False while its forward is being interpreted (a module that contains itself)
    positions: Optional[list] = None  # when forward returns a tuple: the sites at each position
    fields: Optional[dict] = None  # when forward returns a ModelOutput: the sites of each field
    extra_inputs: dict = field(default_factory=dict)  # forward's other parameters -> their InputSites


# ---------------------------------------------------------------------------------------
# Walking the tree
# ---------------------------------------------------------------------------------------

_CHILD_FIELDS: dict = {}
_SKIPPED_FIELDS = frozenset({"whitespace", "lpar", "rpar", "comma", "semicolon", "equal", "colon", "dot", "star",
                             "operator", "leading_lines", "lines_after_decorators", "header", "footer", "newline",
                             "trailing_whitespace", "whitespace_before", "whitespace_after"})  # fmt: skip


class _IsNodeType(dict):
    """type -> is it a CSTNode subclass. `isinstance` against LibCST's abstract classes goes
    through ABCMeta's Python-level check, which the walks below would pay for every field."""

    def __missing__(self, kind: type) -> bool:
        result = self[kind] = issubclass(kind, cst.CSTNode)
        return result


_IS_NODE_TYPE = _IsNodeType()
_SEQUENCE_TYPES = (tuple, list)


def _never_a_node(annotation: object) -> bool:
    """A field typed str, a Literal of strings or Optional[str] (Name.value, Arg.star): no child
    node there, so leaves such as Name and SimpleString are not looked into at all."""
    if annotation is str or annotation is type(None):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return all(isinstance(arg, str) for arg in typing.get_args(annotation))
    if origin is Union:
        return all(_never_a_node(arg) for arg in typing.get_args(annotation))
    return False


def _child_fields(kind: type) -> tuple:
    names = _CHILD_FIELDS[kind] = tuple(
        f.name for f in dataclasses.fields(kind)
        if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace") and not _never_a_node(f.type)
    )  # fmt: skip
    return names


def child_nodes(node: cst.CSTNode) -> list:
    """A node's child nodes in field order, without the whitespace and punctuation.

    `CSTNode.children` runs a visitor over every field, whitespace included, which costs
    more than the rest of the analysis; the walks here only need expressions and statements.
    """
    kind = type(node)
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _child_fields(kind)
    is_node = _IS_NODE_TYPE
    out = []
    for name in names:
        value = getattr(node, name)
        value_type = type(value)
        if is_node[value_type]:
            out.append(value)
        elif isinstance(value, _SEQUENCE_TYPES):
            out.extend(v for v in value if is_node[type(v)])
    return out


# ---------------------------------------------------------------------------------------
# Positions, computed only for what is reported
# ---------------------------------------------------------------------------------------


class _SpansDone(Exception):
    """Every wanted node of the statement being generated has its span: the rest is not needed."""


class _PositionState(CodegenState):
    """Codegen that tracks line/column and records the span of the wanted nodes only.

    With `expected` (how many wanted nodes the generated statement holds), it stops with
    _SpansDone once it has them all."""

    def __init__(self, module: cst.Module, wanted: set, line: int = 1, column: int = 0,
                 expected: Optional[int] = None):  # fmt: skip
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.remaining = expected
        self.line = line
        self.column = column
        self.starts: dict = {}
        self.spans: dict = {}

    def _advance(self, value: str) -> None:
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - value.rindex("\n") - 1
        else:
            self.column += len(value)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.starts[id(node)] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key in self.starts:
            first = key not in self.spans
            self.spans[key] = (self.starts[key], (self.line, self.column))
            if first and self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    raise _SpansDone


def compute_spans(module: cst.Module, nodes: Iterable[cst.CSTNode], holders: Optional[dict] = None,
                  source: Optional[str] = None, c_tree: Optional[ast.Module] = None) -> dict:  # fmt: skip
    """id(node) -> ((line, col0), (end_line, end_col0)) for the given nodes.

    With `holders` (id(node) -> index of the top-level statement holding it) and the source,
    only those statements are generated again: each starts where CPython's own parser (`ast`,
    in C, a tenth of LibCST's parse) says it does, less its leading blank and comment lines.
    Generating every statement to count lines would cost twice the parse. Without them, or
    when the two parsers do not line up, every statement is generated.
    """
    nodes = list(nodes)
    wanted = {id(n) for n in nodes}
    if not wanted:
        return {}
    if holders is not None and source is not None:
        places = {holders.get(id(n)) for n in nodes}
        tree = (c_tree if c_tree is not None else _c_parse(source)) if None not in places else None
        starts = _statement_starts(module.body, tree.body) if tree is not None else None
        if starts is not None:
            whole = {p for p in places if isinstance(p, int)}
            members: dict = {}
            for p in places:
                if not isinstance(p, int) and len(p) == 2 and p[0] not in whole:
                    members.setdefault(p[0], set()).add(p[1])
            method_statements: dict = {}  # (class index, method index) -> statements of the method body
            for p in places:
                if not isinstance(p, int) and len(p) == 3 and p[0] not in whole and p[1] not in members.get(p[0], ()):
                    method_statements.setdefault((p[0], p[1]), set()).add(p[2])
            # how many wanted nodes each statement holds, so that its codegen stops at the last
            held_by: dict = {}
            for key in wanted:
                place = holders[key]
                held_by[place] = held_by.get(place, 0) + 1
                if not isinstance(place, int):
                    held_by[place[0]] = held_by.get(place[0], 0) + 1
                    if len(place) == 3:
                        held_by[place[:2]] = held_by.get(place[:2], 0) + 1
            spans: dict = {}
            for index in sorted(whole):
                state = _PositionState(module, wanted, line=starts[index], column=0, expected=held_by[index])
                try:
                    module.body[index]._codegen(state)
                except _SpansDone:
                    pass
                spans.update(state.spans)
            for index, wanted_members in members.items():
                cls, ast_cls = module.body[index], tree.body[starts.ast_index[index]]
                inner = _statement_starts(cls.body.body, getattr(ast_cls, "body", []))
                if inner is None:
                    return compute_spans(module, nodes)
                indent = cls.body.indent if cls.body.indent is not None else module.default_indent
                for j in sorted(wanted_members):
                    state = _PositionState(module, wanted, line=inner[j], column=0, expected=held_by[(index, j)])
                    state.increase_indent(indent)
                    try:
                        cls.body.body[j]._codegen(state)
                    except _SpansDone:
                        pass
                    spans.update(state.spans)
            for (index, j), wanted_statements in method_statements.items():
                cls, ast_cls = module.body[index], tree.body[starts.ast_index[index]]
                inner = _statement_starts(cls.body.body, getattr(ast_cls, "body", []))
                fn = cls.body.body[j] if inner is not None else None
                ast_fn = ast_cls.body[inner.ast_index[j]] if inner is not None else None
                if fn is None or not isinstance(fn.body, cst.IndentedBlock) or not hasattr(ast_fn, "decorator_list"):
                    return compute_spans(module, nodes)
                body_starts = _statement_starts(fn.body.body, ast_fn.body)
                if body_starts is None:
                    return compute_spans(module, nodes)
                class_indent = cls.body.indent if cls.body.indent is not None else module.default_indent
                fn_indent = fn.body.indent if fn.body.indent is not None else module.default_indent
                for k in sorted(wanted_statements):
                    state = _PositionState(module, wanted, line=body_starts[k], column=0,
                                           expected=held_by[(index, j, k)])  # fmt: skip
                    state.increase_indent(class_indent)
                    state.increase_indent(fn_indent)
                    try:
                        fn.body.body[k]._codegen(state)
                    except _SpansDone:
                        pass
                    spans.update(state.spans)
            return spans
    state = _PositionState(module, wanted)
    for h in module.header:
        h._codegen(state)
    for stmt in module.body:
        stmt._codegen(state)
    return dict(state.spans)


def _c_parse(source: str):
    try:  # CPython's parser, in C: where statements start, without generating code
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _Starts(list):
    """Start line of each LibCST statement, and the index of its first ast statement."""

    ast_index: list


def _statement_starts(statements, ast_body) -> Optional[_Starts]:
    """The line where the code of each statement starts (its leading lines included), from the
    ast of the same block; None when the two do not line up."""
    starts = _Starts()
    starts.ast_index = []
    k = 0
    for stmt in statements:
        if k >= len(ast_body):
            return None
        first = ast_body[k]
        starts.ast_index.append(k)
        if isinstance(stmt, cst.SimpleStatementLine):
            k += len(stmt.body)  # `a = 1; b = 2` is two statements to ast
        else:
            k += 1
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) != hasattr(first, "decorator_list"):
                return None
        line = first.lineno
        decorators = getattr(first, "decorator_list", None)
        if decorators:
            line = min(line, *(d.lineno for d in decorators))
        starts.append(line - len(stmt.leading_lines))
    return starts if k == len(ast_body) else None


# ---------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------


def dotted(node: cst.CSTNode) -> Optional[str]:
    # exact type checks: Name and Attribute have no subclasses, and `isinstance` against LibCST
    # classes pays ABCMeta's Python-level check (this runs for most calls and names)
    kind = type(node)
    if kind is _NAME:
        return node.value
    if kind is _ATTRIBUTE:
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


_NAME, _ATTRIBUTE = cst.Name, cst.Attribute


def _module_name(node: Union[cst.Attribute, cst.Name, cst.ImportFrom]) -> str:
    if isinstance(node, cst.ImportFrom):
        dots = "." * len(node.relative)
        return dots + (dotted(node.module) or "" if node.module else "")
    return dotted(node) or ""


class Imports:
    """Local names -> qualified names, from the file's own import statements. Relative imports
    resolve to absolute names when the file's package is known (`package`), else stay relative."""

    def __init__(self, package: Optional[list] = None) -> None:
        self.names: dict[str, str] = {}
        self.package = package

    def add(self, stmt: cst.BaseSmallStatement) -> None:
        if isinstance(stmt, cst.Import):
            for alias in stmt.names:
                full = dotted(alias.name) or ""
                if alias.asname is not None:
                    self.names[alias.asname.name.value] = full
                else:
                    top = full.split(".")[0]
                    self.names[top] = top
        elif isinstance(stmt, cst.ImportFrom) and not isinstance(stmt.names, cst.ImportStar):
            base = _module_name(stmt)
            if stmt.relative and self.package is not None and len(stmt.relative) <= len(self.package):
                # `from ...modeling_utils import X` in transformers/models/bert/: transformers.modeling_utils.X
                up = self.package[: len(self.package) - len(stmt.relative) + 1]
                base = ".".join(up + ([dotted(stmt.module) or ""] if stmt.module else []))
            for alias in stmt.names:
                name = alias.name.value if isinstance(alias.name, cst.Name) else dotted(alias.name) or ""
                local = alias.asname.name.value if alias.asname is not None else name
                self.names[local] = f"{base}{name}" if base.endswith(".") else f"{base}.{name}"  # `from . import x`: ".x"

    def qualify(self, node: cst.CSTNode) -> Optional[str]:
        text = dotted(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        if head in self.names:
            base = self.names[head]
            return f"{base}.{rest}" if rest else base
        if head == "nn" and "nn" not in self.names:
            return f"torch.nn.{rest}" if rest else "torch.nn"  # snippets that never import nn
        return None


def torch_nn_name(qualname: Optional[str]) -> Optional[str]:
    """'torch.nn.Conv2d' / 'torch.nn.modules.conv.Conv2d' -> 'Conv2d'; else None."""
    if not qualname or not qualname.startswith("torch.nn."):
        return None
    rest = qualname[len("torch.nn.") :]
    if rest.startswith(("functional.", "init.")):
        return None
    return rest.rsplit(".", 1)[-1]


def functional_name(qualname: Optional[str]) -> Optional[str]:
    """torch.relu / torch.nn.functional.relu / torch.Tensor.relu -> 'relu'."""
    if not qualname:
        return None
    for prefix in ("torch.nn.functional.", "torch.special.", "torch.Tensor.", "torch."):
        if qualname.startswith(prefix):
            rest = qualname[len(prefix) :]
            return rest if "." not in rest else None
    return None


def init_function_name(qualname: Optional[str], text: Optional[str]) -> Optional[str]:
    """Name of an init function: torch.nn.init.X, or a helper that looks like one (trunc_normal_)."""
    if qualname and qualname.startswith("torch.nn.init."):
        return qualname.rsplit(".", 1)[-1]
    name = (text or "").rsplit(".", 1)[-1]
    if name and name.endswith("_") and INIT_FUNCTIONS.match(name):
        return name
    if name in ("trunc_normal_tf_", "lecun_normal_", "variance_scaling_", "init_weights"):
        return name
    return None


@functools.lru_cache(maxsize=4096)
def _literal_eval(text: str):
    """What LibCST's `evaluated_value` returns for a literal's text (`ast.literal_eval`, which
    parses it): the same few literals ("weight", 0, 1.0) come back again and again."""
    return ast.literal_eval(text)


def literal_number(node: Optional[cst.CSTNode]) -> Optional[float]:
    if node is None:
        return None
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(_literal_eval(node.value))  # node.evaluated_value, cached
        except (ValueError, TypeError):
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal_number(node.expression)
        return None if inner is None else -inner
    if isinstance(node, cst.BinaryOperation):
        a, b = literal_number(node.left), literal_number(node.right)
        if a is None or b is None:
            return None
        op = node.operator
        if isinstance(op, cst.Divide):
            return a / b if b else None
        if isinstance(op, cst.Multiply):
            return a * b
        if isinstance(op, cst.Add):
            return a + b
        if isinstance(op, cst.Subtract):
            return a - b
        if isinstance(op, cst.Power) and a > 0 and abs(b) < 8:
            return a**b
        return None
    if isinstance(node, cst.Call) and dotted(node.func) in ("math.sqrt", "np.sqrt", "numpy.sqrt", "sqrt") and node.args:
        inner = literal_number(node.args[0].value)
        return None if inner is None or inner < 0 else inner**0.5
    return None


def literal_string(node: Optional[cst.CSTNode]) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        try:
            value = _literal_eval(node.value)  # node.evaluated_value, cached
        except Exception:  # noqa: BLE001 - odd prefixes: not a literal we can use
            return None
        return value if isinstance(value, str) else None
    return None


def argument(call: cst.Call, name: str, position: Optional[int]) -> Optional[cst.BaseExpression]:
    for i, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    if position is not None:
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(positional) > position:
            return positional[position].value
    return None


class _EnoughCode(Exception):
    pass


class _PrefixState(CodegenState):
    """Codegen that stops once the code, whitespace collapsed, is longer than `limit`: the
    collapsed text of a prefix is a prefix of the collapsed text of the whole, so the
    truncated evidence is the same. Evidence is built for many calls that are large."""

    def __init__(self, limit: int):
        super().__init__(default_indent="    ", default_newline="\n")  # cst.Module([])'s defaults
        self.limit = limit
        self.size = 0
        self.next_check = limit

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.size += len(value)
        if self.size > self.next_check:
            if len(" ".join("".join(self.tokens).split())) > self.limit:
                raise _EnoughCode
            self.next_check = self.size + self.limit


# (id(node), limit) -> (node, text) for the file being analysed: one dict per analysis (a
# context variable, so that analyses in threads or nested calls never share one)
_SHORT_CODES: contextvars.ContextVar = contextvars.ContextVar("initlint_short_codes", default=None)


def short_code(node: cst.CSTNode, limit: int = 90) -> str:
    key = (id(node), limit)
    cache = _SHORT_CODES.get()
    cached = cache.get(key) if cache is not None else None
    if cached is not None and cached[0] is node:
        return cached[1]
    state = _PrefixState(limit)
    try:
        node._codegen(state)
    except _EnoughCode:
        pass
    text = " ".join("".join(state.tokens).split())
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    if cache is not None:
        cache[key] = (node, text)  # the node is kept so that its id is not reused
    return text


# ---------------------------------------------------------------------------------------
# The file walk
# ---------------------------------------------------------------------------------------


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
    own_init_rules_done: bool = False
    routines: list = field(default_factory=list)
    used_in_flow: bool = False
    layer_subclass: Optional[str] = None  # base layer type when it subclasses nn.Linear/ConvNd


class FileAnalysis:
    def __init__(self, module: cst.Module, path: str, source: Optional[str] = None):
        self.module = module
        self.source = source  # the text parsed (module.code would codegen it all again)
        self.c_tree: Optional[ast.Module] = None  # CPython's ast of the same source, when analyze made one
        self.path = path
        self.imports = Imports(catalogue.package_of(path))
        self.classes: dict[str, ClassInfo] = {}
        self.functions: dict[str, cst.FunctionDef] = {}
        self.free_sites: list[Site] = []
        self.gain_calls: list[tuple] = []  # (name, node)
        self.import_end_stmt: Optional[cst.CSTNode] = None
        self.functions_used_by_classes: set[str] = set()
        self.references: dict[str, int] = {}  # class name -> uncalled references (passed as value)
        self.external_refs: dict[str, int] = {}  # ... of those, passed into calls of code in other files
        self.harmless_refs: dict[str, int] = {}  # ... of those, in super(X, self), repr(X) and the like
        self.local_arg_refs: dict[str, int] = {}  # ... of those, passed to this file's own classes and functions
        self.call_holder: dict[int, int] = {}  # id(call) -> index of the top-level statement holding it
        self.calls_in: dict[int, list] = {}  # id(FunctionDef) -> the calls in its body (not in nested defs)
        self.top_calls: dict[str, int] = {}  # class name -> calls outside any class
        self.sites_by_key: dict = {}
        self.call_sites: dict[str, list] = {}  # callee -> [(call, enclosing FunctionDef or None)]
        self.param_exits: dict = {}  # (class, param) -> ParamExitSite
        self.bindings: list = []  # (module value, class, param): a module passed to a constructor
        self.tuple_types: set[str] = set()  # namedtuple classes of this file (and their aliases)
        self.module_aliases: dict = {}  # top-level name -> the class expression it names (None: bound otherwise)
        self.resolving: set[str] = set()  # aliases being evaluated (`A = B; B = A` ends as unknown)
        self.variants: dict[str, list] = {}  # class name -> keys of its other definitions (if/else)
        # Filled by run(): once every class is summarised (their `contains` complete), and once
        # the init scan has found every class's init rules.
        self.contained: set[str] = set()  # class names some class of this file builds
        self.init_loops_over_unknown: list = []  # classes with init rules that build something unknown
        self.pending_lines: list = []  # (InitCall, node): calls whose line comes with the layers' positions
        self.loader: Optional["ModuleLoader"] = None  # other modules of the program, read on demand
        self.followed: list = []  # [path, class, layer, activation, param, evidence]: other modules' layers seen here
        # For the module summary (what other modules read of this one)
        self.builds: list = []  # (class name or None, qualified callee as written, call node)
        self.default_params: dict = {}  # activation evidence -> [class, param, default's qualified name]
        self.script_builds: dict = {}  # qualified callee -> [function passed to .apply(...)] in module code

    # -- collection -----------------------------------------------------------------------

    def collect(self) -> None:
        for stmt in self.module.body:
            self._collect_stmt(stmt, top=True)
        self._scan_references(self.module)

    def _collect_stmt(self, stmt: cst.CSTNode, top: bool) -> None:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    self.imports.add(small)
                    if top:
                        self.import_end_stmt = stmt
                elif isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                    value = small.value
                    name = small.targets[0].target.value
                    # `Linear = nn.Linear`, `Conv = partial(nn.Conv2d, bias=False)`: a name for a class;
                    # bound twice (or under a condition), it may be either: not an alias
                    alias = top and (isinstance(value, (cst.Name, cst.Attribute)) or (
                        isinstance(value, cst.Call) and dotted(value.func) in ("partial", "functools.partial")))
                    self.module_aliases[name] = value if alias and name not in self.module_aliases else None
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
                continue  # a Name has no child nodes
            if kind is Attribute:
                stack.append((node.value, in_class, fn, ext, top))
                continue
            if kind is Call:
                holder[id(node)] = top
                if fn is not None:
                    self.calls_in.setdefault(id(fn), []).append(node)
                self._note_gain_name(node)
                func = node.func
                callee = func.value if type(func) is Name else None
                if callee in ("isinstance", "issubclass", "type"):
                    continue
                if callee in _HARMLESS_BUILTINS:  # super(Block, self): not the class handed anywhere
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
                local = callee in classes or callee in functions or callee in _HARMLESS_BUILTINS \
                    or text.startswith("self.") or (
                    type(func) is Attribute and type(func.value) is Call
                    and dotted(func.value.func) == "super")  # fmt: skip
                for child in node.args:
                    stack.append((child, in_class, fn, not local, top))
                    if local and type(child.value) is Name and child.value.value in classes:
                        # _resnet(BasicBlock, ...), ResNet(block=BasicBlock): this file's own code builds it
                        self.local_arg_refs[child.value.value] = self.local_arg_refs.get(child.value.value, 0) + 1
                if callee not in classes:
                    stack.append((func, in_class, fn, ext, top))
                continue
            if kind is Annotation:
                continue
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
            for child in child_nodes(node):
                stack.append((child, in_class, fn, ext, top))

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
            node = None
            # **kwargs may carry anything; like a default, we take what is written
            positional = [a for a in call.args if a.keyword is None and not a.star]
            if _partial_of(call) == callee:
                positional = positional[1:]
            if param in names and names.index(param) < len(positional):
                node = positional[names.index(param)].value
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == param:
                    node = arg.value
            if node is None:
                continue
            value = self.static_value(node, enclosing, depth)
            if value is None:
                return None
            values.extend(value)
        return values

    def static_value(self, node: cst.BaseExpression, enclosing: Optional[cst.FunctionDef], depth: int) -> Optional[list]:
        """What a simple argument expression can be: class references, None, a caller's parameter."""
        if literal_number(node) is not None or isinstance(node, cst.SimpleString) or (
                isinstance(node, cst.Name) and node.value in ("True", "False")):  # fmt: skip
            return [("<literal>", node)]
        if isinstance(node, cst.Name):
            if node.value == "None":
                return [NONE_V]
            if enclosing is not None and node.value in {p.name.value for p in _all_params(enclosing)}:
                owner = enclosing.name.value
                if owner in self.functions and self.functions[owner] is enclosing:
                    return self.param_candidates(owner, node.value, depth + 1)
                return None
            if node.value in self.classes:
                return [ClassRefV(f"local:{node.value}")]
        q = self.imports.qualify(node)
        if q:
            return [ClassRefV(q)]
        return None

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

    def local_base(self, cls: ClassInfo) -> Optional[ClassInfo]:
        for base in cls.bases:
            if base.startswith("local:") and base[6:] in self.classes:
                return self.classes[base[6:]]
        return None

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
        cls.analysing = False

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
            chain = ChainV(registered_modules(cls.attrs), "sequential")
            ctx.summarise_chain(chain)
            cls.summary = chain.summary
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

    def as_passed(self, summary: Summary, inst: "InstV") -> Summary:
        """A summary of this module's class as another module's construction sees it: what a
        constructor default decided is unknown where that call passes another value."""
        if not self.default_params or not inst.passed:
            return summary
        replaced = []
        for activation, param, evidence in summary.entry:
            for key, (owner, name, default) in self.default_params.items():
                given = inst.passed.get(name, inst.passed.get("*"))
                if key in evidence and owner == inst.cls and given is not None and not (
                        isinstance(given, ClassRefV) and given.qualname == default):  # fmt: skip
                    activation, param, evidence = _passed_activation(given, name, inst.cls)
                    break
            replaced.append((activation, param, evidence))
        if replaced == summary.entry:
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
        self._run_module_code()
        for name, fn in self.functions.items():
            if name not in self.functions_used_by_classes:
                ctx = Context(self, None, fn, depth=0)
                ctx.bind_params(fn, self_bound=False)
                ctx.run_free_function()
        self.contained = set().union(*(c.contains for c in self.classes.values()))
        self._close_class_outputs()
        self._link_bindings()
        self._decide_inits()
        return self._file_model()

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
            return bool(name in flowing or self.references.get(name) or self._built_by_a_class(name))

        ordered = sorted(self.classes.values(), key=is_used)
        for cls in ordered:
            summary = cls.summary
            if summary is None:
                continue
            used = is_used(cls)
            for site in summary.exits:
                if isinstance(site, ActivationOutput) and not used and not site.feeds_layer:
                    for head in site.sites:
                        head.output_head = True
                        head.open_output = cls.name
                if not isinstance(site, Site) or site.outcomes:
                    continue
                shown = cls.node.name.value
                if used:
                    site.record("unknown", None, f"returned by {shown}.forward to a caller not known here")
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
                    site.record(activation, act_param, f"{evidence}, as {param}= of {cls_name}")

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
        for cls in self.classes.values():
            InitScanner(self, cls).scan()
        self._scan_outside_apply()
        containers = self._containment()
        self.init_loops_over_unknown = [c for c in self.classes.values() if c.contains_unknown and c.init_rules]
        for cls in self.classes.values():
            for site in cls.sites:
                self._decide_site_init(site, cls, containers)
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

    def rules_of_apply(self, fn_node: cst.BaseExpression, cls: Optional[ClassInfo]):
        """The function passed to .apply(...) and its (types, init call) branches; None if not in this file."""
        text = dotted(fn_node) or ""
        target: Optional[cst.FunctionDef] = None
        self_bound = False
        if text.startswith("self.") and cls is not None:
            found = self.method(cls, text[5:])
            target, self_bound = (found[1], True) if found else (None, False)
        elif text in self.functions:
            target = self.functions[text]
        elif isinstance(fn_node, cst.Call) and dotted(fn_node.func) in ("partial", "functools.partial") and fn_node.args:
            inner = dotted(fn_node.args[0].value) or ""
            target = self.functions.get(inner)
        if target is None:
            return None
        params = _positional_params(target)
        if self_bound or (params and params[0].name.value == "self"):
            params = params[1:]
        var = params[0].name.value if params else "m"
        scanner = InitScanner(self, cls) if cls is not None else InitScanner(self, None)
        return target, list(scanner.branches(target.body, var))

    def _scan_outside_apply(self) -> None:
        """`net = Net(); net.apply(weights_init)` in free functions and module code (the DCGAN idiom).

        It counts for a class when every construction of it outside classes is followed by an
        apply with a function of this file, and no class here builds it (else: unknown).
        """
        covered: dict[str, list] = {}
        bodies = [self.module.body] + [fn.body.body for fn in self.functions.values() if isinstance(fn.body, cst.IndentedBlock)]
        for body in bodies:
            built: dict[str, str] = {}
            for stmt in _flat_statements(body):
                if not isinstance(stmt, cst.SimpleStatementLine):
                    continue
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                        target = small.targets[0].target.value
                        cls_name, applied = self._constructed_class(small.value)
                        if cls_name is not None:
                            built[target] = cls_name
                            if applied is not None:
                                covered.setdefault(cls_name, []).append(applied)
                            elif cls_name.startswith("ext:"):
                                covered.setdefault(cls_name, [])  # built here, with no init (yet)
                        else:
                            built.pop(target, None)
                    value = small.value if isinstance(small, cst.Expr) else None
                    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.args:
                        receiver = dotted(value.func.value)
                        if value.func.attr.value == "apply" and receiver in built:
                            covered.setdefault(built[receiver], []).append(value.args[0].value)
                        elif isinstance(value.func.value, cst.Call):
                            cls_name, applied = self._constructed_class(value)
                            if cls_name is not None and applied is not None:
                                covered.setdefault(cls_name, []).append(applied)
        for cls_name in [name for name in covered if name.startswith("ext:")]:
            # read now, so that their calls get lines with the layers' positions
            found = [(fn_node, self.rules_of_apply(fn_node, None)) for fn_node in covered.pop(cls_name)]
            self.script_builds.setdefault(cls_name[4:], []).extend(found)
        for cls_name, fns in covered.items():
            cls = self.classes[cls_name]
            constructions = self.top_calls.get(cls_name, 0)
            complete = len(fns) >= constructions and not self._built_by_a_class(cls_name)
            for fn_node in fns:
                found = self.rules_of_apply(fn_node, None)
                text = dotted(fn_node) or short_code(fn_node, 40)
                if found is None:
                    cls.init_rules.append(InitRule(None, None, f"`.apply({text})` with a function not in this file", "unknown"))
                    continue
                target, branches = found
                state = "explicit" if complete else "unknown"
                where = f"`.apply({text})` on {cls_name}(...)" + ("" if complete else " in some of its uses")
                for types, call in branches:
                    cls.init_rules.append(InitRule(types, call, where, state))
                cls.routines.append(target.name.value)

    def _constructed_class(self, node: cst.BaseExpression) -> tuple:
        """Net(...), Net(...).to(device), Net(...).apply(fn): (class name, fn passed to apply or None)."""
        applied = None
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Call):
            if node.func.attr.value == "apply" and node.args:
                applied = node.args[0].value
            elif node.func.attr.value not in ("to", "cuda", "cpu", "float", "double", "half", "train", "eval"):
                return None, None
            node = node.func.value
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in self.classes:
            return node.func.value, applied
        if isinstance(node, cst.Call):
            q = self.imports.qualify(node.func)
            if q and not q.startswith(("torch.", "builtins.")):
                return f"ext:{q}", applied  # a class of another module, perhaps: the program stage resolves it
        return None, None

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
        if site.explicit_init is not None or site.init_state is not None:
            return
        if site.subclass_init:
            site.init_state, site.init_evidence = "explicit", site.subclass_init
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
        handed = [name for name in sorted(holders | {cls.name}) if self.external_refs.get(name)]
        if handed:
            site.init_state = "unknown"
            site.init_evidence = f"{handed[0]} is passed to code in another file, which may initialise it"
            return
        site.init_state, site.init_evidence = "default", "no init found for it in this file"
        site.init_open = True

    def handed(self, name: str) -> bool:
        """Is the class referenced as a value (model_cls = Net; build(Net, ...)), so that code not
        seen here may build it with any arguments?"""
        if self.external_refs.get(name):
            return True
        return self.references.get(name, 0) > self.harmless_refs.get(name, 0) + self.local_arg_refs.get(name, 0)

    def _may_be_standalone(self, cls: ClassInfo) -> bool:
        return bool(self.top_calls.get(cls.name))

    def _covering_rule(self, cls: ClassInfo, site: Site):
        """The first init rule of `cls` that reaches `site` (a site of cls itself or of a class it contains)."""
        own = site in cls.sites
        for rule in cls.init_rules:
            if rule.types is not None and not _type_matches(site, rule.types):
                continue
            if rule.prefix is None:
                return (rule.call, rule.evidence, rule.state)
            if own and site.name and (site.name == rule.prefix or site.name.startswith(rule.prefix + ".")):
                return (rule.call, rule.evidence, rule.state)
            if not own or not site.name:
                return (None, f"{rule.evidence}, which may or may not reach it", "unknown")
        return None

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
        pending = self.pending_lines
        nodes += [node for _, node in pending]
        holders = dict(self.call_holder)
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
        if self.import_end_stmt is not None:
            nodes.append(self.import_end_stmt)
            for index, stmt in enumerate(self.module.body):
                if stmt is self.import_end_stmt:
                    holders[id(stmt)] = index
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
        seen_positions: set = set()
        for class_name, site in all_sites:
            span = spans.get(id(site.node))
            if span is None:
                continue
            (line, col), (end_line, end_col) = span
            key = (line, col, site.name, class_name)
            if key in seen_positions:
                continue
            seen_positions.add(key)
            real_name = self.classes[class_name].node.name.value if class_name else None  # Block@2 -> Block
            layer = self._layer(site, real_name, line, col, end_line, end_col, spans, lines, init_alias)
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
        fm.modules = list(modules.values())
        for name, node in self.gain_calls:
            span = spans.get(id(node))
            if span:
                (line, col), (end_line, end_col) = span
                fm.gain_calls.append(GainCall(name, line, col + 1, end_line, end_col + 1))
        fm.summary = self._module_summary(spans)
        return fm

    def _module_summary(self, spans: dict) -> ModuleSummary:
        """What other modules may read of this one (the program stage links them)."""
        summary = ModuleSummary(path=self.path, imports=dict(self.imports.names), followed=list(self.followed))
        class_lines = _class_lines(self.c_tree)
        for key, cls in self.classes.items():
            init = self.method(cls, "__init__")
            params = [p.name.value for p in _positional_params(init[1])[1:]] if init else []
            if init:
                params += [p.name.value for p in init[1].params.kwonly_params]
            rules = [_rule_fact(rule) for rule in cls.init_rules]
            summary.classes[key] = ClassFact(
                name=cls.node.name.value, line=class_lines.get(cls.node.name.value, 0), bases=list(cls.bases),
                params=params, contains=sorted(cls.contains), rules=rules,
                standalone=bool(self.top_calls.get(cls.node.name.value)),
            )  # fmt: skip
        for inside, callee, call in self.builds:
            span = spans.get(id(call))
            line = span[0][0] if span else 0
            summary.builds.append(BuildFact(callee, line, self._arg_facts(call, inside), inside))
        for callee, fns in self.script_builds.items():
            applied = []
            for fn_node, found in fns:
                text = dotted(fn_node) or short_code(fn_node, 40)
                if found is None:
                    applied.append(InitRuleFact(None, "unknown", f"`.apply({text})` with a function not in {self.path}"))
                    continue
                for types, call in found[1]:
                    fact = InitRuleFact(sorted(types) if types is not None else None, "explicit",
                                        f"`.apply({text})` in {self.path}", call.line if call else 0, call)  # fmt: skip
                    if call is not None and call.undecided:
                        fact.state = "unknown"
                    applied.append(fact)
            summary.builds.append(BuildFact(callee, 0, {}, None, applied))
        return summary

    def _arg_facts(self, call: cst.Call, inside: Optional[str]) -> dict:
        """Each argument of a construction, as far as another module needs to read it."""
        init = self.method(self.classes[inside], "__init__") if inside in self.classes else None
        own_params = {p.name.value for p in _all_params(init[1])} if init else set()
        out: dict = {}
        position = 0
        for arg in call.args:
            if arg.star:
                out["*"] = ["unknown", "*args"]
                continue
            key = arg.keyword.value if arg.keyword is not None else str(position)
            position += arg.keyword is None
            out[key] = self._arg_fact(arg.value, own_params)
        return out

    def _arg_fact(self, node: cst.BaseExpression, own_params: set) -> list:
        if isinstance(node, cst.Name):
            if node.value == "None":
                return ["none"]
            if node.value in own_params:
                return ["param", node.value]
            if node.value in self.classes:
                return ["class", f"local:{node.value}"]
        if literal_number(node) is not None or literal_string(node) is not None:
            return ["literal", short_code(node, 60)]
        q = self.imports.qualify(node)
        if q:
            return ["class", q]
        return ["unknown", short_code(node, 60)]

    def _layer(self, site, class_name, line, col, end_line, end_col, spans, lines, init_alias) -> Layer:
        activation, param, evidence = resolve_outcomes(site.outcomes, site.split_by)
        init = site.init_state or ("explicit" if site.explicit_init else "default")
        init_evidence = site.init_evidence
        if site.explicit_init is not None and not init_evidence:
            init_evidence = f"{site.explicit_init.text} (line {site.explicit_init.line})"
        layer = Layer(
            path=self.path,
            line=line,
            column=col + 1,
            end_line=end_line,
            end_column=end_col + 1,
            class_name=class_name,
            name=site.name,
            layer_type=site.layer_type,
            activation=activation,
            activation_param=param,
            activation_evidence=evidence,
            init=init,
            init_evidence=init_evidence,
            init_call=site.explicit_init,
            output_head=site.output_head,
            init_open=site.init_open,
            open_output=site.open_output,
            activation_defaults=[fact for key, fact in self.default_params.items()
                                 if any(key in evidence for _, _, evidence in site.outcomes)],  # fmt: skip
        )
        rec = catalogue.recommend(activation, param)
        layer.weight = site.weight or self._weight_from_name(site)
        layer.container = None if layer.weight else (site.loop_over or self._container_of(site))
        if rec is not None:
            layer.recommended = catalogue.one_line(catalogue.init_code(
                rec, layer.weight or "layer.weight", init_alias or "torch.nn.init", loop_over=layer.container))
        layer.fix = self._fix_plan(site, spans, lines)
        if layer.fix.reason is None and CONSTRUCTOR_DEFAULT.search(evidence):
            # Callers in other files may pass another activation than the default.
            layer.fix.unsafe_reason = "the activation is a constructor parameter's default"
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
        shrinks = []
        for member in chain:
            if member.norm is None:
                activation, param, _ = resolve_outcomes(member.outcomes)
                init = member.init_state or ("explicit" if member.explicit_init else "default")
                shrinks.append(catalogue.shrink(activation, param, init))
        layer.impact = catalogue.chain_impact(shrinks)

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
        if site.fix_reason or site.anchor is None or not (site.weight or site.loop_over):
            return FixPlan(reason=site.fix_reason or "no statement binds this layer to a name")
        span = spans.get(id(site.anchor))
        if span is None:
            return FixPlan(reason="no position for its statement")
        (line, _), _ = span
        end_line = _end_line(span)
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        indent = text[: len(text) - len(text.lstrip(" \t"))]
        return FixPlan(insert_after_line=end_line, indent=indent, weight=site.weight or "", loop_over=site.loop_over)

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
    return InitRuleFact(types, state, rule.evidence, call.line if call else 0, call, rule.prefix is not None)


def _end_line(span) -> int:
    (_, _), (end_line, end_col) = span
    return end_line - 1 if end_col == 0 else end_line


def _blocks(stmt: cst.CSTNode) -> Iterator[list]:
    """The statement lists directly inside a compound statement."""
    for attr in ("body", "orelse", "finalbody"):
        part = getattr(stmt, attr, None)
        if part is None:
            continue
        if isinstance(part, (cst.If,)):
            yield from _blocks(part)
            yield_body = None  # noqa: F841 - If in orelse is an elif, its blocks came above
            continue
        inner = getattr(part, "body", None)
        if isinstance(inner, cst.BaseSuite):
            inner = inner.body
        if isinstance(part, cst.BaseSuite):
            inner = part.body
        if isinstance(inner, (list, tuple)):
            yield list(inner)
    for handler in getattr(stmt, "handlers", ()) or ():
        yield list(handler.body.body)


def _type_matches(site: "Site", types: frozenset) -> bool:
    """Does an isinstance / class-name test of an init routine take this layer?"""
    return catalogue.init_types_match(site.layer_type, site.local_class, types)


def resolve_outcomes(outcomes: list, split_by: Optional[str] = None) -> tuple[str, Optional[float], str]:
    if not outcomes:
        return "unknown", None, "its output is not followed anywhere in this file"
    distinct = {}
    for activation, param, evidence in outcomes:
        distinct.setdefault((activation, None if param is None else round(param, 6)), evidence)
    if len(distinct) == 1:
        (activation, param), evidence = next(iter(distinct.items()))
        return activation, param, evidence
    if all(a == "unknown" for a, _ in distinct):
        return "unknown", None, next(iter(distinct.values()))
    names = sorted({catalogue.display_name(a, p) for a, p in distinct})
    if split_by:  # GLU, GEGLU, SwiGLU: a gated half and an activated half; no gain is right for both
        return "unknown", None, f"its output is split by {split_by} and the parts meet different ops: " + ", ".join(names)
    return "unknown", None, "followed by different things in different uses: " + ", ".join(names)


# ---------------------------------------------------------------------------------------
# Abstract interpretation of one function body
# ---------------------------------------------------------------------------------------


class Context:
    """Interprets one function (an __init__, a forward, a helper) over the abstract values."""

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
        self.branches: tuple = ()  # which ones, outermost first: (id(if), "body" | "else")
        self.early_exits: list = []  # the attributes at each `return` of a constructor

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
                self.env[name] = self.param_value(name, default)
        for star in (fn.params.star_arg, fn.params.star_kwarg):
            if isinstance(star, cst.Param):
                self.env[star.name.value] = UnknownV(f"*{star.name.value}")

    def param_value(self, name: str, default: object) -> object:
        """A parameter of a constructor or top-level helper: its default, unless calls here pass others."""
        owner = None
        if self.depth == 0 and self.cls is not None and self.in_init:
            owner = self.cls.name
        elif self.depth == 0 and self.cls is None:
            owner = self.fn.name.value
        if owner is not None and self.cls is not None and self.fa.loader is not None and self.fa.handed(owner):
            # handed to code that builds it (build_model_with_cfg(Net, **kwargs)): its arguments are not seen
            return ParamV(name, UnknownV(f"parameter {name}: {owner} is built by code it is handed to"), owner)
        passed = self.fa.param_candidates(owner, name) if owner else []
        if passed is None:
            return ParamV(name, UnknownV(f"parameter {name} (callers pass values not known here)"))
        if not passed:
            return ParamV(name, default if default is not None else UnknownV(f"parameter {name}"), owner)
        values = list(passed)
        if default is not None:  # built from other files too, where the default applies
            values.append(default)
        value = values[0]
        for other in values[1:]:
            if not (isinstance(other, ClassRefV) and isinstance(value, ClassRefV) and other.qualname == value.qualname):
                value = alternative(value, other)
        if isinstance(value, ClassRefV) or value == NONE_V:
            return ParamV(name, value, owner)
        return value

    # -- statements -----------------------------------------------------------------------

    def run_init(self) -> None:
        self.run_block(self.fn.body)
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
        for value in self.returns:
            exits |= self.as_flow(value).sites
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
        for stmt in block.body:
            self.run_stmt(stmt)
            if _jumps(stmt):
                break  # what follows never runs: no layer, init or use there counts

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
        elif isinstance(stmt, cst.With):
            self.run_block(stmt.body)
        elif isinstance(stmt, cst.Try):
            self.run_block(stmt.body)
            for handler in stmt.handlers:
                self.run_block(handler.body)
            if stmt.orelse:
                self.run_block(stmt.orelse.body)
            if stmt.finalbody:
                self.run_block(stmt.finalbody.body)
        elif isinstance(stmt, cst.FunctionDef):
            # a nested helper (`def block(in_feat, out_feat): ... return layers`): inlined where it is
            # called; a decorator may make it anything
            name = stmt.name.value
            self.env[name] = UnknownV(f"{name} (decorated)") if stmt.decorators else FunctionRefV(name, stmt, self.env)
        elif isinstance(stmt, cst.ClassDef):
            return

    def run_if(self, stmt: cst.If) -> None:
        taken = self.static_condition(stmt.test)
        if taken is True:
            self.run_block(stmt.body)
            return
        if taken is False:
            if isinstance(stmt.orelse, cst.If):
                self.run_if(stmt.orelse)
            elif stmt.orelse is not None:
                self.run_block(stmt.orelse.body)
            return
        before = dict(self.env)
        attrs_before = dict(self.attrs)
        marks = self.chain_marks()
        self.nesting += 1
        self.conditional += 1
        outer = self.branches
        self.branches = outer + ((id(stmt), "body"),)
        self.run_block(stmt.body)
        body_added = self.take_added(marks)
        after_body = self.env
        attrs_after_body = dict(self.attrs)
        self.env = dict(before)
        # in place: inlined helpers and the class share this dict
        self.attrs.clear()
        self.attrs.update(attrs_before)
        self.branches = outer + ((id(stmt), "else"),)
        if isinstance(stmt.orelse, cst.If):
            self.run_if(stmt.orelse)
        elif stmt.orelse is not None:
            self.run_block(stmt.orelse.body)
        self.branches = outer
        self.nesting -= 1
        self.conditional -= 1
        else_added = self.take_added(marks)
        for chain, _ in marks:
            added, other = body_added.get(id(chain), []), else_added.get(id(chain), [])
            if added or other:
                chain.items.append(("<alt>", [added, other]))
        self.env = merge_envs(after_body, self.env)
        # `if act: self.act = ACT2FN[name] else: self.act = None`: either branch's module
        for name, value in attrs_after_body.items():
            other = self.attrs.get(name)
            if other is not value:
                self.attrs[name] = value if other is None else alternative(value, other)

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
            return None
        if isinstance(test, (cst.Name, cst.Attribute)):
            value = self.held_value(test)
            if value == NONE_V:
                return False
            if isinstance(value, tuple) and value and value[0] == "<literal>":
                literal = value[1]
                if isinstance(literal, cst.Name):
                    return literal.value == "True"
                number = literal_number(literal)
                if number is not None:
                    return bool(number)
        return None

    def held_value(self, node: cst.BaseExpression) -> Optional[object]:
        """What a local name certainly holds here (its default, a class, a literal), else None.

        Not self attributes: forward's `if self.downsample is not None` is about a module that
        callers this file does not show may pass.
        """
        if not isinstance(node, cst.Name):
            return None
        value = self.env.get(node.value)
        if isinstance(value, ParamV):
            value = value.default
        if value == NONE_V or isinstance(value, ClassRefV):
            return value
        if isinstance(value, tuple) and value and value[0] == "<literal>":
            return value
        return None

    def run_loop(self, stmt: Union[cst.For, cst.While]) -> None:
        if self.cls is None and isinstance(stmt, cst.For) and _iterates_modules(stmt.iter) \
                and isinstance(stmt.iter.func, cst.Attribute):  # fmt: skip
            self.init_loop(stmt)
        before = dict(self.env)
        if isinstance(stmt, cst.For):
            self.bind_loop_target(stmt)
        marks = self.chain_marks()
        self.nesting += 1
        self.run_block(stmt.body)
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
        self.apply_init_rules(sites_in(receiver), branches, where)

    def bind_loop_target(self, stmt: cst.For) -> None:
        """for layer in self.layers / for i, layer in enumerate(...) / for a, b in zip(...)."""
        target, iterable = stmt.target, stmt.iter
        pairs: list = [(target, iterable)]
        func = dotted(iterable.func) if isinstance(iterable, cst.Call) else None
        if func in ("enumerate", "zip", "reversed") and iterable.args:
            args = [a.value for a in iterable.args if a.keyword is None]
            if func == "reversed":
                pairs = [(target, args[0])]
            elif func == "enumerate" and isinstance(target, cst.Tuple) and len(target.elements) == 2:
                pairs = [(target.elements[0].value, None), (target.elements[1].value, args[0])]
            elif func == "zip" and isinstance(target, cst.Tuple) and len(target.elements) == len(args):
                pairs = [(element.value, arg) for element, arg in zip(target.elements, args)]
            else:
                pairs = [(target, None)]
        for name_node, source in pairs:
            element: object = UnknownV("loop element")
            if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute) and not source.args \
                    and source.func.attr.value == "values":  # fmt: skip
                source = source.func.value  # for layer in self.heads.values(): a ModuleDict's modules
            if isinstance(source, cst.Subscript) and len(source.slice) == 1 \
                    and isinstance(source.slice[0].slice, cst.Slice):  # fmt: skip
                source = source.value  # for layer in self.layers[:n]: some of the list's modules
            if source is not None and self.plain_iterable(source):
                element = list_element(self.eval_module(source, bind_site=False))
            if isinstance(name_node, cst.Name):
                self.env[name_node.value] = element
            else:
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
        if isinstance(small, cst.Assign):
            value = self.eval(small.value, small)
            for target in small.targets:
                self.assign(target.target, value, small.value)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self.assign(small.target, self.eval(small.value, small), small.value)
        elif isinstance(small, cst.AugAssign):
            self.aug_assign(small)
        elif isinstance(small, cst.Expr):
            self.eval(small.value, small)
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
        elif isinstance(target, cst.Attribute) and dotted(target.value) == self.self_name:
            attr = target.attr.value
            self.attrs[attr] = value
            if self.cls is not None:
                self.name_sites(value, attr, value_node, f"{self.self_name}.{attr}")
        elif isinstance(target, (cst.Tuple, cst.List)):
            starred = any(isinstance(e, cst.StarredElement) for e in target.elements)
            if isinstance(value, TupleV) and not starred and len(value.items) == len(target.elements):
                for element, item in zip(target.elements, value.items):
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

    def in_init_like(self) -> bool:
        return self.in_init or self.cls is None or self.report_node is not None or True

    def bind_site(self, site: Site, local: str, value_node: cst.CSTNode) -> None:
        """A layer bound to a local name: the fix goes right after that statement."""
        if self.report_node is not None:
            return
        if self.block_is_suite:
            site.fix_reason = ONE_LINE_COMPOUND
            return
        site.anchor = self.current_stmt
        site.weight = f"{local}.weight"

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
            instance = self.transformers_activation_instance(q)
            if instance is not None:
                return instance
            return ClassRefV(q) if q else UnknownV(node.value)
        if isinstance(node, cst.Attribute):
            base = dotted(node.value)
            if base == self.self_name:
                return self.attrs.get(node.attr.value, UnknownV(f"self.{node.attr.value}"))
            q = self.fa.imports.qualify(node)
            if q:
                return ClassRefV(q)
            return UnknownV(short_code(node))
        if isinstance(node, (cst.Call, cst.BinaryOperation)) and literal_number(node) is not None:
            return ("<literal>", node)  # np.sqrt(2), 1 / 3: a number, e.g. a gain's default
        if isinstance(node, cst.Call):
            return self.eval_module_call(node)
        if isinstance(node, (cst.List, cst.Tuple)):
            items = []
            for element in node.elements:
                if isinstance(element, cst.StarredElement):
                    inner = self.eval_module(element.value)
                    items.extend(inner.items if isinstance(inner, ChainV) else [(None, inner)])
                else:
                    items.append((None, self.eval_module(element.value)))
            return ChainV(items, "list")
        if isinstance(node, (cst.ListComp, cst.GeneratorExp)):
            saved = dict(self.env)
            for comp in _comp_fors(node.for_in):
                for name in _names_in(comp.target):
                    self.env[name] = UnknownV("comprehension variable")
            element = self.eval_module(node.elt)
            self.env = saved
            return ChainV([("<loop>", [(None, element)])], "list")
        if isinstance(node, cst.IfExp):
            taken = self.static_condition(node.test)
            if taken is not None:
                return self.eval_module(node.body if taken else node.orelse)
            body = self.eval_module(node.body)
            orelse = self.eval_module(node.orelse)
            for site in sites_in(body) + sites_in(orelse):
                site.fix_reason = site.fix_reason or CONDITIONAL_VALUE
            return alternative(body, orelse)
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            left = self.eval_module(node.left)
            right = self.eval_module(node.right)
            for site in sites_in(right):
                site.fix_reason = site.fix_reason or CONDITIONAL_VALUE
            if isinstance(left, ParamV) and left.default in (NONE_V, None):
                # `act_layer or nn.ReLU`: still the parameter, whose default is now the right side
                return ParamV(left.name, right, left.owner) if isinstance(right, ClassRefV) else right
            if left == NONE_V:
                return right
            return alternative(left, right)
        if isinstance(node, cst.Subscript):
            if catalogue.is_transformers(self.fa.imports.qualify(node.value), catalogue.TRANSFORMERS_ACT2FN_NAME):
                return self.transformers_activation(self.subscript_key(node), f"`{short_code(node)}`")
            base = self.eval_module(node.value)
            if not isinstance(base, ChainV):
                return UnknownV(f"`{short_code(node)}`")
            exact = exact_element(base, node)
            return exact if exact is not None else list_element(base)
        if isinstance(node, cst.Dict):
            items = []
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    key = literal_string(element.key)
                    items.append((key or "*", self.eval_module(element.value)))
            return ChainV(items, "list")
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString, cst.ConcatenatedString)):
            return ("<literal>", node)
        return UnknownV(f"`{short_code(node)}`")

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
        if value is None or name in self.fa.resolving:
            return None
        self.fa.resolving.add(name)
        try:
            found = self.eval_module(value, bind_site=False)
        finally:
            self.fa.resolving.discard(name)
        return found if isinstance(found, ClassRefV) else None

    def eval_module_call(self, call: cst.Call) -> object:
        func = call.func
        # list building inside constructors: layers.append(x), layers.extend([...])
        if isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend", "insert", "add_module"):
            holder_name = dotted(func.value)
            holder = self.env.get(holder_name) if holder_name in self.env else None
            if holder is None and holder_name and holder_name.startswith(f"{self.self_name}."):
                holder = self.attrs.get(holder_name.split(".", 1)[1])
            if isinstance(holder, ChainV):
                start = len(holder.items)
                if func.attr.value == "append" and call.args:
                    holder.items.append((None, self.eval_module(call.args[0].value)))
                elif func.attr.value == "extend" and call.args:
                    inner = self.eval_module(call.args[0].value)
                    holder.items.extend(inner.items if isinstance(inner, ChainV) else [(None, inner)])
                elif func.attr.value == "add_module" and len(call.args) >= 2:
                    key = literal_string(call.args[0].value) or "*"
                    value = self.eval_module(call.args[1].value)
                    holder.items.append((key, value))
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
                return NONE_V
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
        found = self.transformers_activation_call(call, self.fa.imports.qualify(func))
        if found is not None:
            return found
        callee = self.eval_module(func, bind_site=False)
        return self.call_module_value(callee, call)

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
                match = next((call for types, call in branches if _type_matches(site, types)), None)
                if match is None:
                    continue
                state, evidence, init = "explicit", where, match
                if self.conditional and site.branches[: len(self.branches)] != self.branches:
                    state, evidence, init = "unknown", f"{where} runs only under a condition not decided here", None
            self.fa._apply_rule(site, (init, evidence, state))

    def inline_constructor_method(self, fn: cst.FunctionDef, call: cst.Call) -> object:
        """self._make_layer(...) inside __init__: its layers belong to this class, at their own lines."""
        ctx = Context(self.fa, self.cls, fn, self.depth + 1, report_node=self.report_node, home=self.home)
        ctx.attrs = self.attrs
        ctx.in_init = True
        ctx.nesting = self.nesting
        ctx.conditional = self.conditional
        ctx.branches = self.branches
        ctx.bind_params(fn, self_bound=True, args=self.call_args(fn, call, skip_self=True))
        ctx.run_block(fn.body)
        if not ctx.returns:
            return NONE_V
        value = ctx.returns[0]
        for other in ctx.returns[1:]:
            value = alternative(value, other)
        return value

    def call_module_value(self, callee: object, call: cst.Call) -> object:
        if isinstance(callee, ParamV):
            default = callee.default
            if isinstance(default, ClassRefV):
                overridden = self.param_override(callee.name)
                value = self.call_module_value(overridden or default, call)
                if isinstance(value, ActV) and overridden is None:
                    value = ActV(value.activation, value.param, f"{callee.name} default {_short_ref(default)}")
                    if callee.owner is not None and self.fa.classes.get(callee.owner) is not None:
                        # callers in other modules may pass another class: the program stage looks
                        self.fa.default_params[value.evidence] = [callee.owner, callee.name, default.qualname]
                return value
            return UnknownV(f"built by parameter {callee.name}")
        if isinstance(callee, ClassRefV):
            return self.construct(callee, call)
        if isinstance(callee, FunctionRefV) and callee.node is not None:
            return self.call_nested_helper(callee, call)
        if isinstance(callee, ChainV) and callee.kind == "alt":
            options = [self.call_module_value(v, call) for _, v in callee.items]
            value = options[0]
            for other in options[1:]:
                value = alternative(value, other)
            if not all(isinstance(option, LayerV) for option in options):
                for site in sites_in(value):  # `make_conv_cls = nn.Conv2d if c else CausalConv`
                    site.fix_reason = site.fix_reason or CONDITIONAL_CLASS
            return value
        if isinstance(callee, UnknownV) and self.cls is not None:
            self.cls.contains_unknown = True
        return UnknownV(f"`{short_code(call.func)}(...)`")

    def param_override(self, name: str) -> Optional[object]:
        return None

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
                if "reset_parameters" in cls.methods:
                    site.subclass_init = f"{name} overrides reset_parameters"
                return LayerV(site)
            kind = self.fa.container_kind(cls)
            if kind is not None and self.fa.method(cls, "__init__") is None and self.fa.forward_of(cls) is None:
                return self.build_container(kind, given)  # class Seq(nn.Sequential): pass
            if self.cls is not None:
                self.cls.contains.add(name)
            found = self.fa.method(cls, "__init__")
            if found is not None:
                for param, value in self.call_args(found[1], given, skip_self=True).items():
                    if isinstance(value, (ChainV, LayerV, InstV)):
                        self.fa.bindings.append((value, name, param))
            return InstV(name)
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
            return UnknownV(f"`{short_code(call, 50)}`")
        if q.endswith(("Conv2dNormActivation", "Conv3dNormActivation", "Conv1dNormActivation", "ConvNormActivation")):
            return self.conv_norm_activation(call)
        if q.startswith("func:"):
            return self.call_helper(q[5:], call, given=given)
        found = self.home.loader.lookup(self.fa, q) if self.home.loader is not None else None
        if self.cls is not None and self.fa is self.home:
            self.fa.builds.append((self.cls.name, q, call))
        if found is not None and found[0] == "function" and self.cls is not None:
            # a factory of another module (timm's create_conv2d), where a class builds its layers;
            # free functions (timm's hundred `resnet18()`-style registrations) are not followed there
            value = self.call_helper(found[2], call, module=found[1], given=given)
            if not isinstance(value, UnknownV):
                return value
        elif found is not None and found[0] == "class":  # a class of another module
            return self.construct_foreign(found[1], found[1].classes[found[2]], call)
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
            if "reset_parameters" in cls.methods:
                site.subclass_init = f"{cls.name} (in {module.path}) overrides reset_parameters"
            return LayerV(site)
        found = module.method(cls, "__init__")
        passed: dict = {}
        if found is not None:
            for param, value in self.call_args(found[1], call, skip_self=True).items():
                passed[param] = value
            if any(arg.star for arg in call.args):
                passed["*"] = UnknownV("*args")
        return InstV(cls.name, module, passed)

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

    def transparent_if_norm(self, value: object, node: cst.CSTNode) -> object:
        if isinstance(value, ParamV) and isinstance(value.default, ClassRefV):
            value = value.default
        if isinstance(value, ClassRefV) and torch_nn_name(value.qualname) in catalogue.TRANSPARENT_MODULES:
            return TransparentV(value.qualname)
        return UnknownV(short_code(node))

    def eval_plain_container(self, call: cst.Call) -> object:
        if not call.args:
            return ChainV([], "list")
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
            return ChainV(items, "list")
        return inner

    def build_container(self, kind: str, call: cst.Call) -> object:
        items: list = []
        for arg in call.args:
            if arg.keyword is not None:
                continue
            value = self.eval_module(arg.value)
            if arg.star == "*":
                items.extend(value.items if isinstance(value, ChainV) else [("*", value)])
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
                flow = Flow(flow.sites | once.sites | twice.sites)
            elif key == "<alt>":
                merged: set = set()
                for branch in value:
                    merged |= self.flow_items(branch, flow, where).sites
                flow = Flow(frozenset(merged))
            else:
                flow = self.as_flow(self.apply_module(value, flow, f"next in {where}"))
        return flow

    def call_helper(self, name: str, call: cst.Call, module: Optional[FileAnalysis] = None,
                    given: Optional[cst.Call] = None) -> object:  # fmt: skip
        """Inline a function of this module (or of `module`, another module of the program);
        `given`: the arguments it receives when they differ from the call's (a partial)."""
        owner = module or self.fa
        fn = owner.functions.get(name)
        if fn is None or self.depth >= MAX_INLINE_DEPTH:
            return UnknownV(f"{name}(...)")
        if (self.cls is not None or self.fn.name.value == MODULE_CODE) and module is None:
            self.fa.functions_used_by_classes.add(name)
        ctx = Context(owner, self.cls, fn, self.depth + 1, report_node=self.report_node or call, home=self.home)
        ctx.in_init = True
        ctx.nesting = self.nesting
        ctx.conditional = self.conditional
        ctx.branches = self.branches
        ctx.attrs = {}
        ctx.bind_params(fn, self_bound=False, args=self.call_args(fn, given or call))
        ctx.run_block(fn.body)
        values = [v for v in ctx.returns]
        if not values:
            return UnknownV(f"{name}(...) returns nothing known")
        value = values[0]
        for other in values[1:]:
            value = alternative(value, other)
        return value

    def call_nested_helper(self, ref: FunctionRefV, call: cst.Call) -> object:
        """A helper defined in this function, called in constructor code: run with the names it
        closes over, its layers reported at this call (like a helper of the file)."""
        if self.depth >= MAX_INLINE_DEPTH:
            return UnknownV(f"{ref.name}(...)")
        fn = ref.node
        ctx = Context(self.fa, self.cls, fn, self.depth + 1, report_node=self.report_node or call, home=self.home)
        ctx.in_init = True
        ctx.nesting = self.nesting
        ctx.conditional = self.conditional
        ctx.branches = self.branches
        ctx.attrs = self.attrs  # `self` is a name it closes over
        ctx.self_name = self.self_name
        ctx.env = dict(ref.closure or {})
        ctx.bind_params(fn, self_bound=False, args=self.call_args(fn, call))
        ctx.run_block(fn.body)
        if not ctx.returns:
            return UnknownV(f"{ref.name}(...) returns nothing known")
        value = ctx.returns[0]
        for other in ctx.returns[1:]:
            value = alternative(value, other)
        return value

    def call_args(self, fn: cst.FunctionDef, call: cst.Call, skip_self: bool = False) -> dict:
        params = _positional_params(fn)
        if skip_self and params:
            params = params[1:]
        names = [p.name.value for p in params] + [p.name.value for p in fn.params.kwonly_params]
        bound: dict = {}
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if any(a.star for a in call.args):
            return {}
        for param_name, arg in zip(names, positional):
            bound[param_name] = self.arg_value(arg.value)
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in names:
                bound[arg.keyword.value] = self.arg_value(arg.value)
        return bound

    def arg_value(self, node: cst.BaseExpression) -> object:
        value = self.eval_module(node, bind_site=False) if self.in_init or self.cls is None else UnknownV("arg")
        if isinstance(value, (ClassRefV, ActV, ParamV, TransparentV, ChainV, LayerV, InstV)) or value == NONE_V:
            return value
        if isinstance(value, tuple) and value and value[0] == "<literal>":
            return value
        return UnknownV(short_code(node))

    def new_site(self, layer_type: str, call: cst.Call) -> Site:
        node = self.report_node or call
        class_name = self.cls.name if self.cls is not None else None
        key = (id(node), class_name, id(call))
        home = self.home
        if key in home.sites_by_key:  # the same code run again (a method called twice, a loop)
            return home.sites_by_key[key]
        site = Site(layer_type=layer_type, node=node, class_name=class_name, branches=self.branches,
                    module_path=home.path)  # fmt: skip
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
        return value if isinstance(value, Flow) else OPAQUE

    def consume(self, flow: Flow, activation: str, param: Optional[float], evidence: str) -> None:
        for site in flow.sites:
            site.record(activation, param, evidence)
            if type(site) is Site and site.module_path != self.home.path:
                # what follows another module's layer here: that module's analysis cannot see it
                self.home.followed.append([site.module_path, site.class_name, site.name, activation, param, evidence])

    def apply_module(self, value: object, flow: Flow, evidence: str, extras: Optional[dict] = None) -> object:
        """Feed a flow through a module value; return the flow at its output (a TupleV when
        the module is a class of this file whose forward returns a tuple). `extras`: flows
        for the other inputs of a class of this file, by parameter name."""
        flow = self.as_flow(flow)
        if isinstance(value, ParamV):
            default = value.default
            if isinstance(default, ClassRefV):
                return self.apply_module(self.construct_for_flow(default), flow, f"{value.name} default")
            self.consume(flow, "unknown", None, f"goes into module from parameter {value.name}")
            if self.cls is None:
                return OPAQUE
            key = (self.cls.name, value.name)
            exit_site = self.fa.param_exits.setdefault(key, InputSite(f"{self.cls.name}({value.name}=...)"))
            return Flow(frozenset({exit_site}))
        if isinstance(value, LayerV):
            self.consume(flow, "none", None, f"feeds another {value.site.layer_type} ({evidence})")
            feed_layer(flow, [value.site])
            return Flow(frozenset({value.site}))
        if isinstance(value, ActV):
            self.consume(flow, value.activation, value.param, f"{value.evidence} ({evidence})")
            return activated(flow)
        if isinstance(value, TransparentV):
            note_norm(flow, value.what)
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
            summary = owner.summary(cls)
            if value.module is not None:
                summary = value.module.as_passed(summary, value)
            return self.apply_summary(summary, flow, value.cls, extras)
        if value == NONE_V:
            return flow
        why = value.why if isinstance(value, UnknownV) else "a module not known here"
        self.consume(flow, "unknown", None, f"goes into {why}")
        return OPAQUE

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

    def apply_summary(self, summary: Summary, flow: Flow, what: str, extras: Optional[dict] = None) -> object:
        if not summary.done:  # DlaTree holding a DlaTree: its own summary is not known yet
            self.consume(flow, "unknown", None, f"goes into {what}, which contains itself")
            for extra in (extras or {}).values():
                self.consume(extra, "unknown", None, f"goes into {what}, which contains itself")
            return OPAQUE
        inputs = [(summary.input_site, flow)] + [(summary.extra_inputs[name], extra) for name, extra in (extras or {}).items()]
        for site, given in inputs:
            if site.feeds_layer:
                feed_layer(given, site.first_layers)
            for activation, param, evidence in list(site.outcomes):
                self.consume(given, activation, param, f"{evidence}, first in {what}")
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
            if isinstance(base, ChainV):
                return list_element(base)
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
            return TupleV([self.eval_flow(element.value) for element in node.elements])
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
                return self.apply_to_args(value, call, f"self.{attr}")
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
        # tensor methods: x.relu(), x.view(...), x.mean()
        if isinstance(func, cst.Attribute):
            q = self.fa.imports.qualify(func)
            if q is None and isinstance(func.value, cst.Name) and func.value.value not in self.env:
                return self.unknown_call(call, short_code(func))  # a module or class not imported here
            if q is None or not q.startswith("torch"):
                receiver = self.eval_flow(func.value)
                if isinstance(receiver, Flow):
                    return self.tensor_method(receiver, func.attr.value, call)
                if isinstance(receiver, (LayerV, ActV, TransparentV, ChainV, InstV, ParamV)):
                    if func.attr.value == "forward":
                        return self.apply_to_args(receiver, call, short_code(func.value))
                for arg in call.args:
                    self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, f"`{short_code(func)}`")
                return OPAQUE
        q = self.fa.imports.qualify(func)
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
        # a local module value called: act(x), layer(x), block(x)
        callee = self.eval_flow(func) if isinstance(func, (cst.Name, cst.Call)) else None
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
        return self.unknown_call(call, short_code(func))

    def einops_call(self, name: str, call: cst.Call, args: list) -> object:
        """rearrange / repeat move values (transparent); reduce(..., "mean") pools; other
        einops functions and reductions are ops like any other."""
        first = self.as_flow(self.eval_flow(args[0].value))
        if name in catalogue.EINOPS_TRANSPARENT or (
                name in catalogue.EINOPS_REDUCTIONS and self.string(argument(call, "reduction", 2) or cst.Name("x")) == "mean"):  # fmt: skip
            return first
        self.consume(first, "none", None, f"goes into einops `{name}`")
        return OPAQUE

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
            return None
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
        return None

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

    def transformers_call(self, call: cst.Call, q: Optional[str], args: list) -> Optional[object]:
        """A call of one of transformers' own helpers this analysis knows, in forward; else None."""
        func = call.func
        if isinstance(func, cst.Subscript):  # ACT2FN["relu"](x)
            if not catalogue.is_transformers(self.fa.imports.qualify(func.value), catalogue.TRANSFORMERS_ACT2FN_NAME):
                return None
            activation = self.transformers_activation(self.subscript_key(func), f"`{short_code(func)}`")
            return self.apply_to_args(activation, call, short_code(func))
        if not q or not q.startswith("transformers."):
            return None
        found = self.transformers_activation_call(call, q)  # get_activation("silu"): a module
        if found is not None:
            return found
        instance = self.transformers_activation_instance(q)  # gelu(x)
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

    def transformers_activation(self, key: Optional[str], what: str) -> object:
        """ACT2FN["gelu"] / get_activation("gelu"): the activation when the key is known here."""
        if key is None:
            return UnknownV(what)
        if key in catalogue.TRANSFORMERS_IDENTITY_ACTIVATIONS:
            return TransparentV(what)
        if key in catalogue.TRANSFORMERS_ACT2FN:
            activation, param = catalogue.TRANSFORMERS_ACT2FN[key]
            return ActV(activation, param, f"transformers' {what}")
        return UnknownV(f"{what} (transformers writes {key!r} out in tensor arithmetic, not a catalogued activation)")

    def subscript_key(self, node: cst.Subscript) -> Optional[str]:
        """The string key of `d[key]` (a literal, or a parameter's literal default), else None."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        return self.string(node.slice[0].slice.value)

    def transformers_activation_call(self, call: cst.Call, qualname: Optional[str]) -> Optional[object]:
        """get_activation("silu"), or an instance transformers.activations exports (`gelu`): else None."""
        if catalogue.is_transformers(qualname, catalogue.TRANSFORMERS_GET_ACTIVATION):
            key = argument(call, "activation_string", 0)
            return self.transformers_activation(self.string(key) if key is not None else None, f"`{short_code(call)}`")
        return None

    def transformers_activation_instance(self, qualname: Optional[str]) -> Optional[object]:
        name = (qualname or "").rsplit(".", 1)[-1]
        key = catalogue.TRANSFORMERS_ACTIVATION_INSTANCES.get(name)
        if key is None or not catalogue.is_transformers(qualname, f"activations.{name}"):
            return None
        return self.transformers_activation(key, f"`{name}`")

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

    def is_attention_registry(self, node: cst.BaseExpression) -> bool:
        return catalogue.is_transformers(self.fa.imports.qualify(node), catalogue.TRANSFORMERS_ATTENTION_REGISTRY)

    def call_value(self, callee: object, call: cst.Call) -> object:
        """Call a loss / kernel (its tensor inputs meet no activation), a function of this file
        (inlined), or one of several of those (`attention_interface`): each option is run."""
        if isinstance(callee, ConsumerV):
            for arg in call.args:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "none", None, f"goes into {callee.what}")
            return OPAQUE
        if isinstance(callee, FunctionRefV):
            if self.depth < MAX_INLINE_DEPTH:
                return self.inline_function(callee.node or self.fa.functions[callee.name], call, callee.closure)
            return self.unknown_call(call, callee.name)
        return self.merged([self.call_value(option, call) for _, option in callee.items])

    def number(self, node: cst.BaseExpression) -> Optional[float]:
        """A number written here, or held by a parameter / self attribute with a literal value."""
        value = literal_number(node)
        if value is not None:
            return value
        held: object = None
        if isinstance(node, cst.Name):
            held = self.env.get(node.value)
        elif isinstance(node, cst.Attribute) and dotted(node.value) == self.self_name:
            held = self.attrs.get(node.attr.value)
        if isinstance(held, ParamV):
            held = held.default
        if isinstance(held, tuple) and held and held[0] == "<literal>":
            return literal_number(held[1])
        return None

    def string(self, node: cst.BaseExpression) -> Optional[str]:
        """A string written here, or held by a parameter / self attribute with a literal value."""
        value = literal_string(node)
        if value is not None:
            return value
        held: object = None
        if isinstance(node, cst.Name):
            held = self.env.get(node.value)
        elif isinstance(node, cst.Attribute) and dotted(node.value) == self.self_name:
            held = self.attrs.get(node.attr.value)
        if isinstance(held, ParamV):
            held = held.default
        if isinstance(held, tuple) and held and held[0] == "<literal>":
            return literal_string(held[1])
        return None

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

    def unknown_call(self, call: cst.Call, what: str) -> object:
        for arg in call.args:
            self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, f"goes into `{what}(...)`")
        return OPAQUE

    def apply_to_args(self, value: object, call: cst.Call, what: str) -> object:
        if isinstance(value, ConsumerV):
            return self.call_value(value, call)
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
            return self.apply_module(ActV(value.activation, value.param, f"{what} = {value.evidence}"), first, "forward")
        return self.apply_module(value, first, f"{what} in forward", extras)

    def input_names(self, value: object) -> list:
        """The inputs of a module of this file: its forward's parameters after self, in order."""
        owner = (value.module or self.fa) if isinstance(value, InstV) else self.fa
        cls = owner.classes.get(value.cls) if isinstance(value, InstV) else None
        found = owner.forward_of(cls) if cls is not None else None
        return [p.name.value for p in _positional_params(found[1])[1:]] if found else []

    def tensor_method(self, receiver: Flow, method: str, call: cst.Call) -> Flow:
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

    def inline_method(self, fn: cst.FunctionDef, call: cst.Call) -> object:
        ctx = Context(self.fa, self.cls, fn, self.depth + 1, home=self.home)
        ctx.attrs = self.attrs
        ctx.in_init = False
        ctx.self_name = self.self_name
        self.bind_flow_args(ctx, fn, call, self_bound=True)
        ctx.run_block(fn.body)
        return ctx.returned()

    def inline_function(self, fn: cst.FunctionDef, call: cst.Call, closure: Optional[dict] = None) -> object:
        ctx = Context(self.fa, self.cls, fn, self.depth + 1, home=self.home)
        ctx.attrs = self.attrs
        ctx.in_init = False
        if closure is not None:  # a function nested in this forward: it sees self and the names around it
            ctx.env = dict(closure)
            ctx.self_name = self.self_name
        else:
            ctx.self_name = "<no self>"
        self.bind_flow_args(ctx, fn, call, self_bound=False)
        ctx.run_block(fn.body)
        return ctx.returned()

    def returned(self) -> object:
        """What an inlined forward helper returns: a tuple kept as a tuple when every return is
        one of the same length (`x, aux2, aux1 = self._forward(x)`), else one flow."""
        return self.merged(self.returns)

    def merged(self, values: list) -> object:
        """One value for several (the returns of a function, the results of alternative callees):
        records field by field, tuples of one length position by position, else one flow."""
        if values and all(isinstance(v, RecordV) for v in values):
            names = list(dict.fromkeys(name for v in values for name in v.fields))
            fields = {}
            for name in names:
                given = [v.fields.get(name, NONE_V) for v in values]
                sure = all(isinstance(g, Flow) and not isinstance(g, MaybeNone) for g in given)
                fields[name] = (Flow if sure else MaybeNone)(frozenset().union(*(self.as_flow(g).sites for g in given)))
            return RecordV(values[0].what, fields)
        if values and all(isinstance(v, TupleV) and len(v.items) == len(values[0].items) for v in values):
            return TupleV([Flow(frozenset().union(*(self.as_flow(v.items[i]).sites for v in values)))
                           for i in range(len(values[0].items))])  # fmt: skip
        merged: set = set()
        for value in values:
            merged |= self.as_flow(value).sites
        return Flow(frozenset(merged))

    def bind_flow_args(self, ctx: "Context", fn: cst.FunctionDef, call: cst.Call, self_bound: bool) -> None:
        params = _positional_params(fn)
        if self_bound and params:
            ctx.self_name = params[0].name.value
            params = params[1:]
        names = [p.name.value for p in params] + [p.name.value for p in fn.params.kwonly_params]
        for name in names:
            ctx.env[name] = OPAQUE
        positional = [a for a in call.args if a.keyword is None and not a.star]
        for name, arg in zip(names, positional):
            ctx.env[name] = self.eval_flow(arg.value)
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in names:
                ctx.env[arg.keyword.value] = self.eval_flow(arg.value)
            elif arg.star:
                self.consume(self.as_flow(self.eval_flow(arg.value)), "unknown", None, "passed with *")

    # -- init calls seen in constructor-like code ----------------------------------------

    def note_init_call(self, call: cst.Call) -> None:
        """Direct inits in __init__ / helpers: nn.init.x_(self.fc.weight), conv.weight.data.normal_()."""
        InitScanner.note_direct(self, call)


def _passed_activation(given: object, name: str, cls: str) -> tuple:
    """The outcome of a torch activation class a caller passes for a parameter (act_layer=nn.ReLU)."""
    nn_name = torch_nn_name(given.qualname) if isinstance(given, ClassRefV) else None
    if nn_name in catalogue.ACTIVATION_MODULES:
        activation = catalogue.ACTIVATION_MODULES[nn_name][0]
        return activation, catalogue.DEFAULT_PARAM.get(activation), f"{name}=nn.{nn_name} passed to {cls}"
    return "unknown", None, f"{name}= passed to {cls}: {getattr(given, 'why', 'a value not known here')}"


def _surely_tensor(value: object) -> bool:
    """A layer's output on every path (not None on some)."""
    return isinstance(value, Flow) and bool(value.sites) and not isinstance(value, MaybeNone)


def _functional_prefix(call: cst.Call) -> str:
    text = dotted(call.func) or ""
    return text.rsplit(".", 1)[0] + "." if "." in text else ""


def _short_ref(ref: ClassRefV) -> str:
    name = torch_nn_name(ref.qualname)
    return f"nn.{name}" if name else ref.qualname.replace("local:", "")


def _is_ordered_dict(node: cst.CSTNode, imports: Imports) -> bool:
    if isinstance(node, cst.Call):
        q = imports.qualify(node.func) or dotted(node.func) or ""
        return q.endswith("OrderedDict") or q == "dict"
    return isinstance(node, cst.Dict)


_EMPTY_FUNCTION = cst.FunctionDef(name=cst.Name("__init__"), params=cst.Parameters(), body=cst.IndentedBlock(body=[]))


def _is_super_init(func: cst.BaseExpression, self_name: str) -> bool:
    """super().__init__ / super(X, self).__init__ / nn.Sequential.__init__ (called with self)."""
    if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
        return False
    inner = func.value
    return (isinstance(inner, cst.Call) and dotted(inner.func) == "super") or (
        (dotted(inner) or "").rsplit(".", 1)[-1] in ("Sequential", "ModuleList", "ModuleDict"))  # fmt: skip


def registered_modules(attrs: dict) -> list:
    """A module's submodules in the order they were registered (what nn.Sequential.forward runs):
    every attribute that may hold a module; plain values (numbers, flags, classes) do not run."""
    items: list = []
    for key, value in attrs.items():
        if key == "<items>" and isinstance(value, ChainV):
            items.extend(value.items)
        elif _may_be_module(value):
            items.append((key, value))
    return items


def _may_be_module(value: object) -> bool:
    if isinstance(value, ChainV) and value.kind == "alt":
        return any(_may_be_module(option) for _, option in value.items)
    return not (isinstance(value, (ParamV, ClassRefV, FunctionRefV)) or value == NONE_V
                or (isinstance(value, tuple) and bool(value) and value[0] == "<literal>"))  # fmt: skip


def einops_name(qualname: Optional[str]) -> Optional[str]:
    """rearrange / Rearrange / reduce ... for einops' own names (einops.X, einops.layers.torch.X)."""
    if not qualname or not qualname.startswith("einops."):
        return None
    name = qualname.rsplit(".", 1)[-1]
    return name if name in catalogue.EINOPS_TRANSPARENT | catalogue.EINOPS_REDUCTIONS else None


def _partial_of(call: cst.Call) -> Optional[str]:
    """X of `partial(X, ...)` / `functools.partial(X, ...)` when X is a plain name."""
    if dotted(call.func) in ("partial", "functools.partial") and call.args and type(call.args[0].value) is cst.Name \
            and call.args[0].keyword is None and not call.args[0].star:  # fmt: skip
        return call.args[0].value.value
    return None


def _with_bound(call: cst.Call, bound: tuple) -> cst.Call:
    """The call a partial object makes: its bound positionals first, its bound keywords unless
    the call passes them again (for reading arguments only: the node is not in the tree)."""
    if not bound:
        return call
    def plain(args):
        return [a for a in args if a.keyword is None and not a.star]
    given = {a.keyword.value for a in call.args if a.keyword is not None}
    keywords = [a for a in bound if a.keyword is not None and a.keyword.value not in given]
    keywords += [a for a in call.args if a.keyword is not None]
    stars = [a for a in (*bound, *call.args) if a.star == "*"]
    double = [a for a in (*bound, *call.args) if a.star == "**"]
    args = plain(bound) + plain(call.args) + stars + keywords + double
    return cst.Call(func=call.func, args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])


def _only_imports(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom, cst.Pass)) or (
            isinstance(small, cst.Expr) and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString)))
        for small in stmt.body)  # fmt: skip


def _positional_params(fn: cst.FunctionDef) -> list:
    return list(fn.params.posonly_params) + list(fn.params.params)


def _all_params(fn: cst.FunctionDef) -> list:
    return _positional_params(fn) + list(fn.params.kwonly_params)


def _comp_fors(for_in: cst.CompFor) -> Iterator[cst.CompFor]:
    current: Optional[cst.CompFor] = for_in
    while current is not None:
        yield current
        current = current.inner_for_in


def _names_in(node: cst.CSTNode) -> Iterator[str]:
    if isinstance(node, cst.Name):
        yield node.value
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _names_in(element.value)


def _literal_index(node: cst.Subscript) -> Optional[int]:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = literal_number(node.slice[0].slice.value)
    return int(value) if value is not None and value == int(value) else None


def _literal_prefix_stop(node: cst.Subscript) -> Optional[int]:
    """k of `x[:k]` (a literal, small k), else None."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
        return None
    part = node.slice[0].slice
    if part.step is not None or (part.lower is not None and literal_number(part.lower) != 0) or part.upper is None:
        return None
    stop = literal_number(part.upper)
    return int(stop) if stop is not None and stop == int(stop) and 0 <= stop <= 16 else None


def exact_element(chain: ChainV, node: cst.Subscript) -> Optional[object]:
    """chain[2] when every item before it has a certain place."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    position = literal_number(node.slice[0].slice.value)
    if position is None or position < 0 or position != int(position):
        return None
    items = chain.items
    if int(position) >= len(items) or any(k in ("<loop>", "<alt>") for k, _ in items[: int(position) + 1]):
        return None
    return items[int(position)][1]


def list_element(value: object) -> object:
    """The element of a module list, for `for layer in self.layers` and `self.layers[i]`."""
    if isinstance(value, ChainV):
        flat = list(_flatten(value.items))
        if not flat:
            return UnknownV("empty container")
        element = flat[0]
        for other in flat[1:]:
            element = alternative(element, other)
        return element
    if isinstance(value, ParamV):
        return UnknownV(f"element of parameter {value.name}")
    return UnknownV("element of something not known")


def _flatten(items: list) -> Iterator[object]:
    for key, value in items:
        if key == "<loop>":
            yield from _flatten(value)
        elif key == "<alt>":
            for branch in value:
                yield from _flatten(branch)
        else:
            yield value


ONE_LINE_COMPOUND = (
    "built in a one-line compound statement (`if c: self.x = ...`): no line can be inserted after it "
    "in the same branch; put the assignment on its own line"
)


def _single_looped_site(chain: ChainV) -> Optional[Site]:
    """The site of a container built by one comprehension whose every element is that layer."""
    if len(chain.items) != 1 or chain.items[0][0] != "<loop>":
        return None
    inner = chain.items[0][1]
    if len(inner) != 1 or inner[0][0] in ("<loop>", "<alt>") or not isinstance(inner[0][1], LayerV):
        return None
    return inner[0][1].site


def _attribute_name(key: str) -> bool:
    """Whether `<container>.<key>` is Python (an OrderedDict key such as `fc-a` or `class` is not)."""
    return key.isidentifier() and not keyword.iskeyword(key)


def _not_an_attribute(key: str) -> str:
    return (
        f"its key in the container, {key!r}, cannot follow a dot in Python (not an identifier, or a keyword), "
        "so an inserted line cannot name it; rename the key, or bind the layer to a name before the container is built"
    )


def python_path(name: str) -> str:
    """A dotted module name as an expression: `net.fc-a` -> `getattr(net, "fc-a")`."""
    parts = name.split(".")
    expr = parts[0] if _attribute_name(parts[0]) else f"getattr(self, {parts[0]!r})"
    for part in parts[1:]:
        if part.isdigit():
            expr = f"{expr}[{part}]"
        elif _attribute_name(part):
            expr = f"{expr}.{part}"
        else:
            expr = f"getattr({expr}, {part!r})"
    return expr


# `nn.Linear(...) if c else nn.Identity()`, `given or nn.Linear(...)`: an init after the
# statement would fail (no .weight) or re-initialise the user's module when the other value
# is taken, and the analysis cannot tell which one it is.
CONDITIONAL_VALUE = "built in a conditional expression: the statement may bind another value, so an init after it could fail"
CONDITIONAL_CLASS = "built from a class chosen at run time that may not be a layer: an init of its weight could fail"


def sites_in(value: object) -> list:
    """Every layer site inside a module value (chains, alternatives, loops)."""
    out, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, LayerV):
            out.append(item.site)
        elif isinstance(item, ChainV):
            stack.extend(item.items)
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return out


def alternative(a: object, b: object) -> object:
    if a is b:
        return a
    if a == NONE_V:
        return b
    if b == NONE_V:
        return a
    if isinstance(a, ActV) and isinstance(b, ActV) and (a.activation, a.param) == (b.activation, b.param):
        return a
    if isinstance(a, TransparentV) and isinstance(b, TransparentV):
        return a
    options = []
    for v in (a, b):
        if isinstance(v, ChainV) and v.kind == "alt":
            options.extend(v.items)
        else:
            options.append((None, v))
    return ChainV(options, "alt")


def merge_envs(a: dict, b: dict) -> dict:
    merged = dict(b)
    for key, value in a.items():
        other = b.get(key)
        if other is value:
            continue
        if isinstance(value, Flow) or isinstance(other, Flow):
            sure = isinstance(value, Flow) and isinstance(other, Flow) and not isinstance(value, MaybeNone) \
                and not isinstance(other, MaybeNone)  # fmt: skip
            merged[key] = (Flow if sure else MaybeNone)(
                (value.sites if isinstance(value, Flow) else frozenset())
                | (other.sites if isinstance(other, Flow) else frozenset())
            )
        elif other is None:
            merged[key] = value
        else:
            merged[key] = alternative(value, other)
    return merged


# ---------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------


class InitScanner:
    """Finds how a class initialises layers: per layer (direct calls) and for its whole tree."""

    def __init__(self, fa: FileAnalysis, cls: ClassInfo):
        self.fa = fa
        self.cls = cls

    @staticmethod
    def init_call_of(fa: FileAnalysis, call: cst.Call, ctx: Optional["Context"] = None) -> Optional[tuple[str, cst.BaseExpression, InitCall]]:
        """If `call` initialises a weight, (function, weight expression, InitCall)."""
        func = call.func
        text = dotted(func)
        q = fa.imports.qualify(func)
        # w.data.normal_(...), w.normal_(...), w.data.copy_(...): a tensor method, not an imported function
        if isinstance(func, cst.Attribute) and func.attr.value in INPLACE_INIT_METHODS and q is None:
            target = func.value
            if isinstance(target, cst.Attribute) and target.attr.value == "data":
                target = target.value
            return func.attr.value, target, InitScanner._describe(fa, func.attr.value, call, ctx)
        name = init_function_name(q, text)
        if name is not None and call.args:
            weight = call.args[0].value
            return name, weight, InitScanner._describe(fa, name, call, ctx)
        return None

    @staticmethod
    def _describe(fa: FileAnalysis, name: str, call: cst.Call, ctx: Optional["Context"] = None) -> InitCall:
        """What an init call does to the gain; `undecided` says which argument cannot be read."""
        info = InitCall(function=name, text=short_code(call, 80), line=0)
        number = ctx.number if ctx is not None else literal_number
        string = ctx.string if ctx is not None else literal_string

        def read(node, reader, what):
            if node is None:
                return None
            value = reader(node)
            if value is None:
                info.undecided = info.undecided or f"its {what} `{short_code(node, 40)}` is not known statically"
            return value

        if name.startswith("kaiming_"):
            info.nonlinearity = read(argument(call, "nonlinearity", 3), string, "nonlinearity")
            info.a = read(argument(call, "a", 1), number, "slope a")
            info.mode = literal_string(argument(call, "mode", 2))
        gain = argument(call, "gain", 1) if name.startswith(("xavier_", "orthogonal_")) else None
        if isinstance(gain, cst.Call) and (dotted(gain.func) or "").endswith("calculate_gain") and gain.args:
            info.gain_name = read(argument(gain, "nonlinearity", 0), string, "gain name")
            info.gain_param = read(argument(gain, "param", 1), number, "gain parameter")
        elif gain is not None:
            info.gain = read(gain, number, "gain")
        return info

    @staticmethod
    def note_direct(ctx: Context, call: cst.Call) -> None:
        fa = ctx.fa
        found = InitScanner.init_call_of(fa, call, ctx)
        if found is None:
            return
        function, weight, info = found
        info.line = -1
        target = weight
        if not (isinstance(target, cst.Attribute) and target.attr.value == "weight"):
            return
        holder = target.value
        sites = InitScanner.sites_for(ctx, holder)
        for site in sites:
            if info.undecided and site.init_state != "explicit":
                site.explicit_init = None
                site.init_state = "unknown"
                site.init_evidence = f"`{info.text}`: {info.undecided}"
                continue
            # Undecided unless it runs whenever the layer is built: in the branch that builds
            # it, or in one around that.
            runs_with_site = site.branches[: len(ctx.branches)] == ctx.branches
            if ctx.conditional and not runs_with_site and site.init_state != "explicit":
                site.explicit_init = None
                site.init_state = "unknown"
                site.init_evidence = f"`{info.text}` runs only under a condition not decided here"
                continue
            site.explicit_init = info
            site.init_state = "explicit"
            site.init_evidence = f"`{info.text}`"
        if sites:
            ctx.fa.pending_lines.append((info, call))

    @staticmethod
    def sites_for(ctx: Context, holder: cst.BaseExpression) -> list:
        """self.fc / self.body[0] / self.net.fc1 / conv (a local) / a loop variable over layers -> sites."""
        value = ctx.eval_module(holder, bind_site=False) if not isinstance(holder, cst.Subscript) else None
        if isinstance(holder, cst.Subscript) and dotted(holder.value) == ctx.self_name:
            position = _literal_index(holder)  # self[0] in a subclass of nn.Sequential
            value = ctx.attrs.get(str(position)) if position is not None and position >= 0 else None
        elif isinstance(holder, cst.Subscript):
            base = ctx.eval_module(holder.value, bind_site=False)
            if isinstance(base, ChainV):
                # the element the fix names `self.model[0]`: every item up to it has a certain place
                value = exact_element(base, holder)
        elif isinstance(holder, cst.Attribute) and not isinstance(value, LayerV):
            base = ctx.eval_module(holder.value, bind_site=False)
            if isinstance(base, ChainV):
                for key, item in base.items:
                    if key == holder.attr.value:
                        value = item
        if isinstance(value, LayerV):
            return [value.site]
        if isinstance(value, ChainV) and value.kind == "alt":
            # for layer in [self.a, self.b]: init(layer.weight); or `make_conv(...)` where
            # make_conv is nn.Conv2d or a module of this file: when the init runs, it is a layer's
            return [v.site for _, v in value.items if isinstance(v, LayerV)]
        return []

    def scan(self) -> None:
        """Tree-wide init rules of this class: init loops, self.apply(fn), post_init().

        Only routines that construction runs count as done: __init__ and the methods it calls
        (its own or inherited, transitively). A routine nobody here calls (a public
        `init_weights()` a user may or may not call) makes what it covers `unknown`.
        """
        cls = self.cls
        reached = self.reached_from_init()
        for name, (owner, fn) in reached.items():
            for node in _walk_statements(fn.body):
                self.scan_statement(node, fn, name, "explicit")
        for name, fn in cls.methods.items():
            if name not in reached:
                for node in _walk_statements(fn.body):
                    self.scan_statement(node, fn, name, "unknown")
                self.direct_inits_not_run(fn, name)

    def direct_inits_not_run(self, fn: cst.FunctionDef, method: str) -> None:
        """`nn.init.x_(self.fc.weight)` in a method construction does not run (reinit(), a public
        reset_parameters()): whoever calls it is not known here, so those layers are unknown."""
        self_name = fn.params.params[0].name.value if fn.params.params else "self"
        by_name = {site.name: site for site in self.cls.sites if site.name}
        if not by_name:
            return
        for call in self.fa.calls_in.get(id(fn), ()):
            found = InitScanner.init_call_of(self.fa, call)
            if found is None:
                continue
            weight = found[1]
            if not (isinstance(weight, cst.Attribute) and weight.attr.value == "weight"):
                continue
            name = _self_path(weight.value, self_name)
            site = by_name.get(name) if name else None
            if site is not None and site.init_state is None and site.explicit_init is None:
                site.init_state = "unknown"
                site.init_evidence = f"`{short_code(call, 60)}` in {self.cls.name}.{method}(), which building the model does not run"

    def reached_from_init(self) -> dict:
        """Methods that running the constructor calls: name -> (class, FunctionDef)."""
        found = self.fa.method(self.cls, "__init__")
        if found is None:
            return {}
        reached = {"__init__": found}
        stack = [found[1]]
        while stack:
            fn = stack.pop()
            self_name = fn.params.params[0].name.value if fn.params.params else "self"
            for call in self.fa.calls_in.get(id(fn), ()):
                func = call.func
                if isinstance(func, cst.Attribute) and dotted(func.value) == self_name:
                    name = func.attr.value
                    target = self.fa.method(self.cls, name)
                    if target is not None and name not in reached:
                        reached[name] = target
                        stack.append(target[1])
                elif isinstance(func, cst.Name) and func.value in self.fa.functions and call.args \
                        and call.args[0].keyword is None and dotted(call.args[0].value) == self_name:  # fmt: skip
                    # initialize_weights(self): a function of this file that gets the model runs
                    # on it as a method would (its first parameter is the model)
                    function = self.fa.functions[func.value]
                    if func.value not in reached and _positional_params(function):
                        reached[func.value] = (self.cls, function)
                        stack.append(function)
        return reached

    def add_rule(self, types, call, evidence: str, state: str, prefix: Optional[str] = None) -> None:
        self.cls.init_rules.append(InitRule(types, call, evidence, state, prefix))

    def scan_statement(self, stmt: cst.CSTNode, fn: cst.FunctionDef, method: str, state: str) -> None:
        cls = self.cls
        self_name = fn.params.params[0].name.value if fn.params.params else "self"
        if isinstance(stmt, cst.For) and _iterates_modules(stmt.iter):
            receiver = dotted(stmt.iter.func.value) if isinstance(stmt.iter.func, cst.Attribute) else None
            prefix = receiver[len(self_name) + 1 :] if receiver and receiver.startswith(self_name + ".") else None
            if receiver != self_name and prefix is None:
                return  # a loop over something else's modules
            var = stmt.target.value if isinstance(stmt.target, cst.Name) else None
            if var is None and isinstance(stmt.target, cst.Tuple) and len(stmt.target.elements) == 2:
                second = stmt.target.elements[1].value
                var = second.value if isinstance(second, cst.Name) else None
            if var:
                for types, call in self.branches(stmt.body, var):
                    where = f"{receiver}.{stmt.iter.func.attr.value}()"
                    self.add_rule(types, call, f"init loop over {where} in {cls.name}.{method}", state, prefix)
                cls.routines.append(method)
            return
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                call = small.value if isinstance(small, cst.Expr) else None
                if not isinstance(call, cst.Call):
                    continue
                text = dotted(call.func) or ""
                if text.endswith(".apply") and call.args:
                    receiver = text[: -len(".apply")]
                    if receiver == self_name:
                        self.apply_rule(call.args[0].value, method, state, None)
                    elif receiver.startswith(self_name + "."):
                        self.apply_rule(call.args[0].value, method, state, receiver[len(self_name) + 1 :])
                elif text in (f"{self_name}.post_init", f"{self_name}.init_weights") or text.endswith(".post_init"):
                    self.post_init_rule(method, state)

    def apply_rule(self, fn_node: cst.BaseExpression, method: str, state: str, prefix: Optional[str]) -> None:
        cls = self.cls
        text = dotted(fn_node) or short_code(fn_node, 40)
        where = f"self.{prefix}.apply({text})" if prefix else f"self.apply({text})"
        rules = self.fa.rules_of_apply(fn_node, cls)
        if rules is None:
            self.add_rule(None, None, f"{where} with a function not in this file", "unknown", prefix)
            cls.routines.append(text or "apply")
            return
        target, found = rules
        for types, call in found:
            self.add_rule(types, call, f"{where} in {cls.name}.{method}", state, prefix)
        if _calls_super(target, target.name.value):
            self.add_rule(None, None, f"{where} calls super().{target.name.value}, not in this file", "unknown", prefix)
        cls.routines.append(target.name.value)

    def post_init_rule(self, method: str, state: str) -> None:
        """transformers: post_init() applies the model's _init_weights to every submodule."""
        found = self.fa.method(self.cls, "_init_weights")
        if found is None:
            self.add_rule(None, None, "post_init() with an _init_weights not in this file", "unknown")
            return
        fn = found[1]
        params = [p for p in fn.params.params if p.name.value != "self"]
        var = params[0].name.value if params else "module"
        for types, call in self.branches(fn.body, var):
            self.add_rule(types, call, f"post_init() -> {found[0].name}._init_weights", state)
        if _calls_super(fn, "_init_weights"):
            # transformers' PreTrainedModel._init_weights initialises Linear/Conv itself, out of sight
            self.add_rule(None, None, f"post_init() -> {found[0].name}._init_weights -> super()._init_weights, not in this file", "unknown")
        self.cls.routines.append("_init_weights")

    def branches(self, body: cst.BaseSuite, var: str, names: Optional[set] = None) -> Iterator[tuple]:
        """(layer types, init call) for each isinstance branch that initialises `var.weight`.

        `names` are variables holding the class name of `var` (classname = m.__class__.__name__).
        """
        if names is None:
            names = set(_class_name_vars(body, var))
        for stmt in _block_list(body):
            if isinstance(stmt, cst.If):
                yield from self.if_chain(stmt, var, names)
            elif isinstance(stmt, cst.SimpleStatementLine):
                # for m in self.modules(): _weight_init(m)  -- a helper of this file does the branching
                for small in stmt.body:
                    helper = self.helper_taking(small.value, var) if isinstance(small, cst.Expr) else None
                    if helper is not None:
                        fn, param = helper
                        self.inlined += 1
                        yield from self.branches(fn.body, param)
                        self.inlined -= 1

    inlined = 0  # helper depth while reading init branches

    def helper_taking(self, node: cst.BaseExpression, var: str) -> Optional[tuple]:
        """`helper(var, ...)` / `self.helper(var)` with a helper of this file: (FunctionDef, its parameter)."""
        if not isinstance(node, cst.Call) or not node.args or dotted(node.args[0].value) != var or self.inlined > 2:
            return None
        text = dotted(node.func) or ""
        fn, skip = self.fa.functions.get(text), 0
        if fn is None and text.startswith("self.") and self.cls is not None:
            found = self.fa.method(self.cls, text[5:])
            fn, skip = (found[1], 1) if found else (None, 0)
        if fn is None:
            return None
        params = _positional_params(fn)[skip:]
        return (fn, params[0].name.value) if params else None

    def if_chain(self, stmt: cst.If, var: str, names: set) -> Iterator:
        current: Optional[cst.CSTNode] = stmt
        while isinstance(current, cst.If):
            types = self.isinstance_types(current.test, var, names)
            if types is not None:
                call = self.weight_init_in(current.body, var)
                if call is not None:
                    yield types, call
            else:
                # a nested if (e.g. `if m.bias is not None`) inside: look deeper for isinstance
                yield from self.branches(current.body, var, names)
            current = current.orelse

    def isinstance_types(self, test: cst.BaseExpression, var: str, names: set = frozenset()) -> Optional[frozenset]:
        if isinstance(test, cst.BooleanOperation):
            left = self.isinstance_types(test.left, var, names)
            right = self.isinstance_types(test.right, var, names)
            if isinstance(test.operator, cst.Or):
                return left | right if left is not None and right is not None else None
            return left or right
        if isinstance(test, cst.Call) and dotted(test.func) == "isinstance" and len(test.args) == 2:
            if dotted(test.args[0].value) != var:
                return None
            kinds = test.args[1].value
            nodes = [e.value for e in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
            return frozenset(self.type_name(node) for node in nodes)
        if isinstance(test, cst.Call) and dotted(test.func) == "hasattr" and len(test.args) == 2:
            if dotted(test.args[0].value) == var and literal_string(test.args[1].value) == "weight":
                return frozenset({"Module"})
            return None
        # classname.find("Conv") != -1 / classname.startswith("Conv")
        if isinstance(test, cst.Call) and isinstance(test.func, cst.Attribute) and test.func.attr.value == "startswith":
            if _is_class_name(test.func.value, var, names) and test.args:
                prefix = literal_string(test.args[0].value)
                return frozenset({f"^{prefix}"}) if prefix else None
            return None
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            comp = test.comparisons[0]
            left, right, op = test.left, comp.comparator, comp.operator
            if isinstance(left, cst.Call) and isinstance(left.func, cst.Attribute) and left.func.attr.value == "find":
                if _is_class_name(left.func.value, var, names) and left.args:
                    needle = literal_string(left.args[0].value)
                    bound = literal_number(right)
                    found = (isinstance(op, cst.NotEqual) and bound == -1) or (
                        isinstance(op, cst.GreaterThan) and bound == -1) or (
                        isinstance(op, cst.GreaterThanEqual) and bound == 0)  # fmt: skip
                    return frozenset({f"~{needle}"}) if needle and found else None
                return None
            if isinstance(op, cst.In) and _is_class_name(right, var, names):
                needle = literal_string(left)
                return frozenset({f"~{needle}"}) if needle else None
            if isinstance(op, (cst.Equal, cst.Is)) and _is_class_name(left, var, names):
                exact = literal_string(right)
                return frozenset({exact}) if exact else None
            if isinstance(left, cst.Call) and dotted(left.func) == "type" and left.args:
                if dotted(left.args[0].value) != var:
                    return None
                if isinstance(op, (cst.Equal, cst.Is)):
                    return frozenset({self.type_name(right)})
                if isinstance(op, cst.In) and isinstance(right, (cst.Tuple, cst.List)):
                    return frozenset(self.type_name(e.value) for e in right.elements)
        return None

    def type_name(self, node: cst.CSTNode) -> str:
        """nn.Conv2d -> Conv2d; a local subclass of a layer type -> that layer type."""
        text = dotted(node) or ""
        q = self.fa.imports.qualify(node) or ""
        name = torch_nn_name(q) or text.rsplit(".", 1)[-1]
        local = self.fa.classes.get(text)
        if local is not None and local.layer_subclass:
            return f"={local.name}"  # only that subclass, which the site records as its base type
        return name

    def weight_init_in(self, body: cst.BaseSuite, var: str) -> Optional[InitCall]:
        for node in _walk_calls(body):
            found = InitScanner.init_call_of(self.fa, node)
            if found is None:
                helper = self.helper_taking(node, var)
                if helper is not None:  # if isinstance(m, nn.Linear): init_layer(m)
                    self.inlined += 1
                    inner = self.weight_init_in(helper[0].body, helper[1])
                    self.inlined -= 1
                    if inner is not None:
                        return inner
                continue
            function, weight, info = found
            if dotted(weight) in (f"{var}.weight", f"{var}.weight.data"):
                info.line = -1
                self.fa.pending_lines.append((info, node))
                return info
        return None


@dataclass
class InitRule:
    """Layers an init routine reaches: by type (None: every module), below `prefix` if set."""

    types: Optional[frozenset]
    call: Optional[InitCall]
    evidence: str
    state: str  # "explicit" | "unknown"
    prefix: Optional[str] = None  # self.<prefix>.apply(fn) / self.<prefix>.modules(): that subtree only


def _calls_super(fn: cst.FunctionDef, name: str) -> bool:
    """Does fn call super().<name>(...) (an init routine continued in a base class)?"""
    for call in _walk_calls(fn.body):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == name and isinstance(func.value, cst.Call):
            if dotted(func.value.func) == "super":
                return True
    return False


def _self_path(node: cst.BaseExpression, self_name: str) -> Optional[str]:
    """self.net.fc1 -> "net.fc1"; self.body[0] -> "body.0"; else None."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        base = _self_path(node.value, self_name)
        index = literal_number(node.slice[0].slice.value)
        return f"{base}.{int(index)}" if base and index is not None and index >= 0 else None
    text = dotted(node)
    if text and text.startswith(self_name + "."):
        return text[len(self_name) + 1 :]
    return None


def _class_name_vars(body: cst.CSTNode, var: str) -> Iterator[str]:
    """`classname = m.__class__.__name__` (or type(m).__name__) anywhere in an init function."""
    for node in _walk_nodes(body):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if _is_class_name(node.value, var, set()):
                yield node.targets[0].target.value


def _is_class_name(node: cst.CSTNode, var: str, names: set) -> bool:
    if isinstance(node, cst.Name) and node.value in names:
        return True
    text = dotted(node)
    if text == f"{var}.__class__.__name__":
        return True
    if isinstance(node, cst.Attribute) and node.attr.value == "__name__" and isinstance(node.value, cst.Call):
        inner = node.value
        return dotted(inner.func) == "type" and bool(inner.args) and dotted(inner.args[0].value) == var
    return False


def _walk_nodes(root: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child_nodes(node))


def _flat_statements(body) -> Iterator[cst.CSTNode]:
    """Statements of a body, entering if/try/with/for blocks (not functions or classes)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
            for block in _blocks(stmt):
                yield from _flat_statements(block)
        if _jumps(stmt):
            break


def _iterates_modules(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Call):
        text = dotted(node.func) or ""
        return text.endswith((".modules", ".named_modules", ".children", ".named_children"))
    return False


def _block_list(body: cst.BaseSuite) -> list:
    """The statements of a block that can run (none after a return, raise, break or continue)."""
    if not isinstance(body, cst.IndentedBlock):
        return []
    out = []
    for stmt in body.body:
        out.append(stmt)
        if _jumps(stmt):
            break
    return out


_JUMPS = (cst.Return, cst.Raise, cst.Break, cst.Continue)


def _jumps(stmt: cst.CSTNode) -> bool:
    """A statement line holding a return/raise/break/continue: the rest of its block is dead."""
    return isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(small, _JUMPS) for small in stmt.body)


def _walk_statements(body: cst.BaseSuite) -> Iterator[cst.CSTNode]:
    for stmt in _block_list(body):
        yield stmt
        if isinstance(stmt, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
            yield from _walk_statements(stmt.body)
            orelse = getattr(stmt, "orelse", None)
            while isinstance(orelse, cst.If):
                yield orelse
                yield from _walk_statements(orelse.body)
                orelse = orelse.orelse
            if orelse is not None:
                yield from _walk_statements(orelse.body)


def _walk_calls(body: cst.CSTNode) -> Iterator[cst.Call]:
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call):
            yield node
        stack.extend(reversed(child_nodes(node)))


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------


def _syntax_error(source: str, exc: cst.ParserSyntaxError) -> SourceError:
    """CPython's message and position where it has one: clearer than the parser's token list."""
    try:
        compile(source, "<source>", "exec", 0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
    except SyntaxError as error:
        return SourceError(f"SyntaxError: {error.msg}", error.lineno, error.offset)
    except (ValueError, RecursionError, MemoryError):
        pass
    return SourceError(f"SyntaxError: {exc.message}", exc.raw_line, exc.raw_column + 1)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CHECK_NODE = CSTNode.__post_init__


@contextlib.contextmanager
def _parsed_nodes_unvalidated() -> Iterator[None]:
    """Skip LibCST's check of each node as the parser builds it (a sixth of the parse).

    The check guards trees built by hand; a parsed tree of code CPython has compiled is
    valid by construction (LibCST's own comment on `CSTNode.__post_init__` says as much).
    Nodes other threads build meanwhile go unchecked too: initlint builds none."""
    CSTNode.__post_init__ = _no_check  # type: ignore[method-assign]
    try:
        yield
    finally:
        CSTNode.__post_init__ = _CHECK_NODE  # type: ignore[method-assign]


def _no_check(self: cst.CSTNode) -> None:
    pass


def parse_by_statement(source: str, c_tree: Optional[ast.Module], reuse: Optional[dict] = None) -> cst.Module:
    """cst.parse_module(source), parsed one top-level statement at a time and joined.

    LibCST's parse of a whole file costs more per line the longer the file (1.7x per line
    from 1k to 100k lines, with the garbage collector off); statement by statement it stays
    flat. CPython's tree says where statements start. The joined module is the one a whole
    parse gives: each piece's trailing lines become the next statement's leading lines, as
    LibCST itself assigns them. Pieces that disagree on the file's indent or line ending
    (None in the tree means "the module's default") fall back to the whole parse.

    `reuse` ({piece text: parsed piece}, from the previous parse of the same document) lets
    an editor's re-parse after a small change parse only the statements that changed: LibCST
    trees are immutable and position-free. It is replaced by this parse's pieces; each entry
    serves one piece at most, so no node appears twice in a tree."""
    if c_tree is None:
        return cst.parse_module(source)  # CPython has not vouched for it: LibCST checks all
    if len(c_tree.body) < 2:
        with _parsed_nodes_unvalidated():
            return cst.parse_module(source)
    body = c_tree.body
    offsets = [0]  # offset of each line's first character, 1-based lines
    offsets.extend(m.end() for m in _LINE_BREAK.finditer(source))
    starts = []
    for stmt in body:
        decorators = getattr(stmt, "decorator_list", None)
        line = min(stmt.lineno, *(d.lineno for d in decorators)) if decorators else stmt.lineno
        if line > len(offsets) or (starts and line <= starts[-1]):
            if starts and line == starts[-1]:
                continue  # `a = 1; b = 2`: one LibCST statement
            return cst.parse_module(source)
        head = source[offsets[line - 1]:offsets[line - 1] + 1]
        if (head != "@") if decorators else (not head or head in " \t\f#\r\n\\"):
            return cst.parse_module(source)  # not where a statement can start: trust LibCST alone
        starts.append(line)
    starts[0] = 1  # the first piece also holds the file's header
    bounds = [offsets[line - 1] for line in starts] + [len(source)]
    texts = [source[a:b] for a, b in zip(bounds, bounds[1:])]
    with _parsed_nodes_unvalidated():
        if reuse is None:
            pieces = [cst.parse_module(text) for text in texts]
        else:
            pieces = [reuse.pop(text) if text in reuse else cst.parse_module(text) for text in texts]
            reuse.clear()
            reuse.update(zip(texts, pieces))
    newlines = {p.default_newline for p in pieces[:-1]}
    newlines.add(pieces[-1].default_newline if _LINE_BREAK.search(source, bounds[-2]) else pieces[0].default_newline)
    indents = {p.default_indent for p in pieces if any(isinstance(s, cst.BaseCompoundStatement) for s in p.body)}
    if len(newlines) > 1 or len(indents) > 1 or any(not p.body for p in pieces):
        return cst.parse_module(source)
    statements = list(pieces[0].body)
    carried = pieces[0].footer
    for piece in pieces[1:]:
        first, *rest = piece.body
        if carried or piece.header:
            first = first.with_changes(leading_lines=(*carried, *piece.header, *first.leading_lines))
        statements.append(first)
        statements.extend(rest)
        carried = piece.footer
    return pieces[0].with_changes(
        body=statements,
        footer=carried,
        default_indent=next(iter(indents), pieces[0].default_indent),
        has_trailing_newline=pieces[-1].has_trailing_newline,
    )


def analyze(source: str, path: str, loader: Optional["ModuleLoader"] = None) -> FileModel:
    """Build the module model of one file. Raises SourceError when it does not parse.
    With a loader, functions the file imports from other modules of the program are followed."""
    return analyze_with_tree(source, path, loader)[0]


def analyze_with_tree(source: str, path: str, loader: Optional["ModuleLoader"] = None,
                      reuse: Optional[dict] = None) -> tuple[FileModel, Optional[ast.Module]]:  # fmt: skip
    """analyze(), and CPython's tree of the source it parsed first (None if CPython could
    not build one), for the fixer to reuse. `reuse`: see parse_by_statement."""
    with collector_paused():
        return _analyze(source, path, loader, reuse)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for one file's work.

    A tree of a million live nodes makes each of its collections walk all of them: that
    cost a sixth of the parse, and more the longer the file. The tree is freed by reference
    counting; what cycles the work leaves go at the first collection after this."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _analyze(source: str, path: str, loader: Optional["ModuleLoader"] = None,
             reuse: Optional[dict] = None) -> tuple[FileModel, Optional[ast.Module]]:  # fmt: skip
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
    short_codes = _SHORT_CODES.set({})  # it holds nodes of this tree: gone with the analysis
    try:
        fa = FileAnalysis(module, path, source)
        fa.c_tree = c_tree  # compute_spans reads statement lines from it instead of parsing again
        fa.loader = loader
        if loader is not None:
            loader.consulted = {}
        model = _run_with_lines(fa)
        if loader is not None:
            model.consulted = dict(loader.consulted)
    except RecursionError:
        raise SourceError("too deeply nested to analyse") from None
    finally:
        _SHORT_CODES.reset(short_codes)
    return model, c_tree


class ModuleLoader:
    """Other modules of the program, parsed on demand (never imported) for the functions a file
    calls from them. Remembers the last `capacity` modules it parsed, and the digest of every
    module one analysis consulted (`consulted`), so that a cached result can be checked."""

    def __init__(self, paths: Iterable[str], capacity: int = 64, texts: Optional[dict] = None):
        from .program.modules import ModuleIndex

        self.texts = texts or {}  # path -> source text given in memory (else read from disk)
        self.index = ModuleIndex.of({path: None for path in [*paths, *self.texts]})
        self.capacity = capacity
        self.parsed: dict = {}  # path -> (FileAnalysis or None, digest)
        self.consulted: dict = {}  # path -> sha256 of the bytes read, for the current analysis

    def lookup(self, importer: FileAnalysis, written: str) -> Optional[tuple[str, FileAnalysis, str]]:
        """("function" | "class", module, name) that `written` names in `importer`, or None."""

        def members(path: str) -> Optional[tuple]:
            module = self.module(path)
            if module is None:
                return None
            kinds = {name: "class" for name in module.classes if name not in module.variants}
            kinds.update(dict.fromkeys(module.functions, "function"))
            return kinds, module.imports.names

        found = self.index.follow(importer.path, written, members, dotted=False)
        return (found[2], self.module(found[0]), found[1]) if found is not None else None

    def module(self, path: str) -> Optional[FileAnalysis]:
        if path not in self.parsed:
            self.parsed[path] = self._parse(path, self.texts.get(path))
            if len(self.parsed) > self.capacity:
                del self.parsed[next(iter(self.parsed))]
        module, digest = self.parsed[path]
        if module is not None:
            module.loader = self  # its own imports are followed too
            self.consulted[path] = digest
        return module

    @staticmethod
    def _parse(path: str, text: Optional[str]) -> tuple:
        import hashlib

        from . import sources

        try:
            source = sources.read(path) if text is None else sources.from_bytes(path, text.encode("utf-8"))
            from .api import parse_view  # large data literals set aside, as for the files checked

            code = parse_view(source.text)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c_tree = compile(code, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
            module = FileAnalysis(parse_by_statement(_without_final_continuation(code), c_tree), path, code)
            module.c_tree = c_tree
            module.collect()
        except (sources.ReadError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
            return None, ""
        return module, hashlib.sha256(source.data).hexdigest()


def _without_final_continuation(source: str) -> str:
    """CPython takes a line continuation just before the end of the file (`x\\` + newline, EOF)
    as nothing; LibCST's tokenizer rejects it. Drop it: no statement changes, no position moves."""
    body = source.rstrip("\r\n")
    if not body.endswith("\\") or body.endswith("\\\\"):
        return source
    return body[:-1] + source[len(body):]


def _run_with_lines(self: FileAnalysis) -> FileModel:
    """Run, then name the line of each explicit init call in its evidence (the lines came with
    the layers' positions, in the same pass)."""
    model = self.run()
    if self.pending_lines:
        for layer in model.layers:
            if layer.init_call is not None and layer.init_evidence.endswith("`") and layer.init_call.line > 0:
                layer.init_evidence = f"{layer.init_evidence} (line {layer.init_call.line})"
    return model

