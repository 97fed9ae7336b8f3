"""Files in, text out: which files a run checks, and reading each one as Python reads it.

Discovery follows ruff: folders are walked recursively, skipping the usual tool and
environment folders and whatever `.gitignore` files ignore; a file named explicitly is
always checked, unless `--force-exclude` and the config's `exclude` says otherwise.
Reading honours a PEP 263 coding cookie and a BOM, and keeps line endings as they are,
so a fix can be written back byte for byte.
"""

from __future__ import annotations

import codecs
import fnmatch
import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

DEFAULT_EXCLUDES = (
    ".bzr", ".direnv", ".eggs", ".git", ".git-rewrite", ".hg", ".ipynb_checkpoints", ".mypy_cache",
    ".nox", ".pants.d", ".pyenv", ".pytest_cache", ".pytype", ".ruff_cache", ".initlint_cache", ".svn",
    ".tox", ".venv", ".vscode", "__pypackages__", "_build", "buck-out", "build", "dist", "node_modules",
    "site-packages", "venv",
)  # fmt: skip
PYTHON_SUFFIXES = (".py", ".pyi", ".ipynb")  # notebooks are checked by default, as ruff does
BOM = b"\xef\xbb\xbf"
# A Python file this large is generated, not written; parsing it would take minutes and gigabytes.
DEFAULT_MAX_FILE_BYTES = 10_000_000  # the `max-file-size` default, in bytes


class ReadError(Exception):
    """A file that cannot be read as Python source; the message says why, in a user's words."""

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Source:
    """One file's text as Python would read it, and what is needed to write it back."""

    path: str
    data: bytes  # the bytes as read
    text: str  # decoded, BOM removed, line endings untranslated
    encoding: str
    bom: bool


# PEP 263: a comment on line 1 or 2 naming the codec.
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


def _cookie(data: bytes) -> tuple[Optional[str], int]:
    """(codec named by the coding cookie, its line), or (None, 0)."""
    for number, line in enumerate(data.splitlines()[:2], start=1):
        match = _COOKIE.match(line)
        if match:
            return match.group(1).decode("ascii", "replace"), number
        if line.strip() and not line.lstrip().startswith(b"#"):
            break  # the cookie may only follow a comment or blank line
    return None, 0


def decode(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, bom) the way the interpreter decodes source bytes, newlines kept.

    Raises ReadError for null bytes, an unknown codec, a BOM that contradicts the cookie, or
    bytes the codec rejects (with the line and column of the first bad byte)."""
    if b"\x00" in data:
        at = data.index(b"\x00")
        line = data[:at].count(b"\n") + 1
        column = at - (data.rfind(b"\n", 0, at) + 1) + 1
        raise ReadError("source contains null bytes (a binary file?)", line, column)
    bom = data.startswith(BOM)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        # detect_encoding's messages ("encoding problem: utf-8") do not say what is wrong.
        declared, line = _cookie(data[len(BOM) :] if bom else data)
        if declared is not None:
            try:
                codecs.lookup(declared)
            except LookupError:
                raise ReadError(f"unknown encoding `{declared}` in the coding cookie", line, 1) from None
            if bom:
                raise ReadError(f"the file starts with a UTF-8 BOM but its coding cookie says `{declared}`", line, 1) from None
        # Undecodable bytes in the first two lines: find them to say where.
        try:
            (data[len(BOM) :] if bom else data).decode("utf-8")
        except UnicodeDecodeError:
            encoding = "utf-8"
        else:
            raise ReadError(str(error).rstrip(".")) from None
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    body = data[len(BOM) :] if bom else data
    try:
        text_codec = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
    except LookupError:
        text_codec = False
    if not text_codec:  # base64, rot13, zlib...: bytes-to-bytes codecs Python refuses for source
        raise ReadError(
            f"the coding cookie names `{encoding}`, which is not a text encoding (Python cannot run this file)",
            _cookie(body)[1] or 1, 1,
        )  # fmt: skip
    try:
        return body.decode(encoding), encoding, bom
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        column = error.start - (body.rfind(b"\n", 0, error.start) + 1) + 1
        hint = "" if bom or _cookie(body)[0] else " (declare the file's encoding with a PEP 263 coding cookie)"
        raise ReadError(f"not valid {encoding}: byte 0x{body[error.start]:02x} cannot be decoded{hint}", line, column) from None
    except (UnicodeError, LookupError, ValueError) as error:  # punycode, undefined: no position to give
        reason = " ".join(str(error).split())
        raise ReadError(f"the `{encoding}` codec of the coding cookie cannot decode the file: {reason}", _cookie(body)[1] or 1, 1) from None


def _too_big(size: int, max_bytes: int) -> ReadError:
    def show(n: int, precise: bool) -> str:
        return f"{n} bytes" if n < 1_000_000 else f"{n / 1e6:.1f} MB" if precise else f"{n / 1e6:g} MB"

    return ReadError(
        f"file is {show(size, True)}, over the {show(max_bytes, False)} limit; not checked "
        "(exclude it, or raise max-file-size in [tool.initlint])"
    )


def read(path: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Source:
    """Read and decode one regular file. Raises ReadError with a one-line reason.

    Opened without blocking and checked with fstat, so a fifo or device named like a Python
    file is refused instead of hanging the run, and what is checked is what was opened."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except IsADirectoryError:
        raise ReadError("is a directory") from None
    except OSError as error:
        raise ReadError(error.strerror or str(error)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError("is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError("not a regular file (a fifo, socket or device); not checked")
        if max_bytes and info.st_size > max_bytes:
            raise _too_big(info.st_size, max_bytes)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
    except OSError as error:
        raise ReadError(error.strerror or str(error)) from None
    finally:
        os.close(fd)
    if max_bytes and len(data) > max_bytes:  # it grew while we read
        raise _too_big(len(data), max_bytes)
    text, encoding, bom = decode(data)
    return Source(path, data, text, encoding, bom)


def from_bytes(path: str, data: bytes, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Source:
    """A Source for bytes that do not come from a file (stdin); the same size limit applies."""
    if max_bytes and len(data) > max_bytes:
        raise _too_big(len(data), max_bytes)
    text, encoding, bom = decode(data)
    return Source(path, data, text, encoding, bom)


# --------------------------------------------------------------------------------------
# .gitignore


@dataclass(frozen=True)
class _IgnoreRule:
    regex: re.Pattern
    negate: bool
    only_dirs: bool


def _glob_to_regex(pattern: str, anchored: bool) -> re.Pattern:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{''.join(out)}$")


def parse_gitignore(text: str) -> list[_IgnoreRule]:
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if raw.endswith("\\ "):
            line = raw[:-2] + " "
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        if line.startswith("\\"):
            line = line[1:]
        only_dirs = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        rules.append(_IgnoreRule(_glob_to_regex(line.lstrip("/"), anchored), negate, only_dirs))
    return rules


class GitIgnore:
    """The .gitignore files met on the way down a walk, each applying below its own folder."""

    def __init__(self) -> None:
        self._by_folder: dict[str, list[_IgnoreRule]] = {}

    def load(self, folder: str) -> None:
        path = os.path.join(folder, ".gitignore")
        if folder in self._by_folder:
            return
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                self._by_folder[folder] = parse_gitignore(handle.read())
        except OSError:
            self._by_folder[folder] = []

    def ignored(self, path: str, is_dir: bool) -> bool:
        verdict = False
        folder = os.path.dirname(path)
        chain = []
        while True:
            if folder in self._by_folder:
                chain.append(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        for base in reversed(chain):  # outer files first; inner ones override
            relative = os.path.relpath(path, base).replace(os.sep, "/")
            for rule in self._by_folder[base]:
                if rule.only_dirs and not is_dir:
                    continue
                if rule.regex.match(relative):
                    verdict = not rule.negate
        return verdict


def _git_root(start: str) -> Optional[str]:
    folder = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# --------------------------------------------------------------------------------------
# Discovery


def matches_any(path: str, patterns: Iterable[str], root: Optional[str]) -> bool:
    """ruff-style exclude patterns: a bare name matches any path component; a pattern with
    a slash or glob matches the path relative to the config's folder (or its tail)."""
    return matching_pattern(path, patterns, root) is not None


def matching_pattern(path: str, patterns: Iterable[str], root: Optional[str]) -> Optional[str]:
    """The first of `patterns` that excludes `path` (see matches_any), or None."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root).replace(os.sep, "/") if root else absolute
    parts = relative.split("/")
    for given in patterns:
        pattern = given.rstrip("/")
        if "/" not in pattern and not any(c in pattern for c in "*?["):
            if pattern in parts:
                return given
        elif fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(relative, pattern + "/*"):
            return given
        elif "/" not in pattern and any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return given
    return None


@dataclass
class Discovered:
    path: str
    error: Optional[str] = None  # a named path that does not exist, a symlink loop...
    skipped: Optional[str] = None  # with explain=True: why this file or folder is not checked


def discover(
    paths: Iterable[str],
    exclude: Iterable[str] = (),
    root: Optional[str] = None,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    explain: bool = False,
) -> Iterator[Discovered]:
    """Every file a run checks, each once, in a stable (sorted) order per named path. With
    `explain`, also what is left out and why (`skipped`), for `--show-files`."""
    exclude = tuple(exclude)
    seen: set[str] = set()
    gitignore = GitIgnore()
    for named in paths:
        if not os.path.lexists(named):
            yield Discovered(named, "No such file or directory")
            continue
        pattern = matching_pattern(named, exclude, root) if force_exclude else None
        if not os.path.isdir(named):
            if pattern is not None:
                if explain:
                    yield Discovered(named, skipped=f"matches the exclude pattern `{pattern}`, with --force-exclude")
                continue
            key = os.path.realpath(named)
            if key not in seen:
                seen.add(key)
                yield Discovered(named)
            continue
        if pattern is not None:
            if explain:
                yield Discovered(named, skipped=f"matches the exclude pattern `{pattern}`, with --force-exclude")
            continue
        if respect_gitignore:
            top = _git_root(named)
            if top:
                folder = os.path.abspath(named)
                while True:  # the .gitignore files above the named folder apply too
                    gitignore.load(folder)
                    if folder == top:
                        break
                    folder = os.path.dirname(folder)
        yield from _walk(named, exclude, root, gitignore if respect_gitignore else None, seen, explain)


def _walk(top: str, exclude: tuple, root: Optional[str], gitignore: Optional[GitIgnore], seen: set,
          explain: bool = False) -> Iterator[Discovered]:  # fmt: skip
    visited_dirs: set[str] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        real = os.path.realpath(folder)
        if real in visited_dirs:
            continue  # a symlink loop, or two links to one folder
        visited_dirs.add(real)
        if gitignore is not None:
            gitignore.load(os.path.abspath(folder))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            yield Discovered(folder, error.strerror or str(error))
            continue
        subfolders = []
        for entry in entries:
            path = entry.path if folder != "." else entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                why = _why_left_out(path, entry.name, True, exclude, root, gitignore)
                if why:
                    if explain:
                        yield Discovered(path + "/", skipped=why)
                    continue
                subfolders.append(path)
                continue
            if not entry.name.endswith(PYTHON_SUFFIXES):
                continue
            why = _why_left_out(path, entry.name, False, exclude, root, gitignore)
            if why:
                if explain:
                    yield Discovered(path, skipped=why)
                continue
            try:
                if not entry.is_file():
                    continue  # a dangling link, a fifo
            except OSError:
                continue
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            yield Discovered(path)
        stack.extend(reversed(subfolders))


def _why_left_out(path: str, name: str, is_dir: bool, exclude: tuple, root: Optional[str],
                  gitignore: Optional[GitIgnore]) -> Optional[str]:  # fmt: skip
    if is_dir and name in DEFAULT_EXCLUDES:
        return "a default exclude: tool and environment folders, as ruff's"
    pattern = matching_pattern(path, exclude, root)
    if pattern is not None:
        return f"matches the exclude pattern `{pattern}`"
    if gitignore is not None and gitignore.ignored(os.path.abspath(path), is_dir):
        return "ignored by a .gitignore; respect-gitignore = true"
    return None


def display_path(path: str) -> str:
    """Paths as the user gave them, relative to the current folder where they are below it."""
    if path == "-":
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative.replace(os.sep, "/") if os.sep != "/" else relative


def project_root(paths: Iterable[str]) -> Path:
    """The common folder of the checked paths: where the config search starts."""
    absolute = [os.path.abspath(p) for p in paths if p != "-"] or [os.getcwd()]
    common = os.path.commonpath(absolute)
    return Path(common if os.path.isdir(common) else os.path.dirname(common))
