# Append to solutions/reference.py: the new question's reference and its given forward pass.
# (The rest of reference.py already imports numpy as np.)


def avgpool1d_forward(x: np.ndarray, kernel_size: int, stride: int | None = None) -> np.ndarray:
    """Forward pass of 1-D average pooling, without padding.

    ``y[n, c, t] = mean(x[n, c, t*stride : t*stride + kernel_size])``.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (N, C, W)
        Pool input.
    kernel_size : int
        Window length.
    stride : int, optional
        Defaults to ``kernel_size``.

    Returns
    -------
    y : ndarray, shape (N, C, W_out)
        ``W_out = (W - kernel_size) // stride + 1``.

    Examples
    --------
    >>> avgpool1d_forward(np.array([1.0, 3.0, 2.0, 6.0]).reshape(1, 1, 4), 2)
    array([[[2., 4.]]])
    """
    stride = kernel_size if stride is None else stride
    w_out = (x.shape[2] - kernel_size) // stride + 1
    idx = np.arange(w_out)[:, None] * stride + np.arange(kernel_size)[None, :]
    return x[:, :, idx].mean(axis=-1)


def avgpool1d_backward(
    x: np.ndarray, delta: np.ndarray, kernel_size: int, stride: int | None = None
) -> np.ndarray:
    """Gradient of the loss with respect to the input of 1-D average pooling.

    Each delta is shared equally by the ``kernel_size`` inputs of its window; overlapping
    windows accumulate, and inputs that no window reads get zero.

    Parameters
    ----------
    x : ndarray of float32 or float64, shape (N, C, W)
        The pool's input in the forward pass (only its shape matters).
    delta : ndarray of float32 or float64, shape (N, C, W_out)
        ``dL/dy``, the deltas of the pool's outputs.
    kernel_size : int
        Window length.
    stride : int, optional, keyword
        Defaults to ``kernel_size``.

    Returns
    -------
    dx : ndarray, shape (N, C, W)
        ``dL/dx``.

    Examples
    --------
    >>> x = np.zeros((1, 1, 4))
    >>> avgpool1d_backward(x, np.array([2.0, 4.0]).reshape(1, 1, 2), 2)
    array([[[1., 1., 2., 2.]]])
    """
    stride = kernel_size if stride is None else stride
    dx = np.zeros(x.shape, dtype=np.result_type(x, delta))
    for t in range(delta.shape[2]):
        dx[:, :, t * stride : t * stride + kernel_size] += delta[:, :, t : t + 1] / kernel_size
    return dx
