"""numtorch._kernels' background compiler: a cold numba cache compiles in a daemon thread while
the bit-identical NumPy twins run, so results never depend on when it finishes.

The fast tests drive a private, paused compiler in this process (nothing is ready until the test
says so); the subprocess tests start interpreters with an empty or a warm ``NUMBA_CACHE_DIR``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import numtorch
from numtorch import _kernels
from numtorch.nn import functional as F

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("numba") is None, reason="numba is not installed"
)
FAMILIES = sorted(_kernels.BACKGROUND_FAMILIES)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _numba_module(family: str):
    return importlib.import_module(f"numtorch._kernels._numba_{family}")


@pytest.fixture
def background(monkeypatch):
    """The ``auto`` numba path with every numeric family served by a fresh background compiler,
    paused: the twins serve everything until :func:`_ready` marks a (family, dtype) done."""
    bg = _kernels._Background()
    bg.paused = True
    for family in FAMILIES:
        bg.families[family] = _numba_module(family)
    monkeypatch.setattr(_kernels, "_background", bg)
    _kernels._reset()
    _kernels._state.update(path="numba", forced=False)
    yield bg
    _kernels._reset()


def _ready(bg, dtype, families=FAMILIES) -> None:
    """Compile (or load) ``families`` for ``dtype`` here and mark them ready."""
    for family in families:
        for _ in bg.families[family].warm_up(np.dtype(dtype)):
            pass
        bg._done.add((family, np.dtype(dtype).str))


def _net(dtype):
    """A small conv net with every kernel family: Winograd (8 -> 8 channels, 3x3) and im2col
    (the 3-channel stem, a strided conv), 2x2 and 3x3 max-pooling, Dropout2d."""
    numtorch.manual_seed(0)
    nn = numtorch.nn
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(),
        nn.Dropout2d(0.25),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, stride=2, padding=1),
        nn.MaxPool2d(3, stride=1, padding=1),
        nn.Flatten(),
        nn.Linear(8 * 3 * 3, 5),
    )
    return net.to(numtorch.float64) if dtype == np.float64 else net


def _losses(dtype, steps=3, between=None) -> list[str]:
    """Losses of ``steps`` SGD steps from a fixed seed, as ``float.hex``; ``between(i)`` runs
    before step ``i``."""
    net = _net(dtype)
    opt = numtorch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng(0)
    x = numtorch.tensor(rng.standard_normal((4, 3, 12, 12)).astype(dtype))
    y = numtorch.tensor(rng.integers(0, 5, 4))
    out = []
    for i in range(steps):
        if between is not None:
            between(i)
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        out.append(float(loss.item()).hex())
    return out


def test_numba_module_waits_for_the_background_compiler(background):
    f32 = np.dtype(np.float32)
    assert _kernels.numba_module("dropout", f32) is None  # asked for, not compiled yet
    assert background._queue == [("dropout", f32)]
    _ready(background, np.float32, ["dropout"])
    assert _kernels.numba_module("dropout", f32) is _numba_module("dropout")
    assert _kernels.numba_module("dropout", np.dtype(np.float64)) is None  # per dtype
    assert _kernels.numba_path(f32) and not _kernels.numba_path(np.dtype(np.float16))


def test_the_thread_compiles_what_was_asked_for_and_stops(background):
    for dtype in (np.float32, np.float64):
        assert _kernels.numba_module("pooling", np.dtype(dtype)) is None
    background.paused = False
    background.resume()
    background.wait()
    assert background._thread is None and not background._queue
    for dtype in (np.float32, np.float64):
        assert _kernels.numba_module("pooling", np.dtype(dtype)) is _numba_module("pooling")


def test_a_fork_waits_for_the_kernel_being_compiled_and_only_the_parent_carries_on(background):
    for dtype in (np.float32, np.float64):
        _kernels.numba_module("conv", np.dtype(dtype))
    background.paused = False
    background.resume()
    background._before_fork()  # what os.fork() runs first
    assert background._thread is None and background.paused  # no compile across the fork
    background._after_fork_in_parent()
    background.wait()
    assert not background.paused and not background._queue
    assert _kernels.numba_module("conv", np.dtype(np.float64)) is _numba_module("conv")
    background._after_fork_in_child()
    assert background.paused and background._thread is None
    assert _kernels.numba_module("dropout", np.dtype(np.float32)) is None  # twins, for good
    assert background._thread is None


def test_a_forced_path_ignores_the_background_compiler(background):
    _kernels._reset("numba")
    assert _kernels.numba_module("conv", np.dtype(np.float32)) is _numba_module("conv")
    assert not background._queue


def test_winograd_is_chosen_by_the_path_not_by_compilation(background):
    x = numtorch.randn(2, 8, 6, 6, requires_grad=True)
    w = numtorch.randn(4, 8, 3, 3, requires_grad=True)
    assert F.conv2d(x, w, padding=1).grad_fn.winograd  # nothing is compiled yet
    _kernels._reset("numpy")
    assert not F.conv2d(x, w, padding=1).grad_fn.winograd


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_is_bit_identical_on_the_twins_numba_and_a_mix(background, dtype):
    """The same losses, to the last bit, whether every kernel runs as its NumPy twin, as numba,
    or the families become ready one by one between steps (a run that starts while numba
    compiles)."""
    twins = _losses(dtype, steps=5)
    families = iter(FAMILIES)
    ready_one = lambda i: i and _ready(background, dtype, [next(families)])  # noqa: E731
    mixed = _losses(dtype, steps=5, between=ready_one)
    _kernels._reset("numba")
    fast = _losses(dtype, steps=5)
    assert twins == fast
    assert mixed == fast


_SIGNATURES = textwrap.dedent(
    """
    import importlib, json
    import numpy as np
    import numtorch
    from numtorch import _kernels
    from numtorch.nn import functional as F

    _kernels._reset("numba")
    families = sorted(_kernels.BACKGROUND_FAMILIES)
    modules = [importlib.import_module("numtorch._kernels._numba_" + f) for f in families]
    for dtype in (np.float32, np.float64):
        for m in modules:
            for _ in m.warm_up(np.dtype(dtype)):
                pass

    def signatures():
        return {
            m.__name__ + "." + name: sorted(map(str, obj.signatures))
            for m in modules
            for name, obj in vars(m).items()
            if hasattr(obj, "signatures")
        }

    before = signatures()
    for dtype in (numtorch.float32, numtorch.float64):
        t = lambda *shape: numtorch.randn(*shape, dtype=dtype, requires_grad=True)
        x, w8, w3, b = t(2, 8, 7, 9), t(4, 8, 3, 3), t(4, 4, 3, 3), t(4)
        outs = [
            F.conv2d(x, w8, b, padding=1),  # Winograd
            F.conv2d(x, w8, None, padding=(0, 2)),  # Winograd, no bias
            F.conv2d(x, w8, b, stride=2, padding=1),  # im2col
            F.conv2d(x, numtorch.randn(4, 4, 3, 3, dtype=dtype), groups=2),  # im2col, groups
            F.conv2d(t(2, 3, 8, 8), t(4, 3, 3, 3), padding=1),  # im2col, 3 channels
            F.conv_transpose2d(t(2, 4, 5, 5), w3, stride=2),
            F.max_pool2d(x, 2),
            F.max_pool2d(x, 3, stride=2, padding=1),
            F.max_pool2d(t(1, 2, 12, 12), 12),  # 144-element windows: int32 offsets
            F.max_pool2d(x, 2, ceil_mode=True),
            F.dropout2d(x, 0.5, training=True),
            F.dropout2d(t(2, 8, 5), 0.5, training=True),
            F.relu(t(3, 5)),  # relu's gradient
        ]
        for out in outs:
            out.sum().backward()
    after = signatures()
    print(json.dumps({k: after[k] for k in after if after[k] != before[k]}))
    """
)


def _run(code: str, env: dict | None = None, check: bool = True):
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, **(env or {})),
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_the_warm_up_covers_every_signature_the_operators_use():
    """After each family's ``warm_up`` for float32 and float64, running the operators (conv2d
    forward and backward on both algorithms, conv_transpose2d, max-pooling 2x2, general and
    with int32 offsets, dropout2d) compiles nothing more: the background compiler leaves no
    compile for the first steps to stall on. (About a second: the interpreter loads the kernels
    from the cache the kernel tests fill.)"""
    proc = _run(_SIGNATURES)
    assert json.loads(proc.stdout.splitlines()[-1]) == {}


_TRAIN = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, "tests")
    from test_kernel_warmup import _losses
    import numpy as np
    from numtorch import _kernels
    start = time.perf_counter()
    losses = _losses(np.float32, steps=int(sys.argv[1]))
    ready = sorted(map(list, _kernels._background._done))
    print(json.dumps({"losses": losses, "ready": ready, "s": time.perf_counter() - start}))
    """
)


@pytest.mark.slow  # three interpreters, two of which compile every family
def test_a_cold_cache_trains_bit_identically_and_compiles_in_the_background(tmp_path):
    """An empty ``NUMBA_CACHE_DIR``: the run starts on the twins at once (one notice on
    stderr), moves to numba as families become ready, exits cleanly while the compiler is
    still busy, and its losses equal those of numba throughout (forced, synchronous)."""
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "NUMTORCH_KERNELS": "auto"}
    cold = _run(_TRAIN.replace("sys.argv[1]", "4"), env)
    forced = _run(_TRAIN.replace("sys.argv[1]", "4"), dict(env, NUMTORCH_KERNELS="numba"))
    warm = _run(_TRAIN.replace("sys.argv[1]", "4"), env)
    results = [json.loads(p.stdout.splitlines()[-1]) for p in (cold, forced, warm)]
    assert results[0]["losses"] == results[1]["losses"] == results[2]["losses"]
    assert cold.stderr.count(_kernels.COMPILE_NOTICE) == 1
    assert _kernels.COMPILE_NOTICE not in warm.stderr  # the forced run completed the cache
    assert len(results[0]["ready"]) < len(FAMILIES)  # it really started on the twins
    assert any(p.suffix == ".nbi" for p in tmp_path.rglob("*"))


_LAZY = textwrap.dedent(
    """
    import json
    import numpy as np
    from numtorch import _kernels
    from numtorch._kernels import _numba_pointwise
    for _ in _numba_pointwise.warm_up(np.dtype(np.float32)):  # the cache is warm
        pass
    _kernels._reset()
    first = _kernels.numba_module("pointwise", np.dtype(np.float32))
    _kernels.wait_for_kernels()
    later = _kernels.numba_module("pointwise", np.dtype(np.float32))
    print(json.dumps([first is None, later is not None, "pointwise" in _kernels.LAZY_FAMILIES]))
    """
)


def test_a_lazy_family_loads_in_the_background_even_from_a_warm_cache():
    """``pointwise``'s twin serves the first call while its kernel loads from the cache on
    the background thread (the first training step does not wait for it); afterwards the
    kernel serves."""
    proc = _run(_LAZY, {"NUMTORCH_KERNELS": "auto"})
    assert json.loads(proc.stdout.splitlines()[-1]) == [True, True, True]


_LIGHT = textwrap.dedent(
    """
    import importlib, io, json, sys
    sys.path.insert(0, "tests")
    import numpy as np
    import numtorch
    from numtorch import _kernels
    from test_kernel_warmup import _losses, _special_outputs

    _kernels._reset("numba" if sys.argv[1] != "auto" else None)  # auto: the environment's
    families = sorted(_kernels.BACKGROUND_FAMILIES | {"special"})
    checkpoint = io.BytesIO()
    numtorch.save({"w": numtorch.arange(5.0)}, checkpoint)  # loading it scans the pickle
    if sys.argv[1] == "fill":  # compile what is not cached yet (numba's full context)
        for family in families:
            module = importlib.import_module("numtorch._kernels._numba_" + family)
            for dtype in (np.float32, np.float64):
                for _ in module.warm_up(np.dtype(dtype)):
                    pass
        numtorch.load(io.BytesIO(checkpoint.getvalue()))
        sys.exit()
    out = {dt: _losses(getattr(np, dt)) for dt in ("float32", "float64")}
    out["special"] = _special_outputs()
    out["loaded"] = numtorch.load(io.BytesIO(checkpoint.getvalue()))["w"].tolist()
    _kernels.wait_for_kernels()  # auto: a lazy family loads on the background thread
    out["path"] = _kernels.kernel_path()
    modules = [_kernels.numba_module(f, np.dtype(np.float32)) for f in families]
    modules.append(_kernels.numba_module("pickle_scan"))
    kernels = [k for m in modules for k in vars(m).values() if hasattr(k, "_cache_hits")]
    out["hits"] = sum(sum(k._cache_hits.values()) for k in kernels)
    out["misses"] = sum(sum(k._cache_misses.values()) for k in kernels)
    out["light"] = all("load_overload" in vars(k._cache) for k in kernels)
    # registries only numba's refresh imports (a cached kernel's environment may import others)
    refresh_only = ("numba.np.polynomial.polynomial_functions", "numba.cpython.heapq")
    out["refreshed"] = any(name in sys.modules for name in refresh_only)
    print(json.dumps(out))
    """
)


def _special_outputs() -> list[str]:
    """erf, GELU and its gradient, float32 sigmoid and SiLU on fixed inputs, as hex bytes."""
    from numtorch._kernels import special

    x64 = np.linspace(-6.0, 6.0, 97)
    x32 = x64.astype(np.float32)
    results = [special.erf(x64), special.gelu(x32), special.gelu_grad(x32, x32)]
    results += [special.sigmoid(x32), special.silu(x32), special.silu_grad(x32, x32)]
    return [np.asarray(r).tobytes().hex() for r in results]


def test_a_warm_cache_loads_kernels_without_numbas_full_refresh():
    """From a warm cache, every kernel loads with ``_numba_cache``'s light load: numba's registries
    are never imported, nothing compiles, training and the special functions give the same bits as
    numba in this process, and a checkpoint loads (its pickle scanned by ``pickle_scan``)."""
    _run(_LIGHT.replace("sys.argv[1]", "'fill'"), {"NUMTORCH_KERNELS": "numba"})
    runs = {}
    for path in ("numba", "auto"):  # forced, and as a user gets it (pointwise in the background)
        proc = _run(_LIGHT.replace("sys.argv[1]", repr(path)), {"NUMTORCH_KERNELS": path})
        runs[path] = got = json.loads(proc.stdout.splitlines()[-1])
        assert got["path"] == "numba" and got["light"] and not got["refreshed"]
        assert got["hits"] > 10 and got["misses"] == 0
        assert got["loaded"] == [0.0, 1.0, 2.0, 3.0, 4.0]
    try:
        _kernels._reset("numba")
        for got in runs.values():
            assert got["float32"] == _losses(np.float32)
            assert got["float64"] == _losses(np.float64)
            assert got["special"] == _special_outputs()
    finally:
        _kernels._reset()


def test_a_failed_light_load_falls_back_to_numbas_own(monkeypatch):
    """If loading without the refresh raises, numba's own load (refresh, then load) runs."""
    from numba.core.caching import Cache

    from numtorch._kernels import _numba_cache

    module = _numba_module("dropout")
    for _ in module.warm_up(np.dtype(np.float32)):  # cached: the kernel tests fill the cache
        pass
    kernel = module.scale_planes
    sig, cache, context = kernel.signatures[0], kernel._cache, kernel.targetctx
    calls, refreshes = [], []

    def flaky(*args):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("a symbol numba's registries would have defined")
        return Cache._load_overload(cache, *args)

    monkeypatch.setattr(cache, "_load_overload", flaky)
    refresh = context.refresh
    monkeypatch.setattr(context, "refresh", lambda: refreshes.append(1) or refresh())
    assert _numba_cache._load_overload(cache, sig, context) is not None
    assert len(calls) == 2 and refreshes  # (refresh re-enters itself per registry)
