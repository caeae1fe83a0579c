"""Hidden tests for conv1d_backward_w, run by the autograder (never shipped to students).

Each case draws a few random problems with one feature of the contract from `rng` (seeded per
submission) and compares the answer with the reference.  Every call also checks the exact
output shape, finiteness, and that the inputs were left unmodified.
"""

import numpy as np
from cnn_backprop.cases import draw_conv
from cnn_backprop.checks import check_conv1d_backward_w as check
from cnn_backprop.suite import case

OK_FORMAT = False
name = "conv1d_backward_w"
DRAWS = 3


@case(points=1)
def test_note_setting(conv1d_backward_w, rng):
    """The note's setting: one sample, one channel, W=6, K=3, stride 1."""
    check(conv1d_backward_w, draw_conv(rng, n=1, c_in=1, c_out=1, kernel_size=3, outputs=4))


@case(points=1, needs=("batch", "channels"))
def test_batch_and_channels(conv1d_backward_w, rng):
    for _ in range(DRAWS):
        n, c_in, c_out = (int(v) for v in rng.integers(2, 5, size=3))
        check(conv1d_backward_w, draw_conv(rng, n=n, c_in=c_in, c_out=c_out))


@case(points=1)
def test_kernel_size_1(conv1d_backward_w, rng):
    for _ in range(DRAWS):
        check(conv1d_backward_w, draw_conv(rng, kernel_size=1))


@case(points=1)
def test_kernel_spans_input(conv1d_backward_w, rng):
    """The (dilated) kernel covers the whole padded input: a single output position."""
    for _ in range(DRAWS):
        padding, dilation = int(rng.integers(0, 2)), int(rng.integers(1, 3))
        check(
            conv1d_backward_w,
            draw_conv(
                rng,
                outputs=1,
                unread=0,
                kernel_size=int(rng.integers(2, 6)),
                padding=padding,
                dilation=dilation,
            ),
        )


@case(points=1, needs=("stride",))
def test_stride(conv1d_backward_w, rng):
    """Stride 2-4, including widths whose trailing inputs no window reads."""
    for stride in (2, 3, 4):
        check(conv1d_backward_w, draw_conv(rng, stride=stride, unread=int(rng.integers(1, stride))))


@case(points=1, needs=("padding",))
def test_padding(conv1d_backward_w, rng):
    for padding in (1, 2, 3):
        check(conv1d_backward_w, draw_conv(rng, padding=padding))


@case(points=1, needs=("dilation",))
def test_dilation(conv1d_backward_w, rng):
    for dilation in (2, 3):
        check(
            conv1d_backward_w,
            draw_conv(rng, dilation=dilation, kernel_size=int(rng.integers(2, 5))),
        )


@case(points=1, needs=("float32",))
def test_float32(conv1d_backward_w, rng):
    """float32 inputs: a float32 or float64 answer is accepted (tolerance 1e-4 of scale)."""
    for _ in range(DRAWS):
        check(conv1d_backward_w, draw_conv(rng, dtype=np.float32, stride=int(rng.integers(1, 3))))


@case(points=1, needs=("batch", "stride", "padding", "dilation"))
def test_everything_at_once(conv1d_backward_w, rng):
    """Batch, channels, stride, padding and dilation together."""
    for _ in range(DRAWS):
        stride, padding, dilation = (int(v) for v in rng.integers(1, 4, size=3))
        check(
            conv1d_backward_w,
            draw_conv(
                rng,
                n=int(rng.integers(2, 4)),
                stride=stride,
                padding=padding,
                dilation=dilation,
                kernel_size=int(rng.integers(2, 5)),
            ),
        )
