"""A convolutional autoencoder on the bundled digits: two strided convolutions squeeze each
8x8 image to a 32x2x2 code, two transposed convolutions grow it back to 8x8.

A seeded random split keeps 300 digits for testing; mean squared error against the input,
Adam, a few epochs. The held-out reconstruction loss is measured before and after training.

    python examples/conv_autoencoder.py [--epochs 8] [--batch-size 32] [--lr 0.005]
"""

from __future__ import annotations

import argparse

import numtorch as torch
import numtorch.nn as nn
from numtorch.datasets import load_digits
from numtorch.utils.data import DataLoader, TensorDataset, random_split

_TEST = 300


class ConvAutoencoder(nn.Module):
    """(N, 1, 8, 8) in [0, 1] -> (N, 32, 2, 2) code -> (N, 1, 8, 8) in (0, 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 16, 3, stride=2, padding=1),  # 8x8 -> 4x4
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),  # 4x4 -> 2x2
            nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),  # -> 4x4
            nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1),  # -> 8x8
            nn.Sigmoid(),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(images))


def digits(seed: int = 0) -> tuple:
    """The digit images (no labels), split at random (a seeded generator) into train and test."""
    images, _ = load_digits()
    generator = torch.Generator().manual_seed(seed)
    return random_split(TensorDataset(images), [len(images) - _TEST, _TEST], generator=generator)


def reconstruction_loss(model: nn.Module, dataset) -> float:
    """The mean squared error of the model's reconstructions over the whole dataset."""
    model.eval()
    with torch.no_grad():
        (images,) = next(iter(DataLoader(dataset, batch_size=len(dataset))))
        return float(nn.functional.mse_loss(model(images), images))


def train_epoch(model: nn.Module, dataset, optimizer, batch_size: int) -> float:
    """One pass over ``dataset`` in shuffled batches; the mean training loss."""
    model.train()
    total = 0.0
    for (images,) in DataLoader(dataset, batch_size=batch_size, shuffle=True):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(images), images)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(images)
    return total / len(dataset)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="A convolutional autoencoder on the digits")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    train_set, test_set = digits()
    model = ConvAutoencoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    before = reconstruction_loss(model, test_set)
    print(f"held-out reconstruction loss before training {before:.4f}")
    losses = []
    for epoch in range(args.epochs):
        losses.append(train_epoch(model, train_set, optimizer, args.batch_size))
        print(f"epoch {epoch + 1}: train loss {losses[-1]:.4f}")
    test = reconstruction_loss(model, test_set)
    print(f"held-out reconstruction loss {test:.4f}")
    return {"losses": losses, "test_loss_before": before, "test_loss": test}


if __name__ == "__main__":
    main()
