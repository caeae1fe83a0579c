"""Probe what the sandbox may do to the grader and the machine; report each as BREACH[...].

Signals to the grading process and to pid 1 (signal 0: checks permission, changes nothing),
the network, and the grader's environment and working directory through /proc.
"""

import contextlib
import os
import socket

import numpy as np

MARKER = "MARKER-PLACEHOLDER"


def _breaches() -> list[str]:
    found = []
    for pid, who in ((os.getppid(), "grading process"), (1, "pid 1")):
        if pid in (0, os.getpid()):
            continue  # in a PID namespace the parent is out of reach (0) and pid 1 is ourselves
        with contextlib.suppress(OSError):
            os.kill(pid, 0)
            found.append(f"can signal the {who}")
    others = [os.getppid()] + ([1] if os.getpid() != 1 else [])  # pid 1 may be ourselves
    for path in [
        p for pid in others if pid for p in (f"/proc/{pid}/environ", f"/proc/{pid}/cwd")
    ] + (["/proc/1/root"] if os.getpid() != 1 else []):
        with contextlib.suppress(OSError):
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").close()
            found.append(f"can read {path}")
    for address in (("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", 22)):
        with contextlib.suppress(OSError):
            socket.create_connection(address, timeout=2).close()
            found.append(f"can connect to {address}")
    return found


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    found = _breaches()
    print(f"{MARKER}: probed", flush=True)
    if found:
        raise RuntimeError(f"BREACH[{'; '.join(found)}]")
    return np.zeros(1)
