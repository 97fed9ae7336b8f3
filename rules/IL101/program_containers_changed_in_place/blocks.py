"""Containers filled the way MONAI fills them. ADN registers what its dict holds once its
constructor has changed it (`op_dict["A"] = ...`): which modules, in which order, rests on a loop
over `ordering` this analysis does not decide, so what follows a layer before it is unknown, never
"nothing" (the dict as first written holds no module at all)."""

import torch.nn as nn


def get_act(name):
    return {"relu": nn.ReLU, "prelu": nn.PReLU}[name]()


class ADN(nn.Sequential):
    def __init__(self, ordering="NDA", act="prelu", channels=None):
        super().__init__()
        op_dict = {"A": None, "D": None, "N": None}
        if channels is not None:
            op_dict["N"] = nn.BatchNorm1d(channels)
        if act is not None:
            op_dict["A"] = get_act(act)
        for item in ordering.upper():
            if op_dict[item] is not None:
                self.add_module(item, op_dict[item])
