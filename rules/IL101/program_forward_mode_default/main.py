from net import Net

MODEL, INPUT_SHAPE = Net(), (2, 8, 8, 8)
