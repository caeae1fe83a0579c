"""Independent oracles for the reference solutions: deliberately slow and literal.

Every function here is a plain Python-loop transcription of an equation in the note
"Backpropagation for Convolutional Neural Networks" (Katsaros, Fragkou, Papakostas),
generalised to a batch axis, several channels, stride S, padding P and dilation D.
They share no code with ``solutions/reference.py``: no slicing tricks, no ``np.pad``,
no ``einsum``, no ``argmax``.  Each output element is computed on its own, in the
note's "gather" form, by visiting the terms of its sum one at a time.  Speed is
irrelevant; being obviously right is the point.

All results are float64 whatever the input dtype, so a float32 reference result can
be compared with the exact(ish) value of the same float32 inputs.

Index convention (the unpadded input index read by output ``t`` through tap ``k``)::

    i = t*S + k*D - P

An index outside ``0 <= i < W`` lies in the padding: zero for convolution (so the
term vanishes), ``-inf`` for max-pooling (so it can never win).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "conv1d_backward_input_oracle",
    "conv1d_backward_w_oracle",
    "conv1d_forward_oracle",
    "conv_output_length",
    "conv_read_mask",
    "maxpool1d_backward_oracle",
    "maxpool1d_forward_oracle",
    "maxpool1d_winners",
    "numerical_gradient",
    "pool_output_length",
]


def conv_output_length(
    width: int, kernel_size: int, stride: int, padding: int, dilation: int
) -> int:
    """Output width of a 1-D convolution, ``(W + 2P - D(K-1) - 1) // S + 1``."""
    return (width + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def pool_output_length(width: int, kernel_size: int, stride: int, padding: int) -> int:
    """Output width of 1-D max-pooling, ``(W + 2P - K) // S + 1``."""
    return (width + 2 * padding - kernel_size) // stride + 1


def conv1d_forward_oracle(
    x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Convolution forward pass, eqs (1)-(4), one output at a time.

    ``z[n, o, t] = sum_c sum_k w[o, c, k] * x[n, c, t*S + k*D - P]`` (padding terms are 0).

    Parameters
    ----------
    x : ndarray, shape (N, C_in, W)
        Layer input.
    w : ndarray, shape (C_out, C_in, K)
        Filters.
    stride, padding, dilation : int
        S, P, D.

    Returns
    -------
    z : ndarray, shape (N, C_out, W_out), float64
    """
    n_batch, c_in, width = x.shape
    c_out, _, k_size = w.shape
    w_out = conv_output_length(width, k_size, stride, padding, dilation)
    z = np.zeros((n_batch, c_out, w_out), dtype=np.float64)
    for n in range(n_batch):
        for o in range(c_out):
            for t in range(w_out):
                acc = 0.0
                for c in range(c_in):
                    for k in range(k_size):
                        i = t * stride + k * dilation - padding
                        if 0 <= i < width:  # otherwise the tap sits on a zero of the padding
                            acc += float(w[o, c, k]) * float(x[n, c, i])
                z[n, o, t] = acc
    return z


def conv1d_backward_w_oracle(
    x: np.ndarray,
    delta: np.ndarray,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Filter gradient, eqs (5)-(7), gathered one weight at a time.

    Eq (5) says ``dF/dw_0 = sum_t dF/dz_t * p_t``: each output ``z_t`` that weight ``k``
    touched contributes its delta times the input that weight multiplied.  In general
    ``dL/dw[o, c, k] = sum_n sum_t delta[n, o, t] * x[n, c, t*S + k*D - P]``.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, W)
        The layer's forward input.
    delta : ndarray, shape (N, C_out, W_out)
        ``dL/dz``.
    kernel_size : int
        K.
    stride, padding, dilation : int
        S, P, D.

    Returns
    -------
    dw : ndarray, shape (C_out, C_in, K), float64
    """
    n_batch, c_in, width = x.shape
    _, c_out, w_out = delta.shape
    dw = np.zeros((c_out, c_in, kernel_size), dtype=np.float64)
    for o in range(c_out):
        for c in range(c_in):
            for k in range(kernel_size):
                acc = 0.0
                for n in range(n_batch):
                    for t in range(w_out):
                        i = t * stride + k * dilation - padding
                        if 0 <= i < width:  # a padding zero contributes nothing
                            acc += float(delta[n, o, t]) * float(x[n, c, i])
                dw[o, c, k] = acc
    return dw


def conv1d_backward_input_oracle(
    delta: np.ndarray,
    w: np.ndarray,
    input_length: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Input gradient, eqs (10)-(15), gathered one input at a time.

    Eq (12) says ``dF/dp_2 = s_0 w_2 + s_1 w_1 + s_2 w_0``: every (output, tap) pair that
    read ``p_2`` contributes its delta times that tap's weight.  In general
    ``dL/dx[n, c, i] = sum over (o, t, k) with t*S + k*D - P == i of delta[n, o, t] * w[o, c, k]``.
    We literally scan every (o, t, k) and keep the ones that hit ``i``; an input no
    window reads therefore gets an exact 0.

    Parameters
    ----------
    delta : ndarray, shape (N, C_out, W_out)
        ``dL/dz``.
    w : ndarray, shape (C_out, C_in, K)
        Filters.
    input_length : int
        W.
    stride, padding, dilation : int
        S, P, D.

    Returns
    -------
    dx : ndarray, shape (N, C_in, W), float64
    """
    n_batch, c_out, w_out = delta.shape
    _, c_in, k_size = w.shape
    dx = np.zeros((n_batch, c_in, input_length), dtype=np.float64)
    for n in range(n_batch):
        for c in range(c_in):
            for i in range(input_length):
                acc = 0.0
                for o in range(c_out):
                    for t in range(w_out):
                        for k in range(k_size):
                            if t * stride + k * dilation - padding == i:
                                acc += float(delta[n, o, t]) * float(w[o, c, k])
                dx[n, c, i] = acc
    return dx


def conv_read_mask(
    width: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Boolean mask of the inputs that at least one (output, tap) pair reads.

    Inputs outside the mask must get an exact zero input-gradient.
    """
    w_out = conv_output_length(width, kernel_size, stride, padding, dilation)
    mask = np.zeros(width, dtype=bool)
    for t in range(w_out):
        for k in range(kernel_size):
            i = t * stride + k * dilation - padding
            if 0 <= i < width:
                mask[i] = True
    return mask


def maxpool1d_winners(
    x: np.ndarray, kernel_size: int, stride: int | None = None, padding: int = 0
) -> list[list[list[int]]]:
    """Index (into the unpadded input) of each window's winner, first maximum on ties.

    Padding positions are skipped, so they are never winners.  The comparison is a
    strict ``>``, so a later element equal to the running maximum does not displace it:
    that is the first-tie rule.

    Returns
    -------
    winners : list of lists of lists of int
        ``winners[n][c][t]`` is the input index whose value is ``y[n, c, t]``.
    """
    s = kernel_size if stride is None else stride
    n_batch, n_chan, width = x.shape
    w_out = pool_output_length(width, kernel_size, s, padding)
    winners: list[list[list[int]]] = []
    for n in range(n_batch):
        per_chan: list[list[int]] = []
        for c in range(n_chan):
            per_t: list[int] = []
            for t in range(w_out):
                best_i = -1
                best_v = 0.0
                for j in range(kernel_size):
                    i = t * s + j - padding
                    if not 0 <= i < width:  # -inf padding: never a winner
                        continue
                    v = float(x[n, c, i])
                    if best_i < 0 or v > best_v:  # strict: ties keep the earlier index
                        best_i, best_v = i, v
                if best_i < 0:
                    raise ValueError("a pooling window lies entirely in the padding")
                per_t.append(best_i)
            per_chan.append(per_t)
        winners.append(per_chan)
    return winners


def maxpool1d_forward_oracle(
    x: np.ndarray, kernel_size: int, stride: int | None = None, padding: int = 0
) -> np.ndarray:
    """Max-pooling forward pass: ``y[n, c, t]`` is the value of the window's winner.

    Parameters
    ----------
    x : ndarray, shape (N, C, W)
        Pool input.
    kernel_size : int
        Window length.
    stride : int, optional
        Defaults to ``kernel_size``.
    padding : int
        ``-inf`` padding on both sides.

    Returns
    -------
    y : ndarray, shape (N, C, W_out), float64
    """
    winners = maxpool1d_winners(x, kernel_size, stride, padding)
    n_batch, n_chan, _ = x.shape
    w_out = len(winners[0][0])
    y = np.zeros((n_batch, n_chan, w_out), dtype=np.float64)
    for n in range(n_batch):
        for c in range(n_chan):
            for t in range(w_out):
                y[n, c, t] = float(x[n, c, winners[n][c][t]])
    return y


def maxpool1d_backward_oracle(
    x: np.ndarray,
    delta: np.ndarray,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
) -> np.ndarray:
    """Max-pooling input gradient, eqs (18)-(23) with the first-tie rule.

    ``dF/dz_i = sum_t dF/dy_t * dy_t/dz_i`` where ``dy_t/dz_i`` is 1 when ``z_i`` is the
    (first) maximum of window ``t`` and 0 otherwise.  Overlapping windows add up; inputs
    that win no window, including those no window reaches, get 0.

    Parameters
    ----------
    x : ndarray, shape (N, C, W)
        The pool's forward input.
    delta : ndarray, shape (N, C, W_out)
        ``dL/dy``.
    kernel_size : int
        Window length.
    stride : int, optional
        Defaults to ``kernel_size``.
    padding : int
        ``-inf`` padding on both sides.

    Returns
    -------
    dx : ndarray, shape (N, C, W), float64
    """
    winners = maxpool1d_winners(x, kernel_size, stride, padding)
    n_batch, n_chan, width = x.shape
    dx = np.zeros((n_batch, n_chan, width), dtype=np.float64)
    for n in range(n_batch):
        for c in range(n_chan):
            for i in range(width):
                acc = 0.0
                for t in range(delta.shape[2]):
                    # dy_t/dz_i: 1 for the window's winner, 0 for everyone else
                    if winners[n][c][t] == i:
                        acc += float(delta[n, c, t])
                dx[n, c, i] = acc
    return dx


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Centred finite differences of a scalar function, over every element of ``x``.

    ``g[idx] = (f(x + h e_idx) - f(x - h e_idx)) / (2h)``, evaluated in float64.

    Parameters
    ----------
    f : callable
        Maps an array shaped like ``x`` to a scalar.
    x : ndarray
        Point of evaluation (not modified).
    h : float
        Step.

    Returns
    -------
    g : ndarray, same shape as ``x``, float64
    """
    base = np.array(x, dtype=np.float64, copy=True)
    g = np.zeros_like(base)
    for idx in np.ndindex(base.shape):
        plus = base.copy()
        minus = base.copy()
        plus[idx] += h
        minus[idx] -= h
        g[idx] = (float(f(plus)) - float(f(minus))) / (2.0 * h)
    return g
