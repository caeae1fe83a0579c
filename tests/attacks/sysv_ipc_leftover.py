"""Create System V IPC objects (shared memory, message queue, semaphores) that outlive us.

Processes are killed at the end of grading, but IPC objects belong to no process: unless the
sandbox has its own IPC namespace they persist, readable by later submissions (mode 0666).
The key is derived from the marker so the test can find them.
"""

import ctypes
import zlib

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
KEY = zlib.crc32(MARKER.encode()) & 0x7FFFFFFF
IPC_CREAT = 0o1000
SHOWN: list[bool] = []


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    libc = ctypes.CDLL(None, use_errno=True)
    ids = [
        libc.shmget(KEY, 4096, IPC_CREAT | 0o666),
        libc.msgget(KEY, IPC_CREAT | 0o666),
        libc.semget(KEY, 1, IPC_CREAT | 0o666),
    ]
    if not SHOWN:
        SHOWN.append(True)
        print(f"{MARKER}: created IPC objects {ids}", flush=True)
    return np.zeros(1)
