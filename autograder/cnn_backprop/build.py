"""``cnn-backprop build``: the student handout and the Gradescope autograder zip.

The zip is made by ``otter generate`` (Otter's setup.sh, run_autograder and environment), then
extended with this package and a ``_bundle`` holding the reference, the suites, the config and
the seed secret; the Otter plugin grades from that bundle.  The build then grades the
reference solution and the blank template with the zip through the real ``otter run``.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from . import paths
from .course import HANDOUT, Course
from .handout import NOTEBOOK, build_notebook, public_tests, write_student_folder

REQUIREMENTS = "numpy>=1.24\nnbformat>=5.9\n"


class BuildError(RuntimeError):
    """A step of the build failed; the message says which step and why."""


def _otter(args: list[str], what: str, cwd: Path | None = None) -> None:
    """Run ``python -m otter ARGS``; a failure becomes a BuildError with Otter's last words."""
    try:
        subprocess.run(
            [sys.executable, "-m", "otter", *args],
            cwd=cwd, check=True, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        said = [line for line in (exc.stderr or exc.stdout or "").splitlines() if line.strip()]
        last = said[-1] if said else f"exit code {exc.returncode}"
        raise BuildError(f"{what} failed: {last}") from None
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what} did not finish within 10 minutes") from None


def build_autograder_zip(course: Course, zip_path: Path) -> Path:
    """Make the Gradescope autograder zip with ``otter generate``, then add the bundle: the
    package, and the course files grading reads (reference, suites, configuration, the
    handout's text for its section titles, the secret)."""
    zip_path = zip_path.resolve()
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    root = course.root
    secret = course.secret()  # created on first use, so the zip and local grading agree
    with tempfile.TemporaryDirectory(prefix="cnn-backprop-build-") as tmp:
        stage = Path(tmp)
        (stage / "tests").mkdir()
        for filename, text in public_tests(course).items():
            (stage / "tests" / filename).write_text(text, encoding="utf-8")
        shutil.copy(root / "otter_config.json", stage / "otter_config.json")
        (stage / "requirements.txt").write_text(REQUIREMENTS)
        _otter(
            ["generate", "-t", "tests", "-o", str(zip_path), "-c", "otter_config.json",
             "-r", "requirements.txt"],
            "otter generate", cwd=stage,
        )  # fmt: skip
    _patch_setup(zip_path)
    bundle = "cnn_backprop/_bundle/"
    with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
            rel = path.relative_to(paths.PACKAGE_DIR)
            skip = "__pycache__" in rel.parts or rel.parts[0] == "_bundle" or rel in UNSHIPPED
            if not skip:
                zf.write(path, f"cnn_backprop/{rel.as_posix()}")
        zf.write(root / paths.REFERENCE, bundle + paths.REFERENCE.as_posix())
        for question in course.names:
            for suite in course.suite_files(question):
                zf.write(suite, bundle + suite.relative_to(root).as_posix())
        zf.write(root / "otter_config.json", bundle + "otter_config.json")
        if (root / HANDOUT).is_file():
            zf.write(root / HANDOUT, bundle + HANDOUT.as_posix())
        zf.writestr(bundle + paths.SECRET_FILE, secret.decode() + "\n")
    return zip_path


# maintainers' tools that read a checkout's test data: not in the zip
UNSHIPPED = {Path("mutation.py")}


SETUP_APPENDIX = """
# cnn-backprop: the sandbox runs submissions as an unprivileged uid, which must be able to
# reach the interpreter that Otter installed under /root (mode 0700): allow traversal only.
chmod o+x /root
chmod -R o+rX /root/miniforge3
"""


RUN_OTTER = '''"""Runs Otter-Grader's autograder once cnn-backprop has set the upload aside."""

import sys

from cnn_backprop.gradescope import main

if __name__ == "__main__":
    sys.exit(main("/autograder"))
'''


def _patch_setup(zip_path: Path) -> None:
    """Append our lines to Otter's setup.sh and make run_otter.py stage the upload before
    Otter reads it (rewriting the zip: members cannot be replaced in place)."""
    with zipfile.ZipFile(zip_path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == "setup.sh":
                data = data.rstrip(b"\n") + b"\n" + SETUP_APPENDIX.encode()
            elif info.filename == "run_otter.py":
                data = RUN_OTTER.encode()
            zf.writestr(info, data)


def otter_run(zip_path: Path, submission: Path) -> dict:
    """Grade one file with the real ``otter run``; return its results.json."""
    with tempfile.TemporaryDirectory(prefix="cnn-backprop-otter-") as out:
        _otter(
            ["run", "-a", str(zip_path), "-o", out, "--no-logo", str(submission)],
            f"otter run on {submission.name}",
        )
        return json.loads((Path(out) / "results.json").read_text())


def sync_template(course: Course, student_dir: Path) -> bool:
    """Copy the built handout over ``student_template/``; True if anything changed."""
    template = course.root / "student_template"
    if template.is_dir() and not _differs(student_dir, template):
        return False
    shutil.rmtree(template, ignore_errors=True)
    shutil.copytree(student_dir, template)
    return True


def _differs(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return True
    return any(_differs(a / d, b / d) for d in cmp.common_dirs)


def build(course: Course, out: Path, *, update_template: bool = True) -> int:
    """Write ``out/student/`` and ``out/autograder.zip``, then self-grade; 0 when both hold.

    A failed check names each case that went wrong and why, and removes the zip: nothing
    broken is left to upload.  ``student_template/`` is refreshed only from a build that passed.
    """
    print("course configuration (otter_config.json):\n" + course.config.describe())
    student = out / "student"
    shutil.rmtree(student, ignore_errors=True)
    write_student_folder(course, student)
    print(f"handout:    {student}/ ({NOTEBOOK}, cnn_backprop_hw.py, tests/)")
    zip_path = out / "autograder.zip"
    try:
        build_autograder_zip(course, zip_path)
        print(f"autograder: {zip_path}")
        with tempfile.TemporaryDirectory(prefix="cnn-backprop-solution-") as tmp:
            solution = Path(tmp) / NOTEBOOK
            nbformat.write(build_notebook(course, solution=True), solution)
            reference = otter_run(zip_path, solution)
            blank = otter_run(zip_path, student / NOTEBOOK)
    except BaseException:
        zip_path.unlink(missing_ok=True)  # never leave a zip that was not checked
        raise
    possible = course.config.total
    print(f"otter run, reference solution: {reference['score']:g} / {possible:g}")
    print(f"otter run, blank template:     {blank['score']:g} / {possible:g}")
    problems = failed_cases(course, reference, passing=True)
    problems += failed_cases(course, blank, passing=False)
    if not (reference["score"] == possible > 0 and blank["score"] == 0) and not problems:
        problems = ["the scores do not add up to the configured points (see results.json)"]
    if problems:
        zip_path.unlink(missing_ok=True)
        print("build check FAILED: the reference must score full marks and the blank template 0:")
        for problem in problems:
            print(f"  {problem}")
        print(f"{zip_path} was removed; fix the cases above and build again")
        return 1
    if update_template and sync_template(course, student):
        print("student_template/ updated from the build: commit it")
    return 0


CASE_LINE = re.compile(r"^\s*(✅|❌) (.+?): (.*)$")


def failed_cases(course: Course, results: dict, *, passing: bool) -> list[str]:
    """What went wrong in one self-graded results.json, one line per case.

    ``passing``: the submission is the reference (every case must pass); else the blank
    template (every case must fail).
    """
    who = "reference solution" if passing else "blank template"
    problems = []
    for test in results.get("tests", []):
        if test.get("name") == "autograder error":
            problems.append(f"{who}: the autograder failed: {test.get('output', '').strip()}")
        if test.get("name") not in course.names:
            continue
        for line in str(test.get("output", "")).splitlines():
            match = CASE_LINE.match(line)
            if match and (match.group(1) == "❌") == passing:
                _, case, message = match.groups()
                why = message if passing else "it passes without any implementation"
                problems.append(f"{who}, {test['name']}, case {case!r}: {why}")
    return problems
