"""What follows a layer a block returns, judged at each entry point through the classes that run builds.

timm's ConvNeXt, MetaFormer and EdgeNeXt blocks return `x + gamma * mlp(...)`: Mlp.fc2's output goes into
the block's residual sum, then into the next block (its depthwise conv) or, for a stage's last block,
into the next stage's `norm_layer(...)` then its downsampling conv, or the head. Over every way the
module builds its stages (`norm_layer` a parameter another model sets to a norm followed by an
activation) that is not one thing. Each entry point's run builds its stages with what it chose
(`entries.EntryProbe`): the classes of the module built inside the judged model are applied as that
run built them (`FileAnalysis.construction_summary`), what they do with Mlp's output is recorded per
entry point (`ModuleSummary.entry_followed`), and the program stage follows the block's output up
through those records to the model's output (`link._judge_outputs_at_entry_points`). Each claim is
checked against torch building the same models."""

from __future__ import annotations

from pathlib import Path

import pytest

from initlint.program import analyze_program
from test_program_passing import _importable

MLP = 'import torch.nn as nn\n\n\nclass Mlp(nn.Module):\n    def __init__(self, in_features, hidden_features=None, act_layer=nn.GELU, use_conv=False):\n        super().__init__()\n        self.fc1 = nn.Linear(in_features, hidden_features)\n        self.act = act_layer()\n        self.fc2 = nn.Linear(hidden_features, in_features)\n\n    def forward(self, x):\n        return self.fc2(self.act(self.fc1(x)))\n\n\nclass GrnMlp(Mlp):\n    pass\n'

CONVS = 'import torch\nimport torch.nn as nn\n\n\nclass LayerNorm2d(nn.LayerNorm):\n    def forward(self, x):\n        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)\n\n\nclass NormRelu2d(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.norm = LayerNorm2d(c)\n        self.act = nn.ReLU()\n\n    def forward(self, x):\n        return self.act(self.norm(x))\n\n\nclass MixedConv(nn.ModuleDict):\n    def __init__(self, in_ch, out_ch, kernel_sizes):\n        super().__init__()\n        self.splits = [in_ch // len(kernel_sizes)] * len(kernel_sizes)\n        for i, k in enumerate(kernel_sizes):\n            self.add_module(str(i), nn.Conv2d(self.splits[i], out_ch // len(kernel_sizes), k, padding=k // 2))\n\n    def forward(self, x):\n        parts = torch.split(x, self.splits, 1)\n        return torch.cat([c(parts[i]) for i, c in enumerate(self.values())], 1)\n\n\ndef create_conv2d(in_ch, out_ch, kernel_size, depthwise=False):\n    if isinstance(kernel_size, list):\n        return MixedConv(in_ch, out_ch, kernel_size)\n    return nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2, groups=in_ch if depthwise else 1)\n'

NET = 'from functools import partial\n\nimport torch\nimport torch.nn as nn\n\nfrom convs import LayerNorm2d, NormRelu2d, create_conv2d\nfrom mlp import GrnMlp, Mlp\n\n\nclass Block(nn.Module):\n    def __init__(self, dim, kernel_size=7, act_layer=nn.GELU, use_grn=False, ls_init_value=1e-6):\n        super().__init__()\n        mlp_layer = partial(GrnMlp if use_grn else Mlp, use_conv=False)\n        self.conv_dw = create_conv2d(dim, dim, kernel_size, depthwise=True)\n        self.norm = nn.LayerNorm(dim)\n        self.mlp = mlp_layer(dim, 4 * dim, act_layer=act_layer)\n        self.gamma = nn.Parameter(ls_init_value * torch.ones(dim)) if ls_init_value is not None else None\n\n    def forward(self, x):\n        shortcut = x\n        x = self.conv_dw(x)\n        x = x.permute(0, 2, 3, 1)\n        x = self.norm(x)\n        x = self.mlp(x)\n        x = x.permute(0, 3, 1, 2)\n        if self.gamma is not None:\n            x = x.mul(self.gamma.reshape(1, -1, 1, 1))\n        return x + shortcut\n\n\nclass Stage(nn.Module):\n    def __init__(self, in_chs, out_chs, kernel_size=7, depth=2, norm_layer=None, act_layer=nn.GELU):\n        super().__init__()\n        if in_chs != out_chs:\n            self.downsample = nn.Sequential(norm_layer(in_chs), nn.Conv2d(in_chs, out_chs, 1))\n        else:\n            self.downsample = nn.Identity()\n        blocks = []\n        for _ in range(depth):\n            blocks.append(Block(out_chs, kernel_size=kernel_size, act_layer=act_layer))\n        self.blocks = nn.Sequential(*blocks)\n\n    def forward(self, x):\n        return self.blocks(self.downsample(x))\n\n\nclass Net(nn.Module):\n    def __init__(self, dims=(8, 16), kernel_size=7, norm_layer=None, act_layer=nn.GELU):\n        super().__init__()\n        norm_layer = norm_layer or LayerNorm2d\n        self.stem = nn.Conv2d(3, dims[0], 4, stride=4)\n        stages = []\n        prev = dims[0]\n        for dim in dims:\n            stages.append(Stage(prev, dim, kernel_size=kernel_size, norm_layer=norm_layer, act_layer=act_layer))\n            prev = dim\n        self.stages = nn.Sequential(*stages)\n        self.head = nn.Linear(prev, 2)\n\n    def forward(self, x):\n        x = self.stages(self.stem(x))\n        return self.head(x.mean((2, 3)))\n\n\ndef net_tiny():\n    return Net()\n\n\ndef net_relu_norm():\n    return Net(norm_layer=NormRelu2d)\n\n\ndef net_mixed():\n    return Net(kernel_size=[3, 5])\n'


def _program(tmp_path: Path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / name): text for name, text in files.items()})
    assert not errors
    return {Path(path).name: model for path, model in models.items()}


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _traced(model, shape=(2, 3, 16, 16)) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(*shape), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def _at_entries(models: dict, name: str) -> dict:
    return {layer.line: layer for layer in models["net.py"].layers if layer.at_use and layer.name == name}


def test_a_returned_layer_is_judged_at_each_entry_point_through_the_blocks_that_run_builds(tmp_path: Path) -> None:
    """Mlp.fc2 (built through `partial(GrnMlp if use_grn else Mlp, ...)`) meets the block's `.mul()`, the
    residual sum, the next block's conv, the next stage's norm then conv, and the head's pooling. Over
    every way net.py builds Stage (`norm_layer` NormRelu2d in net_relu_norm) it is not one thing: its own
    row stays unknown. net_tiny() builds every Stage with LayerNorm2d and a 7x7 conv: no activation there
    (before: no row, Block's `self.mlp` was unknown and the stages' norm a parameter). net_relu_norm() and
    net_mixed() (a MixedConv whose `.values()` hold more than convs) say nothing."""
    models = _program(tmp_path, {"mlp.py": MLP, "convs.py": CONVS, "net.py": NET})
    own = next(layer for layer in models["mlp.py"].layers if layer.class_name == "Mlp" and layer.name == "fc2")
    assert own.activation == "unknown", own.activation_evidence
    at = _at_entries(models, "Mlp().fc2")
    tiny = at.pop(_line(NET, "return Net()"))
    assert tiny.activation == "none" and "net_tiny()" in tiny.activation_evidence, tiny.activation_evidence
    assert tiny.fix is not None and tiny.fix.reason, tiny.fix  # its line is the entry point's `return`
    assert all(layer.activation == "unknown" for layer in at.values()), [(l.line, l.activation_evidence) for l in at.values()]
    with _importable(tmp_path) as load:
        traced = _traced(load("net").net_tiny())
    assert {traced[f"stages.{s}.blocks.{b}.mlp.fc2"] for s in (0, 1) for b in (0, 1)} == {"none"}


def test_a_class_built_inside_the_judged_model_is_applied_as_the_run_built_it(tmp_path: Path) -> None:
    """The stem feeds Stage 0, whose blocks' convs create_conv2d makes with kernel_size=7 at net_tiny()
    (`isinstance(kernel_size, list)` decided on a number): no activation there. Before, Stage was applied
    as every construction may build it (a MixedConv, a NormRelu2d downsampling): no row. At
    net_relu_norm() the stem's output reaches a ReLU through the residual sums: no claim (torch cannot
    name one activation either)."""
    models = _program(tmp_path, {"mlp.py": MLP, "convs.py": CONVS, "net.py": NET})
    at = _at_entries(models, "Net().stem")
    tiny = at.get(_line(NET, "return Net()"))
    assert tiny is not None and tiny.activation == "none", tiny and tiny.activation_evidence
    relu = at.get(_line(NET, "return Net(norm_layer=NormRelu2d)"))
    assert relu is None or relu.activation == "unknown", relu.activation_evidence
    with _importable(tmp_path) as load:
        net = load("net")
        assert _traced(net.net_tiny())["stem"] == "none"
        assert _traced(net.net_relu_norm())["stem"] != "none"


SAME = """import torch.nn as nn
import torch.nn.functional as F


class Conv2dSame(nn.Conv2d):
    def forward(self, x):
        x = F.pad(x, [1, 1, 1, 1])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def create_conv(in_ch, out_ch, same=True):
    if same:
        return Conv2dSame(in_ch, out_ch, 3)
    return nn.Conv2d(in_ch, out_ch, 3, padding=1)
"""

USER = """import torch.nn as nn

from same import create_conv


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(3, 8)
        self.conv = create_conv(8, 8)

    def forward(self, x):
        x = self.proj(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return self.conv(x)
"""


def test_a_layer_subclass_a_factory_of_another_module_builds_is_a_layer(tmp_path: Path) -> None:
    """`create_conv` (another module, read only for what it builds) returns its own Conv2dSame, an
    nn.Conv2d with a forward of its own: a conv, what goes in feeds it (before: unknown, "Conv2dSame"
    taken for a class of the user's module)."""
    models = _program(tmp_path, {"same.py": SAME, "net.py": USER})
    proj = next(layer for layer in models["net.py"].layers if layer.name == "proj")
    assert proj.activation == "none", proj.activation_evidence
    with _importable(tmp_path) as load:
        assert _traced(load("net").Net(), (2, 3, 6, 6))["proj"] == "none"


MIXER = 'from functools import partial\n\nimport torch.nn as nn\n\nfrom mlp import Mlp\n\n\nclass NormRelu(nn.Module):\n    def __init__(self, dim, eps=1e-5):\n        super().__init__()\n        self.norm = nn.LayerNorm(dim, eps=eps)\n        self.act = nn.ReLU()\n\n    def forward(self, x):\n        return self.act(self.norm(x))\n\n\nclass MixerBlock(nn.Module):\n    def __init__(self, dim, mlp_layer=Mlp, norm_layer=partial(nn.LayerNorm, eps=1e-6), act_layer=nn.GELU):\n        super().__init__()\n        self.norm1 = norm_layer(dim)\n        self.mlp_tokens = mlp_layer(dim, dim * 2, act_layer=act_layer)\n        self.norm2 = norm_layer(dim)\n        self.mlp_channels = mlp_layer(dim, dim * 4, act_layer=act_layer)\n\n    def forward(self, x):\n        x = x + self.mlp_tokens(self.norm1(x).transpose(1, 2)).transpose(1, 2)\n        return x + self.mlp_channels(self.norm2(x))\n\n\nclass Mixer(nn.Module):\n    def __init__(self, dim=8, depth=2, block_layer=MixerBlock, mlp_layer=Mlp,\n                 norm_layer=partial(nn.LayerNorm, eps=1e-6), act_layer=nn.GELU):\n        super().__init__()\n        self.stem = nn.Linear(3, dim)\n        self.blocks = nn.Sequential(*[\n            block_layer(dim, mlp_layer=mlp_layer, norm_layer=norm_layer, act_layer=act_layer) for _ in range(depth)])\n        self.norm = norm_layer(dim)\n        self.head = nn.Linear(dim, 2)\n\n    def forward(self, x):\n        x = self.blocks(self.stem(x))\n        return self.head(self.norm(x).mean(1))\n\n\ndef mixer_s():\n    return Mixer()\n\n\ndef mixer_relu():\n    return Mixer(norm_layer=partial(NormRelu, eps=1e-6))\n'


def test_a_block_built_through_a_class_valued_parameter_is_on_the_way_up(tmp_path: Path) -> None:
    """Mixer builds its blocks through `block_layer(...)` (no listed use of MixerBlock), each with the
    model's `norm_layer`, a `partial(...)` of a class with a literal keyword: at mixer_s() both fc2 meet
    the next LayerNorm then a Linear (no activation), at mixer_relu() its NormRelu's ReLU. Before:
    no row at either (the way up stopped at MixerBlock, the norm a value not known there)."""
    models = _program(tmp_path, {"mlp.py": MLP, "mixer.py": MIXER})
    rows = {(layer.line, layer.name): layer.activation for layer in models["mixer.py"].layers if layer.at_use}
    small, relu = _line(MIXER, "return Mixer()"), _line(MIXER, "return Mixer(norm_layer=")
    expected = {"none": small, "relu": relu}
    for activation, line in expected.items():
        for name in ("mlp_tokens.fc2", "mlp_channels.fc2"):
            assert rows.get((line, name)) == activation, rows
    with _importable(tmp_path) as load:
        mixer = load("mixer")
        for activation, build in (("none", mixer.mixer_s), ("relu", mixer.mixer_relu)):
            traced = _traced(build(), (2, 8, 3))
            assert {traced[f"blocks.{b}.{m}.fc2"] for b in (0, 1) for m in ("mlp_tokens", "mlp_channels")} == {activation}
