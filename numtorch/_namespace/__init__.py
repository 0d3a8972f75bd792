"""The ``numtorch`` namespace (``torch.add``, ``torch.cat``, ...), one module per family:
pointwise and special functions; comparison; reduction, statistics and counting; linalg,
products, contractions, distances and decompositions; shape, views, stacking, matrices,
copies and reorder; indexing and scatter; creation, factories, windows and random; other,
tensor_attributes and sharing (conversion, queries, shared memory); and inplace (the
machinery behind every ``Tensor.x_``).

Each op is declared once where it is defined (``@op``, see ``_declare``); importing this
package attaches the declared methods to ``Tensor`` and exports the declared functions.
"""

from numtorch._namespace import (
    _declare,
    _operands,
    comparison,
    contractions,
    copies,
    counting,
    creation,
    decompositions,
    distances,
    factories,
    indexing,
    inplace,
    linalg,
    matrices,
    other,
    pointwise,
    products,
    random,
    reduction,
    reorder,
    scatter,
    shape,
    sharing,
    special,
    stacking,
    statistics,
    tensor_attributes,
    views,
    windows,
)
from numtorch._tensor_str import set_printoptions
from numtorch.tensor import Tensor

_declare.attach(Tensor, inplace.inplace)
globals().update(_declare.namespace_functions(inplace.write_out))
globals().update(_declare.inplace_functions(Tensor))

__all__ = [*_declare.public_names(), "set_printoptions"]
