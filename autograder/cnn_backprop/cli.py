"""The ``cnn-backprop`` command: build, grade, check, sandbox, mutants."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .course import Course
    from .records import Record
    from .similarity import Comparison


def _course(args: argparse.Namespace) -> Course:
    """The course every command works on: built once, from ``--course`` or the checkout."""
    from .course import load

    return load(Path(args.course) if args.course else None)


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    return build(_course(args), Path(args.out))


def _sandbox_line(summary: dict) -> str:
    mechanisms = ", ".join(summary["mechanisms"]) or "limits only"
    return f"sandbox: isolation level {summary['level']} ({mechanisms})"


def cmd_sandbox(args: argparse.Namespace) -> int:
    """What a submission's child process gets on this machine, measured by a real child."""
    import json

    from .sandbox import detect_protections

    protections = detect_protections()
    if args.json:
        print(json.dumps(protections.summary(), indent=2))
    else:
        print(_sandbox_line(protections.summary()))
        for line in protections.describe():
            print(f"  - {line}")
    return 0


def _check_isolation(course: Course) -> str | None:
    """Why grading here would refuse every submission (None: it will not)."""
    from .sandbox import detect_protections

    required = course.config.min_isolation
    protections = detect_protections()
    print(_sandbox_line(protections.summary()), file=sys.stderr)
    if protections.meets(required):
        return None
    missing = "; ".join(f"{m}: {why}" for m, why in protections.missing) or "none"
    return (
        f"this machine's sandbox reaches isolation level '{protections.level()}', below the "
        f"course's min_isolation '{required}', so every submission would be refused "
        f"(missing: {missing}). Grade where namespaces or Landlock are available, or lower "
        "min_isolation in otter_config.json (see the README's sandbox table)"
    )


def cmd_grade(args: argparse.Namespace) -> int:
    from .batch import BatchInputError, Progress, discover, grade_batch

    course = _course(args)  # a configuration mistake stops here, before anything is graded
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)  # an unwritable --out: said before any probing
    refused = _check_isolation(course)
    if refused:
        print(f"cnn-backprop grade: {refused}", file=sys.stderr)
        return 2
    try:
        found = discover(args.submissions, out)
    except BatchInputError as exc:
        print(f"cnn-backprop grade: {exc}", file=sys.stderr)
        return 2
    if found.skipped:
        print(
            f"skipped {len(found.skipped)} file(s) that are not .py, .ipynb or .zip "
            f"(e.g. {found.skipped[0]})",
            file=sys.stderr,
        )
    if not found.jobs:
        print("cnn-backprop grade: no submissions found", file=sys.stderr)
        return 2
    try:
        result = grade_batch(
            course,
            found.jobs,
            out,
            workers=args.jobs,
            seed=args.seed,
            force=args.force,
            hide=found.hide,
            progress=Progress(),
        )
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished submissions are kept; run the same command again to "
            "grade the rest",
            file=sys.stderr,
        )
        return 130
    records = result.records
    graded = {r.key for r in records}
    files = {job.key: job.path for job in found.jobs if job.key in graded}
    written, comparison = _class_outputs(course, records, files, out, args.title)
    if len(records) <= TABLE_ROWS:  # a class-sized batch reads better in the report
        _print_table(course.names, records)
    _print_summary(records, result, comparison)
    print(
        f"wrote {', '.join(str(p) for p in written if p)} and {len(records)} results.json file(s)"
    )
    return 0


def _class_outputs(
    course: Course, records: list[Record], files: dict[str, Path], out: Path, title: str
) -> tuple[list[Path | None], Comparison]:
    """grades.csv, misconceptions.csv, similarity.csv and report.html for a graded batch."""
    from . import misconceptions, similarity
    from .batch import write_grades_csv
    from .report import write_report

    csv_path = write_grades_csv(course.names, records, out / "grades.csv")
    diagnosis = misconceptions.diagnose_class(course, records)
    misconceptions.write_csv(diagnosis, out / misconceptions.CSV_FILE)
    if len(files) > 100:  # about 5 s per hundred submissions: say what is happening
        print(f"searching {len(files)} submissions for look-alikes...", file=sys.stderr)
    comparison = similarity.compare_paths(course, files, cache=out / similarity.CACHE_DIR)
    similarity_path = similarity.write_csv(comparison, out / similarity.CSV_FILE)
    report_path = write_report(
        course, records, out / "report.html", title=title, similarity=comparison,
        diagnosis=diagnosis,
    )  # fmt: skip
    return [csv_path, out / misconceptions.CSV_FILE, similarity_path, report_path], comparison


def _print_summary(records: list[Record], result: Any, comparison: Comparison) -> None:
    failed = sum(not r.ran for r in records)
    timing = f" in {result.seconds:.1f} s with {result.workers} worker(s)" if result.graded else ""
    print(
        f"{len(records)} submission(s): {len(result.graded)} graded{timing}, "
        f"{len(result.reused)} unchanged since the last run"
        + (f"; {failed} failed to run" if failed else "")
    )
    flagged = sum(bool(r.flags) for r in records)
    if flagged:
        print(f"{flagged} submission(s) flagged for instructors (grades.csv's flags column)")
    if comparison.unavailable:
        print(f"note: {comparison.unavailable}", file=sys.stderr)
    else:
        print(
            f"{len(comparison.pairs)} look-alike pair(s) at similarity >= "
            f"{comparison.threshold:g} among {len(comparison.compared)} submission(s)"
        )


TABLE_ROWS = 40


def _print_table(questions: tuple[str, ...], records: list[Record]) -> None:
    widths = [max(12, *(len(r.key) for r in records)), *(len(q) for q in questions), 9, 12]
    header = ["submission", *questions, "total", "status"]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for r in records:
        cells = [f"{r.scores.get(q, 0):g}/{r.possible.get(q, 0):g}" for q in questions]
        line = [r.key, *cells, f"{r.total:g}/{sum(r.possible.values()):g}", r.status]
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())


def cmd_check(args: argparse.Namespace) -> int:
    from .grader import check_file

    passed, failed, report = check_file(_course(args), Path(args.submission))
    print(report)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def cmd_mutants(args: argparse.Namespace) -> int:
    from .mutation import main as kill_matrix

    return kill_matrix(_course(args), args.seeds, args.tie_rule, scope=args.scope)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cnn-backprop",
        description="Build, grade and check the CNN backpropagation homework.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--course",
        metavar="DIR",
        help="the course folder (solutions/, tests/, assignment/, otter_config.json; "
        "default: this checkout, or $CNN_BACKPROP_COURSE)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="write the student handout and the Gradescope autograder zip")
    p.add_argument("--out", default="dist", help="output folder (default: dist)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "grade",
        help="grade submissions (files, folders, Gradescope exports) with the public and "
        "hidden suites; write grades.csv and a class report",
    )
    p.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSION",
        help=".py, .ipynb or Otter .zip files; folders of them; Gradescope's "
        "'Export Submissions' zip or its unpacked folder",
    )
    p.add_argument("--out", default="graded", help="output folder (default: graded)")
    p.add_argument("--seed", type=int, help="reproduce a grade: the seed from its report")
    p.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="grading processes (default: the machine's cores)",
    )
    p.add_argument(
        "--force", action="store_true", help="grade everything again, ignoring earlier results"
    )
    p.add_argument("--title", default="Class report", help="the class report's title")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser(
        "sandbox", help="show which protections a submission gets on this machine (measured)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("check", help="run the public tests on one file, as a student would")
    p.add_argument("submission", metavar="SUBMISSION")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "mutants", help="maintainers: the kill matrix of the catalogued mistakes (tests/zoo)"
    )
    p.add_argument("--seeds", type=int, default=200, help="seeds per mistake (default: 200)")
    p.add_argument("--tie-rule", default="first", choices=("first", "all", "split"))
    p.add_argument("--scope", default="full", choices=("full", "note"))
    p.set_defaults(func=cmd_mutants)

    args = parser.parse_args(argv)
    from .build import BuildError
    from .config import ConfigError
    from .figures import ExampleError
    from .handout import HandoutError
    from .paths import ResourceError
    from .public import PublicTestError

    try:
        return int(args.func(args))
    except ConfigError as exc:  # the instructor's configuration: say which key, no traceback
        print(f"cnn-backprop: configuration error: {exc}", file=sys.stderr)
        return 2
    except (BuildError, HandoutError, PublicTestError, ExampleError, ResourceError) as exc:
        print(f"cnn-backprop {args.command}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the file system said no: one sentence on what to change
        print(f"cnn-backprop {args.command}: {os_error(exc, args)}", file=sys.stderr)
        return 1


def os_error(exc: OSError, args: argparse.Namespace) -> str:
    """An OS error as one sentence that says what to fix."""
    path = exc.filename or exc.filename2
    why = (exc.strerror or str(exc)).rstrip(".")
    out = getattr(args, "out", None)
    if path is not None and out is not None and _within(Path(str(path)), Path(out)):
        where = "" if Path(str(path)) == Path(out) else f": {path}"
        return (
            f"cannot write the output folder {out} ({why}{where}); choose a folder you can "
            "write to with --out, or make this one writable"
        )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left to write {path}; free some disk space and run the command again"
    if path is None:
        return f"{why}; check the files and folders this command reads and writes"
    if isinstance(exc, PermissionError):
        return f"permission denied on {path}; make it readable (and writable) for you"
    if isinstance(exc, FileNotFoundError):
        return f"{path} does not exist; check the path"
    return f"{why}: {path}; check this path"


def _within(path: Path, folder: Path) -> bool:
    path, folder = path.absolute(), folder.absolute()
    return path == folder or folder in path.parents or path in folder.parents


if __name__ == "__main__":
    sys.exit(main())
