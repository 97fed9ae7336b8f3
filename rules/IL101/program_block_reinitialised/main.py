from vit import ViT

MODEL, INPUT_SHAPE = ViT(), (2, 32)
