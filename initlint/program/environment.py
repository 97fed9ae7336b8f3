"""The user's environment: where imports that leave the checked program are read from.

Like mypy's module finder, a name is looked up in a fixed order: the program's own modules
(modules.py), then initlint's library stubs (`initlint/library/stubs`: Python in torch terms
for what a library's own source cannot tell), then the installed packages on the `sys.path`
of the user's interpreter (`python = ".venv/bin/python"` in `[tool.initlint]`, like
pyright's venv; else the interpreter running initlint). Installed modules are read as
source, never imported, and only when an analysis asks for a name they define.

An interpreter is asked once for its `sys.path` (a subprocess); the answer is kept in the
cache folder by the interpreter's path and mtime. Everything here is plain data: an
`Environment` is passed to worker processes as it is.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Optional

STUBS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "library", "stubs")
# What the analysis knows natively (torch) or never needs (the standard library): not read.
NEVER_READ = frozenset({"torch", *getattr(sys, "stdlib_module_names", ())})
SYS_PATH_PROBE = "import json, sys; print(json.dumps(sys.path))"
INTERPRETERS_FILE = "interpreters.json"  # in the cache folder: interpreter -> its sys.path


class InterpreterError(Exception):
    """The configured interpreter cannot be asked for its sys.path (message names it)."""


@dataclass(frozen=True)
class Environment:
    """Folders searched for modules the program does not define, in order; stubs first."""

    roots: tuple = ()  # installed-package folders (site-packages, editable installs)
    stubs: str = STUBS
    # the project's own roots (`src = [...]`, ruff's): modules there that the run does not
    # check are read as the project's, before stubs and installed packages
    first_party: tuple = ()
    # top-level packages of installed distributions that require no torch, even through what they
    # require (numpy): their code cannot build a torch module, so it is not read, as the standard library
    torch_free: frozenset = frozenset()

    def find(self, name: str) -> Optional[str]:
        """The file of module `name` (the project's own first, then a stub, else installed source), or None."""
        parts = name.split(".")
        if not parts or self.never_read(parts[0]) or not all(p.isidentifier() for p in parts):
            return None
        for root in (*self.first_party, self.stubs, *self.roots):
            found = _module_file(root, parts)
            if found is not None:
                return found
        return None

    def never_read(self, top: str) -> bool:
        """Whether modules under this top-level name are never read: torch's, the standard library's, a torch-free package's."""
        return top in NEVER_READ or top in self.torch_free

    def is_installed(self, path: str) -> bool:
        """Whether a file lies in a stub or installed-package folder (never reported, never fixed)."""
        absolute = os.path.abspath(path)
        return any(absolute.startswith(os.path.join(root, "")) for root in (self.stubs, *self.roots))

    def is_first_party(self, path: str) -> bool:
        absolute = os.path.abspath(path)
        return any(absolute.startswith(os.path.join(root, "")) for root in self.first_party)

    def is_context(self, path: str) -> bool:
        """A module the program reads but the run does not check (never reported, never fixed):
        installed, a stub, or the project's own under a first-party root. For files outside the run."""
        return self.is_installed(path) or self.is_first_party(path)

    def first_party_name(self, path: str) -> Optional[str]:
        """`ns.sub.mod` for `<root>/ns/sub/mod.py` under the longest first-party root, or None."""
        absolute = os.path.abspath(path)
        roots = [root for root in self.first_party if absolute.startswith(os.path.join(root, ""))]
        if not roots:
            return None
        parts = os.path.relpath(absolute, max(roots, key=len)).split(os.sep)
        parts[-1] = parts[-1].rsplit(".", 1)[0]
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts) if parts and all(p.isidentifier() for p in parts) else None

    def is_stub(self, path: str) -> bool:
        return os.path.abspath(path).startswith(os.path.join(self.stubs, ""))

    def package_key(self, path: str) -> Optional[str]:
        """`timm==1.0.31/timm/layers/mlp.py` for a file of an installed distribution (named by its
        dist-info), `initlint-stubs==<version>/...` for a stub; None when no dist-info names it.
        What its analysis is kept by in the cache: the same in any environment, never re-read."""
        absolute = os.path.abspath(path)
        for root in (self.stubs, *self.roots):
            if absolute.startswith(os.path.join(root, "")):
                relative = os.path.relpath(absolute, root)
                if root == self.stubs:
                    from .. import __version__

                    version: Optional[str] = f"initlint-stubs=={__version__}"
                else:
                    top = relative.split(os.sep)[0]
                    version = _distributions(root).get(top[:-3] if top.endswith(".py") else top)
                return f"{version}/{relative.replace(os.sep, '/')}" if version else None
        return None


def _module_file(root: str, parts: list) -> Optional[str]:
    base = os.path.join(root, *parts)
    for candidate in (os.path.join(base, "__init__.py"), base + ".py"):
        if os.path.isfile(candidate):
            return candidate
    return None


def _distributions(root: str) -> dict:
    """Top-level name -> `dist==version`, from the `*.dist-info` folders of one site folder."""
    out: dict = {}
    for dist, version, tops, _ in _dist_infos(root):
        for top in tops:
            out.setdefault(top, f"{dist}=={version}")
    return out


def _dist_infos(root: str) -> list:
    """(distribution, version, its top-level names, its dist-info folder) of one site folder."""
    try:
        names = os.listdir(root)
    except OSError:
        return []
    out = []
    for entry in names:
        match = re.match(r"(.+?)-([^-]+)\.dist-info$", entry)
        if match is None:
            continue
        dist, version = match.groups()
        tops = [dist.replace("-", "_").lower(), dist.replace("-", "_")]
        try:
            with open(os.path.join(root, entry, "top_level.txt"), encoding="utf-8") as handle:
                tops += [line.strip() for line in handle if line.strip()]
        except OSError:
            pass
        out.append((dist, version, tops, os.path.join(root, entry)))
    return out


def _torch_free(roots: tuple) -> frozenset:
    """The top-level names of the installed distributions (their dist-info's `Requires-Dist`, any
    extra) that reach no torch through what they require; a name some other distribution also
    provides, or one that reaches torch, is left out (read as before)."""
    requires: dict = {}  # normalised distribution name -> the names it requires
    tops: dict = {}  # normalised distribution name -> its top-level names
    for root in roots:
        for name, _, found, folder in _dist_infos(root):
            dist, names = _normalised(name), set(found)
            needed = set()
            try:
                with open(os.path.join(folder, "METADATA"), encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        if line.startswith("Requires-Dist:"):
                            needed.add(_normalised(re.split(r"[\s;<>=!~\[(]", line[len("Requires-Dist:"):].strip())[0]))
                        elif not line.strip():
                            break  # the headers end at the first blank line
            except OSError:
                names = set()  # what it requires is not known: read it
            requires[dist], tops[dist] = needed, tops.get(dist, set()) | names
    reaches = {"torch"}
    changed = True
    while changed:  # what reaches torch through what it requires
        changed = False
        for dist, needed in requires.items():
            if dist not in reaches and needed & reaches:
                reaches.add(dist)
                changed = True
    torch_side = {name for dist in reaches for name in tops.get(dist, ())}
    return frozenset(name for dist, names in tops.items() if dist not in reaches and names
                     for name in names if name not in torch_side and name.isidentifier())  # fmt: skip


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(roots: tuple) -> Environment:
    """The environment of these installed-package folders, with what of them never needs reading."""
    return Environment(roots, torch_free=_torch_free(roots))


def site_folders(sys_path: list) -> tuple:
    """The folders of a `sys.path` that hold installed packages: absolute, existing, not the
    standard library's (nor the current folder `''`, which is the program's own)."""
    import sysconfig

    stdlib = {os.path.realpath(p) for key in ("stdlib", "platstdlib") if (p := sysconfig.get_path(key))}
    out = []
    for entry in sys_path:
        if not entry or not os.path.isabs(entry) or not os.path.isdir(entry):
            continue
        real = os.path.realpath(entry)
        if real in stdlib or os.path.basename(real) == "lib-dynload" or real in out:
            continue
        out.append(real)
    return tuple(out)


def of_interpreter(python: Optional[str], cache_dir: Optional[str] = None) -> Environment:
    """The environment of interpreter `python` (asked once per path and mtime, the answer kept
    in `cache_dir`); None: the interpreter running initlint. Raises InterpreterError."""
    if python is None:  # not its first entry: the folder of the script or `-m` run (the user's project)
        return installed(site_folders(sys.path[1:]))
    try:
        stamp = os.stat(python).st_mtime_ns
    except OSError as error:
        raise InterpreterError(f"`python = {python!r}`: {error.strerror or error}") from None
    key = f"{os.path.abspath(python)}:{stamp}"
    known = _read_known(cache_dir)
    if isinstance(known.get(key), list):
        return installed(site_folders(known[key][1:]))
    import subprocess

    try:
        done = subprocess.run([python, "-I", "-c", SYS_PATH_PROBE], capture_output=True, text=True, timeout=30)
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError) as error:
        raise InterpreterError(f"`python = {python!r}`: cannot run it: {error}") from None
    if not isinstance(answer, list) or not all(isinstance(p, str) for p in answer):
        detail = done.stderr.strip().splitlines()[-1:] if done.stderr else []
        raise InterpreterError(f"`python = {python!r}` did not report its sys.path{': ' + detail[0] if detail else ''}")
    if cache_dir:
        known[key] = answer
        _write_known(cache_dir, known)
    return installed(site_folders(answer[1:]))  # `-c`: its first entry is the current folder


def _read_known(cache_dir: Optional[str]) -> dict:
    if not cache_dir:
        return {}
    try:
        with open(os.path.join(cache_dir, INTERPRETERS_FILE), encoding="utf-8") as handle:
            data = json.load(handle)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def _write_known(cache_dir: str, known: dict) -> None:
    temp = os.path.join(cache_dir, f".{INTERPRETERS_FILE}-{os.getpid()}.tmp")
    try:
        os.makedirs(cache_dir, exist_ok=True)
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(known, handle)
        os.replace(temp, os.path.join(cache_dir, INTERPRETERS_FILE))
    except OSError:  # a read-only checkout: asked again next time
        try:
            os.unlink(temp)
        except OSError:
            pass
