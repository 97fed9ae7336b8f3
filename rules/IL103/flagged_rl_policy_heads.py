"""Policy networks of continuous-control RL: their Tanh heads are outputs, rescaled on the way out.

- SAC (CleanRL's actor): `log_std` goes through Tanh, then an affine map into [LOG_STD_MIN,
  LOG_STD_MAX], and is returned.
- TD3: the action is `max_action * torch.tanh(...)`.
- A Gaussian policy returning `torch.distributions.Normal(mu, std)` with
  `std = torch.exp(torch.tanh(...).clamp(...))`.

Each of those Tanh layers is an output head: flagged by IL103 but never fixed. A Tanh whose
output feeds another layer (the Gaussian policy's trunk) is inside the model and is fixed.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

LOG_STD_MAX = 2
LOG_STD_MIN = -5


class SacActor(nn.Module):
    def __init__(self, obs_dim: int = 8, act_dim: int = 2) -> None:
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, 64)  # expect: IL101 act=relu init=default layer=fc1
        self.fc2 = nn.Linear(64, 64)  # expect: IL101 act=relu init=default layer=fc2
        self.fc_mean = nn.Linear(64, act_dim)  # expect: act=none init=default layer=fc_mean
        self.fc_logstd = nn.Linear(64, act_dim)  # expect: IL103 act=tanh init=default layer=fc_logstd

    def forward(self, x: torch.Tensor):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        mean = self.fc_mean(x)
        log_std = self.fc_logstd(x)
        log_std = torch.tanh(log_std)
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (log_std + 1)
        return mean, log_std


class Td3Actor(nn.Module):
    def __init__(self, obs_dim: int = 8, act_dim: int = 2, max_action: float = 2.0) -> None:
        super().__init__()
        self.l1 = nn.Linear(obs_dim, 64)  # expect: IL101 act=relu init=default layer=l1
        self.l2 = nn.Linear(64, act_dim)  # expect: IL103 act=tanh init=default layer=l2
        self.max_action = max_action

    def forward(self, state: torch.Tensor) -> torch.Tensor:
        a = F.relu(self.l1(state))
        return self.max_action * torch.tanh(self.l2(a))


class GaussianPolicy(nn.Module):
    def __init__(self, obs_dim: int = 8, act_dim: int = 2) -> None:
        super().__init__()
        self.trunk = nn.Linear(obs_dim, 64)  # expect: IL103 act=tanh init=default layer=trunk
        self.mu = nn.Linear(64, act_dim)  # expect: IL103 act=tanh init=default layer=mu
        self.log_std = nn.Linear(64, act_dim)  # expect: IL103 act=tanh init=default layer=log_std

    def forward(self, x: torch.Tensor) -> torch.distributions.Normal:
        h = torch.tanh(self.trunk(x))
        mu = torch.tanh(self.mu(h))
        std = torch.exp(torch.tanh(self.log_std(h)).clamp(-20, 2))
        return torch.distributions.Normal(mu, std)


EXAMPLE_INPUTS = {"SacActor": ((2, 8),), "Td3Actor": ((2, 8),), "GaussianPolicy": ((2, 8),)}
