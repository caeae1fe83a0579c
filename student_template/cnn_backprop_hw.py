"""Homework: backpropagation for CNNs, the plain-Python route.

The theory is in cnn_backprop_hw.ipynb.  Implement the three functions marked YOUR CODE HERE.

Setup: Python 3.10 to 3.13, and in a terminal:

    python -m pip install "numpy>=1.24" "otter-grader==7.0.0" ipykernel

Then, in this folder: `python cnn_backprop_hw.py` runs the finite-difference self-checks
(one summary line per function; the exit code is 1 if one fails), and
`otter check cnn_backprop_hw.py` runs the public tests (in `tests/`).  Submit this file on
Gradescope.
"""

from __future__ import annotations

import numpy as np
from collections.abc import Callable
from typing import Any


# ---- Given: the forward passes (do not change them) ----

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


# ---- Given: the finite-difference gradient checker ----
"""Finite-difference gradient checker for the three backward functions.

Each ``gradcheck_*`` function runs your function on a few small random configurations
and compares its answer with centred finite differences of ``L = sum(forward(...) * G)``
for a random ``G``, so the exact gradient of ``L`` with respect to the forward output is
``G``, which is what your function receives as ``delta``.  It prints one line per
configuration and returns True when all of them agree.  ``self_check`` runs all three
and ends with one summary line per function.  Passing them is a good sign, not a
guarantee: the public and hidden tests also check ties and other edge cases.
"""




_EPS = 1e-6
_TOL = 1e-6


def _numeric_grad(
    forward: Callable[..., np.ndarray], inputs: list, wrt: int, g: np.ndarray, **kwargs: Any
) -> np.ndarray:
    """Centred finite differences of ``sum(forward(*inputs, **kwargs) * g)`` in ``inputs[wrt]``."""
    inputs = list(inputs)
    a = inputs[wrt] = inputs[wrt].copy()
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + _EPS
        up = np.sum(forward(*inputs, **kwargs) * g)
        a[idx] = old - _EPS
        down = np.sum(forward(*inputs, **kwargs) * g)
        a[idx] = old
        grad[idx] = (up - down) / (2 * _EPS)
    return grad


def _check_one(
    fn: Callable[..., Any],
    args: dict[str, Any],
    kwargs: dict[str, Any],
    expected: np.ndarray,
    label: str,
) -> bool | None:
    """Call ``fn(*args.values(), **kwargs)``, print one line, return ok (None: stop)."""
    saved = {name: np.copy(value) for name, value in args.items()}
    try:
        got = fn(*args.values(), **kwargs)
    except NotImplementedError:
        print(f"  not implemented yet: {getattr(fn, '__name__', fn)} raises NotImplementedError")
        return None
    except Exception as exc:  # show the student's error without a long traceback
        print(f"  ERROR     {label}: {type(exc).__name__}: {exc}")
        return False
    for name, value in args.items():
        if isinstance(value, np.ndarray) and not np.array_equal(value, saved[name]):
            print(f"  MISMATCH  {label}: your function modified its input `{name}`")
            return False
    if got is None:
        print(f"  MISMATCH  {label}: returned None (missing `return`?)")
        return False
    got = np.asarray(got)
    if got.shape != expected.shape:
        print(f"  MISMATCH  {label}: shape {got.shape}, expected {expected.shape}")
        return False
    err = float(np.max(np.abs(got - expected)))
    ok = err <= _TOL * (1.0 + float(np.max(np.abs(expected))))
    status = "ok      " if ok else "MISMATCH"
    print(f"  {status}  {label}: shape {got.shape}, max abs error {err:.2e}")
    return ok


def _run(name: str, fn: Callable, seed: int) -> tuple[bool, str]:
    """Check ``fn`` on every configuration of ``name``: (all agree, a one-line summary)."""
    print(f"gradcheck {name}:")
    if name not in _CASES:  # a question this checker has no configurations for
        print("  not checked here: gradcheck.py has no configurations for it")
        return True, "not checked here (no configurations in gradcheck.py)"
    results = []
    for args, kwargs, expected, label in _CASES[name](seed):
        result = _check_one(fn, args, kwargs, expected, label)
        if result is None:
            return False, "not implemented yet (it raises NotImplementedError)"
        results.append(result)
    summary = f"{sum(results)} of {len(results)} configurations agree"
    print(f"  {summary}")
    return all(results), summary


# (stride, padding, dilation) of the convolution configurations; the shapes are random
_CONV_SETTINGS = [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2), (2, 0, 3)]


def _conv_cases(seed: int, wrt: str) -> list[tuple[dict, dict, np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    cases = []
    for stride, padding, dilation in _CONV_SETTINGS:
        n, c_in, c_out = (int(v) for v in rng.integers(1, 4, size=3))
        k = int(rng.integers(2, 5))
        # at least two outputs, and sometimes trailing inputs that no window reads
        width = (
            dilation * (k - 1) + 1 + stride * int(rng.integers(1, 4)) + int(rng.integers(stride))
        )
        x = rng.standard_normal((n, c_in, width))
        w = rng.standard_normal((c_out, c_in, k))
        kw = {"stride": stride, "padding": padding, "dilation": dilation}
        g = rng.standard_normal(conv1d_forward(x, w, **kw).shape)
        label = f"N={n} C_in={c_in} C_out={c_out} W={width} K={k} " + " ".join(
            f"{key}={value}" for key, value in kw.items()
        )
        if wrt == "w":
            expected = _numeric_grad(conv1d_forward, [x, w], 1, g, **kw)
            cases.append(({"x": x, "delta": g, "kernel_size": k}, kw, expected, label))
        else:
            expected = _numeric_grad(conv1d_forward, [x, w], 0, g, **kw)
            cases.append(({"delta": g, "w": w, "input_length": width}, kw, expected, label))
    return cases


def gradcheck_conv1d_backward_w(fn: Callable[..., np.ndarray], seed: int = 0) -> bool:
    """Check ``fn(x, delta, kernel_size, stride=, padding=, dilation=)`` against finite differences.

    Parameters
    ----------
    fn : callable
        Your ``conv1d_backward_w``.
    seed : int
        Seed of the random shapes and values.

    Returns
    -------
    bool
        True if ``fn`` agrees with finite differences on every configuration.
    """
    return _run("conv1d_backward_w", fn, seed)[0]


def gradcheck_conv1d_backward_input(fn: Callable[..., np.ndarray], seed: int = 0) -> bool:
    """Check ``fn(delta, w, input_length, stride=, padding=, dilation=)`` against finite diffs.

    Parameters and return value as in :func:`gradcheck_conv1d_backward_w`.
    """
    return _run("conv1d_backward_input", fn, seed)[0]


# (kernel_size, stride, padding) of the pooling configurations; None is the default stride
_POOL_SETTINGS = [(3, None, 0), (3, 1, 1), (2, 3, 0), (4, 2, 2), (3, 2, 1)]


def gradcheck_maxpool1d_backward(fn: Callable[..., np.ndarray], seed: int = 0) -> bool:
    """Check ``fn(x, delta, kernel_size, stride=, padding=)`` against finite differences.

    The inputs are distinct and at least 0.1 apart (about half of them negative), so every
    window has a unique maximum and the finite differences are exact.  Ties are not
    checked here: max-pooling has no derivative there, so see the handout's tie rule.

    Parameters and return value as in :func:`gradcheck_conv1d_backward_w`.
    """
    return _run("maxpool1d_backward", fn, seed)[0]


def _pool_cases(seed: int) -> list[tuple[dict, dict, np.ndarray, str]]:
    rng = np.random.default_rng(seed)
    cases = []
    for k, stride, padding in _POOL_SETTINGS:
        n, c = (int(v) for v in rng.integers(1, 4, size=2))
        step = stride or k
        width = k + step * int(rng.integers(1, 4)) + int(rng.integers(step))
        x = (rng.permutation(n * c * width).reshape(n, c, width) - n * c * width / 2) / 10
        kw: dict[str, Any] = {"padding": padding}
        if stride is not None:  # otherwise leave it out, to test the default
            kw["stride"] = stride
        g = rng.standard_normal(maxpool1d_forward(x, k, **kw).shape)
        expected = _numeric_grad(maxpool1d_forward, [x, k], 0, g, **kw)
        label = f"N={n} C={c} W={width} K={k} stride={stride or f'default ({k})'} P={padding}"
        cases.append(({"x": x, "delta": g, "kernel_size": k}, kw, expected, label))
    return cases


_CASES = {
    "conv1d_backward_w": lambda seed: _conv_cases(seed, "w"),
    "conv1d_backward_input": lambda seed: _conv_cases(seed, "x"),
    "maxpool1d_backward": _pool_cases,
}


def self_check(functions: dict[str, Callable[..., np.ndarray]], seed: int = 0) -> int:
    """Check every function against finite differences, then summarise: one line each.

    Parameters
    ----------
    functions : dict
        Your functions by name, e.g. ``{"conv1d_backward_w": conv1d_backward_w}``.
    seed : int
        Seed of the random shapes and values.

    Returns
    -------
    int
        0 if every function agrees with finite differences, else 1: the exit code of
        ``python cnn_backprop_hw.py``.
    """
    outcomes = {name: _run(name, fn, seed) for name, fn in functions.items()}
    print("\nsummary of the self-checks (finite differences):")
    for name, (ok, summary) in outcomes.items():
        print(f"  {'ok    ' if ok else 'FAILED'}  {name}: {summary}")
    return 0 if all(ok for ok, _ in outcomes.values()) else 1


# ---- Your answers ----

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
    # YOUR CODE HERE
    raise NotImplementedError("conv1d_backward_w")



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
    # YOUR CODE HERE
    raise NotImplementedError("conv1d_backward_input")



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
    # YOUR CODE HERE
    raise NotImplementedError("maxpool1d_backward")


if __name__ == "__main__":  # not when the autograder loads this file
    import sys

    sys.exit(self_check({"conv1d_backward_w": conv1d_backward_w, "conv1d_backward_input": conv1d_backward_input, "maxpool1d_backward": maxpool1d_backward}))
