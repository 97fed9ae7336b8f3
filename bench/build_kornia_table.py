#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on kornia: what follows each Conv/Linear.

kornia (differentiable computer vision) is, like MONAI (bench/build_monai_table.py), a library the
analysis is not worked on against: local feature networks written by their papers' authors
(HardNet, SOSNet, KeyNet, DISK, ALIKED, XFeat, SOLD2), an edge detector (DexiNed) and ViTs. It
runs on the project's torch, but CI must not install it, so this runs once in a separate venv and
CI only reads what it wrote:

    python3 -m venv bench/.venv-kornia
    bench/.venv-kornia/bin/pip install torch==2.13.0 numpy packaging
    bench/.venv-kornia/bin/pip install --no-deps kornia==0.9.0 kornia_rs==0.2.0
    PYTHONPATH=$PWD bench/.venv-kornia/bin/python bench/build_kornia_table.py

Each network is built with random weights (pretrained=False; nothing downloaded) inside
`record_construction()` and traced by running it (the hooks method) on one small input, in eval
mode. A layer's construction chain is its frames in kornia/**/*.py; the table's sources are the
files those chains pass through. Writes tests/data/kornia_runtime.json in the layout of
bench/build_torchvision_table.py's table.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import build_package_table  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "kornia_runtime.json"
VERSION = "0.9.0"
PATCHES = (2, 1, 32, 32)


def models() -> dict:
    """name -> (a function building it, input shape)."""
    import kornia.feature as KF
    from kornia.models.dexined import DexiNed
    from kornia.models.tiny_vit import TinyViT
    from kornia.models.vit import VisionTransformer

    return {
        "hardnet": (lambda: KF.HardNet(pretrained=False), PATCHES),
        "hardnet8": (lambda: KF.HardNet8(pretrained=False), PATCHES),
        "sosnet": (lambda: KF.SOSNet(pretrained=False), PATCHES),
        "tfeat": (lambda: KF.TFeat(pretrained=False), PATCHES),
        "hynet": (lambda: KF.HyNet(pretrained=False), PATCHES),
        "affnet": (lambda: KF.affine_shape.LAFAffNetShapeEstimator(pretrained=False), PATCHES),
        "orinet": (lambda: KF.orientation.OriNet(pretrained=False), PATCHES),
        "keynet": (lambda: KF.KeyNet(pretrained=False), (1, 1, 64, 64)),
        "disk": (lambda: KF.DISK(), (1, 3, 64, 64)),
        "aliked": (lambda: KF.ALIKED(), (1, 3, 64, 64)),
        "xfeat": (lambda: KF.XFeat(), (1, 3, 64, 64)),
        "sold2": (lambda: KF.SOLD2(pretrained=False), (1, 1, 64, 64)),
        "dexined": (lambda: DexiNed(pretrained=False), (1, 3, 64, 64)),
        "tiny_vit": (lambda: TinyViT(img_size=64, num_classes=10, embed_dims=[16, 32, 32, 32], depths=[1, 1, 1, 1],
                                     num_heads=[1, 2, 2, 2], window_sizes=[4, 4, 4, 2]), (1, 3, 64, 64)),  # fmt: skip
        "vit": (lambda: VisionTransformer(image_size=32, patch_size=8, embed_dim=64, depth=2, num_heads=4), (1, 3, 32, 32)),
    }


def main() -> int:
    import kornia

    if kornia.__version__ != VERSION:
        print(f"expected kornia {VERSION}, found {kornia.__version__}", file=sys.stderr)
        return 2
    package = Path(kornia.__file__).resolve().parent
    files = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    build_package_table("kornia", VERSION, package, files, models(), OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
