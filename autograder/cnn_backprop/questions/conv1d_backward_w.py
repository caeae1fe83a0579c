"""Question ``conv1d_backward_w``: dL/dw, the inputs correlated with the deltas.

Its cases are ``ConvCase`` problems, called as ``(x, delta, K, stride=, padding=, dilation=)``; its
catalogue of mistakes is the data below, each with the trusted computation of what it returns.
"""

from __future__ import annotations

import numpy as np

from ..cases import ConvCase
from ..diagnosis import Catalogue, Transform, causes, one_story
from .conv import ConvProblems, conv_w, scaled

PROBLEMS = ConvProblems("w")
_EQ_W = "your result equals the filter gradient"

CAUSES = causes(
    (
        "w.stride",
        "mistake-stride",
        f"{_EQ_W} computed as if the stride were 1 (delta t paired with the inputs from "
        "position t instead of t*stride)",
    ),
    (
        "w.dilation",
        "mistake-dilation",
        f"{_EQ_W} computed as if the dilation were 1 (tap k reading input t*stride + k "
        "instead of t*stride + k*dilation)",
    ),
    ("w.padding-none", "mistake-padding", f"{_EQ_W} computed on x without its zero padding"),
    ("w.padding-right", "mistake-padding", f"{_EQ_W} with x zero-padded on the right end only"),
    ("w.padding-left", "mistake-padding", f"{_EQ_W} with x zero-padded on the left end only"),
    (
        "w.padding-all-axes",
        "mistake-padding",
        f"{_EQ_W} with x padded on every axis (np.pad(x, padding) also pads the batch and "
        "channel axes)",
    ),
    (
        "w.batch-mean",
        "mistake-batch-sum",
        f"{_EQ_W} divided by the batch size (a mean over the samples instead of a sum)",
    ),
    ("w.first-sample", "mistake-batch-sum", f"{_EQ_W} of the first sample alone"),
    ("w.channels", "mistake-channels", f"{_EQ_W} with its C_out and C_in axes swapped"),
    (
        "w.flip",
        "mistake-flip",
        f"{_EQ_W} with its taps reversed (no flip belongs in dL/dw: that is Conclusion 2's)",
    ),
    (
        "w.shape-channels",
        "mistake-channels",
        "your result is laid out (C_in, C_out, K): the channel axes are swapped; dL/dw has "
        "the shape of w, (C_out, C_in, K)",
    ),
    (
        "w.shape-per-sample",
        "mistake-batch-sum",
        "your result has one filter gradient per sample, (N, C_out, C_in, K): the samples' "
        "contributions must be added",
    ),
    (
        "w.shape-taps",
        "",
        "your result has a different number of taps than kernel_size: dL/dw has the shape of "
        "w, (C_out, C_in, K)",
    ),
    (
        "w.index-unpadded",
        "mistake-padding",
        "your code read a position of the padded input from an array as wide as x itself: "
        "with padding, pad x first (positions run up to W + 2*padding - 1)",
    ),
    (
        "w.index-one-side",
        "mistake-padding",
        "your code read from an input padded on one end only (W + padding wide instead of "
        "W + 2*padding)",
    ),
    (
        "w.index-past-end",
        "",
        "your code read past the end of the padded input: output t reads positions "
        "t*stride + k*dilation, at most (W_out - 1)*stride + (K - 1)*dilation",
    ),
)


def _transposed(c: ConvCase, _: str) -> np.ndarray | None:
    dw = conv_w(c)
    return None if dw is None else dw.transpose(1, 0, 2)


def _flipped(c: ConvCase, _: str) -> np.ndarray | None:
    dw = conv_w(c)
    return None if dw is None else dw[:, :, ::-1]


TRANSFORMS: tuple[tuple[str, Transform], ...] = (
    ("w.stride", lambda c, _: conv_w(c, stride=1)),
    ("w.dilation", lambda c, _: conv_w(c, dilation=1)),
    ("w.padding-none", lambda c, _: conv_w(c, pad=(0, 0))),
    ("w.padding-right", lambda c, _: conv_w(c, pad=(0, c.padding))),
    ("w.padding-left", lambda c, _: conv_w(c, pad=(c.padding, 0))),
    ("w.padding-right", lambda c, _: conv_w(c, pad=(0, 2 * c.padding))),
    ("w.padding-left", lambda c, _: conv_w(c, pad=(2 * c.padding, 0))),
    ("w.padding-all-axes", lambda c, _: conv_w(c, pad_all_axes=True)),
    ("w.first-sample", lambda c, _: conv_w(c, samples=slice(0, 1))),
    ("w.batch-mean", lambda c, _: scaled(conv_w(c), 1 / c.x.shape[0])),
    ("w.channels", _transposed),
    ("w.flip", _flipped),
)


def shape_readings(case: ConvCase, shape: tuple[int, ...]) -> list[str]:
    n, c_in, _ = case.x.shape
    c_out, k = case.w.shape[0], case.kernel_size
    if shape == (c_out, c_in, k):
        return []
    keys = []
    if shape == (c_in, c_out, k):
        keys.append("w.shape-channels")
    if shape == (n, c_out, c_in, k):
        keys.append("w.shape-per-sample")
    if len(shape) == 3 and shape[:2] == (c_out, c_in):
        keys.append("w.shape-taps")
    if shape == case.x.shape:
        keys.append("shape-like-x")
    return keys


def error_readings(case: ConvCase, index: int, axis: int, size: int) -> list[str]:
    """An index past the end of an array as wide as x, as the input padded on one side, or as
    the padded input: each a different story, told only when the size names one thing."""
    if index < size:
        return []
    n, c_in, width = case.x.shape
    p, k, w_out = case.padding, case.kernel_size, case.delta.shape[2]
    widths = {"w.index-past-end": width + 2 * p}
    if p:
        widths["w.index-unpadded"] = width
        widths["w.index-one-side"] = width + p
    return one_story(widths, size, (n, c_in, case.w.shape[0], k, w_out))


CATALOGUE = Catalogue(
    causes=CAUSES,
    transforms=TRANSFORMS,
    shape_readings=shape_readings,
    error_readings=error_readings,
    implied_shape={"w.channels": "w.shape-channels"},
)
