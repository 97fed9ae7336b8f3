"""The ReLU is several ops away from the layer: pooling, dropout, reshapes and normalisation
pass the signal through on the way, so the ReLU after them is what the layer feeds.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    """The 2017 pytorch/examples MNIST net: max-pool first, then ReLU; a view before fc1."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)  # expect: IL101 act=relu init=default layer=conv1
        nn.init.kaiming_uniform_(self.conv1.weight, nonlinearity="relu")
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)  # expect: IL101 act=relu init=default layer=conv2
        nn.init.kaiming_uniform_(self.conv2.weight, nonlinearity="relu")
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(320, 50)  # expect: IL101 act=relu init=default layer=fc1
        nn.init.kaiming_uniform_(self.fc1.weight, nonlinearity="relu")
        self.fc2 = nn.Linear(50, 10)  # expect: act=softmax init=default layer=fc2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


class ResnetBlock(nn.Module):
    """CycleGAN's residual block: reflection padding, InstanceNorm, Dropout, a residual add."""

    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=True),  # expect: IL101 act=relu init=default layer=conv_block.1
            nn.InstanceNorm2d(dim),
            nn.ReLU(True),
            nn.Dropout(0.5),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, padding=0, bias=True),  # expect: act=none init=default layer=conv_block.6
            nn.InstanceNorm2d(dim),
        )
        nn.init.kaiming_uniform_(self.conv_block[1].weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x + self.conv_block(x)
        return out


class TokensToMap(nn.Module):
    """Tokens projected, laid back out as a feature map (reshape, permute, contiguous), then ReLU."""

    def __init__(self, dim: int = 32, size: int = 4) -> None:
        super().__init__()
        self.size = size
        self.proj = nn.Linear(dim, dim)  # expect: IL101 act=relu init=default layer=proj
        nn.init.kaiming_uniform_(self.proj.weight, nonlinearity="relu")
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        b, n, c = tokens.shape
        x = self.proj(tokens)
        x = x.reshape(b, self.size, self.size, c).permute(0, 3, 1, 2).contiguous()
        x = F.relu(x)
        return self.pool(x).flatten(1)


EXAMPLE_INPUTS = {
    "LeNet": ((2, 1, 28, 28),),
    "ResnetBlock": ((2, 16, 8, 8),),
    "TokensToMap": ((2, 16, 32),),
}
