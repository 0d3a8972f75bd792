"""Issue 15's figures: what hostile files cost ``numtorch.load``, and save/load peak memory.

    python -m benchmarks.hostile_files [--mb 100] [--repeats 3] [--paths numba,numpy] [--quick]

Builds every hostile-file family the tests use (``tests/test_hostile_files.py``: safetensors
headers; ``tests/test_torch_zip_fuzz.py``: zip archives, pickles and crafted Parameters;
``tests/test_pickle_scan.py``: pickles that stress the scan, scaled here to ``--mb`` megabytes
and put in a PyTorch zip), plus the non-regular files (``/dev/zero``, a FIFO, a socket). Each
file is loaded in a fresh interpreter per kernel path (``NUMTORCH_KERNELS``), after a warm-up
load of a valid file, ``--repeats`` times; the Markdown table gives the outcome (refused and the
message's start, or loaded), the median wall time, the peak extra memory (growth of the peak
RSS, ``ru_maxrss``, over the warmed-up process) and MB/s. Issue 15's bounds: extra memory at
most 2x the file, at most 1 s of work per 100 MB.

Then the save and load peak extra memory of a ~``--mb`` MB state_dict, numtorch (``.pt`` and
``.safetensors``) against PyTorch, each in a fresh interpreter (medians), and the number of
kill/resume trials and hostile-file tests the suite runs (``pytest --collect-only``).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

MB = 1 << 20

# the child: warm up, then load the file ``repeats`` times; prints one JSON line. Peak extra
# memory: the peak RSS (VmHWM, reset through /proc/self/clear_refs) over the RSS before
_CHILD = r"""
import json, resource, sys, time
import numtorch
path, repeats, warm = sys.argv[1], int(sys.argv[2]), sys.argv[3]
numtorch.load(warm)
numtorch.load(warm)

def status(key):
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith(key)).split()[1]) * 1024

try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base, peak = status("VmRSS"), lambda: status("VmHWM")
except OSError:  # not Linux: the lifetime peak (imports may hide a smaller one)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
times, outcome = [], None
for _ in range(repeats):
    start = time.perf_counter()
    try:
        value = numtorch.load(path)
        outcome = "loaded " + type(value).__name__
    except Exception as err:
        outcome = "refused " + type(err).__name__ + ": " + str(err).replace(path, "F")
    times.append(time.perf_counter() - start)
    value = None
print(json.dumps({"outcome": outcome, "times": times, "extra": peak() - base}))
"""

# the scan-rate child: each pickle family at the given size, scanned only (as load_zip does)
_SCAN_CHILD = r"""
import json, sys, time
sys.path.insert(0, "tests")
from benchmarks.hostile_files import scan_families
from numtorch import _pickle_scan, _torch_zip
size, repeats = int(sys.argv[1]), int(sys.argv[2])
_pickle_scan.scan(b"\x80\x02]q\x00(K\x01e.", ValueError)  # numba's cache loaded
for name, build in scan_families(size).items():
    data = build()
    times = []
    for _ in range(repeats):
        vet = _torch_zip._Unpickler(data, None, False).find_class
        start = time.perf_counter()
        try:
            _pickle_scan.scan(data, _torch_zip._Refused, on_global=vet)
            outcome = "passes"
        except Exception as err:
            outcome = "refused: " + str(err)[:60]
        times.append(time.perf_counter() - start)
    print(json.dumps({"name": name, "size": len(data), "times": times, "outcome": outcome}),
          flush=True)
"""


# ------------------------------------------------------------------ the families
def _zip_of(pkl: bytes) -> bytes:
    """A PyTorch zip checkpoint whose data.pkl is ``pkl``."""
    from test_torch_zip_fuzz import _with_pkl

    return _with_pkl(pkl)


def scan_families(size: int) -> dict[str, Callable[[], bytes]]:
    """``test_pickle_scan``'s large pickles and the deep-nesting forms, ``size`` bytes or so
    (the bare pickles: ``_zip_of`` makes checkpoints of them)."""
    from test_pickle_scan import BIG

    per_item = {name: len(build(1000)) / 1000 for name, build in BIG.items()}
    out = {
        name: (lambda b=build, n=name: b(max(1, int(size / per_item[n]))))
        for name, build in BIG.items()
        if name not in ("legitimate list", "protocol 0")  # valid data: what unpickling costs
    }
    out["nesting 60 deep, repeated"] = lambda: (
        b"\x80\x02" + (b"]" * 60 + b"a" * 59 + b"0") * (size // 120) + b"N."
    )
    out["1-tuples nested past the bound"] = lambda: b"\x80\x02K\x01" + b"\x85" * size + b"."
    return out


def _small_families() -> dict[str, Callable[[], bytes]]:
    """The fixed-size hostile archives, pickles and crafted Parameters of the zip tests."""
    from test_torch_zip_fuzz import CRAFTED_PARAMETERS, HOSTILE_ARCHIVES, HOSTILE_PICKLES

    out: dict[str, Callable[[], bytes]] = {}
    for name, (blob, _) in HOSTILE_ARCHIVES.items():
        out[f"zip: {name}"] = lambda b=blob: b
    for name, (pkl, _) in HOSTILE_PICKLES.items():
        out[f"zip pickle: {name}"] = lambda p=pkl: _zip_of(p)
    for name, (body, _) in CRAFTED_PARAMETERS.items():
        out[f"Parameter: {name}"] = lambda b=body: _zip_of(b"\x80\x02" + b + b".")
    return out


def _safetensors_families() -> dict[str, Callable[[], bytes]]:
    from test_hostile_files import HOSTILE

    return {f"safetensors: {name}": build for name, build in HOSTILE.items()}


# ------------------------------------------------------------------ measuring
def _run_child(path: str, repeats: int, warm: str, kernels: str) -> dict:
    env = {**os.environ, "NUMTORCH_KERNELS": kernels, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, path, str(repeats), warm],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    if done.returncode != 0:
        return {"outcome": f"crashed ({done.returncode}): {done.stderr[-160:]}", "times": [0.0],
                "extra": 0}  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(name: str, size: int, result: dict) -> str:
    seconds = statistics.median(result["times"])
    outcome = result["outcome"].replace("|", "/").replace("\n", " ")[:90]
    rate = f"{size / MB / seconds:.0f}" if seconds > 0 and size > MB else ""
    ratio = f"{result['extra'] / size:.2f}x" if size > MB else ""  # small: constant costs
    return (f"| {name} | {size / MB:.2f} | {outcome} | {seconds * 1e3:.0f} | "
            f"{result['extra'] / MB:.1f} | {ratio} | {rate} |")  # fmt: skip


def _special_files(tmp: Path) -> dict[str, str]:
    """Non-regular files: devices, a FIFO, a socket (bound by this process until exit)."""
    fifo = tmp / "fifo"
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp / "socket"))
    _special_files.keep = sock  # type: ignore[attr-defined]
    return {"/dev/zero": "/dev/zero", "/dev/urandom": "/dev/urandom", "a FIFO": str(fifo),
            "a socket": str(tmp / "socket"), "a directory": str(tmp)}  # fmt: skip


def hostile_table(mb: int, repeats: int, paths: list[str], quick: bool) -> list[str]:
    """The Markdown table of every hostile family loaded on each kernel path (the scaled pickle
    families at ``mb`` MB)."""
    import numtorch

    size = mb * MB
    lines = ["| family | MB | outcome | ms (median) | peak extra MB | extra / size | MB/s |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        warm = str(tmp / "warm.pt")
        numtorch.save({"w": numtorch.ones(4), "p": numtorch.nn.Parameter(numtorch.ones(2))}, warm)
        families = dict(_safetensors_families())
        for name, build in scan_families(size).items():
            families[f"pickle: {name}"] = lambda b=build: _zip_of(b())
        if not quick:
            families |= _small_families()
        specials = _special_files(tmp)
        print("\n".join(lines), flush=True)
        for kernels in paths:
            lines.append(f"| **NUMTORCH_KERNELS={kernels}** | | | | | | |")
            print(lines[-1], flush=True)
            for name, build in families.items():
                path = tmp / ("f.safetensors" if name.startswith("safetensors") else "f.pt")
                path.write_bytes(build())
                result = _run_child(str(path), repeats, warm, kernels)
                lines.append(_row(name, path.stat().st_size, result))
                print(lines[-1], flush=True)
                path.unlink()
            for name, path in specials.items():
                lines.append(_row(f"non-regular: {name}", 0, _run_child(path, 1, warm, kernels)))
                print(lines[-1], flush=True)
    return lines


def scan_table(mb: int, repeats: int, paths: list[str]) -> list[str]:
    """The scan alone on each pickle family at ``mb`` MB: median time and MB/s per path."""
    lines = [
        "| pickle family | path | MB | outcome | ms (median) | MB/s |",
        "|---|---|---|---|---|---|",
    ]
    for kernels in paths:
        env = {**os.environ, "NUMTORCH_KERNELS": kernels, "OMP_NUM_THREADS": "1"}
        child = subprocess.Popen(
            [sys.executable, "-c", _SCAN_CHILD, str(mb * MB), str(repeats)],
            stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        if kernels == paths[0]:
            print("\n".join(lines), flush=True)
        for line in child.stdout:
            row = json.loads(line)
            seconds = statistics.median(row["times"])
            lines.append(
                f"| {row['name']} | {kernels} | {row['size'] / MB:.1f} | {row['outcome']} | "
                f"{seconds * 1e3:.0f} | {row['size'] / MB / seconds:.0f} |"
            )
            print(lines[-1], flush=True)
        child.wait()
    return lines


# ------------------------------------------------------------------ save/load memory
_SAVE_LOAD = r"""
import sys, time
import numpy as np
lib, fmt, what, path, mb = sys.argv[1:6]
if lib == "torch":
    import torch as lib_
else:
    import numtorch as lib_
n = int(mb) * 262144 // 16  # 16 float32 tensors
state = {f"layer{i}.weight": lib_.from_numpy(np.ones(n, np.float32)) for i in range(16)}
if what == "load":
    state = None
warm = path + ".warm"  # imports and compiled kernels (numba's scan: ~100 MB) loaded first
lib_.save({"w": lib_.ones(2)}, warm)
lib_.load(warm, weights_only=True)
def status(key):
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith(key)).split()[1]) * 1024

with open("/proc/self/clear_refs", "w") as f:  # the peak RSS from here on (Linux)
    f.write("5")
base = status("VmRSS")
start = time.perf_counter()
if what == "save":
    lib_.save(state, path)  # numtorch: .safetensors by the suffix, else PyTorch's zip
else:
    loaded = lib_.load(path, weights_only=True)
seconds = time.perf_counter() - start
print(status("VmHWM") - base, seconds)
"""


def save_load_table(mb: int, repeats: int) -> list[str]:
    """Peak extra memory and time of saving and loading a ~``mb`` MB state_dict."""
    lines = ["| library / format | save: peak extra MB | save s | load: peak extra MB | load s |",
             "|---|---|---|---|---|"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmpdir:
        for lib, fmt in (("numtorch", "pt"), ("numtorch", "safetensors"), ("torch", "pt")):
            path = str(Path(tmpdir) / f"state.{fmt}")
            cells = []
            for what in ("save", "load"):
                runs = []
                for _ in range(repeats):
                    done = subprocess.run(
                        [sys.executable, "-c", _SAVE_LOAD, lib, fmt, what, path, str(mb)],
                        capture_output=True, text=True, env=env, cwd=ROOT, check=True,
                    )  # fmt: skip
                    extra, seconds = done.stdout.split()
                    runs.append((float(extra), float(seconds)))
                cells.append(f"{statistics.median(r[0] for r in runs) / MB:.1f}")
                cells.append(f"{statistics.median(r[1] for r in runs):.2f}")
            lines.append(f"| {lib} .{fmt} | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    return lines


# ------------------------------------------------------------------ test counts
def _collected(*targets: str) -> int:
    """How many tests pytest collects from ``targets`` (-1 where collection fails)."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *targets],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if done.returncode not in (0, 5):
        return -1
    lines = done.stdout.splitlines()
    ids = sum(1 for line in lines if "::" in line)
    per_file = [line.rsplit(": ", 1) for line in lines if line.endswith(tuple("0123456789"))]
    return ids or sum(int(n) for _, n in per_file if n.isdigit())  # -q lists ids; -qq counts


def test_counts() -> list[str]:
    from test_hostile_files import HOSTILE
    from test_torch_zip_fuzz import CRAFTED_PARAMETERS, HOSTILE_ARCHIVES, HOSTILE_PICKLES

    files = len(HOSTILE) + len(HOSTILE_ARCHIVES) + len(HOSTILE_PICKLES) + len(CRAFTED_PARAMETERS)
    return [
        f"- kill/resume trials (tests/cli/test_kill_resume.py): "
        f"{_collected('tests/cli/test_kill_resume.py')} tests",
        f"- named hostile files (safetensors {len(HOSTILE)}, archives {len(HOSTILE_ARCHIVES)}, "
        f"pickles {len(HOSTILE_PICKLES)}, crafted Parameters {len(CRAFTED_PARAMETERS)}): {files}",
        "- tests in the hostile-file modules (test_hostile_files, test_torch_zip_fuzz, "
        "test_pickle_scan, test_serialization_fuzz): "
        + str(_collected("tests/test_hostile_files.py", "tests/test_torch_zip_fuzz.py",
                         "tests/test_pickle_scan.py", "tests/test_serialization_fuzz.py")),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the scan-rate families")
    parser.add_argument("--load-mb", type=int, default=20, help="size of the loaded pickles")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--paths", default="numba,numpy", help="kernel paths to measure")
    parser.add_argument("--quick", action="store_true", help="only the scaled families")
    parser.add_argument("--skip-save-load", action="store_true")
    parser.add_argument("--skip-load", action="store_true", help="no table of loads")
    parser.add_argument("--skip-scan", action="store_true", help="no table of scan rates")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# hostile files ({time.strftime('%Y-%m-%d %H:%M')}, load average {load:.2f}, "
          f"{os.cpu_count()} CPUs)\n")  # fmt: skip
    paths = args.paths.split(",")
    if not args.skip_load:
        print(f"## loading each hostile file (pickle families at {args.load_mb} MB)\n")
        hostile_table(args.load_mb, args.repeats, paths, args.quick)
    if not args.skip_scan:
        print(f"\n## the pickle scan alone at {args.mb} MB (medians of {args.repeats})\n")
        scan_table(args.mb, args.repeats, paths)
    if not args.skip_save_load:
        print(f"\n## save / load of a {args.mb} MB state_dict (medians of {args.repeats})\n")
        save_load_table(args.mb, args.repeats)
    print("\n## test counts\n")
    print("\n".join(test_counts()))


if __name__ == "__main__":
    main()
