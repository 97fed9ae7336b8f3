"""Builds the CNN policy as a training run would."""

from policies import ActorCriticCnnPolicy

MODEL, INPUT_SHAPE = ActorCriticCnnPolicy(3), (2, 3, 8, 8)
