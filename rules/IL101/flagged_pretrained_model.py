"""A transformers model (a PreTrainedModel subclass, known by its resolved base class).

Loading (`from_pretrained`) builds the model on the meta device, where an init in `__init__`
does nothing, fills it from the checkpoint, and then runs `_init_weights` on each module that
holds parameters itself (the leaves, with `self` the model) for what the checkpoint lacks. So
the init of a layer the model class holds goes in `_init_weights`, as a branch for that layer
alone (`if module is getattr(self, "hidden", None):`: a sibling model class sharing the routine
may lack the attribute). transformers guards torch's init functions there, so a weight loaded
from the checkpoint is never overwritten. A layer of a plain block inside the model cannot be
told apart in `_init_weights` (no fix). A class nothing in the file builds (`NoPostInit`, which
never calls post_init(), and the lookalike below) is `unknown`: transformers builds the modules of
a model file inside one of its PreTrainedModels, whose post_init() may re-draw them. Alone in a
file, a class named like a PreTrainedModel but not deriving from one is a plain module.

Needs transformers (EXAMPLE_REQUIRES): the runtime tests skip it where it is not installed.
"""

import torch
import torch.nn as nn
from transformers import PretrainedConfig, PreTrainedModel

EXAMPLE_REQUIRES = ("transformers",)


class TinyConfig(PretrainedConfig):
    model_type = "tiny-initlint"

    def __init__(self, width: int = 64, **kwargs) -> None:
        super().__init__(**kwargs)
        self.width = width


class Block(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.up = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=up
        self.down = nn.Linear(width, width)  # expect: act=none init=default layer=down

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.down(torch.relu(self.up(x)))


class TinyPreTrainedModel(PreTrainedModel):
    config_class = TinyConfig

    def __init__(self, config: TinyConfig = None) -> None:
        super().__init__(config or TinyConfig())

    def _init_weights(self, module: nn.Module) -> None:
        if isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)


class TinyForClassification(TinyPreTrainedModel):
    def __init__(self, config: TinyConfig = None) -> None:
        super().__init__(config or TinyConfig())
        width = self.config.width
        self.block = Block(width)
        self.norm = nn.LayerNorm(width)
        self.hidden = nn.Linear(width, width)  # expect: IL101 act=relu init=default layer=hidden
        self.out = nn.Linear(width, 2)  # expect: act=none init=default layer=out
        self.post_init()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(self.norm(self.block(x)))))


class NoPostInit(PreTrainedModel):
    """No `_init_weights` of its own and no post_init(): the fix can only go after the layer."""

    config_class = TinyConfig

    def __init__(self, config: TinyConfig = None) -> None:
        super().__init__(config or TinyConfig())
        self.hidden = nn.Linear(self.config.width, self.config.width)  # expect: act=relu init=unknown layer=hidden
        self.out = nn.Linear(self.config.width, 2)  # expect: act=none init=unknown layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x)))


class PreTrainedModelLookalike(nn.Module):
    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.hidden = nn.Linear(width, width)  # expect: act=relu init=unknown layer=hidden
        self.out = nn.Linear(width, 2)  # expect: act=none init=unknown layer=out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden(x)))


EXAMPLE_INPUTS = {
    "Block": ((2, 64),),
    "TinyPreTrainedModel": None,
    "TinyForClassification": ((2, 64),),
    "NoPostInit": ((2, 64),),
    "PreTrainedModelLookalike": ((2, 64),),
}
