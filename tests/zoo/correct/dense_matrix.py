"""A student's submission that writes the layers as explicit dense linear maps.

place[k, t, j] = 1 when tap k of output t reads padded input j, so the forward
convolution is z = sum_k w_k (place_k xpad) and both gradients are transposes.
Pooling uses pure broadcasting: a mask of each window's first maximum.
"""

import numpy as np


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    w_out = delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    t = np.arange(w_out)[None, :, None]
    k = np.arange(kernel_size)[:, None, None]
    place = (np.arange(xpad.shape[2]) == t * stride + k * dilation).astype(float)
    gathered = np.tensordot(xpad, place, axes=([2], [2]))  # (N, C_in, K, W_out)
    return np.tensordot(delta, gathered, axes=([0, 2], [0, 3]))


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    batch, c_out, w_out = delta.shape
    _, c_in, kernel_size = w.shape
    size = input_length + 2 * padding
    t = np.arange(w_out)[None, :, None]
    k = np.arange(kernel_size)[:, None, None]
    place = (np.arange(size) == t * stride + k * dilation).astype(float)
    # the forward map as one matrix: rows (o, t), columns (c, j)
    forward = np.einsum("ock,ktj->otcj", w, place).reshape(c_out * w_out, c_in * size)
    dxpad = (delta.reshape(batch, c_out * w_out) @ forward).reshape(batch, c_in, size)
    return dxpad[:, :, padding : padding + input_length]


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    if stride is None:
        stride = kernel_size
    width = x.shape[2]
    w_out = delta.shape[2]
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    j = np.arange(xpad.shape[2])
    start = np.arange(w_out)[:, None] * stride
    inside = (j >= start) & (j < start + kernel_size)  # (W_out, W_pad)
    values = np.where(inside, xpad[:, :, None, :], -np.inf)  # (N, C, W_out, W_pad)
    is_max = inside & (values == values.max(axis=3, keepdims=True))
    first = is_max & (np.cumsum(is_max, axis=3) == 1)
    dxpad = (first * delta[..., None]).sum(axis=2)
    return dxpad[:, :, padding : padding + width]
