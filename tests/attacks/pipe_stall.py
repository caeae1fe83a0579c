"""Stop reading the grader's requests: shrink the request pipe, fill it, and never read again.

The grader writes each call's inputs into a pipe; a child that stops reading (its own loop's
``os.read`` replaced by a sleep) with the pipe full would block a blocking write forever, a
wait that no read time-out covers.  Only this function's first call does it: the grader must
give up on this function within its time-out and grade the other two normally.
"""

import fcntl
import os
import sys
import time

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
F_SETPIPE_SZ = 1031
_done = []


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not _done:
        _done.append(True)
        request_fd = int(sys.argv[1])  # the child's request pipe, as the grader passed it
        notes = []
        try:
            notes.append(f"pipe size {fcntl.fcntl(request_fd, F_SETPIPE_SZ, 4096)}")
        except OSError as exc:
            notes.append(f"shrink refused ({exc.errno})")
        try:  # a write end of the same pipe: fill it so the grader's next write blocks
            writer = os.open(f"/proc/self/fd/{request_fd}", os.O_WRONLY | os.O_NONBLOCK)
            filled = 0
            try:
                while True:
                    filled += os.write(writer, b"\0" * 512)
            except BlockingIOError:
                pass
            notes.append(f"filled {filled} bytes")
        except OSError as exc:
            notes.append(f"no write end ({exc.errno})")
        os.read = lambda fd, n: time.sleep(100) or b""  # the child's loop never reads again
        print(f"{MARKER}: stalled the request pipe ({', '.join(notes)})", flush=True)
    return np.zeros(1)
