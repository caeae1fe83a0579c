"""Benchmark: what watching each call for probing costs (``sandbox/child.py``'s ``_ProbeWatch``).

Run on demand (not part of the test suite), from the repo root:

    .venv/bin/python benchmarks/probing_overhead.py [--repeats 5] [--sandbox 10]

1. In process, side by side: every call the public and hidden suites make (two seeds), plus
   three larger calls, for each correct style of ``tests/zoo/correct`` in the handout's
   ``.py``: the best of ``--repeats`` runs plain, and under the watch (``_watched_call``).
2. Through the real sandbox (the grading path): ``grade_file`` on ``loops.py`` ``--sandbox``
   times, with the child as shipped and with a child whose watch is taken out (the same
   source, one line replaced), interleaved, medians compared.

Prints seconds and ratios; the target is that grading speed does not change measurably.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from checkout import COURSE, QUESTIONS, TOTAL  # noqa: E402
from cnn_backprop.checks import LocalFunction  # noqa: E402
from cnn_backprop.sandbox import session  # noqa: E402
from cnn_backprop.sandbox.child import _watched_call  # noqa: E402
from cnn_backprop.suite import load_question, run_question  # noqa: E402
from zoo.classroom import STYLES, in_template, style  # noqa: E402

WATCHED = "result, probe = _watched_call(func, args, kwargs)"
UNWATCHED = "result, probe = func(*args, **kwargs), None"


def recorded_calls(namespace: dict[str, Any]) -> list[tuple[str, list, dict]]:
    """Every call the suites make (seeds 0 and 1), and three larger ones."""
    calls: list[tuple[str, list, dict]] = []

    def recorder(name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, [np.copy(a) if isinstance(a, np.ndarray) else a for a in args],
                          dict(kwargs)))  # fmt: skip
            return namespace[name](*args, **kwargs)

        return call

    env: dict[str, Any] = {
        q: LocalFunction(recorder(q), COURSE.question(q), COURSE) for q in QUESTIONS
    }
    env.update(COURSE.given())
    for seed in (0, 1):
        for question in QUESTIONS:
            run_question(load_question(COURSE, question), env, seed, COURSE.config.features)
    rng = np.random.default_rng(0)
    x, delta = rng.standard_normal((4, 8, 200)), rng.standard_normal((4, 6, 99))
    calls.append(("conv1d_backward_w", [x, delta, 3], {"stride": 2}))
    calls.append(("conv1d_backward_input", [delta, rng.standard_normal((6, 8, 3)), 200],
                  {"stride": 2}))  # fmt: skip
    calls.append(("maxpool1d_backward", [x, rng.standard_normal((4, 8, 66)), 3], {}))
    return calls


def best_of(repeats: int, run: Any) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def in_process(repeats: int) -> None:
    print("in process: all suite calls (2 seeds) + 3 large calls, best of", repeats)
    print(f"  {'style':16s} {'calls':>5s} {'plain':>9s} {'watched':>9s} {'ratio':>6s}")
    for name in STYLES:
        namespace: dict[str, Any] = {"__name__": "submission"}
        exec(compile(in_template(style(name)), "student.py", "exec"), namespace)
        calls = recorded_calls(namespace)

        def plain(calls: list = calls, ns: dict = namespace) -> None:
            for q, args, kwargs in calls:
                ns[q](*args, **kwargs)

        def watched(calls: list = calls, ns: dict = namespace) -> None:
            for q, args, kwargs in calls:
                _watched_call(ns[q], args, kwargs)

        a, b = best_of(repeats, plain), best_of(repeats, watched)
        print(f"  {name:16s} {len(calls):5d} {a:8.4f}s {b:8.4f}s {b / a:5.2f}x")


def through_sandbox(times: int) -> None:
    from cnn_backprop.grader import grade_file

    shipped = session.CHILD_SOURCE
    assert WATCHED in shipped, "the child's call line changed: update this benchmark"
    without = shipped.replace(WATCHED, UNWATCHED)
    seconds: dict[str, list[float]] = {"watched": [], "unwatched": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "loops.py"
        path.write_text(in_template(style("loops")))
        grade_file(path, COURSE)  # warm up: imports, the protections' probe
        for _ in range(times):
            for label, source in (("watched", shipped), ("unwatched", without)):
                session.CHILD_SOURCE = source
                started = time.perf_counter()
                outcome = grade_file(path, COURSE)
                seconds[label].append(time.perf_counter() - started)
                assert outcome.total == TOTAL, outcome.results.get("output")
    session.CHILD_SOURCE = shipped
    w, u = (statistics.median(seconds[k]) for k in ("watched", "unwatched"))
    print(f"through the sandbox: grade_file(loops.py), median of {times}, interleaved")
    print(f"  child as shipped (watched): {w:.3f} s")
    print(f"  watch taken out:            {u:.3f} s")
    print(f"  difference:                 {w - u:+.3f} s per submission ({w / u:.2f}x)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sandbox", type=int, default=10, help="grade_file runs per variant")
    args = parser.parse_args()
    in_process(args.repeats)
    if args.sandbox:
        through_sandbox(args.sandbox)
    return 0


if __name__ == "__main__":
    sys.exit(main())
