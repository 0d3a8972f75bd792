"""The fresh-process probes (``benchmarks/probe.py``) time numtorch as a pip install runs it:
with Python's bytecode compiled, whatever this machine's ``PYTHONDONTWRITEBYTECODE`` says."""

from __future__ import annotations

import fnmatch
import os

from benchmarks import probe


def test_probes_run_with_numtorchs_bytecode_compiled(tmp_path, monkeypatch):
    """The environment loses ``PYTHONDONTWRITEBYTECODE`` and keeps the user's bytecode folder,
    which then holds numtorch's modules (the lazily loaded kernel modules included) and its
    dependencies', compiled once per folder."""
    monkeypatch.setattr(probe, "_warmed", [])
    given = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    env = probe._with_bytecode(dict(os.environ, **given))
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["PYTHONPYCACHEPREFIX"] == str(tmp_path)

    def compiled(pattern: str) -> list:  # (glob's ** skips the hidden .venv)
        return [f for _, _, files in os.walk(tmp_path) for f in fnmatch.filter(files, pattern)]

    assert compiled("tensor.*.pyc") and compiled("_numba_winograd.*.pyc")
    assert compiled("probe.*.pyc") and compiled("dispatcher.*.pyc")  # numba's too
    assert probe._warmed == [str(tmp_path)]
    calls = []
    monkeypatch.setattr(probe.subprocess, "run", lambda *a, **k: calls.append(a))
    probe._with_bytecode(dict(os.environ, **given))
    assert not calls  # once per folder
