"""Reference solutions: the single source of truth for correct behaviour.

The three backward functions are what students implement; the two forward
functions are handed to them in the notebook.  The build copies signatures and
docstrings from this file into the student stubs, copies the forward functions
into the handout, and the graders compute every expected value with it.

Conventions (PyTorch's): arrays are ``(batch, channels, width)``; convolution
is a cross-correlation without bias, exactly equations (1)-(4) of the note;
max-pooling pads with ``-inf`` and, on ties, routes the whole delta to the
first (lowest-index) maximal element of the window.

Arrays are float32 or float64, as the tests use; every function here refuses
any other dtype (integer arrays included) with a TypeError that says how to
convert, as PyTorch's conv1d does.  So the handout's advice holds for every
input the given forward passes accept: ``np.result_type(x, delta)`` is a
floating dtype, and ``np.pad(x, ..., constant_values=-np.inf)`` works.
"""

from __future__ import annotations

import numpy as np

# The course's tie rule for max-pooling: "first" (default), "all" or "split".  The graders set
# it from the course configuration (otter_config.json); the student stubs state it.
TIE_RULE = "first"

__all__ = [
    "conv1d_backward_input",
    "conv1d_backward_w",
    "conv1d_forward",
    "maxpool1d_backward",
    "maxpool1d_forward",
]


def conv1d_forward(
    x: np.ndarray, w: np.ndarray, stride: int = 1, padding: int = 0, dilation: int = 1
) -> np.ndarray:
    """Forward pass of a 1-D convolution layer (cross-correlation, no bias).

    ``z[n, o, t] = sum_c sum_k w[o, c, k] * xpad[n, c, t*stride + k*dilation]``,
    where ``xpad`` is ``x`` zero-padded by ``padding`` on both sides.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (N, C_in, W)
        Layer input.
    w : ndarray of float32 or float64, shape (C_out, C_in, K)
        Filters.
    stride, padding, dilation : int
        As in ``torch.nn.functional.conv1d``.

    Returns
    -------
    z : ndarray, shape (N, C_out, W_out)
        ``W_out = (W + 2*padding - dilation*(K-1) - 1) // stride + 1``.

    Raises
    ------
    TypeError
        If ``x`` or ``w`` is not a float32 or float64 array (integers included).

    Examples
    --------
    The note's equations (1)-(4): p = [p0..p5], w = [w0, w1, w2].

    >>> p = np.arange(1.0, 7.0).reshape(1, 1, 6)
    >>> w = np.array([1.0, 0.0, -1.0]).reshape(1, 1, 3)
    >>> conv1d_forward(p, w)
    array([[[-2., -2., -2., -2.]]])
    """
    x, w = _floating(x, "x", "conv1d_forward"), _floating(w, "w", "conv1d_forward")
    if x.ndim != 3 or w.ndim != 3:
        raise ValueError(f"x and w must be 3-D, got shapes {x.shape} and {w.shape}")
    n, c_in, width = x.shape
    c_out, c_in_w, k = w.shape
    if c_in != c_in_w:
        raise ValueError(f"x has {c_in} channels but w expects {c_in_w}")
    w_out = (width + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    if w_out < 1:
        raise ValueError("the (dilated) kernel is longer than the padded input")
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    z = np.zeros((n, c_out, w_out), dtype=np.result_type(x, w))
    for tap in range(k):
        start = tap * dilation
        # inputs read by tap `tap` at every output position t: xpad[start + t*stride]
        xs = xpad[:, :, start : start + stride * (w_out - 1) + 1 : stride]
        z += np.einsum("nct,oc->not", xs, w[:, :, tap])
    return z


def conv1d_backward_w(
    x: np.ndarray,
    delta: np.ndarray,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Gradient of the loss with respect to the filters of a 1-D convolution.

    The note's Conclusion 1: the layer's inputs correlated with its deltas,
    ``dL/dw[o, c, k] = sum_n sum_t delta[n, o, t] * xpad[n, c, t*stride + k*dilation]``.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (N, C_in, W)
        The layer's input in the forward pass.
    delta : ndarray of float32 or float64, shape (N, C_out, W_out)
        ``dL/dz``, the deltas of the layer's outputs.
    kernel_size : int
        K, the filter length (it cannot be recovered from the shapes when stride > 1).
    stride, padding, dilation : int, keyword
        The forward pass's settings.

    Returns
    -------
    dw : ndarray, shape (C_out, C_in, K)
        ``dL/dw``, summed over the batch.

    Examples
    --------
    The note's equations (5)-(7), ``dL/dw = p (x) s``:

    >>> p = np.arange(1.0, 7.0).reshape(1, 1, 6)
    >>> s = np.array([1.0, 0.0, -1.0, 2.0]).reshape(1, 1, 4)
    >>> conv1d_backward_w(p, s, 3)
    array([[[ 6.,  8., 10.]]])
    """
    x, delta = (
        _floating(x, "x", "conv1d_backward_w"),
        _floating(delta, "delta", "conv1d_backward_w"),
    )
    n, c_in, width = x.shape
    n_d, c_out, w_out = delta.shape
    _check_conv_shapes(n, n_d, width, kernel_size, w_out, stride, padding, dilation)
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    dw = np.zeros((c_out, c_in, kernel_size), dtype=np.result_type(x, delta))
    for tap in range(kernel_size):
        start = tap * dilation
        xs = xpad[:, :, start : start + stride * (w_out - 1) + 1 : stride]
        dw[:, :, tap] = np.einsum("not,nct->oc", delta, xs)
    return dw


def conv1d_backward_input(
    delta: np.ndarray,
    w: np.ndarray,
    input_length: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> np.ndarray:
    """Gradient of the loss with respect to the input of a 1-D convolution.

    The note's Conclusion 2: the deltas convolved with the flipped filter under
    full padding.  In general, with stride S and dilation D, it is the deltas
    with S-1 zeros inserted between them, fully padded, correlated with the
    flipped filter whose taps are D apart, with the padding cropped away.
    Inputs that no window reads get exactly zero.

    Parameters
    ----------
    delta : ndarray of float32 or float64, shape (N, C_out, W_out)
        ``dL/dz``, the deltas of the layer's outputs.
    w : ndarray of float32 or float64, shape (C_out, C_in, K)
        The layer's filters.
    input_length : int
        W, the width of the layer's input (with stride > 1 several W give the same W_out).
    stride, padding, dilation : int, keyword
        The forward pass's settings.

    Returns
    -------
    dx : ndarray, shape (N, C_in, W)
        ``dL/dx``.

    Examples
    --------
    The note's equations (10)-(15), ``dL/dp = s (*) flip(w)`` with full padding:

    >>> s = np.array([1.0, 0.0, -1.0, 2.0]).reshape(1, 1, 4)
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(1, 1, 3)
    >>> conv1d_backward_input(s, w, 6)
    array([[[1., 2., 2., 0., 1., 6.]]])
    """
    delta = _floating(delta, "delta", "conv1d_backward_input")
    w = _floating(w, "w", "conv1d_backward_input")
    n, c_out, w_out = delta.shape
    c_out_w, c_in, k = w.shape
    if c_out != c_out_w:
        raise ValueError(f"delta has {c_out} channels but w has {c_out_w} filters")
    _check_conv_shapes(n, n, input_length, k, w_out, stride, padding, dilation)
    dxpad = np.zeros((n, c_in, input_length + 2 * padding), dtype=np.result_type(delta, w))
    for tap in range(k):
        start = tap * dilation
        # every input that tap `tap` read receives delta * w[:, :, tap]; taps never
        # collide within one slice, and `+=` accumulates across taps
        dxpad[:, :, start : start + stride * (w_out - 1) + 1 : stride] += np.einsum(
            "not,oc->nct", delta, w[:, :, tap]
        )
    return dxpad[:, :, padding : padding + input_length]


def maxpool1d_forward(
    x: np.ndarray, kernel_size: int, stride: int | None = None, padding: int = 0
) -> np.ndarray:
    """Forward pass of 1-D max-pooling.

    ``y[n, c, t] = max(xpad[n, c, t*stride : t*stride + kernel_size])``, where
    ``xpad`` is ``x`` padded with ``-inf`` by ``padding`` on both sides.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (N, C, W)
        Pool input.
    kernel_size : int
        Window length.
    stride : int, optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int
        At most ``kernel_size // 2``.

    Returns
    -------
    y : ndarray, shape (N, C, W_out)
        ``W_out = (W + 2*padding - kernel_size) // stride + 1``.

    Raises
    ------
    TypeError
        If ``x`` is not a float32 or float64 array (integers included).

    Examples
    --------
    The note's Figure 4: window 3, stride 3.

    >>> z = np.array([1.0, 5.0, 2.0, -1.0, -3.0, 0.5]).reshape(1, 1, 6)
    >>> maxpool1d_forward(z, 3)
    array([[[5. , 0.5]]])
    """
    x = _floating(x, "x", "maxpool1d_forward")
    windows, _ = _pool_windows(x, kernel_size, stride, padding)
    return windows.max(axis=-1)


def maxpool1d_backward(
    x: np.ndarray,
    delta: np.ndarray,
    kernel_size: int,
    stride: int | None = None,
    padding: int = 0,
) -> np.ndarray:
    """Gradient of the loss with respect to the input of 1-D max-pooling.

    The note's Conclusion 3: each delta goes to its window's winner.  On a tie
    the whole delta goes to the FIRST maximal element (lowest index), as in
    PyTorch and ``np.argmax``; overlapping windows accumulate; inputs that no
    window reaches, and the padding, get nothing.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (N, C, W)
        The pool's input in the forward pass.
    delta : ndarray of float32 or float64, shape (N, C, W_out)
        ``dL/dy``, the deltas of the pool's outputs.
    kernel_size : int
        Window length.
    stride : int, optional, keyword
        Defaults to ``kernel_size``.
    padding : int, keyword
        ``-inf`` padding on both sides, at most ``kernel_size // 2``.

    Returns
    -------
    dx : ndarray, shape (N, C, W)
        ``dL/dx``.

    Examples
    --------
    The note's equations (18)-(23): windows {z0, z1, z2} and {z3, z4, z5}.

    >>> z = np.array([1.0, 5.0, 2.0, -1.0, -3.0, 0.5]).reshape(1, 1, 6)
    >>> dy = np.array([10.0, 20.0]).reshape(1, 1, 2)
    >>> maxpool1d_backward(z, dy, 3)
    array([[[ 0., 10.,  0.,  0.,  0., 20.]]])
    """
    x = _floating(x, "x", "maxpool1d_backward")
    delta = _floating(delta, "delta", "maxpool1d_backward")
    windows, stride = _pool_windows(x, kernel_size, stride, padding)
    if delta.shape != windows.shape[:3]:
        raise ValueError(f"delta has shape {delta.shape}, expected {windows.shape[:3]}")
    shares = _tie_shares(windows)
    n, c, width = x.shape
    w_out = delta.shape[2]
    dxpad = np.zeros((n, c, width + 2 * padding), dtype=np.result_type(x, delta))
    for tap in range(kernel_size):
        # positions tap, tap+stride, ... are distinct, so += within a slice is safe,
        # and overlapping windows accumulate across taps
        dxpad[:, :, tap : tap + stride * (w_out - 1) + 1 : stride] += delta * shares[..., tap]
    return dxpad[:, :, padding : padding + width]


def _tie_shares(windows: np.ndarray) -> np.ndarray:
    """The share of its window's delta each element gets, by the course's tie rule.

    ``first``: all of it to the first maximum (PyTorch, np.argmax); ``all``: every tied
    maximum gets all of it (the note's equations 18-23 read literally); ``split``: the tied
    maxima share it equally.  Padding is -inf and inputs are finite, so it never shares.
    """
    if TIE_RULE == "first":
        first = windows.argmax(axis=-1)[..., None]
        return (np.arange(windows.shape[-1]) == first).astype(np.float64)
    tied = (windows == windows.max(axis=-1, keepdims=True)).astype(np.float64)
    if TIE_RULE == "split":
        tied /= tied.sum(axis=-1, keepdims=True)
    return tied


def _floating(a: np.ndarray, name: str, function: str) -> np.ndarray:
    """``a`` as an array if it is float32 or float64; any other dtype is refused, clearly."""
    a = np.asarray(a)
    if a.dtype not in (np.float32, np.float64):
        raise TypeError(
            f"{function}: {name} must be a float32 or float64 array, got {a.dtype}; "
            f"convert it first, e.g. {name}.astype(np.float64), or write its values as floats "
            "(np.array([1.0, 2.0]))"
        )
    return a


def _check_conv_shapes(
    n: int, n_delta: int, width: int, k: int, w_out: int, stride: int, padding: int, dilation: int
) -> None:
    if n != n_delta:
        raise ValueError(f"batch sizes differ: {n} inputs, {n_delta} deltas")
    expected = (width + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    if w_out != expected:
        raise ValueError(
            f"delta has width {w_out}, but input width {width}, kernel {k}, stride {stride}, "
            f"padding {padding}, dilation {dilation} give W_out = {expected}"
        )


def _pool_windows(
    x: np.ndarray, kernel_size: int, stride: int | None, padding: int
) -> tuple[np.ndarray, int]:
    """Windows of the -inf-padded input, shape (N, C, W_out, kernel_size), and the stride."""
    stride = kernel_size if stride is None else stride
    if x.ndim != 3:
        raise ValueError(f"x must be 3-D (N, C, W), got shape {x.shape}")
    if not 0 <= padding <= kernel_size // 2:
        raise ValueError(f"padding must be between 0 and kernel_size // 2, got {padding}")
    width = x.shape[2]
    w_out = (width + 2 * padding - kernel_size) // stride + 1
    if w_out < 1:
        raise ValueError("the window is longer than the padded input")
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    idx = np.arange(w_out)[:, None] * stride + np.arange(kernel_size)[None, :]
    return xpad[:, :, idx], stride
