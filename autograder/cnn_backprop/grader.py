"""Grade one submission: load it, run it in the sandbox, score it through Otter's results classes.

The trusted side (this module) generates every input, computes every expected value and
compares; the submission only ever runs in the sandbox child.  ``grade_file`` never raises:
whatever goes wrong, the caller gets a valid Gradescope results dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otter.run import AutograderConfig
from otter.test_files import ExceptionTestFile, GradingResults
from otter.test_files.abstract_test import TestCaseResult

from . import FORWARD, QUESTIONS, paths, probing
from . import config as course_config
from .checks import RecordingCalls, SubmittedFunction, answer_all
from .sandbox import IsolationRefused, Sandbox
from .submission import BadSubmission, load_submission
from .suite import load_question, run_question


@dataclass
class Outcome:
    """What grading one submission produced, for tables, CSVs and results.json."""

    name: str
    status: str  # graded | unreadable | refused | grader-error
    scores: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    seconds: float = 0.0
    results: dict[str, Any] = field(default_factory=dict)  # Gradescope's results.json
    sandbox: dict[str, Any] = field(default_factory=dict)  # Protections.summary()
    grading_results: GradingResults | None = None  # Otter's object, for the Otter plugin
    flags: list[probing.Flag] = field(default_factory=list)  # for instructors (probing.py)

    @property
    def total(self) -> float:
        return sum(self.scores.values())


class DetailsFile(ExceptionTestFile):
    """A zero-point entry carrying the grading details (seed, protections) for instructors.

    It is a test file only so that Otter renders it; its visibility is always "hidden".
    """

    NAME = "grading details (instructors only)"

    def __init__(self, text: str) -> None:
        super().__init__(self.NAME, "", [], all_or_nothing=False)
        self.text = text

    def summary(self, public_only: bool = False) -> str:
        return "" if public_only else self.text


def apply_visibility(gradescope: dict[str, Any]) -> dict[str, Any]:
    """Gradescope visibility from the course configuration: questions get
    ``hidden_visibility``; the instructors-only details are always hidden."""
    wanted = course_config.load().hidden_visibility
    for test in gradescope.get("tests", []):
        if test.get("name") in QUESTIONS:
            test["visibility"] = wanted
        elif test.get("name") == DetailsFile.NAME:
            test["visibility"] = "hidden"
    return gradescope


def derive_seed(identity: str, secret: bytes | None = None) -> int:
    """The per-submission seed: HMAC of the submission's identity under the course secret."""
    digest = hmac.new(secret or paths.secret(), identity.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # fits numpy's SeedSequence and JSON


def identity_of(content: bytes, metadata: dict[str, Any] | None) -> str:
    """Gradescope's submission id when there is one, else the content's hash."""
    if metadata and metadata.get("id") not in (None, ""):
        return f"gradescope:{metadata['id']}"
    return "sha256:" + hashlib.sha256(content).hexdigest()


def grade_file(
    path: str | Path,
    *,
    seed: int | None = None,
    metadata: dict[str, Any] | None = None,
    config: dict[str, Any] | None = None,
    hide: tuple[str, ...] = (),
) -> Outcome:
    """Grade ``path`` with the public and hidden suites; never raises.

    ``hide`` names extra paths the submission must not see (output folders, Otter's dirs).
    """
    started = time.monotonic()
    name = Path(path).name
    try:
        config = config if config is not None else course_config.read_otter_config()
        questions = [load_question(q) for q in QUESTIONS]
    except Exception as exc:  # our own files are broken: say so, score nothing
        return _grader_error(name, exc, started)
    try:
        submission = load_submission(path)
    except BadSubmission as exc:
        return _finish(name, "unreadable", questions, config, seed, started, reason=str(exc))
    except Exception as exc:
        return _grader_error(name, exc, started)
    try:
        identity = identity_of(submission.content, metadata)
        if seed is None:
            seed = derive_seed(identity)
        course = course_config.load()
        with Sandbox(
            submission.cells, list(QUESTIONS), hide=hide, min_isolation=course.min_isolation
        ) as sandbox:
            load = sandbox.start()
            probes = judge(sandbox, questions, seed)
            printed = sandbox.output()
            restarts = sandbox.restarts
            protections = sandbox.protections
        flags = probing.judge(probes)
        policy = course.gradients_not_derived
        if policy == "zero":
            probing.score_zero(questions, flags)
    except IsolationRefused as exc:
        details = f"grading refused: {exc}\nsandbox:\n" + _bullets(exc.protections.describe())
        outcome = _finish(
            name, "refused", questions, config, seed, started, reason=REFUSED, details=details
        )
        _record_sandbox(outcome, exc.protections.summary())
        return outcome
    except Exception as exc:
        return _grader_error(name, exc, started)
    notes = _load_notes(load)
    details = [
        f"submission: {submission.name} ({identity})",
        f"seed: {seed}  (reproduce with: cnn-backprop grade {name} --seed {seed})",
        probing.details(flags, policy),
        f"child restarts after a crash or timeout: {restarts}",
        "sandbox:\n" + _bullets(protections.describe() if protections else ["(not started)"]),
        "printed output (first lines):\n" + (printed.strip()[:1500] or "(none)"),
    ]
    outcome = _finish(
        name, "graded", questions, config, seed, started, notes=notes, details="\n".join(details)
    )
    _record_sandbox(outcome, protections.summary() if protections else {})
    outcome.flags = flags
    return outcome


def _record_sandbox(outcome: Outcome, summary: dict[str, Any]) -> None:
    """The protections in force, for the batch report and in results.json's extra_data."""
    outcome.sandbox = summary
    outcome.results.setdefault("extra_data", {})["sandbox"] = summary


REFUSED = (
    "the autograder could not isolate your code well enough on this machine, so it did not "
    "run it; your instructor has been told. This is not a problem with your code."
)


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"  - {line}" for line in lines)


def _functions(backend: Any) -> dict[str, Any]:
    """What the suites' parameters are filled with: the submission's functions (through
    ``backend``) and the given forward passes."""
    env: dict[str, Any] = {q: SubmittedFunction(backend, q) for q in QUESTIONS}
    env.update({f: getattr(paths.reference(), f) for f in FORWARD})
    return env


def judge(sandbox: Sandbox, questions: list[ExceptionTestFile], seed: int) -> dict[str, list[Any]]:
    """Run the suites against the submission: every call is made before any is judged.

    A dry run with the reference learns the calls; the submission answers all of them; then
    the suites run again on those answers.  So the submission cannot tell from which calls
    come, or when, whether an earlier answer passed.  Returns each function's probe
    measurements (``probing``), one per call made.
    """
    recorder = RecordingCalls()
    for tf in questions:
        run_question(tf, _functions(recorder), seed)
    answers = answer_all(sandbox, recorder.calls)
    for tf in questions:
        run_question(tf, _functions(answers), seed)
    return answers.probes


def ungradable(
    name: str, reason: str, *, seed: int | None = None, config: dict[str, Any] | None = None
) -> Outcome:
    """The outcome of a submission with nothing to grade (e.g. no notebook in its folder).

    Same shape as ``grade_file``'s ``unreadable`` outcome: every case fails with ``reason``.
    """
    started = time.monotonic()
    try:
        config = config if config is not None else course_config.read_otter_config()
        questions = [load_question(q) for q in QUESTIONS]
    except Exception as exc:
        return _grader_error(name, exc, started)
    return _finish(name, "unreadable", questions, config, seed, started, reason=reason)


def _load_notes(load: Any) -> str:
    lines = []
    if load.fatal:
        lines.append(f"Your code could not be loaded: {load.fatal}")
    for error in load.errors:
        where = f" ({error.get('where')})" if error.get("where") else ""
        lines.append(f"While running your code{where}: {error.get('type')}: {error.get('message')}")
    if lines:
        lines.append("Cells or lines that failed were skipped; the rest of your code was graded.")
    return "\n".join(lines)


def _finish(
    name: str,
    status: str,
    questions: list[ExceptionTestFile],
    config: dict[str, Any],
    seed: int | None,
    started: float,
    *,
    reason: str = "",
    notes: str = "",
    details: str = "",
) -> Outcome:
    if reason:  # nothing could run: every case fails with the same clear reason
        for tf in questions:
            tf.test_case_results = [
                TestCaseResult(test_case=tc, message=f"❌ {tc.name}: {reason}", passed=False)
                for tc in tf.test_cases
            ]
        notes = f"Your submission could not be graded: {reason}"
    files: list[ExceptionTestFile] = list(questions)
    if details:
        files.append(DetailsFile(details))
    results = GradingResults(files)
    if notes:
        results.set_output(notes)
    gradescope = apply_visibility(results.to_gradescope_dict(AutograderConfig(config)))
    gradescope["score"] = round(sum(tf.score for tf in questions), 5)
    gradescope["execution_time"] = round(time.monotonic() - started, 3)
    if seed is not None:
        gradescope["extra_data"] = {"seed": seed}
    return Outcome(
        name=name,
        status=status,
        scores={tf.name: round(tf.score, 5) for tf in questions},
        possible={tf.name: round(tf.possible, 5) for tf in questions},
        seed=seed,
        seconds=time.monotonic() - started,
        results=gradescope,
        grading_results=results,
    )


def _grader_error(name: str, exc: BaseException, started: float) -> Outcome:
    """Last resort: a valid results file with zero and an 'autograder error' entry."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    results = grader_error_results(text[:4000], seconds=time.monotonic() - started)
    return Outcome(name, "grader-error", results=results, seconds=time.monotonic() - started)


def grader_error_results(why: str, seconds: float | None = None) -> dict[str, Any]:
    """Gradescope results for a submission the grader itself failed on: zero, and ``why``
    in an entry only the instructors see."""
    results: dict[str, Any] = {"score": 0}
    if seconds is not None:
        results["execution_time"] = round(seconds, 3)
    results["output"] = (
        "The autograder itself failed on this submission; your instructor has the "
        "details. This is not a problem with your code."
    )
    results["tests"] = [
        {
            "name": "autograder error",
            "score": 0,
            "max_score": 0,
            "status": "failed",
            "visibility": "hidden",
            "output": why,
        }
    ]
    return results


def write_results(results: dict[str, Any], path: str | Path) -> None:
    """Write results.json atomically; always valid JSON with finite numbers."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.dumps(results, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        data = json.dumps(_grader_error(path.parent.name, exc, time.monotonic()).results, indent=2)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(data + "\n")
    os.replace(tmp, path)


def check_file(path: str | Path) -> tuple[int, int, str]:
    """Run only the public cases (what students see) in the sandbox: (passed, failed, report)."""
    try:
        submission = load_submission(path)
    except BadSubmission as exc:
        return 0, 1, f"cannot check {Path(path).name}: {exc}"
    lines: list[str] = []
    passed = failed = 0
    with Sandbox(submission.cells, list(QUESTIONS)) as sandbox:  # the student's own code
        load = sandbox.start()
        notes = _load_notes(load)
        if notes:
            lines.append(notes + "\n")
        questions = [
            load_question(q, files=paths.suite_files(q)[:1]) for q in QUESTIONS
        ]  # fmt: skip
        judge(sandbox, questions, seed=0)
        for tf in questions:
            lines.append(f"{tf.name}:")
            for result in tf.test_case_results:
                lines.append("  " + result.message.replace("\n", "\n    "))
                passed += result.passed
                failed += not result.passed
    lines.append("\nThese are the public tests only; the hidden tests check many more cases.")
    return passed, failed, "\n".join(lines)
