"""``numtorch.nn.functional``: the maths behind every layer, as plain functions.

One file per family (PyTorch keeps them in one ``functional.py``; the import path
``numtorch.nn.functional`` and every name are the same).
"""

from numtorch.nn.functional.activation import *
from numtorch.nn.functional.linear import *
from numtorch.nn.functional.conv import *
from numtorch.nn.functional.pooling import *
from numtorch.nn.functional.dropout import *
from numtorch.nn.functional.loss import *
from numtorch.nn.functional.normalization import *
from numtorch.nn.functional.sparse import *
from numtorch.nn.functional.distance import *
from numtorch.nn.functional.attention import *
from numtorch.nn.functional.padding import *
from numtorch.nn.functional.vision import *
