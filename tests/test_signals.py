"""How a run ends when it is told to: SIGINT and SIGTERM exit 130 and 143 and leave no temp
file and no half-written fix; SIGKILL of initlint leaves no worker behind; a worker that dies
takes no other file down with it. Real processes, real signals (Linux: /proc)."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from initlint import api

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


def heavy_model(n: int, classes: int = 12, layers: int = 50) -> str:
    """A file that takes the analysis about half a second: long enough to be caught mid-run."""
    lines = ["import torch", "import torch.nn as nn", "", ""]
    for c in range(classes):
        lines.append(f"class Net{n}_{c}(nn.Module):\n    def __init__(self):\n        super().__init__()")
        lines += [f"        self.fc{i} = nn.Linear(8, 8)" for i in range(layers)]
        lines.append("\n    def forward(self, x):")
        lines += [f"        x = torch.relu(self.fc{i}(x))" for i in range(layers)]
        lines.append("        return x\n\n")
    return "\n".join(lines)


@pytest.fixture
def heavy(tmp_path) -> Path:
    root = tmp_path / "heavy"
    root.mkdir()
    for n in range(16):
        (root / f"m{n:02d}.py").write_text(heavy_model(n))
    return root


def children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _as_from_a_terminal() -> None:
    """Ctrl-C as a shell's foreground job gets it: a suite started in the background (`pytest &`)
    ignores SIGINT, and a child inherits that, so the run would never see the signal it is sent."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(root: Path, *args: str) -> tuple[subprocess.Popen, set[int]]:
    """initlint with two workers, once both are busy with files."""
    process = subprocess.Popen([sys.executable, "-m", "initlint", "check", "--no-cache", "-j", "2", *args, "."], cwd=root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=_as_from_a_terminal)  # fmt: skip
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        assert process.poll() is None, process.communicate()
        workers = children(process.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the workers never started"
    time.sleep(1.5)  # inside the analysis (and, with --fix, the writing) of the first files
    assert process.poll() is None, "the run was too short to be interrupted"
    return process, workers


def all_gone(pids: set[int], within: float = 10) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def end(pids: set[int]) -> None:
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def whole_or_untouched(root: Path, originals: dict[str, str]) -> None:
    assert not [p.name for p in root.iterdir() if p.name.endswith(".initlint-tmp") or p.name.startswith(".")]
    for name, text in originals.items():
        now = (root / name).read_text()
        ast.parse(now)
        assert now == text or "kaiming_uniform_" in now


def test_sigkill_of_initlint_ends_its_workers(heavy):
    process, workers = start(heavy)
    try:
        process.kill()
        process.wait()
        assert all_gone(workers), "workers outlived the run they worked for"
    finally:
        end(workers)


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_stop_the_run_cleanly(heavy, signum, code):
    originals = {p.name: p.read_text() for p in heavy.iterdir()}
    process, workers = start(heavy, "--fix")
    try:
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)  # what Ctrl-C does: the whole process group
        else:
            os.kill(process.pid, signum)
        out, err = process.communicate(timeout=30)
        assert process.returncode == code, err
        assert b"Traceback" not in err and err.decode().strip() == "initlint: interrupted", err
        assert all_gone(workers, within=5)
        whole_or_untouched(heavy, originals)
    finally:
        end(workers)


def test_a_worker_killed_takes_no_other_file_down(tmp_path, monkeypatch):
    root = tmp_path / "p"
    root.mkdir()
    for n in range(12):
        (root / f"m{n:02d}.py").write_text(heavy_model(n, classes=1, layers=5))
    (root / "killer.py").write_text(heavy_model(99, classes=1, layers=5))
    parent, analyse = os.getpid(), api.analyse_source

    def killed_on_killer(source, loader=None):
        if os.getpid() != parent and source.path.endswith("killer.py"):
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer would
        return analyse(source, loader)

    monkeypatch.setattr(api, "analyse_source", killed_on_killer)
    results = list(api.check(api.Run(paths=[str(root)], isolated=True, use_cache=False, jobs=2)))
    errors = {Path(r.path).name: r.error.message for r in results if r.error}
    assert errors == {"killer.py": "the worker process checking it died (out of memory?)"}
    assert all(len(r.findings) == 5 for r in results if not r.error)


def test_an_orphaned_worker_ends_even_where_its_sigterm_is_swallowed():
    """concurrent.futures catches BaseException around a task and around sending its result, so
    the SIGTERM that should stop a worker whose parent died can be swallowed there (seen under
    load: workers outlived a SIGKILLed run); the parent watch then ends the worker itself."""
    from initlint import api

    worker = (
        "import os, signal, threading, time\n"
        "from initlint import api\n"
        "signal.signal(signal.SIGTERM, lambda *args: None)  # swallowed, as around a task\n"
        "threading.Thread(target=api._watch_parent, args=(os.getppid(),), daemon=True).start()\n"
        "print(os.getpid(), flush=True)\n"
        "while True:\n    time.sleep(0.1)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.Popen([sys.executable, '-c', sys.argv[1]]).wait()", worker],
        stdout=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    pid = int(parent.stdout.readline())
    try:
        parent.kill()
        parent.wait()
        assert all_gone({pid}, within=api.ORPHAN_GRACE + 5), "an orphaned worker lived on"
    finally:
        end({pid})
