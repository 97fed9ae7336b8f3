# transformers 5.23 (and 4.x): PreTrainedModel.post_init() -> init_weights() -> initialize_weights()
# -> smart_apply(self._initialize_weights), which calls self._init_weights(module) on every
# submodule (children first; a sub-model that is itself a PreTrainedModel with its own
# _init_weights below it). In 4.x, init_weights() ran self.apply(self._initialize_weights) too.
# Its effect on initialisation, as the analysis reads it: self.apply(self._init_weights).
from torch import nn


class PreTrainedModel(nn.Module):
    def post_init(self):
        self.apply(self._init_weights)

    def init_weights(self):
        self.apply(self._init_weights)
