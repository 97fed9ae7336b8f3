"""A model's config, as many projects write one: the model builds what its defaults say
unless a caller passes others."""

from dataclasses import dataclass


@dataclass
class MlpConfig:
    width: int = 16
    hidden_act: str = "relu"
    head_act: str = "tanh"
    norm: str = "batch"
