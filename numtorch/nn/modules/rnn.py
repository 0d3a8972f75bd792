"""Recurrent layers: ``RNN``, ``LSTM`` (with ``proj_size``), ``GRU`` and the cells ``RNNCell``,
``LSTMCell``, ``GRUCell``, with PyTorch's arguments, parameter names (``weight_ih_l0``,
``weight_hh_l0_reverse``, ...) and order, initialisation ``U(-1/sqrt(H), 1/sqrt(H))``,
``repr``, shapes (batch_first, unbatched input, ``PackedSequence``) and checks.

Each layer and direction runs as one primitive over the whole sequence
(``numtorch.ops.rnn.RecurrentLayer``): one matrix product for every time step's input
projection and a time loop on ndarrays, with back-propagation through time in one pass.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from numtorch import _namespace as _ops
from numtorch.nn import init
from numtorch.nn.functional.dropout import dropout as _dropout
from numtorch.nn.modules.module import Module
from numtorch.nn.parameter import Parameter
from numtorch.nn.utils.rnn import PackedSequence
from numtorch.ops.rnn import RecurrentLayer
from numtorch.tensor import Tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _check_sizes(input_size: Any, hidden_size: Any, num_layers: int, proj_size: int) -> None:
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, int):
            raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


def _run_layers(
    mode: str,
    data: Tensor,
    batch_sizes: tuple,
    h0: Tensor,
    c0: Tensor | None,
    weights: list,
    bias: bool,
    num_layers: int,
    bidirectional: bool,
    dropout: float,
    training: bool,
) -> tuple:
    """Every layer and direction over packed ``data`` with PyTorch's flat weight list
    (``w_ih, w_hh[, b_ih, b_hh][, w_hr]`` per layer and direction): ``(rows, h_n, c_n)``.
    Dropout (in training) follows every layer but the last."""
    directions = 2 if bidirectional else 1
    per_direction = len(weights) // (num_layers * directions)
    projected = per_direction == (5 if bias else 3)
    h_n, c_n = [], []
    layer_input = data
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            k = layer * directions + direction
            w = weights[k * per_direction : (k + 1) * per_direction]
            b_ih, b_hh = (w[2], w[3]) if bias else (None, None)
            result = RecurrentLayer.apply(
                layer_input, h0[k], None if c0 is None else c0[k], w[0], w[1], b_ih, b_hh,
                w[-1] if projected else None, mode=mode, batch_sizes=batch_sizes,
                reverse=direction == 1,
            )  # fmt: skip
            outputs.append(result[0])
            h_n.append(result[1])
            if c0 is not None:
                c_n.append(result[2])
        layer_input = outputs[0] if directions == 1 else _ops.cat(outputs, 1)
        if dropout and training and layer < num_layers - 1:
            layer_input = _dropout(layer_input, dropout, True)
    return layer_input, _ops.stack(h_n), _ops.stack(c_n) if c0 is not None else None


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: parameters, checks and the layer loop."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        if (
            not isinstance(dropout, numbers.Number)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of an "
                "element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(
                f"batch_first should be of type bool, got: {type(batch_first).__name__}"
            )
        _check_sizes(input_size, hidden_size, num_layers, proj_size)
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        self._make_parameters({"device": device, "dtype": dtype})
        self.reset_parameters()

    def _make_parameters(self, make: dict) -> None:
        gate_size = _GATES[self.mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            for direction in range(directions):
                inputs = self.input_size if layer == 0 else real_hidden * directions
                shapes = {
                    "weight_ih_l{}{}": (gate_size, inputs),
                    "weight_hh_l{}{}": (gate_size, real_hidden),
                }
                if self.bias:
                    shapes.update({"bias_ih_l{}{}": (gate_size,), "bias_hh_l{}{}": (gate_size,)})
                if self.proj_size:
                    shapes["weight_hr_l{}{}"] = (self.proj_size, self.hidden_size)
                names = []
                for pattern, shape in shapes.items():
                    name = pattern.format(layer, "_reverse" if direction else "")
                    setattr(self, name, Parameter(_ops.empty(shape, **make)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op: there are no cuDNN weight buffers to compact on the CPU."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------ checks
    def check_input(self, input: Tensor, batch_sizes: Any) -> None:
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype is not weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                f"Convert input: input.to({weight_dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.shape[-1]:
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]}"
            )

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        if batch_sizes is not None:
            mini_batch = int(batch_sizes[0])
        else:
            mini_batch = input.shape[0] if self.batch_first else input.shape[1]
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, mini_batch, self.proj_size or self.hidden_size)

    def check_hidden_size(
        self, hx: Tensor, expected: tuple, msg: str = "Expected hidden size {}, got {}"
    ) -> None:
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    def check_forward_args(self, input: Tensor, hidden: Any, batch_sizes: Any) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    # ------------------------------------------------------------ forward
    def _zeros(self, batch: int, size: int, like: Tensor) -> Tensor:
        directions = 2 if self.bidirectional else 1
        return _ops.zeros((self.num_layers * directions, batch, size), dtype=like.dtype)

    def _run(self, data: Tensor, batch_sizes: tuple, h0: Tensor, c0: Tensor | None) -> tuple:
        """Every layer and direction over packed ``data``: ``(output rows, h_n, c_n)``."""
        return _run_layers(
            self.mode, data, batch_sizes, h0, c0, self._flat_weights, self.bias,
            self.num_layers, self.bidirectional, self.dropout, self.training,
        )  # fmt: skip

    def _forward(self, input: Any, hx: Any, name: str) -> tuple:
        """The shared forward: unpack or reshape ``input``, check, run, shape the results."""
        lstm = self.mode == "LSTM"
        h_size = self.proj_size or self.hidden_size
        packed = isinstance(input, PackedSequence)
        if packed:
            data, sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = tuple(int(n) for n in sizes_t._data)
            batch, batched = batch_sizes[0], True
            if hx is not None:
                hx = self.permute_hidden(hx, sorted_indices)
        else:
            if input.dim() not in (2, 3):
                tensor = "tensor " if name == "RNN" else ""
                raise ValueError(
                    f"{name}: Expected input to be 2D or 3D, got {input.dim()}D {tensor}instead"
                )
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not batched:
                input = input.unsqueeze(batch_dim)
            hx = self._batched_hidden(hx, batched, lstm)
            sorted_indices = unsorted_indices = None
            batch = input.shape[batch_dim]
        if hx is None:
            like = data if packed else input
            hx = self._zeros(batch, h_size, like)
            if lstm:
                hx = (hx, self._zeros(batch, self.hidden_size, like))
        if packed:
            self.check_forward_args(data, hx, sizes_t._data)
            out, h_n, c_n = self._run(data, batch_sizes, *(hx if lstm else (hx, None)))
            packed = PackedSequence(out, sizes_t, sorted_indices, unsorted_indices)
            hidden = (h_n, c_n) if lstm else h_n
            return packed, self.permute_hidden(hidden, unsorted_indices)
        self.check_forward_args(input, hx, None)
        steps_first = input.transpose(0, 1) if self.batch_first else input
        steps, n = steps_first.shape[0], steps_first.shape[1]
        data = steps_first.reshape(steps * n, self.input_size)
        out, h_n, c_n = self._run(data, (n,) * steps, *(hx if lstm else (hx, None)))
        out = out.reshape(steps, n, out.shape[-1])
        if self.batch_first:
            out = out.transpose(0, 1)
        hidden = (h_n, c_n) if lstm else h_n
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            hidden = (h_n.squeeze(1), c_n.squeeze(1)) if lstm else h_n.squeeze(1)
        return out, hidden

    def _batched_hidden(self, hx: Any, batched: bool, lstm: bool) -> Any:
        """``hx`` checked against the input's rank, and given a batch dimension if unbatched."""
        if hx is None:
            return None
        states = hx if lstm else (hx,)
        want = 3 if batched else 2
        if any(s.dim() != want for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if lstm:
                dims = f"({states[0].dim()}-D, {states[1].dim()}-D)"
                raise RuntimeError(
                    f"For {kind} input, hx and cx should also be {want}-D but got {dims} tensors"
                )
            raise RuntimeError(
                f"For {kind} input, hx should also be {want}-D but got {states[0].dim()}-D tensor"
            )
        if batched:
            return hx
        return tuple(s.unsqueeze(1) for s in hx) if lstm else hx.unsqueeze(1)

    def permute_hidden(self, hx: Any, permutation: Tensor | None) -> Any:
        if permutation is None:
            return hx
        if isinstance(hx, tuple):
            return tuple(h[:, permutation] for h in hx)
        return hx[:, permutation]


class RNN(RNNBase):
    """An Elman RNN: ``h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)`` (or ReLU).

    Example:
        >>> import numtorch as torch
        >>> rnn = torch.nn.RNN(10, 20, 2)
        >>> output, h_n = rnn(torch.randn(5, 3, 10))
        >>> tuple(output.shape), tuple(h_n.shape)
        ((5, 3, 20), (2, 3, 20))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if self.nonlinearity not in modes:
            raise ValueError(
                f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(modes[self.nonlinearity], *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple:
        return self._forward(input, hx, "RNN")


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), with PyTorch's gate order
    ``i, f, g, o`` and an optional projection of the hidden state (``proj_size``).

    Example:
        >>> import numtorch as torch
        >>> lstm = torch.nn.LSTM(10, 20, 2, batch_first=True)
        >>> output, (h_n, c_n) = lstm(torch.randn(3, 5, 10))
        >>> tuple(output.shape), tuple(h_n.shape), tuple(c_n.shape)
        ((3, 5, 20), (2, 3, 20), (2, 3, 20))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        layers, batch, _ = self.get_expected_hidden_size(input, batch_sizes)
        return (layers, batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: tuple, batch_sizes: Any) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(
            hidden[0],
            self.get_expected_hidden_size(input, batch_sizes),
            "Expected hidden[0] size {}, got {}",
        )
        self.check_hidden_size(
            hidden[1],
            self.get_expected_cell_size(input, batch_sizes),
            "Expected hidden[1] size {}, got {}",
        )

    def forward(self, input: Any, hx: tuple | None = None) -> tuple:
        return self._forward(input, hx, "LSTM")


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014) with PyTorch's gates ``r, z, n``.

    Example:
        >>> import numtorch as torch
        >>> gru = torch.nn.GRU(10, 20, bidirectional=True)
        >>> output, h_n = gru(torch.randn(5, 3, 10))
        >>> tuple(output.shape), tuple(h_n.shape)
        ((5, 3, 40), (2, 3, 20))
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Any, hx: Tensor | None = None) -> tuple:
        return self._forward(input, hx, "GRU")


class RNNCellBase(Module):
    """What the cells share: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        make = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(_ops.empty((num_chunks * hidden_size, input_size), **make))
        self.weight_hh = Parameter(_ops.empty((num_chunks * hidden_size, hidden_size), **make))
        if bias:
            self.bias_ih = Parameter(_ops.empty(num_chunks * hidden_size, **make))
            self.bias_hh = Parameter(_ops.empty(num_chunks * hidden_size, **make))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step(self, input: Tensor, hx: Any, mode: str, name: str) -> Any:
        """One time step through the layer primitive, for (N, H_in) or unbatched (H_in)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        lstm = mode == "LSTM"
        states = hx if lstm else (hx,)
        if hx is not None:
            for i, s in enumerate(states):
                if s.dim() not in (1, 2):
                    what = f"hx[{i}]" if lstm else "hidden"
                    raise ValueError(
                        f"{name}: Expected {what} to be 1D or 2D, got {s.dim()}D instead"
                    )
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if hx is None:
            zeros = _ops.zeros((batch, self.hidden_size), dtype=input.dtype)
            states = (zeros, zeros) if lstm else (zeros,)
        elif not batched:
            states = tuple(s.unsqueeze(0) for s in states)
        self._check_cell(input, states)
        result = RecurrentLayer.apply(
            input, states[0], states[1] if lstm else None, self.weight_ih, self.weight_hh,
            self.bias_ih, self.bias_hh, None, mode=mode, batch_sizes=(batch,), reverse=False,
        )  # fmt: skip
        out = (result[1], result[2]) if lstm else result[1]
        if not batched:
            out = tuple(o.squeeze(0) for o in out) if lstm else out.squeeze(0)
        return out

    def _check_cell(self, input: Tensor, states: tuple) -> None:
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected "
                f"{self.input_size}"
            )
        for i, s in enumerate(states):
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(
                    f"Input batch size {input.shape[0]} doesn't match hidden{i} batch size "
                    f"{s.shape[0]}"
                )
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{i} has inconsistent hidden_size: got {s.shape[1]}, expected "
                    f"{self.hidden_size}"
                )


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or ReLU)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(input, hx, mode, "RNNCell")


class LSTMCell(RNNCellBase):
    """One LSTM step: returns ``(h', c')``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        return self._step(input, hx, "LSTM", "LSTMCell")


class GRUCell(RNNCellBase):
    """One GRU step: returns ``h'``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx, "GRU", "GRUCell")
