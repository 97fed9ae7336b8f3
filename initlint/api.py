"""Runs `check` and `inspect` over paths: config, discovery, cache, worker processes, stable order.

    from initlint import api
    for result in api.check(api.Run(paths=["src/"])):   # FileResult per file, sorted by path
        for finding in result.findings: ...

Everything here is plain data in, plain data out; cli.py only parses flags and prints.
A run: the parent discovers, reads and hashes every file; a file without a word the rules
need (PREFILTER) is done, and so is a file whose content the cache index knows; the others
are analysed (analysis -> rules -> noqa/per-file-ignores -> fix plans -> fix or diff) in
this process when they are few, else in worker processes, largest first. A file that
cannot be read or parsed becomes a `FileError`; the run goes on with the other files.
bench/speed.py measures it (BENCHMARKS.md); tests/test_api.py proves it changes nothing
but the time.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, Union

from . import __version__, notebook, sources
from .config import Config, ConfigError, apply_overrides, load as load_config
if TYPE_CHECKING:
    from .program.environment import Environment
from .model import Edit, FileError, Finding, Fix, FixOptions, file_model_from_json, file_model_to_json

# A file that mentions none of these cannot hold a layer site (the analysis only knows
# Conv*/Linear classes by name) nor a gain name IL204 reads (`calculate_gain(...)`, a
# kaiming_* call whose nonlinearity may be positional), so it is not parsed.
# tests/test_api.py proves it: skipped files give no finding when fully analysed.
PREFILTER = re.compile(rb"Linear|Conv|calculate_gain|kaiming|nonlinearity")
# A file without those may still decide something for another module's layers: a script or
# model that re-initialises what it builds, or passes an activation to a block. Such a file
# is analysed for its summary only.
PROGRAM_PREFILTER = re.compile(rb"apply\(|init|act|Act|import")
# IL900 (unused `# noqa: IL...`) needs the files that have such a comment too.
UNUSED_NOQA = "IL900"
NOQA_PREFILTER = re.compile(rb"Linear|Conv|calculate_gain|kaiming|nonlinearity|[nN][oO][qQ][aA]")
# Below this many files to analyse, forking workers costs more than it saves (pre-commit
# passes one or two; a warm cache leaves none).
PARALLEL_THRESHOLD = 8
NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
FILE_NOQA = re.compile(r"^#\s*initlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?\s*$", re.I | re.M)
CACHE_DIR_NAME = ".initlint_cache"
# A cache index keeps at most this many entries; the ones this run did not use go first.
CACHE_MAX_ENTRIES = 50_000
STAT_KEY = "#stat"  # the index's entry of file stats (digests are hex: no clash)
INSTALLED_KEY = "#installed"  # installed modules: `dist==version/path` -> digest of their bytes
JUDGED_KEY = "#judged"  # the index's entry of each path's last judgement
CODE_KEY = "#code"  # the index's entry of code digests (program.modules.code_digest) by content digest


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
    min_impact: float = 1.0
    max_file_size: int = sources.DEFAULT_MAX_FILE_BYTES
    cache_dir: Optional[str] = None
    # the results must carry each fix's edits (JSON/SARIF print them): a file answered from
    # the cache is then analysed again, as under fix and diff, so that no edit text ever
    # comes from the cache; without, a cached finding's fix keeps its message, not its edits
    fix_edits: bool = True
    # where imports that leave the program are read from (stubs, installed packages); None: nowhere
    environment: Optional["Environment"] = None  # program/environment.py

    def key(self) -> str:
        """Everything but the file that decides its findings and fix plans. The codes a
        path's per-file-ignores turn off are part of each entry's own key instead."""
        roots = [list(self.environment.roots), list(self.environment.first_party)] if self.environment is not None else None
        relevant = (__version__, _code_stamp(), self.codes, self.unsafe_fixes, self.fix_distribution, self.fix_mode,
                    self.fix_bias, self.min_impact, self.max_file_size, roots)  # fmt: skip
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]

    def config_like(self) -> Config:
        return Config(per_file_ignores=self.per_file_ignores, root=self.root)


def _code_stamp() -> str:
    """The size and modification time of each of initlint's own modules: a cache written by other code
    (an edited checkout, an upgrade at the same version number) is never read as this code's."""
    package = os.path.dirname(os.path.abspath(__file__))
    stamps, stack = [], [package]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and entry.name != "__pycache__":
                stack.append(entry.path)
            elif entry.name.endswith(".py"):
                found = entry.stat()
                stamps.append(f"{os.path.relpath(entry.path, package)}:{found.st_size}:{found.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(stamps)).encode()).hexdigest()[:16]


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
    fix_edits: bool = True  # False: findings answered from the cache may carry fixes without edits
    min_impact: Optional[float] = None  # overrides the config's `min-impact`


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
        min_impact=run.min_impact,
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
        min_impact=config.min_impact,
        max_file_size=config.max_file_size,
        cache_dir=cache_dir,
        fix_edits=run.fix_edits or run.fix or run.diff,
    )
    from .program.environment import InterpreterError, of_interpreter

    try:
        settings.environment = dataclasses.replace(of_interpreter(config.python, cache_dir), first_party=config.first_party())
    except InterpreterError as error:
        raise ConfigError(f"{config.source or 'config'}: {error}") from None
    return config, settings


def _discovered(run: Run, config: Config) -> Iterator[tuple[str, Optional[str]]]:
    """(path, None) for each file to check, (path, reason) for named paths that are not there."""
    for found in sources.discover(
        run.paths,
        exclude=config.excludes,
        root=config.root,
        force_exclude=run.force_exclude,
        respect_gitignore=config.respect_gitignore,
    ):
        yield found.path, found.error


def explain_files(run: Run) -> tuple[Config, list[sources.Discovered]]:
    """The config of the run and every path discovery met: checked, skipped (with why) or
    missing, for `--show-files`. Raises ConfigError."""
    config, _ = resolve(run)
    found = sources.discover(
        run.paths,
        exclude=config.excludes,
        root=config.root,
        force_exclude=run.force_exclude,
        respect_gitignore=config.respect_gitignore,
        explain=True,
    )
    return config, list(found)


def files_of(run: Run, config: Config) -> tuple[list[str], list[FileResult]]:
    """(files to check, results for named paths that are not there)."""
    files, missing = [], []
    for path, error in _discovered(run, config):
        if error:
            missing.append(FileResult(path, error=FileError(path, error)))
        else:
            files.append(path)
    return files, missing


@dataclass
class RunStats:
    """Which files a run analysed and judged again (`check(run, stats=RunStats())`): what an
    edit cost, readable by tests without timing."""

    analysed: list = field(default_factory=list)  # parsed and interpreted (not answered from the cache)
    judged: list = field(default_factory=list)  # rules run on the linked model (not the last judgement given back)


def check(run: Run, progress: Optional[Callable[[int, int], None]] = None,
          stats: Optional[RunStats] = None) -> Iterator[FileResult]:  # fmt: skip
    """Check (and fix) every file of the run; results sorted by path. Raises ConfigError.

    The parent reads and hashes every file; cache hits and files the prefilter clears are
    answered there (libcst is not even imported when that is all of them); the rest go to
    worker processes, largest first, so that no big file is left alone at the end."""
    config, settings = resolve(run)
    if run.paths == ["-"]:
        yield check_stdin(sys.stdin.buffer.read(), run.stdin_filename or "-", settings)
        return
    cache = _CacheIndex.open(settings)
    jobs = run.jobs or _cores()
    workers = _Workers(jobs, settings) if jobs > 1 else None
    try:
        results = _check_files(run, config, settings, cache, workers, progress, stats)
    except BaseException:  # interrupted (SIGINT, SIGTERM): the workers stop now, cleanly
        if workers:
            workers.stop()
        raise
    finally:
        if workers:
            workers.close()
    yield from results


def _check_files(run: Run, config: Config, settings: Settings, cache: Optional["_CacheIndex"],
                 workers: Optional["_Workers"], progress, stats: Optional[RunStats] = None) -> list[FileResult]:  # fmt: skip
    """The program's files analysed (cache, workers), linked, then judged and fixed file by file.

    A file whose bytes, settings and linked modules (their paths and linked digests:
    `_CacheIndex.program_keys`) are those of its last judgement gets that judgement's findings back without its model being read."""
    results, program, installed = _analysed_program(run, config, settings, cache, workers, progress, stats)
    keys = cache.program_keys(program, settings) if cache else {}
    judged = {path: cache.judged(path, keys[path], settings) for path, (source, _, cached) in program.items()
              if path in keys and cached and source is not None and not isinstance(source, NotebookSource)}  # fmt: skip
    judged = {path: result for path, result in judged.items() if result is not None}
    results.extend(judged.values())
    if len(judged) < sum(1 for source, _, _ in program.values() if source is not None):
        from . import program as program_stage
        from .syntax.parse import collector_paused

        program = _loaded(program, cache, settings, stats)
        models = {path: model for path, (_, model, _) in program.items()}
        with collector_paused():  # it makes no cycles to speak of; a collection would walk every model
            failures = program_stage.link(models, installed).failures
        if failures and cache and any(cached for _, _, cached in program.values()):
            cache.forget()  # perhaps a model of a shape this version cannot link: the run again, uncached
            return _check_files(run, config, settings, cache, workers, progress, stats)
        pending = [(path, source, model, from_cache) for path, (source, model, from_cache) in program.items()
                   if source is not None and path not in judged]  # fmt: skip
        for path, source, result in _judged_all(pending, models, settings, installed, workers):
            if stats is not None:
                stats.judged.append(path)
            _report_link_failure(result, failures.get(path))
            if path in keys and not isinstance(source, NotebookSource):
                cache.note_judged(path, keys[path], result, settings)  # (never one with an error)
            results.append(result)
    if cache:
        cache.save()
    results.sort(key=lambda r: _sort_key(r.path))
    return results


def _report_link_failure(result: FileResult, failures: Optional[list]) -> None:
    """The program stage's internal error on this file's layers (they claim nothing): the
    file's error, its other findings kept."""
    if failures and result.error is None:
        line, message = min(failures)
        result.error = FileError(result.path, message, line)


def _judged_all(pending: list, models: dict, settings: Settings, installed: frozenset,
                workers: Optional["_Workers"]) -> Iterator[tuple[str, object, FileResult]]:  # fmt: skip
    """(path, source, its judgement) per linked file. Where the workers already run (a cold run),
    the files analysed now are judged there too, largest first: rules and fix plans (a file's
    CPython tree parsed again) are per file, and the parent would do them one after another.
    A file from the cache (which may need a fresh analysis against the whole program) or a
    notebook is judged here."""
    remote = [(source, model) for _, source, model, from_cache in pending
              if not from_cache and isinstance(source, _Held) and (model.layers or model.gain_calls)]  # fmt: skip
    if workers is None or workers.pool is None or len(remote) < PARALLEL_THRESHOLD:
        remote = []
    remote.sort(key=lambda item: -len(item[0].data))
    sent = {id(source) for source, _ in remote}
    # handed out first: the workers judge while this process does the rest
    judged = workers.run(partial(_judge_in_worker, installed=installed), remote) if workers and remote else iter(())
    for path, source, model, from_cache in pending:
        if id(source) not in sent:
            yield path, source, _judge(_Held.whole(source), model, from_cache, models, settings, installed)
    for (source, _), outcome in judged:
        yield source.path, source, outcome


class _Held:
    """A file the parent keeps until it is judged: its bytes, its text decoded again when read
    (the very text the analysis read). A run over many files holds half the memory."""

    __slots__ = ("path", "data", "encoding", "bom")

    def __init__(self, source: sources.Source):
        self.path, self.data, self.encoding, self.bom = source.path, source.data, source.encoding, source.bom

    @property
    def text(self) -> str:
        return sources.decode(self.data)[0]

    @staticmethod
    def whole(source) -> sources.Source:
        if not isinstance(source, _Held):
            return source
        return sources.Source(source.path, source.data, source.text, source.encoding, source.bom)


@dataclass
class _Stored:
    """A file model the cache holds, read only if the file must be linked or judged again."""

    digest: str
    consulted: dict = field(default_factory=dict)  # as the model's: the modules its analysis followed


def _loaded(program: dict, cache: Optional["_CacheIndex"], settings: Settings, stats: Optional[RunStats] = None) -> dict:
    """The program with every stored model read (one the cache cannot give back is analysed again)."""
    out: dict = {}
    loader = None
    for path, (source, model, from_cache) in program.items():
        if isinstance(model, _Stored):
            model = cache.get(model.digest, path) if cache else None
            if model is None or isinstance(model, FileError):
                text = source or _read_quietly(path, settings)
                if text is None:
                    continue
                if loader is None:
                    from .program.loader import ModuleLoader

                    loader = ModuleLoader(sorted(program), environment=settings.environment)
                model, from_cache = analyse_source(text, loader), False
                if stats is not None:
                    stats.analysed.append(path)
                if isinstance(model, FileError):
                    continue
                if cache and path in cache.now:
                    cache.put(cache.now[path], {"model": file_model_to_json(model)})
        out[path] = (source, model, from_cache)
    return out


def _analysed_program(run: Run, config: Config, settings: Settings, cache: Optional["_CacheIndex"],
                      workers: Optional["_Workers"], progress, stats: Optional[RunStats] = None) -> tuple[list, dict, frozenset]:  # fmt: skip
    """(results already final: unreadable, skipped, failed files; path -> (source, model, cached);
    the paths among those that are installed modules or stubs)."""
    results: list[FileResult] = []
    program: dict = {}
    misses: list[tuple[sources.Source, Optional[str]]] = []
    discovered = list(_discovered(run, config))
    context = _context_files(discovered, config, run)
    digests: dict = {}  # path -> sha256 of its bytes now: what a cached model's consulted modules must match
    read: list = []  # (path, source or None, model known by its stat or None, entry)
    unknown = 0  # files the cache does not know: work for the workers
    for path, missing in discovered + [(path, None) for path in context]:
        if missing:
            results.append(FileResult(path, error=FileError(path, missing)))
            continue
        reported = path not in context
        if not reported and cache:
            digest = cache.model_by_stat(path)  # a module read only for what it tells the others
            if digest is not None:
                digests[path] = digest
                read.append((path, None, _Stored(digest), digest))
                continue
        try:
            source = sources.read(path, settings.max_file_size)
            source = NotebookSource.of(source) if notebook.is_notebook(path) else _Held(source)
        except sources.ReadError as error:
            if reported:
                results.append(FileResult(path, error=FileError(path, error.message, error.line, error.column)))
            continue
        except notebook.NotebookError as error:
            if reported:
                results.append(FileResult(path, error=FileError(path, error.message, error.line, error.column)))
            continue
        digests[path] = _CacheIndex.entry_key(source.data)
        if not (_prefilter(settings).search(source.data) or PROGRAM_PREFILTER.search(source.data)):
            if reported:
                results.append(FileResult(path))
            continue
        read.append((path, source, None, digests[path] if cache else None))
        if workers and not (cache and cache.stored(digests[path], path)):
            unknown += 1
            if unknown == PARALLEL_THRESHOLD:
                workers.start()  # forked now, before this process holds every file it reads
    held = {path: source for path, source, _, _ in read if source is not None}

    def now_of(other: str) -> Optional[str]:
        return digests[other] if other in digests else _installed_digest(other, settings, cache, digests)

    def text_of(path: str) -> Optional[str]:
        found = held.get(path) or _read_quietly(path, settings)
        return found.text if found is not None else None

    loader_paths = sorted(digests)
    index_now: list = []

    def split_now(target: str, near: str) -> str:
        """The module path `target`'s longest prefix names in the program as it is now."""
        if not index_now:
            from .program.modules import ModuleIndex

            index_now.append(ModuleIndex.of(dict.fromkeys(loader_paths), settings.environment))
        found = index_now[0].split(target, near)
        return found[0] if found is not None else ""

    candidates: dict = {}  # path -> (source, stored model, entry): fresh unless what it consulted changed
    for path, source, known, entry in read:
        reported = path not in context
        cached = known if known is not None else (cache.stored(entry, path) if cache and entry else None)
        if cache and entry and source is not None:
            cache.note_stat(path, entry)
        if isinstance(cached, FileError):
            if reported:
                results.append(FileResult(path, error=_in_cells(source, cached), cached=True))
            continue
        if cached is not None:
            candidates[path] = (source, cached, entry)
            continue
        source = source or _read_quietly(path, settings)
        if source is None:
            continue
        misses.append((source, entry or (_CacheIndex.entry_key(source.data) if cache else None)))
    total = len(results) + len(candidates) + len(misses)
    done = len(results)
    # Stored models decided in dependency order, as mypy does: one is fresh once every module it
    # consulted is settled with the interface it read then; the modules analysed again (waves)
    # give their new interfaces first. What is left undecided is a cycle of modules none of
    # which changed: fresh.
    redone: dict = {m[0].path: None for m in misses}  # path -> its interface once analysed again ("" if it failed)
    undecided = set(candidates)
    while True:  # each round settles a model, analyses a wave, or ends the cycles left
        settled = False
        for path in sorted(undecided):
            source, cached, entry = candidates[path]
            verdict = cache.verdict(cached.digest, now_of, text_of, split_now, redone, undecided, path)
            if verdict is None:
                continue
            undecided.discard(path)
            settled = True
            if verdict:
                program[path] = (source if path not in context else None, cached, True)
                cache.now[path] = cached.digest
                done += 1
                continue
            source = source or _read_quietly(path, settings)
            if source is not None:
                misses.append((source, entry or _CacheIndex.entry_key(source.data)))
                redone[path] = None
        if progress and done:
            progress(done, total)
        if not misses and not settled:
            if not undecided:
                break
            for path in sorted(undecided):  # a cycle none of whose modules changed
                source, cached, _ = candidates[path]
                if cache.verdict(cached.digest, now_of, text_of, split_now, redone, set(), path):
                    program[path] = (source if path not in context else None, cached, True)
                    cache.now[path] = cached.digest
                    done += 1
                else:
                    source = source or _read_quietly(path, settings)
                    if source is not None:
                        misses.append((source, candidates[path][2] or _CacheIndex.entry_key(source.data)))
                        redone[path] = None
            undecided = set()
        misses.sort(key=lambda m: -len(m[0].data))
        entries = {m[0].path: m for m in misses}
        for path, outcome in _analyse_all([m[0] for m in misses], settings,
                                          workers if len(misses) >= PARALLEL_THRESHOLD else None, loader_paths):  # fmt: skip
            source, entry = entries[path]
            if stats is not None:
                stats.analysed.append(path)
            redone[path] = getattr(outcome, "interface", "")
            if path in context:
                source = None  # not reported: only its summary and layers count
            if isinstance(outcome, FileError):
                if source is not None:
                    results.append(FileResult(path, error=_in_cells(source, outcome)))
                if cache and entry and outcome.line is not None:
                    cache.put(entry, {"error": vars(outcome).copy()})  # a syntax error: a property of these bytes
            else:
                if cache and entry:
                    cache.put(entry, {"model": file_model_to_json(outcome)})  # before the program stage changes it
                    cache.now[path] = entry
                program[path] = (source, outcome, False)
            done += 1
            if progress:
                progress(done, total)
        misses = []
        if not undecided:
            break
    installed = _add_installed(program, settings, cache, digests, stats,
                               lambda digest, path: bool(cache.verdict(digest, now_of, text_of, split_now, {}, set(), path)))  # fmt: skip
    return results, program, installed


MAX_INSTALLED = 256  # installed modules one run reads for the program; more are left unread


def _add_installed(program: dict, settings: Settings, cache: Optional["_CacheIndex"], digests: dict,
                   stats: Optional[RunStats] = None, fresh: Callable[[str, str], bool] = lambda digest, path: False) -> frozenset:  # fmt: skip
    """The installed modules (and stubs) whose classes and functions the program followed, as
    context: analysed for what they tell the program, never reported. Their own imports are
    followed in turn. Cached per package version (`timm==1.0.31`): not even read when known.
    The project's own modules under a first-party root (`src`) that the run does not check are
    context too, cached by their bytes as checked files are (`fresh(digest, path)`)."""
    environment = settings.environment
    if environment is None:
        return frozenset()
    loader = None
    done: set = set()
    while len(done) < MAX_INSTALLED:
        wanted = sorted({other for _, model, _ in program.values() for other in model.consulted
                         if other not in program and other not in done and environment.is_context(other)})  # fmt: skip
        if not wanted:
            break
        for path in wanted[: MAX_INSTALLED - len(done)]:
            done.add(path)
            key = environment.package_key(path)
            known = cache.installed(path, key) if cache and key else None
            if known is not None:
                program[path], digests[path] = (None, known[0], True), known[1]
                cache.now[path] = known[1]
                continue
            source = _read_quietly(path, settings)
            if source is None:
                continue
            digests[path] = _CacheIndex.entry_key(source.data)
            first_party = key is None and environment.is_first_party(path)
            stored = cache.stored(digests[path], path) if cache and first_party else None
            if isinstance(stored, _Stored) and fresh(stored.digest, path):
                program[path] = (None, stored, True)
                cache.now[path] = stored.digest
                continue
            if loader is None:
                from .program.loader import ModuleLoader

                loader = ModuleLoader(sorted(digests), environment=environment)
            outcome = analyse_source(source, loader)
            if stats is not None:
                stats.analysed.append(path)
            if isinstance(outcome, FileError):
                continue
            if cache and key:
                cache.put_installed(key, digests[path], outcome)
                cache.now[path] = digests[path]
            elif cache and first_party:
                cache.put(digests[path], {"model": file_model_to_json(outcome)})
                cache.now[path] = digests[path]
            program[path] = (None, outcome, False)
    return frozenset(path for path in done if path in program)


def _installed_digest(path: str, settings: Settings, cache: Optional["_CacheIndex"], digests: dict) -> Optional[str]:
    """The digest of an installed module a cached model consulted: by its package version when
    the cache knows it (not read), else of its bytes now."""
    if path not in digests:
        environment = settings.environment
        key = environment.package_key(path) if environment is not None and environment.is_installed(path) else None
        if key is None and (environment is None or not environment.is_context(path)):
            return None
        known = cache.installed_digest(key) if cache and key else None
        if known is None:
            try:
                with open(path, "rb") as handle:
                    known = _CacheIndex.entry_key(handle.read())
            except OSError:
                known = None
        digests[path] = known
    return digests[path]


def _read_quietly(path: str, settings: Settings) -> Optional[sources.Source]:
    """A context file read again (its stored model is stale); a notebook as its code cells."""
    try:
        source = sources.read(path, settings.max_file_size)
        return NotebookSource.of(source) if notebook.is_notebook(path) else source
    except (sources.ReadError, notebook.NotebookError):
        return None


def _context_files(discovered: list, config: Config, run: Run) -> set:
    """Modules around the named files that the run reads but does not report on.

    A file named alone (pre-commit passes the changed ones) is still judged in its program:
    the models and scripts that build its blocks, the modules it imports. The program's root
    is the config's root, else the folder above the file's top package (or the script's
    folder). Named folders are the program the user chose: nothing is added to them."""
    named_files = [path for path in run.paths if os.path.isfile(path)]
    if not named_files:
        return set()
    roots = sorted({_program_root(path, config.root) for path in named_files})
    seen = {os.path.realpath(path) for path, _ in discovered}
    context = set()
    for found in sources.discover(roots, exclude=config.excludes, root=config.root,
                                  respect_gitignore=config.respect_gitignore):  # fmt: skip
        if found.error is None and os.path.realpath(found.path) not in seen:
            seen.add(os.path.realpath(found.path))
            context.add(found.path)
    return context


def _program_root(path: str, config_root: Optional[str]) -> str:
    absolute = os.path.abspath(path)
    if config_root and absolute.startswith(os.path.abspath(config_root) + os.sep):
        return config_root
    folder = os.path.dirname(absolute)
    while os.path.isfile(os.path.join(folder, "__init__.py")) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
    return folder


def _judge(source: sources.Source, model, from_cache: bool, models: dict, settings: Settings,
           installed: frozenset = frozenset()) -> FileResult:  # fmt: skip
    """Rules, suppressions and fixes for one linked file model; a notebook's in cell positions.
    The collector paused, as for the analysis: a collection while the fixer reads the file's
    tree would walk every tree and model the process keeps."""
    from .syntax.parse import collector_paused

    with collector_paused():
        result = _judge_text(source, model, from_cache, models, settings, installed)
    if isinstance(source, NotebookSource):
        result.findings = source.notebook.to_cells(result.findings)
        result.fixed = source.notebook.to_cells(result.fixed)
    return result


def _judge_text(source: sources.Source, model, from_cache: bool, models: dict, settings: Settings,
                installed: frozenset = frozenset()) -> FileResult:  # fmt: skip
    result = FileResult(source.path, cached=from_cache)
    if not (model.layers or model.gain_calls or (UNUSED_NOQA in settings.codes and NOQA_PREFILTER.search(source.data))):
        return result  # read for what it tells other modules only
    try:
        findings = _rule_findings(model, source, settings)
        if not any(f.code in _fixable_codes() or f.fix for f in findings):
            result.findings = findings
            return result
        writing = settings.fix or settings.diff
        if from_cache and (writing or settings.fix_edits):
            # what is written or shown as an edit comes only from an analysis of these very
            # bytes, never from the cache (a tampered index must not put code into a file)
            model, findings = _fresh_findings(source, models, settings, installed)
            from_cache = result.cached = False
        from . import fixer

        for unfixable in fixer.attach_fixes(findings, model, _fix_options(settings), source.text):
            unfixable.finding.no_fix = unfixable.reason
        if from_cache:
            for finding in findings:
                if finding.fix is not None:
                    finding.fix.edits = []  # fixable (`[*]`), but no code from the cache
        if not writing or not any(f.fix for f in findings):
            result.findings = findings
            return result
        if isinstance(source, NotebookSource):
            return _apply_notebook_fixes(source.file, source.notebook, findings, settings, settings.fix, result)
        return _apply_fixes(source, findings, settings, settings.fix, result)
    except RecursionError:
        result.error = FileError(source.path, "too deeply nested to analyse")
    except Exception as error:  # a bug of ours: report it for this file, go on with the others
        if from_cache:  # or a cached model this version cannot read: the bytes analysed again
            fresh = analyse_source(source)
            if isinstance(fresh, FileError):
                result.error = fresh
                return result
            from . import program

            program.link({**models, source.path: fresh}, installed)
            return _judge(source, fresh, False, models, settings, installed)
        result.error = _internal_error(source.path, error)
    return result


def _fresh_findings(source: sources.Source, models: dict, settings: Settings, installed: frozenset = frozenset()) -> tuple:
    from . import program
    from .program.loader import ModuleLoader
    from .semantics.file import analyze

    # the loader the file's first analysis had: the program's own modules; installed ones (and
    # stubs) come from the environment, in its order, or the analysis would differ from that one
    program_paths = sorted(path for path in models if path not in installed)
    model = analyze(parse_view(source.text), source.path, ModuleLoader(program_paths, environment=settings.environment))
    program.link({**models, source.path: model}, installed)
    return model, _rule_findings(model, source, settings)


def _fix_options(settings: Settings) -> FixOptions:
    return FixOptions(settings.fix_distribution, settings.fix_mode, settings.fix_bias)


def _rule_findings(model, source: sources.Source, settings: Settings) -> list[Finding]:
    """The selected rules' findings (messages rendered with the fix options), those of IL1xx
    below `min-impact` dropped, suppressions applied (and with IL900, the unused noqa codes)."""
    from . import rules

    chosen = [rules.RULES_BY_CODE[code](_fix_options(settings)) for code in settings.codes]
    found = [f for f in rules.run_rules(model, chosen) if f.impact is None or f.impact >= settings.min_impact]
    return _suppressed(found, source, settings)


def _suppressed(findings: list[Finding], source: sources.Source, settings: Settings) -> list[Finding]:
    """The findings noqa comments and per-file-ignores leave; with IL900, the noqa codes that
    suppressed nothing (it needs what the others suppressed, so it runs here)."""
    ignored = _ignored_for(source.path, settings)
    used: Optional[set] = set() if UNUSED_NOQA in settings.codes else None
    findings = suppress(findings, source.text, ignored, used)
    if used is None:
        return findings
    from . import noqa, rules

    stale = noqa.unused(source.text, source.path, used, settings.codes, rules.RULES_BY_CODE)
    return sorted(findings + suppress(stale, source.text, ignored), key=lambda f: (f.line, f.column, f.code))


@dataclass
class NotebookSource(sources.Source):
    """A notebook's code cells as the text the analysis reads (`text`, `data`), with the
    notebook (its cell map) and the file as read (what a fix must find on disk)."""

    notebook: Optional["notebook.Notebook"] = None
    file: Optional[sources.Source] = None

    @classmethod
    def of(cls, file: sources.Source) -> "NotebookSource":
        """Raises notebook.NotebookError."""
        nb = notebook.load(file.path, file.text, file.bom)
        return cls(file.path, nb.text.encode("utf-8", "surrogatepass"), nb.text, "utf-8", False, nb, file)


def _in_cells(source: sources.Source, error: FileError) -> FileError:
    """An analysis error of a notebook's text, in its cell."""
    if not isinstance(source, NotebookSource) or error.line is None or error.cell is not None:
        return error
    cell, line = source.notebook.locate(error.line)
    return FileError(error.path, error.message, line, error.column, cell=cell)


def _fixable_codes() -> frozenset:
    from .fixer import FIXABLE_CODES

    return FIXABLE_CODES


@dataclass
class NoqaResult:
    path: str
    added: int = 0  # lines given a `# noqa` (or more codes in theirs)
    unplaced: list[Finding] = field(default_factory=list)  # no comment can go beside them
    error: Optional[FileError] = None


def add_noqa(run: Run) -> list[NoqaResult]:
    """`--add-noqa`: a `# noqa: CODES` on the line of every finding the run reports (merged
    into a `# noqa` already there), so that a codebase adopts initlint with every existing
    finding recorded in place and only new code gated. Comments only change: checked, and
    written atomically. Raises ConfigError."""
    from dataclasses import replace

    out = []
    for result in check(replace(run, fix=False, diff=False)):
        if result.error is not None:
            out.append(NoqaResult(result.path, error=result.error))
            continue
        findings = [f for f in result.findings if f.code != UNUSED_NOQA]  # IL900's answer is removing codes
        if findings:
            out.append(_add_noqa_to(result.path, findings))
    return out


def _add_noqa_to(path: str, findings: list[Finding]) -> NoqaResult:
    from . import fixer, noqa

    result = NoqaResult(path)
    try:
        source = sources.read(path)
    except sources.ReadError as error:
        result.error = FileError(path, error.message, error.line, error.column)
        return result
    nb = None
    text = source.text
    if notebook.is_notebook(path):
        try:
            nb = notebook.load(path, source.text, source.bom)
        except notebook.NotebookError as error:
            result.error = FileError(path, error.message, error.line, error.column)
            return result
        text = nb.text
        findings = nb.findings_from_cells(findings)
    edits, unplaced = noqa.add_edits(text, findings)
    result.unplaced = nb.to_cells(unplaced) if nb else unplaced
    if not edits:
        return result
    try:
        new_text = fixer.apply_edits(text, edits)
        fixer.check_comment_edits(text, new_text)
        if nb is not None:
            written = notebook.apply_edits(nb, edits, new_text, write=True, data=source.data)
            if written.error is not None:
                result.error = written.error
                return result
        else:
            decoded = fixer.DecodedSource(source.text, source.encoding, source.bom)
            fixer.write_atomic(path, fixer._splice_bytes(source.data, decoded, text, edits), source.data)
    except (fixer.UnsafeFix, ValueError, UnicodeEncodeError) as error:
        result.error = FileError(path, f"internal error: `# noqa` not added, it failed the safety check: {error}")
        return result
    except fixer.WriteRefused as error:
        result.error = FileError(path, str(error))
        return result
    result.added = len(edits)
    return result


def inspect(run: Run) -> Iterator[FileResult]:
    """One row per Conv/Linear layer found (flagged or not), per file, sorted by path."""
    config, settings = resolve(run)
    if run.paths == ["-"]:
        path = run.stdin_filename or "-"
        try:
            yield inspect_source(sources.from_bytes(path, sys.stdin.buffer.read(), settings.max_file_size))
        except sources.ReadError as error:
            yield FileResult(path, error=FileError(path, error.message, error.line, error.column))
        return
    settings.cache_dir = None
    jobs = run.jobs or _cores()
    workers = _Workers(jobs, settings) if jobs > 1 else None
    try:
        results, program, installed = _analysed_program(run, config, settings, None, workers, None)
    except BaseException:  # interrupted: the workers stop now
        if workers:
            workers.stop()
        raise
    finally:
        if workers:
            workers.close()
    from . import program as program_stage

    models = {path: model for path, (_, model, _) in program.items()}
    program_stage.link(models, installed)
    for path, (source, model, _) in program.items():
        if source is None:
            continue
        result = FileResult(path)
        result.rows = [layer.row() for layer in model.layers]
        if isinstance(source, NotebookSource):
            for row in result.rows:
                row["cell"], row["line"] = source.notebook.locate(row["line"])
        results.append(result)
    results.sort(key=lambda r: _sort_key(r.path))
    yield from results


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _sort_key(path: str) -> tuple:
    return tuple(Path(path).parts)


# --------------------------------------------------------------------------------------
# Workers

_worker_settings: Optional[Settings] = None  # this worker process's run (set once by its initializer)
_worker_loader: Optional[tuple] = None  # (the program's paths, its ModuleLoader) in this worker


def _analyse_all(
    files: list, settings: Settings, workers: Optional["_Workers"], program: list
) -> Iterator[tuple[str, object]]:
    """(path, FileModel or FileError) per source, in completion order; in this process without workers.
    Each analysis reads the very bytes the parent read and hashed, never the file again; the
    other modules whose functions it follows are read by the loader, and named in the model."""
    if not files:
        return
    if workers is None:
        from .program.loader import ModuleLoader

        loader = ModuleLoader(program, environment=settings.environment)
        for source in files:
            yield source.path, analyse_source(source, loader)
        return
    for source, outcome in workers.run(partial(_analyse_in_worker, program=tuple(program)), files):
        yield source.path, outcome.error if isinstance(outcome, FileResult) else outcome


def _map(fn, files: list[str], settings: Settings, jobs: Optional[int]) -> Iterator[FileResult]:
    """fn(path, settings) over files, in processes when there are enough of them; any order."""
    jobs = jobs or _cores()
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        for path in files:
            yield fn(path, settings)
        return
    workers = _Workers(jobs, settings)
    try:
        for _, result in workers.run(partial(_call_in_worker, fn), files):
            yield result
    except BaseException:
        workers.stop()
        raise
    finally:
        workers.close()


class _Workers:
    """A pool of `jobs` worker processes, started on demand (`start`), so that they can fork
    and import libcst while the parent is still reading and hashing files.

    Files are handed out one per task: they take milliseconds to seconds, and one at a
    time, in the order given (largest first), keeps every core busy until the end. A worker
    that dies (killed for memory, say) breaks the pool: the files it took down with it are
    checked again one at a time in a fresh worker, and only the one that kills that worker
    too becomes an error. Workers end with the parent, however it ends (_start_worker)."""

    def __init__(self, jobs: int, settings: Settings):
        self.jobs = jobs
        self.settings = settings
        self.pool = None

    def _new_pool(self, jobs: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork starts a worker in milliseconds without re-importing initlint; each worker
        # then imports libcst itself, in parallel with the others.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        return ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=multiprocessing.get_context(method),
            initializer=_start_worker,
            initargs=(self.settings, os.getpid()),
        )

    def start(self) -> None:
        if self.pool is not None:
            return
        self.pool = self._new_pool(self.jobs)
        for _ in range(self.jobs):  # the executor forks a worker per pending task
            self.pool.submit(_ready)

    def run(self, task, items: list) -> Iterator[tuple[object, object]]:
        """(item, task(item)) in completion order; items are paths, Sources or (Source, model).
        Every item is handed out now; the results come as they are iterated."""
        self.start()
        futures = {self.pool.submit(task, item): index for index, item in enumerate(items)}
        return self._completed(task, items, futures)

    def _completed(self, task, items: list, futures: dict) -> Iterator[tuple[object, object]]:
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        lost = []
        for future in as_completed(futures):
            index = futures[future]
            try:
                outcome = future.result()
            except BrokenProcessPool:
                lost.append(index)
                continue
            yield items[index], outcome
        if lost:
            self.close()
            yield from self._one_at_a_time(task, [items[index] for index in sorted(lost)])

    def _one_at_a_time(self, task, items: list) -> Iterator[tuple[object, object]]:
        from concurrent.futures.process import BrokenProcessPool

        for item in items:
            if self.pool is None:
                self.pool = self._new_pool(1)
            try:
                outcome = self.pool.submit(task, item).result()
            except BrokenProcessPool:
                self.close()
                path = getattr(item[0] if isinstance(item, tuple) else item, "path", item)
                outcome = FileResult(path, error=FileError(path, "the worker process checking it died (out of memory?)"))
            yield item, outcome

    def stop(self) -> None:
        """End the workers now (the run is interrupted): each gets SIGTERM, which stops it
        cleanly, then SIGKILL if it lingers."""
        pool, self.pool = self.pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            try:
                process.terminate()
            except (OSError, ValueError):
                pass
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
                process.join(1)
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _ready() -> None:
    """A first task per worker: it makes the executor start the process early."""


class _Stopped(SystemExit):
    """SIGTERM in a worker (from the parent, or because the parent died)."""


def _stop_worker(signum, frame) -> None:
    raise _Stopped(128 + signum)


def _start_worker(settings: Settings, parent: int) -> None:
    global _worker_settings
    _worker_settings = settings
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, _stop_worker)
    try:
        _die_with(parent)
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="initlint-parent-watch").start()
        from . import rules  # noqa: F401  (imported once per worker, before its first file)
        from .program import loader  # noqa: F401
    except _Stopped as stopped:
        os._exit(stopped.code)

    gc.freeze()  # what is imported lives as long as the worker: no collection need walk it


def _die_with(parent: int) -> None:
    """On Linux the kernel sends SIGTERM the moment the parent dies, however it dies (SIGKILL too)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 15, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it died before that was in place
        os._exit(143)


ORPHAN_GRACE = 3.0  # seconds an orphaned worker has to stop cleanly (finally blocks, temp files)


def _watch_parent(parent: int) -> None:
    """Elsewhere (and as a second guard): a worker whose parent is gone gets SIGTERM within a
    second, and ends ORPHAN_GRACE seconds later if that did not stop it."""
    import signal
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)
    # concurrent.futures catches BaseException around a task and around sending its result (a
    # write that blocks for good once the parent is gone): the SIGTERM may be swallowed there
    time.sleep(ORPHAN_GRACE)
    os._exit(143)


def _analyse_in_worker(source: sources.Source, program: tuple = ()):
    global _worker_loader
    try:
        if _worker_loader is None or _worker_loader[0] != program:
            from .program.loader import ModuleLoader

            _worker_loader = (program, ModuleLoader(program, environment=_worker_settings.environment if _worker_settings else None))  # the worker's own: modules it parsed stay warm
        return analyse_source(source, _worker_loader[1])
    except _Stopped as stopped:
        os._exit(stopped.code)


def _judge_in_worker(item: tuple, installed: frozenset = frozenset()) -> FileResult:
    source, model = item
    try:
        return _judge(_Held.whole(source), model, False, {}, _worker_settings, installed)
    except _Stopped as stopped:
        os._exit(stopped.code)


def _call_in_worker(fn, path: str) -> FileResult:
    assert _worker_settings is not None
    try:
        return fn(path, _worker_settings)
    except _Stopped as stopped:
        os._exit(stopped.code)


def analyse_source(source: sources.Source, loader=None):
    """The file model of one decoded file, or the FileError of one that cannot be analysed."""
    from .semantics.file import analyze
    from .syntax.parse import SourceError

    try:
        return analyze(parse_view(source.text), source.path, loader)
    except SourceError as error:
        return FileError(source.path, error.message, error.line, error.column)
    except RecursionError:
        return FileError(source.path, "too deeply nested to analyse")
    except Exception as error:  # a bug of ours: report it for this file, go on with the others
        return _internal_error(source.path, error)


# --------------------------------------------------------------------------------------
# One file


def check_file(path: str, settings: Settings, computed: Optional[list] = None) -> FileResult:
    """Check (and, with settings.fix, fix) one file, without the cache. Never raises: what
    goes wrong becomes the result's error. `computed`, if given, receives one item, what
    the run caches: the list of findings as analysed (before fixing), or the FileError of an
    analysis that failed."""
    try:
        source = sources.read(path, settings.max_file_size)
    except sources.ReadError as error:
        return FileResult(path, error=FileError(path, error.message, error.line, error.column))
    try:
        return _check_source(source, settings, write=settings.fix, computed=computed)
    except RecursionError:
        result = FileResult(path, error=FileError(path, "too deeply nested to analyse"))
    except Exception as error:  # a bug of ours: report it for this file, go on with the others
        result = FileResult(path, error=_internal_error(path, error))
    if computed is not None and not computed:
        computed.append(result.error)  # the analysis failed: so it will for this content again
    return result


def check_stdin(data: bytes, path: str, settings: Settings) -> FileResult:
    try:
        source = sources.from_bytes(path, data, settings.max_file_size)
    except sources.ReadError as error:
        return FileResult(path, error=FileError(path, error.message, error.line, error.column))
    settings.cache_dir = None
    try:
        result = _check_source(source, settings, write=False, stdin=True)
    except Exception as error:
        return FileResult(path, error=_internal_error(path, error))
    if notebook.is_notebook(path):
        if settings.fix and result.fixed_source is None and result.error is None:
            result.fixed_source = source.text  # nothing to fix: the notebook as it came
        return result
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


def _prefilter(settings: Settings) -> "re.Pattern[bytes]":
    return NOQA_PREFILTER if UNUSED_NOQA in settings.codes else PREFILTER


def _internal_error(path: str, error: BaseException) -> FileError:
    return FileError(path, f"internal error: {type(error).__name__}: {error} (please report it)")


def _check_source(
    source: sources.Source, settings: Settings, write: bool, stdin: bool = False, computed: Optional[list] = None
) -> FileResult:
    result = FileResult(source.path)
    if not _prefilter(settings).search(source.data):
        return result  # nothing to cache: the prefilter answers again next time
    if notebook.is_notebook(source.path):
        return _check_notebook(source, settings, write, stdin, computed)
    findings, error = findings_of(source, settings)
    if error is not None:
        if computed is not None:
            computed.append(error)
        result.error = error
        return result
    if computed is not None:
        computed.append(list(findings))
    if not (settings.fix or settings.diff) or not any(f.fix for f in findings):
        result.findings = findings
        return result
    if stdin:  # the caller prints the fixed text or the diff; nothing is written
        from . import fixer

        result.fixed = fixer.fixable(findings, settings.unsafe_fixes)
        fixed_ids = {id(f) for f in result.fixed}
        result.findings = [f for f in findings if id(f) not in fixed_ids]
        return result
    return _apply_fixes(source, findings, settings, write, result)


def _check_notebook(
    source: sources.Source, settings: Settings, write: bool, stdin: bool, computed: Optional[list]
) -> FileResult:
    """The notebook's code cells checked as one text; findings and errors in cell positions."""
    result = FileResult(source.path)
    try:
        nb = notebook.load(source.path, source.text, source.bom)
    except notebook.NotebookError as error:
        result.error = FileError(source.path, error.message, error.line, error.column)
        if computed is not None:
            computed.append(result.error)
        return result
    findings, error = findings_of(notebook_source(nb), settings)
    if error is not None:
        if error.line is not None:
            cell, line = nb.locate(error.line)
            error = FileError(source.path, error.message, line, error.column, cell=cell)
        if computed is not None:
            computed.append(error)
        result.error = error
        return result
    findings = nb.to_cells(findings)
    if computed is not None:
        computed.append(list(findings))
    if not (settings.fix or settings.diff) or not any(f.fix for f in findings):
        result.findings = findings
        return result
    return _apply_notebook_fixes(source, nb, findings, settings, write and not stdin, result, stdin)


def check_cells(path: str, cells: list, settings: Settings) -> tuple["notebook.Notebook", list[Finding], Optional[FileError]]:
    """A notebook an editor holds (`notebook.Cell`s, all of them, in order), checked as a file
    would be: (the notebook, findings in cell positions with fix plans, or the error of a
    cell that does not parse, in cell position). For the language server's notebook sync."""
    nb = notebook.from_cells(path, cells)
    findings, error = findings_of(notebook_source(nb), settings)
    if error is not None:
        if error.line is not None:
            cell, line = nb.locate(error.line)
            error = FileError(path, error.message, line, error.column, cell=cell)
        return nb, [], error
    return nb, nb.to_cells(findings), None


def notebook_source(nb: "notebook.Notebook") -> sources.Source:
    """The concatenated code cells as a Source the analysis reads."""
    data = nb.text.encode("utf-8", "surrogatepass")
    return sources.Source(nb.path, data, nb.text, "utf-8", False)


def _apply_notebook_fixes(source: sources.Source, nb: "notebook.Notebook", findings: list[Finding], settings: Settings,
                          write: bool, result: FileResult, stdin: bool = False) -> FileResult:  # fmt: skip
    fixed = notebook.fix(nb, findings, settings.unsafe_fixes, write=write, data=source.data)
    if _took_fixes(result, fixed, findings, settings) and stdin and not settings.diff:
        # stdin under --fix prints the notebook as fixed (unchanged when nothing was)
        result.fixed_source = fixed.new_data.decode("utf-8-sig") if fixed.new_data is not None else source.text
    return result


def findings_of(source: sources.Source, settings: Settings, reuse: Optional[dict] = None) -> tuple[list[Finding], Optional[FileError]]:
    """Analysis, rules, suppressions and fix plans for one decoded file. `reuse`: the
    parsed pieces of the previous version of this text (syntax.parse.parse_by_statement)."""
    from .syntax.parse import collector_paused

    with collector_paused():
        return _findings_of(source, settings, reuse)


def _findings_of(source: sources.Source, settings: Settings, reuse: Optional[dict] = None) -> tuple[list[Finding], Optional[FileError]]:
    from .semantics.file import analyze_with_tree
    from .syntax.parse import SourceError

    try:
        if reuse is None:  # a run's path, unchanged
            file_model, tree = analyze_with_tree(parse_view(source.text), source.path)
        else:
            file_model, tree = analyze_with_tree(parse_view(source.text), source.path, reuse=reuse)
    except SourceError as error:
        return [], FileError(source.path, error.message, error.line, error.column)
    from .program.link import link

    failures = link({source.path: file_model}).failures  # as `check` judges a file that is a program alone (flake8, the editor)
    error = None
    if failures:
        line, message = min(failures[source.path])
        error = FileError(source.path, message, line)
    findings = _rule_findings(file_model, source, settings)
    if not findings:
        return findings, error
    from . import fixer  # only files with findings need it

    if any(f.code in fixer.FIXABLE_CODES for f in findings):
        for unfixable in fixer.attach_fixes(findings, file_model, _fix_options(settings), source.text, tree):
            unfixable.finding.no_fix = unfixable.reason
    return findings, error


def _apply_fixes(source: sources.Source, findings: list[Finding], settings: Settings, write: bool, result: FileResult) -> FileResult:
    from . import fixer

    if notebook.is_notebook(source.path):
        try:
            nb = notebook.load(source.path, source.text, source.bom)
        except notebook.NotebookError as error:
            result.error = FileError(source.path, error.message, error.line, error.column)
            return result
        return _apply_notebook_fixes(source, nb, findings, settings, write, result)

    fixed = fixer.fix_file(source.path, findings, source.data, unsafe=settings.unsafe_fixes, write=write)
    _took_fixes(result, fixed, findings, settings)
    return result


def _took_fixes(result: FileResult, fixed, findings: list[Finding], settings: Settings) -> bool:
    """What a fix run (of a file or a notebook) leaves in the result; False when it failed."""
    if fixed.error is not None:
        result.error = fixed.error
        result.findings = findings
        return False
    result.fixed = list(fixed.fixed)
    fixed_ids = {id(f) for f in result.fixed}
    result.findings = [f for f in findings if id(f) not in fixed_ids]
    if settings.diff:
        result.diff = fixed.diff()
    return True


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
    from .semantics.file import analyze
    from .syntax.parse import SourceError

    result = FileResult(source.path)
    if not PREFILTER.search(source.data):
        return result
    nb = None
    if notebook.is_notebook(source.path):
        try:
            nb = notebook.load(source.path, source.text, source.bom)
        except notebook.NotebookError as error:
            result.error = FileError(source.path, error.message, error.line, error.column)
            return result
        source = notebook_source(nb)
    try:
        file_model = analyze(parse_view(source.text), source.path)
    except SourceError as error:
        cell, line = nb.locate(error.line) if nb and error.line else (None, error.line)
        result.error = FileError(source.path, error.message, line, error.column, cell=cell)
        return result
    result.rows = [layer.row() for layer in file_model.layers]
    if nb is not None:
        for row in result.rows:
            row["cell"], row["line"] = nb.locate(row["line"])
    return result


# --------------------------------------------------------------------------------------
# Bounded parsing

# LibCST's parse costs about 20 us and 4 KB per token (a 360 KB list of floats: 7 s and
# 180 MB; a 4.8 MB one took 126 s and 10.8 GB). Data literals cannot hold a layer, so in a
# big file each large one is parsed as `...`; what is left is refused above a size whose
# parse stays within seconds and a few hundred MB (measured in bench/speed.py's corpus: the
# largest model file there is 0.2 MB).
BOUNDED_PARSE_FROM = 256_000  # characters; smaller files are parsed as they are
DATA_LITERAL_MIN = 16_000  # characters of one literal before it is set aside
MAX_PARSED_CODE = 1_000_000  # characters of code besides the literals set aside


def parse_view(text: str) -> str:
    """`text` with every large data literal (numbers, strings, lists, dicts... of nothing
    else) replaced by `...`, padded so that every line and every column after it stays
    where it was: findings, noqa comments and fixes keep their positions. Raises
    syntax.parse.SourceError when the code left is over MAX_PARSED_CODE."""
    if len(text) < BOUNDED_PARSE_FROM:
        return text
    import ast
    import warnings

    from .syntax.parse import SourceError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, "<file>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return text  # the analysis says what is wrong with it
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    ascii_only = text.isascii()
    spans = []
    stack: list = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.expr) and node.end_lineno is not None:
            # at least as many bytes as characters: a cheap bound first
            most = starts[node.end_lineno - 1] - starts[node.lineno - 1] + node.end_col_offset - node.col_offset
            if most >= DATA_LITERAL_MIN and _pure_data(node):
                start = _char_offset(text, starts, node.lineno, node.col_offset, ascii_only)
                end = _char_offset(text, starts, node.end_lineno, node.end_col_offset, ascii_only)
                if end - start >= DATA_LITERAL_MIN:
                    spans.append((start, end))
                    continue
        stack.extend(ast.iter_child_nodes(node))
    masked = sum(end - start for start, end in spans)
    if len(text) - masked > MAX_PARSED_CODE:
        raise SourceError(
            f"{(len(text) - masked) / 1e6:.1f} MB of code besides data literals, over the "
            f"{MAX_PARSED_CODE / 1e6:g} MB initlint parses in bounded time and memory; not checked (exclude it)"
        )
    if not spans:
        return text
    out, cursor = [], 0
    for start, end in sorted(spans):
        out.append(text[cursor:start])
        piece = text[start:end]
        breaks = [m.group() for m in re.finditer(r"\r\n|\r|\n", piece)]
        # inside brackets line breaks and spaces are free: `(...)` keeps the literal's line
        # breaks, and its `)` ends where the literal ended
        if breaks:
            last_line = len(piece) - piece.rfind(breaks[-1][-1]) - 1
            out.append("(..." + "".join(breaks) + " " * (last_line - 1) + ")")
        else:
            out.append("(" + " " * (len(piece) - 5) + "...)")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _char_offset(text: str, starts: list[int], line: int, byte_column: int, ascii_only: bool) -> int:
    """CPython's (line, UTF-8 byte column) as an offset into `text`."""
    begin = starts[line - 1]
    if ascii_only:
        return begin + byte_column
    chunk = text[begin : begin + byte_column]  # at least byte_column // 4 characters are in
    return begin + len(chunk.encode("utf-8")[:byte_column].decode("utf-8", "ignore"))


def _pure_data(node) -> bool:
    """A literal of constants only: it cannot build, name or initialise a layer."""
    import ast

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Constant):
            continue
        if isinstance(item, (ast.List, ast.Tuple, ast.Set)):
            stack.extend(item.elts)
        elif isinstance(item, ast.Dict):
            if None in item.keys:
                return False  # `**spread`
            stack.extend(item.keys)
            stack.extend(item.values)
        elif isinstance(item, ast.UnaryOp) and isinstance(item.op, (ast.USub, ast.UAdd)):
            stack.append(item.operand)
        else:
            return False
    return True


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


def suppress(findings: list[Finding], text: str, ignored: Iterable[str] = (), used: Optional[set] = None) -> list[Finding]:
    """Drop findings turned off by `# noqa` on the layer's first or last line, by a file-level
    `# initlint: noqa[: CODES]`, or by per-file-ignores. `used`, if given, receives
    (line, code) for each finding a line's `# noqa` turned off (IL900 reads it)."""
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
        by = [n for n in sorted(candidates) if 0 < n <= len(lines) and _suppressed_by(noqa_codes(lines[n - 1]), finding.code)]
        if by:
            if used is not None:
                used.update((n, finding.code) for n in by)
            continue
        kept.append(finding)
    return kept


# --------------------------------------------------------------------------------------
# Cache: per settings key, a small index read whole at the start of a run and the file
# models one file each, read on demand; both written (atomically) at the run's end.


def _ignored_for(path: str, settings: Settings) -> list[str]:
    return settings.config_like().ignored_for(path) if settings.per_file_ignores else []


def _linked_digest(model: dict, text: str) -> str:
    """The hash of what the program stage reads of a module (its summary and its layers, with
    their positions: another module's finding cites them) and not of what only decides whether
    the model is fresh: a module whose model is unchanged leaves the others' judgements as they
    were. `text`: the model's JSON as stored, whose last fields (`FileModel.consulted`,
    `interface`, `unresolved`) are those left out; its own path too (the same bytes in another
    file link alike). Sliced, not serialised again: the parent stores every model of a cold run."""
    cut = text.rfind(',"consulted":')
    body = text[:cut] if cut >= 0 else text
    body = body.replace('"path":' + json.dumps(model.get("path", "")), '"path":""')
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


class _CacheIndex:
    """The cache of one settings key, in two parts, so that a run reads only what it needs.

    `index-<key>.txt`, read whole at the start of a run: the files' stats (realpath ->
    [mtime_ns, size, digest]); per content digest, its analysis error, or its model's summary
    hash and the modules it consulted (path -> their interface hash then); per path, its last
    judgement (digest, program key, findings without edits). `models-<key>/<digest>.json`: the
    file models, each read only when its file must be linked or judged again. A warm run reads
    the index alone; a one-file run, the index and the models of the file's program.

    The index is a line per entry, `<key>TAB<its JSON>` (a judgement's key: its path as a JSON
    string), after a header line: a run decodes only the entries it reads, and writes back the
    others' text as it found it. Decoding and encoding the whole index as one JSON document was
    a tenth of a one-file run (2.4 MB for the speed corpus; `read_index`/`write_index` convert)."""

    def __init__(self, folder: str, path: str, entries: dict):
        self.folder = folder
        self.path = path
        self.models = os.path.join(folder, "models-" + os.path.basename(path)[len("index-"):-len(INDEX_SUFFIX)])
        self.entries = entries
        self.used: set = set()
        self.added = 0
        self.written: dict = {}  # digest -> its model as JSON text, written by save()
        files = entries.get(STAT_KEY)
        self.stats: dict = files if isinstance(files, dict) else {}  # realpath -> [mtime_ns, size, digest]
        judged = entries.get(JUDGED_KEY)
        self.judgements: dict = judged if isinstance(judged, dict) else {}
        codes = entries.get(CODE_KEY)
        self.codes: dict = codes if isinstance(codes, dict) else {}  # digest of bytes -> modules.code_digest
        self.used_codes: set = set()
        self.now: dict = {}  # path -> digest of the model this run uses for it
        self.previous: dict = {}  # digest -> the interface its model had before this run stored another

    @classmethod
    def open(cls, settings: Settings) -> Optional["_CacheIndex"]:
        if not settings.cache_dir:
            return None
        path = os.path.join(settings.cache_dir, f"index-{settings.key()}{INDEX_SUFFIX}")
        try:
            with open(path, encoding="utf-8") as handle:
                entries = _index_entries(handle.read())
        except (OSError, ValueError):
            entries = {}  # none yet, or damaged: start afresh
        return cls(settings.cache_dir, path, entries)

    @staticmethod
    def entry_key(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    def _meta(self, key: str) -> Optional[dict]:
        raw = self.entries.get(key)
        if not isinstance(raw, dict) or key.startswith("#"):
            return None
        if "error" in raw:
            return raw
        consulted, unresolved = raw.get("consulted"), raw.get("unresolved", [])
        if not (isinstance(raw.get("summary"), str) and isinstance(consulted, dict)
                and all(isinstance(value, str) for value in consulted.values())
                and isinstance(unresolved, list) and all(isinstance(item, list) and len(item) == 3
                                                         and all(isinstance(part, str) for part in item)
                                                         for item in unresolved)):  # fmt: skip
            return None
        return raw

    def stored(self, key: str, path: str) -> Union["_Stored", FileError, None]:
        """What the index knows of this content without reading its model: the analysis error
        (given this path), a `_Stored` model, or None."""
        raw = self._meta(key)
        if raw is None:
            return None
        if "error" in raw:
            try:
                found: object = _error_from_json(raw["error"], path)
            except (KeyError, TypeError, ValueError, AttributeError):
                return None
        else:
            found = _Stored(key, dict(raw["consulted"]))
        self.used.add(key)
        return found

    def verdict(self, key: str, now_of: Callable[[str], Optional[str]], text_of: Callable[[str], Optional[str]],
                split_now: Callable[[str, str], str], redone: dict, undecided: set, path: str = "") -> Optional[bool]:  # fmt: skip
        """Whether the stored model still holds: each module it consulted has the interface it
        read then (what its analysis could read of it: `semantics/interface.py`; the same bytes,
        or the same code but blank and comment lines, have it too), and each import it followed
        in vain still leads where it did. None while that depends on a module not settled yet
        (`undecided`) or analysed again this run and not done (`redone`: path -> its interface now).
        `path`: the file's own (never waited on; where its failed lookups were made from)."""
        raw = self._meta(key)
        if raw is None:
            return False
        waiting = False
        moved: dict = {}
        for other, recorded in raw.get("consulted", {}).items():
            data_digest, _, code = recorded.partition(":")
            if other in redone:  # analysed again this run: the interface it has now
                if redone[other] is None:
                    waiting = True
                    continue
                if not redone[other] or self._interface(data_digest, before=True) != redone[other]:
                    return False
            elif other in undecided and other != path:
                waiting = True
                continue
            now = now_of(other)
            if now == data_digest or other in redone:
                if now != data_digest and now is not None:
                    moved[other] = f"{now}:{self.codes.get(now, '')}"
                continue
            if now is None:
                return False
            if code and self._code_digest(now, other, text_of) == code:
                continue
            before, after = self._interface(data_digest, before=True), self._interface(now)
            if before is None or before != after:
                return False
            moved[other] = f"{now}:{self.codes.get(now, '')}"
        for target, near, found in raw.get("unresolved", []):
            if split_now(target, near or path) != found:
                return False  # a module added (or gone) under a name its analysis looked for
        if waiting:
            return None
        if moved:  # the next run compares with these modules' present bytes
            raw["consulted"] = {**raw["consulted"], **moved}
            self.added += 1
        return True

    def _interface(self, digest: str, before: bool = False) -> Optional[str]:
        """The interface of the model stored for these bytes (`before`: as it was when the run began)."""
        if before and digest in self.previous:
            return self.previous[digest]
        raw = self._meta(digest)
        found = raw.get("interface") if raw is not None else None
        if not (isinstance(found, str) and found):
            return None
        self.used.add(digest)
        return found

    def _code_digest(self, digest: str, path: str, text_of: Callable[[str], Optional[str]]) -> Optional[str]:
        known = self.codes.get(digest)
        if not isinstance(known, str):
            text = text_of(path)
            if text is None:
                return None
            from .program.modules import code_digest

            known = self.codes[digest] = code_digest(text)
            self.added += 1
        self.used_codes.add(digest)
        return known

    def get(self, key: str, path: str):
        """The file model (or the analysis error) stored for this content, given this path;
        None when there is none or the entry is not what this version writes."""
        found = self.stored(key, path)
        if not isinstance(found, _Stored):
            return found
        try:
            text = self.written.get(key)
            if text is None:
                with open(os.path.join(self.models, f"{key}.json"), encoding="utf-8") as handle:
                    text = handle.read()
            raw = json.loads(text)
            found = file_model_from_json(raw["model"])
            if not _well_typed(found):
                return None
            found.path = path  # the same content may live in another file
            for layer in found.layers:
                layer.path = path
            if found.summary is not None:
                found.summary.path = path
        except (OSError, KeyError, TypeError, ValueError, AttributeError, RecursionError):
            return None
        return found

    def model_by_stat(self, path: str) -> Optional[str]:
        """The digest of a file unchanged since it was last read (same mtime and size), as
        ruff trusts a file's stat, when a model of it is stored; None if it may have changed.
        Only for modules the run does not report on: what is reported or fixed is always read."""
        try:
            info = os.stat(path)
        except OSError:
            return None
        known = self.stats.get(os.path.realpath(path))
        if not (isinstance(known, list) and len(known) == 3 and known[:2] == [info.st_mtime_ns, info.st_size]
                and isinstance(known[2], str)):  # fmt: skip
            return None
        return known[2] if isinstance(self.stored(known[2], path), _Stored) else None

    def installed_digest(self, key: str) -> Optional[str]:
        """The digest of an installed module's bytes, by its package version and path (`package_key`)."""
        known = self.entries.get(INSTALLED_KEY)
        found = known.get(key) if isinstance(known, dict) else None
        return found if isinstance(found, str) else None

    def installed(self, path: str, key: str) -> Optional[tuple]:
        """(file model, digest) of an installed module known by its package version; None if not."""
        digest = self.installed_digest(key)
        found = self.get(digest, path) if digest else None
        if found is None or isinstance(found, FileError):
            return None
        self.used.add(INSTALLED_KEY)
        return found, digest

    def put_installed(self, key: str, digest: str, model) -> None:
        known = self.entries.get(INSTALLED_KEY)
        if not isinstance(known, dict):
            known = self.entries[INSTALLED_KEY] = {}
        known[key] = digest
        self.put(digest, {"model": file_model_to_json(model)})
        self.used.add(INSTALLED_KEY)

    def note_stat(self, path: str, digest: str) -> None:
        try:
            info = os.stat(path)
        except OSError:
            return
        record = [info.st_mtime_ns, info.st_size, digest]
        key = os.path.realpath(path)
        if self.stats.get(key) != record:
            self.stats[key] = record
            self.added += 1

    def program_keys(self, program: dict, settings: Settings) -> dict:
        """Per path, one digest of the modules linked with it, by path and linked digest (what
        the program stage reads of them besides the file's own model), and of the
        per-file-ignores (the one setting that decides findings and is not in the index's own
        key). Linked: connected through imports or followed code, either way; the program stage
        relates modules only along those (a block, its builders, their scripts), so a module
        edited elsewhere leaves this file's judgement as it was. A path whose component has a
        module the index does not know gets no key."""
        from .program.modules import ModuleIndex, absolute

        index = ModuleIndex.of(dict.fromkeys(program))
        parent = {path: path for path in program}

        def root(path: str) -> str:
            while parent[path] != path:
                parent[path] = parent[parent[path]]
                path = parent[path]
            return path

        metas = {path: self._meta(self.now.get(path, "")) for path in program}
        for path, raw in metas.items():
            if raw is None:
                continue
            name, is_package = index.names[path]
            others = {*raw.get("consulted", {}), *raw.get("followed", [])}
            for written in raw.get("links", []):
                target = absolute(name, is_package, written) if isinstance(written, str) else ""
                found = index.module_path(target, path) or (index.split(target, path) or ("",))[0] if target else None
                others.add(found)
            for other in others:
                if other in parent:
                    parent[root(other)] = root(path)
        components: dict = {}
        for path in sorted(program):
            components.setdefault(root(path), []).append(path)
        keys: dict = {}
        for members in components.values():
            parts: list = [[settings.per_file_ignores, settings.root]]
            for path in members:
                raw = metas[path]
                if raw is None or "summary" not in raw:
                    break
                parts.append([path, raw["summary"]])
            else:
                key = hashlib.sha256(json.dumps(parts).encode("utf-8", "surrogatepass")).hexdigest()
                keys.update(dict.fromkeys(members, key))
        return keys

    def judged(self, path: str, key: str, settings: Settings) -> Optional[FileResult]:
        """The findings of this file's last judgement, if its content and program are the same
        (and, when fixes or their edits are wanted, none is fixable: edits never come from here)."""
        record = self.judgements.get(path)
        if not (isinstance(record, list) and len(record) == 4 and record[:2] == [self.now.get(path), key]
                and isinstance(record[2], bool) and isinstance(record[3], list)):  # fmt: skip
            return None
        if record[2] and (settings.fix or settings.diff or settings.fix_edits):
            return None
        try:
            findings = [finding_from_json({**data, "path": path}) for data in record[3]]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if not _well_typed(findings):
            return None
        for finding in findings:
            if finding.fix is not None:
                finding.fix.edits = []  # fixable (`[*]`), but no code from the cache
        return FileResult(path, findings=findings, cached=True)

    def note_judged(self, path: str, key: str, result: FileResult, settings: Settings) -> None:
        """Keep a judgement that the next run with the same program may give back."""
        digest = self.now.get(path)
        if digest is None or result.error is not None or result.fixed or settings.fix or settings.diff:
            return
        findings = []
        for finding in result.findings:
            data = finding_to_json(finding)
            if data.get("fix"):
                del data["fix"]["edits"]  # no code is ever taken from the cache
            findings.append(data)
        fixable = any(f.fix is not None or f.code in _fixable_codes() for f in result.findings)
        record = [digest, key, fixable, findings]
        if self.judgements.get(path) != record:
            self.judgements[path] = record
            self.added += 1

    def forget(self) -> None:
        """Every entry dropped (one of them was not what this version writes)."""
        self.entries, self.stats, self.judgements, self.codes, self.used, self.written = {}, {}, {}, {}, set(), {}
        self.added += 1

    def put(self, key: str, value: dict) -> None:
        """An analysis error, or a model (as JSON data), for this content."""
        if "model" in value:
            model = value["model"]
            old = self.entries.get(key)
            if isinstance(old, dict) and key not in self.previous:
                self.previous[key] = old.get("interface")  # the same bytes analysed again: what they consulted changed
            self.written[key] = json.dumps(value, separators=(",", ":"), check_circular=False)  # plain data: a tree
            from .program.environment import NEVER_READ

            summary = model.get("summary") or {}
            value = {"summary": _linked_digest(model, self.written[key]), "consulted": dict(model.get("consulted", {})),
                     "interface": model.get("interface", ""), "unresolved": list(model.get("unresolved", [])),
                     "links": sorted({name for name in summary.get("imports", {}).values()  # imports as written, but
                                      if name.split(".", 1)[0] not in NEVER_READ}),  # torch's and the standard library's
                     "followed": sorted({f[0] for f in summary.get("followed", []) if f})}  # fmt: skip
        self.entries[key] = value
        self.used.add(key)
        self.added += 1

    def save(self) -> None:
        if not self.added:
            return  # a warm run writes nothing
        entries = self.entries
        entries[STAT_KEY] = self.stats
        entries[JUDGED_KEY] = self.judgements
        if len(self.codes) > CACHE_MAX_ENTRIES:
            self.codes = {key: value for key, value in self.codes.items() if key in self.used_codes}
        entries[CODE_KEY] = self.codes
        self.used.update((STAT_KEY, JUDGED_KEY, CODE_KEY))
        dropped = []
        if len(entries) > CACHE_MAX_ENTRIES:
            unused = [key for key in entries if key not in self.used]
            for key in unused[: len(entries) - CACHE_MAX_ENTRIES]:
                del entries[key]
                dropped.append(key)
        try:
            prepare_cache_dir(self.folder)
            if self.written:
                os.makedirs(self.models, exist_ok=True)
            for key, text in self.written.items():  # the models first: an index entry without its model is a miss
                _write_atomically(os.path.join(self.models, f"{key}.json"), text)
            # plain data, a tree: the check for cycles (a dict of every container's id) was half the encoding
            _write_atomically(self.path, _index_text(entries))
        except OSError:  # a read-only checkout, a full disk: findings still, just not cached
            try:
                os.rmdir(self.models)  # only if empty
            except OSError:
                pass
            return
        for key in dropped:
            try:
                os.unlink(os.path.join(self.models, f"{key}.json"))
            except OSError:
                pass


INDEX_SUFFIX = ".txt"
INDEX_HEADER = "initlint cache index 1"


class _Encoded(str):
    """An index entry's JSON text, as read: decoded when the run first reads the entry."""


class _LazyEntries(dict):
    """Entries of the index decoded on first read (`get`, `[]`); `dict.items` gives the others' text."""

    def get(self, key, default=None):
        value = dict.get(self, key, default)
        return self._decoded(key, value) if type(value) is _Encoded else value

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        return self._decoded(key, value) if type(value) is _Encoded else value

    def _decoded(self, key, text: str) -> object:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            value = None  # damaged: not what this version writes, a miss
        self[key] = value
        return value


def _index_entries(text: str) -> dict:
    """The index's entries, each still its JSON text (`_Encoded`); judgements under JUDGED_KEY.
    Raises ValueError when the text is not an index."""
    lines = text.split("\n")
    if lines[0] != INDEX_HEADER:
        raise ValueError("not an initlint cache index")
    entries, judged = _LazyEntries(), _LazyEntries()
    for line in lines[1:]:
        if not line:
            continue
        key, tab, value = line.partition("\t")
        if not tab:
            raise ValueError("a line without its value")
        if key.startswith('"'):
            path = json.loads(key)
            if not isinstance(path, str):
                raise ValueError("a judgement's key is a path")
            judged[path] = _Encoded(value)
        else:
            entries[key] = _Encoded(value)
    entries[JUDGED_KEY] = judged
    return entries


def _index_text(entries: dict) -> str:
    """The index's text: entries never read this run keep the text they were read as."""

    def encoded(value: object) -> str:
        if type(value) is _Encoded:
            return value
        # ASCII (no line break inside); plain data, a tree: no check for cycles (half the encoding)
        return json.dumps(value, separators=(",", ":"), check_circular=False)

    lines = [INDEX_HEADER]
    for key, value in dict.items(entries):
        if key == JUDGED_KEY and isinstance(value, dict):
            lines.extend(f"{json.dumps(path)}\t{encoded(record)}" for path, record in dict.items(value))
        elif isinstance(key, str) and key and not key.startswith('"') and "\t" not in key and "\n" not in key:
            lines.append(f"{key}\t{encoded(value)}")
    return "\n".join(lines) + "\n"


def read_index(path: str) -> dict:
    """The whole index at `path`, decoded (tests, debugging)."""
    with open(path, encoding="utf-8") as handle:
        entries = _index_entries(handle.read())
    decoded = {key: entries[key] for key in entries if key != JUDGED_KEY}
    judged = entries[JUDGED_KEY]
    decoded[JUDGED_KEY] = {path: judged[path] for path in judged}
    return decoded


def write_index(path: str, entries: dict) -> None:
    """Write `entries` (as read_index gives them) as the index at `path`."""
    _write_atomically(path, _index_text(entries))


def _write_atomically(path: str, text: str) -> None:
    # a name of this process's own (no tempfile: its import costs pre-commit's one-file run)
    temp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}-{os.getpid()}-{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def _error_from_json(raw: object, path: str) -> FileError:
    if not isinstance(raw, dict):
        raise TypeError("a cached error is an object")
    error = FileError(path, raw["message"], raw.get("line"), raw.get("column"))
    if not _well_typed(error):
        raise TypeError("a cached error of another shape")
    return error


def _well_typed(value: object) -> bool:
    """Every field of a dataclass tree holds what its annotation says (a cache index is data
    from disk: a well-formed JSON file may still hold `"line": "1"`). Bare `list`/`dict`
    fields may hold plain JSON values or dataclasses, which are checked in turn."""
    import dataclasses
    import typing

    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                return False
            stack.extend(item.values())
            continue
        if not dataclasses.is_dataclass(item):
            if item is not None and not isinstance(item, (str, int, float, bool)):
                return False
            continue
        for name, hint in _hints(type(item)).items():
            field_value = getattr(item, name)
            if not _fits(field_value, hint, typing):
                return False
            stack.append(field_value)
    return True


@functools.lru_cache(maxsize=None)
def _hints(cls) -> dict:
    """A dataclass's field types, evaluated once per class (its annotations are strings)."""
    import typing

    return typing.get_type_hints(cls)


def _fits(value: object, hint, typing) -> bool:
    origin = typing.get_origin(hint)
    if origin is Union:
        return any(_fits(value, option, typing) for option in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin in (list, dict):
        if not isinstance(value, origin):
            return False
        args = typing.get_args(hint)
        items = value if origin is list else value.values()
        return not args or all(_fits(item, args[-1], typing) for item in items)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def prepare_cache_dir(folder: str) -> None:
    """A cache folder that git and backup tools leave alone, like ruff's."""
    os.makedirs(folder, exist_ok=True)
    _write_marker(os.path.join(folder, ".gitignore"), "# Created by initlint automatically.\n*\n")
    _write_marker(
        os.path.join(folder, "CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n# initlint cache: https://bford.info/cachedir/\n",
    )


def _write_marker(path: str, text: str) -> None:
    """Written whole or not at all (temp file, rename): a run cut short by a full disk must
    not leave an empty .gitignore that later runs take for done."""
    try:
        if os.path.getsize(path) > 0:
            return
    except OSError:
        pass
    _write_atomically(path, text)


def finding_to_json(finding: Finding) -> dict:
    data = finding.as_json()
    if finding.fix is not None:
        data["fix"] = {
            "applicability": finding.fix.applicability,
            "message": finding.fix.message,
            "edits": [vars(edit).copy() for edit in finding.fix.edits],
            "site": finding.fix.site,
        }
    data["site"] = finding.site
    return data


def finding_from_json(data: dict) -> Finding:
    fix = None
    if data.get("fix"):
        raw = data["fix"]
        fix = Fix(raw["applicability"], raw["message"], [Edit(**edit) for edit in raw.get("edits", [])], raw.get("site"))
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
        no_fix=data.get("no_fix"),
        impact=data.get("impact"),
        severity=data.get("severity", "error"),
        fix=fix,
        cell=data.get("cell"),
        related=[[r["path"], r["line"]] for r in data.get("related", [])],
        site=data.get("site"),
    )


__all__ = [
    "ConfigError", "FileResult", "NoqaResult", "Run", "Settings", "add_noqa", "check", "check_cells", "check_file", "check_stdin", "explain_files", "finding_from_json",
    "finding_to_json", "inspect", "inspect_file", "noqa_codes", "prepare_cache_dir", "suppress",
]  # fmt: skip
