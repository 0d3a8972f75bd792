"""nn utilities: Monte-Carlo dropout (``mc_dropout``, ``mc_dropout_predict``) and gradient
clipping (``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ...)."""

from numtorch.nn.utils.clip_grad import *
from numtorch.nn.utils.mc_dropout import *
from numtorch.nn.utils import rnn
