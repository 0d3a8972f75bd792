"""examples/conv_autoencoder.py (issue 12): the convolutional autoencoder on the bundled digits
trains, its loss falls every epoch, and the held-out reconstruction loss falls by a large
factor; a seeded run is reproducible."""

from __future__ import annotations

import runpy
from pathlib import Path

import numtorch

ROOT = Path(__file__).resolve().parents[1]


def run_main(*args: str) -> dict:
    return runpy.run_path(str(ROOT / "examples" / "conv_autoencoder.py"))["main"](list(args))


def test_conv_autoencoder_reconstruction_loss_falls_by_a_large_factor() -> None:
    result = run_main()
    losses = result["losses"]
    assert len(losses) == 8
    assert all(later < earlier for earlier, later in zip(losses, losses[1:])), losses
    assert result["test_loss"] < result["test_loss_before"] / 10, result
    assert result["test_loss"] < 0.02, result


def test_conv_autoencoder_seeded_runs_agree_and_shapes_round_trip() -> None:
    first = run_main("--epochs", "1", "--seed", "3")
    again = run_main("--epochs", "1", "--seed", "3")
    assert first == again
    module = runpy.run_path(str(ROOT / "examples" / "conv_autoencoder.py"))
    model = module["ConvAutoencoder"]()
    code = model.encoder(numtorch.rand(5, 1, 8, 8))
    out = model.decoder(code)
    assert tuple(code.shape) == (5, 32, 2, 2) and tuple(out.shape) == (5, 1, 8, 8)
    assert float(out.min()) > 0 and float(out.max()) < 1
