"""Random number generation: every random draw in numtorch goes through a ``Generator``.

A ``Generator`` wraps NumPy's PCG64 bit generator. Nothing in numtorch touches NumPy's global
random state; the module-level functions act on ``default_generator``.
"""

from __future__ import annotations

import contextlib
import copy
import secrets
from collections.abc import Iterator

import numpy as np

from numtorch._checks import check_device
from numtorch.tensor import Tensor, device

__all__ = [
    "Generator",
    "default_generator",
    "manual_seed",
    "seed",
    "initial_seed",
    "get_rng_state",
    "set_rng_state",
    "fork_rng",
]

_CPU = device("cpu")
_DEFAULT_SEED = 67280421310721  # a new torch.Generator() starts from this seed
_SEED_RANGE = (-0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF)
_STATE_BYTES = 48  # seed (8) + PCG64 state (16) + increment (16) + has_uint32 (4) + uinteger (4)


class Generator:
    """A seedable source of random numbers (PCG64), PyTorch's ``torch.Generator`` on the CPU.

    Example:
        >>> import numtorch as torch
        >>> g = torch.Generator().manual_seed(42)
        >>> a = torch.rand(3, generator=g)
        >>> _ = g.manual_seed(42)
        >>> bool((torch.rand(3, generator=g) == a).all())
        True
    """

    def __init__(self, device: str = "cpu") -> None:
        check_device(device)
        self.device = _CPU
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed from ``seed`` (any int PyTorch accepts) and return ``self``."""
        if not hasattr(type(seed), "__index__"):  # unlike torch.manual_seed, no int() here
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        self._initial_seed = _check_seed(seed)
        self.rng = np.random.Generator(np.random.PCG64(self._initial_seed))
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        return self.manual_seed(secrets.randbits(64)).initial_seed()

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def get_state(self):  # -> Tensor (uint8)
        """The full generator state as a uint8 tensor, so it can go into a checkpoint."""
        st = self.rng.bit_generator.state
        parts = [
            self._initial_seed.to_bytes(8, "little"),
            st["state"]["state"].to_bytes(16, "little"),
            st["state"]["inc"].to_bytes(16, "little"),
            int(st["has_uint32"]).to_bytes(4, "little"),
            int(st["uinteger"]).to_bytes(4, "little"),
        ]
        return Tensor._make(np.frombuffer(b"".join(parts), dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state returned by ``get_state``."""
        raw = _state_bytes(new_state)
        bits = np.random.PCG64()
        bits.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": int.from_bytes(raw[8:24], "little"),
                "inc": int.from_bytes(raw[24:40], "little"),
            },
            "has_uint32": int.from_bytes(raw[40:44], "little"),
            "uinteger": int.from_bytes(raw[44:48], "little"),
        }
        self._initial_seed = int.from_bytes(raw[:8], "little")
        self.rng = np.random.Generator(bits)
        return self

    def clone_state(self) -> Generator:
        """A new generator in this one's exact state: both then draw the same numbers."""
        twin = Generator()
        twin._initial_seed = self._initial_seed
        twin.rng = copy.deepcopy(self.rng)
        return twin

    def get_offset(self) -> int:
        """PyTorch's CPU generator has no Philox offset: its RuntimeError."""
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset: int) -> Generator:
        """PyTorch's CPU generator has no Philox offset: its RuntimeError."""
        raise RuntimeError("CPU Generator does not use offset")

    def graphsafe_get_state(self) -> Generator:
        """CUDA-graph state, which a CPU generator does not have (PyTorch's error)."""
        raise NotImplementedError("graphsafe_get_state is not supported in this Generator")

    def graphsafe_set_state(self, state: Generator) -> Generator:
        """CUDA-graph state, which a CPU generator does not have (PyTorch's error)."""
        raise NotImplementedError("graphsafe_set_state is not supported in this Generator")

    def __repr__(self) -> str:
        return "<numtorch.Generator object>"


def _check_seed(seed: object) -> int:
    """The seed as PyTorch reads it (``int(seed)``), folded into [0, 2**64)."""
    seed = int(seed)  # PyTorch converts with int(): 1.5 -> 1, 'a' -> ValueError
    if not _SEED_RANGE[0] <= seed <= _SEED_RANGE[1]:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2**64


def _state_bytes(state: object) -> bytes:
    data = getattr(state, "_data", None)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if data.size != _STATE_BYTES:
        raise RuntimeError(
            f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG "
            f"state size to be {data.size}"
        )
    return data.tobytes()


default_generator = Generator()
default_generator.seed()  # as in PyTorch, the default stream starts from a fresh random seed


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, making every later random draw reproducible."""
    return default_generator.manual_seed(int(seed))  # int() first, as in PyTorch


def seed() -> int:
    """Seed the default generator non-deterministically and return the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The initial seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the default generator's state from ``get_rng_state()``."""
    default_generator.set_state(new_state)


def _rng(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (the default one when None)."""
    if generator is None:
        return default_generator.rng
    if not isinstance(generator, Generator):
        raise TypeError(
            f"generator must be a numtorch.Generator, but got {type(generator).__name__}"
        )
    return generator.rng


@contextlib.contextmanager
def fork_rng(
    devices: object = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str | None = None,
) -> Iterator[None]:
    """Run the ``with`` block on a fork of the default generator: its state is restored on
    exit, so draws inside do not change what comes after (numtorch has only the CPU's)."""
    if not enabled:
        yield
        return
    if devices:  # accelerator generators to fork: PyTorch's CPU build has none
        raise AssertionError("Torch not compiled with CUDA enabled")
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
