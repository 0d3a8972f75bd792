"""The report's figures: learning curves and the feature maps a Dropout2d layer dropped.

matplotlib is optional (the ``demo`` extra): without it the figures are skipped with a notice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_curves(histories: dict[str, list[dict]], path: Path) -> None:
    """Loss and accuracy per epoch, train dashed and test solid, one colour per run."""
    plt = _pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    for i, (label, rows) in enumerate(histories.items()):
        epochs = [r["epoch"] for r in rows]
        colour = f"C{i}"
        ax_loss.plot(
            epochs, [r["train_loss"] for r in rows], "--", color=colour, label=f"{label} train"
        )
        ax_loss.plot(
            epochs, [r["test_loss"] for r in rows], "-", color=colour, label=f"{label} test"
        )
        ax_acc.plot(
            epochs, [r["train_acc"] for r in rows], "--", color=colour, label=f"{label} train"
        )
        ax_acc.plot(epochs, [r["test_acc"] for r in rows], "-", color=colour, label=f"{label} test")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_dropped_maps(
    image: np.ndarray, before: np.ndarray, keep: np.ndarray, p: float, path: Path
) -> None:
    """The input, then each feature map before and after Dropout2d; dropped maps framed red.

    ``before`` is (C, H, W) for one sample, ``keep`` its (C,) keep mask from ``last_mask``.
    """
    plt = _pyplot()
    channels = min(before.shape[0], 32)
    cols = 8
    rows = 2 * int(np.ceil(channels / cols))
    fig = plt.figure(figsize=(cols * 1.3 + 2.2, rows * 1.3 + 0.6))
    grid = fig.add_gridspec(rows, cols + 2)
    ax = fig.add_subplot(grid[:2, :2])
    ax.imshow(image.squeeze() if image.shape[0] == 1 else np.moveaxis(image, 0, -1), cmap="gray")
    ax.set_title("input", fontsize=9)
    ax.axis("off")
    lo, hi = float(before.min()), float(before.max())
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    for c in range(channels):
        r, k = 2 * (c // cols), c % cols
        for offset, data, title in (
            (0, before[c], f"ch {c}"),
            (1, before[c] * keep[c] * scale, ""),
        ):
            ax = fig.add_subplot(grid[r + offset, k + 2])
            ax.imshow(data, cmap="viridis", vmin=lo, vmax=hi * max(scale, 1.0))
            ax.set_xticks([])
            ax.set_yticks([])
            if title:
                ax.set_title(title, fontsize=7)
            if not keep[c]:
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
    dropped = int((~keep[:channels]).sum())
    fig.suptitle(
        f"Dropout2d(p={p}): {dropped} of {channels} feature maps dropped (red); "
        "rows: before / after",
        fontsize=10,
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_confusion(matrix: np.ndarray, accuracy: float, path: Path) -> None:
    """The confusion matrix (rows: true class, columns: predicted), counts in each cell."""
    plt = _pyplot()
    k = matrix.shape[0]
    size = max(4.0, 0.45 * k + 2.0)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    high = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if count > high else "black"
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8, color=colour)
    ax.set(xlabel="predicted class", ylabel="true class", xticks=range(k), yticks=range(k))
    ax.set_title(f"Confusion matrix (accuracy {accuracy:.4f})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
