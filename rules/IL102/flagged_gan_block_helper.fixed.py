"""The PyTorch-GAN generator: a helper nested in `__init__` returns a list of layers, and the
model splices its results into one Sequential (`*block(...)`).

Each `block(...)` call builds a Linear followed by LeakyReLU(0.2) (with a BatchNorm1d in
between when `normalize` is true, which is transparent); the layers are reported at the
call that builds them. The helper applies the activation itself, so every call's Linear is
followed by the same LeakyReLU(0.2): the fix goes in the helper, right after the line that
binds the layer (`layers[0]`), and reaches each call. The last Linear feeds the output Tanh
(a head: not fixed).
"""

import torch
import torch.nn as nn

LATENT_DIM = 16
IMG_SHAPE = (1, 8, 8)


class Generator(nn.Module):
    def __init__(self) -> None:
        super().__init__()

        def block(in_feat, out_feat, normalize=True):
            layers = [nn.Linear(in_feat, out_feat)]
            nn.init.kaiming_uniform_(layers[0].weight, a=0.2, nonlinearity="leaky_relu")
            if normalize:
                layers.append(nn.BatchNorm1d(out_feat, 0.8))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            return layers

        self.model = nn.Sequential(
            *block(LATENT_DIM, 32, normalize=False),  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.0
            *block(32, 64),  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.2
            nn.Linear(64, 64),  # expect: IL103 act=tanh init=default layer=model.5
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        img = self.model(z)
        return img.view(img.size(0), *IMG_SHAPE)


EXAMPLE_INPUTS = {"Generator": ((4, 16),)}
