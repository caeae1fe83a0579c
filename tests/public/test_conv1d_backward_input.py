"""Public tests for conv1d_backward_input: what `grader.check("conv1d_backward_input")` runs.

Self-contained (numpy and otter only), like the other public tests.  Expected values come from
the note's equations (10)-(15) written out, and from probing the given forward function with
unit inputs (the loss is linear in x, so this is exact).
"""

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "conv1d_backward_input"
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
    got = conv1d_backward_input(s.reshape(1, 1, 4), w.reshape(1, 1, 3), 6)
    _expect(got, np.reshape(expected, (1, 1, 6)), "note example, dL/dp = s * flip(w), full padding")


def test_batch_channels_stride_padding_dilation(conv1d_backward_input, conv1d_forward):
    """N=2, C_in=2, C_out=3, K=3, stride 2, padding 1, dilation 2, one trailing input unread."""
    rng = np.random.default_rng(2023)
    x, w = rng.standard_normal((2, 2, 10)), rng.standard_normal((3, 2, 3))
    settings = dict(stride=2, padding=1, dilation=2)
    grad_z = rng.standard_normal(conv1d_forward(x, w, **settings).shape)
    # dL/dx[n, c, i] = L evaluated with an input that is 1 at (n, c, i) and 0 elsewhere
    units = np.eye(x.size).reshape(x.size, *x.shape)
    expected = [np.sum(conv1d_forward(u, w, **settings) * grad_z) for u in units]
    got = conv1d_backward_input(grad_z, w, 10, **settings)
    _expect(
        got, np.reshape(expected, x.shape), "N=2, C_in=2, C_out=3, stride 2, padding 1, dilation 2"
    )


_otter_note_example = test_case(name="note example", points=0.5)(test_note_example)
_otter_small = test_case(name="batch, channels, stride, padding, dilation", points=0.5)(
    test_batch_channels_stride_padding_dilation
)
