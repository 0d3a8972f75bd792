"""An LSTM classifier on the bundled digits: each 8x8 image is read as a sequence of its 8
rows (8 features per step), the LSTM's last hidden state is classified by a linear layer.

A seeded random split keeps 300 digits for testing (the bundled file is ordered by writer, so
the last 300 would test on writers never seen); Adam, a few epochs, ~97% test accuracy.

    python examples/lstm_digits.py [--epochs 12] [--hidden 64] [--batch-size 32]
"""

from __future__ import annotations

import argparse

import numtorch as torch
import numtorch.nn as nn
from numtorch.datasets import load_digits
from numtorch.utils.data import DataLoader, TensorDataset, random_split

_TEST = 300


class RowLSTM(nn.Module):
    """Rows in, class scores out: LSTM over the 8 rows, then a linear layer on h_n."""

    def __init__(self, hidden: int = 64, layers: int = 1) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, 10)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        rows = images.squeeze(1)  # (N, 8 rows, 8 columns)
        _, (h_n, _) = self.lstm(rows)
        return self.head(h_n[-1])


def digits(seed: int = 0) -> tuple:
    """The digits scaled to [-1, 1], split at random (a seeded generator) into train and test."""
    images, labels = load_digits()
    dataset = TensorDataset((images - 0.5) / 0.5, labels)
    generator = torch.Generator().manual_seed(seed)
    return random_split(dataset, [len(dataset) - _TEST, _TEST], generator=generator)


def accuracy(model: nn.Module, dataset) -> float:
    model.eval()
    with torch.no_grad():
        images, labels = next(iter(DataLoader(dataset, batch_size=len(dataset))))
        return float((model(images).argmax(1) == labels).float().mean())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="LSTM over the rows of the bundled digits")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    train_set, test_set = digits()
    model = RowLSTM(args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for images, labels in DataLoader(train_set, batch_size=args.batch_size, shuffle=True):
            optimizer.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(labels)
        losses.append(total / len(train_set))
        print(f"epoch {epoch + 1}: train loss {losses[-1]:.4f}")
    test = accuracy(model, test_set)
    print(f"test accuracy {test:.3f}")
    return {"losses": losses, "test_accuracy": test}


if __name__ == "__main__":
    main()
