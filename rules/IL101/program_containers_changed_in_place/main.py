from nets import Classifier

MODEL, INPUT_SHAPE = Classifier(), (2, 8)
