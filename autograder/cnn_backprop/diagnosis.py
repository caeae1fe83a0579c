"""Naming the likely cause of a wrong answer, computed rather than guessed.

When a case fails, the grader asks this module whether the student's answer is what a known
mistake would have returned for the same inputs.  Each classic mistake has a trusted
*transform*: an independent NumPy implementation of the wrong computation (the input gradient
with the filter not flipped, the pool with zero padding, ...), run on the case's inputs in
float64.  A cause is claimed only when

* the answer matches the transform's output within the case's tolerance, and
* the transform's output differs from the correct answer on that case (otherwise the case
  cannot tell the mistake from a correct solution, and claiming it would be a guess).

Answers of the wrong shape also get a structural reading (shaped like ``delta``, channel axes
swapped, padding not cropped...), exceptions such as ``IndexError`` a reading of the array size
they name when that size means one thing only, and answers right to only a few digits a
precision reading.  When several causes fit a case equally, all are named.  Nothing
here calls student code or the reference solution: the transforms are written from the
definitions in the handout, so they can never be confused with either.

Every cause points to a section of the handout by its anchor, e.g.
``see the handout, section "Forgetting to flip the filter" (#mistake-flip)``; when nothing
matches, the feedback points to the question's "Conclusion" section only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cases import ConvCase, PoolCase

__all__ = [
    "CAUSES",
    "CONCLUSION",
    "PRECISION_BANDS",
    "SECTIONS",
    "TIE_RULES",
    "Cause",
    "cause_of",
    "cite",
    "close",
    "configured_tie_rule",
    "diagnose",
    "diagnose_error",
    "explain",
    "explain_causes",
    "explain_error",
    "explain_error_causes",
    "likely_cause",
    "pointer",
    "shape_readings",
    "transforms",
]

Case = ConvCase | PoolCase
CONV_W, CONV_INPUT, POOL = "conv1d_backward_w", "conv1d_backward_input", "maxpool1d_backward"
TIE_RULES = ("first", "last", "all", "split")

# The handout's sections that feedback links to: anchor -> heading, exactly as in
# assignment/handout.md (tests/test_diagnosis.py checks both against the file).
SECTIONS: dict[str, str] = {
    "conclusion-1": "Conclusion 1: the gradient with respect to the filter",
    "conclusion-2": "Conclusion 2: the gradient with respect to the input",
    "conclusion-3": "Conclusion 3: the gradient through max-pooling",
    "ties": "Ties: which element gets the delta?",
    "mistake-flip": "Forgetting to flip the filter",
    "mistake-stride": "Ignoring the stride",
    "mistake-padding": "Padding on one side, or cropping the wrong part",
    "mistake-dilation": "Forgetting the dilation",
    "mistake-batch-sum": "Averaging over the batch, or using only the first sample",
    "mistake-channels": "Mixing up the channel axes",
    "mistake-accumulate": "Overwriting instead of accumulating",
    "mistake-ties": "The wrong tie rule",
    "mistake-max-init": "Starting the running maximum at 0",
    "mistake-pool-padding": "Padding the pool with zeros",
    "mistake-default-stride": "The wrong default stride for pooling",
    "mistake-inplace": "Modifying the inputs",
    "mistake-precision": "Accumulating in low precision",
}

# Where a failure with no recognised cause points: the question's own derivation.
CONCLUSION = {CONV_W: "conclusion-1", CONV_INPUT: "conclusion-2", POOL: "conclusion-3"}


def cite(anchor: str) -> str:
    """The pointer to one handout section, as it appears in every message."""
    return f'see the handout, section "{SECTIONS[anchor]}" (#{anchor})'


@dataclass(frozen=True)
class Cause:
    """One recognisable mistake: a fixed clause for the student and the section that explains it.

    ``says`` never contains numbers of the case, so every student who makes the same mistake
    reads the same words (and the class report can group them).
    """

    key: str
    anchor: str
    says: str

    def sentence(self) -> str:
        return f"{self.says}; {cite(self.anchor)}"


def _causes(*items: tuple[str, str, str]) -> dict[str, Cause]:
    return {key: Cause(key, anchor, says) for key, anchor, says in items}


_EQ_W = "your result equals the filter gradient"
_EQ_X = "your result equals the input gradient"
_EQ_P = "your result equals the pooling gradient"
_PADDED = "your result equals the padded gradient"

CAUSES: dict[str, Cause] = _causes(
    # ------------------------------------------------------------------ conv1d_backward_w
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
        "conclusion-1",
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
        "conclusion-1",
        "your code read past the end of the padded input: output t reads positions "
        "t*stride + k*dilation, at most (W_out - 1)*stride + (K - 1)*dilation",
    ),
    # -------------------------------------------------------------- conv1d_backward_input
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
        "conclusion-2",
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
        "conclusion-2",
        "your code wrote past the end of the padded gradient: output t's deltas land at "
        "t*stride + k*dilation, at most (W_out - 1)*stride + (K - 1)*dilation",
    ),
    # ----------------------------------------------------------------- maxpool1d_backward
    (
        "p.ties-first",
        "mistake-ties",
        f"{_EQ_P} with each tie won by the first maximal element alone",
    ),
    (
        "p.ties-last",
        "mistake-ties",
        f"{_EQ_P} with each tie won by the last maximal element (as a >= comparison in a "
        "loop does)",
    ),
    (
        "p.ties-all",
        "mistake-ties",
        f"{_EQ_P} with the whole delta given to every tied maximum",
    ),
    (
        "p.ties-split",
        "mistake-ties",
        f"{_EQ_P} with each delta split equally between the tied maxima",
    ),
    (
        "p.max-init",
        "mistake-max-init",
        f"{_EQ_P} of a running maximum started at 0 (a window without a positive value "
        "never finds its real winner)",
    ),
    (
        "p.zero-pad",
        "mistake-pool-padding",
        f"{_EQ_P} with the input padded with zeros instead of -inf",
    ),
    (
        "p.default-stride",
        "mistake-default-stride",
        f"{_EQ_P} with a missing stride taken as 1 instead of kernel_size",
    ),
    (
        "p.stride",
        "mistake-stride",
        f"{_EQ_P} with the given stride ignored",
    ),
    (
        "p.global",
        "conclusion-3",
        "your result sends every delta to the maximum of its whole row instead of the "
        "maximum of its own window",
    ),
    (
        "p.overwrite",
        "mistake-accumulate",
        f"{_EQ_P} with = instead of += (an input that wins several overlapping windows "
        "keeps only one window's delta)",
    ),
    (
        "p.window-late",
        "conclusion-3",
        f"{_EQ_P} with every window starting one place too late (at t*stride + 1)",
    ),
    (
        "p.window-short",
        "conclusion-3",
        f"{_EQ_P} with every window one element short (its last element can never win)",
    ),
    (
        "p.window-long",
        "conclusion-3",
        f"{_EQ_P} with every window one element too long",
    ),
    (
        "p.crop-left",
        "mistake-padding",
        f"{_PADDED}'s first W entries: the left padding was not skipped",
    ),
    ("p.uncropped", "mistake-padding", f"{_PADDED} with none of the padding cropped away"),
    ("p.crop-one-side", "mistake-padding", f"{_PADDED} with the padding cropped at one end only"),
    (
        "p.padding-none",
        "mistake-padding",
        f"{_EQ_P} with the windows placed on x without its padding",
    ),
    (
        "p.index-past-end",
        "conclusion-3",
        "your code read past the end of the padded input: window t covers positions "
        "t*stride to t*stride + kernel_size - 1",
    ),
    (
        "p.index-unpadded",
        "mistake-padding",
        "your code read a position of the padded input from an array as wide as x itself: "
        "pad x with -inf first (positions run up to W + 2*padding - 1)",
    ),
    # ------------------------------------------------ shape readings, for dL/dx of both layers
    (
        "shape-uncropped",
        "mistake-padding",
        "your result is W + 2*padding wide: none of the padding was cropped away",
    ),
    (
        "shape-one-side",
        "mistake-padding",
        "your result is W + padding wide: the padding was cropped at one end only",
    ),
    # --------------------------------------------------------------------- every function
    (
        "shape-like-delta",
        "",  # filled per function: the question's conclusion
        "your result has the shape of delta, one entry per output position",
    ),
    (
        "shape-like-x",
        "",
        "your result has the shape of x",
    ),
    (
        "shape-like-w",
        "",
        "your result has the shape of w",
    ),
    (
        "precision-32",
        "mistake-precision",
        "your result is right to only about 7 significant digits, as computing or "
        "accumulating in float32 gives",
    ),
    (
        "precision-16",
        "mistake-precision",
        "your result is right to only about 3 significant digits, as computing or "
        "accumulating in float16 gives",
    ),
    (
        "inplace",
        "mistake-inplace",
        "backprop still needs the original (copy before changing it)",
    ),
)


def _for(function: str, key: str) -> Cause:
    """A cause, with the function's conclusion filled in for the shared shape readings."""
    cause = CAUSES[key]
    return cause if cause.anchor else Cause(key, CONCLUSION[function], cause.says)


def cause_of(function: str, key: str) -> Cause:
    """The cause named ``key`` in feedback on ``function`` (as the feedback cited it).

    A key this version does not know (a record written by another version) is kept, with its
    key as its text and the question's Conclusion as its section.
    """
    if key in CAUSES and function in CONCLUSION:
        return _for(function, key)
    return Cause(key, CONCLUSION.get(function, "conclusion-1"), key)


def configured_tie_rule() -> str:
    """The course's tie rule for max-pooling (``first`` unless the course config says more)."""
    try:
        from . import config  # the course configuration; optional
    except ImportError:
        return "first"
    return str(getattr(config.load(), "tie_rule", "first"))


# ---------------------------------------------------------------------------------------
# Trusted computations.  Each takes the case's inputs (cast to float64) and knobs for the
# one thing a mistake changes; None means "this wrong code could not have produced an
# answer here" (it would have read or written outside its arrays and raised).


def _f64(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def _conv_w(
    case: ConvCase,
    *,
    stride: int | None = None,
    dilation: int | None = None,
    pad: tuple[int, int] | None = None,
    pad_all_axes: bool = False,
    samples: slice = slice(None),
) -> np.ndarray | None:
    """``dw[o, c, k] = sum_n sum_t delta[n, o, t] * xpad[n, c, t*stride + k*dilation]``."""
    x, delta = _f64(case.x), _f64(case.delta)
    stride = case.stride if stride is None else stride
    dilation = case.dilation if dilation is None else dilation
    p = case.padding
    if pad_all_axes:  # np.pad(x, p): the loops still visit n < N and c < C_in only
        xpad = np.pad(x, p)[: x.shape[0], : x.shape[1]]
    else:
        xpad = np.pad(x, ((0, 0), (0, 0), (p, p) if pad is None else pad))
    w_out, k = delta.shape[2], case.kernel_size
    positions = np.arange(w_out)[:, None] * stride + np.arange(k)[None, :] * dilation
    if positions.max() >= xpad.shape[2]:
        return None
    return np.einsum("not,nctk->ock", delta[samples], xpad[samples][:, :, positions])


def _scatter_input(
    case: ConvCase, w: np.ndarray, *, stride: int, dilation: int, length: int
) -> np.ndarray | None:
    """The padded input gradient: each delta times each tap, added at t*stride + k*dilation."""
    delta = _f64(case.delta)
    n, _, w_out = delta.shape
    k = w.shape[2]
    positions = np.arange(w_out)[:, None] * stride + np.arange(k)[None, :] * dilation
    if positions.max() >= length:
        return None
    dxpad = np.zeros((n, w.shape[1], length))
    contributions = np.einsum("not,ock->nctk", delta, w)
    for t in range(w_out):
        for tap in range(k):
            dxpad[:, :, positions[t, tap]] += contributions[:, :, t, tap]
    return dxpad


def _conv_x(
    case: ConvCase,
    *,
    w: np.ndarray | None = None,
    stride: int | None = None,
    dilation: int | None = None,
    crop: tuple[int, int] | None = None,
    length: int | None = None,
) -> np.ndarray | None:
    """The input gradient, optionally with a different filter, stride, dilation or crop.

    ``crop`` is (start, stop) in the padded gradient, ``length`` the padded buffer's size;
    a crop that runs past the buffer is cut short, as NumPy slicing does.
    """
    width, p = case.x.shape[2], case.padding
    full = width + 2 * p if length is None else length
    dxpad = _scatter_input(
        case,
        _f64(case.w) if w is None else w,
        stride=case.stride if stride is None else stride,
        dilation=case.dilation if dilation is None else dilation,
        length=full,
    )
    if dxpad is None:
        return None
    start, stop = (p, p + width) if crop is None else crop
    return dxpad[:, :, start:stop]


def _conv_x_overwrite(case: ConvCase, *, last_t: bool, sum_channels: bool) -> np.ndarray:
    """The input gradient when each write replaces the previous one instead of adding to it.

    What survives at a position depends on the loop order: its last writer is the latest
    output t (a loop over t outside the taps) or the latest tap k (taps outside), and either
    the last output channel (scalar loops over o) or all of them summed (a vectorised sum
    over o per write).
    """
    delta, w = _f64(case.delta), _f64(case.w)
    n, c_out, w_out = delta.shape
    _, c_in, k = w.shape
    width, p = case.x.shape[2], case.padding
    dxpad = np.zeros((n, c_in, width + 2 * p))
    writers: dict[int, tuple[int, int]] = {}
    order = [(t, tap) for t in range(w_out) for tap in range(k)]
    if not last_t:
        order = [(t, tap) for tap in range(k) for t in range(w_out)]
    for t, tap in order:
        writers[t * case.stride + tap * case.dilation] = (t, tap)
    channels = slice(None) if sum_channels else slice(c_out - 1, c_out)
    for j, (t, tap) in writers.items():
        dxpad[:, :, j] = np.einsum("no,oc->nc", delta[:, channels, t], w[channels, :, tap])
    return dxpad[:, :, p : p + width]


def _route(window: np.ndarray, rule: str) -> np.ndarray:
    """The share of its delta each element of a window gets, for one tie rule.

    ``window`` is (..., length); the result has the same shape.  Each row sums to 1, except
    under ``all``, where every tied maximum gets a whole delta.
    """
    top = window.max(axis=-1, keepdims=True)
    tied = window == top
    if rule == "all":
        return tied.astype(float)
    if rule == "split":
        return tied / tied.sum(axis=-1, keepdims=True)
    length = window.shape[-1]
    index = tied.argmax(axis=-1)  # the first maximum
    if rule == "last":
        index = length - 1 - tied[..., ::-1].argmax(axis=-1)
    elif rule != "first":
        raise ValueError(f"unknown tie rule {rule!r}")
    return (np.arange(length) == index[..., None]).astype(float)


def _pool(
    case: PoolCase,
    *,
    rule: str,
    stride: int | None = None,
    pad_value: float = -np.inf,
    padding: int | None = None,
    offset: int = 0,
    length: int | None = None,
    no_winner: str | None = None,
    global_max: bool = False,
    overwrite: bool = False,
    crop: tuple[int, int] | None = None,
) -> np.ndarray | None:
    """The pooling gradient, with knobs for the ways a window or its winner can go wrong.

    ``no_winner``: a running maximum started at 0 finds no winner in a window whose values
    are all at most 0; ``"start"`` then sends the delta to the window's first position (the
    loop's initial guess), ``"lost"`` drops it, ``"lost<0"`` drops it only below 0.
    """
    x, delta = _f64(case.x), _f64(case.delta)
    p = case.padding if padding is None else padding
    s = case.effective_stride if stride is None else stride
    k = case.kernel_size if length is None else length
    xpad = np.pad(x, ((0, 0), (0, 0), (p, p)), constant_values=pad_value)
    w_out = delta.shape[2]
    starts = np.arange(w_out) * s + offset
    if starts.min() < 0 or (k > 0 and starts.max() >= xpad.shape[2]):
        return None  # a window with no element at all: such code cannot have run
    dxpad = np.zeros(xpad.shape)
    for t, start in enumerate(starts):
        if global_max:
            window, start = xpad, 0
        elif k == 0:  # an empty search keeps the loop's initial guess, the window's start
            window = xpad[:, :, start : start + 1]
        else:  # clipped at the end, as slicing does (a loop would raise there instead)
            window = xpad[:, :, start : start + k]
        share = _route(window, rule) if k > 0 else np.ones(window.shape)
        if no_winner is not None:
            top = window.max(axis=-1)
            none = top < 0 if no_winner == "lost<0" else top <= 0
            first = (np.arange(window.shape[-1]) == 0).astype(float)
            share[none] = 0.0 if no_winner.startswith("lost") else first
        gets = share * delta[:, :, t, None]
        span = slice(start, start + window.shape[-1])
        if overwrite:
            region = dxpad[:, :, span]
            region[share > 0] = gets[share > 0]
        else:
            dxpad[:, :, span] += gets
    width = x.shape[2]
    start, stop = (p, p + width) if crop is None else crop
    return dxpad[:, :, start:stop]


# ---------------------------------------------------------------------------------------
# The transforms: for each function, (cause key, what that mistake returns on this case).

Transform = Callable[[Any, str], np.ndarray | None]  # (case, tie rule) -> answer


def _scaled(dx: np.ndarray | None, factor: float) -> np.ndarray | None:
    return None if dx is None else dx * factor


def _conv_w_transforms() -> list[tuple[str, Transform]]:
    def transposed(c: ConvCase, _: str) -> np.ndarray | None:
        dw = _conv_w(c)
        return None if dw is None else dw.transpose(1, 0, 2)

    def flipped(c: ConvCase, _: str) -> np.ndarray | None:
        dw = _conv_w(c)
        return None if dw is None else dw[:, :, ::-1]

    return [
        ("w.stride", lambda c, _: _conv_w(c, stride=1)),
        ("w.dilation", lambda c, _: _conv_w(c, dilation=1)),
        ("w.padding-none", lambda c, _: _conv_w(c, pad=(0, 0))),
        ("w.padding-right", lambda c, _: _conv_w(c, pad=(0, c.padding))),
        ("w.padding-left", lambda c, _: _conv_w(c, pad=(c.padding, 0))),
        ("w.padding-right", lambda c, _: _conv_w(c, pad=(0, 2 * c.padding))),
        ("w.padding-left", lambda c, _: _conv_w(c, pad=(2 * c.padding, 0))),
        ("w.padding-all-axes", lambda c, _: _conv_w(c, pad_all_axes=True)),
        ("w.first-sample", lambda c, _: _conv_w(c, samples=slice(0, 1))),
        ("w.batch-mean", lambda c, _: _scaled(_conv_w(c), 1 / c.x.shape[0])),
        ("w.channels", transposed),
        ("w.flip", flipped),
    ]


def _conv_x_transforms() -> list[tuple[str, Transform]]:
    def first_everywhere(c: ConvCase, _: str) -> np.ndarray | None:
        dx = _conv_x(c)
        return None if dx is None else np.broadcast_to(dx[:1], dx.shape).copy()

    def first_only(c: ConvCase, _: str) -> np.ndarray | None:
        dx = _conv_x(c)
        if dx is not None:
            dx[1:] = 0.0
        return dx

    def swapped(c: ConvCase, _: str) -> np.ndarray | None:
        # w[c, o, k] for w[o, c, k]: only runs when C_in == C_out (else an IndexError)
        c_out, c_in, _k = c.w.shape
        return _conv_x(c, w=_f64(c.w).transpose(1, 0, 2)) if c_out == c_in else None

    def reshaped(c: ConvCase, _: str) -> np.ndarray | None:
        # w.reshape(C_in*K, C_out) used where w.reshape(C_out, C_in*K).T belongs
        c_out, c_in, k = c.w.shape
        return _conv_x(c, w=_f64(c.w).reshape(c_in, k, c_out).transpose(2, 0, 1))

    def crop(c: ConvCase, start: int, stop: int) -> np.ndarray | None:
        return None if start < 0 else _conv_x(c, crop=(start, stop))

    def span_only(c: ConvCase, _: str) -> np.ndarray | None:
        # a buffer only as long as the inputs that windows read: (W_out-1)*S + D*(K-1) + 1
        span = (c.delta.shape[2] - 1) * c.stride + c.dilation * (c.kernel_size - 1) + 1
        return _conv_x(c, length=span)

    def overwrite(last_t: bool, sum_channels: bool) -> Transform:
        return lambda c, _: _conv_x_overwrite(c, last_t=last_t, sum_channels=sum_channels)

    def width(c: ConvCase) -> int:
        return c.x.shape[2]

    return [
        ("x.flip", lambda c, _: _conv_x(c, w=_f64(c.w)[:, :, ::-1])),
        ("x.stride", lambda c, _: _conv_x(c, stride=1)),
        ("x.dilation", lambda c, _: _conv_x(c, dilation=1)),
        # crops: [p:-p] (empty at p = 0), [:W], [p+1:p+1+W], [p-1:p-1+W], none, one end only
        ("x.crop-negative", lambda c, _: crop(c, 0, 0) if c.padding == 0 else None),
        ("x.crop-left", lambda c, _: crop(c, 0, width(c))),
        ("x.crop-late", lambda c, _: crop(c, c.padding + 1, c.padding + 1 + width(c))),
        ("x.crop-early", lambda c, _: crop(c, c.padding - 1, c.padding - 1 + width(c))),
        ("x.uncropped", lambda c, _: crop(c, 0, width(c) + 2 * c.padding)),
        ("x.crop-one-side", lambda c, _: crop(c, c.padding, width(c) + 2 * c.padding)),
        ("x.crop-one-side", lambda c, _: crop(c, 0, width(c) + c.padding)),
        ("x.missing-unread", span_only),
        ("x.overwrite", overwrite(True, False)),
        ("x.overwrite", overwrite(False, False)),
        ("x.overwrite", overwrite(True, True)),
        ("x.overwrite", overwrite(False, True)),
        ("x.first-sample", first_everywhere),
        ("x.first-sample-only", first_only),
        ("x.batch-mean", lambda c, _: _scaled(_conv_x(c), 1 / c.x.shape[0])),
        ("x.channels", swapped),
        ("x.reshape", reshaped),
    ]


def _pool_transforms() -> list[tuple[str, Transform]]:
    def other_rule(rule: str) -> Transform:
        # a tie rule is a mistake only when it is not the course's rule
        return lambda c, configured: None if rule == configured else _pool(c, rule=rule)

    def width(c: PoolCase) -> int:
        return c.x.shape[2]

    return [
        *((f"p.ties-{rule}", other_rule(rule)) for rule in TIE_RULES),
        ("p.max-init", lambda c, r: _pool(c, rule=r, no_winner="start")),
        ("p.max-init", lambda c, r: _pool(c, rule=r, no_winner="lost")),
        ("p.max-init", lambda c, r: _pool(c, rule=r, no_winner="lost<0")),
        ("p.zero-pad", lambda c, r: _pool(c, rule=r, pad_value=0.0) if c.padding else None),
        ("p.default-stride", lambda c, r: _pool(c, rule=r, stride=1) if c.stride is None else None),
        ("p.stride", lambda c, r: None if c.stride is None else _pool(c, rule=r, stride=1)),
        (
            "p.stride",
            lambda c, r: None if c.stride is None else _pool(c, rule=r, stride=c.kernel_size),
        ),
        ("p.global", lambda c, r: _pool(c, rule=r, global_max=True)),
        ("p.overwrite", lambda c, r: _pool(c, rule=r, overwrite=True)),
        ("p.window-late", lambda c, r: _pool(c, rule=r, offset=1)),
        ("p.window-short", lambda c, r: _pool(c, rule=r, length=c.kernel_size - 1)),
        ("p.window-long", lambda c, r: _pool(c, rule=r, length=c.kernel_size + 1)),
        ("p.crop-left", lambda c, r: _pool(c, rule=r, crop=(0, width(c)))),
        ("p.uncropped", lambda c, r: _pool(c, rule=r, crop=(0, width(c) + 2 * c.padding))),
        (
            "p.crop-one-side",
            lambda c, r: _pool(c, rule=r, crop=(c.padding, width(c) + 2 * c.padding)),
        ),
        ("p.crop-one-side", lambda c, r: _pool(c, rule=r, crop=(0, width(c) + c.padding))),
        ("p.padding-none", lambda c, r: _pool(c, rule=r, padding=0) if c.padding else None),
    ]


_TRANSFORMS: dict[str, list[tuple[str, Transform]]] = {
    CONV_W: _conv_w_transforms(),
    CONV_INPUT: _conv_x_transforms(),
    POOL: _pool_transforms(),
}


def transforms(function: str) -> list[tuple[str, Transform]]:
    """The (cause key, transform) pairs of one function, most specific first."""
    return list(_TRANSFORMS[function])


# ---------------------------------------------------------------------------------------
# Matching.


def close(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """The grader's criterion, measured against the larger of the two arrays' scales."""
    if a.shape != b.shape:
        return False
    if a.size == 0:
        return True
    scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    return bool(np.abs(a - b).max() <= tolerance * scale)


# Relative errors that rounding to a lower precision leaves on these sizes (a few dozen
# terms per sum): float32 ~1e-7, float16 ~1e-3.  No structural mistake errs by so little
# except by an unlikely coincidence, and the transforms are tried first.
PRECISION_BANDS = (("precision-32", 1e-5), ("precision-16", 5e-3))


def _precision(answer: np.ndarray, expected: np.ndarray, tolerance: float) -> str | None:
    if answer.shape != expected.shape or not np.isfinite(answer).all() or answer.size == 0:
        return None
    scale = max(1.0, float(np.abs(expected).max()))
    error = float(np.abs(answer - expected).max()) / scale
    if error <= tolerance:
        return None
    return next((key for key, band in PRECISION_BANDS if band > tolerance and error <= band), None)


def _named(function: str, keys: list[str]) -> list[Cause]:
    unique = list(dict.fromkeys(keys))
    return [_for(function, key) for key in unique]


def diagnose(
    function: str,
    case: Case,
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    tolerance: float,
    tie_rule: str | None = None,
) -> list[Cause]:
    """The known mistakes that reproduce ``answer`` on ``case`` (empty: none recognised).

    Parameters
    ----------
    function : str
        The question's function name.
    case : ConvCase or PoolCase
        The inputs the answer was computed from.
    answer, expected : ndarray
        The student's answer (float64, any shape) and the correct one.
    tolerance : float
        The case's relative tolerance (``checks.TOLERANCE``).
    tie_rule : str, optional
        The course's pooling tie rule; read from the course config when not given.

    Returns
    -------
    list of Cause
        Value matches first (a transform that differs from ``expected`` and equals
        ``answer``), most specific first; else a precision or a shape reading; else nothing.
    """
    rule = configured_tie_rule() if tie_rule is None else tie_rule
    answer, expected = _f64(answer), _f64(expected)
    matched = []
    if np.isfinite(answer).all():
        for key, transform in _TRANSFORMS[function]:
            wrong = transform(case, rule)
            if wrong is None or close(wrong, expected, tolerance):
                continue  # not applicable here, or this case cannot tell it from a right answer
            if close(answer, wrong, tolerance):
                matched.append(key)
    if not matched:
        precision = _precision(answer, expected, tolerance)
        matched = [precision] if precision else []
    # what the shape shows is true whatever the values: say it too, after any value match,
    # unless a value match already says it
    implied = {_IMPLIED_SHAPE.get(key) for key in matched}
    matched += [key for key in shape_readings(function, case, answer.shape) if key not in implied]
    return _named(function, matched)


# Value matches whose wrong shape is the whole story of a shape reading.
_IMPLIED_SHAPE = {
    "w.channels": "w.shape-channels",
    "x.uncropped": "shape-uncropped",
    "p.uncropped": "shape-uncropped",
    "x.crop-one-side": "shape-one-side",
    "p.crop-one-side": "shape-one-side",
}


def shape_readings(function: str, case: Case, shape: tuple[int, ...]) -> list[str]:
    """What a wrong shape says about the code, from the case's dimensions alone."""
    if isinstance(case, ConvCase):
        n, c_in, width = case.x.shape
        c_out, k, w_out = case.w.shape[0], case.kernel_size, case.delta.shape[2]
        expected = (c_out, c_in, k) if function == CONV_W else (n, c_in, width)
    else:
        n, c_in, width = case.x.shape
        c_out, k, w_out = c_in, case.kernel_size, case.delta.shape[2]
        expected = (n, c_in, width)
    if shape == expected:
        return []
    p = case.padding
    keys = []
    if function == CONV_W:
        if shape == (c_in, c_out, k):
            keys.append("w.shape-channels")
        if shape == (n, c_out, c_in, k):
            keys.append("w.shape-per-sample")
        if len(shape) == 3 and shape[:2] == (c_out, c_in):
            keys.append("w.shape-taps")
        if shape == case.x.shape:
            keys.append("shape-like-x")
    else:
        if function == CONV_INPUT and shape == (n, c_out, width):
            keys.append("x.shape-channels")
        if len(shape) == 3 and shape[:2] == (n, c_in):
            if p and shape[2] == width + 2 * p:
                keys.append("shape-uncropped")
            elif p and shape[2] == width + p:
                keys.append("shape-one-side")
            elif function == CONV_INPUT and shape[2] == w_out:
                keys.append("x.shape-width-out")
        if function == CONV_INPUT and shape == case.w.shape:
            keys.append("shape-like-w")
    if shape == case.delta.shape:
        keys.append("shape-like-delta")
    return keys


# ---------------------------------------------------------------------------------------
# Exceptions: NumPy's IndexError names the index and the size of the axis it missed.

_OUT_OF_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (-?\d+) with size (\d+)")


def diagnose_error(function: str, case: Case, message: str) -> list[Cause]:
    """What an exception's message shows about the code.

    Parameters
    ----------
    function : str
        The question's function name.
    case : ConvCase or PoolCase
        The inputs of the failed call.
    message : str
        The exception's text as the grader reports it.

    Returns
    -------
    list of Cause
        At most one: NumPy's ``index I is out of bounds for axis A with size S`` is read only
        when S means exactly one thing in this case (an input as wide as x, the padded input,
        a buffer sized from delta, a channel axis); otherwise nothing.
    """
    found = _OUT_OF_BOUNDS.search(message)
    if not found:
        return []
    index, axis, size = (int(g) for g in found.groups())
    n, c_in, width = case.x.shape
    p, k, w_out = case.padding, case.kernel_size, case.delta.shape[2]
    c_out = case.w.shape[0] if isinstance(case, ConvCase) else c_in
    if function == CONV_INPUT:
        # an output-channel index on an input-channel axis (axis 1 of w or of dx), or an
        # input-channel index on w's first axis: the two channel axes are mixed up
        out_on_in = axis == 1 and size == c_in and c_in <= index < c_out
        in_on_out = axis == 0 and size == c_out != n and c_out <= index < c_in
        if out_on_in or in_on_out:
            return [_for(function, "x.index-channels")]
    if index < size:
        return []
    # the widths an array in this function can have, each a different story
    stride = case.stride if isinstance(case, ConvCase) else case.effective_stride
    prefix = {CONV_W: "w", CONV_INPUT: "x", POOL: "p"}[function]
    widths = {f"{prefix}.index-past-end": width + 2 * p}
    if p and function in (CONV_W, POOL):
        widths[f"{prefix}.index-unpadded"] = width
    if p and function == CONV_W:
        widths["w.index-one-side"] = width + p
    if function == CONV_INPUT:
        widths["x.index-buffer"] = (w_out - 1) * stride + k
    # sizes of the other axes in play: if the size is also one of them, the reading is open
    other = {n, c_in, c_out, k, w_out} | ({width} if function == CONV_INPUT else set())
    stories = [key for key, value in widths.items() if value == size]
    if len(stories) == 1 and size not in other:
        return [_for(function, stories[0])]
    return []


# ---------------------------------------------------------------------------------------
# Sentences.


def likely_cause(causes: list[Cause], *, detail: str = "") -> str:
    parts = [f"{c.says}{detail}; {cite(c.anchor)}" for c in causes]
    if len(parts) == 1:
        return f"Likely cause: {parts[0]}."
    return "Likely cause (this case cannot tell them apart): " + ". Or: ".join(parts) + "."


def explain(
    function: str,
    case: Case,
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    tolerance: float,
    returned_dtype: str | None = None,
    tie_rule: str | None = None,
) -> str:
    """The feedback line for a wrong answer: its likely cause, or where to look.

    Parameters
    ----------
    function, case, answer, expected, tolerance, tie_rule
        As for ``diagnose``; ``answer`` has failed the comparison with ``expected``.
    returned_dtype : str, optional
        The dtype the function returned, quoted when the cause is precision.

    Returns
    -------
    str
        ``Likely cause: ...; see the handout, section "..." (#anchor).``, or, when no known
        mistake reproduces the answer, a pointer to the question's Conclusion section.
    """
    return explain_causes(
        function,
        case,
        answer,
        expected,
        tolerance=tolerance,
        returned_dtype=returned_dtype,
        tie_rule=tie_rule,
    )[0]


def explain_causes(
    function: str,
    case: Case,
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    tolerance: float,
    returned_dtype: str | None = None,
    tie_rule: str | None = None,
) -> tuple[str, list[Cause]]:
    """``explain``'s line, and the causes it names (empty when it only points to a section).

    The causes travel with the failure as data, so the class report counts them without
    reading the sentence back.
    """
    causes = diagnose(function, case, answer, expected, tolerance=tolerance, tie_rule=tie_rule)
    if not causes:
        return pointer(function), []
    detail = ""
    if (
        causes[0].key.startswith("precision")
        and returned_dtype
        and returned_dtype != str(case.x.dtype)
    ):
        detail = f" (your function returned {returned_dtype} for {case.x.dtype} inputs)"
    return likely_cause(causes, detail=detail), causes


def pointer(function: str) -> str:
    """The generic pointer when no cause is recognised: the question's own section."""
    return f"S{cite(CONCLUSION[function])[1:]}."


def explain_error(function: str, case: Case, message: str) -> str | None:
    """The likely cause of an exception, or None when its message shows nothing certain."""
    return explain_error_causes(function, case, message)[0]


def explain_error_causes(function: str, case: Case, message: str) -> tuple[str | None, list[Cause]]:
    """``explain_error``'s line (None: nothing certain), and the causes it names."""
    causes = diagnose_error(function, case, message)
    return (likely_cause(causes) if causes else None), causes
