"""MONAI's layer factories (initlint/library/hooks/monai.py): `Conv[Conv.CONV, dims]` (a registry
subscripted with a tuple, its names as attribute constants), `get_act_layer` / `get_norm_layer`
taking a name or a (name, {keyword: value}) pair. Hand-made sources in MONAI's shape; the installed
package is a skeleton, so that only the hooks (keyed by resolved names) can know what they return."""

from __future__ import annotations

from pathlib import Path

from initlint.program import analyze_program
from initlint.program.environment import Environment
from initlint.semantics.file import analyze

FACTORIES = """\
class LayerFactory:
    def __getitem__(self, args):
        return self.get_constructor(*args)

    def __getattr__(self, key):
        return key


Conv = LayerFactory()
Act = LayerFactory()
Norm = LayerFactory()
"""

UTILS = """\
from monai.networks.layers.factories import Act, Norm, split_args


def get_act_layer(name):
    act_name, act_args = split_args(name)
    return Act[act_name](**act_args)


def get_norm_layer(name, spatial_dims=1, channels=1):
    norm_name, norm_args = split_args(name)
    return Norm[norm_name, spatial_dims](**norm_args)
"""


def _monai(tmp_path: Path) -> Environment:
    site = tmp_path / "site"
    for name, text in {
        "monai/__init__.py": "",
        "monai/networks/__init__.py": "",
        "monai/networks/layers/__init__.py": "from .factories import Act, Conv, Norm\nfrom .utils import get_act_layer, get_norm_layer\n",
        "monai/networks/layers/factories.py": FACTORIES,
        "monai/networks/layers/utils.py": UTILS,
    }.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Environment((str(site),))


BLOCK = """\
import torch.nn as nn
from monai.networks.layers import Act, Conv, get_act_layer, get_norm_layer


class Block(nn.Module):
    def __init__(self, spatial_dims, act=("leakyrelu", {"negative_slope": 0.2, "inplace": True})):
        super().__init__()
        conv_type = Conv[Conv.CONV, spatial_dims]
        self.conv = conv_type(4, 8, 3)
        self.norm = get_norm_layer(name="batch", spatial_dims=spatial_dims, channels=8)
        self.act = get_act_layer(act)
        self.fc = nn.Linear(8, 8)
        self.gate = Act["sigmoid"]()
        self.deconv = Conv[Conv.CONVTRANS, 2](8, 4, 2)

    def forward(self, x):
        return self.deconv(self.gate(self.fc(self.act(self.norm(self.conv(x))))))
"""


def _rows(models: dict, path: str = "model.py") -> dict:
    return {layer.name: layer for layer in models[path].layers}


def test_layer_factory_subscripts_by_resolved_name(tmp_path: Path) -> None:
    """`Conv[Conv.CONV, dims]`: a conv of a dimension callers pass (one of three classes),
    `Conv[Conv.CONVTRANS, 2]` the 2d transposed one, `Act["sigmoid"]` the class nn.Sigmoid, a
    norm for get_norm_layer("batch"), LeakyReLU with the slope the pair's keywords give."""
    models, _, _ = analyze_program({"model.py": BLOCK}, environment=_monai(tmp_path))
    rows = _rows(models)
    assert set(rows) == {"conv", "fc", "deconv"}
    assert rows["conv"].layer_type == "Conv1d" and rows["conv"].alt_types == ["Conv2d", "Conv3d"]
    assert (rows["conv"].activation, rows["conv"].activation_param) == ("leaky_relu", 0.2)
    assert rows["conv"].norm_after and rows["conv"].init == "default"
    assert rows["fc"].activation == "sigmoid"
    assert rows["deconv"].layer_type == "ConvTranspose2d"


def test_a_project_of_its_own_spelling_is_not_monai(tmp_path: Path) -> None:
    own = BLOCK.replace("from monai.networks.layers import", "from mylayers import")
    models, _, _ = analyze_program({"model.py": own}, environment=_monai(tmp_path))
    assert "conv" not in _rows(models) and _rows(models)["fc"].activation == "unknown"


def test_a_pair_default_rests_on_that_default(tmp_path: Path) -> None:
    """A caller of another module passing another name: that use is not the default's LeakyReLU
    (unknown for now: the name is not yet read through get_act_layer's table there)."""
    user = "from model import Block\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n" \
           "    def __init__(self):\n        super().__init__()\n        self.a = Block(2, act=\"relu\")\n" \
           "        self.b = Block(3)\n\n    def forward(self, x):\n        return self.b(self.a(x))\n"  # fmt: skip
    models, _, _ = analyze_program({"model.py": BLOCK, "net.py": user}, environment=_monai(tmp_path))
    seen = {(layer.name, layer.activation) for model in models.values() for layer in model.layers if "conv" in (layer.name or "")}
    assert ("b.conv", "leaky_relu") in seen and ("a.conv", "leaky_relu") not in seen
    assert {name for name, _ in seen} >= {"a.conv", "b.conv"}


INIT_LOOPS = """\
import torch
import torch.nn as nn


class ByVariable(nn.Module):
    def __init__(self, dims=2):
        super().__init__()
        conv_type = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dims - 1]
        self.conv = conv_type(3, 4, 3)
        self.act = nn.ReLU()
        for m in self.modules():
            if isinstance(m, conv_type):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        return self.act(self.conv(x))


class SomeDims(nn.Module):
    def __init__(self, dims=2):
        super().__init__()
        conv_type = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dims - 1]
        self.conv = conv_type(3, 4, 3)
        self.act = nn.ReLU()
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv3d)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        return self.act(self.conv(x))


class AllDims(nn.Module):
    def __init__(self, dims=2):
        super().__init__()
        conv_type = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dims - 1]
        self.conv = conv_type(3, 4, 3)
        self.act = nn.ReLU()
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                nn.init.kaiming_normal_(torch.as_tensor(m.weight))

    def forward(self, x):
        return self.act(self.conv(x))
"""


def test_an_init_routine_taking_some_of_the_classes_a_layer_may_be() -> None:
    """A layer whose class is one of several: a routine taking all of them initialises it, one
    taking some of them, or testing against a variable not read here, may or may not. The old
    code said `default` for the first two (the routine was taken to miss it)."""
    rows = {layer.class_name: layer for layer in analyze(INIT_LOOPS, "model.py").layers}
    assert rows["ByVariable"].init == "unknown"
    assert rows["SomeDims"].init == "unknown" and "may or may not" in rows["SomeDims"].init_evidence
    # `torch.as_tensor(m.weight)` is the weight itself (checked on torch: `as_tensor(p) is p`)
    assert rows["AllDims"].init == "explicit"


ACTI_NORM = """\
import torch.nn as nn

from monai.networks.layers.utils import get_act_layer, get_norm_layer


class ADN(nn.Sequential):
    def __init__(self, ordering="NDA", in_channels=None, act="RELU", norm=None, norm_dim=None, dropout=None,
                 dropout_dim=None):
        super().__init__()
        op_dict = {"A": None, "D": None, "N": None}
        if norm is not None:
            op_dict["N"] = get_norm_layer(name=norm, spatial_dims=norm_dim or dropout_dim, channels=in_channels)
        if act is not None:
            op_dict["A"] = get_act_layer(act)
        for item in ordering.upper():
            if op_dict[item] is not None:
                self.add_module(item, op_dict[item])
"""

CONVOLUTION = """\
import torch.nn as nn
from monai.networks.blocks.acti_norm import ADN


class Convolution(nn.Sequential):
    def __init__(self, adn_ordering="NDA", act="PRELU", norm="INSTANCE", dropout=None):
        super().__init__()
        self.add_module("conv", nn.Conv2d(4, 4, 3))
        self.add_module("adn", ADN(ordering=adn_ordering, in_channels=4, act=act, norm=norm, norm_dim=2, dropout=dropout))


class ActFirst(nn.Sequential):
    def __init__(self, act=("elu", {"alpha": 1.0})):
        super().__init__()
        self.add_module("conv", nn.Conv2d(4, 4, 3))
        self.add_module("adn", ADN(ordering="AN", in_channels=4, act=act, norm="batch", norm_dim=2))


class NoAct(nn.Sequential):
    def __init__(self):
        super().__init__()
        self.add_module("conv", nn.Conv2d(4, 4, 3))
        self.add_module("adn", ADN(ordering="NDA", act=None, norm="batch", norm_dim=2))
"""


def test_adn_orders_its_norm_dropout_and_activation(tmp_path: Path) -> None:
    """MONAI's ADN: the norm, dropout and activation that are not None, in its `ordering`; its
    loop over the ordering's letters is what the hook states (the old code: unknown)."""
    env = _monai(tmp_path)
    (tmp_path / "site" / "monai" / "networks" / "blocks").mkdir(parents=True)
    (tmp_path / "site" / "monai" / "networks" / "blocks" / "__init__.py").write_text("")
    (tmp_path / "site" / "monai" / "networks" / "blocks" / "acti_norm.py").write_text(ACTI_NORM)
    models, _, _ = analyze_program({"model.py": CONVOLUTION}, environment=env)
    rows = {layer.class_name: layer for layer in models["model.py"].layers}
    assert (rows["Convolution"].activation, rows["Convolution"].activation_param) == ("prelu", 0.25)
    assert rows["Convolution"].norm_after  # "NDA": the instance norm comes first
    assert rows["ActFirst"].activation == "elu" and not rows["ActFirst"].norm_after
    assert rows["NoAct"].activation == "none"


BLOCKS = """\
import torch.nn as nn
from monai.networks.blocks.acti_norm import ADN


class Convolution(nn.Sequential):
    def __init__(self, spatial_dims, in_channels, out_channels, act="PRELU", norm="INSTANCE", conv_only=False):
        super().__init__()
        conv = nn.Conv2d(in_channels, out_channels, 3)
        self.add_module("conv", conv)
        if conv_only:
            return
        self.add_module("adn", ADN(ordering="NDA", in_channels=out_channels, act=act, norm=norm, norm_dim=spatial_dims))


class ResidualUnit(nn.Module):
    def __init__(self, act="PRELU"):
        super().__init__()
        self.conv = Convolution(2, 4, 4, act=act)

    def forward(self, x):
        return self.conv(x) + x
"""

NET = """\
import torch.nn as nn
from blocks import Convolution


class TwoConv(nn.Sequential):
    def __init__(self, act=("leakyrelu", {"negative_slope": 0.1, "inplace": True})):
        super().__init__()
        self.add_module("conv_0", Convolution(2, 4, 4, act=act))
        self.add_module("conv_1", Convolution(2, 4, 4, conv_only=True))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = TwoConv()
        self.plain = Convolution(2, 4, 4, act="relu")

    def forward(self, x):
        return self.plain(self.block(x))
"""


def _with_adn(tmp_path: Path) -> Environment:
    env = _monai(tmp_path)
    blocks = tmp_path / "site" / "monai" / "networks" / "blocks"
    blocks.mkdir(parents=True, exist_ok=True)
    (blocks / "__init__.py").write_text("")
    (blocks / "acti_norm.py").write_text(ACTI_NORM)
    return env


def test_a_monai_block_is_judged_at_each_construction(tmp_path: Path) -> None:
    """Convolution (an nn.Sequential subclass filled by `add_module("conv", ...)`, built in its own
    module too) meets what each construction passes: LeakyReLU(0.1) through TwoConv's pair default,
    nothing where `conv_only=True` returns before its ADN, ReLU for "relu"."""
    models, _, _ = analyze_program({"blocks.py": BLOCKS, "net.py": NET}, environment=_with_adn(tmp_path))
    rows = {(layer.class_name, layer.name): layer for layer in models["net.py"].layers}
    first, second, plain = rows["TwoConv", "conv_0.conv"], rows["TwoConv", "conv_1.conv"], rows["Net", "plain.conv"]
    assert (first.activation, first.activation_param) == ("leaky_relu", 0.1)
    assert first.norm_after  # INSTANCE, then LeakyReLU
    assert second.activation not in ("prelu", "leaky_relu")
    assert plain.activation == "relu"


STATIC_ROUTINE = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.act = nn.ReLU()
        self.apply(self.initialize_weights)

    def forward(self, x):
        return self.act(self.conv(x))

    @staticmethod
    def initialize_weights(module):
        if isinstance(module, (nn.Conv3d, nn.Conv2d)):
            module.weight = nn.init.kaiming_normal_(module.weight, a=0.01)
"""


def test_a_staticmethod_init_routine_applied_by_self() -> None:
    """`self.apply(self.initialize_weights)` with a staticmethod (MONAI's DynUNet): its module is the
    first parameter. The old code took the second, found none, and said `default`."""
    (row,) = analyze(STATIC_ROUTINE, "model.py").layers
    assert row.init == "explicit"


HELPER_LOOP = """\
import torch
import torch.nn as nn
from blocks import Convolution


def get_conv_block(act="RELU"):
    conv_block: nn.Module = Convolution(2, 4, 4, act=act)
    for m in conv_block.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(torch.as_tensor(m.weight))
    return conv_block


class Down(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = get_conv_block()

    def forward(self, x):
        return self.layer(x)
"""


def test_a_helpers_init_loop_runs_where_a_class_calls_it(tmp_path: Path) -> None:
    """MONAI's regunet `get_conv_block`: a loop over what the helper built re-initialises it, in every
    class calling the helper; the old code said `default` there."""
    models, _, _ = analyze_program({"blocks.py": BLOCKS, "down.py": HELPER_LOOP}, environment=_with_adn(tmp_path))
    rows = [layer for model in models.values() for layer in model.layers if layer.name in ("conv", "layer.conv")]
    assert rows and all(row.init != "default" for row in rows)
    assert any("conv_block.modules()" in row.init_evidence for row in rows)


NET_RELU = """\
import torch.nn as nn
from blocks import ResidualUnit


class Net2(nn.Module):
    def __init__(self):
        super().__init__()
        self.unit = ResidualUnit(act="relu")

    def forward(self, x):
        return self.unit(x)
"""


def test_a_block_built_by_its_module_with_a_parameter_of_the_builder(tmp_path: Path) -> None:
    """Convolution's conv, judged at its one construction in its module (`Convolution(2, 4, 4,
    act=act)` in ResidualUnit, `act="PRELU"` by default), rests on ResidualUnit's `act` too: another
    module's `ResidualUnit(act="relu")` builds it with ReLU (MONAI: `Act["relu"]` is nn.ReLU). The
    old code said PReLU there, from Convolution's constructions alone."""
    models, _, stats = analyze_program({"blocks.py": BLOCKS, "net2.py": NET_RELU}, environment=_with_adn(tmp_path))
    assert not stats.failures
    (conv,) = [layer for layer in models["blocks.py"].layers if layer.name == "conv"]
    assert conv.activation not in ("prelu",), conv.activation_evidence
    alone, _, _ = analyze_program({"blocks.py": BLOCKS}, environment=_with_adn(tmp_path / "alone"))
    (conv,) = [layer for layer in alone["blocks.py"].layers if layer.name == "conv"]
    assert conv.activation == "prelu", conv.activation_evidence
