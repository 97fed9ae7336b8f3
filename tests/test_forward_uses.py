"""A block's layers are followed by the same thing in every use, seen through the idioms real
models write between blocks (feature lists and `torch.cat`, activation checkpointing, a loop
that adds a module on every iteration but the last, module lists indexed or chosen per
config...). Each case is also built and traced with torch: every static claim must be the
activation the runtime sees after each layer it stands for."""

from __future__ import annotations

import textwrap

import pytest

from initlint.program import analyze_program
from initlint.semantics.file import analyze

torch = pytest.importorskip("torch")
from initlint.runtime import verify  # noqa: E402


def static_rows(source: str) -> dict:
    model = analyze(textwrap.dedent(source), "model.py")
    return {(layer.class_name, layer.name): layer for layer in model.layers}


def runtime_rows(source: str, top: str, example) -> dict:
    """(class holding the layer, its attribute) -> {runtime activations of those layers}."""
    namespace: dict = {"__name__": "traced_case"}
    exec(compile(textwrap.dedent(source), "model.py", "exec"), namespace)
    model = namespace[top]().eval()
    report = verify(model, example, method="hooks", static=False)
    modules = dict(model.named_modules())
    out: dict = {}
    for row in report.layers:
        parent, _, attr = row.layer.rpartition(".")
        owner = type(modules[parent]).__name__ if parent else top
        out.setdefault((owner, attr), set()).add(row.activation)
    return out


def check(source: str, top: str, example, want: dict) -> None:
    """`want`: (class, layer) -> the static activation; every known static claim is checked against
    the runtime of the layers it stands for (as the runtime tables are)."""
    rows = static_rows(source)
    got = {key: rows[key].activation for key in want}
    assert got == want, {key: rows[key].activation_evidence for key in want}
    with torch.no_grad():
        traced = runtime_rows(source, top, example)
    for (owner, name), layer in rows.items():
        if layer.activation != "unknown" and (owner, name.rsplit(".", 1)[-1]) in traced:
            assert traced[(owner, name.rsplit(".", 1)[-1])] == {layer.activation}, (owner, name)


DENSE = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp


class Dense(nn.Module):
    def __init__(self, cin, growth=4, memory_efficient=False):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, growth, 1)
        self.conv2 = nn.Conv2d(growth, growth, 3, padding=1)
        self.memory_efficient = memory_efficient

    def bottleneck(self, inputs):
        return self.conv1(F.relu(self.norm(torch.cat(inputs, 1))))

    def checkpointed(self, inputs):
        def closure(*xs):
            return self.bottleneck(xs)

        return cp.checkpoint(closure, *inputs, use_reentrant=False)

    def forward(self, x):
        if isinstance(x, torch.Tensor):
            prev = [x]
        else:
            prev = x
        if self.memory_efficient:
            out = self.checkpointed(prev)
        else:
            out = self.bottleneck(prev)
        return self.conv2(F.relu(out))


class Block(nn.ModuleDict):
    def __init__(self, n, cin, growth=4):
        super().__init__()
        for i in range(n):
            self.add_module("dense%d" % i, Dense(cin + i * growth, growth))

    def forward(self, x):
        features = [x]
        for name, layer in self.items():
            features.append(layer(features))
        return torch.cat(features, 1)


class Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm = nn.BatchNorm2d(cin)
        self.relu = nn.ReLU()
        self.conv = nn.Conv2d(cin, cout, 1)
        self.pool = nn.AvgPool2d(2)


class Net(nn.Module):
    def __init__(self, blocks=(2, 2, 2)):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
        width = 8
        for i, n in enumerate(blocks):
            self.features.add_module("block%d" % i, Block(n, width))
            width = width + n * 4
            if i != len(blocks) - 1:
                self.features.add_module("transition%d" % i, Transition(width, width // 2))
                width = width // 2
        self.features.add_module("norm", nn.BatchNorm2d(width))
        self.classifier = nn.Linear(width, 10)

    def forward(self, x):
        out = F.relu(self.features(x))
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(out, 1), 1))
"""


def test_feature_lists_checkpointing_and_a_module_added_on_every_iteration_but_the_last():
    check(DENSE, "Net", torch.randn(1, 3, 8, 8), {
        ("Dense", "conv1"): "relu",
        ("Dense", "conv2"): "none",  # into the next layer's torch.cat, also through cp.checkpoint
        ("Transition", "conv"): "none",  # never the last module: F.relu after the loop is not its
    })  # fmt: skip


@pytest.mark.parametrize("condition", ["i < len(blocks) - 1", "i + 1 != len(blocks)", "len(blocks) - 1 > i"])
def test_every_iteration_but_the_last_is_read_in_its_usual_spellings(condition):
    source = DENSE.replace("if i != len(blocks) - 1:", f"if {condition}:")
    assert static_rows(source)[("Transition", "conv")].activation == "none"


def test_a_condition_that_does_hold_on_the_last_iteration_is_not_taken_for_one():
    source = DENSE.replace("if i != len(blocks) - 1:", "if i != len(blocks) - 2:")
    assert static_rows(source)[("Transition", "conv")].activation == "unknown"


GROUPS = """
import torch.nn as nn
import torch.nn.functional as F


class Group(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return F.gelu(self.fc(x))


class Encoder(nn.Module):
    def __init__(self, layers=4, groups=2):
        super().__init__()
        self.layers, self.groups = layers, groups
        self.embed = nn.Linear(8, 8)
        self.group = nn.ModuleList([Group() for _ in range(groups)])

    def forward(self, x):
        x = self.embed(x)
        for i in range(self.layers):
            x = self.group[int(i / (self.layers / self.groups))](x)
        return x
"""


def test_a_module_list_indexed_by_a_computed_index_is_called_like_its_elements():
    check(GROUPS, "Encoder", torch.randn(2, 8), {("Encoder", "embed"): "none", ("Group", "fc"): "gelu"})


STAGE = """
import torch
import torch.nn as nn


class Norm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return self.weight[:, None, None] * (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True)


class Layer(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.pw = nn.Conv2d(dim, dim, 1)

    def forward(self, x):
        return x + self.pw(torch.relu(self.dw(x)))


class Stage(nn.Module):
    def __init__(self, cin, cout, depth=2):
        super().__init__()
        if cin != cout:
            self.down = nn.ModuleList([Norm(cin), nn.Conv2d(cin, cout, 1)])
        else:
            self.down = nn.ModuleList()
        self.layers = nn.ModuleList([Layer(cout) for _ in range(depth)])

    def forward(self, x):
        for layer in self.down:
            x = layer(x)
        for layer in self.layers:
            x = layer(x)
        return x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.Sequential(Stage(3, 8), Stage(8, 8), Stage(8, 16))
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        return self.head(self.stages(x).mean((2, 3)))
"""


def test_a_loop_over_a_module_list_that_may_be_empty_runs_the_elements_of_the_other():
    check(STAGE, "Net", torch.randn(1, 3, 8, 8), {("Layer", "pw"): "none", ("Stage", "down.1"): "none"})


MERGING = """
import torch
import torch.nn as nn


class Merging(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim)

    def forward(self, x):
        x = torch.cat([x[:, i::4] for i in range(4)], dim=-1)
        return self.reduction(self.norm(x))


class Stage(nn.Module):
    def __init__(self, dim, downsample):
        super().__init__()
        self.mlp = nn.Linear(dim, dim)
        self.downsample = downsample(dim=dim) if downsample is not None else None

    def forward(self, x):
        x = x + self.mlp(x)
        if self.downsample is not None:
            x = self.downsample(x)
        return x, x


class Encoder(nn.Module):
    def __init__(self, stages=3):
        super().__init__()
        self.stages = nn.ModuleList(
            [Stage(8 * 2**i, downsample=Merging if i < stages - 1 else None) for i in range(stages)])
        self.head = nn.Linear(32, 2)

    def forward(self, x, return_tuple=False):
        for stage in self.stages:
            x, _ = stage(x)
        if return_tuple:
            return tuple(v for v in [x, None] if v is not None)
        return self.head(x)
"""


def test_a_class_passed_or_none_by_a_conditional_expression_and_list_comprehensions_in_forward():
    check(MERGING, "Encoder", torch.randn(1, 16, 8), {
        ("Stage", "mlp"): "none",  # into Merging's comprehension of slices and torch.cat, or the head
        ("Merging", "reduction"): "none",
    })  # fmt: skip


def test_none_passed_by_some_callers_leaves_is_none_tests_on_the_parameter_undecided():
    source = MERGING.replace(
        "self.downsample = downsample(dim=dim) if downsample is not None else None",
        "self.downsample = downsample(dim=dim) if downsample is not None else nn.ReLU()")
    assert static_rows(source)[("Stage", "mlp")].activation == "unknown"  # ReLU in the last stage only


REUSED = """
import torch.nn as nn


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return x + self.fc(x)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList([Layer() for _ in range(2)])

    def forward(self, x):
        for layer in self.layer:
            x = layer(x)
        return x


class Model(nn.Module):
    def __init__(self, steps=0):
        super().__init__()
        self.encoder = Encoder()
        self.steps = steps
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        x = self.encoder(x)
        if self.steps > 1:
            layers = [self.encoder.layer[-1] for _ in range(self.steps)]
            for layer in layers[1:]:
                x = layer(x)
        return self.head(x)
"""


def test_a_submodule_s_own_module_list_read_through_it_in_forward():
    check(REUSED, "Model", torch.randn(2, 8), {("Layer", "fc"): "none"})


def test_a_class_named_in_transformers_output_recorder_is_not_handed_to_other_code(tmp_path):
    package = tmp_path / "transformers" / "models" / "my_model"
    package.mkdir(parents=True)
    for folder in (tmp_path / "transformers", package.parent, package):
        (folder / "__init__.py").write_text("")
    source = """
    import torch.nn as nn
    from ...modeling_utils import PreTrainedModel
    from ...utils.output_capturing import OutputRecorder


    class Stage(nn.Module):
        def __init__(self, dim, downsample):
            super().__init__()
            self.fc = nn.Linear(dim, dim)
            self.downsample = downsample() if downsample is not None else None

        def forward(self, x):
            x = self.fc(x)
            if self.downsample is not None:
                x = self.downsample(x)
            return x


    class Model(PreTrainedModel):
        _can_record_outputs = {"hidden_states": OutputRecorder(Stage, index=0)}

        def __init__(self, config):
            super().__init__(config)
            self.stages = nn.ModuleList([Stage(8, nn.ReLU) for i in range(3)])

        def forward(self, x):
            for stage in self.stages:
                x = stage(x)
            return x
    """
    path = str(package / "modeling_my_model.py")
    models, _, _ = analyze_program({path: textwrap.dedent(source)})
    fc = next(layer for layer in models[path].layers if layer.name == "fc")
    # the one construction passes nn.ReLU: its forward's `self.downsample is not None` holds there;
    # nothing unknown from "built by code it is handed to"
    assert (fc.activation, fc.activation_evidence) == ("relu", "self.downsample = nn.ReLU (forward), at its one construction here")


WEIGHT_NORMED = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        self.conv = nn.Conv1d(8, 8, 3, padding=1)
        weight_norm = nn.utils.weight_norm
        if hasattr(nn.utils.parametrizations, "weight_norm"):
            weight_norm = nn.utils.parametrizations.weight_norm
        self.conv = weight_norm(self.conv, name="weight", dim=2)
        self.act = nn.GELU()

    def forward(self, x):
        return self.act(self.conv(self.proj(x).transpose(1, 2)))
"""


def test_what_goes_into_a_weight_normed_layer_feeds_a_layer():
    # the reparametrised layer's own output is not followed: torch runs the reparametrisation around it
    check(WEIGHT_NORMED, "Net", torch.randn(2, 5, 8), {("Net", "proj"): "none", ("Net", "conv"): "unknown"})


def test_timm_checkpoint_helpers_run_the_modules_they_are_given():
    source = """
    import torch.nn as nn
    from ._manipulate import checkpoint, checkpoint_seq


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Linear(8, 8)
            self.blocks = nn.Sequential(nn.ReLU(), nn.Linear(8, 8), nn.Tanh())
            self.head = nn.Linear(8, 2)
            self.grad_checkpointing = False

        def forward(self, x):
            x = self.stem(x)
            if self.grad_checkpointing:
                x = checkpoint_seq(self.blocks, x, every=2)
            else:
                x = self.blocks(x)
            return checkpoint(self.head, x, use_reentrant=False)
    """
    model = analyze(textwrap.dedent(source), "timm/models/net.py", module="timm.models.net")
    got = {layer.name: layer.activation for layer in model.layers}
    assert got == {"stem": "relu", "blocks.1": "tanh", "head": "none"}


NAMED_HEAD = """
from collections import OrderedDict

import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3)
        self.head = nn.Sequential(OrderedDict([
            ("pool", nn.AdaptiveAvgPool2d(1)),
            ("flatten", nn.Flatten(1)),
            ("act", nn.Tanh()),
            ("fc", nn.Linear(8, 2)),
        ]))

    def forward(self, x):
        x = self.head.pool(self.stem(x))
        x = self.head.act(self.head.flatten(x))
        return self.head.fc(x)
"""


def test_a_sequential_s_named_modules_called_one_by_one():
    check(NAMED_HEAD, "Net", torch.randn(1, 3, 8, 8), {("Net", "stem"): "tanh", ("Net", "head.fc"): "none"})


SHARED = """
import torch.nn as nn


class PosEnc(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Conv1d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x):
        return x + self.proj(x.transpose(1, 2)).transpose(1, 2)


class Block(nn.Module):
    def __init__(self, dim, shared_cpe=None):
        super().__init__()
        self.cpe = shared_cpe
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        if self.cpe is not None:
            x = self.cpe(x)
        return x + self.fc(x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(4, 8)
        self.cpe = PosEnc(8)
        self.blocks = nn.ModuleList([Block(8, shared_cpe=self.cpe) for _ in range(2)])
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        x = self.embed(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)
"""


def test_a_module_built_once_and_handed_to_each_block():
    check(SHARED, "Net", torch.randn(2, 5, 4), {("Block", "fc"): "none", ("PosEnc", "proj"): "none"})


NONE_PASSED = """
import torch
import torch.nn as nn


class ConvLayer(nn.Module):
    def __init__(self, channels, activation="relu"):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.ReLU() if activation is not None else nn.Identity()

    def forward(self, x):
        return self.act(self.conv(x))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = ConvLayer(3)
        self.last = ConvLayer(3, activation=None)

    def forward(self, x):
        return self.last(self.first(x))
"""


def test_a_none_one_call_passes_beside_the_default_string_keeps_the_is_none_test_open():
    # the default "relu" and a passed None used to join into "relu" alone: `activation is not None`
    # was decided, and the last conv (followed by nothing at run time) was judged ReLU
    check(NONE_PASSED, "Block", torch.randn(1, 3, 8, 8), {("ConvLayer", "conv"): "unknown"})
    assert static_rows(NONE_PASSED)[("ConvLayer", "conv")].activation_evidence.endswith("ReLU, no activation")


BUILT_TWICE = """
import torch
import torch.nn as nn


class ConvLayer(nn.Module):
    def __init__(self, channels, activation=nn.ReLU):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = activation()

    def forward(self, x):
        return self.act(self.conv(x))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = ConvLayer(3)
        self.second = ConvLayer(3, activation=nn.Tanh)
        self.head = nn.Linear(12, 2)

    def forward(self, x):
        return self.head(self.second(self.first(x)).flatten(1))
"""


def test_a_block_built_twice_in_its_own_file_with_different_arguments_is_judged_at_each_construction():
    model = analyze(textwrap.dedent(BUILT_TWICE), "model.py")
    conv = next(layer for layer in model.layers if layer.name == "conv")
    assert conv.activation == "unknown"  # where it is built: it stands for both uses
    lines = textwrap.dedent(BUILT_TWICE).splitlines()
    at_use = {lines[layer.line - 1].split("=")[0].strip(): layer for layer in model.layers if layer.at_use}
    assert {name: layer.activation for name, layer in at_use.items()} == {"self.first": "relu", "self.second": "tanh"}
    assert all(layer.related[0] == ["model.py", conv.line] and layer.fix.reason for layer in at_use.values())
    # what runs agrees, layer by layer
    namespace: dict = {"__name__": "traced_case"}
    exec(compile(textwrap.dedent(BUILT_TWICE), "model.py", "exec"), namespace)
    with torch.no_grad():
        report = verify(namespace["Block"]().eval(), torch.randn(1, 3, 2, 2), method="hooks", static=False)
    runtime = {row.layer: row.activation for row in report.layers}
    assert runtime["first.conv"] == at_use["self.first"].activation
    assert runtime["second.conv"] == at_use["self.second"].activation


def at_use_rows(source: str) -> dict:
    """The rows of a block judged at each construction: the attribute it is bound to -> row."""
    model = analyze(textwrap.dedent(source), "model.py")
    lines = textwrap.dedent(source).splitlines()
    return {lines[layer.line - 1].split("=")[0].strip(): layer for layer in model.layers if layer.at_use}


def traced_layers(source: str, top: str, example) -> dict:
    """`named_modules()` path of each traced layer -> its runtime activation."""
    namespace: dict = {"__name__": "traced_case"}
    exec(compile(textwrap.dedent(source), "model.py", "exec"), namespace)
    with torch.no_grad():
        report = verify(namespace[top]().eval(), example, method="hooks", static=False)
    return {row.layer: row.activation for row in report.layers}


RETURNS_ITS_LAYER = """
import torch
import torch.nn as nn


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, use_activation=True):
        super().__init__()
        self.convolution = nn.Conv2d(cin, cout, 1)
        self.normalization = nn.BatchNorm2d(cout)
        if use_activation:
            self.activation = nn.ReLU6()
        else:
            self.activation = None

    def forward(self, x):
        x = self.normalization(self.convolution(x))
        if self.activation is not None:
            x = self.activation(x)
        return x


class InvertedResidual(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.expand = ConvLayer(channels, 4 * channels)
        self.reduce = ConvLayer(4 * channels, channels, use_activation=False)

    def forward(self, x):
        residual = x
        x = self.reduce(self.expand(x))
        return residual + x


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([InvertedResidual(4) for _ in range(2)])
        self.last = ConvLayer(4, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(self.last(x).mean((2, 3)))
"""


def test_a_block_that_returns_its_layer_is_judged_by_what_follows_that_construction():
    # each use decides `self.activation is not None` from what that call built; where the block
    # returns its conv (use_activation=False), what follows is what the container and the model do
    # with that construction's output: the residual sum, then the next block's first conv
    rows = at_use_rows(RETURNS_ITS_LAYER)
    assert {name: row.activation for name, row in rows.items()} == {
        "self.expand": "relu6", "self.reduce": "none", "self.last": "relu6"}, {
        name: row.activation_evidence for name, row in rows.items()}  # fmt: skip
    assert all(row.fix.reason for row in rows.values())  # a row at a use never carries a fix there
    conv = static_rows(RETURNS_ITS_LAYER)[("ConvLayer", "convolution")]
    assert conv.activation == "unknown"  # where it is built: it stands for every use
    runtime = traced_layers(RETURNS_ITS_LAYER, "Net", torch.randn(1, 4, 4, 4))
    for path, activation in runtime.items():
        if path.endswith(".convolution"):
            attribute = "self." + path.split(".")[-2]
            assert rows[attribute].activation == activation, path


def test_what_follows_a_returned_layer_differs_between_two_applications_of_one_construction():
    # the same construction applied twice, once before a ReLU and once as the model's output: unknown
    source = RETURNS_ITS_LAYER.replace(
        "return residual + x",
        "return torch.relu(residual + x) + self.reduce(residual)")
    assert at_use_rows(source)["self.reduce"].activation == "unknown"


def test_an_attribute_set_under_a_condition_the_use_does_not_decide_keeps_the_none_test_open():
    source = RETURNS_ITS_LAYER.replace("if use_activation:", "if use_activation and cin > 2:")
    rows = at_use_rows(source)
    assert rows["self.expand"].activation == "unknown"  # `cin > 2` is not known: ReLU6 or nothing
    assert rows["self.reduce"].activation == "none"  # decided False whatever cin is
    # set in a loop, which may not run: not settled by the construction either, so no use claims it
    decided = "        if use_activation:\n            self.activation = nn.ReLU6()\n        else:\n            self.activation = None\n"
    looped = "        self.activation = None\n        for _ in range(int(use_activation)):\n            self.activation = nn.ReLU6()\n"
    assert decided in RETURNS_ITS_LAYER
    model = analyze(textwrap.dedent(RETURNS_ITS_LAYER.replace(decided, looped)), "model.py")
    assert {layer.activation for layer in model.layers if "convolution" in layer.name} == {"unknown"}


AGREEING_USES = """
import torch
import torch.nn as nn


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, activation="relu"):
        super().__init__()
        self.convolution = nn.Conv2d(cin, cout, 3, padding=1)
        self.normalization = nn.BatchNorm2d(cout)
        self.activation = nn.ReLU() if activation is not None else nn.Identity()

    def forward(self, x):
        return self.activation(self.normalization(self.convolution(x)))


class BasicLayer(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.layer = nn.Sequential(ConvLayer(channels, channels), ConvLayer(channels, channels, activation=None))
        self.activation = nn.ReLU()

    def forward(self, x):
        return self.activation(x + self.layer(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvLayer(3, 4)
        self.blocks = nn.Sequential(BasicLayer(4), BasicLayer(4))
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))
"""


def test_a_layer_every_construction_judges_alike_is_judged_where_it_is_built():
    # the last conv of a BasicLayer (`activation=None`) returns its output, which meets the
    # container's ReLU after the residual sum: ReLU at every use, so ReLU where it is built
    check(AGREEING_USES, "Net", torch.randn(1, 3, 4, 4), {("ConvLayer", "convolution"): "relu"})
    model = analyze(textwrap.dedent(AGREEING_USES), "model.py")
    assert not [layer for layer in model.layers if layer.at_use]
    conv = next(layer for layer in model.layers if layer.name == "convolution")
    assert "at each of its 3 constructions here" in conv.activation_evidence
    assert conv.fix is not None and conv.fix.reason is None  # every use agrees: the fix is where it is built


def test_uses_agree_only_when_every_construction_is_judged():
    # a construction in module code is not judged per use: the layer stays unknown where it is built
    source = AGREEING_USES + "\n\nextra = ConvLayer(3, 3, activation=None)\n"
    assert static_rows(source)[("ConvLayer", "convolution")].activation == "unknown"


def test_construction_probes_stay_out_of_the_interface():
    import libcst

    from initlint.semantics.file import FileAnalysis
    from initlint.semantics.interface import forward_facts

    source = textwrap.dedent(RETURNS_ITS_LAYER)
    fa = FileAnalysis(libcst.parse_module(source), "model.py", source)
    fa.run()
    assert fa.use_probes  # the forward of InvertedResidual applied its constructions
    assert "UseProbe" not in repr(forward_facts(fa))


def test_a_flag_default_that_picks_the_activation_is_checked_against_callers_in_other_modules(tmp_path):
    # the block in its own module, built only by another: `if use_activation:` decided by the
    # default there, while model.py passes use_activation=False for `reduce`, whose conv meets no
    # activation at run time: none at that use (ConvLayer's own code run with that flag; never the
    # default's ReLU6), ReLU6 where the default applies
    block_end = RETURNS_ITS_LAYER.index("class InvertedResidual")
    layers = RETURNS_ITS_LAYER[:block_end]
    model = "import torch\nimport torch.nn as nn\n\nfrom layers import ConvLayer\n\n\n" + RETURNS_ITS_LAYER[block_end:]
    for name, text in (("layers.py", layers), ("model.py", model)):
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    paths = {str(tmp_path / name): (tmp_path / name).read_text(encoding="utf-8") for name in ("layers.py", "model.py")}
    models, errors, _ = analyze_program(paths)
    assert not errors
    rows = [layer for fm in models.values() for layer in fm.layers if "convolution" in (layer.name or "")]
    lines = (tmp_path / "model.py").read_text(encoding="utf-8").splitlines()
    at_use = {lines[row.line - 1].split("=")[0].strip(): row for row in rows if row.at_use}
    assert at_use["self.reduce"].activation == "none", at_use["self.reduce"].activation_evidence
    assert "use_activation=False" in at_use["self.reduce"].activation_evidence
    assert at_use["self.expand"].activation == at_use["self.last"].activation == "relu6"
    assert all(row.activation == "unknown" for row in rows if not row.at_use)  # where it is built: both
    runtime = traced_layers(RETURNS_ITS_LAYER, "Net", torch.randn(1, 4, 4, 4))
    assert {a for path, a in runtime.items() if path.endswith("reduce.convolution")} == {"none"}
    assert {a for path, a in runtime.items() if path.endswith(("expand.convolution", "last.convolution"))} == {"relu6"}


def test_a_conditional_expression_the_use_does_not_decide_keeps_the_none_test_open():
    # `nn.ReLU6() if ... else None` with a condition not known at that use is ReLU6 or None
    decided = "        if use_activation:\n            self.activation = nn.ReLU6()\n        else:\n            self.activation = None\n"
    open_value = "        self.activation = nn.ReLU6() if use_activation and cin > 2 else None\n"
    rows = at_use_rows(RETURNS_ITS_LAYER.replace(decided, open_value))
    assert rows["self.expand"].activation == "unknown", rows["self.expand"].activation_evidence
    rows = at_use_rows(RETURNS_ITS_LAYER.replace(decided, "        self.activation = nn.ReLU6() if use_activation else None\n"))
    assert (rows["self.expand"].activation, rows["self.reduce"].activation) == ("relu6", "none")


def test_attributes_bound_by_a_computed_name_are_not_settled_by_a_construction():
    decided = "        if use_activation:\n            self.activation = nn.ReLU6()\n        else:\n            self.activation = None\n"
    by_name = decided + "        setattr(self, 'activ' + 'ation', nn.ReLU6())\n"
    model = analyze(textwrap.dedent(RETURNS_ITS_LAYER.replace(decided, by_name)), "model.py")
    assert "none" not in {layer.activation for layer in model.layers if "convolution" in layer.name}


TRY_EXCEPT = """
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.proj = nn.Linear(8, 8)
        try:
            self.act = nn.ReLU()
            self.act2 = nn.ReLU()
        except ImportError:
            self.act = nn.Tanh()
            self.act2 = nn.ReLU(inplace=True)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.act2(self.proj(self.act(self.fc(x)))))
"""


def test_an_except_handler_binds_an_alternative_to_the_try_body_not_a_replacement():
    """The handler runs instead of the rest of the body: Tanh there is one possibility, never the
    only one (torch runs ReLU); where both bind the same activation it is known."""
    check(TRY_EXCEPT, "Net", torch.randn(2, 8), {("Net", "fc"): "unknown", ("Net", "proj"): "relu"})


STAR_FIRST = """import torch
import torch.nn as nn


class Mixer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.out = nn.Linear(4, 4)

    def _mix(self, a, b):
        return self.out(torch.tanh(a) + b)

    def forward(self, x, *extra):
        return self._mix(*extra, self.fc(x))
"""


def test_an_argument_after_a_star_is_not_bound_by_place() -> None:
    # `_mix(*extra, self.fc(x))`: fc's output lands in whichever parameter `extra` leaves free;
    # it was bound to `a` and read as meeting tanh. Torch: it lands in `b` and meets no activation.
    rows = static_rows(STAR_FIRST)
    assert (rows[("Mixer", "fc")].activation, rows[("Mixer", "fc")].activation_evidence) == ("unknown", "passed after a *")
    with torch.no_grad():
        namespace: dict = {"__name__": "traced_case"}
        exec(compile(STAR_FIRST, "model.py", "exec"), namespace)
        report = verify(namespace["Mixer"]().eval(), (torch.randn(2, 4), torch.randn(2, 4)), method="hooks", static=False)
    assert {row.layer: row.activation for row in report.layers}["fc"] == "none"
