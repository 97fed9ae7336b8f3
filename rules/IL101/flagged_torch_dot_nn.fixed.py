"""Plain `import torch`, every class spelled torch.nn.X: 1-D and 3-D convolutions.

A MaxPool1d sits between conv2 and its ReLU; `torch.nn.functional.relu` is spelled in full.
The fix spells the init module `torch.nn.init`, the only spelling the file has.
"""

import torch


class AudioConvNet(torch.nn.Module):
    def __init__(self, in_channels: int = 1, channels: int = 16, num_classes: int = 6) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv1d(in_channels, channels, kernel_size=5, stride=2, padding=2)  # expect: IL101 act=relu init=default layer=conv1 type=Conv1d
        torch.nn.init.kaiming_uniform_(self.conv1.weight, nonlinearity="relu")
        self.bn1 = torch.nn.BatchNorm1d(channels)
        self.conv2 = torch.nn.Conv1d(channels, channels, kernel_size=3, padding=1)  # expect: IL101 act=relu init=default layer=conv2 type=Conv1d
        torch.nn.init.kaiming_uniform_(self.conv2.weight, nonlinearity="relu")
        self.pool = torch.nn.MaxPool1d(2)
        self.fc = torch.nn.Linear(channels, num_classes)  # expect: act=none init=default layer=fc type=Linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.relu(self.bn1(self.conv1(x)))
        x = self.conv2(x)
        x = self.pool(x)
        x = torch.relu(x)
        x = x.mean(dim=-1)
        return self.fc(x)


class VideoStem(torch.nn.Module):
    def __init__(self, in_channels: int = 3, channels: int = 8) -> None:
        super().__init__()
        self.conv = torch.nn.Conv3d(in_channels, channels, kernel_size=(3, 7, 7), stride=(1, 2, 2), padding=(1, 3, 3), bias=False)  # expect: IL101 act=relu init=default layer=conv type=Conv3d
        torch.nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")
        self.bn = torch.nn.BatchNorm3d(channels)
        self.relu = torch.nn.ReLU(inplace=True)
        self.pool = torch.nn.MaxPool3d(kernel_size=(1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.relu(self.bn(self.conv(x))))


EXAMPLE_INPUTS = {"AudioConvNet": ((2, 1, 64),), "VideoStem": ((2, 3, 4, 16, 16),)}
