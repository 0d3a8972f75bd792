"""nn utilities: Monte-Carlo dropout (``mc_dropout``, ``mc_dropout_predict``)."""

from numtorch.nn.utils.mc_dropout import *
