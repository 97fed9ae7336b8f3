"""Layers built in a helper that also applies their activation.

The layers are reported at the call in the class; the fix goes in the helper, right after the
line that binds the layer (`conv = nn.Conv2d(...)`, or `layers[-1]` right after an inline
`layers.append(nn.Conv2d(...))`), where one init reaches the layer of every call. That is only
right when every call's layer is followed by the same activation:

- `conv_relu_stack`, nested in `__init__`: called twice, ReLU inside: fixed in the helper, safe.
- `make_layers`, a module-level function: other modules may call it for other layers, so its
  fix is unsafe (applied with `--unsafe-fixes` only); the message names the helper's line.
- `linear_then`, nested: its callers pass different activations (ReLU, then Tanh): no init in
  the helper suits both, so each call's layer is fixed after that call, by its index.
"""

import torch
import torch.nn as nn


def make_layers(cfg=(8, "M", 16), in_channels: int = 3) -> nn.Sequential:
    layers = []
    for v in cfg:
        if v == "M":
            layers += [nn.MaxPool2d(2)]
        else:
            conv = nn.Conv2d(in_channels, v, 3, padding=1)
            layers += [conv, nn.ReLU(inplace=True)]
            in_channels = v
    return nn.Sequential(*layers)


class Features(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = make_layers()  # expect: IL101 act=relu init=default layer=features.*
        self.head = nn.Conv2d(16, 2, 1)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class NestedStack(nn.Module):
    def __init__(self, width: int = 8) -> None:
        super().__init__()

        def conv_relu_stack(c_in, c_out, depth):
            layers = []
            for i in range(depth):
                layers.append(nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1))
                layers.append(nn.ReLU())
            return layers

        self.body = nn.Sequential(
            *conv_relu_stack(3, width, 2),  # expect: IL101 act=relu init=default layer=body.*
            *conv_relu_stack(width, width, 1),  # expect: IL101 act=relu init=default layer=body.*
        )
        self.head = nn.Conv2d(width, 2, 1)  # expect: act=none init=default layer=head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


class ActivationPerCaller(nn.Module):
    def __init__(self, width: int = 16) -> None:
        super().__init__()

        def linear_then(c_in, c_out, act):
            layers = [nn.Linear(c_in, c_out)]
            layers.append(act)
            return nn.Sequential(*layers)

        self.hidden = linear_then(width, width, nn.ReLU())  # expect: IL101 act=relu init=default layer=hidden.0
        self.gate = linear_then(width, width, nn.Tanh())  # expect: IL103 act=tanh init=default layer=gate.0
        self.out = nn.Linear(width, 2)  # expect: act=none init=default layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.gate(self.hidden(x)))


EXAMPLE_INPUTS = {"Features": ((2, 3, 8, 8),), "NestedStack": ((2, 3, 8, 8),), "ActivationPerCaller": ((2, 16),)}
