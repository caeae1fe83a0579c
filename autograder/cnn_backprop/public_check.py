"""How a public test checks an answer: the code the build copies into every public test file.

Students have only NumPy and Otter, so this module is self-contained; the build
(:mod:`cnn_backprop.public`) copies everything below this docstring into each student copy of a
public test file, and writes below the tests a ``MISTAKES`` table: for each check, what the
autograder's catalogue of common mistakes (:mod:`cnn_backprop.diagnosis`) returns on that
check's inputs, and the sentence the autograder would write about it.  A failing check then
names the likely cause and the handout's section, as the autograder's feedback does, without
shipping the reference or any hidden input.  Here, in the source, the table is empty.

The criterion is the autograder's own (``checks.TOLERANCE`` is this ``TOLERANCE``):
``max|answer - expected| <= tol * max(1, max|expected|)``, and inputs must come back unchanged.
"""

import re
import traceback

import numpy as np

# relative tolerance by the inputs' dtype: max|answer - expected| <= tol * max(1, max|expected|)
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}
SHOWN = 24  # a failure prints the answer and the expected values up to this many entries
# the build writes these at the end of each student copy: for each check, what the common
# mistakes return and what the autograder says about them; and this question's general pointers
MISTAKES: dict = {}
HINTS: dict = {}
INDEX_ERROR = re.compile(r"index (-?\d+) is out of bounds for axis (-?\d+) with size (\d+)")


def check(what, function, args, expected, **settings):
    """Fail, saying why, unless ``function(*args, **settings)`` returns ``expected``.

    The call must not raise or change its inputs, and the answer must have exactly the
    expected shape, be finite and be within the tolerance of the inputs' dtype.
    """
    name = getattr(function, "__name__", None)
    if not callable(function):
        raise AssertionError(f"{what}: the function is not defined yet: run its cell first")
    known = MISTAKES.get(what, {})
    before = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
    try:
        answer = function(*args, **settings)
    except AssertionError:
        raise
    except NotImplementedError:
        raise AssertionError(
            f"`{name}` is not implemented yet (it raises NotImplementedError): write its body, "
            "run its cell, then run this check again"
        ) from None
    except Exception as exc:
        text = f"{what}: `{name}` raised {type(exc).__name__}: {exc}{_where(exc)}"
        raise AssertionError(f"{text}\n{_error_reading(known, str(exc))}".rstrip()) from None
    for i, (old, new) in enumerate(zip(before, args, strict=True)):
        if isinstance(old, np.ndarray) and not np.array_equal(old, new, equal_nan=True):
            raise AssertionError(
                f"{what}: `{name}` modified its input `{_parameter(function, i)}` in place; "
                f"{HINTS.get('in place', 'backprop still needs the original')}"
            )
    _compare(what, known, answer, np.asarray(expected, dtype=np.float64), args)


def _compare(what, known, answer, expected, args):
    """The autograder's comparison, and its reading of a wrong answer."""
    if answer is None:
        raise AssertionError(f"{what}: your function returned None (a missing `return`?)")
    answer = np.asarray(answer)
    if answer.dtype.kind not in "biuf":
        raise AssertionError(f"{what}: your function returned {answer.dtype} values, not numbers")
    dtypes = {str(a.dtype) for a in args if isinstance(a, np.ndarray)}
    dtype = "float32" if dtypes == {"float32"} else "float64"
    got = answer.astype(np.float64)
    if got.shape != expected.shape:
        text = f"{what}: your result has shape {got.shape}, expected {expected.shape}"
        reading = _value_reading(known, got, dtype) or _shape_reading(known, got)
        raise AssertionError(f"{text}\n{reading}".rstrip())
    if not np.isfinite(got).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(got))[0])
        raise AssertionError(f"{what}: your result contains NaN or inf (first at {index})")
    error = np.abs(got - expected)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    if error.max(initial=0.0) <= TOLERANCE[dtype] * scale:
        return
    index = tuple(int(i) for i in np.unravel_index(int(error.argmax()), error.shape))
    wrong = int((error > TOLERANCE[dtype] * scale).sum())
    text = (
        f"{what}: your result is wrong in {wrong} of {error.size} entries; the largest error is "
        f"{error.max():.3g} (the gradient's scale is {scale:.3g}) at index {index}"
    )
    if expected.size <= SHOWN:
        text += f"\n  got      {_row(got)}\n  expected {_row(expected)}"
    reading = _value_reading(known, got, dtype) or _precision_reading(
        known, got, expected, answer, dtype
    )
    raise AssertionError(f"{text}\n{reading or HINTS.get('pointer', '')}".rstrip())


def _value_reading(known, got, dtype):
    """The sentence of the catalogued mistake that returns this very answer, if one does."""
    for mistake_returns, likely_cause in known.get("answers", []):
        wrong = np.asarray(mistake_returns, dtype=np.float64)
        if wrong.shape == got.shape and (
            wrong.size == 0
            or np.abs(wrong - got).max()
            <= TOLERANCE[dtype] * max(1.0, np.abs(wrong).max(), np.abs(got).max())
        ):
            return likely_cause
    return None


def _precision_reading(known, got, expected, answer, dtype):
    """Right to a few digits only: the precision the answer was computed in."""
    error = np.abs(got - expected).max() / max(1.0, np.abs(expected).max())
    for band, likely_cause in known.get("precision", {}).items():
        if error <= band:
            detail = f" (your function returned {answer.dtype} for {dtype} inputs)"
            return likely_cause.replace("{detail}", detail if str(answer.dtype) != dtype else "")
    return None


def _shape_reading(known, got):
    return known.get("shapes", {}).get(got.shape, HINTS.get("pointer", ""))


def _error_reading(known, message):
    """What NumPy's 'index I is out of bounds for axis A with size S' shows about the code."""
    found = INDEX_ERROR.search(message)
    if found:
        index, axis, size = (int(g) for g in found.groups())
        for (on_axis, of_size, low, high), likely_cause in known.get("index errors", {}).items():
            on = (on_axis is None or on_axis == axis) and of_size == size
            if on and low <= index and (high is None or index <= high):
                return likely_cause
    return HINTS.get("pointer", "")


def _where(exc):
    """`` (line 13, in conv1d_backward_w)``: the last line of your code the error went through."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)[1:]
        if "site-packages" not in f.filename and "numpy" not in f.filename
    ]
    return f" (line {frames[-1].lineno}, in {frames[-1].name})" if frames else ""


def _parameter(function, position):
    try:
        code = function.__code__
        return code.co_varnames[: code.co_argcount][position]
    except (AttributeError, IndexError):
        return f"argument {position + 1}"


def _row(a):
    return np.array2string(a.ravel(), precision=4, suppress_small=True, max_line_width=10**6)
