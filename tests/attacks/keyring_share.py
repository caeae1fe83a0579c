"""Pass code between submissions through the kernel's per-uid keyring.

The user keyring outlives the process; if every submission graded by a worker ran as the same
uid, one could leave its code there and a classmate's submission read it.  This one looks for
a key left by an earlier submission, then tries to leave one; either working is a BREACH.
"""

import ctypes

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
KEY_SPEC_USER_KEYRING = -4
_done = []


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if not _done:
        _done.append(True)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        found = libc.syscall(249, b"user", b"cnn-backprop-classmate", None, 0)  # request_key
        read_errno = ctypes.get_errno()
        payload = b"def conv1d_backward_w(*a, **k): ..."
        added = libc.syscall(248, b"user", b"cnn-backprop-classmate", payload, len(payload),
                             KEY_SPEC_USER_KEYRING)  # add_key  # fmt: skip
        add_errno = ctypes.get_errno()
        print(f"{MARKER}: keyring tried (read errno {read_errno}, add errno {add_errno})",
              flush=True)  # fmt: skip
        if found >= 0 or added >= 0:
            raise RuntimeError(f"BREACH[keyring usable: request_key {found}, add_key {added}]")
    return np.zeros(1)
