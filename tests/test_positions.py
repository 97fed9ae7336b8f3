"""Spans of reported nodes: read from CPython's tree where the calls line up, else generated
again from LibCST. Both ways must give the same spans; these tests compare them node by node
(the codegen of the whole module, with no holders, is the reference)."""

from __future__ import annotations

import ast

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from strategies import cpython_accepts

from initlint.syntax import positions
from initlint.syntax.nodes import child_nodes
from initlint.syntax.parse import parse_by_statement

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")

TRICKY = '''\
import torch.nn as nn


@register(name=make("x"), also=make("y"))
def build(a=nn.Linear(1, 2), /, b=nn.Linear(3, 4), *, c=nn.Conv2d(1, 1, 1)) -> Ann(call()):
    # a comment line above
    try:
        make(1)
    except make(2) as error:
        make(3)
    return make(4) if make(5) else make(6)


@make(0)
def same_callee(a=make(1), /, b=make(2), *, c=make(3)) -> make(4):
    return make(5)


@make(7)
class Head(make(8)):
    x = make(9)


class Net(Base(nn.Module), meta=Meta()):
    def __init__(self):
        super().__init__()
        try:
            self.fc = nn.Linear(10, 11)
        except error_of(nn.Linear(12, 13)) as e:
            self.fc = (nn.Linear(14, 15))
        self.café = nn.Linear(16, 17)  # non-ASCII: CPython's columns are bytes
        self.x = "é" + str(nn.Linear(18, 19))
        self.y = f(g(h(1)))(2).call(nn.Linear(3, 4))
        self.z = [nn.Linear(i, i) for i in range(3) if keep(i)]
        self.w = {k(1): v(2) for k, v in items()}
        self.lam = lambda q=nn.Linear(1, 1): q
        if (n := count(3)) > 2:
            self.seq = nn.Sequential(
                nn.Linear(1, 2),
                nn.ReLU(),
                nn.Linear(2, 3),
            )
        self.s = f"{nn.Linear(1, 2)}"; self.t = nn.Linear(2, 2)
'''


def _all_wanted(module: cst.Module, kinds: tuple = (cst.Call, cst.SimpleStatementLine)) -> tuple[list, dict]:
    """Every call (and statement line), with the index of the top-level statement, class
    member or method statement holding it (as the analysis keys them)."""
    nodes, holders = [], {}

    def collect(node, place) -> None:
        if isinstance(node, kinds):
            nodes.append(node)
            holders[id(node)] = place
        for child in child_nodes(node):
            collect(child, place)

    for i, stmt in enumerate(module.body):
        if isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            for j, member in enumerate(stmt.body.body):
                if isinstance(member, cst.FunctionDef) and isinstance(member.body, cst.IndentedBlock):
                    for k, inner in enumerate(member.body.body):
                        collect(inner, (i, j, k))
                    for part in (*member.decorators, member.params):
                        collect(part, (i, j))
                else:
                    collect(member, (i, j))
            for part in (*stmt.decorators, *stmt.bases, *stmt.keywords):
                collect(part, i)
        else:
            collect(stmt, i)
    return nodes, holders


def _both_ways(source: str, kinds: tuple = (cst.Call, cst.SimpleStatementLine)) -> tuple[dict, dict, int]:
    c_tree = ast.parse(source)
    module = parse_by_statement(source, c_tree)
    nodes, holders = _all_wanted(module, kinds)
    reference = positions.compute_spans(module, nodes)
    mapped = positions.compute_spans(module, nodes, holders, source, c_tree)
    return reference, mapped, len(nodes)


@pytest.mark.parametrize("kinds", [(cst.Call,), (cst.Call, cst.SimpleStatementLine)])
def test_spans_read_from_cpythons_tree_are_the_generated_ones(kinds):
    reference, mapped, count = _both_ways(TRICKY, kinds)
    assert count > 40 and len(reference) == count
    assert mapped == reference


def test_the_mapping_is_used_where_calls_line_up(monkeypatch):
    generated = []
    original = positions._PositionState.__init__

    def counting(self, *args, **kwargs):
        generated.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(positions._PositionState, "__init__", counting)
    source = "import torch.nn as nn\n\n\nclass A(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(1, 2)\n        self.g = nn.Linear(2, 3)\n"
    c_tree = ast.parse(source)
    module = parse_by_statement(source, c_tree)
    nodes, holders = _all_wanted(module)
    reference = positions.compute_spans(module, nodes)
    assert generated
    generated.clear()
    assert positions.compute_spans(module, nodes, holders, source, c_tree) == reference
    assert generated == []  # no statement was generated again


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(source=hypothesmith.from_grammar())
def test_spans_agree_on_grammar_generated_programs(source):
    if not cpython_accepts(source):
        return
    for kinds in [(cst.Call,), (cst.Call, cst.SimpleStatementLine)]:
        try:
            reference, mapped, _ = _both_ways(source, kinds)
        except (cst.ParserSyntaxError, RecursionError, SyntaxError, ValueError):
            return
        assert mapped == reference


def test_calls_beside_f_strings_are_read_from_cpythons_tree(monkeypatch):
    source = (
        "class A:\n    def __init__(self):\n"
        "        self.u = g(f\"{h(1)}x{h(2)!r}\", nn.Linear(1, 1), f'{k(3)}' 'y' f\"{h(4):>{w(5)}}\")\n"
        "        name = getattr(self, f\"{kind}_é{h(6)}\"); self.v = nn.Linear(2, 2)\n"
    )
    c_tree = ast.parse(source)
    module = parse_by_statement(source, c_tree)
    nodes, holders = [], {}

    def outside_f_strings(node, place) -> None:
        if isinstance(node, cst.FormattedString):
            return
        if isinstance(node, cst.Call):
            nodes.append(node)
            holders[id(node)] = place
        for child in child_nodes(node):
            outside_f_strings(child, place)

    method = module.body[0].body.body[0]
    for k, stmt in enumerate(method.body.body):
        outside_f_strings(stmt, (0, 0, k))
    reference = positions.compute_spans(module, nodes)
    generated = []
    original = positions._PositionState.__init__
    monkeypatch.setattr(positions._PositionState, "__init__", lambda self, *a, **k: (generated.append(1), original(self, *a, **k))[1])
    assert positions.compute_spans(module, nodes, holders, source, c_tree) == reference
    assert len(reference) == 4 and generated == []


@pytest.mark.parametrize("source", ["#\r0", "x = f(1)\ry = g(2)\n", "# a\r\nz = h(3)\rw = k(4)\r"])
def test_a_lone_carriage_return_ends_a_line_as_cpython_says(source):
    """Found by Hypothesis: the generated spans counted only LF, CPython's tree counts a lone CR too."""
    for kinds in [(cst.Call,), (cst.Call, cst.SimpleStatementLine)]:
        reference, mapped, _ = _both_ways(source, kinds)
        assert mapped == reference
    calls = sorted(node.lineno for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call))
    reference, _, _ = _both_ways(source, (cst.Call,))
    assert sorted(start[0] for start, _ in reference.values()) == calls


@pytest.mark.parametrize("source", ["A\\\n\n", "x = f(1)\\\n\n", "x = f(1)  # a path C:\\\ny = g(2)\n"])
def test_a_statement_continued_by_a_backslash_ends_where_its_continuation_does(source):
    """`A\\` then a blank line: the statement goes on to the next line (hypothesmith found it); a
    backslash that ends a comment continues nothing."""
    for kinds in [(cst.Call,), (cst.Call, cst.SimpleStatementLine)]:
        reference, mapped, _ = _both_ways(source, kinds)
        assert mapped == reference


@pytest.mark.parametrize("source", ["pass\n\n \nA\n", "x = 1\n\n \ny = f()\n", "def g():\n    pass\n\n \t\nA\n"])
def test_a_blank_line_of_whitespace_before_a_statement_keeps_every_line(source):
    """LibCST drops a line at the end of a piece that ends in a whitespace-only line after an empty
    one (`parse_module("pass\\n\\n \\n").code == "pass\\n \\n"`): joined, every later statement was
    one line off (found by the grammar-generated test)."""
    module = parse_by_statement(source, ast.parse(source))
    assert module.code == source
    reference, mapped, _ = _both_ways(source)
    assert mapped == reference
