"""A GAN generator in the PyTorch-GAN style: Linear -> Tanh is the image, returned through `.view`.

The hidden layers feed LeakyReLU (IL102, fixed). The last Linear feeds Tanh, and the model
returns that Tanh's output reshaped to an image: an output head. IL103 flags it (its gain is
still far from 5/3) but never fixes it: a head's scale is a choice, not a fact.
"""

import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, latent_dim: int = 16, channels: int = 1, size: int = 8) -> None:
        super().__init__()
        self.shape = (channels, size, size)
        self.model = nn.Sequential(
            nn.Linear(latent_dim, 64),  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.0
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(64, 128),  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.2
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(128, channels * size * size),  # expect: IL103 act=tanh init=default layer=model.4
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        img = self.model(z)
        return img.view(img.size(0), *self.shape)


EXAMPLE_INPUTS = {"Generator": ((2, 16),)}
