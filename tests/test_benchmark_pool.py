"""``benchmarks/pool.py``: the per-step thread-pool figures the many-core check reports."""

from __future__ import annotations

import pytest

import numtorch
from benchmarks import pool
from numtorch._kernels import parallel


@pytest.fixture
def two_threads():
    found = numtorch.get_num_threads()
    numtorch.set_num_threads(2)
    yield
    numtorch.set_num_threads(found)


def test_pool_figures_count_split_ops_and_restore_the_pool(two_threads):
    def patched():
        return parallel._run, parallel._Pool.submit, parallel._Task.exception, parallel._Task.cancel

    originals = patched()
    row = pool.measure("classifier", 16, steps=2)
    assert patched() == originals
    assert row["threads"] == 2 and row["case"] == "classifier 16x16"
    # the ImageClassifier step splits at least its two convolutions' forward and backward
    # (numba: its dropouts, activations and pooling too)
    assert row["split_ops_per_step"] >= 4
    assert row["step_ms"] > 0
    assert 0 <= row["helper_start_us_median"] <= row["helper_start_us_p90"]
    assert 0 <= row["helpers_cancelled_per_step"] <= row["split_ops_per_step"]
    assert row["handover_ms_per_step"] >= 0 and row["wait_ms_per_step"] >= 0
    assert 0 <= row["handover_and_wait_share"] < 1


def test_pool_figures_on_one_thread_split_nothing():
    found = numtorch.get_num_threads()
    numtorch.set_num_threads(1)
    try:
        row = pool.measure("classifier", 16, steps=1)
    finally:
        numtorch.set_num_threads(found)
    assert row["split_ops_per_step"] == 0
    assert row["handover_and_wait_share"] == 0
