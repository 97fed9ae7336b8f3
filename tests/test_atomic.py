"""Atomicity: SIGKILL `initlint check --fix` at random points over 200 files; afterwards every
file is byte-equal to its original or to its complete fixed version, never partial, and no
leftover temp file could pass for source (the fixer's end in .initlint-tmp, never .py).

The whole process group is killed (as the OOM killer or a CI timeout would), so worker
processes die with the parent and nothing writes after the check."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

FILES = 200
KILLS = 4  # per worker setting: two at a random time, two after a random number of writes
ACTIVATIONS = (("F.relu({})", "IL101"), ("torch.tanh({})", "IL103"), ("F.leaky_relu({}, 0.2)", "IL102"), ("{}", None))


def model_file(index: int, rng: random.Random) -> bytes:
    """A small model with 2-6 layers, a random mix of activations; CRLF, BOM and tabs in some."""
    indent = "\t" if index % 5 == 0 else "    "
    count = rng.randint(2, 6)
    lines = ["import torch", "import torch.nn as nn", "import torch.nn.functional as F", "", "", f"class Model{index}(nn.Module):"]
    lines += [f"{indent}def __init__(self):", f"{indent * 2}super().__init__()"]
    forward = [f"{indent}def forward(self, x):"]
    for layer in range(count):
        kind = rng.choice(("nn.Linear(8, 8)", "nn.Conv2d(8, 8, 3, padding=1)"))
        lines.append(f"{indent * 2}self.layer{layer} = {kind}")
        activation, _ = rng.choice(ACTIVATIONS)
        forward.append(f"{indent * 2}x = {activation.format(f'self.layer{layer}(x)')}")
    forward.append(f"{indent * 2}return x")
    text = "\n".join(lines + [""] + forward) + "\n"
    if index % 3 == 0:
        text = text.replace("\n", "\r\n")
    data = text.encode()
    return b"\xef\xbb\xbf" + data if index % 7 == 0 else data


def run_fix(folder: Path, jobs: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "initlint", "check", "--fix", "--no-cache", "--isolated", "-j", str(jobs), "-q", "."],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # orphaned workers are reaped by init, not by us
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError("processes of the killed run are still alive")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(originals, fixed versions, seconds a full run takes) for 200 generated files."""
    rng = random.Random(20260)
    root = tmp_path_factory.mktemp("atomic")
    originals = {f"pkg{i % 10}/model_{i:03}.py": model_file(i, rng) for i in range(FILES)}
    reference = root / "reference"
    write_tree(reference, originals)
    started = time.monotonic()
    done = run_fix(reference, jobs=1)
    _, err = done.communicate(timeout=600)
    duration = time.monotonic() - started
    assert done.returncode in (0, 1), err.decode()
    fixed = {name: (reference / name).read_bytes() for name in originals}
    changed = sum(fixed[n] != originals[n] for n in originals)
    assert changed > FILES // 2, "most generated files must have something to fix"
    return originals, fixed, duration, root


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def states_after_kill(folder: Path, originals: dict, fixed: dict) -> tuple[int, int]:
    """(files left original, files fixed); asserts nothing else is on disk."""
    left = fixed_count = 0
    for name in originals:
        data = (folder / name).read_bytes()
        if data == fixed[name] and data != originals[name]:
            fixed_count += 1
        elif data == originals[name]:
            left += 1
        else:
            raise AssertionError(f"{name} is neither the original nor the fixed version (a partial write)")
    strays = [p for p in folder.rglob("*") if p.is_file() and str(p.relative_to(folder)) not in originals]
    assert all(p.name.endswith(".initlint-tmp") for p in strays), [str(p) for p in strays]
    assert not [p for p in folder.rglob("*.py") if str(p.relative_to(folder)) not in originals]
    return left, fixed_count


def wait_for_progress(folder: Path, originals: dict, target: int, process: subprocess.Popen) -> None:
    """Return once `target` files differ from their originals (or the run ended)."""
    names = list(originals)
    while process.poll() is None:
        changed = sum((folder / n).read_bytes() != originals[n] for n in names)
        if changed >= target:
            return
        time.sleep(0.002)


@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_during_fix_leaves_every_file_whole(corpus, jobs):
    originals, fixed, duration, root = corpus
    to_fix = sum(fixed[n] != originals[n] for n in originals)
    rng = random.Random(jobs)
    outcomes = []
    for run in range(KILLS):
        folder = root / f"kill-{jobs}-{run}"
        write_tree(folder, originals)
        process = run_fix(folder, jobs)
        if run % 2:
            # After a random number of files were written: lands among the writes.
            wait_for_progress(folder, originals, rng.randint(1, to_fix - 1), process)
        else:
            time.sleep(rng.uniform(0.1, 1.0) * duration)  # anywhere, start-up included
        if process.poll() is not None:  # it finished (or failed) before the kill
            assert process.returncode in (0, 1), process.stderr.read().decode()
        kill_group(process)
        outcomes.append(states_after_kill(folder, originals, fixed))
    # At least one kill must have landed among the writes (some files fixed, some not yet),
    # or the test proved nothing about atomicity.
    assert any(0 < done < to_fix for _, done in outcomes), (outcomes, duration)
    # And a new run finishes the job from whatever state the kill left.
    folder = root / f"kill-{jobs}-{KILLS - 1}"
    finished = run_fix(folder, jobs)
    _, err = finished.communicate(timeout=600)
    assert finished.returncode in (0, 1), err.decode()
    assert {name: (folder / name).read_bytes() for name in originals} == fixed
