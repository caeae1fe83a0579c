"""Public tests for maxpool1d_backward: what `grader.check("maxpool1d_backward")` runs.

Self-contained (numpy and otter only).  Expected values are the note's equations (18)-(23)
and a small hand-worked example of ties and overlapping windows.
"""

import numpy as np
from otter.test_files import test_case

OK_FORMAT = False
name = "maxpool1d_backward"
# the course features each case needs (the build drops a case whose features are off)
NEEDS = {"ties and overlapping windows": ("stride",)}
TIE_RULE = "first"  # this course's tie rule: the build writes the configured one here


def _expect(got, expected, what):
    got = np.asarray(got, dtype=float)
    assert got.shape == np.shape(expected), (
        f"{what}: shape {got.shape}, expected {np.shape(expected)}"
    )
    error = np.abs(got - expected).max()
    assert error < 1e-8, (
        f"{what}: off by up to {error:.3g}\n got      {got.ravel()}\n expected {np.ravel(expected)}"
    )


def test_note_example(maxpool1d_backward):
    """The note's Figure 4: z0..z5, window 3, stride 3 (equations 18-23)."""
    z = np.array([[[1.0, 5.0, 2.0, -1.0, -3.0, 0.5]]])
    d_y = np.array([[[10.0, 20.0]]])
    # y0 = max(z0, z1, z2) = z1 and y1 = max(z3, z4, z5) = z5 win their windows
    expected = [[[0.0, 10.0, 0.0, 0.0, 0.0, 20.0]]]
    _expect(maxpool1d_backward(z, d_y, 3), expected, "note example, window 3, stride 3")


def test_ties_and_overlap(maxpool1d_backward):
    """Window 3, stride 1 over [3, 1, 3, 2, 2]: a tie, and one input winning two windows."""
    x = np.array([[[3.0, 1.0, 3.0, 2.0, 2.0]]])
    a, b, c = 1.0, 10.0, 100.0
    # window [3, 1, 3] ties x0 and x2; windows [1, 3, 2] and [3, 2, 2] are both won by x2,
    # so b + c accumulate at x2 whatever the rule
    expected = {
        "first": [[[a, 0.0, b + c, 0.0, 0.0]]],  # the first 3 takes a
        "all": [[[a, 0.0, a + b + c, 0.0, 0.0]]],  # both 3s take a
        "split": [[[a / 2, 0.0, a / 2 + b + c, 0.0, 0.0]]],  # the 3s share a
    }[TIE_RULE]
    got = maxpool1d_backward(x, np.array([[[a, b, c]]]), 3, stride=1)
    _expect(got, expected, f"tie rule '{TIE_RULE}'; overlapping windows accumulate")


_otter_note_example = test_case(name="note example", points=0.5)(test_note_example)
_otter_ties = test_case(name="ties and overlapping windows", points=0.5)(test_ties_and_overlap)
