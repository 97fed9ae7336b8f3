"""Names torch.nn.init rejects: calculate_gain("gelu"), ("silu"), ("prelu") and
kaiming_*_(nonlinearity="gelu") raise ValueError("Unsupported nonlinearity ...") when
they run. Here they sit in an init routine that the model does not run when it is built
(a `reinit` helper called later, as training scripts do), so the model builds and the
mistake waits for the first run that calls it.
"""

import torch
from torch import nn


class GeluMlp(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.fc1 = nn.Linear(width, width * 2)  # expect: act=gelu init=unknown layer=fc1
        self.act = nn.GELU()
        self.fc2 = nn.Linear(width * 2, width)  # expect: act=none init=unknown layer=fc2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))

    def reinit(self) -> None:
        nn.init.xavier_uniform_(self.fc1.weight, gain=nn.init.calculate_gain("gelu"))  # expect: IL204
        nn.init.kaiming_normal_(self.fc2.weight, nonlinearity="silu")  # expect: IL204


def reinit_prelu_layer(layer: nn.Linear) -> None:
    nn.init.kaiming_uniform_(layer.weight, a=0.25, nonlinearity="leaky_relu")
    nn.init.uniform_(layer.bias, -torch.nn.init.calculate_gain("prelu", 0.25), 0.1)  # expect: IL204


EXAMPLE_INPUTS = {"GeluMlp": ((2, 32),)}
