"""Hand-written multi-module projects in the style of public research code: a package that
re-exports its modules with `from .backbone import *`, and training scripts that re-initialise
a model only when a command-line flag asks. Each claim is checked against torch where it can show it."""

from __future__ import annotations

import contextlib
import importlib
import sys
from pathlib import Path

import pytest

from initlint.program import analyze_program

BACKBONE = '''import torch.nn as nn

__all__ = ["ConvBackbone", "conv_bn_act"]


def conv_bn_act(cin, cout, act=nn.ReLU6):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), act(inplace=True))


class ConvBackbone(nn.Module):
    def __init__(self, widths=(8, 16), act=nn.ReLU6):
        super().__init__()
        layers = []
        cin = 3
        for w in widths:
            layers.append(conv_bn_act(cin, w, act))
            cin = w
        self.body = nn.Sequential(*layers)
        self.out_channels = cin

    def forward(self, x):
        return self.body(x)
'''

HEADS = '''import torch.nn as nn

__all__ = ["ClsHead"]


class ClsHead(nn.Module):
    def __init__(self, cin, n, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(cin, hidden)
        self.act = nn.Hardswish()
        self.fc2 = nn.Linear(hidden, n)

    def forward(self, x):
        x = x.mean((2, 3))
        return self.fc2(self.act(self.fc1(x)))
'''

NET = '''import torch.nn as nn

{imports}


class Net(nn.Module):
    def __init__(self, n=10):
        super().__init__()
        self.backbone = ConvBackbone(act=nn.SiLU)
        self.head = ClsHead(self.backbone.out_channels, n)

    def forward(self, x):
        return self.head(self.backbone(x))
'''


def _write(tmp_path: Path, files: dict) -> dict:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    models, errors, _ = analyze_program({str(tmp_path / n): t for n, t in files.items()})
    assert not errors
    return {Path(path).relative_to(tmp_path).as_posix(): model for path, model in models.items()}


@contextlib.contextmanager
def _importable(tmp_path: Path, names: list):
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    for name in names:
        sys.modules.pop(name, None)
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(tmp_path))
        for name in list(sys.modules):
            if name.split(".")[0] in names:
                sys.modules.pop(name, None)


def _traced(model, *shape: int) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with torch.no_grad():
        layers = verify(model.eval(), torch.randn(*shape), method="hooks", static=False).layers
    return {row.layer: row.activation for row in layers}


def _star_package(tmp_path: Path, imports: str, init: str = "from .backbone import *\nfrom .heads import *\n") -> dict:
    return _write(tmp_path, {"models/__init__.py": init, "models/backbone.py": BACKBONE, "models/heads.py": HEADS,
                             "net.py": NET.format(imports=imports), "train.py": "from net import Net\n\nmodel = Net(10)\n"})


@pytest.mark.parametrize("imports", ["from models import ClsHead, ConvBackbone", "from models import *"])
def test_a_class_re_exported_by_a_star_import_is_the_class_its_users_build(tmp_path: Path, imports: str) -> None:
    """`from .backbone import *` in models/__init__.py binds ConvBackbone there: Net's
    `ConvBackbone(act=nn.SiLU)` is a construction of it, so the convs meet SiLU, not the default ReLU6."""
    models = _star_package(tmp_path, imports)
    convs = [row for row in models["models/backbone.py"].layers if row.layer_type == "Conv2d"]
    assert convs and all(row.activation == "silu" for row in convs), [(r.activation, r.activation_evidence) for r in convs]
    with _importable(tmp_path, ["models", "net"]) as load:
        traced = _traced(load("net").Net(), 1, 3, 8, 8)
    assert {traced["backbone.body.0.0"], traced["backbone.body.1.0"]} == {"silu"}


def test_a_star_import_binds_the_last_module_s_name(tmp_path: Path) -> None:
    """Two star imports that both define the name: the later one binds it (as Python does)."""
    other = BACKBONE.replace("act=nn.ReLU6):\n        super", "act=nn.ReLU6):\n        super").replace(
        "class ConvBackbone", "class Unused(nn.Module):\n    pass\n\n\nclass ConvBackbone")
    models = _write(tmp_path, {"models/__init__.py": "from .old import *\nfrom .backbone import *\nfrom .heads import *\n",
                               "models/old.py": other.replace("__all__ = [\"ConvBackbone\", \"conv_bn_act\"]", ""),
                               "models/backbone.py": BACKBONE, "models/heads.py": HEADS,
                               "net.py": NET.format(imports="from models import ClsHead, ConvBackbone")})
    assert {row.activation for row in models["models/backbone.py"].layers if row.layer_type == "Conv2d"} == {"silu"}
    assert {row.activation for row in models["models/old.py"].layers if row.layer_type == "Conv2d"} == {"relu6"}


MODEL = '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 8)
        self.act = nn.SiLU()
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
'''

INIT = '''import torch.nn as nn


def init_fn(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
'''

SCRIPT = '''import argparse

from model import Net
from inits import init_fn

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kaiming", action="store_true")
    args = parser.parse_args()
{body}
'''


@pytest.mark.parametrize("body", [
    "    model = Net()\n    if args.kaiming:\n        model.apply(init_fn)",
    "    model = Net()\n    for _ in range(args.restarts):\n        model.apply(init_fn)",
    "    model = Net()\n    if args.pretrained:\n        print('loaded')\n    else:\n        model.apply(init_fn)",
])
def test_an_init_a_script_runs_only_under_a_flag_is_not_known_to_run(tmp_path: Path, body: str) -> None:
    """`if args.kaiming: model.apply(init_fn)`: on a run without the flag the layers keep torch's
    default, with it they get kaiming: which one runs is the command line's choice, unknown here."""
    models = _write(tmp_path, {"model.py": MODEL, "inits.py": INIT, "train.py": SCRIPT.format(body=body)})
    rows = {row.name: row for row in models["model.py"].layers}
    assert rows["fc1"].init == "unknown", rows["fc1"].init_evidence
    assert "condition" in rows["fc1"].init_evidence


@pytest.mark.parametrize("body", [
    "    model = Net()\n    model.apply(init_fn)",
    "    if args.kaiming:\n        model = Net()\n        model.apply(init_fn)",
    "    with open('log.txt', 'w'):\n        model = Net()\n        model.apply(init_fn)",
])
def test_an_init_that_runs_whenever_its_model_is_built_is_explicit(tmp_path: Path, body: str) -> None:
    """Under the `__main__` guard, a `with` block, or the same `if` as the construction: it runs on every model built."""
    models = _write(tmp_path, {"model.py": MODEL, "inits.py": INIT, "train.py": SCRIPT.format(body=body)})
    rows = {row.name: row for row in models["model.py"].layers}
    assert rows["fc1"].init == "explicit", rows["fc1"].init_evidence


def test_an_init_under_a_flag_in_the_model_s_own_module_is_not_known_to_run(tmp_path: Path) -> None:
    """The same in the module that defines the model (its script code)."""
    script = MODEL + "\n\n" + INIT.replace("import torch.nn as nn\n", "") + (
        "\n\nimport sys\n\nmodel = Net()\nif '--kaiming' in sys.argv:\n    model.apply(init_fn)\n")
    models = _write(tmp_path, {"model.py": script})
    rows = {row.name: row for row in models["model.py"].layers}
    assert rows["fc1"].init == "unknown", rows["fc1"].init_evidence


LAYERS = '''import torch.nn as nn
from torch.nn.utils import parametrizations


def WNConv1d(*args, **kwargs):
    return parametrizations.weight_norm(nn.Conv1d(*args, **kwargs))


def SNConv1d(*args, **kwargs):
    return parametrizations.spectral_norm(nn.Conv1d(*args, **kwargs))


class ResidualUnit(nn.Module):
    def __init__(self, dim, dilation=1):
        super().__init__()
        self.block = nn.Sequential(
            nn.LeakyReLU(0.2),
            WNConv1d(dim, dim, kernel_size=3, dilation=dilation, padding=dilation),
            nn.LeakyReLU(0.2),
            WNConv1d(dim, dim, kernel_size=1),
        )

    def forward(self, x):
        return x + self.block(x)
'''

NETS = '''import torch.nn as nn

from layers import ResidualUnit, SNConv1d, WNConv1d


class Generator(nn.Module):
    def __init__(self, in_ch=8, dim=16):
        super().__init__()
        self.pre = WNConv1d(in_ch, dim, kernel_size=7, padding=3)
        self.res = nn.Sequential(ResidualUnit(dim, 1), ResidualUnit(dim, 3))
        self.post = nn.Sequential(nn.LeakyReLU(0.2), WNConv1d(dim, 1, kernel_size=7, padding=3), nn.Tanh())

    def forward(self, x):
        return self.post(self.res(self.pre(x)))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([SNConv1d(1, 16, 15, padding=7), SNConv1d(16, 32, 5, padding=2)])
        self.out = SNConv1d(32, 1, 3, padding=1)
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x):
        for layer in self.layers:
            x = self.act(layer(x))
        return self.out(x)
'''


def test_a_layer_wrapped_by_weight_norm_in_a_factory_is_the_layer_it_returns(tmp_path: Path) -> None:
    """`return weight_norm(nn.Conv1d(*args, **kwargs))` returns the conv itself (torch swaps its class
    for a parametrised one, the module and its forward stay): its uses are followed as the conv's,
    and the init is that draw (weight_norm starts with g = |v|) or unknown (spectral_norm rescales it)."""
    models = _write(tmp_path, {"layers.py": LAYERS, "nets.py": NETS, "train.py": "from nets import Discriminator, Generator\n\nG = Generator()\nD = Discriminator()\n"})
    claims = {(row.class_name, row.name): (row.activation, row.init) for model in models.values() for row in model.layers}
    assert claims[("ResidualUnit", "block.1")] == ("leaky_relu", "default")
    assert claims[("Generator", "pre")] == ("leaky_relu", "default")
    assert claims[("Generator", "post.1")] == ("tanh", "default")
    assert claims[("Discriminator", "layers.0")] == claims[("Discriminator", "layers.1")] == ("leaky_relu", "unknown")
    assert claims[("Discriminator", "out")] == ("none", "unknown")
    with _importable(tmp_path, ["layers", "nets"]) as load:
        generator, discriminator = load("nets").Generator(), load("nets").Discriminator()
        traced_g = _traced(generator, 1, 8, 32)
        traced_d = _traced(discriminator, 1, 1, 64)
    assert traced_g["pre"] == traced_g["res.0.block.1"] == "leaky_relu" and traced_g["post.1"] == "tanh"
    assert traced_d["layers.0"] == traced_d["layers.1"] == "leaky_relu" and traced_d["out"] == "none"


def test_no_init_line_is_written_for_a_weight_norm_layer(tmp_path: Path) -> None:
    """An init of `.weight` on a weight_norm'd layer changes a tensor computed on access: torch
    keeps its own (checked below), so the finding has no fix, and says why."""
    from initlint import api

    source = LAYERS.replace("def SNConv1d", "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                            "        self.a = WNConv1d(4, 4, 3)\n        self.b = nn.Conv1d(4, 4, 3)\n"
                            "        parametrizations.weight_norm(self.b)\n        self.act = nn.ReLU()\n\n"
                            "    def forward(self, x):\n        return self.b(self.act(self.a(self.act(x))))\n\n\ndef SNConv1d")
    (tmp_path / "net.py").write_text(source, encoding="utf-8")
    results = api.check(api.Run(paths=[str(tmp_path / "net.py")], isolated=True, use_cache=False))
    findings = [f for result in results for f in result.findings if f.class_name == "Net"]
    assert [f.layer for f in findings] == ["a"]
    assert findings[0].fix is None and "weight_norm" in (findings[0].no_fix or "")
    torch = pytest.importorskip("torch")
    from torch.nn.utils import parametrizations

    conv = parametrizations.weight_norm(torch.nn.Conv1d(4, 4, 3))
    torch.nn.init.zeros_(conv.weight)
    assert bool(conv.weight.abs().sum() > 0), "the init did not stick"


@pytest.mark.parametrize("script", [
    "MODEL, INPUT_SHAPE = Net(), (2, 8)\nMODEL.apply(init_fn)\n",
    "net = Net()\nMODEL, INPUT_SHAPE = net, (2, 8)\nMODEL.apply(init_fn)\n",
])
def test_an_init_applied_to_a_model_bound_in_a_tuple_is_the_effective_one(tmp_path: Path, script: str) -> None:
    """`MODEL, INPUT_SHAPE = Net(), (2, 8)` binds MODEL to the model as `MODEL = Net()` would: the
    `.apply` after it re-initialises its Linears (torch: their weights are no longer the default)."""
    main = "from model import Net\nfrom inits import init_fn\n\n" + script
    models = _write(tmp_path, {"model.py": MODEL, "inits.py": INIT, "main.py": main})
    rows = {row.name: row for row in models["model.py"].layers}
    assert rows["fc1"].init == "explicit", rows["fc1"].init_evidence
    torch = pytest.importorskip("torch")
    with _importable(tmp_path, ["model", "inits", "main"]) as load:
        weight = load("main").MODEL.fc1.weight
    assert float(weight.detach().abs().max()) > 1 / 8 ** 0.5, "kaiming_normal_ drew it, past the default's bound"


BLOCKS = '''import torch.nn as nn
from torch.nn import functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head = n_head

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))
'''

GPT = '''import math

import torch
import torch.nn as nn

from blocks import Block


class GPT(nn.Module):
    def __init__(self, vocab_size=64, n_embd=64, n_head=2, n_layer=2):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            h=nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith("{suffix}"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        x = self.transformer.wte(idx)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))
'''


def _gpt_claims(tmp_path: Path, suffix: str) -> dict:
    models = _write(tmp_path, {"blocks.py": BLOCKS, "gpt.py": GPT.replace("{suffix}", suffix),
                               "train.py": "from gpt import GPT\n\nmodel = GPT()\n"})
    return {(row.class_name, row.name): (row.init, row.init_call.text if row.init_call else row.init_evidence)
            for model in models.values() for row in model.layers}


def test_a_scaled_init_by_parameter_name_reaches_the_layers_so_named(tmp_path: Path) -> None:
    """nanoGPT: `self.apply(self._init_weights)` draws every Linear with std 0.02, then a loop over
    named_parameters() draws the weights named `*c_proj.weight` again with std 0.02/sqrt(2 n_layer):
    the c_proj layers of both blocks get the loop's init (the last to run), the others the routine's."""
    claims = _gpt_claims(tmp_path, "c_proj.weight")
    for key in [("CausalSelfAttention", "c_proj"), ("MLP", "c_proj")]:
        assert claims[key][0] == "explicit" and "math.sqrt(2 * n_layer)" in claims[key][1], claims[key]
    for key in [("CausalSelfAttention", "c_attn"), ("MLP", "c_fc"), ("GPT", "lm_head")]:
        assert claims[key] == ("explicit", "torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)"), claims[key]
    torch = pytest.importorskip("torch")
    with _importable(tmp_path, ["blocks", "gpt"]) as load:
        torch.manual_seed(0)
        model = load("gpt").GPT()
    stds = {name: float(p.detach().std()) for name, p in model.named_parameters() if name.endswith("weight") and p.dim() == 2}
    assert abs(stds["transformer.h.0.mlp.c_proj.weight"] - 0.01) < 0.002
    assert abs(stds["transformer.h.1.attn.c_proj.weight"] - 0.01) < 0.002
    assert abs(stds["transformer.h.0.mlp.c_fc.weight"] - 0.02) < 0.002
    assert abs(float(model.lm_head.weight.detach().std()) - 0.02) < 0.002


def test_a_name_test_that_the_path_above_a_block_decides_is_unknown(tmp_path: Path) -> None:
    """`pn.endswith("mlp.c_proj.weight")`: whether MLP.c_proj's name ends so depends on the name its
    block has in the model (here it does; for CausalSelfAttention.c_proj it does not): unknown
    for both c_proj layers, never a guess; c_fc's name decides (it cannot end so)."""
    claims = _gpt_claims(tmp_path, "mlp.c_proj.weight")
    assert claims[("MLP", "c_proj")][0] == "unknown"
    assert claims[("CausalSelfAttention", "c_proj")][0] == "unknown"
    assert claims[("MLP", "c_fc")] == ("explicit", "torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)")


def test_a_name_test_on_bias_leaves_the_weights_to_the_routine(tmp_path: Path) -> None:
    claims = _gpt_claims(tmp_path, "c_proj.bias")
    assert claims[("MLP", "c_proj")] == ("explicit", "torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)")


def test_blocks_iterated_from_a_module_dict_item_are_followed(tmp_path: Path) -> None:
    """`self.transformer = nn.ModuleDict(dict(h=nn.ModuleList([...]), ln_f=...))` then `for block in
    self.transformer.h` (nanoGPT): the blocks follow one another, the last into ln_f and lm_head, so
    what MLP.c_proj returns through each Block meets the next Linear: none (torch agrees)."""
    models = _write(tmp_path, {"blocks.py": BLOCKS, "gpt.py": GPT.replace("{suffix}", "c_proj.weight"),
                               "train.py": "from gpt import GPT\n\nmodel = GPT()\n"})
    rows = {(row.class_name, row.name): row for model in models.values() for row in model.layers}
    assert rows[("MLP", "c_proj")].activation == "none", rows[("MLP", "c_proj")].activation_evidence
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    with _importable(tmp_path, ["blocks", "gpt"]) as load, torch.no_grad():
        model = load("gpt").GPT().eval()
        layers = verify(model, torch.randint(0, 64, (1, 8)), method="hooks", static=False).layers
    traced = {row.layer: row.activation for row in layers}
    assert traced["transformer.h.0.mlp.c_proj"] == traced["transformer.h.1.mlp.c_proj"] == "none"


INIT_HELPERS = '''import torch.nn as nn


def initialize_weights(model):
    """He for convs, Xavier for Linears."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)


def initialize_and_log(model, log):
    log.append(model)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
'''

CONV_NET = '''import torch.nn as nn
import torch.nn.functional as F

from helpers import {helper}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.fc = nn.Linear(16, 4)
        {helper}(self{more})

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).mean((2, 3)))
'''


def test_an_init_function_of_another_module_handed_the_model_is_read_there(tmp_path: Path) -> None:
    """`initialize_weights(self)` at the end of `__init__`, the function in helpers.py: its loop over
    `model.modules()` is read with helpers.py's imports as the class's own routine (torch: the conv
    has He's std, not the default's)."""
    models = _write(tmp_path, {"helpers.py": INIT_HELPERS, "net.py": CONV_NET.format(helper="initialize_weights", more="")})
    rows = {row.name: row for row in models["net.py"].layers}
    assert rows["conv"].init == "explicit" and rows["conv"].init_call.text.startswith("nn.init.kaiming_normal_")
    assert rows["conv"].init_call.path.endswith("helpers.py") and rows["conv"].init_call.line == 8
    assert rows["fc"].init == "explicit" and rows["fc"].init_call.text == "nn.init.xavier_uniform_(m.weight)"
    torch = pytest.importorskip("torch")
    with _importable(tmp_path, ["helpers", "net"]) as load:
        torch.manual_seed(0)
        conv = load("net").Net().conv
    assert abs(float(conv.weight.detach().std()) - (2 / 27) ** 0.5) < 0.03  # He: sqrt(2/fan_in), fan_in 27


def test_an_init_function_that_does_more_than_init_loops_may_do_anything(tmp_path: Path) -> None:
    models = _write(tmp_path, {"helpers.py": INIT_HELPERS,
                               "net.py": CONV_NET.format(helper="initialize_and_log", more=", []")})
    rows = {row.name: row for row in models["net.py"].layers}
    assert rows["conv"].init == "unknown" and rows["fc"].init == "unknown"


OWN_ACT = '''import torch
import torch.nn as nn


class Swish(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(x)


class MLP(nn.Module):
    def __init__(self, d=8, act=Swish):
        super().__init__()
        self.fc1 = nn.Linear(d, d)
        self.act = act()
        self.fc2 = nn.Linear(d, d)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
'''

OWN_ACT_USER = '''import torch.nn as nn

from mlp import MLP


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = MLP({passed})

    def forward(self, x):
        return self.mlp(x)
'''


def test_an_own_activation_module_as_a_default_is_replaced_by_what_callers_pass(tmp_path: Path) -> None:
    """`act=Swish` (a module of the project that writes SiLU out): the only construction passes
    `act=nn.GELU`, so SiLU is not what runs (torch: GELU follows fc1); never the default's SiLU."""
    models = _write(tmp_path, {"mlp.py": OWN_ACT, "model.py": OWN_ACT_USER.format(passed="act=nn.GELU")})
    fc1 = next(row for row in models["mlp.py"].layers if row.name == "fc1")
    assert fc1.activation in ("gelu", "unknown"), (fc1.activation, fc1.activation_evidence)
    with _importable(tmp_path, ["mlp", "model"]) as load:
        traced = _traced(load("model").Model(), 2, 8)
    assert traced["mlp.fc1"] == "gelu"


def test_an_own_activation_module_as_a_default_holds_where_no_caller_replaces_it(tmp_path: Path) -> None:
    models = _write(tmp_path, {"mlp.py": OWN_ACT, "model.py": OWN_ACT_USER.format(passed="")})
    fc1 = next(row for row in models["mlp.py"].layers if row.name == "fc1")
    assert fc1.activation == "silu", fc1.activation_evidence
    with _importable(tmp_path, ["mlp", "model"]) as load:
        traced = _traced(load("model").Model(), 2, 8)
    assert traced["mlp.fc1"] == "silu"


LAST_LAYER_MLP = '''import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, dims=(8, 16, 16, 4)):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:])])

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.gelu(layer(x))
        return self.layers[-1](x)
'''


@pytest.mark.parametrize("user", [None, "return self.mlp(x).sigmoid()", "return self.mlp(x)"])
def test_the_last_layer_of_a_list_built_in_one_place_is_not_judged_with_the_others(tmp_path: Path, user) -> None:
    """`for layer in self.layers[:-1]: x = F.gelu(layer(x))` then `return self.layers[-1](x)` (DETR's
    MLP): one construction line, three layers; GELU follows two, the last is returned (torch agrees):
    never "gelu" for all of them."""
    files = {"mlp.py": LAST_LAYER_MLP}
    if user is not None:
        files["head.py"] = ("import torch.nn as nn\n\nfrom mlp import MLP\n\n\nclass Head(nn.Module):\n"
                            "    def __init__(self):\n        super().__init__()\n        self.mlp = MLP()\n\n"
                            f"    def forward(self, x):\n        {user}\n")
    models = _write(tmp_path, files)
    row = next(row for row in models["mlp.py"].layers if row.name == "layers.*")
    assert row.activation == "unknown", (row.activation, row.activation_evidence)
    with _importable(tmp_path, ["mlp"]) as load:
        traced = _traced(load("mlp").MLP(), 2, 8)
    assert traced["layers.0"] == traced["layers.1"] == "gelu" and traced["layers.2"] == "none"


def test_an_init_under_a_condition_after_another_init_leaves_which_one_unknown(tmp_path: Path) -> None:
    """`model[0].weight.data.normal_(0, 0.01)`, then in a loop `if ... and layer.out_features == 32:
    kaiming_normal_(layer.weight)`: model[0] has 16 outputs, so torch keeps std 0.01; which init is
    the last is not decided here: unknown, never the kaiming one."""
    script = ("import torch.nn as nn\n\n"
              "model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))\n"
              "model[0].weight.data.normal_(0, 0.01)\n"
              "for layer in model:\n"
              "    if isinstance(layer, nn.Linear) and layer.out_features == 32:\n"
              "        nn.init.kaiming_normal_(layer.weight)\n")
    models = _write(tmp_path, {"train.py": script})
    first = next(row for row in models["train.py"].layers if row.name == "model.0")
    assert first.init == "unknown", (first.init, first.init_evidence, first.init_call)
    torch = pytest.importorskip("torch")
    with _importable(tmp_path, ["train"]) as load:
        assert abs(float(load("train").model[0].weight.detach().std()) - 0.01) < 0.003


@pytest.mark.parametrize("suffix, name, whole, reaches", [
    ("c_proj.weight", "attn.c_proj", True, True),  # the class's own layer: its whole name is known
    (".c_proj.weight", "c_proj", True, False),  # `c_proj.weight` at the top has no dot before it
    (".c_proj.weight", "c_proj", False, True),  # in a block: some path comes before it
    ("c_proj.weight", "c_attn", False, False),
    ("mlp.c_proj.weight", "c_proj", False, None),  # the block's own name decides
    ("c_proj.weight", "h.*.c_proj", True, True),  # an index in the middle, the end known
    ("conv1.weight", "conv*", True, None),  # a name made in a loop
    ("c_proj.bias", "c_proj", True, False),
])
def test_a_parameter_name_test_is_decided_by_what_the_layer_s_name_says(suffix, name, whole, reaches) -> None:
    from initlint.model import name_suffix_reaches

    assert name_suffix_reaches(suffix, name, whole) is reaches
