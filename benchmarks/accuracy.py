"""The accuracy of float32 convolution, numtorch next to PyTorch, against float64.

    python -m benchmarks.accuracy [--seeds N]

Prints, for a 3x3 convolution (padding 1) on the issue's shape and each benchmark case, the
largest error of the output, the input gradient and the weight gradient relative to the
largest exact value; then, for a ResNet with BatchNorm, the worst per-parameter relative
gradient error ``||g32 - g64|| / ||g64||`` over seeds, over the seeds where no ReLU input
lies within 1e-6 of zero (elsewhere one flipped ReLU mask, in any float32 implementation,
moves every upstream gradient by about 1e-3) and over all of them. ``tests/test_numerics.py``
asserts on the same functions.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

import numtorch
from benchmarks.cases import CONV_CASES

CONV_SHAPES = [(8, 64, 64, 32), *CONV_CASES]  # (N, C_in, C_out, H=W)
# The ResNet: channels, residual blocks, images, image side.
RESNET = (32, 2, 8, 16)
# A ReLU input nearer 0 than this (in float64) may flip in float32: that seed says nothing.
FLIP_MARGIN = 1e-6


def conv_errors(lib, n: int, c: int, o: int, hw: int) -> list[float]:
    """max |error| / max |exact| of a float32 3x3 convolution (padding 1) on ``lib``: output,
    input gradient and weight gradient, against PyTorch in float64 on the same inputs."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    w = (rng.standard_normal((o, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
    g = rng.standard_normal((n, o, hw, hw)).astype(np.float32)
    results = []
    for mod, dtype in ((lib, np.float32), (torch, np.float64)):
        xs, ws = (mod.tensor(a.astype(dtype), requires_grad=True) for a in (x, w))
        out = mod.nn.functional.conv2d(xs, ws, padding=1)
        out.backward(mod.tensor(g.astype(dtype)))
        results.append([t.detach().numpy().astype(np.float64) for t in (out, xs.grad, ws.grad)])
    return [np.abs(a - e).max() / np.abs(e).max() for a, e in zip(*results)]


def resnet_params(seed: int, width: int, blocks: int) -> dict:
    """PyTorch's default initialisation: U(+-1/sqrt(fan_in)) weights, BN weight 1, bias 0."""
    rng = np.random.default_rng(seed)
    p = {}
    for name in ["stem"] + [f"b{i}{s}" for i in range(blocks) for s in ("", "'")]:
        c = 3 if name == "stem" else width
        p[name + ".w"] = rng.uniform(-1, 1, (width, c, 3, 3)) / np.sqrt(9 * c)
        p[name + ".g"], p[name + ".b"] = np.ones(width), np.zeros(width)
    p["fc.w"] = rng.uniform(-1, 1, (10, width)) / np.sqrt(width)
    p["fc.b"] = rng.uniform(-1, 1, 10) / np.sqrt(width)
    return p


def resnet_loss(lib, p: dict, x, y, blocks: int, pre: list):
    """Cross-entropy of a ResNet: a conv-BN-ReLU stem, ``blocks`` residual blocks of
    conv3x3-BN-ReLU-conv3x3-BN (+ identity), ReLU, global average pooling, a linear head.
    Training-mode BatchNorm; every ReLU's input is appended to ``pre``."""
    F = lib.nn.functional

    def conv_bn(h, name):
        h = F.conv2d(h, p[name + ".w"], padding=1)
        return F.batch_norm(h, None, None, p[name + ".g"], p[name + ".b"], training=True)

    h = x
    for name in ["stem"] + [f"b{i}" for i in range(blocks)]:
        z = conv_bn(h, name)
        if name != "stem":  # a residual block
            pre.append(z)
            z = conv_bn(lib.relu(z), name + "'") + h
        pre.append(z)
        h = lib.relu(z)
    return F.cross_entropy(F.linear(h.mean((2, 3)), p["fc.w"], p["fc.b"]), y)


def resnet_gradient_errors(lib, seed: int, config: tuple = RESNET) -> tuple[float, dict]:
    """(the float64 ReLU input nearest 0, per-parameter ``||g32 - g64|| / ||g64||``)."""
    width, blocks, n, hw = config
    params = resnet_params(seed, width, blocks)
    rng = np.random.default_rng(seed + 1000)
    x, y = rng.standard_normal((n, 3, hw, hw)), rng.integers(0, 10, n)
    grads, nearest = {}, 0.0
    for dtype in (np.float64, np.float32):
        p = {k: lib.tensor(v.astype(dtype), requires_grad=True) for k, v in params.items()}
        pre: list = []
        resnet_loss(lib, p, lib.tensor(x.astype(dtype)), lib.tensor(y), blocks, pre).backward()
        grads[dtype] = {k: t.grad.numpy().astype(np.float64) for k, t in p.items()}
        if dtype == np.float64:
            nearest = min(float(np.abs(z.detach().numpy()).min()) for z in pre)
    g32, g64 = grads[np.float32], grads[np.float64]
    return nearest, {k: np.linalg.norm(g32[k] - g64[k]) / np.linalg.norm(g64[k]) for k in g64}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.accuracy")
    parser.add_argument("--seeds", type=int, default=20, help="ResNet seeds (default 20)")
    args = parser.parse_args(argv)
    print("| 3x3 conv, float32 vs float64 | output nt / torch | input grad | weight grad |")
    print("|---|---:|---:|---:|")
    for shape in CONV_SHAPES:
        ours, theirs = conv_errors(numtorch, *shape), conv_errors(torch, *shape)
        cells = " | ".join(f"{a:.1e} / {t:.1e}" for a, t in zip(ours, theirs))
        print(f"| N={shape[0]}, {shape[1]}->{shape[2]}, {shape[3]}x{shape[3]} | {cells} |")
    print(f"\nResNet+BN {RESNET} (channels, blocks, images, side), seeds 0-{args.seeds - 1}:")
    print("| library | worst, seeds kept (no ReLU input within 1e-6 of 0) | worst, all | "
          "seeds over 1e-4 |")  # fmt: skip
    print("|---|---:|---:|---|")
    for name, lib in (("numtorch", numtorch), ("torch", torch)):
        runs = [resnet_gradient_errors(lib, s) for s in range(args.seeds)]
        worst = [max(errs.values()) for _, errs in runs]
        kept = [w for (near, _), w in zip(runs, worst) if near >= FLIP_MARGIN]
        over = [s for s, w in enumerate(worst) if w > 1e-4]
        print(f"| {name} | {max(kept):.1e} ({len(kept)} seeds) | {max(worst):.1e} | {over} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
