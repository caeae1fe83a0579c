"""Where a course's trusted files live: a checkout, the bundle inside the autograder zip, or a
folder named by ``CNN_BACKPROP_COURSE``.

The reference solution, the graded suites and the seed secret are never installed into
site-packages (a submission could import them from there); the grader reads them from the
course folder, on Gradescope ``/autograder/source/cnn_backprop/_bundle``, which the child
process cannot read.  This module only finds files: what they mean is ``course.py``'s.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = PACKAGE_DIR / "_bundle"  # present only inside the autograder zip
COURSE_ENV = "CNN_BACKPROP_COURSE"  # another course folder than this checkout
SECRET_FILE = ".cnn-backprop-secret"
SECRET_ENV = "CNN_BACKPROP_SECRET"
REFERENCE = Path("solutions") / "reference.py"


class ResourceError(RuntimeError):
    """The grader's own files are missing: an installation problem, not the student's."""


def root() -> Path:
    """The course folder holding ``solutions/`` and ``tests/``: ``CNN_BACKPROP_COURSE``, the
    zip's bundle, else the checkout the package was installed from."""
    if os.environ.get(COURSE_ENV):
        chosen = Path(os.environ[COURSE_ENV]).resolve()
        if not (chosen / REFERENCE).is_file():
            raise ResourceError(f"{COURSE_ENV}={chosen}: no {REFERENCE} there")
        return chosen
    if (BUNDLE_DIR / REFERENCE).is_file():
        return BUNDLE_DIR
    repo = PACKAGE_DIR.parents[1]
    if (repo / REFERENCE).is_file():
        return repo
    raise ResourceError(
        "cannot find solutions/reference.py: install cnn-backprop from a checkout with "
        "`pip install -e .` (the reference is deliberately not packaged)"
    )


def suite_files(root: Path, question: str) -> list[Path]:
    """The public then the hidden test file of one question."""
    base = root / "tests"
    return [base / "public" / f"test_{question}.py", base / "hidden" / f"test_{question}.py"]


def secret(root: Path) -> bytes:
    """The seed secret: from the environment, else the course folder (created once there)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV].encode()
    path = root / SECRET_FILE
    if not path.is_file():
        # first use in a checkout: make one; it is git-ignored and copied into the zip by build
        path.write_text(secrets.token_hex(32) + "\n")
        path.chmod(0o600)
    return path.read_text().strip().encode()
