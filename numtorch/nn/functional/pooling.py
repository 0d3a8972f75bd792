"""Every pooling function of ``torch.nn.functional``, gathered from one module per family:
2-D max/average/adaptive pooling (``_pool2d``), their 1-D and 3-D forms and LP pooling
(``_pool_nd``), max unpooling and fractional max pooling (``_unpool``).

``numtorch.nn.functional`` star-imports this module, so a name is public once it is in
``__all__`` here.
"""

from __future__ import annotations

from numtorch.nn.functional import _pool2d, _pool_nd, _unpool
from numtorch.nn.functional._pool2d import *  # noqa: F403
from numtorch.nn.functional._pool_nd import *  # noqa: F403
from numtorch.nn.functional._unpool import *  # noqa: F403

__all__ = sorted(_pool2d.__all__ + _pool_nd.__all__ + _unpool.__all__)
