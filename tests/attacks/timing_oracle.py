"""Learn from the grader's timing which answers failed, to switch to a better guess.

If the grader judged each answer before asking the next call, the wait after a wrong answer
(the diagnosis of the failure) would be longer than after a right one, and a submission could
keep trying candidate implementations until the waits said "passed".  This one answers every
other call of max-pooling wrongly (the right shape, every entry off by one) and compares the
median wait after wrong and after right answers (18 of each); a clear difference is a BREACH.
"""

import statistics
import time

import numpy as np

MARKER = "MARKER-PLACEHOLDER"
_state = {"calls": 0, "last": None, "wrong_before": None}
_after_wrong: list[float] = []
_after_right: list[float] = []


def _route(x, delta, kernel_size, stride, padding):
    stride = kernel_size if stride is None else stride
    n, c, w = x.shape
    xp = np.pad(x.astype(float), ((0, 0), (0, 0), (padding, padding)), constant_values=-np.inf)
    dx = np.zeros(xp.shape)
    for t in range(delta.shape[2]):
        window = xp[:, :, t * stride : t * stride + kernel_size]
        best = window.argmax(axis=2)
        for i in range(n):
            for j in range(c):
                dx[i, j, t * stride + best[i, j]] += delta[i, j, t]
    return dx[:, :, padding : padding + w]


def maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):
    now = time.perf_counter()
    if _state["last"] is not None:
        gap = now - _state["last"]
        (_after_wrong if _state["wrong_before"] else _after_right).append(gap)
    _state["calls"] += 1
    wrong = _state["calls"] % 2 == 0
    answer = _route(x, delta, kernel_size, stride, padding) + (1.0 if wrong else 0.0)
    _state["wrong_before"] = wrong
    if _state["calls"] == 37:  # one verdict, on 18 waits of each kind (of 38 calls)
        slow, fast = statistics.median(_after_wrong), statistics.median(_after_right)
        print(f"{MARKER}: timed {len(_after_wrong) + len(_after_right)} waits", flush=True)
        if slow > 4 * fast + 0.001:
            raise RuntimeError(f"BREACH[waits after wrong answers {slow:.6f} s, after right "
                               f"answers {fast:.6f} s]")  # fmt: skip
    _state["last"] = time.perf_counter()
    return answer
