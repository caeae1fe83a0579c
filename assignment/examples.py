"""The handout's worked examples: the one place where their numbers are written down.

Each entry names a function of ``solutions/reference.py`` and the arguments of one worked
example.  The build evaluates them with the reference and fills the ``{{ value: NAME.FIELD }}``
placeholders of ``handout.md`` and the figures from the results, so the text, the figures and
the graded behaviour cannot disagree.  Arrays are one sample and one channel, ``(1, 1, W)``,
like the note's vectors.  The fields a placeholder can name are listed in
``cnn_backprop.figures.Example``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def row(*values: float) -> np.ndarray:
    """A 1-D vector of the note as a ``(1, 1, W)`` float64 array."""
    return np.array(values, dtype=np.float64).reshape(1, 1, -1)


# The note's small network: inputs p0..p5, filter w0..w2, conv deltas s0..s3, pool input z0..z5.
P = row(1, 2, 3, 4, 5, 6)
W = row(1, 2, 3)
S = row(1, 0, -1, 2)
Z = row(1, 5, 2, -1, -3, 0.5)

EXAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    # Conclusion 1, equations (5)-(9)
    "conv_w": ("conv1d_backward_w", {"x": P, "delta": S, "kernel_size": 3}),
    # Conclusion 1 with stride and padding
    "conv_w_strided": (
        "conv1d_backward_w",
        {"x": P, "delta": row(1, 2, 1), "kernel_size": 3, "stride": 2, "padding": 1},
    ),
    # Conclusion 2, equations (10)-(17) and the note's Figure 3
    "conv_x": ("conv1d_backward_input", {"delta": S, "w": W, "input_length": 6}),
    # stride 2: two input widths give the same three outputs
    "conv_x_stride": (
        "conv1d_backward_input",
        {"delta": row(1, -1, 2), "w": W, "input_length": 7, "stride": 2},
    ),
    "conv_x_stride_long": (
        "conv1d_backward_input",
        {"delta": row(1, -1, 2), "w": W, "input_length": 8, "stride": 2},
    ),
    "conv_x_padding": (
        "conv1d_backward_input",
        {"delta": row(1, 0, -1, 2, 1, 1), "w": W, "input_length": 6, "padding": 1},
    ),
    "conv_x_dilation": (
        "conv1d_backward_input",
        {"delta": row(1, 2), "w": W, "input_length": 6, "dilation": 2},
    ),
    # Conclusion 3, equations (18)-(23)
    "pool": ("maxpool1d_backward", {"x": Z, "delta": row(10, 20), "kernel_size": 3}),
    "pool_overlap": (
        "maxpool1d_backward",
        {"x": row(1, 5, 2, 0, 3), "delta": row(1, 2, 3), "kernel_size": 3, "stride": 1},
    ),
    "pool_gaps": (
        "maxpool1d_backward",
        {"x": row(4, 1, 3, 9, 2, 8, 6), "delta": row(1, 2), "kernel_size": 2, "stride": 3},
    ),
    "pool_padding": (
        "maxpool1d_backward",
        {"x": row(-3, -1, -2, -5), "delta": row(1, 2, 3), "kernel_size": 2, "padding": 1},
    ),
    "pool_tie": (
        "maxpool1d_backward",
        {"x": row(2, 7, 7, 1, 7, 0), "delta": row(10, 20), "kernel_size": 3},
    ),
    "pool_tie_overlap": (
        "maxpool1d_backward",
        {"x": row(4, 4, 4), "delta": row(1, 1), "kernel_size": 2, "stride": 1},
    ),
    # everything at once (Figure 5): overlapping windows, a tie, an all-negative window
    "pool_routing": (
        "maxpool1d_backward",
        {
            "x": row(2, 7, 7, 1, 8, 3, -3, -1, -2),
            "delta": row(10, 20, 30, 40),
            "kernel_size": 3,
            "stride": 2,
        },
    ),
}
