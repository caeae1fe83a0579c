"""Benchmark: grading a synthetic class with parallel workers, against `otter run`.

Run on demand (not part of the test suite), from the repo root:

    .venv/bin/python benchmarks/batch_grading.py [--count 200] [--jobs 2] [--autograder ZIP]

The class mixes the zoo's correct styles (as .py files and notebooks), its catalogued mistakes
and broken files (empty, syntax error, binary, not UTF-8, functions missing).  It is graded:

1. as a batch with ``--jobs`` worker processes (``cnn-backprop grade -j N``'s code path);
2. one by one in this process (``-j 1``), to check the scores are identical;
3. a sample of ``--otter-sample`` files with the real ``otter run`` and the autograder zip
   (built into a temporary folder unless ``--autograder`` is given), side by side, so the
   speed-up is measured on the same machine at the same time.

It prints submissions per second, the peak memory (VmHWM) of the worker processes and of
the sandbox children they ran, the speed-up per submission, and whether all scores agree.
Targets: at least 10x faster per submission than ``otter run`` with 2 workers, under 300 MB
per worker, identical scores.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from zoo.mistakes import MISTAKES, submission_source  # noqa: E402

BROKEN = {
    "empty.py": b"",
    "syntax.py": b"def conv1d_backward_w(x, delta:\n    return x\n",
    "binary.py": b"\x00\x01\x02 not python",
    "latin1.py": "# caf\u00e9\n".encode("latin-1"),
    "nothing_defined.py": b"import numpy as np\n\nANSWER = 42\n",
    "broken.ipynb": b'{"cells": [',
}


# which submissions `otter run` grades: correct .py, notebook, mistakes, syntax error, ...
SAMPLE = (0, 2, 3, 59, 6, 49, 4, 5, 7, 8, 1)


def synthetic_class(folder: Path, count: int) -> list[Path]:
    """``count`` submissions: 30 % correct, 60 % with one mistake, 10 % broken."""
    styles = sorted((REPO / "tests" / "zoo" / "correct").glob("*.py"))
    broken = sorted(BROKEN.items())
    paths = []
    for i in range(count):
        kind = i % 10
        if kind < 3:
            source = styles[i % len(styles)].read_text()
            if kind == 2:  # a third of the correct ones as notebooks
                path = folder / f"student{i:03d}.ipynb"
                cells = [nbformat.v4.new_code_cell(source)]
                nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
                paths.append(path)
                continue
        elif kind < 9:
            source = submission_source(MISTAKES[(i * 7) % len(MISTAKES)])
        else:
            name, data = broken[(i // 10) % len(broken)]
            path = folder / f"student{i:03d}_{name}"
            path.write_bytes(data)
            paths.append(path)
            continue
        path = folder / f"student{i:03d}.py"
        path.write_text(source)
        paths.append(path)
    return paths


def otter_score(zip_path: Path, submission: Path, out: Path) -> float:
    out.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o", str(out),
         "--no-logo", str(submission)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return json.loads((out / "results.json").read_text())["score"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--otter-sample", type=int, default=5)
    parser.add_argument("--autograder", type=Path, help="default: build one in a temp folder")
    args = parser.parse_args()

    from cnn_backprop.batch import discover, grade_batch
    from cnn_backprop.course import load

    course = load()

    with tempfile.TemporaryDirectory(prefix="cnn-backprop-bench-") as tmp:
        tmp = Path(tmp)
        folder = tmp / "class"
        folder.mkdir()
        files = synthetic_class(folder, args.count)
        n = len(files)

        zip_path = args.autograder
        if zip_path is None:  # the zip only: `cnn-backprop build` would also self-grade and
            # refresh student_template/, which a benchmark must not touch
            from cnn_backprop.build import build_autograder_zip

            zip_path = build_autograder_zip(course, tmp / "autograder.zip")

        jobs = discover([folder], tmp / "batch").jobs
        started = time.perf_counter()
        batch = grade_batch(course, jobs, tmp / "batch", workers=args.jobs)
        batch_s = time.perf_counter() - started

        started = time.perf_counter()
        single = grade_batch(
            course, discover([folder], tmp / "single").jobs, tmp / "single", workers=1
        )
        single_s = time.perf_counter() - started

        # a spread over the class: a correct .py, a notebook, mistakes, broken files
        by_index = {int(r.key[7:10]): r for r in batch.records}
        sample = [by_index[i] for i in SAMPLE if i in by_index][: args.otter_sample]
        started = time.perf_counter()
        otter = {
            r.key: otter_score(zip_path, Path(r.origin), tmp / "otter" / r.key) for r in sample
        }
        otter_s = time.perf_counter() - started

    ours = {r.key: r.total for r in batch.records}
    one_by_one = {r.key: r.total for r in single.records}
    same_batch = ours == one_by_one
    same_otter = all(abs(otter[k] - ours[k]) < 1e-9 for k in otter)
    per_ours = batch_s / n
    per_otter = otter_s / len(otter)
    workers = batch.worker_stats.values()
    worker_mb = max((w["worker_peak_kib"] for w in workers), default=0) / 1024
    child_mb = max((w["child_peak_kib"] for w in workers), default=0) / 1024
    statuses = {}
    for record in batch.records:
        statuses[record.status] = statuses.get(record.status, 0) + 1

    print(
        f"submissions:                 {n}  ({', '.join(f'{v} {k}' for k, v in statuses.items())})"
    )
    print(f"batch, -j {args.jobs}:                 {batch_s:6.1f} s  "
          f"{n / batch_s:5.2f} submissions/s  ({per_ours:.3f} s per submission)")  # fmt: skip
    print(f"one by one, -j 1:            {single_s:6.1f} s  "
          f"{n / single_s:5.2f} submissions/s")  # fmt: skip
    print(f"otter run, {len(otter)} of them:        {otter_s:6.1f} s  "
          f"({per_otter:.2f} s per submission)")  # fmt: skip
    print(f"speed-up per submission:     {per_otter / per_ours:.1f}x  (target >= 10x)")
    print(f"peak memory per worker:      {worker_mb:.0f} MB  (VmHWM; target < 300 MB)")
    print(f"peak memory, sandbox child:  {child_mb:.0f} MB")
    print(f"scores, -j {args.jobs} == -j 1:        {same_batch}")
    print(f"scores, batch == otter run:  {same_otter}  (on the {len(otter)} sampled)")
    ok = same_batch and same_otter and per_otter / per_ours >= 10 and worker_mb < 300
    ok = ok and "grader-error" not in statuses  # a broken grader is fast, and wrong
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
