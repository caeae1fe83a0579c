"""Public tests for conv1d_backward_w: what `grader.check("conv1d_backward_w")` runs.

Each test calls your function on a small case and checks its answer as the autograder does
(`check`, below): the exact shape, finite values within the tolerance of the inputs' dtype, and
inputs left unchanged.  Expected values come from the note's equations (5)-(7) written out, and
from probing the given forward function with unit filters (the loss is linear in w, so this is
exact, not a finite difference).  When your answer is what a common mistake returns, the
failure names the likely cause and the handout's section about it.
"""

import re
import traceback

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "conv1d_backward_w"


def probed(conv1d_forward, x, w, grad_z, **settings):
    """dL/dw[o, c, k] = L evaluated with a filter that is 1 at (o, c, k) and 0 elsewhere."""
    x64, grad_z64 = x.astype(np.float64), grad_z.astype(np.float64)
    units = np.eye(w.size).reshape(w.size, *w.shape)
    return np.reshape(
        [np.sum(conv1d_forward(x64, u, **settings) * grad_z64) for u in units], w.shape
    )


@test_case(name="note example", points=0.5)
def test_note_example(conv1d_backward_w):
    """The note's worked example: p0..p5, deltas s0..s3, K = 3 (equations 5-7)."""
    p = np.array([2.0, -1.0, 3.0, 0.5, 1.0, -2.0])
    s = np.array([1.0, -2.0, 0.5, 3.0])
    expected = [
        s[0] * p[0] + s[1] * p[1] + s[2] * p[2] + s[3] * p[3],  # (5)
        s[0] * p[1] + s[1] * p[2] + s[2] * p[3] + s[3] * p[4],  # (6)
        s[0] * p[2] + s[1] * p[3] + s[2] * p[4] + s[3] * p[5],  # (7)
    ]
    check(
        "note example, dL/dw = p (x) s",
        conv1d_backward_w,
        (p.reshape(1, 1, 6), s.reshape(1, 1, 4), 3),
        np.reshape(expected, (1, 1, 3)),
    )


@test_case(name="batch, channels, stride, padding, dilation", points=0.25)
def test_batch_channels_stride_padding_dilation(conv1d_backward_w, conv1d_forward):
    """N=2, C_in=2, C_out=3, K=3, stride 2, padding 1, dilation 2, one trailing input unread."""
    rng = np.random.default_rng(2023)
    x, w = rng.standard_normal((2, 2, 10)), rng.standard_normal((3, 2, 3))
    settings = dict(stride=2, padding=1, dilation=2)
    grad_z = rng.standard_normal(conv1d_forward(x, w, **settings).shape)
    check(
        "N=2, C_in=2, C_out=3, stride 2, padding 1, dilation 2",
        conv1d_backward_w,
        (x, grad_z, 3),
        probed(conv1d_forward, x, w, grad_z, **settings),
        **settings,
    )


@test_case(name="float32 inputs", points=0.25)
def test_float32_inputs(conv1d_backward_w, conv1d_forward):
    """float32 x and deltas, as the hidden tests also use: float32 or float64 answers pass."""
    rng = np.random.default_rng(32)
    x = rng.standard_normal((1, 1, 8)).astype(np.float32)
    w = np.zeros((1, 1, 3), dtype=np.float32)  # only its shape matters here
    grad_z = rng.standard_normal((1, 1, 6)).astype(np.float32)
    check(
        "float32 inputs, W=8, K=3",
        conv1d_backward_w,
        (x, grad_z, 3),
        probed(conv1d_forward, x, w, grad_z),
    )


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
        "See the handout, section \"Conclusion 1: the gradient with respect to the filter\" "
        "(#conclusion-1)."
    ),
    "in place": (
        "backprop still needs the original (copy before changing it); see the handout, section "
        "\"Modifying the inputs\" (#mistake-inplace)"
    ),
}

MISTAKES = {
    "note example, dL/dw = p (x) s": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[-3.5, -3.75, 7.0]]],
                (
                    "Likely cause: your result equals the filter gradient with its taps "
                    "reversed (no flip belongs in dL/dw: that is Conclusion 2's); see the "
                    "handout, section \"Forgetting to flip the filter\" (#mistake-flip)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 1): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 2): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 4): (
                "Likely cause (this case cannot tell them apart): your result has a different "
                "number of taps than kernel_size: dL/dw has the shape of w, (C_out, C_in, K); "
                "see the handout, section \"Conclusion 1: the gradient with respect to the "
                "filter\" (#conclusion-1). Or: your result has the shape of delta, one entry "
                "per output position; see the handout, section \"Conclusion 1: the gradient "
                "with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 6): (
                "Likely cause (this case cannot tell them apart): your result has a different "
                "number of taps than kernel_size: dL/dw has the shape of w, (C_out, C_in, K); "
                "see the handout, section \"Conclusion 1: the gradient with respect to the "
                "filter\" (#conclusion-1). Or: your result has the shape of x; see the "
                "handout, section \"Conclusion 1: the gradient with respect to the filter\" "
                "(#conclusion-1)."
            ),
            (1, 1, 1, 3): (
                "Likely cause: your result has one filter gradient per sample, (N, C_out, "
                "C_in, K): the samples' contributions must be added; see the handout, section "
                "\"Averaging over the batch, or using only the first sample\" "
                "(#mistake-batch-sum)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 6, 6, None): (
                "Likely cause: your code read past the end of the padded input: output t reads "
                "positions t*stride + k*dilation, at most (W_out - 1)*stride + (K - "
                "1)*dilation; see the handout, section \"Conclusion 1: the gradient with "
                "respect to the filter\" (#conclusion-1)."
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
    "N=2, C_in=2, C_out=3, stride 2, padding 1, dilation 2": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [
                    [[0.9501291181, 3.7127661815, 3.5354183832], [-0.821596141, -1.2819214695,
                    3.781503531]], [[2.7857746328, 1.0632713193, -2.3342891637], [-0.4787056802,
                    0.3257029921, 1.0386795262]], [[2.3938718493, -2.9125067182, -4.0599755455],
                    [4.6717219022, -3.520626687, 2.3878266932]]
                ],
                (
                    "Likely cause: your result equals the filter gradient computed as if the "
                    "stride were 1 (delta t paired with the inputs from position t instead of "
                    "t*stride); see the handout, section \"Ignoring the stride\" "
                    "(#mistake-stride)."
                ),
            ),
            (
                [
                    [[-3.3249943445, 3.634357169, 0.4054877673], [3.240693115, 3.6895544984,
                    -5.363666524]], [[-2.4742522424, 3.3187240612, -0.7045942882],
                    [0.4111746232, 0.5154841587, 0.3315663848]], [[-4.2743974067, -0.9352213246,
                    3.8143936518], [-1.3489599698, 2.8689691307, 1.5289490885]]
                ],
                (
                    "Likely cause: your result equals the filter gradient computed as if the "
                    "dilation were 1 (tap k reading input t*stride + k instead of t*stride + "
                    "k*dilation); see the handout, section \"Forgetting the dilation\" "
                    "(#mistake-dilation)."
                ),
            ),
            (
                [
                    [[3.634357169, 1.103853049, -1.4042834798], [3.6895544984, 2.2484845175,
                    2.3629546058]], [[3.3187240612, 1.9618415751, 0.6304097354], [0.5154841587,
                    4.7084548592, 5.7997039508]], [[-0.9352213246, -2.537776739, -1.9471762618],
                    [2.8689691307, 1.5908647818, -5.3698867667]]
                ],
                (
                    "Likely cause: your result equals the filter gradient with x zero-padded "
                    "on the right end only; see the handout, section \"Padding on one side, or "
                    "cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[0.9815218648, 3.634357169, 1.103853049], [-0.8183790733, 3.6895544984,
                    2.2484845175]], [[0.4595465974, 3.3187240612, 1.9618415751], [-0.0069530001,
                    0.5154841587, 4.7084548592]], [[3.9295651462, -0.9352213246, -2.537776739],
                    [2.5088903813, 2.8689691307, 1.5908647818]]
                ],
                (
                    "Likely cause: your result equals the filter gradient with x zero-padded "
                    "on the left end only; see the handout, section \"Padding on one side, or "
                    "cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[0.0, 0.0, 0.0], [-1.2913667085, 2.116876598, 0.3504147416]], [[0.0, 0.0,
                    0.0], [-1.3364830859, -2.7167646663, 2.6762392537]], [[0.0, 0.0, 0.0],
                    [3.0899340677, 1.5344397786, 2.992165902]]
                ],
                (
                    "Likely cause: your result equals the filter gradient with x padded on "
                    "every axis (np.pad(x, padding) also pads the batch and channel axes); see "
                    "the handout, section \"Padding on one side, or cropping the wrong part\" "
                    "(#mistake-padding)."
                ),
            ),
            (
                [
                    [[-2.6588003044, 1.5606588931, -0.7925027639], [2.4006580697, -3.8126419397,
                    1.5360053858]], [[-0.1092724039, 0.8265828259, -1.8777449581],
                    [1.6116712642, -1.651212574, 2.136057206]], [[-1.7543749288, 2.585646392,
                    3.1938671675], [0.4345551626, -0.8646245785, -4.3453878874]]
                ],
                (
                    "Likely cause: your result equals the filter gradient of the first sample "
                    "alone; see the handout, section \"Averaging over the batch, or using only "
                    "the first sample\" (#mistake-batch-sum)."
                ),
            ),
            (
                [
                    [[-1.6624971723, 0.2027438837, -0.170007877], [1.6203465575, -2.681833262,
                    1.4084048844]], [[-1.2371261212, -0.3522971441, -1.1140125969],
                    [0.2055873116, 0.1657831924, -0.3782472936]], [[-2.1371987034, 1.9071968259,
                    4.2247833766], [-0.6744799849, 0.7644745443, -3.1492398824]]
                ],
                (
                    "Likely cause: your result equals the filter gradient divided by the batch "
                    "size (a mean over the samples instead of a sum); see the handout, section "
                    "\"Averaging over the batch, or using only the first sample\" "
                    "(#mistake-batch-sum)."
                ),
            ),
            (
                [
                    [[-3.3249943445, 0.4054877673, -0.340015754], [-2.4742522424, -0.7045942882,
                    -2.2280251939], [-4.2743974067, 3.8143936518, 8.4495667533]], [[3.240693115,
                    -5.363666524, 2.8168097687], [0.4111746232, 0.3315663848, -0.7564945872],
                    [-1.3489599698, 1.5289490885, -6.2984797648]]
                ],
                (
                    "Likely cause: your result equals the filter gradient with its C_out and "
                    "C_in axes swapped; see the handout, section \"Mixing up the channel "
                    "axes\" (#mistake-channels)."
                ),
            ),
            (
                [
                    [[-0.340015754, 0.4054877673, -3.3249943445], [2.8168097687, -5.363666524,
                    3.240693115]], [[-2.2280251939, -0.7045942882, -2.4742522424],
                    [-0.7564945872, 0.3315663848, 0.4111746232]], [[8.4495667533, 3.8143936518,
                    -4.2743974067], [-6.2984797648, 1.5289490885, -1.3489599698]]
                ],
                (
                    "Likely cause: your result equals the filter gradient with its taps "
                    "reversed (no flip belongs in dL/dw: that is Conclusion 2's); see the "
                    "handout, section \"Forgetting to flip the filter\" (#mistake-flip)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (2, 2, 10): (
                "Likely cause: your result has the shape of x; see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (2, 3, 3): (
                "Likely cause: your result is laid out (C_in, C_out, K): the channel axes are "
                "swapped; dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Mixing up the channel axes\" (#mistake-channels)."
            ),
            (2, 3, 4): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 1: the gradient with respect "
                "to the filter\" (#conclusion-1)."
            ),
            (3, 2, 2): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (3, 2, 4): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (3, 2, 10): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (3, 2, 11): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (3, 2, 12): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (2, 3, 2, 3): (
                "Likely cause: your result has one filter gradient per sample, (N, C_out, "
                "C_in, K): the samples' contributions must be added; see the handout, section "
                "\"Averaging over the batch, or using only the first sample\" "
                "(#mistake-batch-sum)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 10, 10, None): (
                "Likely cause: your code read a position of the padded input from an array as "
                "wide as x itself: with padding, pad x first (positions run up to W + "
                "2*padding - 1); see the handout, section \"Padding on one side, or cropping "
                "the wrong part\" (#mistake-padding)."
            ),
            (None, 11, 11, None): (
                "Likely cause: your code read from an input padded on one end only (W + "
                "padding wide instead of W + 2*padding); see the handout, section \"Padding on "
                "one side, or cropping the wrong part\" (#mistake-padding)."
            ),
            (None, 12, 12, None): (
                "Likely cause: your code read past the end of the padded input: output t reads "
                "positions t*stride + k*dilation, at most (W_out - 1)*stride + (K - "
                "1)*dilation; see the handout, section \"Conclusion 1: the gradient with "
                "respect to the filter\" (#conclusion-1)."
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
    "float32 inputs, W=8, K=3": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[1.5141278889, -4.0634119011, -3.8622127913]]],
                (
                    "Likely cause: your result equals the filter gradient with its taps "
                    "reversed (no flip belongs in dL/dw: that is Conclusion 2's); see the "
                    "handout, section \"Forgetting to flip the filter\" (#mistake-flip)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 1): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 2): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 4): (
                "Likely cause: your result has a different number of taps than kernel_size: "
                "dL/dw has the shape of w, (C_out, C_in, K); see the handout, section "
                "\"Conclusion 1: the gradient with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 6): (
                "Likely cause (this case cannot tell them apart): your result has a different "
                "number of taps than kernel_size: dL/dw has the shape of w, (C_out, C_in, K); "
                "see the handout, section \"Conclusion 1: the gradient with respect to the "
                "filter\" (#conclusion-1). Or: your result has the shape of delta, one entry "
                "per output position; see the handout, section \"Conclusion 1: the gradient "
                "with respect to the filter\" (#conclusion-1)."
            ),
            (1, 1, 8): (
                "Likely cause (this case cannot tell them apart): your result has a different "
                "number of taps than kernel_size: dL/dw has the shape of w, (C_out, C_in, K); "
                "see the handout, section \"Conclusion 1: the gradient with respect to the "
                "filter\" (#conclusion-1). Or: your result has the shape of x; see the "
                "handout, section \"Conclusion 1: the gradient with respect to the filter\" "
                "(#conclusion-1)."
            ),
            (1, 1, 1, 3): (
                "Likely cause: your result has one filter gradient per sample, (N, C_out, "
                "C_in, K): the samples' contributions must be added; see the handout, section "
                "\"Averaging over the batch, or using only the first sample\" "
                "(#mistake-batch-sum)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (None, 8, 8, None): (
                "Likely cause: your code read past the end of the padded input: output t reads "
                "positions t*stride + k*dilation, at most (W_out - 1)*stride + (K - "
                "1)*dilation; see the handout, section \"Conclusion 1: the gradient with "
                "respect to the filter\" (#conclusion-1)."
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
