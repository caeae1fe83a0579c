"""Fill the disk under the scratch directory: many files, each just under the file-size limit.

Bounded at 192 MiB and 8 s (first call only); BREACH[...] if more than 64 MiB could be stored.
"""

import os
import time

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
_done = []


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not _done:
        _done.append(True)
        block = b"\0" * (1 << 20)
        stored, deadline = 0, time.monotonic() + 8
        for index in range(192):
            if time.monotonic() > deadline:
                break
            try:
                fd = os.open(f"{MARKER}-{index}", os.O_WRONLY | os.O_CREAT, 0o600)
            except OSError:
                break
            try:
                while stored < (index + 1) << 20:
                    stored += os.write(fd, block)
            except OSError:
                break
            finally:
                os.close(fd)
        print(f"{MARKER}: stored {stored >> 20} MiB", flush=True)
        if stored > 64 << 20:
            raise RuntimeError(f"BREACH[stored {stored >> 20} MiB in the scratch directory]")
    return np.zeros(1)
