"""Sidestep the per-process memory limit by holding memory in several processes at once.

Six forked processes each touch 384 MiB (under the 1 GiB per-process limit) and hold it for a
few seconds; the total is what the sandbox as a whole could pin.  Reported as BREACH[...] when
it exceeds 2 GiB, twice the per-process limit: some total cap must stop it first.
Runs on the public note example only; the processes exit by themselves after 5 s.
"""

import os
import select
import time

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
EACH, COUNT = 384 << 20, 6


def _hold(ready: int) -> None:
    try:
        block = np.ones(EACH, dtype=np.uint8)  # touched: resident, not just reserved
        os.write(ready, b"x")
        time.sleep(5)
        del block
    finally:
        os._exit(0)


def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1):
    if x.shape == (1, 1, 6) and x[0, 0, 0] == 2.0:  # the public note example
        print(f"{MARKER}: forking {COUNT} holders", flush=True)  # proof it ran, before any OOM
        read_end, write_end = os.pipe()
        children = []
        for _ in range(COUNT):
            pid = os.fork()
            if pid == 0:
                _hold(write_end)
            children.append(pid)
        held, deadline = 0, time.monotonic() + 8
        while held < len(children) and time.monotonic() < deadline:
            if select.select([read_end], [], [], 0.5)[0]:
                held += len(os.read(read_end, 16))
        for pid in children:
            os.waitpid(pid, 0)
        total = held * (EACH >> 20)
        print(f"{MARKER}: held {total} MiB", flush=True)
        if total > 2048:
            raise RuntimeError(f"BREACH[held {total} MiB at once in {held} processes]")
    return np.zeros(1)
