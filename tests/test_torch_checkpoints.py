"""PyTorch's checkpoint format both ways: files written by ``torch.save`` load in numtorch
(weights-only, nothing executed) and files written by ``numtorch.save`` load in
``torch.load(weights_only=True)``, with equal values; hostile files are refused."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch
from helpers import assert_close

import numtorch
from numtorch.serialization import load, save


def _model(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(
        lib.nn.Conv2d(3, 4, 3, padding=1),
        lib.nn.BatchNorm2d(4),
        lib.nn.ReLU(),
        lib.nn.Flatten(),
        lib.nn.Linear(4 * 5 * 5, 3),
    )


def _trained(lib):
    """A model whose BatchNorm running statistics have moved (two training steps)."""
    m = _model(lib)
    x = lib.tensor(np.random.default_rng(0).standard_normal((6, 3, 5, 5)).astype(np.float32))
    for _ in range(2):
        m(x).sum().backward()
    return m.eval(), x


def test_a_torch_state_dict_loads_into_numtorch_with_equal_outputs(tmp_path):
    tm, x = _trained(torch)
    torch.save(tm.state_dict(), tmp_path / "model.pt")
    nm = _model(numtorch)
    nm.load_state_dict(load(tmp_path / "model.pt"))
    nm.eval()
    assert_close(nm(numtorch.tensor(x.numpy())).detach(), tm(x).detach(), 1e-5, 1e-5, "output")
    assert int(nm[1].num_batches_tracked) == 2


def test_a_numtorch_state_dict_loads_into_torch_weights_only(tmp_path):
    nm, x = _trained(numtorch)
    save(nm.state_dict(), tmp_path / "model.pth")
    tm = _model(torch)
    tm.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True))
    tm.eval()
    assert_close(nm(x).detach(), tm(torch.tensor(x.numpy())).detach(), 1e-5, 1e-5, "output")


def _objects(lib):
    return {
        "ints": [1, -(2**40), 0],
        "floats": (1.5, float("inf")),
        "text": "héllo",
        "flags": [True, False, None],
        "dtype": lib.float64,
        "size": lib.Size([2, 3]),
        "nested": OrderedDict(a={"b": [lib.arange(3)]}),
        "bool": lib.tensor([True, False]),
        "half": lib.ones(2, dtype=lib.float16),
        "long": lib.tensor([[1, 2], [3, 4]]),
        "strided": lib.arange(12.0).reshape(3, 4).t()[1:],
        "scalar": lib.tensor(2.5),
        "empty": lib.zeros(0, 3),
        "param": lib.nn.Parameter(lib.ones(2)),
        "grad": lib.ones(2, requires_grad=True),
        "bytes": b"\x00\xff",
    }


def _same(a, b, path="obj") -> None:
    if isinstance(a, (torch.Tensor, numtorch.Tensor)):
        assert type(b).__name__ in ("Tensor", "Parameter"), path
        assert type(a).__name__ == type(b).__name__, path
        assert a.requires_grad == b.requires_grad, path
        assert_close(b.detach().numpy(), a.detach().numpy(), 0, 0, path)
    elif isinstance(a, dict):
        assert list(a) == list(b) and type(a).__name__ == type(b).__name__, path
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)) and not isinstance(a, (torch.Size, numtorch.Size)):
        assert type(a) is type(b) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert str(a) == str(b), path


def test_objects_saved_by_torch_load_in_numtorch(tmp_path):
    torch.save(_objects(torch), tmp_path / "objs.pt")
    _same(_objects(torch), load(tmp_path / "objs.pt"))


def test_objects_saved_by_numtorch_load_in_torch(tmp_path):
    save(_objects(numtorch), tmp_path / "objs.pt")
    _same(_objects(numtorch), torch.load(tmp_path / "objs.pt", weights_only=True))
    _same(_objects(numtorch), load(tmp_path / "objs.pt"))


def test_saving_is_deterministic_and_aligned_for_mmap(tmp_path):
    a, b = io.BytesIO(), io.BytesIO()
    save(_objects(numtorch), a)
    save(_objects(numtorch), b)
    assert a.getvalue() == b.getvalue()
    save({"w": numtorch.arange(10.0)}, tmp_path / "m.pt")
    got = load(tmp_path / "m.pt", mmap=True, map_location="cpu")
    assert got["w"].tolist() == list(range(10))
    assert torch.load(tmp_path / "m.pt", mmap=True, weights_only=True)["w"].tolist() == list(
        range(10)
    )


def test_a_file_object_and_map_location_forms(tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    for where in (None, "cpu", torch.device("cpu").type, {"cuda:0": "cpu"}, lambda s, loc: s):
        assert load(io.BytesIO(buf.getvalue()), map_location=where)["w"].tolist() == [1.0, 1.0]


class _Boom:
    """What a malicious pickle would call: records that it ran."""

    ran: list = []

    def __reduce__(self):
        return (_Boom.ran.append, ("executed",))


def _zip_with(pkl: bytes, record: str = "archive") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"{record}/data.pkl", pkl)
        zf.writestr(f"{record}/byteorder", "little")
        zf.writestr(f"{record}/version", "3\n")
    return out.getvalue()


@pytest.mark.parametrize(
    "payload",
    [
        pickle.dumps(_Boom(), protocol=2),
        b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R.",
        b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1q\x00\x85R.",
        b"\x80\x02cnumtorch\nones\nK\x02\x85R.",
    ],
)
def test_a_malicious_pickle_is_refused_without_running_anything(tmp_path, payload):
    path = tmp_path / "evil.pt"
    path.write_bytes(_zip_with(payload))
    _Boom.ran.clear()
    for lib_load in (load, lambda p: torch.load(p, weights_only=True)):
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            lib_load(path)
    assert _Boom.ran == []


def test_weights_only_false_runs_the_pickle_for_trusted_files(tmp_path):
    path = tmp_path / "trusted.pt"
    torch.save({"n": OrderedDict(a=1), "c": np.float64(2.0)}, path)
    with pytest.raises(pickle.UnpicklingError, match="numpy"):
        load(path)
    assert load(path, weights_only=False)["c"] == 2.0


def test_add_safe_globals_allows_a_listed_class(tmp_path):
    from numtorch import _torch_zip

    path = tmp_path / "np.pt"
    torch.save({"c": np.dtype("float32")}, path)
    with pytest.raises(pickle.UnpicklingError):
        load(path)
    try:
        _torch_zip.add_safe_globals([np.dtype, type(np.dtype("float32"))])
        assert load(path)["c"] == np.dtype("float32")
    finally:
        _torch_zip.clear_safe_globals()
    with numtorch.serialization.safe_globals([np.dtype, type(np.dtype("float32"))]):
        assert load(path)["c"] == np.dtype("float32")
    with pytest.raises(pickle.UnpicklingError):
        load(path)


def _torch_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def _replace_entry(blob: bytes, suffix: str, data: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(blob)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, data if info.filename.endswith(suffix) else src.read(info))
    return out.getvalue()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: _replace_entry(b, "data/0", b"\x00" * 4), "holds 4 bytes, the pickle claims"),
        (lambda b: b[:200], "damaged zip|no data.pkl|corrupt"),
        (lambda b: _replace_entry(b, "data.pkl", b"\x80\x02}q\x00."), None),
        (lambda b: _replace_entry(b, "data.pkl", b"\x80\x02(X\x01"), "damaged data.pkl"),
    ],
)
def test_damaged_files_are_refused_with_an_error_naming_them(tmp_path, damage, message):
    path = tmp_path / "bad.pt"
    path.write_bytes(damage(_torch_bytes({"w": torch.ones(3)})))
    if message is None:
        assert load(path) == {}
        return
    with pytest.raises((RuntimeError, pickle.UnpicklingError), match=message):
        load(path)


def test_a_view_outside_its_storage_is_refused(tmp_path):
    """A hand-edited pickle whose tensor reaches past its storage must not read memory."""
    blob = _torch_bytes({"w": torch.ones(3)})
    pkl = zipfile.ZipFile(io.BytesIO(blob)).read("archive/data.pkl")
    edited = pkl.replace(b"K\x03\x85", b"K\x09\x85", 1)  # size (3,) -> (9,)
    assert edited != pkl
    path = tmp_path / "oob.pt"
    path.write_bytes(_replace_entry(blob, "data.pkl", edited))
    with pytest.raises(pickle.UnpicklingError, match="reaches element"):
        load(path)


def test_the_legacy_format_gets_a_clear_error(tmp_path):
    path = tmp_path / "old.pt"
    torch.save({"w": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy \\(pre-1.6\\) format"):
        load(path)


def test_numpy_arrays_are_refused_in_pytorchs_format(tmp_path):
    with pytest.raises(TypeError, match="not NumPy arrays"):
        save({"a": np.zeros(2)}, tmp_path / "a.pt")
    assert not (tmp_path / "a.pt").exists()


def test_a_whole_torch_module_loads_with_weights_only_false(tmp_path):
    """``torch.save(model)`` (word_language_model and others do this): refused by default,
    loaded as numtorch's classes at PyTorch's paths with ``weights_only=False``."""
    tm, x = _trained(torch)
    torch.save(tm, tmp_path / "whole.pt")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        load(tmp_path / "whole.pt")
    nm = load(tmp_path / "whole.pt", weights_only=False)
    assert isinstance(nm, numtorch.nn.Sequential) and isinstance(nm[1], numtorch.nn.BatchNorm2d)
    assert repr(nm) == repr(tm)
    out = nm.eval()(numtorch.tensor(x.numpy())).detach()
    assert_close(out, tm(x).detach(), 1e-5, 1e-5, "whole module output")


def test_each_tensor_and_parameter_is_written_once(tmp_path):
    """A tensor or parameter referenced twice is one storage (and one object on load)."""
    p, t = numtorch.nn.Parameter(numtorch.ones(3)), numtorch.arange(4.0)
    save({"p": p, "again": p, "t": t, "t_again": t}, tmp_path / "shared.pt")
    names = zipfile.ZipFile(tmp_path / "shared.pt").namelist()
    assert sorted(n for n in names if "/data/" in n) == ["shared/data/0", "shared/data/1"]
    got = torch.load(tmp_path / "shared.pt", weights_only=True)
    assert isinstance(got["p"], torch.nn.Parameter) and got["p"] is got["again"]
    assert got["t"] is got["t_again"]


# ------------------------------------------------------------------ the memory budget
def _load_peak(path) -> int:
    """The tracemalloc peak of ``numtorch.load(path)`` (the result included)."""
    import tracemalloc

    load(path)  # imports and caches warmed up
    tracemalloc.start()
    try:
        value = load(path)
        del value
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _estimate_and_budget(path) -> tuple[int, int]:
    """The scan's memory estimate for ``path``'s data.pkl, and the budget the load gives it
    (twice the file, or the floor, less what the load holds besides: ``_Archive.held``)."""
    from numtorch import _pickle_scan, _torch_zip

    with zipfile.ZipFile(path) as zf:
        archive = _torch_zip._Archive(zf, str(path), None, True)
        pkl = archive.data_pkl()
        held = archive.held(len(pkl))
    budget = _torch_zip.memory_budget(path.stat().st_size, held)
    return _pickle_scan.scan(pkl, ValueError), budget


def _check_estimate(path, empty) -> tuple[int, int, int]:
    """Assert the estimate is within the budget and at least half the real peak (over the
    fixed ~64 KB an empty checkpoint's load costs); returns the three."""
    estimate, budget = _estimate_and_budget(path)
    peak = _load_peak(path) - _load_peak(empty)
    assert 0.5 * peak <= estimate <= budget, (estimate, peak, budget)
    return estimate, peak, budget


def test_a_small_models_estimate_is_within_its_budget_and_meaningful(tmp_path):
    torch.save({}, tmp_path / "empty.pt")
    torch.save(_trained(torch)[0].state_dict(), tmp_path / "m.pt")
    _check_estimate(tmp_path / "m.pt", tmp_path / "empty.pt")


@pytest.mark.slow
def test_10000_tensors_with_adam_state_load_within_the_budget(tmp_path):
    """The budget's calibration case (``numtorch._kernels.pickle_scan._COSTS``): 10,000 tensors
    and their Adam state, 3.4 MB of opcodes in a 10.9 MB file of 40,006 entries, are estimated
    at 74 MB of a budget of 89 MB (the 128 MiB floor less the 45 MB the load holds besides),
    over a real peak of 76 MB for the whole load."""
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(4)) for _ in range(10_000)]
    opt = torch.optim.Adam(params)
    sum(p.sum() for p in params).backward()
    opt.step()
    sd = {f"layer{i}.weight": p.detach() for i, p in enumerate(params)}
    torch.save({"model": sd, "optimizer": opt.state_dict()}, tmp_path / "big.pt")
    torch.save({}, tmp_path / "empty.pt")
    estimate, peak, budget = _check_estimate(tmp_path / "big.pt", tmp_path / "empty.pt")
    assert estimate <= 0.9 * budget  # room to spare
    loaded = load(tmp_path / "big.pt")
    assert np.array_equal(loaded["model"]["layer7.weight"].numpy(), params[7].detach().numpy())
    assert len(loaded["optimizer"]["state"]) == 10_000
