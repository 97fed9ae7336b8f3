"""Runtime mode: tracing (fx and hooks), the activation vocabulary, verdicts, sources, signal."""

import math
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from initlint import catalogue  # noqa: E402
from initlint.runtime import VerifyError, assert_init_ok, record_construction, verify  # noqa: E402
from initlint.runtime.weights import WeightStats, judge  # noqa: E402

METHODS = ("fx", "hooks")
X16 = torch.randn(2, 4, 16)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Small models, many small ops: a second intra-op thread only adds waiting (badly so on a loaded
    2-core machine); restored afterwards for the other test modules."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rows(report):
    return {row.layer: row for row in report.layers}


def traced(model, method, x=X16):
    report = verify(model, x, method=method, static=False)
    assert report.method == method
    return rows(report)


# --- importing ---------------------------------------------------------------------------------


def test_importing_runtime_and_its_command_does_not_import_torch():
    code = (
        "import sys, initlint.runtime, initlint.runtime.command, initlint.runtime.report\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "print(initlint.runtime.verify.__doc__ is not None)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "True" in done.stdout


# --- every activation of the vocabulary ----------------------------------------------------------

MODULE_KWARGS = {
    "LeakyReLU": {"negative_slope": 0.2},
    "PReLU": {"init": 0.1},
    "RReLU": {"lower": 0.1, "upper": 0.3},
    "ELU": {"alpha": 0.5},
    "CELU": {"alpha": 2.0},
    "Softmax": {"dim": -1},
    "LogSoftmax": {"dim": -1},
    "Softmin": {"dim": -1},
}
MODULE_PARAMS = {"LeakyReLU": 0.2, "PReLU": 0.1, "RReLU": 0.2, "ELU": 0.5, "CELU": 2.0}


class LinearThen(nn.Module):
    def __init__(self, act):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.act = act

    def forward(self, x):
        return self.act(self.fc(x))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("class_name", sorted(catalogue.ACTIVATION_MODULES))
def test_activation_modules(class_name, method):
    activation, _ = catalogue.ACTIVATION_MODULES[class_name]
    module = getattr(nn, class_name)(**MODULE_KWARGS.get(class_name, {}))
    row = traced(LinearThen(module), method)["fc"]
    assert row.activation == activation
    expected = MODULE_PARAMS.get(class_name, catalogue.DEFAULT_PARAM.get(activation))
    assert row.activation_param == (pytest.approx(expected) if expected is not None else None)


# name -> (call on (model, h), expected param or None)
FUNCTION_CALLS = {
    "relu": (lambda m, h: F.relu(h), None),
    "relu_": (lambda m, h: h.relu_(), None),
    "relu6": (lambda m, h: F.relu6(h), None),
    "leaky_relu": (lambda m, h: F.leaky_relu(h, 0.3), 0.3),
    "leaky_relu_": (lambda m, h: F.leaky_relu_(h, negative_slope=0.3), 0.3),
    "prelu": (lambda m, h: F.prelu(h, m.slope), 0.1),
    "rrelu": (lambda m, h: F.rrelu(h, 0.1, 0.3), 0.2),
    "rrelu_": (lambda m, h: F.rrelu_(h, 0.1, 0.3), 0.2),
    "elu": (lambda m, h: F.elu(h, 0.5), 0.5),
    "elu_": (lambda m, h: F.elu_(h, alpha=0.5), 0.5),
    "selu": (lambda m, h: F.selu(h), None),
    "selu_": (lambda m, h: torch.selu_(h), None),
    "celu": (lambda m, h: F.celu(h, 2.0), 2.0),
    "celu_": (lambda m, h: F.celu_(h, 2.0), 2.0),
    "gelu": (lambda m, h: F.gelu(h), None),
    "silu": (lambda m, h: F.silu(h), None),
    "mish": (lambda m, h: F.mish(h), None),
    "hardswish": (lambda m, h: F.hardswish(h), None),
    "hardsigmoid": (lambda m, h: F.hardsigmoid(h), None),
    "tanh": (lambda m, h: torch.tanh(h), None),
    "tanh_": (lambda m, h: h.tanh_(), None),
    "sigmoid": (lambda m, h: h.sigmoid(), None),
    "sigmoid_": (lambda m, h: torch.sigmoid_(h), None),
    "softplus": (lambda m, h: F.softplus(h), None),
    "softsign": (lambda m, h: F.softsign(h), None),
    "hardtanh": (lambda m, h: F.hardtanh(h), None),
    "hardtanh_": (lambda m, h: F.hardtanh_(h), None),
    "logsigmoid": (lambda m, h: F.logsigmoid(h), None),
    "softmax": (lambda m, h: F.softmax(h, -1), None),
    "log_softmax": (lambda m, h: h.log_softmax(-1), None),
    "softmin": (lambda m, h: F.softmin(h, dim=-1), None),
}


class LinearThenFunction(nn.Module):
    def __init__(self, call):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.slope = nn.Parameter(torch.full((1,), 0.1))
        self.call = call

    def forward(self, x):
        return self.call(self, self.fc(x))


def test_function_table_covers_the_catalogue():
    assert set(FUNCTION_CALLS) == set(catalogue.ACTIVATION_FUNCTIONS)


def test_every_activation_of_the_vocabulary_is_exercised():
    seen = {act for act, _ in catalogue.ACTIVATION_MODULES.values()}
    seen |= {act for act, _ in catalogue.ACTIVATION_FUNCTIONS.values()}
    seen |= {"none", "unknown"}  # test_what_is_not_transparent, test_disagreeing_consumers
    seen |= {"squared_relu"}  # no torch name: test_activations_written_out
    assert seen == set(catalogue.VOCABULARY)


class WrittenOut(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d, self.e, self.f, self.g = (nn.Linear(16, 16) for _ in range(7))

    def forward(self, x):
        a = self.a(x)
        h = a * torch.sigmoid(a)
        b = self.b(h)
        h = b * torch.tanh(F.softplus(b))
        h = F.relu(self.c(h)) ** 2
        h = torch.square(torch.relu(self.d(h)))
        e = self.e(h)
        h = e * torch.sigmoid(1.702 * e)
        left, right = self.f(h).chunk(2, dim=-1)
        h = torch.cat([F.silu(left), F.silu(right)], dim=-1)
        gate, up = self.g(h).chunk(2, dim=-1)
        return gate * F.gelu(up)


class GeluWrittenOut(nn.Module):
    """transformers' gelu_new, gelu_fast and its python GELU, as they write them."""

    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d = (nn.Linear(16, 16) for _ in range(4))

    def forward(self, x):
        a = self.a(x)
        h = 0.5 * a * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (a + 0.044715 * torch.pow(a, 3.0))))
        b = self.b(h)
        h = 0.5 * b * (1.0 + torch.tanh(b * 0.7978845608 * (1.0 + 0.044715 * b * b)))
        c = self.c(h)
        h = c * 0.5 * (1.0 + torch.erf(c / math.sqrt(2.0)))
        d = self.d(h)
        return d + 0.5 * d * (1.0 + d * d)  # used raw too, and no activation of the catalogue


@pytest.mark.parametrize("method", METHODS)
def test_gelu_written_out_in_any_arithmetic_is_gelu(method):
    """Replayed on catalogue.SAMPLE_POINTS, the ops computed from a layer's output alone are GELU
    (the tanh form within 5e-4 of it, as torch calls both gelu), whatever their shape; a product
    that is no catalogued activation, beside a residual use, stays what its consumers are."""
    got = {name: row.activation for name, row in traced(GeluWrittenOut(), method).items()}
    assert got == {"a": "gelu", "b": "gelu", "c": "gelu", "d": "none"}


@pytest.mark.parametrize("method", METHODS)
def test_activations_written_out(method):
    """As the static analysis reads them: SiLU, Mish and squared ReLU written in tensor arithmetic,
    and the parts of a split followed on their own (GLU halves that disagree are unknown)."""
    got = {name: row.activation for name, row in traced(WrittenOut(), method).items()}
    assert got == {"a": "silu", "b": "mish", "c": "squared_relu", "d": "squared_relu", "e": "none",
                   "f": "silu", "g": "unknown"}  # fmt: skip


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(FUNCTION_CALLS))
def test_activation_functions(name, method):
    call, param = FUNCTION_CALLS[name]
    row = traced(LinearThenFunction(call), method)["fc"]
    activation, _ = catalogue.ACTIVATION_FUNCTIONS[name]
    assert row.activation == activation, row.activation_evidence
    expected = param if param is not None else catalogue.DEFAULT_PARAM.get(activation)
    assert row.activation_param == (pytest.approx(expected) if expected is not None else None)


# --- what the signal passes through ------------------------------------------------------------


class ConvPath(nn.Module):
    """conv -> BN -> Dropout -> MaxPool -> flatten -> .float() -> ReLU, and a residual add before a SiLU."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.drop = nn.Dropout2d(0.1)
        self.pool = nn.MaxPool2d(2)
        self.res = nn.Conv2d(8, 8, 3, padding=1)
        self.norm = nn.GroupNorm(2, 8)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        h = F.relu(torch.flatten(self.pool(self.drop(self.bn(self.conv(x)))), 1).float()).view(-1, 8, 4, 4)
        out = self.norm(self.res(h))
        out += h
        out = F.silu(F.adaptive_avg_pool2d(out, 4))
        return self.fc(out.reshape(out.shape[0], -1))


@pytest.mark.parametrize("method", METHODS)
def test_transparent_paths(method):
    found = traced(ConvPath(), method, torch.randn(2, 3, 8, 8))
    assert found["conv"].activation == "relu"
    assert found["res"].activation == "silu"
    assert found["fc"].activation == "none"
    assert "bn" in found["conv"].activation_evidence


class BatchNormAct(nn.BatchNorm2d):
    """timm's BatchNormAct2d: a BatchNorm2d subclass whose forward then applies its act module."""

    def __init__(self, channels, apply_act=True):
        super().__init__(channels)
        self.act = nn.SiLU() if apply_act else nn.Identity()

    def forward(self, x):
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
        return self.act(x)


class NormActPath(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = BatchNormAct(4)
        self.conv2 = nn.Conv2d(4, 4, 1)
        self.bn2 = BatchNormAct(4, apply_act=False)
        self.conv3 = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        x = torch.relu(self.bn2(self.conv2(self.bn1(self.conv1(x)))))
        return self.conv3(x)


@pytest.mark.parametrize("method", METHODS)
def test_a_norm_subclass_that_applies_an_activation_is_not_transparent(method):
    """A subclass of a torch norm is not gain-neutral when its forward runs an activation module
    of its own: its insides are traced (the functional norm, then the activation)."""
    found = traced(NormActPath(), method, torch.randn(2, 3, 8, 8))
    assert found["conv1"].activation == "silu"
    assert found["conv2"].activation == "relu"  # bn2 applies no activation: a norm, then the ReLU
    assert found["conv3"].activation == "none"


class GELU(nn.Module):
    """diffusers' GELU: named as the activation, but a Linear and then F.gelu."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 32)

    def forward(self, x):
        return F.gelu(self.proj(x), approximate="tanh")


class ProjectedGELU(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.act = GELU()
        self.out = nn.Linear(32, 16)

    def forward(self, x):
        return self.out(self.act(self.fc(x)))


@pytest.mark.parametrize("method", METHODS)
def test_a_module_named_as_an_activation_that_holds_a_layer_is_traced_inside(method):
    """A class named like an activation module but holding a layer is no activation: its layer is
    followed by what its forward applies, and what feeds the class meets that layer."""
    found = traced(ProjectedGELU(), method)
    assert found["act.proj"].activation == "gelu", found["act.proj"].activation_evidence
    assert found["fc"].activation == "none", found["fc"].activation_evidence


class NotTransparent(nn.Module):
    def __init__(self):
        super().__init__()
        self.q = nn.Linear(16, 16)
        self.k = nn.Linear(16, 16)
        self.gate = nn.Linear(16, 16)
        self.value = nn.Linear(16, 16)
        self.a = nn.Linear(16, 8)
        self.b = nn.Linear(16, 8)
        self.attn_in = nn.Linear(16, 16)
        self.out = nn.Linear(16, 16)

    def forward(self, x):
        scores = self.q(x) @ self.k(x).transpose(-1, -2)  # matmul
        gated = self.value(x) * self.gate(x)  # product of two branches
        joined = torch.cat([self.a(x), self.b(x)], -1)  # cat
        h = self.attn_in(x)
        attended = F.scaled_dot_product_attention(h, h, h)
        return self.out(F.relu(scores.mean() + gated + joined + attended))  # self.out: the model output


@pytest.mark.parametrize("method", METHODS)
def test_what_is_not_transparent(method):
    found = traced(NotTransparent(), method)
    for name in ("q", "k", "gate", "value", "a", "b", "attn_in", "out"):
        assert found[name].activation == "none", (name, found[name].activation_evidence)


class Indexed(nn.Module):
    """crossformer's dynamic position bias: a Linear's output gathered by an index buffer, added to
    attention logits, then softmax; and a slice of a projection before a ReLU."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Linear(2, 1)
        self.proj = nn.Linear(16, 32)
        self.register_buffer("indices", torch.tensor([[0, 1], [1, 0]]))

    def forward(self, x):
        logits = x @ x.transpose(-1, -2)
        biases = self.bias(torch.randn(2, 2)).squeeze(-1)
        attn = (logits[..., :2, :2] + biases[self.indices]).softmax(dim=-1)
        return attn.sum() + F.relu(self.proj(x)[..., :16])


@pytest.mark.parametrize("method", METHODS)
def test_indexing_passes_the_values_on(method):
    """`x[...]` selects some of a layer's values unchanged: what follows is what they meet, as the
    static analysis reads a subscript."""
    report = verify(Indexed(), X16, method=method)
    found = rows(report)
    assert found["bias"].activation == "softmax", found["bias"].activation_evidence
    assert found["proj"].activation == "relu", found["proj"].activation_evidence
    assert report.disagreements() == []


class Disagreeing(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.shared = nn.Linear(16, 16)
        self.twice = nn.Linear(16, 16)

    def forward(self, x):
        h = self.fc(x)
        y = torch.relu(h) + torch.tanh(h)  # one output, two activations
        y = torch.relu(self.shared(y)) + torch.sigmoid(self.shared(y))  # one layer called twice
        return torch.relu(self.twice(torch.relu(self.twice(y))))  # called twice, agreeing


@pytest.mark.parametrize("method", METHODS)
def test_disagreeing_consumers(method):
    found = traced(Disagreeing(), method)
    assert found["fc"].activation == "unknown"
    assert "relu" in found["fc"].activation_evidence and "tanh" in found["fc"].activation_evidence
    assert found["shared"].activation == "unknown"
    assert found["twice"].activation == "relu"


class ControlFlow(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it; the test on the layer output is a dead end."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(16, 16)
        self.fc2 = nn.Linear(16, 16)
        self.fc3 = nn.Linear(16, 16)

    def forward(self, x):
        h = self.fc1(x)
        if h.sum() > 0:
            h = F.gelu(h)
        else:
            h = F.gelu(h) * 0.5  # the product comes after the activation: gelu either way
        return torch.tanh(self.fc3(F.elu(self.fc2(h), alpha=0.7)))


def test_data_dependent_control_flow_falls_back_to_hooks():
    report = verify(ControlFlow(), X16, static=False)
    assert report.method == "hooks"
    assert any("torch.fx cannot trace" in note for note in report.notes)
    found = rows(report)
    assert found["fc1"].activation == "gelu"
    assert (found["fc2"].activation, found["fc2"].activation_param) == ("elu", 0.7)
    assert found["fc3"].activation == "tanh"


def test_without_inputs_fx_failure_falls_back_to_the_static_analysis():
    report = verify(ControlFlow)  # a class: verify builds it and knows the lines, so it can ask the analysis
    assert report.method == "static"
    assert any("static analysis" in note for note in report.notes)
    fc1 = rows(report)["fc1"]  # the analysis sees gelu on both branches
    assert (fc1.activation, fc1.verdict) == ("gelu", "default")
    assert fc1.activation_evidence.startswith("static analysis:")
    assert report.disagreements() == []  # the activations are the static ones: nothing to compare
    assert verify(LinearThen(nn.ReLU())).method == "fx"


def test_without_inputs_or_static_analysis_fx_failure_is_an_error_that_says_what_to_do():
    with pytest.raises(VerifyError, match="give example inputs"):
        verify(ControlFlow(), static=False)
    unrecorded = verify(ControlFlow())  # built by the caller, outside record_construction(): no lines to look up
    assert unrecorded.method == "static"
    assert {row.activation for row in unrecorded.layers} == {"unknown"}
    assert "where it was built is not known" in unrecorded.layers[0].reason


def test_meta_device_models_trace_but_are_not_judged():
    with torch.device("meta"):
        model = two_layers()
    report = verify(model, static=False)
    first = report.layers[0]
    assert report.method == "fx" and first.activation == "relu"
    assert (first.verdict, first.measured_std) == ("unknown", None) and "meta" in first.reason
    assert first.expected_std == pytest.approx(math.sqrt(2 / 256))


class InPlaceAfterFx(nn.Module):
    """fx records `h.relu_()` but later reads of `h` still point at the layer: the tracer redirects them."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)
        self.head = nn.Linear(16, 4)

    def forward(self, x):
        h = self.fc(x)
        h.relu_()
        return self.head(h)


@pytest.mark.parametrize("method", METHODS)
def test_in_place_activation_whose_result_is_dropped(method):
    assert traced(InPlaceAfterFx(), method)["fc"].activation == "relu"


# --- layer kinds ---------------------------------------------------------------------------------


class Transposed(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 8, 3)
        self.grouped = nn.ConvTranspose2d(8, 8, 3, groups=2)

    def forward(self, x):
        return self.grouped(F.leaky_relu(self.up(x), 0.1))


@pytest.mark.parametrize("method", METHODS)
def test_conv_transpose_fans_as_torch_computes_them(method):
    found = traced(Transposed(), method, torch.randn(1, 4, 6, 6))
    assert (found["up"].fan_in, found["up"].fan_out) == (8 * 9, 4 * 9)  # weight (in, out, k, k)
    assert (found["grouped"].fan_in, found["grouped"].fan_out) == (4 * 9, 8 * 9)  # weight (in, out/groups, k, k)
    assert found["up"].activation == "leaky_relu" and found["up"].activation_param == pytest.approx(0.1)
    assert found["up"].expected_std == pytest.approx(catalogue.recommend("leaky_relu", 0.1).std(72))


class LazyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.LazyLinear(32)
        self.conv = nn.LazyConv1d(8, 3)

    def forward(self, x):
        return torch.tanh(self.conv(F.relu(self.fc(x))))


@pytest.mark.parametrize("method", METHODS)
def test_lazy_layers_after_materialisation(method):
    model = LazyNet()
    found = traced(model, method, torch.randn(2, 4, 20))
    assert found["fc"].layer_type == "Linear" and found["fc"].fan_in == 20
    assert found["conv"].layer_type == "Conv1d" and found["conv"].fan_in == 4 * 3
    assert (found["fc"].activation, found["fc"].verdict) == ("relu", "default")
    assert found["conv"].activation == "tanh"


def test_lazy_layers_need_inputs():
    with pytest.raises(VerifyError, match="lazy"):
        verify(LazyNet())


class MyLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) * 1.0


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(16, 2, batch_first=True)
        self.custom = MyLinear(16, 16)

    def forward(self, x):
        a, _ = self.attn(x, x, x)
        return self.custom(F.gelu(a))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("train", [True, False])
def test_linear_subclasses_and_attention_out_proj(method, train):
    model = Attention().train(train)  # eval + no_grad would take MHA's fused path without out_proj
    found = traced(model, method)
    assert not any("in_proj" in name for name in found)  # a bare parameter, not a layer
    assert found["attn.out_proj"].layer_type == "NonDynamicallyQuantizableLinear"
    assert found["attn.out_proj"].activation == "gelu"
    assert found["custom"].layer_type == "MyLinear" and found["custom"].activation == "none"


class Unused(nn.Module):
    def __init__(self):
        super().__init__()
        self.used = nn.Linear(16, 16)
        self.spare = nn.Linear(16, 16)

    def forward(self, x):
        return self.used(x)


@pytest.mark.parametrize("method", METHODS)
def test_layers_never_called_are_unknown(method):
    row = traced(Unused(), method)["spare"]
    assert row.activation == "unknown" and "not called" in row.activation_evidence and row.verdict == "unknown"


# --- verdicts ------------------------------------------------------------------------------------


def two_layers(init_first=None, width=256, act=None):
    model = nn.Sequential(nn.Linear(width, width), act or nn.ReLU(), nn.Linear(width, 10))
    if init_first is not None:
        init_first(model[0].weight)
    return model


@pytest.mark.parametrize(
    "init, verdict, init_kind",
    [
        (None, "default", "default"),
        (lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)), "default", "default"),  # the default, spelled out
        (lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), "ok", "explicit"),
        (lambda w: nn.init.kaiming_uniform_(w), "ok", "explicit"),  # a=0: He
        (lambda w: nn.init.xavier_uniform_(w), "mismatch", "explicit"),
        (lambda w: nn.init.normal_(w, 0.0, 0.01), "mismatch", "explicit"),
        (lambda w: nn.init.zeros_(w), "mismatch", "explicit"),
    ],
)
def test_verdicts(init, verdict, init_kind):
    report = verify(two_layers(init), torch.randn(4, 256), static=False)
    first, head = report.layers
    assert (first.verdict, first.init) == (verdict, init_kind), first.reason
    assert head.activation == "none" and head.verdict == "unknown" and head.init == "default"
    assert report.ok == (verdict == "ok")
    if verdict in ("default", "mismatch"):
        assert first.fix == 'nn.init.kaiming_uniform_(model[0].weight, nonlinearity="relu")'


def test_fan_out_he_init_is_ok_even_where_channels_change():
    conv = nn.Conv2d(64, 256, 1)
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")  # torchvision's choice
    row = rows(verify(nn.Sequential(conv, nn.ReLU()), static=False))["0"]
    assert row.verdict == "ok" and "fan_out" in row.reason


@pytest.mark.parametrize(
    "act, init",
    [
        (nn.SiLU(), lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),  # He for the smooth family
        (nn.GELU(), lambda w: (nn.init.kaiming_uniform_(w, nonlinearity="linear"), w.data.mul_(1.53353))),
        (nn.SELU(), lambda w: nn.init.kaiming_normal_(w, nonlinearity="linear")),  # LeCun normal
        (nn.Sigmoid(), lambda w: nn.init.xavier_uniform_(w)),  # square: xavier == gain 1
        (nn.Tanh(), lambda w: nn.init.xavier_normal_(w, gain=5 / 3)),
        (nn.LeakyReLU(0.2), lambda w: nn.init.kaiming_uniform_(w, a=0.2)),
    ],
)
def test_explicit_inits_that_fit(act, init):
    first = verify(two_layers(init, act=act), static=False).layers[0]
    assert first.verdict == "ok", first.reason


def _stats(weight):
    from initlint.runtime.weights import weight_stats

    return weight_stats(weight)


@pytest.mark.parametrize("fan_in, fan_out", [(1, 1), (2, 3), (3, 2), (4, 8), (8, 4)])
def test_tiny_layers_are_not_misjudged(fan_in, fan_out):
    generator = torch.Generator().manual_seed(0)
    for _ in range(300):
        he = torch.empty(fan_out, fan_in)
        nn.init.kaiming_uniform_(he, generator=generator)
        assert judge(_stats(he), fan_in, fan_out, "relu", None).verdict in ("ok", "unknown")
        default = torch.empty(fan_out, fan_in).uniform_(-(fan_in**-0.5), fan_in**-0.5, generator=generator)
        assert judge(_stats(default), fan_in, fan_out, "relu", None).verdict in ("default", "unknown")


# Oracles for the calibration, independent of the code under test: the std each activation's
# recommended init gives (gain / sqrt(fan_in), gains from shared/reference/init-math.md).
CALIBRATION_GAINS = {
    ("relu", None): math.sqrt(2),
    ("leaky_relu", 0.2): math.sqrt(2 / 1.04),
    ("tanh", None): 5 / 3,
    ("sigmoid", None): 1.0,
    ("selu", None): 1.0,
    ("gelu", None): 1.53353,
}
CALIBRATION_SIZES = [(1, 1), (3, 2), (8, 4), (16, 3), (8, 8), (16, 16), (16, 27), (64, 64), (288, 144)]  # (out, in)
DECISIVE = 256  # from this many weights on, every layer must get a verdict, and the right one


def _batch_stats(weights):
    """WeightStats of each weight tensor in a batch (what weight_stats computes, one draw per row)."""
    flat = weights.reshape(weights.shape[0], -1).double()
    m2, m4 = (flat**2).mean(1), (flat**4).mean(1)
    max_abs = flat.abs().amax(1)
    n = flat.shape[1]
    return [
        WeightStats(n=n, used=n, rms=math.sqrt(a), kurtosis=b / (a * a), max_abs=float(c))
        for a, b, c in zip(m2.tolist(), m4.tolist(), max_abs.tolist())
    ]


def test_verdicts_are_calibrated_over_sizes_distributions_and_seeds():
    """Many draws of the right init (uniform and normal), the default, and a clear mismatch, from
    1 to 41k weights: no wrong verdict at all (the tolerance is Z=4 standard errors plus the rules'
    10%, a false-verdict rate under 6e-5 per layer), 'unknown' only where the layer is small."""
    generator = torch.Generator().manual_seed(5)
    trials = wrong = 0
    undecided: dict = {}
    for (activation, param), gain in CALIBRATION_GAINS.items():
        for fan_out, fan_in in CALIBRATION_SIZES:
            std = gain / math.sqrt(fan_in)
            shape = (200 if fan_in * fan_out < 1000 else 10, fan_out, fan_in)
            cases = {
                "uniform": ((torch.rand(shape, generator=generator) * 2 - 1) * std * math.sqrt(3), "ok"),
                "normal": (torch.randn(shape, generator=generator) * std, "ok"),
                "default": ((torch.rand(shape, generator=generator) * 2 - 1) / math.sqrt(fan_in), "default"),
                "mismatch": (torch.randn(shape, generator=generator) * std * 2.5, "mismatch"),
            }
            for kind, (weights, right) in cases.items():
                for stats in _batch_stats(weights):
                    verdict = judge(stats, fan_in, fan_out, activation, param).verdict
                    trials += 1
                    if verdict == "unknown":
                        undecided[kind, fan_in * fan_out, activation] = verdict
                    elif verdict != right:
                        wrong += 1
    assert trials > 30_000
    assert wrong == 0, f"{wrong} wrong verdicts in {trials}"
    assert all(size < DECISIVE for _, size, _ in undecided), sorted(undecided)
    assert ("default", 1, "relu") in undecided  # a single weight is never judged


def test_the_gains_are_the_catalogues(monkeypatch):
    """verify reads catalogue.recommend (the one gain table), it keeps no copy: change the table, the verdict follows."""
    import dataclasses

    model = two_layers(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"))
    assert verify(model, static=False).layers[0].verdict == "ok"
    real = catalogue.recommend

    def doubled(activation, param=None):
        rec = real(activation, param)
        return dataclasses.replace(rec, gain=2 * rec.gain) if rec is not None else None

    monkeypatch.setattr(catalogue, "recommend", doubled)
    first = verify(model, static=False).layers[0]
    assert first.expected_std == pytest.approx(2 * math.sqrt(2 / 256))
    assert first.verdict == "mismatch"


def test_tolerance_shrinks_with_the_number_of_weights():
    fan_in = 512
    default_std = 1 / math.sqrt(3 * fan_in)
    # 10% away from the default with 512*512 weights is not the default any more ...
    big = WeightStats(n=512 * 512, used=512 * 512, rms=default_std * 1.1, kurtosis=1.8, max_abs=fan_in**-0.5)
    assert judge(big, fan_in, fan_in, "relu", None).init == "explicit"
    # ... with 8 weights it well may be
    small = WeightStats(n=8, used=8, rms=default_std * 1.1, kurtosis=1.8, max_abs=fan_in**-0.5)
    assert judge(small, fan_in, fan_in, "relu", None).init in ("default", "unclear")


def test_default_detection_is_calibrated():
    generator = torch.Generator().manual_seed(1)
    for fan_in in (9, 64, 576):
        for _ in range(100):
            layer = nn.Linear(fan_in, 32)  # torch's own default init
            assert judge(_stats(layer.weight), fan_in, 32, "relu", None).init in ("default", "unclear")
            he = torch.empty(32, fan_in).normal_(0, math.sqrt(2 / fan_in), generator=generator)
            assert judge(_stats(he), fan_in, 32, "relu", None).init != "default"


def test_huge_layers_are_sampled():
    from initlint.runtime import weights

    layer = nn.Linear(2048, 1024)
    stats = weights.weight_stats(layer.weight)
    assert stats.n == 2048 * 1024 and stats.used == weights.MAX_SAMPLE
    assert stats.max_abs <= 2048**-0.5
    assert judge(stats, 2048, 1024, "relu", None).verdict == "default"


def test_assert_init_ok():
    good = two_layers(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"))
    assert assert_init_ok(good, torch.randn(4, 256)).ok
    with pytest.raises(AssertionError) as failure:
        assert_init_ok(two_layers(), torch.randn(4, 256))
    assert "default" in str(failure.value) and "layer" in str(failure.value) and "0" in str(failure.value)


# --- report --------------------------------------------------------------------------------------


def test_report_json_and_table():
    report = verify(two_layers(), torch.randn(4, 256), static=False)
    data = report.as_json()
    assert data["method"] == "fx" and data["ok"] is False
    assert {
        "layer", "layer_type", "fan_in", "fan_out", "activation", "activation_param", "expected_std",
        "measured_std", "verdict", "source", "static_activation", "static_init",
    } <= set(data["layers"][0])  # fmt: skip
    table = report.table()
    assert "default" in table and "fan_in" in table and "nn.init.kaiming_uniform_" in table


# --- where layers were built -------------------------------------------------------------------


def conv3x3(cin, cout):
    return nn.Conv2d(cin, cout, 3, padding=1)  # LINE_HELPER


class Built(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = conv3x3(3, 8)  # LINE_CALL
        self.fc = nn.Linear(8, 2)  # LINE_FC

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).mean((2, 3)))


def _line(marker):
    lines = open(__file__, encoding="utf-8").read().splitlines()
    return next(i for i, text in enumerate(lines, 1) if text.rstrip().endswith(f"# {marker}"))


def test_sources_record_the_whole_chain_of_user_frames():
    found = rows(verify(Built, static=False))  # a class: verify builds it and records where
    here = __file__
    assert found["conv"].source == f"{here}:{_line('LINE_HELPER')}"
    assert found["conv"].source_chain[:2] == [f"{here}:{_line('LINE_HELPER')}", f"{here}:{_line('LINE_CALL')}"]
    assert found["fc"].source == f"{here}:{_line('LINE_FC')}"


def test_record_construction_for_a_model_built_by_the_caller():
    with record_construction():
        model = Built()
    assert rows(verify(model, static=False))["fc"].source.endswith(f":{_line('LINE_FC')}")
    assert rows(verify(Built(), static=False))["fc"].source is None  # built unrecorded
    assert nn.Linear.__init__.__name__ == "__init__" and not hasattr(nn.Linear.__init__, "__wrapped__")


# --- signal through depth, and the model left as it was ------------------------------------------


class DeepTanh(nn.Module):
    def __init__(self, depth=12, width=64):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.bn = nn.BatchNorm1d(width)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = self.drop(self.bn(x))
        for layer in self.layers:
            x = torch.tanh(layer(x))
        return x


@pytest.mark.parametrize("method", METHODS)
def test_signal_through_depth_and_the_fix(method):
    model = DeepTanh()
    x = torch.randn(32, 64)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    report = verify(model, x, method=method, compare_fixed=True, static=False)
    assert [name for name, _ in report.signal] == [f"layers.{i}" for i in range(12)]
    assert report.signal[-1][1] < 0.2 * report.signal[0][1]  # the default shrinks tanh's signal
    assert report.fixed_signal[-1][1] > 3 * report.signal[-1][1]  # gain 5/3 keeps it
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before), "weights or BN statistics changed"
    assert torch.equal(rng, torch.get_rng_state())


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    report = verify(DeepTanh(), torch.randn(32, 64), compare_fixed=True, static=False)
    report.plot(str(tmp_path / "signal.png"))
    assert (tmp_path / "signal.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_timing_reports_layers_verdicts_and_times():
    """bench/build_torchvision_table.py's per-model line, on a model of ours (torchvision never loads here)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "build_torchvision_table.py"
    spec = importlib.util.spec_from_file_location("build_torchvision_table", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    model, report, seconds = bench.timed_verify(lambda: two_layers(), torch.randn(4, 256), "two_layers")
    assert isinstance(model, nn.Sequential) and report.method == "hooks"
    assert set(seconds) == {"build", "forward", "verify"} and all(s > 0 for s in seconds.values())
    line = bench.timing_line("two_layers", report, seconds)
    assert line.split()[:3] == ["two_layers", "2", "layers"]
    assert "  0 ok   1 default   0 mismatch   1 unknown" in line and "build+forward" in line


class KeywordInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 16)

    def forward(self, x, *, scale=1.0):
        return torch.tanh(self.fc(x) * scale)  # a product changes the scale: not transparent


@pytest.mark.parametrize("method", METHODS)
def test_example_inputs_as_keywords(method):
    report = verify(KeywordInputs(), {"x": X16, "scale": 2.0}, method=method, static=False)
    assert [name for name, _ in report.signal] == ["fc"]
    assert report.layers[0].activation == "none"  # a product sits between the layer and tanh


def test_squared_relu_has_its_own_second_moment_gain():
    """relu(z)^2: E[relu(z)^4] = E[z^4] / 2 = 3/2, so g = sqrt(2/3), not ReLU's sqrt(2). The
    quadrature agrees with the closed form and with torch: a layer on that gain, fed
    relu(h)^2 of unit-variance h, gives unit-variance pre-activations."""
    gain = catalogue.recommend("squared_relu").gain
    assert gain == pytest.approx(math.sqrt(2 / 3), rel=1e-7)
    assert catalogue.recommend("relu").gain == pytest.approx(math.sqrt(2))
    generator = torch.Generator().manual_seed(0)
    z = torch.randn(4_000_000, generator=generator, dtype=torch.float64)
    assert float((torch.relu(z) ** 4).mean()) == pytest.approx(1.5, rel=0.01)
    fan_in = 512
    h = torch.randn(4096, fan_in, generator=generator, dtype=torch.float64)
    weight = torch.empty(fan_in, fan_in, dtype=torch.float64)
    nn.init.kaiming_uniform_(weight, nonlinearity="linear", generator=generator)
    weight.mul_(gain)
    out = (torch.relu(h) ** 2) @ weight.t()
    assert float(out.var()) == pytest.approx(1.0, rel=0.05)


class ChannelNorm(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), 2.0))  # as if trained: not the identity
        self.bias = nn.Parameter(torch.full((channels,), 0.5))

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        return self.weight[:, None, None] * ((x - u) / torch.sqrt(s + 1e-6)) + self.bias[:, None, None]


class RootMeanSquareNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


class UnitLength(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return F.normalize(x, dim=-1) * self.weight


class HandNormed(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 1)
        self.norm = ChannelNorm(8)
        self.fc = nn.Linear(8, 16)
        self.rms = RootMeanSquareNorm(16)
        self.fc2 = nn.Linear(16, 16)
        self.unit = UnitLength(16)

    def forward(self, x):
        h = F.gelu(self.norm(self.conv(x))).mean((2, 3))
        h = F.silu(self.rms(self.fc(h)))
        return F.relu(self.unit(self.fc2(h)))


@pytest.mark.parametrize("method", METHODS)
def test_hand_written_norms_are_transparent_when_they_standardise(method):
    """Measured on probe inputs, not read from a name: a LayerNorm or RMSNorm written by hand
    (with any weight and bias) passes the signal on; an L2 normalisation does not."""
    got = {name: row.activation for name, row in traced(HandNormed(), method, torch.randn(2, 4, 5, 5)).items()}
    assert got == {"conv": "gelu", "fc": "silu", "fc2": "none"}
