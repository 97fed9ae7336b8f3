"""The entry point keeps the code dataclasses compiles (cli.dataclass_code_kept)."""

import dataclasses
import marshal
import os

from initlint import cli


def _point_class():
    @dataclasses.dataclass(frozen=True)
    class Point:
        x: int
        y: int = 2

    return Point


def test_the_code_is_kept_and_read_back(tmp_path):
    path = str(tmp_path / "kept.marshal")
    with cli.dataclass_code_kept(path, write=True):
        Point = _point_class()
    assert "exec" not in vars(dataclasses)  # the hook is gone after the block
    assert Point(1) == Point(1, 2) and repr(Point(1)).endswith("Point(x=1, y=2)") and hash(Point(1)) == hash(Point(1, 2))
    with open(path, "rb") as handle:
        codes = marshal.load(handle)
    init_text = next(text for text in codes if " def __init__(self,x:" in text)

    # the next block runs the stored code for that text, not a fresh compile of it
    marked = init_text.replace("  __dataclass_builtins_object__.__setattr__(self,'x',x)",
                               "  __dataclass_builtins_object__.__setattr__(self,'x',x * 10)")  # fmt: skip
    assert marked != init_text
    codes[init_text] = compile(marked, "<string>", "exec", dont_inherit=True)
    with open(path, "wb") as handle:
        marshal.dump(codes, handle)
    before = os.stat(path).st_mtime_ns
    with cli.dataclass_code_kept(path, write=True):
        Kept = _point_class()
    assert Kept(1).x == 10
    assert os.stat(path).st_mtime_ns == before  # nothing new: not written again


def test_a_damaged_file_is_only_a_slower_start(tmp_path):
    path = tmp_path / "kept.marshal"
    path.write_bytes(b"not marshal data")
    with cli.dataclass_code_kept(str(path), write=True):
        Point = _point_class()
    assert Point(3).y == 2
    assert isinstance(marshal.loads(path.read_bytes()), dict)  # written afresh


def test_nothing_is_written_where_python_writes_no_byte_code(tmp_path):
    path = tmp_path / "kept.marshal"
    with cli.dataclass_code_kept(str(path), write=False):
        assert _point_class()(1).x == 1
    assert not path.exists()


def test_it_sits_beside_initlints_own_byte_code():
    found = cli._dataclass_code_file()
    assert found is not None
    assert os.path.dirname(found) == os.path.join(os.path.dirname(os.path.abspath(cli.__file__)), "__pycache__")
