"""The spec's Dropout2d example and its ``ImageClassifier``, run end to end.

Part 1 is the spec's Dropout2d demo: a batch of 64-channel 224x224 feature maps (batch 4 by
default instead of the spec's 32, to spare memory), where training mode drops about half the
maps of each sample and eval mode returns the input itself. Part 2 trains the spec's
``ImageClassifier`` (``numtorch.models``) for a few SGD steps on a fixed random batch and shows
the loss falling, eval mode being deterministic, and train mode varying.

    python examples/image_classifier.py [--batch 4] [--size 32] [--steps 8]
"""

from __future__ import annotations

import argparse

import numtorch as torch
from numtorch.models import ImageClassifier


def dropout2d_demo(batch: int) -> list[int]:
    """The spec's example; returns how many of the 64 maps each sample lost."""
    dropout = torch.nn.Dropout2d(0.5)
    x = torch.randn([batch, 64, 224, 224])  # the spec uses Batch=32
    # During training: ~50% of the 64 feature maps are completely dropped
    dropout.train()
    train_out = dropout.forward(x)  # shape [batch, 64, 224, 224], some feature maps are zero
    dropped = [int(n) for n in (~dropout.last_mask).sum(1).tolist()]
    zero_maps = (train_out.abs().sum((2, 3)) == 0).sum(1).tolist()
    assert dropped == zero_maps and list(train_out.shape) == [batch, 64, 224, 224]
    # During inference: no dropout
    dropout.eval()
    test_out = dropout.forward(x)  # no dropout, returns x
    assert test_out is x
    return dropped


def train_classifier(batch: int, size: int, steps: int, lr: float = 0.05) -> dict:
    """A few SGD steps of the spec's classifier on one fixed batch; the losses and checks."""
    model = ImageClassifier(in_channels=3, num_classes=10, input_size=size)
    x, y = torch.randn([batch, 3, size, size]), torch.randint(0, 10, (batch,))
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
        loss = loss_fn(model(x), y)  # forward with fresh Dropout2d masks
        loss.backward()
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
    parser.add_argument("--batch", type=int, default=4, help="batch size (the spec's is 32)")
    parser.add_argument("--size", type=int, default=32, help="classifier input height/width")
    parser.add_argument("--steps", type=int, default=8, help="SGD steps")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    dropped = dropout2d_demo(args.batch)
    print(f"Dropout2d(0.5) on [{args.batch}, 64, 224, 224]: maps dropped per sample {dropped}")
    result = train_classifier(args.batch, args.size, args.steps)
    print(
        f"ImageClassifier eval loss: {result['before']:.4f} -> {result['after']:.4f} "
        f"after {args.steps} SGD steps"
    )
    print(
        f"eval mode deterministic: {result['eval_deterministic']}, "
        f"train mode varies: {result['train_varies']}"
    )
    return {"dropped": dropped, **result}


if __name__ == "__main__":
    main()
