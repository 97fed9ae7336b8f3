#!/usr/bin/env python3
"""How far the static analysis agrees with runtime traces of real models.

    python bench/static_vs_runtime.py [--static per-file|program|MODULE:FUNCTION] [TABLE.json ...]  # no torch needed

Reads the runtime tables (default: tests/data/torchvision_runtime.json from
bench/build_torchvision_table.py, tests/data/transformers_runtime.json from
bench/build_transformers_table.py, tests/data/timm_runtime.json from
bench/build_timm_table.py, tests/data/diffusers_runtime.json from bench/build_diffusers_table.py and
tests/data/vit_pytorch_runtime.json from bench/build_vit_pytorch_table.py; tests/data/monai_runtime.json from
bench/build_monai_table.py, tests/data/kornia_runtime.json from bench/build_kornia_table.py,
tests/data/efficientnet_pytorch_runtime.json and tests/data/x_transformers_runtime.json from their builders:
libraries the analysis is not worked on against, a check on code it has not seen), fetches each package's
source without importing it (pip download --no-deps of the pinned wheel into bench/.corpus/, or the sdist
found there for a package published as source only, then its .py files unpacked),
runs the static side on the package (`per_file`: `initlint.semantics.file.analyze` on each of the
table's files alone; any `StaticSide` can stand in, e.g. a whole-program analysis of the
package folder) and matches static rows to runtime layers: a static row matches a runtime
layer when its file and line occur in the layer's construction chain.

Per file:
- construction sites: where a layer is built as seen from its class, i.e. the innermost frame
  of its chain in that file that runs inside a class method (`self.conv1 = conv3x3(...)` in
  BasicBlock, not the `nn.Conv2d` inside the helper), else the innermost frame in the file
  (vgg's module-level `make_layers`). Several runtime layers (blocks, models) share a site.
- coverage: share of sites whose static row (the innermost row with a known activation among
  the chain's frames up to the site) claims an activation other than 'unknown'.
- agreement: share of static claims (rows with a known activation that match runtime layers)
  equal to the runtime activation of every layer they match.

Per traced layer (each runtime layer once, whatever files its chain passes through), its static
row being the innermost row with a known activation among all its chain's frames:
- coverage: share of layers whose row claims an activation; agreement: share of those claims
  equal to the layer's runtime activation.
- a default-init finding: a default-on IL1xx rule fires on the layer's row (the row says the
  layer keeps the default init and its activation calls for another gain). It is right when
  the layer keeps torch's default at run time (once the model is built, its weight is still its
  default draw or was drawn again from U(+-1/sqrt(fan_in)): the table's `weights`) and the row's
  activation is the runtime one.
- precision: right findings / findings; recall: right findings / layers that keep the default
  at run time and whose runtime activation one of those rules speaks for.
tests/test_runtime_agreement.py asserts agreement == 100% per file and floors on the rest.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

REPO = Path(__file__).resolve().parent.parent
TABLE = REPO / "tests" / "data" / "torchvision_runtime.json"
TRANSFORMERS_TABLE = REPO / "tests" / "data" / "transformers_runtime.json"
TIMM_TABLE = REPO / "tests" / "data" / "timm_runtime.json"
DIFFUSERS_TABLE = REPO / "tests" / "data" / "diffusers_runtime.json"
VIT_PYTORCH_TABLE = REPO / "tests" / "data" / "vit_pytorch_runtime.json"
MONAI_TABLE = REPO / "tests" / "data" / "monai_runtime.json"
KORNIA_TABLE = REPO / "tests" / "data" / "kornia_runtime.json"
EFFICIENTNET_PYTORCH_TABLE = REPO / "tests" / "data" / "efficientnet_pytorch_runtime.json"
X_TRANSFORMERS_TABLE = REPO / "tests" / "data" / "x_transformers_runtime.json"
TABLES = (TABLE, TRANSFORMERS_TABLE, TIMM_TABLE, DIFFUSERS_TABLE, VIT_PYTORCH_TABLE, MONAI_TABLE, KORNIA_TABLE,
          EFFICIENTNET_PYTORCH_TABLE, X_TRANSFORMERS_TABLE)  # fmt: skip
CORPUS = REPO / "bench" / ".corpus"
# Any platform's wheel holds the same Python source; naming one makes the download host-independent.
WHEEL_PLATFORM = ("--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--only-binary=:all:")
COVERAGE_TARGET = 0.90


# The static side: (package folder, the table's files relative to it) -> FileModel per file, keyed by
# those paths. `per_file` is today's one-file-at-a-time analysis; a whole-program analysis of the
# package folder returns the same shape, and the comparison below reads nothing else.
StaticSide = Callable[[Path, Sequence[str]], dict]


def per_file(package_dir: Path, paths: Sequence[str]) -> dict:
    """`initlint.semantics.file.analyze` on each file alone, keyed by its path relative to the package
    (and analysed under the module name its package's `__init__.py` files give it, as installed, so
    that its relative imports resolve)."""
    from initlint.semantics.file import analyze

    def module(rel: str) -> str:
        parts = [package_dir.name, *Path(rel).with_suffix("").parts]
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    return {rel: analyze((package_dir / rel).read_text(encoding="utf-8"), f"{package_dir.name}/{rel}", module=module(rel))
            for rel in paths}  # fmt: skip


def whole_program(package_dir: Path, paths: Sequence[str]) -> dict:
    """`initlint.program.analyze_program` over the package's modules around the table's files: every
    .py file of their folders and of the package's top folder (what their imports mostly reach),
    linked together; each table file's model, by its path relative to the package."""
    from initlint.program import analyze_program
    from initlint.program.environment import Environment

    folders = {package_dir} | {(package_dir / rel).parent for rel in paths}
    files = sorted({str(file) for folder in folders for file in folder.glob("*.py")})
    readable = [str(file) for file in package_dir.rglob("*.py")]  # what the loader may follow: the whole package
    # and initlint's library stubs, as `initlint check` reads them (no installed package: none is, here)
    sources = {file: Path(file).read_text(encoding="utf-8") for file in files}
    models, errors, _ = analyze_program(sources, readable, Environment())
    for file, error in errors.items():
        print(f"  {file}: {error}", file=sys.stderr)
    return {rel: models[str(package_dir / rel)] for rel in paths if str(package_dir / rel) in models}


STATIC_SIDES = {"per-file": per_file, "program": whole_program}


class CorpusUnavailable(Exception):
    """A table's package source could not be downloaded (no network, no registry)."""


def load_table(path: Path = TABLE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def package_source(table: dict) -> Path:
    """The package folder (every .py file of the table's package and version, named as the package,
    for a whole-program static side) holding the table's source files, checked against their sha256s."""
    package = table.get("package", "torchvision")
    version = table[package]
    root = CORPUS / f"{package}-{version}-src" / package
    complete = root / ".complete"
    if not complete.is_file():
        archive = _package_archive(package, version)
        for member, data in _python_members(archive, f"{package}/"):
            target = root / member
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        complete.write_text(archive.name + "\n", encoding="utf-8")
    for rel, digest in table["sources"].items():
        actual = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        if actual != digest:
            raise RuntimeError(f"{root / rel} is not the source the runtime table was built from (sha256 {actual})")
    return root


def _python_members(archive: Path, prefix: str):
    """(path below `prefix`, bytes) of each .py file under the package folder `prefix` of a wheel, or of
    an sdist (`name-version/prefix...`: a package published as source only, efficientnet_pytorch)."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            for member in wheel.namelist():
                if member.startswith(prefix) and member.endswith(".py"):
                    yield member[len(prefix) :], wheel.read(member)
        return
    with tarfile.open(archive) as sdist:
        for member in sdist.getmembers():
            _, _, inner = member.name.partition("/")
            if member.isfile() and inner.startswith(prefix) and inner.endswith(".py"):
                yield inner[len(prefix) :], sdist.extractfile(member).read()


def _package_archive(package: str, version: str) -> Path:
    """The pinned wheel in bench/.corpus (else its sdist there), downloaded when neither is."""
    for pattern in (f"{package}-{version}-*.whl", f"{package}-{version}.tar.gz"):
        if found := sorted(CORPUS.glob(pattern)):
            return found[0]
    CORPUS.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
               *WHEEL_PLATFORM, "-d", str(CORPUS), f"{package}=={version}"]  # fmt: skip
    # a package published as source only (efficientnet_pytorch): its sdist, read, never built or run
    sdist = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
             "--no-binary=:all:", "--no-build-isolation", "-d", str(CORPUS), f"{package}=={version}"]  # fmt: skip
    done = None
    for attempt in (command, sdist):
        try:
            done = subprocess.run(attempt, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise CorpusUnavailable(f"pip download {package}=={version} failed: {error}") from error
        for pattern in (f"{package}-{version}-*.whl", f"{package}-{version}.tar.gz"):
            if found := sorted(CORPUS.glob(pattern)):
                return found[0]
    tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel, no sdist"]
    raise CorpusUnavailable(f"pip download {package}=={version} failed: {tail[0]}")


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


def static_rows(table: dict, package_dir: Path, static_side: StaticSide = per_file) -> dict[str, object]:
    """The static side's FileModel of each of the table's files (each file's rows: `.layers`)."""
    models = static_side(package_dir, list(table["sources"]))
    missing = [rel for rel in table["sources"] if rel not in models]
    if missing:
        raise RuntimeError(f"the static side gave no model for {', '.join(missing)}")
    return models


def compare(table: dict, source_root: Path, models: Optional[dict] = None) -> list[FileResult]:
    """Per file: construction sites, coverage and agreement. `models`: static_rows() (default: per_file)."""
    from initlint.runtime.provenance import best_static_row, built_on_chain, rows_naming

    models = static_rows(table, source_root) if models is None else models
    static: dict[str, list] = {rel: list(models[rel].layers) for rel in table["sources"]}
    functions: dict[str, dict[int, tuple[str, bool]]] = {}
    for rel in table["sources"]:
        functions[rel] = enclosing_functions((source_root / rel).read_text(encoding="utf-8"))

    results = []
    for rel in table["sources"]:
        sites: dict[int, Site] = {}
        matched: dict[int, tuple[object, list[tuple[str, str, str]]]] = {}  # id(row) -> (row, layers)
        for model, entry in table["models"].items():
            for runtime in entry["sites"]:
                chain = [tuple(frame) for frame in runtime["chain"]]
                # a frame in the layer's own class (a Conv2d subclass's `super().__init__`) builds the
                # layer itself; its site is where a class builds that subclass
                own = f"{runtime.get('layer_type')}."
                here = [i for i, (path, line_no) in enumerate(chain)
                        if path == rel and not functions[rel].get(line_no, ("", False))[0].startswith(own)]  # fmt: skip
                if not here:
                    continue
                site_index = next((i for i in here if functions[rel].get(chain[i][1], ("", False))[1]), here[0])
                line = chain[site_index][1]
                site = sites.setdefault(line, Site(line, functions[rel].get(line, ("<module>", False))[0]))
                named = runtime["layers"][0] if runtime["layers"] else None
                site.claim = best_static_row(chain[: site_index + 1], lambda path: static.get(path, []), named)
                layers = [(model, name, runtime["activation"]) for name in runtime["layers"]]
                site.layers.extend(layers)
                for path, line_no in chain:
                    if path != rel:
                        continue
                    on_line = [row for row in static[rel] if row.line == line_no and built_on_chain(row, chain)]
                    if named:  # several rows at one call: the one naming this layer
                        on_line = rows_naming(on_line, named)
                    for row in on_line:
                        if row.activation != "unknown":
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


@dataclass
class TracedLayer:
    """One runtime layer, and what the static side says about it."""

    model: str
    layer: str
    chain: tuple  # ((path, line), ...), innermost first
    activation: str  # at run time
    activation_param: Optional[float]
    keeps_default: bool  # at run time, once built: the weight is still torch's default draw
    row: Optional[object]  # the static row speaking for it
    finding: Optional[str]  # the IL1xx code its row draws

    @property
    def claimed(self) -> bool:
        return _known(self.row)

    @property
    def agrees(self) -> bool:
        return self.claimed and self.row.activation == self.activation

    @property
    def finding_right(self) -> bool:
        return self.finding is not None and self.keeps_default and self.agrees

    @property
    def wants_finding(self) -> bool:
        return self.keeps_default and needs_gain(self.activation, self.activation_param)

    @property
    def init_claimed(self) -> bool:
        """Its row says whether the weight is torch's default once built: `default` or `explicit`."""
        return self.row is not None and getattr(self.row, "init", None) in ("default", "explicit")

    @property
    def init_agrees(self) -> bool:
        return self.init_claimed and (self.row.init == "default") == self.keeps_default


def default_init_rules() -> list:
    """The IL1xx rules on by default: a layer on torch's default init before an activation that wants another gain."""
    from initlint.rules import DefaultInitRule, select_rules

    return [rule for rule in select_rules() if isinstance(rule, DefaultInitRule)]


def needs_gain(activation: str, param: Optional[float]) -> bool:
    """Whether a default-init finding is due before this (runtime) activation: one of the rules speaks for it."""
    from initlint import catalogue

    families = {family for rule in default_init_rules() for family in rule.families}
    return catalogue.FAMILY.get(activation) in families and catalogue.recommend(activation, param) is not None


DEFAULT_WEIGHTS = ("default", "redrawn-default")


def keeps_default(site: dict) -> bool:
    """The table's fact: the weight is the last draw of the layer's own reset_parameters(), or was drawn
    again from the same U(+-1/sqrt(fan_in)) (bench/build_torchvision_table.py's DefaultDraws)."""
    if "weights" not in site:
        raise KeyError("the runtime table predates the `weights` field: rebuild it with bench/build_*_table.py")
    return site["weights"] in DEFAULT_WEIGHTS


@dataclass
class LayerResult:
    layers: list[TracedLayer]

    def count(self, test: Callable[[TracedLayer], bool]) -> int:
        return sum(1 for layer in self.layers if test(layer))

    @property
    def coverage(self) -> float:
        return self.count(lambda t: t.claimed) / len(self.layers) if self.layers else 1.0

    @property
    def agreement(self) -> float:
        claims = self.count(lambda t: t.claimed)
        return self.count(lambda t: t.agrees) / claims if claims else 1.0

    @property
    def findings(self) -> int:
        return self.count(lambda t: t.finding is not None)

    @property
    def precision(self) -> float:
        """1.0 without findings: none of them is wrong (the recall says what is missing)."""
        return self.count(lambda t: t.finding_right) / self.findings if self.findings else 1.0

    @property
    def due(self) -> int:
        return self.count(lambda t: t.wants_finding)

    @property
    def recall(self) -> float:
        return self.count(lambda t: t.wants_finding and t.finding_right) / self.due if self.due else 1.0

    def summary(self) -> str:
        claims, agreeing = self.count(lambda t: t.claimed), self.count(lambda t: t.agrees)
        right, found = self.count(lambda t: t.finding_right), self.count(lambda t: t.wants_finding and t.finding_right)
        kept = self.count(lambda t: t.keeps_default)
        return (
            f"per layer: {len(self.layers)} layers ({kept} keep the default at run time); "
            f"coverage {claims}/{len(self.layers)} = {self.coverage:.1%}, agreement {agreeing}/{claims} = "
            f"{self.agreement:.1%}; default-init findings {self.findings}: precision {right}/{self.findings} = "
            f"{self.precision:.1%}, recall {found}/{self.due} = {self.recall:.1%}"
        )

    def init_summary(self) -> str:
        """Init claims (default or explicit) against the weight once built: a claim of `default`
        where something re-drew it, or of `explicit` where the layer's own draw is what is left, is wrong."""
        claims, agreeing = self.count(lambda t: t.init_claimed), self.count(lambda t: t.init_agrees)
        return f"init claims {claims}/{len(self.layers)}, agreement {agreeing}/{claims} = {agreeing / max(claims, 1):.1%}"

    def wrong_inits(self) -> list[str]:
        return _grouped(
            (t for t in self.layers if t.init_claimed and not t.init_agrees),
            lambda t: f"{_row_text(t.row)} says {t.row.init}: at run time "
                      f"{'the default draw' if t.keeps_default else 'rewritten after construction'}",
        )

    def wrong_findings(self) -> list[str]:
        return _grouped(
            (t for t in self.layers if t.finding is not None and not t.finding_right),
            lambda t: (
                f"{_row_text(t.row)} {t.finding}: runtime {t.activation}, "
                f"{'keeps the default' if t.keeps_default else 'weight rewritten after construction'}"
            ),
        )

    def missed(self) -> list[str]:
        return _grouped(
            (t for t in self.layers if t.wants_finding and not t.finding_right),
            lambda t: f"{_chain_text(t.chain)}: runtime {t.activation} on the default init; static {_row_text(t.row)}",
        )


def _grouped(layers, describe: Callable[[TracedLayer], str]) -> list[str]:
    groups: dict[str, list[TracedLayer]] = {}
    for layer in layers:
        groups.setdefault(describe(layer), []).append(layer)
    return [f"{text} (x{len(group)}, e.g. {group[0].model}:{group[0].layer})" for text, group in groups.items()]


def _row_text(row: Optional[object]) -> str:
    if row is None:
        return "no row"
    where = ".".join(part for part in (row.class_name, row.name) if part) or row.layer_type
    return f"{row.path}:{row.line} {where} ({row.activation}, init {row.init})"


def _chain_text(chain: tuple) -> str:
    return " <- ".join(f"{path}:{line}" for path, line in chain[:3]) + (" <- ..." if len(chain) > 3 else "")


def compare_layers(table: dict, models: dict) -> LayerResult:
    """Each runtime layer once, against the static rows of `models` (static_rows(): any static side)."""
    from initlint.runtime.provenance import best_static_row

    rows = {rel: list(file_model.layers) for rel, file_model in models.items()}  # by the table's paths
    file_of = {id(row): models[rel] for rel, file_rows in rows.items() for row in file_rows}
    rules = default_init_rules()

    def finding(row: Optional[object]) -> Optional[str]:
        if row is None:
            return None
        return next((rule.code for rule in rules for _ in rule.check_layer(row, file_of[id(row)])), None)

    layers = []
    for model, entry in table["models"].items():
        for site in entry["sites"]:
            chain = tuple(tuple(frame) for frame in site["chain"])
            row = best_static_row(chain, lambda path: rows.get(path, []), site["layers"][0] if site["layers"] else None)
            code = finding(row)
            for name in site["layers"]:
                layers.append(
                    TracedLayer(model, name, chain, site["activation"], site["activation_param"],
                                keeps_default(site), row, code)  # fmt: skip
                )
    return LayerResult(layers)


def static_side_named(spec: str) -> StaticSide:
    """`per-file`, `program`, or `module:function` called as a StaticSide."""
    import importlib

    if spec in STATIC_SIDES:
        return STATIC_SIDES[spec]
    module, _, function = spec.partition(":")
    if not function:
        raise SystemExit(f"--static wants {' or '.join(STATIC_SIDES)} or MODULE:FUNCTION, not {spec!r}")
    return getattr(importlib.import_module(module), function)


def main() -> int:
    args = sys.argv[1:]
    static_side = per_file
    if args[:1] == ["--static"] and len(args) > 1:
        static_side, args = static_side_named(args[1]), args[2:]
    tables = [Path(arg) for arg in args] or list(TABLES)
    for path in tables:
        print(f"== {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
        status = compare_table(load_table(path), static_side)
        if status:
            return status
    return 0


def compare_table(table: dict, static_side: StaticSide = per_file) -> int:
    try:
        root = package_source(table)
    except CorpusUnavailable as error:
        print(f"cannot compare: {error}", file=sys.stderr)
        return 2
    models = static_rows(table, root, static_side)
    results = compare(table, root, models)
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
        f"per site: {sites} sites; coverage {covered}/{sites} = {covered / max(sites, 1):.1%}, "
        f"agreement {agreeing}/{claims} = {agreeing / max(claims, 1):.1%}"
    )
    per_layer = compare_layers(table, models)
    states: dict[str, int] = {}
    for entry in table["models"].values():
        for site in entry["sites"]:
            states[site["weights"]] = states.get(site["weights"], 0) + len(site["layers"])
    print("runtime weights once built: " + ", ".join(f"{state} {n}" for state, n in sorted(states.items())))
    for line in per_layer.wrong_findings():
        print(f"  wrong finding: {line}")
    for line in per_layer.missed():
        print(f"  missed: {line}")
    for line in per_layer.wrong_inits():
        print(f"  wrong init: {line}")
    print(per_layer.summary())
    print(per_layer.init_summary())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
