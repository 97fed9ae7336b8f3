"""The training script: it re-initialises every Conv the generator holds (not its Linear)."""

import torch
from models import Generator


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight.data, 0.0, 0.02)


generator = Generator()
generator.apply(weights_init_normal)

MODEL, INPUT_SHAPE = generator, (2, 16)
