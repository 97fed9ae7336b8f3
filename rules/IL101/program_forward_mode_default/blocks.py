import torch.nn as nn

from resnet import Block


def get_block(kind, ch, resnet_act_fn, resnet_time_scale_shift="default"):
    if kind == "Down":
        return Down(ch=ch, resnet_act_fn=resnet_act_fn, resnet_time_scale_shift=resnet_time_scale_shift)
    raise ValueError(kind)


class Down(nn.Module):
    def __init__(self, ch, resnet_act_fn="swish", resnet_time_scale_shift="default"):
        super().__init__()
        self.resnets = nn.ModuleList(
            [Block(ch=ch, non_linearity=resnet_act_fn, time_embedding_norm=resnet_time_scale_shift) for _ in range(2)]
        )

    def forward(self, x, temb):
        for resnet in self.resnets:
            x = resnet(x, temb)
        return x
