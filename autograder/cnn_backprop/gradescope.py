"""The autograder zip's entry point on Gradescope: stage the upload, then run Otter.

Gradescope runs ``/autograder/run_autograder``, which runs ``source/run_otter.py``; the build
makes that file call ``main`` here.  Before Otter reads anything, the upload is moved into a
private folder and replaced by one clean placeholder notebook (``upload.stage``), so Otter's
own checks, its log loader and its kernel never touch a file of the student's, and an upload
that Gradescope left zipped, or that sits in a subfolder, is graded like any other.  Whatever
happens, ``results/results.json`` is written.

Run by hand on a laid-out folder: ``python -m cnn_backprop.gradescope DIR``.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

AUTOGRADER_DIR = "/autograder"


def main(autograder_dir: str = AUTOGRADER_DIR) -> int:
    root = Path(autograder_dir)
    try:
        from . import upload

        upload.stage(root / "submission", root / upload.STORE)
        upload.write_placeholder(root / "submission")
    except Exception as exc:  # the upload could not be set aside: do not let Otter see it
        from .grader import grader_error_results, write_results

        why = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        write_results(
            grader_error_results(f"staging the upload failed: {why}"),
            root / "results" / "results.json",
        )
        print(f"cnn-backprop: staging the upload failed: {why}", file=sys.stderr)
        return 1
    try:
        from otter.run.run_autograder import main as run_autograder
    except ModuleNotFoundError as exc:
        if "'otter'" in str(exc):
            raise RuntimeError(
                "The 'otter' module could not be imported. This is usually caused by errors "
                "while building the grading image, so check the image build logs."
            ) from exc
        raise
    run_autograder(str(root))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
