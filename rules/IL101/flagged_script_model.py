"""A training script: the model is built by module-level code, moved with `.to(device)`, and
a module defines `__call__` instead of `forward`.

`nn.Sequential(...).to(device)` and `nn.Linear(...).to(device)` return the module itself, so
the layers keep their names (`model.0`, `fc`) and the fix goes after the statement that builds
them. Calling `Scorer()(x)` runs its own `__call__`. The script's last Linear returns to code
that the analysis does not follow (a loss, a print): unknown.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

device = torch.device("cpu")

model = nn.Sequential(
    nn.Linear(16, 32),  # expect: IL101 act=relu init=default layer=model.0
    nn.ReLU(),
    nn.Linear(32, 32),  # expect: IL101 act=relu init=default layer=model.2
    nn.ReLU(inplace=True),
    nn.Linear(32, 4),  # expect: act=unknown init=default layer=model.4
).to(device)


class Scorer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 16).to(device)  # expect: IL101 act=relu init=default layer=fc
        self.out = nn.Linear(16, 1).float()  # expect: act=none init=default layer=out

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(F.relu(self.fc(x)))


EXAMPLE_INPUTS = {"Scorer": ((2, 16),), "model": ((2, 16),)}

if __name__ == "__main__":
    logits = model(torch.randn(8, 16, device=device))
    print(logits.shape, Scorer()(torch.randn(8, 16)).shape)
