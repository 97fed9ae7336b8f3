"""Which activation follows each Conv/Linear of a built model.

Both methods build the same dataflow graph, then one pass resolves it:
- `graph_from_fx` reads `torch.fx` (no input needed; fails on data-dependent control flow);
- `graph_from_run` runs the model once with forward hooks on the modules that matter and a
  TorchFunctionMode that sees every torch function and tensor method the Python code calls.

From a layer's output the signal passes through what catalogue calls transparent (norms,
dropout, pooling, reshapes, indexing, residual adds) to the first activation; any other consumer
(matmul, a product with another branch, cat, attention, another layer) or the model output
means "none"; consumers that disagree mean "unknown". Consumers whose result never reaches
the model output (an `if x.sum() > 0` test, logging) are ignored. As in the static analysis,
the parts of a split (`chunk`, `split`, `unbind`) are followed on their own, and SiLU, Mish and
squared ReLU written in tensor arithmetic (`x * torch.sigmoid(x)`) count as those activations, as
does any other elementwise arithmetic of one tensor whose values are a catalogued activation's
(GELU's tanh form; the traced ops replayed at catalogue.SAMPLE_POINTS, `Graph.replayed`),
and a hand-written LayerNorm / RMSNorm module is transparent once probe inputs show that it
standardises (`standardising_modules`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

import torch
from torch import fx, nn
from torch.overrides import TorchFunctionMode
from torch.utils.weak import WeakIdKeyDictionary

from initlint import catalogue

LAYER_CLASSES = (nn.Linear, nn.modules.conv._ConvNd)  # subclasses and materialised Lazy* included

LAYER, ACTIVATION, TRANSPARENT, OPAQUE = "layer", "activation", "transparent", "opaque"
ATTENTION = "attention"  # nn.MultiheadAttention: stands for its out_proj, which it calls functionally

# Names torch gives a function that catalogue spells otherwise.
_ALIASES = {"log_sigmoid": "logsigmoid", "iadd": "add_", "radd": "add"}
# Queries about a tensor, not its values: fx sees them as consumers (`x.view(x.size(0), -1)`).
_METADATA = frozenset(
    {"size", "dim", "numel", "nelement", "ndimension", "stride", "is_contiguous", "type", "element_size",
     "get_device", "data_ptr", "storage_offset", "is_floating_point", "getattr", "len", "shape", "dtype", "device"}
)  # fmt: skip


@dataclass(eq=False)
class Node:
    kind: str
    label: str  # module name or function name, for evidence
    activation: Optional[str] = None
    param: Optional[float] = None
    layer: Optional[str] = None  # for LAYER nodes: the named_modules name
    tuple_output: bool = False  # fx: getitem on it unpacks (attention returns (out, weights))
    consumers: list[Node] = field(default_factory=list)
    is_output: bool = False
    # (callable, args, kwargs) with the graph's tensors as `_Input`s: what the op computes, replayed
    # on sample values to read an activation written out (`written_out`); None for modules and for
    # ops with a tensor of the model's own (a weight) among their arguments
    op: Optional[tuple] = None


@dataclass(frozen=True, eq=False)
class _Input:
    node: "Node"


Outcome = tuple  # (activation, param)
_NONE: Outcome = ("none", None)
_OUTPUT = object()  # marks "reached the model output" in the evidence links


class Graph:
    """Nodes in execution order (so consumers always come after producers)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.layer_calls: dict[str, list[Node]] = {}

    def add(self, node: Node, inputs: Iterable[Node]) -> Node:
        self.nodes.append(node)
        for producer in dict.fromkeys(inputs):
            producer.consumers.append(node)
        if node.layer is not None:
            self.layer_calls.setdefault(node.layer, []).append(node)
        return node

    def written_out(self) -> None:
        """Activations written in tensor arithmetic, as the static analysis reads them: N's
        consumers `sigmoid(N)` and `N * that` are SiLU; `softplus(N)` -> `tanh` -> `N * that`
        is Mish; `relu(N)` squared (`** 2`, `square`) is squared ReLU. The composite's last op
        becomes the activation and the ops inside it stop being consumers of N."""
        for node in self.nodes:
            for first in list(node.consumers):
                chain = [first]
                while len(chain) < 3 and len(chain[-1].consumers) == 1:
                    chain.append(chain[-1].consumers[0])
                names = [step.label for step in chain]
                last = None
                if names[:2] == ["sigmoid()", "mul()"] and chain[1] in node.consumers:
                    last, activation = chain[1], "silu"
                elif names[:3] == ["softplus()", "tanh()", "mul()"] and chain[2] in node.consumers:
                    last, activation = chain[2], "mish"
                elif first.activation in ("relu",) and names[1:2] == ["square()"]:
                    last, activation = chain[1], "squared_relu"
                if last is None:
                    continue
                last.kind, last.activation, last.param = ACTIVATION, activation, None
                last.label = f"{activation} written out"
                node.consumers.remove(first)
                if last not in node.consumers:
                    node.consumers.append(last)
        self.replayed()

    def replayed(self) -> None:
        """Activations written out in other arithmetic (`0.5 * x * (1 + tanh(c * (x + 0.044715 * x ** 3)))`):
        the ops that compute from N alone (every tensor they take is N or one of them), replayed on
        catalogue.SAMPLE_POINTS in N's place; the last whose values are a catalogued activation's
        (catalogue.identify_elementwise), with nothing inside it used elsewhere, becomes that activation."""
        order = {id(node): index for index, node in enumerate(self.nodes)}
        sample = torch.tensor(catalogue.SAMPLE_POINTS, dtype=torch.float64)
        for node in self.nodes:
            if not node.consumers:
                continue
            values: dict[int, Any] = {id(node): sample}
            pending = sorted(node.consumers, key=lambda n: order[id(n)])
            members: list[Node] = []
            while pending and len(members) < 24:
                candidate = pending.pop(0)
                if id(candidate) in values or candidate.op is None:
                    continue
                result = _replay(candidate.op, values)
                if result is None:
                    continue
                values[id(candidate)] = result
                members.append(candidate)
                pending = sorted(set(pending) | set(candidate.consumers), key=lambda n: order[id(n)])
            for last in reversed(members):
                inside = _ancestry(last, set(members), node)
                if len(inside) < 2 or not all(set(m.consumers) <= inside for m in inside if m is not last):
                    continue
                activation = catalogue.identify_elementwise(values[id(last)].tolist())
                if activation is None:
                    continue
                last.kind, last.activation, last.param = ACTIVATION, activation, None
                last.label = f"{activation} written out"
                node.consumers[:] = [c for c in node.consumers if c not in inside] + [last]
                break

    def activations(self) -> dict[str, tuple[str, Optional[float], str]]:
        """layer name -> (activation, param, evidence) for every layer that was called."""
        self.written_out()
        live: dict[Node, bool] = {}
        for node in reversed(self.nodes):
            live[node] = node.is_output or any(live[c] for c in node.consumers)
        # hits[node]: outcome -> the consumer it came through (or _OUTPUT), for what the node's output reaches
        hits: dict[Node, dict[Outcome, Any]] = {}
        for node in reversed(self.nodes):
            reached: dict[Outcome, Any] = {}
            if node.is_output:
                reached[_NONE] = _OUTPUT
            for consumer in [c for c in node.consumers if live[c]] or node.consumers:
                if consumer.kind == ACTIVATION:
                    reached.setdefault((consumer.activation, _rounded(consumer.param)), consumer)
                elif consumer.kind == TRANSPARENT:
                    for outcome in hits[consumer]:
                        reached.setdefault(outcome, consumer)
                else:
                    reached.setdefault(_NONE, consumer)
            hits[node] = reached or {_NONE: None}

        result = {}
        for name, calls in self.layer_calls.items():
            outcomes: dict[Outcome, str] = {}
            for call in calls:
                for outcome in hits[call]:
                    outcomes.setdefault(outcome, _evidence(hits, call, outcome))
            if len(outcomes) == 1:
                (activation, param), evidence = next(iter(outcomes.items()))
                result[name] = (activation, param, evidence)
            else:
                evidence = "; ".join(f"{act}: {path}" for (act, _), path in outcomes.items())
                result[name] = ("unknown", None, f"consumers disagree ({evidence})")
        return result


def _replay(op: tuple, values: dict) -> Optional[Any]:
    """The op's output on the sample values, when every node it reads has one and the output
    is shaped as the sample (elementwise); else None."""
    func, args, kwargs = op
    read: set = set()

    def value(arg: Any) -> Any:
        if isinstance(arg, _Input):
            if id(arg.node) not in values:
                raise LookupError
            read.add(id(arg.node))
            return values[id(arg.node)].clone()  # an in-place op must not change another node's value
        if isinstance(arg, (list, tuple)):
            return type(arg)(value(a) for a in arg)
        return arg

    try:
        with torch.no_grad():
            out = func(*[value(a) for a in args], **{k: value(v) for k, v in kwargs.items()})
    except Exception:  # noqa: BLE001 - not replayable on a 1-D sample: not elementwise
        return None
    sample_shape = (len(catalogue.SAMPLE_POINTS),)
    if not isinstance(out, torch.Tensor) or out.shape != sample_shape or not out.dtype.is_floating_point or not read:
        return None
    return out.to(torch.float64)


def _ancestry(last: Node, members: set, start: Node) -> set:
    """The replayed nodes `last` is computed from (itself included), back to the start node."""
    inside: set = set()
    stack = [last]
    while stack:
        current = stack.pop()
        if current in inside:
            continue
        inside.add(current)
        stack.extend(n for n in _op_inputs(current) if n is not start and n in members)
    return inside


def _op_inputs(node: Node) -> list:
    found: list = []

    def walk(arg: Any) -> None:
        if isinstance(arg, _Input):
            found.append(arg.node)
        elif isinstance(arg, (list, tuple)):
            for a in arg:
                walk(a)

    if node.op is not None:
        for arg in (*node.op[1], *node.op[2].values()):
            walk(arg)
    return found


def _rounded(param: Optional[float]) -> Optional[float]:
    return None if param is None else float(f"{param:.6g}")


def _evidence(hits: dict[Node, dict[Outcome, Any]], node: Node, outcome: Outcome) -> str:
    steps = []
    while True:
        step = hits[node].get(outcome)
        if step is _OUTPUT:
            steps.append("model output")
            break
        if step is None:
            steps.append("unused")
            break
        steps.append(step.label)
        if step.kind != TRANSPARENT:
            break
        node = step
    return " -> ".join(steps)


# --- what a module or a function is ----------------------------------------------------------


def module_role(module: nn.Module, norms: frozenset = frozenset()) -> Optional[tuple[str, Optional[str], Optional[float]]]:
    """(kind, activation, param) by class, the class's bases included; None when it is none of ours.
    `norms`: ids of the model's hand-written norm modules (`standardising_modules`), transparent."""
    if id(module) in norms:
        return TRANSPARENT, None, None
    if isinstance(module, LAYER_CLASSES):
        return LAYER, None, None
    if isinstance(module, nn.MultiheadAttention):
        return ATTENTION, None, None
    if _norm_with_activation(module, norms):
        return None  # its insides are traced: the norm (a functional call) and then its activation module
    holds_layer = any(isinstance(inner, LAYER_CLASSES) for inner in module.modules())
    for cls in type(module).__mro__:
        if cls is nn.Module:
            break
        # a class named as an activation that holds a layer (diffusers' GELU: a Linear, then F.gelu):
        # its insides are traced, the layer among them
        if cls.__name__ in catalogue.ACTIVATION_MODULES and not holds_layer:
            activation, spec = catalogue.ACTIVATION_MODULES[cls.__name__]
            return ACTIVATION, activation, _module_param(module, activation, spec)
        if cls.__name__ in catalogue.TRANSPARENT_MODULES:
            return TRANSPARENT, None, None
    return None


def _norm_with_activation(module: nn.Module, norms: frozenset) -> bool:
    """A subclass of a torch norm with a forward of its own that holds an activation module
    (timm's BatchNormAct2d: the norm, then `self.act`): not gain-neutral, whatever its base."""
    torch_base = next((cls for cls in type(module).__mro__ if cls.__module__.startswith("torch.nn")
                       and cls.__name__ in catalogue.NORM_MODULES), None)  # fmt: skip
    if torch_base is None or type(module).forward is torch_base.forward:
        return False
    return any(module_role(child, norms) is not None and module_role(child, norms)[0] == ACTIVATION
               for child in module.children())  # fmt: skip


def standardising_modules(model: nn.Module) -> frozenset:
    """The modules of a model that standardise their input as a LayerNorm or RMSNorm does,
    written by hand (the static analysis reads them by structure): childless modules with a 1-D
    weight whose output, on probe inputs, is the input standardised along the weight's dim times
    the weight (plus bias). Measured, never assumed from a name."""
    found = set()
    for module in model.modules():
        if module_role(module) is None and not any(True for _ in module.children()) and _standardises(module):
            found.add(id(module))
    return frozenset(found)


def _standardises(module: nn.Module) -> bool:
    weight = getattr(module, "weight", None)
    bias = getattr(module, "bias", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() != 1 or not weight.dtype.is_floating_point:
        return False
    channels = weight.numel()
    generator = torch.Generator().manual_seed(0)
    for shape, dim in (((4, channels), 1), ((2, 3, channels), 2), ((2, channels, 3, 3), 1)):
        x = torch.randn(*shape, generator=generator).to(weight.dtype)
        try:
            with torch.no_grad():
                y = module.forward(x)
        except Exception:  # noqa: BLE001 - not this layout (or not a norm)
            continue
        if not isinstance(y, torch.Tensor) or y.shape != x.shape:
            continue
        view = [1] * x.dim()
        view[dim] = channels
        w = weight.detach().reshape(view)
        b = bias.detach().reshape(view) if isinstance(bias, torch.Tensor) and bias.shape == weight.shape else 0.0
        centred = x - x.mean(dim, keepdim=True)
        for eps in (1e-5, 1e-6):
            layer = centred / torch.sqrt(centred.pow(2).mean(dim, keepdim=True) + eps)
            rms = x * torch.rsqrt(x.pow(2).mean(dim, keepdim=True) + eps)
            if any(torch.allclose(y, n * w + b, rtol=1e-3, atol=1e-4) for n in (layer, rms)):
                return True
    return False


def _module_param(module: nn.Module, activation: str, spec: Optional[tuple[str, int]]) -> Optional[float]:
    if activation == "prelu" and isinstance(getattr(module, "weight", None), torch.Tensor):
        return float(module.weight.detach().float().mean())  # the slope it starts from
    if activation == "rrelu" and hasattr(module, "lower"):
        return (float(module.lower) + float(module.upper)) / 2  # its eval-mode slope
    value = getattr(module, spec[0], None) if spec else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return catalogue.DEFAULT_PARAM.get(activation)


def op_label(name: str, args: tuple, value_of: Callable[[Any], Any]) -> str:
    """How a node is labelled: `x ** 2` / `x.pow(2)` as `square()`, which written_out reads."""
    if name in ("pow", "pow_") and len(args) > 1 and value_of(args[1]) == 2:
        name = "square"
    return f"{name}()"


def function_name(func: Any) -> str:
    """torch's name for a function or tensor method, in catalogue's spelling (`__iadd__` -> `add_`)."""
    if isinstance(func, str):
        name = func
    else:
        name = getattr(func, "__name__", "") or ""
        if name == "__get__":  # a tensor property: x.shape, x.T
            name = getattr(getattr(func, "__self__", None), "__name__", "") or ""
    if name.startswith("__") and name.endswith("__"):
        name = name[2:-2]
        if name.startswith("i") and name[1:] in ("add", "sub", "mul", "truediv", "and", "or"):
            name = name[1:] + "_"
    return _ALIASES.get(name, name)


def function_role(
    name: str, args: tuple, kwargs: dict, value_of: Callable[[Any], Any]
) -> tuple[str, Optional[str], Optional[float]]:
    if name in catalogue.SPLIT_FUNCTIONS:  # each part is followed on its own, as the static analysis does
        return TRANSPARENT, None, None
    if name == "getitem":  # `x[:, 0]`, `bias[indices]`: some of the values, unchanged (static: slicing keeps them)
        return TRANSPARENT, None, None
    if name in catalogue.ACTIVATION_FUNCTIONS:
        activation, spec = catalogue.ACTIVATION_FUNCTIONS[name]
        return ACTIVATION, activation, _function_param(activation, spec, args, kwargs, value_of)
    if name in catalogue.CLAMPS:  # `x.clamp(min=0)`: ReLU written out
        low = _argument(args, kwargs, "min", 1, value_of)
        high = None if name.startswith("clamp_min") else _argument(args, kwargs, "max", 2, value_of)
        numbers = all(v is None or _is_number(v) for v in (low, high))
        activation = catalogue.clamp_activation(*(None if v is None else float(v) for v in (low, high))) if numbers else None
        if activation is not None:
            return ACTIVATION, activation, catalogue.DEFAULT_PARAM.get(activation)
    if name in catalogue.TRANSPARENT_FUNCTIONS:
        return TRANSPARENT, None, None
    return OPAQUE, None, None


def _argument(args: tuple, kwargs: dict, name: str, position: int, value_of: Callable[[Any], Any]) -> Any:
    if name in kwargs:
        return value_of(kwargs[name])
    return value_of(args[position]) if len(args) > position else None


def _function_param(
    activation: str, spec: Optional[tuple[str, int]], args: tuple, kwargs: dict, value_of: Callable[[Any], Any]
) -> Optional[float]:
    if activation == "prelu":
        weight = _argument(args, kwargs, "weight", 1, value_of)
        return float(weight.detach().float().mean()) if isinstance(weight, torch.Tensor) else None
    if activation == "rrelu":
        lower = _argument(args, kwargs, "lower", 1, value_of)
        upper = _argument(args, kwargs, "upper", 2, value_of)
        lower = 1.0 / 8 if lower is None else lower
        upper = 1.0 / 3 if upper is None else upper
        return (float(lower) + float(upper)) / 2 if _is_number(lower) and _is_number(upper) else None
    value = _argument(args, kwargs, *spec, value_of) if spec else None
    if value is None:
        return catalogue.DEFAULT_PARAM.get(activation)
    return float(value) if _is_number(value) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _module_node(module: nn.Module, name: str, modules: dict[str, nn.Module], norms: frozenset = frozenset()) -> Node:
    role = module_role(module, norms)
    if role is None:
        return Node(OPAQUE, name)
    kind, activation, param = role
    if kind == LAYER:
        return Node(LAYER, name, layer=name)
    if kind == ATTENTION:
        out_proj = f"{name}.out_proj" if name else "out_proj"
        if isinstance(modules.get(out_proj), LAYER_CLASSES):
            return Node(LAYER, name, layer=out_proj, tuple_output=True)
        return Node(OPAQUE, name, tuple_output=True)
    return Node(kind, name, activation, param)


# --- torch.fx ----------------------------------------------------------------------------------


class _Tracer(fx.Tracer):
    """Stops at our modules; goes into torch.nn containers that hold layers (fx would stop there)."""

    def __init__(self, norms: frozenset = frozenset()) -> None:
        super().__init__()
        self.norms = norms

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        if module_role(m, self.norms) is not None:
            return True
        return super().is_leaf_module(m, qualname) and not any(isinstance(s, LAYER_CLASSES) for s in m.modules())


def graph_from_fx(model: nn.Module) -> Graph:
    """Raises whatever torch.fx raises when it cannot trace the model."""
    norms = standardising_modules(model)
    fx_graph = _Tracer(norms).trace(model)
    modules = dict(model.named_modules())
    graph = Graph()
    node_of: dict[fx.Node, Node] = {}
    newer: dict[fx.Node, fx.Node] = {}  # fx does not model in-place ops: later reads see the mutated value

    def latest(n: fx.Node) -> fx.Node:
        while n in newer:
            n = newer[n]
        return n

    def value_of(arg: Any) -> Any:
        if isinstance(arg, fx.Node):
            if arg.op == "get_attr":
                obj: Any = model
                for part in arg.target.split("."):
                    obj = getattr(obj, part)
                return obj
            return None  # computed at run time: unknown here
        return arg

    for n in fx_graph.nodes:
        inputs = [node_of[latest(i)] for i in n.all_input_nodes if latest(i) in node_of]
        if n.op == "output":
            for producer in inputs:
                producer.is_output = True
            continue
        if n.op in ("placeholder", "get_attr"):
            node_of[n] = graph.add(Node(OPAQUE, str(n.target)), [])
            continue
        mutates = False
        if n.op == "call_module":
            module = modules[n.target]
            node = _module_node(module, n.target, modules, norms)
            mutates = bool(getattr(module, "inplace", False))
        else:
            name = function_name(n.target)
            if name in _METADATA or (n.all_input_nodes and not inputs):
                continue  # shape arithmetic, not signal
            if name == "getitem" and inputs and (inputs[0].tuple_output or inputs[0].label.rstrip("()") in catalogue.SPLIT_FUNCTIONS):
                node = Node(TRANSPARENT, f"{inputs[0].label}[{n.args[1]}]")
            else:
                kind, activation, param = function_role(name, n.args, n.kwargs, value_of)
                node = Node(kind, op_label(name, n.args, value_of), activation, param, op=_fx_op(n, node_of, latest))
            mutates = name.endswith("_") and not name.startswith("_")  # relu_, add_ (x += y is add_)
        node_of[n] = graph.add(node, inputs)
        if mutates and n.args and isinstance(n.args[0], fx.Node):
            newer[latest(n.args[0])] = n
    return graph


def _fx_op(n: fx.Node, node_of: dict, latest: Callable) -> Optional[tuple]:
    """An fx call as a replayable op (see `Node.op`); None when it reads a node outside the graph."""

    def template(arg: Any) -> Any:
        if isinstance(arg, fx.Node):
            if latest(arg) not in node_of:
                raise LookupError
            return _Input(node_of[latest(arg)])
        if isinstance(arg, (list, tuple)):
            return type(arg)(template(a) for a in arg)
        return arg

    if n.op == "call_function":
        func = n.target
    elif n.op == "call_method":
        method = n.target
        func = lambda receiver, *rest, **kw: getattr(receiver, method)(*rest, **kw)  # noqa: E731
    else:
        return None
    try:
        return func, template(n.args), {key: template(value) for key, value in n.kwargs.items()}
    except LookupError:
        return None


# --- a hooked run ------------------------------------------------------------------------------


def _tensors(obj: Any, out: list[torch.Tensor], depth: int = 0) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        out.append(obj)
    elif depth > 6:
        pass
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _tensors(item, out, depth + 1)
    elif isinstance(obj, dict):
        for item in obj.values():
            _tensors(item, out, depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _tensors(getattr(obj, f.name, None), out, depth + 1)
    return out


class _Recorder(TorchFunctionMode):
    """Records each torch function / tensor method the model's own Python code calls on tracked tensors."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        self.graph = graph
        self.producer: WeakIdKeyDictionary = WeakIdKeyDictionary()  # tensor -> Node that last wrote it
        self.inside = 0  # >0 while inside one of our modules or our own bookkeeping

    def producers(self, obj: Any) -> list[Node]:
        found = (self.producer.get(t) for t in _tensors(obj, []))
        return list(dict.fromkeys(n for n in found if n is not None))

    def produced(self, node: Node, output: Any) -> None:
        for tensor in _tensors(output, []):
            self.producer[tensor] = node

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if self.inside:
            return func(*args, **kwargs)
        inputs = self.producers((args, kwargs))
        result = func(*args, **kwargs)
        if not inputs or not _tensors(result, []):
            return result  # untracked, or a query (size, shape, bool)
        self.inside += 1
        try:
            name = function_name(func)
            kind, activation, param = function_role(name, args, kwargs, lambda v: v)
            node = Node(kind, op_label(name, args, lambda v: v), activation, param, op=self.replayable(func, args, kwargs))
            self.produced(self.graph.add(node, inputs), result)
        finally:
            self.inside -= 1
        return result

    def replayable(self, func, args: tuple, kwargs: dict) -> Optional[tuple]:
        """The op with the graph's tensors as `_Input`s and one-element tensors as constants; None
        when it takes another tensor (a weight, a mask): then it is not a function of its inputs alone."""

        def template(obj: Any) -> Any:
            if isinstance(obj, torch.Tensor):
                node = self.producer.get(obj)
                if node is not None:
                    return _Input(node)
                if obj.numel() == 1:
                    return obj.detach().clone()
                raise LookupError
            if isinstance(obj, (list, tuple)):
                return type(obj)(template(item) for item in obj)
            return obj

        try:
            return func, template(args), {key: template(value) for key, value in kwargs.items()}
        except (LookupError, TypeError):
            return None


def graph_from_run(
    model: nn.Module,
    args: tuple,
    kwargs: dict,
    on_layer_output: Optional[Callable[[str, torch.Tensor], None]] = None,
) -> Graph:
    """Run the model once (the caller sets no_grad, mode and RNG) and record the dataflow."""
    graph = Graph()
    recorder = _Recorder(graph)
    modules = dict(model.named_modules())
    norms = standardising_modules(model)
    pending: list[Optional[list[Node]]] = []
    handles = []

    def before(module: nn.Module, m_args: tuple, m_kwargs: dict) -> None:
        if recorder.inside:
            pending.append(None)  # nested in one of ours: its insides do not matter
            return
        pending.append(recorder.producers((m_args, m_kwargs)))
        recorder.inside += 1

    def after_for(name: str) -> Callable:
        def after(module: nn.Module, m_args: tuple, m_kwargs: dict, output: Any) -> None:
            inputs = pending.pop()
            if inputs is None:
                return
            try:
                node = graph.add(_module_node(module, name, modules, norms), inputs)
                recorder.produced(node, output)
                if on_layer_output is not None and node.kind == LAYER and isinstance(output, torch.Tensor):
                    on_layer_output(node.layer, output)
            finally:
                recorder.inside -= 1

        return after

    for name, module in modules.items():
        if module_role(module, norms) is not None:
            handles.append(module.register_forward_pre_hook(before, with_kwargs=True))
            handles.append(module.register_forward_hook(after_for(name), with_kwargs=True))
    try:
        with recorder:
            output = model(*args, **kwargs)
        for tensor in _tensors(output, []):
            node = recorder.producer.get(tensor)
            if node is not None:
                node.is_output = True
    finally:
        for handle in handles:
            handle.remove()
    return graph


def layer_outputs(
    model: nn.Module, args: tuple, kwargs: dict, on_layer_output: Callable[[str, torch.Tensor], None]
) -> None:
    """Run the model with plain forward hooks on its layers (the signal measurement of the fx method)."""
    handles = []
    seen = set()
    for name, module in model.named_modules():
        if isinstance(module, LAYER_CLASSES) and id(module) not in seen:
            seen.add(id(module))
            handles.append(
                module.register_forward_hook(
                    lambda m, i, o, name=name: on_layer_output(name, o) if isinstance(o, torch.Tensor) else None
                )
            )
    try:
        model(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
