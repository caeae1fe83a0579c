"""A student's submission in plain Python loops, "scatter" style.

Every output position t visits the inputs it was computed from and adds its
contribution to their gradients.  Slow, but a direct transcription of the maths.
"""

import numpy as np


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    batch, c_in, _ = x.shape
    c_out, w_out = delta.shape[1], delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    dw = np.zeros((c_out, c_in, kernel_size))
    for n in range(batch):
        for o in range(c_out):
            for t in range(w_out):
                for c in range(c_in):
                    for k in range(kernel_size):
                        dw[o, c, k] += delta[n, o, t] * xpad[n, c, t * stride + k * dilation]
    return dw


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    batch, c_out, w_out = delta.shape
    c_in, kernel_size = w.shape[1], w.shape[2]
    dxpad = np.zeros((batch, c_in, input_length + 2 * padding))
    for n in range(batch):
        for o in range(c_out):
            for t in range(w_out):
                for c in range(c_in):
                    for k in range(kernel_size):
                        dxpad[n, c, t * stride + k * dilation] += delta[n, o, t] * w[o, c, k]
    return dxpad[:, :, padding : padding + input_length]


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    if stride is None:
        stride = kernel_size
    batch, channels, width = x.shape
    w_out = delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    dxpad = np.zeros(xpad.shape)
    for n in range(batch):
        for c in range(channels):
            for t in range(w_out):
                start = t * stride
                best, best_value = start, -np.inf
                for j in range(start, start + kernel_size):
                    if xpad[n, c, j] > best_value:
                        best, best_value = j, xpad[n, c, j]
                dxpad[n, c, best] += delta[n, c, t]
    return dxpad[:, :, padding : padding + width]
