"""A block used twice with different arguments (pix2pix's `Down`): the norm is there for one
caller only, so the list's items after the conv have no certain place, but the conv itself
is always `model[0]`. The fix names it so and is applied once: a second `--fix` finds the
init it wrote and changes nothing.
"""

import torch
import torch.nn as nn


class Down(nn.Module):
    def __init__(self, i: int = 3, o: int = 8, normalize: bool = True) -> None:
        super(Down, self).__init__()
        layers = [nn.Conv2d(i, o, 4, 2, 1, bias=False)]  # expect: IL102 act=leaky_relu param=0.2 init=default layer=model.0
        if normalize:
            layers.append(nn.InstanceNorm2d(o))
        layers.append(nn.LeakyReLU(0.2))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class Gen(nn.Module):
    def __init__(self) -> None:
        super(Gen, self).__init__()
        self.down1 = Down(3, 8, normalize=False)
        self.down2 = Down(8, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down2(self.down1(x))


EXAMPLE_INPUTS = {"Down": ((2, 3, 16, 16),), "Gen": ((2, 3, 16, 16),)}
