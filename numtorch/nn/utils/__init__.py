"""nn utilities: Monte-Carlo dropout (``mc_dropout``, ``mc_dropout_predict``), gradient
clipping (``clip_grad_norm_``, ``clip_grad_value_``, ``get_total_norm``, ...),
parametrizations (``parametrize``, ``parametrizations``), the legacy hook-based
``weight_norm``/``spectral_norm``, and ``parameters_to_vector``/``vector_to_parameters``."""

from numtorch.nn.utils.clip_grad import *
from numtorch.nn.utils.mc_dropout import *
from numtorch.nn.utils import rnn
from numtorch.nn.utils import parametrizations, parametrize
from numtorch.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from numtorch.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm
from numtorch.nn.utils.weight_norm import remove_weight_norm, weight_norm
from numtorch.nn.utils.fusion import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
