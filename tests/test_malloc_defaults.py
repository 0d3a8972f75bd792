"""``import numtorch`` fixes glibc's mmap and trim thresholds (``numtorch/_malloc.py``) unless
the user tuned malloc or opted out, so a training loop reuses its freed arrays instead of
faulting in fresh pages every step. Each case runs in a fresh interpreter: the thresholds are
process-wide and set once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

_GLIBC = sys.platform.startswith("linux") and (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith(
    "glibc"
)
_REPORT = "import json, numtorch; from numtorch import _malloc; print(json.dumps(_malloc.report()))"
_FAULTS = """
import json, resource, numtorch
x = numtorch.randn(64, 32, 8, 8, requires_grad=True)
g, layer = numtorch.randn(64, 32, 8, 8), numtorch.nn.Dropout2d(0.5)
def step():
    layer(x).backward(g)
    x.grad = None
for _ in range(50):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(500):
    step()
print(json.dumps((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 500))
"""


def _run(code: str, **env: str) -> object:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    clean.pop("NUMTORCH_MALLOC_DEFAULTS", None)
    clean.update(env)
    out = subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_thresholds_are_set_on_glibc():
    report = _run(_REPORT)
    assert report["applied"] is _GLIBC
    assert report["mmap_threshold"] == 32 * 2**20 and report["trim_threshold"] == 512 * 2**20


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NUMTORCH_MALLOC_DEFAULTS", "0"),
        ("MALLOC_MMAP_THRESHOLD_", "65536"),
        ("MALLOC_TRIM_THRESHOLD_", "0"),
        ("MALLOC_TOP_PAD_", "0"),
        ("MALLOC_MMAP_MAX_", "0"),
        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"),
    ],
)
def test_a_user_setting_or_the_opt_out_leaves_malloc_alone(name, value):
    report = _run(_REPORT, **{name: value})
    assert report["applied"] is False
    assert name in report["reason"] or not _GLIBC


@pytest.mark.skipif(not _GLIBC, reason="glibc's malloc only")
def test_a_training_loop_stops_faulting_in_pages():
    assert _run(_FAULTS) < 1.0  # page faults per forward and backward, after warm-up
