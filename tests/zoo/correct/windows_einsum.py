"""A student's submission built on sliding_window_view and einsum.

The input gradient follows the note: the deltas, with stride - 1 zeros between
them and fully padded, are correlated with the flipped (dilated) filters.
"""

import numpy as np


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    w_out = delta.shape[2]
    span = dilation * (kernel_size - 1) + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    # windows[n, c, t, k] = xpad[n, c, t * stride + k * dilation]
    windows = np.lib.stride_tricks.sliding_window_view(xpad, span, axis=2)
    windows = windows[:, :, ::stride, ::dilation][:, :, :w_out]
    return np.einsum("not,nctk->ock", delta, windows)


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    batch, c_out, w_out = delta.shape
    kernel_size = w.shape[2]
    span = dilation * (kernel_size - 1) + 1
    spread = (w_out - 1) * stride + 1
    # zeros between the deltas, then span - 1 zeros of full padding on each side
    upsampled = np.zeros((batch, c_out, spread + 2 * (span - 1)))
    upsampled[:, :, span - 1 : span - 1 + spread : stride] = delta
    windows = np.lib.stride_tricks.sliding_window_view(upsampled, span, axis=2)
    full = np.einsum("notk,ock->nct", windows[..., ::dilation], w[:, :, ::-1])
    dxpad = np.zeros((batch, w.shape[1], input_length + 2 * padding))
    dxpad[:, :, : full.shape[-1]] = full
    return dxpad[:, :, padding : padding + input_length]


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    stride = kernel_size if stride is None else stride
    width = x.shape[2]
    w_out = delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    windows = np.lib.stride_tricks.sliding_window_view(xpad, kernel_size, axis=2)
    windows = windows[:, :, ::stride][:, :, :w_out]
    # one_hot[n, c, t, k]: tap k holds the first maximum of window t
    one_hot = windows.argmax(axis=3)[..., None] == np.arange(kernel_size)
    # place[t, k, j]: tap k of window t sits at padded position j
    taps = np.arange(w_out)[:, None, None] * stride + np.arange(kernel_size)[:, None]
    place = taps == np.arange(xpad.shape[2])
    dxpad = np.einsum("nct,nctk,tkj->ncj", delta, one_hot, place)
    return dxpad[:, :, padding : padding + width]
