"""Public tests for conv1d_backward_input: what `grader.check("conv1d_backward_input")` runs.

Each test calls your function on a small case and checks its answer as the autograder does
(`check`, below): the exact shape, finite values within the tolerance of the inputs' dtype, and
inputs left unchanged.  Expected values come from the note's equations (10)-(15) written out,
and from probing the given forward function with unit inputs (the loss is linear in x, so this
is exact).  When your answer is what a common mistake returns, the failure names the likely
cause and the handout's section about it.
"""

import re
import traceback

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "conv1d_backward_input"


def probed(conv1d_forward, x, w, grad_z, **settings):
    """dL/dx[n, c, i] = L evaluated with an input that is 1 at (n, c, i) and 0 elsewhere."""
    w64, grad_z64 = w.astype(np.float64), grad_z.astype(np.float64)
    units = np.eye(x.size).reshape(x.size, *x.shape)
    return np.reshape(
        [np.sum(conv1d_forward(u, w64, **settings) * grad_z64) for u in units], x.shape
    )


@test_case(name="note example", points=0.5)
def test_note_example(conv1d_backward_input):
    """The note's worked example: deltas s0..s3, filter w0..w2, input length 6 (eqs 10-15)."""
    s = np.array([1.0, -2.0, 0.5, 3.0])
    w = np.array([0.5, -1.0, 2.0])
    expected = [
        s[0] * w[0],  # (10)
        s[0] * w[1] + s[1] * w[0],  # (11)
        s[0] * w[2] + s[1] * w[1] + s[2] * w[0],  # (12)
        s[1] * w[2] + s[2] * w[1] + s[3] * w[0],  # (13)
        s[2] * w[2] + s[3] * w[1],  # (14)
        s[3] * w[2],  # (15)
    ]
    check(
        "note example, dL/dp = s * flip(w), full padding",
        conv1d_backward_input,
        (s.reshape(1, 1, 4), w.reshape(1, 1, 3), 6),
        np.reshape(expected, (1, 1, 6)),
    )


@test_case(name="batch, channels, stride, padding, dilation", points=0.25)
def test_batch_channels_stride_padding_dilation(conv1d_backward_input, conv1d_forward):
    """N=2, C_in=2, C_out=3, K=3, stride 2, padding 1, dilation 2, one trailing input unread."""
    rng = np.random.default_rng(2023)
    x, w = rng.standard_normal((2, 2, 10)), rng.standard_normal((3, 2, 3))
    settings = dict(stride=2, padding=1, dilation=2)
    grad_z = rng.standard_normal(conv1d_forward(x, w, **settings).shape)
    check(
        "N=2, C_in=2, C_out=3, stride 2, padding 1, dilation 2",
        conv1d_backward_input,
        (grad_z, w, 10),
        probed(conv1d_forward, x, w, grad_z, **settings),
        **settings,
    )


@test_case(name="float32 inputs", points=0.25)
def test_float32_inputs(conv1d_backward_input, conv1d_forward):
    """float32 deltas and filter, as the hidden tests also use: float32 or float64 answers pass."""
    rng = np.random.default_rng(32)
    x = np.zeros((1, 1, 8), dtype=np.float32)  # only its shape matters here
    w = rng.standard_normal((1, 1, 3)).astype(np.float32)
    grad_z = rng.standard_normal((1, 1, 6)).astype(np.float32)
    check(
        "float32 inputs, W=8, K=3",
        conv1d_backward_input,
        (grad_z, w, 8),
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
        "See the handout, section \"Conclusion 2: the gradient with respect to the input\" "
        "(#conclusion-2)."
    ),
    "in place": (
        "backprop still needs the original (copy before changing it); see the handout, section "
        "\"Modifying the inputs\" (#mistake-inplace)"
    ),
}

MISTAKES = {
    "note example, dL/dp = s * flip(w), full padding": {
        "answers": [  # (what a mistake returns, what the autograder says about that answer)
            (
                [[[2.0, -5.0, 3.5, 4.5, -2.75, 1.5]]],
                (
                    "Likely cause: your result equals the input gradient computed with the "
                    "filter not flipped; see the handout, section \"Forgetting to flip the "
                    "filter\" (#mistake-flip)."
                ),
            ),
            (
                [[[]]],
                (
                    "Likely cause: your result is empty, as a crop like dxpad[:, :, "
                    "padding:-padding] is when padding is 0 (or any slice whose start is past "
                    "its stop); see the handout, section \"Padding on one side, or cropping "
                    "the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [[[-2.0, 4.25, -3.0, -2.0, 6.0]]],
                (
                    "Likely cause: your result equals the padded gradient cropped from "
                    "position padding + 1, one place too far right; see the handout, section "
                    "\"Padding on one side, or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [[[0.5, -1.0, 0.25, 1.5, -3.0, 6.0]]],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
            (
                [[[0.5, -1.0, 2.0, -4.0, 1.0, 6.0]]],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 3): (
                "Likely cause: your result has the shape of w; see the handout, section "
                "\"Conclusion 2: the gradient with respect to the input\" (#conclusion-2)."
            ),
            (1, 1, 4): (
                "Likely cause (this case cannot tell them apart): your result has width W_out, "
                "one entry per output position: dL/dx has one entry per input, input_length in "
                "all; see the handout, section \"Conclusion 2: the gradient with respect to "
                "the input\" (#conclusion-2). Or: your result has the shape of delta, one "
                "entry per output position; see the handout, section \"Conclusion 2: the "
                "gradient with respect to the input\" (#conclusion-2)."
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
                    [[0.0, -0.8552505142, 0.0, -4.2696387837, 0.0, -2.6180787827, 0.0,
                    2.8322790873, 0.0, -0.430069348], [0.0, 0.9094566258, 0.0, -4.2575378647,
                    0.0, 0.0280554887, 0.0, 5.5950062955, 0.0, -0.4971755234]], [[0.0,
                    1.9427712721, 0.0, 0.554683604, 0.0, 2.148132169, 0.0, -0.591295681, 0.0,
                    0.1251279939], [0.0, -2.5038204978, 0.0, -6.4667533708, 0.0, -3.9422423249,
                    0.0, -2.8942075004, 0.0, -1.1530597447]]
                ],
                (
                    "Likely cause: your result equals the input gradient computed with the "
                    "filter not flipped; see the handout, section \"Forgetting to flip the "
                    "filter\" (#mistake-flip)."
                ),
            ),
            (
                [
                    [[0.5648071776, 0.298987008, -0.8894112651, 0.7159396474, 1.6780415651,
                    -3.6353591233, -4.2854526246, 0.0, 0.0, 0.0], [-2.4156998139, 2.5991622253,
                    -4.3936305894, 4.2273292777, 3.905300696, -1.115931033, -1.7597183747, 0.0,
                    0.0, 0.0]], [[0.9009650113, -1.4845401632, -2.9582636457, 7.6333641337,
                    2.8360157543, 4.0548927291, 0.0497204369, 0.0, 0.0, 0.0], [-1.6881443292,
                    -4.3455633283, -9.0559039062, 0.3176342067, -1.0524646699, 1.0021325115,
                    -0.2623104908, 0.0, 0.0, 0.0]]
                ],
                (
                    "Likely cause: your result equals the input gradient computed as if the "
                    "stride were 1 (no stride - 1 zeros between the deltas); see the handout, "
                    "section \"Ignoring the stride\" (#mistake-stride)."
                ),
            ),
            (
                [
                    [[0.3799780063, 0.1781801608, -0.4593419171, -1.3162195186, 1.1025666642,
                    -4.0654284713, 2.9132700855, -4.2854526246, 0.0, 0.0], [1.8647152359,
                    -2.3918442135, -3.896455066, -0.2208116208, 4.2034736773, -1.6131065564,
                    4.8605593061, -1.7597183747, 0.0, 0.0]], [[-0.8499654787, 7.3368824241,
                    -3.0833916395, 2.1581620662, 1.1974467209, 4.180020723, 0.0432790036,
                    0.0497204369, 0.0, 0.0], [-3.2564001956, 0.6212773824, -7.9028441615,
                    -0.336583435, -1.9917875049, -0.1509272332, -1.8050443677, -0.2623104908,
                    0.0, 0.0]]
                ],
                (
                    "Likely cause: your result equals the input gradient computed as if the "
                    "dilation were 1; see the handout, section \"Forgetting the dilation\" "
                    "(#mistake-dilation)."
                ),
            ),
            (
                [
                    [[-0.1749377433, 0.0, 0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042,
                    0.0, -0.7220890378, 0.0], [0.7548482344, 0.0, -0.550984578, 0.0,
                    -3.1381524763, 0.0, 2.7510395438, 0.0, 3.7446282731, 0.0]], [[-0.4168174855,
                    0.0, 0.0509995326, 0.0, 2.7179510888, 0.0, 4.1153114655, 0.0, 4.0981717327,
                    0.0], [0.4339582793, 0.0, -4.9445445248, 0.0, -6.6825855827, 0.0,
                    -2.3922675518, 0.0, -0.8029118562, 0.0]]
                ],
                (
                    "Likely cause (this case cannot tell them apart): your result equals the "
                    "padded gradient's first W entries: the left padding was not cropped away "
                    "(or the padding was ignored); see the handout, section \"Padding on one "
                    "side, or cropping the wrong part\" (#mistake-padding). Or: your result "
                    "equals the padded gradient cropped from position padding - 1, one place "
                    "too far left; see the handout, section \"Padding on one side, or cropping "
                    "the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042, 0.0, -0.7220890378,
                    0.0, -4.2854526246, 0.0], [-0.550984578, 0.0, -3.1381524763, 0.0,
                    2.7510395438, 0.0, 3.7446282731, 0.0, -1.7597183747, 0.0]], [[0.0509995326,
                    0.0, 2.7179510888, 0.0, 4.1153114655, 0.0, 4.0981717327, 0.0, 0.0497204369,
                    0.0], [-4.9445445248, 0.0, -6.6825855827, 0.0, -2.3922675518, 0.0,
                    -0.8029118562, 0.0, -0.2623104908, 0.0]]
                ],
                (
                    "Likely cause: your result equals the padded gradient cropped from "
                    "position padding + 1, one place too far right; see the handout, section "
                    "\"Padding on one side, or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[-0.1749377433, 0.0, 0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042,
                    0.0, -0.7220890378, 0.0, -4.2854526246, 0.0], [0.7548482344, 0.0,
                    -0.550984578, 0.0, -3.1381524763, 0.0, 2.7510395438, 0.0, 3.7446282731, 0.0,
                    -1.7597183747, 0.0]], [[-0.4168174855, 0.0, 0.0509995326, 0.0, 2.7179510888,
                    0.0, 4.1153114655, 0.0, 4.0981717327, 0.0, 0.0497204369, 0.0],
                    [0.4339582793, 0.0, -4.9445445248, 0.0, -6.6825855827, 0.0, -2.3922675518,
                    0.0, -0.8029118562, 0.0, -0.2623104908, 0.0]]
                ],
                (
                    "Likely cause: your result equals the padded gradient with none of the "
                    "padding cropped away; see the handout, section \"Padding on one side, or "
                    "cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[0.0, 0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042, 0.0,
                    -0.7220890378, 0.0, -4.2854526246, 0.0], [0.0, -0.550984578, 0.0,
                    -3.1381524763, 0.0, 2.7510395438, 0.0, 3.7446282731, 0.0, -1.7597183747,
                    0.0]], [[0.0, 0.0509995326, 0.0, 2.7179510888, 0.0, 4.1153114655, 0.0,
                    4.0981717327, 0.0, 0.0497204369, 0.0], [0.0, -4.9445445248, 0.0,
                    -6.6825855827, 0.0, -2.3922675518, 0.0, -0.8029118562, 0.0, -0.2623104908,
                    0.0]]
                ],
                (
                    "Likely cause: your result equals the padded gradient with the padding "
                    "cropped at one end only; see the handout, section \"Padding on one side, "
                    "or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[-0.1749377433, 0.0, 0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042,
                    0.0, -0.7220890378, 0.0, -4.2854526246], [0.7548482344, 0.0, -0.550984578,
                    0.0, -3.1381524763, 0.0, 2.7510395438, 0.0, 3.7446282731, 0.0,
                    -1.7597183747]], [[-0.4168174855, 0.0, 0.0509995326, 0.0, 2.7179510888, 0.0,
                    4.1153114655, 0.0, 4.0981717327, 0.0, 0.0497204369], [0.4339582793, 0.0,
                    -4.9445445248, 0.0, -6.6825855827, 0.0, -2.3922675518, 0.0, -0.8029118562,
                    0.0, -0.2623104908]]
                ],
                (
                    "Likely cause: your result equals the padded gradient with the padding "
                    "cropped at one end only; see the handout, section \"Padding on one side, "
                    "or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[0.0, 0.1438876963, 0.0, -0.3836063496, 0.0, -0.7758904259, 0.0,
                    2.9910025853, 0.0, -2.4746423819], [0.0, -0.1234358814, 0.0, 0.3290815621,
                    0.0, 0.6656074218, 0.0, 6.0121648985, 0.0, -0.8843562872]], [[0.0,
                    0.8389353838, 0.0, -0.1155415742, 0.0, 0.0282459661, 0.0, -0.1088861967,
                    0.0, 0.0900883197], [0.0, -0.7196913369, 0.0, 0.0991188018, 0.0,
                    -0.0242311595, 0.0, -0.2188703457, 0.0, 0.0321946203]]
                ],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
            (
                [
                    [[0.0, 0.4703663038, 0.0, -0.3891632847, 0.0, 0.4589186561, 0.0,
                    -1.2234827226, 0.0, -2.4746423819], [0.0, 0.945475539, 0.0, -0.1390742356,
                    0.0, 0.1640025249, 0.0, -0.4372327274, 0.0, -0.8843562872]], [[0.0,
                    -1.4397795547, 0.0, 1.191219133, 0.0, 2.6757193892, 0.0, -0.3685108964, 0.0,
                    0.0900883197], [0.0, -2.894077104, 0.0, 0.4257027752, 0.0, 0.956214636, 0.0,
                    -0.1316937472, 0.0, 0.0321946203]]
                ],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
            (
                [
                    [[0.0, 0.5648071776, 0.0, -0.0809909982, 0.0, -0.430069348, 0.0,
                    2.9132700855, 0.0, -4.2854526246], [0.0, -2.4156998139, 0.0, 0.7344469893,
                    0.0, -0.4971755234, 0.0, 4.8605593061, 0.0, -1.7597183747]], [[0.0,
                    0.9009650113, 0.0, -0.6345746846, 0.0, 0.1251279939, 0.0, 0.0432790036, 0.0,
                    0.0497204369], [0.0, -1.6881443292, 0.0, -1.0891631327, 0.0, -1.1530597447,
                    0.0, -1.8050443677, 0.0, -0.2623104908]]
                ],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
            (
                [
                    [[0.0, 0.3799780063, 0.0, -0.3866270169, 0.0, -1.2352285204, 0.0,
                    -3.6353591233, 0.0, -4.2854526246], [0.0, 1.8647152359, 0.0, 0.0238556004,
                    0.0, -0.9552586101, 0.0, -1.115931033, 0.0, -1.7597183747]], [[0.0,
                    -0.8499654787, 0.0, 6.4359174129, 0.0, 2.7927367507, 0.0, 4.0548927291, 0.0,
                    0.0497204369], [0.0, -3.2564001956, 0.0, 2.3094217116, 0.0, 0.7525796978,
                    0.0, 1.0021325115, 0.0, -0.2623104908]]
                ],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
            (
                [
                    [[0.0, 0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042, 0.0,
                    -0.7220890378, 0.0, -4.2854526246], [0.0, -0.550984578, 0.0, -3.1381524763,
                    0.0, 2.7510395438, 0.0, 3.7446282731, 0.0, -1.7597183747]], [[0.0,
                    0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042, 0.0, -0.7220890378,
                    0.0, -4.2854526246], [0.0, -0.550984578, 0.0, -3.1381524763, 0.0,
                    2.7510395438, 0.0, 3.7446282731, 0.0, -1.7597183747]]
                ],
                (
                    "Likely cause: your result gives every sample the first sample's input "
                    "gradient; see the handout, section \"Averaging over the batch, or using "
                    "only the first sample\" (#mistake-batch-sum)."
                ),
            ),
            (
                [
                    [[0.0, 0.9447851839, 0.0, -0.9269599321, 0.0, -0.5627312042, 0.0,
                    -0.7220890378, 0.0, -4.2854526246], [0.0, -0.550984578, 0.0, -3.1381524763,
                    0.0, 2.7510395438, 0.0, 3.7446282731, 0.0, -1.7597183747]], [[0.0, 0.0, 0.0,
                    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                    0.0, 0.0]]
                ],
                (
                    "Likely cause: your result equals the first sample's input gradient, with "
                    "zeros for the other samples; see the handout, section \"Averaging over "
                    "the batch, or using only the first sample\" (#mistake-batch-sum)."
                ),
            ),
            (
                [
                    [[0.0, 0.4723925919, 0.0, -0.4634799661, 0.0, -0.2813656021, 0.0,
                    -0.3610445189, 0.0, -2.1427263123], [0.0, -0.275492289, 0.0, -1.5690762382,
                    0.0, 1.3755197719, 0.0, 1.8723141366, 0.0, -0.8798591874]], [[0.0,
                    0.0254997663, 0.0, 1.3589755444, 0.0, 2.0576557327, 0.0, 2.0490858663, 0.0,
                    0.0248602185], [0.0, -2.4722722624, 0.0, -3.3412927913, 0.0, -1.1961337759,
                    0.0, -0.4014559281, 0.0, -0.1311552454]]
                ],
                (
                    "Likely cause: your result equals the input gradient divided by the batch "
                    "size (each sample's gradient needs no averaging); see the handout, "
                    "section \"Averaging over the batch, or using only the first sample\" "
                    "(#mistake-batch-sum)."
                ),
            ),
            (
                [
                    [[0.0, 1.8280240796, 0.0, -3.2360842805, 0.0, -4.7213223103, 0.0,
                    -0.6224753856, 0.0, 5.5013124506], [0.0, -2.1408537307, 0.0, 1.5642423132,
                    0.0, 0.4106045341, 0.0, -5.7700076659, 0.0, -0.9538061236]], [[0.0,
                    4.8013663989, 0.0, -1.6494985473, 0.0, -9.3232132269, 0.0, 0.0860356743,
                    0.0, -0.242698829], [0.0, 0.7480968279, 0.0, 4.2761506673, 0.0,
                    3.2098258971, 0.0, 5.223527804, 0.0, 1.3343453093]]
                ],
                (
                    "Likely cause: your result equals the input gradient computed with "
                    "w.reshape(C_in*K, C_out) where the transpose of w.reshape(C_out, C_in*K) "
                    "is needed (the filter entries get scrambled across channels); see the "
                    "handout, section \"Mixing up the channel axes\" (#mistake-channels)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (2, 2, 4): (
                "Likely cause: your result has width W_out, one entry per output position: "
                "dL/dx has one entry per input, input_length in all; see the handout, section "
                "\"Conclusion 2: the gradient with respect to the input\" (#conclusion-2)."
            ),
            (2, 2, 11): (
                "Likely cause: your result is W + padding wide: the padding was cropped at one "
                "end only; see the handout, section \"Padding on one side, or cropping the "
                "wrong part\" (#mistake-padding)."
            ),
            (2, 2, 12): (
                "Likely cause: your result is W + 2*padding wide: none of the padding was "
                "cropped away; see the handout, section \"Padding on one side, or cropping the "
                "wrong part\" (#mistake-padding)."
            ),
            (2, 3, 4): (
                "Likely cause: your result has the shape of delta, one entry per output "
                "position; see the handout, section \"Conclusion 2: the gradient with respect "
                "to the input\" (#conclusion-2)."
            ),
            (2, 3, 10): (
                "Likely cause: your result has C_out channels instead of C_in: dL/dx sums over "
                "the output channels and has the shape of x, (N, C_in, W); see the handout, "
                "section \"Mixing up the channel axes\" (#mistake-channels)."
            ),
            (3, 2, 3): (
                "Likely cause: your result has the shape of w; see the handout, section "
                "\"Conclusion 2: the gradient with respect to the input\" (#conclusion-2)."
            ),
        },
        "index errors": {  # (axis, size, lowest, highest index): what the autograder says
            (1, 2, 2, 2): (
                "Likely cause: your code used an output-channel index on an input-channel "
                "axis, or the reverse: w is laid out (C_out, C_in, K); see the handout, "
                "section \"Mixing up the channel axes\" (#mistake-channels)."
            ),
            (None, 9, 9, None): (
                "Likely cause: your code sized the padded gradient from delta, (W_out - "
                "1)*stride + K positions, instead of input_length + 2*padding; see the "
                "handout, section \"Padding on one side, or cropping the wrong part\" "
                "(#mistake-padding)."
            ),
            (None, 12, 12, None): (
                "Likely cause: your code wrote past the end of the padded gradient: output t's "
                "deltas land at t*stride + k*dilation, at most (W_out - 1)*stride + (K - "
                "1)*dilation; see the handout, section \"Conclusion 2: the gradient with "
                "respect to the input\" (#conclusion-2)."
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
                [
                    [[-0.0166639377, 0.5069148556, 0.15082027, -2.0093523614, -0.4142190831,
                    1.9369072166, -1.1193356883, -1.8786105091]]
                ],
                (
                    "Likely cause: your result equals the input gradient computed with the "
                    "filter not flipped; see the handout, section \"Forgetting to flip the "
                    "filter\" (#mistake-flip)."
                ),
            ),
            (
                [[[]]],
                (
                    "Likely cause: your result is empty, as a crop like dxpad[:, :, "
                    "padding:-padding] is when padding is 0 (or any slice whose start is past "
                    "its stop); see the handout, section \"Padding on one side, or cropping "
                    "the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[-0.1015208571, -2.1690626789, 0.1679596606, 1.7412608335, -1.5633507867,
                    -1.5648189844, 0.0527711848]]
                ],
                (
                    "Likely cause: your result equals the padded gradient cropped from "
                    "position padding + 1, one place too far right; see the handout, section "
                    "\"Padding on one side, or cropping the wrong part\" (#mistake-padding)."
                ),
            ),
            (
                [
                    [[0.5932223906, -0.5918114102, -1.663274345, 1.5260098671, 0.4333113461,
                    -1.8786105091, -1.5526470344, 0.0527711848]]
                ],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
            (
                [
                    [[0.5932223906, 0.4902905531, -0.0166639377, 0.0166243025, 0.0467222756,
                    -0.0428664422, -0.01217195, 0.0527711848]]
                ],
                (
                    "Likely cause: your result equals the input gradient with = instead of += "
                    "(an input read by several outputs keeps only one of its contributions); "
                    "see the handout, section \"Overwriting instead of accumulating\" "
                    "(#mistake-accumulate)."
                ),
            ),
        ],
        "shapes": {  # an answer of a wrong shape: what the autograder says
            (1, 1, 3): (
                "Likely cause: your result has the shape of w; see the handout, section "
                "\"Conclusion 2: the gradient with respect to the input\" (#conclusion-2)."
            ),
            (1, 1, 6): (
                "Likely cause (this case cannot tell them apart): your result has width W_out, "
                "one entry per output position: dL/dx has one entry per input, input_length in "
                "all; see the handout, section \"Conclusion 2: the gradient with respect to "
                "the input\" (#conclusion-2). Or: your result has the shape of delta, one "
                "entry per output position; see the handout, section \"Conclusion 2: the "
                "gradient with respect to the input\" (#conclusion-2)."
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
