"""A model that adopted initlint with `--add-noqa`, then had some of its layers fixed: the
`# noqa` comments that no longer suppress anything are what IL900 reports."""

import torch
import torch.nn as nn
import torch.nn.functional as F


class Adopted(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)  # noqa: IL101  expect: act=relu init=default
        self.fc2 = nn.Linear(32, 32)  # noqa: IL101  expect: IL900 act=relu init=explicit
        nn.init.kaiming_uniform_(self.fc2.weight, nonlinearity="relu")
        self.fc3 = nn.Linear(32, 32)  # noqa: IL103, IL101  expect: IL900 act=relu init=default
        self.head = nn.Linear(32, 8)  # noqa: IL301  expect: IL900 act=none init=default
        self.scale = 2.0  # noqa: IL999, E501  expect: IL900

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = F.relu(self.fc3(x))
        return self.head(x) * self.scale


EXAMPLE_INPUTS = {"Adopted": ((2, 16),)}
