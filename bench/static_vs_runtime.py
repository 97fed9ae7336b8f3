#!/usr/bin/env python3
"""How far the static analysis agrees with runtime traces of real models.

    python bench/static_vs_runtime.py [TABLE.json ...]   # project venv: needs libcst, not torch

Reads the runtime tables (default: tests/data/torchvision_runtime.json from
bench/build_torchvision_table.py, tests/data/transformers_runtime.json from
bench/build_transformers_table.py and tests/data/timm_runtime.json from
bench/build_timm_table.py), fetches each package's source without importing it (pip
download --no-deps of the pinned wheel into bench/.corpus/, then unzip), runs
`initlint.analysis.analyze` on the table's model files and matches static rows to runtime
layers: a static row matches a runtime layer when its file and line occur in the layer's
construction chain.

Per file:
- construction sites: where a layer is built as seen from its class, i.e. the innermost frame
  of its chain in that file that runs inside a class method (`self.conv1 = conv3x3(...)` in
  BasicBlock, not the `nn.Conv2d` inside the helper), else the innermost frame in the file
  (vgg's module-level `make_layers`). Several runtime layers (blocks, models) share a site.
- coverage: share of sites whose static row (the innermost row with a known activation among
  the chain's frames up to the site) claims an activation other than 'unknown'.
- agreement: share of static claims (rows with a known activation that match runtime layers)
  equal to the runtime activation of every layer they match.
tests/test_runtime_agreement.py asserts agreement == 100% per file and a coverage per table.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "tests" / "data" / "torchvision_runtime.json"
TRANSFORMERS_TABLE = REPO / "tests" / "data" / "transformers_runtime.json"
TIMM_TABLE = REPO / "tests" / "data" / "timm_runtime.json"
TABLES = (TABLE, TRANSFORMERS_TABLE, TIMM_TABLE)
CORPUS = REPO / "bench" / ".corpus"
# Any platform's wheel holds the same Python source; naming one makes the download host-independent.
WHEEL_PLATFORM = ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--only-binary=:all:")
COVERAGE_TARGET = 0.90


class CorpusUnavailable(Exception):
    """A table's package source could not be downloaded (no network, no registry)."""


def load_table(path: Path = TABLE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def package_source(table: dict) -> Path:
    """The folder holding the table's source files for its package and version, checked against their sha256s."""
    package = table.get("package", "torchvision")
    version = table[package]
    root = CORPUS / f"{package}-{version}-src"
    if not all((root / rel).is_file() for rel in table["sources"]):
        wheel = _wheel(package, version)
        with zipfile.ZipFile(wheel) as archive:
            for rel in table["sources"]:
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(f"{package}/{rel}"))
    for rel, digest in table["sources"].items():
        actual = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        if actual != digest:
            raise RuntimeError(f"{root / rel} is not the source the runtime table was built from (sha256 {actual})")
    return root


def _wheel(package: str, version: str) -> Path:
    found = sorted(CORPUS.glob(f"{package}-{version}-*.whl"))
    if found:
        return found[0]
    CORPUS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
               *WHEEL_PLATFORM, "-d", str(CORPUS), f"{package}=={version}"]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise CorpusUnavailable(f"pip download {package}=={version} failed: {error}") from error
    found = sorted(CORPUS.glob(f"{package}-{version}-*.whl"))
    if done.returncode != 0 or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise CorpusUnavailable(f"pip download {package}=={version} failed: {tail[0]}")
    return found[0]


def enclosing_functions(source: str) -> dict[int, tuple[str, bool]]:
    """line -> (qualified name of the innermost def around it, whether that def is a class method)."""
    spans: list[tuple[int, int, str, bool]] = []

    def walk(node: ast.AST, prefix: str, in_class: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                spans.append((child.lineno, child.end_lineno or child.lineno, prefix + child.name, in_class))
                walk(child, f"{prefix}{child.name}.", False)
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.", True)
            else:
                walk(child, prefix, in_class)

    walk(ast.parse(source), "", False)
    out: dict[int, tuple[str, bool]] = {}
    for start, end, name, is_method in sorted(spans, key=lambda s: s[1] - s[0], reverse=True):
        for line in range(start, end + 1):
            out[line] = (name, is_method)  # narrower defs come later and win
    return out


@dataclass
class Site:
    line: int
    function: str
    layers: list[tuple[str, str, str]] = field(default_factory=list)  # (model, layer, runtime activation)
    claim: Optional[object] = None  # the static row speaking for the site


@dataclass
class FileResult:
    path: str
    sites: list[Site]
    static_rows: int
    claims: int  # static rows with a known activation that match runtime layers
    agreeing: int
    disagreements: list[str]
    uncovered: list[str]

    @property
    def coverage(self) -> float:
        return sum(1 for s in self.sites if _known(s.claim)) / len(self.sites) if self.sites else 1.0

    @property
    def agreement(self) -> float:
        return self.agreeing / self.claims if self.claims else 1.0

    def summary(self) -> str:
        layers = sum(len(s.layers) for s in self.sites)
        covered = sum(1 for s in self.sites if _known(s.claim))
        return (
            f"{self.path}: {len(self.sites)} construction sites ({layers} runtime layers), "
            f"{self.static_rows} static rows; coverage {covered}/{len(self.sites)} = {self.coverage:.0%}, "
            f"agreement {self.agreeing}/{self.claims} = {self.agreement:.0%}"
        )


def _known(row: Optional[object]) -> bool:
    return row is not None and getattr(row, "activation", "unknown") != "unknown"


def compare(table: dict, source_root: Path) -> list[FileResult]:
    from initlint.analysis import analyze
    from initlint.runtime.provenance import best_static_row

    static: dict[str, list] = {}
    functions: dict[str, dict[int, tuple[str, bool]]] = {}
    for rel in table["sources"]:
        text = (source_root / rel).read_text(encoding="utf-8")
        static[rel] = list(analyze(text, rel).layers)
        functions[rel] = enclosing_functions(text)

    results = []
    for rel in table["sources"]:
        sites: dict[int, Site] = {}
        matched: dict[int, tuple[object, list[tuple[str, str, str]]]] = {}  # id(row) -> (row, layers)
        for model, entry in table["models"].items():
            for runtime in entry["sites"]:
                chain = [tuple(frame) for frame in runtime["chain"]]
                here = [i for i, (path, _) in enumerate(chain) if path == rel]
                if not here:
                    continue
                site_index = next((i for i in here if functions[rel].get(chain[i][1], ("", False))[1]), here[0])
                line = chain[site_index][1]
                site = sites.setdefault(line, Site(line, functions[rel].get(line, ("<module>", False))[0]))
                site.claim = best_static_row(chain[: site_index + 1], lambda path: static.get(path, []))
                layers = [(model, name, runtime["activation"]) for name in runtime["layers"]]
                site.layers.extend(layers)
                for path, line_no in chain:
                    if path != rel:
                        continue
                    for row in static[rel]:
                        if row.line == line_no and row.activation != "unknown":
                            matched.setdefault(id(row), (row, []))[1].extend(layers)

        disagreements = []
        agreeing = 0
        for row, layers in matched.values():
            runtime_acts = sorted({act for _, _, act in layers})
            if runtime_acts == [row.activation]:
                agreeing += 1
            else:
                counts = ", ".join(f"{a} x{sum(1 for *_, x in layers if x == a)}" for a in runtime_acts)
                example = next(f"{m}:{n}" for m, n, a in layers if a != row.activation)
                disagreements.append(
                    f"line {row.line} ({row.class_name or 'module level'}.{row.name or row.layer_type}): "
                    f"static {row.activation} ({row.activation_evidence}); runtime {counts}, e.g. {example}"
                )
        uncovered = [
            f"line {s.line} ({s.function}): runtime {sorted({a for *_, a in s.layers})}, "
            f"static {'no row' if s.claim is None else s.claim.activation + ' (' + s.claim.activation_evidence + ')'}"
            for s in sorted(sites.values(), key=lambda s: s.line)
            if not _known(s.claim)
        ]
        results.append(
            FileResult(
                path=rel,
                sites=sorted(sites.values(), key=lambda s: s.line),
                static_rows=len(static[rel]),
                claims=len(matched),
                agreeing=agreeing,
                disagreements=disagreements,
                uncovered=uncovered,
            )
        )
    return results


def main() -> int:
    tables = [Path(arg) for arg in sys.argv[1:]] or list(TABLES)
    for path in tables:
        print(f"== {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        status = compare_table(load_table(path))
        if status:
            return status
    return 0


def compare_table(table: dict) -> int:
    try:
        root = package_source(table)
    except CorpusUnavailable as error:
        print(f"cannot compare: {error}", file=sys.stderr)
        return 2
    results = compare(table, root)
    for result in results:
        print(result.summary())
        for line in result.disagreements:
            print(f"  disagree: {line}")
        for line in result.uncovered:
            print(f"  uncovered: {line}")
    sites = sum(len(r.sites) for r in results)
    covered = sum(sum(1 for s in r.sites if _known(s.claim)) for r in results)
    claims = sum(r.claims for r in results)
    agreeing = sum(r.agreeing for r in results)
    print(
        f"total: coverage {covered}/{sites} = {covered / max(sites, 1):.0%}, "
        f"agreement {agreeing}/{claims} = {agreeing / max(claims, 1):.0%}"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
