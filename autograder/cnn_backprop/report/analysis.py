"""What the class report says, computed from the batch's records (no HTML here)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..records import Record

if TYPE_CHECKING:
    from ..course import Course
    from ..misconceptions import ClassDiagnosis


def sandbox_groups(records: Sequence[Record]) -> list[dict[str, Any]]:
    """Submissions grouped by the protections they were graded (or refused) under."""
    groups: dict[tuple, dict[str, Any]] = {}
    for record in records:
        info = record.sandbox
        if not info:
            continue
        missing = tuple(tuple(m) for m in info.get("missing", []))
        key = (info.get("level"), tuple(info.get("mechanisms", [])), missing)
        group = groups.setdefault(
            key, {"level": key[0], "mechanisms": list(key[1]), "missing": missing, "count": 0}
        )
        group["count"] += 1
    return sorted(groups.values(), key=lambda g: -g["count"])


def possible_points(course: Course, records: Sequence[Record]) -> dict[str, float]:
    """Each question's points: as graded (from the records), else as configured."""
    found: dict[str, float] = {}
    for record in records:
        for q, points in record.possible.items():
            found[q] = max(found.get(q, 0.0), float(points))
    return {q: found.get(q) or float(course.config.points[q]) for q in course.names}


def histogram(values: Sequence[float], possible: float, bins: int = 10) -> list[int]:
    """Counts in ``bins`` equal bins over [0, possible), then one bar for full marks."""
    counts = [0] * (bins + 1)
    width = possible / bins if possible > 0 else 1.0
    for value in values:
        if value >= possible - 1e-9:
            counts[-1] += 1
        else:
            counts[min(max(int(value // width), 0), bins - 1)] += 1
    return counts


def pass_rates(course: Course, records: Sequence[Record]) -> dict[str, list[dict[str, Any]]]:
    """Per question, each case (feature) with how many submissions that ran passed it.

    Cases keep the suites' order (public first); submissions that never ran are left out, as
    they fail every case for a reason unrelated to the feature.
    """
    table: dict[str, dict[str, dict[str, Any]]] = {q: {} for q in course.names}
    for record in records:
        if not record.ran:
            continue
        for case in record.cases:
            row = table.setdefault(case.question, {}).setdefault(
                case.case, {"case": case.case, "hidden": case.hidden, "passed": 0, "total": 0}
            )
            row["total"] += 1
            row["passed"] += case.passed
    return {q: list(rows.values()) for q, rows in table.items()}


def failed_to_run(records: Sequence[Record]) -> list[Record]:
    """Submissions that did not run, then those that ran with errors while loading."""
    return sorted(
        (r for r in records if r.run_problem), key=lambda r: (r.ran, r.run_problem, r.key)
    )


def first_failure(record: Record) -> str:
    """Why a submission failed to run, in one line (its notes, else its first failing case)."""
    text = record.notes or next((c.message for c in record.cases if not c.passed), "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    text = " · ".join(line for line in lines if line)
    return text if len(text) <= 220 else text[:219] + "…"


def flag_rows(records: Sequence[Record], possible: dict[str, float]) -> list[dict[str, str]]:
    """One row per flag of every submission, for the "Gradients not derived" table."""
    rows = [
        {
            "key": record.key,
            "students": record.students,
            "function": flag.function,
            "kind": flag.kind,
            "detail": flag.detail,
            "points": f"{record.scores.get(flag.function, 0):g} / "
            f"{possible.get(flag.function, 0):g}",
        }
        for record in records
        for flag in record.flags
    ]
    return sorted(rows, key=lambda r: (r["kind"] != "not-derived", r["key"], r["function"]))


def top_shares(course: Course, diagnosis: ClassDiagnosis) -> dict[str, float]:
    """Each function's largest share (named or not): the full width of its bars."""
    top = dict.fromkeys(course.names, 1e-9)
    for item in [*diagnosis.misconceptions, *diagnosis.unnamed]:
        top[item.function] = max(top.get(item.function, 1e-9), item.share)
    return top


@dataclass(frozen=True)
class Scores:
    """One distribution of scores (the total, or one question's)."""

    name: str
    values: tuple[float, ...]
    possible: float

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else 0.0

    @property
    def full(self) -> int:
        return sum(v >= self.possible - 1e-9 for v in self.values)


def score_sets(course: Course, records: Sequence[Record]) -> tuple[Scores, list[Scores]]:
    """The totals, and each question's scores."""
    possible = possible_points(course, records)
    total = Scores("total", tuple(r.total for r in records), sum(possible.values()))
    each = [
        Scores(q, tuple(float(r.scores.get(q, 0)) for r in records), possible[q])
        for q in course.names
    ]
    return total, each
