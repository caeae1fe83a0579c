"""Convolution questions' kind of case, and trusted computations of their classic mistakes.

Both convolution questions grade on a ``ConvCase`` (x, w and the deltas, with stride, padding
and dilation): ``conv1d_backward_w`` is called with ``(x, delta, K)``, ``conv1d_backward_input``
with ``(delta, w, W)``.  The computations below take a case's inputs (cast to float64) and
knobs for the one thing a mistake changes; None means "this wrong code could not have produced
an answer here" (it would have read or written outside its arrays and raised).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..cases import ConvCase


class ConvProblems:
    """``ConvCase`` <-> a call of one of the two convolution gradients."""

    def __init__(self, wrt: str) -> None:
        self.wrt = wrt  # "w": the filter gradient; "x": the input gradient

    def arguments(self, case: ConvCase) -> tuple[list[Any], dict[str, Any]]:
        settings = dict(stride=case.stride, padding=case.padding, dilation=case.dilation)
        if self.wrt == "w":
            return [case.x, case.delta, case.kernel_size], settings
        return [case.delta, case.w, case.x.shape[2]], settings

    def case_of_call(self, bound: inspect.BoundArguments) -> ConvCase:
        """The arrays a function does not receive (w for the filter gradient, x for the input
        gradient) are stand-ins of the right shape: only their shapes are ever read."""
        a = bound.arguments
        settings = (int(a["stride"]), int(a["padding"]), int(a["dilation"]))
        if self.wrt == "w":
            x, delta = np.asarray(a["x"]), np.asarray(a["delta"])
            w = np.zeros((delta.shape[1], x.shape[1], int(a["kernel_size"])), x.dtype)
            return ConvCase(x, w, delta, *settings)
        delta, w = np.asarray(a["delta"]), np.asarray(a["w"])
        x = np.zeros((delta.shape[0], w.shape[1], int(a["input_length"])), w.dtype)
        return ConvCase(x, w, delta, *settings)


def f64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def scaled(dx: np.ndarray | None, factor: float) -> np.ndarray | None:
    return None if dx is None else dx * factor


def conv_w(
    case: ConvCase,
    *,
    stride: int | None = None,
    dilation: int | None = None,
    pad: tuple[int, int] | None = None,
    pad_all_axes: bool = False,
    samples: slice = slice(None),
) -> np.ndarray | None:
    """``dw[o, c, k] = sum_n sum_t delta[n, o, t] * xpad[n, c, t*stride + k*dilation]``."""
    x, delta = f64(case.x), f64(case.delta)
    stride = case.stride if stride is None else stride
    dilation = case.dilation if dilation is None else dilation
    p = case.padding
    if pad_all_axes:  # np.pad(x, p): the loops still visit n < N and c < C_in only
        xpad = np.pad(x, p)[: x.shape[0], : x.shape[1]]
    else:
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p) if pad is None else pad))
    w_out, k = delta.shape[2], case.kernel_size
    positions = np.arange(w_out)[:, None] * stride + np.arange(k)[None, :] * dilation
    if positions.max() >= xpad.shape[2]:
        return None
    return np.einsum("not,nctk->ock", delta[samples], xpad[samples][:, :, positions])


def scatter_input(
    case: ConvCase, w: np.ndarray, *, stride: int, dilation: int, length: int
) -> np.ndarray | None:
    """The padded input gradient: each delta times each tap, added at t*stride + k*dilation."""
    delta = f64(case.delta)
    n, _, w_out = delta.shape
    k = w.shape[2]
    positions = np.arange(w_out)[:, None] * stride + np.arange(k)[None, :] * dilation
    if positions.max() >= length:
        return None
    dxpad = np.zeros((n, w.shape[1], length))
    contributions = np.einsum("not,ock->nctk", delta, w)
    for t in range(w_out):
        for tap in range(k):
            dxpad[:, :, positions[t, tap]] += contributions[:, :, t, tap]
    return dxpad


def conv_x(
    case: ConvCase,
    *,
    w: np.ndarray | None = None,
    stride: int | None = None,
    dilation: int | None = None,
    crop: tuple[int, int] | None = None,
    length: int | None = None,
) -> np.ndarray | None:
    """The input gradient, optionally with a different filter, stride, dilation or crop.

    ``crop`` is (start, stop) in the padded gradient, ``length`` the padded buffer's size;
    a crop that runs past the buffer is cut short, as NumPy slicing does.
    """
    width, p = case.x.shape[2], case.padding
    full = width + 2 * p if length is None else length
    dxpad = scatter_input(
        case,
        f64(case.w) if w is None else w,
        stride=case.stride if stride is None else stride,
        dilation=case.dilation if dilation is None else dilation,
        length=full,
    )
    if dxpad is None:
        return None
    start, stop = (p, p + width) if crop is None else crop
    return dxpad[:, :, start:stop]


def conv_x_overwrite(case: ConvCase, *, last_t: bool, sum_channels: bool) -> np.ndarray:
    """The input gradient when each write replaces the previous one instead of adding to it.

    What survives at a position depends on the loop order: its last writer is the latest
    output t (a loop over t outside the taps) or the latest tap k (taps outside), and either
    the last output channel (scalar loops over o) or all of them summed (a vectorised sum
    over o per write).
    """
    delta, w = f64(case.delta), f64(case.w)
    n, c_out, w_out = delta.shape
    _, c_in, k = w.shape
    width, p = case.x.shape[2], case.padding
    dxpad = np.zeros((n, c_in, width + 2 * p))
    writers: dict[int, tuple[int, int]] = {}
    order = [(t, tap) for t in range(w_out) for tap in range(k)]
    if not last_t:
        order = [(t, tap) for tap in range(k) for t in range(w_out)]
    for t, tap in order:
        writers[t * case.stride + tap * case.dilation] = (t, tap)
    channels = slice(None) if sum_channels else slice(c_out - 1, c_out)
    for j, (t, tap) in writers.items():
        dxpad[:, :, j] = np.einsum("no,oc->nc", delta[:, channels, t], w[channels, :, tap])
    return dxpad[:, :, p : p + width]
