#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on x-transformers: what follows each Conv/Linear.

x-transformers (lucidrains) is held out like MONAI and kornia (bench/build_monai_table.py): nobody
here tunes the analysis against it. One 4,800-line module builds every transformer from option
keywords grouped by prefix (`ff_glu`, `attn_gate_values`, ... split off `**kwargs` by
`groupby_prefix_and_trim`), its layers from a tuple of layer-type letters, wrapped in residual and
norm blocks chosen by flags. It runs on the project's torch, but CI must not install it, so this
runs once in a separate venv and CI only reads what it wrote:

    python3 -m venv /work/venvs/xtf
    /work/venvs/xtf/bin/pip install torch==2.13.0 numpy
    /work/venvs/xtf/bin/pip install x-transformers==2.31.10   # einops, einx, loguru, packaging, torch-einops-utils
    PYTHONPATH=$PWD /work/venvs/xtf/bin/python bench/build_x_transformers_table.py

Each network is a small TransformerWrapper (or ViTransformerWrapper, XTransformer) under one option
set, random weights, traced on one batch of tokens in eval mode (bench/build_torchvision_table.py's
build_package_table). Writes tests/data/x_transformers_runtime.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import build_package_table  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "x_transformers_runtime.json"
VERSION = "2.31.10"
TOKENS = 64
SMALL = dict(dim=32, depth=2, heads=2, attn_dim_head=16)

# name -> (Encoder or Decoder, its options); each one a TransformerWrapper over TOKENS tokens
LANGUAGE_MODELS = {
    "decoder_plain": ("Decoder", {}),
    "encoder_plain": ("Encoder", {}),
    "decoder_ff_glu": ("Decoder", dict(ff_glu=True)),
    "decoder_ff_swish_glu": ("Decoder", dict(ff_glu=True, ff_swish=True)),
    "encoder_ff_relu_squared": ("Encoder", dict(ff_relu_squared=True)),
    "decoder_attn_gate_values": ("Decoder", dict(attn_gate_values=True, attn_head_scale=True)),
    "encoder_macaron_rmsnorm": ("Encoder", dict(macaron=True, use_rmsnorm=True)),
    "decoder_sandwich_norm": ("Decoder", dict(sandwich_norm=True, ff_post_act_ln=True)),
    "encoder_residual_attn": ("Encoder", dict(residual_attn=True, pre_norm=False)),
    "decoder_rotary_qk_norm": ("Decoder", dict(rotary_pos_emb=True, attn_qk_norm=True, ff_no_bias=True)),
    "decoder_rel_pos_bias": ("Decoder", dict(rel_pos_bias=True, attn_pre_talking_heads=True, attn_output_gate=True)),
    "encoder_dynamic_pos_bias": ("Encoder", dict(dynamic_pos_bias=True, attn_sparse_topk=8)),
    "decoder_zero_init_layerscale": ("Decoder", dict(zero_init_branch_output=True, use_layerscale=True)),
    "decoder_gate_residual_scalenorm": ("Decoder", dict(gate_residual=True, use_scalenorm=True, ff_solu=True)),
    "decoder_value_residual": ("Decoder", dict(add_value_residual=True, attn_gate_value_heads=True, depth=3)),
    "encoder_shift_tokens_alibi": ("Encoder", dict(shift_tokens=1, alibi_pos_bias=True, attn_one_kv_head=True)),
}


def models() -> dict:
    """name -> (a function building it, input shape)."""
    import x_transformers as X

    def language_model(layers: str, options: dict):
        def make():
            model = X.TransformerWrapper(num_tokens=100, max_seq_len=TOKENS,
                                         attn_layers=getattr(X, layers)(**{**SMALL, **options}))  # fmt: skip
            return _token_input(model)

        return make

    built = {name: (language_model(layers, options), (1, TOKENS)) for name, (layers, options) in LANGUAGE_MODELS.items()}
    built["vit"] = (lambda: X.ViTransformerWrapper(image_size=32, patch_size=8, num_classes=10,
                                                    attn_layers=X.Encoder(**SMALL)), (1, 3, 32, 32))  # fmt: skip
    built["xtransformer"] = (lambda: _token_input(X.XTransformer(dim=32, enc_num_tokens=100, enc_depth=1, enc_heads=2,
                                                 enc_max_seq_len=TOKENS, dec_num_tokens=100, dec_depth=1, dec_heads=2,
                                                 dec_max_seq_len=TOKENS), pair=True), (1, TOKENS))  # fmt: skip
    return built


def _token_input(model, pair: bool = False):
    """The model fed integer tokens from the float input the tracer draws (its shape: batch, tokens)."""
    from torch import nn

    class TokenInput(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            tokens = (x.abs() * 37).long() % 100
            return self.inner(tokens, tokens) if pair else self.inner(tokens)

    return TokenInput(model)


def main() -> int:
    from importlib.metadata import version

    import x_transformers

    found = version("x-transformers")
    if found != VERSION:
        print(f"expected x-transformers {VERSION}, found {found}", file=sys.stderr)
        return 2
    package = Path(x_transformers.__file__).resolve().parent
    files = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    build_package_table("x_transformers", VERSION, package, files, models(), OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
