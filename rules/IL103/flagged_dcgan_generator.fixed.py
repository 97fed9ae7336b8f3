"""The DCGAN tutorial's generator, without its weights_init: ConvTranspose2d layers.

The hidden transposed convs feed ReLU (IL101). The last one feeds Tanh and its output is
the image the model returns: an output head, flagged by IL103 but never autofixed.
"""

import torch
import torch.nn as nn


class Generator(nn.Module):
    def __init__(self, nz: int = 16, ngf: int = 8, nc: int = 3) -> None:
        super().__init__()
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),  # expect: IL101 act=relu init=default layer=main.0 type=ConvTranspose2d
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            # state size. (ngf*8) x 4 x 4
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),  # expect: IL101 act=relu init=default layer=main.3 type=ConvTranspose2d
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 8 x 8
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),  # expect: IL101 act=relu init=default layer=main.6 type=ConvTranspose2d
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 16 x 16
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),  # expect: IL101 act=relu init=default layer=main.9 type=ConvTranspose2d
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # state size. (ngf) x 32 x 32
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),  # expect: IL103 act=tanh init=default layer=main.12 type=ConvTranspose2d
            nn.Tanh(),
            # state size. (nc) x 64 x 64
        )
        nn.init.kaiming_uniform_(self.main[0].weight, nonlinearity="relu")
        nn.init.kaiming_uniform_(self.main[3].weight, nonlinearity="relu")
        nn.init.kaiming_uniform_(self.main[6].weight, nonlinearity="relu")
        nn.init.kaiming_uniform_(self.main[9].weight, nonlinearity="relu")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return self.main(input)


EXAMPLE_INPUTS = {"Generator": ((2, 16, 1, 1),)}
