"""Hang in every call of two functions (sleeping, bounded at 100 s a call), ignoring SIGTERM.

Each call costs the grader its full per-call timeout; if the time budget is shared by all the
functions, the correct third function may never be graded.
"""

import signal
import time

MARKER = "MARKER-PLACEHOLDER"
signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _hang() -> None:
    print(f"{MARKER}: hanging", flush=True)
    deadline = time.monotonic() + 100
    while time.monotonic() < deadline:
        time.sleep(0.5)


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    _hang()


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    _hang()
