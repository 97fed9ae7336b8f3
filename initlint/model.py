"""Plain data passed between the stages: analysis -> rules -> findings -> report or fix.

Nothing here knows about LibCST or torch. Lines are 1-based; columns are 1-based, as
ruff prints them.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Optional

# What the fix options may be set to: the fixer and the config both read these.
DISTRIBUTIONS = ("uniform", "normal")
MODES = ("fan_in", "fan_out")
BIAS_CHOICES = ("keep", "zeros")


@dataclass(frozen=True)
class FixOptions:
    """`fix-distribution`, `fix-mode`, `fix-bias` from `[tool.initlint]`."""

    distribution: str = "uniform"
    mode: str = "fan_in"
    bias: str = "keep"

    def __post_init__(self) -> None:
        for value, allowed, key in (
            (self.distribution, DISTRIBUTIONS, "fix-distribution"),
            (self.mode, MODES, "fix-mode"),
            (self.bias, BIAS_CHOICES, "fix-bias"),
        ):
            if value not in allowed:
                raise ValueError(f"{key} must be one of {', '.join(allowed)}, not {value!r}")

    @classmethod
    def coerce(cls, options: Any) -> "FixOptions":
        """Accept None, a FixOptions, a mapping (`fix-mode` or `fix_mode` keys) or a config
        object with `fix_distribution` / `fix_mode` / `fix_bias` attributes."""
        if options is None:
            return cls()
        if isinstance(options, cls):
            return options
        values = {}
        for attr in ("distribution", "mode", "bias"):
            for key in (f"fix-{attr}", f"fix_{attr}", attr):
                if isinstance(options, dict):
                    found = options.get(key)
                else:
                    found = getattr(options, key.replace("-", "_"), None)
                if found is not None:
                    values[attr] = found
                    break
        return cls(**values)


@dataclass
class InitCall:
    """An explicit initialisation applied to a layer's weight, as written in source."""

    function: str  # e.g. "kaiming_uniform_", "xavier_normal_", "normal_", "trunc_normal_"
    text: str  # the call as written, shortened for messages
    line: int
    nonlinearity: Optional[str] = None  # kaiming's nonlinearity= (None when not given)
    a: Optional[float] = None  # kaiming's a= (negative slope)
    gain_name: Optional[str] = None  # gain=calculate_gain("...") of xavier & co
    gain_param: Optional[float] = None
    mode: Optional[str] = None  # kaiming's mode=
    gain: Optional[float] = None  # a numeric gain= of xavier & co (gain=math.sqrt(2)), when written as a number
    undecided: Optional[str] = None  # set when an argument that decides the gain cannot be read statically
    path: Optional[str] = None  # the module it is written in, when not the layer's (a routine imported from there)

    def where(self, layer_path: str) -> str:
        """`line 12`, or `inits.py:12` for a call written in another module than the layer's."""
        return f"line {self.line}" if self.path in (None, layer_path) else f"{self.path}:{self.line}"


# The unsafe reason of a block's fix whose activation rests on a constructor default: a use that
# is judged with its own arguments (the program stage) no longer rests on it.
DEFAULT_ACTIVATION_ASSUMED = "the activation is a constructor parameter's default"
PROGRAM_CONSTRUCTIONS_AGREE = "the activation is what every construction in the program passes, not the class's default"


@dataclass
class FixPlan:
    """Where and how an init call for this layer can be inserted, as the analysis saw it.

    The fixer turns this into text; it never re-reads the tree. `reason` is set (and the
    rest may be empty) when the layer must not be fixed automatically.
    """

    insert_after_line: int = 0  # the last line of the statement the init goes after
    indent: str = ""  # indentation of that statement, as written (tabs stay tabs)
    weight: str = ""  # expression for the weight, e.g. "self.body[0].weight"
    loop_over: Optional[str] = None  # container to loop over (ModuleList built inline)
    reason: Optional[str] = None  # why it cannot be fixed, when it cannot
    unsafe_reason: Optional[str] = None  # an assumption the fix rests on that the file cannot prove
    in_function: Optional[str] = None  # the helper the init goes in (its layers are reported at each call)


@dataclass
class Layer:
    """One Conv/Linear layer construction found in source: what follows it, how it is initialised."""

    path: str
    line: int  # where the expression that builds the layer starts (the call in the class)
    column: int
    end_line: int
    end_column: int
    class_name: Optional[str]  # enclosing nn.Module class; None for a free function
    name: Optional[str]  # as named_modules() names it relative to class_name ("features.0", "blocks.*")
    layer_type: str  # "Conv2d", "Linear", ...
    activation: str  # one of catalogue.VOCABULARY
    activation_param: Optional[float]
    activation_evidence: str
    init: str  # "default" | "explicit" | "unknown"
    init_evidence: str
    init_call: Optional[InitCall] = None
    fix: Optional[FixPlan] = None
    recommended: Optional[str] = None  # the init call to use, filled from the catalogue
    output_head: bool = False  # the output of its activation is what the model returns (a generator's Tanh)
    # For the program stage (initlint/program): why this file alone decided what it did.
    init_open: bool = False  # "default" only because nothing in this file initialises it
    open_output: Optional[str] = None  # "none" or a head only because no class of this file uses this class
    activation_defaults: list = field(default_factory=list)  # [class, param]: constructor defaults that chose the activation
    related: list = field(default_factory=list)  # [path, line]: where other files decided something about it
    norm_after: Optional[str] = None  # a norm between it and its activation ("BatchNorm2d")
    residual_branch: bool = False  # it and the layers it feeds end in a residual add (x + fc2(act(fc1(x))))
    chain: int = 1  # layers in its chain: linked layer -> activation -> layer with no norm between
    impact: float = 1.0  # how many times the chain's default inits shrink the forward signal's std (1: not at all)
    # the other chain members' part of `impact` (None: a norm or residual add makes it 1): a row judged
    # again at a use, with another activation or init, has its impact from it (rules.impact_of)
    chain_others: Optional[float] = None
    weight: Optional[str] = None  # Python for its weight where an init would go ("self.body[0].weight")
    container: Optional[str] = None  # a container every element of which is this layer ("self.blocks")
    # The program stage: [activation, param, evidence] as its own file decided them (kept so that
    # linking again starts from there), and whether it is judged at its uses instead of here.
    built_activation: Optional[list] = None
    moved: bool = False
    # Its class judged at each of its constructions in its own file: what it meets when built with the
    # constructor defaults, [activation, param, evidence, [[class, param, default], ...] that chose it],
    # from which the program judges other files' constructions; and, where this file's constructions
    # all agreed with this row (no rows of their own), each of them: [container, line, column,
    # end_line, end_column, attribute or None], to be judged apart if another file's disagrees.
    # On a row at a use left unknown only by what the container's callers pass (values not known in
    # the file), the start and those container parameters, judged at each entry point (REQUIRED: no default).
    as_defaults: Optional[list] = None
    # What it meets where a construction passes another literal for a flag its activation rests on
    # (`apply_act=False`): [[class, param, literal, activation, param, evidence, [params it then rests
    # on], [path, class, layer] other modules' `followed` records name it by], ...]; activation RETURNED
    # where its class's forward then returns it (what follows is what the caller does with the output).
    flag_variants: Optional[list] = None
    # config fields the activation was read at the default of (`cfg.act`): [module path, class, field,
    # default]; a construction of that class in the program passing the field makes it unknown
    object_defaults: list = field(default_factory=list)
    agreed_uses: Optional[list] = None  # None, not a factory: models cached before it was added read as None
    at_use: bool = False  # a copy of another class's layer, judged at this use of that class (linking again replaces it)
    # judged at a use of the class that builds its block ([path, line] of the block's constructions there): it
    # speaks for the layers built through one of those constructions only
    via: list = field(default_factory=list)
    conditional_build: bool = False  # built under a condition of its class's constructor: a construction may not build it
    # [class, parameter, default] of the constructor defaults whose None test decided the branch it is built
    # in (`if temb_channels is not None:`): a construction flipping that test does not build it
    built_if: list = field(default_factory=list)
    function: Optional[str] = None  # the free function that builds it (class_name None): its callers build it
    # Stable id of its construction site within the file (class, named_modules() path, type; `#k` for the
    # k-th repeat): unlike line and column it survives edits elsewhere. Findings and fixes carry it.
    site: str = ""
    # the other classes it may be (one call building a class chosen among several): an init routine
    # taking only some of them may or may not reach it
    alt_types: list = field(default_factory=list)

    def row(self) -> dict:
        """The `inspect` JSON row."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "class": self.class_name,
            "layer": self.name,
            "layer_type": self.layer_type,
            "activation": self.activation,
            "activation_param": self.activation_param,
            "activation_evidence": self.activation_evidence,
            "init": self.init,
            "init_evidence": self.init_evidence,
            "recommended": self.recommended,
        }


@dataclass
class GainCall:
    """A `calculate_gain(...)` call anywhere in the file (torch rejects some names at run time)."""

    name: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class ModuleModel:
    """One nn.Module subclass: its layers and the init routines it owns."""

    name: str
    line: int
    layers: list[Layer] = field(default_factory=list)
    init_routines: list[str] = field(default_factory=list)  # e.g. "_init_weights", "reset_parameters"
    contained_by: dict[str, list[str]] = field(default_factory=dict)  # classes of the file that build it -> their init routines


@dataclass
class FileModel:
    """Everything the rules may read about one file."""

    path: str
    modules: list[ModuleModel] = field(default_factory=list)
    free_layers: list[Layer] = field(default_factory=list)  # built outside any class
    gain_calls: list[GainCall] = field(default_factory=list)
    nn_alias: Optional[str] = None  # how the file spells torch.nn ("nn", "torch.nn"), if it can
    init_alias: Optional[str] = None  # how it spells torch.nn.init ("nn.init", "init"), if it can
    import_line: int = 0  # last line of the import block, where a missing import would go
    summary: Optional["ModuleSummary"] = None  # what other modules may read of this one
    # the last fields only decide whether a stored model is fresh (api._linked_digest leaves them out)
    consulted: dict = field(default_factory=dict)  # path -> program.modules.consulted_digest of other modules whose code it followed
    # what other modules' analyses read of this one, hashed (semantics/interface.py): a module
    # that consulted it is analysed again only when this changes
    interface: str = ""
    # imports its analysis followed in vain: [target, importer path, the module path the target's
    # longest prefix named then or ""]; a module added since under that name makes it stale
    unresolved: list = field(default_factory=list)

    @property
    def layers(self) -> list[Layer]:
        out = [layer for module in self.modules for layer in module.layers if not layer.moved]
        out.extend(layer for layer in self.free_layers if not layer.moved)
        out.sort(key=lambda layer: (layer.line, layer.column))
        return out


@dataclass
class InitRuleFact:
    """An init routine's reach, as another module reads it: layers of `types` (None: all)."""

    types: Optional[list]  # layer type names ("Linear", "Conv2d"); None: every module
    state: str  # "explicit" | "unknown"
    evidence: str
    line: int = 0
    call: Optional[InitCall] = None
    partial: bool = False  # below a sub-path only (self.head.apply(fn)): may or may not reach a block
    # what a script's `model.to_empty()` undoes below: "all" (every weight uninitialised after it), or
    # "explicit" (then each module's reset_parameters() runs again: back on the default, an init of __init__ gone)
    wipes: str = ""
    # the code that runs it as another module's evidence names it ("`.apply(init)`", no path)
    routine: str = ""
    # the method of its class that holds it, which building the class does not run (a public
    # `init_weights()`): module code that runs that method on what it builds (BuildFact.runs) runs it
    method: str = ""
    target: str = ""  # one layer of that class only, by its attribute (`nn.init.x_(self.fc1.weight)` there)
    # the layers whose weight's full name ends with it only (`if pn.endswith("c_proj.weight")` in a
    # loop over named_parameters()): decided per layer by its name (program/link.py `_covering`)
    name_suffix: str = ""
    # module code's init of one layer of the model it built, by its path below that model (`a.fc` for
    # `nn.init.x_(net.a.fc.weight)`; `*` for an index not read): program/link.py `_root_rules` reads it
    path: str = ""


@dataclass
class BuildFact:
    """A construction of a class named by an import (or of this module's own class by name)."""

    callee: str  # qualified as the file's imports spell it ("..layers.Mlp", "timm.layers.Mlp", "local:X")
    line: int
    # parameter name or position ("0") -> ArgFact-like list; ["param", name, value]: a parameter of the
    # building class passed on, with what every construction its own module shows passes for it
    args: dict = field(default_factory=dict)
    inside: Optional[str] = None  # the class whose code builds it; None: module code or a free function
    applied: list = field(default_factory=list)  # InitRuleFact of `.apply(fn)` run on what was built
    attr: Optional[str] = None  # `self.attr = Callee(...)`: the name it has in its container
    span: list = field(default_factory=list)  # [column, end_line, end_column] of the call (line is `line`)
    # built by a method of a plain object (a builder) the analysis does not run as a class's code:
    # a use for the arguments it passes, not a root of the program for the inits it gets
    unrun: bool = False
    # reached by this entry point's run (semantics/entries.py), `inside` the model it was building:
    # its blocks are judged once per entry point, at `line` (the entry point's call that led there)
    entry: Optional[str] = None
    # that run's classes whose construction `inside` was built in, outermost first (RegNet, RegStage
    # around Bottleneck): their init routines run on it too
    within: list = field(default_factory=list)
    built_at: Optional[int] = None  # the line of the call in this module that built it on that run
    # the module (path) of `inside` and of each of `within` where not this one (None there): an entry
    # point's run may build another module's model (deit's VisionTransformer)
    inside_path: Optional[str] = None
    within_paths: list = field(default_factory=list)
    # methods module code runs on what it built, on every path after building it (`model.init_weights()`):
    # [method, how many of `applied` ran before it, line of the call]
    runs: list = field(default_factory=list)
    # module code's construction inside this free function (None: at module level): the function's
    # callers, where the program has some, are what builds it (`make_blocks()` in Net.__init__)
    function: Optional[str] = None
    # other modules' blocks that run built it inside, in `inside`, outermost first: [module path, class
    # name] (InvertedResidual, handed `se_layer`, building SqueezeExcite); their init routines run on it too
    through: list = field(default_factory=list)
    held_at: Optional[str] = None  # where that run's model holds it (`blocks.2.0`), when one place does
    # in a statement of its container's `__init__` itself (no branch, loop or method around it): an init
    # written right after it runs whenever it is built, and the next run reads it (`ClassFact.path_inits`)
    init_top: bool = True


@dataclass
class ClassFact:
    name: str
    line: int
    bases: list = field(default_factory=list)  # qualified as the file's imports spell them
    params: list = field(default_factory=list)  # __init__'s parameter names after self, in order
    contains: list = field(default_factory=list)  # this module's classes it builds
    rules: list = field(default_factory=list)  # InitRuleFact: what its init routines reach in its tree
    standalone: bool = False  # built by module code or a free function of its own module
    # init calls its __init__ makes on a layer of another module's block, by attribute path
    # (`nn.init.kaiming_uniform_(self.stem.conv.weight, ...)` -> "stem.conv": [evidence, line, runs whenever
    # the block is built: not under a condition, not in a method __init__ calls])
    path_inits: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)  # __init__'s parameter -> its default, as BuildFact.args has values
    built_here: bool = False  # its own module mentions it (builds it, hands it on): constructions links cannot list
    # ... though every such mention is a call of it in a top-level function, arguments listed (diffusers'
    # `get_down_block`): what those constructions pass is what that function's callers pass
    listed_here: bool = False
    function_builds: list = field(default_factory=list)  # then: [function, args as BuildFact.args] per such call
    # __init__'s parameters it only ever calls (`self.mlp = mlp_layer(...)`): parameter -> [line, args, attr, span]
    # per call, args as BuildFact.args has them: where a class handed to that parameter is built, and how
    built_params: dict = field(default_factory=dict)
    # the module's free functions whose returns are every construction of it by module code and free
    # functions (`def build_generator(): return Generator()`): their calls elsewhere are all the ways
    # it is built outside classes, each with what the caller runs on the result
    made_by: list = field(default_factory=list)
    # per method building it does not run: layer attribute -> [InitCall, or None when what it does there is
    # not decided] of its `nn.init.x_(self.fc.weight)` calls, for module code that runs the method
    method_inits: dict = field(default_factory=dict)
    # attributes a base class built that its __init__ changes in place (`self.final.add_module("act",
    # nn.Sigmoid())` after `super().__init__()`): [attribute, line, code]; the base's layers there
    # meet other things in its constructions than in the base's own
    mutates: list = field(default_factory=list)
    # what its own `__init__` passes its first base's constructor (`super().__init__(act_layer=nn.Tanh)`),
    # keyed as BuildFact.args; None where it calls none with arguments. The base's layers are built by
    # that base's lines for this class's instances too, with these values
    super_args: Optional[dict] = None
    # an activation written as a module (`class Swish(nn.Module)`: no layer, no submodule, its forward
    # `x * torch.sigmoid(x)`): [activation, parameter] it applies to its input, else None
    applies: Optional[list] = None
    # attributes its __init__ binds to an activation module ([attribute, activation, parameter]: `self.act =
    # act_layer()`), and those its own __init__ binds at all ([attribute, line, code, activation, parameter]):
    # a subclass binding one of its base's activation attributes again to another (`self.act = nn.Tanh()`
    # after `super().__init__()`) changes what the base's layers meet
    activation_attrs: list = field(default_factory=list)
    binds: list = field(default_factory=list)
    # where its own module mentions it only by calling it in the `__init__` of its classes (MONAI's
    # TwoConv in Down, UpCat and BasicUNet): [line, args as BuildFact.args, the class building it] per
    # call, every construction there; None where the module mentions it otherwise
    own_constructions: Optional[list] = None
    # what its body defines besides `__init__` (methods, class attributes): [name, whether a method of that
    # name calls `super().<name>(...)`] (no line: moving a method changes no other module's analysis); and of those, what its own code reads through `self` (with
    # `forward`): a subclass defining one of them again (`def make_act(self): return nn.Tanh()`, its own
    # `forward`) changes what the base's layers meet in its instances
    defines: list = field(default_factory=list)
    hooks: list = field(default_factory=list)
    # of `hooks`, the methods its init routines are (`self.apply(self._init_weights)`): a subclass's own
    # `_init_weights` changes the init of the base's layers in its instances, not what follows them
    init_hooks: list = field(default_factory=list)
    # its layers whose following its forward decides (`F.relu(self.fc(x))`; not one inside an nn.Sequential
    # with its activation): those a subclass's own forward may change
    forward_layers: list = field(default_factory=list)
    # every attribute its methods read through `self`: module code binding another (`model.config = cfg`)
    # changes nothing its code does
    self_reads: list = field(default_factory=list)


# in ClassFact.super_args: the class's own `**kwargs` passed on whole to its base's constructor
FORWARDED_KWARGS = "**"


# a `followed` outcome: the layer's output leaves the class that records it, returned to that class's users
# (its evidence says so where that class's file takes it for a model: nothing there uses it)
RETURNED = "<returned>"
# the default of a constructor parameter that has none (`Stem(act_layer)`), in `Layer.as_defaults`:
# whatever class a construction passes is what it builds there
REQUIRED = "<required>"
# the last item of a fact of `Layer.activation_defaults` whose parameter overrides the next ones
# (`force_act_layer or act_layer`): a class passed for it is the activation
OVERRIDES = "overrides"
# the name of a "registry" that is a module's namespace (`getattr(nn, act)()`): a key names its attribute
MODULE_ATTRIBUTES = "<attributes>"


@dataclass
class ModuleSummary:
    """What one module says to the others: plain data, cached with the file's model."""

    path: str
    imports: dict = field(default_factory=dict)  # local name -> qualified as written ("..x.Y")
    stars: list = field(default_factory=list)  # `from .backbone import *`: the modules, as written
    classes: dict = field(default_factory=dict)  # name -> ClassFact
    # attributes its code sets on objects other than `self` (`cfg.act = "tanh"`): a config field read at
    # its class's default may hold another value
    stored_fields: list = field(default_factory=list)
    # module code binding an attribute of a model it built to something else (`blk.act = nn.Tanh()`,
    # `net.a.act = ...`): [callee as BuildFact has it, attribute path, line, code]; what that model's
    # layers meet there is not what its class says
    rebinds: list = field(default_factory=list)
    builds: list = field(default_factory=list)  # BuildFact
    followed: list = field(default_factory=list)  # [path, class, layer, activation, param, evidence, by class] of other modules' layers
    # entry point -> {class: `followed` records by it}: what its code does with other modules' layers on that
    # entry point's run, every construction of it there judged with what it got (entry_uses.py); a class
    # missing: not known there (its module-wide records hold)
    entry_followed: dict = field(default_factory=dict)
    aliases: dict = field(default_factory=dict)  # `SqueezeExcite = SEModule` at the module's top: alias -> class
    functions: Optional[dict] = None  # top-level function -> its parameter names, in order (None: cached before)
    # of those building a class of this module (`ClassFact.function_builds`): parameter -> its default, as BuildFact.args
    function_defaults: dict = field(default_factory=dict)
    # imported names it hands on as values (`se_layer = se_layer or SqueezeExcite` given to a builder object,
    # `partial(SqueezeExcite)` in a table), as its imports spell them: a class so handed on is built by code
    # with arguments links cannot list (constructions it can list are `builds` and `hands`)
    handed_on: list = field(default_factory=list)
    # imported classes it passes to a class's constructor (`Block(mlp_layer=Mlp)`): [class, callee, keyword,
    # line], as its imports spell them; a use where the callee only calls that parameter
    # (`ClassFact.built_params`), else the class is handed on. A fifth item, [class, route, parameter]:
    # a default passed through a call of another parameter whose default is the callee
    # (`block_layers(mlp_block=mlp_block)`), which holds where no construction of that class passes `route`
    hands: list = field(default_factory=list)
    # activation registries bound once at its top (`ACTS = {"relu": nn.ReLU, ...}`, a dict of instances):
    # name -> {key: [kind, what]}, kind "class" / "instance" (built without arguments) with the class
    # qualified as its imports spell it ("local:X" for its own), or "unknown" with why. A library's
    # tables (timm's get_act_layer) have the same shape, from library/hooks (`hooks.registry_table`)
    registries: dict = field(default_factory=dict)
    # `model = build_model(cfg); model.apply(init)` in its module code or free functions: an init
    # routine run on a model the analysis does not follow (InitRuleFact, line: the construction's)
    blind_applies: list = field(default_factory=list)
    # free function -> [the class of this module every return of it builds, that construction's args
    # (BuildFact.args; one return, else unknown)]: its calls are constructions of that class
    factories: dict = field(default_factory=dict)


@dataclass
class Edit:
    """Replace the text between two positions (equal positions: insert)."""

    content: str
    line: int
    column: int
    end_line: int
    end_column: int
    cell: Optional[int] = None  # in a notebook: the cell (1-based among all cells); lines are the cell's


@dataclass
class Fix:
    applicability: str  # "safe" | "unsafe"
    message: str
    edits: list[Edit] = field(default_factory=list)
    site: Optional[str] = None  # the layer site it fixes (Layer.site)


@dataclass
class Finding:
    code: str
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    class_name: Optional[str] = None
    layer: Optional[str] = None
    fix: Optional[Fix] = None
    no_fix: Optional[str] = None  # a fixable rule's finding without a fix: why not
    impact: Optional[float] = None  # IL1xx: how many times its chain's default inits shrink the signal's std
    severity: str = "error"  # "warning" where the signal does not compound (a norm follows, a residual branch)
    cell: Optional[int] = None  # in a notebook: the cell (1-based among all cells); lines are the cell's
    related: list = field(default_factory=list)  # [path, line]: where else its reading was decided (the layer's own line in an installed package)
    site: Optional[str] = None  # the layer site it is about (Layer.site): what its fix is joined by

    @property
    def where(self) -> str:
        """`path:line:col`, or `path:cell N:line:col` in a notebook, as ruff prints it."""
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.column}"

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "class": self.class_name,
            "layer": self.layer,
            "fix": {k: v for k, v in asdict(self.fix).items() if k != "site"} if self.fix else None,  # output as before
            "no_fix": self.no_fix,
            "impact": self.impact,
            "severity": self.severity,
            "cell": self.cell,
            "related": [{"path": path, "line": line} for path, line in self.related],
        }


@dataclass
class FileError:
    """A file that could not be checked: unreadable, not text, does not parse."""

    path: str
    message: str
    line: Optional[int] = None
    column: Optional[int] = None
    cell: Optional[int] = None  # in a notebook: the cell the line is in

    @property
    def where(self) -> str:
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return self.path if self.line is None else f"{self.path}:{cell}{self.line}:{self.column or 1}"

    def __str__(self) -> str:
        return f"{self.where}: error: {self.message}"


# -- the cache's form of a file's model: JSON data, read back field by field --------------


def file_model_to_json(model: FileModel) -> dict:
    """`asdict(model)`, without its deep copy of every value (a run stores hundreds of models)."""
    return _plain(model)


def _plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple:
    return tuple(f.name for f in fields(cls))  # raises for anything but a dataclass


def file_model_from_json(data: dict) -> FileModel:
    """The inverse of file_model_to_json. Raises TypeError/KeyError/ValueError on anything else
    (the cache then counts as a miss). Nothing read here is ever written into a source file:
    fixes are always planned from a fresh analysis of the file's bytes."""

    def call(raw):
        return InitCall(**raw) if raw is not None else None

    def layer(raw):
        raw = dict(raw)
        raw["init_call"] = call(raw.get("init_call"))
        raw["fix"] = FixPlan(**raw["fix"]) if raw.get("fix") is not None else None
        if not raw.get("site"):
            raise KeyError("site")  # written by a version without site ids: a cache miss
        return Layer(**raw)

    def rule(raw):
        return InitRuleFact(**{**raw, "call": call(raw.get("call"))})

    summary = None
    if data.get("summary") is not None:
        raw = data["summary"]
        summary = ModuleSummary(
            path=raw["path"],
            imports=dict(raw["imports"]),
            stars=list(raw["stars"]),  # a cache written without it: a miss (KeyError), never a lost re-export
            stored_fields=list(raw["stored_fields"]),  # likewise: a config field set elsewhere is never lost
            rebinds=list(raw["rebinds"]),  # likewise
            classes={key: ClassFact(**{**fact, "rules": [rule(r) for r in fact["rules"]]})
                     for key, fact in raw["classes"].items()},  # fmt: skip
            builds=[BuildFact(**{**b, "applied": [rule(r) for r in b["applied"]]}) for b in raw["builds"]],
            followed=[list(item) for item in raw["followed"]],
            entry_followed={entry: {cls: [list(item) for item in records] for cls, records in found.items()}
                            for entry, found in raw.get("entry_followed", {}).items()},  # fmt: skip
            aliases=dict(raw.get("aliases", {})),
            handed_on=list(raw.get("handed_on", [])),
            hands=[list(hand) for hand in raw.get("hands", [])],
            registries={name: {key: list(entry) for key, entry in table.items()}
                        for name, table in raw.get("registries", {}).items()},  # fmt: skip
            functions={name: list(params) for name, params in raw["functions"].items()}
            if raw.get("functions") is not None else None,  # fmt: skip
            blind_applies=[rule(r) for r in raw.get("blind_applies", [])],
            factories={name: list(entry) for name, entry in raw.get("factories", {}).items()},
            function_defaults={name: {param: list(fact) for param, fact in found.items()}
                               for name, found in raw["function_defaults"].items()},  # fmt: skip
        )
    return FileModel(
        path=data["path"],
        modules=[ModuleModel(m["name"], m["line"], [layer(x) for x in m["layers"]], list(m["init_routines"]),
                             {k: list(v) for k, v in m.get("contained_by", {}).items()})
                 for m in data["modules"]],  # fmt: skip
        free_layers=[layer(x) for x in data["free_layers"]],
        gain_calls=[GainCall(**g) for g in data["gain_calls"]],
        nn_alias=data["nn_alias"],
        init_alias=data["init_alias"],
        import_line=data["import_line"],
        summary=summary,
        consulted=dict(data["consulted"]),
        interface=str(data.get("interface", "")),
        unresolved=[list(item) for item in data.get("unresolved", [])],
    )


def name_suffix_reaches(suffix: str, layer_name: Optional[str], whole: bool) -> Optional[bool]:
    """Whether the weight of the layer at `layer_name` (its path in the class whose loop it is,
    `whole`, else in a block somewhere below) has a full parameter name ending with `suffix`;
    None where the part of its name not known here decides."""
    if not layer_name:
        return None
    known = layer_name.rsplit("*.", 1)[-1] + ".weight"  # `h.*.c_proj`: an index, then what is known
    if not all(part.isidentifier() or part.isdigit() for part in known.split(".")):
        return None  # `conv*` (a name made in a loop): not known
    if whole and "*" not in layer_name:
        return known.endswith(suffix)
    known = "." + known
    if len(suffix) <= len(known):
        return known.endswith(suffix)
    return None if suffix.endswith(known) else False
