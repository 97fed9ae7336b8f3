"""The program: the checked files as modules that import each other.

`modules` names files as modules and resolves imports between them; `link` applies what
other modules decide (inits run by containing models or scripts, activations passed by
callers) to each file's layers. Both read plain data only: the per-file analysis runs
first, anywhere (worker processes, the cache), and this stage runs once over all of it.
"""

from .link import LinkStats, link
from .modules import ClassRef, ModuleIndex, module_name

__all__ = ["ClassRef", "LinkStats", "ModuleIndex", "analyze_program", "link", "module_name"]


def analyze_program(sources: dict, readable: tuple = (), environment=None) -> tuple[dict, dict, LinkStats]:
    """path -> source text: (path -> FileModel, path -> SourceError, link stats), all files linked.
    `readable`: paths of other modules whose functions and classes may be followed (read from disk).
    `environment`: where installed packages are read from (`Environment`; their modules are
    analysed as api does, and their layers reported where the sources build them)."""
    from ..semantics.file import analyze
    from ..syntax.parse import SourceError
    from .loader import ModuleLoader

    models, errors = {}, {}
    loader = ModuleLoader(readable, texts=sources, environment=environment)
    for path, text in sources.items():
        try:
            models[path] = analyze(text, path, loader)
        except SourceError as error:
            errors[path] = error
    installed: set = set()
    while environment is not None and len(installed) < 256:
        wanted = {p for m in list(models.values()) for p in m.consulted
                  if p not in models and p not in installed and environment.is_context(p)}  # fmt: skip
        if not wanted:
            break
        for path in sorted(wanted):
            installed.add(path)
            try:
                with open(path, encoding="utf-8") as handle:
                    models[path] = analyze(handle.read(), path, loader)
            except (OSError, UnicodeDecodeError, SourceError):
                continue
    return models, errors, link(models, frozenset(p for p in installed if p in models))
