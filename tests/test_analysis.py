"""What the analysis says beyond the rule book's `expect:` keys: evidence, init states decided
from where routines run, and the patterns real code has that a fixture would not show well."""

from __future__ import annotations

import ast
import math
import textwrap
from pathlib import Path
from typing import Optional

import libcst as cst
import pytest
from strategies import assert_parsed_as_a_whole

from initlint.semantics.file import analyze
from initlint.syntax.parse import SourceError, parse_by_statement


# A model file inside transformers' own package, so its relative imports (`from ...activations
# import ACT2FN`) are transformers' own; the path plays no other part in the analysis.
IN_TRANSFORMERS = "transformers/models/my_model/modeling_my_model.py"
MODULE_OF = {IN_TRANSFORMERS: "transformers.models.my_model.modeling_my_model"}  # as its __init__.py files would name it


def rows(source: str, path: str = IN_TRANSFORMERS, module: Optional[str] = None) -> dict:
    model = analyze(textwrap.dedent(source), path, module=module or MODULE_OF.get(path))
    return {(layer.class_name, layer.name): layer.row() for layer in model.layers}


def test_activation_from_a_constructor_default_says_so():
    got = rows(
        """
        import torch.nn as nn

        class Mlp(nn.Module):
            def __init__(self, act_layer=nn.GELU):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.act = act_layer()

            def forward(self, x):
                return self.act(self.fc(x))
        """
    )[("Mlp", "fc")]
    assert got["activation"] == "gelu"
    assert "act_layer default nn.GELU" in got["activation_evidence"]


EARLY_RETURN = """
import torch
import torch.nn as nn


class InInit(nn.Module):
    def __init__(self, skip):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        if skip:
            return
        nn.init.kaiming_normal_(self.fc.weight)

    def forward(self, x):
        return self.fc(x).relu()


class InHelper(nn.Module):
    def __init__(self, skip):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self._init(skip)

    def _init(self, skip):
        if skip:
            return
        nn.init.kaiming_normal_(self.fc.weight)

    def forward(self, x):
        return self.fc(x).relu()


class BuiltAfter(nn.Module):
    def __init__(self, skip):
        super().__init__()
        if skip:
            return
        self.fc = nn.Linear(4, 4)
        nn.init.kaiming_normal_(self.fc.weight)

    def forward(self, x):
        return self.fc(x).relu()
"""


def test_an_init_after_an_early_return_may_not_run():
    # `if skip: return` before the init: built with skip=True the layer keeps torch's default
    got = rows(EARLY_RETURN, "model.py")
    for cls in ("InInit", "InHelper"):
        assert got[(cls, "fc")]["init"] == "unknown", got[(cls, "fc")]
    # built after the return too: wherever the layer exists, the init ran
    assert got[("BuiltAfter", "fc")]["init"] == "explicit", got[("BuiltAfter", "fc")]
    torch = pytest.importorskip("torch")
    namespace: dict = {"__name__": "early_return"}
    exec(compile(EARLY_RETURN, "model.py", "exec"), namespace)
    torch.manual_seed(0)
    for cls in ("InInit", "InHelper"):
        assert namespace[cls](skip=True).fc.weight.abs().max().item() <= 0.5, "the default draw, U(-1/2, 1/2)"
        assert namespace[cls](skip=False).fc.weight.abs().max().item() > 0.5


def test_a_caller_in_the_file_passing_another_activation_makes_it_unknown():
    got = rows(
        """
        import torch.nn as nn

        class Mlp(nn.Module):
            def __init__(self, act_layer=nn.GELU):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.act = act_layer()

            def forward(self, x):
                return self.act(self.fc(x))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Mlp()
                self.b = Mlp(act_layer=nn.ReLU)

            def forward(self, x):
                return self.b(self.a(x))
        """
    )[("Mlp", "fc")]
    assert got["activation"] == "unknown"


def test_a_slope_or_nonlinearity_not_known_statically_makes_init_unknown():
    got = rows(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.gc = nn.Linear(4, 4)
                nn.init.kaiming_uniform_(self.fc.weight, a=cfg.slope, nonlinearity="leaky_relu")
                nn.init.xavier_uniform_(self.gc.weight, gain=nn.init.calculate_gain(cfg.act))

            def forward(self, x):
                return F.relu(self.gc(F.leaky_relu(self.fc(x), 0.2)))
        """
    )
    assert rows_state(got) == {"fc": "unknown", "gc": "unknown"}
    assert "cfg.slope" in got[("Net", "fc")]["init_evidence"]


def rows_state(got: dict) -> dict:
    return {name: row["init"] for (_, name), row in got.items()}


def test_init_routines_count_only_where_construction_runs_them():
    got = rows(
        """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
                self.head = nn.Linear(4, 4)
                self.enc.apply(self._init)

            def _init(self, m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight)

            def init_head(self):
                nn.init.zeros_(self.head.weight)

            def forward(self, x):
                return self.head(self.enc(x))
        """
    )
    # self.enc.apply(...) reaches enc's layers only; init_head() is not run by __init__
    assert rows_state(got) == {"enc.0": "explicit", "head": "unknown"}


def test_model_apply_outside_the_class_and_classname_tests():
    source = """
        import torch.nn as nn

        class D(nn.Module):
            def __init__(self):
                super().__init__()
                self.main = nn.Sequential(nn.Conv2d(3, 4, 3), nn.LeakyReLU(0.2))

            def forward(self, x):
                return self.main(x)

        def weights_init(m):
            classname = m.__class__.__name__
            if classname.find("Conv") != -1:
                nn.init.normal_(m.weight.data, 0.0, 0.02)

        net = D()
        {apply}
        """
    assert rows_state(rows(source.format(apply="net.apply(weights_init)"))) == {"main.0": "explicit"}
    assert rows_state(rows(source.format(apply="other = D()"))) == {"main.0": "default"}
    # one of two constructions initialised: it depends on the use
    both = source.format(apply="net.apply(weights_init)\n        other = D()")
    assert rows_state(rows(both)) == {"main.0": "unknown"}


def test_post_init_defers_to_transformers_base_init():
    got = rows(
        """
        import torch.nn as nn
        from transformers import PreTrainedModel

        class Pooler(nn.Module):
            def __init__(self):
                super().__init__()
                self.dense = nn.Linear(4, 4)
                self.activation = nn.Tanh()

            def forward(self, x):
                return self.activation(self.dense(x))

        class MyPreTrainedModel(PreTrainedModel):
            def _init_weights(self, module):
                super()._init_weights(module)
                if isinstance(module, nn.LayerNorm):
                    module.weight.data.fill_(1.0)

        class MyModel(MyPreTrainedModel):
            def __init__(self, config):
                super().__init__(config)
                self.pooler = Pooler()
                self.post_init()

            def forward(self, x):
                return self.pooler(x)
        """
    )[("Pooler", "dense")]
    assert (got["activation"], got["init"]) == ("tanh", "unknown")


def test_tuples_keep_their_elements_apart():
    got = rows(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Enc(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(4, 4)
                self.b = nn.Linear(4, 4)

            def forward(self, x):
                return self.a(x), self.b(x)

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.enc = Enc()
                self.fc = nn.Linear(4, 4)
                self.gc = nn.Linear(4, 4)

            def _pair(self, x):
                return self.fc(x), self.gc(x)

            def forward(self, x):
                p, q = self._pair(x)
                u, v = self.enc(q)
                return F.relu(p) + torch.tanh(u) + v
        """
    )
    assert got[("Net", "fc")]["activation"] == "relu"
    assert got[("Net", "gc")]["activation"] == "none"  # it goes into Enc, whose first op is a Linear
    assert got[("Enc", "a")]["activation"] == "tanh"
    assert got[("Enc", "b")]["activation"] == "none"


def test_a_helper_returning_a_tuple_of_modules_is_unpacked_by_position():
    """timm's `global_pool, fc = create_classifier(...)`: the helper returns a tuple of modules,
    each bound where it stands (which return runs is decided by the default it is called with)."""
    got = rows(
        """
        import torch
        import torch.nn as nn

        def make_head(features, classes, drop=None):
            pool = nn.AdaptiveAvgPool2d(1)
            fc = nn.Linear(features, classes)
            if drop is not None:
                return pool, nn.Dropout(drop), fc
            return pool, fc

        class Head(nn.Module):
            def __init__(self):
                super().__init__()
                pool, self.fc = make_head(8, 8)
                self.pool = pool
                self.out = nn.Linear(8, 2)

            def forward(self, x):
                return self.out(torch.relu(self.fc(self.pool(x).flatten(1))))
        """,
        "model.py",
    )
    assert got[("Head", "fc")]["activation"] == "relu"
    assert got[("Head", "out")]["activation"] == "none"


def test_a_norm_first_in_a_sequential_is_noted_for_the_layer_that_feeds_it():
    """`self.post = nn.Sequential(nn.BatchNorm2d(8), nn.ReLU())` after a conv: the norm stands
    between the conv and its ReLU, as it would written inline."""
    source = """
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.post = nn.Sequential(nn.BatchNorm2d(8), nn.ReLU())

    def forward(self, x):
        return self.post(self.conv(x))
"""
    (conv,) = analyze(source, "model.py").layers
    assert (conv.activation, conv.norm_after) == ("relu", "BatchNorm2d")


def test_a_module_that_contains_itself_is_unknown_not_endless():
    got = rows(
        """
        import torch.nn as nn

        class Tree(nn.Module):
            def __init__(self, levels=2):
                super().__init__()
                self.conv = nn.Conv2d(4, 4, 3)
                self.child = Tree(levels - 1) if levels > 1 else nn.ReLU()

            def forward(self, x):
                return self.child(self.conv(x))
        """
    )
    assert got[("Tree", "conv")]["activation"] == "unknown"


def test_gain_names_are_found_in_code_that_construction_does_not_run():
    model = analyze(
        textwrap.dedent(
            """
            import torch.nn as nn

            def later(w):
                nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain("gelu"))

            class Net(nn.Module):
                def reinit(self):
                    nn.init.kaiming_normal_(self.fc.weight, nonlinearity="silu")
            """
        ),
        "m.py",
    )
    assert sorted((g.name, g.line) for g in model.gain_calls) == [("gelu", 5), ("silu", 9)]


def test_source_that_does_not_parse_raises_source_error():
    with pytest.raises(SourceError) as caught:
        analyze("class X(:\n    pass\n", "bad.py")
    assert caught.value.line == 1


def test_a_tuple_returning_module_inside_containers_and_alternatives():
    """Found on transformers' BERT: a module returning a tuple, called where the module is one
    of two alternatives and inside a Sequential."""
    got = rows(
        """
        import torch.nn as nn

        class Pair(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x):
                return self.fc(x), x

        class Net(nn.Module):
            def __init__(self, fast=False):
                super().__init__()
                self.block = Pair() if fast else nn.Identity()
                self.seq = nn.Sequential(Pair(), nn.ReLU())

            def forward(self, x):
                return self.seq(self.block(x))
        """
    )
    # `fast` is False by default and nothing here passes it: block is the Identity, and
    # the only Pair that runs is the one the Sequential's ReLU follows
    assert got[("Pair", "fc")]["activation"] == "relu"


# --------------------------------------------------------------------------------------
# The statement-by-statement parse


PIECES = {
    "comments between and after": "import x\n# one\n\nclass A:\n    a = 1\n    # still A's\n\n# before f\n@dec\ndef f():\n    pass\n# the end\n",
    "two statements on a line": "a = 1; b = 2\nc = 3\n",
    "tabs": "class A:\n\tdef f(self):\n\t\treturn 1\n\n\nclass B:\n\tpass\n",
    "two-space indent after an unindented piece": "import os\n\n\nclass A:\n  x = 1\n",
    "crlf": "import x\r\n\r\nclass A:\r\n    pass\r\n",
    "mixed line endings": "import x\r\n\nclass A:\n    pass\r\n",
    "mixed indents": "class A:\n    x = 1\n\n\nclass B:\n\tx = 1\n",
    "no trailing newline": "import x\nclass A:\n    pass",
    "continuation and strings": 'x = 1 + \\\n    2\ns = """\nclass Fake:\n"""\ny = (\n  3)\n',
    "form feed": "import x\n\x0c\nclass A:\n    pass\n",
    "header comment and docstring": "# coding: utf-8\n'''doc'''\nimport x\n",
    "one statement": "import x\n",
    "multi-line decorator": "@dec(\n    1,\n)\nclass A:\n    pass\nb = 2\n",
}


@pytest.mark.parametrize("source", list(PIECES.values()), ids=list(PIECES))
def test_statement_by_statement_parse_is_the_whole_file_parse(source):
    assert cst.parse_module(source).code == source
    assert_parsed_as_a_whole(source)


def _parse_reusing(source: str, reuse: dict):
    return parse_by_statement(source, ast.parse(source), reuse)


@pytest.mark.parametrize("source", list(PIECES.values()), ids=list(PIECES))
def test_a_parse_reusing_another_texts_pieces_is_the_whole_file_parse(source):
    # The editor's case: the pieces of the previous version serve the next one (the
    # language server); every PIECES text is parsed with every other's pieces at hand.
    for previous in PIECES.values():
        reuse: dict = {}
        _parse_reusing(previous, reuse)
        joined = _parse_reusing(source, reuse)
        whole = cst.parse_module(source)
        assert joined.deep_equals(whole) and joined.code == whole.code


def test_reused_pieces_are_really_reused_and_never_twice_in_one_tree():
    first = "import x\n\n\nclass A:\n    pass\n\n\nclass B:\n    pass\n"
    reuse: dict = {}
    old = _parse_reusing(first, reuse)
    # B changes: A's piece is reused (its statement takes new leading lines, its body is the
    # same object); the new B is parsed.
    second = first.replace("class B:\n    pass", "class B:\n    y = 2")
    new = _parse_reusing(second, reuse)
    assert new.body[1].body is old.body[1].body and new.body[2].body is not old.body[2].body
    # A statement written twice: one cached piece serves one of them, never both.
    twice = second + "\n\nclass A:\n    pass\n"
    tree = _parse_reusing(twice, reuse)
    ids = [id(node) for node in tree.body]
    assert len(set(ids)) == len(ids) and tree.deep_equals(cst.parse_module(twice))


def test_findings_with_reused_pieces_are_the_findings_of_a_fresh_analysis():
    from initlint import api, sources
    from initlint.rules import ALL_RULES

    path = Path(__file__).resolve().parent.parent / "examples" / "model.py"
    original = sources.read(str(path))
    settings = api.Settings(codes=[rule.code for rule in ALL_RULES])
    reuse: dict = {}
    api.findings_of(original, settings, reuse)
    edited_text = original.text.replace("F.relu(self.bn1", "F.gelu(self.bn1")
    edited = sources.Source(str(path), edited_text.encode(), edited_text, "utf-8", False)
    reused, _ = api.findings_of(edited, settings, reuse)
    fresh, _ = api.findings_of(edited, settings)
    assert [api.finding_to_json(f) for f in reused] == [api.finding_to_json(f) for f in fresh]
    before = api.findings_of(original, settings)[0]
    assert [(f.code, f.line) for f in fresh] != [(f.code, f.line) for f in before]  # the edit mattered


def test_node_checks_are_back_after_a_parse():
    parse_by_statement("import x\ny = 1\n", ast.parse("import x\ny = 1\n"))
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")  # LibCST refuses an empty name when a tree is built by hand


TRANSFORMERS_MODEL = """
    from typing import Callable

    import torch
    import torch.nn as nn
    from torch.nn import CrossEntropyLoss

    from ...activations import ACT2FN
    from ...modeling_outputs import BaseModelOutput, SequenceClassifierOutput
    from ...modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel
    from ...pytorch_utils import apply_chunking_to_forward


    def eager_attention_forward(module, query, key, value, scaling):
        weights = nn.functional.softmax(torch.matmul(query, key.transpose(2, 3)) * scaling, dim=-1)
        return torch.matmul(weights, value), weights


    class Attention(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.q_proj = nn.Linear(8, 8)
            self.k_proj = nn.Linear(8, 8)
            self.v_proj = nn.Linear(8, 8)
            self.o_proj = nn.Linear(8, 8)

        def forward(self, hidden_states):
            attention_interface: Callable = ALL_ATTENTION_FUNCTIONS.get_interface(
                self.config._attn_implementation, eager_attention_forward
            )
            out, weights = attention_interface(
                self, self.q_proj(hidden_states), self.k_proj(hidden_states), self.v_proj(hidden_states), scaling=0.1
            )
            return self.o_proj(out), weights


    class Layer(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.attention = Attention(config)
            self.up = nn.Linear(8, 32)
            self.act = nn.GELU()
            self.down = nn.Linear(32, 8)

        def feed_forward_chunk(self, x):
            return self.down(self.act(self.up(x)))

        def forward(self, x):
            attention_output, _ = self.attention(x)
            return apply_chunking_to_forward(self.feed_forward_chunk, 0, 1, attention_output)


    class MyPreTrainedModel(PreTrainedModel):
        pass


    class MyModel(MyPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            self.layer = Layer(config)
            self.post_init()

        def forward(self, x):
            return BaseModelOutput(last_hidden_state=self.layer(x), hidden_states=None)


    class MyForSequenceClassification(MyPreTrainedModel):
        def __init__(self, config):
            super().__init__(config)
            self.model = MyModel(config)
            self.classifier = nn.Linear(8, 2)
            self.head = nn.Linear(8, 2)
            self.post_init()

        def forward(self, x, labels=None):
            outputs = self.model(x)
            logits = self.classifier(torch.tanh(outputs.last_hidden_state))
            other = self.head(outputs[0])
            loss = None
            if labels is not None:
                loss = self.loss_function(logits=logits, labels=labels)
                loss = loss + CrossEntropyLoss()(other, labels)
            return SequenceClassifierOutput(loss=loss, logits=logits + other)
"""


def test_transformers_attention_losses_and_model_outputs():
    got = rows(TRANSFORMERS_MODEL)
    for name in ("q_proj", "k_proj", "v_proj"):
        assert got[("Attention", name)]["activation"] == "none", got[("Attention", name)]
    assert "attention kernel" in got[("Attention", "v_proj")]["activation_evidence"]
    # o_proj's output runs through the chunked feed-forward: up is followed by its GELU
    assert got[("Layer", "up")]["activation"] == "gelu"
    # the ModelOutput's field reaches the head's tanh, and (as outputs[0]) the head's Linear
    assert got[("Layer", "down")]["activation_evidence"] == (
        "followed by different things in different uses: Tanh, no activation")
    assert got[("MyForSequenceClassification", "classifier")]["activation"] == "none"
    assert "loss" in got[("MyForSequenceClassification", "classifier")]["activation_evidence"]
    assert got[("MyForSequenceClassification", "head")]["activation"] == "none"


def test_a_model_output_read_by_position_is_known_only_when_every_field_before_is_a_tensor():
    source = textwrap.dedent(TRANSFORMERS_MODEL).replace(
        "BaseModelOutput(last_hidden_state=self.layer(x), hidden_states=None)",
        "BaseModelOutput(hidden_states=maybe_none(x), last_hidden_state=self.layer(x), attentions=maybe_none(x))",
    ).replace("outputs[0]", "outputs[1]").replace("torch.tanh(outputs.last_hidden_state)", "x")
    down = rows(source)[("Layer", "down")]
    # outputs[1] is attentions when hidden_states is None
    assert (down["activation"], down["activation_evidence"]) == ("unknown", "read by position from MyModel")
    # with two fields, outputs[1] can only be the second (or an IndexError)
    two = source.replace(", attentions=maybe_none(x))", ")")
    assert rows(two)[("Layer", "down")]["activation"] == "none"
    # outputs[:2] unpacked: the first is known, the second is not
    first = source.replace("outputs[1]", "outputs[:2][0]").replace("BaseModelOutput(hidden_states=maybe_none(x), ",
                                                                  "BaseModelOutput(")
    assert rows(first)[("Layer", "down")]["activation"] == "none"
    assert rows(source.replace("outputs[1]", "outputs.last_hidden_state"))[("Layer", "down")]["activation"] == "none"


def test_the_attention_registry_and_losses_are_recognised_by_where_they_come_from():
    """A local `ALL_ATTENTION_FUNCTIONS` or `loss_function` of a class that is no PreTrainedModel: unknown."""
    source = textwrap.dedent(TRANSFORMERS_MODEL).replace(
        "from ...modeling_utils import ALL_ATTENTION_FUNCTIONS, PreTrainedModel",
        "from mylib import ALL_ATTENTION_FUNCTIONS, PreTrainedModel",
    )
    got = rows(source)
    assert got[("Attention", "v_proj")]["activation"] == "unknown"
    assert got[("MyForSequenceClassification", "classifier")]["activation"] == "unknown"


def test_an_attribute_set_in_both_branches_of_an_undecided_if_may_be_either():
    """`self.activation = None` in the else branch does not hide the activation of the other."""
    got = rows(
        """
        import torch.nn as nn
        from ...activations import ACT2FN

        class ConvLayer(nn.Module):
            def __init__(self, config, use_activation=True):
                super().__init__()
                self.convolution = nn.Conv2d(3, 3, 3)
                if use_activation:
                    self.activation = nn.ReLU6()
                else:
                    self.activation = None

            def forward(self, features):
                features = self.convolution(features)
                if self.activation is not None:
                    features = self.activation(features)
                return features

        class Net(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.a = ConvLayer(config)
                self.b = ConvLayer(config, use_activation=False)

            def forward(self, x):
                return self.b(self.a(x))
        """
    )[("ConvLayer", "convolution")]
    assert got["activation"] == "unknown"
    assert got["activation_evidence"] == "followed by different things in different uses: ReLU6, no activation"


def test_modules_with_several_inputs_keyword_inputs_and_sliced_module_lists():
    got = rows(
        """
        import torch
        import torch.nn as nn
        from ...modeling_utils import slice_logits_to_keep

        class SelfOutput(nn.Module):
            def __init__(self):
                super().__init__()
                self.dense = nn.Linear(8, 8)
                self.norm = nn.LayerNorm(8)

            def forward(self, hidden_states, input_tensor):
                return self.norm(self.dense(hidden_states) + input_tensor)

        class Layer(nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = nn.Linear(8, 8)
                self.output = SelfOutput()

            def forward(self, hidden_states, attention_mask=None):
                return self.output(self.inner(hidden_states), hidden_states)

        class Model(nn.Module):
            def __init__(self, config):
                super().__init__()
                self.config = config
                self.layers = nn.ModuleList([Layer() for _ in range(4)])
                self.skip = nn.Linear(8, 8)
                self.head = nn.Linear(8, 8)

            def forward(self, x, logits_to_keep=0):
                h = self.skip(x)
                for layer in self.layers[: self.config.num_hidden_layers]:
                    h = layer(hidden_states=h, attention_mask=None)
                return self.head(torch.relu(slice_logits_to_keep(h, logits_to_keep)))
        """
    )
    # the second input of SelfOutput passes through its add and LayerNorm
    assert got[("Layer", "inner")]["activation"] == "none"  # into SelfOutput.dense
    assert got[("Model", "skip")]["activation_evidence"].startswith("followed by different things")
    assert "ReLU" in got[("Model", "skip")]["activation_evidence"]  # zero layers run: h is skip's output
    assert got[("SelfOutput", "dense")]["activation_evidence"] == (
        "followed by different things in different uses: ReLU, no activation")


def test_transformers_activations_by_literal_key_or_exported_instance():
    case = """
        import torch.nn as nn
        from ...activations import ACT2FN, gelu, get_activation

        class A(nn.Module):
            def __init__(self, config, act="silu"):
                super().__init__()
                self.a = nn.Linear(4, 4)
                self.b = nn.Linear(4, 4)
                self.c = nn.Linear(4, 4)
                self.d = nn.Linear(4, 4)
                self.e = nn.Linear(4, 4)
                self.f = nn.Linear(4, 4)
                self.g = nn.Linear(4, 4)
                self.act_a = ACT2FN["gelu"]
                self.act_b = ACT2FN[act]
                self.act_c = get_activation("leaky_relu")
                self.act_d = ACT2FN["gelu_new"]
                self.act_e = ACT2FN[config.hidden_act]

            def forward(self, x):
                x = self.act_a(self.a(x))
                x = self.act_b(self.b(x))
                x = self.act_c(self.c(x))
                x = self.act_d(self.d(x))
                x = self.act_e(self.e(x))
                x = gelu(self.f(x))
                return ACT2FN["linear"](self.g(x))
        """
    got = rows(case)
    acts = {name: (row["activation"], row["activation_param"]) for (_, name), row in got.items()}
    assert acts == {"a": ("gelu", None), "b": ("silu", None), "c": ("leaky_relu", 0.01), "d": ("unknown", None),
                    "e": ("unknown", None), "f": ("gelu", None), "g": ("none", None)}
    # written out in transformers' NewGELUActivation, whose source one file alone does not read
    assert "NewGELUActivation: its source is not read here" in got[("A", "d")]["activation_evidence"]
    # the same names from elsewhere are not transformers'
    other = rows(case.replace("from ...activations import", "from mylib import"))
    assert {name: row["activation"] for (_, name), row in other.items()} == dict.fromkeys("abcdefg", "unknown")


def test_a_layer_built_from_a_class_chosen_at_run_time():
    """`make_conv_cls = nn.Conv2d` or a wrapper module of this file: no autofix (`.weight` may not
    exist), and an init the file writes for it counts when the layer is one."""
    source = """
        import torch.nn as nn

        class Causal(nn.Module):
            def __init__(self, a, b, kernel_size=3):
                super().__init__()
                self.conv = nn.Conv3d(a, b, kernel_size)

            def forward(self, x):
                return self.conv(x)

        class Block(nn.Module):
            def __init__(self, a, b, btype="2d", is_causal=True):
                super().__init__()
                if btype == "2d":
                    make_conv_cls = nn.Conv2d
                else:
                    make_conv_cls = Causal if is_causal else nn.Conv3d
                self.nonlinearity = nn.SiLU()
                self.conv1 = make_conv_cls(a, b, kernel_size=3)
                INIT
            def forward(self, x):
                return self.nonlinearity(self.conv1(x))
        """
    model = analyze(textwrap.dedent(source.replace("INIT", "")), "m.py")
    conv1 = next(layer for layer in model.layers if layer.name == "conv1")
    assert (conv1.activation, conv1.init) == ("silu", "default")
    assert conv1.fix.weight == "" and "class chosen at run time" in conv1.fix.reason
    explicit = rows(source.replace("INIT", 'nn.init.kaiming_uniform_(self.conv1.weight, nonlinearity="relu")'))
    assert explicit[("Block", "conv1")]["init"] == "explicit"


def test_a_helper_nested_in_init_returning_a_list_of_layers():
    """The PyTorch-GAN idiom: `def block(...)` inside __init__ returns a list that the model
    splices into a Sequential; the helper sees the names around it (`slope`), and each call
    builds its own layer, reported at that call."""
    source = """
        import torch.nn as nn

        class Generator(nn.Module):
            def __init__(self, latent_dim=16, slope=0.2):
                super().__init__()

                def block(in_feat, out_feat, normalize=True):
                    layers = [nn.Linear(in_feat, out_feat)]
                    if normalize:
                        layers.append(nn.BatchNorm1d(out_feat, 0.8))
                    layers.append(nn.LeakyReLU(slope, inplace=True))
                    return layers

                self.model = nn.Sequential(
                    *block(latent_dim, 32, normalize=False),
                    *block(32, 64),
                    nn.Linear(64, 10),
                    nn.Tanh(),
                )

            def forward(self, z):
                return self.model(z)
        """
    model = analyze(textwrap.dedent(source), "m.py")
    got = {(layer.name, layer.line): (layer.activation, layer.activation_param) for layer in model.layers}
    assert got == {("model.0", 16): ("leaky_relu", 0.2), ("model.2", 17): ("leaky_relu", 0.2), ("model.5", 18): ("tanh", None)}
    # the helper binds its layer (`layers = [nn.Linear(...)]`) and applies its activation: one
    # init there, right after the binding, reaches the layer of every call
    fixes = {layer.name: (layer.fix.weight, layer.fix.insert_after_line) for layer in model.layers}
    assert fixes["model.0"] == fixes["model.2"] == ("layers[0].weight", 9)
    assert fixes["model.5"] == ("self.model[5].weight", 20)


def test_a_function_nested_in_forward_is_inlined_with_what_it_closes_over():
    got = rows(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.out = nn.Linear(4, 4)

            def forward(self, x):
                def hidden(h):
                    return F.gelu(self.fc(h))
                return self.out(hidden(x))
        """
    )
    assert got[("Net", "fc")]["activation"] == "gelu"
    assert got[("Net", "out")]["activation"] == "none"


def test_a_decorated_nested_helper_is_not_inlined():
    got = rows(
        """
        import functools
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()

                @functools.lru_cache
                def block(n):
                    return [nn.Linear(n, n), nn.ReLU()]

                self.body = nn.Sequential(*block(4))

            def forward(self, x):
                return self.body(x)
        """
    )
    assert got == {}


def test_module_level_models_in_scripts_and_their_inits():
    """A script builds models in module code; `.apply(fn)` and a loop over `.modules()` there
    initialise them (by the routine's isinstance branches), `.to(device)` keeps the layer."""
    source = """
        import torch
        import torch.nn as nn

        device = "cpu"

        def weights_init(m):
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0.0, 0.02)

        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        conv = nn.Conv2d(3, 8, 3).to(device)
        head = nn.Sequential(nn.Conv2d(8, 8, 3), nn.ReLU(), nn.Linear(8, 8), nn.ReLU()).apply(weights_init)
        other = nn.Sequential(nn.Linear(4, 4), nn.GELU())
        other.apply(external_init)
        net = nn.Sequential(nn.Linear(4, 4), nn.GELU()).cuda()
        for name, m in net.named_modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
        """
    got = {layer.name: (layer.activation, layer.init) for layer in analyze(textwrap.dedent(source), "m.py").layers}
    assert got == {
        "model.0": ("relu", "default"),
        "model.2": ("unknown", "default"),
        "conv": ("unknown", "default"),
        "head.0": ("relu", "explicit"),
        "head.2": ("relu", "default"),  # weights_init takes only Conv2d
        "other.0": ("gelu", "unknown"),
        "net.0": ("gelu", "explicit"),
    }


def test_a_module_that_defines_call_instead_of_forward():
    got = rows(
        """
        import torch.nn as nn
        import torch.nn.functional as F

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4).double()

            def __call__(self, x):
                return F.silu(self.fc(x))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = Block()
                self.out = nn.Linear(4, 2)

            def forward(self, x):
                return self.out(self.block(x))
        """
    )
    assert got[("Block", "fc")]["activation"] == "silu"
    assert got[("Net", "out")]["activation"] == "none"


@pytest.mark.parametrize(
    "first,second,want",
    [
        ("nn.ReLU(inplace=True)", "F.relu", "relu"),
        ("nn.ReLU()", "torch.relu", "relu"),
        ("nn.LeakyReLU(0.2)", "nn.LeakyReLU(negative_slope=0.2)", "leaky_relu"),
        ("nn.ReLU()", "nn.GELU()", "unknown"),
        ("nn.LeakyReLU(0.2)", "nn.LeakyReLU(0.1)", "unknown"),
        ("nn.ReLU()", "F.relu6", "unknown"),
    ],
)
def test_branches_on_a_config_flag_agree_or_are_unknown(first, second, want):
    """Every branch reaching the same activation is that activation; different ones are unknown."""
    source = f"""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self, cfg):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.g = nn.Linear(4, 4)
                if cfg.a:
                    self.act = {first}
                elif cfg.b:
                    self.act = {second}
                else:
                    self.act = {first}

            def forward(self, x):
                x = self.act(self.fc(x))
                if self.training:
                    return self.act(self.g(x))
                return self.act(self.g(x)) if x.dim() else self.act(self.g(x))
        """
    got = rows(source)
    assert got[("Net", "fc")]["activation"] == want
    assert got[("Net", "g")]["activation"] == want
    if want == "unknown":
        assert "different things" in got[("Net", "fc")]["activation_evidence"]


def test_partial_keeps_its_bound_arguments_and_aliases_name_classes():
    """partial(nn.LeakyReLU, negative_slope=0.2)() has slope 0.2 (not torch's 0.01); a call
    may pass the slope again; `Linear = nn.Linear` and `NoBias = partial(...)` at the top of the
    file are layers; partial(Block, act_layer=nn.GELU) passes GELU to Block."""
    source = """
        import functools
        from functools import partial
        import torch.nn as nn
        import torch.nn.functional as F

        Linear = nn.Linear
        NoBias = functools.partial(nn.Linear, bias=False)
        Leaky = partial(nn.LeakyReLU, negative_slope=0.2)
        gelu = F.gelu

        class Block(nn.Module):
            def __init__(self, dim=4, act_layer=nn.ReLU):
                super().__init__()
                self.fc = nn.Linear(dim, dim)
                self.act = act_layer()

            def forward(self, x):
                return self.act(self.fc(x))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Linear(4, 4)
                self.act_a = Leaky()
                self.b = NoBias(4, 4)
                self.act_b = Leaky(negative_slope=0.1)
                self.c = nn.Linear(4, 4)
                self.blk = partial(Block, act_layer=nn.GELU)(4)

            def forward(self, x):
                x = self.act_b(self.b(self.act_a(self.a(x))))
                return self.blk(gelu(self.c(x)))
        """
    got = {name: (row["activation"], row["activation_param"]) for (_, name), row in rows(source).items()}
    assert got["a"] == ("leaky_relu", 0.2)
    assert got["b"] == ("leaky_relu", 0.1)
    assert got["c"] == ("gelu", None)
    assert got["fc"][0] == "unknown"  # GELU through the partial, ReLU by default elsewhere


def test_subclasses_of_sequential_without_a_forward_run_their_modules_in_order():
    got = rows(
        """
        import torch.nn as nn

        class Seq(nn.Sequential):
            pass

        class ConvBNAct(nn.Sequential):
            def __init__(self, cin=3, cout=8, norm_layer=None):
                super(ConvBNAct, self).__init__(nn.Conv2d(cin, cout, 3), nn.BatchNorm2d(cout), nn.SiLU())
                self.out_channels = cout

        class NormLast(nn.Sequential):
            def __init__(self, norm_layer=None):
                super().__init__(nn.Conv2d(3, 3, 1))
                self.norm = norm_layer(3)
                self.act = nn.ReLU()

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = ConvBNAct(3, 8)
                self.body = Seq(nn.Linear(8, 8), nn.Tanh())

            def forward(self, x):
                return self.body(self.stem(x))
        """
    )
    assert got[("ConvBNAct", "0")]["activation"] == "silu"
    assert got[("Net", "body.0")]["activation"] == "tanh"
    assert got[("NormLast", "0")]["activation"] == "unknown"  # a module built by a parameter comes first


def test_the_parts_of_a_split_output_are_followed_on_their_own():
    """GLU halves: a gate and an activated half are unknown (no gain for a gated unit); parts
    that all meet one activation are that activation; q, k, v into matmuls stay none."""
    got = rows(
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(4, 8)
                self.both = nn.Linear(4, 8)
                self.qkv = nn.Linear(4, 12)
                self.parts = nn.Linear(4, 12)

            def forward(self, x):
                a, b = self.proj(x).chunk(2, dim=-1)
                h = a * F.gelu(b)
                c, d = torch.chunk(self.both(x), 2, -1)
                h = h + F.silu(c) + F.silu(d)
                q, k, v = self.qkv(x).unbind(-1)
                att = (q @ k.transpose(-2, -1)) @ v
                first, *rest = self.parts(x).split(4, dim=-1)
                return h + att + F.relu(first) + torch.cat(rest, -1)
        """
    )
    assert got[("Net", "proj")]["activation"] == "unknown"
    assert "split by .chunk()" in got[("Net", "proj")]["activation_evidence"]
    assert got[("Net", "both")]["activation"] == "silu"
    assert got[("Net", "qkv")]["activation"] == "none"
    assert got[("Net", "parts")]["activation"] == "unknown"  # ReLU for one part, a cat for the rest


@pytest.mark.parametrize(
    "expression,want",
    [
        ("h * torch.sigmoid(h)", "silu"),
        ("torch.sigmoid(h) * h", "silu"),
        ("h * h.sigmoid()", "silu"),
        ("h * torch.tanh(F.softplus(h))", "mish"),
        ("F.relu(h) ** 2", "squared_relu"),
        ("torch.square(torch.relu(h))", "squared_relu"),
        ("h.relu().pow(2)", "squared_relu"),
        ("torch.relu(h).square()", "squared_relu"),
        ("h * torch.sigmoid(1.702 * h)", "none"),  # the sigmoid GELU approximation: not catalogued
        ("F.relu(h) ** 3", "relu"),  # the cube comes after the ReLU
        ("h * torch.sigmoid(g)", "none"),  # gated by another tensor: a product
        ("h * torch.tanh(F.softplus(h, beta=2))", "unknown"),
        # GELU's tanh form as transformers writes it (gelu_new, gelu_fast), and the erf form
        ("0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))", "gelu"),
        ("h * 0.5 * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h.pow(3))))", "gelu"),
        ("0.5 * h * (1.0 + torch.tanh(h * 0.7978845608 * (1.0 + 0.044715 * h * h)))", "gelu"),
        ("h * 0.5 * (1.0 + torch.erf(h / math.sqrt(2.0)))", "gelu"),
        ("0.5 * h * (1.0 + torch.tanh(0.5 * (h + 0.044715 * torch.pow(h, 3.0))))", "none"),  # other constants
        ("0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (g + 0.044715 * torch.pow(h, 3.0))))", "none"),
    ],
)
def test_activations_written_out_in_tensor_arithmetic(expression, want):
    got = rows(
        f"""
        import math
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)

            def forward(self, x, g):
                h = self.fc(x)
                return {expression}
        """
    )[("Net", "fc")]
    assert got["activation"] == want, got["activation_evidence"]
    if want in ("silu", "mish", "squared_relu", "gelu"):
        assert "written out" in got["activation_evidence"]


def test_transformers_is_recognised_by_resolved_name_not_by_relative_spelling(tmp_path: Path):
    """`from ...activations import ACT2FN` is transformers' ACT2FN only in a module of the
    transformers package (as its `__init__.py` files name it); in a project's own package, or
    in a folder that is merely called `transformers`, it is the project's (unknown here)."""
    source = textwrap.dedent("""
        import torch.nn as nn
        from ...activations import ACT2FN

        class Mlp(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
                self.act = ACT2FN["relu"]

            def forward(self, x):
                return self.act(self.fc(x))
        """)

    def module_at(*parts: str, packages: bool = True) -> str:
        folder = tmp_path.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        if packages:
            for depth in range(2, len(parts)):
                (tmp_path.joinpath(*parts[:depth]) / "__init__.py").touch()
        path = folder / parts[-1]
        path.write_text(source)
        return str(path)

    def fc(path: str, text: str = source) -> dict:
        model = analyze(text, path)
        return {(layer.class_name, layer.name): layer.row() for layer in model.layers}[("Mlp", "fc")]

    inside = module_at("site", "transformers", "models", "mlp", "modeling_mlp.py")
    assert fc(inside)["activation"] == "relu"
    assert fc(inside, source.replace("from ...activations", "from ..activations"))["activation"] == "unknown"  # transformers.models.activations
    assert fc(module_at("proj", "myproject", "models", "mlp", "mlp.py"))["activation"] == "unknown"
    assert fc(module_at("loose", "transformers", "models", "mlp", "modeling_mlp.py", packages=False))["activation"] == "unknown"
    absolute = source.replace("from ...activations", "from transformers.activations")
    assert fc(str(tmp_path / "mlp.py"), absolute)["activation"] == "relu"


def test_einops_and_upsampling_are_transparent_by_resolved_name():
    source = """
        import torch.nn as nn
        import torch.nn.functional as F
        from einops import rearrange, reduce
        from einops.layers.torch import Rearrange, Reduce

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Conv2d(8, 8, 1)
                self.b = nn.Conv2d(8, 8, 1)
                self.c = nn.Conv2d(8, 8, 1)
                self.d = nn.Conv2d(8, 8, 1)
                self.e = nn.Conv2d(8, 8, 1)
                self.up = nn.Upsample(scale_factor=2)
                self.flat = Rearrange("b c h w -> b (h w) c")
                self.summed = Reduce("b c h w -> b c", "sum")

            def forward(self, x):
                h = F.gelu(rearrange(self.a(x), "b c h w -> b h w c"))
                h = F.gelu(reduce(self.b(h), "b c h w -> b c", "mean"))
                h = F.gelu(reduce(self.c(h), "b c h w -> b c", "max"))
                h = F.gelu(self.flat(self.up(self.d(h))))
                return F.gelu(self.summed(F.interpolate(self.e(h), scale_factor=2)))
        """
    got = {name: row["activation"] for (_, name), row in rows(source).items()}
    assert got == {"a": "gelu", "b": "gelu", "c": "none", "d": "gelu", "e": "unknown"}
    # a local `rearrange` is not einops'
    local = rows(source.replace("from einops import rearrange, reduce", "from mylib import rearrange, reduce"))
    assert local[("Net", "a")]["activation"] == "unknown"


def test_hand_written_norms_are_transparent_by_structure_not_by_name():
    """A module that only standardises its input (any name) passes the signal through; one
    that does more (an L2 normalisation, a projection, a gate) does not."""
    source = """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Whatever(nn.Module):
            def __init__(self, dim=8, eps=1e-6):
                super().__init__()
                self.eps = eps
                self.weight = nn.Parameter(torch.ones(dim))

            def forward(self, x):
                dtype = x.dtype
                x = x.float()
                variance = x.pow(2).mean(-1, keepdim=True)
                return self.weight * (x * torch.rsqrt(variance + self.eps)).to(dtype)

        class Centered(nn.Module):
            def forward(self, x):
                return x - x.mean(-1, keepdim=True)

        class L2Norm(nn.Module):
            def forward(self, x):
                return x / x.norm(dim=-1, keepdim=True)

        class GatedNorm(nn.Module):
            def __init__(self):
                super().__init__()
                self.gate = nn.Linear(8, 8)

            def forward(self, x):
                x = x / x.std(-1, keepdim=True)
                return x * torch.sigmoid(self.gate(x))

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(8, 8)
                self.b = nn.Linear(8, 8)
                self.c = nn.Linear(8, 8)
                self.d = nn.Linear(8, 8)
                self.n1 = Whatever()
                self.n2 = Centered()
                self.n3 = L2Norm()
                self.n4 = GatedNorm()

            def forward(self, x):
                h = F.relu(self.n1(self.a(x)))
                h = F.relu(self.n2(self.b(h)))
                h = F.relu(self.n3(self.c(h)))
                return F.relu(self.n4(self.d(h)))
        """
    got = {name: row["activation"] for (cls, name), row in rows(source).items() if cls == "Net"}
    assert got == {"a": "relu", "b": "none", "c": "none", "d": "none"}


def test_modules_added_to_a_container_after_it_is_built_are_followed():
    """torchvision's DenseNet: `self.features.add_module("transition%d" % i, trans)` in a loop after
    `nn.Sequential(...)` was built, and a ModuleDict subclass filled by `self.add_module(name, layer)`
    whose forward runs `for name, layer in self.items()` on a list it appends to."""
    source = textwrap.dedent('''
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Layer(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.norm = nn.BatchNorm2d(c)
                self.conv = nn.Conv2d(c, 8, 1)

            def forward(self, input):
                if isinstance(input, torch.Tensor):
                    prev = [input]
                else:
                    prev = input
                return self.conv(F.relu(self.norm(torch.cat(prev, 1))))


        class Block(nn.ModuleDict):
            def __init__(self, n, c):
                super().__init__()
                for i in range(n):
                    self.add_module("layer%d" % (i + 1), Layer(c + i * 8))

            def forward(self, init):
                features = [init]
                for name, layer in self.items():
                    features.append(layer(features))
                return torch.cat(features, 1)


        class Transition(nn.Sequential):
            def __init__(self, c):
                super().__init__()
                self.norm = nn.BatchNorm2d(c)
                self.relu = nn.ReLU()
                self.conv = nn.Conv2d(c, c, 1)


        class Net(nn.Module):
            def __init__(self, n=2):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(3, 8, 3))
                for i in range(n):
                    self.features.add_module("trans%d" % (i + 1), Transition(8))
                self.head = nn.Linear(8, 10)

            def forward(self, x):
                return self.head(F.relu(self.features(x)).mean((2, 3)))


        class DenseNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = nn.Conv2d(3, 8, 3)
                self.block = Block(2, 8)

            def forward(self, x):
                return self.block(self.stem(x)).mean((2, 3))
        ''')
    model = analyze(source, "m.py")
    got = {(layer.class_name, layer.name): (layer.activation, layer.activation_evidence) for layer in model.layers}
    assert got[("Transition", "conv")][0] == "relu", got[("Transition", "conv")]
    assert got[("Layer", "conv")][0] == "none" and "cat" in got[("Layer", "conv")][1]


def test_a_script_s_command_line_options_are_read_at_their_defaults():
    """`args = parser.parse_args()` at the top of a script: `MLP(16, args.act)` passes the option's
    default; the activation it picks is named with where the default is, and has no fix."""
    source = textwrap.dedent('''
        import argparse

        import torch.nn as nn

        parser = argparse.ArgumentParser()
        parser.add_argument("--act", type=str, default="relu")
        parser.add_argument("--hidden-size", dest="hidden", type=int, default=16)
        args = parser.parse_args()


        class MLP(nn.Module):
            def __init__(self, d, act):
                super().__init__()
                self.fc1 = nn.Linear(d, d)
                self.act = nn.ReLU() if act == "relu" else nn.Tanh()
                self.fc2 = nn.Linear(d, 1)

            def forward(self, x):
                return self.fc2(self.act(self.fc1(x)))


        mlp = MLP(args.hidden, args.act)
        ''')
    fc1 = next(layer for layer in analyze(source, "train.py").layers if layer.name == "fc1")
    assert fc1.activation == "relu" and "the default of --act in train.py" in fc1.activation_evidence
    assert fc1.fix.weight == "" and "one init call cannot suit both" in fc1.fix.reason
    changed = source.replace('parse_args()', 'parse_args(["--act", "tanh"])')
    fc1 = next(layer for layer in analyze(changed, "train.py").layers if layer.name == "fc1")
    assert fc1.activation == "unknown", "options given on the command line are not the defaults"


def test_an_init_function_handed_over_with_the_model_makes_its_layers_unknown():
    """timm's vitamin: `def init_weights(self): named_apply(partial(_init_conv, scheme=s), self)`, with
    timm's own recursive named_apply: the conv init may run on the block's convs (a parent's init
    calls `init_weights`), so they are `unknown`, and no fix is written that it would overwrite."""
    source = textwrap.dedent('''
        from functools import partial

        import torch.nn as nn


        def named_apply(fn, module, name=""):
            for child_name, child in module.named_children():
                named_apply(fn, child, name + "." + child_name)
            fn(module=module, name=name)


        def _init_conv(module, name, scheme=""):
            if isinstance(module, nn.Conv2d):
                nn.init.normal_(module.weight, 0, 0.02)


        class Block(nn.Module):
            def __init__(self, c):
                super().__init__()
                self.conv = nn.Conv2d(c, c, 1)
                self.act = nn.GELU()
                self.fc = nn.Linear(c, c)

            def init_weights(self, scheme=""):
                named_apply(partial(_init_conv, scheme=scheme), self)

            def forward(self, x):
                return self.fc(self.act(self.conv(x)).mean((2, 3))).relu()
        ''')
    got = {layer.name: layer for layer in analyze(source, "m.py").layers}
    assert got["conv"].init == "unknown" and "_init_conv" in got["conv"].init_evidence
    assert got["fc"].init == "default", "the init function covers Conv2d only"


def test_a_file_function_running_an_init_loop_on_a_container_passed_to_it():
    # torchvision's SSD: `_xavier_init(extra)` on a local container later assigned to self
    source = """
        import torch
        import torch.nn as nn

        def _xavier_init(conv: nn.Module):
            for layer in conv.modules():
                if isinstance(layer, nn.Conv2d):
                    torch.nn.init.xavier_uniform_(layer.weight)
                    if layer.bias is not None:
                        torch.nn.init.constant_(layer.bias, 0.0)

        class Extra(nn.Module):
            def __init__(self):
                super().__init__()
                extra = nn.ModuleList([nn.Sequential(nn.Conv2d(4, 4, 1), nn.ReLU(inplace=True))])
                CALL
                self.extra = extra
                self.other = nn.Conv2d(4, 4, 1)

            def forward(self, x):
                for block in self.extra:
                    x = block(x)
                return torch.relu(self.other(x))
        """
    got = rows(source.replace("CALL", "_xavier_init(extra)"), path="ssd.py")
    assert got[("Extra", "extra.0.0")]["init"] == "explicit"
    assert got[("Extra", "extra.0.0")]["init_evidence"] == "init loop over conv.modules() in _xavier_init()"
    assert got[("Extra", "other")]["init"] == "default"  # not passed to it
    assert rows(source.replace("CALL", "pass"), path="ssd.py")[("Extra", "extra.0.0")]["init"] == "default"


@pytest.mark.parametrize("source", ["A\n\n #\r0", "a = 1\r\n\r\n# c\nb = 2\n", "x = 1\n\n#\ry = 2\r"])
def test_mixed_line_breaks_parse_by_statement_as_a_whole(source):
    """A lone \\r among \\n (found by the grammar fuzzer): the pieces would not join into the whole parse."""
    tree, whole = parse_by_statement(source, ast.parse(source)), cst.parse_module(source)
    assert tree.code == whole.code and tree.deep_equals(whole)


def test_a_loop_over_one_of_two_module_lists_follows_the_elements_of_either():
    """ConvNextStage: `self.down = nn.ModuleList([norm, conv]) if c else nn.ModuleList()`, then
    `for layer in self.down:`: each element of either list (the empty one has none), not the
    lists themselves called as modules."""
    got = rows(
        """
        import torch.nn as nn

        class Stage(nn.Module):
            def __init__(self, cin, cout):
                super().__init__()
                if cin != cout:
                    self.down = nn.ModuleList([nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 2, 2)])
                else:
                    self.down = nn.ModuleList()
                self.body = nn.Conv2d(cout, cout, 3)
                self.act = nn.ReLU()

            def forward(self, x):
                for layer in self.down:
                    x = layer(x)
                return self.act(self.body(x))
        """
    )
    assert got[("Stage", "down.1")]["activation"] == "none", got[("Stage", "down.1")]["activation_evidence"]
    assert got[("Stage", "body")]["activation"] == "relu"


def test_config_fields_are_what_its_code_sets_at_its_defaults():
    """semantics.fields: class defaults, then `__init__` / `__post_init__` over constants; a base's
    `__init__` reached through `super().__init__(..., **kwargs)` (the caller's own **kwargs, empty at
    its defaults) with what it passes; a loop, a branch on what is not known, a splat of something
    else: not known (left out)."""
    import libcst as cst

    from initlint.semantics.fields import object_fields
    from initlint.semantics.file import FileAnalysis

    source = textwrap.dedent(
        """
        class Base:
            def __init__(self, act="relu", depth=2, **kw):
                self.act = act
                self.depth = depth
                if kw.get("x"):
                    self.other = 1

        class Child(Base):
            kind = "gated-gelu"
            def __init__(self, width=3, **kwargs):
                super().__init__(depth=width + 1, **kwargs)
                self.width = width
                self.parts = self.kind.split("-")
                self.gated = self.parts[0] == "gated"
                self.dense_act = self.parts[-1] if not self.gated else "gelu_new"
                for i in range(3):
                    self.looped = i

        class Other(Base):
            def __init__(self, **kwargs):
                super().__init__(**dict(kwargs))
        """
    )
    fa = FileAnalysis(cst.parse_module(source), "configs.py")
    fa.collect()
    child = object_fields([fa.classes["Child"], fa.classes["Base"]])
    assert child == {"kind": "gated-gelu", "depth": 4, "act": "relu", "width": 3, "parts": ["gated", "gelu"],
                     "gated": True, "dense_act": "gelu_new"}  # fmt: skip
    assert object_fields([fa.classes["Other"], fa.classes["Base"]]) == {}


def test_paths_merged_again_do_not_multiply_what_a_value_may_be() -> None:
    """transformers' integrations/hqq.py ran out of memory: each merge of two paths copied every
    alternative of both, so merging a value with what it already was doubled it (2**n after n
    merges). The same value reached twice is one alternative, and past MAX_ALTERNATIVES a value
    is unknown."""
    from initlint.semantics.values import MAX_ALTERNATIVES, ChainV, ClassRefV, UnknownV, alternative

    value = alternative(ClassRefV("torch.nn.ReLU"), ClassRefV("torch.nn.Tanh"))
    for _ in range(16):
        value = alternative(value, ChainV(list(value.items), "alt"))
    assert isinstance(value, ChainV) and len(value.items) == 2
    many = ClassRefV("torch.nn.ReLU")
    for _ in range(MAX_ALTERNATIVES):
        many = alternative(many, ClassRefV("torch.nn.GELU"))
    assert isinstance(many, UnknownV) and "alternatives" in many.why


PASSED_ON = """
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, act_layer=nn.ReLU):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = act_layer()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    def __init__(self, act_layer={default}):
        super().__init__(){rebind}
        self.a = Block(act_layer=act_layer)
        self.b = Block(act_layer=nn.ReLU)
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.b(self.a(x)))
"""


@pytest.mark.parametrize("default, rebind, built", [
    ("nn.Tanh", "", "tanh"),  # the container's own default is what it passes
    ("None", "\n        act_layer = act_layer or nn.Tanh", "tanh"),
    ("None", "\n        if act_layer is None:\n            act_layer = nn.Tanh", "tanh"),
    ("None", "\n        act_layer = pick(act_layer)", "unknown"),  # bound again to what code not read returns
])
def test_a_parameter_passed_on_holds_the_containers_default_and_what_fills_it(default, rebind, built) -> None:
    """`Net(act_layer=nn.Tanh)` building `Block(act_layer=act_layer)`: the block's layer meets Tanh
    there (nothing here builds Net with another), not the block's own default ReLU; so with
    `act_layer = act_layer or nn.Tanh`; a parameter bound again to anything else is not followed.
    torch builds the model to check what the claim says."""
    import torch.nn as nn

    source = PASSED_ON.format(default=default, rebind=rebind)
    layers = analyze(source, "net.py").layers
    assert [layer.activation for layer in layers if layer.class_name == "Block"] == ["unknown"], "uses differ"
    at_uses = {layer.line: layer.activation for layer in layers if layer.at_use}
    line = 18 + bool(rebind) + rebind.count("if ")
    assert at_uses == ({line: built, line + 1: "relu"} if built != "unknown" else {})
    if built != "unknown":
        namespace: dict = {}
        exec(compile(source, "net.py", "exec"), namespace)
        net = namespace["Net"]()
        built_here = {"tanh": nn.Tanh, "relu": nn.ReLU}
        assert type(net.a.act) is built_here[built] and type(net.b.act) is nn.ReLU


NANOGPT_LIKE = '''
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.c_proj(torch.relu(self.c_fc(x)))


class GPT(nn.Module):
    def __init__(self, d=64, n=2):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(10, d), h=nn.ModuleList([MLP(d) for _ in range(n)])))
        self.apply(self._init_weights)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, idx):
        x = self.transformer.wte(idx)
        for block in self.transformer.h:
            x = x + block(x)
        return x
'''


def test_a_parents_apply_reaches_blocks_held_in_a_module_dict_built_from_dict_keywords() -> None:
    """nanoGPT: `nn.ModuleDict(dict(wte=..., h=nn.ModuleList([Block(...) ...])))` then
    `self.apply(self._init_weights)`. The builtin `dict(...)`'s keywords were not read, so the
    blocks were not contained and `c_fc` was flagged for keeping the default; torch re-initialises it."""
    torch = pytest.importorskip("torch")
    model = analyze(NANOGPT_LIKE, "gpt.py")
    c_fc = next(layer for m in model.modules if m.name == "MLP" for layer in m.layers if layer.name == "c_fc")
    assert (c_fc.activation, c_fc.init) == ("relu", "explicit"), c_fc.init_evidence
    namespace: dict = {}
    exec(compile(NANOGPT_LIKE, "gpt.py", "exec"), namespace)
    torch.manual_seed(0)
    built = namespace["GPT"]()
    for block in built.transformer.h:
        assert abs(float(block.c_fc.weight.detach().std()) - 0.02) < 0.002  # not the default's ~0.072


APPLY_BEFORE_A_LAYER = '''
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.a = nn.Linear(d, d)
        self.apply(self._init_weights)
        self.adapter = nn.Linear(d, d)
        self._late_init()
        self.late = nn.Linear(d, d)

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def _late_init(self):
        for m in self.modules():
            if isinstance(m, nn.Linear):
                torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return torch.relu(self.late(torch.relu(self.adapter(torch.relu(self.a(x))))))
'''


def test_an_init_routine_does_not_reach_a_layer_built_after_it_ran() -> None:
    """`self.apply(fn)` (or a method that loops over `self.modules()`) runs on the modules that
    exist then: a layer a later statement of `__init__` builds keeps torch's default. It was
    claimed re-initialised by the routine. The effective init is the last one that runs."""
    torch = pytest.importorskip("torch")
    model = analyze(APPLY_BEFORE_A_LAYER, "net.py")
    rows = {layer.name: (layer.init, layer.init_evidence) for layer in model.layers}
    assert rows["a"][0] == "explicit" and "_late_init" in rows["a"][1], rows["a"]  # the last routine that ran on it
    assert rows["adapter"][0] == "explicit" and "_late_init" in rows["adapter"][1], rows["adapter"]
    assert rows["late"][0] == "default", rows["late"]
    namespace: dict = {}
    exec(compile(APPLY_BEFORE_A_LAYER, "net.py", "exec"), namespace)
    torch.manual_seed(0)
    built = namespace["Net"]()
    he = math.sqrt(2 / 16)
    assert abs(float(built.a.weight.detach().std()) - he) < 0.25 * he
    assert abs(float(built.adapter.weight.detach().std()) - he) < 0.25 * he
    default = 1 / math.sqrt(3 * 16)
    assert abs(float(built.late.weight.detach().std()) - default) < 0.25 * default


GAN_GENERATOR = """
import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, latent_dim=16, img_shape=(1, 4, 4)):
        super(Generator, self).__init__()
        self.img_shape = img_shape
        self.model = nn.Sequential(
            nn.Linear(latent_dim, 32),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(32, 16),
            nn.Tanh(),
        )

    def forward(self, z):
        img = self.model(z)
        img = img.view(img.size(0), *self.img_shape)
        return img
"""


def test_super_with_the_class_named_does_not_hide_that_the_model_returns_its_tanh(tmp_path: Path):
    """PyTorch-GAN's `super(Generator, self).__init__()` names the class without using it: the
    Generator is still the top-level model, whose output its Tanh gives (an output head, no fix),
    as torch shows: the model's output is the Tanh's, reshaped."""
    torch = pytest.importorskip("torch")
    model = analyze(GAN_GENERATOR, "gan.py")
    last = next(layer for layer in model.layers if layer.name == "model.2")
    assert (last.activation, last.output_head) == ("tanh", True)
    path = tmp_path / "gan.py"
    path.write_text(GAN_GENERATOR, encoding="utf-8")
    from initlint import api

    list(api.check(api.Run(paths=[str(path)], isolated=True, use_cache=False, fix=True, unsafe_fixes=True)))
    fixed = path.read_text(encoding="utf-8")
    assert "self.model[0].weight" in fixed and "self.model[2]" not in fixed, "the hidden layer fixed, the head not"
    namespace: dict = {}
    exec(compile(GAN_GENERATOR, str(path), "exec"), namespace)
    generator, seen = namespace["Generator"](), []
    generator.model[3].register_forward_hook(lambda module, args, out: seen.append(out))
    out = generator(torch.randn(2, 16))
    assert isinstance(generator.model[3], torch.nn.Tanh) and torch.equal(out, seen[0].view(2, 1, 4, 4))


SCRIPT_RUNS_METHOD = """
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

    def init_weights(self):
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)


def main():
    model = MLP()
    model.init_weights()
{more}    return model
"""


@pytest.mark.parametrize("every", [True, False], ids=["every construction", "one of two"])
def test_a_method_the_script_runs_on_every_model_it_builds_is_a_routine_of_its_construction(every: bool):
    """`model = MLP(); model.init_weights()`: what the method draws is the layer's init (before:
    unknown, "which building the model does not run"), torch measures fc1 at ReLU's std; a second
    construction that does not run it leaves it unknown."""
    torch = pytest.importorskip("torch")
    source = SCRIPT_RUNS_METHOD.format(more="" if every else "    other = MLP()\n    print(other)\n")
    layers = {layer.name: layer for layer in analyze(source, "mlp.py").layers}
    if not every:
        assert layers["fc1"].init == "unknown"
        return
    assert (layers["fc1"].init, layers["fc2"].init) == ("explicit", "default")
    assert "init_weights" in layers["fc1"].init_evidence and layers["fc1"].init_call.line == 16
    namespace: dict = {}
    exec(compile(source, "mlp.py", "exec"), namespace)
    torch.manual_seed(0)
    model = namespace["main"]()
    std = float(model.fc1.weight.detach().std())
    assert abs(std * math.sqrt(64 / 2) - 1) < 0.05, "kaiming for ReLU: sqrt(2 / fan_in)"
    assert abs(float(model.fc2.weight.detach().std()) * math.sqrt(3 * 256) - 1) < 0.05, "fc2 on the default"
