"""Public tests for conv1d_backward_w: what `grader.check("conv1d_backward_w")` runs.

Self-contained (numpy and otter only): they run in the student's notebook, where neither the
reference solution nor the grading package exists.  Expected values come from the note's
equations (5)-(7) written out, and from probing the given forward function with unit filters
(the loss is linear in w, so this is exact, not a finite difference).
"""

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "conv1d_backward_w"
# the course features each case needs (the build drops a case whose features are off)
NEEDS = {
    "batch, channels, stride, padding, dilation": (
        "batch",
        "channels",
        "stride",
        "padding",
        "dilation",
    )
}


def _expect(got, expected, what):
    got = np.asarray(got, dtype=float)
    assert got.shape == np.shape(expected), (
        f"{what}: shape {got.shape}, expected {np.shape(expected)}"
    )
    error = np.abs(got - expected).max()
    assert error < 1e-8, (
        f"{what}: off by up to {error:.3g}\n got      {got.ravel()}\n expected {np.ravel(expected)}"
    )


def test_note_example(conv1d_backward_w):
    """The note's worked example: p0..p5, deltas s0..s3, K = 3 (equations 5-7)."""
    p = np.array([2.0, -1.0, 3.0, 0.5, 1.0, -2.0])
    s = np.array([1.0, -2.0, 0.5, 3.0])
    expected = [
        s[0] * p[0] + s[1] * p[1] + s[2] * p[2] + s[3] * p[3],  # (5)
        s[0] * p[1] + s[1] * p[2] + s[2] * p[3] + s[3] * p[4],  # (6)
        s[0] * p[2] + s[1] * p[3] + s[2] * p[4] + s[3] * p[5],  # (7)
    ]
    got = conv1d_backward_w(p.reshape(1, 1, 6), s.reshape(1, 1, 4), 3)
    _expect(got, np.reshape(expected, (1, 1, 3)), "note example, dL/dw = p (x) s")


def test_batch_channels_stride_padding_dilation(conv1d_backward_w, conv1d_forward):
    """N=2, C_in=2, C_out=3, K=3, stride 2, padding 1, dilation 2, one trailing input unread."""
    rng = np.random.default_rng(2023)
    x, w = rng.standard_normal((2, 2, 10)), rng.standard_normal((3, 2, 3))
    settings = dict(stride=2, padding=1, dilation=2)
    grad_z = rng.standard_normal(conv1d_forward(x, w, **settings).shape)
    # dL/dw[o, c, k] = L evaluated with a filter that is 1 at (o, c, k) and 0 elsewhere
    units = np.eye(w.size).reshape(w.size, *w.shape)
    expected = [np.sum(conv1d_forward(x, u, **settings) * grad_z) for u in units]
    got = conv1d_backward_w(x, grad_z, 3, **settings)
    _expect(
        got, np.reshape(expected, w.shape), "N=2, C_in=2, C_out=3, stride 2, padding 1, dilation 2"
    )


_otter_note_example = test_case(name="note example", points=0.5)(test_note_example)
_otter_small = test_case(name="batch, channels, stride, padding, dilation", points=0.5)(
    test_batch_channels_stride_padding_dilation
)
