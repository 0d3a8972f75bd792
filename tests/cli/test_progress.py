"""``Progress`` and ``RunETA``: timed plain lines off a terminal (with an injected clock), the
bar on a terminal, and the ETA arithmetic."""

from __future__ import annotations

import io

import pytest

from numtorch.cli import progress
from numtorch.cli.progress import Progress, RunETA, format_duration


class _Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _Stream(io.StringIO):
    """A log file or pipe: not a terminal; counts flushes."""

    def __init__(self, tty: bool = False) -> None:
        super().__init__()
        self.tty, self.flushes = tty, 0

    def isatty(self) -> bool:
        return self.tty

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def _lines(stream: _Stream) -> list[str]:
    return stream.getvalue().splitlines()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00"),
        (59.9, "00:59"),
        (75, "01:15"),
        (3599, "59:59"),
        (3725, "1:02:05"),
        (-3, "00:00"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_run_eta_is_none_before_the_first_step_then_the_mean_pace() -> None:
    clock = _Clock(100.0)
    eta = RunETA(40, clock=clock)
    clock.now = 110.0
    assert eta.remaining_seconds() is None
    eta.step()
    eta.step(4)  # 5 steps in 10 s: 2 s a step, 35 steps left
    assert eta.remaining_seconds() == pytest.approx(70.0)
    clock.now = 140.0  # slower now: 40 s for 5 steps is 8 s a step
    assert eta.remaining_seconds() == pytest.approx(35 * 8.0)
    eta.step(40)  # past the end: nothing left, never negative
    assert eta.remaining_seconds() == 0.0


def test_run_eta_rejects_a_negative_total() -> None:
    with pytest.raises(ValueError, match="total_steps"):
        RunETA(-1)


def test_off_a_terminal_a_line_comes_once_the_interval_passes_and_not_before() -> None:
    clock, stream = _Clock(), _Stream()
    run_eta = RunETA(50, clock=clock)
    bar = Progress(100, "epoch 1/5", stream, run_eta=run_eta, clock=clock)
    clock.now = 5.0
    bar.update(10, 0.9, 0.1)
    clock.now = 9.99
    bar.update(10, 0.5, 0.25)
    assert stream.getvalue() == ""
    clock.now = 10.0  # 30 of 100 images in 10 s: 3 img/s, 70 left -> 23 s; 3 steps of 50 in 10 s
    bar.update(10, 0.5, 0.25)
    assert _lines(stream) == [
        "epoch 1/5: 30/100 loss 0.5000 acc 0.250 3 img/s ETA 00:23 | run ETA 02:36"
    ]
    assert stream.flushes >= 1
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_off_a_terminal_the_next_line_waits_a_full_interval_after_the_last() -> None:
    clock, stream = _Clock(), _Stream()
    bar = Progress(1000, "epoch 2/2", stream, clock=clock)
    bar.interval = 2.0  # tests and callers may lower it
    for now in (1.0, 2.5, 3.0, 4.4, 4.5, 9.0):
        clock.now = now
        bar.update(10, 1.0, 0.5)
    # lines at 2.5 (>= 2 after 0), 4.5 (>= 2 after 2.5) and 9.0
    assert [line.split(":")[1].split()[0] for line in _lines(stream)] == [
        "20/1000",
        "50/1000",
        "60/1000",
    ]
    assert "run ETA" not in stream.getvalue()  # no RunETA given
    bar.close()
    assert len(_lines(stream)) == 3  # the trainer prints the epoch's summary itself


def test_every_update_is_one_run_eta_step() -> None:
    clock = _Clock()
    run_eta = RunETA(10, clock=clock)
    for epoch in range(2):
        bar = Progress(64, f"epoch {epoch + 1}/2", _Stream(), run_eta=run_eta, clock=clock)
        for _ in range(3):
            bar.update(32, 1.0, 0.5)
        bar.close()
    assert run_eta.done == 6


def test_on_a_terminal_the_built_in_bar_shows_the_run_eta(monkeypatch) -> None:
    monkeypatch.setattr(progress, "_tqdm", lambda *args: None)  # the built-in bar, not tqdm
    clock, stream = _Clock(), _Stream(tty=True)
    run_eta = RunETA(1000, clock=clock)
    bar = Progress(200, "epoch 1/9", stream, run_eta=run_eta, clock=clock)
    clock.now = 4.0
    bar.update(100, 0.25, 0.75)  # 1 step in 4 s, 999 left: 3996 s
    text = stream.getvalue()
    assert text.startswith("\repoch 1/9 [############............] 100/200 loss 0.2500")
    assert "25 img/s ETA 00:04 | run ETA 1:06:36" in text
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_default_stream_is_stderr_and_silent_within_the_interval(capsys) -> None:
    bar = Progress(10, "epoch 1/1")
    bar.update(5, 1.0, 0.0)
    bar.close()
    assert capsys.readouterr().err == ""
