"""An nn.Sequential subclass with a forward of its own that runs its items in order as
nn.Sequential's does (`for module in self: x = module(x)`, in every branch of an `if`, with dtype
changes around the call: kornia's `_DescriptorSequential` keeps its last norm in float32) holds the
layers a call passes and runs them so. Before, a forward of its own hid them (no row, no finding:
SOSNet's seven convs). A forward that does anything else is not taken for Sequential's. Checked
with torch."""

from __future__ import annotations

import sys
import textwrap
import types

import pytest

from initlint.program import analyze_program

SEQ = textwrap.dedent('''
    import torch
    import torch.nn as nn


    class HalfSafeSequential(nn.Sequential):
        """Runs a marked norm in float32 for half inputs."""

        def __init__(self, *args):
            super().__init__(*args)
            if len(self) and isinstance(self[-1], nn.BatchNorm2d):
                self[-1]._float32 = True

        def forward(self, input: torch.Tensor) -> torch.Tensor:
            for module in self:
                if getattr(module, "_float32", False) and input.dtype == torch.float16:
                    input = module(input.float()).to(input.dtype)
                else:
                    input = module(input)
            return input


    class Squashing(nn.Sequential):
        def __init__(self, *args):
            super().__init__(*args)

        def forward(self, x):
            for module in self:
                x = torch.tanh(module(x))
            return x


    class SkipsNorms(nn.Sequential):
        def __init__(self, *args):
            super().__init__(*args)

        def forward(self, x):
            for module in self:
                if isinstance(module, nn.BatchNorm2d):
                    continue
                x = module(x)
            return x
''')

NET = textwrap.dedent('''
    import torch.nn as nn

    from blocks.seq import HalfSafeSequential, SkipsNorms, Squashing


    class Descriptor(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = HalfSafeSequential(
                nn.Conv2d(1, 8, 3, padding=1, bias=False),
                nn.BatchNorm2d(8, affine=False),
                nn.ReLU(),
                nn.Conv2d(8, 8, 3, bias=False),
                nn.BatchNorm2d(8, affine=False),
            )

        def forward(self, x):
            return self.layers(x)


    class Squashed(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = Squashing(nn.Conv2d(1, 8, 3), nn.Conv2d(8, 8, 3))

        def forward(self, x):
            return self.layers(x)


    class Skipping(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = SkipsNorms(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU())

        def forward(self, x):
            return self.layers(x)
''')


@pytest.fixture(scope="module")
def rows() -> dict:
    models, errors, _ = analyze_program({"blocks/__init__.py": "", "blocks/seq.py": SEQ, "net.py": NET})
    assert not errors
    return {(layer.class_name, layer.name): layer for layer in models["net.py"].layers}


def traced(name: str) -> dict:
    torch = pytest.importorskip("torch")
    from initlint.runtime import verify

    seq = types.ModuleType("blocks.seq")
    exec(compile(SEQ, "blocks/seq.py", "exec"), seq.__dict__)
    saved = {key: sys.modules.get(key) for key in ("blocks", "blocks.seq")}
    sys.modules.update({"blocks": types.ModuleType("blocks"), "blocks.seq": seq})
    try:
        namespace: dict = {}
        exec(compile(NET, "net.py", "exec"), namespace)
        model = namespace[name]().eval()
    finally:  # other tests import modules named `blocks` of their own
        for key, module in saved.items():
            if module is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = module
    report = verify(model, torch.randn(2, 1, 8, 8), method="hooks", static=False, target=name)
    return {row.layer: row.activation for row in report.layers}


def test_a_forward_that_runs_the_items_in_order_is_sequentials(rows) -> None:
    assert traced("Descriptor") == {"layers.0": "relu", "layers.3": "none"}
    first, last = rows["Descriptor", "layers.0"], rows["Descriptor", "layers.3"]
    assert (first.activation, last.activation) == ("relu", "none")
    assert first.init == "default"


def test_a_forward_that_does_more_is_not_taken_for_sequentials(rows) -> None:
    assert traced("Squashed") == {"layers.0": "tanh", "layers.1": "tanh"}  # its own tanh after each item
    for name in ("layers.0", "layers.1"):
        assert ("Squashed", name) not in rows or rows["Squashed", name].activation in ("tanh", "unknown")
    assert traced("Skipping") == {"layers.0": "relu"}  # the norm between is skipped
    assert ("Skipping", "layers.0") not in rows or rows["Skipping", "layers.0"].activation in ("relu", "unknown")
