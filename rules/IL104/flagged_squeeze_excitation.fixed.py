"""torchvision.ops.SqueezeExcitation, as torchvision writes it.

The activations are constructor parameters with defaults (`activation=torch.nn.ReLU`,
`scale_activation=torch.nn.Sigmoid`), built in __init__ and applied in a helper method
(`_scale`) whose result forward multiplies into the input. fc1 feeds ReLU, fc2 feeds the
sigmoid gate. The file spells torch.nn in full, so the fix does too.
"""

from typing import Callable

import torch
from torch import Tensor


class SqueezeExcitation(torch.nn.Module):
    """
    This block implements the Squeeze-and-Excitation block from https://arxiv.org/abs/1709.01507 (see Fig. 1).
    Parameters ``activation``, and ``scale_activation`` correspond to ``delta`` and ``sigma`` in eq. 3.
    """

    def __init__(
        self,
        input_channels: int = 32,
        squeeze_channels: int = 8,
        activation: Callable[..., torch.nn.Module] = torch.nn.ReLU,
        scale_activation: Callable[..., torch.nn.Module] = torch.nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc1 = torch.nn.Conv2d(input_channels, squeeze_channels, 1)  # expect: IL101 act=relu init=default layer=fc1 type=Conv2d
        torch.nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        self.fc2 = torch.nn.Conv2d(squeeze_channels, input_channels, 1)  # expect: IL104 act=sigmoid init=default layer=fc2 type=Conv2d
        self.activation = activation()
        self.scale_activation = scale_activation()

    def _scale(self, input: Tensor) -> Tensor:
        scale = self.avgpool(input)
        scale = self.fc1(scale)
        scale = self.activation(scale)
        scale = self.fc2(scale)
        return self.scale_activation(scale)

    def forward(self, input: Tensor) -> Tensor:
        scale = self._scale(input)
        return scale * input


EXAMPLE_INPUTS = {"SqueezeExcitation": ((2, 32, 8, 8),)}
