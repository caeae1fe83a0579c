"""A synthetic class through ``cnn-backprop grade``: what the instructor learns from it.

The class (``zoo.classroom.write_class``) is the handout's ``.py`` filled in by: each correct
style, three copies of styles disguised by renaming, reordering and rewording comments,
four catalogued mistakes made by one to three students each, and three ways of reading the
gradients off a forward pass.  It is graded for real (sandbox, two workers) and the test
checks that the outputs find exactly what was planted:

* ``misconceptions.csv``: each planted mistake under its cause, counted once per student;
* ``similarity.csv``: the planted copies, and no pair of independent styles;
* ``grades.csv``'s ``flags``: every function of the three not-derived submissions, nothing else;
* ``report.html``: the new sections, with real numbers;
* a second run in a fresh process writes the same bytes.

About 20 s.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import QUESTIONS
from cnn_backprop.cli import main
from zoo.classroom import Planted, write_class
from zoo.mistakes import DIAGNOSES


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Planted, Path, str]:
    root = tmp_path_factory.mktemp("class")
    planted = write_class(root / "submissions")
    out = root / "graded"
    argv = ["grade", str(root / "submissions"), "--out", str(out), "-j", "2"]
    assert main([*argv, "--title", "Fall <2026>"]) == 0
    return planted, out, " ".join(argv)


def test_each_planted_mistake_is_counted_under_its_cause(graded) -> None:
    planted, out, _ = graded
    rows = read_csv(out / "misconceptions.csv")
    assert list(rows[0]) == ["function", "cause", "submissions", "share"]
    counts = {(r["function"], r["cause"]): int(r["submissions"]) for r in rows}
    expected: dict[tuple[str, str], int] = {}
    for mistake in planted.mistakes.values():
        (cause,) = DIAGNOSES[mistake.name]  # the planted mistakes have one cause each
        key = (mistake.function, cause)
        expected[key] = expected.get(key, 0) + 1
    # numerical differentiation splits a tied maximum's delta: the diagnosis says so, rightly
    expected[("maxpool1d_backward", "p.ties-split")] = 1
    assert counts == expected
    population = len(planted.all_keys())
    for row in rows:
        assert float(row["share"]) == pytest.approx(int(row["submissions"]) / population, 1e-3)
    functions = [QUESTIONS.index(r["function"]) for r in rows]
    assert functions == sorted(functions)


def test_planted_copies_are_flagged_and_independent_styles_are_not(graded) -> None:
    planted, out, _ = graded
    pairs = {(r["submission_a"], r["submission_b"]) for r in read_csv(out / "similarity.csv")}
    for original, copy in planted.copies:
        assert tuple(sorted((original, copy))) in pairs
    styles = set(planted.styles)
    assert not [p for p in pairs if set(p) <= styles], "independent styles flagged"
    # the other pairs are the catalogue's mistakes: each is loops.py with one function changed
    loops_family = {"style_loops", "copy_of_loops", *planted.mistakes}
    others = pairs - {tuple(sorted(c)) for c in planted.copies}
    assert others and all(set(p) <= loops_family for p in others)


def test_flags_name_every_function_of_the_submissions_that_do_not_derive(graded) -> None:
    planted, out, _ = graded
    rows = {r["submission"]: r for r in read_csv(out / "grades.csv")}
    everything = ";".join(f"not-derived:{q}" for q in sorted(QUESTIONS))
    for key in planted.all_keys():
        assert rows[key]["flags"] == (everything if key in planted.not_derived else ""), key
    assert rows["not_derived_one_hot"]["total"] == "30"  # full marks: the flag is the only sign


def test_the_report_leads_with_what_the_class_misunderstood(graded) -> None:
    planted, out, _ = graded
    page = (out / "report.html").read_text(encoding="utf-8")
    order = [
        "What the class misunderstood",
        "Scores",
        "Failures by cause",
        "Gradients not derived",
        "Look-alike submissions",
    ]
    positions = [page.index(f"<h2>{title}</h2>") for title in order]
    assert positions == sorted(positions)
    top = page[positions[0] : positions[1]]
    assert "computed with the filter not flipped" in top and "Forgetting to flip the filter" in top
    assert '<td class="num"><b>3</b></td>' in top  # three students forgot the flip
    failures = page[positions[2] : positions[3]]
    assert "dL/dx is wrong in" in failures and "#" not in failures.split("dL/dx is wrong in")[1][:8]
    flags = page[positions[3] : positions[4]]
    for key in planted.not_derived:
        assert f'href="{key}/results.json"' in flags
    look = page[positions[4] :]
    assert "copy_of_loops" in look and "<mark>" in look
    assert "Fall &lt;2026&gt;" in page


def test_a_second_run_in_a_new_process_writes_the_same_files(graded) -> None:
    _, out, argv = graded
    before = {name: (out / name).read_bytes() for name in ("misconceptions.csv", "similarity.csv")}
    run = subprocess.run(
        [sys.executable, "-m", "cnn_backprop.cli", *argv.split()],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "0 graded" in run.stdout
    for name, data in before.items():
        assert (out / name).read_bytes() == data, name
