from gpt import GPT

MODEL, INPUT_SHAPE = GPT(), (2, 8, 64)
