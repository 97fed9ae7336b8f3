from net import Net

MODEL, INPUT_SHAPE = Net(), (2, 3, 8, 8)
