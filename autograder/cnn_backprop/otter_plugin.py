"""The Otter plugin that makes ``otter run`` and Gradescope grade through the sandbox.

Stock Otter runs the submission in the same Jupyter kernel as its tests, where it could read
or rewrite them.  This plugin keeps the submission out of that kernel entirely
(``before_execution`` hands Otter an empty notebook) and, once Otter is done, grades the
real file with ``cnn_backprop.grader`` and puts those results in Otter's place, so
``otter run -a autograder.zip`` and ``cnn-backprop grade`` give the same scores.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin

from . import paths
from .grader import apply_visibility, grade_file


class SandboxedGrading(AbstractOtterPlugin):
    """Grade the submission in the sandbox instead of Otter's shared kernel."""

    def before_grading(self, config: Any) -> None:
        # grade with the suites and reference bundled in this zip, not whatever is installed
        ag_dir = Path(config.autograder_dir)
        self.hide = tuple(str(ag_dir / d) for d in ("source", "results", "submission"))
        for folder in self.hide:  # closed to the child's unprivileged uid, namespace or not
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o700)
        bundle = ag_dir / "source" / "cnn_backprop" / "_bundle"
        if (bundle / "solutions" / "reference.py").is_file():
            paths.use_root(bundle)

    def before_execution(self, submission: Any) -> Any:
        if isinstance(submission, str):
            return ""
        return nbformat.v4.new_notebook()

    def after_grading(self, results: Any) -> None:
        outcome = grade_file(
            self.submission_path,
            metadata=self.submission_metadata or None,
            hide=getattr(self, "hide", ()),
        )
        graded = outcome.grading_results
        if graded is None:  # the grader failed: Otter reports a zero with the reason
            results.clear_results()
            results.set_output(str(outcome.results.get("output", "autograder error")))
            return
        results.results = graded.results
        results.output = graded.output
        # Otter writes results.json from this object: give it the course's visibility too
        to_dict = results.to_gradescope_dict
        results.to_gradescope_dict = lambda ag_config: apply_visibility(to_dict(ag_config))
