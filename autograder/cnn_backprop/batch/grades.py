"""``grades.csv``: one row per student, sorted, without timings (same grades, same bytes)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..atomic import write_text
from ..records import Record, Submitter


def grades_rows(
    questions: tuple[str, ...], records: list[Record]
) -> tuple[list[str], list[list[str]]]:
    """grades.csv's header and rows: one row per student (per submission when unknown).

    Sorted, with no timings, so that the same grades always give the same bytes.
    """
    identified = any(r.submitters or r.submission_id for r in records)
    header = ["submission"]
    if identified:
        header += ["submission_id", "name", "email", "sid"]
    header += [*questions, "total", "seed", "status", "flags"]
    rows = []
    for record in records:
        scores = [_number(record.scores.get(q, 0)) for q in questions]
        tail = [
            *scores,
            _number(record.total),
            "" if record.seed is None else str(record.seed),
            record.status,
            record.flag_labels,
        ]
        for person in record.submitters or (Submitter(),):
            row = [csv_cell(record.key)]
            if identified:
                row += [
                    csv_cell(record.submission_id or ""),
                    csv_cell(person.name),
                    csv_cell(person.email),
                    csv_cell(person.sid),
                ]
            rows.append(row + tail)
    rows.sort()
    return header, rows


def _number(value: Any) -> str:
    return f"{float(value):g}"


def csv_cell(text: str) -> str:
    """Text from students (names, file names) must not become a spreadsheet formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_grades_csv(questions: tuple[str, ...], records: list[Record], path: str | Path) -> Path:
    """Write grades.csv atomically: one column per question, in the course's order."""
    header, rows = grades_rows(questions, records)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue().encode("utf-8", "replace").decode("utf-8")
    return write_text(text, path)
