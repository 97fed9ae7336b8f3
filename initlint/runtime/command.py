"""`initlint verify TARGET`: the click command (cli.py registers it). torch is imported only when it runs."""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
import math
import os
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import click

from .report import VerifyError

EXIT_OK, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
MAX_INPUT_VALUES = 1 << 28  # per --input-shape: more is a typo, and would ask the allocator for gigabytes

HELP = """Build TARGET with torch, trace which activation follows each Conv/Linear, and check its weights.

\b
This IMPORTS AND RUNS USER CODE: the module that defines TARGET, TARGET itself
(its constructor or factory) and, given example inputs, the model's forward.
Only run it on code you trust.

\b
TARGET is `package.module:Name` or `path/to/file.py:Name`, where Name is
  - an nn.Module class, built with no arguments or with --kwargs '{"num_classes": 10}',
  - a factory function returning an nn.Module (called with --kwargs, if given),
  - or a module-level nn.Module instance.

Without example inputs torch.fx traces the model symbolically, and where fx cannot
(data-dependent control flow) the weights are checked against what the static analysis
says follows each layer. With inputs (--input-shape or --example) such a model is run with hooks instead,
and the output std of each layer is measured through depth. The report says which method it used.

Exit status: 0 every layer fits its activation (or has none to fit), 1 some layer keeps
the default init or mismatches its activation, 2 TARGET could not be imported, built or traced.
"""


class TargetError(Exception):
    """TARGET (or --example) could not be imported or built; the message says which and why."""


@click.command("verify", help=HELP)
@click.argument("target")
@click.option("--kwargs", "kwargs_json", metavar="JSON", help="Keyword arguments to build TARGET with, as a JSON object.")
@click.option(
    "--input-shape",
    "input_shapes",
    multiple=True,
    metavar="SHAPE",
    help="Shape of one random float input, e.g. 1,3,224,224; repeat for a model with several inputs.",
)
@click.option(
    "--example",
    metavar="MODULE:FN",
    help="A function (module:fn or file.py:fn) returning example inputs: a tensor, a tuple, or a dict of keyword inputs.",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "fx", "hooks", "static"]),
    default="auto",
    show_default=True,
    help="fx traces symbolically; hooks runs the model; static asks the static analysis; auto: fx, then hooks or static.",
)
@click.option("--eval", "eval_mode", is_flag=True, help="Put the model in eval mode first (default: as built, i.e. training).")
@click.option(
    "--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="How to print the report."
)
@click.option("--plot", type=click.Path(dir_okay=False), help="Save a plot of each layer's output std through depth (needs matplotlib).")
@click.option("--compare-fixed", is_flag=True, help="Also measure (and plot) the signal with the flagged layers re-initialised as the fix would.")
@click.option("--no-static", is_flag=True, help="Skip the cross-check with the static analysis of the program around the files that built the layers.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for random inputs, dropout and re-initialisation.")
@click.option("-v", "--verbose", is_flag=True, help="Show the traceback when TARGET cannot be imported, built or run.")
def verify_command(
    target: str,
    kwargs_json: Optional[str],
    input_shapes: tuple[str, ...],
    example: Optional[str],
    method: str,
    eval_mode: bool,
    output_format: str,
    plot: Optional[str],
    compare_fixed: bool,
    no_static: bool,
    seed: int,
    verbose: bool,
) -> None:
    try:
        kwargs = _parse_kwargs(kwargs_json)
        shapes = [_parse_shape(text) for text in input_shapes]
        if input_shapes and example:
            raise click.UsageError("give --input-shape or --example, not both")
        if (plot or compare_fixed) and not (shapes or example):
            raise click.UsageError("--plot and --compare-fixed run the model: give --input-shape or --example")
        if plot:
            _require_matplotlib()
    except click.UsageError as error:
        error.show()
        sys.exit(EXIT_ERROR)

    try:
        import torch
    except ImportError as error:
        click.echo(f"initlint verify: error: {error} (verify needs torch: pip install 'initlint[runtime]')", err=True)
        sys.exit(EXIT_ERROR)

    try:
        from .run import verify

        with _target_contained():
            torch.manual_seed(seed)  # the same TARGET builds the same weights run after run
            model = load_target(target, kwargs)
            if eval_mode:
                model.eval()
            inputs = _example_inputs(example, shapes, model, seed)
            report = verify(model, inputs, method=method, static=not no_static, compare_fixed=compare_fixed, seed=seed, target=target)
            if plot:
                report.plot(plot)
    except (TargetError, VerifyError) as error:
        click.echo(f"initlint verify: error: {_one_line(error)}", err=True)
        if verbose and error.__cause__ is not None:
            click.echo(_format(error.__cause__), err=True)
        elif error.__cause__ is not None:
            click.echo("(run with --verbose for the traceback)", err=True)
        _stdout_closed()
        sys.exit(EXIT_ERROR)
    except Exception as error:  # noqa: BLE001 - a bug of ours or an odd model: still no traceback unless asked
        click.echo(f"initlint verify: error: {type(error).__name__}: {_one_line(error)}", err=True)
        if verbose:
            click.echo(_format(error), err=True)
        else:
            click.echo("(run with --verbose for the traceback)", err=True)
        _stdout_closed()
        sys.exit(EXIT_ERROR)

    if output_format == "json":
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(report.table())
        if plot:
            click.echo(f"plot: {plot}")
    _stdout_closed()
    sys.exit(EXIT_OK if report.ok else EXIT_FLAGGED)


def _stdout_closed() -> None:
    """What the target still prints (atexit handlers, threads) goes to stderr, not after the report."""
    sys.stdout.flush()
    if _real_stdout():
        os.dup2(2, 1)
    sys.stdout = sys.stderr


def _real_stdout() -> bool:
    """sys.stdout writes to file descriptor 1 (not to a test's capture), and stderr has one."""
    try:
        return sys.stdout.fileno() == 1 and sys.stderr.fileno() == 2
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        return False


def _one_line(error: BaseException) -> str:
    """The first line of what an error says: torch appends a C++ backtrace to some."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


class _TargetExited(TargetError):
    """The target called os._exit: that is not a verdict, and must not read as success."""


def _no_exit(status: int = 0) -> None:
    raise _TargetExited(f"TARGET called os._exit({status}) while it was imported, built or run; nothing was verified")


@contextmanager
def _target_contained() -> Iterator[None]:
    """While user code runs: what it prints goes to stderr (stdout is the report's, JSON
    must stay JSON), down to the file descriptor, so C extensions and subprocesses too; and
    os._exit raises instead of ending the process with a status that reads as a verdict."""
    import posix

    sys.stdout.flush()
    saved = os.dup(1) if _real_stdout() else None  # else (tests) Python-level redirection only
    if saved is not None:
        os.dup2(2, 1)
    python_stdout, sys.stdout = sys.stdout, sys.stderr
    exits = os._exit, posix._exit
    os._exit = posix._exit = _no_exit
    ended = True
    try:
        yield
        ended = False
    finally:
        os._exit, posix._exit = exits
        sys.stdout = python_stdout
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
        if ended:  # no report follows (an error, SIGINT, SIGTERM): stdout stays closed to the target
            _stdout_closed()


def _format(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__))  # 3.9's signature


def _parse_kwargs(text: Optional[str]) -> dict:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise click.UsageError(f"--kwargs is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise click.UsageError("--kwargs must be a JSON object, e.g. '{\"num_classes\": 10}'")
    return value


def _parse_shape(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.replace("x", ",").split(",")]
    if not all(part.isdigit() and part.isascii() for part in parts) or any(int(part) <= 0 for part in parts):
        raise click.UsageError(f"--input-shape {text!r}: expected positive integers separated by commas, e.g. 1,3,224,224")
    shape = tuple(int(part) for part in parts)
    if math.prod(shape) > MAX_INPUT_VALUES:
        raise click.UsageError(
            f"--input-shape {text!r}: {math.prod(shape):,} values, over the {MAX_INPUT_VALUES:,} (1 GiB of float32) "
            "one random input may hold"
        )
    return shape


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise click.UsageError("--plot needs matplotlib: pip install 'initlint[plot]'") from None


def _split_target(target: str, what: str) -> tuple[str, str]:
    where, sep, name = target.rpartition(":")
    if not sep or not where or not name:
        raise TargetError(f"{what} {target!r} must be package.module:Name or path/to/file.py:Name")
    return where, name


def _import(where: str) -> Any:
    """Import `package.module` (the current directory first on sys.path, as `python -m` does) or a .py file."""
    try:
        if where.endswith(".py") or os.sep in where or "/" in where:
            path = Path(where).resolve()
            if not path.is_file():
                raise TargetError(f"cannot import {where}: no such file")
            sys.path.insert(0, str(path.parent))  # so the file's own sibling imports work
            name = path.stem if path.stem not in sys.modules else f"initlint_target_{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            return module
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        return importlib.import_module(where)
    except TargetError:
        raise
    except (Exception, SystemExit) as error:
        raise TargetError(f"cannot import {where}: {type(error).__name__}: {error}") from error


def _attribute(module: Any, where: str, name: str) -> Any:
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise TargetError(f"{where} has no attribute {name!r}")
        obj = getattr(obj, part)
    return obj


def load_target(target: str, kwargs: dict) -> Any:
    """Import and build TARGET, recording where each layer is constructed (module-level instances included)."""
    from torch import nn

    from .provenance import record_construction

    where, name = _split_target(target, "TARGET")
    with record_construction():
        obj = _attribute(_import(where), where, name)
        if isinstance(obj, nn.Module):
            if kwargs:
                raise TargetError(f"{target} is an nn.Module instance: --kwargs has nothing to build")
            return obj
        if not callable(obj):
            raise TargetError(f"{target} is a {type(obj).__name__}, not an nn.Module class, factory or instance")
        try:
            built = obj(**kwargs)
        except (Exception, SystemExit) as error:
            hint = " (give its arguments with --kwargs)" if isinstance(error, TypeError) and not kwargs else ""
            raise TargetError(f"building {target} failed: {type(error).__name__}: {error}{hint}") from error
    if not isinstance(built, nn.Module):
        raise TargetError(f"{target}(...) returned {type(built).__name__}, not an nn.Module")
    return built


def _example_inputs(example: Optional[str], shapes: list[tuple[int, ...]], model: Any, seed: int) -> Any:
    import torch

    if example:
        where, name = _split_target(example, "--example")
        function = _attribute(_import(where), where, name)
        try:
            return function()
        except (Exception, SystemExit) as error:
            raise TargetError(f"--example {example} failed: {type(error).__name__}: {error}") from error
    if not shapes:
        return None
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32
    generator = torch.Generator().manual_seed(seed)
    inputs = tuple(torch.randn(shape, generator=generator, dtype=dtype).to(device) for shape in shapes)
    return inputs
