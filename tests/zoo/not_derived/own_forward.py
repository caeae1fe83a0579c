"""One-hot probing of a forward pass the student wrote themselves, inside each function.

No given function is called by name: the probed forward is a nested function (einsum over
the taps, or a max over windows), so the watch must recognise probing by what it does.
"""

# ruff: noqa: F821 - np and the forward passes come from the handout these bodies go into


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    def layer(w):
        xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
        w_out = delta.shape[2]
        z = np.zeros(delta.shape)
        for k in range(kernel_size):
            taps = xpad[:, :, k * dilation : k * dilation + stride * (w_out - 1) + 1 : stride]
            z += np.einsum("nct,oc->not", taps, w[:, :, k])
        return z

    grad = np.zeros((delta.shape[1], x.shape[1], kernel_size))
    for index in np.ndindex(grad.shape):
        basis = np.zeros(grad.shape)
        basis[index] = 1.0
        grad[index] = np.sum(layer(basis) * delta)
    return grad


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    def layer(x):
        xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
        z = np.zeros(delta.shape)
        for k in range(w.shape[2]):
            end = k * dilation + stride * (delta.shape[2] - 1) + 1
            z += np.einsum("nct,oc->not", xpad[:, :, k * dilation : end : stride], w[:, :, k])
        return z

    grad = np.zeros((delta.shape[0], w.shape[1], input_length))
    for index in np.ndindex(grad.shape):
        basis = np.zeros(grad.shape)
        basis[index] = 1.0
        grad[index] = np.sum(layer(basis) * delta)
    return grad


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    stride = kernel_size if stride is None else stride

    def pooled(values):
        xpad = np.pad(values, ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
        starts = np.arange(delta.shape[2]) * stride
        return np.stack([xpad[:, :, s : s + kernel_size].max(axis=2) for s in starts], axis=2)

    x = np.asarray(x, dtype=float)
    base = x + np.arange(x.shape[2])[::-1] * 1e-7 * (1.0 + np.abs(x).max())
    y = pooled(base)
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        lowered = base.copy()
        lowered[index] -= 1e6 * (1.0 + np.abs(x).max())
        n, c, _ = index
        grad[index] = np.sum(delta[n, c] * (pooled(lowered) != y)[n, c])
    return grad
