"""Return objects that claim to equal anything: an ndarray subclass and a plain object."""

import numpy as np

MARKER = "MARKER-PLACEHOLDER"


class LyingArray(np.ndarray):
    """Equal to everything, close to everything; numpy functions on it say True or zero."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = None

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        shape = next(i.shape for i in inputs if isinstance(i, np.ndarray))
        return np.zeros(shape).view(LyingArray)


class Liar:
    """Not an array at all, but says it equals whatever it is compared with."""

    def __init__(self, shape):
        self.shape = shape
        self.dtype = np.dtype(float)

    def __eq__(self, other):
        return True

    def __len__(self):
        return self.shape[0]

    def __float__(self):
        return 0.0


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    return np.zeros((delta.shape[0], w.shape[1], input_length)).view(LyingArray)


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    print(f"{MARKER}: lying", flush=True)
    return Liar(x.shape)
