#!/usr/bin/env python3
"""The long fuzzing run: tests/test_fuzz.py's properties for minutes instead of seconds.

    .venv/bin/python bench/fuzz.py --minutes 20 [--failures bench/.fuzz-failures]

Rounds alternate three generators until the time is up:
- `grammar`: hypothesmith.from_grammar() programs (with and without a layer preamble) through
  semantics.file.analyze: a model or a SourceError, never another exception, and no SourceError
  for code CPython compiles;
- `cst`: hypothesmith.from_node() programs through api.check_file / inspect_file: no internal
  error, no error at all for code CPython compiles;
- `models`: tests/strategies.model_files() through check --fix (fix_properties): no error,
  only inserted init statements, BOM and line endings kept, idempotent, fixed rows explicit;
  with --conditional, layers also built in if branches and conditional expressions, and
  every model class built (torch) before and after the fix on both sides of its conditions.
Problems do not stop the run: each failing input is saved under --failures and counted.
Prints counts per generator at the end (and every round with --verbose).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

import hypothesmith  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from initlint import api  # noqa: E402
from initlint.semantics.file import analyze  # noqa: E402
from initlint.syntax.parse import SourceError  # noqa: E402
from strategies import all_codes, fix_properties, model_files  # noqa: E402
from test_fuzz import LAYER_PREAMBLE, cpython_accepts  # noqa: E402

ROUND = settings(
    deadline=None,
    database=None,
    max_examples=200,
    phases=[Phase.generate],  # no shrinking: a failure is saved as found and the run goes on
    suppress_health_check=list(HealthCheck),
)


class TimeUp(Exception):
    """Raised inside a round when the deadline passes, to end it at once."""


def round_of(examples: int) -> settings:
    return settings(ROUND, max_examples=examples)


class Run:
    def __init__(self, failures: Path, workdir: Path):
        self.counts: Counter = Counter()
        self.failures = failures
        self.workdir = workdir

    def fail(self, kind: str, data: bytes, why: str) -> None:
        self.counts[f"{kind}.failures"] += 1
        self.failures.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(data).hexdigest()[:12]
        (self.failures / f"{kind}-{name}.py").write_bytes(data)
        (self.failures / f"{kind}-{name}.txt").write_text(why + "\n", encoding="utf-8")

    def grammar(self, source: str) -> None:
        for text in (source, LAYER_PREAMBLE + source):
            self.counts["grammar.programs"] += 1
            try:
                model = analyze(text, "fuzz.py")
                self.counts["grammar.analysed"] += 1
                self.counts["grammar.layers"] += len(model.layers)
            except SourceError as error:
                self.counts["grammar.source_errors"] += 1
                if cpython_accepts(text):
                    self.fail("grammar", text.encode("utf-8", "surrogatepass"), f"valid code reported as a syntax error: {error.message}")
            except Exception:
                self.fail("grammar", text.encode("utf-8", "surrogatepass"), traceback.format_exc())

    def cst(self, source: str) -> None:
        text = LAYER_PREAMBLE + source
        path = self.workdir / "cst.py"
        try:
            path.write_text(text, encoding="utf-8")
        except UnicodeEncodeError:
            self.counts["cst.unencodable"] += 1
            return
        self.counts["cst.programs"] += 1
        codes = api.Settings(codes=all_codes())
        valid = cpython_accepts(text)
        for result in (api.check_file(str(path), codes), api.inspect_file(str(path), codes)):
            self.counts["cst.findings"] += len(result.findings)
            self.counts["cst.rows"] += len(result.rows)
            if result.error is not None and ("internal error" in result.error.message or valid):
                self.fail("cst", text.encode("utf-8"), str(result.error))

    def model(self, data: bytes, build: bool = False) -> None:
        self.counts["models.files"] += 1
        try:
            outcome = fix_properties(self.workdir / "model.py", data, build=build)
        except Exception:
            self.fail("models", data, traceback.format_exc())
            return
        self.counts["models.findings"] += outcome.findings
        self.counts["models.fixed"] += outcome.fixed
        if outcome.problems:
            self.fail("models", data, "\n".join(outcome.problems))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--failures", type=Path, default=HERE / ".fuzz-failures")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--conditional", action="store_true",
        help="also generate layers built in if branches and conditional expressions, and build every model (torch)",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    deadline = time.monotonic() + args.minutes * 60
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="initlint-fuzz-") as folder:
        run = Run(args.failures, Path(folder))

        @round_of(100)
        @given(hypothesmith.from_grammar())
        def grammar_round(source):
            if time.monotonic() >= deadline:
                raise TimeUp
            run.grammar(source)

        @round_of(20)  # from_node() generates slowly: short rounds keep the mix even
        @given(hypothesmith.from_node())
        def cst_round(source):
            if time.monotonic() >= deadline:
                raise TimeUp
            run.cst(source)

        @ROUND
        @given(model_files(conditional=args.conditional))
        def model_round(model):
            if time.monotonic() >= deadline:
                raise TimeUp
            run.model(model.data, build=args.conditional)

        rounds = 0
        while time.monotonic() < deadline:
            for one_round in (grammar_round, cst_round, model_round, model_round):
                if time.monotonic() >= deadline:
                    break
                try:
                    one_round()
                except TimeUp:
                    break
            rounds += 1
            if args.verbose:
                print(f"[{(time.monotonic() - started) / 60:.1f} min] {dict(sorted(run.counts.items()))}", flush=True)
    elapsed = time.monotonic() - started
    failures = sum(v for k, v in run.counts.items() if k.endswith(".failures"))
    print(f"fuzz: {elapsed / 60:.1f} minutes, {rounds} rounds, pid {os.getpid()}")
    for key, value in sorted(run.counts.items()):
        print(f"  {key:24} {value}")
    print(f"  {'failures':24} {failures}" + (f" (saved in {args.failures})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
