"""Library knowledge: what the analysis knows of particular libraries (torchvision, einops,
transformers), keyed by resolved qualified names."""
