"""Positions of the nodes that are reported: line/column spans computed on demand (no metadata
provider), statement starts from CPython's tree."""

from __future__ import annotations

import ast
from typing import Iterable, Optional

import libcst as cst
from libcst._nodes.internal import CodegenState

from .nodes import child_nodes, dotted


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
        if "\r" in value:  # a lone CR ends a line for CPython and editors, as CRLF does
            value = value.replace("\r\n", "\n").replace("\r", "\n")
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
            mapper = _CallMapper(source, nodes, holders)
            for index in sorted(whole):
                ast_index = starts.ast_index[index]
                stmt = module.body[index]
                width = len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
                mapped = mapper.spans(stmt, tree.body[ast_index:ast_index + width], starts[index], mapper.by_top.get(index, ()))
                if mapped is not None:
                    spans.update(mapped)
                    continue
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
                    member = cls.body.body[j]
                    width = len(member.body) if isinstance(member, cst.SimpleStatementLine) else 1
                    first = inner.ast_index[j]
                    mapped = mapper.spans(member, ast_cls.body[first:first + width], inner[j], mapper.by_member.get((index, j), ()))
                    if mapped is not None:
                        spans.update(mapped)
                        continue
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
                    inner_stmt = fn.body.body[k]
                    width = len(inner_stmt.body) if isinstance(inner_stmt, cst.SimpleStatementLine) else 1
                    first = body_starts.ast_index[k]
                    mapped = mapper.spans(inner_stmt, ast_fn.body[first:first + width], body_starts[k],
                                          mapper.by_place.get((index, j, k), ()))  # fmt: skip
                    if mapped is not None:
                        spans.update(mapped)
                        continue
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


class _CallMapper:
    """Spans of wanted calls (and of a wanted statement line that is the statement itself) read
    from CPython's tree of the same statement, without generating its code: the k-th call of the
    LibCST statement in source order is the k-th call of the ast statement by position. Where
    anything does not line up (a parenthesised call, a call in an f-string, whose positions
    CPython 3.11 gets wrong, a lone carriage return, which the codegen does not count as a line, calls that
    differ in callee or argument count), None: the statement is generated as before."""

    def __init__(self, source: str, nodes: list, holders: dict):
        self.usable = "\r" not in source
        self.lines = None if source.isascii() else source.split("\n")
        # lines ending in a backslash: a statement there goes on to the next line (`A\` then a blank line);
        # where a `#` on that line may make it a comment's, the statements are generated instead
        self.continued = {i + 1 for i, line in enumerate(source.split("\n")) if line.endswith("\\")} if "\\\n" in source else set()
        self.usable = self.usable and not any("#" in line for line in source.split("\n") if line.endswith("\\"))
        self.wanted = {id(n) for n in nodes}
        # the wanted nodes by the top-level statement, class member and statement holding them
        self.by_top: dict = {}
        self.by_member: dict = {}
        self.by_place: dict = {}
        for node in nodes:
            place = holders[id(node)]
            self.by_place.setdefault(place, []).append(node)
            if type(place) is tuple:
                self.by_top.setdefault(place[0], []).append(node)
                self.by_member.setdefault(place[:2], []).append(node)
            else:
                self.by_top.setdefault(place, []).append(node)

    def spans(self, stmt: cst.CSTNode, ast_stmts: list, first_line: int, mine) -> Optional[dict]:
        """The spans of `mine`, the wanted nodes in `stmt`, whose ast is `ast_stmts`; or None."""
        if not self.usable or not ast_stmts or not mine:
            return None
        out: dict = {}
        calls = []
        for node in mine:
            kind = type(node)
            if kind is cst.Call and not node.lpar:
                calls.append(node)
            elif node is stmt and kind is cst.SimpleStatementLine:
                # its codegen starts with its leading lines, column 0, and ends past its newline
                last = ast_stmts[-1].end_lineno
                while last in self.continued:
                    last += 1
                out[id(node)] = ((first_line, 0), (last + 1, 0))
            else:
                return None
        if not calls:
            return out if _calls_in_source_order(stmt, self.wanted, len(out)) is not None else None
        ast_calls = _ast_calls(ast_stmts)
        ordered = _calls_in_source_order(stmt, self.wanted, len({id(n) for n in mine}))
        if ordered is None or len(ordered) != len(ast_calls):
            return None
        ast_calls.sort(key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
        rank = {id(call): k for k, call in enumerate(ordered)}
        for call, twin in zip(ordered, ast_calls):
            if len(call.args) != len(twin.args) + len(twin.keywords) or dotted(call.func) != _ast_dotted(twin.func):
                return None
        for call in calls:
            k = rank.get(id(call))
            if k is None:
                return None
            twin = ast_calls[k]
            out[id(call)] = ((twin.lineno, self._column(twin.lineno, twin.col_offset)),
                             (twin.end_lineno, self._column(twin.end_lineno, twin.end_col_offset)))  # fmt: skip
        return out

    def _column(self, line: int, byte_column: int) -> int:
        """CPython counts UTF-8 bytes, LibCST's codegen characters."""
        if self.lines is None:
            return byte_column
        text = self.lines[line - 1]
        return byte_column if text.isascii() else len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


# Node types whose fields are not in source order (decorators, annotations and handlers' types
# come before the bodies they are listed after); the others' fields are.
_SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "bases", "keywords", "body"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
}


_AST_FIELDS: dict = {}


def _ast_calls(statements: list) -> list:
    """The ast.Call nodes under the statements, in no order, but those in f-strings (whose
    positions CPython 3.11 gets wrong: `_calls_in_source_order` leaves them out too)."""
    out = []
    stack = list(statements)
    fields_of = _AST_FIELDS
    node_type = ast.AST
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Call:
            out.append(node)
        elif kind is ast.JoinedStr:
            continue
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = tuple(f for f in kind._fields if f not in ("ctx", "type_comment"))
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, node_type))
            elif isinstance(value, node_type):
                stack.append(value)
    return out


def _calls_in_source_order(stmt: cst.CSTNode, wanted: set, held: int) -> Optional[list]:
    """The calls in `stmt`, in source order; None if it holds more than its `held` wanted nodes
    (a node another statement was said to hold: the codegen records it on the way, which the
    mapping would not)."""
    out: list = []
    stack = [(stmt, False)]
    while stack:
        node, in_fstring = stack.pop()
        if id(node) in wanted:
            held -= 1
            if held < 0:
                return None
        kind = type(node)
        if kind is cst.Call and not in_fstring:
            out.append(node)
        in_fstring = in_fstring or kind is cst.FormattedString
        fields = _SOURCE_ORDER.get(kind)
        if fields is None:
            children = child_nodes(node)
        else:
            children = []
            for name in fields:
                value = getattr(node, name)
                if isinstance(value, cst.CSTNode):
                    children.append(value)
                elif isinstance(value, (tuple, list)):
                    children.extend(v for v in value if isinstance(v, cst.CSTNode))
        stack.extend((child, in_fstring) for child in reversed(children))
    return out


def _ast_dotted(node: ast.AST) -> Optional[str]:
    """`nodes.dotted` on CPython's tree."""
    kind = type(node)
    if kind is ast.Name:
        return node.id
    if kind is ast.Attribute:
        base = _ast_dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


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
