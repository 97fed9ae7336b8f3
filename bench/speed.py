#!/usr/bin/env python3
"""initlint's speed at repository scale, as ratios taken in one run (issue 6).

    .venv/bin/python bench/speed.py                 # floor, cold, warm, one file, scaling
    .venv/bin/python bench/speed.py --torchfix      # also TorchFix (about ten minutes)
    .venv/bin/python bench/speed.py --notebook-only # only the large-notebook rows

The corpus is real model code, pinned: timm==1.0.31 (timm/models/**, timm/layers/**) and
transformers==5.23.0 (transformers/models/**/modeling_*.py), fetched with
`pip download --no-deps` into bench/.corpus/ and unzipped there; nothing of it is imported.

Every figure is a separate process, timed from outside: wall clock, CPU time of the whole
process tree (user + system, from RUSAGE_CHILDREN: on a machine shared with other work the
CPU ratios are the steadier ones), and memory as the peak over time of the summed RSS of the
process tree (/proc polled every 50 ms; pages that forked workers share are counted once per
process, so this is an upper bound).
- floor: one process running `libcst.parse_module` over every file (what any LibCST tool pays
  to parse everything once, on one core).
- initlint cold: `initlint check` with an empty cache folder.
- initlint warm: the same again, nothing changed.
- one file: one changed file named on the command line, as pre-commit runs it, against
  `python -c "import libcst"` (best of --repeat runs for both).
- TorchFix: `torchfix` from its own venv (bench/.venv-torchfix/) over the same folders.
- notebook: `initlint check` (and `--diff`) on a notebook of about 10k lines of model code, a
  class per cell between markdown cells, against the same code as one .py file.
The scaling table times `initlint.api.findings_of` (analysis + rules, in process) on a synthetic
file of model classes at 1x/5x/20x (about 1k/5k/20k lines; 100k lines would be over the 1 MB of code
initlint refuses to parse in one file).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "bench" / ".corpus"
PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"
TORCHFIX_VENV = REPO / "bench" / ".venv-torchfix"
TORCHFIX_VERSION = "0.7.0"

# (distribution, version, does this member of the wheel belong to the corpus)
PACKAGES: list[tuple[str, str, Callable[[str], bool]]] = [
    ("timm", "1.0.31", lambda name: name.startswith(("timm/models/", "timm/layers/")) and name.endswith(".py")),
    (
        "transformers",
        "5.23.0",
        lambda name: name.startswith("transformers/models/")
        and name.rsplit("/", 1)[-1].startswith("modeling_")
        and name.endswith(".py"),
    ),
]

# Targets of issue 6, as ratios of figures taken in the same run.
COLD_VS_FLOOR_MAX = 0.6
WARM_SPEEDUP_MIN = 50.0  # issue 15 (issue 6 asked 20x)
ONE_FILE_MAX_SECONDS = 0.35
ONE_FILE_VS_IMPORT_MAX = 1.3
ONE_FILE_VS_PARSE_MAX = 1.2  # issue 15: against `import libcst` + parse_module of that file
TORCHFIX_SLOWDOWN_MIN = 10.0
PEAK_RSS_MAX_MB = 500.0
SCALING_SPREAD_MAX = 1.5
# A notebook costs its JSON, nbformat's validation and the cell map on top of the analysis.
NOTEBOOK_LINES = 10_000
NOTEBOOK_VS_PY_MAX = 1.3


# --------------------------------------------------------------------------------------
# Corpus


def corpus_root() -> Path:
    """bench/.corpus/speed/, holding <package>/... for every pinned package (unzipped once)."""
    root = CORPUS / "speed"
    for name, version, wanted in PACKAGES:
        done = root / f".{name}-{version}.done"
        if done.exists():
            continue
        wheel = _wheel(name, version)
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.namelist() if wanted(m)]
            shutil.rmtree(root / name, ignore_errors=True)
            archive.extractall(root, members)
        done.write_text(f"{len(members)} files\n")
    return root


def _wheel(name: str, version: str) -> Path:
    found = sorted(CORPUS.glob(f"{name}-{version}-*.whl"))
    if not found:
        CORPUS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--dest", str(CORPUS), f"{name}=={version}"],
            check=True,
        )  # fmt: skip
        found = sorted(CORPUS.glob(f"{name}-{version}-*.whl"))
    return found[0]


def corpus_folders(root: Path) -> list[Path]:
    return [root / "timm" / "models", root / "timm" / "layers", root / "transformers" / "models"]


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for folder in corpus_folders(root) for p in folder.rglob("*.py"))


# --------------------------------------------------------------------------------------
# Measuring a process


@dataclass
class Measure:
    seconds: float  # wall
    cpu_seconds: float  # user + system of the whole process tree (RUSAGE_CHILDREN)
    peak_rss_mb: float
    returncode: int


class TreeRss:
    """Summed RSS of a process and its descendants, from /proc (Linux)."""

    PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

    def __init__(self, root_pid: int):
        self.root = root_pid
        self.parent_of: dict[int, int] = {}  # every pid seen, read once

    def _ppid(self, pid: int) -> int:
        if pid not in self.parent_of:
            try:
                with open(f"/proc/{pid}/stat", "rb") as handle:
                    stat = handle.read()
                # the command name may hold spaces and parentheses: fields resume after the last ')'
                self.parent_of[pid] = int(stat[stat.rindex(b")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                return 0
        return self.parent_of[pid]

    def in_tree(self, pid: int) -> bool:
        for _ in range(64):
            if pid == self.root:
                return True
            if pid <= 1:
                return False
            pid = self._ppid(pid)
        return False

    def kb(self) -> int:
        total = 0
        for entry in os.listdir("/proc"):
            if entry.isdigit() and self.in_tree(int(entry)):
                try:
                    with open(f"/proc/{entry}/statm", "rb") as handle:
                        total += int(handle.read().split()[1]) * self.PAGE_KB
                except (OSError, ValueError, IndexError):
                    pass
        return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# Every run imports initlint as an installed copy would: from byte-code compiled once
# (pip and pre-commit compile at install time; libcst's own .pyc files are already there).
# Where PYTHONDONTWRITEBYTECODE is set, an editable checkout would compile its 7,000 lines
# on every run instead, about 0.1 s that no user pays.
RUN_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def compile_initlint() -> None:
    subprocess.run([str(PROJECT_PYTHON), "-m", "compileall", "-q", str(REPO / "initlint")], check=True, env=RUN_ENV)


def run_measured(argv: list[str], cwd: Path = REPO, env: Optional[dict] = None, poll: bool = True) -> Measure:
    """Wall time, CPU time and peak tree RSS of one command, its output discarded."""
    env = RUN_ENV if env is None else env
    cpu_before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]
    stop = threading.Event()
    tree = TreeRss(process.pid)

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], tree.kb())
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    if poll:
        sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    if poll:
        sampler.join()
    # initlint: 1 = findings (the corpus has some), 2 = some files could not be checked:
    # still a timing, but say so, since those files may have cost less than the others.
    if process.returncode == 2 and b": error: " in stderr:
        errors = stderr.count(b": error: ")
        print(f"    ({errors} file(s) reported an error, e.g. {stderr.splitlines()[0].decode(errors='replace')[-160:]})")
    elif process.returncode not in (0, 1):
        sys.stderr.write(stderr.decode(errors="replace")[-2000:])
        raise SystemExit(f"{argv[:3]}... exited {process.returncode}")
    return Measure(seconds, _children_cpu() - cpu_before, peak[0] / 1024, process.returncode)


def best_of(repeat: int, argv: list[str], before: Optional[Callable[[], None]] = None, **kwargs) -> Measure:
    runs = []
    for _ in range(repeat):
        if before:
            before()
        runs.append(run_measured(argv, **kwargs))
    return min(runs, key=lambda m: m.seconds)


# --------------------------------------------------------------------------------------
# The figures

FLOOR_SCRIPT = """
import sys, libcst
for path in open(sys.argv[1]).read().splitlines():
    with open(path, 'rb') as handle:
        libcst.parse_module(handle.read())
"""


def initlint_argv(paths: list[str], cache_dir: Path, jobs: Optional[int]) -> list[str]:
    argv = [str(PROJECT_PYTHON), "-m", "initlint", "check", "--isolated", "--exit-zero", "-q",
            "--cache-dir", str(cache_dir)]  # fmt: skip
    if jobs:
        argv += ["--jobs", str(jobs)]
    return argv + paths


def ensure_torchfix() -> Path:
    binary = TORCHFIX_VENV / "bin" / "torchfix"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TORCHFIX_VENV)], check=True)
        subprocess.run([str(TORCHFIX_VENV / "bin" / "pip"), "install", "-q", f"torchfix=={TORCHFIX_VERSION}"], check=True)
    return binary


def pick_changed_file(files: list[Path]) -> Path:
    """A typical file pre-commit would hand over: the median-sized file that mentions a layer."""
    candidates = [p for p in files if b"nn.Conv" in p.read_bytes() or b"nn.Linear" in p.read_bytes()]
    candidates.sort(key=lambda p: p.stat().st_size)
    return candidates[len(candidates) // 2]


# --------------------------------------------------------------------------------------
# Scaling: a synthetic file of model classes


MODEL_CLASS = '''

class Block{n}(nn.Module):
    """A residual block with a gated head, number {n}."""

    def __init__(self, channels: int = 64, hidden: int = 256):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.act = nn.ReLU(inplace=True)
        self.stem = nn.Sequential(
            nn.Conv2d(channels, channels, 1),
            nn.GELU(),
            nn.Conv2d(channels, channels, 1),
        )
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)
        self.gate = nn.Linear(channels, channels)
        self.dropout = nn.Dropout(0.1)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_normal_(self.conv1.weight, nonlinearity="relu")
        nn.init.zeros_(self.gate.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = self.stem(out)
        pooled = out.mean(dim=(2, 3))
        hidden = F.silu(self.fc1(pooled))
        hidden = self.dropout(hidden)
        scale = torch.sigmoid(self.gate(self.fc2(hidden)))
        out = out * scale[:, :, None, None]
        return self.act(out + identity)
'''


def synthetic_source(target_lines: int) -> str:
    head = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
    per_class = MODEL_CLASS.count("\n")
    count = max(1, round((target_lines - 3) / per_class))
    return head + "".join(MODEL_CLASS.format(n=n) for n in range(count))


SCALING_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from initlint import api, sources
from initlint.config import Config
settings = api.Settings(codes=Config().rule_codes())
api.findings_of(sources.from_bytes("warm-up.py", sys.argv[3].encode()), settings)  # imports, first-call costs
for path in sys.argv[4:]:
    source = sources.read(path)
    repeat = int(sys.argv[2]) if source.text.count(chr(10)) < 50000 else 1
    best = float('inf')
    for _ in range(repeat):
        start = time.process_time()
        findings, error = api.findings_of(source, settings)
        best = min(best, time.process_time() - start)
    assert error is None, error
    print(path, source.text.count(chr(10)), best, len(findings), flush=True)
"""


SCALES = (("1x", 1_000), ("5x", 5_000), ("20x", 20_000))  # the largest stays under api.MAX_PARSED_CODE


def scaling_rows(folder: Path, repeat: int) -> list[tuple[str, int, float, int]]:
    paths = []
    for scale, lines in SCALES:
        path = folder / f"synthetic_{scale}.py"
        path.write_text(synthetic_source(lines), encoding="utf-8")
        paths.append(str(path))
    out = subprocess.run(
        [str(PROJECT_PYTHON), "-c", SCALING_SCRIPT, str(REPO), str(repeat), synthetic_source(100), *paths],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    rows = []
    for line, (scale, _) in zip(out.splitlines(), SCALES):
        _, lines, seconds, findings = line.split()
        rows.append((scale, int(lines), float(seconds), int(findings)))
    return rows


# --------------------------------------------------------------------------------------
# A large notebook against the same code as a .py file


def notebook_pair(folder: Path, target_lines: int) -> tuple[Path, Path]:
    """A notebook of `target_lines` lines of model code, one class per code cell, each after
    a markdown cell and starting with a line magic (what real notebooks hold), with outputs;
    and a .py file of the same code (the magic lines as `pass`, as the concatenation reads)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    head = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F"
    per_class = MODEL_CLASS.count("\n")
    count = max(1, round((target_lines - 3) / per_class))
    cells = [new_code_cell(head, execution_count=1)]
    for n in range(count):
        cells.append(new_markdown_cell(f"## Block {n}\n\nA residual block with a gated head."))
        body = MODEL_CLASS.format(n=n).strip("\n")
        output = new_output("stream", name="stdout", text=f"CPU times: user {n} ms\n")
        cells.append(new_code_cell(f"%%time\n{body}", execution_count=n + 2, outputs=[output]))
    notebook = new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})
    # each in a folder of its own: a file named alone is judged with the files around it
    (folder / "notebook").mkdir(exist_ok=True)
    (folder / "python").mkdir(exist_ok=True)
    nb_path, py_path = folder / "notebook" / "large.ipynb", folder / "python" / "large_as_py.py"
    nbformat.write(notebook, str(nb_path))
    code = [head] + [f"pass\n{MODEL_CLASS.format(n=n).strip(chr(10))}" for n in range(count)]
    py_path.write_text("\n".join(code) + "\n", encoding="utf-8")
    return nb_path, py_path


def notebook_rows(work: Path, repeat: int) -> list[tuple[str, int, Measure]]:
    """`initlint check` and `check --diff` of the large notebook and of its .py twin, best of `repeat`."""
    nb_path, py_path = notebook_pair(work, NOTEBOOK_LINES)
    lines = py_path.read_text(encoding="utf-8").count("\n")
    rows = []
    for label, path, extra in (("notebook", nb_path, []), ("the same code as .py", py_path, []),
                               ("notebook --diff", nb_path, ["--diff"]), ("the same code as .py --diff", py_path, ["--diff"])):  # fmt: skip
        argv = [str(PROJECT_PYTHON), "-m", "initlint", "check", "--isolated", "--exit-zero", "-q", "--no-cache", *extra, str(path)]
        rows.append((f"{label}: check {path.name}", lines, best_of(repeat, argv, cwd=work)))
    return rows


def print_notebook_targets(measure: Callable[[str], Measure]) -> None:
    for what, notebook, as_py in (
        ("notebook", measure("notebook: "), measure("the same code as .py: ")),
        ("notebook --diff", measure("notebook --diff"), measure("the same code as .py --diff")),
    ):
        ratio = notebook.seconds / as_py.seconds
        print(f"| {what} <= {NOTEBOOK_VS_PY_MAX}x the same code as .py | {ratio:.2f}x | "
              f"{notebook.cpu_seconds / as_py.cpu_seconds:.2f}x | {verdict(ratio <= NOTEBOOK_VS_PY_MAX)} |")  # fmt: skip


# --------------------------------------------------------------------------------------
# Report


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, no GPU, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, libcst {libcst_version()}"
    )


def libcst_version() -> str:
    from importlib.metadata import version

    return version("libcst")


def verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torchfix", action="store_true", help="also time TorchFix over the whole corpus (about ten minutes)")
    parser.add_argument(
        "--torchfix-sample", type=int, metavar="K", default=0,
        help="time TorchFix, and initlint cold beside it, on every K-th file only (a busy machine)",
    )  # fmt: skip
    parser.add_argument("--jobs", type=int, default=None, help="initlint --jobs (default: one per core)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the short figures; the best is kept")
    parser.add_argument("--no-scaling", action="store_true", help="skip the synthetic scaling table")
    parser.add_argument("--notebook-only", action="store_true", help="only the large-notebook rows (no corpus needed)")
    args = parser.parse_args()
    if args.notebook_only:
        return notebook_main(args.repeat)

    root = corpus_root()
    files = corpus_files(root)
    folders = [str(f) for f in corpus_folders(root)]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"machine: {machine()}")
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"corpus: {len(files)} files, {lines:,} lines (timm 1.0.31 models+layers, transformers 5.23.0 modeling_*.py)")
    print(flush=True)

    compile_initlint()
    work = Path(tempfile.mkdtemp(prefix="initlint-speed-"))
    rows: dict[str, tuple[int, int, Measure]] = {}  # name -> (files, lines, measure)
    try:
        listing = work / "files.txt"
        listing.write_text("\n".join(str(p) for p in files))
        corpus = (len(files), lines)

        def record(name: str, counted: tuple[int, int], measure: Measure) -> None:
            rows[name] = (*counted, measure)
            print(f"  {name}: {measure.seconds:.3f} s wall, {measure.cpu_seconds:.2f} s CPU, {measure.peak_rss_mb:.0f} MB", flush=True)

        record("floor: libcst.parse_module loop", corpus, run_measured([str(PROJECT_PYTHON), "-c", FLOOR_SCRIPT, str(listing)]))
        cache = work / "cache"
        record("initlint cold", corpus, run_measured(initlint_argv(folders, cache, args.jobs)))
        record("initlint warm", corpus, best_of(args.repeat, initlint_argv(folders, cache, args.jobs)))

        # One changed file as pre-commit runs it: a copy in a scratch checkout, edited
        # before each run so that it always misses the (otherwise warm) cache.
        changed = work / "checkout" / "model.py"
        changed.parent.mkdir()
        original = pick_changed_file(files)
        text = original.read_text(encoding="utf-8")
        edits = iter(range(10**6))

        def edit() -> None:
            changed.write_text(text + f"\n# edit {next(edits)}\n", encoding="utf-8")

        one = best_of(args.repeat, initlint_argv([str(changed)], cache, None), before=edit, cwd=changed.parent)
        record(f"one changed file ({original.relative_to(root)})", (1, text.count("\n")), one)
        record("python -c 'import libcst'", (0, 0), best_of(args.repeat, [str(PROJECT_PYTHON), "-c", "import libcst"]))
        # What any LibCST tool pays for that file: the import and one parse of it.
        parse_one = f"import libcst; libcst.parse_module(open({str(changed)!r}, 'rb').read())"
        record("python -c 'import libcst; parse_module(that file)'", (1, text.count("\n")),
               best_of(args.repeat, [str(PROJECT_PYTHON), "-c", parse_one]))  # fmt: skip

        torchfix_pair = None
        if args.torchfix or args.torchfix_sample:
            binary = ensure_torchfix()
            if args.torchfix:
                record("TorchFix", corpus, run_measured([str(binary), *folders]))
                torchfix_pair = ("TorchFix", "initlint cold")
            else:
                sample = files[:: args.torchfix_sample]
                counted = (len(sample), sum(p.read_bytes().count(b"\n") for p in sample))
                paths = [str(p) for p in sample]
                record(f"initlint cold, every {args.torchfix_sample}th file", counted, run_measured(initlint_argv(paths, work / "cache2", args.jobs)))
                record(f"TorchFix, every {args.torchfix_sample}th file", counted, run_measured([str(binary), *paths]))
                torchfix_pair = (f"TorchFix, every {args.torchfix_sample}th file", f"initlint cold, every {args.torchfix_sample}th file")

        scaling = [] if args.no_scaling else scaling_rows(work, args.repeat)

        for name, n_lines, measured in notebook_rows(work, args.repeat):
            record(name, (1, n_lines), measured)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    print("| run | files | lines | wall s | CPU s | files/s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (n, n_lines, m) in rows.items():
        rate = f"{n / m.seconds:,.0f}" if n else "-"
        print(f"| {name} | {n} | {n_lines:,} | {m.seconds:.3f} | {m.cpu_seconds:.2f} | {rate} | {m.peak_rss_mb:.0f} |")

    def measure(prefix: str) -> Measure:
        return next(m for name, (_, _, m) in rows.items() if name.startswith(prefix))

    floor, cold, warm = measure("floor"), measure("initlint cold"), measure("initlint warm")
    one, imp = measure("one changed file"), measure("python -c 'import libcst'")
    one_floor = measure("python -c 'import libcst; parse_module")
    peak = max(m.peak_rss_mb for name, (_, _, m) in rows.items() if name.startswith(("initlint", "one")))
    print()
    print("| target | wall | CPU | met (wall) |")
    print("|---|---:|---:|:-:|")
    print(f"| cold <= {COLD_VS_FLOOR_MAX}x floor | {cold.seconds / floor.seconds:.2f}x | {cold.cpu_seconds / floor.cpu_seconds:.2f}x | "
          f"{verdict(cold.seconds / floor.seconds <= COLD_VS_FLOOR_MAX)} |")  # fmt: skip
    print(f"| warm >= {WARM_SPEEDUP_MIN:.0f}x faster than cold | {cold.seconds / warm.seconds:.1f}x | "
          f"{cold.cpu_seconds / warm.cpu_seconds:.1f}x | {verdict(cold.seconds / warm.seconds >= WARM_SPEEDUP_MIN)} |")  # fmt: skip
    print(f"| one file < {ONE_FILE_MAX_SECONDS} s | {one.seconds:.3f} s | {one.cpu_seconds:.3f} s | {verdict(one.seconds < ONE_FILE_MAX_SECONDS)} |")
    print(f"| one file <= {ONE_FILE_VS_IMPORT_MAX}x `import libcst` | {one.seconds / imp.seconds:.2f}x | "
          f"{one.cpu_seconds / imp.cpu_seconds:.2f}x | {verdict(one.seconds / imp.seconds <= ONE_FILE_VS_IMPORT_MAX)} |")  # fmt: skip
    print(f"| one file <= {ONE_FILE_VS_PARSE_MAX}x import libcst + parse_module of it | {one.seconds / one_floor.seconds:.2f}x | "
          f"{one.cpu_seconds / one_floor.cpu_seconds:.2f}x | {verdict(one.seconds / one_floor.seconds <= ONE_FILE_VS_PARSE_MAX)} |")  # fmt: skip
    if torchfix_pair:
        tf, ours = rows[torchfix_pair[0]][2], rows[torchfix_pair[1]][2]
        print(f"| TorchFix >= {TORCHFIX_SLOWDOWN_MIN:.0f}x slower than cold | {tf.seconds / ours.seconds:.1f}x | "
              f"{tf.cpu_seconds / ours.cpu_seconds:.1f}x | {verdict(tf.seconds / ours.seconds >= TORCHFIX_SLOWDOWN_MIN)} |")  # fmt: skip
    print(f"| peak RSS (initlint runs) < {PEAK_RSS_MAX_MB:.0f} MB | {peak:.0f} MB | | {verdict(peak < PEAK_RSS_MAX_MB)} |")

    print_notebook_targets(measure)

    if scaling:
        per_line = [seconds / n_lines * 1e6 for _, n_lines, seconds, _ in scaling]
        spread = max(per_line) / min(per_line)
        print()
        print("| synthetic file | lines | analysis CPU s | us/line | findings |")
        print("|---|---:|---:|---:|---:|")
        for (scale, n_lines, seconds, findings), us in zip(scaling, per_line):
            print(f"| {scale} | {n_lines:,} | {seconds:.3f} | {us:.1f} | {findings} |")
        print(f"\ntime per line, max/min: {spread:.2f} (target <= {SCALING_SPREAD_MAX}): {verdict(spread <= SCALING_SPREAD_MAX)}")
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def notebook_main(repeat: int) -> int:
    print(f"machine: {machine()}")
    print(f"load average before the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    compile_initlint()
    work = Path(tempfile.mkdtemp(prefix="initlint-speed-"))
    try:
        rows = notebook_rows(work, repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| run | lines | wall s | CPU s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|")
    for name, n_lines, m in rows:
        print(f"| {name} | {n_lines:,} | {m.seconds:.3f} | {m.cpu_seconds:.2f} | {m.peak_rss_mb:.0f} |")
    print()
    print("| target | wall | CPU | met (wall) |")
    print("|---|---:|---:|:-:|")
    print_notebook_targets(lambda prefix: next(m for name, _, m in rows if name.startswith(prefix)))
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
