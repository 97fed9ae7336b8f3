"""Answers that depend on syntax alone, kept per module analysis (`FileAnalysis.syntax_memo`).

An entry point's run and each judged use walk the same statements again (a block's `__init__`
for every block every model builds): what a walk of a node finds is kept here by the node's
identity, the node held with it (an id is reused once its tree is freed). A plain object, not a
container: `file._snapshot`, which rolls the analysis's containers back after each judged use,
neither copies nor undoes it, and nothing here depends on what the analysis has found."""

from __future__ import annotations

from typing import Callable, Optional


class SyntaxMemo:
    __slots__ = ("tables",)

    def __init__(self) -> None:
        self.tables: dict = {}  # kind -> {id(node): (node, answer)}

    def of(self, kind: str, node: object, compute: Callable[[], object]) -> object:
        table = self.tables.get(kind)
        if table is None:
            table = self.tables[kind] = {}
        found = table.get(id(node))
        if found is not None and found[0] is node:
            return found[1]
        answer = compute()
        table[id(node)] = (node, answer)
        return answer


def memoised(owner: object, kind: str, node: object, compute: Callable[[], object]) -> object:
    """compute(), kept in `owner`'s syntax memo (a FileAnalysis) by `node`; computed each time
    for an owner without one."""
    memo: Optional[SyntaxMemo] = getattr(owner, "syntax_memo", None)
    return compute() if memo is None else memo.of(kind, node, compute)
