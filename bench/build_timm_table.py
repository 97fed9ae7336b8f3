#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on timm: what follows each Conv/Linear.

timm needs torchvision, which does not load on the project's torch, so this runs once in the
torchvision venv of bench/build_torchvision_table.py and CI only reads what it wrote:

    (bench/.venv-torchvision, as bench/build_torchvision_table.py makes it)
    bench/.venv-torchvision/bin/pip install --no-deps timm==1.0.31 pyyaml huggingface_hub safetensors
    PYTHONPATH=$PWD bench/.venv-torchvision/bin/python bench/build_timm_table.py

Each model is built with `timm.create_model(name, pretrained=False)` inside
`record_construction()` and traced by running it (the hooks method) on one 1x3xSxS input, in
eval mode (drop-path and dropout off). A layer's construction chain is its frames in
timm/models/*.py and timm/layers/*.py (not the generic `create_model` factories); the
table's sources are the files those chains pass through. Writes tests/data/timm_runtime.json in the
layout of the torchvision table (each layer's `weights`: still torch's default draw once
`create_model` has run the model's init, or rewritten).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import DefaultDraws, built_recorded, timed_verify, traced_sites, write_with_sources  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "timm_runtime.json"
VERSION = "1.0.31"
# Small members of the families timm is used for; input side as each was trained.
MODELS = {
    "resnet18": 224, "resnet50d": 224, "seresnext26d_32x4d": 224, "efficientnet_b0": 224,
    "mobilenetv3_small_100": 224, "mobilenetv2_100": 224, "regnety_002": 224, "convnext_atto": 224,
    "vit_tiny_patch16_224": 224, "deit_tiny_patch16_224": 224, "mixer_s32_224": 224, "resmlp_12_224": 224,
    "poolformer_s12": 224, "ghostnet_100": 224, "densenet121": 224, "dla34": 224, "cspresnet50": 224,
    "rexnet_100": 224, "mnasnet_100": 224, "levit_128s": 224, "coat_lite_tiny": 224, "edgenext_xx_small": 256,
}  # fmt: skip


def build(name: str, draws: DefaultDraws):
    import timm

    return built_recorded(lambda: timm.create_model(name, pretrained=False), draws)


def main() -> int:
    import timm
    import torch

    if timm.__version__ != VERSION:
        print(f"expected timm {VERSION}, found {timm.__version__}", file=sys.stderr)
        return 2
    package = Path(timm.__file__).resolve().parent
    # model and layer code; not the generic factories every model passes through (create_model)
    generic = {"models/_builder.py", "models/_factory.py", "models/_registry.py", "models/_helpers.py"}
    files = {p.relative_to(package).as_posix() for folder in ("models", "layers") for p in (package / folder).glob("*.py")}
    files -= generic
    table = {
        "package": "timm",
        "timm": VERSION,
        "torch": torch.__version__.split("+")[0],
        "mode": "eval",
        "sources": {},
        "models": {},
    }
    for name, size in MODELS.items():
        draws = DefaultDraws()
        try:
            verified = timed_verify(lambda: build(name, draws), torch.randn(1, 3, size, size), name)
        except Exception as error:  # a model this timm/torch pair cannot build or run: say so, go on
            print(f"{name}: skipped ({type(error).__name__}: {error})", file=sys.stderr)
            continue
        table["models"][name] = traced_sites(*verified, name, package, files, draws.state)
    write_with_sources(table, package, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
