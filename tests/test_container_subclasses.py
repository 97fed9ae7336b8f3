"""An nn.Sequential subclass that keeps Sequential's forward and whose __init__ only passes its
`*args` on (`super().__init__(*args)`, then marks a module: kornia's `_DescriptorSequential`) holds
the layers a call passes, in order, as nn.Sequential would. Before, those layers were not even
listed (no row, no finding), in its own module or another (SOSNet, HyNet). Checked with torch."""

from __future__ import annotations

import textwrap

import pytest

from initlint.program import analyze_program

NORM = textwrap.dedent('''
    import torch
    import torch.nn as nn


    class DescriptorSequential(nn.Sequential):
        """Keeps the last BatchNorm's statistics in float32."""

        def __init__(self, *args):
            super().__init__(*args)
            if len(self) and isinstance(self[-1], nn.BatchNorm2d):
                self[-1]._float32_statistics = True


    class WithHead(nn.Sequential):
        def __init__(self, *args):
            super().__init__(*args)
            self.head = nn.Tanh()
''')

NET = textwrap.dedent('''
    import torch.nn as nn

    from blocks.norm import DescriptorSequential, WithHead


    class Descriptor(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = DescriptorSequential(
                nn.Conv2d(1, 8, 3, padding=1, bias=False),
                nn.BatchNorm2d(8, affine=False),
                nn.ReLU(),
                nn.Conv2d(8, 8, 3, bias=False),
                nn.BatchNorm2d(8, affine=False),
            )

        def forward(self, x):
            return self.layers(x)


    class Headed(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = WithHead(nn.Conv2d(1, 8, 3))

        def forward(self, x):
            return self.layers(x)
''')


@pytest.fixture(scope="module")
def rows() -> dict:
    models, errors, _ = analyze_program({"blocks/__init__.py": "", "blocks/norm.py": NORM, "net.py": NET})
    assert not errors
    return {(layer.class_name, layer.name): layer for layer in models["net.py"].layers}


def traced(name: str) -> dict:
    torch = pytest.importorskip("torch")
    import sys
    import types

    from initlint.runtime import verify

    norm = types.ModuleType("blocks.norm")
    exec(compile(NORM, "blocks/norm.py", "exec"), norm.__dict__)
    saved = {key: sys.modules.get(key) for key in ("blocks", "blocks.norm")}
    sys.modules.update({"blocks": types.ModuleType("blocks"), "blocks.norm": norm})
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


def test_the_layers_passed_to_a_pass_through_subclass_are_listed_and_followed(rows) -> None:
    runtime = traced("Descriptor")
    assert runtime == {"layers.0": "relu", "layers.3": "none"}
    assert (rows["Descriptor", "layers.0"].activation, rows["Descriptor", "layers.3"].activation) == ("relu", "none")
    assert rows["Descriptor", "layers.0"].init == "default"


def test_a_subclass_that_registers_more_is_not_taken_for_its_items(rows) -> None:
    assert traced("Headed") == {"layers.0": "tanh"}  # its own `self.head` runs after the items
    assert ("Headed", "layers.0") not in rows or rows["Headed", "layers.0"].activation in ("tanh", "unknown")
