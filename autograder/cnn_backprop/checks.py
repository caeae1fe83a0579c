"""Calling a submitted function safely and comparing its answer with the reference.

Tolerances.  An answer is compared with the reference computed in float64 from the same
inputs, as ``max|answer - expected| <= tol * max(1, max|expected|)``:

* float64 inputs: ``tol = 1e-9``.  Any correct summation order (loops, einsum, FFT, im2col)
  lands within ~1e-14 of the reference on these sizes; computing in float32 misses by ~1e-7,
  so precision loss fails while no correct method comes within five orders of magnitude.
* float32 inputs: ``tol = 1e-4``.  A float32 computation errs by ~1e-6 here; accumulating in
  float16 errs by ~1e-3.

The error is measured against the largest expected magnitude, not element by element, so a
correct answer whose small entries come from cancellation is not penalised.  Max-pooling
routes values exactly, so any routing mistake is off by a whole delta and always fails.

Feedback.  A failing case says which configuration failed (``case.describe()``), how large
the error is and where, and on a second line the likely cause when a known mistake reproduces
the answer (``diagnosis.py``), else a pointer to the question's section of the handout.
Hidden cases never show arrays; public cases (called directly by the public tests) also show
the answer and the expected values when they are small.
"""

from __future__ import annotations

import hashlib
import inspect
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import diagnosis, public_check

if TYPE_CHECKING:
    from .course import Course
    from .questions import Question

# one criterion for the grader and the public tests' own check (public_check.py)
TOLERANCE = {np.dtype(name): tol for name, tol in public_check.TOLERANCE.items()}

SHOWN_ENTRIES = public_check.SHOWN  # public cases print answer and expected up to this size


class CaseFailure(AssertionError):
    """A failed case: the message for the student, and the causes it names, as data.

    ``causes`` holds the keys of the question's catalogue that the message's "Likely cause" states
    (empty when it names none), so the class report can count misconceptions without
    reading messages back.
    """

    def __init__(self, message: str, causes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.causes = tuple(causes)


class SubmittedFunction:
    """Stands in for a student's function: each call goes to ``backend`` (the sandbox, or a
    stand-in for it).

    It behaves like the function (public tests call it directly and get an ndarray back), and
    ``call_checked`` also reports whether the call modified its inputs.  A direct call that
    modifies an input or answers wrongly fails right there (the public tests' criterion is the
    grader's), with the grader's feedback (error, location, small arrays, likely cause).  It
    carries its question and course, which the checks read.
    """

    def __init__(self, backend: Any, question: Question, course: Course) -> None:
        self.backend = backend
        self.question = question
        self.course = course
        self.__name__ = question.name

    def __call__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        from .sandbox import SubmissionError

        case = self.question.case_of_call(args, kwargs)
        try:
            value, modified, returned_dtype = self.call_checked(*args, **kwargs)
        except SubmissionError as exc:  # a failed call fails the case, with the reason
            raise _call_failure(self, case, _named(self.__name__, exc)) from None
        if case is not None:
            _unmodified(self, modified)
            failure = _failure(self, case, value, returned_dtype, public=True)
            if failure:
                raise failure
        return value

    def call_checked(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, list[int], str]:
        result = self.backend.call(self.__name__, list(args), kwargs)
        modified = [
            i
            for i, (sent, back) in enumerate(zip(args, result.inputs_after, strict=True))
            if isinstance(sent, np.ndarray)
            and (back is None or back.shape != sent.shape or not np.array_equal(back, sent))
        ]
        return result.value, modified, result.returned_dtype


class LocalFunction(SubmittedFunction):
    """Trusted code as a suite's function, called in this process: the reference (``pytest
    tests/hidden``), or the zoo's solutions and mistakes in the maintainers' tests."""

    def __init__(self, function: Callable[..., Any] | None, question: Question, course: Course):
        super().__init__(None, question, course)
        self.function = function

    def call_checked(self, *args: Any, **kwargs: Any) -> tuple[np.ndarray, list[int], str]:
        return call(self.function, self.__name__, *args, **kwargs)


class ReferenceFunction(LocalFunction):
    """The reference as a suite's function (``pytest tests/hidden``)."""

    def __init__(self, question: Question, course: Course) -> None:
        super().__init__(question.reference, question, course)


class RecordingCalls:
    """Stands in for the sandbox in a dry run of the suites: records every call and answers
    with the reference, so each case runs to its end as it would for a correct submission.

    The submission then answers every recorded call (``answer_all``) before any answer is
    judged: it learns nothing from the order, number or timing of its calls.
    """

    def __init__(self, course: Course) -> None:
        self.course = course
        self.calls: list[tuple[str, list[Any], dict[str, Any]]] = []

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        from .sandbox import CallResult, SubmissionError

        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        self.calls.append((name, copies, dict(kwargs)))
        try:
            value = np.asarray(self.course.question(name).reference(*args, **kwargs))
        except Exception as exc:  # not a call the reference accepts: the case stops here
            raise SubmissionError(f"(dry run) {type(exc).__name__}") from None
        return CallResult(
            value=np.array(value, dtype=np.float64, copy=True),
            returned_dtype=str(value.dtype),
            inputs_after=[a if isinstance(a, np.ndarray) else None for a in copies],
            seconds=0.0,
        )


def _call_key(name: str, args: list[Any] | tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [name, repr(sorted(kwargs.items()))]
    for a in args:
        if isinstance(a, np.ndarray):
            digest = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
            parts.append(f"{a.dtype.str}{a.shape}{digest}")
        else:
            parts.append(repr(a))
    return "\0".join(parts)


def answer_all(sandbox: Any, calls: list[tuple[str, list[Any], dict[str, Any]]]) -> ReplayedCalls:
    """Make every call in the sandbox, in order, before any is judged."""
    from .sandbox import SubmissionError

    outcomes: list[Any] = []
    for name, args, kwargs in calls:
        try:
            outcomes.append(sandbox.call(name, args, kwargs))
        except SubmissionError as exc:
            outcomes.append(exc)
    return ReplayedCalls(calls, outcomes)


class ReplayedCalls:
    """Stands in for the sandbox while judging: each call gets what the submission answered to
    the same call (same function, same inputs) when all the calls were made."""

    def __init__(self, calls: list[tuple[str, list[Any], dict[str, Any]]], outcomes: list[Any]):
        self._answers: dict[str, deque[Any]] = {}
        # what the child measured during each answered call (``probing``), per function
        self.probes: dict[str, list[Any]] = {}
        for (name, args, kwargs), outcome in zip(calls, outcomes, strict=True):
            self._answers.setdefault(_call_key(name, args, kwargs), deque()).append(outcome)
            probe = getattr(outcome, "probe", None)
            self.probes.setdefault(name, [])
            if probe is not None:
                self.probes[name].append(probe)

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        queue = self._answers.get(_call_key(name, args, kwargs))
        if not queue:  # the suites are deterministic: a new call is a bug of ours
            raise RuntimeError(f"{name}: a call that the dry run did not make")
        outcome = queue.popleft()
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def _named(name: str, exc: Exception) -> str:
    """The sandbox's reason, led by the function's name (once: some reasons start with it)."""
    text = str(exc)
    return text if text.startswith(f"`{name}`") else f"`{name}` {text}"


def call(fn: Callable[..., Any] | None, name: str, *args: Any, **kwargs: Any):
    """Call ``fn`` and return (answer as float64, indices of modified inputs, returned dtype).

    Raises AssertionError with a student-readable message when the call itself fails.
    """
    from .sandbox import SubmissionError

    if fn is None:
        raise AssertionError(f"`{name}` is not defined in your submission")
    if isinstance(fn, SubmittedFunction):
        try:
            return fn.call_checked(*args, **kwargs)
        except SubmissionError as exc:
            raise AssertionError(_named(name, exc)) from None
    # an in-process function (the reference under pytest, or a student's in their notebook)
    copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    try:
        returned = fn(*copies, **kwargs)
    except NotImplementedError:
        raise AssertionError(f"`{name}` is not implemented yet") from None
    except Exception as exc:
        raise AssertionError(f"`{name}` raised {type(exc).__name__}: {exc}") from None
    try:
        arr = np.array(returned, copy=True)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"dtype {arr.dtype}")
    except (TypeError, ValueError) as exc:
        raise AssertionError(
            f"`{name}` returned a {type(returned).__name__}, not a numeric array ({exc})"
        ) from None
    modified = [
        i
        for i, (orig, copy) in enumerate(zip(args, copies, strict=True))
        if isinstance(orig, np.ndarray) and not np.array_equal(orig, copy)
    ]
    return arr.astype(np.float64), modified, str(arr.dtype)


def expect_close(
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    quantity: str,
    where: str,
    axes: str,
    tolerance: float,
) -> None:
    """Assert the answer has the exact shape, is finite and is within tolerance."""
    if answer.shape != expected.shape:
        raise AssertionError(
            f"{where}: {quantity} has shape {answer.shape}, expected {expected.shape} {axes}"
        )
    bad = ~np.isfinite(answer)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(f"{where}: {quantity} contains NaN or inf (first at {index})")
    error = np.abs(answer - expected)
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    if error.max(initial=0.0) > tolerance * scale:
        index = tuple(int(i) for i in np.unravel_index(int(error.argmax()), error.shape))
        wrong = int((error > tolerance * scale).sum())
        raise AssertionError(
            f"{where}: {quantity} is wrong in {wrong} of {error.size} entries; the largest error "
            f"is {error.max():.3g} (the gradient's scale is {scale:.3g}) at index {index} {axes}"
        )


def _unmodified(fn: SubmittedFunction, modified: list[int]) -> None:
    if modified:
        inputs = fn.question.inputs
        which = ", ".join(f"`{inputs[i] if i < len(inputs) else i}`" for i in modified)
        cause = diagnosis.COMMON["inplace"]
        raise CaseFailure(
            f"`{fn.__name__}` modified its input {which} in place; "
            f"{diagnosis.sentence(fn.question, cause)}",
            (cause.key,),
        )


# ------------------------------------------------------------------------------- grading


def _call_failure(fn: SubmittedFunction, case: Any, message: str) -> CaseFailure:
    """A failed call: the configuration, what went wrong, what it shows (and its causes)."""
    if case is None or "not implemented" in message or "is not defined" in message:
        return CaseFailure(message)
    text = f"{case.describe()}: {message}"
    causes: list[diagnosis.Cause] = []
    try:
        hint, causes = diagnosis.explain_error(fn.question, case, message)
    except Exception:  # feedback must never cost a grade: keep the plain message
        hint = None
    if hint is None and " raised " in message:  # an error in their code: where to look
        hint = diagnosis.pointer(fn.question)
    return CaseFailure(f"{text}\n{hint}" if hint else text, [c.key for c in causes])


def _failure(
    fn: SubmittedFunction,
    case: Any,
    answer: np.ndarray,
    returned_dtype: str | None,
    *,
    public: bool = False,
) -> CaseFailure | None:
    """Why ``answer`` fails ``case`` (None: it passes), with the likely cause."""
    question, config = fn.question, fn.course.config
    expected = question.expected(case)
    tolerance = TOLERANCE[np.dtype(case.dtype)]
    try:
        expect_close(
            answer,
            expected,
            quantity=question.quantity,
            where=case.describe(),
            axes=question.axes_text,
            tolerance=tolerance,
        )
        return None
    except AssertionError as exc:
        text = str(exc)
    finite = bool(np.isfinite(answer).all())
    if public and answer.shape == expected.shape and expected.size <= SHOWN_ENTRIES:
        text += f"\n  got      {_row(answer)}\n  expected {_row(expected)}"
    elif not public and config.reveal_hidden_cases:  # the instructor chose to show them
        text += "\n" + _reveal(question, case, answer, expected)
    if not finite:
        return CaseFailure(text)
    causes: list[diagnosis.Cause] = []
    try:
        hint, causes = diagnosis.explain(
            question,
            case,
            answer,
            expected,
            tolerance=tolerance,
            returned_dtype=returned_dtype,
            tie_rule=config.tie_rule,
        )
    except Exception:  # feedback must never cost a grade: point to the section instead
        hint = diagnosis.pointer(question)
    return CaseFailure(f"{text}\n{hint}", [c.key for c in causes])


def _reveal(question: Question, case: Any, answer: np.ndarray, expected: np.ndarray) -> str:
    """The whole hidden case: its inputs, the answer and the expected gradient."""
    args, settings = question.arguments(case)
    lines = [f"  call: {question.name}(..., {', '.join(f'{k}={v}' for k, v in settings.items())})"]
    arrays = [(label, a) for label, a in zip(question.inputs, args, strict=False)]
    arrays += [(k, v) for k, v in settings.items() if isinstance(v, np.ndarray)]
    for label, value in arrays:
        if isinstance(value, np.ndarray):
            lines.append(f"  {label} {value.shape} = {_row(value)}")
    lines.append(f"  got      {answer.shape} = {_row(answer)}")
    lines.append(f"  expected {expected.shape} = {_row(expected)}")
    return "\n".join(lines)


def _row(a: np.ndarray) -> str:
    return np.array2string(a.ravel(), precision=4, suppress_small=True, max_line_width=10**6)


def check(fn: SubmittedFunction | None, *problem: Any, **settings: Any) -> None:
    """Grade one call of a suite's function: ``check(fn, case)`` with a case of the question's
    kind (``ConvCase``...), or ``check(fn, *args, **settings)`` with the call's arguments.

    ``fn`` is what the suite received by parameter name (it knows its question and course).
    Raises ``CaseFailure`` (an AssertionError) saying why, with the causes it names.
    """
    if fn is None:
        raise AssertionError("the function is not defined in your submission")
    if not isinstance(fn, SubmittedFunction):  # a suite run by hand with a bare function
        raise TypeError(
            f"check() needs the function a suite receives by parameter name (from the grader or "
            f"cnn-backprop's pytest plugin), not {fn!r}"
        )
    question = fn.question
    if len(problem) == 1 and not settings and hasattr(problem[0], "describe"):
        case = problem[0]
    else:
        bound = inspect.signature(question.reference).bind(*problem, **settings)
        bound.apply_defaults()
        case = question.problems.case_of_call(bound)
    args, kwargs = question.arguments(case)
    try:
        answer, modified, returned_dtype = fn.call_checked(*args, **kwargs)
    except Exception as exc:
        from .sandbox import SubmissionError

        if not isinstance(exc, (SubmissionError, AssertionError)):
            raise
        raise _call_failure(fn, case, _named(fn.__name__, exc)) from None
    _unmodified(fn, modified)
    failure = _failure(fn, case, answer, returned_dtype)
    if failure:
        raise failure


# the names the suites of the built-in questions import
check_conv1d_backward_w = check_conv1d_backward_input = check_maxpool1d_backward = check
