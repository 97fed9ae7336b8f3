from net import tiny

MODEL, INPUT_SHAPE = tiny(), (2, 8)
