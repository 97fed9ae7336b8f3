from models import MLP
from options import args

MODEL, INPUT_SHAPE = MLP(args.width), (8, 64)
