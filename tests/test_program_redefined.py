"""What a block's layers meet can be changed after its class is written, elsewhere in the program:
a subclass in another module defining its own `forward`, or a method the block's constructor calls
(`self.nl = self.make_act()`), or module code binding the block's activation attribute again on a
model it built (`blk.nl = nn.Tanh()`). Before, the block's row claimed the activation its own code
names (GELU, ReLU) with a fix of that gain, while torch runs tanh after those layers in every model the
program builds. Now those rows claim nothing; a subclass that extends `forward` through
`super().forward(x)`, or module code setting an attribute the block never binds, changes nothing."""

from __future__ import annotations

from program_runs import rows_by_class, traced

BLOCKS = """import torch
import torch.nn as nn
import torch.nn.functional as F


class GeluBlock(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)

    def forward(self, x):
        return F.gelu(self.fc(x))


class HookBlock(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.nl = self.make_act()

    def make_act(self):
        return nn.ReLU()

    def forward(self, x):
        return self.nl(self.fc(x))
"""

SUBCLASSES = """import torch
import torch.nn as nn
from blocks import GeluBlock, HookBlock


class TanhBlock(GeluBlock):
    def forward(self, x):
        return torch.tanh(self.fc(x))


class TanhHookBlock(HookBlock):
    def make_act(self):
        return nn.Tanh()
"""

EXTENDING = """import torch
from blocks import GeluBlock


class ScaledBlock(GeluBlock):
    def forward(self, x):
        return 2 * super().forward(x)
"""


def test_a_subclass_s_own_forward_or_hook_makes_the_base_s_rows_claim_nothing(tmp_path):
    files = {"blocks.py": BLOCKS, "model.py": SUBCLASSES}
    rows = rows_by_class(tmp_path, files)
    assert rows[("GeluBlock", "fc")].activation == "unknown", rows[("GeluBlock", "fc")].activation_evidence
    assert "TanhBlock" in rows[("GeluBlock", "fc")].activation_evidence
    assert rows[("HookBlock", "fc")].activation == "unknown", rows[("HookBlock", "fc")].activation_evidence
    assert "make_act" in rows[("HookBlock", "fc")].activation_evidence
    assert traced(tmp_path, "model", "TanhBlock") == {"fc": "tanh"}
    assert traced(tmp_path, "model", "TanhHookBlock") == {"fc": "tanh"}


def test_a_subclass_extending_forward_through_super_changes_nothing(tmp_path):
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": EXTENDING})
    assert rows[("GeluBlock", "fc")].activation == "gelu", rows[("GeluBlock", "fc")].activation_evidence
    assert rows[("HookBlock", "fc")].activation == "relu"
    assert traced(tmp_path, "model", "ScaledBlock") == {"fc": "gelu"}


def test_module_code_binding_the_activation_again_makes_the_rows_claim_nothing(tmp_path):
    script = "import torch.nn as nn\nfrom blocks import HookBlock\n\nblk = HookBlock()\nblk.nl = nn.Tanh()\n"
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "train.py": script})
    assert rows[("HookBlock", "fc")].activation == "unknown", rows[("HookBlock", "fc")].activation_evidence
    assert "train.py:5" in rows[("HookBlock", "fc")].activation_evidence
    assert rows[("GeluBlock", "fc")].activation == "gelu"
    assert traced(tmp_path, "train", "blk") == {"fc": "tanh"}


def test_an_attribute_the_block_never_binds_changes_nothing(tmp_path):
    script = "from blocks import HookBlock\n\nblk = HookBlock()\nblk.config = dict(depth=2)\nblk.training = False\n"
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "train.py": script})
    assert rows[("HookBlock", "fc")].activation == "relu", rows[("HookBlock", "fc")].activation_evidence


def test_a_subclass_in_the_base_s_own_module_keeps_rows_of_its_own(tmp_path):
    """There the file stage writes a row per class at the layer's line: the base's row is the base's."""
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS + "\n\n" + SUBCLASSES.split("\n", 3)[3]})
    assert rows[("GeluBlock", "fc")].activation == "gelu"
    assert rows[("TanhBlock", "fc")].activation == "tanh"
    assert rows[("TanhHookBlock", "fc")].activation == "tanh"


def test_binding_again_on_a_subclass_built_elsewhere_reaches_the_base_s_rows(tmp_path):
    """`blk = Wider(); blk.nl = nn.Tanh()` with `class Wider(HookBlock)` in another module: the attribute
    is read by the base's forward, and the layer's row is the base's (its line builds it)."""
    model = "from blocks import HookBlock\n\n\nclass Wider(HookBlock):\n    def __init__(self):\n" \
            "        super().__init__(d=16)\n"
    script = "import torch.nn as nn\nfrom model import Wider\n\nblk = Wider()\nblk.nl = nn.Tanh()\n"
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": model})
    assert rows[("HookBlock", "fc")].activation == "relu", rows[("HookBlock", "fc")].activation_evidence
    rows = rows_by_class(tmp_path, {"blocks.py": BLOCKS, "model.py": model, "train.py": script})
    assert rows[("HookBlock", "fc")].activation == "unknown", rows[("HookBlock", "fc")].activation_evidence
    assert "train.py:5" in rows[("HookBlock", "fc")].activation_evidence
    assert traced(tmp_path, "train", "blk", (2, 16)) == {"fc": "tanh"}


INIT_BASE = """import torch
import torch.nn as nn


class Base(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.fc = nn.Linear(d, d)
        self.apply(self._init_weights)

    def _init_weights(self, m):
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")

    def forward(self, x):
        return torch.relu(self.fc(x))
"""


def test_a_subclass_s_own_init_routine_makes_the_base_s_init_claims_unknown(tmp_path):
    """`self.apply(self._init_weights)` in Base, `_init_weights` defined again by Sub in another module: Sub's
    layers keep the default (torch), so Base's row, which builds them too, cannot say He's init; the
    activation that follows is still ReLU."""
    import math

    sub = "import torch.nn as nn\nfrom base import Base\n\n\nclass Sub(Base):\n    def _init_weights(self, m):\n        pass\n"
    rows = rows_by_class(tmp_path, {"base.py": INIT_BASE})
    assert rows[("Base", "fc")].init == "explicit"
    rows = rows_by_class(tmp_path, {"base.py": INIT_BASE, "sub.py": sub})
    assert rows[("Base", "fc")].init == "unknown", rows[("Base", "fc")].init_evidence
    assert rows[("Base", "fc")].activation == "relu"
    from program_runs import built

    default = 1 / math.sqrt(3 * 256)
    assert abs(built(tmp_path, "sub", "Sub").fc.weight.std().item() - default) < 0.1 * default


SEQ_BASE = """import torch
import torch.nn as nn


class Stage(nn.Module):
    def __init__(self, d=8):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d), nn.ReLU())
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return torch.tanh(self.proj(self.body(x)))
"""


def test_a_subclass_s_own_forward_leaves_what_an_nn_sequential_decides_inside_it(tmp_path):
    """torchvision's Quantizable* subclasses define forward again around the same blocks: a layer whose
    activation is the next item of its nn.Sequential meets it whatever forward runs; the layer whose
    following the base's forward decides (`proj`, tanh) claims nothing."""
    sub = "import torch\nfrom base import Stage\n\n\nclass Relu(Stage):\n    def forward(self, x):\n" \
          "        return torch.relu(self.proj(self.body(x)))\n"
    rows = rows_by_class(tmp_path, {"base.py": SEQ_BASE, "sub.py": sub})
    assert rows[("Stage", "body.0")].activation == "relu" and rows[("Stage", "body.2")].activation == "relu"
    assert rows[("Stage", "proj")].activation == "unknown", rows[("Stage", "proj")].activation_evidence
    found = traced(tmp_path, "sub", "Relu")
    assert found["body.0"] == found["body.2"] == "relu" and found["proj"] == "relu"


OWN_INIT_AND_FORWARD = """import torch
import torch.nn as nn


class Base(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.out = nn.Linear(8, 2)

    def forward(self, x):
        return self.out(torch.relu(self.fc(x)))


class Child(Base):
    def __init__(self):
        super().__init__()
        self.extra = nn.Linear(2, 2)

    def forward(self, x):
        return self.extra(self.out(torch.tanh(self.fc(x))))


model = Child()
"""


def test_a_subclass_in_the_base_s_module_with_its_own_init_and_forward_makes_the_base_s_row_claim_nothing(tmp_path):
    """Child's `__init__` runs `super().__init__()`, so it has no rows of its own for the base's layers, and its
    own forward applies tanh to `fc`. Base's row claimed ReLU, with a ReLU fix in Base.__init__ that the only
    model built (a Child) does not want: torch runs tanh there. Now Child's forward is run on the base's own
    modules, and the row says what both forwards do: ReLU in Base's, Tanh in Child's, so no one activation."""
    rows = rows_by_class(tmp_path, {"model.py": OWN_INIT_AND_FORWARD})
    assert rows[("Base", "fc")].activation == "unknown", rows[("Base", "fc")].activation_evidence
    assert "ReLU, Tanh" in rows[("Base", "fc")].activation_evidence
    assert rows[("Base", "fc")].recommended is None  # so no init call is suggested, nor inserted
    assert traced(tmp_path, "model", "model")["fc"] == "tanh"


def test_a_subclass_in_the_base_s_module_with_its_own_init_and_the_same_activation_keeps_the_claim(tmp_path):
    """The same with Child's forward applying ReLU too (timm's LightChannelAttn over ChannelAttn): the row
    keeps ReLU, which torch runs in both."""
    source = OWN_INIT_AND_FORWARD.replace("torch.tanh(self.fc(x))", "torch.relu(self.fc(x))")
    rows = rows_by_class(tmp_path, {"model.py": source})
    assert rows[("Base", "fc")].activation == "relu", rows[("Base", "fc")].activation_evidence
    assert traced(tmp_path, "model", "model")["fc"] == "relu"
