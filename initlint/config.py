"""`[tool.initlint]` in pyproject.toml.

The config is found from the checked paths upward: the nearest pyproject.toml that has a
`[tool.initlint]` table wins (a pyproject without the table is passed over, as ruff does).
Paths in `exclude` and `per-file-ignores` are relative to the folder of that file.

    [tool.initlint]
    select = ["IL1", "IL2"]          # codes or prefixes; "ALL"
    extend-select = ["IL301"]
    ignore = ["IL104"]
    exclude = ["legacy/", "*_pb2.py"]
    extend-exclude = []
    per-file-ignores = { "tests/**" = ["IL"] }
    respect-gitignore = true
    max-file-size = 10000000         # bytes; larger files are reported, not parsed
    fix-distribution = "uniform"     # or "normal"
    fix-mode = "fan_in"              # or "fan_out"
    fix-bias = "keep"                # or "zeros"
    min-impact = 1                   # report IL1xx findings whose chain shrinks the signal at least this much
    python = ".venv/bin/python"      # whose installed packages imports are read from (default: initlint's own)
    src = ["src", "lib"]             # first-party roots absolute imports resolve against (default: the root and src/)
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from . import rules as rules_module
from .model import BIAS_CHOICES, DISTRIBUTIONS, MODES
from .sources import DEFAULT_MAX_FILE_BYTES



class ConfigError(Exception):
    """The config (or a command-line selector) is malformed; exit 2."""


@dataclass
class Config:
    select: Optional[list[str]] = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    respect_gitignore: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_BYTES
    fix_distribution: str = "uniform"
    fix_mode: str = "fan_in"
    fix_bias: str = "keep"
    min_impact: float = 1.0  # 1: every finding (a layer followed by a norm has impact 1)
    python: Optional[str] = None  # the interpreter whose sys.path installed packages are read from
    src: Optional[list[str]] = None  # first-party roots (absolute folders); None: the root and its src/ if present
    root: Optional[str] = None  # folder of the pyproject.toml it came from
    source: Optional[str] = None  # that file, for messages

    @property
    def excludes(self) -> list[str]:
        return [*self.exclude, *self.extend_exclude]

    def first_party(self) -> tuple:
        """The folders absolute imports of the project resolve against, in order (ruff's `src`)."""
        if self.src is not None:
            return tuple(self.src)
        if self.root is None:
            return ()
        src = os.path.join(self.root, "src")
        return (self.root, src) if os.path.isdir(src) else (self.root,)

    def rule_codes(self) -> list[str]:
        """The codes this config enables, in order."""
        select = self.select
        chosen = rules_module.select_rules(select, self.ignore)
        codes = [rule.code for rule in chosen]
        if self.extend_select:
            for rule in rules_module.select_rules(self.extend_select, self.ignore):
                if rule.code not in codes:
                    codes.append(rule.code)
        return sorted(codes)

    def ignored_for(self, path: str) -> list[str]:
        """Codes per-file-ignores turns off for `path`."""
        if not self.per_file_ignores:
            return []
        absolute = os.path.abspath(path)
        relative = os.path.relpath(absolute, self.root).replace(os.sep, "/") if self.root else absolute
        name = os.path.basename(absolute)
        out: list[str] = []
        for pattern, codes in self.per_file_ignores.items():
            if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(name, pattern) or (
                pattern.endswith("/**") and relative.startswith(pattern[:-2])
            ):
                out.extend(codes)
        return out

    def fingerprint(self) -> str:
        """What the cache key needs of the config: everything that changes findings or fixes."""
        relevant = asdict(self)
        for key in ("root", "source", "exclude", "extend_exclude", "respect_gitignore"):
            relevant.pop(key)
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


_KEYS = {
    "select": list,
    "extend-select": list,
    "ignore": list,
    "exclude": list,
    "extend-exclude": list,
    "per-file-ignores": dict,
    "respect-gitignore": bool,
    "max-file-size": int,
    "fix-distribution": str,
    "fix-mode": str,
    "fix-bias": str,
    "min-impact": (int, float),
    "python": str,
    "src": list,
}
_CHOICES = {"fix-distribution": DISTRIBUTIONS, "fix-mode": MODES, "fix-bias": BIAS_CHOICES}


def validate_selectors(selectors: Iterable[str], where: str) -> list[str]:
    """Codes or prefixes that name at least one rule (or ALL), upper-cased."""
    out = []
    for raw in selectors:
        code = str(raw).strip().upper()
        if not code:
            continue
        if code != "ALL" and not any(c.startswith(code) for c in rules_module.RULES_BY_CODE):
            known = ", ".join(rules_module.RULES_BY_CODE)
            raise ConfigError(f"{where}: unknown rule selector `{raw}` (known codes: {known})")
        out.append(code)
    return out


def from_table(table: dict, source: str, root: str) -> Config:
    config = Config(root=root, source=source)
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"{source}: unknown key `{key}` in [tool.initlint] (known: {', '.join(_KEYS)})")
        expected = _KEYS[key]
        if not isinstance(value, expected) or (expected in (int, (int, float)) and isinstance(value, bool)):
            kind = "number" if isinstance(expected, tuple) else expected.__name__
            raise ConfigError(f"{source}: `{key}` must be a {kind}, not {type(value).__name__}")
        if key == "min-impact":
            value = float(value)
        if key in _CHOICES and value not in _CHOICES[key]:
            raise ConfigError(f"{source}: `{key}` must be one of {', '.join(_CHOICES[key])}, not {value!r}")
        if expected is list:
            _strings(value, f"{source}: `{key}`")
        if key == "max-file-size" and value < 0:
            raise ConfigError(f"{source}: `max-file-size` must be a number of bytes (0 for no limit), not {value}")
        if key in ("select", "extend-select", "ignore"):
            value = validate_selectors(value, f"{source}: `{key}`")
        if key == "python":  # relative to the config's folder, as pyright's venvPath
            value = os.path.normpath(os.path.join(root, os.path.expanduser(value)))
        if key in ("exclude", "extend-exclude"):
            value = [str(v) for v in value]
        if key == "src":  # relative to the config's folder, as ruff's
            value = [os.path.normpath(os.path.join(root, os.path.expanduser(v))) for v in value]
            for folder in value:
                if not os.path.isdir(folder):
                    raise ConfigError(f"{source}: `src` names {folder!r}, which is not a folder")
        if key == "per-file-ignores":
            for pattern, codes in value.items():
                _strings(codes if isinstance(codes, list) else [codes], f"{source}: per-file-ignores `{pattern}`")
            value = {str(k): validate_selectors(v if isinstance(v, list) else [v], f"{source}: per-file-ignores")
                     for k, v in value.items()}  # fmt: skip
        setattr(config, key.replace("-", "_"), value)
    return config


def _strings(values: list, where: str) -> None:
    for value in values:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a list of strings, not hold {value!r}")


def _toml():
    """The TOML reader, imported only when a config file is read (pre-commit's one-file runs count milliseconds)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    return tomllib


def _read_toml(path: Path) -> dict:
    tomllib = _toml()
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 ({error.reason})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def load_file(path: Path) -> Optional[dict]:
    """The [tool.initlint] table of a pyproject.toml, or None if it has none."""
    data = _read_toml(path)
    tool = data.get("tool", {})
    table = tool.get("initlint") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.initlint] must be a table")
    return table


def find(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.initlint] table, from `start` upward."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and load_file(path) is not None:
            return path
    return None


def load(start: Path, explicit: Optional[str] = None, isolated: bool = False) -> Config:
    """The config for a run: `--config FILE`, else the nearest one, else the defaults."""
    if isolated:
        return Config()
    if explicit:
        path = Path(explicit)
        table = load_file(path)
        if table is None and path.name == "pyproject.toml":
            table = {}
        elif table is None:
            # A standalone initlint.toml holds the table's keys at top level.
            table = _read_toml(path)
        return from_table(table, str(path), str(path.resolve().parent))
    found = find(start)
    if found is None:
        return Config()
    return from_table(load_file(found) or {}, str(found), str(found.parent))


def apply_overrides(config: Config, **overrides: Any) -> Config:
    """Command-line options win over the file: --select replaces, --extend-select/--ignore add."""
    if overrides.get("select"):
        config.select = validate_selectors(overrides["select"], "--select")
    if overrides.get("extend_select"):
        config.extend_select = [*config.extend_select, *validate_selectors(overrides["extend_select"], "--extend-select")]
    if overrides.get("ignore"):
        config.ignore = [*config.ignore, *validate_selectors(overrides["ignore"], "--ignore")]
    if overrides.get("exclude"):
        config.exclude = list(overrides["exclude"])
    if overrides.get("extend_exclude"):
        config.extend_exclude = [*config.extend_exclude, *overrides["extend_exclude"]]
    if overrides.get("min_impact") is not None:
        config.min_impact = float(overrides["min_impact"])
    return config


def split_selectors(values: Iterable[str]) -> list[str]:
    """`--select IL1,IL2 --select IL3` -> ["IL1", "IL2", "IL3"]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
