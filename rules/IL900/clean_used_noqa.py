"""`# noqa` comments IL900 leaves alone: codes that suppress a finding, a bare `# noqa`
(other tools may need it), other tools' codes, and noqa text inside a string."""

import torch
import torch.nn as nn


class Kept(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(16, 32)  # noqa: IL101  expect: act=relu init=default
        self.fc2 = nn.Linear(32, 32)  # noqa  expect: act=tanh init=default
        self.head = nn.Linear(32, 8)  # noqa: E501  expect: act=none init=default
        self.note = "# noqa: IL101"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.head(x)


EXAMPLE_INPUTS = {"Kept": ((2, 16),)}
