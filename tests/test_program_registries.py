"""Activation registries across modules: a key a caller passes (`Net(act="tanh")`) is read
through the key -> class table of the registry its parameter is read through, one mechanism for a
project's own (a dict of classes or of instances, a helper of another module) and a library's
(timm's get_act_layer, from initlint's library knowledge). The claims are checked against what
torch builds and runs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from initlint import api
from initlint.program import analyze_program
from test_program_passing import _importable, _program

NET = """import torch.nn as nn

{imports}


class Net(nn.Module):
    def __init__(self, act="relu"):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = {act}
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))
"""

ACTS = 'ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh}\n'
INSTANCES = 'ACT2FN = {"relu": nn.ReLU(), "tanh": nn.Tanh()}\n'
HELPER = f"import torch.nn as nn\n\n{ACTS}\n\ndef get_act(name):\n    return ACTS[name]()\n\n\ndef get_act_class(name):\n    return ACTS[name]\n"

# (layers.py, acts.py or None, the registry the evidence names)
FORMS = {
    "dict of classes": (NET.format(imports=ACTS, act="ACTS[act]()"), None, "ACTS"),
    "helper of a third module": (NET.format(imports="from acts import get_act", act="get_act(act)"), HELPER, "ACTS"),
    "helper returning the class": (NET.format(imports="from acts import get_act_class", act="get_act_class(act)()"),
                                   HELPER, "ACTS"),
    "dict of instances": (NET.format(imports=INSTANCES, act="ACT2FN[act]"), None, "ACT2FN"),
    "dict of instances of another module": (NET.format(imports="from acts import ACT2FN", act="ACT2FN[act]"),
                                            f"import torch.nn as nn\n\n{INSTANCES}", "ACT2FN"),
}  # fmt: skip


def _files(form: str, script: str) -> dict:
    layers, acts, _ = FORMS[form]
    return {"layers.py": layers, **({"acts.py": acts} if acts else {}), "train.py": script}


def _fc_rows(models: dict) -> list:
    """Every row, in any file, of a layer named `fc` or ending in `.fc`."""
    return [l for m in models.values() for l in m.layers if l.name == "fc" or (l.name or "").endswith(".fc")]


def _traced(built) -> dict:
    import torch

    from initlint.runtime import verify

    with torch.no_grad():
        return {row.layer: row.activation for row in verify(built.eval(), torch.randn(2, 8), method="hooks", static=False).layers}


@pytest.mark.parametrize("form", FORMS)
def test_a_key_a_script_passes_is_the_class_the_registry_gives(tmp_path: Path, form: str) -> None:
    """`model = Net(act="tanh")`, the program's only construction: the layer is Tanh (where it is
    built, every construction agreeing), its evidence names the key, the registry and the use, a
    default-init finding says so, and no row claims the default's ReLU."""
    pytest.importorskip("torch")
    models = _program(tmp_path, _files(form, 'from layers import Net\n\nmodel = Net(act="tanh")\n'))
    rows = _fc_rows(models)
    assert [(Path(l.path).name, l.activation) for l in rows] == [("layers.py", "tanh")], \
        [(l.path, l.name, l.activation_evidence) for l in rows]  # fmt: skip
    fc = rows[0]
    registry = FORMS[form][2]
    assert '"tanh"' in fc.activation_evidence and registry in fc.activation_evidence, fc.activation_evidence
    assert [str(tmp_path / "train.py"), 3] in fc.related
    assert fc.fix.unsafe_reason, "a fix for Tanh in Net holds for this construction only"
    found = [(f.code, f.line) for r in api.check(api.Run(paths=[str(tmp_path)], use_cache=False, isolated=True))
             if Path(r.path).name == "layers.py" for f in r.findings]  # fmt: skip
    assert ("IL103", fc.line) in found, found  # Tanh after a default init: the tanh rule
    with _importable(tmp_path) as load:
        assert _traced(load("train").model)["fc"] == "tanh"


@pytest.mark.parametrize("form", FORMS)
def test_keys_that_differ_between_uses_are_judged_at_each(tmp_path: Path, form: str) -> None:
    """`a = Net(act="tanh")`, `b = Net(act="relu")`: each construction's row, named by its use, is
    what its key gives there; none where the layer is built."""
    pytest.importorskip("torch")
    models = _program(tmp_path, _files(form, 'from layers import Net\n\na = Net(act="tanh")\nb = Net(act="relu")\n'))
    rows = _fc_rows(models)
    assert sorted((Path(l.path).name, l.line, l.name, l.activation) for l in rows) == [
        ("train.py", 3, "Net().fc", "tanh"), ("train.py", 4, "Net().fc", "relu")], [(l.path, l.name) for l in rows]
    tanh = next(l for l in rows if l.activation == "tanh")
    assert '"tanh"' in tanh.activation_evidence and FORMS[form][2] in tanh.activation_evidence, tanh.activation_evidence
    with _importable(tmp_path) as load:
        train = load("train")
        assert (_traced(train.a)["fc"], _traced(train.b)["fc"]) == ("tanh", "relu")


@pytest.mark.parametrize("form", FORMS)
def test_the_default_key_passed_or_not_keeps_the_row_where_it_is_built(tmp_path: Path, form: str) -> None:
    """Every use builds it with "relu" (written out, or the default): one row, where it is built."""
    models = _program(tmp_path, _files(form, 'from layers import Net\n\na = Net(act="relu")\nb = Net()\n'))
    assert not [l for l in models["train.py"].layers if l.name.endswith(".fc") and l.activation != "relu"]
    fc = [l for l in [*models["layers.py"].layers, *models["train.py"].layers] if l.name.endswith("fc")]
    assert {l.activation for l in fc} == {"relu"}, [(l.name, l.activation_evidence) for l in fc]


@pytest.mark.parametrize("form", FORMS)
def test_a_key_not_in_the_table_or_computed_at_run_time_is_unknown(tmp_path: Path, form: str) -> None:
    """`Net(act="gelu")`: no class is claimed, and the reason names the key; `Net(act=sys.argv[1])`:
    unknown as well. Nothing claims the default's ReLU."""
    models = _program(tmp_path, _files(form, 'from layers import Net\n\nmodel = Net(act="gelu")\n'))
    rows = [l for m in models.values() for l in m.layers if (l.name or "").endswith("fc")]
    assert [l.activation for l in rows] == ["unknown"], [(l.name, l.activation) for l in rows]
    assert '"gelu"' in rows[0].activation_evidence and "not a key of" in rows[0].activation_evidence, rows[0].activation_evidence
    assert FORMS[form][2] in rows[0].activation_evidence
    models = _program(tmp_path, _files(form, "import sys\n\nfrom layers import Net\n\nmodel = Net(act=sys.argv[1])\n"))
    rows = [l for m in models.values() for l in m.layers if (l.name or "").endswith("fc")]
    assert [l.activation for l in rows] == ["unknown"] and "sys.argv[1]" in rows[0].activation_evidence


def test_a_block_passing_the_key_on_is_followed_to_what_its_builders_pass(tmp_path: Path) -> None:
    """`Model(act="tanh")` in a script, Model building `Net(act=act)`, and the script's own
    `Net()`: the key reaches the table through the constructor that passes it on, so the layer is
    Tanh at Model's use of Net and ReLU at the script's; a fix after `self.net = Net(act=act)`
    would hold only for what Model's callers pass, so it is unsafe."""
    pytest.importorskip("torch")
    model = ("import torch.nn as nn\n\nfrom layers import Net\n\n\nclass Model(nn.Module):\n"
             "    def __init__(self, act=\"relu\"):\n        super().__init__()\n        self.net = Net(act=act)\n\n"
             "    def forward(self, x):\n        return self.net(x)\n")  # fmt: skip
    files = {"layers.py": FORMS["helper of a third module"][0], "acts.py": HELPER, "model.py": model,
             "train.py": 'from layers import Net\nfrom model import Model\n\nmodel = Model(act="tanh")\nplain = Net()\n'}  # fmt: skip
    models = _program(tmp_path, files)
    rows = {(Path(l.path).name, l.name): l for l in _fc_rows(models)}
    assert {key: l.activation for key, l in rows.items()} == {("model.py", "net.fc"): "tanh", ("train.py", "Net().fc"): "relu"}
    fc = rows["model.py", "net.fc"]
    assert '"tanh"' in fc.activation_evidence and "train.py:4" in fc.activation_evidence, fc.activation_evidence
    assert fc.fix.weight == "self.net.fc.weight" and "Model's constructions pass for act" in fc.fix.unsafe_reason
    with _importable(tmp_path) as load:
        train = load("train")
        assert (_traced(train.model)["net.fc"], _traced(train.plain)["fc"]) == ("tanh", "relu")


# A library's registry through the same table: timm's get_act_layer, keyed by its resolved name
# (a module laid out as timm's; initlint's knowledge of timm gives the table, not this source).
MINI_TIMM = {
    "timm/__init__.py": "",
    "timm/layers/__init__.py": "",
    "timm/layers/create_act.py": "import torch.nn as nn\n\n_ACT_LAYERS = dict(relu=nn.ReLU, swish=nn.SiLU, tanh=nn.Tanh)\n\n\n"
                                 "def get_act_layer(name=\"relu\"):\n"
                                 "    return _ACT_LAYERS[name.lower()] if isinstance(name, str) else name\n",
}  # fmt: skip
TIMM_NET = """import torch.nn as nn

from timm.layers.create_act import get_act_layer


class Net(nn.Module):
    def __init__(self, act_layer=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = get_act_layer(act_layer)()
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))
"""


def test_a_key_of_a_library_registry_passed_by_a_script(tmp_path: Path) -> None:
    """`Net(act_layer="Swish")` where Net reads its act_layer through timm's get_act_layer: SiLU
    for that construction, named by timm's table (which lower-cases the key, as timm does); a key timm does
    not have is unknown, with the key."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    for name, text in {**MINI_TIMM, "net.py": TIMM_NET, "train.py": 'from net import Net\n\nmodel = Net(act_layer="Swish")\n'}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    sources = {str(p): p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.py")}
    models, errors, _ = analyze_program(sources)
    assert not errors
    rows = _fc_rows(models)
    assert [(Path(l.path).name, l.activation) for l in rows] == [("net.py", "silu")], [l.activation_evidence for l in rows]
    assert "timm.layers.create_act.get_act_layer" in rows[0].activation_evidence, rows[0].activation_evidence
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.path.insert(0, str(tmp_path))
    try:
        import train  # noqa: PLC0415 - the case's own script, from tmp_path

        with torch.no_grad():
            traced = {row.layer: row.activation for row in
                      verify(train.model.eval(), torch.randn(2, 8), method="hooks", static=False).layers}  # fmt: skip
    finally:
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            del sys.modules[name]
    assert traced["fc"] == "silu"
    sources[str(tmp_path / "train.py")] = 'from net import Net\n\nmodel = Net(act_layer="sine")\n'
    models, _, _ = analyze_program(sources)
    rows = [l for m in models.values() for l in m.layers if (l.name or "").endswith("fc")]
    assert [l.activation for l in rows] == ["unknown"] and "'sine'" not in rows[0].activation_evidence \
        and '"sine" (not a key of timm.layers.create_act.get_act_layer)' in rows[0].activation_evidence, rows[0].activation_evidence


TRANSFORMERS_NET = """import torch.nn as nn
from transformers.activations import ACT2FN


class Net(nn.Module):
    def __init__(self, act="gelu"):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = ACT2FN[act]
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))
"""


def test_a_key_of_transformers_act2fn_passed_by_a_script(tmp_path: Path) -> None:
    """`ACT2FN[act]` with `act="gelu"` by default, built by a script with `act="relu"`: ReLU
    (transformers' table, from initlint's knowledge of it), and GELU is claimed nowhere. It used to
    stay GELU where the layer is built: the default's key was read, the caller's never."""
    models = _program(tmp_path, {"layers.py": TRANSFORMERS_NET, "train.py": 'from layers import Net\n\nmodel = Net(act="relu")\n'})
    rows = _fc_rows(models)
    assert [(Path(l.path).name, l.activation) for l in rows] == [("layers.py", "relu")], [l.activation_evidence for l in rows]
    assert "transformers.activations.ACT2FN" in rows[0].activation_evidence, rows[0].activation_evidence
    alone = _program(tmp_path, {"layers.py": TRANSFORMERS_NET, "train.py": "from layers import Net\n\nmodel = Net()\n"})
    assert [(l.name, l.activation) for l in alone["layers.py"].layers if l.name == "fc"] == [("fc", "gelu")]
