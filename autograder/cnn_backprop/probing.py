"""Gradients not derived: a backward function that evaluates a forward pass instead.

The given forward passes are linear in ``x`` and in ``w`` (and max-pooling is piecewise
linear), so a backward function can read every gradient off them without deriving anything:
evaluate the forward pass at one-hot inputs, or at ``x + h*e_i`` and ``x - h*e_i`` (numerical
differentiation), one input entry at a time.  That scores full marks on every case, so the
grader also looks at *how* the answer was computed.

The sandbox child measures each call (``sandbox/child.py``'s ``_ProbeWatch``: how many input
entries other functions of the submission were evaluated at one by one, and how many calls
mapped an array shaped like one input to the shape of another) and reports plain numbers.
This module, in the trusted parent, decides what they mean:

* **not derived**: in some call, another function was evaluated at ``MIN_EVALUATIONS`` or more
  separate input entries, or ``MIN_EVALUATIONS`` or more times as a forward pass (``x``-shaped
  in, ``delta``-shaped out).  Deriving the gradient needs at most one forward-shaped call per
  call (a max-pooling backward that calls ``maxpool1d_forward`` once to find the maxima), and
  never evaluations one input entry at a time.  The hidden cases are large enough (dozens of
  entries) that probing cannot stay under the threshold on all of them.
* **unwatched**: the submission removed the grader's profiler during a call (``sys.setprofile``)
  or its reply came without the measurements (``replies.WITHHELD``).  No correct solution
  does either; it is reported, never penalised.

The numbers come from the submission's process, so they decide this flag and nothing else:
a submission can hide probing from the watch (it only sees Python-level calls in the
grading thread), but it cannot change its score through it.  The course chooses what a flag
does (``gradients_not_derived`` in the configuration): ``report`` (the default: the
instructors see it in ``grades.csv``, the class report and the instructors-only entry of
``results.json``) or ``zero`` (the function also scores 0, and the student is told why).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from otter.test_files import ExceptionTestFile

from . import diagnosis
from .records import FlagRecord
from .sandbox import Probe
from .suite import DiagnosedResult

if TYPE_CHECKING:
    from .course import Course

MIN_EVALUATIONS = 8
NOT_DERIVED, UNWATCHED = "not-derived", "unwatched"
POLICIES = ("report", "zero")


@dataclass(frozen=True)
class Flag:
    """One thing an instructor should look at in one function of one submission.

    Attributes
    ----------
    function : str
        The question.
    kind : str
        ``not-derived`` or ``unwatched``.
    calls, measured : int
        Calls that showed it, of the calls measured.
    evaluations : int
        The most input entries evaluated one at a time in one call.
    forward_like : int
        The most forward-shaped calls in one call.
    evaluated : str
        The function evaluated most (as the child named it).
    """

    function: str
    kind: str
    calls: int
    measured: int
    evaluations: int = 0
    forward_like: int = 0
    evaluated: str = ""

    def describe(self) -> str:
        """One sentence for instructors."""
        if self.kind == UNWATCHED:
            return (
                f"`{self.function}` switched off or interfered with the grader's watch during "
                f"{self.calls} of {self.measured} calls (sys.setprofile, or a reply without "
                "its measurements): whether it derives its gradient could not be checked there"
            )
        what = f"`{self.evaluated}`" if self.evaluated else "another function"
        seen = []
        if self.evaluations:
            seen.append(f"evaluated {what} at {self.evaluations} input entries one at a time")
        if self.forward_like:
            seen.append(f"ran {self.forward_like} forward passes (input-shaped in, delta out)")
        return (
            f"`{self.function}` {' and '.join(seen) or 'probed a forward pass'} in a single "
            f"call ({self.calls} of {self.measured} calls): numerical differentiation or "
            "one-hot probing of a forward pass, not backpropagation"
        )

    def as_record(self) -> FlagRecord:
        return FlagRecord(**asdict(self), detail=self.describe())


def probes(call: Probe) -> bool:
    """Whether one call evaluated a forward pass input entry by input entry."""
    return call.evaluations >= MIN_EVALUATIONS or call.forward_like >= MIN_EVALUATIONS


def judge(measured: dict[str, Sequence[Probe]]) -> list[Flag]:
    """The flags of a submission, from each function's measured calls (in question order)."""
    flags = []
    for function, calls in measured.items():
        if not calls:
            continue
        probing = [c for c in calls if probes(c)]
        if probing:
            top = max(probing, key=lambda c: (c.evaluations, c.forward_like))
            flags.append(
                Flag(
                    function,
                    NOT_DERIVED,
                    len(probing),
                    len(calls),
                    evaluations=top.evaluations,
                    forward_like=max(c.forward_like for c in probing),
                    evaluated=top.function,
                )
            )
        unwatched = sum(not c.intact for c in calls)
        if unwatched:
            flags.append(Flag(function, UNWATCHED, unwatched, len(calls)))
    return flags


def score_zero(
    course: Course, questions: Iterable[ExceptionTestFile], flags: Sequence[Flag]
) -> None:
    """Fail every case of each function flagged ``not-derived``, telling the student why.

    For courses whose ``gradients_not_derived`` is ``zero``.
    """
    flagged = {f.function for f in flags if f.kind == NOT_DERIVED}
    for tf in questions:
        if tf.name not in flagged:
            continue
        why = (
            f"not counted: `{tf.name}` computes its answer by evaluating a forward pass one "
            "input entry at a time (numerical differentiation or probing with one-hot "
            "inputs), not by backpropagation, and this course scores such a function 0; "
            f"{diagnosis.cite(course.question(tf.name), '')}"
        )
        tf.test_case_results = [
            DiagnosedResult(r.test_case, f"❌ {r.test_case.name}: {why}", False, detail=why)
            for r in tf.test_case_results
        ]


def details(flags: Sequence[Flag], policy: str) -> str:
    """The lines of the instructors-only grading details."""
    if not flags:
        return "gradients not derived: nothing seen"
    effect = "functions not derived scored 0" if policy == "zero" else "reported only"
    lines = [f"gradients not derived (gradients_not_derived = {policy!r}: {effect}):"]
    lines += [f"  - {f.describe()}" for f in flags]
    return "\n".join(lines)
