"""Neural-network layers (``nn.Conv2d``, ``nn.Dropout2d``, ...), their maths in
``nn.functional``, and parameter initialisation in ``nn.init``."""

from numtorch.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from numtorch.nn.modules import *
from numtorch.nn import functional, init, utils
from numtorch.nn.parallel import DataParallel
