"""A student's submission in im2col form: unfold the input, then multiply matrices.

Results keep the inputs' precision (float32 in, float32 out) and come back as
transposed views rather than fresh contiguous arrays.
"""

import numpy as np


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    batch, c_in, _ = x.shape
    c_out, w_out = delta.shape[1], delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    # cols[(n, t), (c, k)] = xpad[n, c, t * stride + k * dilation]
    idx = np.arange(w_out)[:, None] * stride + np.arange(kernel_size) * dilation
    cols = xpad[:, :, idx].transpose(0, 2, 1, 3).reshape(batch * w_out, c_in * kernel_size)
    d_mat = delta.transpose(0, 2, 1).reshape(batch * w_out, c_out)
    # dw = d_mat^T cols; compute its transpose and hand back a view
    dw_t = (cols.T @ d_mat).reshape(c_in, kernel_size, c_out)
    return dw_t.transpose(2, 0, 1)


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    batch, c_out, w_out = delta.shape
    _, c_in, kernel_size = w.shape
    w_mat = w.reshape(c_out, c_in * kernel_size)
    d_mat = delta.transpose(1, 0, 2).reshape(c_out, batch * w_out)
    # dcols[c, k, n, t]: the gradient of each entry of the unfolded input
    dcols = (w_mat.T @ d_mat).reshape(c_in, kernel_size, batch, w_out)
    # col2im, into a buffer laid out (position, sample, channel)
    dxpad = np.zeros((input_length + 2 * padding, batch, c_in), dtype=np.result_type(delta, w))
    starts = np.arange(w_out) * stride
    for k in range(kernel_size):
        dxpad[starts + k * dilation] += dcols[:, k].transpose(2, 1, 0)
    return dxpad[padding : padding + input_length].transpose(1, 2, 0)


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    if stride is None:
        stride = kernel_size
    batch, channels, width = x.shape
    w_out = delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    starts = np.arange(w_out) * stride
    cols = xpad[:, :, starts[:, None] + np.arange(kernel_size)]
    winners = starts + cols.argmax(axis=3)  # padded positions, shape (N, C, W_out)
    dxpad = np.zeros((xpad.shape[2], batch, channels), dtype=np.result_type(x, delta))
    n_idx, c_idx = np.indices((batch, channels))
    for t in range(w_out):  # one window per (n, c) at a time, so no index repeats
        dxpad[winners[:, :, t], n_idx, c_idx] += delta[:, :, t]
    return dxpad[padding : padding + width].transpose(1, 2, 0)
