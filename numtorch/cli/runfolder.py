"""The run folder (``--out``) as shared, crash-prone storage: atomic writes, a lock that keeps a
second trainer out, the removal of temporary files a killed trainer left, and the test seam
that kills the trainer at a chosen point.

Writes go through ``numtorch.serialization._atomic_write`` (temporary file, fsync,
``os.replace``), so every file keeps either its old or its new contents, never a torn mix. A
kill in the middle leaves the temporary ``.<name>.<pid>.<hex>.tmp`` behind; the next trainer in
the folder removes those whose process is gone.

The lock is ``fcntl.flock`` on ``.numtorch-train.lock`` where ``fcntl`` exists (POSIX): the
kernel releases it when its holder exits in any way, ``kill -9`` included, so a lock whose holder
died is simply taken over. On Windows ``msvcrt.locking`` gives the same guarantee. Elsewhere the
lock is the file itself, created exclusively and holding its owner's pid; a file whose pid is no
longer alive is stale and taken over.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import numtorch
from numtorch import serialization
from numtorch.cli.config import RunFailed, UsageError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows and others
    fcntl = None  # type: ignore[assignment]
try:  # Windows
    import msvcrt
except ImportError:
    msvcrt = None  # type: ignore[assignment]

LOCK_NAME = ".numtorch-train.lock"
CRASH_ENV = "NUMTORCH_TRAIN_CRASH_AT"
CRASH_RANK_ENV = "NUMTORCH_TRAIN_CRASH_RANK"  # under --distributed: only this rank crashes
_rank = 0  # this process's rank (set by --distributed), for CRASH_RANK_ENV
_TEMP = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")  # _atomic_write: token_hex(4)


def write_text(path: Path, text: str, epoch: int | None = None) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, fsync, ``os.replace``); ``epoch``
    names the write for the crash seam (``write:<name>@<epoch>``)."""
    data = text.encode()
    with crash_point(_point(path, epoch)):
        serialization._atomic_write(path, lambda out: serialization._write_all(out, data))


def _point(path: Path, epoch: int | None) -> str:
    return f"write:{path.name}" + ("" if epoch is None else f"@{epoch}")


def save_checkpoint(state: dict, path: Path, epoch: int) -> None:
    """``numtorch.save`` (atomic) behind the crash seam ``write:<name>@<epoch>``."""
    with crash_point(_point(path, epoch), whole_writes=2):  # the header and the first tensor
        numtorch.save(state, path)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a process we may not signal still exists)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would terminate the process there
        return _pid_alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _pid_alive_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    ctypes.windll.kernel32.CloseHandle(handle)
    return True


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the ``.<name>.<pid>.<hex>.tmp`` files in ``folder`` that a dead process (or an
    earlier life of this one) left behind; returns what was removed."""
    removed = []
    for entry in folder.iterdir() if folder.is_dir() else ():
        match = _TEMP.match(entry.name)
        if match is None or not entry.is_file():
            continue
        pid = int(match.group(1))
        if pid != os.getpid() and pid_alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError):
            entry.unlink()
            removed.append(entry)
    return removed


def _busy(folder: Path, holder: str) -> UsageError:
    who = f" (pid {holder})" if holder.isdigit() else ""
    return UsageError(
        f"--out {str(folder)!r} is in use by another numtorch train{who}: wait for it to end "
        "or choose another --out"
    )


def _read_holder(path: Path) -> str:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _flock(path: Path, folder: Path) -> int:
    """Open and lock ``path`` (retrying if the file was replaced between open and lock)."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            os.close(fd)
            raise _busy(folder, _read_holder(path)) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same or os.name == "nt":
            return fd
        os.close(fd)  # the previous holder removed the file as we opened it: try the new one


def _pidfile(path: Path, folder: Path) -> int:
    """The fallback lock: create ``path`` exclusively; take it over if its holder is dead."""
    for _ in range(3):
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            holder = _read_holder(path)
            if holder.isdigit() and pid_alive(int(holder)):
                raise _busy(folder, holder) from None
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    raise _busy(folder, _read_holder(path))


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the run folder's lock for the block: a second trainer there is refused with a
    one-line UsageError. The lock goes on return, exception, Ctrl-C and (kernel locks) kill."""
    path = folder / LOCK_NAME
    kernel = fcntl is not None or msvcrt is not None
    try:
        fd = _flock(path, folder) if kernel else _pidfile(path, folder)
    except PermissionError as err:
        raise UsageError(f"cannot lock --out {str(folder)!r}: {err.strerror or err}") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(OSError):  # Windows cannot remove an open file: it stays
            path.unlink()  # while still holding it: a waiting trainer re-opens the new file
        os.close(fd)


def _kill_self() -> None:
    """Die at once, as ``kill -9`` would: no cleanup, no ``finally`` blocks."""
    os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def set_rank(rank: int) -> None:
    """Record this process's rank in the ``--distributed`` job, for ``CRASH_RANK_ENV``."""
    global _rank
    _rank = rank


def crash_requested(point: str) -> bool:
    """Whether the test seam ``NUMTORCH_TRAIN_CRASH_AT`` names ``point`` (e.g. ``epoch:2``,
    ``write:metrics.json@2``, ``write:checkpoint.safetensors@3``, ``report``) on this rank
    (``NUMTORCH_TRAIN_CRASH_RANK``, when set, names the one rank that crashes)."""
    only = os.environ.get(CRASH_RANK_ENV)
    if only is not None and only.strip() != str(_rank):
        return False
    return os.environ.get(CRASH_ENV, "") == point


@contextlib.contextmanager
def crash_point(point: str, whole_writes: int = 0) -> Iterator[None]:
    """The kill seam around a write: if ``NUMTORCH_TRAIN_CRASH_AT`` names ``point``, the file
    gets ``whole_writes`` chunks and half of the next one, then the process kills itself,
    leaving on disk what a real kill mid-write leaves (the old file, and part of the new one
    in a temporary file)."""
    if not crash_requested(point):
        yield
        return
    real, calls = serialization._write_all, []

    def half_then_die(out, data: bytes) -> None:
        calls.append(1)
        if len(calls) <= whole_writes:
            real(out, data)
            return
        real(out, data[: len(data) // 2])
        out.flush()
        os.fsync(out.fileno())
        _kill_self()

    serialization._write_all = half_then_die
    try:
        yield
    finally:
        serialization._write_all = real


def maybe_crash(point: str) -> None:
    """Kill the process here if ``NUMTORCH_TRAIN_CRASH_AT`` names ``point``; raise the
    trainer's one-line ``RunFailed`` if it names ``fail:<point>`` (a failure the trainer
    reports itself, as a full disk would be)."""
    if crash_requested(point):
        _kill_self()
    if crash_requested(f"fail:{point}"):
        raise RunFailed(f"injected failure at {point} ({CRASH_ENV})")
