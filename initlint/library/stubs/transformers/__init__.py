# transformers' top-level names that the analysis needs, re-exported as transformers does
# (its real __init__.py is a lazy-import table the analysis cannot read).
from .modeling_utils import PreTrainedModel
