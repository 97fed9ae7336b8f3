"""What an nn.Sequential subclass registers, and what a dict built in a constructor holds, are read
as the code leaves them, never as a first reading suggests. MONAI's ADN (`op_dict = {"A": None, ...};
if act is not None: op_dict["A"] = get_act_layer(act); for item in ordering: if op_dict[item] is not
None: self.add_module(item, op_dict[item])`) was read as an empty Sequential, so the Linear before it
"fed the next Linear": a false "no activation" where torch runs a PReLU. A module registered on
some ways through a container's constructor only, and a subclass adding to a container its base
built (`self.final.add_module("lastact", nn.Sigmoid())`), were also taken as always there, or never.
Each claim is checked against torch building the model (tests/data/monai_runtime.json showed all three)."""

from __future__ import annotations

import textwrap

import pytest

from initlint.program import link
from initlint.semantics.file import analyze

SOURCE = textwrap.dedent('''
    import torch.nn as nn


    def get_act(name):
        return {"relu": nn.ReLU, "prelu": nn.PReLU}[name]()


    class ADN(nn.Sequential):
        def __init__(self, ordering="NDA", act="relu"):
            super().__init__()
            op_dict = {"A": None, "D": None, "N": None}
            if act is not None:
                op_dict["A"] = get_act(act)
            for item in ordering.upper():
                if op_dict[item] is not None:
                    self.add_module(item, op_dict[item])


    class Mlp(nn.Sequential):
        def __init__(self, act="prelu"):
            super().__init__()
            self.add_module("hidden", nn.Sequential(nn.Linear(8, 8), ADN(act=act)))
            self.add_module("output", nn.Linear(8, 2))


    class MaybeAct(nn.Sequential):
        def __init__(self, use_act):
            super().__init__()
            if use_act:
                self.add_module("A", nn.PReLU())


    class Gated(nn.Module):
        def __init__(self, flag):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(8, 8), MaybeAct(flag), nn.Linear(8, 2))

        def forward(self, x):
            return self.body(x)


    class Regressor(nn.Module):
        def __init__(self):
            super().__init__()
            self.final = nn.Sequential(nn.Flatten(), nn.Linear(8, 1))

        def forward(self, x):
            return self.final(x)


    class Discriminator(Regressor):
        def __init__(self):
            super().__init__()
            self.final.add_module("lastact", nn.Sigmoid())


    class Updated(nn.Module):
        def __init__(self):
            super().__init__()
            acts = {"a": None}
            acts.update(a=nn.ReLU())
            self.fc = nn.Linear(8, 8)
            self.act = acts["a"]

        def forward(self, x):
            x = self.fc(x)
            if self.act is not None:
                x = self.act(x)
            return x


    class Picked(nn.Module):
        def __init__(self):
            super().__init__()
            acts = {"relu": nn.ReLU(), "tanh": nn.Tanh()}
            acts["tanh"] = nn.Tanh()
            self.body = nn.Sequential(nn.Linear(8, 8), acts["tanh"])

        def forward(self, x):
            return self.body(x)
''')


@pytest.fixture(scope="module")
def rows() -> dict:
    model = analyze(SOURCE, "models.py")
    link({"models.py": model})  # as `initlint check` judges a file: the program stage reads its subclasses
    return {(m.name, layer.name): layer for m in model.modules for layer in m.layers}


def traced(name: str, *args) -> dict:
    """layer name -> the activation torch's run meets after it (initlint's runtime mode, hooks)."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    namespace: dict = {}
    exec(compile(SOURCE, "models.py", "exec"), namespace)
    model = namespace[name](*args).eval()
    report = verify(model, torch.randn(2, 8), method="hooks", static=False, target=name)
    return {row.layer: row.activation for row in report.layers}


def test_a_dict_item_set_in_the_constructor_is_what_the_container_registers(rows) -> None:
    row = rows[("Mlp", "hidden.0")]
    assert traced("Mlp")["hidden.0"] == "prelu"
    # the loop over `ordering.upper()` and its `is not None` test are not decided here: not known which
    # modules ADN registers; before, "none: feeds another Linear (next in nn.Sequential)"
    assert row.activation == "unknown", row.activation_evidence


@pytest.mark.parametrize("flag, expected", [(True, "prelu"), (False, "none")])
def test_a_module_registered_on_one_branch_only_may_not_run(rows, flag: bool, expected: str) -> None:
    assert traced("Gated", flag)["body.0"] == expected
    row = rows[("Gated", "body.0")]
    assert row.activation == "unknown"
    assert "PReLU" in row.activation_evidence and "no activation" in row.activation_evidence


def test_a_subclass_adding_to_its_bases_container_makes_the_bases_row_unknown(rows) -> None:
    assert traced("Regressor")["final.1"] == "none"
    assert traced("Discriminator")["final.1"] == "sigmoid"
    row = rows[("Regressor", "final.1")]
    assert row.activation == "unknown"
    assert "Discriminator (a subclass) changes `self.final`" in row.activation_evidence


def test_a_dict_a_method_changes_is_not_read_as_first_written(rows) -> None:
    assert traced("Updated")["fc"] == "relu"
    assert rows[("Updated", "fc")].activation == "unknown"  # before: "none", the dict's first None


def test_a_literal_key_reads_that_key(rows) -> None:
    assert traced("Picked")["body.0"] == "tanh"
    row = rows[("Picked", "body.0")]
    assert (row.activation, row.activation_evidence.split(" (")[0]) == ("tanh", "nn.Tanh")


def test_a_subclass_in_another_module_counts_too() -> None:
    from initlint.program import analyze_program

    base = textwrap.dedent('''
        import torch.nn as nn


        class Regressor(nn.Module):
            def __init__(self):
                super().__init__()
                self.final = nn.Sequential(nn.Flatten(), nn.Linear(8, 1))

            def forward(self, x):
                return self.final(x)
    ''')
    sub = textwrap.dedent('''
        import torch.nn as nn

        from nets.regressor import Regressor


        class Classifier(Regressor):
            def __init__(self, last_act=None):
                super().__init__()
                if last_act is not None:
                    self.final.add_module("lastact", last_act())
    ''')
    models, errors, _ = analyze_program({"nets/regressor.py": base, "nets/classifier.py": sub, "nets/__init__.py": ""})
    assert not errors
    (row,) = models["nets/regressor.py"].layers
    assert row.activation == "unknown"
    assert row.related == [["nets/classifier.py", 11]]
