"""The training script: it builds the policy and runs the project's init routine on it."""

from inits import init_weights
from models import Policy

policy = Policy()
policy.apply(init_weights)

MODEL, INPUT_SHAPE = policy, (2, 3, 8, 8)
