"""Only names imported from torch.nn: the fix has to add `import torch`."""

from torch.nn import Linear, Module, ReLU, Tanh


class Bare(Module):
    input_shape = (8, 128)

    def __init__(self):
        super().__init__()
        self.fc = Linear(128, 256)
        self.act = ReLU()
        self.fc2 = Linear(256, 256)
        self.act2 = Tanh()
        self.out = Linear(256, 4)

    def forward(self, x):
        return self.out(self.act2(self.fc2(self.act(self.fc(x)))))


EXPECT = {"Bare": {"fc": ("relu", None), "fc2": ("tanh", None)}}
