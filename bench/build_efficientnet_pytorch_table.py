#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on efficientnet_pytorch: what follows each Conv/Linear.

efficientnet_pytorch (lukemelas' EfficientNet, pure torch) is held out like MONAI and kornia
(bench/build_monai_table.py): nobody here tunes the analysis against it. Its blocks are built from
decoded block strings and namedtuples (`BlockArgs._replace(...)`), its convs by a factory that
returns a class (`Conv2d = get_same_padding_conv2d(image_size)`), its Swish an autograd Function.
It runs on the project's torch, but CI must not install it, so this runs once in a separate venv
and CI only reads what it wrote:

    python3 -m venv /work/venvs/effnet
    /work/venvs/effnet/bin/pip install torch==2.13.0 numpy
    /work/venvs/effnet/bin/pip install --no-deps efficientnet_pytorch==0.7.1   # an sdist only
    PYTHONPATH=$PWD /work/venvs/effnet/bin/python bench/build_efficientnet_pytorch_table.py

Each network is built with `EfficientNet.from_name` (random weights, nothing downloaded), traced on
one small input in eval mode (bench/build_torchvision_table.py's build_package_table). Writes
tests/data/efficientnet_pytorch_runtime.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import build_package_table  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "efficientnet_pytorch_runtime.json"
VERSION = "0.7.1"
IMAGE = (1, 3, 64, 64)


def models() -> dict:
    """name -> (a function building it, input shape)."""
    from efficientnet_pytorch import EfficientNet

    def standard_swish(model):  # set_swish(False): nn.SiLU modules instead of the autograd Function
        model.set_swish(memory_efficient=False)
        return model

    return {
        "b0": (lambda: EfficientNet.from_name("efficientnet-b0"), IMAGE),
        "b1": (lambda: EfficientNet.from_name("efficientnet-b1"), IMAGE),
        "b2": (lambda: EfficientNet.from_name("efficientnet-b2"), IMAGE),
        "b3": (lambda: EfficientNet.from_name("efficientnet-b3"), IMAGE),
        # image_size=None: Conv2dDynamicSamePadding instead of the static one
        "b0_dynamic_padding": (lambda: EfficientNet.from_name("efficientnet-b0", image_size=None), IMAGE),
        "b0_no_top": (lambda: EfficientNet.from_name("efficientnet-b0", include_top=False, num_classes=10), IMAGE),
        "b1_one_channel": (lambda: EfficientNet.from_name("efficientnet-b1", in_channels=1, num_classes=5), (1, 1, 64, 64)),
        "b0_silu": (lambda: standard_swish(EfficientNet.from_name("efficientnet-b0")), IMAGE),
    }


def main() -> int:
    import efficientnet_pytorch

    if efficientnet_pytorch.__version__ != VERSION:
        print(f"expected efficientnet_pytorch {VERSION}, found {efficientnet_pytorch.__version__}", file=sys.stderr)
        return 2
    package = Path(efficientnet_pytorch.__file__).resolve().parent
    files = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    build_package_table("efficientnet_pytorch", VERSION, package, files, models(), OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
