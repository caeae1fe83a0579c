"""Public tests for conv1d_backward_w: what `grader.check("conv1d_backward_w")` runs.

Each test calls your function on a small case and checks its answer as the autograder does
(`check`, below): the exact shape, finite values within the tolerance of the inputs' dtype, and
inputs left unchanged.  Expected values come from the note's equations (5)-(7) written out, and
from probing the given forward function with unit filters (the loss is linear in w, so this is
exact, not a finite difference).  When your answer is what a common mistake returns, the
failure names the likely cause and the handout's section about it.
"""

import numpy as np

# the build writes the students' copy without these (see cnn_backprop/public.py)
from cnn_backprop.public_check import check
from cnn_backprop.suite import case

OK_FORMAT = False
name = "conv1d_backward_w"


@case(0.5, hidden=False, name="note example")
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


def probed(conv1d_forward, x, w, grad_z, **settings):
    """dL/dw[o, c, k] = L evaluated with a filter that is 1 at (o, c, k) and 0 elsewhere."""
    x64, grad_z64 = x.astype(np.float64), grad_z.astype(np.float64)
    units = np.eye(w.size).reshape(w.size, *w.shape)
    return np.reshape(
        [np.sum(conv1d_forward(x64, u, **settings) * grad_z64) for u in units], w.shape
    )


@case(
    0.25,
    hidden=False,
    name="batch, channels, stride, padding, dilation",
    needs=("batch", "channels", "stride", "padding", "dilation"),
)
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


@case(0.25, hidden=False, name="float32 inputs", needs=("float32",))
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
