# Writes the test notebooks with nbformat itself (as Jupyter would), outputs and counts included.
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_output

HERE = Path(__file__).resolve().parent


def code(src, count=None, outputs=()):
    c = new_code_cell(src, execution_count=count, outputs=list(outputs))
    return c

meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.4"}}

nb = new_notebook(metadata=meta)
nb.cells = [
    new_markdown_cell("# A small CNN\n\nTrained on CIFAR-10."),
    code("%matplotlib inline\n!pip install --quiet torch\nimport torch\nimport torch.nn as nn", 1,
         [new_output("stream", name="stdout", text="Requirement already satisfied: torch\n")]),
    code("%%bash\necho nn.Linear(3, 4)\nls -l", 2, [new_output("stream", name="stdout", text="nn.Linear(3, 4)\n")]),
    code("%%time\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(3, 16, 3)\n        self.act = nn.ReLU()\n\n    def forward(self, x):\n        return self.act(self.conv(x))", 3,
         [new_output("stream", name="stdout", text="CPU times: user 5 us\n")]),
    code("model = Net()\nmodel?", 4),
    code("for step in range(2):\n    %time out = model(torch.randn(1, 3, 8, 8))\n    !echo step $step\nout.shape", 5,
         [new_output("execute_result", data={"text/plain": "torch.Size([1, 16, 6, 6])"}, execution_count=5)]),
]
nbformat.write(nb, str(HERE / "magics.ipynb"))

nb = new_notebook(metadata=meta)
nb.cells = [
    code("import torch.nn as nn", 1),
    new_markdown_cell("The encoder: a linear layer and a tanh."),
    code("class Encoder(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n        self.fc = nn.Linear(d, d)\n        self.act = nn.Tanh()\n\n    def forward(self, x):\n        return self.act(self.fc(x))", 2),
    new_markdown_cell("The head: a conv and a ReLU."),
    code("class Head(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.conv = nn.Conv2d(8, 8, 3)\n        self.relu = nn.ReLU()\n\n    def forward(self, x):\n        return self.relu(self.conv(x))\n", 3),
    code("enc = Encoder(4)\nenc", 4, [new_output("execute_result", data={"text/plain": "Encoder(\n  (fc): Linear(in_features=4, out_features=4, bias=True)\n)"}, execution_count=4)]),
]
nbformat.write(nb, str(HERE / "markdown_between.ipynb"))
