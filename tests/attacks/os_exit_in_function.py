"""End the grading process from inside a call: os._exit, and SIGKILL to itself."""

import os
import signal

MARKER = "MARKER-PLACEHOLDER"


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    print(f"{MARKER}: exiting", flush=True)
    os._exit(0)


def conv1d_backward_input(delta, w, input_length, stride=1, padding=0, dilation=1):
    os.kill(os.getpid(), signal.SIGKILL)
