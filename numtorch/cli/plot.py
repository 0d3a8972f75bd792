"""The report's figures: learning curves, the feature maps a Dropout2d layer dropped, and the
confusion matrix.

matplotlib is optional (the ``demo`` extra): without it the figures are skipped with a notice.
Each figure is built by a ``_*_figure`` function returning a ``matplotlib.figure.Figure``
(no pyplot state, so nothing leaks between figures and tests can inspect the axes); the public
``plot_*`` functions save it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["best_epoch", "have_matplotlib", "plot_confusion", "plot_curves", "plot_dropped_maps"]

_DPI = 110
_MAX_MAPS = 32  # feature maps drawn at most; the title still counts all of them


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _new_figure(figsize: tuple[float, float]):
    from matplotlib.figure import Figure

    return Figure(figsize=figsize)


# ------------------------------------------------------------------ learning curves
def plot_curves(histories: dict[str, list[dict]], path: Path) -> None:
    """Save loss and accuracy per epoch for each run, with each run's best epoch marked.

    Rows hold ``epoch``, ``train_loss``, ``train_acc`` and ``val_loss``/``val_acc`` (or, in
    older runs, ``test_loss``/``test_acc``). Train is dashed, validation solid, one colour per
    run; the best epoch (highest validation accuracy, the earliest on ties) gets a star and a
    dotted vertical line, and the legend says which epoch it is.
    """
    _curves_figure(histories).savefig(path, dpi=_DPI)


def _curves_figure(histories: dict[str, list[dict]]):
    fig = _new_figure((11, 4.2))
    ax_loss, ax_acc = fig.subplots(1, 2)
    for i, (label, rows) in enumerate(histories.items()):
        _plot_run(ax_loss, ax_acc, label, rows, f"C{i}")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="Loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    _integer_epochs(ax_loss, ax_acc)
    fig.tight_layout()
    return fig


def _plot_run(ax_loss, ax_acc, label: str, rows: list[dict], colour: str) -> None:
    split = _eval_split(rows)
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "acc")):
        epochs, values = _series(rows, f"train_{metric}")
        ax.plot(epochs, values, "--", color=colour, label=f"{label} train")
        if split:
            epochs, values = _series(rows, f"{split}_{metric}")
            ax.plot(epochs, values, "-", color=colour, label=f"{label} {split}")
    best = best_epoch(rows)
    if best is not None:
        epoch, acc = best
        ax_acc.plot([epoch], [acc], "*", color=colour, markersize=12, markeredgecolor="black")
        best_label = f"{label} best: epoch {epoch} ({_eval_split(rows)} acc {acc:.4f})"
        ax_acc.axvline(epoch, color=colour, linestyle=":", alpha=0.7, label=best_label)
        ax_loss.axvline(epoch, color=colour, linestyle=":", alpha=0.7)


def _eval_split(rows: list[dict]) -> str | None:
    """``"val"`` when the rows have validation metrics, else ``"test"`` if present."""
    for split in ("val", "test"):
        if any(_number(r.get(f"{split}_acc")) is not None for r in rows):
            return split
    return None


def best_epoch(rows: list[dict]) -> tuple[int, float] | None:
    """``(epoch, accuracy)`` of the highest validation (else test) accuracy, earliest on ties."""
    split = _eval_split(rows)
    if split is None:
        return None
    epochs, accs = _series(rows, f"{split}_acc")
    best = int(np.argmax(accs))  # argmax returns the first of equal maxima
    return epochs[best], accs[best]


def _series(rows: list[dict], key: str) -> tuple[list[int], list[float]]:
    """Epochs and values of ``key``, skipping rows where it is missing or empty."""
    pairs = [(int(float(r["epoch"])), _number(r.get(key))) for r in rows]
    pairs = [(e, v) for e, v in pairs if v is not None]
    return [e for e, _ in pairs], [v for _, v in pairs]


def _number(value) -> float | None:
    """A float from a metrics value (a float, or a CSV string); None when absent or NaN."""
    if value is None or value == "":
        return None
    number = float(value)
    return None if np.isnan(number) else number


def _integer_epochs(*axes) -> None:
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)


# ------------------------------------------------------------------ Dropout2d feature maps
def plot_dropped_maps(
    image: np.ndarray, before: np.ndarray, keep: np.ndarray, p: float, path: Path
) -> None:
    """Save the input, then each feature map before and after Dropout2d; dropped maps framed red.

    ``before`` is (C, H, W) for one sample, ``keep`` its (C,) keep mask from ``last_mask``.
    At most the first 32 maps are drawn; the title counts the dropped maps among all C.
    """
    _dropped_maps_figure(image, before, keep, p).savefig(path, dpi=_DPI)


def _dropped_maps_figure(image: np.ndarray, before: np.ndarray, keep: np.ndarray, p: float):
    from matplotlib.colors import Normalize

    keep = np.asarray(keep, dtype=bool)
    shown, cols = min(before.shape[0], _MAX_MAPS), 8
    rows = 2 * int(np.ceil(shown / cols))
    fig = _new_figure((cols * 1.3 + 3.0, rows * 1.3 + 0.8))
    grid = fig.add_gridspec(rows, cols + 3, width_ratios=[1, 1] + [1] * cols + [0.15])
    _draw_input(fig.add_subplot(grid[:2, :2]), image)
    scale = 1.0 / (1.0 - p) if p < 1 else 0.0
    # one colour scale for all maps; "after" values reach max * 1/(1-p)
    norm = Normalize(float(before.min()), float(before.max()) * max(scale, 1.0))
    artist = None
    for c in range(shown):
        r, k = 2 * (c // cols), c % cols
        after = before[c] * keep[c] * scale
        for offset, data in ((0, before[c]), (1, after)):
            ax = fig.add_subplot(grid[r + offset, k + 2])
            artist = ax.imshow(data, cmap="viridis", norm=norm)
            _frame(ax, f"ch {c}" if offset == 0 else "", dropped=not keep[c])
    if artist is not None:
        fig.colorbar(artist, cax=fig.add_subplot(grid[:, -1]), label="activation")
    fig.suptitle(_dropped_title(p, keep, shown), fontsize=10)
    fig.subplots_adjust(left=0.02, right=0.94, bottom=0.03, top=0.9)
    return fig


def _dropped_title(p: float, keep: np.ndarray, shown: int) -> str:
    channels = keep.shape[0]
    text = f"Dropout2d(p={p}): {int((~keep).sum())} of {channels} feature maps dropped (red)"
    if shown < channels:
        text += f"; showing the first {shown}"
    return text + "; rows: before / after"


def _draw_input(ax, image: np.ndarray) -> None:
    if image.shape[0] == 1:
        ax.imshow(image[0], cmap="gray")
    else:  # (C, H, W) colour, scaled to [0, 1] so imshow does not clip un-normalised values
        rgb = np.moveaxis(image, 0, -1).astype(np.float64)
        span = rgb.max() - rgb.min()
        ax.imshow((rgb - rgb.min()) / span if span > 0 else np.zeros_like(rgb))
    ax.set_title("input", fontsize=9)
    ax.axis("off")


def _frame(ax, title: str, dropped: bool) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=7)
    if dropped:
        for spine in ax.spines.values():
            spine.set_edgecolor("red")
            spine.set_linewidth(2)


# ------------------------------------------------------------------ confusion matrix
def plot_confusion(matrix: np.ndarray, accuracy: float, path: Path) -> None:
    """The confusion matrix (rows: true class, columns: predicted), counts in each cell."""
    k = matrix.shape[0]
    size = max(4.0, 0.45 * k + 2.0)
    fig = _new_figure((size, size))
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    high = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        colour = "white" if count > high else "black"
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8, color=colour)
    ax.set(xlabel="predicted class", ylabel="true class", xticks=range(k), yticks=range(k))
    ax.set_title(f"Confusion matrix (accuracy {accuracy:.4f})")
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI)
