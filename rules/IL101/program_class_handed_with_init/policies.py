"""The policies: the CNN policy hands NatureCNN up to the base class as a parameter default, and
the actor-critic re-initialises the modules a loop picks, orthogonally. So no layer here is on
torch's default init where torch builds it, and none is claimed so."""

from functools import partial

import torch.nn as nn

from layers import Flatten, MlpExtractor, NatureCNN


class BasePolicy(nn.Module):
    def __init__(self, channels, features_extractor_class=Flatten):
        super().__init__()
        self.features_extractor_class = features_extractor_class
        self.channels = channels

    def make_features_extractor(self):
        return self.features_extractor_class(self.channels)

    @staticmethod
    def init_weights(module, gain=1.0):
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            nn.init.orthogonal_(module.weight, gain=gain)


class ActorCriticPolicy(BasePolicy):
    def __init__(self, channels, features_extractor_class=Flatten, ortho_init=True):
        super().__init__(channels, features_extractor_class)
        self.ortho_init = ortho_init
        self.features_extractor = self.make_features_extractor()
        self._build()

    def _build(self):
        self.mlp_extractor = MlpExtractor(8 * 6 * 6)
        self.value_net = nn.Linear(16, 1)  # expect: act=none init=unknown
        if self.ortho_init:
            module_gains = {self.features_extractor: 2**0.5, self.mlp_extractor: 2**0.5, self.value_net: 1}
            for module, gain in module_gains.items():
                module.apply(partial(self.init_weights, gain=gain))

    def forward(self, x):
        return self.value_net(self.mlp_extractor(self.features_extractor(x)))


class ActorCriticCnnPolicy(ActorCriticPolicy):
    def __init__(self, channels, features_extractor_class=NatureCNN, ortho_init=True):
        super().__init__(channels, features_extractor_class, ortho_init)
