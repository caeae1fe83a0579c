"""Benchmark: `cnn-backprop grade` on a batch of 12 submissions vs `otter run` one by one.

Run on demand (not part of the test suite), from the repo root:

    .venv/bin/python benchmarks/grade_vs_otter.py [--autograder dist/autograder.zip]

The batch mixes the zoo's correct styles and catalogued mistakes.  Both runs are timed side by
side on the same machine, so the printed ratio is meaningful even on a noisy shared host; the
scores of both paths are compared too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from zoo.mistakes import MISTAKES, submission_source  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--autograder", type=Path, default=REPO / "dist" / "autograder.zip")
    parser.add_argument("--count", type=int, default=12)
    args = parser.parse_args()
    if not args.autograder.is_file():
        print(f"{args.autograder} not found: run `cnn-backprop build` first")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subs = []
        styles = sorted((REPO / "tests" / "zoo" / "correct").glob("*.py"))
        for i in range(args.count):
            path = folder / f"student{i:02d}.py"
            if i % 2 == 0:
                path.write_text(styles[(i // 2) % len(styles)].read_text())
            else:
                path.write_text(submission_source(MISTAKES[(i * 5) % len(MISTAKES)]))
            subs.append(path)

        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cnn_backprop.cli", "grade", *map(str, subs),
             "--out", str(folder / "ours")],
            check=True, capture_output=True,
        )  # fmt: skip
        ours = time.perf_counter() - started

        started = time.perf_counter()
        otter_scores = {}
        for path in subs:
            out = folder / "otter" / path.stem
            out.mkdir(parents=True)
            subprocess.run(
                [sys.executable, "-m", "otter", "run", "-a", str(args.autograder), "-o", str(out),
                 "--no-logo", str(path)],
                check=True, capture_output=True,
            )  # fmt: skip
            otter_scores[path.stem] = json.loads((out / "results.json").read_text())["score"]
        otter = time.perf_counter() - started

        ours_scores = {
            path.stem: json.loads((folder / "ours" / path.stem / "results.json").read_text())[
                "score"
            ]
            for path in subs
        }
    n = len(subs)
    print(f"submissions:            {n}")
    print(f"cnn-backprop grade:     {ours:6.1f} s  ({ours / n:.2f} s per submission)")
    print(f"otter run, one by one:  {otter:6.1f} s  ({otter / n:.2f} s per submission)")
    print(f"speed-up:               {otter / ours:.1f}x")
    same = ours_scores == otter_scores
    print(f"identical scores:       {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
