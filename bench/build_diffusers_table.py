#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on diffusers: what follows each Conv/Linear.

diffusers is a library initlint was never tuned for; it runs on the project's torch, but CI must
not install it, so this runs once in a separate venv and CI only reads what it wrote:

    python3 -m venv bench/.venv-diffusers
    bench/.venv-diffusers/bin/pip install torch==2.13.0 diffusers==0.42.1
    PYTHONPATH=$PWD bench/.venv-diffusers/bin/python bench/build_diffusers_table.py

Each model is built from a small config (random weights, nothing downloaded) inside
`record_construction()` and traced by running it (the hooks method) on small inputs, in eval
mode. A layer's construction chain is its frames in diffusers/models/**/*.py (not the generic
modeling_utils.py); the table's sources are the files those chains pass through. Writes
tests/data/diffusers_runtime.json in the layout of bench/build_torchvision_table.py's table (each
layer's `weights`: still torch's default draw once the constructor has run, or rewritten);
tests/test_runtime_agreement.py and bench/static_vs_runtime.py compare it with the static
analysis of those files, whose sha256 the table records.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import DefaultDraws, built_recorded, timed_verify, traced_sites, write_with_sources  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "diffusers_runtime.json"
VERSION = "0.42.1"

DOWN2 = ("DownBlock2D", "AttnDownBlock2D")
UP2 = ("AttnUpBlock2D", "UpBlock2D")
CROSS_DOWN = ("CrossAttnDownBlock2D", "DownBlock2D")
CROSS_UP = ("UpBlock2D", "CrossAttnUpBlock2D")
VAE = dict(in_channels=3, out_channels=3, block_out_channels=(16, 32), layers_per_block=1, norm_num_groups=8)

# name -> (model class, config, inputs)
MODELS = {
    "unet2d": ("UNet2DModel", dict(sample_size=16, in_channels=3, out_channels=3, block_out_channels=(16, 32),
               layers_per_block=1, norm_num_groups=8, attention_head_dim=8, down_block_types=DOWN2,
               up_block_types=UP2), "unet2d"),  # fmt: skip
    "unet2d_condition": ("UNet2DConditionModel", dict(sample_size=16, in_channels=4, out_channels=4,
                         block_out_channels=(16, 32), layers_per_block=1, norm_num_groups=8, cross_attention_dim=16,
                         attention_head_dim=4, down_block_types=CROSS_DOWN, up_block_types=CROSS_UP),
                         "unet2d_condition"),  # fmt: skip
    "autoencoder_kl": ("AutoencoderKL", dict(VAE, latent_channels=4, down_block_types=("DownEncoderBlock2D",) * 2,
                       up_block_types=("UpDecoderBlock2D",) * 2), "image"),  # fmt: skip
    "vq_model": ("VQModel", dict(VAE, latent_channels=4, num_vq_embeddings=32, vq_embed_dim=4,
                 down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2), "image"),  # fmt: skip
    "dit": ("DiTTransformer2DModel", dict(num_attention_heads=2, attention_head_dim=8, in_channels=4, out_channels=4,
            num_layers=2, sample_size=8, patch_size=2, num_embeds_ada_norm=10), "dit"),  # fmt: skip
    "pixart": ("PixArtTransformer2DModel", dict(num_attention_heads=2, attention_head_dim=8, in_channels=4,
               out_channels=8, num_layers=2, sample_size=8, patch_size=2, cross_attention_dim=16, caption_channels=16,
               norm_num_groups=8), "pixart"),  # fmt: skip
    "sd3": ("SD3Transformer2DModel", dict(sample_size=8, patch_size=2, in_channels=4, out_channels=4, num_layers=2,
            attention_head_dim=8, num_attention_heads=2, joint_attention_dim=16, caption_projection_dim=16,
            pooled_projection_dim=16, pos_embed_max_size=16), "sd3"),  # fmt: skip
    "controlnet": ("ControlNetModel", dict(in_channels=4, block_out_channels=(16, 32), layers_per_block=1,
                   norm_num_groups=8, cross_attention_dim=16, attention_head_dim=4,
                   down_block_types=CROSS_DOWN, conditioning_embedding_out_channels=(8, 16)), "controlnet"),  # fmt: skip
    "unet1d": ("UNet1DModel", dict(sample_size=32, in_channels=2, out_channels=2, block_out_channels=(16, 32, 32),
               extra_in_channels=16, time_embedding_dim=16, down_block_types=("DownBlock1DNoSkip", "DownBlock1D", "AttnDownBlock1D"),
               up_block_types=("AttnUpBlock1D", "UpBlock1D", "UpBlock1DNoSkip"), mid_block_type="UNetMidBlock1D",
               out_block_type=None), "unet1d"),  # fmt: skip
    "t2i_adapter": ("T2IAdapter", dict(in_channels=3, channels=[16, 32], num_res_blocks=1, downscale_factor=4,
                    adapter_type="full_adapter"), "adapter"),  # fmt: skip
    "prior": ("PriorTransformer", dict(num_attention_heads=2, attention_head_dim=8, num_layers=2, embedding_dim=16,
              num_embeddings=4, additional_embeddings=4), "prior"),  # fmt: skip
}


def inputs(kind: str) -> dict:
    import torch

    t = torch.tensor([10])
    if kind == "unet2d":
        return {"sample": torch.randn(1, 3, 16, 16), "timestep": t}
    if kind == "unet2d_condition":
        return {"sample": torch.randn(1, 4, 16, 16), "timestep": t, "encoder_hidden_states": torch.randn(1, 5, 16)}
    if kind == "controlnet":
        return {"sample": torch.randn(1, 4, 16, 16), "timestep": t, "encoder_hidden_states": torch.randn(1, 5, 16),
                "controlnet_cond": torch.randn(1, 3, 32, 32)}  # fmt: skip
    if kind == "image":
        return {"sample": torch.randn(1, 3, 16, 16)}
    if kind == "dit":
        return {"hidden_states": torch.randn(1, 4, 8, 8), "timestep": t, "class_labels": torch.tensor([1])}
    if kind == "pixart":
        return {"hidden_states": torch.randn(1, 4, 8, 8), "timestep": t, "encoder_hidden_states": torch.randn(1, 5, 16),
                "added_cond_kwargs": {"resolution": None, "aspect_ratio": None}}  # fmt: skip
    if kind == "sd3":
        return {"hidden_states": torch.randn(1, 4, 8, 8), "timestep": t, "encoder_hidden_states": torch.randn(1, 5, 16),
                "pooled_projections": torch.randn(1, 16)}  # fmt: skip
    if kind == "unet1d":
        return {"sample": torch.randn(1, 2, 32), "timestep": t}
    if kind == "adapter":
        return {"x": torch.randn(1, 3, 32, 32)}
    if kind == "prior":
        return {"hidden_states": torch.randn(1, 16), "timestep": t, "proj_embedding": torch.randn(1, 16),
                "encoder_hidden_states": torch.randn(1, 4, 16)}  # fmt: skip
    raise ValueError(kind)


def build(model_class, config: dict, draws: DefaultDraws):
    return built_recorded(lambda: model_class(**config), draws)


def main() -> int:
    import diffusers
    import torch

    if diffusers.__version__ != VERSION:
        print(f"expected diffusers {VERSION}, found {diffusers.__version__}", file=sys.stderr)
        return 2
    package = Path(diffusers.__file__).resolve().parent
    generic = {"models/modeling_utils.py"}  # from_config / register_to_config plumbing every model passes through
    files = {p.relative_to(package).as_posix() for p in (package / "models").rglob("*.py")} - generic
    table = {
        "package": "diffusers",
        "diffusers": VERSION,
        "torch": torch.__version__.split("+")[0],
        "mode": "eval",
        "sources": {},
        "models": {},
    }
    for name, (class_name, config, kind) in MODELS.items():
        cls = getattr(diffusers, class_name)
        draws = DefaultDraws()
        verified = timed_verify(lambda: build(cls, config, draws), inputs(kind), name)
        table["models"][name] = traced_sites(*verified, name, package, files, draws.state)
    write_with_sources(table, package, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
