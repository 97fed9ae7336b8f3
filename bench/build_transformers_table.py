#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on transformers: what follows each Conv/Linear.

transformers runs on the project's torch, but CI must not install it, so this runs once in a
separate venv and CI only reads what it wrote:

    python3 -m venv bench/.venv-transformers
    bench/.venv-transformers/bin/pip install torch==2.13.0 transformers==5.23.0
    PYTHONPATH=$PWD bench/.venv-transformers/bin/python bench/build_transformers_table.py

Each model is built from a small config (random weights, nothing downloaded) inside
`record_construction()` and traced by running it (the hooks method) on small inputs, in eval mode
(in training mode LayerDrop skips whole layers at random). Writes
tests/data/transformers_runtime.json in the layout of
bench/build_torchvision_table.py's table (construction chains are frames in the models' own
modeling_*.py files; each layer's `weights`: still torch's default draw once the constructor's
`post_init()` has run `_init_weights`, or rewritten); tests/test_runtime_agreement.py and
bench/static_vs_runtime.py compare it with the static analysis of those files, whose sha256 the table records.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import DefaultDraws, built_recorded, timed_verify, traced_sites, write  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "transformers_runtime.json"
VERSION = "5.23.0"

DECODER = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=2, vocab_size=256, max_position_embeddings=64)  # fmt: skip
ENCODER = dict(num_hidden_layers=2)
VIT = dict(image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
           intermediate_size=128)  # fmt: skip

# name -> (folder under transformers/models, model class, config overrides, inputs)
MODELS = {
    "bert": ("bert", "BertForPreTraining", ENCODER, "text"),
    "roberta": ("roberta", "RobertaForMaskedLM", ENCODER, "text"),
    "distilbert": ("distilbert", "DistilBertForMaskedLM", dict(n_layers=2), "text"),
    "albert": ("albert", "AlbertForPreTraining", ENCODER, "text"),
    "electra": ("electra", "ElectraForPreTraining", ENCODER, "text"),
    "deberta_v2": ("deberta_v2", "DebertaV2ForMaskedLM", ENCODER, "text"),
    "llama": ("llama", "LlamaForCausalLM", DECODER, "text"),
    "mistral": ("mistral", "MistralForCausalLM", DECODER, "text"),
    "qwen2": ("qwen2", "Qwen2ForCausalLM", DECODER, "text"),
    "gemma": ("gemma", "GemmaForCausalLM", dict(DECODER, head_dim=16), "text"),
    "phi": ("phi", "PhiForCausalLM", DECODER, "text"),
    "opt": ("opt", "OPTForCausalLM", dict(hidden_size=64, ffn_dim=128, num_hidden_layers=2, num_attention_heads=4,
                                          vocab_size=256, word_embed_proj_dim=64), "text"),  # fmt: skip
    "t5": ("t5", "T5ForConditionalGeneration", dict(d_model=64, d_ff=128, num_layers=2, num_heads=4, d_kv=16,
                                                    vocab_size=256), "seq2seq"),  # fmt: skip
    "bart": ("bart", "BartForConditionalGeneration", dict(d_model=64, encoder_layers=2, decoder_layers=2,
             encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
             vocab_size=256), "seq2seq"),  # fmt: skip
    "vit": ("vit", "ViTForImageClassification", VIT, "image32"),
    "dinov2": ("dinov2", "Dinov2ForImageClassification", dict(VIT, patch_size=4), "image32"),
    "swin": ("swin", "SwinForImageClassification", dict(image_size=32, patch_size=4, embed_dim=32, depths=[1, 1],
                                                        num_heads=[2, 4], window_size=4), "image32"),  # fmt: skip
    "convnext": ("convnext", "ConvNextForImageClassification", dict(depths=[1, 1, 1, 1],
                 hidden_sizes=[16, 32, 64, 128]), "image64"),  # fmt: skip
    "resnet": ("resnet", "ResNetForImageClassification", dict(depths=[1, 1, 1, 1], embedding_size=16,
               hidden_sizes=[16, 32, 64, 128]), "image64"),  # fmt: skip
    "regnet": ("regnet", "RegNetForImageClassification", dict(depths=[1, 1, 1, 1], embedding_size=16,
               hidden_sizes=[16, 32, 64, 128], groups_width=8), "image64"),  # fmt: skip
    "mobilenet_v2": ("mobilenet_v2", "MobileNetV2ForImageClassification", dict(image_size=64), "image64"),
    "efficientnet": ("efficientnet", "EfficientNetForImageClassification", dict(image_size=64, width_coefficient=0.25,
                     depth_coefficient=0.25, hidden_dim=320), "image64"),  # fmt: skip
    "segformer": ("segformer", "SegformerForSemanticSegmentation", dict(hidden_sizes=[16, 32, 64, 128],
                  decoder_hidden_size=64, depths=[1, 1, 1, 1]), "image64"),  # fmt: skip
    "wav2vec2": ("wav2vec2", "Wav2Vec2ForCTC", dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                 intermediate_size=128, conv_dim=(32, 32), conv_kernel=(10, 3), conv_stride=(5, 2),
                 num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, vocab_size=32), "audio"),  # fmt: skip
    "whisper": ("whisper", "WhisperForConditionalGeneration", dict(d_model=64, encoder_layers=1, decoder_layers=1,
                encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                vocab_size=256, max_source_positions=50, max_target_positions=32, pad_token_id=0,
                bos_token_id=1, eos_token_id=1, decoder_start_token_id=2), "whisper"),  # fmt: skip
}


def inputs(kind: str, config) -> dict:
    import torch

    ids = torch.randint(0, min(getattr(config, "vocab_size", 256), 256), (1, 12))
    if kind == "text":
        return {"input_ids": ids}
    if kind == "seq2seq":
        return {"input_ids": ids, "decoder_input_ids": ids[:, :6]}
    if kind.startswith("image"):
        size = int(kind[5:])
        return {"pixel_values": torch.randn(1, getattr(config, "num_channels", 3), size, size)}
    if kind == "audio":
        return {"input_values": torch.randn(1, 2000)}
    if kind == "whisper":
        return {"input_features": torch.randn(1, config.num_mel_bins, 2 * config.max_source_positions),
                "decoder_input_ids": ids[:, :6]}  # fmt: skip
    raise ValueError(kind)


def model_class(folder: str, class_name: str):
    import importlib

    return getattr(importlib.import_module(f"transformers.models.{folder}"), class_name)


def build(model_class, config, draws: DefaultDraws):
    return built_recorded(lambda: model_class(config), draws)


def main() -> int:
    import torch
    import transformers

    if transformers.__version__ != VERSION:
        print(f"expected transformers {VERSION}, found {transformers.__version__}", file=sys.stderr)
        return 2
    package = Path(transformers.__file__).resolve().parent
    sources = {name: f"models/{folder}/modeling_{folder}.py" for name, (folder, *_) in MODELS.items()}
    table = {
        "package": "transformers",
        "transformers": VERSION,
        "torch": torch.__version__.split("+")[0],
        "mode": "eval",
        "sources": {rel: hashlib.sha256((package / rel).read_bytes()).hexdigest() for rel in sources.values()},
        "models": {},
    }
    for name, (folder, class_name, overrides, kind) in MODELS.items():
        cls = model_class(folder, class_name)
        config = cls.config_class(**overrides)
        draws = DefaultDraws()
        verified = timed_verify(lambda: build(cls, config, draws), inputs(kind, config), name)
        table["models"][name] = traced_sites(*verified, name, package, {sources[name]}, draws.state)
    write(table, OUT)
    print(f"wrote {OUT.relative_to(REPO)} ({OUT.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
