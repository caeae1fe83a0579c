"""A catalogue of realistic wrong submissions, each one small change to a correct one.

Every mistake breaks exactly one of the three functions.  Its ``source`` is the full
text of that one wrong function: a function of a correct submission in
``correct/`` (usually ``loops.py``) with a single, small edit applied.  The edits are
spelled out below as (old, new) text replacements, so each entry reads like a diff
and an edit that no longer applies (because a correct file changed) fails loudly at
import time.

``submission_source(mistake)`` is a whole wrong submission: ``correct/loops.py``
followed by the wrong function, whose later ``def`` replaces the correct one, so the
other two functions stay correct.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BASE_SUBMISSION",
    "CORRECT_DIR",
    "DIAGNOSES",
    "FUNCTIONS",
    "MISTAKES",
    "NEEDS",
    "Mistake",
    "submission_source",
]

CORRECT_DIR = Path(__file__).resolve().parent / "correct"
BASE_SUBMISSION = CORRECT_DIR / "loops.py"
FUNCTIONS = ("conv1d_backward_w", "conv1d_backward_input", "maxpool1d_backward")

CONV_W, CONV_INPUT, POOL = FUNCTIONS


@dataclass(frozen=True)
class Mistake:
    """One wrong implementation of one function."""

    name: str
    function: str  # the one function it breaks
    description: str  # one plain-English sentence for the student
    source: str  # the full text of the wrong ``def`` block


def submission_source(mistake: Mistake) -> str:
    """A complete wrong submission: the loops solution, then the mistake's function."""
    base = BASE_SUBMISSION.read_text(encoding="utf-8").rstrip("\n")
    return f"{base}\n\n\n{mistake.source}"


def _function_source(style: str, function: str) -> str:
    text = (CORRECT_DIR / f"{style}.py").read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            segment = ast.get_source_segment(text, node)
            assert segment is not None
            return segment + "\n"
    raise LookupError(f"correct/{style}.py defines no {function}")


def _mistake(
    name: str,
    function: str,
    description: str,
    *edits: tuple[str, str],
    style: str = "loops",
) -> Mistake:
    """``function`` from ``correct/{style}.py`` with each (old, new) edit applied once."""
    source = _function_source(style, function)
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"{name}: {old!r} occurs {count} times in {style}.{function}")
        source = source.replace(old, new)
    return Mistake(name, function, description, source)


# Indentation of the innermost statements in loops.py / correlate.py, for edits that
# replace or add whole lines.
_POOL_BODY = " " * 16
_CORR_O_BODY = " " * 12


MISTAKES: list[Mistake] = [
    # ---------------------------------------------------------------- conv1d_backward_w
    _mistake(
        "conv_w_forgot_stride",
        CONV_W,
        "Reads input t + k*dilation instead of t*stride + k*dilation, so strided layers "
        "pair each delta with the wrong inputs.",
        ("t * stride + k * dilation", "t + k * dilation"),
    ),
    _mistake(
        "conv_w_forgot_padding",
        CONV_W,
        "Never zero-pads x, so with padding > 0 every delta is paired with an input "
        "that is `padding` places too far to the right.",
        ("xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))", "xpad = x"),
    ),
    _mistake(
        "conv_w_forgot_dilation",
        CONV_W,
        "Reads input t*stride + k instead of t*stride + k*dilation, treating the filter "
        "taps as adjacent even when the layer is dilated.",
        ("t * stride + k * dilation", "t * stride + k"),
    ),
    _mistake(
        "conv_w_pads_right_only",
        CONV_W,
        "Zero-pads x on the right end only, so every input is `padding` places away "
        "from where the forward pass read it.",
        ("(padding, padding)", "(0, padding)"),
    ),
    _mistake(
        "conv_w_pads_every_axis",
        CONV_W,
        "Calls np.pad(x, padding), which also pads the batch and channel axes, so "
        "xpad[n, c] is no longer sample n's channel c.",
        ("np.pad(x, ((0, 0), (0, 0), (padding, padding)))", "np.pad(x, padding)"),
    ),
    _mistake(
        "conv_w_batch_mean",
        CONV_W,
        "Divides by the batch size, averaging over samples where the gradient of a "
        "summed loss needs a plain sum.",
        ("return dw", "return dw / batch"),
    ),
    _mistake(
        "conv_w_first_sample_only",
        CONV_W,
        "Uses only the first sample's input and deltas, as if the batch had one sample.",
        (
            'np.einsum("not,nctk->ock", delta, windows)',
            'np.einsum("ot,ctk->ock", delta[0], windows[0])',
        ),
        style="windows_einsum",
    ),
    _mistake(
        "conv_w_channel_axes_swapped",
        CONV_W,
        "Returns the gradient laid out (C_in, C_out, K) instead of the filters' own "
        "(C_out, C_in, K).",
        ('"not,nctk->ock"', '"not,nctk->cok"'),
        style="windows_einsum",
    ),
    _mistake(
        "conv_w_kernel_flipped",
        CONV_W,
        "Reverses the taps of the result, applying the note's flip to the weight "
        "gradient, where no flip belongs.",
        ("return dw", "return dw[:, :, ::-1]"),
    ),
    _mistake(
        "conv_w_float32_accumulation",
        CONV_W,
        "Accumulates the sum in a float32 array, losing about half the digits of float64 inputs.",
        (
            "dw = np.zeros((c_out, c_in, kernel_size))",
            "dw = np.zeros((c_out, c_in, kernel_size), dtype=np.float32)",
        ),
    ),
    _mistake(
        "conv_w_reverses_delta_in_place",
        CONV_W,
        "Reverses the deltas in place (delta[n, o] = delta[n, o, ::-1]) instead of "
        "taking a reversed view, so the caller's delta array is changed.",
        (
            "s = delta[n, o, ::-1]",
            f"delta[n, o] = delta[n, o, ::-1]\n{_CORR_O_BODY}s = delta[n, o]",
        ),
        style="correlate",
    ),
    # ------------------------------------------------------------ conv1d_backward_input
    _mistake(
        "conv_input_forgot_flip",
        CONV_INPUT,
        "Correlates the padded deltas with the filter itself instead of the flipped "
        "filter, so the taps are applied in reverse order.",
        ("flipped = w[:, :, ::-1]", "flipped = w"),
        style="correlate",
    ),
    _mistake(
        "conv_input_no_zero_insertion",
        CONV_INPUT,
        "Ignores the stride: the deltas are not spread out with stride - 1 zeros "
        "between them before the correlation.",
        (
            f"s_up = np.zeros((w_out - 1) * stride + 1)\n"
            f"{_CORR_O_BODY}s_up[::stride] = delta[n, o]  # stride - 1 zeros between the deltas",
            "s_up = delta[n, o]",
        ),
        style="correlate",
    ),
    _mistake(
        "conv_input_flips_w_in_place",
        CONV_INPUT,
        "Flips the filters with `flipped = w` then `flipped[:] = flipped[:, :, ::-1]`, "
        "which reverses the caller's w because `=` does not copy an array.",
        (
            "flipped = w[:, :, ::-1]",
            "flipped = w\n    flipped[:] = flipped[:, :, ::-1]",
        ),
        style="correlate",
    ),
    _mistake(
        "conv_input_ignores_dilation",
        CONV_INPUT,
        "Sends each delta to input t*stride + k instead of t*stride + k*dilation, as if "
        "the layer were not dilated.",
        ("t * stride + k * dilation", "t * stride + k"),
    ),
    _mistake(
        "conv_input_overwrites",
        CONV_INPUT,
        "Assigns with = instead of adding with +=, so an input read by several outputs "
        "keeps only the last contribution.",
        ("] += delta[n, o, t]", "] = delta[n, o, t]"),
    ),
    _mistake(
        "conv_input_crops_wrong_end",
        CONV_INPUT,
        "Crops the padded gradient to its first input_length entries, cutting the "
        "right padding but keeping the left padding.",
        ("dxpad[:, :, padding : padding + input_length]", "dxpad[:, :, :input_length]"),
    ),
    _mistake(
        "conv_input_crop_off_by_one",
        CONV_INPUT,
        "Starts the crop one place too late, at padding + 1, shifting the gradient "
        "one input to the left.",
        (
            "dxpad[:, :, padding : padding + input_length]",
            "dxpad[:, :, padding + 1 : padding + 1 + input_length]",
        ),
    ),
    _mistake(
        "conv_input_negative_index_crop",
        CONV_INPUT,
        "Crops with dxpad[:, :, padding:-padding], which returns an empty array when padding is 0.",
        ("dxpad[:, :, padding : padding + input_length]", "dxpad[:, :, padding:-padding]"),
    ),
    _mistake(
        "conv_input_crops_one_side",
        CONV_INPUT,
        "Removes the left padding but not the right, so the result is `padding` entries too long.",
        ("dxpad[:, :, padding : padding + input_length]", "dxpad[:, :, padding:]"),
    ),
    _mistake(
        "conv_input_length_from_delta",
        CONV_INPUT,
        "Sizes the padded gradient as (W_out - 1)*stride + K instead of "
        "input_length + 2*padding, which is too short when trailing inputs are never "
        "read or the layer is dilated.",
        (
            "np.zeros((batch, c_in, input_length + 2 * padding))",
            "np.zeros((batch, c_in, (w_out - 1) * stride + kernel_size))",
        ),
    ),
    _mistake(
        "conv_input_batch_mean",
        CONV_INPUT,
        "Divides by the batch size, although each sample's input gradient depends on "
        "that sample's deltas alone.",
        (
            "return dxpad[:, :, padding : padding + input_length]",
            "return dxpad[:, :, padding : padding + input_length] / batch",
        ),
    ),
    _mistake(
        "conv_input_first_sample_only",
        CONV_INPUT,
        "Computes the gradient from the first sample's deltas and gives that same "
        "gradient to every sample.",
        ('np.einsum("notk,ock->nct", windows', 'np.einsum("otk,ock->ct", windows[0]'),
        style="windows_einsum",
    ),
    _mistake(
        "conv_input_filter_axes_swapped",
        CONV_INPUT,
        "Indexes the filters as w[c, o, k] instead of w[o, c, k], mixing up the output "
        "and input channel axes.",
        ("w[o, c, k]", "w[c, o, k]"),
    ),
    _mistake(
        "conv_input_reshape_not_transpose",
        CONV_INPUT,
        "Uses w.reshape(C_in*K, C_out) where the transpose of w.reshape(C_out, C_in*K) "
        "is needed, which scrambles the filter entries across channels.",
        ("w_mat.T @ d_mat", "w.reshape(c_in * kernel_size, c_out) @ d_mat"),
        style="im2col",
    ),
    # --------------------------------------------------------------- maxpool1d_backward
    _mistake(
        "pool_last_max_wins_ties",
        POOL,
        "Uses >= when searching for the maximum, so on a tie the delta goes to the "
        "last maximal element instead of the first.",
        ("if xpad[n, c, j] > best_value:", "if xpad[n, c, j] >= best_value:"),
    ),
    _mistake(
        "pool_all_ties_get_delta",
        POOL,
        "Reads the note literally and gives the whole delta to every element equal "
        "to the window's maximum, so a tied window passes its delta on several times.",
        (
            f"best, best_value = start, -np.inf\n"
            f"{_POOL_BODY}for j in range(start, start + kernel_size):\n"
            f"{_POOL_BODY}    if xpad[n, c, j] > best_value:\n"
            f"{_POOL_BODY}        best, best_value = j, xpad[n, c, j]\n"
            f"{_POOL_BODY}dxpad[n, c, best] += delta[n, c, t]",
            f"window_max = xpad[n, c, start : start + kernel_size].max()\n"
            f"{_POOL_BODY}for j in range(start, start + kernel_size):\n"
            f"{_POOL_BODY}    if xpad[n, c, j] == window_max:\n"
            f"{_POOL_BODY}        dxpad[n, c, j] += delta[n, c, t]",
        ),
    ),
    _mistake(
        "pool_splits_ties",
        POOL,
        "Splits the delta equally between all tied maxima instead of giving all of it "
        "to the first one.",
        (
            f"best, best_value = start, -np.inf\n"
            f"{_POOL_BODY}for j in range(start, start + kernel_size):\n"
            f"{_POOL_BODY}    if xpad[n, c, j] > best_value:\n"
            f"{_POOL_BODY}        best, best_value = j, xpad[n, c, j]\n"
            f"{_POOL_BODY}dxpad[n, c, best] += delta[n, c, t]",
            f"window = xpad[n, c, start : start + kernel_size]\n"
            f"{_POOL_BODY}winners = window == window.max()\n"
            f"{_POOL_BODY}dxpad[n, c, start : start + kernel_size] += (\n"
            f"{_POOL_BODY}    winners * delta[n, c, t] / winners.sum()\n"
            f"{_POOL_BODY})",
        ),
    ),
    _mistake(
        "pool_max_starts_at_zero",
        POOL,
        "Starts the running maximum at 0 instead of -inf, so in a window of negative "
        "numbers the delta goes to the window's first element.",
        ("best, best_value = start, -np.inf", "best, best_value = start, 0.0"),
    ),
    _mistake(
        "pool_zero_padding",
        POOL,
        "Pads with zeros instead of -inf, so a padding entry wins any window whose real "
        "values are all negative and the delta is lost.",
        (", constant_values=-np.inf)", ")"),
    ),
    _mistake(
        "pool_default_stride_one",
        POOL,
        "Treats a missing stride as 1 instead of kernel_size, so the default windows "
        "overlap when they should tile the input.",
        ("stride = kernel_size", "stride = 1"),
    ),
    _mistake(
        "pool_global_argmax",
        POOL,
        "Searches the whole row for the maximum instead of the current window, so "
        "every delta goes to the row's overall maximum.",
        (
            "for j in range(start, start + kernel_size):",
            "for j in range(xpad.shape[2]):",
        ),
    ),
    _mistake(
        "pool_overwrites_overlaps",
        POOL,
        "Assigns with = instead of adding with +=, so an element that wins several "
        "overlapping windows keeps only the last window's delta.",
        ("dxpad[n, c, best] += delta[n, c, t]", "dxpad[n, c, best] = delta[n, c, t]"),
    ),
    _mistake(
        "pool_window_start_off_by_one",
        POOL,
        "Starts window t at t*stride + 1 instead of t*stride, so every window is "
        "shifted one place to the right.",
        ("start = t * stride", "start = t * stride + 1"),
    ),
    _mistake(
        "pool_window_one_short",
        POOL,
        "Stops each window one element early (range end start + kernel_size - 1), so "
        "a window's last element can never win.",
        ("range(start, start + kernel_size)", "range(start, start + kernel_size - 1)"),
    ),
    _mistake(
        "pool_ignores_padding_offset",
        POOL,
        "Returns the first W entries of the padded gradient without skipping the left "
        "padding, shifting everything `padding` places.",
        ("dxpad[:, :, padding : padding + width]", "dxpad[:, :, :width]"),
    ),
    _mistake(
        "pool_shifts_x_in_place",
        POOL,
        "Subtracts each row's maximum from x in place (a habit from softmax code), "
        "which changes the caller's array.",
        (
            "batch, channels, width = x.shape",
            "batch, channels, width = x.shape\n"
            "    x -= x.max(axis=2, keepdims=True)  # for numerical stability",
        ),
    ),
    _mistake(
        "pool_output_shaped_like_delta",
        POOL,
        "Crops the result to W_out entries instead of W, returning something shaped "
        "like delta rather than like x.",
        ("padding : padding + width]", "padding : padding + w_out]"),
    ),
]


# What each catalogued mistake should be called: the causes (keys of the questions'
# catalogues) whose message describes it.  Several keys when the same bug shows differently
# on different cases (values on one, an IndexError or a shape on another).
DIAGNOSES: dict[str, set[str]] = {
    "conv_w_forgot_stride": {"w.stride"},
    "conv_w_forgot_padding": {"w.padding-none", "w.index-unpadded"},
    "conv_w_forgot_dilation": {"w.dilation"},
    "conv_w_pads_right_only": {"w.padding-right", "w.index-one-side"},
    "conv_w_pads_every_axis": {"w.padding-all-axes"},
    "conv_w_batch_mean": {"w.batch-mean"},
    "conv_w_first_sample_only": {"w.first-sample"},
    "conv_w_channel_axes_swapped": {"w.channels", "w.shape-channels"},
    "conv_w_kernel_flipped": {"w.flip"},
    "conv_w_float32_accumulation": {"precision-32"},
    "conv_w_reverses_delta_in_place": {"inplace"},
    "conv_input_forgot_flip": {"x.flip"},
    "conv_input_no_zero_insertion": {"x.stride"},
    "conv_input_flips_w_in_place": {"inplace"},
    "conv_input_ignores_dilation": {"x.dilation"},
    "conv_input_overwrites": {"x.overwrite"},
    "conv_input_crops_wrong_end": {"x.crop-left"},
    "conv_input_crop_off_by_one": {"x.crop-late"},
    "conv_input_negative_index_crop": {"x.crop-negative"},
    "conv_input_crops_one_side": {"x.crop-one-side", "shape-one-side"},
    "conv_input_length_from_delta": {"x.missing-unread", "x.index-buffer"},
    "conv_input_batch_mean": {"x.batch-mean"},
    "conv_input_first_sample_only": {"x.first-sample"},
    "conv_input_filter_axes_swapped": {"x.channels", "x.index-channels"},
    "conv_input_reshape_not_transpose": {"x.reshape"},
    "pool_last_max_wins_ties": {"p.ties-last"},
    "pool_all_ties_get_delta": {"p.ties-all"},
    "pool_splits_ties": {"p.ties-split"},
    "pool_max_starts_at_zero": {"p.max-init"},
    "pool_zero_padding": {"p.zero-pad"},
    "pool_default_stride_one": {"p.default-stride"},
    "pool_global_argmax": {"p.global"},
    "pool_overwrites_overlaps": {"p.overwrite"},
    "pool_window_start_off_by_one": {"p.window-late", "p.index-past-end"},
    "pool_window_one_short": {"p.window-short"},
    "pool_ignores_padding_offset": {"p.crop-left"},
    "pool_shifts_x_in_place": {"inplace"},
    "pool_output_shaped_like_delta": {"shape-like-delta"},
}


# The course features (CourseConfig.features) a mistake needs before any case can see
# it: with one of them off (scope "note" turns them all off) it is not a mistake in scope.
NEEDS: dict[str, tuple[str, ...]] = {
    "conv_w_forgot_stride": ("stride",),
    "conv_w_forgot_padding": ("padding",),
    "conv_w_forgot_dilation": ("dilation",),
    "conv_w_pads_right_only": ("padding",),
    "conv_w_pads_every_axis": ("padding",),
    "conv_w_batch_mean": ("batch",),
    "conv_w_first_sample_only": ("batch",),
    "conv_w_channel_axes_swapped": ("channels",),
    "conv_input_no_zero_insertion": ("stride",),
    "conv_input_ignores_dilation": ("dilation",),
    "conv_input_crops_wrong_end": ("padding",),
    "conv_input_crops_one_side": ("padding",),
    "conv_input_length_from_delta": ("stride",),
    "conv_input_batch_mean": ("batch",),
    "conv_input_first_sample_only": ("batch",),
    "conv_input_filter_axes_swapped": ("channels",),
    "conv_input_reshape_not_transpose": ("channels",),
    "pool_zero_padding": ("padding",),
    "pool_overwrites_overlaps": ("stride",),
    "pool_ignores_padding_offset": ("padding",),
}
