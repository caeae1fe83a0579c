"""Calling a submitted function safely and comparing its answer with the reference.

Tolerances.  An answer is compared with the reference computed in float64 from the same
inputs, as ``max|answer - expected| <= tol * max(1, max|expected|)``:

* float64 inputs: ``tol = 1e-9``.  Any correct summation order (loops, einsum, FFT, im2col)
  lands within ~1e-14 of the reference on these sizes; computing in float32 misses by ~1e-7,
  so precision loss fails while no correct method comes within five orders of magnitude.
* float32 inputs: ``tol = 1e-4``.  A float32 computation errs by ~1e-6 here; accumulating in
  float16 errs by ~1e-3.

The error is measured against the largest expected magnitude, not element by element, so a
correct answer whose small entries come from cancellation is not penalised.  Max-pooling
routes values exactly, so any routing mistake is off by a whole delta and always fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import paths
from .cases import ConvCase, PoolCase

TOLERANCE = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}


class SubmittedFunction:
    """Stands in for a student's function: each call runs in the sandbox child.

    It behaves like the function (public tests call it directly and get an ndarray back), and
    ``call_checked`` also reports whether the child modified its inputs.
    """

    def __init__(self, sandbox: Any, name: str) -> None:
        self.sandbox = sandbox
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        from .sandbox import SubmissionError

        try:
            return self.call_checked(*args, **kwargs)[0]
        except SubmissionError as exc:  # a failed call fails the case, with the reason
            raise AssertionError(f"`{self.__name__}` {exc}") from None

    def call_checked(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, list[int], str]:
        result = self.sandbox.call(self.__name__, list(args), kwargs)
        modified = [
            i
            for i, (sent, back) in enumerate(zip(args, result.inputs_after, strict=True))
            if isinstance(sent, np.ndarray)
            and (back is None or back.shape != sent.shape or not np.array_equal(back, sent))
        ]
        return result.value, modified, result.returned_dtype


def call(fn: Callable[..., Any] | None, name: str, *args: Any, **kwargs: Any):
    """Call ``fn`` and return (answer as float64, indices of modified inputs, returned dtype).

    Raises AssertionError with a student-readable message when the call itself fails.
    """
    from .sandbox import SubmissionError

    if fn is None:
        raise AssertionError(f"`{name}` is not defined in your submission")
    if isinstance(fn, SubmittedFunction):
        try:
            return fn.call_checked(*args, **kwargs)
        except SubmissionError as exc:
            raise AssertionError(f"`{name}` {exc}") from None
    # an in-process function (the reference under pytest, or a student's in their notebook)
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        returned = fn(*copies, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"`{name}` is not implemented yet") from None
    except Exception as exc:
        raise AssertionError(f"`{name}` raised {type(exc).__name__}: {exc}") from None
    try:
        arr = np.array(returned, copy=True)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"dtype {arr.dtype}")
    except (TypeError, ValueError) as exc:
        raise AssertionError(
            f"`{name}` returned a {type(returned).__name__}, not a numeric array ({exc})"
        ) from None
    modified = [
        i
        for i, (orig, copy) in enumerate(zip(args, copies, strict=True))
        if isinstance(orig, np.ndarray) and not np.array_equal(orig, copy)
    ]
    return arr.astype(np.float64), modified, str(arr.dtype)


def expect_close(
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    quantity: str,
    where: str,
    axes: str,
    tolerance: float,
) -> None:
    """Assert the answer has the exact shape, is finite and is within tolerance."""
    if answer.shape != expected.shape:
        raise AssertionError(
            f"{where}: {quantity} has shape {answer.shape}, expected {expected.shape} {axes}"
        )
    bad = ~np.isfinite(answer)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(f"{where}: {quantity} contains NaN or inf (first at {index})")
    error = np.abs(answer - expected)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    if error.max(initial=0.0) > tolerance * scale:
        index = tuple(int(i) for i in np.unravel_index(int(error.argmax()), error.shape))
        wrong = int((error > tolerance * scale).sum())
        raise AssertionError(
            f"{where}: {quantity} is wrong in {wrong} of {error.size} entries; the largest error "
            f"is {error.max():.3g} (the gradient's scale is {scale:.3g}) at index {index} {axes}"
        )


def _unmodified(modified: list[int], names: tuple[str, ...], fn_name: str) -> None:
    if modified:
        which = ", ".join(f"`{names[i]}`" for i in modified)
        raise AssertionError(
            f"`{fn_name}` modified its input {which} in place; backprop still needs the "
            "original (copy before changing it)"
        )


def check_conv1d_backward_w(fn: Callable[..., Any] | None, case: ConvCase) -> None:
    """Grade one call of ``conv1d_backward_w`` on ``case``."""
    name = "conv1d_backward_w"
    settings = dict(stride=case.stride, padding=case.padding, dilation=case.dilation)
    answer, modified, _ = call(fn, name, case.x, case.delta, case.kernel_size, **settings)
    _unmodified(modified, ("x", "delta"), name)
    expected = paths.reference().conv1d_backward_w(
        case.x.astype(np.float64), case.delta.astype(np.float64), case.kernel_size, **settings
    )
    expect_close(
        answer,
        expected,
        quantity="dL/dw",
        where=case.describe(),
        axes="(axes: C_out, C_in, K)",
        tolerance=TOLERANCE[case.x.dtype],
    )


def check_conv1d_backward_input(fn: Callable[..., Any] | None, case: ConvCase) -> None:
    """Grade one call of ``conv1d_backward_input`` on ``case``."""
    name = "conv1d_backward_input"
    settings = dict(stride=case.stride, padding=case.padding, dilation=case.dilation)
    width = case.x.shape[2]
    answer, modified, _ = call(fn, name, case.delta, case.w, width, **settings)
    _unmodified(modified, ("delta", "w"), name)
    expected = paths.reference().conv1d_backward_input(
        case.delta.astype(np.float64), case.w.astype(np.float64), width, **settings
    )
    expect_close(
        answer,
        expected,
        quantity="dL/dx",
        where=case.describe(),
        axes="(axes: N, C_in, W)",
        tolerance=TOLERANCE[case.x.dtype],
    )


def check_maxpool1d_backward(fn: Callable[..., Any] | None, case: PoolCase) -> None:
    """Grade one call of ``maxpool1d_backward`` on ``case``."""
    name = "maxpool1d_backward"
    settings: dict[str, int] = {"padding": case.padding}
    if case.stride is not None:
        settings["stride"] = case.stride
    answer, modified, _ = call(fn, name, case.x, case.delta, case.kernel_size, **settings)
    _unmodified(modified, ("x", "delta"), name)
    expected = paths.reference().maxpool1d_backward(
        case.x.astype(np.float64), case.delta.astype(np.float64), case.kernel_size, **settings
    )
    expect_close(
        answer,
        expected,
        quantity="dL/dx",
        where=case.describe(),
        axes="(axes: N, C, W)",
        tolerance=TOLERANCE[case.x.dtype],
    )
