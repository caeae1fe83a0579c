"""Question ``conv1d_backward_input``: dL/dx, the deltas convolved with the flipped filter.

Its cases are ``ConvCase`` problems, called as ``(delta, w, W, stride=, padding=, dilation=)``; its
catalogue of mistakes is the data below, each with the trusted computation of what it returns.
"""

from __future__ import annotations

import numpy as np

from ..cases import ConvCase
from ..diagnosis import CROPPING, Catalogue, Transform, causes, one_story
from .conv import ConvProblems, conv_x, conv_x_overwrite, f64, scaled

PROBLEMS = ConvProblems("x")
_EQ_X = "your result equals the input gradient"
_PADDED = "your result equals the padded gradient"

CAUSES = causes(
    ("x.flip", "mistake-flip", f"{_EQ_X} computed with the filter not flipped"),
    (
        "x.stride",
        "mistake-stride",
        f"{_EQ_X} computed as if the stride were 1 (no stride - 1 zeros between the deltas)",
    ),
    ("x.dilation", "mistake-dilation", f"{_EQ_X} computed as if the dilation were 1"),
    (
        "x.crop-left",
        "mistake-padding",
        f"{_PADDED}'s first W entries: the left padding was not cropped away (or the "
        "padding was ignored)",
    ),
    (
        "x.crop-late",
        "mistake-padding",
        f"{_PADDED} cropped from position padding + 1, one place too far right",
    ),
    (
        "x.crop-early",
        "mistake-padding",
        f"{_PADDED} cropped from position padding - 1, one place too far left",
    ),
    ("x.uncropped", "mistake-padding", f"{_PADDED} with none of the padding cropped away"),
    (
        "x.crop-one-side",
        "mistake-padding",
        f"{_PADDED} with the padding cropped at one end only",
    ),
    (
        "x.crop-negative",
        "mistake-padding",
        "your result is empty, as a crop like dxpad[:, :, padding:-padding] is when padding "
        "is 0 (or any slice whose start is past its stop)",
    ),
    (
        "x.missing-unread",
        "mistake-padding",
        "your result stops at the last input that a window reads: the trailing inputs that "
        "no window reads are missing (they get zero, but the result needs input_length entries)",
    ),
    (
        "x.overwrite",
        "mistake-accumulate",
        f"{_EQ_X} with = instead of += (an input read by several outputs keeps only one of "
        "its contributions)",
    ),
    (
        "x.batch-mean",
        "mistake-batch-sum",
        f"{_EQ_X} divided by the batch size (each sample's gradient needs no averaging)",
    ),
    (
        "x.first-sample",
        "mistake-batch-sum",
        "your result gives every sample the first sample's input gradient",
    ),
    (
        "x.first-sample-only",
        "mistake-batch-sum",
        "your result equals the first sample's input gradient, with zeros for the other samples",
    ),
    (
        "x.channels",
        "mistake-channels",
        f"{_EQ_X} computed with w indexed as w[c, o, k] instead of w[o, c, k]",
    ),
    (
        "x.reshape",
        "mistake-channels",
        f"{_EQ_X} computed with w.reshape(C_in*K, C_out) where the transpose of "
        "w.reshape(C_out, C_in*K) is needed (the filter entries get scrambled across channels)",
    ),
    (
        "x.shape-channels",
        "mistake-channels",
        "your result has C_out channels instead of C_in: dL/dx sums over the output channels "
        "and has the shape of x, (N, C_in, W)",
    ),
    (
        "x.shape-width-out",
        "",
        "your result has width W_out, one entry per output position: dL/dx has one entry per "
        "input, input_length in all",
    ),
    (
        "x.index-channels",
        "mistake-channels",
        "your code used an output-channel index on an input-channel axis, or the reverse: "
        "w is laid out (C_out, C_in, K)",
    ),
    (
        "x.index-buffer",
        "mistake-padding",
        "your code sized the padded gradient from delta, (W_out - 1)*stride + K positions, "
        "instead of input_length + 2*padding",
    ),
    (
        "x.index-past-end",
        "",
        "your code wrote past the end of the padded gradient: output t's deltas land at "
        "t*stride + k*dilation, at most (W_out - 1)*stride + (K - 1)*dilation",
    ),
)


def _first_everywhere(c: ConvCase, _: str) -> np.ndarray | None:
    dx = conv_x(c)
    return None if dx is None else np.broadcast_to(dx[:1], dx.shape).copy()


def _first_only(c: ConvCase, _: str) -> np.ndarray | None:
    dx = conv_x(c)
    if dx is not None:
        dx[1:] = 0.0
    return dx


def _swapped(c: ConvCase, _: str) -> np.ndarray | None:
    # w[c, o, k] for w[o, c, k]: only runs when C_in == C_out (else an IndexError)
    c_out, c_in, _k = c.w.shape
    return conv_x(c, w=f64(c.w).transpose(1, 0, 2)) if c_out == c_in else None


def _reshaped(c: ConvCase, _: str) -> np.ndarray | None:
    # w.reshape(C_in*K, C_out) used where w.reshape(C_out, C_in*K).T belongs
    c_out, c_in, k = c.w.shape
    return conv_x(c, w=f64(c.w).reshape(c_in, k, c_out).transpose(2, 0, 1))


def _crop(c: ConvCase, start: int, stop: int) -> np.ndarray | None:
    return None if start < 0 else conv_x(c, crop=(start, stop))


def _span_only(c: ConvCase, _: str) -> np.ndarray | None:
    # a buffer only as long as the inputs that windows read: (W_out-1)*S + D*(K-1) + 1
    span = (c.delta.shape[2] - 1) * c.stride + c.dilation * (c.kernel_size - 1) + 1
    return conv_x(c, length=span)


def _overwrite(last_t: bool, sum_channels: bool) -> Transform:
    return lambda c, _: conv_x_overwrite(c, last_t=last_t, sum_channels=sum_channels)


def _width(c: ConvCase) -> int:
    return c.x.shape[2]


TRANSFORMS: tuple[tuple[str, Transform], ...] = (
    ("x.flip", lambda c, _: conv_x(c, w=f64(c.w)[:, :, ::-1])),
    ("x.stride", lambda c, _: conv_x(c, stride=1)),
    ("x.dilation", lambda c, _: conv_x(c, dilation=1)),
    # crops: [p:-p] (empty at p = 0), [:W], [p+1:p+1+W], [p-1:p-1+W], none, one end only
    ("x.crop-negative", lambda c, _: _crop(c, 0, 0) if c.padding == 0 else None),
    ("x.crop-left", lambda c, _: _crop(c, 0, _width(c))),
    ("x.crop-late", lambda c, _: _crop(c, c.padding + 1, c.padding + 1 + _width(c))),
    ("x.crop-early", lambda c, _: _crop(c, c.padding - 1, c.padding - 1 + _width(c))),
    ("x.uncropped", lambda c, _: _crop(c, 0, _width(c) + 2 * c.padding)),
    ("x.crop-one-side", lambda c, _: _crop(c, c.padding, _width(c) + 2 * c.padding)),
    ("x.crop-one-side", lambda c, _: _crop(c, 0, _width(c) + c.padding)),
    ("x.missing-unread", _span_only),
    ("x.overwrite", _overwrite(True, False)),
    ("x.overwrite", _overwrite(False, False)),
    ("x.overwrite", _overwrite(True, True)),
    ("x.overwrite", _overwrite(False, True)),
    ("x.first-sample", _first_everywhere),
    ("x.first-sample-only", _first_only),
    ("x.batch-mean", lambda c, _: scaled(conv_x(c), 1 / c.x.shape[0])),
    ("x.channels", _swapped),
    ("x.reshape", _reshaped),
)


def shape_readings(case: ConvCase, shape: tuple[int, ...]) -> list[str]:
    n, c_in, width = case.x.shape
    c_out, w_out, p = case.w.shape[0], case.delta.shape[2], case.padding
    if shape == (n, c_in, width):
        return []
    keys = []
    if shape == (n, c_out, width):
        keys.append("x.shape-channels")
    if len(shape) == 3 and shape[:2] == (n, c_in):
        if p and shape[2] == width + 2 * p:
            keys.append("shape-uncropped")
        elif p and shape[2] == width + p:
            keys.append("shape-one-side")
        elif shape[2] == w_out:
            keys.append("x.shape-width-out")
    if shape == case.w.shape:
        keys.append("shape-like-w")
    return keys


def error_readings(case: ConvCase, index: int, axis: int, size: int) -> list[str]:
    """Channel indices on the wrong axis; or a write past the padded gradient, or past a
    buffer sized from delta, when the size names one of them only."""
    n, c_in, width = case.x.shape
    c_out, k, w_out, p = case.w.shape[0], case.kernel_size, case.delta.shape[2], case.padding
    # an output-channel index on an input-channel axis (axis 1 of w or of dx), or an
    # input-channel index on w's first axis: the two channel axes are mixed up
    out_on_in = axis == 1 and size == c_in and c_in <= index < c_out
    in_on_out = axis == 0 and size == c_out != n and c_out <= index < c_in
    if out_on_in or in_on_out:
        return ["x.index-channels"]
    if index < size:
        return []
    widths = {"x.index-past-end": width + 2 * p, "x.index-buffer": (w_out - 1) * case.stride + k}
    return one_story(widths, size, (n, c_in, c_out, k, w_out, width))


CATALOGUE = Catalogue(
    causes=CAUSES | CROPPING,  # its result is as wide as the padded input
    transforms=TRANSFORMS,
    shape_readings=shape_readings,
    error_readings=error_readings,
    implied_shape={"x.uncropped": "shape-uncropped", "x.crop-one-side": "shape-one-side"},
)
