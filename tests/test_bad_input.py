"""The bad-input matrix, through the real CLI (`python -m initlint` in a subprocess).

Each case: one clear `path[:line:col]: error: reason` line on stderr naming the file, the other
files still checked (good.py's finding is on stdout), the right exit code, nothing written
that should not be, never a traceback. Also: the static mode neither imports nor executes
the code it checks, and never imports torch.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from initlint import api, fixer

GOOD = textwrap.dedent(
    """\
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(x).relu()
    """
)
GOOD_FINDING = "good.py:7:19: IL101 [*] `Net.fc` is followed by ReLU"
FIX_LINE = '        nn.init.kaiming_uniform_(self.fc.weight, nonlinearity="relu")\n'
GOOD_FIXED = GOOD.replace("nn.Linear(4, 4)\n", "nn.Linear(4, 4)\n" + FIX_LINE)
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Done:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr
        assert "Traceback" not in self.err and "Traceback" not in self.out, self.err

    @property
    def errors(self) -> list[str]:
        return self.err.splitlines()


def initlint(cwd: Path, *args: str, input: bytes | None = None, timeout: float = 120, **kwargs) -> Done:
    completed = subprocess.run(
        [sys.executable, "-m", "initlint", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1", "INITLINT_CACHE_DIR": str(cwd / ".cache")},
        **kwargs,
    )
    completed.stdout = completed.stdout.decode("utf-8")
    completed.stderr = completed.stderr.decode("utf-8")
    return Done(completed)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "good.py").write_text(GOOD)
    return tmp_path


def check_with(project: Path, name: str, data: bytes, *args: str) -> Done:
    (project / name).write_bytes(data)
    return initlint(project, "check", *args, ".")


def assert_one_error(done: Done, line: str, code: int = EXIT_ERROR) -> None:
    assert done.errors == [line], done.err
    assert done.code == code, (done.code, done.out, done.err)


# --------------------------------------------------------------------------------------
# Files that are not Python source


def test_syntax_error_names_the_file_line_and_column(project):
    done = check_with(project, "broken.py", b"import torch.nn as nn\nclass A(nn.Module:\n    fc = nn.Linear(2, 2)\n")
    assert_one_error(done, "broken.py:2:18: error: SyntaxError: invalid syntax")
    assert GOOD_FINDING in done.out


def test_syntax_error_under_fix_writes_nothing_and_the_rest_is_fixed(project):
    broken = b"import torch.nn as nn\nclass A(nn.Module:\n    fc = nn.Linear(2, 2)\n"
    done = check_with(project, "broken.py", broken, "--fix")
    assert_one_error(done, "broken.py:2:18: error: SyntaxError: invalid syntax")
    assert (project / "broken.py").read_bytes() == broken
    assert (project / "good.py").read_text() == GOOD_FIXED


def test_null_bytes(project):
    done = check_with(project, "binary.py", b"import torch.nn as nn\nfc = nn.Linear(2, 2)\x00\n")
    assert_one_error(done, "binary.py:2:21: error: source contains null bytes (a binary file?)")
    assert GOOD_FINDING in done.out


def test_invalid_utf8(project):
    done = check_with(project, "bad.py", b"import torch.nn as nn\n# caf\xe9\nfc = nn.Linear(2, 2)\n")
    assert_one_error(
        done,
        "bad.py:2:6: error: not valid utf-8: byte 0xe9 cannot be decoded "
        "(declare the file's encoding with a PEP 263 coding cookie)",
    )
    assert GOOD_FINDING in done.out


def test_invalid_utf8_in_the_first_two_lines_says_where(project):
    done = check_with(project, "bad.py", b"# \xff\nimport torch.nn as nn\n")
    assert done.errors == [
        "bad.py:1:3: error: not valid utf-8: byte 0xff cannot be decoded "
        "(declare the file's encoding with a PEP 263 coding cookie)"
    ]


LATIN1 = (
    b"# -*- coding: latin-1 -*-\n"
    + GOOD.encode().replace(b"class Net", b"# caf\xe9 au lait\nclass Net")
)


def test_latin1_cookie_is_checked_and_fixed_in_latin1(project):
    (project / "good.py").unlink()
    done = check_with(project, "latin.py", LATIN1)
    assert done.code == EXIT_FINDINGS and done.err == ""
    assert done.out.startswith("latin.py:9:19: IL101")
    fixed = initlint(project, "check", "--fix", "latin.py")
    assert fixed.code == EXIT_CLEAN, fixed.err
    data = (project / "latin.py").read_bytes()
    assert b"# caf\xe9 au lait\n" in data, "the latin-1 byte must stay one byte"
    assert data == LATIN1.replace(b"nn.Linear(4, 4)\n", b"nn.Linear(4, 4)\n" + FIX_LINE.encode())


def test_bytes_invalid_for_the_declared_codec(project):
    done = check_with(project, "ascii.py", b"# coding: ascii\nimport torch.nn as nn\n# caf\xe9\nfc = nn.Linear(2, 2)\n", "--fix")
    assert_one_error(done, "ascii.py:3:6: error: not valid ascii: byte 0xe9 cannot be decoded")
    assert (project / "ascii.py").read_bytes().count(b"\xe9") == 1


def test_unknown_codec_in_the_cookie(project):
    done = check_with(project, "klingon.py", b"#!/usr/bin/env python\n# coding: klingon\nimport torch.nn as nn\nfc = nn.Linear(2, 2)\n")
    assert_one_error(done, "klingon.py:2:1: error: unknown encoding `klingon` in the coding cookie")


NOT_TEXT_CODECS = ("base64", "rot13", "hex", "zlib", "bz2", "uu", "quopri", "punycode", "undefined")


def test_a_cookie_naming_a_codec_that_is_not_text_is_one_error_per_file(project):
    body = b"import torch.nn as nn\nfc = nn.Linear(2, 2)\n"
    for codec in NOT_TEXT_CODECS:
        (project / f"c_{codec}.py").write_bytes(b"#!/usr/bin/env python\n# -*- coding: " + codec.encode() + b" -*-\n" + body)
    expected = {f"c_{codec}.py:2:1" for codec in NOT_TEXT_CODECS}
    for args in (["check", "."], ["check", "--fix", "."], ["inspect", "."]):
        done = initlint(project, *args)
        assert {line.split(": error: ")[0] for line in done.errors} == expected, done.err
        assert all("coding cookie" in line and "`" in line for line in done.errors), done.err
        assert done.code == EXIT_ERROR
        assert "Net.fc" in done.out or args[1] == "--fix", "the other files are still checked"
    assert (project / "good.py").read_text() == GOOD_FIXED
    for codec in NOT_TEXT_CODECS:
        data = (project / f"c_{codec}.py").read_bytes()
        for command in ("check", "inspect"):
            done = initlint(project, command, "-", "--stdin-filename", "m.py", input=data)
            assert [line.split(": error: ")[0] for line in done.errors] == ["m.py:2:1"], done.err
            assert done.code == EXIT_ERROR


def test_bom_is_checked_and_kept_by_the_fix(project):
    bom_file = b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode()
    (project / "good.py").write_bytes(bom_file)
    done = initlint(project, "check", "--fix", ".")
    assert done.code == EXIT_CLEAN and done.err == "", done.err
    assert (project / "good.py").read_bytes() == b"\xef\xbb\xbf" + GOOD_FIXED.replace("\n", "\r\n").encode()


def test_bom_contradicting_the_cookie(project):
    done = check_with(project, "both.py", b"\xef\xbb\xbf# coding: latin-1\nimport torch.nn as nn\nfc = nn.Linear(2, 2)\n")
    assert_one_error(done, "both.py:1:1: error: the file starts with a UTF-8 BOM but its coding cookie says `latin-1`")


def test_empty_file_passes(project):
    (project / "good.py").unlink()
    done = check_with(project, "empty.py", b"")
    assert (done.code, done.out, done.err) == (EXIT_CLEAN, "All checks passed!\n", "")
    assert initlint(project, "check", "--fix", "empty.py").code == EXIT_CLEAN
    assert (project / "empty.py").read_bytes() == b""
    inspected = initlint(project, "inspect", "empty.py")
    assert (inspected.code, inspected.out, inspected.err) == (EXIT_CLEAN, "", "")


def test_50_mb_generated_file_is_reported_not_parsed(project):
    """The default max-file-size (10 MB) keeps a generated file from taking minutes and GBs.
    It is an error (exit 2), so it is noticed, with the two ways out in the message."""
    big = project / "generated.py"
    with open(big, "wb") as handle:
        handle.write(b"import torch.nn as nn\nfc = nn.Linear(2, 2)\n")
        handle.write(b"x = 1\n" * (50_000_000 // 6))
    done = initlint(project, "check", "--fix", ".", timeout=60)
    assert_one_error(
        done,
        "generated.py: error: file is 50.0 MB, over the 10 MB limit; not checked "
        "(exclude it, or raise max-file-size in [tool.initlint])",
    )
    assert GOOD_FINDING not in done.out  # good.py was fixed
    assert (project / "good.py").read_text() == GOOD_FIXED
    excluded = initlint(project, "check", "--extend-exclude", "generated.py", ".")
    assert excluded.code == EXIT_CLEAN and excluded.err == ""


def _limited_memory() -> None:
    import resource

    limit = 1_500_000_000  # address space; a whole parse of this file peaks at 2.4 GB resident
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS")
def test_a_big_data_literal_is_set_aside_not_parsed(project):
    """A 4.8 MB one-line list of numbers under the 10 MB limit: checked, and fixed, in
    bounded memory (the literal cannot hold a layer; the rest of the file is parsed)."""
    numbers = ", ".join(f"{n * 0.000731:.6f}" for n in range(480_000))
    data = GOOD.replace("class Net", f"WEIGHTS = [{numbers}]  # noqa-free data\nLABELS = {{'a': (1, -2.5, 'x')}}\n\n\nclass Net")
    (project / "good.py").write_text(data)
    done = initlint(project, "check", "--fix", ".", timeout=600, preexec_fn=_limited_memory)
    assert done.code == EXIT_CLEAN, done.err
    assert (project / "good.py").read_text() == data.replace("nn.Linear(4, 4)\n", "nn.Linear(4, 4)\n" + FIX_LINE)


def test_code_beyond_the_parse_limit_is_refused_with_a_reason(project):
    (project / "generated.py").write_text("import torch.nn as nn\nfc = nn.Linear(2, 2)\n" + "x = [a, b]\n" * 100_000)
    done = initlint(project, "check", ".", timeout=120)
    assert_one_error(
        done,
        "generated.py: error: 1.1 MB of code besides data literals, over the 1 MB initlint parses in bounded time "
        "and memory; not checked (exclude it)",
    )
    assert GOOD_FINDING in done.out


def test_max_file_size_from_the_config(project):
    (project / "pyproject.toml").write_text("[tool.initlint]\nmax-file-size = 100\n")
    done = initlint(project, "check", ".")
    assert_one_error(
        done,
        f"good.py: error: file is {len(GOOD)} bytes, over the 100 bytes limit; not checked "
        "(exclude it, or raise max-file-size in [tool.initlint])",
    )


# A layer the analysis reports (module-level layers are not), with no finding to fix.
HEAD = "import torch.nn as nn\n\n\nclass Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(2, 2)\n"
DEEP = {
    "unary": lambda n: "x = " + "-" * n + "1\n",
    "sum": lambda n: "x = " + " + ".join(["1"] * n) + "\n",
    "attributes": lambda n: "x = a" + ".b" * n + "\n",
    "not": lambda n: "x = " + "not " * n + "1\n",
}


@pytest.mark.parametrize("name", DEEP)
def test_1000_deep_nesting_is_checked_like_any_file(project, name):
    """CPython compiles these; so must the analysis, without a RecursionError traceback."""
    data = (HEAD + DEEP[name](1000)).encode()
    done = check_with(project, "deep.py", data, "--fix")
    assert (done.code, done.err) == (EXIT_CLEAN, ""), done.err
    assert (project / "deep.py").read_bytes() == data
    assert (project / "good.py").read_text() == GOOD_FIXED
    inspected = initlint(project, "inspect", "deep.py")
    assert inspected.code == EXIT_CLEAN and inspected.out.startswith("deep.py:7:19 Head.fc Linear"), inspected.out


@pytest.mark.parametrize("name", DEEP)
def test_3000_deep_nesting_is_one_error_not_a_recursion_traceback(project, name):
    """Deeper than CPython itself compiles (RecursionError during compilation): one error line.
    "analyse" is the analysis' own RecursionError; "parse" when CPython's verdict comes first."""
    data = (HEAD + DEEP[name](3000)).encode()
    done = check_with(project, "deep.py", data, "--fix")
    assert done.errors in (["deep.py: error: too deeply nested to analyse"], ["deep.py: error: too deeply nested to parse"])
    assert done.code == EXIT_ERROR
    assert (project / "deep.py").read_bytes() == data
    assert (project / "good.py").read_text() == GOOD_FIXED


def test_20000_deep_nesting_does_not_crash_the_run(project):
    data = (HEAD + "x = " + "-" * 20000 + "1\n").encode()
    done = check_with(project, "bomb.py", data, "--fix", "-j", "1")
    assert_one_error(done, "bomb.py: error: too deeply nested to parse")
    assert (project / "good.py").read_text() == GOOD_FIXED


def test_indentation_1000_deep_is_cpythons_error(project):
    body = "".join(" " * i + "if x:\n" for i in range(1000)) + " " * 1000 + "pass\n"
    done = check_with(project, "deep.py", ("import torch.nn as nn\nfc = nn.Linear(2, 2)\n" + body).encode())
    assert_one_error(done, "deep.py:103:1: error: SyntaxError: too many levels of indentation")
    assert GOOD_FINDING in done.out


def test_1000_nested_parentheses_are_cpythons_syntax_error(project):
    data = (HEAD + "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n").encode()
    done = check_with(project, "deep.py", data)
    assert_one_error(done, "deep.py:8:205: error: SyntaxError: too many nested parentheses")


# --------------------------------------------------------------------------------------
# Paths that are not regular files


def test_directory_named_like_a_python_file_is_walked_as_a_folder(project):
    folder = project / "x.py"
    folder.mkdir()
    (folder / "inner.py").write_text(GOOD)
    done = initlint(project, "check", ".")
    assert done.code == EXIT_FINDINGS and done.err == "", done.err
    assert GOOD_FINDING in done.out and "x.py/inner.py:7:19: IL101" in done.out
    named = initlint(project, "check", "x.py")
    assert named.code == EXIT_FINDINGS and named.err == ""
    assert named.out.startswith("x.py/inner.py:7:19: IL101")


def test_symlink_loop_named_is_an_error_and_walked_is_skipped(project):
    os.symlink("loop_b.py", project / "loop_a.py")
    os.symlink("loop_a.py", project / "loop_b.py")
    os.symlink(".", project / "again")  # a folder loop: the walk must not recurse forever
    walked = initlint(project, "check", ".", timeout=60)
    assert walked.code == EXIT_FINDINGS and walked.err == "", walked.err
    assert walked.out.count("IL101") == 1, "good.py once, not once per way to reach it"
    named = initlint(project, "check", "loop_a.py", "good.py")
    assert_one_error(named, "loop_a.py: error: Too many levels of symbolic links")
    assert GOOD_FINDING in named.out


def test_fifo_named_like_a_python_file_does_not_hang(project):
    os.mkfifo(project / "pipe.py")
    walked = initlint(project, "check", ".", timeout=60)
    assert walked.code == EXIT_FINDINGS and walked.err == ""
    named = initlint(project, "check", "pipe.py", "good.py", timeout=60)
    assert_one_error(named, "pipe.py: error: not a regular file (a fifo, socket or device); not checked")
    assert GOOD_FINDING in named.out


def _as_nobody():
    os.setgid(65534)
    os.setuid(65534)


def test_unreadable_file(project):
    """chmod 000 stops every user but root; as root the CLI runs as `nobody` (uid 65534) in a
    folder it may enter, so the permission check is the kernel's, not a simulation."""
    as_root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="initlint-unreadable-")) if as_root else project
    try:
        if as_root:
            folder.chmod(0o777)
            (folder / "good.py").write_text(GOOD)
            (folder / "good.py").chmod(0o666)
        secret = folder / "secret.py"
        secret.write_text(GOOD)
        secret.chmod(0)
        done = initlint(folder, "check", "--no-cache", "--fix", ".", preexec_fn=_as_nobody if as_root else None)
        assert_one_error(done, "secret.py: error: Permission denied")
        assert (folder / "good.py").read_text() == GOOD_FIXED, "the readable file is still fixed"
        secret.chmod(0o600)
        assert secret.read_text() == GOOD
    finally:
        if as_root:
            for path in folder.iterdir():
                path.chmod(0o600)
                path.unlink()
            folder.rmdir()


def test_read_only_file_under_fix_is_not_written(project):
    readonly = project / "readonly.py"
    readonly.write_text(GOOD)
    readonly.chmod(0o444)
    done = initlint(project, "check", "--fix", ".")
    assert_one_error(done, "readonly.py: error: the file is read-only; not fixed")
    assert "readonly.py:7:19: IL101" in done.out, "its finding is still reported"
    assert readonly.read_text() == GOOD and stat.S_IMODE(readonly.stat().st_mode) == 0o444
    assert (project / "good.py").read_text() == GOOD_FIXED
    assert not [p for p in project.iterdir() if p.name.endswith(".initlint-tmp")]


def test_path_that_does_not_exist(project):
    done = initlint(project, "check", "missing.py", "good.py")
    assert_one_error(done, "missing.py: error: No such file or directory")
    assert GOOD_FINDING in done.out
    inspected = initlint(project, "inspect", "missing/", "good.py")
    assert_one_error(inspected, "missing/: error: No such file or directory")
    assert "good.py:7:19 Net.fc Linear" in inspected.out


# --------------------------------------------------------------------------------------
# stdin


def test_stdin_check_fix_and_errors(project):
    done = initlint(project, "check", "-", "--stdin-filename", "pkg/model.py", input=GOOD.encode())
    assert done.code == EXIT_FINDINGS and done.out.startswith("pkg/model.py:7:19: IL101")
    fixed = initlint(project, "check", "--fix", "-", input=GOOD.encode())
    assert (fixed.code, fixed.out, fixed.err) == (EXIT_CLEAN, GOOD_FIXED, "")
    crlf = initlint(project, "check", "--fix", "-", input=b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    assert crlf.code == EXIT_CLEAN and crlf.out.replace("\r\n", "\n") == GOOD_FIXED
    bad = initlint(project, "check", "-", "--stdin-filename", "pkg/model.py", input=b"import torch\n\xff\n")
    assert_one_error(
        bad,
        "pkg/model.py:2:1: error: not valid utf-8: byte 0xff cannot be decoded "
        "(declare the file's encoding with a PEP 263 coding cookie)",
    )
    broken = initlint(project, "check", "--fix", "-", input=b"import torch.nn as nn\nfc = nn.Linear(2,\n")
    assert broken.code == EXIT_ERROR and broken.errors[0].startswith("-:2:"), broken.err
    assert broken.out == "import torch.nn as nn\nfc = nn.Linear(2,\n", "an editor piping through --fix keeps its text"
    empty = initlint(project, "check", "-", input=b"")
    assert (empty.code, empty.err) == (EXIT_CLEAN, "")
    inspected = initlint(project, "inspect", "-", input=GOOD.encode())
    assert inspected.code == EXIT_CLEAN and "Net.fc Linear" in inspected.out
    assert (project / "good.py").read_text() == GOOD, "stdin runs never touch files"


def test_stdin_over_the_size_limit(project):
    done = initlint(project, "check", "-", input=b"x = 1\n" * 2_000_000, timeout=60)
    assert_one_error(
        done,
        "-: error: file is 12.0 MB, over the 10 MB limit; not checked (exclude it, or raise max-file-size in [tool.initlint])",
    )


def test_stdin_honours_max_file_size_from_the_config(project):
    (project / "pyproject.toml").write_text("[tool.initlint]\nmax-file-size = 100\n")
    for command in ("check", "inspect"):
        done = initlint(project, command, "-", input=GOOD.encode())
        assert_one_error(
            done,
            f"-: error: file is {len(GOOD)} bytes, over the 100 bytes limit; not checked "
            "(exclude it, or raise max-file-size in [tool.initlint])",
        )


def test_stdin_inspect_of_undecodable_bytes_is_one_error(project):
    done = initlint(project, "inspect", "-", "--stdin-filename", "m.py", input=b"import torch\n\xff\n")
    assert_one_error(
        done,
        "m.py:2:1: error: not valid utf-8: byte 0xff cannot be decoded "
        "(declare the file's encoding with a PEP 263 coding cookie)",
    )


# --------------------------------------------------------------------------------------
# A file that changes between read and write (the fixer's expected-bytes checks)


def _fix_settings() -> api.Settings:
    return api.Settings(codes=["IL101"], fix=True)


def test_file_changed_after_analysis_is_not_fixed(tmp_path, monkeypatch):
    path = tmp_path / "model.py"
    path.write_text(GOOD)
    edited = GOOD + "# saved by an editor meanwhile\n"
    real_analyze = api_analysis().analyze_with_tree

    def analyze_then_edit(source, name):
        analysed = real_analyze(source, name)
        path.write_text(edited)
        return analysed

    monkeypatch.setattr(api_analysis(), "analyze_with_tree", analyze_then_edit)
    result = api.check_file(str(path), _fix_settings())
    assert str(result.error) == f"{path}: error: the file changed on disk since it was read; not fixed"
    assert path.read_text() == edited
    assert [f.code for f in result.findings] == ["IL101"] and not result.fixed


def test_file_deleted_after_analysis_is_not_recreated(tmp_path, monkeypatch):
    path = tmp_path / "model.py"
    path.write_text(GOOD)
    real_analyze = api_analysis().analyze_with_tree

    def analyze_then_delete(source, name):
        analysed = real_analyze(source, name)
        path.unlink()
        return analysed

    monkeypatch.setattr(api_analysis(), "analyze_with_tree", analyze_then_delete)
    result = api.check_file(str(path), _fix_settings())
    assert result.error is not None and str(result.error).startswith(f"{path}: error: cannot read the file to fix it:")
    assert "No such file or directory" in result.error.message
    assert not path.exists() and not list(tmp_path.iterdir())


def test_file_changed_while_the_fix_is_written_is_not_replaced(tmp_path, monkeypatch):
    """The last look before os.replace: an editor saves after the fixer read the file."""
    path = tmp_path / "model.py"
    path.write_text(GOOD)
    edited = GOOD.replace("Net", "Network")
    real_mkstemp = fixer.tempfile.mkstemp

    def mkstemp_after_an_edit(*args, **kwargs):
        path.write_text(edited)
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(fixer.tempfile, "mkstemp", mkstemp_after_an_edit)
    result = api.check_file(str(path), _fix_settings())
    assert str(result.error) == f"{path}: error: the file changed on disk since it was read; not fixed"
    assert path.read_text() == edited
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"], "the temp file is removed"


def api_analysis():
    from initlint.semantics import file as analysis

    return analysis


# --------------------------------------------------------------------------------------
# The static mode never runs the code it checks


SIDE_EFFECTS = textwrap.dedent(
    """\
    import pathlib
    import sys

    import torch.nn as nn

    pathlib.Path("IMPORTED").write_text("the checked file was executed")
    sys.exit(3)


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(x).relu()
    """
)


def test_checked_code_is_neither_imported_nor_executed(project):
    (project / "side_effects_model.py").write_text(SIDE_EFFECTS)
    done = initlint(project, "check", "side_effects_model.py")
    assert done.code == EXIT_FINDINGS and "side_effects_model.py:13:19: IL101" in done.out
    assert initlint(project, "inspect", "side_effects_model.py").code == EXIT_CLEAN
    assert initlint(project, "check", "--diff", "side_effects_model.py").code == EXIT_FINDINGS
    assert (project / "side_effects_model.py").read_text() == SIDE_EFFECTS, "left alone unless --fix"
    assert not (project / "IMPORTED").exists()


def test_static_mode_never_imports_torch_nor_the_checked_module(project):
    (project / "side_effects_model.py").write_text(SIDE_EFFECTS)
    probe = textwrap.dedent(
        """\
        import sys
        from initlint import cli
        for args in (["check", "."], ["inspect", "."], ["check", "--fix", "--no-cache", "."], ["rules"], ["rule", "IL101"]):
            try:
                cli.main(args)
            except SystemExit:
                pass
        loaded = [m for m in sys.modules if m.split(".")[0] in ("torch", "side_effects_model", "good")]
        print("loaded:", loaded)
        """
    )
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", probe], cwd=project, capture_output=True, text=True, timeout=120)
    assert "loaded: []" in done.stdout, done.stdout + done.stderr[-3000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert imported and not [m for m in imported if m.split(".")[0] == "torch"]
    assert not (project / "IMPORTED").exists()
    assert FIX_LINE in (project / "side_effects_model.py").read_text()


def test_a_codec_that_decodes_nothing_is_a_read_error_not_a_crash(tmp_path):
    """`# coding: undefined` names a real codec that raises UnicodeError (not a decode error);
    it used to escape as a traceback, also from a file the program stage reads as context."""
    from initlint import sources

    (tmp_path / "odd.py").write_bytes(b"# coding: undefined\nimport torch.nn as nn\nfc = nn.Linear(2, 2)\n")
    with pytest.raises(sources.ReadError) as caught:
        sources.read(str(tmp_path / "odd.py"))
    assert caught.value.line == 1 and "undefined" in caught.value.message
    (tmp_path / "model.py").write_text("import torch.nn as nn\nfc = nn.Linear(2, 2)\n")
    alone = subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", "model.py"], cwd=tmp_path, capture_output=True, text=True)
    assert alone.returncode == 0 and "Traceback" not in alone.stderr, alone.stderr  # odd.py is only context here
    both = subprocess.run([sys.executable, "-m", "initlint", "check", "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True)
    assert both.returncode == 2 and "odd.py:1:1: error: the `undefined` codec" in both.stderr
