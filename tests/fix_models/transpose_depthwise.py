"""ConvTranspose with groups (weight is (in, out/groups, k, k)) and a depthwise conv."""

from torch import nn


class Decoder(nn.Module):
    input_shape = (2, 64, 8, 8)

    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(64, 128, 4, stride=2, padding=1, groups=4)
        self.up_act = nn.ReLU(inplace=True)
        self.depthwise = nn.Conv2d(128, 128, 3, padding=1, groups=128)
        self.dw_act = nn.ReLU6(inplace=True)
        self.up1d = nn.ConvTranspose1d(128, 64, 3)
        self.to_image = nn.Conv2d(128, 3, 1)

    def forward(self, x):
        x = self.dw_act(self.depthwise(self.up_act(self.up(x))))
        y = self.up1d(x.mean(-1)).tanh()
        return self.to_image(x), y


EXPECT = {
    "Decoder": {
        "up": ("relu", None),
        "depthwise": ("relu6", None),
        "up1d": ("tanh", None),
    }
}
