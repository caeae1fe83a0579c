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
        current = os.open(".", os.O_RDONLY)
        for _ in range(3000):
            os.mkdir("d", dir_fd=current)
            deeper = os.open("d", os.O_RDONLY, dir_fd=current)
            os.close(current)
            current = deeper
        os.close(current)
        print(f"{MARKER}: built the tree", flush=True)
    return np.zeros(1)
