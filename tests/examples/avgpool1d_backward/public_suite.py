"""Public tests for avgpool1d_backward: what `grader.check("avgpool1d_backward")` runs.

(Save as tests/public/test_avgpool1d_backward.py.)  Each test calls your function on a small
case worked out by hand and checks its answer as the autograder does.
"""

import numpy as np

# the build writes the students' copy without these (see cnn_backprop/public.py)
from cnn_backprop.public_check import check
from cnn_backprop.suite import case

OK_FORMAT = False
name = "avgpool1d_backward"


@case(0.5, hidden=False, name="shared equally")
def test_shared_equally(avgpool1d_backward):
    """Window 2, stride 2 over four inputs: each delta is halved between its two inputs."""
    x = np.zeros((1, 1, 4))
    expected = [[[1.0, 1.0, 2.0, 2.0]]]
    check("window 2, stride 2", avgpool1d_backward, (x, np.array([[[2.0, 4.0]]]), 2), expected)


@case(0.5, hidden=False, name="overlapping windows")
def test_overlapping_windows(avgpool1d_backward):
    """Window 2, stride 1 over three inputs: the middle one is in both windows."""
    x = np.zeros((1, 1, 3))
    expected = [[[1.0, 3.0, 2.0]]]
    check(
        "window 2, stride 1",
        avgpool1d_backward,
        (x, np.array([[[2.0, 4.0]]]), 2),
        expected,
        stride=1,
    )
