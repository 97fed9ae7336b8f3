"""The fix engine on hand-built file models: edits, the safety check, writing files."""

from __future__ import annotations

import ast
import json
import os
import stat
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from initlint import fixer
from initlint.fixer import Edit, FixOptions, UnsafeFix, apply_edits, attach_fixes, check_fix, diff_text, fix_file, fix_source
from initlint.model import FileModel, Finding, FixPlan, Layer, ModuleModel
from initlint.rules import run_rules, select_rules

# --------------------------------------------------------------------------------------
# Helpers: a source, the layers the analysis would report in it, the findings.

NET = '''"""A net."""
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.act = nn.ReLU()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3),
            nn.Tanh(),
        )
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        return self.head(self.act(self.fc1(x)))
'''


def make_layer(line, column, name, activation, plan, layer_type="Linear", param=None, class_name="Net"):
    return Layer(
        path="m.py",
        line=line,
        column=column,
        end_line=line,
        end_column=column + 5,
        class_name=class_name,
        name=name,
        layer_type=layer_type,
        activation=activation,
        activation_param=param,
        activation_evidence="evidence",
        init="default",
        init_evidence="no init",
        fix=plan,
        site=f"{class_name}/{name}/{layer_type}",
    )


def model_of(layers, nn_alias="nn", init_alias="nn.init", import_line=3):
    return FileModel("m.py", [ModuleModel("Net", 6, layers)], nn_alias=nn_alias, init_alias=init_alias, import_line=import_line)


def net_model(**aliases):
    return model_of(
        [
            make_layer(9, 20, "fc1", "relu", FixPlan(9, "        ", "self.fc1.weight")),
            make_layer(12, 13, "body.0", "tanh", FixPlan(14, "        ", "self.body[0].weight"), "Conv2d"),
            make_layer(15, 21, "head", "none", FixPlan(15, "        ", "self.head.weight")),
        ],
        **aliases,
    )


def findings_of(file_model, select=("IL",)):
    return run_rules(file_model, select_rules(list(select)))


def fixed(source, file_model, options=None):
    findings = findings_of(file_model)
    attach_fixes(findings, file_model, options, source)
    result = fix_source(source, findings, "m.py")
    assert result.error is None, result.error
    return result.new_text


def inserted_lines(old: str, new: str) -> list[str]:
    """The lines of `new` that are not in `old`, checking that the rest is `old` in order."""
    old_lines, new_lines = fixer.split_lines(old), fixer.split_lines(new)
    extra, i = [], 0
    for line in new_lines:
        if i < len(old_lines) and line == old_lines[i]:
            i += 1
        else:
            extra.append(line)
    assert i == len(old_lines)
    return extra


# --------------------------------------------------------------------------------------
# apply_edits


def test_apply_edits_inserts_at_line_starts_in_given_order():
    text = "a\nb\nc\n"
    edits = [Edit("x\n", 2, 1, 2, 1), Edit("y\n", 2, 1, 2, 1), Edit("z\n", 4, 1, 4, 1)]
    assert apply_edits(text, edits) == "a\nx\ny\nb\nc\nz\n"


def test_apply_edits_replaces_and_counts_columns_in_characters():
    assert apply_edits("é = 1\n", [Edit("b", 1, 5, 1, 6)]) == "é = b\n"


@pytest.mark.parametrize(
    "edits",
    [
        [Edit("x", 5, 1, 5, 1)],  # past the end
        [Edit("x", 1, 9, 1, 9)],  # past the line
        [Edit("x", 1, 1, 1, 3), Edit("y", 1, 2, 1, 2)],  # overlap
        [Edit("x", 1, 3, 1, 1)],  # backwards
    ],
)
def test_apply_edits_rejects_bad_positions(edits):
    with pytest.raises(ValueError):
        apply_edits("ab\n", edits)


def test_apply_edits_is_pure():
    text = "a\r\nb\r\n"
    edits = [Edit("x\r\n", 2, 1, 2, 1)]
    assert apply_edits(text, edits) == "a\r\nx\r\nb\r\n"
    assert text == "a\r\nb\r\n" and edits[0].content == "x\r\n"


@settings(max_examples=200, deadline=None, database=None)
@given(
    st.lists(st.tuples(st.text("ab é\t", max_size=6), st.sampled_from(["\n", "\r\n", "\r"])), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 8), st.text("xyz", min_size=1, max_size=3)), max_size=5),
)
def test_inserting_whole_lines_leaves_every_other_line_alone(lines, inserts):
    text = "".join(body + end for body, end in lines)
    count = len(fixer.split_lines(text))  # "\r" then "\n" make one line
    edits = [Edit(content + "\n", min(at, count) + 1, 1, min(at, count) + 1, 1) for at, content in inserts]
    new = apply_edits(text, edits)
    assert inserted_lines(text, new) == [content + "\n" for _, content in sorted(inserts, key=lambda i: min(i[0], count))]


# --------------------------------------------------------------------------------------
# attach_fixes: what gets a fix, and its text


def test_fixes_relu_and_tanh_but_not_the_head():
    model = net_model()
    findings = findings_of(model, ["IL"])
    unfixable = attach_fixes(findings, model, None, NET)
    by_layer = {f.layer: f for f in findings}
    assert set(by_layer) == {"fc1", "body.0", "head"}  # IL301 is selected here too
    assert by_layer["head"].fix is None
    assert [u.finding.layer for u in unfixable] == []  # IL301 is not a fixable rule
    fix = by_layer["fc1"].fix
    assert fix.applicability == "safe"
    assert fix.edits == [Edit('        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n', 10, 1, 10, 1)]
    assert "self.fc1.weight" in fix.message and "ReLU" in fix.message
    assert by_layer["body.0"].fix.edits[0].line == 15


def test_fixed_text_is_the_original_plus_the_calls():
    new = fixed(NET, net_model())
    assert inserted_lines(NET, new) == [
        '        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n',
        '        nn.init.kaiming_uniform_(self.body[0].weight, nonlinearity="tanh")\n',
    ]
    assert new.index("self.fc1 = nn.Linear") < new.index("kaiming_uniform_(self.fc1") < new.index("self.act =")


def test_options_choose_distribution_mode_and_bias():
    new = fixed(NET, net_model(), {"fix-distribution": "normal", "fix-mode": "fan_out", "fix-bias": "zeros"})
    assert inserted_lines(NET, new)[:3] == [
        '        nn.init.kaiming_normal_(self.fc1.weight, mode="fan_out", nonlinearity="relu")\n',
        "        if self.fc1.bias is not None:\n",
        "            nn.init.zeros_(self.fc1.bias)\n",
    ]


def test_options_accept_config_objects_and_reject_bad_values():
    class Config:
        fix_distribution = "normal"
        fix_mode = None
        fix_bias = "zeros"

    assert FixOptions.coerce(Config()) == FixOptions("normal", "fan_in", "zeros")
    assert FixOptions.coerce({"fix_mode": "fan_out"}) == FixOptions(mode="fan_out")
    with pytest.raises(ValueError, match="fix-distribution"):
        FixOptions.coerce({"fix-distribution": "gaussian"})


@pytest.mark.parametrize(
    "activation, param, expected",
    [
        ("leaky_relu", 0.2, ['nn.init.kaiming_uniform_(self.fc1.weight, a=0.2, nonlinearity="leaky_relu")']),
        ("prelu", None, ['nn.init.kaiming_uniform_(self.fc1.weight, a=0.25, nonlinearity="leaky_relu")']),
        ("selu", None, ['nn.init.kaiming_normal_(self.fc1.weight, nonlinearity="linear")']),
        (
            "silu",
            None,
            [
                "nn.init.normal_(self.fc1.weight, std=1.67653 / self.fc1.weight[0].numel() ** 0.5)"
                "  # SiLU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)",
            ],
        ),
    ],
)
def test_calls_come_from_the_catalogue(activation, param, expected):
    model = model_of([make_layer(9, 20, "fc1", activation, FixPlan(9, "        ", "self.fc1.weight"), param=param)])
    assert [line.strip() for line in inserted_lines(NET, fixed(NET, model))] == expected


@pytest.mark.parametrize(
    "layer, reason",
    [
        (make_layer(9, 20, "fc1", "sigmoid", FixPlan(9, "        ", "self.fc1.weight")), "output head or a gate"),
        (make_layer(9, 20, "fc1", "hardsigmoid", FixPlan(9, "        ", "self.fc1.weight")), "output head or a gate"),
        (make_layer(9, 20, "fc1", "sigmoid", FixPlan(9, "        ", "self.fc1.weight"), "LazyLinear"), "first forward"),
        (make_layer(9, 20, "fc1", "relu", FixPlan(9, "        ", "self.fc1.weight"), "LazyLinear"), "first forward"),
        (make_layer(9, 20, "fc1", "relu", FixPlan(reason="built in a helper")), "built in a helper"),
        (make_layer(9, 20, "fc1", "relu", None), "no place"),
        (make_layer(9, 20, "fc1", "relu", FixPlan(9, "  x ", "self.fc1.weight")), "indentation"),
    ],
)
def test_unfixable_layers_get_no_fix_and_a_reason(layer, reason):
    model = model_of([layer])
    findings = findings_of(model)
    unfixable = attach_fixes(findings, model, None, NET)
    assert findings and all(f.fix is None for f in findings)
    assert len(unfixable) == 1 and reason in unfixable[0].reason


ROUTINE = '''import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        conv = nn.Conv2d(3, 8, 3)
        self.convs = nn.Sequential(conv)
        self.reset_parameters()

    def reset_parameters(self):
        for m in self.modules():
            if m is not self and hasattr(m, "reset_parameters"):
                m.reset_parameters()
'''


def routine_model(routines):
    layers = [
        make_layer(7, 20, "fc1", "relu", FixPlan(7, "        ", "self.fc1.weight")),
        make_layer(8, 16, "convs.0", "relu", FixPlan(8, "        ", "conv.weight"), "Conv2d"),
    ]
    return FileModel("m.py", [ModuleModel("Net", 4, layers, init_routines=routines)], nn_alias="nn", init_alias="nn.init", import_line=1)


def test_a_class_with_an_init_routine_gets_the_call_at_the_end_of_it():
    """`self.reset_parameters()` after the layer: the init goes at the end of the routine, where
    it runs after whatever the routine does, every time it runs (safe)."""
    model = routine_model(["reset_parameters"])
    findings = findings_of(model)
    unfixable = attach_fixes(findings, model, None, ROUTINE)
    (fc1,) = [f for f in findings if f.fix]
    assert fc1.fix.applicability == "safe" and "in `reset_parameters`" in fc1.fix.message
    result = fix_source(ROUTINE, findings, "m.py")
    assert result.error is None
    tail = '                m.reset_parameters()\n        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n'
    assert result.new_text.endswith(tail)
    # `conv` is a local name: the routine cannot name it, so no fix.
    assert [(u.finding.layer, "init routine (reset_parameters)" in u.reason) for u in unfixable] == [("convs.0", True)]


def test_a_routine_that_may_return_early_gets_the_call_after_it():
    """A `return` in the routine could skip a line appended to it: the call goes after the
    routine's call in `__init__` instead, an unsafe fix."""
    source = ROUTINE.replace("        for m in self.modules():\n", "        if not self.training:\n            return\n        for m in self.modules():\n")
    model = routine_model(["reset_parameters"])
    findings = findings_of(model)
    attach_fixes(findings, model, None, source)
    (fc1,) = [f for f in findings if f.fix]
    assert fc1.fix.applicability == "unsafe" and "check that the routine leaves this layer alone" in fc1.fix.message
    assert not fix_source(source, findings, "m.py").changed, "an unsafe fix needs --unsafe-fixes"
    result = fix_source(source, findings, "m.py", unsafe=True)
    assert result.error is None
    tail = '        self.reset_parameters()\n        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n'
    assert tail in result.new_text


def test_a_class_without_an_init_routine_gets_the_call_after_construction():
    source = ROUTINE.replace("        self.reset_parameters()\n", "")
    model = routine_model([])
    findings = findings_of(model)
    attach_fixes(findings, model, None, source)
    assert {f.fix.applicability for f in findings if f.fix} == {"safe"}
    new = fixed(source, model)
    assert '        self.fc1 = nn.Linear(64, 64)\n        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n' in new
    assert '        conv = nn.Conv2d(3, 8, 3)\n        nn.init.kaiming_uniform_(conv.weight, nonlinearity="relu")\n' in new


def test_an_init_after_a_routine_loop_follows_the_loop():
    # (a loop that provably leaves Linear alone would not move the call: see test_fix_safety)
    source = ROUTINE.replace("        self.reset_parameters()\n", "        for m in self.modules():\n            m.train()\n")
    model = routine_model(["__init__"])
    findings = findings_of(model)
    attach_fixes(findings, model, None, source)
    result = fix_source(source, findings, "m.py", unsafe=True)
    assert result.error is None
    assert "            m.train()\n        nn.init.kaiming_uniform_(self.fc1.weight" in result.new_text


def test_a_plan_resting_on_an_assumption_is_an_unsafe_fix():
    model = net_model()
    model.modules[0].layers[0].fix.unsafe_reason = "the activation is the default of parameter `act`"
    findings = findings_of(model)
    attach_fixes(findings, model, None, NET)
    by_layer = {f.layer: f for f in findings}
    assert by_layer["fc1"].fix.applicability == "unsafe" and "parameter `act`" in by_layer["fc1"].fix.message
    assert by_layer["body.0"].fix.applicability == "safe"
    assert fixer.fixable(findings) == [by_layer["body.0"]]
    assert set(map(id, fixer.fixable(findings, unsafe=True))) == {id(by_layer["fc1"]), id(by_layer["body.0"])}
    safe_only = fix_source(NET, findings, "m.py")
    assert "self.fc1.weight" not in safe_only.new_text and "self.body[0].weight" in safe_only.new_text


@pytest.mark.parametrize("activation, reason", [("softmax", "output head"), ("none", "output head"), ("unknown", "not known")])
def test_findings_no_rule_makes_for_heads_and_unknowns_are_not_fixed_either(activation, reason):
    """Such findings come from elsewhere (IL301 for heads, a future rule): still no guess."""
    model = model_of([make_layer(9, 20, "fc1", activation, FixPlan(9, "        ", "self.fc1.weight"))])
    finding = Finding("IL101", "m", "m.py", 9, 20, 9, 25, "Net", "fc1", site="Net/fc1/Linear")
    unfixable = attach_fixes([finding], model, None, NET)
    assert finding.fix is None and len(unfixable) == 1 and reason in unfixable[0].reason


def test_fixes_after_one_line_keep_source_order():
    source = "from torch import nn\nnet = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.GELU())\n"
    model = FileModel(
        "m.py",
        free_layers=[
            make_layer(2, 21, "0", "relu", FixPlan(2, "", "net[0].weight"), class_name=None),
            make_layer(2, 50, "2", "gelu", FixPlan(2, "", "net[2].weight"), class_name=None),
        ],
        nn_alias="nn",
        init_alias="nn.init",
        import_line=1,
    )
    lines = inserted_lines(source, fixed(source, model))
    assert [line.split("(")[0] for line in lines] == ["nn.init.kaiming_uniform_", "nn.init.normal_"]
    assert "net[0].weight" in lines[0] and "net[2].weight" in lines[1]


def test_nn_alias_spells_the_init_module_when_init_has_no_alias():
    new = fixed(NET, net_model(init_alias=None))
    assert inserted_lines(NET, new)[0].strip().startswith("nn.init.kaiming_uniform_(")


def test_an_existing_import_torch_is_used():
    new = fixed(NET, net_model(nn_alias=None, init_alias=None, import_line=3))
    assert "import torch\n" not in inserted_lines(NET, new)
    assert inserted_lines(NET, new)[0].strip().startswith("torch.nn.init.kaiming_uniform_(")


@pytest.mark.parametrize(
    "signature, expected_module",
    [
        ("def __init__(self, init=None):", "nn.init"),  # `init` shadowed: use nn.init
        ("def __init__(self, init=None, nn=1):", "torch.nn.init"),  # both shadowed: torch is imported
    ],
)
def test_shadowed_aliases_are_not_used(signature, expected_module):
    source = NET.replace("from torch import nn\n", "from torch import nn\nfrom torch.nn import init\n").replace(
        "def __init__(self):", signature
    )
    layer = make_layer(10, 20, "fc1", "relu", FixPlan(10, "        ", "self.fc1.weight"))
    new = fixed(source, model_of([layer], init_alias="init", import_line=4))
    assert inserted_lines(source, new) == [f'        {expected_module}.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n']


def test_a_shadowed_torch_makes_the_fix_unavailable():
    source = "import torch as torch_\ntorch = None\n\n\ndef build():\n    fc = L(2, 2)\n"
    layer = make_layer(6, 10, None, "relu", FixPlan(6, "    ", "fc.weight"), class_name=None)
    model = FileModel("m.py", free_layers=[layer], import_line=1)
    findings = findings_of(model)
    unfixable = attach_fixes(findings, model, None, source)
    assert findings[0].fix is None and "binds the name `torch`" in unfixable[0].reason


def test_missing_import_goes_after_the_import_block_once():
    source = NET.replace("import torch\nfrom torch import nn\n", "from torch.nn import Module as M\n\n")
    new = fixed(source, net_model(nn_alias=None, init_alias=None, import_line=2))
    extra = inserted_lines(source, new)
    assert extra[0] == "import torch\n" and extra.count("import torch\n") == 1
    assert new.split("\n")[2] == "import torch"
    assert extra[1].strip() == 'torch.nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")'


@pytest.mark.parametrize(
    "head, import_after",
    [
        ('"""Doc\nstring."""\nfrom __future__ import annotations\n\n', 3),
        ("#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\n", 3),
        ("", 0),
    ],
)
def test_missing_import_at_the_top_keeps_docstring_future_and_cookie_first(head, import_after):
    body = "class Net(M):\n    def __init__(self):\n        self.fc = L(2, 2)\n"
    source = head + body
    line = head.count("\n") + 3
    layer = make_layer(line, 19, "fc", "relu", FixPlan(line, "        ", "self.fc.weight"))
    new = fixed(source, model_of([layer], nn_alias=None, init_alias=None, import_line=0))
    lines = new.split("\n")
    assert lines[import_after] == "import torch"
    assert lines[:import_after] == source.split("\n")[:import_after]


def test_loop_fix_uses_a_free_variable_name():
    source = (
        "from torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self, layer=1):\n"
        "        super().__init__()\n        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(layer)])\n"
    )
    layer = make_layer(7, 38, "blocks.*", "relu", FixPlan(7, "        ", "", loop_over="self.blocks"))
    new = fixed(source, model_of([layer], import_line=1), {"fix-bias": "zeros"})
    assert inserted_lines(source, new) == [
        "        for layer_ in self.blocks:\n",
        '            nn.init.kaiming_uniform_(layer_.weight, nonlinearity="relu")\n',
        "            if layer_.bias is not None:\n",
        "                nn.init.zeros_(layer_.bias)\n",
    ]


def test_the_source_decides_the_indentation_when_the_plan_miscounts():
    source = "from torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n\n        self.fc = nn.Linear(2, 2)\n"
    layer = make_layer(7, 19, "fc", "relu", FixPlan(7, "", "self.fc.weight"))  # indent of the blank line above
    new = fixed(source, model_of([layer], import_line=1))
    assert inserted_lines(source, new) == ['        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n']


def test_tabs_stay_tabs_and_nested_bodies_use_the_files_unit():
    source = "from torch import nn\nclass Net(nn.Module):\n\tdef __init__(self):\n\t\tself.fc = nn.Linear(2, 2)\n"
    layer = make_layer(4, 13, "fc", "relu", FixPlan(4, "\t\t", "self.fc.weight"))
    new = fixed(source, model_of([layer], import_line=1), {"fix-bias": "zeros"})
    assert inserted_lines(source, new) == [
        '\t\tnn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n',
        "\t\tif self.fc.bias is not None:\n",
        "\t\t\tnn.init.zeros_(self.fc.bias)\n",
    ]


def test_json_fix_field_carries_applicability_and_edits():
    model = net_model()
    findings = findings_of(model, ["IL101"])
    attach_fixes(findings, model, None, NET)
    row = json.loads(json.dumps(findings[0].as_json()))
    assert row["fix"]["applicability"] == "safe"
    assert row["fix"]["edits"][0]["line"] == 10 and row["fix"]["edits"][0]["content"].startswith("        nn.init.")


# --------------------------------------------------------------------------------------
# The safety check


def test_safety_check_accepts_the_intended_insertions():
    edits = [Edit("        x = 1\n", 10, 1, 10, 1)]
    check_fix(NET, apply_edits(NET, edits), edits)


@pytest.mark.parametrize(
    "edit, complaint",
    [
        (Edit("    x = 1\n", 10, 1, 10, 1), "compile"),  # dedent in the middle of a body
        (Edit("            x = 1\n", 10, 1, 10, 1), "compile"),  # unexpected indent
        (Edit("        x = 1\n", 12, 1, 12, 1), "compile"),  # inside the Sequential(...) call
        (Edit("        x = (\n", 10, 1, 10, 1), "compile"),
        (Edit("    x = 1\n", 16, 1, 16, 1), "function body"),  # class level, after the method
        (Edit("        import os\n", 10, 1, 10, 1), "module level"),
        (Edit("        x = 1; ", 10, 1, 10, 1), "does not end"),
        (Edit("x = 1; ", 10, 9, 10, 9), "does not start"),
    ],
)
def test_safety_check_refuses_what_changes_the_program(edit, complaint):
    with pytest.raises(UnsafeFix, match=complaint):
        check_fix(NET, apply_edits(NET, [edit]), [edit])


def test_safety_check_refuses_text_that_lands_inside_a_string():
    source = 'def f():\n    s = """a\n    b"""\n    return s\n'
    edit = Edit("    x = 1\n", 3, 1, 3, 1)  # between the string's lines: the string changes
    with pytest.raises(UnsafeFix, match="do not parse as intended|differs"):
        check_fix(source, apply_edits(source, [edit]), [edit])


def test_safety_check_refuses_a_statement_joined_to_a_backslash_line():
    source = "def f():\n    a = 1 + \\\n        2\n    return a\n"
    edit = Edit("    x = 1\n", 3, 1, 3, 1)
    with pytest.raises(UnsafeFix):
        check_fix(source, apply_edits(source, [edit]), [edit])


def test_safety_check_places_an_init_after_a_compound_statement_by_its_indentation():
    """After a loop or an `if` (an init routine at the end of `__init__`) the indentation
    decides: at the `if`'s own it follows the `if`; deeper, it ends the `if`'s body."""
    source = "def f(c):\n    if c:\n        a = 1\n    return a\n"
    after_if = Edit("    a = 2\n", 4, 1, 4, 1)
    check_fix(source, apply_edits(source, [after_if]), [after_if])
    assert ast.parse(apply_edits(source, [after_if])).body[0].body[1].targets[0].id == "a"
    in_body = Edit("        b = 2\n", 4, 1, 4, 1)
    check_fix(source, apply_edits(source, [in_body]), [in_body])
    assert len(ast.parse(apply_edits(source, [in_body])).body[0].body[0].body) == 2


def test_safety_check_refuses_an_init_after_a_definition_or_first_in_a_block():
    source = "def f():\n    return 1\n\n\ndef g():\n    return 2\n"
    after_def = Edit("x = f()\n", 3, 1, 3, 1)
    with pytest.raises(UnsafeFix, match="function body"):
        check_fix(source, apply_edits(source, [after_def]), [after_def])
    first_in_body = Edit("    x = 1\n", 2, 1, 2, 1)
    with pytest.raises(UnsafeFix, match="function body"):
        check_fix(source, apply_edits(source, [first_in_body]), [first_in_body])


def test_safety_check_refuses_text_that_is_not_the_edit_result():
    edits = [Edit("        x = 1\n", 10, 1, 10, 1)]
    with pytest.raises(UnsafeFix, match="not the original"):
        check_fix(NET, apply_edits(NET, edits).replace("64, 64", "64, 65"), edits)


def test_a_plan_that_would_break_the_file_is_refused_and_reported():
    # line 11 opens `nn.Sequential(`: the insert would land inside the call (a local weight:
    # `self.fc1.weight` would be dropped earlier, as line 11 does not bind self.fc1)
    model = model_of([make_layer(9, 20, "fc1", "relu", FixPlan(11, "        ", "fc1.weight"))])
    findings = findings_of(model)
    attach_fixes(findings, model, None, NET)
    result = fix_source(NET, findings, "m.py")
    assert result.new_text == NET and not result.fixed
    assert "internal error" in result.error.message and result.error.path == "m.py"


# --------------------------------------------------------------------------------------
# Files: encodings, endings, atomic writes


def write(tmp_path, data: bytes, name="m.py") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def fix_path(path, model, options=None, **kwargs):
    data = open(path, "rb").read()
    text = fixer.decode_source(data).text
    findings = findings_of(model)
    attach_fixes(findings, model, options, text)
    return fix_file(path, findings, data, **kwargs)


def removed_inserted_bytes(new: bytes, inserted: list[bytes]) -> bytes:
    for chunk in inserted:
        assert chunk in new
        new = new.replace(chunk, b"", 1)
    return new


def test_crlf_file_gets_crlf_lines_and_nothing_else_changes(tmp_path):
    data = NET.replace("\n", "\r\n").encode()
    path = write(tmp_path, data)
    result = fix_path(path, net_model())
    assert result.written and result.error is None
    new = open(path, "rb").read()
    assert b'        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\r\n' in new
    assert b"\n" not in new.replace(b"\r\n", b"")
    chunks = [e.content.encode() for e in result.edits]
    assert removed_inserted_bytes(new, chunks) == data


def test_mixed_endings_use_the_anchor_lines_ending(tmp_path):
    text = NET.replace("\n", "\r\n").replace("self.fc1 = nn.Linear(64, 64)\r\n", "self.fc1 = nn.Linear(64, 64)\n")
    path = write(tmp_path, text.encode())
    result = fix_path(path, net_model())
    new = open(path, "rb").read().decode()
    assert 'nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n        self.act' in new
    assert 'nn.init.kaiming_uniform_(self.body[0].weight, nonlinearity="tanh")\r\n' in new
    assert result.written


def test_bom_is_kept(tmp_path):
    data = b"\xef\xbb\xbf" + NET.encode()
    path = write(tmp_path, data)
    assert fix_path(path, net_model()).written
    new = open(path, "rb").read()
    assert new.startswith(b"\xef\xbb\xbf\"\"\"A net.") and new.count(b"\xef\xbb\xbf") == 1


def test_latin1_file_keeps_its_encoding(tmp_path):
    text = "# -*- coding: latin-1 -*-\n" + NET.replace('"""A net."""', '"""Un réseau à deux étages."""')
    model = model_of(
        [
            make_layer(10, 20, "fc1", "relu", FixPlan(10, "        ", "self.fc1.weight")),
            make_layer(13, 13, "body.0", "tanh", FixPlan(15, "        ", "self.body[0].weight"), "Conv2d"),
        ],
        import_line=4,
    )
    data = text.encode("latin-1")
    path = write(tmp_path, data)
    result = fix_path(path, model)
    assert result.written, result.error
    new = open(path, "rb").read()
    assert b"r\xe9seau \xe0 deux \xe9tages" in new
    assert removed_inserted_bytes(new, [e.content.encode("latin-1") for e in result.edits]) == data
    new.decode("latin-1")
    compile(new, path, "exec")


def test_an_insertion_that_the_encoding_cannot_hold_is_refused(tmp_path):
    text = "# -*- coding: latin-1 -*-\nfrom torch import nn\nr\u00e9seau = nn.Linear(2, 2)\n"
    data = text.encode("latin-1")
    for name, weight, ok in (("a.py", "r\u00e9seau.weight", True), ("b.py", "r\u0113seau.weight", False)):
        layer = make_layer(3, 10, None, "relu", FixPlan(3, "", weight), class_name=None)
        model = FileModel(name, free_layers=[layer], nn_alias="nn", init_alias="nn.init", import_line=2)
        path = write(tmp_path, data, name)
        result = fix_path(path, model)
        assert result.written is ok
        if not ok:
            assert "encoding" in result.error.message and open(path, "rb").read() == data


def test_tabs_and_no_final_newline(tmp_path):
    source = "from torch import nn\nclass Net(nn.Module):\n\tdef __init__(self):\n\t\tsuper().__init__()\n\t\tself.fc = nn.Linear(2, 2)"
    layer = make_layer(5, 13, "fc", "relu", FixPlan(5, "\t\t", "self.fc.weight"))
    path = write(tmp_path, source.encode())
    assert fix_path(path, model_of([layer], import_line=1)).written
    new = open(path, "rb").read().decode()
    assert new == source + '\n\t\tnn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")'


def test_mode_bits_are_kept_and_the_write_is_a_replace(tmp_path):
    path = write(tmp_path, NET.encode())
    os.chmod(path, 0o751)
    before = os.stat(path).st_ino
    assert fix_path(path, net_model()).written
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert os.stat(path).st_ino != before  # replaced, not rewritten in place
    assert sorted(os.listdir(tmp_path)) == ["m.py"]  # no temp file left


def test_symlinks_stay_symlinks(tmp_path):
    target = write(tmp_path, NET.encode(), "real.py")
    link = tmp_path / "m.py"
    link.symlink_to("real.py")
    assert fix_path(str(link), net_model()).written
    assert link.is_symlink() and "kaiming_uniform_" in open(target).read()


def test_read_only_file_is_reported_not_clobbered(tmp_path):
    path = write(tmp_path, NET.encode())
    os.chmod(path, 0o444)
    result = fix_path(path, net_model())
    assert not result.written and "read-only" in result.error.message
    assert open(path, "rb").read() == NET.encode() and stat.S_IMODE(os.stat(path).st_mode) == 0o444


def test_file_changed_on_disk_is_reported_not_clobbered(tmp_path):
    path = write(tmp_path, NET.encode())
    model = net_model()
    findings = findings_of(model)
    attach_fixes(findings, model, None, NET)
    edited = NET.replace("(64, 10)", "(64, 11)")
    open(path, "w").write(edited)
    for expected in (NET, NET.encode()):
        result = fix_file(path, findings, expected)
        assert not result.written and "changed on disk" in result.error.message
        assert open(path).read() == edited


def test_change_between_read_and_replace_is_caught(tmp_path, monkeypatch):
    path = write(tmp_path, NET.encode())
    real_mkstemp = fixer.tempfile.mkstemp

    def mkstemp_then_someone_saves(*args, **kwargs):
        made = real_mkstemp(*args, **kwargs)
        with open(path, "a") as handle:
            handle.write("# saved by an editor\n")
        return made

    monkeypatch.setattr(fixer.tempfile, "mkstemp", mkstemp_then_someone_saves)
    result = fix_path(path, net_model())
    assert not result.written and "changed on disk" in result.error.message
    assert open(path).read().endswith("# saved by an editor\n")
    assert sorted(os.listdir(tmp_path)) == ["m.py"]


def test_newline_translated_text_counts_as_unchanged(tmp_path):
    path = write(tmp_path, NET.replace("\n", "\r\n").encode())
    model = net_model()
    findings = findings_of(model)
    attach_fixes(findings, model, None, NET)  # a reader that translated newlines
    result = fix_file(path, findings, NET)
    assert result.written
    assert b'nonlinearity="relu")\r\n' in open(path, "rb").read()


def test_write_false_computes_without_writing(tmp_path):
    path = write(tmp_path, NET.encode())
    result = fix_path(path, net_model(), write=False)
    assert result.changed and not result.written
    assert open(path, "rb").read() == NET.encode()
    diff = result.diff()
    assert diff.startswith(f"--- {path}\n+++ {path}\n@@ ")
    assert '+        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")\n' in diff


def test_unreadable_path_is_an_error_not_an_exception(tmp_path):
    result = fix_file(str(tmp_path / "missing.py"), [], None)
    assert result.error and not result.written


def test_diff_text_marks_a_missing_final_newline():
    assert diff_text("a.py", "x", "x") == ""
    diff = diff_text("a.py", "x\ny", "x\nz\ny")
    assert diff.endswith(" y\n\\ No newline at end of file\n")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_read_only_folder_is_reported(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = write(folder, NET.encode())
    os.chmod(folder, 0o555)
    try:
        result = fix_path(path, net_model())
        if os.geteuid() == 0:
            # root may write anywhere; the fix then simply goes in
            assert result.written or result.error
        else:
            assert not result.written and "cannot write" in result.error.message
            assert open(path, "rb").read() == NET.encode()
    finally:
        os.chmod(folder, 0o755)


def test_findings_of_other_rules_are_left_alone():
    finding = Finding("IL201", "xavier", "m.py", 9, 20, 9, 25)
    assert attach_fixes([finding], net_model(), None, NET) == [] and finding.fix is None


# --------------------------------------------------------------------------------------
# Fuzz: the safety check on arbitrary valid Python


try:
    import hypothesmith
except ImportError:  # pragma: no cover - a dev dependency
    hypothesmith = None


@pytest.mark.skipif(hypothesmith is None, reason="needs hypothesmith")
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # generated code is full of `1()`
@settings(max_examples=150, deadline=None, database=None)
@given(hypothesmith.from_grammar() if hypothesmith else st.nothing(), st.data())
def test_safety_check_only_ever_accepts_pure_additions(source, data):
    """Insert `x_ = 0` at any line with any indentation: check_fix either refuses with
    UnsafeFix or the result really is the original program plus that statement, placed
    right after a simple statement."""
    import ast

    try:
        old_tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return
    lines = fixer.split_lines(source)
    at = data.draw(st.integers(0, len(lines)), label="after line")
    indent = data.draw(st.sampled_from(["", " ", "    ", "\t", "        "]), label="indent")
    if at == len(lines) and lines and not fixer.line_ending(lines[-1]):
        end = len(lines[-1]) + 1
        edit = Edit((fixer.line_ending(lines[0]) or "\n") + indent + "x_ = 0", at, end, at, end)
    else:
        edit = Edit(indent + "x_ = 0\n", at + 1, 1, at + 1, 1)
    try:
        new = apply_edits(source, [edit])
    except ValueError:
        return
    try:
        check_fix(source, new, [edit])
    except UnsafeFix:
        return
    new_tree = ast.parse(new)
    added = [n for n in ast.walk(new_tree) if isinstance(n, ast.Assign) and ast.unparse(n) == "x_ = 0"]
    before = [n for n in ast.walk(old_tree) if isinstance(n, ast.Assign) and ast.unparse(n) == "x_ = 0"]
    assert len(added) == len(before) + 1
