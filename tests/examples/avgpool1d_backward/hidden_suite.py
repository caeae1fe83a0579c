"""Hidden tests for avgpool1d_backward (save as tests/hidden/test_avgpool1d_backward.py).

Each case draws random problems from `rng` (seeded per submission) and compares the answer
with the reference's, through the generic `check(fn, *arguments, **settings)`.
"""

import numpy as np
from cnn_backprop.checks import check
from cnn_backprop.suite import case

OK_FORMAT = False
name = "avgpool1d_backward"


def problem(rng, kernel_size, stride):
    """x and delta for a random batch of pooling inputs, with at least one window."""
    n, c = (int(v) for v in rng.integers(1, 4, size=2))
    width = kernel_size + (stride or kernel_size) * int(rng.integers(0, 4))
    width += int(rng.integers(0, 2))  # sometimes a trailing input that no window reads
    w_out = (width - kernel_size) // (stride or kernel_size) + 1
    return rng.standard_normal((n, c, width)), rng.standard_normal((n, c, w_out))


@case(points=1)
def test_non_overlapping(avgpool1d_backward, rng):
    for _ in range(3):
        k = int(rng.integers(1, 5))
        x, delta = problem(rng, k, None)
        check(avgpool1d_backward, x, delta, k)


@case(points=1)
def test_overlapping(avgpool1d_backward, rng):
    for _ in range(3):
        k = int(rng.integers(2, 5))
        stride = int(rng.integers(1, k))
        x, delta = problem(rng, k, stride)
        check(avgpool1d_backward, x, delta, k, stride=stride)


@case(points=1)
def test_float32(avgpool1d_backward, rng):
    x, delta = problem(rng, 3, 2)
    check(avgpool1d_backward, x.astype(np.float32), delta.astype(np.float32), 3, stride=2)
