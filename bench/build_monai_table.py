#!/usr/bin/env python3
"""Runtime ground truth for the static analysis on MONAI: what follows each Conv/Linear.

MONAI (medical imaging) is a library initlint was never tuned for and is not measured on while
the analysis is worked on: a check of how the analysis does on code it has not seen. Its
networks build layers through factories keyed by names and tuples (`Conv[Conv.CONV, 2]`,
`get_act_layer(("leakyrelu", {...}))`, `Norm[...]`), blocks such as `Convolution` and
`ResidualUnit` that take the activation from their callers, and init routines of their own. It
runs on the project's torch, but CI must not install it, so this runs once in a separate venv
and CI only reads what it wrote:

    python3 -m venv bench/.venv-monai
    bench/.venv-monai/bin/pip install torch==2.13.0 numpy einops
    bench/.venv-monai/bin/pip install --no-deps monai==1.6.1
    PYTHONPATH=$PWD bench/.venv-monai/bin/python bench/build_monai_table.py

Each network is built from a small 2-d config (random weights, nothing downloaded) inside
`record_construction()` and traced by running it (the hooks method) on one small input, in eval
mode. A layer's construction chain is its frames in monai/networks/**/*.py; the table's sources
are the files those chains pass through. Writes tests/data/monai_runtime.json in the layout of
bench/build_torchvision_table.py's table (each layer's `weights`: still torch's default draw once
the constructor has run, or rewritten).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_torchvision_table import build_package_table  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "tests" / "data" / "monai_runtime.json"
VERSION = "1.6.1"

IMAGE = (1, 1, 32, 32)
SMALL = dict(spatial_dims=2, in_channels=1, out_channels=2)
ENCODER = dict(channels=(4, 8, 16), strides=(2, 2, 2))
TRANSFORMER = dict(in_channels=1, img_size=(32, 32), hidden_size=64, mlp_dim=128, num_heads=4, spatial_dims=2)

# name -> (class in monai.networks.nets, config, input shape)
MODELS = {
    "basic_unet": ("BasicUNet", dict(SMALL, features=(8, 8, 16, 16, 32, 8)), IMAGE),
    "basic_unetpp": ("BasicUNetPlusPlus", dict(SMALL, features=(8, 8, 16, 16, 32, 8)), IMAGE),
    "unet": ("UNet", dict(SMALL, channels=(8, 16, 32), strides=(2, 2), num_res_units=2), IMAGE),
    "attention_unet": ("AttentionUnet", dict(SMALL, channels=(8, 16, 32), strides=(2, 2)), IMAGE),
    "dynunet": ("DynUNet", dict(SMALL, kernel_size=[3, 3, 3], strides=[1, 2, 2], upsample_kernel_size=[2, 2],
                filters=[8, 16, 32]), IMAGE),  # fmt: skip
    "segresnet": ("SegResNet", dict(SMALL, init_filters=8, blocks_down=(1, 1, 1), blocks_up=(1, 1)), IMAGE),
    "segresnet_ds": ("SegResNetDS", dict(SMALL, init_filters=8, blocks_down=(1, 1, 1)), IMAGE),
    "vnet": ("VNet", dict(spatial_dims=3, in_channels=1, out_channels=2), (1, 1, 32, 32, 32)),
    "highresnet": ("HighResNet", SMALL, IMAGE),
    "densenet121": ("DenseNet121", SMALL, (1, 1, 64, 64)),
    "resnet": ("ResNet", dict(block="basic", layers=[1, 1, 1, 1], block_inplanes=[16, 32, 64, 128], spatial_dims=2,
               n_input_channels=1, num_classes=2), (1, 1, 64, 64)),  # fmt: skip
    "seresnet50": ("SEResNet50", dict(spatial_dims=2, in_channels=1, num_classes=2), (1, 1, 64, 64)),
    "seresnext50": ("SEResNext50", dict(spatial_dims=2, in_channels=1, num_classes=2), (1, 1, 64, 64)),
    "efficientnet_b0": ("EfficientNetBN", dict(model_name="efficientnet-b0", pretrained=False, spatial_dims=2,
                        in_channels=1, num_classes=2), (1, 1, 64, 64)),  # fmt: skip
    "unetr": ("UNETR", dict(TRANSFORMER, out_channels=2, feature_size=8), IMAGE),
    "swin_unetr": ("SwinUNETR", dict(in_channels=1, out_channels=2, feature_size=12, spatial_dims=2, depths=(1, 1, 1, 1),
                   num_heads=(1, 1, 1, 1)), (1, 1, 64, 64)),  # fmt: skip
    "vit": ("ViT", dict(TRANSFORMER, patch_size=(8, 8), num_layers=2, classification=True, num_classes=2), IMAGE),
    "autoencoder": ("AutoEncoder", dict(spatial_dims=2, in_channels=1, out_channels=1, **ENCODER), IMAGE),
    "varautoencoder": ("VarAutoEncoder", dict(spatial_dims=2, in_shape=(1, 32, 32), out_channels=1, latent_size=2,
                       **ENCODER), IMAGE),  # fmt: skip
    "regressor": ("Regressor", dict(in_shape=(1, 32, 32), out_shape=(1,), **ENCODER), IMAGE),
    "classifier": ("Classifier", dict(in_shape=(1, 32, 32), classes=3, **ENCODER), IMAGE),
    "discriminator": ("Discriminator", dict(in_shape=(1, 32, 32), **ENCODER), IMAGE),
    "generator": ("Generator", dict(latent_shape=(8,), start_shape=(16, 4, 4), channels=(8, 4, 1), strides=(2, 2, 2)),
                  (1, 8)),  # fmt: skip
    "fully_connected": ("FullyConnectedNet", dict(in_channels=10, out_channels=2, hidden_channels=[16, 16]), (1, 10)),
    "var_fully_connected": ("VarFullyConnectedNet", dict(in_channels=10, out_channels=10, latent_size=2,
                            encode_channels=[16], decode_channels=[16]), (1, 10)),  # fmt: skip
    "regunet": ("RegUNet", dict(spatial_dims=2, in_channels=1, num_channel_initial=8, depth=2, out_channels=2), IMAGE),
    "localnet": ("LocalNet", dict(spatial_dims=2, in_channels=1, num_channel_initial=8, extract_levels=(0, 1, 2),
                 out_channels=2), IMAGE),  # fmt: skip
    "globalnet": ("GlobalNet", dict(image_size=(32, 32), spatial_dims=2, in_channels=1, num_channel_initial=8, depth=2),
                  IMAGE),  # fmt: skip
    "quicknat": ("Quicknat", dict(num_classes=2, num_channels=1, num_filters=8), IMAGE),
}


def main() -> int:
    import monai
    from monai.networks import nets

    if monai.__version__ != VERSION:
        print(f"expected monai {VERSION}, found {monai.__version__}", file=sys.stderr)
        return 2
    package = Path(monai.__file__).resolve().parent
    files = {p.relative_to(package).as_posix() for p in (package / "networks").rglob("*.py")}
    models = {name: ((lambda cls=class_name, config=config: getattr(nets, cls)(**config)), shape)
              for name, (class_name, config, shape) in MODELS.items()}  # fmt: skip
    build_package_table("monai", VERSION, package, files, models, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
