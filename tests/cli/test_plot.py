"""The report's figures, checked on the matplotlib ``Figure`` objects: integer epoch ticks, the
best epoch marked where it is, a colour bar and the real channel count on the dropped maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import numtorch  # noqa: E402
from numtorch.cli import plot  # noqa: E402
from numtorch.random import Generator  # noqa: E402


def _rows(val_acc: list[float], split: str = "val") -> list[dict]:
    return [
        {
            "epoch": e,
            "train_loss": 1.0 / e,
            "train_acc": 0.5 + e / 100,
            f"{split}_loss": 1.2 / e,
            f"{split}_acc": acc,
            "lr": 0.1,
            "seconds": 2.0,
        }
        for e, acc in enumerate(val_acc, start=1)
    ]


def _stars(ax) -> list:
    return [line for line in ax.get_lines() if line.get_marker() == "*"]


def _vertical_lines(ax) -> list[float]:
    xs = []
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        if line.get_linestyle() == ":" and x.size == 2 and x[0] == x[1]:
            xs.append(float(x[0]))
    return xs


def test_curves_ticks_are_whole_epochs() -> None:
    fig = plot._curves_figure({"run": _rows([0.1, 0.2, 0.3])})
    fig.canvas.draw()
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks == [1.0, 2.0, 3.0]


def test_curves_mark_each_runs_best_epoch_the_earliest_of_ties() -> None:
    histories = {"p=0.1": _rows([0.6, 0.8, 0.8, 0.7]), "p=0.3": _rows([0.5, 0.6, 0.7, 0.9])}
    fig = plot._curves_figure(histories)
    ax_loss, ax_acc = fig.axes
    stars = _stars(ax_acc)
    assert [(list(s.get_xdata()), list(s.get_ydata())) for s in stars] == [
        ([2], [0.8]),
        ([4], [0.9]),
    ]
    assert _vertical_lines(ax_acc) == [2.0, 4.0]
    assert _vertical_lines(ax_loss) == [2.0, 4.0]
    legend = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert "p=0.1 best: epoch 2 (val acc 0.8000)" in legend
    assert "p=0.3 best: epoch 4 (val acc 0.9000)" in legend
    assert "p=0.1 val" in legend and "p=0.1 train" in legend


def test_curves_fall_back_to_test_metrics() -> None:
    fig = plot._curves_figure({"old": _rows([0.4, 0.3], split="test")})
    ax_loss, ax_acc = fig.axes
    assert [list(s.get_xdata()) for s in _stars(ax_acc)] == [[1]]
    legend = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert "old test" in legend and "old best: epoch 1 (test acc 0.4000)" in legend
    loss_lines = {line.get_label(): list(line.get_ydata()) for line in ax_loss.get_lines()}
    assert loss_lines["old test"] == [1.2, 0.6]


def test_curves_read_csv_strings_and_skip_missing_validation() -> None:
    rows = [{k: str(v) for k, v in r.items()} for r in _rows([0.2, 0.5, 0.4])]
    rows[1]["val_acc"] = ""  # an epoch without validation
    assert plot.best_epoch(rows) == (3, 0.4)
    train_only = [{"epoch": 1, "train_loss": 1.0, "train_acc": 0.5}]
    assert plot.best_epoch(train_only) is None
    fig = plot._curves_figure({"t": train_only})
    assert not _stars(fig.axes[1])


def _maps(channels: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    gen = Generator().manual_seed(seed)
    before = numtorch.randn(channels, 5, 5, generator=gen).abs().numpy()
    keep = numtorch.rand(channels, generator=gen).numpy() > 0.4
    return before, keep


def test_dropped_maps_title_counts_every_channel_and_says_which_are_shown() -> None:
    before, keep = _maps(64)
    fig = plot._dropped_maps_figure(np.zeros((1, 10, 10)), before, keep, 0.4)
    title = fig.get_suptitle()
    assert f"{int((~keep).sum())} of 64 feature maps dropped" in title
    assert "showing the first 32" in title
    assert int((~keep[:32]).sum()) != int((~keep).sum())  # so the count above is over all 64


def test_dropped_maps_with_few_channels_show_them_all() -> None:
    before, keep = _maps(10, seed=1)
    fig = plot._dropped_maps_figure(np.zeros((3, 10, 10)), before, keep, 0.5)
    assert f"{int((~keep).sum())} of 10 feature maps dropped" in fig.get_suptitle()
    assert "showing" not in fig.get_suptitle()
    maps = [ax for ax in fig.axes if ax.get_images()]
    assert len(maps) == 1 + 2 * 10  # the input, then before/after for each channel


def test_dropped_maps_share_one_colour_scale_with_a_colour_bar() -> None:
    before, keep = _maps(12, seed=2)
    p = 0.25
    fig = plot._dropped_maps_figure(np.zeros((1, 10, 10)), before, keep, p)
    images = [im for ax in fig.axes[1:] for im in ax.get_images()]
    bars = [im.colorbar for im in images if im.colorbar is not None]
    assert len(bars) == 1
    assert bars[0].ax in fig.axes and bars[0].ax.get_ylabel() == "activation"
    assert bars[0].norm is images[0].norm  # the bar shows the maps' own scale
    limits = {im.get_clim() for im in images}
    assert len(limits) == 1
    lo, hi = limits.pop()
    assert lo == pytest.approx(before.min())
    assert hi == pytest.approx(before.max() / (1 - p))  # the largest kept value after scaling


def test_dropped_maps_frame_the_dropped_channels_red() -> None:
    before, keep = _maps(8, seed=3)
    fig = plot._dropped_maps_figure(np.zeros((1, 10, 10)), before, keep, 0.5)
    titled = [ax for ax in fig.axes if ax.get_title().startswith("ch ")]
    red = [ax.get_title() for ax in titled if ax.spines["top"].get_edgecolor()[:3] == (1, 0, 0)]
    assert red == [f"ch {c}" for c in np.flatnonzero(~keep)]


def test_the_plot_functions_write_png_files(tmp_path: Path) -> None:
    before, keep = _maps(40, seed=4)
    plot.plot_curves({"a": _rows([0.3, 0.5])}, tmp_path / "curves.png")
    plot.plot_dropped_maps(np.ones((3, 8, 8)) * 200, before, keep, 0.3, tmp_path / "maps.png")
    plot.plot_confusion(np.array([[5, 1], [2, 7]]), 0.8, tmp_path / "confusion.png")
    for name in ("curves.png", "maps.png", "confusion.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / name).stat().st_size > 1000
