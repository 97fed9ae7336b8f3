# torch-einops-utils 0.2.0, torch_einops_utils/nn.py (lucidrains; x-transformers builds its blocks with
# it): Sequential drops the None among the modules it is given, Identity returns its input, Lambda
# applies the function it holds. Written as the package does; its other helpers are left out.
# (No __init__.py in stubs/torch_einops_utils: the package's other modules are the installed ones.)

from torch.nn import Module
from torch.nn import Sequential as PyTorchSequential


def exists(v):
    return v is not None


def Sequential(*modules):
    return PyTorchSequential(*filter(exists, modules))


class Identity(Module):
    def forward(self, t, *args, **kwargs):
        return t


class Lambda(Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, t, *args, **kwargs):
        return self.fn(t, *args, **kwargs)
