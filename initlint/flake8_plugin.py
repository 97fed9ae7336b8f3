"""flake8 plugin: the same findings as `initlint check`, reported through flake8 under the `IL` prefix.

Registered in pyproject.toml as `[project.entry-points."flake8.extension"] IL = ...`; flake8
then runs it on every file it checks (`flake8 --select IL src/`, or alongside other plugins).

flake8 does not read pyproject.toml, so `[tool.initlint]` does not apply here: selection,
per-file ignores and excludes come from flake8's own options and config (`.flake8`,
`setup.cfg`, `tox.ini`). Rules off by default in initlint (IL104, IL301) are off by default here
too; `--select`/`--extend-select IL104` turns them on. `# noqa: IL101` works as in flake8,
and initlint's own suppressions (`# noqa` on the layer's last line, `# initlint: noqa`)
are honoured as well, so both tools report the same lines.
"""

from __future__ import annotations

import ast
from typing import Iterator, Optional, Sequence

from . import __version__

_PREFIX = "IL"


class Plugin:
    name = "initlint"
    version = __version__

    def __init__(self, tree: Optional[ast.AST], filename: str, lines: Sequence[str]) -> None:
        # `tree` is unused (the analysis runs on LibCST) but naming it keeps flake8's plugin
        # signature the one flake8's docs show; flake8 parses the file anyway.
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, option_manager) -> None:
        from .rules import ALL_RULES

        off = [rule.code for rule in ALL_RULES if not rule.enabled_by_default]
        if off:
            option_manager.extend_default_ignore(off)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        from . import api, sources
        from .rules import ALL_RULES

        data = "".join(self.lines).encode("utf-8")
        if not api.PREFILTER.search(data):
            return
        # flake8 has already decoded the file (coding cookie, BOM); re-encoding as UTF-8
        # gives the analysis the same text flake8 sees.
        source = sources.Source(self.filename, data, "".join(self.lines), "utf-8", False)
        # flake8's select/ignore decide; its own noqa handling replaces IL900 (flake8-noqa does that job there)
        settings = api.Settings(codes=[rule.code for rule in ALL_RULES if rule.code != "IL900"])
        findings, error = api.findings_of(source, settings)
        if error is not None and not findings:
            return  # flake8 reports the syntax error itself (E999); the program stage's error leaves the rest
        for finding in findings:
            # initlint's columns are 1-based; flake8 wants 0-based and prints them + 1.
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
