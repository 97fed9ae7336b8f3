"""transformers (5.23.0): what its own source says too indirectly to follow."""

from __future__ import annotations

# Callables that take a class only to test modules' types against it (`OutputRecorder(SwinStage,
# index=0)`: which submodules' outputs to record); the class passed is not built there.
READS_CLASSES = frozenset({"transformers.utils.output_capturing.OutputRecorder"})

HOOKS: dict = {}
