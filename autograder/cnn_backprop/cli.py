"""The ``cnn-backprop`` command: build, grade, check."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from . import QUESTIONS, __version__


def _stems(paths: list[Path]) -> list[str]:
    """One output folder per submission; the same stem twice gets its suffix added."""
    seen: dict[str, int] = {}
    stems = []
    for path in paths:
        stem = path.stem
        seen[stem] = seen.get(stem, 0) + 1
        stems.append(stem if seen[stem] == 1 else f"{stem}-{seen[stem]}")
    return stems


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    return build(Path(args.out))


def cmd_grade(args: argparse.Namespace) -> int:
    from .grader import grade_file, write_results

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    submissions = [Path(p) for p in args.submissions]
    rows = []
    widths = [max(12, *(len(p.name) for p in submissions))] + [len(q) for q in QUESTIONS]
    header = ["submission", *QUESTIONS, "total", "status"]
    print("  ".join(h.ljust(w) for h, w in zip(header, [*widths, 9, 12], strict=False)))
    for path, stem in zip(submissions, _stems(submissions), strict=True):
        outcome = grade_file(path, seed=args.seed, hide=(str(out),))
        write_results(outcome.results, out / stem / "results.json")
        possible = sum(outcome.possible.values())
        cells = [f"{outcome.scores.get(q, 0):g}/{outcome.possible.get(q, 0):g}" for q in QUESTIONS]
        line = [path.name, *cells, f"{outcome.total:g}/{possible:g}", outcome.status]
        print("  ".join(c.ljust(w) for c, w in zip(line, [*widths, 9, 12], strict=False)))
        rows.append(
            [stem, *(f"{outcome.scores.get(q, 0):g}" for q in QUESTIONS), f"{outcome.total:g}",
             "" if outcome.seed is None else str(outcome.seed), outcome.status]
        )  # fmt: skip
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", *QUESTIONS, "total", "seed", "status"])
        writer.writerows(rows)
    print(f"wrote {out}/grades.csv and {len(rows)} results.json file(s)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .grader import check_file

    passed, failed, report = check_file(Path(args.submission))
    print(report)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cnn-backprop",
        description="Build, grade and check the CNN backpropagation homework.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="write the student handout and the Gradescope autograder zip")
    p.add_argument("--out", default="dist", help="output folder (default: dist)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("grade", help="grade submissions with the public and hidden suites")
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help=".py, .ipynb or .zip")
    p.add_argument("--out", default="graded", help="output folder (default: graded)")
    p.add_argument("--seed", type=int, help="reproduce a grade: the seed from its report")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("check", help="run the public tests on one file, as a student would")
    p.add_argument("submission", metavar="SUBMISSION")
    p.set_defaults(func=cmd_check)

    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
