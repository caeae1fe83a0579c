"""The Otter plugin that makes ``otter run`` and Gradescope grade through the sandbox.

Stock Otter would run the submission in its own Jupyter kernel, unpickle its log and import
from its folder, all in the grading process.  This plugin, at ``before_grading`` (the first
moment Otter hands control to a plugin):

* moves the whole upload out of Otter's reach (``upload.stage``; on Gradescope the zip's
  ``run_autograder`` has already done so before Otter started, see ``gradescope.py``) and
  leaves Otter one clean placeholder notebook;
* replaces Otter's ``grade_notebook`` for this run with the sandboxed grader, so no kernel
  starts and nothing is executed in Otter's process; the results Otter writes are exactly
  ``cnn-backprop grade``'s.

If a future Otter moved ``grade_notebook``, the hook would not take: Otter would then run its
kernel on the clean placeholder (slower, still safe), and ``after_grading`` fills the results.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults

from . import paths, upload
from .course import Course, load
from .grader import Outcome, apply_visibility, grade_file, ungradable


class SandboxResults(GradingResults):
    """Otter's results object, carrying the grader's own Gradescope results verbatim."""

    def __init__(self, outcome: Outcome) -> None:
        graded = outcome.grading_results
        super().__init__(list(graded.results.values()) if graded is not None else [])
        if graded is not None:
            self.output = graded.output
        self.gradescope = outcome.results

    def to_gradescope_dict(self, ag_config: Any) -> dict[str, Any]:
        return self.gradescope


class SandboxedGrading(AbstractOtterPlugin):
    """Grade the submission in the sandbox instead of Otter's shared kernel."""

    def before_grading(self, config: Any) -> None:
        ag_dir = Path(config.autograder_dir).resolve()
        # grade with the suites and reference bundled in this zip, not whatever is installed
        bundle = ag_dir / "source" / "cnn_backprop" / "_bundle"
        root = bundle if (bundle / paths.REFERENCE).is_file() else paths.root()
        # the course as Otter hands it to this plugin: its block of otter_config.json
        self.course: Course = load(root, block=self.plugin_config or {})
        store = ag_dir / upload.STORE
        self.hide = tuple(str(ag_dir / d) for d in ("source", "results", "submission"))
        self.hide += (str(store),)
        for folder in self.hide:  # closed to the sandbox's uid, whatever else the platform has
            with contextlib.suppress(OSError):
                os.chmod(folder, 0o700)
        submission = Path(self.submission_path).parent
        self.staged = upload.read_marker(store)
        if self.staged is None:  # ``otter run``: Otter has looked at the upload, we stage now
            self.staged = upload.stage(submission, store)
            upload.write_placeholder(submission, Path(self.submission_path).name)
        self._hook()

    def _hook(self) -> None:
        """Stand in for Otter's ``grade_notebook`` once: no kernel, no log, no pickle."""
        try:
            from otter.run.run_autograder.runners import python_runner
        except ImportError:
            return
        original = getattr(python_runner, "grade_notebook", None)
        if original is None:
            return

        def grade_in_sandbox(*_args: Any, **_kwargs: Any) -> GradingResults:
            python_runner.grade_notebook = original
            return SandboxResults(self.grade())

        python_runner.grade_notebook = grade_in_sandbox

    def grade(self) -> Outcome:
        staged = self.staged
        metadata = self.submission_metadata or None
        if staged.file is None:
            return ungradable(self.course, Path(self.submission_path).name, staged.problem)
        return grade_file(staged.file, self.course, metadata=metadata, hide=self.hide)

    def before_execution(self, submission: Any) -> Any:
        if isinstance(submission, str):
            return ""
        return nbformat.v4.new_notebook()

    def after_grading(self, results: Any) -> None:
        """Only when Otter ran its own kernel (the hook did not take): put our results in."""
        outcome = self.grade()
        graded = outcome.grading_results
        if graded is None:  # the grader failed: Otter reports a zero with the reason
            results.clear_results()
            results.set_output(str(outcome.results.get("output", "autograder error")))
            return
        results.results = graded.results
        results.output = graded.output
        # Otter writes results.json from this object: give it the course's visibility too
        to_dict = results.to_gradescope_dict
        results.to_gradescope_dict = lambda ag_config: apply_visibility(
            self.course, to_dict(ag_config)
        )
