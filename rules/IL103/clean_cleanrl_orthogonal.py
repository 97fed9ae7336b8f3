"""CleanRL's PPO agent: every Linear is wrapped in `layer_init`, a helper of this file that
applies orthogonal init to the layer it is given and returns it.

The hidden layers feed Tanh and start orthogonal with gain sqrt(2), the PPO convention
(orthogonal_ is not judged by any rule). The policy and value heads use std 0.01 and 1.
"""

import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim: int = 4, n_actions: int = 2) -> None:
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, 64)),  # expect: act=tanh init=explicit layer=critic.0
            nn.Tanh(),
            layer_init(nn.Linear(64, 64)),  # expect: act=tanh init=explicit layer=critic.2
            nn.Tanh(),
            layer_init(nn.Linear(64, 1), std=1.0),  # expect: act=none init=explicit layer=critic.4
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_dim, 64)),  # expect: act=tanh init=explicit layer=actor.0
            nn.Tanh(),
            layer_init(nn.Linear(64, 64)),  # expect: act=tanh init=explicit layer=actor.2
            nn.Tanh(),
            layer_init(nn.Linear(64, n_actions), std=0.01),  # expect: act=none init=explicit layer=actor.4
        )

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        logits = self.actor(x)
        probs = Categorical(logits=logits)
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)

    def forward(self, x):
        return self.actor(x), self.critic(x)


EXAMPLE_INPUTS = {"Agent": ((2, 4),)}
