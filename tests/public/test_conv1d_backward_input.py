"""Public tests for conv1d_backward_input: what `grader.check("conv1d_backward_input")` runs.

Each test calls your function on a small case and checks its answer as the autograder does
(`check`, below): the exact shape, finite values within the tolerance of the inputs' dtype, and
inputs left unchanged.  Expected values come from the note's equations (10)-(15) written out,
and from probing the given forward function with unit inputs (the loss is linear in x, so this
is exact).  When your answer is what a common mistake returns, the failure names the likely
cause and the handout's section about it.
"""

import numpy as np

# the build writes the students' copy without these (see cnn_backprop/public.py)
from cnn_backprop.public_check import check
from cnn_backprop.suite import case

OK_FORMAT = False
name = "conv1d_backward_input"


@case(0.5, hidden=False, name="note example")
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


def probed(conv1d_forward, x, w, grad_z, **settings):
    """dL/dx[n, c, i] = L evaluated with an input that is 1 at (n, c, i) and 0 elsewhere."""
    w64, grad_z64 = w.astype(np.float64), grad_z.astype(np.float64)
    units = np.eye(x.size).reshape(x.size, *x.shape)
    return np.reshape(
        [np.sum(conv1d_forward(u, w64, **settings) * grad_z64) for u in units], x.shape
    )


@case(
    0.25,
    hidden=False,
    name="batch, channels, stride, padding, dilation",
    needs=("batch", "channels", "stride", "padding", "dilation"),
)
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


@case(0.25, hidden=False, name="float32 inputs", needs=("float32",))
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
