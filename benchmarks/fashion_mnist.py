"""The Fashion-MNIST training run: the spec's ImageClassifier at 28x28 (one input channel),
batch 64, plain SGD, on the first 6,000 training images for 2 epochs, PyTorch and numtorch
interleaved (``benchmarks.harness.compare``), each run from the same seed and the same data.

    python -m benchmarks.fashion_mnist [--images N] [--epochs E] [--repeats R] [--root DIR]

The images are read through numtorch's own IDX reader (``numtorch.datasets.FashionMNIST``;
Debian's ``dataset-fashion-mnist`` package installs them in ``/usr/share/datasets/
fashion-mnist``) and handed to both libraries as the same float32 array. When the files are
absent, :func:`run` returns ``{"skipped": reason}`` and the benchmark prints a notice.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

import numpy as np

from benchmarks import cases
from benchmarks.harness import compare

IMAGES, EPOCHS, BATCH, LR = 6000, 2, 64, 0.05
TARGET = 1.0  # numtorch / torch on 2 cores (issue 13)


def load(root: str | None, images: int) -> tuple[np.ndarray, np.ndarray] | str:
    """The first ``images`` training images (float32, N x 1 x 28 x 28 in [0, 1]) and labels
    (int64), or the reason they could not be read."""
    from numtorch.datasets import FashionMNIST

    try:
        data = FashionMNIST(root, train=True)
        x, y = data.tensors()
    except (OSError, ValueError) as err:
        return f"Fashion-MNIST not found ({err})"
    return x.numpy()[:images].copy(), y.numpy()[:images].copy()


def training_run(lib, x: np.ndarray, y: np.ndarray, epochs: int) -> Callable[[], float]:
    """A callable that trains a fresh, seeded classifier for ``epochs`` over ``x``; it returns
    the last batch's loss (to check both libraries train alike)."""
    xs = [lib.from_numpy(x[i : i + BATCH]) for i in range(0, len(x), BATCH)]
    ys = [lib.from_numpy(y[i : i + BATCH]) for i in range(0, len(y), BATCH)]

    def run() -> float:
        lib.manual_seed(0)
        net = cases.classifier(lib, 1, 28)
        opt = lib.optim.SGD(net.parameters(), lr=LR)
        loss = None
        for _ in range(epochs):
            for xb, yb in zip(xs, ys, strict=True):
                opt.zero_grad()
                loss = lib.nn.functional.cross_entropy(net(xb), yb)
                loss.backward()
                opt.step()
        return float(loss.item())

    return run


def run(
    root: str | None = None,
    images: int = IMAGES,
    epochs: int = EPOCHS,
    repeats: int = 3,
    path: str | None = None,
) -> dict:
    """Time the run on both libraries (median seconds, ratio); ``{"skipped": why}`` without
    the data. ``path`` forces numtorch's kernel path."""
    import torch

    import numtorch
    from numtorch import _kernels

    data = load(root, images)
    if isinstance(data, str):
        return {"skipped": data}
    x, y = data
    _kernels._reset(path)
    fns = {
        "torch": training_run(torch, x, y, epochs),
        "numtorch": training_run(numtorch, x, y, epochs),
    }
    losses = {who: fn() for who, fn in fns.items()}  # warm-up: compiles, faults pages in
    name = f"Fashion-MNIST {len(x)} images x {epochs} epochs, batch {BATCH}"
    res = compare(name, {who: (fn, None) for who, fn in fns.items()}, repeats, warmup=0)
    _kernels._reset()
    return {
        "case": name,
        "torch_s": res.median_ms("torch") / 1e3,
        "numtorch_s": res.median_ms("numtorch") / 1e3,
        "ratio": res.ratio("numtorch"),
        "target": TARGET,
        "final_loss": losses,
        "runs": repeats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=None)
    parser.add_argument("--images", type=int, default=IMAGES)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.root, args.images, args.epochs, args.repeats), indent=1))


if __name__ == "__main__":
    main()
