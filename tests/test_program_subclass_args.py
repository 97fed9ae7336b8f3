"""A subclass whose `__init__` passes its base's constructor other values (`super().__init__(act_layer=
nn.Tanh)`, `Base.__init__(self, act_layer=nn.Tanh)`) builds its layers by the base's own lines: the
row there speaks for the subclass's instances too, so it claims no activation the subclass does not
get. Before, the base's row claimed its default ReLU (and offered a ReLU fix) wherever the subclass
was, in the same module or another. Checked with torch."""

from __future__ import annotations

import pytest

from program_runs import analysed, traced

BASE = """import torch.nn as nn


class Base(nn.Module):
    def __init__(self, cin=8, cout=8, act_layer=nn.ReLU, bias=True):
        super().__init__()
        self.fc = nn.Linear(cin, cout, bias=bias)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))
"""

SUB = """

class Sub(Base):
    def __init__(self):
        {call}
"""

MODEL = """import torch.nn as nn

from {module} import Sub


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = Sub()

    def forward(self, x):
        return self.body(x)
"""

CALLS = {
    "keyword": "super().__init__(act_layer=nn.Tanh)",
    "position": "super().__init__(8, 8, nn.Tanh)",
    "explicit-base": "Base.__init__(self, act_layer=nn.Tanh)",
}


def _files(call: str, apart: bool) -> dict:
    sub = SUB.format(call=call)
    if apart:
        return {"base.py": BASE, "sub.py": "import torch.nn as nn\n\nfrom base import Base\n" + sub,
                "model.py": MODEL.format(module="sub")}
    return {"base.py": BASE + sub, "model.py": MODEL.format(module="base")}


def _base_fc(tmp_path, files: dict):
    return next(row for row in analysed(tmp_path, files)[str(tmp_path / "base.py")].layers if row.name == "fc")


def _runtime(tmp_path) -> str:
    return traced(tmp_path)["body.fc"]


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "two-modules"])
@pytest.mark.parametrize("call", list(CALLS), ids=list(CALLS))
def test_a_subclass_passing_another_class_leaves_the_base_row_unclaimed(tmp_path, call, apart):
    fc = _base_fc(tmp_path, _files(CALLS[call], apart))
    assert _runtime(tmp_path) == "tanh"
    assert fc.activation in ("unknown", "tanh"), (fc.activation, fc.activation_evidence)


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "two-modules"])
def test_a_subclass_passing_other_parameters_keeps_the_claim(tmp_path, apart):
    """`super().__init__(bias=False)`: the activation rests on act_layer alone, which it leaves."""
    fc = _base_fc(tmp_path, _files("super().__init__(bias=False)", apart))
    assert _runtime(tmp_path) == "relu"
    assert fc.activation == "relu", fc.activation_evidence


FORWARDING = """

class Sub(Base):
    def __init__(self, cin=8, cout=8, **kwargs):
        super().__init__(cin=cin, cout=cout, **kwargs)
"""


@pytest.mark.parametrize("passed, expected", [("", "relu"), (", act_layer=nn.Tanh", "unknown")],
                         ids=["nothing-passed-on", "tanh-passed-on"])
def test_a_subclass_passing_its_keywords_on_is_judged_by_what_its_constructions_pass(tmp_path, passed, expected):
    """MONAI's `DenseNet121(**kwargs)` calling `super().__init__(..., **kwargs)`: where the program's
    constructions of the subclass pass nothing more, the base's defaults hold; where one passes
    `act_layer=nn.Tanh`, the base's row claims nothing."""
    files = {"base.py": BASE, "sub.py": "import torch.nn as nn\n\nfrom base import Base\n" + FORWARDING,
             "model.py": MODEL.format(module="sub").replace("Sub()", f"Sub(8, 8{passed})")}
    fc = _base_fc(tmp_path, files)
    assert _runtime(tmp_path) == ("relu" if not passed else "tanh")
    assert fc.activation == expected, (fc.activation, fc.activation_evidence)


REBINDING = """

class Sub(Base):
    def __init__(self):
        super().__init__()
        self.{attr} = {value}
"""


@pytest.mark.parametrize("apart", [False, True], ids=["one-module", "two-modules"])
@pytest.mark.parametrize("attr, value, expected", [("act", "nn.Tanh()", ("tanh", "unknown")),
                                                   ("scale", "2.0", ("relu", "relu"))], ids=["act", "other"])
def test_a_subclass_binding_the_base_s_activation_again_leaves_the_base_row_unclaimed(tmp_path, apart, attr, value, expected):
    """`self.act = nn.Tanh()` after `super().__init__()`: the base's fc meets Tanh in the subclass's
    instances, built by the base's line. Binding anything else of its own keeps the claim."""
    sub = REBINDING.format(attr=attr, value=value)
    files = {"base.py": BASE, "sub.py": "import torch.nn as nn\n\nfrom base import Base\n" + sub,
             "model.py": MODEL.format(module="sub")} if apart else {"base.py": BASE + sub, "model.py": MODEL.format(module="base")}
    fc = _base_fc(tmp_path, files)
    runtime, claim = expected
    assert _runtime(tmp_path) == runtime
    assert fc.activation == claim, (fc.activation, fc.activation_evidence)
