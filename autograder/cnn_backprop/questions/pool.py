"""The max-pooling question's kind of case, and trusted computations of its classic mistakes."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..cases import PoolCase
from .conv import f64


class PoolProblems:
    """``PoolCase`` <-> a call ``maxpool1d_backward(x, delta, K, stride=..., padding=...)``."""

    def arguments(self, case: PoolCase) -> tuple[list[Any], dict[str, Any]]:
        settings: dict[str, Any] = {"padding": case.padding}
        if case.stride is not None:  # the default stride is exercised by not passing it
            settings["stride"] = case.stride
        return [case.x, case.delta, case.kernel_size], settings

    def case_of_call(self, bound: inspect.BoundArguments) -> PoolCase:
        a = bound.arguments
        stride = None if a["stride"] is None else int(a["stride"])
        return PoolCase(
            np.asarray(a["x"]),
            np.asarray(a["delta"]),
            int(a["kernel_size"]),
            stride,
            int(a["padding"]),
        )


def route(window: np.ndarray, rule: str) -> np.ndarray:
    """The share of its delta each element of a window gets, for one tie rule.

    ``window`` is (..., length); the result has the same shape.  Each row sums to 1, except
    under ``all``, where every tied maximum gets a whole delta.
    """
    top = window.max(axis=-1, keepdims=True)
    tied = window == top
    if rule == "all":
        return tied.astype(float)
    if rule == "split":
        return tied / tied.sum(axis=-1, keepdims=True)
    length = window.shape[-1]
    index = tied.argmax(axis=-1)  # the first maximum
    if rule == "last":
        index = length - 1 - tied[..., ::-1].argmax(axis=-1)
    elif rule != "first":
        raise ValueError(f"unknown tie rule {rule!r}")
    return (np.arange(length) == index[..., None]).astype(float)


def pool(
    case: PoolCase,
    *,
    rule: str,
    stride: int | None = None,
    pad_value: float = -np.inf,
    padding: int | None = None,
    offset: int = 0,
    length: int | None = None,
    no_winner: str | None = None,
    global_max: bool = False,
    overwrite: bool = False,
    crop: tuple[int, int] | None = None,
) -> np.ndarray | None:
    """The pooling gradient, with knobs for the ways a window or its winner can go wrong.

    ``no_winner``: a running maximum started at 0 finds no winner in a window whose values
    are all at most 0; ``"start"`` then sends the delta to the window's first position (the
    loop's initial guess), ``"lost"`` drops it, ``"lost<0"`` drops it only below 0.
    """
    x, delta = f64(case.x), f64(case.delta)
    p = case.padding if padding is None else padding
    s = case.effective_stride if stride is None else stride
    k = case.kernel_size if length is None else length
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p)), constant_values=pad_value)
    w_out = delta.shape[2]
    starts = np.arange(w_out) * s + offset
    if starts.min() < 0 or (k > 0 and starts.max() >= xpad.shape[2]):
        return None  # a window with no element at all: such code cannot have run
    dxpad = np.zeros(xpad.shape)
    for t, start in enumerate(starts):
        if global_max:
            window, start = xpad, 0
        elif k == 0:  # an empty search keeps the loop's initial guess, the window's start
            window = xpad[:, :, start : start + 1]
        else:  # clipped at the end, as slicing does (a loop would raise there instead)
            window = xpad[:, :, start : start + k]
        share = route(window, rule) if k > 0 else np.ones(window.shape)
        if no_winner is not None:
            top = window.max(axis=-1)
            none = top < 0 if no_winner == "lost<0" else top <= 0
            first = (np.arange(window.shape[-1]) == 0).astype(float)
            share[none] = 0.0 if no_winner.startswith("lost") else first
        gets = share * delta[:, :, t, None]
        span = slice(start, start + window.shape[-1])
        if overwrite:
            region = dxpad[:, :, span]
            region[share > 0] = gets[share > 0]
        else:
            dxpad[:, :, span] += gets
    width = x.shape[2]
    start, stop = (p, p + width) if crop is None else crop
    return dxpad[:, :, start:stop]
