"""Grade one submission: load it, run it in the sandbox, score it through Otter's results classes.

The trusted side (this module) generates every input, computes every expected value and
compares; the submission only ever runs in the sandbox child.  ``grade_file`` never raises:
whatever goes wrong, the caller gets a valid Gradescope results dictionary.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from otter.run import AutograderConfig
from otter.test_files import ExceptionTestFile, GradingResults

from . import probing
from .atomic import write_json
from .checks import RecordingCalls, SubmittedFunction, answer_all
from .course import Course
from .records import CaseRecord, Load, Record
from .sandbox import IsolationRefused, Sandbox
from .submission import BadSubmission, load_submission
from .suite import DiagnosedResult, load_question, run_question

MESSAGE_CHARS = 600  # of each failing case's message kept in its record (for the report)


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
    load: Load = "ok"  # how loading the code went
    notes: str = ""  # what the student was told about it (or why nothing was graded)

    @property
    def total(self) -> float:
        return sum(self.scores.values())

    @property
    def record(self) -> Record:
        """The typed record the batch, the CLI and the report read (``records.Record``)."""
        return Record(
            key=self.name,
            file=self.name,
            status=self.status,  # type: ignore[arg-type]
            scores=dict(self.scores),
            possible=dict(self.possible),
            total=round(self.total, 5),
            seed=self.seed,
            seconds=round(self.seconds, 3),
            load=self.load,
            notes=self.notes[:2000],
            cases=tuple(self._cases()),
            flags=tuple(flag.as_record() for flag in self.flags),
            sandbox=dict(self.sandbox),
        )

    def _cases(self) -> Iterator[CaseRecord]:
        if self.grading_results is None:
            return
        for question in self.scores:
            tf = self.grading_results.results.get(question)
            for result in getattr(tf, "test_case_results", None) or []:
                failed = not result.passed
                yield CaseRecord(
                    question=question,
                    case=result.test_case.name,
                    hidden=bool(result.test_case.hidden),
                    points=float(result.test_case.points or 0),
                    passed=bool(result.passed),
                    message=str(getattr(result, "detail", ""))[:MESSAGE_CHARS] if failed else "",
                    causes=tuple(getattr(result, "causes", ())) if failed else (),
                )


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


def apply_visibility(course: Course, gradescope: dict[str, Any]) -> dict[str, Any]:
    """Gradescope visibility from the course configuration: questions get
    ``hidden_visibility``; the instructors-only details are always hidden."""
    wanted = course.config.hidden_visibility
    for test in gradescope.get("tests", []):
        if test.get("name") in course.names:
            test["visibility"] = wanted
        elif test.get("name") == DetailsFile.NAME:
            test["visibility"] = "hidden"
    return gradescope


def derive_seed(identity: str, secret: bytes) -> int:
    """The per-submission seed: HMAC of the submission's identity under the course secret."""
    digest = hmac.new(secret, identity.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # fits numpy's SeedSequence and JSON


def identity_of(content: bytes, metadata: dict[str, Any] | None) -> str:
    """Gradescope's submission id when there is one, else the content's hash."""
    if metadata and metadata.get("id") not in (None, ""):
        return f"gradescope:{metadata['id']}"
    return "sha256:" + hashlib.sha256(content).hexdigest()


def grade_file(
    path: str | Path,
    course: Course,
    *,
    seed: int | None = None,
    metadata: dict[str, Any] | None = None,
    hide: tuple[str, ...] = (),
) -> Outcome:
    """Grade ``path`` with the course's public and hidden suites; never raises.

    ``hide`` names extra paths the submission must not see (output folders, Otter's dirs).
    """
    started = time.monotonic()
    name = Path(path).name
    try:
        questions = [load_question(course, q) for q in course.names]
    except Exception as exc:  # our own files are broken: say so, score nothing
        return _grader_error(name, exc, started)
    try:
        submission = load_submission(path)
    except BadSubmission as exc:
        return _finish(course, name, "unreadable", questions, seed, started, reason=str(exc))
    except Exception as exc:
        return _grader_error(name, exc, started)
    config = course.config
    try:
        identity = identity_of(submission.content, metadata)
        if seed is None:
            seed = derive_seed(identity, course.secret())
        with Sandbox(
            submission.cells, list(course.names), hide=hide, min_isolation=config.min_isolation
        ) as sandbox:
            load = sandbox.start()
            probes = judge(sandbox, questions, seed, course)
            printed = sandbox.output()
            restarts = sandbox.restarts
            protections = sandbox.protections
        flags = probing.judge(probes)
        if config.gradients_not_derived == "zero":
            probing.score_zero(course, questions, flags)
    except IsolationRefused as exc:
        details = f"grading refused: {exc}\nsandbox:\n" + _bullets(exc.protections.describe())
        outcome = _finish(
            course, name, "refused", questions, seed, started, reason=REFUSED, details=details
        )
        _record_sandbox(outcome, exc.protections.summary())
        return outcome
    except Exception as exc:
        return _grader_error(name, exc, started)
    details = [
        f"submission: {submission.name} ({identity})",
        f"seed: {seed}  (reproduce with: cnn-backprop grade {name} --seed {seed})",
        probing.details(flags, config.gradients_not_derived),
        f"child restarts after a crash or timeout: {restarts}",
        "sandbox:\n" + _bullets(protections.describe() if protections else ["(not started)"]),
        "printed output (first lines):\n" + (printed.strip()[:1500] or "(none)"),
    ]
    outcome = _finish(
        course,
        name,
        "graded",
        questions,
        seed,
        started,
        notes=_load_notes(load),
        details="\n".join(details),
    )
    outcome.load = "failed" if load.fatal else "errors" if load.errors else "ok"
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


def functions(course: Course, backend: Any) -> dict[str, Any]:
    """What the suites' parameters are filled with: the submission's functions (through
    ``backend``: the sandbox, or a stand-in for it) and the given forward passes."""
    env: dict[str, Any] = {q.name: SubmittedFunction(backend, q, course) for q in course.questions}
    env.update(course.given())
    return env


def judge(
    sandbox: Any, questions: list[ExceptionTestFile], seed: int, course: Course
) -> dict[str, list[Any]]:
    """Run the suites against the submission: every call is made before any is judged.

    A dry run with the reference learns the calls; the submission answers all of them; then
    the suites run again on those answers.  So the submission cannot tell from which calls
    come, or when, whether an earlier answer passed.  Returns each function's probe
    measurements (``probing``), one per call made.
    """
    features = course.config.features
    recorder = RecordingCalls(course)
    for tf in questions:
        run_question(tf, functions(course, recorder), seed, features)
    answers = answer_all(sandbox, recorder.calls)
    for tf in questions:
        run_question(tf, functions(course, answers), seed, features)
    return answers.probes


def ungradable(course: Course, name: str, reason: str, *, seed: int | None = None) -> Outcome:
    """The outcome of a submission with nothing to grade (e.g. no notebook in its folder).

    Same shape as ``grade_file``'s ``unreadable`` outcome: every case fails with ``reason``.
    """
    started = time.monotonic()
    try:
        questions = [load_question(course, q) for q in course.names]
    except Exception as exc:
        return _grader_error(name, exc, started)
    return _finish(course, name, "unreadable", questions, seed, started, reason=reason)


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
    course: Course,
    name: str,
    status: str,
    questions: list[ExceptionTestFile],
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
                DiagnosedResult(tc, f"❌ {tc.name}: {reason}", False, detail=reason)
                for tc in tf.test_cases
            ]
        notes = f"Your submission could not be graded: {reason}"
    files: list[ExceptionTestFile] = list(questions)
    if details:
        files.append(DetailsFile(details))
    results = GradingResults(files)
    if notes:
        results.set_output(notes)
    gradescope = results.to_gradescope_dict(AutograderConfig(dict(course.otter)))
    gradescope = apply_visibility(course, gradescope)
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
        load="failed" if reason else "ok",
        notes=notes,
    )


def _grader_error(name: str, exc: BaseException, started: float) -> Outcome:
    """Last resort: a valid results file with zero and an 'autograder error' entry."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    results = grader_error_results(text[:4000], seconds=time.monotonic() - started)
    seconds = time.monotonic() - started
    return Outcome(name, "grader-error", results=results, seconds=seconds, notes=text[:2000])


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
    try:
        json.dumps(results, allow_nan=False)
    except (TypeError, ValueError) as exc:
        results = _grader_error(path.parent.name, exc, time.monotonic()).results
    write_json(results, path, indent=2)


def check_file(course: Course, path: str | Path) -> tuple[int, int, str]:
    """Run only the public cases (what students see) in the sandbox: (passed, failed, report)."""
    try:
        submission = load_submission(path)
    except BadSubmission as exc:
        return 0, 1, f"cannot check {Path(path).name}: {exc}"
    lines: list[str] = []
    passed = failed = 0
    with Sandbox(submission.cells, list(course.names)) as sandbox:  # the student's own code
        load = sandbox.start()
        notes = _load_notes(load)
        if notes:
            lines.append(notes + "\n")
        public = {q: course.suite_files(q)[:1] for q in course.names}
        questions = [load_question(course, q, files=public[q]) for q in course.names]
        judge(sandbox, questions, 0, course)
        for tf in questions:
            lines.append(f"{tf.name}:")
            for result in tf.test_case_results:
                lines.append("  " + result.message.replace("\n", "\n    "))
                passed += result.passed
                failed += not result.passed
    lines.append("\nThese are the public tests only; the hidden tests check many more cases.")
    return passed, failed, "\n".join(lines)
