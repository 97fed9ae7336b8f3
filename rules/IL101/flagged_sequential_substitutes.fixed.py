"""Sequential substitutes and class aliases.

`ConvBNReLU` subclasses nn.Sequential and registers its modules with `super().__init__(...)`;
`Chain` subclasses it with no body: both run their modules in order, as nn.Sequential does.
`Conv1x1 = partial(nn.Conv2d, kernel_size=1, bias=False)` and `Linear = nn.Linear` are still
those layers when called, and `partial(nn.LeakyReLU, negative_slope=0.2)` keeps its slope.
"""

from functools import partial

import torch
import torch.nn as nn

Linear = nn.Linear
Conv1x1 = partial(nn.Conv2d, kernel_size=1, bias=False)


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin: int = 3, cout: int = 8) -> None:
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),  # expect: IL101 act=relu6 init=default layer=0
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=True),
        )
        nn.init.kaiming_uniform_(self[0].weight, nonlinearity="relu")
        self.out_channels = cout


class Chain(nn.Sequential):
    pass


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        leaky = partial(nn.LeakyReLU, negative_slope=0.2)
        self.stem = ConvBNReLU(3, 8)
        self.mix = Chain(Conv1x1(8, 8), nn.BatchNorm2d(8), nn.ReLU())  # expect: IL101 act=relu init=default layer=mix.0
        nn.init.kaiming_uniform_(self.mix[0].weight, nonlinearity="relu")
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = Linear(8, 8)  # expect: IL102 act=leaky_relu param=0.2 init=default layer=fc
        nn.init.kaiming_uniform_(self.fc.weight, a=0.2, nonlinearity="leaky_relu")
        self.act = leaky(inplace=True)
        self.head = Linear(8, 2)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(self.mix(self.stem(x))).flatten(1)
        return self.head(self.act(self.fc(h)))


EXAMPLE_INPUTS = {"ConvBNReLU": ((2, 3, 8, 8),), "Chain": None, "Net": ((2, 3, 8, 8),)}
