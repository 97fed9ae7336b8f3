"""An activation class a constructor default chooses (`if act_layer is None: act_layer = nn.ReLU`,
`act = nn.ReLU if use_relu else nn.Tanh`, `if use_relu: self.act_cls = nn.ReLU`) rests on that
default: a construction in another module passing another class or flag gets another activation.
Before, the chosen class lost the default on the way, and the block's layer was claimed ReLU (with
a ReLU fix) although the program's only construction builds Tanh. Checked with torch."""

from __future__ import annotations

from program_runs import rows_by_class, traced

BLOCKS = """import torch.nn as nn


class IfNone(nn.Module):
    def __init__(self, cin, cout, act_layer=None):
        super().__init__()
        if act_layer is None:
            act_layer = nn.ReLU
        self.fc = nn.Linear(cin, cout)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))


class IfNot(nn.Module):
    def __init__(self, cin, cout, act_layer=None):
        super().__init__()
        if not act_layer:
            act_layer = nn.ReLU
        self.fc = nn.Linear(cin, cout)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))


class NoneExp(nn.Module):
    def __init__(self, cin, cout, act_layer=None):
        super().__init__()
        act_layer = nn.ReLU if act_layer is None else act_layer
        self.fc = nn.Linear(cin, cout)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))


class FlagIf(nn.Module):
    def __init__(self, cin, cout, use_relu=True):
        super().__init__()
        if use_relu:
            act = nn.ReLU
        else:
            act = nn.Tanh
        self.fc = nn.Linear(cin, cout)
        self.act = act()

    def forward(self, x):
        return self.act(self.fc(x))


class FlagExp(nn.Module):
    def __init__(self, cin, cout, use_relu=True):
        super().__init__()
        act = nn.ReLU if use_relu else nn.Tanh
        self.fc = nn.Linear(cin, cout)
        self.act = act()

    def forward(self, x):
        return self.act(self.fc(x))


class FlagAttr(nn.Module):
    def __init__(self, cin, cout, use_relu=True):
        super().__init__()
        if use_relu:
            self.act_cls = nn.ReLU
        else:
            self.act_cls = nn.Tanh
        self.fc = nn.Linear(cin, cout)
        self.act = self.act_cls()

    def forward(self, x):
        return self.act(self.fc(x))
"""

PASSING = """import torch.nn as nn

from blocks import FlagAttr, FlagExp, FlagIf, IfNone, IfNot, NoneExp


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = IfNone(8, 8, act_layer=nn.Tanh)
        self.b = IfNot(8, 8, nn.Tanh)
        self.c = NoneExp(8, 8, nn.Tanh)
        self.d = FlagIf(8, 8, use_relu=False)
        self.e = FlagExp(8, 8, False)
        self.f = FlagAttr(8, 8, use_relu=False)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.f(self.e(self.d(self.c(self.b(self.a(x)))))))
"""

ATTRS = {"a": "IfNone", "b": "IfNot", "c": "NoneExp", "d": "FlagIf", "e": "FlagExp", "f": "FlagAttr"}




def _claim(rows: dict, attr: str):
    """The row for `attr.fc`: at its construction in Model, or at the block's own line where every
    construction agrees."""
    return rows.get(("Model", f"{attr}.fc")) or rows[(ATTRS[attr], "fc")]


def test_a_class_or_flag_passed_elsewhere_replaces_the_class_the_default_chose(tmp_path):
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": PASSING})
    runtime = traced(tmp_path)
    for attr in ATTRS:
        assert runtime[f"{attr}.fc"] == "tanh"
        row = _claim(rows, attr)
        assert row.activation == "tanh", (attr, row.activation, row.activation_evidence)


def test_with_no_construction_passing_another_the_default_still_decides(tmp_path):
    plain = PASSING.replace("act_layer=nn.Tanh", "").replace(", nn.Tanh)", ")").replace("use_relu=False", "")
    plain = plain.replace(", False)", ")")
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": plain})
    runtime = traced(tmp_path)
    for attr in ATTRS:
        assert runtime[f"{attr}.fc"] == "relu"
        assert _claim(rows, attr).activation == "relu", (attr, _claim(rows, attr).activation_evidence)


def test_two_constructions_disagreeing_claim_nothing_at_the_block(tmp_path):
    """One module passes Tanh, another builds the default: each use is judged, or the layer is
    unknown, never ReLU for the Tanh one."""
    other = PASSING.replace("class Model", "class Plain").replace("act_layer=nn.Tanh", "").replace(
        ", nn.Tanh)", ")").replace("use_relu=False", "").replace(", False)", ")")
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": PASSING, "plain.py": other})
    for attr, cls in ATTRS.items():
        for key in (("Model", f"{attr}.fc"), (cls, "fc")):
            if key in rows:
                assert rows[key].activation in ("tanh", "unknown"), (key, rows[key].activation_evidence)


INSTANCE_BLOCKS = """import torch.nn as nn


class IfNoneInst(nn.Module):
    def __init__(self, cin, cout, act=None):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        if act is None:
            act = nn.ReLU()
        self.act = act

    def forward(self, x):
        return self.act(self.fc(x))


class OrInst(nn.Module):
    def __init__(self, cin, cout, act=None):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        self.act = act or nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))


class ExpInst(nn.Module):
    def __init__(self, cin, cout, act=None):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        self.act = act if act is not None else nn.ReLU()

    def forward(self, x):
        return self.act(self.fc(x))


class SignatureInst(nn.Module):
    def __init__(self, cin, cout, act=nn.ReLU()):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        self.act = act

    def forward(self, x):
        return self.act(self.fc(x))


class ClassParam(nn.Module):
    def __init__(self, cin, cout, act_layer=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))
"""

INSTANCE_MODEL = """import torch.nn as nn

from blocks import ClassParam, ExpInst, IfNoneInst, OrInst, SignatureInst


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = IfNoneInst(8, 8, nn.SELU())
        self.b = OrInst(8, 8, act=nn.LeakyReLU(0.2))
        self.c = ExpInst(8, 8, nn.Tanh())
        self.d = SignatureInst(8, 8, nn.Tanh())
        self.e = SignatureInst(8, 8)
        self.f = ClassParam(8, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.f(self.e(self.d(self.c(self.b(self.a(x)))))))
"""

INSTANCES = {"a": ("IfNoneInst", "selu", None), "b": ("OrInst", "leaky_relu", 0.2), "c": ("ExpInst", "tanh", None),
             "d": ("SignatureInst", "tanh", None), "e": ("SignatureInst", "relu", None), "f": ("ClassParam", "relu", None)}


def test_an_activation_instance_passed_elsewhere_replaces_the_instance_a_none_default_falls_back_to(tmp_path):
    """`ConvBlock(8, 8, nn.SELU())` where the block does `act or nn.ReLU()` (or `if act is None: act =
    nn.ReLU()`, or has `act=nn.ReLU()` in its signature): the instance passed, with its parameter.
    Before, `act or nn.ReLU()` was claimed ReLU whatever a construction passed."""
    rows = rows_by_class(tmp_path, {"blocks.py": INSTANCE_BLOCKS, "model.py": INSTANCE_MODEL})
    runtime = traced(tmp_path)
    for attr, (cls, activation, param) in INSTANCES.items():
        assert runtime[f"{attr}.fc"] == activation
        row = rows.get(("Model", f"{attr}.fc")) or rows[(cls, "fc")]
        assert (row.activation, row.activation_param if param is not None else None) == (activation, param), (
            attr, row.activation, row.activation_param, row.activation_evidence)


def test_an_instance_for_a_class_parameter_or_a_class_for_an_instance_claims_nothing(tmp_path):
    """What torch would not run as written is never judged as the other kind: `act_layer=nn.Tanh()`
    for a parameter the block calls, `act=nn.Tanh` for one it applies."""
    crossed = INSTANCE_MODEL.replace("ClassParam(8, 8)", "ClassParam(8, 8, nn.Tanh())").replace(
        "ExpInst(8, 8, nn.Tanh())", "ExpInst(8, 8, nn.Tanh)")
    rows = rows_by_class(tmp_path, {"blocks.py": INSTANCE_BLOCKS, "model.py": crossed})
    for attr, cls in (("f", "ClassParam"), ("c", "ExpInst")):
        row = rows.get(("Model", f"{attr}.fc")) or rows[(cls, "fc")]
        assert row.activation == "unknown", (attr, row.activation, row.activation_evidence)


FUNCTION_BLOCKS = """import torch.nn as nn
import torch.nn.functional as F


class FnBlock(nn.Module):
    def __init__(self, cin, cout, act_fn=F.relu):
        super().__init__()
        self.fc = nn.Linear(cin, cout)
        self.act_fn = act_fn

    def forward(self, x):
        return self.act_fn(self.fc(x))
"""

FUNCTION_MODEL = """import torch
import torch.nn as nn

from blocks import FnBlock


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = FnBlock(8, 8, act_fn=torch.tanh)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.a(x))
"""


def test_a_function_passed_elsewhere_replaces_a_function_default(tmp_path):
    """`act_fn=F.relu` in the block, `act_fn=torch.tanh` at its only construction in another module:
    Tanh. Before, the default's fact had no module path, the construction was not looked at, and the
    layer was claimed ReLU with a ReLU fix."""
    rows = rows_by_class(tmp_path, {"blocks.py": FUNCTION_BLOCKS, "model.py": FUNCTION_MODEL})
    assert traced(tmp_path)["a.fc"] == "tanh"
    row = rows.get(("Model", "a.fc")) or rows[("FnBlock", "fc")]
    assert row.activation == "tanh", (row.activation, row.activation_evidence)
