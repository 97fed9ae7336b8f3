"""The training script: the factories build both models, and only the generator is re-initialised.
The analysis follows what each factory returns, so the routine reaches the Generator only: the
critic keeps torch's default before its ReLU."""

import torch.nn as nn
from models import build_critic, build_generator, weights_init

generator = build_generator()
generator.apply(weights_init)
critic = build_critic()


class Both(nn.Module):
    """The two models in one pass, for the runtime check."""

    def __init__(self):
        super().__init__()
        self.generator, self.critic = generator, critic

    def forward(self, z):
        return self.generator(z), self.critic(z)


MODEL, INPUT_SHAPE = Both(), (2, 16)
