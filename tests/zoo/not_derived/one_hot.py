"""Gradients read off the given forward passes with one-hot inputs: no backpropagation at all.

The layers are linear (max-pooling piecewise so), so ``sum(forward(e_i) * delta)`` is exactly
the gradient's entry i.  These bodies go into the handout's ``.py`` (``zoo.classroom``), where
``conv1d_forward`` and ``maxpool1d_forward`` are given.  They score full marks: only the
grader's watch (``probing.py``) tells them apart.
"""

# ruff: noqa: F821 - np and the forward passes come from the handout these bodies go into


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    dw = np.zeros((delta.shape[1], x.shape[1], kernel_size))
    for index in np.ndindex(dw.shape):
        probe = np.zeros(dw.shape)
        probe[index] = 1.0
        z = conv1d_forward(x, probe, stride=stride, padding=padding, dilation=dilation)
        dw[index] = np.sum(z * delta)
    return dw


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    shape = (delta.shape[0], w.shape[1], input_length)
    dx = np.zeros(shape)
    for index in np.ndindex(shape):
        probe = np.zeros(shape)
        probe[index] = 1.0
        z = conv1d_forward(probe, w, stride=stride, padding=padding, dilation=dilation)
        dx[index] = np.sum(z * delta)
    return dx


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    x = np.asarray(x, dtype=float)
    scale = 1.0 + np.abs(x).max()
    # offsets falling along each row make the first of tied maxima the only maximum
    base = x + np.arange(x.shape[2])[::-1] * 1e-7 * scale
    y = maxpool1d_forward(base, kernel_size, stride, padding)
    dx = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        lowered = base.copy()
        lowered[index] -= 1e6 * scale  # the windows this entry won now have another maximum
        changed = maxpool1d_forward(lowered, kernel_size, stride, padding) != y
        n, c, _ = index
        dx[index] = np.sum(delta[n, c] * changed[n, c])
    return dx
