"""Runtime mode: build a real torch model, trace what follows each Conv/Linear, check its weights.

    from initlint.runtime import verify
    report = verify(model, example_inputs)    # report.ok, .layers, .method, .table(), .as_json()

Importing this package does not import torch; calling `verify` does.
"""

from __future__ import annotations

from typing import Any

from .report import LayerRow, Report, VerifyError

__all__ = ["LayerRow", "Report", "VerifyError", "assert_init_ok", "record_construction", "verify"]


def verify(model: Any, example_inputs: Any = None, **options: Any) -> Report:
    """See `initlint.runtime.run.verify`."""
    from .run import verify as run_verify

    return run_verify(model, example_inputs, **options)


def assert_init_ok(model: Any, example_inputs: Any = None, **options: Any) -> Report:
    """For tests: fail with the verify table when any layer keeps the default init or mismatches its activation."""
    report = verify(model, example_inputs, **options)
    if not report.ok:
        raise AssertionError("initlint verify found layers whose init does not fit their activation:\n" + report.table())
    return report


def record_construction() -> Any:
    """Context manager: layers built inside it remember where, so `verify` can report `source`."""
    from .provenance import record_construction as recorder

    return recorder()
