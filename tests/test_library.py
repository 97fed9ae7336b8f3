"""Library knowledge out of the interpreter (initlint/library): stubs read in place of a
library's module, hooks keyed by the resolved name of what a file calls. Nothing here is
recognised by how a name is spelled in the file."""

from __future__ import annotations

import textwrap
from pathlib import Path

from initlint import rules
from initlint.semantics.file import analyze
from initlint.program import analyze_program
from initlint.program.environment import STUBS, Environment

PRETRAINED = """\
import torch.nn as nn
from transformers import PreTrainedModel


class MyPreTrainedModel(PreTrainedModel):
    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")


class MyModel(MyPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)
        self.post_init()

    def forward(self, x):
        return self.out(self.fc(x).relu())
"""


def layers(source: str, path: str = "model.py") -> dict:
    return {layer.name: layer for layer in analyze(source, path).layers}


def default_init_findings(source: str) -> list:
    chosen = [rule() for rule in rules.ALL_RULES]
    return [f for f in rules.run_rules(analyze(source, "model.py"), chosen) if "default init" in f.message]


def test_the_stub_states_what_post_init_does() -> None:
    """transformers' PreTrainedModel.post_init() runs `_init_weights` on every submodule (through
    init_weights -> initialize_weights -> smart_apply); the stub says so, and the subclass's own
    `_init_weights` re-initialises its Linears: no default-init finding."""
    found = layers(PRETRAINED)
    assert {name: layer.init for name, layer in found.items()} == {"fc": "explicit", "out": "explicit"}
    assert "post_init (inherited from PreTrainedModel)" in found["fc"].init_evidence
    assert not default_init_findings(PRETRAINED)
    assert (Path(STUBS) / "transformers" / "modeling_utils.py").is_file()


def test_post_init_is_not_recognised_by_its_name() -> None:
    """A base class of another library (not stubbed, not installed) whose `post_init` nobody can
    read: the layers keep torch's default init; a project's own `post_init` doing something else
    is read as what it does."""
    other = PRETRAINED.replace("from transformers import PreTrainedModel", "from mylib import PreTrainedModel")
    assert {name: layer.init for name, layer in layers(other).items()} == {"fc": "default", "out": "default"}
    own = PRETRAINED.replace("from transformers import PreTrainedModel\n", textwrap.dedent("""

        class PreTrainedModel(nn.Module):
            def post_init(self):
                self.ready = True
        """))
    assert {name: layer.init for name, layer in layers(own).items()} == {"fc": "default", "out": "default"}


def test_a_stub_is_served_before_installed_source(tmp_path: Path) -> None:
    """An installed transformers whose modeling_utils the analysis cannot follow (here: a
    post_init that does nothing it can read) is not read: the stub answers for that module."""
    site = tmp_path / "site"
    (site / "transformers").mkdir(parents=True)
    (site / "transformers" / "__init__.py").write_text("from .modeling_utils import PreTrainedModel\n")
    (site / "transformers" / "modeling_utils.py").write_text(
        "from torch import nn\n\n\nclass PreTrainedModel(nn.Module):\n    def post_init(self):\n        pass\n")
    environment = Environment((str(site),))
    assert environment.find("transformers.modeling_utils") == str(Path(STUBS) / "transformers" / "modeling_utils.py")
    models, _, _ = analyze_program({"model.py": PRETRAINED}, environment=environment)
    assert {layer.name: layer.init for layer in models["model.py"].layers} == {"fc": "explicit", "out": "explicit"}


ACT2FN_USER = """\
import torch.nn as nn
from ..activations import ACT2FN


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = ACT2FN["gelu"]

    def forward(self, x):
        return self.act(self.fc(x))
"""


def _package(root: Path, files: dict) -> dict:
    out = {}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        out[str(path)] = text
    return out


def test_a_users_own_act2fn_is_not_transformers(tmp_path: Path) -> None:
    """The user's `from ..activations import ACT2FN`, in their own package, is their registry
    (here mapping "gelu" to ReLU), never transformers' ACT2FN."""
    sources = _package(tmp_path, {
        "myproject/__init__.py": "",
        "myproject/activations.py": "import torch.nn as nn\n\nACT2FN = {\"gelu\": nn.ReLU()}\n",
        "myproject/models/__init__.py": "",
        "myproject/models/block.py": ACT2FN_USER,
    })  # fmt: skip
    models, errors, _ = analyze_program(sources)
    assert not errors
    (fc,) = models[str(tmp_path / "myproject/models/block.py")].layers
    assert fc.activation != "gelu" and "transformers" not in fc.activation_evidence


def test_transformers_act2fn_resolves_by_its_real_name(tmp_path: Path) -> None:
    """The same file inside an installed transformers (its `__init__.py` files make it
    transformers.models.block): `..activations` is transformers.activations, and ACT2FN["gelu"]
    is GELU."""
    site = tmp_path / "site"
    sources = _package(site, {
        "transformers/__init__.py": "",
        "transformers/activations.py": "ACT2FN = ClassInstantier(ACT2CLS)\n",
        "transformers/models/__init__.py": "",
        "transformers/models/block.py": ACT2FN_USER,
    })  # fmt: skip
    block = str(site / "transformers/models/block.py")
    assert layers(sources[block], block)["fc"].activation == "gelu"
    user = ACT2FN_USER.replace("from ..activations import ACT2FN", "from transformers.activations import ACT2FN")
    assert layers(user)["fc"].activation == "gelu"


TIMM_MODEL = """\
import torch.nn as nn
from timm.layers import create_act_layer, get_act_layer


class Net(nn.Module):
    def __init__(self, act="hardswish"):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = get_act_layer(act)()
        self.fc2 = nn.Linear(8, 8)
        self.act2 = create_act_layer("silu")
        self.fc3 = nn.Linear(8, 8)
        self.act3 = create_act_layer("quick_gelu")

    def forward(self, x):
        return self.act3(self.fc3(self.act2(self.fc2(self.act(self.fc(x))))))
"""


def _timm(tmp_path: Path) -> Environment:
    site = tmp_path / "site"
    _package(site, {
        "timm/__init__.py": "",
        "timm/layers/__init__.py": "from .create_act import get_act_layer, create_act_layer\n",
        "timm/layers/create_act.py": "def get_act_layer(name='relu'):\n    return _ACT_LAYER_DEFAULT[name]\n\n\n"
                                     "def create_act_layer(name, inplace=None, **kwargs):\n    return get_act_layer(name)(**kwargs)\n",
    })  # fmt: skip
    return Environment((str(site),))


def test_timm_activation_registry_by_resolved_name(tmp_path: Path) -> None:
    """`timm.layers.get_act_layer` is a re-export: the hook is keyed by where the function is
    defined (timm.layers.create_act.get_act_layer), found through the installed package."""
    models, _, _ = analyze_program({"model.py": TIMM_MODEL}, environment=_timm(tmp_path))
    got = {layer.name: layer.activation for layer in models["model.py"].layers}
    assert got == {"fc": "hardswish", "fc2": "silu", "fc3": "unknown"}
    assert "quick_gelu" in models["model.py"].layers[2].activation_evidence


def test_without_resolving_the_name_no_hook_answers(tmp_path: Path) -> None:
    """Without the installed package the re-exported name cannot be resolved, and a project's
    own `get_act_layer` of the same spelling is not timm's."""
    models, _, _ = analyze_program({"model.py": TIMM_MODEL})
    assert {layer.activation for layer in models["model.py"].layers} == {"unknown"}
    own = TIMM_MODEL.replace("from timm.layers import", "from mylayers import")
    models, _, _ = analyze_program({"model.py": own}, environment=_timm(tmp_path))
    assert {layer.activation for layer in models["model.py"].layers} == {"unknown"}


NAMED_APPLY = """\
from functools import partial

import torch.nn as nn
from timm.models import named_apply


def _init_weights(module, name=None, scale=1.0):
    if isinstance(module, nn.Linear):
        nn.init.kaiming_normal_(module.weight, nonlinearity="relu")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)
        named_apply(partial(_init_weights, scale=0.5), self)

    def forward(self, x):
        return self.out(self.fc(x).relu())
"""


def test_the_timm_named_apply_stub(tmp_path: Path) -> None:
    """timm's named_apply(fn, module) recurses over named_children, which the analysis does not
    follow; its stub says what it amounts to, `module.apply(fn)`. timm's own package files
    (`timm/models/__init__.py` re-exporting it) are still read from the installed source."""
    site = tmp_path / "site"
    _package(site, {
        "timm/__init__.py": "",
        "timm/models/__init__.py": "from ._manipulate import named_apply\n",
        "timm/models/_manipulate.py": "def named_apply(fn, module, name='', depth_first=True, include_root=False):\n"
                                      "    for child_name, child in module.named_children():\n"
                                      "        named_apply(fn=fn, module=child, name=child_name, include_root=True)\n"
                                      "    if include_root:\n        fn(module=module, name=name)\n    return module\n",
    })  # fmt: skip
    environment = Environment((str(site),))
    assert environment.find("timm.models") == str(site / "timm" / "models" / "__init__.py")
    assert environment.find("timm.models._manipulate").startswith(STUBS)
    models, _, _ = analyze_program({"model.py": NAMED_APPLY}, environment=environment)
    found = {layer.name: layer for layer in models["model.py"].layers}
    assert {name: layer.init for name, layer in found.items()} == {"fc": "explicit", "out": "explicit"}
    own = NAMED_APPLY.replace("from timm.models import named_apply\n", "from mylib import named_apply\n")
    models, _, _ = analyze_program({"model.py": own}, environment=environment)
    # not the stub's: a function not read here, handed the init function and the model, may run it
    assert {layer.init for layer in models["model.py"].layers} == {"unknown"}
    assert all("may run" in layer.init_evidence for layer in models["model.py"].layers)


FORMAT = """\
def nchw_to(x, fmt):
    if fmt == "NHWC":
        x = x.permute(0, 2, 3, 1)
    elif fmt == "NLC":
        x = x.flatten(2).transpose(1, 2)
    return x


def scaled(x, other):
    return x @ other
"""

PATCHES = """\
import torch.nn as nn
from fmt import nchw_to, scaled


class Patches(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, 8, 4, stride=4)
        self.mix = nn.Linear(8, 8)
        self.act = nn.GELU()

    def forward(self, x):
        x = self.act(nchw_to(self.proj(x), "NLC"))
        return self.act(scaled(self.mix(x), x))
"""


def test_a_function_of_another_module_is_followed_in_forward() -> None:
    """timm's `nchw_to(x, fmt)` in another module: its reshapes are transparent, so the conv's
    output meets the GELU after it; a matmul in such a function is an op like any other."""
    models, _, _ = analyze_program({"model.py": PATCHES, "fmt.py": FORMAT})
    got = {layer.name: (layer.activation, layer.activation_evidence) for layer in models["model.py"].layers}
    assert got["proj"][0] == "gelu"
    assert got["mix"][0] == "none" and "@" in got["mix"][1]


NORMS = """\
from functools import partial

import torch
import torch.nn as nn
from timm.layers import get_norm_act_layer, get_norm_layer


class Block(nn.Module):
    def __init__(self, dims=(8, 8)):
        super().__init__()
        norm_act = get_norm_act_layer(nn.BatchNorm2d, nn.SiLU)
        self.conv1 = nn.Conv2d(8, 8, 3)
        self.bn1 = norm_act(8)
        self.conv2 = nn.Conv2d(8, 8, 1)
        self.bn2 = norm_act(8, apply_act=False)
        self.conv3 = nn.Conv2d(8, 8, 1)
        self.bn3 = get_norm_layer("batchnorm2d")(8)
        self.conv4 = nn.Conv2d(8, 8, 1)
        self.bn4 = get_norm_layer(nn.GroupNorm)(2, 8)
        self.conv5 = nn.Conv2d(8, 8, 1)
        self.bn5 = get_norm_act_layer("batchnorm")(8)
        self.conv6 = nn.Conv2d(8, 8, 1)
        self.bn6 = norm_act(8, **self.kwargs)
        self.conv7 = nn.Conv2d(8, 8, 1)
        silu_norm = partial(nn.BatchNorm2d, eps=1e-3)
        self.bn7 = get_norm_act_layer(silu_norm, nn.SiLU)(8)

    def forward(self, x):
        x = self.bn2(self.conv2(self.bn1(self.conv1(x))))
        x = torch.tanh(self.bn3(self.conv3(x)))
        x = torch.relu(self.bn4(self.conv4(x)))
        x = self.bn5(self.conv5(x))
        x = self.bn6(self.conv6(x))
        return self.bn7(self.conv7(x))
"""


def _timm_norms(tmp_path: Path) -> Environment:
    site = tmp_path / "site"
    _package(site, {
        "timm/__init__.py": "",
        "timm/layers/__init__.py": "from .create_norm import get_norm_layer\nfrom .create_norm_act import get_norm_act_layer\n",
        "timm/layers/create_norm.py": "def get_norm_layer(norm_layer):\n    return _NORM_MAP[norm_layer]\n",
        "timm/layers/create_norm_act.py": "def get_norm_act_layer(norm_layer, act_layer=None):\n    return _MAP[norm_layer]\n",
        "timm/layers/norm_act.py": "import torch.nn as nn\n\n\nclass BatchNormAct2d(nn.BatchNorm2d):\n    pass\n",
    })  # fmt: skip
    return Environment((str(site),))


def test_timm_norm_factories_by_resolved_name(tmp_path: Path) -> None:
    """timm's get_norm_layer returns the class passed or the one a string names (a norm: the
    signal passes); get_norm_act_layer returns BatchNormAct2d with `act_layer` bound to its
    argument: the norm, then that activation, none with `apply_act=False` or without an
    act_layer; `**kwargs` at the construction may pass another."""
    models, _, _ = analyze_program({"model.py": NORMS}, environment=_timm_norms(tmp_path))
    got = {layer.name: layer.activation for layer in models["model.py"].layers}
    # conv7: a partial's keywords are not read (timm keeps its act_layer over the call's): unknown
    assert got == {"conv1": "silu", "conv2": "none", "conv3": "tanh", "conv4": "relu", "conv5": "none",
                   "conv6": "unknown", "conv7": "unknown"}  # fmt: skip
    assert {layer.name: layer.norm_after for layer in models["model.py"].layers}["conv1"] == "BatchNorm2d"
    evidence = {layer.name: layer.activation_evidence for layer in models["model.py"].layers}
    assert "nn.SiLU, the act_layer of `norm_act(8, act_layer=nn.SiLU)` (timm.layers.norm_act.BatchNormAct2d)" in evidence["conv1"]
    assert "**self.kwargs" in evidence["conv6"]


DENSE = """\
import torch.nn as nn
from timm.layers import BatchNormAct2d


class DenseLayer(nn.Module):
    def __init__(self, chs, norm_layer=BatchNormAct2d):
        super().__init__()
        self.conv = nn.Conv2d(chs, chs, 1)
        self.norm = norm_layer(chs)
        self.out = nn.Conv2d(chs, chs, 1)

    def forward(self, x):
        return self.out(self.norm(self.conv(x)))
"""


def test_a_norm_act_class_as_a_constructor_default_rests_on_that_default(tmp_path: Path) -> None:
    """`norm_layer=BatchNormAct2d`: the norm, then its default act_layer (ReLU). That activation
    rests on the default as an `act_layer=nn.ReLU` would: a caller in another module that passes
    another norm_layer makes it unknown."""
    env = _timm_norms(tmp_path)
    (tmp_path / "site" / "timm" / "layers" / "__init__.py").write_text("from .norm_act import BatchNormAct2d\n")
    models, _, _ = analyze_program({"dense.py": DENSE}, environment=env)
    conv = next(layer for layer in models["dense.py"].layers if layer.name == "conv")
    assert conv.activation == "relu" and "norm_layer default" in conv.activation_evidence
    user = "import torch.nn as nn\nfrom dense import DenseLayer\n\n\nclass Net(nn.Module):\n" \
           "    def __init__(self):\n        super().__init__()\n        self.layer = DenseLayer(8, norm_layer=nn.GroupNorm)\n"
    models, _, _ = analyze_program({"dense.py": DENSE, "net.py": user}, environment=env)
    conv = next(layer for layer in models["dense.py"].layers if layer.name == "conv")
    assert conv.activation == "unknown" and "norm_layer=" in conv.activation_evidence


TIMM_ENTRY = """\
import torch.nn as nn
from timm.models import build_model_with_cfg, register_model


class Net(nn.Module):
    def __init__(self, depth, act_layer, num_classes=10):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = act_layer()
        self.head = nn.Linear(8, num_classes)

    def forward(self, x):
        return self.head(self.act(self.fc(x)))


def _create_net(variant, pretrained=False, **kwargs):
    return build_model_with_cfg(Net, variant, pretrained, feature_cfg=dict(flatten_sequential=True), **kwargs)


@register_model
def net_relu(pretrained=False, **kwargs):
    model_args = dict(depth=2, act_layer=nn.ReLU)
    return _create_net("net_relu", pretrained=pretrained, **dict(model_args, **kwargs))


@register_model
def net_relu_deep(pretrained=False, **kwargs):
    return _create_net("net_relu_deep", pretrained=pretrained, **dict(dict(depth=4, act_layer=nn.ReLU), **kwargs))
"""


def _timm_builder(tmp_path: Path) -> Environment:
    """timm's builder as installed: its kwargs bookkeeping (pop, a helper that fills some in)
    hides the construction; its registry decorator."""
    site = tmp_path / "site"
    _package(site, {
        "timm/__init__.py": "",
        "timm/models/__init__.py": "from ._builder import build_model_with_cfg\nfrom ._registry import register_model\n",
        "timm/models/_builder.py": "def build_model_with_cfg(model_cls, variant, pretrained, model_cfg=None, feature_cfg=None, **kwargs):\n"
                                   "    pruned = kwargs.pop('pruned', False)\n    _update_default_model_kwargs(kwargs)\n"
                                   "    if model_cfg is None:\n        model = model_cls(**kwargs)\n"
                                   "    else:\n        model = model_cls(cfg=model_cfg, **kwargs)\n    return model\n",
        "timm/models/_registry.py": "_model_entrypoints = {}\n\n\ndef register_model(fn):\n"
                                    "    _model_entrypoints[fn.__name__] = fn\n    return fn\n",
    })  # fmt: skip
    return Environment((str(site),))


def test_a_timm_registered_entry_point_builds_its_model(tmp_path: Path) -> None:
    """`@register_model` functions are what `timm.create_model(name)` calls, with their defaults:
    the class they build through `build_model_with_cfg` (read from its stub) gets the arguments
    of `model_args`, so the layers keep the default init (nothing else initialises them) and
    are followed by the ReLU every entry point passes, named in the evidence."""
    models, _, _ = analyze_program({"model.py": TIMM_ENTRY}, environment=_timm_builder(tmp_path))
    found = {layer.name: layer for layer in models["model.py"].layers}
    assert {name: (layer.activation, layer.init) for name, layer in found.items()} == {
        "fc": ("relu", "default"), "head": ("none", "default")}
    assert "by the registered entry point net_relu" in found["fc"].activation_evidence
    assert "from net_relu() and 1 more registered entry points, which run none" in found["fc"].init_evidence
    chosen = [rule() for rule in rules.ALL_RULES]
    assert [f.code for f in rules.run_rules(models["model.py"], chosen) if f.layer == "fc"] == ["IL101"]


def test_a_key_stored_into_kwargs_before_they_are_passed_on_is_that_value(tmp_path: Path) -> None:
    """timm's `_create_densenet` does `kwargs['growth_rate'] = growth_rate` before handing kwargs to
    the builder: that store sets one key (the others still come from the entry points); a store
    under a key not written out, or under a condition, leaves kwargs unknown."""
    source = TIMM_ENTRY.replace(
        "def _create_net(variant, pretrained=False, **kwargs):\n",
        "def _create_net(variant, pretrained=False, **kwargs):\n    kwargs['depth'] = 3\n")
    models, _, _ = analyze_program({"model.py": source}, environment=_timm_builder(tmp_path))
    assert {layer.name: layer.activation for layer in models["model.py"].layers}["fc"] == "relu"
    stored = source.replace("    kwargs['depth'] = 3\n", "    kwargs['act_layer'] = nn.Tanh\n")
    models, _, _ = analyze_program({"model.py": stored}, environment=_timm_builder(tmp_path))
    assert {layer.name: layer.activation for layer in models["model.py"].layers}["fc"] == "tanh"
    for unknown in ("    kwargs[variant] = 3\n", "    if pretrained:\n        kwargs['depth'] = 3\n"):
        models, _, _ = analyze_program({"model.py": source.replace("    kwargs['depth'] = 3\n", unknown)},
                                       environment=_timm_builder(tmp_path))  # fmt: skip
        assert {layer.name: layer.activation for layer in models["model.py"].layers}["fc"] == "unknown"


def test_an_entry_point_passing_other_classes_leaves_the_activation_unknown(tmp_path: Path) -> None:
    """Entry points that pass different act_layers: each is a use; the merged value is unknown."""
    source = TIMM_ENTRY.replace("dict(depth=4, act_layer=nn.ReLU)", "dict(depth=4, act_layer=nn.Tanh)")
    models, _, _ = analyze_program({"model.py": source}, environment=_timm_builder(tmp_path))
    assert {layer.name: layer.activation for layer in models["model.py"].layers}["fc"] == "unknown"


def test_a_projects_own_registry_is_not_an_entry_point(tmp_path: Path) -> None:
    """The same code with a registry of the project's own: what calls its functions, and with
    what in **kwargs, is not guessed; the construction is still seen (no init elsewhere)."""
    own = TIMM_ENTRY.replace("from timm.models import build_model_with_cfg, register_model",
                             "from timm.models import build_model_with_cfg\nfrom registry import register_model")
    models, _, _ = analyze_program({"model.py": own, "registry.py": "def register_model(fn):\n    return fn\n"},
                                   environment=_timm_builder(tmp_path))  # fmt: skip
    found = {layer.name: layer for layer in models["model.py"].layers}
    assert found["fc"].activation == "unknown" and found["fc"].init == "default"


def test_a_class_of_another_module_handed_to_the_builder_is_a_use(tmp_path: Path) -> None:
    """deit.py hands vision_transformer's class to build_model_with_cfg (through a local name):
    that is a use of the class, with what its entry point passes, which the program stage
    judges the class's constructor defaults against."""
    net = ("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, act_layer=nn.ReLU):\n"
           "        super().__init__()\n        self.fc = nn.Linear(8, 8)\n        self.act = act_layer()\n"
           "        self.head = nn.Linear(8, 2)\n\n    def forward(self, x):\n        return self.head(self.act(self.fc(x)))\n")
    variants = ("import torch.nn as nn\nfrom timm.models import build_model_with_cfg, register_model\nfrom net import Net\n\n\n"
                "def _create(variant, pretrained=False, **kwargs):\n    model_cls = Net\n"
                "    return build_model_with_cfg(model_cls, variant, pretrained, **kwargs)\n\n\n"
                "@register_model\ndef net_tanh(pretrained=False, **kwargs):\n"
                "    return _create('net_tanh', pretrained, **dict(dict(act_layer=nn.Tanh), **kwargs))\n")
    environment = _timm_builder(tmp_path)
    models, _, _ = analyze_program({"net.py": net}, environment=environment)
    assert {layer.name: layer.activation for layer in models["net.py"].layers}["fc"] == "relu"
    models, _, _ = analyze_program({"net.py": net, "variants.py": variants}, environment=environment)
    fc = {layer.name: layer for layer in models["net.py"].layers}["fc"]
    # the program's only construction passes Tanh: judged where the layer is built
    assert fc.activation == "tanh" and "variants.py:8)" in fc.activation_evidence, fc.activation_evidence


def test_a_class_chosen_by_nested_conditionals_is_handed_over(tmp_path: Path) -> None:
    """`model_cls = (A if x else B) if y else (C if z else A)`: each branch names a class, so the
    builder's call is a use of them, as with one conditional."""
    net = ("import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self, act_layer=nn.ReLU):\n"
           "        super().__init__()\n        self.fc = nn.Linear(8, 8)\n        self.act = act_layer()\n"
           "        self.head = nn.Linear(8, 2)\n\n    def forward(self, x):\n        return self.head(self.act(self.fc(x)))\n")
    variants = ("import torch.nn as nn\nfrom timm.models import build_model_with_cfg, register_model\nfrom net import Net\n\n\n"
                "def _create(variant, pretrained=False, **kwargs):\n"
                "    model_cls = (Net if pretrained else Net) if variant else (Net if kwargs else Net)\n"
                "    return build_model_with_cfg(model_cls, variant, pretrained, **kwargs)\n\n\n"
                "@register_model\ndef net_tanh(pretrained=False, **kwargs):\n"
                "    return _create('net_tanh', pretrained, **dict(dict(act_layer=nn.Tanh), **kwargs))\n")
    models, _, _ = analyze_program({"net.py": net, "variants.py": variants}, environment=_timm_builder(tmp_path))
    fc = {layer.name: layer for layer in models["net.py"].layers}["fc"]
    assert fc.activation == "tanh" and "act_layer=nn.Tanh passed to Net" in fc.activation_evidence, fc.activation_evidence


def test_a_model_handed_to_a_function_not_read_here_while_built(tmp_path: Path) -> None:
    """timm's MobileNetV3 runs `efficientnet_init_weights(self)` (an init over named_modules()
    through a chosen init_fn): a function of another module handed the model while it is built
    may initialise any layer, so none is judged `default` there (no finding that may be wrong)."""
    model = TIMM_ENTRY.replace("        self.head = nn.Linear(8, num_classes)\n",
                               "        self.head = nn.Linear(8, num_classes)\n        init_everything(self)\n")
    model = model.replace("import torch.nn as nn\n", "import torch.nn as nn\nfrom weights import init_everything\n")
    weights = "def init_everything(model, init_fn=None):\n    init_fn = init_fn or print\n" \
              "    for n, m in model.named_modules():\n        init_fn(m, n)\n"
    models, _, _ = analyze_program({"model.py": model, "weights.py": weights}, environment=_timm_builder(tmp_path))
    found = {layer.name: layer for layer in models["model.py"].layers}
    assert {name: layer.init for name, layer in found.items()} == {"fc": "unknown", "head": "unknown"}
    assert "init_everything(self)" in found["fc"].init_evidence
    # torchvision's _log_api_usage_once(self) only reads dunder attributes: no init runs there
    logged = model.replace("init_everything(self)", "log_usage(self)").replace("import init_everything", "import log_usage")
    weights += "\n\ndef log_usage(obj):\n    name = obj.__class__.__name__\n    if isinstance(obj, type):\n        print(name)\n"
    models, _, _ = analyze_program({"model.py": logged, "weights.py": weights}, environment=_timm_builder(tmp_path))
    assert {layer.name: layer.init for layer in models["model.py"].layers} == {"fc": "default", "head": "default"}
    # one that only draws torch's default again (reset_parameters() over model.modules()) neither
    redraws = weights + "\n\ndef reset_all(model):\n    for m in model.modules():\n" \
                        "        if hasattr(m, 'reset_parameters'):\n            m.reset_parameters()\n"
    reset = logged.replace("log_usage", "reset_all")
    models, _, _ = analyze_program({"model.py": reset, "weights.py": redraws}, environment=_timm_builder(tmp_path))
    assert {layer.name: layer.init for layer in models["model.py"].layers} == {"fc": "default", "head": "default"}


def test_a_model_built_by_handing_then_changed_is_not_judged_default() -> None:
    """`model = build(Net, ...)` then `model.apply(...)` with a function not read here: the
    construction is seen, but what runs on the model afterwards may re-initialise it."""
    source = ("import torch.nn as nn\nfrom weights import init_fn\n\n\n"
              "class Net(nn.Module):\n    def __init__(self, act_layer):\n        super().__init__()\n"
              "        self.fc = nn.Linear(8, 8)\n        self.act = act_layer()\n\n"
              "    def forward(self, x):\n        return self.act(self.fc(x))\n\n\n"
              "def build(cls, **kwargs):\n    return cls(**kwargs)\n\n\n"
              "def tiny():\n    model = build(Net, act_layer=nn.ReLU)\n    model.name = 'tiny'\n    return model\n")  # fmt: skip
    models, _, _ = analyze_program({"model.py": source})
    fc = models["model.py"].layers[0]
    assert (fc.activation, fc.init) == ("relu", "default")
    changed = source.replace("    model.name = 'tiny'\n", "    model.apply(init_fn)\n")
    models, _, _ = analyze_program({"model.py": changed})
    assert models["model.py"].layers[0].init == "unknown"
