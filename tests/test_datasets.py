"""Tests for numtorch.datasets: the bundled digits, IDX (MNIST-format) and CIFAR-10 readers."""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import numtorch
import numtorch.datasets as D
from numtorch.datasets import mnist as mnist_module
from numtorch.utils.data import DataLoader, default_collate

DATA_DIR = Path(D.__file__).parent / "data"
RNG = np.random.default_rng(1234)  # test fixtures only; the package never uses NumPy's RNGs


# ------------------------------------------------------------------ bundled digits
def test_load_digits_shapes_dtypes_range():
    x, y = D.load_digits()
    assert tuple(x.shape) == (1797, 1, 8, 8) and x.dtype is numtorch.float32
    assert tuple(y.shape) == (1797,) and y.dtype is numtorch.int64
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    # the UCI test set's class counts
    assert np.bincount(y.numpy()).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_load_digits_first_image_is_the_csv_row():
    x, y = D.load_digits()
    first_row = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]
    np.testing.assert_array_equal(x.numpy()[0, 0, :2].ravel() * 16, first_row)
    assert y.tolist()[:3] == [0, 1, 2]


def test_load_digits_returns_fresh_copies():
    x, y = D.load_digits()
    x.numpy()[:] = 5.0
    y.numpy()[:] = -1
    x2, y2 = D.load_digits()
    assert float(x2.max()) == 1.0 and int(y2.min()) == 0


def test_vendored_file_and_attribution():
    blob = (DATA_DIR / "digits.csv.gz").read_bytes()
    assert hashlib.sha256(blob).hexdigest() == (
        "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
    )
    readme = (DATA_DIR / "README.md").read_text()
    for needed in ("CC BY 4.0", "Alpaydin", "Kaynak", "UCI", "10.24432/C50P49"):
        assert needed in readme
    assert "CC BY 4.0" in D.DIGITS_CITATION and "Alpaydin" in D.digits.__doc__


def test_digits_dataset_items_and_repr():
    ds = D.Digits()
    image, label = ds[5]
    x, y = D.load_digits()
    assert len(ds) == 1797 and label == int(y[5]) and isinstance(label, int)
    np.testing.assert_array_equal(image.numpy(), x.numpy()[5])
    assert ds.classes == [str(d) for d in range(10)]
    assert "Number of datapoints: 1797" in repr(ds) and "CC BY 4.0" in repr(ds)


def test_digits_transforms_are_applied_per_sample():
    ds = D.Digits(transform=lambda im: im * 2, target_transform=lambda t: t + 100)
    image, label = ds[1]
    assert float(image.max()) == 2.0 and label == 101
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert yb.tolist() == [100, 101, 102, 103] and float(xb.max()) == 2.0


def test_digits_loader_fast_path_equals_per_sample_collate():
    ds = D.Digits()
    fast = next(iter(DataLoader(ds, batch_size=16)))
    slow = default_collate([ds[i] for i in range(16)])
    assert fast[0].dtype is slow[0].dtype is numtorch.float32
    np.testing.assert_array_equal(fast[0].numpy(), slow[0].numpy())
    np.testing.assert_array_equal(fast[1].numpy(), slow[1].numpy())
    assert fast[1].dtype is numtorch.int64


def test_image_dataset_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"expected \(N, C, H, W\) images and \(N,\) labels"):
        D.ImageDataset(numtorch.zeros(3, 8, 8), numtorch.zeros(3), ["a"], 1.0)


# ------------------------------------------------------------------ IDX files
_IDX_CODES = {"uint8": 8, "int8": 9, "int16": 11, "int32": 12, "float32": 13, "float64": 14}


def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, _IDX_CODES[array.dtype.name], array.ndim])
    header += np.asarray(array.shape, dtype=">u4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write(path: Path, blob: bytes, gz: bool) -> Path:
    path = path.with_name(path.name + ".gz") if gz else path
    path.write_bytes(gzip.compress(blob) if gz else blob)
    return path


@pytest.mark.parametrize("dtype", list(_IDX_CODES))
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, dtype, gz):
    array = (RNG.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = _write(tmp_path / "a-idx3-ubyte", _idx_bytes(array), gz)
    got = D.read_idx(path)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative
    np.testing.assert_array_equal(got, array)


def test_read_idx_one_dimensional_and_empty(tmp_path):
    labels = np.array([3, 1, 4], np.uint8)
    np.testing.assert_array_equal(
        D.read_idx(_write(tmp_path / "l", _idx_bytes(labels), False)), labels
    )
    empty = np.zeros((0, 2, 2), np.uint8)
    assert D.read_idx(_write(tmp_path / "e", _idx_bytes(empty), False)).shape == (0, 2, 2)


@pytest.mark.parametrize(
    "blob, message",
    [
        (b"", "is not an IDX file"),
        (b"\x01\x00\x08\x01", "is not an IDX file"),
        (b"\x00\x00\x07\x01", "is not an IDX file"),
        (b"\x00\x00\x08\x03\x00\x00", "the header needs 16 bytes"),
        (_idx_bytes(np.zeros((2, 3), np.uint8))[:-1], "truncated or damaged"),
        (_idx_bytes(np.zeros((2, 3), np.uint8)) + b"\x00", "truncated or damaged"),
    ],
)
def test_read_idx_bad_files_name_the_file(tmp_path, blob, message):
    path = _write(tmp_path / "bad-idx", blob, False)
    with pytest.raises(ValueError, match=message) as err:
        D.read_idx(path)
    assert str(path) in str(err.value)


def test_read_idx_damaged_gzip(tmp_path):
    blob = gzip.compress(_idx_bytes(np.zeros((50, 50), np.uint8)))
    path = tmp_path / "x.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(ValueError, match="damaged gzip file") as err:
        D.read_idx(path)
    assert str(path) in str(err.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        D.read_idx(tmp_path / "nothing")


def _mnist_dir(folder: Path, gz: bool = True, spelling: str = "-idx", n=(12, 5)) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for split, count in zip(("train", "t10k"), n):
        images = RNG.integers(0, 256, (count, 28, 28), dtype=np.uint8)
        labels = RNG.integers(0, 10, count).astype(np.uint8)
        _write(folder / f"{split}-images{spelling}3-ubyte", _idx_bytes(images), gz)
        _write(folder / f"{split}-labels{spelling}1-ubyte", _idx_bytes(labels), gz)
        made[split] = (images, labels)
    return made


@pytest.mark.parametrize("cls", [D.MNIST, D.FashionMNIST, D.KMNIST])
@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_family_reads_idx_dirs(tmp_path, cls, gz, train):
    made = _mnist_dir(tmp_path, gz=gz)["train" if train else "t10k"]
    ds = cls(tmp_path, train=train)
    assert len(ds) == len(made[0]) and ds.train is train and len(ds.classes) == 10
    image, label = ds[2]
    assert tuple(image.shape) == (1, 28, 28) and image.dtype is numtorch.float32
    np.testing.assert_allclose(image.numpy()[0], made[0][2] / 255.0, rtol=1e-6)
    assert label == int(made[1][2])
    assert tuple(ds.data.shape) == (len(made[0]), 1, 28, 28) and ds.targets.dtype is numtorch.int64
    assert f"Split: {'Train' if train else 'Test'}" in repr(ds)


@pytest.mark.parametrize("layout", ["raw", "MNIST/raw", "dot-spelling"])
def test_mnist_finds_common_layouts(tmp_path, layout):
    if layout == "dot-spelling":
        made = _mnist_dir(tmp_path, spelling=".idx")
    else:
        made = _mnist_dir(tmp_path / layout, gz=False)
    x, y = D.load_mnist(tmp_path)
    assert x.dtype is numtorch.float32 and y.dtype is numtorch.int64
    np.testing.assert_array_equal(y.numpy(), made["train"][1])
    assert float(x.max()) <= 1.0


def test_load_functions_for_each_family(tmp_path):
    made = _mnist_dir(tmp_path)
    for load in (D.load_mnist, D.load_fashion_mnist, D.load_kmnist):
        x, y = load(tmp_path, train=False)
        assert tuple(x.shape) == (5, 1, 28, 28)
        np.testing.assert_array_equal(y.numpy(), made["t10k"][1])


def test_missing_directory_is_named(tmp_path):
    where = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match="does not exist") as err:
        D.MNIST(where)
    assert str(where) in str(err.value)


def test_missing_files_are_named(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((1, 28, 28), np.uint8)), True)
    with pytest.raises(FileNotFoundError) as err:
        D.KMNIST(tmp_path)
    message = str(err.value)
    assert str(tmp_path) in message and "train-labels-idx1-ubyte[.gz]" in message
    assert "train-images" not in message and message.startswith("KMNIST")


def test_mismatched_labels_and_images(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((3, 28, 28), np.uint8)), False)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros(2, np.uint8)), False)
    with pytest.raises(ValueError, match="expected 3 labels 0..9"):
        D.MNIST(tmp_path)


def test_labels_out_of_range(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((2, 28, 28), np.uint8)), False)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.array([1, 10], np.uint8)), False)
    with pytest.raises(ValueError, match="labels 0..9"):
        D.MNIST(tmp_path)


def test_images_must_be_uint8_3d(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((2, 28, 28), np.int16)), False)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.zeros(2, np.uint8)), False)
    with pytest.raises(ValueError, match=r"expected uint8 images \(N, H, W\)"):
        D.MNIST(tmp_path)


def test_bad_arguments(tmp_path):
    _mnist_dir(tmp_path)
    with pytest.raises(TypeError, match="train must be a bool, but got str"):
        D.MNIST(tmp_path, train="yes")
    with pytest.raises(TypeError, match=r"MNIST\(\) needs root"):
        D.MNIST(None)


def test_fashion_mnist_default_dir(tmp_path, monkeypatch):
    made = _mnist_dir(tmp_path)
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_DIR", tmp_path)
    ds = D.FashionMNIST(train=False)
    np.testing.assert_array_equal(ds.targets.numpy(), made["t10k"][1])
    assert ds.classes[0] == "T-shirt/top"
    monkeypatch.setattr(mnist_module, "FASHION_MNIST_DIR", tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist") as err:
        D.FashionMNIST()
    assert str(tmp_path / "absent") in str(err.value)


def test_default_fashion_dir_is_debians():
    assert Path("/usr/share/datasets/fashion-mnist") == D.FASHION_MNIST_DIR


@pytest.mark.skipif(
    not D.FASHION_MNIST_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed"
)
def test_debian_fashion_mnist_copy():
    train, test = D.FashionMNIST(), D.FashionMNIST(train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert np.bincount(train.targets.numpy()).tolist() == [6000] * 10
    assert np.bincount(test.targets.numpy()).tolist() == [1000] * 10
    x, y = next(iter(DataLoader(test, batch_size=256)))
    assert tuple(x.shape) == (256, 1, 28, 28) and 0.0 <= float(x.min()) < float(x.max()) <= 1.0
    assert int(train.data.numpy().max()) == 255  # real images use the whole byte range


# ------------------------------------------------------------------ CIFAR-10
def _cifar_batch(n: int) -> dict:
    return {
        "batch_label": "testing batch",
        "labels": RNG.integers(0, 10, n).tolist(),
        "data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8),
        "filenames": [f"img_{i}.png" for i in range(n)],
    }


def _cifar_dir(root: Path, protocol: int = 2, sizes=(3, 2, 4, 1, 2, 5)) -> dict:
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = {}
    for name, n in zip(names, sizes):
        batches[name] = _cifar_batch(n)
        (folder / name).write_bytes(pickle.dumps(batches[name], protocol=protocol))
    return batches


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_cifar10_train_and_test(tmp_path, protocol):
    batches = _cifar_dir(tmp_path, protocol)
    train = D.CIFAR10(tmp_path)
    assert len(train) == 3 + 2 + 4 + 1 + 2
    want_labels = sum((batches[f"data_batch_{i}"]["labels"] for i in range(1, 6)), [])
    assert train.targets.tolist() == want_labels
    image, label = train[3]  # first image of data_batch_2
    row = batches["data_batch_2"]["data"][0]
    np.testing.assert_allclose(image.numpy()[0], row[:1024].reshape(32, 32) / 255.0, rtol=1e-6)
    np.testing.assert_allclose(image.numpy()[2], row[2048:].reshape(32, 32) / 255.0, rtol=1e-6)
    assert label == want_labels[3] and train.classes[0] == "airplane"
    x, y = D.load_cifar10(tmp_path / "cifar-10-batches-py", train=False)
    assert tuple(x.shape) == (5, 3, 32, 32) and y.tolist() == batches["test_batch"]["labels"]


class _Py2Array:
    """Pickles like a NumPy array did under Python 2 (numpy.core, latin-1 str contents)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __reduce__(self):
        state = (
            1,
            self.array.shape,
            self.array.dtype,
            False,
            self.array.tobytes().decode("latin1"),
        )
        return np.ndarray.__reduce__(self.array)[0], (np.ndarray, (0,), "b"), state


def test_cifar10_reads_python2_style_batches(tmp_path):
    batches = _cifar_dir(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    legacy = dict(batches["test_batch"], data=_Py2Array(batches["test_batch"]["data"]))
    blob = pickle.dumps(legacy, protocol=2).replace(
        b"numpy._core.multiarray", b"numpy.core.multiarray"
    )
    assert b"numpy.core.multiarray\n_reconstruct" in blob
    path.write_bytes(blob)
    ds = D.CIFAR10(tmp_path, train=False)
    np.testing.assert_array_equal(ds.data.numpy().reshape(5, -1), batches["test_batch"]["data"])


class _Evil:
    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return os.mkdir, (str(self.target),)


def test_cifar10_refuses_globals_and_runs_nothing(tmp_path):
    _cifar_dir(tmp_path)
    target = tmp_path / "pwned"
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(pickle.dumps({"data": _Evil(target), "labels": []}, protocol=2))
    with pytest.raises(
        pickle.UnpicklingError, match=r"refusing to unpickle the global .*mkdir"
    ) as err:
        D.CIFAR10(tmp_path, train=False)
    assert str(path) in str(err.value)
    assert isinstance(err.value, D.UnsafePickleError) and isinstance(err.value, ValueError)
    assert not target.exists()


def test_cifar10_refuses_object_arrays(tmp_path):
    _cifar_dir(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(pickle.dumps({"data": np.array([1, "x"], dtype=object), "labels": [0]}, 2))
    with pytest.raises(pickle.UnpicklingError, match="refusing the dtype .O8.: only numeric"):
        D.CIFAR10(tmp_path, train=False)


@pytest.mark.parametrize(
    "content, message",
    [
        ("truncated", "is not a readable CIFAR-10 batch"),
        ({"data": np.zeros((2, 3072), np.float32), "labels": [0, 1]}, "uint8 array"),
        ({"data": np.zeros((2, 100), np.uint8), "labels": [0, 1]}, r"expected 'data' \(N, 3072\)"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}, "and 1 labels"),
        ({"data": np.zeros((1, 3072), np.uint8), "labels": [12]}, "labels must be 0..9"),
        ([1, 2, 3], "uint8 array"),
    ],
)
def test_cifar10_damaged_batches_name_the_file(tmp_path, content, message):
    batches = _cifar_dir(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    if content == "truncated":
        blob = pickle.dumps(batches["test_batch"], protocol=2)
        path.write_bytes(blob[: len(blob) // 2])
    else:
        path.write_bytes(pickle.dumps(content, protocol=2))
    with pytest.raises(ValueError, match=message) as err:
        D.CIFAR10(tmp_path, train=False)
    assert str(path) in str(err.value)


def test_cifar10_missing_batches_are_named(tmp_path):
    _cifar_dir(tmp_path)
    (tmp_path / "cifar-10-batches-py" / "data_batch_3").unlink()
    with pytest.raises(
        FileNotFoundError, match=r"CIFAR10: directory .* is missing data_batch_3"
    ) as err:
        D.CIFAR10(tmp_path)
    assert "data_batch_1" not in str(err.value)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        D.CIFAR10(tmp_path / "elsewhere")
    with pytest.raises(TypeError, match="train must be a bool"):
        D.CIFAR10(tmp_path, train=1)


# ------------------------------------------------------------------ hostile IDX files
def _idx_header(code: int, shape: tuple) -> bytes:
    return bytes([0, 0, code, len(shape)]) + np.asarray(shape, ">u4").tobytes()


@pytest.mark.parametrize(
    "blob, message",
    [
        (_idx_header(8, (2**31, 2**31)) + bytes(16), r"promises shape \(2147483648, 2147483648\)"),
        (_idx_header(8, (2**32 - 1,) * 4), "too large for any array"),  # overflows int64
        (_idx_header(8, (2**32 - 1,) * 4 + (0,)), "too large for any array"),
        (_idx_header(8, (2**16, 0)) + b"\x01", r"promises shape \(65536, 0\) .* has 13 or more"),
        # found by fuzzing: a zero-size shape whose other dimensions overflow NumPy's reshape
        (_idx_header(14, (2, 2, 2**30, 0, 2**30, 0, 2**30, 0, 2**30, 0)), "too large for any"),
        (_idx_header(14, (2**29,)), r"\(4294967304 bytes\) but the file holds at most 8 bytes"),
        (bytes([0, 0, 8, 255]) + bytes(1020), "255 dimensions"),
        (bytes([0, 0, 8, 40]) + bytes(8), "the header needs 164 bytes, got 12"),
        (bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 0]), "magic bytes 00000a01"),
        (b"\x00\x00", "magic bytes 0000"),
        (b"\x1f\x8b", "damaged gzip file"),
    ],
)
def test_read_idx_hostile_headers(tmp_path, blob, message):
    path = _write(tmp_path / "hostile-idx", blob, False)
    with pytest.raises(ValueError, match=message) as err:
        D.read_idx(path)
    assert str(path) in str(err.value)


def test_read_idx_gzip_bomb_stops_at_the_declared_size(tmp_path):
    """50 MB of zeros behind a header declaring 100 bytes: decompression stops one byte past
    the declared size, so memory stays small."""
    import tracemalloc

    path = tmp_path / "bomb-idx.gz"
    path.write_bytes(gzip.compress(_idx_header(8, (1, 10, 10)) + bytes(50 << 20)))
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="has 117 or more bytes") as err:
            D.read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(err.value)
    assert peak < 4 << 20, peak


def test_read_idx_gzip_claiming_more_than_it_can_hold(tmp_path):
    path = tmp_path / "claims-idx.gz"
    path.write_bytes(gzip.compress(_idx_header(8, (60000, 2800, 2800))))
    with pytest.raises(ValueError, match="but the file holds at most") as err:
        D.read_idx(path)
    assert str(path) in str(err.value)


def test_read_idx_gzip_with_trailing_garbage(tmp_path):
    path = tmp_path / "tail-idx.gz"
    path.write_bytes(gzip.compress(_idx_bytes(np.zeros((2, 2), np.uint8))) + b"garbage!")
    with pytest.raises(ValueError, match="damaged gzip file") as err:
        D.read_idx(path)
    assert str(path) in str(err.value)


def test_mnist_refuses_negative_and_float_labels(tmp_path):
    _write(tmp_path / "train-images-idx3-ubyte", _idx_bytes(np.zeros((2, 28, 28), np.uint8)), False)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.array([1, -1], np.int8)), False)
    with pytest.raises(ValueError, match="expected 2 labels 0..9"):
        D.MNIST(tmp_path)
    _write(tmp_path / "train-labels-idx1-ubyte", _idx_bytes(np.array([1, 2], np.float32)), False)
    with pytest.raises(ValueError, match="got float32 labels"):
        D.MNIST(tmp_path)


# ------------------------------------------------------------------ hostile CIFAR pickles
class _Reduce:
    """Pickles as ``function(*args)``."""

    def __init__(self, function, *args) -> None:
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def _evil(tmp_path: Path) -> dict:
    import builtins
    import codecs
    import subprocess

    marker = str(tmp_path / "pwned")
    inner = pickle.dumps(_Reduce(os.mkdir, marker))
    return {
        "os.system": (_Reduce(os.system, f"touch {marker}"), r"global (posix|os)\.system"),
        "builtins.eval": (_Reduce(builtins.eval, "1"), r"global (__builtin__|builtins)\.eval"),
        "builtins.exec": (_Reduce(builtins.exec, "1"), r"global (__builtin__|builtins)\.exec"),
        "getattr": (_Reduce(getattr, "x", "upper"), r"global (__builtin__|builtins)\.getattr"),
        "subprocess": (_Reduce(subprocess.Popen, ["true"]), r"global (commands|subprocess)\.Popen"),
        "nested pickle": (_Reduce(pickle.loads, inner), r"global (_?pickle)\.loads"),
        "codecs utf-8": (_Reduce(codecs.encode, "x", "utf-8"), "_codecs.encode with encoding"),
        "object array": (np.array([1, "x"], dtype=object), "refusing the dtype 'O8'"),
        "structured object dtype": (
            np.zeros(2, dtype=[("a", "u1"), ("b", "O")]),
            "refusing the dtype",
        ),
        "masked array": (np.ma.array([1, 2]), r"global numpy\.ma\.core"),
    }


_EVIL_NAMES = list(_evil(Path("/nonexistent")))


def _write_batch(tmp_path: Path, blob: bytes) -> Path:
    _cifar_dir(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(blob)
    return path


@pytest.mark.parametrize("protocol", [2, 5])
@pytest.mark.parametrize("name", _EVIL_NAMES)
def test_cifar10_refuses_hostile_pickles_and_runs_nothing(tmp_path, name, protocol):
    value, message = _evil(tmp_path)[name]
    path = _write_batch(tmp_path, pickle.dumps({"data": value, "labels": [0]}, protocol))
    with pytest.raises(D.UnsafePickleError, match=message) as err:
        D.CIFAR10(tmp_path, train=False)
    assert str(path) in str(err.value)
    assert not (tmp_path / "pwned").exists()


_CYCLE: list = []
_CYCLE.append(_CYCLE)
_RAW_PICKLES = {
    # memo index 2**31-1: CPython would zero a 16 GiB memo table before storing it
    "huge memo index": (b"\x80\x02]r\xff\xff\xff\x7f.", D.UnsafePickleError, "bad memo index"),
    "unset memo index": (b"\x80\x02h\x05.", D.UnsafePickleError, "memo index 5 was never stored"),
    # a 1 TiB bytes8 length: CPython allocates it before noticing the data is missing
    "huge bytes length": (
        b"\x80\x04\x8e" + (2**40).to_bytes(8, "little") + b"abc.",
        ValueError,
        "not a readable CIFAR-10 batch",
    ),
    # hashing a tuple nested 100,000 deep overflows the C stack (a segfault)
    "deep tuple key": (
        b"\x80\x02}N" + b"\x85" * 100_000 + b"Ns.",
        D.UnsafePickleError,
        "nested more than 64 levels",
    ),
    "self-appending list": (  # a cycle: harmless, and not a batch
        b"\x80\x02]q\x00" + b"h\x00a" * 100 + b".",
        ValueError,
        "expected 'data' to be a uint8 array",
    ),
    "self-containing labels": (
        pickle.dumps({"data": np.zeros((1, 3072), np.uint8), "labels": _CYCLE}, 2),
        ValueError,
        "labels must be a list of ints",
    ),
    "calling numpy.ndarray": (
        b"\x80\x02cnumpy\nndarray\nK\x05\x85R.",
        D.UnsafePickleError,
        "refusing to call numpy.ndarray",
    ),
    "state on a global": (
        b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n}b.",
        D.UnsafePickleError,
        "refusing to set state on a global",
    ),
    # 200 copies of a 1 MiB string from one memo entry: 2 MiB of file asking for 200 MiB
    "copy amplification": (
        b"\x80\x02c_codecs\nencode\nq\x00X\x00\x00\x10\x00"
        + b"a" * (1 << 20)
        + b"q\x01X\x06\x00\x00\x00latin1q\x02]q\x03("
        + b"h\x00h\x01h\x02\x86R" * 200
        + b"e.",
        D.UnsafePickleError,
        "builds much more data than the file holds",
    ),
    # found by fuzzing: a bad escape in a protocol-0 name made pickletools warn
    "bad escape in a global": (b"\x80\x02c\\ numpy\nx\n.", D.UnsafePickleError, "refusing"),
    "bad escape in a string": (b"S'\\ '\n.", ValueError, "expected 'data'"),
    "persistent id": (b"\x80\x02Pabc\n.", ValueError, "not a readable CIFAR-10 batch"),
    "extension code": (b"\x80\x02\x82\x01.", ValueError, "not a readable CIFAR-10 batch"),
    "out-of-band buffer": (b"\x80\x05\x97.", ValueError, "not a readable CIFAR-10 batch"),
    "stack underflow": (b"\x80\x02s.", D.UnsafePickleError, "SETITEM on an empty stack"),
}


@pytest.mark.parametrize("name", list(_RAW_PICKLES))
def test_cifar10_hostile_opcodes(tmp_path, name):
    blob, error, message = _RAW_PICKLES[name]
    path = _write_batch(tmp_path, blob)
    with pytest.raises(error, match=message) as err:
        D.CIFAR10(tmp_path, train=False)
    assert str(path) in str(err.value)


def test_cifar10_crafted_dtype_state_cannot_make_an_object_array(tmp_path):
    """The pickled dtype state's flags (e.g. NPY_ITEM_HASOBJECT) are never applied."""
    batch = {"data": np.full((1, 3072), 7, np.uint8), "labels": [3]}
    blob = pickle.dumps(batch, 2)
    state = b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t"
    assert blob.count(state) == 1
    path = _write_batch(tmp_path, blob.replace(state, state[:-2] + b"\x3ft"))
    ds = D.CIFAR10(tmp_path, train=False)
    assert ds.data.numpy().dtype == np.uint8 and not ds.data.numpy().dtype.hasobject
    assert int(ds.data.numpy().max()) == 7 and path.exists()


@pytest.mark.parametrize(
    "labels, message",
    [([2**70], "labels must be a list of ints"), ([1.5], "labels must be a list of ints")],
)
def test_cifar10_refuses_odd_labels(tmp_path, labels, message):
    path = _write_batch(
        tmp_path, pickle.dumps({"data": np.zeros((1, 3072), np.uint8), "labels": labels}, 2)
    )
    with pytest.raises(ValueError, match=message) as err:
        D.CIFAR10(tmp_path, train=False)
    assert str(path) in str(err.value)


def test_safe_pickle_stand_ins_refuse_bad_state():
    from numtorch.datasets import _safe_pickle as sp

    u1 = sp._Dtype("u1")
    array = sp._reconstruct(sp._NDARRAY, (0,), b"b")
    array.__setstate__((1, (2,), u1, False, b"\x01\x02"))
    assert sp.array(array).tolist() == [1, 2]
    with pytest.raises(sp.Refused, match="refusing an ndarray state"):
        array.__setstate__((1, (2,), u1, False, b"\x01\x02"))  # set twice
    with pytest.raises(sp.Refused, match="does not match 3 bytes"):
        sp._reconstruct(sp._NDARRAY, (0,), b"b").__setstate__((1, (2,), u1, False, b"abc"))
    with pytest.raises(sp.Refused, match="refusing the array shape"):
        sp._frombuffer(b"", u1, (-1,), "C")
    with pytest.raises(sp.Refused, match="without a numeric dtype"):
        sp._frombuffer(b"ab", "u1", (2,), "C")
    with pytest.raises(sp.Refused, match="structured or sub-array"):
        u1.__setstate__((3, "|", None, ("a",), {"a": 1}, -1, -1, 0))
    with pytest.raises(sp.Refused, match="other than numpy.ndarray"):
        sp._reconstruct(np.ndarray, (0,), b"b")
    with pytest.raises(sp.Refused, match="never given its contents"):
        sp.array(sp._reconstruct(sp._NDARRAY, (0,), b"b"))
    big = sp._Dtype("f8")
    big.__setstate__((3, ">", None, None, None, -1, -1, 0))
    got = sp.array(sp._frombuffer(np.arange(2.0).astype(">f8").tobytes(), big, (2,), "C"))
    assert got.dtype == np.float64 and got.dtype.isnative and got.tolist() == [0.0, 1.0]
