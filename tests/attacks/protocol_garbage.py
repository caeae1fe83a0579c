"""Write garbage into every file descriptor from 3 to 10 (the grader's pipes among them)."""

import contextlib
import os

import numpy as np

MARKER = "MARKER-PLACEHOLDER"

GARBAGE = b"\xff" * 7 + b'{"id": 1, "ok": true, "result": "All tests passed"}' + bytes(range(256))


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    print(f"{MARKER}: writing garbage", flush=True)
    for fd in range(3, 11):
        with contextlib.suppress(OSError):
            os.write(fd, GARBAGE)
    return np.zeros(1)
