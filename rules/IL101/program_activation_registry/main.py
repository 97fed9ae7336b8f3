from net import Net

MODEL, INPUT_SHAPE = Net(act="tanh"), (2, 16)
