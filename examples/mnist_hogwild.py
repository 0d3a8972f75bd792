"""pytorch/examples' ``mnist_hogwild``, on numtorch and the bundled digits: several processes
train one model whose parameters live in shared memory (``model.share_memory()``), each with
its own optimizer and data order, updating the weights without locks (Hogwild!).

The model is the example's small CNN (two convolutions, ``Dropout2d``, two linear layers)
sized for the 8x8 digits instead of MNIST's 28x28; the first 1,497 digits train and the
last 300 test. As in the original, processes start with the ``spawn`` method.

    python examples/mnist_hogwild.py [--num-processes 2] [--epochs 3] [--batch-size 64]
"""

from __future__ import annotations

import argparse

import numtorch as torch
import numtorch.multiprocessing as mp
import numtorch.nn as nn
import numtorch.nn.functional as F
from numtorch.datasets import load_digits
from numtorch.utils.data import DataLoader, TensorDataset

_TRAIN = 1497


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.conv2_drop = nn.Dropout2d()
        self.fc1 = nn.Linear(128, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 128)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, training=self.training)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def datasets() -> tuple[TensorDataset, TensorDataset]:
    images, labels = load_digits()
    images = (images - 0.5) / 0.5
    return (
        TensorDataset(images[:_TRAIN], labels[:_TRAIN]),
        TensorDataset(images[_TRAIN:], labels[_TRAIN:]),
    )


def train(rank: int, args: argparse.Namespace, model: nn.Module, dataset: TensorDataset) -> None:
    """One process's share of the work: the original's ``train`` (its own seed, loader and
    optimizer; the parameters are the shared ones)."""
    torch.manual_seed(args.seed + rank)
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    model.train()
    for _ in range(args.epochs):
        for data, target in loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()


def test(model: nn.Module, dataset: TensorDataset) -> float:
    """Accuracy on the held-out digits."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for data, target in DataLoader(dataset, batch_size=300):
            correct += int(model(data).argmax(dim=1).eq(target).sum())
    return correct / len(dataset)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="Hogwild training on the bundled digits")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--num-processes", type=int, default=2)
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    mp.set_start_method("spawn", force=True)
    train_set, test_set = datasets()
    model = Net()
    model.share_memory()  # gradients are allocated lazily, so they are not shared
    before = test(model, test_set)
    processes = []
    for rank in range(args.num_processes):
        p = mp.Process(target=train, args=(rank, args, model, train_set))
        p.start()  # the model's parameters travel as shared memory, not copies
        processes.append(p)
    for p in processes:
        p.join()
    exit_codes = [p.exitcode for p in processes]
    after = test(model, test_set)
    print(f"test accuracy before {before:.3f}, after {args.num_processes} processes {after:.3f}")
    return {"before": before, "after": after, "exit_codes": exit_codes}


if __name__ == "__main__":
    main()
