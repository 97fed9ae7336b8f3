"""Runs `check` and `inspect` over paths: config, discovery, cache, worker processes, stable order.

    from initlint import api
    for result in api.check(["src/"]):        # FileResult per file, sorted by path
        for finding in result.findings: ...

Everything here is plain data in, plain data out; cli.py only parses flags and prints.
Per file: read -> text prefilter -> cache -> analysis -> rules -> noqa/per-file-ignores ->
fix plans -> (fix or diff). A file that cannot be read or parsed becomes a `FileError`;
the run goes on with the other files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from . import __version__, sources
from .config import Config, ConfigError, apply_overrides, load as load_config
from .model import Edit, FileError, Finding, Fix

# A file that mentions none of these cannot hold a layer, an init call or a gain name the
# rules speak about, so it is not parsed. (test_api proves it on prefiltered files.)
PREFILTER = re.compile(rb"Linear|Conv|calculate_gain|nonlinearity")
# Below this many files a pool costs more than it saves (pre-commit passes one or two).
PARALLEL_THRESHOLD = 8
NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
FILE_NOQA = re.compile(r"^#\s*initlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?\s*$", re.I | re.M)
CACHE_DIR_NAME = ".initlint_cache"


@dataclass
class Settings:
    """What a worker needs to check one file; picklable, and the cache key's second half."""

    codes: list[str]
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    root: Optional[str] = None
    fix: bool = False  # write fixes
    diff: bool = False  # compute fixes, do not write
    unsafe_fixes: bool = False
    fix_distribution: str = "uniform"
    fix_mode: str = "fan_in"
    fix_bias: str = "keep"
    max_file_size: int = sources.DEFAULT_MAX_FILE_BYTES
    cache_dir: Optional[str] = None

    def key(self) -> str:
        relevant = (__version__, self.codes, self.per_file_ignores, self.unsafe_fixes,
                    self.fix_distribution, self.fix_mode, self.fix_bias, self.max_file_size)  # fmt: skip
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]

    def config_like(self) -> Config:
        return Config(per_file_ignores=self.per_file_ignores, root=self.root)


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)  # what is left to report
    fixed: list[Finding] = field(default_factory=list)  # fixes that went in (or would, under --diff)
    error: Optional[FileError] = None
    diff: str = ""
    fixed_source: Optional[str] = None  # stdin under --fix: the text to print
    rows: list[dict] = field(default_factory=list)  # inspect
    cached: bool = False


@dataclass
class Run:
    """Options of one run, as the command line gives them."""

    paths: list[str] = field(default_factory=lambda: ["."])
    select: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    config_file: Optional[str] = None
    isolated: bool = False
    force_exclude: bool = False
    use_cache: bool = True
    cache_dir: Optional[str] = None
    jobs: Optional[int] = None
    stdin_filename: Optional[str] = None


def resolve(run: Run) -> tuple[Config, Settings]:
    """The effective config and worker settings. Raises ConfigError (exit 2)."""
    named = [run.stdin_filename] if run.paths == ["-"] and run.stdin_filename else run.paths
    config = load_config(sources.project_root(named), run.config_file, run.isolated)
    apply_overrides(
        config,
        select=run.select,
        extend_select=run.extend_select,
        ignore=run.ignore,
        exclude=run.exclude,
        extend_exclude=run.extend_exclude,
    )
    cache_dir = None
    if run.use_cache and not run.diff:
        cache_dir = run.cache_dir or os.environ.get("INITLINT_CACHE_DIR") or os.path.join(
            config.root or os.getcwd(), CACHE_DIR_NAME
        )
    settings = Settings(
        codes=config.rule_codes(),
        per_file_ignores=config.per_file_ignores,
        root=config.root,
        fix=run.fix and not run.diff,
        diff=run.diff,
        unsafe_fixes=run.unsafe_fixes,
        fix_distribution=config.fix_distribution,
        fix_mode=config.fix_mode,
        fix_bias=config.fix_bias,
        max_file_size=config.max_file_size,
        cache_dir=cache_dir,
    )
    return config, settings


def files_of(run: Run, config: Config) -> tuple[list[str], list[FileResult]]:
    """(files to check, results for named paths that are not there)."""
    files, missing = [], []
    for found in sources.discover(
        run.paths,
        exclude=config.excludes,
        root=config.root,
        force_exclude=run.force_exclude,
        respect_gitignore=config.respect_gitignore,
    ):
        if found.error:
            missing.append(FileResult(found.path, error=FileError(found.path, found.error)))
        else:
            files.append(found.path)
    return files, missing


def check(run: Run, progress: Optional[Callable[[int, int], None]] = None) -> Iterator[FileResult]:
    """Check (and fix) every file of the run; results sorted by path. Raises ConfigError."""
    config, settings = resolve(run)
    if run.paths == ["-"]:
        yield check_stdin(sys.stdin.buffer.read(), run.stdin_filename or "-", settings)
        return
    files, missing = files_of(run, config)
    results = list(missing)
    results.extend(_map(check_file, files, settings, run.jobs, progress))
    results.sort(key=lambda r: _sort_key(r.path))
    yield from results


def inspect(run: Run) -> Iterator[FileResult]:
    """One row per Conv/Linear layer found (flagged or not), per file, sorted by path."""
    config, settings = resolve(run)
    if run.paths == ["-"]:
        yield inspect_source(sources.from_bytes(run.stdin_filename or "-", sys.stdin.buffer.read()))
        return
    files, missing = files_of(run, config)
    results = list(missing)
    settings.cache_dir = None
    results.extend(_map(inspect_file, files, settings, run.jobs, None))
    results.sort(key=lambda r: _sort_key(r.path))
    yield from results


def _sort_key(path: str) -> tuple:
    return tuple(Path(path).parts)


def _map(fn, files: list[str], settings: Settings, jobs: Optional[int], progress) -> Iterator[FileResult]:
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        for index, path in enumerate(files):
            yield fn(path, settings)
            if progress:
                progress(index + 1, len(files))
        return
    chunk = max(1, min(16, len(files) // (jobs * 8)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_fork_context()) as pool:
        for index, result in enumerate(pool.map(fn, files, [settings] * len(files), chunksize=chunk)):
            yield result
            if progress:
                progress(index + 1, len(files))


def _fork_context():
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker without re-importing libcst; the parent runs no threads here.
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


# --------------------------------------------------------------------------------------
# One file


def check_file(path: str, settings: Settings) -> FileResult:
    """Never raises: what goes wrong becomes the result's error."""
    try:
        source = sources.read(path, settings.max_file_size)
    except sources.ReadError as error:
        return FileResult(path, error=FileError(path, error.message, error.line, error.column))
    try:
        return _check_source(source, settings, write=settings.fix)
    except RecursionError:
        return FileResult(path, error=FileError(path, "too deeply nested to analyse"))
    except Exception as error:  # a bug of ours: report it for this file, go on with the others
        return FileResult(path, error=_internal_error(path, error))


def check_stdin(data: bytes, path: str, settings: Settings) -> FileResult:
    try:
        source = sources.from_bytes(path, data)
    except sources.ReadError as error:
        return FileResult(path, error=FileError(path, error.message, error.line, error.column))
    settings.cache_dir = None
    try:
        result = _check_source(source, settings, write=False, stdin=True)
    except Exception as error:
        return FileResult(path, error=_internal_error(path, error))
    if settings.fix or settings.diff:
        from . import fixer

        fixed = fixer.fix_source(source.text, result.fixed, path, settings.unsafe_fixes)
        if fixed.error is not None:
            result.error, result.findings, result.fixed = fixed.error, result.findings + result.fixed, []
        elif settings.diff:
            result.diff = fixed.diff()
        else:
            result.fixed_source = fixed.new_text
    return result


def _internal_error(path: str, error: BaseException) -> FileError:
    return FileError(path, f"internal error: {type(error).__name__}: {error} (please report it)")


def _check_source(source: sources.Source, settings: Settings, write: bool, stdin: bool = False) -> FileResult:
    result = FileResult(source.path)
    if not PREFILTER.search(source.data):
        return result
    cache_path = _cache_path(settings, source.data)
    findings = _cache_load(cache_path, source.path) if cache_path else None
    if findings is None:
        findings, error = findings_of(source, settings)
        if error is not None:
            result.error = error
            return result
        if cache_path:
            _cache_store(cache_path, findings)
    else:
        result.cached = True
    if not (settings.fix or settings.diff) or not any(f.fix for f in findings):
        result.findings = findings
        return result
    if stdin:  # the caller prints the fixed text or the diff; nothing is written
        result.fixed = fixer_fixable(findings, settings.unsafe_fixes)
        result.findings = [f for f in findings if f not in result.fixed]
        return result
    return _apply_fixes(source, findings, settings, write, result)


def fixer_fixable(findings: list[Finding], unsafe: bool) -> list[Finding]:
    from . import fixer

    return fixer.fixable(findings, unsafe)


def findings_of(source: sources.Source, settings: Settings) -> tuple[list[Finding], Optional[FileError]]:
    """Analysis, rules, suppressions and fix plans for one decoded file."""
    from . import analysis, fixer, rules

    try:
        file_model = analysis.analyze(source.text, source.path)
    except analysis.SourceError as error:
        return [], FileError(source.path, error.message, error.line, error.column)
    chosen = [rules.RULES_BY_CODE[code]() for code in settings.codes]
    findings = rules.run_rules(file_model, chosen)
    findings = suppress(findings, source.text, settings.config_like().ignored_for(source.path))
    if any(f.code in fixer.FIXABLE_CODES for f in findings):
        options = fixer.FixOptions(settings.fix_distribution, settings.fix_mode, settings.fix_bias)
        fixer.attach_fixes(findings, file_model, options, source.text)
    return findings, None


def _apply_fixes(source: sources.Source, findings: list[Finding], settings: Settings, write: bool, result: FileResult) -> FileResult:
    from . import fixer

    fixed = fixer.fix_file(source.path, findings, source.data, unsafe=settings.unsafe_fixes, write=write)
    if fixed.error is not None:
        result.error = fixed.error
        result.findings = findings
        return result
    result.fixed = list(fixed.fixed)
    fixed_ids = {id(f) for f in result.fixed}
    result.findings = [f for f in findings if id(f) not in fixed_ids]
    if settings.diff:
        result.diff = fixed.diff()
    return result


def inspect_file(path: str, settings: Settings) -> FileResult:
    try:
        source = sources.read(path, settings.max_file_size)
    except sources.ReadError as error:
        return FileResult(path, error=FileError(path, error.message, error.line, error.column))
    try:
        return inspect_source(source)
    except RecursionError:
        return FileResult(path, error=FileError(path, "too deeply nested to analyse"))
    except Exception as error:
        return FileResult(path, error=_internal_error(path, error))


def inspect_source(source: sources.Source) -> FileResult:
    from . import analysis

    result = FileResult(source.path)
    if not PREFILTER.search(source.data):
        return result
    try:
        file_model = analysis.analyze(source.text, source.path)
    except analysis.SourceError as error:
        result.error = FileError(source.path, error.message, error.line, error.column)
        return result
    result.rows = [layer.row() for layer in file_model.layers]
    return result


# --------------------------------------------------------------------------------------
# Suppression


def noqa_codes(line: str) -> Optional[frozenset]:
    """Codes a `# noqa` comment on this line suppresses; empty set = all; None = no noqa."""
    match = NOQA.search(line)
    if not match:
        return None
    codes = match.group("codes")
    return frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c) if codes else frozenset()


def _suppressed_by(codes: Optional[frozenset], code: str) -> bool:
    return codes is not None and (not codes or any(code.startswith(c) for c in codes))


def suppress(findings: list[Finding], text: str, ignored: Iterable[str] = ()) -> list[Finding]:
    """Drop findings turned off by `# noqa` on the layer's first or last line, by a file-level
    `# initlint: noqa[: CODES]`, or by per-file-ignores."""
    ignored = tuple(ignored)
    file_codes: Optional[frozenset] = None
    for match in FILE_NOQA.finditer(text):
        codes = match.group("codes")
        more = frozenset(re.split(r"[,\s]+", codes.upper())) - {""} if codes else frozenset()
        file_codes = frozenset() if not more or file_codes == frozenset() else (file_codes or frozenset()) | more
    lines = text.splitlines()
    kept = []
    for finding in findings:
        if any(finding.code.startswith(c) for c in ignored) or _suppressed_by(file_codes, finding.code):
            continue
        candidates = {finding.line, finding.end_line}
        if any(
            0 < n <= len(lines) and _suppressed_by(noqa_codes(lines[n - 1]), finding.code) for n in candidates
        ):
            continue
        kept.append(finding)
    return kept


# --------------------------------------------------------------------------------------
# Cache: one small JSON file per (file content, settings), written atomically


def _cache_path(settings: Settings, data: bytes) -> Optional[str]:
    if not settings.cache_dir:
        return None
    digest = hashlib.sha256(data).hexdigest()
    return os.path.join(settings.cache_dir, settings.key(), digest[:2], digest[2:] + ".json")


def prepare_cache_dir(folder: str) -> None:
    """A cache folder that git and backup tools leave alone, like ruff's."""
    os.makedirs(folder, exist_ok=True)
    marker = os.path.join(folder, ".gitignore")
    if not os.path.exists(marker):
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write("# Created by initlint automatically.\n*\n")
    tag = os.path.join(folder, "CACHEDIR.TAG")
    if not os.path.exists(tag):
        with open(tag, "w", encoding="utf-8") as handle:
            handle.write("Signature: 8a477f597d28d172789f06886806bc55\n# initlint cache: https://bford.info/cachedir/\n")


def _cache_load(path: str, file_path: str) -> Optional[list[Finding]]:
    try:
        with open(path, encoding="utf-8") as handle:
            findings = [finding_from_json(item) for item in json.load(handle)]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for finding in findings:  # the same content may live in another file
        finding.path = file_path
    return findings


def _cache_store(path: str, findings: list[Finding]) -> None:
    try:
        folder = os.path.dirname(path)
        if not os.path.isdir(folder):
            prepare_cache_dir(os.path.dirname(os.path.dirname(folder)))
            os.makedirs(folder, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump([finding_to_json(f) for f in findings], handle)
        os.replace(temp, path)
    except OSError:
        pass  # a read-only checkout still gets its findings, just not cached


def finding_to_json(finding: Finding) -> dict:
    data = finding.as_json()
    if finding.fix is not None:
        data["fix"] = {
            "applicability": finding.fix.applicability,
            "message": finding.fix.message,
            "edits": [vars(edit).copy() for edit in finding.fix.edits],
        }
    return data


def finding_from_json(data: dict) -> Finding:
    fix = None
    if data.get("fix"):
        raw = data["fix"]
        fix = Fix(raw["applicability"], raw["message"], [Edit(**edit) for edit in raw["edits"]])
    return Finding(
        code=data["code"],
        message=data["message"],
        path=data["path"],
        line=data["line"],
        column=data["column"],
        end_line=data["end_line"],
        end_column=data["end_column"],
        class_name=data.get("class"),
        layer=data.get("layer"),
        fix=fix,
    )


__all__ = ["ConfigError", "FileResult", "Run", "Settings", "check", "inspect", "suppress", "noqa_codes"]
