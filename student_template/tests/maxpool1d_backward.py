"""Public tests for maxpool1d_backward: what `grader.check("maxpool1d_backward")` runs.

Each test calls your function on a small case and checks its answer as the autograder does
(`check`, below): the exact shape, finite values within the tolerance of the inputs' dtype, and
inputs left unchanged.  Expected values are the note's equations (18)-(23) and small examples
worked out by hand, with ties broken by this course's rule.  When your answer is what a common
mistake returns, the failure names the likely cause and the handout's section about it.
"""

import re
import traceback

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "maxpool1d_backward"


@test_case(name="note example", points=0.2)
def test_note_example(maxpool1d_backward):
    """The note's Figure 4: z0..z5, window 3, stride 3 (equations 18-23)."""
    z = np.array([[[1.0, 5.0, 2.0, -1.0, -3.0, 0.5]]])
    d_y = np.array([[[10.0, 20.0]]])
    # y0 = max(z0, z1, z2) = z1 and y1 = max(z3, z4, z5) = z5 win their windows
    expected = [[[0.0, 10.0, 0.0, 0.0, 0.0, 20.0]]]
    check("note example, window 3, stride 3", maxpool1d_backward, (z, d_y, 3), expected)


@test_case(name="ties and overlapping windows", points=0.2)
def test_ties_and_overlap(maxpool1d_backward):
    """Window 3, stride 1 over [3, 1, 3, 2, 2]: a tie, and one input winning two windows."""
    x = np.array([[[3.0, 1.0, 3.0, 2.0, 2.0]]])
    a, b, c = 1.0, 10.0, 100.0
    # window [3, 1, 3] ties x0 and x2 and routes a by the tie rule; windows [1, 3, 2] and
    # [3, 2, 2] are both won by x2, so b + c accumulate there whatever the rule
    expected = [[[a, 0.0, b + c, 0.0, 0.0]]]
    check(
        "ties and overlapping windows, window 3, stride 1",
        maxpool1d_backward,
        (x, np.array([[[a, b, c]]]), 3),
        expected,
        stride=1,
    )


@test_case(name="many ties", points=0.2)
def test_many_ties(maxpool1d_backward):
    """Every window ties, one of them all zeros and one all negative: window 3, stride 3."""
    x = np.array([[[2.0, 2.0, 1.0, 0.0, 0.0, 0.0, 3.0, 1.0, 3.0, -2.0, -1.0, -1.0]]])
    d_y = np.array([[[1.0, 2.0, 4.0, 8.0]]])
    # windows [2, 2, 1], [0, 0, 0], [3, 1, 3] and [-2, -1, -1], with deltas 1, 2, 4 and 8
    expected = [[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 8.0, 0.0]]]
    check("many ties, window 3, stride 3", maxpool1d_backward, (x, d_y, 3), expected)


@test_case(name="padding never wins", points=0.2)
def test_padding(maxpool1d_backward):
    """-inf padding never wins, even over negative inputs: window 2, padding 1, stride 2."""
    x = np.array([[[-3.0, -1.0, -2.0, -5.0]]])
    d_y = np.array([[[1.0, 2.0, 3.0]]])
    # padded: [-inf, -3, -1, -2, -5, -inf]; windows {-inf, -3}, {-1, -2} and {-5, -inf}
    expected = [[[1.0, 2.0, 0.0, 3.0]]]
    check("padding 1, window 2, stride 2", maxpool1d_backward, (x, d_y, 2), expected, padding=1)


@test_case(name="float32 inputs", points=0.2)
def test_float32_inputs(maxpool1d_backward):
    """float32 inputs, as the hidden tests also use: float32 or float64 answers pass."""
    x = np.array([[[0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -3.0]]], dtype=np.float32)
    d_y = np.array([[[0.1, 0.2, 0.3]]], dtype=np.float32)
    # windows [0.5, -1.25], [2.0, 0.75] and [-0.5, 1.5]: -3.0 is in no window
    expected = [[[0.1, 0.0, 0.2, 0.0, 0.0, 0.3, 0.0]]]
    check("float32 inputs, window 2, stride 2", maxpool1d_backward, (x, d_y, 2), expected)


# How `check` judges an answer: the autograder's own criteria.

# relative tolerance by the inputs' dtype: max|answer - expected| <= tol * max(1, max|expected|)
TOLERANCE = {"float64": 1e-9, "float32": 1e-4}
SHOWN = 24  # a failure prints the answer and the expected values up to this many entries
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


# What common mistakes return on the checks above, and what the autograder says about
# each of those answers: computed from its catalogue of mistakes when this homework was
# built.  A failing check looks your answer up here to name the likely cause.

HINTS = {
    "pointer": (
        "See the handout, section \"Conclusion 3: the gradient through max-pooling\" "
        "(#conclusion-3)."
    ),
    "in place": (
        "backprop still needs the original (copy before changing it); see the handout, section "
        "\"Modifying the inputs\" (#mistake-inplace)"
    ),
}

MISTAKES = {
    "note example, window 3, stride 3": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[0.0, 30.0, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause (this case cannot tell them apart): your result equals the "
                    "pooling gradient with a missing stride taken as 1 instead of kernel_size; "
                    "see the handout, section \"The wrong default stride for pooling\" "
                    "(#mistake-default-stride). Or: your result sends every delta to the "
                    "maximum of its whole row instead of the maximum of its own window; see "
                    "the handout, section \"Conclusion 3: the gradient through max-pooling\" "
                    "(#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 10.0, 0.0, 20.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "one element short (its last element can never win); see the handout, "
                    "section \"Conclusion 3: the gradient through max-pooling\" "
                    "(#conclusion-3)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 2): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 3: the gradient through "
                "max-pooling\" (#conclusion-3)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 6, 6, None): (
                "Likely cause: your code read past the end of the padded input: window t "
                "covers positions t*stride to t*stride + kernel_size - 1; see the handout, "
                "section \"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
            ),
        },
        "precision": {  # relative error up to: what the autograder says
            1e-05: (
                "Likely cause: your result is right to only about 7 significant digits, as "
                "computing or accumulating in float32 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
            0.005: (
                "Likely cause: your result is right to only about 3 significant digits, as "
                "computing or accumulating in float16 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
        },
    },
    "ties and overlapping windows, window 3, stride 1": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[0.0, 0.0, 111.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with each tie won "
                    "by the last maximal element (as a >= comparison in a loop does); see the "
                    "handout, section \"The wrong tie rule\" (#mistake-ties)."
                ),
            ),
            (
                [[[1.0, 0.0, 111.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with the whole "
                    "delta given to every tied maximum; see the handout, section \"The wrong "
                    "tie rule\" (#mistake-ties)."
                ),
            ),
            (
                [[[0.5, 0.0, 110.5, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with each delta "
                    "split equally between the tied maxima; see the handout, section \"The "
                    "wrong tie rule\" (#mistake-ties)."
                ),
            ),
            (
                [[[111.0, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result sends every delta to the maximum of its whole "
                    "row instead of the maximum of its own window; see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[1.0, 0.0, 100.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with = instead of "
                    "+= (an input that wins several overlapping windows keeps only one "
                    "window's delta); see the handout, section \"Overwriting instead of "
                    "accumulating\" (#mistake-accumulate)."
                ),
            ),
            (
                [[[0.0, 0.0, 11.0, 100.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "starting one place too late (at t*stride + 1); see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 3): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 3: the gradient through "
                "max-pooling\" (#conclusion-3)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 5, 5, None): (
                "Likely cause: your code read past the end of the padded input: window t "
                "covers positions t*stride to t*stride + kernel_size - 1; see the handout, "
                "section \"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
            ),
        },
        "precision": {  # relative error up to: what the autograder says
            1e-05: (
                "Likely cause: your result is right to only about 7 significant digits, as "
                "computing or accumulating in float32 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
            0.005: (
                "Likely cause: your result is right to only about 3 significant digits, as "
                "computing or accumulating in float16 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
        },
    },
    "many ties, window 3, stride 3": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[0.0, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 0.0, 8.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with each tie won "
                    "by the last maximal element (as a >= comparison in a loop does); see the "
                    "handout, section \"The wrong tie rule\" (#mistake-ties)."
                ),
            ),
            (
                [[[1.0, 1.0, 0.0, 2.0, 2.0, 2.0, 4.0, 0.0, 4.0, 0.0, 8.0, 8.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with the whole "
                    "delta given to every tied maximum; see the handout, section \"The wrong "
                    "tie rule\" (#mistake-ties)."
                ),
            ),
            (
                [
                    [[0.5, 0.5, 0.0, 0.6666666667, 0.6666666667, 0.6666666667, 2.0, 0.0, 2.0,
                    0.0, 4.0, 4.0]]
                ],
                (
                    "Likely cause: your result equals the pooling gradient with each delta "
                    "split equally between the tied maxima; see the handout, section \"The "
                    "wrong tie rule\" (#mistake-ties)."
                ),
            ),
            (
                [[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 0.0, 8.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient of a running "
                    "maximum started at 0 (a window without a positive value never finds its "
                    "real winner); see the handout, section \"Starting the running maximum at "
                    "0\" (#mistake-max-init)."
                ),
            ),
            (
                [[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient of a running "
                    "maximum started at 0 (a window without a positive value never finds its "
                    "real winner); see the handout, section \"Starting the running maximum at "
                    "0\" (#mistake-max-init)."
                ),
            ),
            (
                [[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient of a running "
                    "maximum started at 0 (a window without a positive value never finds its "
                    "real winner); see the handout, section \"Starting the running maximum at "
                    "0\" (#mistake-max-init)."
                ),
            ),
            (
                [[[1.0, 2.0, 4.0, 8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with a missing "
                    "stride taken as 1 instead of kernel_size; see the handout, section \"The "
                    "wrong default stride for pooling\" (#mistake-default-stride)."
                ),
            ),
            (
                [[[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 15.0, 0.0, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result sends every delta to the maximum of its whole "
                    "row instead of the maximum of its own window; see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 4.0, 0.0, 8.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "starting one place too late (at t*stride + 1); see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 6.0, 0.0, 0.0, 0.0, 8.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "one element too long; see the handout, section \"Conclusion 3: the "
                    "gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 4): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 3: the gradient through "
                "max-pooling\" (#conclusion-3)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 12, 12, None): (
                "Likely cause: your code read past the end of the padded input: window t "
                "covers positions t*stride to t*stride + kernel_size - 1; see the handout, "
                "section \"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
            ),
        },
        "precision": {  # relative error up to: what the autograder says
            1e-05: (
                "Likely cause: your result is right to only about 7 significant digits, as "
                "computing or accumulating in float32 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
            0.005: (
                "Likely cause: your result is right to only about 3 significant digits, as "
                "computing or accumulating in float16 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
        },
    },
    "padding 1, window 2, stride 2": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[0.0, 2.0, 0.0, 3.0]]],
                (
                    "Likely cause (this case cannot tell them apart): your result equals the "
                    "pooling gradient of a running maximum started at 0 (a window without a "
                    "positive value never finds its real winner); see the handout, section "
                    "\"Starting the running maximum at 0\" (#mistake-max-init). Or: your "
                    "result equals the pooling gradient with every window one element short "
                    "(its last element can never win); see the handout, section \"Conclusion "
                    "3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient of a running "
                    "maximum started at 0 (a window without a positive value never finds its "
                    "real winner); see the handout, section \"Starting the running maximum at "
                    "0\" (#mistake-max-init)."
                ),
            ),
            (
                [[[0.0, 2.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with the input "
                    "padded with zeros instead of -inf; see the handout, section \"Padding the "
                    "pool with zeros\" (#mistake-pool-padding)."
                ),
            ),
            (
                [[[1.0, 5.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with a missing "
                    "stride taken as 1 instead of kernel_size; see the handout, section \"The "
                    "wrong default stride for pooling\" (#mistake-default-stride)."
                ),
            ),
            (
                [[[0.0, 6.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result sends every delta to the maximum of its whole "
                    "row instead of the maximum of its own window; see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 1.0, 2.0, 0.0]]],
                (
                    "Likely cause (this case cannot tell them apart): your result equals the "
                    "pooling gradient with every window starting one place too late (at "
                    "t*stride + 1); see the handout, section \"Conclusion 3: the gradient "
                    "through max-pooling\" (#conclusion-3). Or: your result equals the padded "
                    "gradient's first W entries: the left padding was not skipped; see the "
                    "handout, section \"Padding on one side, or cropping the wrong part\" "
                    "(#mistake-padding)."
                ),
            ),
            (
                [[[0.0, 3.0, 0.0, 3.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "one element too long; see the handout, section \"Conclusion 3: the "
                    "gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 1.0, 2.0, 0.0, 3.0, 0.0]]],
                (
                    "Likely cause: your result equals the padded gradient with none of the "
                    "padding cropped away; see the handout, section \"Padding on one side, or "
                    "cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [[[1.0, 2.0, 0.0, 3.0, 0.0]]],
                (
                    "Likely cause: your result equals the padded gradient with the padding "
                    "cropped at one end only; see the handout, section \"Padding on one side, "
                    "or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [[[0.0, 1.0, 2.0, 0.0, 3.0]]],
                (
                    "Likely cause: your result equals the padded gradient with the padding "
                    "cropped at one end only; see the handout, section \"Padding on one side, "
                    "or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 3): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 3: the gradient through "
                "max-pooling\" (#conclusion-3)."
            ),
            (1, 1, 5): (
                "Likely cause: your result is W + padding wide: the padding was cropped at one "
                "end only; see the handout, section \"Padding on one side, or cropping the "
                "wrong part\" (#mistake-padding)."
            ),
            (1, 1, 6): (
                "Likely cause: your result is W + 2*padding wide: none of the padding was "
                "cropped away; see the handout, section \"Padding on one side, or cropping the "
                "wrong part\" (#mistake-padding)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 4, 4, None): (
                "Likely cause: your code read a position of the padded input from an array as "
                "wide as x itself: pad x with -inf first (positions run up to W + 2*padding - "
                "1); see the handout, section \"Padding on one side, or cropping the wrong "
                "part\" (#mistake-padding)."
            ),
            (None, 6, 6, None): (
                "Likely cause: your code read past the end of the padded input: window t "
                "covers positions t*stride to t*stride + kernel_size - 1; see the handout, "
                "section \"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
            ),
        },
        "precision": {  # relative error up to: what the autograder says
            1e-05: (
                "Likely cause: your result is right to only about 7 significant digits, as "
                "computing or accumulating in float32 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
            0.005: (
                "Likely cause: your result is right to only about 3 significant digits, as "
                "computing or accumulating in float16 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
        },
    },
    "float32 inputs, window 2, stride 2": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[0.1000000015, 0.0, 0.5000000149, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with a missing "
                    "stride taken as 1 instead of kernel_size; see the handout, section \"The "
                    "wrong default stride for pooling\" (#mistake-default-stride)."
                ),
            ),
            (
                [[[0.0, 0.0, 0.6000000164, 0.0, 0.0, 0.0, 0.0]]],
                (
                    "Likely cause: your result sends every delta to the maximum of its whole "
                    "row instead of the maximum of its own window; see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 0.0, 0.1000000015, 0.200000003, 0.0, 0.3000000119, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "starting one place too late (at t*stride + 1); see the handout, section "
                    "\"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
            (
                [[[0.1000000015, 0.0, 0.200000003, 0.0, 0.3000000119, 0.0, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "one element short (its last element can never win); see the handout, "
                    "section \"Conclusion 3: the gradient through max-pooling\" "
                    "(#conclusion-3)."
                ),
            ),
            (
                [[[0.0, 0.0, 0.3000000045, 0.0, 0.0, 0.3000000119, 0.0]]],
                (
                    "Likely cause: your result equals the pooling gradient with every window "
                    "one element too long; see the handout, section \"Conclusion 3: the "
                    "gradient through max-pooling\" (#conclusion-3)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 3): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 3: the gradient through "
                "max-pooling\" (#conclusion-3)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 7, 7, None): (
                "Likely cause: your code read past the end of the padded input: window t "
                "covers positions t*stride to t*stride + kernel_size - 1; see the handout, "
                "section \"Conclusion 3: the gradient through max-pooling\" (#conclusion-3)."
            ),
        },
        "precision": {  # relative error up to: what the autograder says
            0.005: (
                "Likely cause: your result is right to only about 3 significant digits, as "
                "computing or accumulating in float16 gives{detail}; see the handout, section "
                "\"Accumulating in low precision\" (#mistake-precision)."
            ),
        },
    },
}
