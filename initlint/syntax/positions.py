"""Positions of the nodes that are reported: line/column spans computed on demand (no metadata
provider), statement starts from CPython's tree."""

from __future__ import annotations

import ast
from typing import Iterable, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState


class _SpansDone(Exception):
    """Every wanted node of the statement being generated has its span: the rest is not needed."""


class _PositionState(CodegenState):
    """Codegen that tracks line/column and records the span of the wanted nodes only.

    With `expected` (how many wanted nodes the generated statement holds), it stops with
    _SpansDone once it has them all."""

    def __init__(self, module: cst.Module, wanted: set, line: int = 1, column: int = 0,
                 expected: Optional[int] = None):  # fmt: skip
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.remaining = expected
        self.line = line
        self.column = column
        self.starts: dict = {}
        self.spans: dict = {}

    def _advance(self, value: str) -> None:
        newlines = value.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(value) - value.rindex("\n") - 1
        else:
            self.column += len(value)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.starts[id(node)] = (self.line, self.column)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key in self.starts:
            first = key not in self.spans
            self.spans[key] = (self.starts[key], (self.line, self.column))
            if first and self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    raise _SpansDone


def compute_spans(module: cst.Module, nodes: Iterable[cst.CSTNode], holders: Optional[dict] = None,
                  source: Optional[str] = None, c_tree: Optional[ast.Module] = None) -> dict:  # fmt: skip
    """id(node) -> ((line, col0), (end_line, end_col0)) for the given nodes.

    With `holders` (id(node) -> index of the top-level statement holding it) and the source,
    only those statements are generated again: each starts where CPython's own parser (`ast`,
    in C, a tenth of LibCST's parse) says it does, less its leading blank and comment lines.
    Generating every statement to count lines would cost twice the parse. Without them, or
    when the two parsers do not line up, every statement is generated.
    """
    nodes = list(nodes)
    wanted = {id(n) for n in nodes}
    if not wanted:
        return {}
    if holders is not None and source is not None:
        places = {holders.get(id(n)) for n in nodes}
        tree = (c_tree if c_tree is not None else _c_parse(source)) if None not in places else None
        starts = _statement_starts(module.body, tree.body) if tree is not None else None
        if starts is not None:
            whole = {p for p in places if isinstance(p, int)}
            members: dict = {}
            for p in places:
                if not isinstance(p, int) and len(p) == 2 and p[0] not in whole:
                    members.setdefault(p[0], set()).add(p[1])
            method_statements: dict = {}  # (class index, method index) -> statements of the method body
            for p in places:
                if not isinstance(p, int) and len(p) == 3 and p[0] not in whole and p[1] not in members.get(p[0], ()):
                    method_statements.setdefault((p[0], p[1]), set()).add(p[2])
            # how many wanted nodes each statement holds, so that its codegen stops at the last
            held_by: dict = {}
            for key in wanted:
                place = holders[key]
                held_by[place] = held_by.get(place, 0) + 1
                if not isinstance(place, int):
                    held_by[place[0]] = held_by.get(place[0], 0) + 1
                    if len(place) == 3:
                        held_by[place[:2]] = held_by.get(place[:2], 0) + 1
            spans: dict = {}
            for index in sorted(whole):
                state = _PositionState(module, wanted, line=starts[index], column=0, expected=held_by[index])
                try:
                    module.body[index]._codegen(state)
                except _SpansDone:
                    pass
                spans.update(state.spans)
            for index, wanted_members in members.items():
                cls, ast_cls = module.body[index], tree.body[starts.ast_index[index]]
                inner = _statement_starts(cls.body.body, getattr(ast_cls, "body", []))
                if inner is None:
                    return compute_spans(module, nodes)
                indent = cls.body.indent if cls.body.indent is not None else module.default_indent
                for j in sorted(wanted_members):
                    state = _PositionState(module, wanted, line=inner[j], column=0, expected=held_by[(index, j)])
                    state.increase_indent(indent)
                    try:
                        cls.body.body[j]._codegen(state)
                    except _SpansDone:
                        pass
                    spans.update(state.spans)
            for (index, j), wanted_statements in method_statements.items():
                cls, ast_cls = module.body[index], tree.body[starts.ast_index[index]]
                inner = _statement_starts(cls.body.body, getattr(ast_cls, "body", []))
                fn = cls.body.body[j] if inner is not None else None
                ast_fn = ast_cls.body[inner.ast_index[j]] if inner is not None else None
                if fn is None or not isinstance(fn.body, cst.IndentedBlock) or not hasattr(ast_fn, "decorator_list"):
                    return compute_spans(module, nodes)
                body_starts = _statement_starts(fn.body.body, ast_fn.body)
                if body_starts is None:
                    return compute_spans(module, nodes)
                class_indent = cls.body.indent if cls.body.indent is not None else module.default_indent
                fn_indent = fn.body.indent if fn.body.indent is not None else module.default_indent
                for k in sorted(wanted_statements):
                    state = _PositionState(module, wanted, line=body_starts[k], column=0,
                                           expected=held_by[(index, j, k)])  # fmt: skip
                    state.increase_indent(class_indent)
                    state.increase_indent(fn_indent)
                    try:
                        fn.body.body[k]._codegen(state)
                    except _SpansDone:
                        pass
                    spans.update(state.spans)
            return spans
    state = _PositionState(module, wanted)
    for h in module.header:
        h._codegen(state)
    for stmt in module.body:
        stmt._codegen(state)
    return dict(state.spans)


def _c_parse(source: str):
    try:  # CPython's parser, in C: where statements start, without generating code
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


class _Starts(list):
    """Start line of each LibCST statement, and the index of its first ast statement."""

    ast_index: list


def _statement_starts(statements, ast_body) -> Optional[_Starts]:
    """The line where the code of each statement starts (its leading lines included), from the
    ast of the same block; None when the two do not line up."""
    starts = _Starts()
    starts.ast_index = []
    k = 0
    for stmt in statements:
        if k >= len(ast_body):
            return None
        first = ast_body[k]
        starts.ast_index.append(k)
        if isinstance(stmt, cst.SimpleStatementLine):
            k += len(stmt.body)  # `a = 1; b = 2` is two statements to ast
        else:
            k += 1
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) != hasattr(first, "decorator_list"):
                return None
        line = first.lineno
        decorators = getattr(first, "decorator_list", None)
        if decorators:
            line = min(line, *(d.lineno for d in decorators))
        starts.append(line - len(stmt.leading_lines))
    return starts if k == len(ast_body) else None
