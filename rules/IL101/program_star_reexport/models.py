"""The package's public names, re-exported from its modules."""

from backbone import *
from heads import *
