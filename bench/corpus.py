#!/usr/bin/env python3
"""check, inspect and --fix over the full source of four real model libraries; nothing is imported.

    .venv/bin/python bench/corpus.py [--only timm,diffusers] [--jobs 1] [--keep]

For each pinned wheel (pip download --no-deps into bench/.corpus/, unzipped once into
bench/.corpus/src/<name>-<version>/; every .py file of the wheel):
1. check --fix (every rule, no config, no cache) on a copy, through api.check: the findings,
   fixed and left; every changed file must compile and pass tests/strategies.insertion_problem,
   an AST check independent of the fixer's own;
2. inspect of the fixed copy (api.inspect): the layers; every fixed layer must say `explicit`;
3. the real CLI, `initlint check --diff --exit-zero` over the fixed copy, in a subprocess:
   no traceback, exit 0 (a second --fix would change nothing; errors would exit 2).
Prints per library: files, layers, findings (by code), fixes, errors (by kind), time; exits 1 on
any crash, internal error, unsafe fix, fixed layer not explicit or non-idempotent fix.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from initlint import api, sources  # noqa: E402
from strategies import all_codes, insertion_problem  # noqa: E402

CORPUS = HERE / ".corpus"
LIBRARIES = {  # pinned; pure-Python source, so any platform's wheel holds the same files
    "torchvision": "0.29.1",
    "timm": "1.0.31",
    "transformers": "5.23.0",
    "diffusers": "0.42.1",
}
WHEEL_PLATFORM = ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--only-binary=:all:")


def source_tree(name: str, version: str) -> Path:
    target = CORPUS / "src" / f"{name}-{version}"
    if (target / ".complete").exists():
        return target
    wheels = sorted(CORPUS.glob(f"{name}-{version}-*.whl"))
    if not wheels:
        CORPUS.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", f"{name}=={version}", "-d", str(CORPUS)]
        if name == "torchvision":  # binary wheels only: make the download host-independent
            command += WHEEL_PLATFORM
        subprocess.run(command, check=True)
        wheels = sorted(CORPUS.glob(f"{name}-{version}-*.whl"))
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(wheels[0]) as archive:
        for member in archive.namelist():
            if member.endswith((".py", ".pyi")) and ".dist-info/" not in member:
                archive.extract(member, target)
    (target / ".complete").write_text("", encoding="utf-8")
    return target


def error_kind(message: str) -> str:
    if "internal error" in message:
        return "internal error"
    for kind in ("SyntaxError", "too deeply nested", "not valid", "null bytes", "MB limit", "changed on disk", "read-only"):
        if kind in message:
            return kind
    return message.split(":")[0][:40]


def run_library(name: str, version: str, jobs: int, keep: bool) -> tuple[dict, list[str]]:
    # Checked from a copy outside the repository: bench/.corpus/ is git-ignored, and
    # discovery honours .gitignore.
    workspace = tempfile.TemporaryDirectory(prefix=f"initlint-corpus-{name}-")
    tree = Path(workspace.name) / "original" / f"{name}-{version}"
    shutil.copytree(source_tree(name, version), tree)
    problems: list[str] = []
    stats: dict = {"library": f"{name}=={version}"}
    codes = all_codes()
    started = time.monotonic()
    with workspace as folder:
        # One analysis per file per pass: check --fix on a copy gives the findings (fixed and
        # left), inspect of the fixed copy the layers and the `explicit` proof, the CLI's
        # --diff of the fixed copy the idempotency; the original tree is the byte reference.
        copy = Path(folder) / "fixed" / tree.name
        shutil.copytree(tree, copy)
        fixed_run = list(api.check(api.Run(paths=[str(copy)], select=codes, isolated=True, use_cache=False, fix=True, jobs=jobs)))
        stats["fix_s"] = time.monotonic() - started
        stats["files"] = len(fixed_run)
        stats["bytes"] = sum(os.path.getsize(r.path) for r in fixed_run if os.path.isfile(r.path))
        findings = Counter(f.code for r in fixed_run for f in r.findings + r.fixed)
        stats["findings"] = sum(findings.values())
        stats["findings_by_code"] = dict(sorted(findings.items()))
        stats["fixes"] = sum(len(r.fixed) for r in fixed_run)
        stats["findings_after_fix"] = sum(len(r.findings) for r in fixed_run)
        errors = Counter()
        for result in fixed_run:
            if result.error is not None:
                errors[error_kind(result.error.message)] += 1
                if "internal error" in result.error.message:
                    problems.append(f"{name}: {result.error}")
        stats["errors_by_kind"] = dict(errors)
        changed = 0
        for result in fixed_run:
            original = tree / Path(result.path).relative_to(copy)
            old, new = original.read_bytes(), Path(result.path).read_bytes()
            if old == new:
                if result.fixed:
                    problems.append(f"{name}: {result.path}: {len(result.fixed)} fixes reported, nothing written")
                continue
            changed += 1
            if not result.fixed:
                problems.append(f"{name}: {result.path}: written although no fix was reported")
            problem = insertion_problem(sources.decode(old)[0], sources.decode(new)[0])
            if problem:
                problems.append(f"{name}: {original.relative_to(tree)}: unsafe fix: {problem}")
        stats["files_fixed"] = changed

        mark = time.monotonic()
        inspected = list(api.inspect(api.Run(paths=[str(copy)], isolated=True, use_cache=False, jobs=jobs)))
        stats["inspect_s"] = time.monotonic() - mark
        rows = [row for r in inspected for row in r.rows]
        stats["layers"] = len(rows)
        stats["layers_default"] = sum(1 for row in rows if row["init"] == "default") + stats["fixes"]
        for result in inspected:
            if result.error is not None and "internal error" in result.error.message:
                problems.append(f"{name} inspect: {result.error}")
        fixed_keys = {(r.path, f.class_name, f.layer) for r in fixed_run for f in r.fixed}
        not_explicit = {(row["path"], row["class"], row["layer"]) for row in rows if row["init"] != "explicit"} & fixed_keys
        for path, class_name, layer in sorted(not_explicit):
            problems.append(f"{name}: {Path(path).relative_to(copy)}: fixed layer {class_name}.{layer} is not explicit after --fix")

        mark = time.monotonic()
        cli = subprocess.run(
            [sys.executable, "-m", "initlint", "check", "--diff", "--exit-zero", "--isolated", "--no-cache",
             "--select", "ALL", "-j", str(jobs), str(copy)],
            capture_output=True, text=True, cwd=folder,
        )  # fmt: skip
        stats["cli_s"] = time.monotonic() - mark
        if "Traceback" in cli.stderr or cli.returncode not in (0, 2):
            problems.append(f"{name}: CLI --diff on the fixed copy exited {cli.returncode}: {cli.stdout[:2000]}{cli.stderr[-2000:]}")
        elif cli.stdout.strip():
            problems.append(f"{name}: a second --fix would change the fixed copy: {cli.stdout[:2000]}")
        if cli.returncode == 2 and not errors:
            problems.append(f"{name}: CLI reported errors on the fixed copy: {cli.stderr[-2000:]}")
        if keep:
            kept = CORPUS / "fixed" / tree.name
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(copy, kept)
    stats["total_s"] = time.monotonic() - started
    return stats, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated library names")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1: a timing per core)")
    parser.add_argument("--keep", action="store_true", help="keep the fixed copies in bench/.corpus/fixed/")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(LIBRARIES)
    all_problems: list[str] = []
    rows = []
    for name in names:
        stats, problems = run_library(name, LIBRARIES[name], args.jobs, args.keep)
        rows.append(stats)
        all_problems += problems
        print(
            f"{stats['library']}: {stats['files']} files ({stats['bytes'] / 1e6:.1f} MB), {stats['layers']} layers "
            f"({stats['layers_default']} default init), {stats['findings']} findings {stats['findings_by_code']}, "
            f"{stats['fixes']} fixes in {stats['files_fixed']} files ({stats['findings_after_fix']} findings left), "
            f"errors {stats['errors_by_kind'] or 'none'}; check --fix {stats['fix_s']:.1f}s, inspect {stats['inspect_s']:.1f}s, "
            f"CLI --diff re-check {stats['cli_s']:.1f}s, total {stats['total_s']:.1f}s",
            flush=True,
        )
        for problem in problems:
            print(f"  PROBLEM {problem}", flush=True)
    total = Counter()
    for stats in rows:
        for key in ("files", "layers", "findings", "fixes", "files_fixed"):
            total[key] += stats[key]
    print(f"total: {dict(total)}; problems: {len(all_problems)} (jobs={args.jobs})")
    return 1 if all_problems else 0


if __name__ == "__main__":
    sys.exit(main())
