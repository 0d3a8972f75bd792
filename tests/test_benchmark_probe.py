"""The fresh-process probes (``benchmarks/probe.py``) time numtorch as a pip install runs it:
with Python's bytecode compiled, whatever this machine's ``PYTHONDONTWRITEBYTECODE`` says."""

from __future__ import annotations

import glob
import os

from benchmarks import probe


def test_probes_run_with_numtorchs_bytecode_compiled(tmp_path, monkeypatch):
    monkeypatch.setattr(probe, "_compiled", [])
    env = probe._with_bytecode(
        {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(tmp_path), "PATH": "/usr/bin"}
    )
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["PYTHONPYCACHEPREFIX"] == str(tmp_path)
    compiled = glob.glob(os.path.join(tmp_path, "**", "numtorch", "tensor.*.pyc"), recursive=True)
    assert compiled and glob.glob(os.path.join(tmp_path, "**", "probe.*.pyc"), recursive=True)
    assert probe._compiled == [str(tmp_path)]  # compiled once per folder
    monkeypatch.setattr(probe, "_compiled", [probe._DEFAULT_PYCACHE])  # (not compiled again)
    assert probe._with_bytecode({})["PYTHONPYCACHEPREFIX"] == probe._DEFAULT_PYCACHE
