"""The script's options, parsed once and imported where they are needed."""

import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--width", type=int, default=64)
parser.add_argument("--act", type=str, default="relu", choices=["relu", "tanh"])
parser.add_argument("--no-head-act", dest="head_act", action="store_false")
args = parser.parse_args([])
