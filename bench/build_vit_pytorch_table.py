#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on vit-pytorch: what follows each Conv/Linear.

vit-pytorch (lucidrains) is research-style code initlint was never tuned for: one file per
paper, einops everywhere, attention and feed-forward blocks written out by hand. Its wheel
declares torchvision, which does not load on the project's torch and which only its
self-supervised trainers (dino, es_vit, lejepa, levjepa) import, so it is installed without
dependencies, in a separate venv, and CI only reads what this wrote:

    python3 -m venv bench/.venv-vit
    bench/.venv-vit/bin/pip install torch==2.13.0 einops
    bench/.venv-vit/bin/pip install --no-deps vit-pytorch==1.26.11
    PYTHONPATH=$PWD bench/.venv-vit/bin/python bench/build_vit_pytorch_table.py

The package's `__init__.py` imports dino (torchvision), so its modules are loaded under a bare
package module that skips it. Each model is built from a small config (random weights) inside
`record_construction()` and traced by running it (the hooks method) on one small input, in eval
mode. A layer's construction chain is its frames in vit_pytorch/*.py; the table's sources are the
files those chains pass through. Writes tests/data/vit_pytorch_runtime.json in the layout of
bench/build_torchvision_table.py's table (each layer's `weights`: still torch's default draw once
the constructor has run, or rewritten).
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import DefaultDraws, built_recorded, timed_verify, traced_sites, write_with_sources  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "vit_pytorch_runtime.json"
VERSION = "1.26.11"
NEEDS_TORCHVISION = {"dino.py", "es_vit.py", "lejepa.py", "levjepa.py"}

VIT = dict(image_size=32, patch_size=8, num_classes=10, dim=32, depth=2, heads=2, mlp_dim=64, dim_head=16)
STAGES4 = dict(dim=(16, 32, 32, 32), depth=(1, 1, 1, 1))

# name -> (module, class, config, input side). Not here: local_vit, mae and simmim, which fail on
# their own forward in this release (a LayerNorm over the wrong axis; MAE reads ViT's pos_embedding
# as 3-d where it is 2-d).
MODELS = {
    "vit": ("vit", "ViT", VIT, 32),
    "simple_vit": ("simple_vit", "SimpleViT", VIT, 32),
    "deepvit": ("deepvit", "DeepViT", VIT, 32),
    "cait": ("cait", "CaiT", dict(VIT, cls_depth=1), 32),
    "xcit": ("xcit", "XCiT", dict(VIT, cls_depth=1), 32),
    "rvt": ("rvt", "RvT", VIT, 32),
    "vit_small_dataset": ("vit_for_small_dataset", "ViT", VIT, 32),
    "parallel_vit": ("parallel_vit", "ViT", VIT, 32),
    "vit_patch_merger": ("vit_with_patch_merger", "ViT", dict(VIT, patch_merge_layer=1, patch_merge_num_tokens=4), 32),
    "simple_vit_registers": ("simple_vit_with_register_tokens", "SimpleViT", VIT, 32),
    "simple_vit_qk_norm": ("simple_vit_with_qk_norm", "SimpleViT", VIT, 32),
    "normalized_vit": ("normalized_vit", "nViT", VIT, 32),
    "vit_5": ("vit_5", "ViT", VIT, 32),
    "jumbo_vit": ("jumbo_vit", "JumboViT", VIT, 32),
    "simple_uvit": ("simple_uvit", "SimpleUViT", dict(VIT, depth=3), 32),
    "pit": ("pit", "PiT", dict(VIT, depth=(1, 1)), 32),
    "t2t": ("t2t", "T2TViT", dict(image_size=32, num_classes=10, dim=32, depth=2, heads=2, mlp_dim=64, dim_head=16,
             t2t_layers=((7, 4), (3, 2))), 32),  # fmt: skip
    "cct": ("cct", "CCT", dict(img_size=32, embedding_dim=32, n_conv_layers=2, kernel_size=3, stride=1, padding=1,
             num_layers=2, num_heads=2, mlp_ratio=2.0, num_classes=10, positional_embedding="learnable"), 32),  # fmt: skip
    "cross_vit": ("cross_vit", "CrossViT", dict(image_size=32, num_classes=10, sm_dim=16, lg_dim=32, sm_patch_size=4,
                  sm_enc_heads=2, sm_enc_mlp_dim=32, sm_enc_dim_head=8, lg_patch_size=8, lg_enc_depth=1, lg_enc_heads=2,
                  lg_enc_mlp_dim=32, lg_enc_dim_head=8, cross_attn_depth=1, cross_attn_heads=2, cross_attn_dim_head=8,
                  depth=1, dropout=0.0, emb_dropout=0.0), 32),  # fmt: skip
    "levit": ("levit", "LeViT", dict(image_size=64, num_classes=10, dim=(16, 32, 48), depth=1, heads=(1, 2, 2), mlp_mult=2,
              dim_key=8, dim_value=8), 64),  # fmt: skip
    "cvt": ("cvt", "CvT", dict(num_classes=10, s1_emb_dim=16, s2_emb_dim=32, s2_depth=1, s3_emb_dim=32, s3_heads=2,
            s3_depth=1), 64),  # fmt: skip
    "twins_svt": ("twins_svt", "TwinsSVT", dict(num_classes=10, s1_emb_dim=16, s1_local_patch_size=4, s1_global_k=4,
                  s2_emb_dim=16, s2_local_patch_size=4, s2_global_k=2, s3_emb_dim=32, s3_local_patch_size=2, s3_global_k=1,
                  s3_depth=1, s4_emb_dim=32, s4_local_patch_size=1, s4_global_k=1, s4_depth=1), 64),  # fmt: skip
    "crossformer": ("crossformer", "CrossFormer", dict(dim=(32, 32, 32, 32), depth=(1, 1, 1, 1), num_classes=10,
                    global_window_size=(2, 2, 1, 1),
                    local_window_size=2), 64),  # fmt: skip
    "regionvit": ("regionvit", "RegionViT", dict(STAGES4, window_size=2, num_classes=10), 64),
    "regionvit_3conv": ("regionvit", "RegionViT", dict(STAGES4, window_size=2, num_classes=10, tokenize_local_3_conv=True,
                        use_peg=True), 64),  # fmt: skip
    "scalable_vit": ("scalable_vit", "ScalableViT", dict(num_classes=10, dim=16, depth=(1, 1, 1, 1), heads=(1, 1, 2, 2),
                     reduction_factor=(2, 2, 1, 1), window_size=(4, 2, None, None), ssa_dim_key=8, ssa_dim_value=8,
                     iwsa_dim_key=8, iwsa_dim_value=8), 64),  # fmt: skip
    # its windows are 7 wide whatever the config says; a stage of one window skips window_tokens_to_qk
    "sep_vit": ("sep_vit", "SepViT", dict(num_classes=10, dim=16, depth=(1, 1, 1, 1), heads=(1, 1, 2, 2), window_size=7,
                dim_head=8), 448),  # fmt: skip
    "max_vit": ("max_vit", "MaxViT", dict(num_classes=10, dim=16, depth=(1, 1), dim_head=8, window_size=2, dropout=0.0), 32),
    "nest": ("nest", "NesT", dict(image_size=32, patch_size=4, num_classes=10, dim=16, heads=2, num_hierarchies=2,
             block_repeats=(1, 1), dim_head=8), 32),  # fmt: skip
    "mobile_vit": ("mobile_vit", "MobileViT", dict(image_size=(64, 64), dims=[16, 24, 32],
                   channels=[8, 8, 16, 16, 16, 16, 24, 24, 32, 32, 64], num_classes=10, depths=(1, 1, 1)), 64),  # fmt: skip
}


def load_package() -> Path:
    """The installed vit_pytorch folder, its modules importable without running its `__init__.py`."""
    import importlib.util

    spec = importlib.util.find_spec("vit_pytorch")
    folder = Path(spec.submodule_search_locations[0]).resolve()
    package = types.ModuleType("vit_pytorch")
    package.__path__ = [str(folder)]
    sys.modules["vit_pytorch"] = package
    return folder


def model_class(module: str, name: str):
    return getattr(importlib.import_module(f"vit_pytorch.{module}"), name)


def build(cls, config: dict, draws: DefaultDraws):
    return built_recorded(lambda: cls(**config), draws)


def installed_version() -> str:
    from importlib.metadata import version

    return version("vit-pytorch")


def main() -> int:
    import torch

    if installed_version() != VERSION:
        print(f"expected vit-pytorch {VERSION}, found {installed_version()}", file=sys.stderr)
        return 2
    package = load_package()
    files = {p.name for p in package.glob("*.py")} - NEEDS_TORCHVISION - {"__init__.py"}
    table = {
        "package": "vit_pytorch",
        "vit_pytorch": VERSION,
        "torch": torch.__version__.split("+")[0],
        "mode": "eval",
        "sources": {},
        "models": {},
    }
    for name, (module, class_name, config, side) in MODELS.items():
        draws = DefaultDraws()
        try:
            cls = model_class(module, class_name)
            verified = timed_verify(lambda: build(cls, config, draws), torch.randn(1, 3, side, side), name)
        except Exception as error:  # a model this config or torch cannot build or run: say so, go on
            print(f"{name}: skipped ({type(error).__name__}: {error})", file=sys.stderr)
            continue
        table["models"][name] = traced_sites(*verified, name, package, files, draws.state)
    write_with_sources(table, package, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
