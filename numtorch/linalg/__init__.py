"""``numtorch.linalg``: PyTorch's ``torch.linalg`` (norms, inverses, determinants, solvers and
decompositions, with PyTorch's gradients where it has them).

The functions live by kind: ``_solvers`` (inverses, determinants, solves, Cholesky, least
squares, pseudo-inverse, matrix functions), ``_spectral`` (SVD, eigh, QR, LU), ``_norms``
and ``_products``; the primitives they call are in ``numtorch/ops/decompositions.py`` and
``numtorch/ops/factorizations.py``. Here each public function gets PyTorch's ``out=``.
``eig``/``eigvals`` raise: their results are complex, and numtorch is real-valued.
"""

from __future__ import annotations

from numtorch.linalg import _ldl, _norms, _products, _solvers, _spectral
from numtorch.linalg._common import LinAlgError, with_out
from numtorch.linalg._products import cross, diagonal, matmul, multi_dot, vander, vecdot
from numtorch.linalg._solvers import matrix_exp
from numtorch.linalg._spectral import eig, eigvals

# name -> (function, PyTorch's name for it in out= messages)
_WITH_OUT = {
    "inv": (_solvers.inv, "linalg_inv_ex"),
    "inv_ex": (_solvers.inv_ex, "linalg_inv_ex"),
    "det": (_solvers.det, "linalg_det"),
    "slogdet": (_solvers.slogdet, "linalg_slogdet"),
    "solve": (_solvers.solve, "linalg_solve_ex"),
    "solve_ex": (_solvers.solve_ex, "linalg_solve_ex"),
    "solve_triangular": (_solvers.solve_triangular, "linalg_solve_triangular"),
    "cholesky": (_solvers.cholesky, "linalg_cholesky_ex"),
    "cholesky_ex": (_solvers.cholesky_ex, "linalg_cholesky_ex"),
    "lstsq": (_solvers.lstsq, "linalg_lstsq"),
    "pinv": (_solvers.pinv, "linalg_pinv"),
    "matrix_power": (_solvers.matrix_power, "linalg_matrix_power"),
    "svd": (_spectral.svd, "linalg_svd"),
    "svdvals": (_spectral.svdvals, "linalg_svdvals"),
    "eigh": (_spectral.eigh, "linalg_eigh"),
    "eigvalsh": (_spectral.eigvalsh, "linalg_eigvalsh"),
    "qr": (_spectral.qr, "linalg_qr"),
    "lu_factor": (_spectral.lu_factor, "linalg_lu_factor"),
    "lu_factor_ex": (_spectral.lu_factor_ex, "linalg_lu_factor_ex"),
    "lu": (_spectral.lu, "linalg_lu"),
    "lu_solve": (_spectral.lu_solve, "linalg_lu_solve"),
    "matrix_rank": (_spectral.matrix_rank, "linalg_matrix_rank"),
    "vector_norm": (_norms.vector_norm, "linalg_vector_norm"),
    "matrix_norm": (_norms.matrix_norm, "linalg_matrix_norm"),
    "norm": (_norms.norm, "linalg_norm"),
    "cond": (_norms.cond, "linalg_cond"),
    "tensorinv": (_products.tensorinv, "linalg_tensorinv"),
    "tensorsolve": (_products.tensorsolve, "linalg_tensorsolve"),
    "householder_product": (_products.householder_product, "linalg_householder_product"),
    "ldl_factor": (_ldl.ldl_factor, "linalg_ldl_factor"),
    "ldl_factor_ex": (_ldl.ldl_factor_ex, "linalg_ldl_factor_ex"),
    "ldl_solve": (_ldl.ldl_solve, "linalg_ldl_solve"),
}

globals().update({name: with_out(fn, label) for name, (fn, label) in _WITH_OUT.items()})

_PLAIN = [
    *("LinAlgError", "cross", "diagonal", "eig", "eigvals", "matmul", "matrix_exp"),
    *("multi_dot", "vander", "vecdot"),
]
__all__ = sorted([*_WITH_OUT, *_PLAIN])
