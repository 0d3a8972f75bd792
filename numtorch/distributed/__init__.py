"""``numtorch.distributed``: PyTorch's ``torch.distributed`` on MPI (through mpi4py).

Launch one process per rank with ``mpiexec -n K python train.py``; each calls
``init_process_group()`` (backend ``"mpi"``), then the collectives, ``all_to_all`` and the
point-to-point calls (``send``/``recv``, ``isend``/``irecv``, ``batch_isend_irecv``) work in
place on tensors' NumPy arrays. mpi4py is imported on first use only (``import numtorch``
never loads MPI); without it, ``init_process_group`` raises a ``RuntimeError`` naming
``pip install 'numtorch[mpi]'``. See ``docs/distributed.md``.

For numtorch's own parallel layers: ``numtorch.distributed._mpi_comm(group=None)`` returns the
mpi4py communicator behind a group (private; user code should keep to the public API).

numtorch extensions: ``real_sample_count`` and ``all_reduce_over_samples`` reduce evaluation
metrics over exactly the dataset's samples, dropping ``DistributedSampler``'s padding.
"""

from numtorch.distributed.distributed_c10d import *
from numtorch.distributed.distributed_c10d import _mpi_comm
from numtorch.distributed._collectives import *
from numtorch.distributed._objects import *
from numtorch.distributed._p2p import *
from numtorch.distributed._monitored_barrier import *
from numtorch.distributed._evaluation import *
