"""Where each layer was built, and what the static analysis says about those lines.

While `record_construction()` is active, the constructors of the Conv/Linear classes in
catalogue.LAYER_TYPES are wrapped; each layer built remembers the whole chain of user
frames (file, line), innermost first. The whole chain, because the static analysis reports
the line of a helper call like `conv3x3(...)` in the class, while the innermost frame is
the `nn.Conv2d(...)` inside the helper. Frames inside torch, initlint and the standard
library are not user code; site-packages is (torchvision, timm... are someone's code).
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import sysconfig
import threading
import weakref
from pathlib import Path
from types import FrameType
from typing import Any, Optional

from initlint import catalogue
from initlint.model import Layer

Frame = tuple  # (absolute file name, line, column): the call's start; column 1-based, 0 when unknown

_SITES: "weakref.WeakKeyDictionary[Any, tuple[Frame, ...]]" = weakref.WeakKeyDictionary()
_state = threading.local()


def _library_dirs() -> tuple[str, ...]:
    import torch

    dirs = [os.path.dirname(torch.__file__), str(Path(__file__).resolve().parent.parent)]
    dirs.extend({sysconfig.get_paths()["stdlib"], os.path.dirname(os.__file__)})
    return tuple(os.path.join(os.path.realpath(d), "") for d in dirs)


def _is_user_file(filename: str, library: tuple[str, ...]) -> bool:
    if filename.startswith("<"):
        return False  # <frozen importlib._bootstrap>, <string>
    real = os.path.realpath(filename)
    parts = Path(real).parts
    if "site-packages" in parts or "dist-packages" in parts:
        return not any(real.startswith(d) for d in library[:2])  # torch and initlint are installed there too
    return not any(real.startswith(d) for d in library)


class record_construction:
    """Context manager: layers built inside it remember where (see `construction_sites`)."""

    def __enter__(self) -> "record_construction":
        from torch import nn

        self._stop = sys._getframe(1)  # frames from here outward are the caller's, not the build's
        self._patched: list[tuple[type, Any]] = []
        if getattr(_state, "active", False):
            return self  # an outer recording already wraps the constructors
        _state.active, _state.depth = True, 0
        library = _library_dirs()
        for name in catalogue.LAYER_TYPES:
            cls = getattr(nn, name, None)
            original = cls.__dict__.get("__init__") if cls is not None else None
            if original is None:
                continue
            self._patched.append((cls, original))
            cls.__init__ = _recording_init(original, self._stop, library)
        return self

    def __exit__(self, *exc: Any) -> None:
        for cls, original in self._patched:
            cls.__init__ = original
        if self._patched:
            _state.active = False


def _recording_init(original: Any, stop: FrameType, library: tuple[str, ...]) -> Any:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        _state.depth = getattr(_state, "depth", 0) + 1  # LazyLinear.__init__ calls Linear.__init__: record once, outermost
        try:
            original(self, *args, **kwargs)
        finally:
            _state.depth -= 1
        if _state.depth == 0 and getattr(_state, "active", False):
            _SITES[self] = tuple(_user_frames(sys._getframe(1), stop, library))

    return __init__


def _user_frames(frame: Optional[FrameType], stop: FrameType, library: tuple[str, ...]) -> list[Frame]:
    frames = []
    while frame is not None and frame is not stop:
        filename = frame.f_code.co_filename
        if _is_user_file(filename, library):
            frames.append((os.path.realpath(filename), frame.f_lineno, _call_column(frame)))
        frame = frame.f_back
    return frames


def _call_column(frame: FrameType) -> int:
    """Where the running call starts on its line (Python 3.11+): tells apart two layers built on one line."""
    positions = getattr(frame.f_code, "co_positions", None)
    if positions is None:
        return 0
    position = next(itertools.islice(positions(), frame.f_lasti // 2, None), None)
    return position[2] + 1 if position and position[2] is not None else 0


def construction_sites(module: Any) -> tuple[Frame, ...]:
    """The user frames that built this module, innermost first; () when it was built unrecorded."""
    return _SITES.get(module, ())


def frame_text(frame: Frame) -> str:
    return f"{frame[0]}:{frame[1]}"


# at most this many modules around the files that built layers are analysed together for the cross-check
MAX_PROGRAM_FILES = 400


class StaticIndex:
    """What the static analysis says of each file a layer was built in: the whole program around
    them (`prepare`: their folders and their packages' top folders, linked as `initlint check` links
    them), else `initlint.semantics.file.analyze` of the file alone, parsed once per file."""

    def __init__(self) -> None:
        self._layers: dict[str, list[Layer]] = {}
        self.problem: Optional[str] = None  # why there is no static view at all

    def prepare(self, paths: set) -> None:
        """Analyse the program of the files in `paths` (real paths) at once: a block's layers are then
        judged by what the model that builds it passes, as `initlint check` judges them."""
        try:
            from initlint.program import analyze_program
            from initlint.program.environment import Environment
        except ImportError as error:
            self.problem = f"static analysis unavailable ({error})"
            return
        folders = {Path(path).parent for path in paths if path.endswith(".py")}
        tops = set()
        for folder in folders:
            while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
                folder = folder.parent
            tops.add(folder)
        files = sorted({str(file) for folder in folders | tops for file in folder.glob("*.py")} | set(paths))
        if len(files) > MAX_PROGRAM_FILES:
            files = sorted(paths)
        readable = [str(file) for top in tops for file in itertools.islice(top.rglob("*.py"), MAX_PROGRAM_FILES * 10)]
        sources = {}
        for file in files:
            try:
                sources[os.path.realpath(file)] = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        try:
            models, _, _ = analyze_program(sources, tuple(readable), Environment())
        except Exception:  # noqa: BLE001 - no program view: each file alone, as before
            return
        for path, model in models.items():
            self._layers[path] = list(model.layers)

    def layers_in(self, path: str) -> list[Layer]:
        if path not in self._layers:
            self._layers[path] = self._analyze(path)
        return self._layers[path]

    def _analyze(self, path: str) -> list[Layer]:
        try:
            from initlint.semantics.file import analyze
        except ImportError as error:
            self.problem = f"static analysis unavailable ({error})"
            return []
        try:
            source = Path(path).read_text(encoding="utf-8")
            return list(analyze(source, path).layers)
        except Exception:  # noqa: BLE001 - a file the analysis cannot read simply gives no cross-check
            return []

    def match(self, chain: tuple[Frame, ...], name: Optional[str] = None) -> Optional[Layer]:
        """The static row for a layer (`name`: its qualified name in the model): the innermost frame
        whose line a row covers, preferring rows that claim an activation (the helper's own
        `nn.Conv2d` line may say unknown, its caller not)."""
        return best_static_row(chain, self.layers_in, name)


def best_static_row(chain: Any, layers_in: Any, name: Optional[str] = None) -> Optional[Layer]:
    """Shared by `verify` and the torchvision cross-check: a static row matches a layer when its
    file and line occur in the layer's construction chain (the line where the call starts, as
    Python 3.11+ reports it; a row's line span is the fallback for older Pythons). Of two rows
    on one line, the one starting at the call's column; of several at one call (a block's layers
    judged where it is built: `mlp.fc1`, `mlp.fc2`), those whose name ends the layer's `name`."""
    for covers in (lambda row, line: row.line == line, lambda row, line: row.line <= line <= row.end_line):
        fallback = None
        for path, line, *column in chain:
            rows = [row for row in layers_in(path) if covers(row, line)]
            if len(rows) > 1 and column and column[0]:
                rows = [row for row in rows if row.column == column[0]] or rows
            rows = [row for row in rows if built_on_chain(row, chain)]
            if name:
                rows = rows_naming(rows, name)
            for row in rows:
                if row.activation != "unknown":
                    return row
                fallback = fallback or row
        if fallback is not None:
            return fallback
    return None


def built_on_chain(row: Layer, chain: Any) -> bool:
    """A row judged at a use of a block speaks for the layers its block builds where its own
    construction line says (`related[0]`): at one entry point's call, InvertedResidual's `conv_pw`
    and DepthwiseSeparableConv's are two rows, each for the layers built on its own line."""
    if not row.at_use or not row.related:
        return True

    def on_chain(path: str, line: int) -> bool:
        own = os.path.normpath(path)
        return any(frame_line == line and (own == os.path.normpath(frame_path) or own.endswith(os.sep + os.path.normpath(frame_path)))
                   for frame_path, frame_line, *_ in chain)  # fmt: skip

    # judged a level further up (`Layer.via`): one of its blocks' constructions inside is on the chain too
    return on_chain(row.related[0][0], row.related[0][1]) and (not row.via or any(on_chain(path, line) for path, line in row.via))


def names_layer(row: Layer, name: str) -> bool:
    """Whether the row's attribute path ends the runtime layer's qualified name (`mlp.fc2` of
    `blocks.0.mlp.fc2`); `SE().fc2`, a block judged at a call that binds it to no attribute,
    stands for the `fc2` of whatever holds that block (`blocks.0.se.fc2`, or `fc2` of a model built so)."""
    if not row.name:
        return False
    path = row.name.rsplit("().", 1)[-1] if "()." in row.name else row.name
    if name == path or name.endswith("." + path):
        return True
    # `layers.*.1.3`: an index the analysis did not know names any one part there
    wanted, given = path.split("."), name.split(".")
    tail = given[len(given) - len(wanted):]
    return "*" in wanted and len(given) >= len(wanted) and all(w in ("*", g) for w, g in zip(wanted, tail))


def rows_naming(rows: list, name: str) -> list:
    """Of the rows at one call, those that speak for the runtime layer `name`: the ones naming it,
    else (several rows, none naming it) those whose path names no one layer (none, `SE().fc2`). A
    block's layer judged at its use speaks only for the layer it names: another layer of that block is
    judged where it is built; a row whose path is written out (`downsample.1`, built by a helper at
    ResNet's make_blocks call) does not speak for another layer built under the same call (a block's
    `conv3`, built there through a value)."""
    rows = [row for row in rows if not row.at_use or names_layer(row, name)]
    if len(rows) > 1:
        # of several, a path with an index not known (`layers.*.0.3`) still says which part it speaks
        # for: not the SE's `gate.1` built under the same call (one row alone, in a helper that several
        # calls run, bears the name of one of them: dla's `level0.*` for level1's conv too)
        rows = [row for row in rows if names_layer(row, name)] or \
            [row for row in rows if not _written_path(row.name) and "*" not in (row.name or "")]
    return rows


def _written_path(path: Optional[str]) -> bool:
    return bool(path) and "*" not in path and "()" not in path and "#" not in path
