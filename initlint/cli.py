"""The command line: a thin click layer over api.py (check, inspect) and runtime/ (verify).

Exit codes, as ruff: 0 nothing left to report; 1 findings left, `--diff` would change
something, or fixes were applied under `--exit-non-zero-on-fix`; 2 a usage or config error,
or a file that could not be checked (it is named on stderr; the other files still are);
130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import signal
import sys
from typing import Iterator, Optional

import click

from . import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM = 130, 143  # 128 + the signal, as a shell reports it
OUTPUT_FORMATS = ("text", "concise", "full", "grouped", "json", "json-lines", "github", "sarif", "gitlab", "junit", "pylint", "rdjson", "azure")
TEXT_FORMATS = ("text", "concise", "full", "grouped")


class _Group(click.Group):
    """Keeps `verify` (torch) out of the import path of every other command."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), "verify"]

    def invoke(self, ctx: click.Context):
        """SIGINT exits 130 and SIGTERM 143 (not 1, which means findings), after the `finally`
        blocks on the way out have removed what was half written and stopped the workers."""
        signal.signal(signal.SIGTERM, _terminated)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted(EXIT_SIGINT)
        except _Terminated:
            _interrupted(EXIT_SIGTERM)

    def main(self, args=None, *rest, **kwargs):
        """As the process's entry point (`args` None: the console script, `python -m initlint`),
        the objects left at the end are frozen: the interpreter's last collection at exit then
        does not walk the trees and models the run kept (tens of ms for one file, more for a
        repository); and the code dataclasses writes is kept compiled (`dataclass_code_kept`).
        A caller that passes `args` (click's test runner) keeps its collector and dataclasses."""
        if args is not None:
            return super().main(args, *rest, **kwargs)
        try:
            with dataclass_code_kept(_dataclass_code_file()):
                return super().main(args, *rest, **kwargs)
        finally:
            gc.freeze()

    def get_command(self, ctx: click.Context, name: str) -> Optional[click.Command]:
        if name == "verify":
            from .runtime.command import verify_command

            return verify_command
        return super().get_command(ctx, name)


MAX_KEPT_CODE = 20_000  # texts kept at most: libcst and initlint write about 1,300


def _dataclass_code_file() -> Optional[str]:
    """Where the compiled dataclass code is kept: beside initlint's own byte-code, as Python
    keeps it (not where Python writes no byte-code, or keeps it elsewhere)."""
    if sys.implementation.cache_tag is None or getattr(sys, "pycache_prefix", None):
        return None
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    return os.path.join(folder, f"dataclasses.{sys.implementation.cache_tag}-{sys.hexversion:x}.marshal")


@contextlib.contextmanager
def dataclass_code_kept(path: Optional[str], write: Optional[bool] = None) -> Iterator[None]:
    """dataclasses writes each class's methods (`__init__`, `__eq__`, ...) as source text and
    compiles it on every import: two fifths of `import libcst`, a sixth of a one-file run.
    Within this block the code objects compiled from those texts are read from `path` (a
    marshal file of text -> code) and new ones added to it at the end (`write`: unless Python
    writes no byte-code). Keyed by the text itself, compiled as dataclasses compiles it: an
    entry cannot go stale, and a missing or damaged file is only a slower start."""
    import dataclasses
    import marshal

    if path is None or "exec" in vars(dataclasses):
        yield
        return
    try:
        with open(path, "rb") as handle:
            codes = marshal.load(handle)
        if not isinstance(codes, dict):
            codes = {}
    except (OSError, EOFError, ValueError, TypeError):
        codes = {}
    added = []

    def kept_exec(text, globals=None, locals=None):
        code = codes.get(text) if isinstance(text, str) else None
        if code is None and isinstance(text, str):
            # exec(text) compiles it so: no future flags of ours (dataclasses has none)
            code = compile(text, "<string>", "exec", dont_inherit=True)
            if len(codes) < MAX_KEPT_CODE:
                codes[text] = code
                added.append(text)
        return exec(code if code is not None else text, globals, locals)

    dataclasses.exec = kept_exec  # dataclasses calls exec by its module-global name
    try:
        yield
    finally:
        del dataclasses.exec
        if added and (not sys.dont_write_bytecode if write is None else write):
            _write_code(path, codes)


def _write_code(path: str, codes: dict) -> None:
    import marshal

    temp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temp, "wb") as handle:
            marshal.dump(codes, handle)
        os.replace(temp, path)
    except (OSError, ValueError):  # a read-only install, a full disk: compiled again next time
        try:
            os.unlink(temp)
        except OSError:
            pass


def _terminated(signum, frame) -> None:
    raise _Terminated()


class _Terminated(BaseException):
    """SIGTERM, raised where the program is: `finally` blocks run on the way out. Not a
    SystemExit, which user code run by `verify` may catch."""


def _interrupted(code: int) -> None:
    """The `finally` blocks have run (workers stopped, half-written files removed): leave now,
    without the interpreter's exit hooks, where the process pool's wake-up of a manager thread
    whose pipe is already closed would print a traceback."""
    for stream, text in ((sys.stdout, ""), (sys.stderr, "initlint: interrupted\n")):
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _colour_enabled(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _styler(enabled: bool):
    if enabled:
        return click.style
    return lambda text, **_: text


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="initlint", message="%(prog)s %(version)s")
def main() -> None:
    """initlint: find Conv/Linear layers whose init ignores the activation that follows them."""
    for stream in (sys.stdout, sys.stderr):
        # an ASCII-only terminal, a file name that is not UTF-8: escaped, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def _cannot_write(target: str, error: OSError) -> None:
    """One line and exit 2 when the report cannot be written (a missing folder, a full disk,
    a closed pipe); what is still buffered for stdout goes nowhere instead of a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass
    try:
        sys.stderr.write(f"initlint: error: cannot write the report to {target}: {error.strerror or error}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    sys.exit(EXIT_ERROR)


def _open_report(output_file: Optional[str]):
    if not output_file:
        return sys.stdout
    try:
        return open(output_file, "w", encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        _cannot_write(output_file, error)


def _selectors(values: tuple[str, ...]) -> list[str]:
    from .config import split_selectors

    return split_selectors(values)


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix/--no-fix", default=False, help="Apply the fixes (safe ones; unsafe ones with --unsafe-fixes).")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe.")
@click.option("--fix-only", is_flag=True, help="Apply fixes; do not report (or fail on) what is left, as ruff does.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing; exit 1 if there is one.")
@click.option("--show-fixes", is_flag=True, help="List the fixes applied, per file.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a fix was applied, even if nothing is left.")
@click.option("--select", multiple=True, metavar="CODES", help="Rule codes or prefixes to enable (ALL for every rule); replaces the config's.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rule codes or prefixes to enable on top of the selection.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rule codes or prefixes to disable.")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Paths to leave out (replaces the config's exclude).")
@click.option("--extend-exclude", multiple=True, metavar="PATTERN", help="Paths to leave out on top of the config's.")
@click.option("-e", "--exit-zero", is_flag=True, help="Exit 0 even when findings are left.")
@click.option(
    "--min-impact",
    type=click.FloatRange(min=0),
    metavar="FACTOR",
    help="Report IL1xx findings only where the signal's std shrinks at least FACTOR times (1: all; a layer a norm follows has 1).",
)
@click.option(
    "--output-format",
    type=click.Choice(OUTPUT_FORMATS),
    envvar="INITLINT_OUTPUT_FORMAT",
    default="text",
    show_default=True,
    help="How to print findings (text = concise; full adds the source line; grouped lists them per file).",
)
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file instead of stdout.")
@click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="Use this pyproject.toml (or initlint.toml).")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("--force-exclude", is_flag=True, help="Apply exclude also to paths named on the command line (for pre-commit).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False), envvar="INITLINT_CACHE_DIR", help="Where the cache lives (default .initlint_cache/ beside the config).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--stdin-filename", metavar="PATH", help="The name of the file read from stdin (`-`), for messages and config.")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only, no summary.")
@click.option("-s", "--silent", is_flag=True, help="Print nothing; only the exit code tells.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the text output (NO_COLOR, FORCE_COLOR honoured).")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODES` to the line of every finding (merged with a noqa there), to adopt initlint and gate new code only.")
@click.option("--show-files", is_flag=True, help="List the files a run would check, and those it leaves out with why, then exit.")
@click.option("--show-settings", is_flag=True, help="Print the settings a run would use (config file, rules, excludes, fix options), then exit.")
def check_command(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    fix_only: bool,
    diff: bool,
    show_fixes: bool,
    exit_non_zero_on_fix: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    exit_zero: bool,
    min_impact: Optional[float],
    output_format: str,
    output_file: Optional[str],
    statistics: bool,
    config_file: Optional[str],
    isolated: bool,
    force_exclude: bool,
    no_cache: bool,
    cache_dir: Optional[str],
    jobs: Optional[int],
    stdin_filename: Optional[str],
    quiet: bool,
    silent: bool,
    color: str,
    add_noqa: bool,
    show_files: bool,
    show_settings: bool,
) -> None:
    """Check PATHS (default: the current folder) and report, fix or diff."""
    from . import api, report
    from .config import ConfigError

    fix = fix or fix_only
    run = api.Run(
        paths=list(paths) or ["."],
        select=_selectors(select),
        extend_select=_selectors(extend_select),
        ignore=_selectors(ignore),
        exclude=list(exclude),
        extend_exclude=list(extend_exclude),
        fix=fix,
        diff=diff,
        unsafe_fixes=unsafe_fixes,
        config_file=config_file,
        isolated=isolated,
        force_exclude=force_exclude,
        use_cache=not no_cache,
        cache_dir=cache_dir,
        jobs=jobs,
        stdin_filename=stdin_filename,
        fix_edits=output_format in ("json", "json-lines", "sarif"),  # the formats that print edits
        min_impact=min_impact,
    )
    if show_files or show_settings:
        try:
            text = _show_settings(run) if show_settings else _show_files(run)
        except ConfigError as error:
            click.echo(f"initlint: error: {error}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(text, nl=False)
        sys.exit(EXIT_CLEAN)
    if add_noqa:
        if fix or diff or paths == ("-",):
            raise click.UsageError("--add-noqa cannot be combined with --fix, --diff or stdin")
        sys.exit(_add_noqa(run, silent, _styler(_colour_enabled(color, sys.stderr))))
    out_stream = _open_report(output_file)  # before the run: a report that cannot be written changes nothing
    style = _styler(output_file is None and _colour_enabled(color, sys.stdout))
    err_style = _styler(_colour_enabled(color, sys.stderr))
    progress = _progress_bar() if not silent and output_format in TEXT_FORMATS else None
    try:
        results = list(api.check(run, progress))
    except ConfigError as error:
        click.echo(f"initlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    finally:
        if progress:
            progress.close()

    try:
        _print_check(results, out_stream, style, err_style, diff, quiet, silent, fix_only, unsafe_fixes,
                     output_format, statistics, show_fixes)  # fmt: skip
        sys.stdout.flush()
        out_stream.flush()
        if output_file:
            out_stream.close()
    except OSError as error:
        _cannot_write(output_file or "stdout", error)
    findings = [f for r in results for f in r.findings]
    fixed = [f for r in results for f in r.fixed]
    errors = [r.error for r in results if r.error is not None]
    diffs = [r.diff for r in results if r.diff]
    if errors:
        sys.exit(EXIT_ERROR)
    if diff and diffs:
        sys.exit(EXIT_FINDINGS)
    if exit_non_zero_on_fix and fixed and not diff:
        sys.exit(EXIT_FINDINGS)
    if findings and not exit_zero and not fix_only:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _print_check(results, out_stream, style, err_style, diff, quiet, silent, fix_only, unsafe_fixes, output_format,
                 statistics, show_fixes) -> None:  # fmt: skip
    from . import report

    findings = [f for r in results for f in r.findings]
    fixed = [f for r in results for f in r.fixed]
    errors = [r.error for r in results if r.error is not None]
    diffs = [r.diff for r in results if r.diff]
    stdin_text = next((r.fixed_source for r in results if r.fixed_source is not None), None)

    def emit(text: str) -> None:
        if text and not silent:
            out_stream.write(text)

    if errors and not silent:
        sys.stderr.write(report.errors_text(errors, err_style))
    if diff:
        emit("".join(diffs))
        if not quiet and not silent and output_format in TEXT_FORMATS:
            count = len(fixed)
            sys.stderr.write(f"Would fix {count} error{'s' if count != 1 else ''}.\n" if count else "No errors would be fixed.\n")
    elif stdin_text is not None:
        if not silent:
            sys.stdout.write(stdin_text)  # the fixed source, as ruff does with `-` and --fix
        if not fix_only and findings and not silent:
            sys.stderr.write(report.text(findings, [], err_style, unsafe=unsafe_fixes, show_summary=not quiet))
    elif not fix_only or output_format not in TEXT_FORMATS:
        if statistics:
            emit(report.statistics(findings))
        elif output_format in ("text", "concise", "full"):
            texts = _source_lines(findings) if output_format == "full" else None
            emit(report.text(findings, errors, style, output_format == "full", texts, len(fixed), unsafe_fixes, not quiet))
        elif output_format == "grouped":
            emit(report.grouped(findings, errors, style, unsafe_fixes, len(fixed), not quiet))
        else:
            texts = _source_lines(findings) if output_format == "rdjson" else None
            emit(report.render(output_format, findings, errors, sources=texts))
    elif fix_only and not quiet:
        emit(f"Fixed {len(fixed)} error{'s' if len(fixed) != 1 else ''}.\n")
    if show_fixes and fixed and not silent and not diff:
        emit(_fixes_summary(fixed))


def _add_noqa(run, silent: bool, err_style) -> int:
    from . import api, report
    from .config import ConfigError

    try:
        results = api.add_noqa(run)
    except ConfigError as error:
        click.echo(f"initlint: error: {error}", err=True)
        return EXIT_ERROR
    errors = [r.error for r in results if r.error is not None]
    added = sum(r.added for r in results)
    if not silent:
        sys.stderr.write(report.errors_text(errors, err_style))
        for finding in (f for r in results for f in r.unplaced):
            sys.stderr.write(f"{finding.where}: warning: no `# noqa` can go on this line (inside a string or a `\\` continuation): {finding.code} left\n")
        sys.stderr.write(f"Added {added} noqa directive{'s' if added != 1 else ''}.\n")
    return EXIT_ERROR if errors else EXIT_CLEAN


def _config_line(run, config) -> str:
    from . import sources

    if run.isolated:
        return "config: none (--isolated): the defaults"
    if config.source:
        return f"config: {config.source}"
    named = [run.stdin_filename] if run.paths == ["-"] and run.stdin_filename else run.paths
    return f"config: none (no pyproject.toml with [tool.initlint] in {sources.project_root(named)} or above): the defaults"


def _show_files(run) -> str:
    """`checked: path`, `skipped: path (why)`, `missing: path (why)`, after the config used."""
    from . import api, notebook

    config, found = api.explain_files(run)
    lines = [_config_line(run, config)]
    for item in found:
        if item.error:
            lines.append(f"missing: {item.path} ({item.error})")
        elif item.skipped:
            lines.append(f"skipped: {item.path} ({item.skipped})")
        else:
            lines.append(f"checked: {item.path}" + (" (a notebook: its code cells)" if notebook.is_notebook(item.path) else ""))
    return "\n".join(lines) + "\n"


def _show_settings(run) -> str:
    """The resolved settings, TOML-like: what the config says and what the run makes of it."""
    import json

    from . import api

    config, settings = api.resolve(run)
    values = {
        "root": config.root,
        "select": config.select,
        "extend-select": config.extend_select,
        "ignore": config.ignore,
        "rules": settings.codes,
        "exclude": config.exclude,
        "extend-exclude": config.extend_exclude,
        "per-file-ignores": config.per_file_ignores,
        "respect-gitignore": config.respect_gitignore,
        "max-file-size": config.max_file_size,
        "fix-distribution": config.fix_distribution,
        "fix-mode": config.fix_mode,
        "fix-bias": config.fix_bias,
        "cache-dir": settings.cache_dir,
    }
    lines = [f"# {_config_line(run, config)}"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def _source_lines(findings) -> dict[str, list[str]]:
    from . import notebook, sources

    out = {}
    for path in {f.path for f in findings}:
        try:
            source = sources.read(path)
            if notebook.is_notebook(path):
                for cell in notebook.load(path, source.text).cells:
                    out[f"{path}:cell {cell.number}"] = cell.source.splitlines()
            else:
                out[path] = source.text.splitlines()
        except (sources.ReadError, notebook.NotebookError):
            pass
    return out


def _fixes_summary(fixed) -> str:
    from collections import Counter

    from .rules import RULES_BY_CODE

    lines = [f"Fixed {len(fixed)} error{'s' if len(fixed) != 1 else ''}:"]
    by_path: dict[str, Counter] = {}
    for finding in fixed:
        by_path.setdefault(finding.path, Counter())[finding.code] += 1
    for path in sorted(by_path):
        lines.append(f"- {path}:")
        for code, count in sorted(by_path[path].items()):
            lines.append(f"    {count} × {code} ({RULES_BY_CODE[code].name})")
    return "\n".join(lines) + "\n"


class _ProgressBar:
    """A one-line counter on stderr, only for long runs on a terminal (never in CI logs)."""

    MIN_FILES = 200

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_FILES or (done % 10 and done != total):
            return
        self.shown = True
        sys.stderr.write(f"\rinitlint: {done}/{total} files")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _progress_bar() -> Optional[_ProgressBar]:
    if os.environ.get("CI") or not sys.stderr.isatty():
        return None
    return _ProgressBar()


@main.command("inspect")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False), help="Use this pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: one per core).")
@click.option("--stdin-filename", metavar="PATH", help="The name of the file read from stdin (`-`).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True)
def inspect_command(
    paths: tuple[str, ...],
    output_format: str,
    config_file: Optional[str],
    isolated: bool,
    jobs: Optional[int],
    stdin_filename: Optional[str],
    color: str,
) -> None:
    """Show what the analysis believes of EVERY Conv/Linear layer: its activation and init, flagged or not."""
    from . import api, report
    from .config import ConfigError

    run = api.Run(paths=list(paths) or ["."], config_file=config_file, isolated=isolated, jobs=jobs, stdin_filename=stdin_filename)
    try:
        results = list(api.inspect(run))
    except ConfigError as error:
        click.echo(f"initlint: error: {error}", err=True)
        sys.exit(EXIT_ERROR)
    rows = [row for r in results for row in r.rows]
    errors = [r.error for r in results if r.error is not None]
    try:
        if errors:
            sys.stderr.write(report.errors_text(errors, _styler(_colour_enabled(color, sys.stderr))))
        if output_format == "json":
            sys.stdout.write(report.inspect_json(rows))
        else:
            sys.stdout.write(report.inspect_text(rows, _styler(_colour_enabled(color, sys.stdout))))
        sys.stdout.flush()
    except OSError as error:
        _cannot_write("stdout", error)
    sys.exit(EXIT_ERROR if errors else EXIT_CLEAN)


@main.command("server")
def server_command() -> None:
    """Run the language server (LSP over stdin/stdout) for editors; needs `initlint[server]`."""
    try:
        from .server import main as serve
    except ImportError as error:
        if not (error.name or "").startswith(("pygls", "lsprotocol", "cattrs", "attrs")):
            raise
        click.echo(
            f"initlint: error: `initlint server` needs pygls ({error.name} is not installed); "
            "install initlint with its `server` extra, e.g. pip install 'initlint[server] @ <checkout or git URL>'",
            err=True,
        )
        sys.exit(EXIT_ERROR)
    serve()


@main.command("rule")
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule's page.")
def rule_command(code: Optional[str], show_all: bool) -> None:
    """Explain a rule: what it finds, why, the math, an example, the fix."""
    from .rules import ALL_RULES, RULES_BY_CODE, rule_doc

    if show_all:
        click.echo("\n\n".join(rule_doc(cls.code).rstrip() for cls in ALL_RULES))
        return
    if not code:
        raise click.UsageError("give a rule code (e.g. `initlint rule IL101`) or --all")
    code = code.upper()
    if code not in RULES_BY_CODE:
        click.echo(f"initlint: error: unknown rule code `{code}`; `initlint rules` lists them", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(rule_doc(code).rstrip())


@main.command("rules")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(output_format: str) -> None:
    """List the rules: code, name, on by default or not, summary."""
    import json

    from . import catalogue
    from .fixer import FIXABLE_CODES, NEVER_FIX_ACTIVATIONS
    from .rules import ALL_RULES

    def can_fix(cls) -> bool:
        # IL104's whole family (sigmoid heads and gates) is never autofixed.
        acts = [a for a, fam in catalogue.FAMILY.items() if fam in getattr(cls, "families", ())]
        return cls.fixable or cls.code in FIXABLE_CODES and any(a not in NEVER_FIX_ACTIVATIONS for a in acts)

    if output_format == "json":
        click.echo(json.dumps([
            {"code": c.code, "name": c.name, "default": c.enabled_by_default, "fixable": can_fix(c), "summary": c.summary()}
            for c in ALL_RULES
        ], indent=2))  # fmt: skip
        return
    for cls in ALL_RULES:
        on = " " if cls.enabled_by_default else "o"
        fix = "*" if can_fix(cls) else " "
        click.echo(f"{cls.code} {fix}{on} {cls.name:<32} {cls.summary()}")
    click.echo("\n* fixable with --fix   o off by default (enable with --select or extend-select)")


if __name__ == "__main__":
    main()
