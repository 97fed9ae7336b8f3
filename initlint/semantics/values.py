"""The abstract values the interpreter computes.

A tensor is a `Flow`: the set of layer sites whose output reaches it through transparent ops
only. Calling an activation on a flow records that activation for every site in it; any other
op records "none"; an op we cannot see records "unknown". A site that ends up with disagreeing
outcomes is unknown: the analysis never guesses. Modules are `LayerV`, `ActV`, `ChainV`... ;
`merge_envs` and `alternative` join what the branches of an `if` bind."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Optional, Union

import libcst as cst

from .. import catalogue
from ..model import REQUIRED, InitCall  # noqa: F401 - REQUIRED re-exported for the interpreter
from ..syntax.nodes import literal_number, literal_string, short_code
from .imports import torch_nn_name

if typing.TYPE_CHECKING:  # annotations only: a runtime import would be a cycle
    from .file import FileAnalysis


MAX_INLINE_DEPTH = 4  # helper/method inlining depth; deeper calls are unknown


MODULE_CODE = "__module__"  # the function name a script's top-level statements are run as


@dataclass(eq=False)
class Site:
    """One place a Conv/Linear layer is built (per class that builds it)."""

    layer_type: str
    node: cst.CSTNode  # the expression reported (layer call, or the helper call in the class)
    class_name: Optional[str]
    name: Optional[str] = None
    # another module's layer as one construction of its block built it (a flag run's, `FileAnalysis.flag_run`):
    # [container class, attribute] of that construction, which what follows it here is recorded under
    use_tag: Optional[list] = None
    outcomes: list = field(default_factory=list)  # (activation, param, evidence)
    anchor: Optional[cst.CSTNode] = None  # statement the fix goes after
    weight: Optional[str] = None  # expression of its weight at the anchor
    loop_over: Optional[str] = None  # a container every element of which is this layer (ModuleList comprehension)
    fix_reason: Optional[str] = None
    explicit_init: Optional[InitCall] = None
    init_state: Optional[str] = None  # set when decided locally ("explicit"/"unknown")
    init_evidence: str = ""
    explicit_at: Optional[tuple] = None  # (function, node) of the explicit init, for its order among routines
    subclass_init: Optional[str] = None  # a layer subclass that inits its own weight (its reset_parameters, its __init__)
    subclass_init_surely: bool = True  # False: its __init__ does so under a condition
    function: Optional[str] = None  # the free function that builds it (class-less layers)
    local_class: Optional[str] = None  # a subclass of the layer type defined in this file (class MyConv(nn.Conv2d))
    branches: tuple = ()  # the undecided branches it is built in, outermost first
    against_defaults: tuple = ()  # ConstructorDefaults whose values skip those branches: built only for other values
    skipped_by: tuple = ()  # ConstructorDefaults that decided to skip the branch it is built in (listed, never judged)
    branch_defaults: tuple = ()  # ConstructorDefaults that decided forward branches its output went through
    conditional_build: bool = False  # built under a condition of its constructor (decided or not): some constructions may not build it
    built_if: tuple = ()  # ConstructorDefaults that decided the branches it is built in (`temb_channels=512`, `is not None`)
    output_head: bool = False  # its activation's output is what a top-level model returns
    init_open: bool = False  # "default" because nothing in this file initialises it; other modules may
    module_path: str = ""  # the file whose analysis built it (another module's, when followed from here)
    open_output: Optional[str] = None  # the unused class whose output it is ("none" / a head); others may use it
    norm: Optional[str] = None  # a norm its output goes through before any activation (conv -> BN -> ReLU)
    feeds: set = field(default_factory=set)  # layers its output (after its activation) goes into
    inputs: set = field(default_factory=set)  # what flows into it (sites, module inputs, activation outputs)
    added_to: set = field(default_factory=set)  # what its output is added to (x + branch(x): x's)
    split_by: Optional[str] = None  # `.chunk()` and the like divided its output into parts
    # activations another class's forward of this file applies to its output itself (`torch.tanh(self.b.fc(x))`
    # past its block's forward): kept when its uses are settled, which run only its own class's code
    foreign: list = field(default_factory=list)
    # its own class's forward decided something that follows it (not its construction's nn.Sequential):
    # a subclass's own forward may decide otherwise (ClassFact.forward_layers)
    own_forward: bool = False
    through_defaults: tuple = ()  # ConstructorDefaults of the norms its output went through (a norm parameter's default)
    # Built in a helper of this file (reported at each call): where the helper binds it, so one
    # init there covers every call (`conv2d = nn.Conv2d(...)`, `layers.append(...)` -> layers[-1])
    helper_anchor: Optional[cst.CSTNode] = None
    helper_weight: Optional[str] = None
    helper_node: Optional[cst.CSTNode] = None  # a call in the anchor statement (for its position)
    helper: Optional[str] = None  # the helper's name
    helper_shared: bool = False  # a module-level function: other modules may call it too
    # the other classes it may be, built by one call of a class chosen among several (`conv_type(...)`,
    # conv_type one of Conv1d/2d/3d by a dimension its callers pass): layer_type is the first
    alt_types: tuple = ()
    raw_on_other_path: bool = False  # its forward returns it raw on one path, activated on another

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
    norm: Optional[str] = None  # a norm its input goes through before any activation (a Sequential's BatchNorm)

    def record(self, activation: str, param: Optional[float], evidence: str) -> None:
        outcome = (activation, param, evidence)
        if outcome not in self.outcomes:  # the same use seen again (loops run twice)
            self.outcomes.append(outcome)


@dataclass(eq=False)
class UseProbe:
    """The output of one construction of a class of this file (`self.reduce = ConvLayer(...,
    act=False)`), where a forward applies it: rides in the flow it returns, so that whatever
    follows that output records here too. What a layer the block returns meets at that use
    (`FileAnalysis._outcomes_for_call`). Not a site: no row, no interface fact."""

    owner: str
    outcomes: list = field(default_factory=list)
    fix_reason: Optional[str] = None  # as a Site's: an activation a config default chose there
    open_output: Optional[str] = None  # as a Site's: the unused class whose output it is

    def record(self, activation: str, param: Optional[float], evidence: str) -> None:
        outcome = (activation, param, evidence)
        if outcome not in self.outcomes:
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
        if isinstance(site, UseProbe):
            continue
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
            if isinstance(site, (Site, InputSite)) and site.norm is None:
                site.norm = name


def note_residual(*flows: "Flow") -> None:
    """`x + branch(x)`: what each layer's output is added to, so a branch that starts from the
    same signal it is added back to can be told from a sum of two signals (a U-Net's skip)."""
    for flow in flows:
        others = frozenset(s for other in flows if other is not flow for s in other.sites if not isinstance(s, UseProbe))
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


@dataclass(frozen=True)
class ConstructorDefault:
    """A constructor parameter whose default chose an activation (`act_layer=nn.GELU`): callers
    elsewhere may pass another. `path`: the module that defines `owner`, when it is one of its
    classes (the program stage then looks for such callers)."""

    owner: Optional[str]
    param: str
    default: str  # the default's qualified name
    path: Optional[str] = None
    # (where, name) of the key -> class table the parameter is read through (a key passed is the class
    # it gives there): a program module's path and a registry of its summary, or a library's module
    # and function (`timm.layers.create_act`, `get_act_layer`), whose table library/hooks serves
    registry: tuple = ()
    # the left of `force_act_layer or act_layer`: a class passed for it is the activation, whatever the
    # parameters it overrides are given (those are its facts' next ones)
    overrides: bool = False
    # a field of a config object read at its class's default (`cfg.act`, `owner` that class, `path` its
    # module): a construction of that class in the program passing the field decides otherwise
    object_field: bool = False


class Evidence(str):
    """Evidence text that says by type what it rests on, so that nothing reads its wording:
    `defaults`, the constructor defaults that chose the activation; `open_params`, for an
    unknown outcome, the constructor parameters whose values (not known here) decide it, as
    `ConstructorDefault`s (an entry point's run may know them). Text built from it keeps
    them (`derived`)."""

    defaults: tuple = ()
    open_params: tuple = ()

    @classmethod
    def assuming(cls, text: str, defaults: tuple) -> "Evidence":
        made = cls(text)
        made.defaults = defaults
        return made


def with_facts(evidence: str, facts: tuple) -> str:
    """The same evidence, resting on `facts` as well."""
    if not facts:
        return evidence
    made = Evidence.assuming(str(evidence), tuple(dict.fromkeys((*getattr(evidence, "defaults", ()), *facts))))
    made.open_params = getattr(evidence, "open_params", ())
    return made


def derived(text: str, *sources: str) -> str:
    """Evidence `text` built from `sources`: it rests on what they rest on."""
    defaults = tuple(fact for source in sources for fact in getattr(source, "defaults", ()))
    open_params = tuple(fact for source in sources for fact in getattr(source, "open_params", ()))
    if not open_params:
        return Evidence.assuming(text, defaults) if defaults else text
    made = Evidence.assuming(text, defaults)
    made.open_params = open_params
    return made


@dataclass
class ActV:
    activation: str
    param: Optional[float]
    evidence: str
    chosen_by: Optional[str] = None  # a config default that picked it (`config.hidden_act`): other configs pick others


@dataclass
class TransparentV:
    what: str
    # the constructor defaults that made it this module (`norm_layer=nn.BatchNorm2d` built by the
    # block's own code): what follows a layer through it rests on them too
    defaults: tuple = ()


@dataclass
class ClassRefV:
    """A class or factory not yet called: nn.ReLU, Bottleneck, a layer class."""

    qualname: str  # "torch.nn.ReLU" or "local:Bottleneck"
    evidence: str = ""
    bound: tuple = ()  # arguments bound by functools.partial(cls, ...), given before the call's own
    passed_by: str = ""  # where a constructor's callers passed it ("by tiny() in net.py"), for evidence
    # constructor defaults that chose it (`act = nn.ReLU if use_relu else nn.Tanh`): what it builds rests on them
    rests_on: tuple = field(default=(), compare=False)


@dataclass
class InstV:
    """An instance of a class defined in this file (or, with `module`, in another module of the program)."""

    cls: str
    module: Optional["FileAnalysis"] = None
    passed: dict = field(default_factory=dict)  # parameter -> value given at construction (other modules' classes)
    call: Optional[cst.Call] = field(default=None, compare=False, repr=False)  # the construction, for its `UseProbe`
    # constructor defaults that chose it (`if processor is None: processor = AttnProcessor()`): what its
    # code does where the module calls it rests on them (a caller may pass another)
    rests_on: tuple = field(default=(), compare=False)
    # a class of this file: parameter -> what its construction passed (the modules it holds: `Residual(fn)`)
    given: Optional[dict] = field(default=None, compare=False, repr=False)
    # built from a constructor parameter's default (`act=Swish`, a class of the program with no layers):
    # what its forward does to its input rests on that default, which callers elsewhere may replace
    defaults: tuple = field(default=(), compare=False)


@dataclass
class IgnoringV:
    """A callable that drops what it is given (`lambda *args, **kwargs: val`, lucidrains' `always(val)`):
    what goes into it meets nothing there; no module."""

    what: str


@dataclass
class ChainV:
    """nn.Sequential (or a list of modules): items in order, with loops and alternatives.

    items: list of (name, value) | ("<loop>", [items]) | ("<alt>", [[items], ...])
    """

    items: list
    kind: str = "sequential"  # "sequential" | "list" (ModuleList / python list: not chained)
    summary: Optional["Summary"] = None
    # a Python list, tuple or dict (not an nn container): held by a module, it is no submodule of it
    plain: bool = field(default=False, compare=False)


@dataclass
class ParamV:
    name: str
    default: object
    owner: Optional[str] = None  # the class (or free function) whose constructor takes it
    or_none: bool = False  # some call passes None instead of the default: `is None` tests stay undecided
    # (owner, parameter, default) of other parameters whose defaults this value also rests on
    # (`force_act_layer or act_layer`: force_act_layer's None)
    also: tuple = ()
    registry: tuple = ()  # read through a registry (`ACTS[act]`): its ConstructorDefault.registry
    # (owner, parameter, default) of the constructor parameters of this module's classes that build it
    # passing theirs on (`ConvAct(c, act_layer=act_layer)` in Unit): other modules may set those
    carried: tuple = ()


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
    module: Optional[object] = None  # the FileAnalysis whose code defines a nested one: its names are read there


@dataclass
class RepeaterV:
    """A function a library call returned that makes a tuple of its one argument: the argument's own
    items where it is a sequence, else that argument repeated (timm's `to_ntuple(n)`, library/hooks)."""

    evidence: str


@dataclass
class UnknownV:
    why: str
    # a module built by a constructor parameter whose callers pass values not known here: that
    # parameter (`ConstructorDefault`; default REQUIRED where it has none), which an entry point's run may know
    open_params: tuple = ()
    # a module built through a constructor parameter whose callers pass classes not known here: the
    # instance its declared default (a class of another module, `mlp_layer=Mlp`) makes, where no caller
    # passes another; what follows its layers' output here holds for them wherever that class is the one built
    may_be: tuple = ()
    plain: bool = False  # surely no module: a number this code computes (`stride * 2`, `math.sqrt(dim)`)



@dataclass(eq=False)
class ObjectV:
    """An instance of a plain data class (a model's config) as built with its defaults: the
    attributes whose default is a literal, each with where it is written (`hidden_act: str = "gelu"`)."""

    qualname: str
    fields: dict  # attribute -> (("<literal>", node) | NONE_V, "Class.attr in file.py")


NONE_V = "<None>"


Value = object


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


def _type_matches(site: "Site", types: frozenset) -> Optional[bool]:
    """Does an isinstance / class-name test of an init routine take this layer? None: not known
    (it takes some of the classes the layer may be, or its types are not all read here)."""
    return catalogue.init_types_reach(site.layer_type, site.local_class, types, site.alt_types)


def _surely_tensor(value: object) -> bool:
    """A layer's output on every path (not None on some)."""
    return isinstance(value, Flow) and bool(value.sites) and not isinstance(value, MaybeNone)


def _short_ref(ref: ClassRefV) -> str:
    name = torch_nn_name(ref.qualname)
    return f"nn.{name}" if name else ref.qualname.replace("local:", "")


def registered_modules(attrs: dict, fa=None, maybe: Iterable = ()) -> list:
    """A module's submodules in the order they were registered (what nn.Sequential.forward runs):
    every attribute that may hold a module; plain values (numbers, flags, classes) do not run.
    A constructor's parameter held as it is may be a module its callers pass (`self.act = act`),
    unless `fa` shows it is none (`FileAnalysis.plain_param`). `maybe`: attributes bound on some
    ways through its constructor only, each there or not."""
    items: list = []
    for key, value in attrs.items():
        if key == "<items>" and isinstance(value, ChainV):
            items.extend(value.items)
        elif isinstance(value, ChainV) and value.plain:
            continue  # a Python list or dict attribute: nn.Module registers no submodule for it
        elif _may_be_module(value, fa):
            items.append(("<alt>", [[(key, value)], []]) if key in maybe else (key, value))
    return items


def _may_be_module(value: object, fa=None) -> bool:
    if isinstance(value, ChainV) and value.kind == "alt":
        return any(_may_be_module(option, fa) for _, option in value.items)
    if isinstance(value, ParamV):
        return not (fa is not None and value.owner is not None and fa.plain_param(value.owner, value.name))
    return not (isinstance(value, (ClassRefV, FunctionRefV, IgnoringV)) or value == NONE_V
                or isinstance(value, UnknownV) and value.plain
                or (isinstance(value, tuple) and bool(value) and value[0] == "<literal>"))  # fmt: skip


def _index_of(node: cst.Subscript) -> Optional[cst.BaseExpression]:
    """The one index written in `x[...]` (not a slice, not several), else None."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return node.slice[0].slice.value


def _literal_position(node: cst.Subscript) -> Optional[int]:
    """The integer literal `x[2]` (or `x[-1]`) is indexed by, else None."""
    index = _index_of(node)
    position = literal_number(index) if index is not None else None
    return int(position) if position is not None and position == int(position) else None


def keyed_element(chain: ChainV, node: cst.Subscript) -> Optional[object]:
    """`op_dict["A"]` on a dict built here: the value last bound to that key; unknown where a key
    not known was bound too (or none was bound: Python raises). None: not a dict and a literal key."""
    if chain.kind != "list" or not chain.items or any(k is None for k, _ in chain.items):
        return None
    key = literal_string(_index_of(node))
    if key is None:
        return None
    if any(k in ("*", "<loop>", "<alt>") for k, _ in chain.items):
        return UnknownV(f"`{short_code(node)}`: the dict has keys not known here")
    found = [value for k, value in chain.items if k == key]
    return found[-1] if found else UnknownV(f"`{short_code(node)}`: no such key")


def set_item(chain: ChainV, node: cst.Subscript, value: object, conditional: bool) -> None:
    """`op_dict["A"] = get_act_layer(act)` on a dict or list built here, in place (other names for
    it see it too): the key's value replaced where the statement surely runs; where it may not, or
    the key or position is not known, what that key (or every item) holds is no longer known."""
    key = literal_string(_index_of(node))
    is_dict = bool(chain.items) and all(k is not None for k, _ in chain.items)
    why = UnknownV(f"`{short_code(node)}` is set {'under a condition' if conditional else 'by a key not known here'}")
    if is_dict and key is not None:
        kept = [(k, v) for k, v in chain.items if k != key]
        chain.items[:] = [*kept, (key, why if conditional else value)]
        return
    position = exact_position(chain, node)
    if position is not None and not conditional:
        chain.items[position] = (chain.items[position][0], value)
        return
    chain.items[:] = [(k if k is None or k == "*" else "*", why) for k, _ in chain.items] or [("*", why)]


def exact_position(chain: ChainV, node: cst.Subscript) -> Optional[int]:
    """The index of `chain[2]` in its items when every item up to it has a certain place."""
    position = _literal_position(node)
    if position is None or not 0 <= position < len(chain.items):
        return None
    if any(k in ("<loop>", "<alt>") for k, _ in chain.items[: position + 1]):
        return None
    return position


def exact_element(chain: ChainV, node: cst.Subscript) -> Optional[object]:
    """chain[2] when every item before it has a certain place."""
    items = chain.items
    if _literal_position(node) == -1:  # layers[-1] right after `layers.append(...)`
        return items[-1][1] if items and items[-1][0] is None else None
    position = exact_position(chain, node)
    return items[position][1] if position is not None else None


def elements_at(chain: ChainV, node: cst.Subscript, most: int = 64) -> Optional[list]:
    """The items `chain[i]` may be, over the layouts its conditional items allow (`if decoder:
    layers.append(Cross)` between two certain items: `layers[1]` is Cross or the next); None where
    that is not known (not a literal index, a loop's items before it, too many layouts)."""
    position = _literal_position(node)
    if position is None:
        return None
    layouts: list = [[]]
    for key, value in chain.items:
        if key == "<loop>":
            return None
        if key == "<alt>":
            options = [[v for _, v in branch] if all(k not in ("<loop>", "<alt>") for k, _ in branch) else None
                       for branch in value]  # fmt: skip
            if any(option is None for option in options):
                return None
            layouts = [layout + option for layout in layouts for option in options]
            if len(layouts) > most:
                return None
        else:
            layouts = [layout + [value] for layout in layouts]
    found: list = []
    for layout in layouts:
        if -len(layout) <= position < len(layout) and not any(layout[position] is f for f in found):
            found.append(layout[position])
    return found or None


EMPTY = "empty container"


def list_element(value: object) -> object:
    """The element of a module list, for `for layer in self.layers` and `self.layers[i]`."""
    if isinstance(value, ChainV) and value.kind == "alt":
        # one of several containers (`nn.ModuleList([norm, conv]) if c else nn.ModuleList()`): an
        # element of one that has any (a loop over an empty one does not run)
        options = [list_element(option) for _, option in value.items if option != NONE_V]
        found = [option for option in options if not (isinstance(option, UnknownV) and option.why == EMPTY)]
        if not found:
            return options[0] if options else UnknownV(EMPTY)
        return one_of(found)
    if isinstance(value, ChainV):
        flat = list(_flatten(value.items))
        if not flat:
            return UnknownV(EMPTY)
        return one_of(flat)
    if isinstance(value, ParamV):
        return UnknownV(f"element of parameter {value.name}")
    return UnknownV("element of something not known")


def unpacked_items(value: object, count: int) -> Optional[list]:
    """`for attn, ff in self.layers` over a list of ModuleLists: the modules at each of `count`
    positions of the element (one of them where the element is one of several lists), or None
    when a position is not known (a list filled in a loop, an item spread in, another length, a dict)."""
    if isinstance(value, ChainV) and value.kind == "alt":
        options = [unpacked_items(option, count) for _, option in value.items if option != NONE_V]
        if not options or any(option is None for option in options):
            return None
        return [one_of([option[i] for option in options]) for i in range(count)]
    if not isinstance(value, ChainV) or len(value.items) != count:
        return None
    if any(key in ("<loop>", "<alt>", "*") for key, _ in value.items):
        return None
    if value.kind != "sequential" and any(key is not None for key, _ in value.items):
        return None  # a dict's (a ModuleDict's) iteration gives its keys
    return [item for _, item in value.items]


class NotLast(list):
    """The branches of an `<alt>` whose `if` holds on every iteration of the loop around it but
    the last (`if i != len(blocks) - 1:`): the loop's final iteration takes the else branch."""


def last_iteration(items: list) -> Optional[list]:
    """A loop body's items as its final iteration runs them (NotLast alternatives take their
    else branch; nested loops keep theirs); None when that is every iteration."""
    out: list = []
    changed = False
    for key, value in items:
        if key == "<alt>" and isinstance(value, NotLast):
            out.extend(last_iteration(value[1]) or value[1])
            changed = True
        elif key == "<alt>":
            branches = [last_iteration(branch) for branch in value]
            changed = changed or any(b is not None for b in branches)
            out.append((key, [b if b is not None else branch for b, branch in zip(branches, value)]))
        else:
            out.append((key, value))
    return out if changed else None


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


MAX_ALTERNATIVES = 64  # what a value may be, over branches and calls; past it: unknown


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
    options: list = []
    seen: set = set()
    for v in (a, b):
        for key, item in v.items if isinstance(v, ChainV) and v.kind == "alt" else [(None, v)]:
            if key is None and id(item) in seen:
                continue  # the same value reached on two paths: merging paths again must not double it
            seen.add(id(item))
            options.append((key, item))
    if len(options) > MAX_ALTERNATIVES:
        return UnknownV(f"more than {MAX_ALTERNATIVES} alternatives")
    return ChainV(options, "alt")


def _options_of(value: object, kind: type) -> list:
    """The values of type `kind` a value holds: itself, or each of several (`A() if c else B()`); []
    where it holds anything else."""
    options = [item for _, item in value.items] if isinstance(value, ChainV) and value.kind == "alt" else [value]
    return options if options and all(isinstance(option, kind) for option in options) else []


def instances_of(value: object) -> list:
    return _options_of(value, InstV)


def classes_of(value: object) -> list:
    """`nn.ReLU if c else nn.Tanh`: each class, as instances_of gives instances."""
    return _options_of(value, ClassRefV)


def instances_resting_on(value: object, facts: tuple) -> object:
    """Those instances (or classes: both keep `rests_on`), chosen by constructor defaults `facts` as well."""
    def tagged(option):
        return dataclasses.replace(option, rests_on=tuple(dict.fromkeys((*option.rests_on, *facts))))

    if isinstance(value, ChainV):
        return ChainV([(key, tagged(item)) for key, item in value.items], "alt")
    return tagged(value)


classes_resting_on = instances_resting_on


def one_of(values: list) -> object:
    """What may be any of `values` (at least one): their alternatives, merged where alike."""
    value = values[0]
    for other in values[1:]:
        value = alternative(value, other)
    return value


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


def named_item(held: object, name: str) -> object:
    """The item a ModuleDict (or a Sequential of an OrderedDict) holds under `name`, where its
    keys are all known (a key not read, "*", may be that very name); else None."""
    if not isinstance(held, ChainV) or held.kind not in ("list", "sequential"):
        return None
    named = [value for key, value in held.items if key == name]
    unread = any(key in ("*", "<loop>", "<alt>") for key, _ in held.items)
    return named[0] if len(named) == 1 and not unread else None
