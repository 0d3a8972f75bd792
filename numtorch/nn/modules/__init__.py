"""The layer classes; each file holds one family, as in ``torch/nn/modules``."""

from numtorch.nn.modules.module import *
from numtorch.nn.modules.container import *
from numtorch.nn.modules.linear import *
from numtorch.nn.modules.activation import *
from numtorch.nn.modules.flatten import *
from numtorch.nn.modules.conv import *
from numtorch.nn.modules.pooling import *
from numtorch.nn.modules.dropout import *
from numtorch.nn.modules.loss import *
from numtorch.nn.modules.batchnorm import *
from numtorch.nn.modules.instancenorm import *
from numtorch.nn.modules.normalization import *
from numtorch.nn.modules.sparse import *
from numtorch.nn.modules.attention import *
from numtorch.nn.modules.transformer import *
from numtorch.nn.modules.rnn import *
from numtorch.nn.modules.padding import *
from numtorch.nn.modules.pixelshuffle import *
from numtorch.nn.modules.upsampling import *
from numtorch.nn.modules.channelshuffle import *
from numtorch.nn.modules.fold import *
from numtorch.nn.modules.distance import *
from numtorch.nn.modules.lazy import LazyModuleMixin
from numtorch.nn.modules.adaptive import *
