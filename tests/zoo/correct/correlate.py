"""A student's submission using np.convolve / np.correlate on 1-D signals.

One call per (sample, output channel, input channel).  The input gradient is the
note's recipe: insert stride - 1 zeros between the deltas, pad them fully, and
correlate with the flipped filter (whose taps are dilation apart).
"""

import numpy as np


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    batch, c_in, _ = x.shape
    c_out, w_out = delta.shape[1], delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    span = dilation * (kernel_size - 1) + 1
    dw = np.zeros((c_out, c_in, kernel_size))
    for n in range(batch):
        for o in range(c_out):
            s = delta[n, o, ::-1]  # np.convolve flips its second argument, so pre-flip
            s_up = np.zeros((w_out - 1) * stride + 1)
            s_up[::stride] = s
            for c in range(c_in):
                full = np.convolve(xpad[n, c], s_up, mode="valid")
                dw[o, c] += full[:span:dilation]
    return dw


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    batch, c_out, w_out = delta.shape
    _, c_in, kernel_size = w.shape
    span = dilation * (kernel_size - 1) + 1
    flipped = w[:, :, ::-1]  # flip(w), as in the note
    dxpad = np.zeros((batch, c_in, input_length + 2 * padding))
    for n in range(batch):
        for o in range(c_out):
            s_up = np.zeros((w_out - 1) * stride + 1)
            s_up[::stride] = delta[n, o]  # stride - 1 zeros between the deltas
            s_full = np.pad(s_up, span - 1)  # full padding
            for c in range(c_in):
                w_dil = np.zeros(span)
                w_dil[::dilation] = flipped[o, c]  # dilation - 1 zeros between the taps
                grad = np.correlate(s_full, w_dil, mode="valid")
                dxpad[n, c, : grad.size] += grad
    return dxpad[:, :, padding : padding + input_length]


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    if stride is None:
        stride = kernel_size
    batch, channels, width = x.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    dx = np.zeros((batch, channels, width))
    for n in range(batch):
        for c in range(channels):
            for t in range(delta.shape[2]):
                start = t * stride
                winner = start + np.argmax(xpad[n, c, start : start + kernel_size]) - padding
                dx[n, c, winner] += delta[n, c, t]
    return dx
