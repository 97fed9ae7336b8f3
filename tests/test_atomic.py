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


# --------------------------------------------------------------------------------------
# Where a rename cannot (or must not) replace the file: written in place, whole or not at all

from initlint import fixer  # noqa: E402

MODEL = "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(4, 4)\n\n    def forward(self, x):\n        return self.fc(x).relu()\n"
FIXED = MODEL.replace("nn.Linear(4, 4)\n", 'nn.Linear(4, 4)\n        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n')


def fix(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "initlint", "check", "--isolated", "--no-cache", "--fix", *map(str, paths)],
                          capture_output=True, text=True)  # fmt: skip


def no_temp_files(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".initlint-tmp")]


def test_a_hard_linked_file_stays_linked(tmp_path):
    (tmp_path / "a.py").write_text(MODEL)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    done = fix(tmp_path / "a.py")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "b.py").read_text() == FIXED and os.stat(tmp_path / "a.py").st_nlink == 2
    no_temp_files(tmp_path)


@pytest.mark.skipif(not hasattr(os, "setxattr"), reason="no extended attributes here")
def test_extended_attributes_are_kept(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(MODEL)
    try:
        os.setxattr(target, "user.initlint-test", b"kept")
    except OSError:
        pytest.skip("this file system has no user extended attributes")
    assert fix(target).returncode == 0
    assert target.read_text() == FIXED and os.getxattr(target, "user.initlint-test") == b"kept"


def test_a_240_character_file_name(tmp_path):
    target = tmp_path / ("m" * 237 + ".py")
    target.write_text(MODEL)
    done = fix(target)
    assert done.returncode == 0, done.stderr
    assert target.read_text() == FIXED
    no_temp_files(tmp_path)


@pytest.mark.skipif(sys.platform != "linux" or not shutil.which("unshare"), reason="mount namespaces")
def test_a_bind_mounted_file_is_fixed_in_place(tmp_path):
    (tmp_path / "source.py").write_text(MODEL)
    (tmp_path / "mounted.py").write_text("")
    script = f"mount --bind {tmp_path / 'source.py'} {tmp_path / 'mounted.py'} && {sys.executable} -m initlint check --isolated --no-cache --fix {tmp_path / 'mounted.py'}"
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True)
    if "mount" in done.stderr and done.returncode != 0 and "initlint" not in done.stderr:
        pytest.skip(f"no bind mounts here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "source.py").read_text() == FIXED
    no_temp_files(tmp_path)


def test_a_folder_where_no_file_can_be_created(tmp_path, monkeypatch):
    target = tmp_path / "a.py"
    target.write_text(MODEL)
    mode = os.stat(target).st_mode

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")  # root ignores a folder's mode bits: as a user sees it

    monkeypatch.setattr(fixer.tempfile, "mkstemp", refused)
    fixer.write_atomic(str(target), FIXED.encode(), MODEL.encode())
    assert target.read_text() == FIXED and os.stat(target).st_mode == mode


def test_an_in_place_write_cut_short_puts_the_original_back(tmp_path, monkeypatch):
    target = tmp_path / "a.py"
    target.write_text(MODEL)
    os.link(target, tmp_path / "b.py")
    real_pwrite = os.pwrite
    calls = []

    def half_then_full_disk(fd, data, offset):
        calls.append(len(data))
        if len(calls) == 1:
            real_pwrite(fd, data[: len(data) // 2], offset)
            raise OSError(28, "No space left on device")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(fixer.os, "pwrite", half_then_full_disk)
    with pytest.raises(fixer.WriteRefused, match="No space left on device; the original is kept"):
        fixer.write_atomic(str(target), FIXED.encode(), MODEL.encode())
    assert target.read_text() == MODEL and (tmp_path / "b.py").read_text() == MODEL
