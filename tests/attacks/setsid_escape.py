"""Leave processes behind in new sessions, out of the sandbox's process group.

A start_new_session child, a double-forked setsid daemon, and a daemon that ignores SIGTERM
and SIGHUP; each sleeps at most 120 s with the marker on its command line.
"""

import os
import subprocess
import sys

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
SLEEPER = (
    "import signal, time\n"
    "for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT): signal.signal(s, signal.SIG_IGN)\n"
    "time.sleep(120)"
)
_started = []


def _daemon() -> None:
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", SLEEPER, MARKER, "daemon"])
        os._exit(0)
    os.waitpid(pid, 0)


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not _started:
        _started.append(True)
        started = 0
        try:  # as many as a process cap allows
            subprocess.Popen([sys.executable, "-c", SLEEPER, MARKER], start_new_session=True)
            started += 1
            _daemon()
            started += 1
        except OSError:
            pass
        print(f"{MARKER}: started the escapees ({started} of 2 ways)", flush=True)
    return np.zeros(1)
