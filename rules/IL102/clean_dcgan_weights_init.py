"""The DCGAN tutorial's discriminator: `netD.apply(weights_init)` outside the class.

weights_init is a function of this file that sets every Conv weight to normal(0, 0.02),
and it is applied to the model with `model.apply(fn)`, so the convs are explicitly
initialised (DCGAN's choice, which IL102 does not second-guess). The last conv feeds a
Sigmoid and is initialised too.
"""

import torch
import torch.nn as nn


class Discriminator(nn.Module):
    def __init__(self, nc: int = 3, ndf: int = 8) -> None:
        super().__init__()
        self.main = nn.Sequential(
            # input is (nc) x 64 x 64
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),  # expect: act=leaky_relu param=0.2 init=explicit layer=main.0
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 32 x 32
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),  # expect: act=leaky_relu param=0.2 init=explicit layer=main.2
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 16 x 16
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),  # expect: act=leaky_relu param=0.2 init=explicit layer=main.5
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*4) x 8 x 8
            nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),  # expect: act=leaky_relu param=0.2 init=explicit layer=main.8
            nn.BatchNorm2d(ndf * 8),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*8) x 4 x 4
            nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),  # expect: act=sigmoid init=explicit layer=main.11
            nn.Sigmoid(),
        )

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return self.main(input)


# custom weights initialization called on netD
def weights_init(m: nn.Module) -> None:
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


def build_discriminator(nc: int = 3, ndf: int = 8) -> Discriminator:
    netD = Discriminator(nc, ndf)
    netD.apply(weights_init)
    return netD


EXAMPLE_INPUTS = {"Discriminator": ((2, 3, 64, 64),)}
