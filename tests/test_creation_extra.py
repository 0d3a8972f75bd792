"""More creation checks against PyTorch (``test_creation.py`` is near the module size limit):
``empty_permuted``, ``from_file``, ``Generator.clone_state`` and its CPU-less features,
``numtorch.random.fork_rng``, ``new_tensor`` of a tensor, ``pin_memory=`` everywhere, and the
dtype of lists of NumPy scalars."""

from __future__ import annotations

import pytest
import torch
from helpers import check_error

import numtorch


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.empty_permuted((2, 3, 4), (0, 2, 1)),
        lambda lib: lib.empty_permuted((2, 3, 4, 5), (0, 2, 3, 1)),
        lambda lib: lib.empty_permuted((2, 3), (1, 0), dtype=lib.int64),
        lambda lib: lib.empty_permuted([4], [0], requires_grad=True),
        lambda lib: lib.empty_permuted((2, 0, 3), (2, 1, 0), device="cpu", layout=lib.strided),
    ],
)
def test_empty_permuted_lays_out_memory_like_torch(make) -> None:
    n, t = make(numtorch), make(torch)
    assert (tuple(n.shape), n.stride(), str(n.dtype), n.requires_grad) == (
        tuple(t.shape),
        t.stride(),
        str(t.dtype),
        t.requires_grad,
    )


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda lib: lib.empty_permuted((2, 3, 4), (0, 2)),
            "Number of dimensions in size does not match the length of the physical_layout; "
            "i.e. len\\(size\\) = 3 is not equal to len\\(physical_layout\\) = 2",
        ),
        (lambda lib: lib.empty_permuted((2, 3, 4), (0, 2, 2)), "Duplicate dim not allowed"),
        (
            lambda lib: lib.empty_permuted((2, 3, 4), (0, 1, 5)),
            "Dimension out of range \\(expected to be between 0 and 2, but got 5 at index 2\\)",
        ),
        (lambda lib: lib.empty_permuted((2, 3, 4), (0, -1, 1)), "but got -1 at index 1"),
        (lambda lib: lib.empty_permuted((2, -3), (0, 1)), "negative dimension -3"),
        (lambda lib: lib.empty_permuted((2,), (0,), pin_memory=True), "pin_memory=True requires"),
    ],
)
def test_empty_permuted_errors_match_torch(make, match: str) -> None:
    check_error(make, match)


def test_clone_state_gives_an_independent_twin() -> None:
    for lib in (torch, numtorch):
        g = lib.Generator().manual_seed(3)
        lib.rand(4, generator=g)  # advance first
        twin = g.clone_state()
        assert twin is not g and twin.initial_seed() == g.initial_seed() == 3
        assert lib.rand(5, generator=twin).tolist() == lib.rand(5, generator=g).tolist()
        lib.rand(3, generator=twin)
        assert lib.rand(2, generator=twin).tolist() != lib.rand(2, generator=g).tolist()


def test_fork_rng_restores_the_default_stream() -> None:
    for lib in (torch, numtorch):
        lib.manual_seed(0)
        expected = lib.rand(2).tolist()
        lib.manual_seed(0)
        with lib.random.fork_rng():
            inside = lib.rand(2).tolist()
        assert inside == expected and lib.rand(2).tolist() == expected
        lib.manual_seed(0)
        with lib.random.fork_rng(enabled=False):
            lib.rand(2)
        assert lib.rand(2).tolist() != expected


def test_new_tensor_of_a_tensor_warns_and_copies_like_torch() -> None:
    for lib in (torch, numtorch):
        src = lib.zeros(2, requires_grad=True)
        with pytest.warns(UserWarning, match="To copy construct from a tensor, it is recommended"):
            y = lib.ones(2).new_tensor(src)
        assert not y.requires_grad
        y[0] = 3.0
        assert src.tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.tensor([1.0], pin_memory=True), "pin_memory=True requires"),
        (lambda lib: lib.scalar_tensor(1.0, pin_memory=True), "pin_memory=True requires"),
        (lambda lib: lib.empty_strided((2,), (1,), pin_memory=True), "pin_memory=True requires"),
        (lambda lib: lib.hann_window(4, pin_memory=True), "pin_memory=True requires"),
    ],
)
def test_pin_memory_is_refused_everywhere_like_torch(make, match: str) -> None:
    check_error(make, match)


def test_list_of_numpy_scalars_takes_their_dtype_like_torch() -> None:
    import numpy as np

    for data in ([np.float32(1), 2], [np.float64(1), 2], [np.int32(1), 2], [np.float16(1), 2]):
        assert str(numtorch.tensor(data).dtype) == str(torch.tensor(data).dtype)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda lib: lib.Generator().get_offset(), "CPU Generator does not use offset"),
        (lambda lib: lib.Generator().set_offset(2), "CPU Generator does not use offset"),
        (
            lambda lib: lib.Generator().graphsafe_get_state(),
            "graphsafe_get_state is not supported in this Generator",
        ),
        (
            lambda lib: lib.random.fork_rng(devices=[0]).__enter__(),
            "Torch not compiled with CUDA enabled",
        ),
    ],
)
def test_generator_features_the_cpu_lacks_raise_like_torch(make, match: str) -> None:
    check_error(make, match)


def _write(path, values) -> str:
    import numpy as np

    np.asarray(values, dtype=np.float32).tofile(path)
    return str(path)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib, f: lib.from_file(f, size=4),
        lambda lib, f: lib.from_file(f, size=2),
        lambda lib, f: lib.from_file(f),
        lambda lib, f: lib.from_file(f, False, 4, dtype=lib.int32),
        lambda lib, f: lib.from_file(
            f, size=3, dtype=lib.float32, device="cpu", layout=lib.strided
        ),
    ],
)
def test_from_file_reads_like_torch(make, tmp_path) -> None:
    f = _write(tmp_path / "data.bin", [0, 1, 2, 3])
    n, t = make(numtorch, f), make(torch, f)
    assert (n.tolist(), str(n.dtype)) == (t.tolist(), str(t.dtype))


def test_from_file_shares_writes_only_when_shared(tmp_path) -> None:
    import numpy as np

    f = _write(tmp_path / "data.bin", [0, 1, 2, 3])
    private = numtorch.from_file(f, shared=False, size=4)
    private[1] = 7.0
    assert np.fromfile(f, dtype=np.float32).tolist() == [0, 1, 2, 3]
    shared = numtorch.from_file(f, shared=True, size=4)
    shared[0] = 9.0
    del shared
    assert np.fromfile(f, dtype=np.float32).tolist() == [9, 1, 2, 3]
    fresh = str(tmp_path / "new.bin")
    for lib in (torch, numtorch):
        assert lib.from_file(fresh, shared=True, size=4).tolist() == [0.0] * 4


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda lib, f: lib.from_file(f, size=5),
            "size <16> is smaller than the required mapping size <20>",
        ),
        (
            lambda lib, f: lib.from_file(f + ".missing", size=4),
            "unable to open file <.*missing> in read-only mode: No such file or directory \\(2\\)",
        ),
        (
            lambda lib, f: lib.from_file(f, size=4, pin_memory=True),
            "tensors constructed from a file cannot be pinned",
        ),
    ],
)
def test_from_file_errors_match_torch(make, match: str, tmp_path) -> None:
    f = _write(tmp_path / "data.bin", [0, 1, 2, 3])
    check_error(lambda lib: make(lib, f), match)
