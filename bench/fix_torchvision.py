#!/usr/bin/env python3
"""Run `--fix` over torchvision's model sources and check that the fixed code still works.

    .venv/bin/python bench/fix_torchvision.py [--tvenv bench/.venv-tv] [--models resnet18,vgg11] [--json out.json]
    .venv/bin/python bench/fix_torchvision.py --timm 1.0.31      # static figures for timm

The torch venv: python3 -m venv bench/.venv-tv && bench/.venv-tv/bin/pip install torch==2.14.1 torchvision==0.29.1

1. Fetch torchvision==0.29.1 (`pip download --no-deps` into bench/.corpus, once) and copy
   torchvision/models/*.py into a temp folder.
2. Fix every file as `initlint check --fix` would (default rules and options); report files
   and layers fixed, layers left unfixable and why, and re-check every fixed file: it parses,
   compiles, and passes the AST safety check against the original.
3. If a Python with torch + torchvision (default bench/.venv-tv, torch 2.14.1) exists, build every
   classification model from the fixed copies there (a meta-path hook loads the fixed
   `torchvision.models.*` files in place of the installed ones), run a forward pass, and check
   the weight std of every layer an inserted init call touched against gain/sqrt(fan_in), fans
   as torch computes them, tolerance 5 * sqrt((kurtosis - 1) / (4 n)).
4. Hold the measured layers of the 22 traced classifiers against tests/data/torchvision_runtime.json:
   the gain written must be the one the traced activation calls for.

The same file is the worker of step 3 (`--worker MANIFEST`): it imports neither initlint nor
libcst, only torch and torchvision, since the runtime lives in another venv.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Optional

VERSION = "0.29.1"
HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
SIGMAS = 5
KURTOSIS = {"uniform": 1.8, "normal": 3.0}
MEMORY_LIMIT = 4 << 30  # bytes of address space for the static step
INPUT_SIZE = {"inception_v3": 299}  # every other classification model takes 224


# --------------------------------------------------------------------------------------
# Step 1-2: fix (runs in initlint's venv)


def wheel(package: str = "torchvision", version: str = VERSION) -> Path:
    found = sorted(CORPUS.glob(f"{package}-{version}-*.whl"))
    if not found:
        CORPUS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", f"{package}=={version}", "-d", str(CORPUS)],
            check=True,
        )
        found = sorted(CORPUS.glob(f"{package}-{version}-*.whl"))
    return found[0]


def extract_sources(whl: Path, folders: tuple[str, ...], into: Path) -> list[Path]:
    """Every .py file directly in `folders` of the wheel (e.g. "timm/models"), flattened into `into`."""
    out = []
    with zipfile.ZipFile(whl) as archive:
        for name in archive.namelist():
            folder, _, base = name.rpartition("/")
            if folder in folders and base.endswith(".py"):
                target = into / folder.replace("/", "__") / base
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(name))
                out.append(target)
    return sorted(out)


def print_static(title: str, report: dict) -> dict:
    print(title)
    print(f"  files fixed:  {len(report['files_fixed'])}")
    print(f"  layers fixed: {report['layers_fixed']}  ({report['fix_seconds']} s; unsafe fixes offered: {report.get('unsafe_offered', 0)})")
    bad = {f: c for f, c in report["checks"].items() if c != {"parses": True, "compiles": True, "ast_check": True}}
    print(f"  fixed files that parse, compile and pass the AST check: {len(report['checks']) - len(bad)}/{len(report['checks'])}")
    for name, checks in bad.items():
        print(f"    FAILED {name}: {checks}")
    print(f"  errors (files left untouched): {len(report['errors'])}")
    for line in report["errors"]:
        print(f"    {line}")
    reasons: dict = {}
    for line in report["unfixable"]:
        reason = line.split(": ", 1)[1] if ": " in line else line
        reasons[reason] = reasons.get(reason, 0) + 1
    print(f"  findings left unfixable: {len(report['unfixable'])}")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"    {count:4d}  {reason}")
    return bad


def static_only(package: str, version: str, folders: tuple[str, ...], as_json: Optional[str], unsafe: bool) -> int:
    """Fix a package's model sources and check every result (no runtime: step 1-2 only)."""
    import resource

    sys.path.insert(0, str(HERE.parent))
    # One file whose analysis runs away must not take the machine: it fails alone.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    with tempfile.TemporaryDirectory(prefix=f"initlint-{package}-") as temp:
        files = extract_sources(wheel(package, version), folders, Path(temp))
        started = time.time()
        report = fix_all(files, unsafe)["report"]
        report["fix_seconds"] = round(time.time() - started, 1)
        bad = print_static(f"{package} {version}: {len(files)} files in {', '.join(folders)}", report)
    if as_json:
        Path(as_json).write_text(json.dumps({"fix": report}, indent=2))
    return 0 if not bad and not report["errors"] else 1


def extract_models(whl: Path, into: Path) -> list[Path]:
    into.mkdir(parents=True, exist_ok=True)
    out = []
    with zipfile.ZipFile(whl) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 3 and parts[:2] == ["torchvision", "models"] and parts[2].endswith(".py"):
                target = into / parts[2]
                target.write_bytes(archive.read(name))
                out.append(target)
    return sorted(out)


def fix_all(files: list[Path], unsafe: bool = False) -> dict:
    import ast

    from initlint import catalogue, fixer
    from initlint.semantics.file import analyze
    from initlint.syntax.parse import SourceError
    from initlint.rules import run_rules, select_rules

    options = fixer.FixOptions()
    report = {"files": len(files), "files_fixed": [], "layers_fixed": 0, "unfixable": [], "errors": [], "checks": {}}
    manifest = []  # one row per inserted init call: where it is in the fixed file, what it should give
    rules = select_rules()
    for path in files:
        data = path.read_bytes()
        text = fixer.decode_source(data).text
        try:
            model = analyze(text, str(path))
        except SourceError as error:
            report["errors"].append(f"{path.name}: {error}")
            continue
        except (MemoryError, RecursionError) as error:  # an analysis bug: report it, go on
            report["errors"].append(f"{path.name}: the analysis failed: {type(error).__name__}")
            continue
        findings = run_rules(model, rules)
        for item in fixer.attach_fixes(findings, model, options, text):
            report["unfixable"].append(f"{path.name}:{item.finding.line} {item.finding.code} {item.finding.layer}: {item.reason}")
        report["unsafe_offered"] = report.get("unsafe_offered", 0) + sum(
            1 for f in findings if f.fix is not None and f.fix.applicability == "unsafe"
        )
        result = fixer.fix_file(str(path), findings, data, unsafe=unsafe)
        if result.error:
            report["errors"].append(str(result.error))
            continue
        if not result.changed:
            continue
        new = path.read_bytes()
        new_text = fixer.decode_source(new).text
        checks = {"parses": True, "compiles": True, "ast_check": True}
        try:
            ast.parse(new)
        except SyntaxError:
            checks["parses"] = False
        try:
            compile(new, str(path), "exec", dont_inherit=True)
        except SyntaxError:
            checks["compiles"] = False
        try:
            fixer.check_fix(text, new_text, result.edits)
        except fixer.UnsafeFix as error:
            checks["ast_check"] = str(error)
        report["checks"][path.name] = checks
        report["files_fixed"].append(path.name)
        report["layers_fixed"] += len(result.fixed)
        layers = {(layer.line, layer.column): layer for layer in model.layers}
        manifest += _manifest_rows(path, result, layers, catalogue, options)
    return {"report": report, "manifest": manifest}


def _manifest_rows(path: Path, result, layers: dict, catalogue, options) -> list[dict]:
    """Where each inserted kaiming call sits in the fixed file, and the std it must give."""
    from initlint import fixer

    by_content = {}
    for finding in result.fixed:
        layer_edit = finding.fix.edits[-1]  # an added import comes first
        by_content[(layer_edit.line, layer_edit.content.strip())] = finding
    rows, shift = [], 0
    for edit in result.edits:
        lines = fixer.split_lines(edit.content)
        finding = by_content.get((edit.line, edit.content.strip()))
        if finding is not None:
            call_index = next(i for i, line in enumerate(lines) if ".kaiming_" in line)
            layer = layers[(finding.line, finding.column)]
            rec = catalogue.recommend(layer.activation, layer.activation_param)
            rows.append(
                {
                    "file": str(path),
                    "line": edit.line + shift + call_index,
                    "class": finding.class_name,
                    "layer": finding.layer,
                    "activation": layer.activation,
                    "param": layer.activation_param,
                    "gain": rec.gain,
                    "distribution": "normal" if rec.always_normal else options.distribution,
                    "mode": options.mode,
                }
            )
        shift += len(lines)
    return rows


# --------------------------------------------------------------------------------------
# Step 3: build and measure (runs in the torch venv)


def worker(manifest_path: str, only: list[str]) -> dict:
    import importlib.abc
    import importlib.util

    import torch

    with open(manifest_path) as handle:
        job = json.load(handle)
    fixed_dir = job["fixed_dir"]
    sites = {(row["file"], row["line"]): row for row in job["manifest"]}

    class FixedModels(importlib.abc.MetaPathFinder):
        """Load torchvision.models.<name> from the fixed copies."""

        def find_spec(self, fullname, path=None, target=None):
            prefix = "torchvision.models."
            if not fullname.startswith(prefix) or fullname.count(".") != 2:
                return None
            candidate = os.path.join(fixed_dir, fullname[len(prefix) :] + ".py")
            return importlib.util.spec_from_file_location(fullname, candidate) if os.path.exists(candidate) else None

    sys.meta_path.insert(0, FixedModels())
    calls = []  # (site, tensor) for every inserted init call that ran

    def recording(original):
        def wrapper(tensor, *args, **kwargs):
            frame = sys._getframe(1)
            site = sites.get((frame.f_code.co_filename, frame.f_lineno))
            if site is not None:
                calls.append((site, tensor))
            return original(tensor, *args, **kwargs)

        return wrapper

    torch.nn.init.kaiming_uniform_ = recording(torch.nn.init.kaiming_uniform_)
    torch.nn.init.kaiming_normal_ = recording(torch.nn.init.kaiming_normal_)

    import torchvision

    assert torchvision.models.resnet.__file__.startswith(fixed_dir), "the fixed copies are not the ones loaded"
    names = torchvision.models.list_models(module=torchvision.models)
    if only:
        names = [n for n in names if n in only]
    out = {"torch": torch.__version__, "torchvision": torchvision.__version__, "models": {}, "layers": []}
    hit_sites = set()
    torch.manual_seed(0)
    for name in names:
        started = time.time()
        calls.clear()
        row = {"build": False, "forward": False}
        try:
            model = torchvision.models.get_model(name, weights=None).eval()
            row["build"] = True
            size = INPUT_SIZE.get(name, 224)
            with torch.no_grad():
                result = model(torch.randn(1, 3, size, size))
            row["forward"] = bool(torch.isfinite(result).all())
        except Exception as error:  # noqa: BLE001 - report, go on with the next model
            row["error"] = f"{type(error).__name__}: {error}"[:300]
            model = None
        if model is not None:
            names_of = {id(p): n for n, p in model.named_parameters()}
            for site, tensor in calls:
                hit_sites.add((site["file"], site["line"]))
                out["layers"].append(_measure(name, site, tensor, names_of.get(id(tensor))))
        row["seconds"] = round(time.time() - started, 1)
        out["models"][name] = row
        del model
    out["sites_never_run"] = [f"{Path(f).name}:{line}" for f, line in sites if (f, line) not in hit_sites]
    return out


def _measure(model_name: str, site: dict, tensor, param_name) -> dict:
    import torch

    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(tensor)
    expected = site["gain"] / math.sqrt(fan_in if site["mode"] == "fan_in" else fan_out)
    got = tensor.detach().double().std().item()
    tolerance = SIGMAS * math.sqrt((KURTOSIS[site["distribution"]] - 1.0) / (4.0 * tensor.numel()))
    return {
        "model": model_name,
        "parameter": param_name,  # None: the tensor is not in the built model (re-created or dropped)
        "site": f"{Path(site['file']).name}:{site['line']}",
        "activation": site["activation"],
        "expected_gain": site["gain"],
        "std": got,
        "expected": expected,
        "tolerance": tolerance,
        "matches": param_name is not None and abs(got / expected - 1.0) <= tolerance,
    }


# --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tvenv", default=str(HERE / ".venv-tv"), help="a venv with torch and torchvision (step 3)")
    parser.add_argument("--models", default="", help="comma-separated model names (default: all classification models)")
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--timm", metavar="VERSION", help="instead: fix timm's models/ and layers/ (static checks only)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="apply unsafe fixes too, as `--fix --unsafe-fixes`")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    only = [m for m in args.models.split(",") if m]
    if args.worker:
        print(json.dumps(worker(args.worker, only)))
        return 0
    if args.timm:
        return static_only("timm", args.timm, ("timm/models", "timm/layers"), args.json, args.unsafe_fixes)

    sys.path.insert(0, str(HERE.parent))

    with tempfile.TemporaryDirectory(prefix="initlint-tv-") as temp:
        fixed_dir = Path(temp) / "models"
        files = extract_models(wheel(), fixed_dir)
        started = time.time()
        fixed = fix_all(files, args.unsafe_fixes)
        report = fixed["report"]
        report["fix_seconds"] = round(time.time() - started, 1)
        bad = print_static(f"torchvision {VERSION}: {report['files']} files in torchvision/models/", report)
        print(f"  ({', '.join(report['files_fixed']) or 'no file fixed'})")

        python = Path(args.tvenv) / "bin" / "python"
        runtime = None
        probe = subprocess.run([str(python), "-c", "import torch, torchvision"], capture_output=True) if python.exists() else None
        if probe is None or probe.returncode != 0:
            print(f"\nruntime check skipped: no torch + torchvision at {python}")
        else:
            job = Path(temp) / "manifest.json"
            job.write_text(json.dumps({"fixed_dir": str(fixed_dir), "manifest": fixed["manifest"]}))
            run = subprocess.run(
                [str(python), __file__, "--worker", str(job), "--models", ",".join(only)],
                capture_output=True,
                text=True,
            )
            if run.returncode != 0:
                print(run.stderr[-3000:])
                return 1
            runtime = json.loads(run.stdout.strip().splitlines()[-1])
            _print_runtime(runtime)
            runtime["trace"] = confirm_with_trace(runtime)
            trace = runtime["trace"]
            print(f"  ... in the traced models (tests/data/torchvision_runtime.json): {trace['covered']}, "
                  f"whose std is the one the traced activation calls for: {trace['confirmed']}/{trace['covered']}")
            for line in trace["wrong"]:
                print(f"    WRONG {line}")
        if args.json:
            Path(args.json).write_text(json.dumps({"fix": report, "runtime": runtime}, indent=2))
    ok = not bad and not report["errors"]
    if runtime is not None:
        models = runtime["models"].values()
        ok = ok and all(m["build"] and m["forward"] for m in models) and all(layer["matches"] for layer in runtime["layers"])
        ok = ok and not runtime["trace"]["wrong"]
    return 0 if ok else 1


RUNTIME_TABLE = HERE.parent / "tests" / "data" / "torchvision_runtime.json"


def confirm_with_trace(runtime: dict) -> dict:
    """Hold every measured layer against tests/data/torchvision_runtime.json, the traced truth
    of what follows each layer in 22 classifiers: the std a fix must give is the one the
    traced activation calls for, not the one the static analysis assumed."""
    sys.path.insert(0, str(HERE.parent))
    from initlint import catalogue

    table = json.loads(RUNTIME_TABLE.read_text())
    traced = {}
    for model, entry in table["models"].items():
        for site in entry["sites"]:
            for layer in site["layers"]:
                traced[(model, layer)] = (site["activation"], site["activation_param"])
    out = {"covered": 0, "confirmed": 0, "wrong": []}
    for row in runtime["layers"]:
        key = (row["model"], (row["parameter"] or "").removesuffix(".weight"))
        if key not in traced:
            continue
        out["covered"] += 1
        activation, param = traced[key]
        rec = catalogue.recommend(activation, param)
        right = rec is not None and abs(rec.gain / row["expected_gain"] - 1.0) < 1e-9
        if right and row["matches"]:
            out["confirmed"] += 1
        else:
            out["wrong"].append(f"{key[0]} {key[1]}: fixed for {row['activation']}, traced {activation}")
    return out


def _print_runtime(runtime: dict) -> None:
    models = runtime["models"]
    working = [n for n, m in models.items() if m["build"] and m["forward"]]
    print(f"\nruntime (torch {runtime['torch']}, torchvision {runtime['torchvision']}, fixed copies loaded):")
    print(f"  classification models that build and run forward: {len(working)}/{len(models)}")
    for name, row in models.items():
        if name not in working:
            print(f"    FAILED {name}: {row.get('error', 'non-finite output')}")
    layers = runtime["layers"]
    matching = [layer for layer in layers if layer["matches"]]
    print(f"  layers touched by an inserted init, measured in built models: {len(layers)}")
    print(f"  ... whose std now matches gain/sqrt(fan): {len(matching)}/{len(layers)}")
    for layer in layers:
        if not layer["matches"]:
            print(
                f"    MISMATCH {layer['model']} {layer['parameter']} ({layer['site']}, {layer['activation']}): "
                f"std {layer['std']:.5f}, expected {layer['expected']:.5f} +- {layer['tolerance']:.1%}"
            )
    if runtime["sites_never_run"]:
        print(f"  inserted calls no classification model ran: {', '.join(runtime['sites_never_run'])}")


if __name__ == "__main__":
    sys.exit(main())
