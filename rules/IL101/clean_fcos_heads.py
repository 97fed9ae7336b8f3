"""torchvision's FCOS heads, shrunk: a conv tower built in a list, initialised by a loop over
`self.conv.children()`, and output convs initialised one by one.

The tower convs are followed (through GroupNorm) by ReLU but start from normal(0, 0.01),
a deliberate choice that IL101 does not judge. bbox_reg is followed by ReLU and initialised
explicitly too. The logits stay heads (no activation).
"""

import math

import torch
from torch import nn


class FCOSClassificationHead(nn.Module):
    def __init__(
        self,
        in_channels: int = 32,
        num_anchors: int = 1,
        num_classes: int = 5,
        num_convs: int = 2,
        prior_probability: float = 0.01,
    ) -> None:
        super().__init__()

        self.num_classes = num_classes
        self.num_anchors = num_anchors

        conv = []
        for _ in range(num_convs):
            conv.append(nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1))  # expect: act=relu init=explicit layer=conv.* type=Conv2d
            conv.append(nn.GroupNorm(16, in_channels))
            conv.append(nn.ReLU())
        self.conv = nn.Sequential(*conv)

        for layer in self.conv.children():
            if isinstance(layer, nn.Conv2d):
                torch.nn.init.normal_(layer.weight, std=0.01)
                torch.nn.init.constant_(layer.bias, 0)

        self.cls_logits = nn.Conv2d(in_channels, num_anchors * num_classes, kernel_size=3, stride=1, padding=1)  # expect: act=none init=explicit layer=cls_logits
        torch.nn.init.normal_(self.cls_logits.weight, std=0.01)
        torch.nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior_probability) / prior_probability))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cls_logits = self.cls_logits(self.conv(x))

        # Permute classification output from (N, A * K, H, W) to (N, HWA, K).
        N, _, H, W = cls_logits.shape
        cls_logits = cls_logits.view(N, -1, self.num_classes, H, W)
        cls_logits = cls_logits.permute(0, 3, 4, 1, 2)
        cls_logits = cls_logits.reshape(N, -1, self.num_classes)
        return cls_logits


class FCOSRegressionHead(nn.Module):
    def __init__(self, in_channels: int = 32, num_anchors: int = 1, num_convs: int = 2) -> None:
        super().__init__()

        conv = []
        for _ in range(num_convs):
            conv.append(nn.Conv2d(in_channels, in_channels, kernel_size=3, stride=1, padding=1))  # expect: act=relu init=explicit layer=conv.* type=Conv2d
            conv.append(nn.GroupNorm(16, in_channels))
            conv.append(nn.ReLU())
        self.conv = nn.Sequential(*conv)

        self.bbox_reg = nn.Conv2d(in_channels, num_anchors * 4, kernel_size=3, stride=1, padding=1)  # expect: act=relu init=explicit layer=bbox_reg
        self.bbox_ctrness = nn.Conv2d(in_channels, num_anchors * 1, kernel_size=3, stride=1, padding=1)  # expect: act=none init=explicit layer=bbox_ctrness
        for layer in [self.bbox_reg, self.bbox_ctrness]:
            torch.nn.init.normal_(layer.weight, std=0.01)
            torch.nn.init.zeros_(layer.bias)

        for layer in self.conv.children():
            if isinstance(layer, nn.Conv2d):
                torch.nn.init.normal_(layer.weight, std=0.01)
                torch.nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor):
        bbox_feature = self.conv(x)
        bbox_regression = nn.functional.relu(self.bbox_reg(bbox_feature))
        bbox_ctrness = self.bbox_ctrness(bbox_feature)
        return bbox_regression, bbox_ctrness


EXAMPLE_INPUTS = {
    "FCOSClassificationHead": ((2, 32, 8, 8),),
    "FCOSRegressionHead": ((2, 32, 8, 8),),
}
