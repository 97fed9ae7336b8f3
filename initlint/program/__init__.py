"""The program: the checked files as modules that import each other.

`modules` names files as modules and resolves imports between them; `link` applies what
other modules decide (inits run by containing models or scripts, activations passed by
callers) to each file's layers. Both read plain data only: the per-file analysis runs
first, anywhere (worker processes, the cache), and this stage runs once over all of it.
"""

from .link import LinkStats, link
from .modules import ClassRef, ModuleIndex, module_name

__all__ = ["ClassRef", "LinkStats", "ModuleIndex", "analyze_program", "link", "module_name"]


def analyze_program(sources: dict, readable: tuple = ()) -> tuple[dict, dict, LinkStats]:
    """path -> source text: (path -> FileModel, path -> SourceError, link stats), all files linked.
    `readable`: paths of other modules whose functions and classes may be followed (read from disk)."""
    from ..semantics.file import analyze
    from ..syntax.parse import SourceError
    from .loader import ModuleLoader

    models, errors = {}, {}
    loader = ModuleLoader(readable, texts=sources)
    for path, text in sources.items():
        try:
            models[path] = analyze(text, path, loader)
        except SourceError as error:
            errors[path] = error
    return models, errors, link(models)
