"""Raise the exceptions that ``except Exception`` does not catch, from inside the functions."""

MARKER = "MARKER-PLACEHOLDER"


class Sneaky(BaseException):
    """A BaseException whose message cannot even be turned into text."""

    def __str__(self) -> str:
        raise Sneaky()


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    print(f"{MARKER}: exiting", flush=True)
    raise SystemExit(0)


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    if delta.size % 2:
        raise KeyboardInterrupt
    raise Sneaky()
