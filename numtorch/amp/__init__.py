"""``torch.amp``: mixed precision's ``autocast`` (accepted, and off: numtorch computes in the
tensors' own dtypes) and ``GradScaler`` (PyTorch's loss scaling), so scripts written for mixed
precision run unchanged."""

from numtorch.amp.autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from numtorch.amp.grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
