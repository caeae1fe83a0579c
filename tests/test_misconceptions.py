"""What a class misunderstood: named causes counted per submission, from the causes as data.

The class here is graded in process (the real suites, as ``test_diagnosis`` runs them): every
catalogued mistake once, and every correct style.  Each mistake must be counted under its own
causes (``zoo.mistakes.DIAGNOSES``) and nothing else, which also exercises the rule that
credits a case naming several causes to the one the submission's other cases confirm.  The
rest are small hand-made records for the counting rules and the CSV.  The whole path through
``cnn-backprop grade`` is in ``test_class_report.py``.  About 10 s.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from checkout import COURSE, QUESTIONS
from cnn_backprop.misconceptions import CSV_HEADER, diagnose_class, write_csv
from cnn_backprop.records import CaseRecord, Record
from cnn_backprop.suite import load_question, run_question
from test_diagnosis import load_function, submitted
from zoo.mistakes import CORRECT_DIR, DIAGNOSES, MISTAKES, submission_source

SEED = 3


def graded_record(key: str, source: str) -> Record:
    """A batch's record of ``source``, graded in process on the public and hidden cases."""
    functions = {q: load_function(source, q) for q in QUESTIONS}
    env = {**{q: submitted(functions, q) for q in QUESTIONS}, **COURSE.given()}
    cases = []
    for question in QUESTIONS:
        files = COURSE.suite_files(question)
        for part in (files[:1], files[1:]):
            suite = load_question(COURSE, question, files=part)
            tf = run_question(suite, env, SEED, COURSE.config.features)
            cases += [
                CaseRecord(
                    question=question,
                    case=r.test_case.name,
                    hidden=bool(r.test_case.hidden),
                    points=float(r.test_case.points),
                    passed=r.passed,
                    message="" if r.passed else r.detail,
                    causes=r.causes,
                )
                for r in tf.test_case_results
            ]
    return Record(key, "graded", total=1.0, cases=tuple(cases))


@pytest.fixture(scope="module")
def graded_class() -> list[Record]:
    records = [graded_record(m.name, submission_source(m)) for m in MISTAKES]
    for path in sorted(CORRECT_DIR.glob("*.py")):
        records.append(graded_record(f"correct_{path.stem}", path.read_text()))
    return records


def test_every_mistake_is_counted_under_its_causes_only(graded_class) -> None:
    result = diagnose_class(COURSE, graded_class)
    assert result.population == len(MISTAKES) + 7
    credited: dict[str, set[tuple[str, str]]] = {}
    for m in result.misconceptions:
        for key in m.submissions:
            credited.setdefault(key, set()).add((m.function, m.cause))
    for mistake in MISTAKES:
        got = credited.get(mistake.name, set())
        assert got, f"{mistake.name}: counted under no cause"
        assert {f for f, _ in got} == {mistake.function}, (mistake.name, got)
        assert {c for _, c in got} <= DIAGNOSES[mistake.name], (mistake.name, got)
    assert not [k for k in credited if k.startswith("correct_")]
    # counted per submission: only the one that forgot the flip is told so
    flip = next(m for m in result.misconceptions if m.cause == "x.flip")
    assert flip.submissions == ("conv_input_forgot_flip",)
    assert flip.share == pytest.approx(1 / result.population)
    assert flip.section == "Forgetting to flip the filter" and flip.anchor == "mistake-flip"


def test_a_cause_counts_each_submission_once_and_shares_are_of_those_that_ran() -> None:
    def case(name: str, causes: list[str], passed: bool = False) -> CaseRecord:
        message = f"N=1, W={len(name)}: dL/dx is wrong in 3 of 6 entries\nLikely cause: ..."
        return CaseRecord("conv1d_backward_input", name, True, 1.0, passed, message, tuple(causes))

    def record(key: str, *cases: CaseRecord, status: Any = "graded") -> Record:
        return Record(key, status, cases=cases)

    records = [
        # x.flip named alone by one case: the ambiguous case is credited to it alone
        record("a", case("stride", ["x.flip"]), case("padding", ["x.flip", "x.stride"])),
        record("b", case("stride", ["x.flip"]), case("dilation", ["x.flip"])),
        # nothing decides between the two: both are credited
        record("c", case("padding", ["x.flip", "x.stride"])),
        record("d", case("stride", [], passed=True)),
        record("e", case("ties", [])),  # no cause named
        record("f", case("stride", ["x.flip"]), status="unreadable"),
    ]
    result = diagnose_class(COURSE, records)
    assert result.population == 5  # "f" never ran
    by_cause = {m.cause: m for m in result.misconceptions}
    assert by_cause["x.flip"].submissions == ("a", "b", "c")
    assert by_cause["x.flip"].share == pytest.approx(3 / 5)
    assert dict(by_cause["x.flip"].cases) == {"stride": 2, "padding": 2, "dilation": 1}
    assert by_cause["x.stride"].submissions == ("c",)
    assert [m.cause for m in result.misconceptions] == ["x.flip", "x.stride"]  # most first
    assert by_cause["x.flip"].example.startswith("N=1, W=6: dL/dx is wrong in 3 of 6")
    assert result.failed["conv1d_backward_input"] == 4
    assert result.unexplained["conv1d_backward_input"] == 1
    (unnamed,) = result.unnamed
    assert unnamed.submissions == ("e",) and "#" in unnamed.signature


def test_csv_columns_and_rows(tmp_path: Path, graded_class) -> None:
    result = diagnose_class(COURSE, graded_class)
    path = write_csv(result, tmp_path / "misconceptions.csv")
    rows = list(csv.reader(path.open()))
    assert tuple(rows[0]) == CSV_HEADER == ("function", "cause", "submissions", "share")
    body = rows[1:]
    assert len(body) == len(result.misconceptions) > 0
    order = [QUESTIONS.index(r[0]) for r in body]
    assert order == sorted(order)  # by function, then most frequent first
    for _, _, count, share in body:
        assert int(count) >= 1 and float(share) == pytest.approx(
            int(count) / result.population, abs=1e-4
        )
    assert ["conv1d_backward_input", "x.flip", "1", f"{1 / result.population:.4f}"] in body
    empty = write_csv(diagnose_class(COURSE, []), tmp_path / "empty.csv")
    assert empty.read_text() == "function,cause,submissions,share\n"
