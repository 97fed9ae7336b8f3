"""Hypothesis strategies for random-but-valid PyTorch model files, and an independent check
that a fix only inserted init statements.

Used by tests/test_fuzz.py (a few hundred examples in CI), tests/test_atomic.py (files to kill
a fixing process over) and bench/fuzz.py / bench/corpus.py (long runs, real code).

`insertion_problem(old, new)` deliberately does not reuse initlint.fixer: it recovers the
inserted lines with difflib, takes the statements on them out of the new AST and compares
with the old AST, so a bug in the fixer's own safety check cannot hide itself.
"""

from __future__ import annotations

import ast
import difflib
import re
import warnings
from dataclasses import dataclass, field
from typing import Optional

from hypothesis import strategies as st

# Python ends a line at \r\n, \r or \n only (str.splitlines also splits at \f, \v, \x1c...).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
# What an inserted statement may call: torch.nn.init functions and the in-place scaling the
# second-moment gains use (`weight.data.mul_(g)`).
_INIT_FUNCTIONS = re.compile(r"^(?:\w+_|mul_|zeros_|normal_|uniform_|constant_|ones_)$")


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def _parse(text: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in generated/real code
        return ast.parse(text)


def inserted_lines(old: str, new: str) -> tuple[Optional[set[int]], str]:
    """(1-based line numbers of `new` that were inserted, "") or (None, why not) when `new`
    is not `old` with whole lines inserted."""
    a, b = split_lines(old), split_lines(new)
    inserted: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            inserted.update(range(j1 + 1, j2 + 1))
            continue
        # The one allowed change of an old line: the last line had no line ending and got one,
        # so lines could be inserted after it.
        if tag == "replace" and i2 == len(a) == i1 + 1 and a[-1].rstrip("\r\n") == a[-1]:
            if b[j1].rstrip("\r\n") == a[-1]:
                inserted.update(range(j1 + 2, j2 + 1))
                continue
        return None, f"{tag} of old lines {i1 + 1}-{i2}: {a[i1:i2][:2]!r} -> {b[j1:j2][:2]!r}"
    return inserted, ""


def _is_init_statement(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Import):
        return [a.name for a in stmt.names] == ["torch"] and stmt.names[0].asname is None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        return isinstance(func, ast.Attribute) and bool(_INIT_FUNCTIONS.match(func.attr))
    if isinstance(stmt, (ast.For, ast.If)) and not stmt.orelse:
        return all(_is_init_statement(s) for s in stmt.body)
    return False


def insertion_problem(old: str, new: str) -> Optional[str]:
    """None when `new` is `old` plus inserted init statements (and `import torch`) and
    nothing else, with `new` compiling; else what is wrong."""
    lines, why = inserted_lines(old, new)
    if lines is None:
        return why
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new, "<fixed>", "exec", dont_inherit=True)
        new_tree = _parse(new)
    except (SyntaxError, ValueError) as error:
        return f"the fixed text does not compile: {error}"
    old_dump = ast.dump(_parse(old))
    removed: list[ast.stmt] = []

    def prune(node: ast.AST) -> Optional[str]:
        for name, value in ast.iter_fields(node):
            if isinstance(value, list):
                kept = []
                for item in value:
                    if isinstance(item, ast.stmt) and item.lineno in lines:
                        if not all(n in lines for n in range(item.lineno, (item.end_lineno or item.lineno) + 1)):
                            return f"the statement inserted at line {item.lineno} runs into original lines"
                        removed.append(item)
                        continue
                    kept.append(item)
                value[:] = kept
                for item in kept:
                    if isinstance(item, ast.AST) and (problem := prune(item)):
                        return problem
            elif isinstance(value, ast.AST) and (problem := prune(value)):
                return problem
        return None

    problem = prune(new_tree)
    if problem:
        return problem
    covered = {n for s in removed for n in range(s.lineno, (s.end_lineno or s.lineno) + 1)}
    blank = {n for n in lines if not split_lines(new)[n - 1].strip()}
    if lines - covered - blank:
        return f"inserted lines {sorted(lines - covered - blank)[:5]} hold no whole statement"
    not_init = [ast.unparse(s) for s in removed if not _is_init_statement(s)]
    if not_init:
        return f"inserted statements that are not init calls: {not_init[:3]}"
    if ast.dump(new_tree) != old_dump:
        return "the syntax tree changed beyond the inserted statements"
    return None


# --------------------------------------------------------------------------------------
# Random-but-valid PyTorch model files

LAYERS = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d")
# activation name -> (module spelling, functional spelling or None, method on the tensor or None)
ACTIVATIONS = {
    "relu": ("nn.ReLU()", "F.relu({})", "{}.relu()"),
    "relu_inplace": ("nn.ReLU(inplace=True)", "F.relu({}, inplace=True)", "torch.relu({})"),
    "leaky_relu": ("nn.LeakyReLU(0.2)", "F.leaky_relu({}, 0.2)", None),
    "tanh": ("nn.Tanh()", "torch.tanh({})", "{}.tanh()"),
    "sigmoid": ("nn.Sigmoid()", "torch.sigmoid({})", "{}.sigmoid()"),
    "gelu": ("nn.GELU()", "F.gelu({})", None),
    "silu": ("nn.SiLU()", "F.silu({})", None),
    "selu": ("nn.SELU()", "F.selu({})", None),
    "elu": ("nn.ELU()", "F.elu({})", None),
    "softmax": ("nn.Softmax(dim=-1)", "F.softmax({}, dim=-1)", None),
    "none": (None, None, None),
}
INIT_STYLES = ("default", "explicit_after", "modules_loop", "apply", "reset_parameters")


@dataclass
class GenLayer:
    attr: str  # attribute name, or the Sequential's name for its items
    kind: str
    activation: str
    explicit: bool  # the generator wrote an init for it


@dataclass
class GeneratedModel:
    """A generated file: its bytes as written to disk, and what the generator put in it."""

    data: bytes
    text: str  # decoded, BOM removed, line endings kept
    newline: str
    indent: str
    bom: bool
    layers: list[GenLayer] = field(default_factory=list)


def _layer_call(kind: str, nn: str, width_in: int, width_out: int, quirk: str, depth: int = 0) -> str:
    """The constructor call; a multi-line one carries `@@` indentation marks after each newline."""
    args = [str(width_in), str(width_out)] + ([] if kind == "Linear" else ["3"])
    if quirk == "kwargs" and kind != "Linear":
        args = [f"in_channels={width_in}", f"out_channels={width_out}", "kernel_size=3", "padding=1"]
    elif quirk == "bias" and kind == "Linear":
        args.append("bias=False")
    inner, outer = "@@" * (depth + 1), "@@" * depth
    if quirk == "multiline":
        return f"{nn}.{kind}(\n" + "".join(f"{inner}{a},\n" for a in args) + f"{outer})"
    if quirk == "continuation":  # a backslash continuation inside the parentheses
        return f"{nn}.{kind}({args[0]}, \\\n{inner}" + ", ".join(args[1:]) + ")"
    return f"{nn}.{kind}({', '.join(args)})"


@st.composite
def model_files(draw, conditional: bool = False) -> GeneratedModel:
    """One Python file with 1-3 nn.Module classes built from random layer stacks.

    `conditional` also builds layers in `if` branches and conditional expressions
    (`nn.Linear(...) if c else nn.Identity()`), which the fix must either cover or leave alone."""
    import_style = draw(st.sampled_from(("import_as", "from_torch", "torch_only", "torch_and_nn")))
    nn = "torch.nn" if import_style == "torch_only" else "nn"
    header: list[str] = []
    if draw(st.booleans()):
        header.append("#!/usr/bin/env python3")
    if draw(st.booleans()):
        header.append('"""A generated model file."""')
    if draw(st.booleans()):
        header.append("from __future__ import annotations")
    header += {
        "import_as": ["import torch", "import torch.nn as nn"],
        "from_torch": ["import torch", "from torch import nn"],
        "torch_only": ["import torch"],
        "torch_and_nn": ["import torch", "import torch.nn as nn"],
    }[import_style]
    if import_style == "import_as" and draw(st.booleans()):
        header.remove("import torch")  # torch.tanh & co. then must not be used; see _activation_text
    header.append("import torch.nn.functional as F")
    if conditional and draw(st.booleans()):
        header.append("from torch.nn import init")  # rebound below, sometimes
    has_torch = "import torch" in header
    decorated = draw(st.booleans())
    if decorated:
        header += ["", "", "def register(cls):", "@@return cls"]

    body: list[str] = []
    layers: list[GenLayer] = []
    for index in range(draw(st.integers(1, 3))):
        body += ["", ""]
        class_lines, class_layers = _module_class(draw, f"Net{index}", nn, has_torch, decorated, conditional)
        if draw(st.integers(0, 4)) == 0:
            # Nested: the model class lives in another class's body.
            nested = ["\n".join("@@" + part for part in line.split("\n")) if line else "" for line in class_lines]
            class_lines = [f"class Holder{index}:", "@@kind = 'holder'", ""] + nested
        body += class_lines
        layers += class_layers

    logical = header + body
    if conditional and draw(st.booleans()):
        # Rebinding at module level, after the classes: a fix must not use the rebound name.
        rebound = "nn" if nn == "nn" and draw(st.booleans()) else "init"
        logical += ["", "", f"def {rebound}(module):", "@@return module"]
    if draw(st.booleans()):
        logical = ["# A comment before the code", "# second line"] + logical

    indent = draw(st.sampled_from(("    ", "  ", "\t")))
    newline = draw(st.sampled_from(("\n", "\n", "\r\n")))
    bom = draw(st.integers(0, 5)) == 0
    trailing_newline = draw(st.integers(0, 5)) != 0
    text_lines = [_render(line, indent) for line in logical]
    text = ("\n".join(text_lines) + ("\n" if trailing_newline else "")).replace("\n", newline)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    return GeneratedModel(data, text, newline, indent, bom, layers)


def _render(line: str, indent: str) -> str:
    """`@@` marks one level of indentation, at the start of a line or after a newline in it."""
    out = []
    for part in line.split("\n"):
        depth = 0
        while part.startswith("@@", depth * 2):
            depth += 1
        out.append(indent * depth + part[depth * 2 :])
    return "\n".join(out)


def _activation_text(draw, activation: str, value: str, has_torch: bool) -> str:
    module, functional, method = ACTIVATIONS[activation]
    choices = [f for f in (functional, method) if f and (has_torch or not f.startswith("torch."))]
    return draw(st.sampled_from(choices)).format(value)


def _module_class(
    draw, name: str, nn: str, has_torch: bool, decorated: bool, conditional: bool = False
) -> tuple[list[str], list[GenLayer]]:
    style = draw(st.sampled_from(("attributes", "sequential", "mixed")))
    init_style = draw(st.sampled_from(INIT_STYLES))
    count = draw(st.integers(1, 4))
    kinds = draw(st.lists(st.sampled_from(LAYERS), min_size=count, max_size=count))
    if draw(st.booleans()):
        kinds = [kinds[0]] * count  # one kind per stack: shapes line up
    acts = draw(st.lists(st.sampled_from(tuple(ACTIVATIONS)), min_size=count, max_size=count))
    quirks = draw(st.lists(st.sampled_from(("plain", "plain", "kwargs", "bias", "multiline", "continuation", "backslash", "comment", "semicolon")), min_size=count, max_size=count))
    lines = (["@register"] if decorated and draw(st.booleans()) else []) + [f"class {name}({nn}.Module):"]
    if draw(st.booleans()):
        lines.append(f'@@"""Model {name}."""')
    lines += ["@@def __init__(self, width=8):", "@@@@super().__init__()"]
    gen_layers: list[GenLayer] = []
    forward: list[str] = ["@@def forward(self, x):"]
    attrs = []
    if style == "sequential":
        items = []
        for i, (kind, act) in enumerate(zip(kinds, acts)):
            items.append(_layer_call(kind, nn, 8, 8, "plain" if quirks[i] in ("multiline", "continuation", "backslash", "semicolon") else quirks[i]))
            module = ACTIVATIONS[act][0]
            if module:
                items.append(module.replace("nn.", f"{nn}."))
            gen_layers.append(GenLayer("body", kind, act, False))
        lines.append("@@@@self.body = " + f"{nn}.Sequential(")
        for item in items:
            lines.append(f"@@@@@@{item},")
        lines.append("@@@@)")
        forward.append("@@@@return self.body(x)")
    else:
        for i, (kind, act) in enumerate(zip(kinds, acts)):
            attr = f"layer{i}"
            call = _layer_call(kind, nn, 8, 8, quirks[i], depth=2)
            statement = f"@@@@self.{attr} = {call}"
            if quirks[i] == "backslash":
                statement = f"@@@@self.{attr} = \\\n@@@@@@{call}"
            shapes = ("plain", "if", "ifexp", "ifexp_none", "rebuild_if", "rebuild_after_return", "dead_after_return")
            shape = draw(st.sampled_from(shapes)) if conditional else "plain"
            if shape == "rebuild_if":  # bound, then bound again on one path (issue 18: both or neither fixed)
                statement = f"{statement}\n@@@@if width > 4:\n@@@@@@self.{attr} = {_layer_call(kind, nn, 8, 8, 'plain')}"
            elif shape == "rebuild_after_return":  # an early return, then a rebuild
                statement = f"{statement}\n@@@@if width < 4:\n@@@@@@return\n@@@@self.{attr} = {_layer_call(kind, nn, 8, 8, 'plain')}"
            elif shape == "dead_after_return":  # code after a `continue`: never built, never fixed
                statement = f"{statement}\n@@@@for _ in range(1):\n@@@@@@continue\n@@@@@@self.{attr} = {_layer_call(kind, nn, 8, 8, 'plain')}"
            if shape == "if":  # built in one branch, something else in the other
                other = f"{nn}.Identity()" if draw(st.booleans()) else _layer_call(kind, nn, 8, 8, "plain")
                statement = f"@@@@if width > 4:\n@@{statement}\n@@@@else:\n@@@@@@self.{attr} = {other}"
            elif shape.startswith("ifexp"):
                other = "None" if shape == "ifexp_none" else f"{nn}.Identity()"
                statement = f"@@@@self.{attr} = {_layer_call(kind, nn, 8, 8, 'plain')} if width > 4 else {other}"
            if quirks[i] == "comment":
                statement += "  # a layer"
            if quirks[i] == "semicolon":
                statement = f"@@@@self.tag{i} = {i}; self.{attr} = {call}"
            lines.append(statement)
            explicit = init_style == "explicit_after" and draw(st.booleans())
            if explicit:
                lines.append(f"@@@@{nn}.init.xavier_uniform_(self.{attr}.weight)")
            attrs.append(attr)
            gen_layers.append(GenLayer(attr, kind, act, explicit))
            use_module = style == "mixed" and ACTIVATIONS[act][0] and draw(st.booleans())
            if use_module:
                lines.append(f"@@@@self.act{i} = " + ACTIVATIONS[act][0].replace("nn.", f"{nn}."))
                forward.append(f"@@@@x = self.act{i}(self.{attr}(x))")
            elif act == "none":
                forward.append(f"@@@@x = self.{attr}(x)")
            else:
                forward.append(f"@@@@x = {_activation_text(draw, act, f'self.{attr}(x)', has_torch)}")
        forward.append("@@@@return x")
    if init_style == "modules_loop":
        lines += [
            "@@@@for m in self.modules():",
            f"@@@@@@if isinstance(m, {nn}.Linear):",
            f"@@@@@@@@{nn}.init.kaiming_normal_(m.weight, nonlinearity='relu')",
        ]
    elif init_style == "apply":
        lines += ["@@@@self.apply(self._init_weights)"]
        if conditional and draw(st.booleans()):  # a checkpoint load: a fix must go before it
            lines += ["@@@@if width == 3:", "@@@@@@self.load_state_dict(self.state_dict())"]
        lines += [""]
        lines += ["@@def _init_weights(self, module):", f"@@@@if isinstance(module, {nn}.Conv2d):", f"@@@@@@{nn}.init.zeros_(module.weight)"]
    elif init_style == "reset_parameters":
        lines += ["@@@@self.reset_parameters()", "", "@@def reset_parameters(self):"]
        lines += [f"@@@@{nn}.init.orthogonal_(self.{a}.weight)" for a in attrs[:1]] or ["@@@@pass"]
    lines.append("")
    if draw(st.booleans()):
        lines += ["@@@torch.no_grad()" if has_torch else "@@@staticmethod", "@@def helper(self):" if has_torch else "@@def helper():", "@@@@return 1", ""]
    lines += forward
    return lines, gen_layers


@st.composite
def block_caller_files(draw) -> GeneratedModel:
    """A block class whose layers depend on its arguments (a norm or dropout only when a flag
    says so), used by one or two model classes several times with different arguments: the
    UNet/pix2pix `Down` block of issue 16, which once got one more init line per --fix."""
    kind = draw(st.sampled_from(("Linear", "Conv2d")))
    act = draw(st.sampled_from(("relu", "leaky_relu", "tanh", "gelu", "silu", "selu")))
    act_module = ACTIVATIONS[act][0]
    flags = draw(st.lists(st.sampled_from(("normalize", "dropout", "bias")), min_size=1, max_size=3, unique=True))
    shape = draw(st.sampled_from(("list", "attributes", "list_norm_first")))
    norm = "nn.LayerNorm(o)" if kind == "Linear" else "nn.BatchNorm2d(o)"
    layer = "nn.Linear(i, o, bias=bias)" if kind == "Linear" else "nn.Conv2d(i, o, 3, padding=1, bias=bias)"
    extra = {"normalize": norm, "dropout": "nn.Dropout(0.1)"}
    params = ", ".join(f"{flag}={draw(st.booleans())}" for flag in flags)
    if "bias" not in flags:
        layer = layer.replace(", bias=bias", "")
    lines = ["import torch", "import torch.nn as nn", "", "", "class Block(nn.Module):", f"@@def __init__(self, i, o, {params}):"]
    lines.append("@@@@super(Block, self).__init__()" if draw(st.booleans()) else "@@@@super().__init__()")
    if shape in ("list", "list_norm_first"):
        lines.append(f"@@@@layers = [{layer}]")
        for flag in flags:
            if flag in extra:
                lines += [f"@@@@if {flag}:", f"@@@@@@layers.append({extra[flag]})"]
        lines.append(f"@@@@layers.append({act_module})")
        lines.append("@@@@self.model = nn.Sequential(*layers)")
        forward = ["@@def forward(self, x):", "@@@@return self.model(x)"]
    else:
        lines.append(f"@@@@self.layer = {layer}")
        used = [flag for flag in flags if flag in extra]
        for flag in used:
            lines.append(f"@@@@self.{flag} = {extra[flag]} if {flag} else nn.Identity()")
        lines.append(f"@@@@self.act = {act_module}")
        forward = ["@@def forward(self, x):", "@@@@x = self.layer(x)"] + [f"@@@@x = self.{f}(x)" for f in used]
        forward.append("@@@@return self.act(x)")
    lines += [""] + forward
    for index in range(draw(st.integers(1, 2))):
        lines += ["", "", f"class Net{index}(nn.Module):", "@@def __init__(self, width=8):", "@@@@super().__init__()"]
        count = draw(st.integers(2, 3))
        for k in range(count):
            chosen = [f"{flag}={draw(st.booleans())}" for flag in flags if draw(st.booleans())]
            lines.append(f"@@@@self.block{k} = Block(8, 8{''.join(', ' + c for c in chosen)})")
        lines += ["", "@@def forward(self, x):"] + [f"@@@@x = self.block{k}(x)" for k in range(count)] + ["@@@@return x"]
    text = "\n".join(_render(line, "    ") for line in lines) + "\n"
    return GeneratedModel(text.encode(), text, "\n", "    ", False, [])


# --------------------------------------------------------------------------------------
# The --fix properties, for one file


@dataclass
class FixOutcome:
    findings: int = 0
    fixed: int = 0
    problems: list[str] = field(default_factory=list)


def all_codes() -> list[str]:
    from initlint.rules import ALL_RULES

    return [rule.code for rule in ALL_RULES]


def construction_failures(data: bytes) -> dict[str, str]:
    """Build every generated model class (NetN, Holder.NetN) with width 2 and 8, so both
    sides of `if width > 4` run: {"Net0(width=2)": error} for those that raise. Uses torch
    (tests may; initlint's static mode may not)."""
    import torch  # noqa: F401  (the generated code imports it too)

    namespace: dict = {"__name__": "generated_model"}
    exec(compile(data, "<generated>", "exec", dont_inherit=True), namespace)
    classes = {}
    for name, value in namespace.items():
        if isinstance(value, type):
            if name.startswith("Net"):
                classes[name] = value
            for inner, member in vars(value).items():
                if isinstance(member, type) and inner.startswith("Net"):
                    classes[f"{name}.{inner}"] = member
    failures = {}
    for name, cls in classes.items():
        for width in (2, 8):
            try:
                cls(width=width)
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                failures[f"{name}(width={width})"] = f"{type(error).__name__}: {error}"
    return failures


def built_classes(data: bytes) -> dict:
    """The generated model classes (NetN, HolderN.NetN) of a file, by the name the analysis gives them."""
    import torch  # noqa: F401  (the generated code imports it too)

    namespace: dict = {"__name__": "generated_model"}
    exec(compile(data, "<generated>", "exec", dont_inherit=True), namespace)
    classes = {}
    for name, value in namespace.items():
        if isinstance(value, type):
            if name.startswith("Net"):
                classes[name] = value
            for inner, member in vars(value).items():
                if isinstance(member, type) and inner.startswith("Net"):
                    classes[inner] = member
    return classes


def mismeasured_layers(old: bytes, new: bytes, fixed: list) -> list[str]:
    """Every fixed layer, built from the fixed file on both sides of `width > 4` (where that
    path builds it), has the std its activation calls for: the fix ran and nothing
    overwrote it. The sample std of n uniform draws has a relative sd of sqrt(0.8 / (4 n));
    5 of those are allowed."""
    import math

    import torch

    from initlint import catalogue, sources
    from initlint.semantics.file import analyze

    layers = {(l.class_name, l.name, l.line): l for l in analyze(sources.decode(old)[0], "old.py").layers}
    classes = built_classes(new)
    fixed_keys = {(f.class_name, f.layer, f.line) for f in fixed}
    problems = []
    for finding in fixed:
        layer = layers.get((finding.class_name, finding.layer, finding.line))
        cls = classes.get(finding.class_name or "")
        rec = catalogue.recommend(layer.activation, layer.activation_param) if layer else None
        if layer is None or cls is None or rec is None or not layer.name or "*" in layer.name:
            continue
        if any(key[:2] == (finding.class_name, finding.layer) and key not in fixed_keys for key in layers):
            continue  # another binding of the name (initialised its own way) may be the live one
        for width in (2, 8):
            try:
                model = cls(width=width)
                weight = model.get_submodule(layer.name).weight
            except Exception:  # noqa: BLE001 - this path does not build it (or anything)
                continue
            fan_in, _ = torch.nn.init._calculate_fan_in_and_fan_out(weight)
            expected = rec.std(fan_in)
            got = weight.detach().double().std().item()
            # a gain torch has no name for (ELU, GELU...) is always a normal_ call: normal's kurtosis
            normal = rec.always_normal or rec.extra_scale is not None
            tolerance = 5 * math.sqrt((3.0 if normal else 1.8) - 1.0) / math.sqrt(4.0 * weight.numel())
            if abs(got / expected - 1.0) > tolerance:
                problems.append(
                    f"fixed layer {finding.class_name}.{layer.name} (width={width}) has std {got:.4f}, "
                    f"expected {expected:.4f} for {layer.activation}: the fix did not take effect"
                )
    return problems


def fix_properties(path, data: bytes, build: bool = False) -> FixOutcome:
    """Write `data` (a valid file) to `path`, fix it as `initlint check --fix` does and check:
    no error; the new bytes decode, compile and differ from the old only by inserted init
    statements; BOM and line endings kept; a second --fix changes nothing; every fixed
    layer's inspect row says `explicit`; with `build`, every model class that could be built
    before the fix still can, on both sides of its conditions (this one runs torch)."""
    from initlint import api, sources

    path.write_bytes(data)
    settings = api.Settings(codes=all_codes(), fix=True)
    first = api.check_file(str(path), settings)
    outcome = FixOutcome(len(first.findings) + len(first.fixed), len(first.fixed))
    problems = outcome.problems
    if first.error is not None:
        problems.append(f"check --fix of a valid file failed: {first.error}")
    new = path.read_bytes()
    if bool(first.fixed) != (new != data):
        problems.append(f"{len(first.fixed)} fixes reported but the file {'changed' if new != data else 'did not change'}")
    new_line = {n: n for n in range(1, data.count(b"\n") + 2)}  # old line -> new line
    if new != data:
        if new.startswith(b"\xef\xbb\xbf") != data.startswith(b"\xef\xbb\xbf"):
            problems.append("the BOM was added or lost")
        old_text, new_text = sources.decode(data)[0], sources.decode(new)[0]
        inserted, _ = inserted_lines(old_text, new_text)
        if inserted is not None:
            kept = [n for n in range(1, len(split_lines(new_text)) + 2) if n not in inserted]
            new_line = dict(enumerate(kept, start=1))
        problem = insertion_problem(old_text, new_text)
        if problem:
            problems.append(f"not only inserted init statements: {problem}")
        endings = lambda text: {re.sub(r"[^\r\n]", "", line) for line in split_lines(text)} - {""}  # noqa: E731
        if len(endings(old_text)) == 1 and endings(new_text) != endings(old_text):
            problems.append(f"line endings changed: {endings(old_text)} -> {endings(new_text)}")
    second = api.check_file(str(path), settings)
    if second.error is not None or second.fixed or path.read_bytes() != new:
        problems.append(f"a second --fix is not a no-op: error={second.error}, fixed={len(second.fixed)}")
    if build and new != data:
        before, after = construction_failures(data), construction_failures(new)
        broken = {k: v for k, v in after.items() if k not in before}
        if broken:
            problems.append(f"the fixed code no longer builds: {broken}")
        problems.extend(mismeasured_layers(data, new, first.fixed))
    rows = api.inspect_file(str(path), settings).rows
    for finding in first.fixed:
        # The fixed layer's row: same name, and its line moved by the lines inserted above it.
        matching = [
            r for r in rows
            if (r["class"], r["layer"], r["line"]) == (finding.class_name, finding.layer, new_line.get(finding.line))
        ]  # fmt: skip
        if not matching or any(r["init"] != "explicit" for r in matching):
            problems.append(
                f"fixed layer {finding.class_name}.{finding.layer} is not `explicit` after the fix: "
                f"{[(r['init'], r['init_evidence']) for r in matching]}"
            )
    return outcome


def cpython_accepts(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fuzz>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def assert_parsed_as_a_whole(source: str) -> None:
    """syntax.parse.parse_by_statement gives the very tree (and code) of a whole-file LibCST parse."""
    import libcst

    from initlint.syntax.parse import parse_by_statement

    if not cpython_accepts(source):
        return
    try:
        whole = libcst.parse_module(source)
    except libcst.ParserSyntaxError:
        return  # CPython accepts it, LibCST does not: the analysis reports LibCST's verdict
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = compile(source, "<fuzz>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    joined = parse_by_statement(source, tree)
    assert joined.deep_equals(whole)
    assert (joined.default_indent, joined.default_newline, joined.has_trailing_newline) == (
        whole.default_indent, whole.default_newline, whole.has_trailing_newline)  # fmt: skip
    assert joined.code == whole.code  # not always the source: LibCST drops "\n" from "A\n\n "
