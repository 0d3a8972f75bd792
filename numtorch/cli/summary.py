"""A model summary table, like Keras' ``model.summary()`` and Lightning's ``ModelSummary``.

One row per submodule, depth first, named by its dotted path: its type, the shape of what it
returned on one forward pass of an example batch, and the parameters it owns itself (not its
children's, so the column sums to the total). Output shapes come from forward hooks on a
``no_grad`` forward in eval mode; the model's modes, its state and every random stream are left
as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numtorch
from numtorch import nn
from numtorch.random import default_generator

__all__ = ["model_summary"]

_MB = 1e6  # Lightning's "estimated model params size (MB)" counts decimal megabytes


@dataclass
class _Row:
    name: str
    kind: str
    params: int
    depth: int
    leaf: bool
    outputs: list[str] = field(default_factory=list)


def model_summary(model: nn.Module, example: numtorch.Tensor) -> str:
    """A table of ``model``'s layers with the output shape each produces for ``example``.

    Rows list every submodule of ``model`` in definition order (a container such as a
    ``ResidualBlock`` or ``nn.Sequential`` first, then its children, indented), with the
    parameters each owns directly; shared parameters count once. The footer gives the total,
    trainable and non-trainable parameter counts and the parameters' size in MB.

    The forward runs under ``no_grad`` in eval mode (so dropout draws nothing); afterwards the
    hooks are removed, each module's training flag and the default generator's state are
    restored, even if the forward raised.

    Args:
        model: the network to describe.
        example: an input batch, e.g. the first few training images.

    Returns:
        the table as text, ready to print.

    Example:
        >>> import numtorch
        >>> from numtorch import nn
        >>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        >>> print(model_summary(net, numtorch.zeros(2, 4)).splitlines()[2])
        0      Linear  [2, 3]            15
    """
    rows = _rows(model)
    output = _traced_forward(model, example, rows)
    return _render(rows, model, example, output)


def _rows(model: nn.Module) -> dict[nn.Module, _Row]:
    """A row per submodule (the root too, kept only if it owns parameters)."""
    rows: dict[nn.Module, _Row] = {}
    seen: set[int] = set()
    for name, module in model.named_modules():
        own = 0
        for param in module.parameters(recurse=False):
            if id(param) not in seen:
                seen.add(id(param))
                own += param.numel()
        depth = name.count(".") + 1 if name else 0
        leaf = not any(True for _ in module.children())
        rows[module] = _Row(name or "(root)", type(module).__name__, own, depth, leaf)
    return rows


def _traced_forward(model: nn.Module, example: numtorch.Tensor, rows: dict[nn.Module, _Row]):
    """Run ``model(example)`` once with shape-recording hooks; undo every side effect."""
    modes = [(m, m.training) for m in model.modules()]
    rng = default_generator.get_state()
    handles = []
    try:
        for module, row in rows.items():
            handles.append(module.register_forward_hook(_recorder(row)))
        model.eval()
        with numtorch.no_grad():
            return model(example)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
        default_generator.set_state(rng)


def _recorder(row: _Row):
    def hook(module, args, output) -> None:
        row.outputs.append(_shape_text(output))

    return hook


def _shape_text(value) -> str:
    """``[2, 64, 8, 8]`` for a tensor; tuples (an LSTM's ``(out, (h, c))``) nest in parens."""
    if isinstance(value, numtorch.Tensor):
        return str(list(value.shape))
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_shape_text(v) for v in value) + ")"
    return type(value).__name__


def _render(rows: dict[nn.Module, _Row], model, example, output) -> str:
    shown = [r for r in rows.values() if r.depth > 0 or r.params]
    table = [("Layer", "Type", "Output shape", "Params")]
    table += [(_indent(r), r.kind, _outputs(r), _count(r)) for r in shown]
    widths = [max(len(line[i]) for line in table) for i in range(4)]
    lines = [_format(table[0], widths), "-" * (sum(widths) + 6)]
    lines += [_format(line, widths) for line in table[1:]]
    lines.append("-" * (sum(widths) + 6))
    lines += _totals(model, example, output)
    return "\n".join(lines)


def _indent(row: _Row) -> str:
    return "  " * max(row.depth - 1, 0) + row.name


def _outputs(row: _Row) -> str:
    """The shape of each call, listed once per distinct shape; ``-`` for a module never run."""
    if not row.outputs:
        return "-"
    distinct = list(dict.fromkeys(row.outputs))
    text = " | ".join(distinct)
    return text if len(row.outputs) == 1 else f"{text} (x{len(row.outputs)} calls)"


def _count(row: _Row) -> str:
    return f"{row.params:,}" if row.params or row.leaf else ""


def _format(cells: tuple[str, ...], widths: list[int]) -> str:
    name, kind, shape, params = cells
    return (
        f"{name:<{widths[0]}}  {kind:<{widths[1]}}  {shape:<{widths[2]}}  {params:>{widths[3]}}"
    ).rstrip()


def _totals(model: nn.Module, example: numtorch.Tensor, output) -> list[str]:
    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    size = sum(p.numel() * p.element_size() for p in params) / _MB
    return [
        f"Input shape: {_shape_text(example)}   Output shape: {_shape_text(output)}",
        f"Total params: {total:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {total - trainable:,}",
        f"Params size (MB): {size:.3f}",
    ]
