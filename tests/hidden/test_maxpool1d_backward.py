"""Hidden tests for maxpool1d_backward, run by the autograder (never shipped to students).

Each case draws a few random problems with one feature of the contract from `rng` (seeded per
submission) and compares the answer with the reference: ties go to the first maximum,
overlapping windows accumulate, padding and unreached inputs get zero.
"""

import numpy as np
from cnn_backprop.cases import draw_pool
from cnn_backprop.checks import check_maxpool1d_backward as check
from cnn_backprop.suite import case

OK_FORMAT = False
name = "maxpool1d_backward"
DRAWS = 3


@case(points=0.5)
def test_note_setting(maxpool1d_backward, rng):
    """The note's Figure 4: one sample, one channel, window 3, stride 3, W=6."""
    check(
        maxpool1d_backward, draw_pool(rng, kernel_size=3, stride=3, n=1, c=1, outputs=2, unread=0)
    )


@case(points=0.5, needs=("batch", "channels"))
def test_batch_and_channels(maxpool1d_backward, rng):
    for _ in range(DRAWS):
        n, c = (int(v) for v in rng.integers(2, 5, size=2))
        check(maxpool1d_backward, draw_pool(rng, n=n, c=c, stride=int(rng.integers(1, 4))))


@case(points=0.5)
def test_kernel_size_1(maxpool1d_backward, rng):
    for stride in (1, 2):
        check(maxpool1d_backward, draw_pool(rng, kernel_size=1, stride=stride))


@case(points=0.5)
def test_window_spans_input(maxpool1d_backward, rng):
    for _ in range(DRAWS):
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=int(rng.integers(2, 6)), outputs=1, unread=0),
        )


@case(points=1, needs=("stride",))
def test_overlapping_windows(maxpool1d_backward, rng):
    """Stride < window: an input that wins several windows collects all their deltas."""
    for _ in range(DRAWS):
        k = int(rng.integers(2, 5))
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=k, stride=int(rng.integers(1, k)), values="ints"),
        )


@case(points=0.5, needs=("stride",))
def test_gaps_between_windows(maxpool1d_backward, rng):
    """Stride > window: inputs between windows get zero."""
    for _ in range(DRAWS):
        k = int(rng.integers(1, 4))
        check(maxpool1d_backward, draw_pool(rng, kernel_size=k, stride=k + int(rng.integers(1, 3))))


@case(points=0.5)
def test_trailing_remainder(maxpool1d_backward, rng):
    """Widths that leave inputs after the last window: they get zero."""
    for k in (2, 3, 4):
        check(maxpool1d_backward, draw_pool(rng, kernel_size=k, unread=int(rng.integers(1, k))))


@case(points=1)
def test_ties(maxpool1d_backward, rng):
    """Small-integer inputs: many ties, each delta goes to the first maximum of its window."""
    for _ in range(DRAWS):
        k = int(rng.integers(2, 5))
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=k, stride=int(rng.integers(1, k + 1)), values="ints"),
        )


@case(points=1)
def test_constant_windows(maxpool1d_backward, rng):
    for _ in range(DRAWS):
        k = int(rng.integers(2, 5))
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=k, stride=int(rng.integers(1, k + 1)), values="constant"),
        )


@case(points=1)
def test_all_negative(maxpool1d_backward, rng):
    """Every input below zero: a running max started at 0 never finds a winner."""
    for _ in range(DRAWS):
        k = int(rng.integers(2, 5))
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=k, stride=int(rng.integers(1, k + 1)), values="negative"),
        )


@case(points=1, needs=("padding",))
def test_padding(maxpool1d_backward, rng):
    """-inf padding (at most kernel_size // 2) is never a winner, even over negative inputs."""
    for values in ("negative", "ints", "normal"):
        k = int(rng.integers(2, 6))
        check(
            maxpool1d_backward,
            draw_pool(
                rng,
                kernel_size=k,
                stride=int(rng.integers(1, k + 1)),
                padding=int(rng.integers(1, k // 2 + 1)),
                values=values,
            ),
        )


@case(points=0.5)
def test_default_stride(maxpool1d_backward, rng):
    """stride not given: it defaults to kernel_size (non-overlapping windows)."""
    for _ in range(DRAWS):
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=int(rng.integers(2, 5)), stride=None, values="ints"),
        )


@case(points=0.5, needs=("float32",))
def test_float32(maxpool1d_backward, rng):
    for _ in range(DRAWS):
        k = int(rng.integers(2, 4))
        check(
            maxpool1d_backward,
            draw_pool(rng, kernel_size=k, stride=int(rng.integers(1, k + 1)), dtype=np.float32),
        )
