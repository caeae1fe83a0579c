"""What a class misunderstood: the causes the feedback named, counted over submissions.

Every failing case of a batch record carries the causes its feedback named (keys of the
questions' catalogues, as data: ``CaseRecord.causes``).  For each function, a submission counts
once under each cause named in any of its failing cases, so "9 submissions forgot to flip
the filter" means nine students, however many cases each failed.  One submission can count
under several causes (two mistakes, or one mistake that shows as a wrong value in one case
and an ``IndexError`` in another).

A case that cannot tell causes apart names all of them ("Likely cause (this case cannot tell
them apart): ..."); such a case is credited to the ones the same submission's other cases
name alone, and to all of them only when no other case decides.

Shares are of the submissions that ran (``records.ran``): one that never ran says nothing
about what its author understood.  Failures with no named cause are grouped by their message
with the numbers taken out (``records.failure_signature``), and keep one real message as
an example.

``DIR/misconceptions.csv`` has one row per (function, cause), most frequent first within
each function: ``function,cause,submissions,share`` (``cause`` is the diagnosis key, such as
``x.flip``; ``share`` a fraction of the submissions that ran, four decimals).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import diagnosis
from .atomic import write_text
from .records import Record, failure_signature

if TYPE_CHECKING:
    from .course import Course

CSV_FILE = "misconceptions.csv"
# causes whose clause only reads after the message's own start ("... modified its input `x`
# in place; backprop still needs ...")
SAYS = {"inplace": f"modified an input in place: {diagnosis.COMMON['inplace'].says}"}
CSV_HEADER = ("function", "cause", "submissions", "share")


@dataclass(frozen=True)
class Misconception:
    """One named cause of one function, across the class.

    Attributes
    ----------
    function, cause : str
        The question and the diagnosis key (``x.flip``).
    says, anchor, section : str
        The feedback's clause, and the handout section it links to (anchor and heading).
    submissions : tuple of str
        The record keys of the submissions it was named for, sorted.
    share : float
        ``len(submissions)`` over the submissions that ran.
    cases : tuple of (str, int)
        The cases that named it, with how many of those submissions failed each; most first.
    example : str
        One real failing message (its first line), from the first of ``submissions``.
    """

    function: str
    cause: str
    says: str
    anchor: str
    section: str
    submissions: tuple[str, ...]
    share: float
    cases: tuple[tuple[str, int], ...]
    example: str


@dataclass(frozen=True)
class Unnamed:
    """Failures of one function that no cause explains, grouped by their message's shape."""

    function: str
    signature: str
    submissions: tuple[str, ...]
    share: float
    cases: tuple[tuple[str, int], ...]
    example: str


@dataclass
class ClassDiagnosis:
    """The misconceptions of a class, and its failures no cause explains.

    Attributes
    ----------
    population : int
        Submissions that ran (the denominator of every share).
    misconceptions : list of Misconception
        By function (in question order), then most frequent first.
    unnamed : list of Unnamed
        Likewise.
    failed : dict
        Per function, how many submissions that ran failed at least one of its cases.
    unexplained : dict
        Per function, how many of them failed a case whose feedback named no cause.
    """

    population: int = 0
    misconceptions: list[Misconception] = field(default_factory=list)
    unnamed: list[Unnamed] = field(default_factory=list)
    failed: dict[str, int] = field(default_factory=dict)
    unexplained: dict[str, int] = field(default_factory=dict)

    def of(self, function: str) -> list[Misconception]:
        return [m for m in self.misconceptions if m.function == function]

    def unnamed_of(self, function: str) -> list[Unnamed]:
        return [u for u in self.unnamed if u.function == function]


def _first_line(message: str) -> str:
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def _credited(failing: list[tuple[str, tuple[str, ...], str]]) -> list[tuple[str, str, str]]:
    """(case, cause, message) for each cause a submission's failing cases are credited with.

    A cause named alone by some case is certain; an ambiguous case goes to its certain causes
    when it has any, else to all it names.
    """
    certain = {causes[0] for _, causes, _ in failing if len(causes) == 1}
    out = []
    for case, causes, message in failing:
        chosen = [c for c in causes if c in certain] or list(causes)
        out += [(case, cause, message) for cause in dict.fromkeys(chosen)]
    return out


def diagnose_class(course: Course, records: Sequence[Record]) -> ClassDiagnosis:
    """Count the named causes (and the unexplained failures) of ``records`` (from ``batch``)."""
    ran_records = sorted((r for r in records if r.ran), key=lambda r: r.key)
    population = len(ran_records)
    named: dict[tuple[str, str], dict[str, Any]] = defaultdict(_group)
    unnamed: dict[tuple[str, str], dict[str, Any]] = defaultdict(_group)
    failed: dict[str, set[str]] = defaultdict(set)
    unexplained: dict[str, set[str]] = defaultdict(set)
    for record in ran_records:
        key = record.key
        per_function: dict[str, list[tuple[str, tuple[str, ...], str]]] = defaultdict(list)
        for case in record.cases:
            if not case.passed:
                per_function[case.question].append((case.case, case.causes, case.message))
        for function, failing in per_function.items():
            failed[function].add(key)
            for case, cause, message in _credited([f for f in failing if f[1]]):
                _add(named[(function, cause)], key, case, message)
            for case, _, message in (f for f in failing if not f[1]):
                unexplained[function].add(key)
                _add(unnamed[(function, failure_signature(message))], key, case, message)
    result = ClassDiagnosis(
        population,
        failed={q: len(failed.get(q, ())) for q in course.names},
        unexplained={q: len(unexplained.get(q, ())) for q in course.names},
    )
    for (function, cause_key), group in named.items():
        question = course.find(function)
        catalogue = question.catalogue if question else diagnosis.EMPTY
        cause = catalogue.cause(cause_key)
        anchor = cause.anchor or (question.section if question else "")
        sections = question.sections if question else {}
        result.misconceptions.append(
            Misconception(
                function=function,
                cause=cause_key,
                says=SAYS.get(cause_key, cause.says),
                anchor=anchor,
                section=sections.get(anchor, anchor),
                **_summary(group, population),
            )
        )
    for (function, signature), group in unnamed.items():
        result.unnamed.append(Unnamed(function, signature, **_summary(group, population)))
    order = {q: i for i, q in enumerate(course.names)}

    def rank(item: Misconception | Unnamed) -> tuple[int, int, str]:
        label = item.cause if isinstance(item, Misconception) else item.signature
        return order.get(item.function, len(order)), -len(item.submissions), label

    result.misconceptions.sort(key=rank)
    result.unnamed.sort(key=rank)
    return result


def _group() -> dict[str, Any]:
    return {"keys": set(), "cases": defaultdict(set), "example": None}


def _add(group: dict[str, Any], key: str, case: str, message: str) -> None:
    group["keys"].add(key)
    group["cases"][case].add(key)
    if group["example"] is None:  # records come sorted: the first submission's message
        group["example"] = _first_line(message)


def _summary(group: dict[str, Any], population: int) -> dict[str, Any]:
    keys = tuple(sorted(group["keys"]))
    cases = sorted(((c, len(k)) for c, k in group["cases"].items()), key=lambda x: (-x[1], x[0]))
    return {
        "submissions": keys,
        "share": len(keys) / population if population else 0.0,
        "cases": tuple(cases),
        "example": group["example"] or "",
    }


def csv_rows(result: ClassDiagnosis) -> list[list[str]]:
    """The rows of ``misconceptions.csv`` (without its header)."""
    return [
        [m.function, m.cause, str(len(m.submissions)), f"{m.share:.4f}"]
        for m in result.misconceptions
    ]


def write_csv(result: ClassDiagnosis, path: str | Path) -> Path:
    """Write ``misconceptions.csv`` atomically (a header only when nothing was named)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(result))
    return write_text(buffer.getvalue(), path)
