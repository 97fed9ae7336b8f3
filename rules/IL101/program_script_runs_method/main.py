"""The training script: it builds the model and runs its `init_weights()` before training."""

from models import Net

model = Net()
model.init_weights()

MODEL, INPUT_SHAPE = model, (2, 3, 8, 8)
