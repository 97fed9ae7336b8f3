"""Module names and import resolution over the files of one program.

A file's module name comes from the packages around it (folders with `__init__.py`, as the
interpreter finds them from the first folder without one); a script outside any package is
named by its stem, as `python script.py` makes its folder the first entry of `sys.path`.
Names are resolved between the program's own modules only, following re-exports
(`from .mlp import Mlp` in a package's `__init__.py`); nothing is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from ..model import ModuleSummary
from .environment import Environment

MAX_REEXPORTS = 8  # a chain of re-exports longer than this is left unresolved
MAX_STAR_MODULES = 16  # star-imported modules one lookup may enter before the name is left unresolved


def consulted_digest(data: bytes, text: str, codes: Optional[dict] = None) -> str:
    """What an analysis that followed another module's code records of it (`FileModel.consulted`):
    `<sha256 of its bytes>:<code_digest of its text>`. A stored model stays fresh while each
    module it consulted has the same bytes, or else the same code digest. `codes`: sha256 of
    bytes -> code digest, kept by the caller (a loader parses a module again once it was pushed out)."""
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    code = codes.get(digest) if codes is not None else None
    if code is None:
        code = code_digest(text)
        if codes is not None:
            codes[digest] = code
    return f"{digest}:{code}"


def code_digest(text: str) -> str:
    """sha256 of the module's lines without its blank lines and comment lines outside brackets.

    Nothing another module's analysis reads of this one comes from those lines: it reads
    expressions and statements (whose evidence text is their code, brackets included), never
    this module's positions. So a comment edited or added re-analyses none of its importers.
    Code that does not tokenize counts whole."""
    import hashlib
    import io
    import tokenize

    lines = io.StringIO(text).readlines()
    keep: set = set()
    depth = 0
    skipped = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth = max(0, depth - 1)
            if token.type in skipped or (depth == 0 and token.type in (tokenize.COMMENT, tokenize.NL)):
                continue
            keep.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    code = "".join(lines[number - 1] for number in sorted(keep) if 0 < number <= len(lines))
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def module_name(path: str) -> tuple[str, bool]:
    """(dotted module name, whether the file is a package's `__init__.py`)."""
    folder, filename = os.path.split(os.path.abspath(path))
    stem = filename.rsplit(".", 1)[0] if not filename.endswith(".ipynb") else filename.replace(".", "_")  # no import reaches a notebook
    is_package = stem == "__init__"
    parts = [] if is_package else [stem]
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        folder, package = os.path.split(folder)
        parts.insert(0, package)
        if not package:
            break
    return ".".join(parts), is_package


def package_parts(name: str, is_package: bool) -> list:
    """The package of module `name`, as parts (`pkg.sub.mod` -> ['pkg', 'sub'])."""
    parts = name.split(".") if name else []
    return parts if is_package else parts[:-1]


def absolute(importer: str, is_package: bool, name: str) -> str:
    """`..layers.Mlp` as written in module `importer` -> `pkg.layers.Mlp`."""
    dots = len(name) - len(name.lstrip("."))
    if dots == 0:
        return name
    base = importer.split(".") if importer else []
    if not is_package:
        base = base[:-1]
    if dots > 1:
        base = base[: len(base) - (dots - 1)] if dots - 1 <= len(base) else []
    rest = name[dots:]
    return ".".join([*base, rest] if rest else base)


@dataclass(frozen=True)
class ClassRef:
    """A class of the program: its module's path and its name there."""

    path: str
    name: str


@dataclass
class ModuleIndex:
    """The program's modules by name, each with what it says to the others."""

    summaries: dict = field(default_factory=dict)  # path -> ModuleSummary
    names: dict = field(default_factory=dict)  # path -> (module name, is package)
    by_name: dict = field(default_factory=dict)  # module name -> [paths]
    by_suffix: dict = field(default_factory=dict)  # "sub.mod" for .../sub/mod.py: namespace packages, src roots
    environment: Optional[Environment] = None  # stubs and installed packages, after the program's own modules
    not_installed: set = field(default_factory=set)  # module names the environment does not have
    pretrained: dict = field(default_factory=dict)  # path -> its transformers PreTrainedModel class or None (link's memo)
    # (path, class, layer) -> {user path: [(activation, param, evidence, by class)]}: what other modules'
    # forwards do with a layer of another module (`ModuleSummary.followed`), gathered once by link
    followed: dict = field(default_factory=dict)
    # ClassRef -> a construction of it by a builder object's method (`InvertedResidual(**ba)`) that no
    # listed use stands for: whoever gets what that builder returns is not known (link's memo)
    unlisted_builds: dict = field(default_factory=dict)
    entry_builds: dict = field(default_factory=dict)  # ClassRef -> [Use] of entry points' runs building it (link's memo)
    # ClassRef -> [Use] of the classes deriving from it whose `__init__` passes it arguments (link's memo)
    subclass_uses: Optional[dict] = None
    # field name -> the first module (by path) setting `.name` on some object (link's memo)
    field_setters: Optional[dict] = None

    @classmethod
    def of(cls, summaries: dict, environment: Optional[Environment] = None) -> "ModuleIndex":
        index = cls(environment=environment)
        for path, summary in summaries.items():
            index.summaries[path] = summary
            name, is_package = module_name(path)
            index.by_name.setdefault(name, []).append(path)
            rooted = environment.first_party_name(path) if environment is not None else None
            if rooted and rooted != name and "." in rooted:
                index.by_name.setdefault(rooted, []).append(path)  # its name under a first-party root
                if not os.path.isfile(os.path.join(os.path.dirname(os.path.abspath(path)), "__init__.py")):
                    name = rooted  # in a namespace package: its relative imports resolve in it
            index.names[path] = (name, is_package)
            parts = os.path.normpath(os.path.abspath(path)).split(os.sep)
            parts[-1] = parts[-1].rsplit(".", 1)[0]
            if parts[-1] == "__init__":
                parts.pop()
            for start in range(len(parts) - 1, 0, -1):
                index.by_suffix.setdefault(".".join(parts[start:]), []).append(path)
        return index

    def module_path(self, name: str, near: str) -> Optional[str]:
        """The file of module `name`; among several (two scripts' `models.py`), the one beside `near`."""
        paths = self.by_name.get(name) or self.by_suffix.get(name)
        if not paths:
            return self.installed_path(name)
        if len(paths) == 1:
            return paths[0]
        here = os.path.dirname(os.path.abspath(near))
        beside = [p for p in paths if os.path.dirname(os.path.abspath(p)) == here]
        return beside[0] if len(beside) == 1 else None

    def installed_path(self, name: str) -> Optional[str]:
        """Module `name` from the environment (a stub, else installed source), named as found."""
        if self.environment is None or name in self.not_installed:
            return None
        path = self.environment.find(name)
        if path is None:
            self.not_installed.add(name)  # asked again for every name a file qualifies this way
        elif path not in self.names:
            self.names[path] = (name, os.path.basename(path) == "__init__.py")
        return path

    def resolve_class(self, importer_path: str, written: str) -> Optional[ClassRef]:
        """The program's class that `written` (as the importer's imports qualify it) names, or None."""
        if written.startswith("local:"):
            name = written[6:]
            summary = self.summaries.get(importer_path)
            return ClassRef(importer_path, name) if summary is not None and name in summary.classes else None

        def members(path: str) -> Optional[tuple]:
            summary: Optional[ModuleSummary] = self.summaries.get(path)
            if summary is None:
                return None
            kinds = {**dict.fromkeys(summary.aliases, "class"), **dict.fromkeys(summary.classes, "class")}
            return kinds, summary.imports, summary.stars

        found = self.follow(importer_path, written, members)
        if found is None:
            return None
        name = found[1] if found[1] in self.summaries[found[0]].classes else self.summaries[found[0]].aliases[found[1]]
        return ClassRef(found[0], name)

    def resolve_function(self, importer_path: str, written: str) -> Optional[ClassRef]:
        """The program's top-level function that `written` names (its module's path and name), or None."""

        def members(path: str) -> Optional[tuple]:
            summary: Optional[ModuleSummary] = self.summaries.get(path)
            if summary is None:
                return None
            return dict.fromkeys(summary.functions or (), "function"), summary.imports, summary.stars

        found = self.follow(importer_path, written, members) if not written.startswith("local:") else None
        return ClassRef(found[0], found[1]) if found is not None else None

    def follow(self, importer_path: str, written: str, members, dotted: bool = True,
               tried: Optional[list] = None, steps: int = MAX_REEXPORTS,
               starred: Optional[set] = None) -> Optional[tuple[str, str, str]]:  # fmt: skip
        """(path, name, kind) of what `written` (as the importer's imports qualify it) names,
        following re-exports (`from .mlp import Mlp` in a package's `__init__.py`, or
        `from .backbone import *` there for a public name it does not bind itself).
        `members(path)`: (name -> kind, local name -> import as written there[, star-imported
        modules as written]) of a module, or None when it cannot be read. `dotted`: also follow
        `module.Name` through an import. `tried`: gets (target, near, the module path it split
        at or "") for each step. `steps`: how many re-exports may still be followed. `starred`:
        the star-imported modules this lookup entered (each once, at most MAX_STAR_MODULES: a
        package's `__init__` of hundreds of `from .x import *` is not read whole for one name)."""
        importer, is_package = self.names.get(importer_path, ("", False))
        target = absolute(importer, is_package, written)
        near = importer_path
        for step in range(steps):
            found = self.split(target, near)
            if tried is not None:
                tried.append((target, near, found[0] if found is not None else ""))
            if found is None:
                return None
            path, attribute = found
            known = members(path)
            head, _, rest = attribute.partition(".")
            if known is None or (rest and not dotted):
                return None
            kinds, imports = known[0], known[1]
            if not rest and head in kinds:
                return path, head, kinds[head]
            if head not in imports:
                # a star import binds every public name of its module (the last one binding it wins)
                stars = known[2] if len(known) > 2 and not head.startswith("_") else ()
                starred = set() if starred is None else starred
                for star in reversed(stars):
                    module, is_package = self.names[path]
                    star_target = absolute(module, is_package, star)
                    star_path = self.module_path(star_target, path)
                    if star_path is None or star_path in starred or len(starred) >= MAX_STAR_MODULES:
                        continue
                    starred.add(star_path)
                    found = self.follow(path, f"{star_target}.{attribute}", members, dotted, tried, steps - step - 1, starred)
                    if found is not None:
                        return found
                return None
            # re-exported: follow the import that binds the name there
            module, is_package = self.names[path]
            target = absolute(module, is_package, imports[head] + (f".{rest}" if rest else ""))
            near = path
        return None

    def reached_by_imports(self, start: str) -> set:
        """The program's modules `start` imports, and theirs, transitively (itself included)."""
        seen, stack = {start}, [start]
        while stack:
            path = stack.pop()
            summary = self.summaries.get(path)
            if summary is None:
                continue
            module, is_package = self.names.get(path, ("", False))
            for written in summary.imports.values():
                target = absolute(module, is_package, written)
                found = self.module_path(target, path)
                found = found if found is not None else (self.split(target, path) or (None,))[0]
                if found is not None and found not in seen and found in self.summaries:
                    seen.add(found)
                    stack.append(found)
        return seen

    def split(self, dotted_name: str, near: str) -> Optional[tuple[str, str]]:
        """`pkg.mod.Class` -> (path of pkg.mod, "Class"), longest module prefix first."""
        parts = dotted_name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            path = self.module_path(".".join(parts[:cut]), near)
            if path is not None:
                return path, ".".join(parts[cut:])
        return None
