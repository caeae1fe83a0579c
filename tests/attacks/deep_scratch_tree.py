"""Leave a directory tree 3000 levels deep in the scratch directory for the grader to remove.

A recursive removal (shutil.rmtree before Python 3.13) hits the recursion limit.
"""

import os

import numpy as np

MARKER = "MARKER-PLACEHOLDER"

_done = []


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not _done:
        _done.append(True)
        current, depth = os.open(".", os.O_RDONLY), 0
        try:
            for depth in range(3000):  # noqa: B007 - reported below
                os.mkdir("d", dir_fd=current)
                deeper = os.open("d", os.O_RDONLY, dir_fd=current)
                os.close(current)
                current = deeper
        except OSError as exc:  # a working folder it may not write to
            print(f"{MARKER}: stopped at depth {depth} ({exc.strerror})", flush=True)
        else:
            print(f"{MARKER}: built the tree", flush=True)
        os.close(current)
    return np.zeros(1)
