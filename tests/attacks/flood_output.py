"""Flood stdout and stderr with hundreds of MB (bounded: 300 MB or 20 s per call)."""

import contextlib
import os
import sys
import time

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
CHUNK = (MARKER + " All tests passed! " * 50 + "\n").encode() * 1000


def _flood(limit: int = 300 << 20, seconds: float = 20) -> int:
    written, deadline = 0, time.monotonic() + seconds
    for fd in (1, 2):
        while written < limit and time.monotonic() < deadline:
            try:
                written += os.write(fd, CHUNK)
            except OSError:
                break
    with contextlib.suppress(OSError, ValueError):
        for _ in range(1000):
            sys.stdout.write(CHUNK.decode())
            sys.stderr.write(CHUNK.decode())
    return written


_flood()


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    _flood()
    return np.zeros(1)
