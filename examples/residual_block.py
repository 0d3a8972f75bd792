"""The spec's ``ResidualBlock``, run end to end.

Builds a small network around the spec's block (a stem convolution to ``channels`` maps, the
block, global average pooling, a linear classifier), checks the block keeps its input's shape,
then trains for a few SGD steps on a fixed random batch: the loss falls, eval mode is
deterministic, train mode (fresh Dropout2d masks) varies.

    python examples/residual_block.py [--batch 8] [--channels 16] [--size 16] [--steps 8]
"""

from __future__ import annotations

import argparse

import numtorch as torch
from numtorch.models import ResidualBlock


def build(channels: int, num_classes: int = 10) -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, channels, 3, padding=1),
        torch.nn.ReLU(),
        ResidualBlock(channels),  # Dropout2d(0.2) twice, as in the spec
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(channels, num_classes),
    )


def train(batch: int, channels: int, size: int, steps: int, lr: float = 0.1) -> dict:
    """A few SGD steps on one fixed batch; the losses and the mode checks."""
    model = build(channels)
    x, y = torch.randn([batch, 3, size, size]), torch.randint(0, 10, (batch,))
    block_out = model[2].forward(torch.randn([batch, channels, size, size]))
    assert list(block_out.shape) == [batch, channels, size, size]
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)

    def eval_loss() -> float:
        model.eval()
        with torch.no_grad():
            return loss_fn(model(x), y).item()

    before, losses = eval_loss(), []
    model.train()
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # through the residual connection and both Dropout2d masks
        optimizer.step()
        losses.append(loss.item())
    after = eval_loss()
    with torch.no_grad():
        deterministic = bool(model.eval()(x).equal(model(x)))
        varies = not model.train()(x).equal(model(x))
    return {
        "before": before,
        "after": after,
        "train_losses": losses,
        "eval_deterministic": deterministic,
        "train_varies": varies,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=8, help="batch size")
    parser.add_argument("--channels", type=int, default=16, help="channels of the block")
    parser.add_argument("--size", type=int, default=16, help="input height/width")
    parser.add_argument("--steps", type=int, default=8, help="SGD steps")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    result = train(args.batch, args.channels, args.size, args.steps)
    print(
        f"ResidualBlock({args.channels}) network eval loss: {result['before']:.4f} -> "
        f"{result['after']:.4f} after {args.steps} SGD steps"
    )
    print(
        f"eval mode deterministic: {result['eval_deterministic']}, "
        f"train mode varies: {result['train_varies']}"
    )
    return result


if __name__ == "__main__":
    main()
