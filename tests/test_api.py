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
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        return self.out(torch.tanh(self.fc(x.mean((2, 3)))))  # a Tanh the model returns would be a head
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


def without_edits(results) -> list:
    """Results as a cache hit gives them when no edits are asked for: fixes without their code."""
    for result in results:
        for finding in result.findings:
            if finding.fix:
                finding.fix.edits = []
    return results


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
    warm = check([root], cache_dir=str(cache), fix_edits=False)
    assert not any(r.cached for r in cold) and all(r.cached for r in warm)
    assert outcome(warm) == outcome(without_edits(cold)) and sum(len(r.findings) for r in warm) == 4
    assert sum(bool(f.fix) for r in warm for f in r.findings) == 4  # still fixable: `[*]`
    # asked for the edits, the files with a fix are analysed again: the cache holds no code
    assert outcome(check([root], cache_dir=str(cache))) == outcome(check([root], use_cache=False))


# a.py's model builds on transformers' PreTrainedModel (initlint's stub is read for it, as an
# installed module); b.py imports it by a relative import that leads nowhere (it is no package)
STUB_USER = """import torch.nn as nn
from transformers.modeling_utils import PreTrainedModel


class APre(PreTrainedModel):
    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(0.0, 0.02)


class AModel(APre):
    def __init__(self, config):
        super().__init__(config)
        self.fc = nn.Linear(8, 8)
        self.post_init()

    def forward(self, x):
        return self.fc(x)
"""
RELATIVE_USER = """import torch.nn as nn

from ...modeling_utils import PreTrainedModel


class BPre(PreTrainedModel):
    def _init_weights(self, module):
        super()._init_weights(module)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 8)

    def forward(self, x):
        return self.fc2(self.act(self.fc(x)))


class Model(BPre):
    def __init__(self, config):
        super().__init__(config)
        self.block = Block()
        self.post_init()

    def forward(self, x):
        return self.block(x)
"""


def test_a_file_analysed_again_for_its_edits_reads_the_program_as_its_first_analysis_did(tmp_path):
    """Asked for edits (JSON output), a warm run analyses a fixable file again. That analysis saw
    the installed modules the run had read (a stub) as modules of the program, which its first
    analysis had not: its findings were lost, and that judgement was cached for the next runs."""
    root = project(tmp_path / "p", {"a.py": STUB_USER, "b.py": RELATIVE_USER})
    cache = str(tmp_path / "cache")
    cold = check([root], cache_dir=cache)
    assert sum(len(r.findings) for r in cold) == 1
    warm = check([root], cache_dir=cache)  # with edits
    assert outcome(warm) == outcome(cold)
    assert outcome(check([root], cache_dir=cache, fix_edits=False)) == outcome(without_edits(cold))


def test_a_changed_file_is_analysed_again(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1), "b.py": LAYER_MODEL.format(n=2)})
    cache = tmp_path / "cache"
    check([root], cache_dir=str(cache))
    (root / "a.py").write_text(LAYER_MODEL.format(n=1).replace("torch.tanh(", "("))  # fc now followed by nothing
    results = by_path(check([root], cache_dir=str(cache), fix_edits=False))
    assert not results["a.py"].cached and results["b.py"].cached
    assert [f.code for f in results["a.py"].findings] == ["IL101"]
    assert outcome([results["a.py"]]) == outcome(check([root / "a.py"], use_cache=False, fix_edits=False))


def test_a_cache_written_by_other_code_of_initlint_misses(tmp_path, monkeypatch):
    """An edited checkout, or an upgrade keeping the version number: the cache key names the code."""
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = str(tmp_path / "cache")
    check([root], cache_dir=cache)
    [again] = check([root], cache_dir=cache, fix_edits=False)
    assert again.cached
    package = tmp_path / "code" / "initlint"
    (package / "semantics").mkdir(parents=True)
    (package / "semantics" / "file.py").write_text("x = 1\n")
    monkeypatch.setattr(api, "__file__", str(package / "api.py"))
    [other] = check([root], cache_dir=cache, fix_edits=False)
    assert not other.cached
    [again] = check([root], cache_dir=cache, fix_edits=False)
    assert again.cached
    (package / "semantics" / "file.py").write_text("x = 22\n")
    [edited] = check([root], cache_dir=cache, fix_edits=False)
    assert not edited.cached


def test_another_rule_selection_or_config_misses(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = str(tmp_path / "cache")
    check([root], cache_dir=cache)
    [ignored] = check([root], cache_dir=cache, ignore=["IL103"])
    assert not ignored.cached and [f.code for f in ignored.findings] == ["IL101"]
    [again] = check([root], cache_dir=cache, ignore=["IL103"], fix_edits=False)
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


def test_a_cache_folder_left_with_an_empty_gitignore_gets_it_back(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / ".gitignore").write_text("")  # what a run cut short by a full disk left on main
    check([root], cache_dir=str(cache))
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_full_disk_leaves_no_partial_cache_file(tmp_path, monkeypatch):
    import errno

    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(api.os, "fdopen", lambda fd, *a, **k: Full(real_fdopen(fd, *a, **k)))
    [result] = check([root], cache_dir=str(cache))
    assert len(result.findings) == 2  # the findings still, just not cached
    assert sorted(p.name for p in cache.iterdir()) == []
    monkeypatch.undo()
    check([root], cache_dir=str(cache))
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert len(list(cache.glob("index-*.txt"))) == 1 and not list(cache.glob("*.tmp"))


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


def test_a_changed_per_file_ignore_is_seen_by_a_warm_run(tmp_path):
    """The findings a warm run gives back were judged under the same per-file-ignores."""
    root = project(tmp_path / "p", {"m.py": LAYER_MODEL.format(n=1), "pyproject.toml": "[tool.initlint]\n"})
    cache = str(tmp_path / "cache")

    def run() -> list:
        return list(api.check(api.Run(paths=[str(root)], cache_dir=cache, fix_edits=False)))

    assert [len(r.findings) for r in run()] == [2]
    assert [(len(r.findings), r.cached) for r in run()] == [(2, True)]
    (root / "pyproject.toml").write_text('[tool.initlint]\nper-file-ignores = { "m.py" = ["IL1"] }\n')
    assert [len(r.findings) for r in run()] == [0]
    (root / "pyproject.toml").write_text("[tool.initlint]\n")
    assert [len(r.findings) for r in run()] == [2]


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
    [index] = cache.glob("index-*.txt")
    index.write_text("{not json")
    again = check([root], cache_dir=str(cache))
    assert outcome(again) == outcome(first) and not again[0].cached
    assert api.read_index(str(index))


def test_a_file_that_does_not_parse_is_cached_with_its_error(tmp_path):
    root = project(tmp_path / "p", {"bad.py": "import torch.nn as nn\nclass (nn.Linear:\n"})
    cache = str(tmp_path / "cache")
    [cold] = check([root], cache_dir=cache)
    [warm] = check([root], cache_dir=cache)
    assert cold.error is not None and cold.error.line == 2 and not cold.cached
    assert warm.cached and vars(warm.error) == vars(cold.error)


def test_fix_after_a_cache_hit_edits_the_file(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = str(tmp_path / "cache")
    check([root], cache_dir=cache)
    [fixed] = check([root], cache_dir=cache, fix=True)
    assert len(fixed.fixed) == 2 and not fixed.findings
    assert "kaiming_uniform_" in (root / "a.py").read_text()
    assert check([root], cache_dir=cache)[0].findings == []


INJECTED = '__import__("os").system("touch pwned")'


def _stored_models(index: Path) -> list[Path]:
    """The model files beside a cache index (one per content digest)."""
    return sorted((index.parent / ("models-" + index.stem[len("index-"):])).glob("*.json"))


def _tamper(index: Path) -> int:
    """Put code into every fix plan the cache holds (the weight expression a fix would call),
    and into every finding of the index's stored judgements."""
    count = 0
    for stored in _stored_models(index):
        value = json.loads(stored.read_text())
        for module in value["model"]["modules"]:
            for layer in module["layers"]:
                if layer.get("fix"):
                    layer["fix"]["weight"] = f"{INJECTED} or self.fc.weight"
                    count += 1
        stored.write_text(json.dumps(value))
    entries = api.read_index(str(index))
    for record in entries.get("#judged", {}).values():
        for finding in record[3]:
            if finding.get("fix"):
                finding["fix"]["edits"] = [{"line": 1, "column": 0, "end_line": 1, "end_column": 0, "content": INJECTED}]
    api.write_index(str(index), entries)
    return count


def test_the_cache_holds_no_edit(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    check([root], cache_dir=str(cache))
    [index] = cache.glob("index-*.txt")
    for stored in [index, *_stored_models(index)]:
        assert '"edits"' not in stored.read_text() and '"content"' not in stored.read_text()


@pytest.mark.parametrize("options", [{"fix": True}, {"fix": True, "jobs": 2}, {"fix": True, "unsafe_fixes": True}])
def test_code_put_into_the_cache_never_reaches_a_file(tmp_path, options):
    files = {f"m{n}.py": LAYER_MODEL.format(n=n) for n in range(api.PARALLEL_THRESHOLD + 1)}
    root = project(tmp_path / "p", files)
    expected = project(tmp_path / "expected", files)
    cache = tmp_path / "cache"
    check([root], cache_dir=str(cache), **{k: v for k, v in options.items() if k != "fix"})
    [index] = cache.glob("index-*.txt")
    assert _tamper(index) >= 2
    fixed = check([root], cache_dir=str(cache), **options)
    assert all(len(r.fixed) == 2 for r in fixed)
    check([expected], use_cache=False, **options)
    for name in files:
        assert INJECTED not in (root / name).read_text()
        assert (root / name).read_text() == (expected / name).read_text()


def test_edits_shown_in_json_are_never_read_from_the_cache(tmp_path):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    command = [sys.executable, "-m", "initlint", "check", "--isolated", "--cache-dir", str(cache), str(root)]
    cold = subprocess.run([*command, "--output-format", "json"], capture_output=True, text=True)
    [index] = cache.glob("index-*.txt")
    _tamper(index)
    for fmt in ("json", "json-lines", "sarif"):
        warm = subprocess.run([*command, "--output-format", fmt], capture_output=True, text=True)
        assert warm.returncode == 1 and "init" in warm.stdout and INJECTED.split("(")[0] not in warm.stdout
    assert subprocess.run([*command, "--output-format", "json"], capture_output=True, text=True).stdout == cold.stdout
    text = subprocess.run([*command, "--no-cache"], capture_output=True, text=True).stdout
    assert subprocess.run(command, capture_output=True, text=True).stdout == text and "[*]" in text


def _layer_field(entry: dict, name: str, value) -> dict:
    entry = json.loads(json.dumps(entry))
    for module in entry["model"]["modules"]:
        module["layers"][0][name] = value
    return entry


def _summary_field(entry: dict, name: str, value) -> dict:
    entry = json.loads(json.dumps(entry))
    entry["model"]["summary"][name] = value
    return entry


@pytest.mark.parametrize(
    "change",
    [lambda e: "oops", lambda e: 5, lambda e: None, lambda e: True, lambda e: ["oops"], lambda e: [5], lambda e: {},
     lambda e: {"error": "oops"}, lambda e: {"error": {"message": 5}}, lambda e: {"error": {"message": "m", "line": "1"}},
     lambda e: {"x": 1}, lambda e: {"model": "oops"}, lambda e: {"model": {}},
     lambda e: _layer_field(e, "line", "1"), lambda e: _layer_field(e, "name", 5), lambda e: _layer_field(e, "fix", "oops"),
     lambda e: _layer_field(e, "activation_param", "x"), lambda e: _layer_field(e, "init_call", {"function": 1}),
     lambda e: _summary_field(e, "imports", {"nn": 5}), lambda e: _summary_field(e, "classes", {"X": "oops"}),
     lambda e: _summary_field(e, "builds", [{"callee": 5, "line": 1}])],
)  # fmt: skip
def test_a_well_formed_but_unexpected_cache_entry_is_a_miss(tmp_path, change):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1), "b.py": "from a import Block1\nnet = Block1()\n"})
    cache = tmp_path / "cache"
    first = check([root], cache_dir=str(cache))
    [index] = cache.glob("index-*.txt")
    entries = api.read_index(str(index))
    models = {stored.stem: stored for stored in _stored_models(index)}
    for key, value in list(entries.items()):
        if key.startswith("#"):
            continue
        if key in models:  # an entry as one piece: the index's part and its model file's
            value = {**value, "model": json.loads(models[key].read_text())["model"]}
        changed = change(value)
        if isinstance(changed, dict) and "model" in changed and key in models:
            models[key].write_text(json.dumps({"model": changed.pop("model")}))
        entries[key] = changed
    api.write_index(str(index), entries)
    again = check([root], cache_dir=str(cache))
    assert outcome(again) == outcome(first)
    assert all(r.cached for r in check([root], cache_dir=str(cache), fix_edits=False))  # rewritten


@pytest.mark.parametrize("text", ["[" * 100_000, "{" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000, "\udcff"])
@pytest.mark.parametrize("where", ["the whole index", "every entry"])
def test_a_cache_index_nested_past_the_json_reader_is_a_miss(tmp_path, text, where):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1)})
    cache = tmp_path / "cache"
    first = check([root], cache_dir=str(cache))
    [index] = cache.glob("index-*.txt")
    if where == "every entry":
        lines = index.read_text().splitlines()
        text = "\n".join([lines[0], *(line.partition("\t")[0] + "\t" + text for line in lines[1:])])
    index.write_text(text, errors="surrogateescape")
    assert outcome(check([root], cache_dir=str(cache))) == outcome(first)


@pytest.mark.parametrize("stat", [[0, 0, ["x"]], "oops", [1, 2], {"a": 1}])
def test_a_well_formed_but_unexpected_stat_entry_is_a_miss(tmp_path, stat):
    root = project(tmp_path / "p", {"a.py": LAYER_MODEL.format(n=1), "b.py": "from a import Block1\nnet = Block1()\n"})
    cache = tmp_path / "cache"
    first = check([root / "b.py"], cache_dir=str(cache))
    [index] = cache.glob("index-*.txt")
    entries = api.read_index(str(index))
    entries["#stat"] = {key: stat for key in entries["#stat"]}
    api.write_index(str(index), entries)
    assert outcome(check([root / "b.py"], cache_dir=str(cache))) == outcome(first)


def _edited_after_first_read(monkeypatch, target: Path, edited: str) -> None:
    """An editor saves `target` right after this process first reads it, between the hash
    and the analysis (workers, forked, inherit the hook but do not fire it)."""
    parent, read, fired = os.getpid(), sources.read, []

    def read_then_edit(path, *args, **kwargs):
        source = read(path, *args, **kwargs)
        if os.getpid() == parent and Path(path) == target and not fired:
            fired.append(path)
            target.write_text(edited)
        return source

    monkeypatch.setattr(sources, "read", read_then_edit)


@pytest.mark.parametrize("jobs", [1, 2])
def test_findings_are_cached_under_the_bytes_analysed_not_those_hashed_before_an_edit(tmp_path, monkeypatch, jobs):
    files = {f"m{n}.py": LAYER_MODEL.format(n=n) for n in range(api.PARALLEL_THRESHOLD + 1)}
    root = project(tmp_path / "p", files)
    target = root / "m0.py"
    original = target.read_text()
    edited = original.replace("self.fc = nn.Linear(8, 4)", "self.fc = nn.Identity()")
    cache = str(tmp_path / "cache")
    _edited_after_first_read(monkeypatch, target, edited)
    check([root], cache_dir=cache, jobs=jobs)
    monkeypatch.undo()
    assert target.read_text() == edited
    target.write_text(original)  # the edit undone: the cache must not answer with the edit's findings
    assert outcome(check([root], cache_dir=cache, jobs=jobs)) == outcome(check([root], use_cache=False, jobs=1))
    target.write_text(edited)
    assert outcome(check([root], cache_dir=cache, jobs=jobs)) == outcome(check([root], use_cache=False, jobs=1))


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


def test_parallel_fix_writes_what_serial_fix_writes(many_files, tmp_path):
    # in a cold run with workers, the workers judge and fix the files they analysed
    serial_root, parallel_root = tmp_path / "serial", tmp_path / "parallel"
    shutil.copytree(many_files, serial_root)
    shutil.copytree(many_files, parallel_root)
    serial = check([serial_root], use_cache=False, jobs=1, fix=True)
    parallel = check([parallel_root], use_cache=False, jobs=2, fix=True)
    assert sum(len(r.fixed) for r in serial) > 10
    relative = lambda results, root: [(Path(r.path).relative_to(root), len(r.fixed), len(r.findings)) for r in results]  # noqa: E731
    assert relative(parallel, parallel_root) == relative(serial, serial_root)
    for path in sorted(serial_root.rglob("*.py")):
        assert (parallel_root / path.relative_to(serial_root)).read_bytes() == path.read_bytes()


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
    assert outcome(warm) == outcome(serial)  # fixes with their edits: those files analysed again
    # without fix edits (text output), every file that needed the analysis is a hit now:
    # with findings, without, or not parsing
    warm = check([many_files], cache_dir=cache, jobs=2, fix_edits=False)
    assert outcome(warm) == outcome(without_edits(serial))
    analysed = [r for r in warm if api.PREFILTER.search(Path(r.path).read_bytes())]
    assert any(not r.findings and not r.error for r in analysed) and any(r.error for r in analysed)
    assert any(f.fix for r in analysed for f in r.findings)
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
