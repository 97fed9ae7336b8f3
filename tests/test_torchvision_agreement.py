"""The static analysis against the runtime trace of torchvision's classifiers (the target it is held to).

The runtime side is tests/data/torchvision_runtime.json, built by bench/build_torchvision_table.py
in a separate venv (torchvision 0.28+ does not load on the project's torch). The static side
runs here on torchvision's source, downloaded (never imported) by bench/static_vs_runtime.py.
Every static claim must equal the runtime activation (agreement 100%, per file), and at
least 90% of the construction sites of the seven files must get a claim (coverage).
"""

import importlib.util
import sys
from pathlib import Path

import pytest

pytest.importorskip("libcst")

BENCH = Path(__file__).resolve().parent.parent / "bench" / "static_vs_runtime.py"
_spec = importlib.util.spec_from_file_location("static_vs_runtime", BENCH)
svr = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("static_vs_runtime", svr)  # dataclasses look their module up
_spec.loader.exec_module(svr)

TABLE = svr.load_table()


@pytest.fixture(scope="module")
def results():
    try:
        root = svr.torchvision_source(TABLE)
    except svr.CorpusUnavailable as error:
        pytest.skip(f"torchvision's source is needed to compare with the runtime table: {error}")
    return {result.path: result for result in svr.compare(TABLE, root)}


def test_table_is_complete_and_small():
    assert TABLE["torchvision"] == "0.29.1"
    assert len(TABLE["sources"]) == 7
    assert len(TABLE["models"]) == 22
    assert svr.TABLE.stat().st_size < 512 * 1024
    for name, entry in TABLE["models"].items():
        assert entry["layers"] == sum(len(site["layers"]) for site in entry["sites"]), name
        assert all(site["chain"] for site in entry["sites"]), f"{name}: a layer without a construction chain"


@pytest.mark.parametrize("path", list(TABLE["sources"]))
def test_static_claims_agree_with_runtime(results, path):
    result = results[path]
    assert result.claims > 0, result.summary()
    assert not result.disagreements, result.summary() + "\n" + "\n".join(result.disagreements)


def test_static_covers_construction_sites(results):
    """Over all seven files: a file has 4 to 8 sites, so 90% of one file would mean all of them."""
    sites = [site for result in results.values() for site in result.sites]
    covered = [site for site in sites if svr._known(site.claim)]
    report = "\n".join(
        [result.summary() for result in results.values()]
        + [f"{path} {line}" for path, result in results.items() for line in result.uncovered]
    )
    assert len(covered) / len(sites) >= svr.COVERAGE_TARGET, report
