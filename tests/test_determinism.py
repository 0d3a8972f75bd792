"""The same seed gives bit-identical training runs across processes; another seed does not.

Two ``python -m numtorch train`` processes with the same ``--seed`` must write checkpoint files
that are equal byte for byte: weights, optimizer moments, schedule, both RNG states and the
history. (Wall-clock epoch timings are kept out of the checkpoint by the trainer, in
``metrics.json`` only, which is why the files can be compared whole.) The runs are the
session's ``training_runs`` (``tests/conftest.py``): three side by side, made once and shared
with the CLI's end-to-end test.

The ``safetensors`` library writes the header's ``__metadata__`` from a Rust ``HashMap`` (its
keys come out in random order on each save); ``numtorch.serialization.save`` re-writes the header
with sorted keys, which ``test_saving_the_same_object_gives_the_same_bytes`` pins down.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import numtorch

CHECKPOINT = "checkpoint.safetensors"


@pytest.mark.slow
def test_same_seed_gives_byte_identical_checkpoints(training_runs):
    a, b = ((training_runs[k] / CHECKPOINT).read_bytes() for k in "ab")
    assert len(a) > 10_000
    digests = [hashlib.sha256(x).hexdigest() for x in (a, b)]
    assert a == b, f"{digests[0]} != {digests[1]}"


def test_saving_the_same_object_gives_the_same_bytes(tmp_path):
    """Each save picks one of two key orders with about even odds: 64 saves all alike would
    happen by chance with probability ~1e-19."""
    path, seen = tmp_path / "x.safetensors", set()
    for _ in range(64):
        numtorch.save({"w": numtorch.zeros(2), "step": 3}, path)
        seen.add(path.read_bytes())
    assert len(seen) == 1


@pytest.mark.slow
def test_same_seed_gives_identical_metrics_but_timings(training_runs):
    rows = [json.loads((training_runs[k] / "metrics.json").read_text()) for k in "ab"]
    rows = [r if isinstance(r, list) else r.get("history", r) for r in rows]
    strip = [[{k: v for k, v in row.items() if k != "seconds"} for row in r] for r in rows]
    assert strip[0] == strip[1] and len(strip[0]) == 1


@pytest.mark.slow
def test_checkpoint_holds_no_wall_clock_time(training_runs):
    state = numtorch.load(training_runs["a"] / CHECKPOINT)
    assert state["history"] and all("seconds" not in row for row in state["history"])


@pytest.mark.slow
def test_different_seed_gives_different_weights(training_runs):
    a = numtorch.load(training_runs["a"] / CHECKPOINT)["model"]
    c = numtorch.load(training_runs["c"] / CHECKPOINT)["model"]
    assert a.keys() == c.keys()
    weights = [k for k in a if k.endswith("weight") and a[k].ndim > 1]
    assert weights
    for k in weights:  # every weight matrix differs almost everywhere, not in a few entries
        same = np.mean(a[k].numpy() == c[k].numpy())
        assert same < 0.01, f"{k}: {same:.1%} of entries equal across seeds"
    assert (training_runs["a"] / CHECKPOINT).read_bytes() != (
        training_runs["c"] / CHECKPOINT
    ).read_bytes()


def test_same_seed_in_process_repeats_the_random_streams():
    """The generators a run draws from (default: init + Dropout2d masks; loader shuffling)."""

    def draws(seed: int) -> list:
        numtorch.manual_seed(seed)
        layer = numtorch.nn.Dropout2d(0.3)
        layer(numtorch.ones(8, 16, 2, 2))
        g = numtorch.Generator().manual_seed(seed)
        order = list(numtorch.utils.data.RandomSampler(range(50), generator=g))
        return [numtorch.nn.Linear(5, 3).weight.detach().numpy(), layer.last_mask.numpy(), order]

    first, again, other = draws(3), draws(3), draws(4)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert not any(np.array_equal(x, y) for x, y in zip(first, other))
