"""Benchmark: one submission through the zip's Gradescope path against ``cnn-backprop grade``.

Run on demand (not part of the test suite), from the repo root:

    .venv/bin/python benchmarks/gradescope_path.py [--rounds 5] [--file NOTEBOOK]

Side by side, interleaved, each in a fresh process as its users run it:

1. the built zip's entry point (``source/run_otter.py``: stage the upload, then Otter's
   ``run_autograder.main``) on a laid-out ``/autograder``-style folder, as Gradescope runs it;
2. ``otter run -a autograder.zip FILE``;
3. ``cnn-backprop grade FILE``.

It prints the best and median wall time of each and the ratios to ``cnn-backprop grade``.
Target (issue 9): the Gradescope path within 1.5x of ``cnn-backprop grade``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from platforms import BY_NAME, autograder_zip, lay_out_autograder  # noqa: E402


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=True, timeout=600)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--file", type=Path, help="default: the reference solution notebook")
    args = parser.parse_args()
    from cnn_backprop.course import load
    from cnn_backprop.handout import build_notebook

    zip_path = autograder_zip()
    with tempfile.TemporaryDirectory(prefix="cnnbp-bench-") as tmp:
        work = Path(tmp)
        submission = args.file or work / "cnn_backprop_hw.ipynb"
        if args.file is None:
            nbformat.write(build_notebook(load(), solution=True), submission)
        times: dict[str, list[float]] = {"gradescope": [], "otter run": [], "grade": []}
        for round_ in range(args.rounds):
            folder = lay_out_autograder(
                work / f"ag{round_}", {submission.name: submission.read_bytes()}
            )
            entry = (
                "import sys; sys.path.insert(0, sys.argv[1] + '/source');"
                "from cnn_backprop.gradescope import main; sys.exit(main(sys.argv[1]))"
            )
            runs = {
                "gradescope": [*BY_NAME["root"].prefix(), sys.executable, "-c", entry, str(folder)],
                "otter run": [
                    sys.executable,
                    "-m",
                    "otter",
                    "run",
                    "-a",
                    str(zip_path),
                    "-o",
                    str(work),
                    "--no-logo",
                    str(submission),
                ],
                "grade": [
                    sys.executable,
                    "-m",
                    "cnn_backprop.cli",
                    "grade",
                    str(submission),
                    "--out",
                    str(work / f"graded{round_}"),
                ],
            }
            for name, command in runs.items():  # interleaved: the same load for all three
                times[name].append(timed(command, work))
        base = min(times["grade"])
        print(f"{args.rounds} rounds, {submission.name}")
        for name, values in times.items():
            best, median = min(values), statistics.median(values)
            print(
                f"{name:12s} best {best:5.2f} s  median {median:5.2f} s  "
                f"({best / base:.2f}x cnn-backprop grade, best of {len(values)})"
            )
        ratio = min(times["gradescope"]) / base
        print(
            f"target: Gradescope path within 1.5x of cnn-backprop grade: {ratio:.2f}x "
            f"{'(met)' if ratio <= 1.5 else '(NOT met)'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
