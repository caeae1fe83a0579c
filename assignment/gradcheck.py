"""Finite-difference gradient checker for the three backward functions.

Each ``gradcheck_*`` function runs your function on a few small random configurations
and compares its answer with centred finite differences of ``L = sum(forward(...) * G)``
for a random ``G``, so the exact gradient of ``L`` with respect to the forward output is
``G``, which is what your function receives as ``delta``.  It prints one line per
configuration and returns True when all of them agree.  ``self_check`` runs all three
and ends with one summary line per function.  Passing them is a good sign, not a
guarantee: the public and hidden tests also check ties and other edge cases.
"""

from collections.abc import Callable
from typing import Any

import numpy as np

from solutions.reference import conv1d_forward, maxpool1d_forward  # handout: omit

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
