"""Which findings initlint reports and how they read (issue 16): output heads judged at the model,
IL104 off by default, messages that are Python and render the fix options, the IL106 spelling,
and an impact figure that knows about norms."""

from __future__ import annotations

import ast
import textwrap

import pytest

from initlint import catalogue, fixer
from initlint.semantics.file import analyze
from initlint.rules import run_rules, select_rules


def layers_of(source: str) -> dict:
    model = analyze(textwrap.dedent(source), "m.py")
    return {(layer.class_name, layer.name): layer for layer in model.layers}


def findings(source: str, select=None, options=None):
    source = textwrap.dedent(source)
    model = analyze(source, "m.py")
    found = run_rules(model, select_rules(select))
    unfixable = fixer.attach_fixes(found, model, options, source)
    for item in unfixable:
        item.finding.no_fix = item.reason
    return {(f.class_name, f.layer, f.code): f for f in found}


HEADS = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 16), nn.Tanh())

    def forward(self, z):
        out = self.net(z)
        return out.view(out.size(0), 1, 4, 4).permute(0, 1, 3, 2).squeeze(1)


class Sac(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.log_std = nn.Linear(8, 2)

    def forward(self, x):
        h = F.relu(self.fc(x))
        log_std = torch.tanh(self.log_std(h))
        return -5 + 0.5 * 7 * (log_std + 1)


class Td3(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(8, 2)

    def forward(self, x):
        return 2.0 * torch.tanh(self.l1(x))


class Gauss(nn.Module):
    def __init__(self):
        super().__init__()
        self.mu = nn.Linear(8, 2)
        self.log_std = nn.Linear(8, 2)

    def forward(self, x):
        std = torch.exp(torch.tanh(self.log_std(x)).clamp(-20, 2))
        return torch.distributions.Normal(torch.tanh(self.mu(x)), std)
"""


@pytest.mark.parametrize(
    "key",
    [("Gen", "net.2"), ("Sac", "log_std"), ("Td3", "l1"), ("Gauss", "mu"), ("Gauss", "log_std")],
)
def test_heads_through_reshapes_and_affine_rescales_are_heads_and_never_fixed(key):
    assert layers_of(HEADS)[key].output_head
    finding = findings(HEADS)[key + ("IL103",)]
    assert finding.fix is None
    assert "output head" in finding.message and "output head" in finding.no_fix


def test_layers_inside_the_heads_models_are_still_fixed():
    found = findings(HEADS)
    assert found[("Gen", "net.0", "IL101")].fix is not None
    assert found[("Sac", "fc", "IL101")].fix is not None


BLOCKS = """
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(self.block(x))


class Both(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        h = torch.tanh(self.fc(x))
        return self.out(h), h


class Returned(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        return self.block(x).flatten(1) * 3
"""


def test_a_tanh_that_feeds_another_layer_is_not_a_head():
    layers = layers_of(BLOCKS)
    assert not layers[("Both", "fc")].output_head  # returned too, but it feeds `out`
    found = findings(BLOCKS)
    assert found[("Both", "fc", "IL103")].fix is not None
    assert "output head" not in found[("Both", "fc", "IL103")].message


def test_a_blocks_tanh_is_judged_at_the_top_level_model():
    """Block's tanh feeds Model's `out` (not a head there), but Returned returns it: a head."""
    layers = layers_of(BLOCKS)
    assert layers[("Block", "fc")].output_head
    only_model = BLOCKS.split("class Returned")[0]
    assert not layers_of(only_model)[("Block", "fc")].output_head
    assert findings(only_model)[("Block", "fc", "IL103")].fix is not None


GATES = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.g = nn.Linear(8, 8)
        self.t = nn.Linear(8, 8)

    def forward(self, x, h):
        h = (1 - torch.sigmoid(x)) * h
        return x * torch.sigmoid(self.g(x)) + h * torch.tanh(self.t(x)).clamp(min=h)
"""


def test_a_gate_that_multiplies_a_signal_is_not_a_head():
    layers = layers_of(GATES)
    assert not layers[("Gate", "g")].output_head and not layers[("Gate", "t")].output_head
    assert findings(GATES)[("Gate", "t", "IL103")].fix is not None


# -- messages that are Python, and no_fix reasons that fit the finding ---------------------

from initlint.model import FixOptions  # noqa: E402


def test_a_layer_named_with_a_star_gets_a_loop_over_its_container_not_a_wildcard():
    source = """
    import torch.nn as nn
    import torch.nn.functional as F

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList()
            for _ in range(3):
                self.blocks.append(nn.Linear(8, 8))

        def forward(self, x):
            for block in self.blocks:
                x = F.relu(block(x))
            return x
    """
    finding = findings(source)[("Stack", "blocks.*", "IL101")]
    assert "*" not in finding.message.split("; use ", 1)[1]
    # appended in a loop: the line right after the append names it, once per element
    assert finding.message.endswith('use nn.init.kaiming_uniform_(self.blocks[-1].weight, nonlinearity="relu")')
    loop = findings(source.replace("self.blocks = nn.ModuleList()\n", "self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])\n")
                    .replace("for _ in range(3):\n                self.blocks.append(nn.Linear(8, 8))\n", ""))
    assert loop[("Stack", "blocks.*", "IL101")].message.endswith(
        'use for layer in self.blocks: nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")')


def test_a_container_with_other_modules_names_the_layers_built_here():
    source = """
    import torch.nn as nn

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            layers = []
            for _ in range(3):
                layers += [nn.Linear(8, 8), nn.ReLU()]
            self.net = nn.Sequential(*layers)

        def forward(self, x):
            return self.net(x)
    """
    [finding] = [f for key, f in findings(source).items() if key[2] == "IL101"]
    use = finding.message.split("; use ", 1)[1]
    assert "*" not in use
    assert use == 'nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu") for each layer built here'


def test_a_layer_without_a_binding_is_named_by_its_attribute_path():
    source = """
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU())

        def forward(self, x):
            return self.features(x)
    """
    finding = findings(source)[("Net", "features.0", "IL101")]
    assert finding.message.endswith('use nn.init.kaiming_uniform_(self.features[0].weight, nonlinearity="relu")')
    assert finding.fix is None and "LazyConv2d" in finding.no_fix


OPTIONS = FixOptions("normal", "fan_out", "zeros")
MLP = """
import torch
import torch.nn as nn

class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.gate = nn.Linear(8, 8)

    def forward(self, x):
        return self.gate(torch.relu(self.fc(x))).tanh().sum()
"""


def test_messages_render_the_configured_fix_options_as_the_fix_inserts_them():
    source = textwrap.dedent(MLP)
    model = analyze(source, "m.py")
    found = run_rules(model, select_rules(None, None, OPTIONS))
    fixer.attach_fixes(found, model, OPTIONS, source)
    for finding in found:
        use = finding.message.split("; use ", 1)[1]
        inserted = [line for edit in finding.fix.edits for line in edit.content.splitlines()]
        assert catalogue.one_line(inserted) == use
        assert 'kaiming_normal_' in use and 'mode="fan_out"' in use and "zeros_(self." in use


SUBCLASS = """
import torch.nn as nn
import torch.nn.functional as F

class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return F.gelu(self.fc(x))

class Head(Base):
    def forward(self, x):
        return self.fc(x)
"""


@pytest.mark.parametrize(
    "source, key, select, reason",
    [
        (SUBCLASS, ("Base", "fc", "IL106"), None, "this line also builds `Head.fc`, followed by no activation"),
        (HEADS, ("Td3", "l1", "IL103"), None, "the model returns this Tanh's output (an output head)"),
        (GATES.replace("torch.tanh(self.t(x))", "self.t(x)"), ("Gate", "g", "IL104"), ["IL104"],
         "a layer followed by Sigmoid is an output head or a gate"),
        (MLP.replace("nn.Linear(8, 8)\n        self.gate", "nn.LazyLinear(8)\n        self.gate"), ("Mlp", "fc", "IL101"),
         None, "LazyLinear's weight does not exist until the first forward"),
    ],
)
def test_each_no_fix_reason_speaks_of_the_findings_own_layer(source, key, select, reason):
    finding = findings(source, select)[key]
    assert finding.fix is None and finding.no_fix.startswith(reason)
    act = finding.message.split(" by ", 1)[1].split(" ", 1)[0]
    assert "no activation" not in finding.no_fix or key == ("Base", "fc", "IL106")
    assert act in ("GELU", "Tanh", "Sigmoid", "ReLU")


def test_verify_fix_line_and_its_reinit_share_the_il106_spelling():
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify
    from initlint.runtime.weights import reinit_as_fixed

    class Mlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(256, 512)
            self.out = torch.nn.Linear(512, 4)

        def forward(self, x):
            return self.out(torch.nn.functional.gelu(self.fc(x)))

    model = Mlp()
    [row] = [r for r in verify(model, torch.randn(2, 256)).layers if r.layer == "fc"]
    assert row.fix == "nn.init.normal_(model.fc.weight, std=1.53353 / model.fc.weight[0].numel() ** 0.5)" \
        "  # GELU gain 1/sqrt(E[phi(z)^2]), z~N(0,1), over sqrt(fan_in)"
    torch.manual_seed(0)
    reinit_as_fixed(model.fc.weight, "gelu", None)
    got = model.fc.weight.detach().double().std().item()
    assert abs(got / (catalogue.recommend("gelu").gain / 256**0.5) - 1) < 0.02
    assert verify(model, torch.randn(2, 256)).layers[0].verdict == "ok"


# -- impact: norms, residual branches, chains ---------------------------------------------

NORMED = """
import torch.nn as nn
import torch.nn.functional as F


class ConvBnRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.plain = nn.Conv2d(8, 8, 3)

    def forward(self, x):
        return F.relu(self.plain(F.relu(self.bn(self.conv(x))))).mean()


class PreNormFFN(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return x + self.fc2(F.gelu(self.fc1(self.norm(x))))


class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(8, 8)
        self.b = nn.Linear(8, 8)
        self.c = nn.Linear(8, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(F.relu(self.c(F.relu(self.b(F.relu(self.a(x)))))))
"""


def test_a_layer_a_norm_follows_has_no_forward_impact_and_is_a_warning():
    layer = layers_of(NORMED)[("ConvBnRelu", "conv")]
    assert layer.norm_after == "BatchNorm2d" and layer.impact == 1.0
    finding = findings(NORMED)[("ConvBnRelu", "conv", "IL101")]
    assert "a BatchNorm2d follows, so the forward signal does not depend on its scale (impact 1x)" in finding.message
    assert finding.severity == "warning" and finding.impact == 1.0
    plain = findings(NORMED)[("ConvBnRelu", "plain", "IL101")]  # no norm between it and its ReLU
    assert plain.severity == "error" and plain.impact == pytest.approx(6**0.5)


def test_a_one_activation_residual_branch_does_not_compound():
    layer = layers_of(NORMED)[("PreNormFFN", "fc1")]
    assert layer.residual_branch and layer.norm_after is None and layer.impact == 1.0
    finding = findings(NORMED)[("PreNormFFN", "fc1", "IL106")]
    assert "residual branch" in finding.message and finding.severity == "warning"


def test_a_chain_without_norms_compounds_its_shrinks():
    layers = layers_of(NORMED)
    assert {layers[("Deep", n)].chain for n in "abc"} == {4}  # a -> b -> c -> head
    assert layers[("Deep", "a")].impact == pytest.approx(6**1.5)  # sqrt(6) per ReLU layer
    assert "impact 14.7x over a chain of 4 layers with no norm between" in findings(NORMED)[("Deep", "b", "IL101")].message


def test_min_impact_drops_findings_below_it_from_config_and_command_line(tmp_path):
    from click.testing import CliRunner

    from initlint import cli

    (tmp_path / "m.py").write_text(textwrap.dedent(NORMED))
    runner = CliRunner()

    def codes(*args):
        result = runner.invoke(cli.main, ["check", "--no-cache", "--output-format", "json", *args, str(tmp_path / "m.py")])
        return sorted((row["class"], row["layer"]) for row in __import__("json").loads(result.output))

    everything = codes("--isolated")
    assert ("ConvBnRelu", "conv") in everything and ("PreNormFFN", "fc1") in everything
    above = codes("--isolated", "--min-impact", "2")
    assert ("ConvBnRelu", "conv") not in above and ("PreNormFFN", "fc1") not in above
    assert ("ConvBnRelu", "plain") in above and ("Deep", "a") in above
    assert ("ConvBnRelu", "plain") not in codes("--isolated", "--min-impact", "10")
    (tmp_path / "pyproject.toml").write_text("[tool.initlint]\nmin-impact = 2\n")
    assert codes() == above


def test_sarif_and_github_carry_the_severity(tmp_path):
    from initlint import report

    found = list(findings(NORMED).values())
    github = report.github(found, [])
    assert "::warning " in github and "::error " in github
    levels = {r["level"] for r in __import__("json").loads(report.sarif(found, []))["runs"][0]["results"]}
    assert levels == {"warning", "error"}


def test_static_impact_is_what_verify_measures_when_the_fix_is_applied(tmp_path):
    """The chain's impact (catalogue.chain_impact) against `verify --compare-fixed`: the output std
    with the flagged layers re-initialised over the output std as built."""
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    source = textwrap.dedent(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Deep(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(512, 512, bias=False)
                self.b = nn.Linear(512, 512, bias=False)
                self.c = nn.Linear(512, 512, bias=False)
                self.d = nn.Linear(512, 512, bias=False)

            def forward(self, x):
                return F.relu(self.d(F.relu(self.c(F.relu(self.b(F.relu(self.a(x))))))))
        """
    )
    static = layers_of(source)[("Deep", "a")].impact
    path = tmp_path / "deep.py"
    path.write_text(source)
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)
    torch.manual_seed(0)
    report = verify(namespace["Deep"](), torch.randn(256, 512), compare_fixed=True, static=False)
    measured = report.fixed_signal[-1][1] / report.signal[-1][1]
    assert static == pytest.approx(6**2) and measured == pytest.approx(static, rel=0.1)


TRANSFORMER = """
import torch.nn as nn


class Mlp(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        self.act = nn.GELU()
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class Block(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.mlp = Mlp(d)

    def forward(self, x):
        return x + self.mlp(self.norm(x))


class UNetUp(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.conv = nn.Conv2d(d, d, 3)
        self.up = nn.ConvTranspose2d(d, d, 2)
        self.out = nn.Conv2d(d, d, 3)

    def forward(self, x, skip):
        return self.out(self.up(self.conv(x).relu()) + skip)
"""


def test_a_residual_branch_across_classes_and_a_skip_sum_that_is_not_one():
    layers = layers_of(TRANSFORMER)
    assert layers[("Mlp", "fc1")].residual_branch  # Block adds Mlp's output back to Mlp's input
    assert findings(TRANSFORMER)[("Mlp", "fc1", "IL106")].severity == "warning"
    unet = layers[("UNetUp", "conv")]
    assert not unet.residual_branch and unet.impact > 1  # up(...) + skip sums two signals


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "selu", "gelu", "silu"])
@pytest.mark.parametrize("where", [{}, {"loop_over": "self.blocks"}, {"when": "module is self.fc"}])
@pytest.mark.parametrize("bias", ["keep", "zeros"])
def test_one_line_messages_are_valid_python(activation, where, bias):
    rec = catalogue.recommend(activation, 0.2 if activation == "leaky_relu" else None)
    weight = "layer.weight" if "loop_over" in where else "self.fc.weight"
    lines = catalogue.init_code(rec, weight, "torch.nn.init", "normal", "fan_in", bias, **where)
    text = catalogue.one_line(lines)
    ast.parse(text)  # `a; if c: b` is not Python
    # the same statements as the lines, in order
    assert [ast.dump(node) for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)] == \
        [ast.dump(node) for node in ast.walk(ast.parse("\n".join(lines))) if isinstance(node, ast.Call)]


def test_a_bias_guard_after_the_init_is_a_conditional_expression():
    lines = catalogue.init_code(catalogue.recommend("relu", None), "self.fc.weight", "nn.init", bias="zeros")
    assert catalogue.one_line(lines) == (
        'nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu"); '
        "nn.init.zeros_(self.fc.bias) if self.fc.bias is not None else None"
    )
