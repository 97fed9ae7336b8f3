"""api.py at repository scale: the prefilter is sound, the cache is correct, workers change
nothing but the speed, and the progress bar stays out of logs. No timings here: bench/speed.py
is the judge of speed."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from initlint import api, catalogue, sources
from initlint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parent.parent
RULE_BOOK_FILES = sorted(p for p in (ROOT / "rules").glob("IL*/*.py") if not p.name.endswith(".fixed.py"))
SPEED_CORPUS = ROOT / "bench" / ".corpus" / "speed"  # bench/speed.py unpacks it; absent in CI
ALL_CODES = [rule.code for rule in ALL_RULES]

LAYER_MODEL = """\
import torch
import torch.nn as nn


class Block{n}(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return torch.tanh(self.fc(x.mean((2, 3)))) * 2
"""
NO_LAYER = "import torch\n\n\ndef scale{n}(x):\n    return torch.relu(x) * {n}\n"


def full_analysis(text: str, path: str = "m.py") -> list:
    """Every rule, no prefilter, no cache: what the file would give if it were parsed."""
    findings, error = api.findings_of(sources.from_bytes(path, text.encode()), api.Settings(codes=ALL_CODES))
    assert error is None, error
    return findings


def outcome(results) -> list:
    """What a user sees of a run, paths included, in order."""
    return [
        (r.path, [f.as_json() for f in r.findings], [f.as_json() for f in r.fixed], r.error and vars(r.error), r.rows)
        for r in results
    ]


def check(paths, **options) -> list:
    return list(api.check(api.Run(paths=[str(p) for p in paths], isolated=True, **options)))


# --------------------------------------------------------------------------------------
# Prefilter


# The words the prefilter looks for, each with a spelling that keeps the code's shape.
MASKED = {"Linear": "Lnear", "Conv": "Cnv", "calculate_gain": "calculate_gan", "kaiming": "kaimng", "nonlinearity": "nonlinerity",
          "noqa": "nqa"}  # fmt: skip  (noqa: what IL900, when selected, needs the prefilter to let through)


def masked(text: str) -> str:
    for word, other in MASKED.items():
        text = text.replace(word, other)
    return text


def test_every_layer_class_and_gain_call_passes_the_prefilter():
    for name in [*catalogue.LAYER_TYPES, "calculate_gain", "kaiming_uniform_", "kaiming_normal_"]:
        assert api.PREFILTER.search(name.encode()), name


@pytest.mark.parametrize("path", RULE_BOOK_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_rule_book_examples_without_the_prefilter_words_are_skipped_and_give_nothing(path):
    text = masked(path.read_text(encoding="utf-8"))
    assert not api.NOQA_PREFILTER.search(text.encode())  # the wider of the two prefilters
    assert full_analysis(text, path.name) == []


def test_a_file_with_only_a_noqa_passes_the_prefilter_when_il900_is_on(tmp_path):
    path = tmp_path / "util.py"
    path.write_text("import torch\n\nscale = 2.0  # noqa: IL101\n")
    assert [f.code for r in check([path], use_cache=False) for f in r.findings] == []
    assert [f.code for r in check([path], use_cache=False, extend_select=["IL900"]) for f in r.findings] == ["IL900"]


def test_the_rule_book_exercises_the_prefilter_words():
    # the masking above proves something only if the unmasked files do have findings
    flagged = [p for p in RULE_BOOK_FILES if p.name.startswith("flagged_")]
    assert flagged and all(full_analysis(p.read_text(encoding="utf-8"), p.name) for p in flagged[:12])


def test_positional_nonlinearity_of_a_kaiming_call_is_not_prefiltered(tmp_path):
    # no Linear/Conv/calculate_gain/nonlinearity in the text, yet IL204 has something to say
    path = tmp_path / "init.py"
    path.write_text('import torch\n\n\ndef init(w):\n    torch.nn.init.kaiming_uniform_(w, 0, "fan_in", "swish")\n')
    assert [f.code for f in full_analysis(path.read_text())] == ["IL204"]
    assert [f.code for r in check([path], use_cache=False) for f in r.findings] == ["IL204"]


@pytest.mark.skipif(not SPEED_CORPUS.is_dir(), reason="bench/speed.py has not unpacked its corpus here")
def test_corpus_files_the_prefilter_skips_give_no_finding():
    skipped = [p for p in sorted(SPEED_CORPUS.rglob("*.py")) if not api.PREFILTER.search(p.read_bytes())]
    assert len(skipped) > 10
    for path in skipped:
        assert full_analysis(path.read_text(encoding="utf-8"), str(path)) == [], path


def test_a_prefiltered_file_must_still_be_readable(tmp_path):
    (tmp_path / "bad.py").write_bytes(b"x = 1\n\xff\n")
    [result] = check([tmp_path], use_cache=False)
    assert result.error is not None and "not valid utf-8" in result.error.message


# --------------------------------------------------------------------------------------
# Cache


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def by_path(results) -> dict:
    return {Path(r.path).name: r for r in results}


def test_warm_run_answers_from_the_cache_and_says_the_same(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1), "b.py": LAYER_MODEL.format(n=2)})
    cache = tmp_path / "cache"
    cold = check([root], cache_dir=str(cache))
    warm = check([root], cache_dir=str(cache))
    assert not any(r.cached for r in cold) and all(r.cached for r in warm)
    assert outcome(warm) == outcome(cold) and sum(len(r.findings) for r in warm) == 4


def test_a_changed_file_is_analysed_again(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1), "b.py": LAYER_MODEL.format(n=2)})
    cache = tmp_path / "cache"
    check([root], cache_dir=str(cache))
    (root / "a.py").write_text(LAYER_MODEL.format(n=1).replace("torch.tanh(", "("))  # fc now followed by nothing
    results = by_path(check([root], cache_dir=str(cache)))
    assert not results["a.py"].cached and results["b.py"].cached
    assert [f.code for f in results["a.py"].findings] == ["IL101"]
    assert outcome([results["a.py"]]) == outcome(check([root / "a.py"], use_cache=False))


def test_another_rule_selection_or_config_misses(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = str(tmp_path / "cache")
    check([root], cache_dir=cache)
    [ignored] = check([root], cache_dir=cache, ignore=["IL103"])
    assert not ignored.cached and [f.code for f in ignored.findings] == ["IL101"]
    [again] = check([root], cache_dir=cache, ignore=["IL103"])
    assert again.cached and [f.code for f in again.findings] == ["IL101"]
    # a config file that changes the fixes (fix-distribution) changes the key
    (root / "pyproject.toml").write_text('[tool.initlint]\nfix-distribution = "normal"\n')
    [configured] = list(api.check(api.Run(paths=[str(root)], cache_dir=cache)))
    assert not configured.cached
    assert all("normal" in edit.content for f in configured.findings for edit in f.fix.edits if "init." in edit.content)


def test_cache_folder_is_marked_for_git_and_backup_tools(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    check([root], cache_dir=str(cache))
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_default_cache_folder_sits_beside_the_config_and_no_cache_writes_nothing(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1), "pyproject.toml": "[tool.initlint]\n"})
    env = {k: v for k, v in os.environ.items() if k != "INITLINT_CACHE_DIR"}
    command = [sys.executable, "-m", "initlint", "check", "a.py"]
    done = subprocess.run([*command, "--no-cache"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "IL101" in done.stdout
    assert sorted(p.name for p in root.iterdir()) == ["a.py", "pyproject.toml"]
    subprocess.run(command, cwd=root, env=env, capture_output=True, check=False)
    assert (root / ".initlint_cache" / "CACHEDIR.TAG").is_file()


def test_same_content_in_two_files_gives_each_its_own_path(tmp_path):
    text = LAYER_MODEL.format(n=1)
    root = project(tmp_path / "p", {"one/m.py": text, "two/m.py": text})
    cache = str(tmp_path / "cache")
    for run in (check([root], cache_dir=cache), check([root], cache_dir=cache)):
        assert [r.path for r in run] == [str(root / "one" / "m.py"), str(root / "two" / "m.py")]
        for result in run:
            assert result.findings and all(f.path == result.path for f in result.findings)


def test_per_file_ignores_apply_to_each_path_of_shared_content(tmp_path):
    text = LAYER_MODEL.format(n=1)
    root = project(tmp_path / "p", {"src/m.py": text, "legacy/m.py": text,
                                     "pyproject.toml": '[tool.initlint]\nper-file-ignores = { "legacy/*" = ["IL1"] }\n'})  # fmt: skip
    cache = str(tmp_path / "cache")
    for _ in range(2):  # cold, then warm
        results = list(api.check(api.Run(paths=[str(root)], cache_dir=cache)))
        assert {Path(r.path).parent.name: len(r.findings) for r in results} == {"legacy": 0, "src": 2}


def test_a_damaged_cache_index_is_ignored_and_rewritten(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    first = check([root], cache_dir=str(cache))
    [index] = cache.glob("index-*.json")
    index.write_text("{not json")
    again = check([root], cache_dir=str(cache))
    assert outcome(again) == outcome(first) and not again[0].cached
    assert json.loads(index.read_text())


def test_a_file_that_does_not_parse_is_cached_with_its_error(tmp_path):
    root = project(tmp_path / "p", {"bad.py": "import torch.nn as nn\nclass (nn.Linear:\n"})
    cache = str(tmp_path / "cache")
    [cold] = check([root], cache_dir=cache)
    [warm] = check([root], cache_dir=cache)
    assert cold.error is not None and cold.error.line == 2 and not cold.cached
    assert warm.cached and vars(warm.error) == vars(cold.error)


def test_fix_from_a_cache_hit_edits_the_file(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = str(tmp_path / "cache")
    check([root], cache_dir=cache)
    [fixed] = check([root], cache_dir=cache, fix=True)
    assert fixed.cached and len(fixed.fixed) == 2 and not fixed.findings
    assert "kaiming_uniform_" in (root / "a.py").read_text()
    assert check([root], cache_dir=cache)[0].findings == []


def test_warm_run_imports_neither_libcst_nor_torch(tmp_path):
    root = project(tmp_path / "p", {f"m{n}.py": LAYER_MODEL.format(n=n) for n in range(3)})
    command = [sys.executable, "-X", "importtime", "-m", "initlint", "check", "--isolated", "--cache-dir", str(tmp_path / "c"), str(root)]
    cold = subprocess.run(command, capture_output=True, text=True)
    warm = subprocess.run(command, capture_output=True, text=True)
    assert cold.stdout == warm.stdout and "IL101" in warm.stdout
    imported = lambda stderr: set(re.findall(r"\|\s+([\w.]+)$", stderr, re.M))  # noqa: E731
    assert "libcst" in imported(cold.stderr) and "torch" not in imported(cold.stderr)
    assert not {"libcst", "torch"} & imported(warm.stderr)


# --------------------------------------------------------------------------------------
# Workers


@pytest.fixture(scope="module")
def many_files(tmp_path_factory) -> Path:
    """A folder of rule-book examples under varied names and folders, plus files without layers."""
    root = tmp_path_factory.mktemp("many")
    for index, example in enumerate(RULE_BOOK_FILES[:40]):
        target = root / f"pkg{index % 3}" / f"{index:02d}_{example.name}"
        target.parent.mkdir(exist_ok=True)
        shutil.copy(example, target)
    for n in range(10):
        (root / f"plain{n}.py").write_text(NO_LAYER.format(n=n))
    (root / "pkg0" / "broken.py").write_text("class (:\n  nn.Linear\n")
    return root


def test_parallel_check_equals_serial_check(many_files):
    serial = check([many_files], use_cache=False, jobs=1)
    parallel = check([many_files], use_cache=False, jobs=2)
    assert len(serial) == 51 and sum(len(r.findings) for r in serial) > 20
    assert any(r.error for r in serial)
    assert [r.path for r in serial] == sorted((r.path for r in serial), key=lambda p: Path(p).parts)
    assert outcome(parallel) == outcome(serial)


def test_parallel_inspect_equals_serial_inspect(many_files):
    run = lambda jobs: list(api.inspect(api.Run(paths=[str(many_files)], isolated=True, jobs=jobs)))  # noqa: E731
    serial = run(1)
    assert sum(len(r.rows) for r in serial) > 40
    assert outcome(run(2)) == outcome(serial)


def test_parallel_cold_then_warm_equals_serial(many_files, tmp_path):
    serial = check([many_files], use_cache=False, jobs=1)
    cache = str(tmp_path / "cache")
    assert outcome(check([many_files], cache_dir=cache, jobs=2)) == outcome(serial)
    warm = check([many_files], cache_dir=cache, jobs=2)
    assert outcome(warm) == outcome(serial)
    # every file that needed the analysis is a hit now: with findings, without, or not parsing
    analysed = [r for r in warm if api.PREFILTER.search(Path(r.path).read_bytes())]
    assert any(not r.findings and not r.error for r in analysed) and any(r.error for r in analysed)
    assert all(r.cached for r in analysed)


# --------------------------------------------------------------------------------------
# Progress bar


@pytest.fixture(scope="module")
def long_run(tmp_path_factory) -> Path:
    """Enough files for the progress bar (cli._ProgressBar.MIN_FILES), cheap to check."""
    root = tmp_path_factory.mktemp("long")
    for n in range(210):
        (root / f"m{n:03d}.py").write_text(NO_LAYER.format(n=n) if n % 20 else LAYER_MODEL.format(n=n))
    return root


def run_cli(root: Path, stderr_tty: bool, **env_changes) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    env.update(env_changes)
    command = [sys.executable, "-m", "initlint", "check", "--isolated", "--no-cache", str(root)]
    if not stderr_tty:
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        return done.returncode, done.stdout, done.stderr
    main, secondary = pty.openpty()
    try:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=secondary, text=True)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout = process.stdout.read()
        process.wait()
    finally:
        os.close(main)
    return process.returncode, stdout, b"".join(chunks).decode(errors="replace")


def test_no_progress_bar_when_stderr_is_not_a_terminal(long_run):
    code, stdout, stderr = run_cli(long_run, stderr_tty=False)
    assert code == 1 and stdout.count("IL101") == 11
    assert "files" not in stderr and "\r" not in stderr


def test_progress_bar_on_a_terminal_but_not_under_ci(long_run):
    _, stdout, stderr = run_cli(long_run, stderr_tty=True)
    assert "initlint: 210/210 files" in stderr and "files" not in stdout
    _, _, stderr = run_cli(long_run, stderr_tty=True, CI="true")
    assert "files" not in stderr
