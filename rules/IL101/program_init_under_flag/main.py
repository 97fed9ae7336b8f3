import sys

from inits import init_fn
from model import Net

MODEL, INPUT_SHAPE = Net(), (2, 8)
if "--kaiming" in sys.argv:
    MODEL.apply(init_fn)
