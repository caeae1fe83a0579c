"""Start a few dozen processes (bounded: 40, each sleeping at most 120 s) and walk away."""

import os
import subprocess
import sys

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
SLEEPER = "import time; time.sleep(120)"
_started = []


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not _started:
        for _ in range(20):
            try:
                _started.append(subprocess.Popen([sys.executable, "-c", SLEEPER, MARKER]))
            except OSError:
                break
        for _ in range(20):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                os.execv(sys.executable, [sys.executable, "-c", SLEEPER, MARKER])
            _started.append(pid)
        print(f"{MARKER}: started {len(_started)} processes", flush=True)
    return np.zeros(1)
