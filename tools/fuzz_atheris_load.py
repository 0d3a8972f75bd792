"""Coverage-guided fuzzing of ``numtorch.load`` with atheris (optional; not run by pytest/CI).

Usage (atheris from PyPI, ``pip install atheris``)::

    python tools/fuzz_atheris_load.py -atheris_runs=100000 [corpus_dir]

Seeds are a valid PyTorch zip checkpoint and a valid safetensors checkpoint written by
numtorch; every input must load or raise RuntimeError / pickle.UnpicklingError, and a global
that would record a call must never run. Any other exception is a finding (atheris stops and
writes the crashing input).
"""

from __future__ import annotations

import io
import pickle
import sys

import atheris

with atheris.instrument_imports():
    import numtorch
    from numtorch.serialization import load, save

RAN: list = []


def sentinel(*args):  # pragma: no cover - must never run
    RAN.append(args)


class Named(io.BytesIO):
    name = "fuzzed"


def seeds() -> list[bytes]:
    obj = {"w": numtorch.arange(6.0), "n": 3, "t": (numtorch.ones(2, dtype=numtorch.int64),)}
    out = []
    for suffix in ("pt", "safetensors"):
        buf = io.BytesIO()
        if suffix == "pt":
            save(obj, buf)
        else:
            from numtorch.serialization import _safetensors_bytes

            buf.write(_safetensors_bytes(obj))
        out.append(buf.getvalue())
    return out


def test_one_input(data: bytes) -> None:
    try:
        load(Named(data))
    except (RuntimeError, pickle.UnpicklingError):
        pass
    if RAN:
        raise AssertionError("a pickle ran code")


def main() -> None:
    args = list(sys.argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus given: seed one
        import tempfile
        from pathlib import Path

        corpus = Path(tempfile.mkdtemp(prefix="numtorch-fuzz-"))
        for i, seed in enumerate(seeds()):
            (corpus / f"seed{i}").write_bytes(seed)
        args.append(str(corpus))
    if not any(a.startswith("-artifact_prefix=") for a in args):  # crashes: not in the cwd
        import tempfile

        args.append(f"-artifact_prefix={tempfile.mkdtemp(prefix='numtorch-crash-')}/")
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
