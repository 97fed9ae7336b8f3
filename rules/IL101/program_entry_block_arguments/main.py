from net import net_tanh

MODEL, INPUT_SHAPE = net_tanh(), (2, 8, 8, 8)
