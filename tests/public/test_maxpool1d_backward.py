"""Public tests for maxpool1d_backward: what `grader.check("maxpool1d_backward")` runs.

Each test calls your function on a small case and checks its answer as the autograder does
(`check`, below): the exact shape, finite values within the tolerance of the inputs' dtype, and
inputs left unchanged.  Expected values are the note's equations (18)-(23) and small examples
worked out by hand, with ties broken by this course's rule.  When your answer is what a common
mistake returns, the failure names the likely cause and the handout's section about it.
"""

import numpy as np

# the build writes the students' copy without these (see cnn_backprop/public.py)
from cnn_backprop.public_check import check
from cnn_backprop.suite import by_tie_rule, case

OK_FORMAT = False
name = "maxpool1d_backward"


@case(0.2, hidden=False, name="note example")
def test_note_example(maxpool1d_backward):
    """The note's Figure 4: z0..z5, window 3, stride 3 (equations 18-23)."""
    z = np.array([[[1.0, 5.0, 2.0, -1.0, -3.0, 0.5]]])
    d_y = np.array([[[10.0, 20.0]]])
    # y0 = max(z0, z1, z2) = z1 and y1 = max(z3, z4, z5) = z5 win their windows
    expected = [[[0.0, 10.0, 0.0, 0.0, 0.0, 20.0]]]
    check("note example, window 3, stride 3", maxpool1d_backward, (z, d_y, 3), expected)


@case(0.2, hidden=False, name="ties and overlapping windows", needs=("stride",))
def test_ties_and_overlap(maxpool1d_backward):
    """Window 3, stride 1 over [3, 1, 3, 2, 2]: a tie, and one input winning two windows."""
    x = np.array([[[3.0, 1.0, 3.0, 2.0, 2.0]]])
    a, b, c = 1.0, 10.0, 100.0
    # window [3, 1, 3] ties x0 and x2 and routes a by the tie rule; windows [1, 3, 2] and
    # [3, 2, 2] are both won by x2, so b + c accumulate there whatever the rule
    expected = by_tie_rule(
        first=[[[a, 0.0, b + c, 0.0, 0.0]]],
        all=[[[a, 0.0, a + b + c, 0.0, 0.0]]],
        split=[[[a / 2, 0.0, a / 2 + b + c, 0.0, 0.0]]],
    )
    check(
        "ties and overlapping windows, window 3, stride 1",
        maxpool1d_backward,
        (x, np.array([[[a, b, c]]]), 3),
        expected,
        stride=1,
    )


@case(0.2, hidden=False, name="many ties")
def test_many_ties(maxpool1d_backward):
    """Every window ties, one of them all zeros and one all negative: window 3, stride 3."""
    x = np.array([[[2.0, 2.0, 1.0, 0.0, 0.0, 0.0, 3.0, 1.0, 3.0, -2.0, -1.0, -1.0]]])
    d_y = np.array([[[1.0, 2.0, 4.0, 8.0]]])
    # windows [2, 2, 1], [0, 0, 0], [3, 1, 3] and [-2, -1, -1], with deltas 1, 2, 4 and 8
    expected = by_tie_rule(
        first=[[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 8.0, 0.0]]],
        all=[[[1.0, 1.0, 0.0, 2.0, 2.0, 2.0, 4.0, 0.0, 4.0, 0.0, 8.0, 8.0]]],
        split=[[[0.5, 0.5, 0.0, 2 / 3, 2 / 3, 2 / 3, 2.0, 0.0, 2.0, 0.0, 4.0, 4.0]]],
    )
    check("many ties, window 3, stride 3", maxpool1d_backward, (x, d_y, 3), expected)


@case(0.2, hidden=False, name="padding never wins", needs=("padding",))
def test_padding(maxpool1d_backward):
    """-inf padding never wins, even over negative inputs: window 2, padding 1, stride 2."""
    x = np.array([[[-3.0, -1.0, -2.0, -5.0]]])
    d_y = np.array([[[1.0, 2.0, 3.0]]])
    # padded: [-inf, -3, -1, -2, -5, -inf]; windows {-inf, -3}, {-1, -2} and {-5, -inf}
    expected = [[[1.0, 2.0, 0.0, 3.0]]]
    check("padding 1, window 2, stride 2", maxpool1d_backward, (x, d_y, 2), expected, padding=1)


@case(0.2, hidden=False, name="float32 inputs", needs=("float32",))
def test_float32_inputs(maxpool1d_backward):
    """float32 inputs, as the hidden tests also use: float32 or float64 answers pass."""
    x = np.array([[[0.5, -1.25, 2.0, 0.75, -0.5, 1.5, -3.0]]], dtype=np.float32)
    d_y = np.array([[[0.1, 0.2, 0.3]]], dtype=np.float32)
    # windows [0.5, -1.25], [2.0, 0.75] and [-0.5, 1.5]: -3.0 is in no window
    expected = [[[0.1, 0.0, 0.2, 0.0, 0.0, 0.3, 0.0]]]
    check("float32 inputs, window 2, stride 2", maxpool1d_backward, (x, d_y, 2), expected)
