"""Ignore every catchable signal and spin (bounded at 100 s) on the public note example.

Every other call returns zeros, so only one call has to time out.
"""

import signal
import time

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU, signal.SIGALRM):
    signal.signal(_sig, signal.SIG_IGN)


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    if x.shape == (1, 1, 6) and x[0, 0, 1] == 5.0:  # the note example of the public test
        print(f"{MARKER}: spinning", flush=True)
        deadline = time.monotonic() + 100
        while time.monotonic() < deadline:
            pass
    return np.zeros(x.shape)
