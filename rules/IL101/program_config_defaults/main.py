from configuration import MlpConfig
from modeling import Model

MODEL, INPUT_SHAPE = Model(MlpConfig()), (4, 16)
