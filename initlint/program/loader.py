"""The program stage's reader of other modules: parsed on demand, never imported."""

from __future__ import annotations

import ast
import warnings
from typing import Iterable, Optional

import libcst as cst

from ..semantics.file import FileAnalysis
from ..semantics.memo import memoised
from ..syntax.parse import SourceError, _without_final_continuation, parse_by_statement
from .environment import NEVER_READ
from .modules import ModuleIndex


class ModuleLoader:
    """Other modules of the program, parsed on demand (never imported) for the functions a file
    calls from them. Remembers the `capacity` modules it used last, and the digest of every
    module one analysis consulted (`consulted`), so that a cached result can be checked."""

    def __init__(self, paths: Iterable[str], capacity: int = 64, texts: Optional[dict] = None, environment=None):
        self.texts = texts or {}  # path -> source text given in memory (else read from disk)
        # environment: stubs and installed packages (program/environment.py), read after the program's modules
        self.index = ModuleIndex.of({path: None for path in [*paths, *self.texts]}, environment)
        self.capacity = capacity
        self.parsed: dict = {}  # path -> (FileAnalysis or None, digest)
        self.consulted: dict = {}  # path -> modules.consulted_digest of what was read, for the current analysis
        self.unresolved: set = set()  # (target, importer path, path its longest prefix named or ""): lookups that failed
        # sha256 of a module's bytes -> modules.code_digest of its text: a module parsed again once
        # `capacity` pushed it out is not tokenized again
        self.code_digests: dict = {}

    def lookup(self, importer: FileAnalysis, written: str) -> Optional[tuple[str, FileAnalysis, str]]:
        """("function" | "class", module, name) that `written` names in `importer`, or None."""

        def members(path: str) -> Optional[tuple]:
            module = self.module(path)
            if module is None:
                return None
            # what its collection found: the same for every lookup (an entry point's run makes thousands)
            kinds = memoised(module, "members", module.module, lambda: _members(module))
            return kinds, module.imports.names, module.imports.stars

        tried: list = []
        found = self.index.follow(importer.path, written, members, dotted=False, tried=tried)
        if found is None:  # a module added later under one of these names makes the result stale
            never_read = self.index.environment.never_read if self.index.environment is not None else NEVER_READ.__contains__
            self.unresolved.update(step for step in tried if step[2] or not never_read(step[0].split(".", 1)[0]))
        if found is None:
            return None
        module = self.module(found[0])
        name = found[1]
        if found[2] == "class" and module is not None and name not in module.classes:
            name = module.class_aliases()[name]
        elif found[2] == "function" and module is not None and name not in module.functions:
            name = module.function_aliases()[name]
        return found[2], module, name

    def module(self, path: str) -> Optional[FileAnalysis]:
        if path in self.parsed:
            self.parsed[path] = self.parsed.pop(path)  # the most recently used go last
        else:
            self.parsed[path] = self._parse(path, self.texts.get(path), package_of(path, None, self), self.code_digests)
            if len(self.parsed) > self.capacity:
                del self.parsed[next(iter(self.parsed))]
        module, digest = self.parsed[path]
        if module is not None:
            module.loader = self  # its own imports are followed too
            self.consulted[path] = digest
        return module

    def trees_of(self, path: str, code: str) -> Optional[tuple]:
        """(LibCST module, CPython tree) of `path` if this loader already parsed these very
        bytes (`code`, as the analysis reads them): one parse per file per worker, whether
        the file was first followed by another's analysis or is analysed itself."""
        module = self.parsed.get(path, (None, ""))[0]
        if module is None or module.source != code or module.c_tree is None:
            return None
        return module.module, module.c_tree

    @staticmethod
    def _parse(path: str, text: Optional[str], package: list, code_digests: Optional[dict] = None) -> tuple:
        from .. import sources
        from .modules import consulted_digest

        try:
            source = sources.read(path) if text is None else sources.from_bytes(path, text.encode("utf-8"))
            from ..api import parse_view  # large data literals set aside, as for the files checked

            code = parse_view(source.text)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                c_tree = compile(code, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
            module = FileAnalysis(parse_by_statement(_without_final_continuation(code), c_tree), path, code, package)
            module.c_tree = c_tree
            module.collect()
            for cls in module.classes.values():  # a layer subclass it builds (timm's Conv2dSame) is a layer there too
                cls.layer_subclass = module.layer_base(cls)
        except (sources.ReadError, SourceError, SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
            return None, ""
        return module, consulted_digest(source.data, source.text, code_digests)


def _members(module: FileAnalysis) -> dict:
    """name -> kind of what a module defines at its top level."""
    kinds = dict.fromkeys(module.class_aliases(), "class")  # `SqueezeExcite = SEModule`
    kinds.update({name: "class" for name in module.classes if name not in module.variants})
    kinds.update(dict.fromkeys(module.functions, "function"))
    kinds.update(dict.fromkeys(module.function_aliases(), "function"))  # `to_ntuple = _ntuple`
    kinds.update((name, "registry") for name, value in module.registries.items() if value is not None)
    kinds.update(dict.fromkeys(module.module_objects, "object"))
    for statement in module.module.body:  # any other top-level name (MONAI's `Conv = LayerFactory(...)`): a
        # re-export of it resolves to where it is defined, as library hooks are keyed
        for small in getattr(statement, "body", ()) if isinstance(statement, cst.SimpleStatementLine) else ():
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                kinds.update((t.value, "value") for t in targets if isinstance(t, cst.Name) and t.value not in kinds)
    return kinds


def package_of(path: str, module: Optional[str], loader: Optional[ModuleLoader]) -> list:
    """The package a file's relative imports resolve against: given, known to the loader's
    index (an installed module is named where it was found), else from `__init__.py` files."""
    from .modules import module_name, package_parts

    if module is not None:
        return package_parts(module, path.endswith("__init__.py"))
    if loader is not None and path in loader.index.names:
        return package_parts(*loader.index.names[path])
    return package_parts(*module_name(path))
