"""The ``numtorch`` namespace (``torch.add``, ``torch.cat``, ...), one module per family:
pointwise, comparison, reduction, linalg, shape, indexing, creation, random, other (conversion
and queries) and inplace (the machinery behind every ``Tensor.x_``).

Each op is declared once where it is defined (``@op``, see ``_declare``); importing this
package attaches the declared methods to ``Tensor`` and exports the declared functions.
"""

from numtorch._namespace import (
    _declare,
    _operands,
    comparison,
    creation,
    decompositions,
    indexing,
    inplace,
    linalg,
    other,
    pointwise,
    random,
    reduction,
    scatter,
    shape,
    sharing,
    special,
    stacking,
    statistics,
    tensor_attributes,
)
from numtorch._tensor_str import set_printoptions
from numtorch.tensor import Tensor

_declare.attach(Tensor, inplace.inplace)
globals().update(_declare.namespace_functions(inplace.write_out))
globals().update(_declare.inplace_functions(Tensor))

__all__ = [*_declare.public_names(), "set_printoptions"]
