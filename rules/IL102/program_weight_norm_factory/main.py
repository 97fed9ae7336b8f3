from nets import Generator

MODEL, INPUT_SHAPE = Generator(), (2, 8, 32)
