"""Grading a whole class: folders, Gradescope exports, parallel workers, resuming, grades.csv.

The end-to-end tests grade real submissions (the zoo's correct styles and catalogued
mistakes, plus broken files) through ``cnn-backprop grade`` in this process, with worker
processes for ``-j 2``; the rest are unit tests of discovery, metadata and the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import threading
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from checkout import COURSE, POINTS, QUESTIONS, TOTAL
from cnn_backprop import batch
from cnn_backprop.batch import (
    RECORD_FILE,
    BatchInputError,
    Job,
    Progress,
    Submitter,
    discover,
    grade_batch,
    grades_rows,
    load_metadata,
    pick_submission_file,
    resume,
    runner,
    unique_keys,
)
from cnn_backprop.cli import main
from cnn_backprop.grader import derive_seed
from cnn_backprop.records import FlagRecord, Record
from zoo.mistakes import MISTAKES, submission_source

ZOO = Path(__file__).parent / "zoo"
CORRECT = sorted((ZOO / "correct").glob("*.py"))


# -- fixtures ---------------------------------------------------------------------------------


def notebook_of(source: str) -> str:
    cells = [
        nbformat.v4.new_markdown_cell("# Backprop homework"),
        nbformat.v4.new_code_cell("import otter\ngrader = otter.Notebook('hw.ipynb')"),
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_code_cell('grader.check("maxpool1d_backward")'),
    ]
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def write_class(folder: Path) -> dict[str, str]:
    """Twelve submissions: correct styles, mistakes on every function, broken files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {f"correct_{p.stem}.py": p.read_text() for p in CORRECT[:4]}
    for mistake in MISTAKES[::9][:5]:
        files[f"mistake_{mistake.name}.py"] = submission_source(mistake)
    files["notebook_student.ipynb"] = notebook_of(CORRECT[-1].read_text())
    files["empty.py"] = ""
    files["syntax_error.py"] = "def conv1d_backward_w(x, delta:\n    return x\n"
    for name, text in files.items():
        (folder / name).write_text(text)
    (folder / "README.txt").write_text("not a submission")
    return files


@pytest.fixture
def pinned_grader(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reruns must reuse results even if the grader's files change meanwhile (a developer
    editing them while the suite runs); ``test_fingerprint`` covers the real fingerprint."""
    monkeypatch.setattr(runner, "grader_fingerprint", lambda course: "pinned-for-this-test")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "submissions"
    write_class(folder)
    return folder


def make_gradescope_export(root: Path, submissions: list[dict]) -> tuple[Path, Path]:
    """A realistic "Export Submissions" of a programming assignment: a zip and its folder.

    Layout as Gradescope makes it: ``assignment_<id>_export/`` holding
    ``submission_metadata.yml`` (YAML written by Ruby: symbol keys, quoted sids, timestamps,
    a BigDecimal tag in a submission's history) and one ``submission_<id>/`` folder per
    submission with the files the students uploaded.
    """
    top = root / "assignment_7261034_export"
    top.mkdir(parents=True)
    lines = ["---"]
    for sub in submissions:
        folder = top / f"submission_{sub['id']}"
        folder.mkdir()
        for name, text in sub["files"].items():
            (folder / name).write_text(text)
        lines.append(f"submission_{sub['id']}:")
        lines.append("  :submitters:")
        for name, email, sid in sub["submitters"]:
            lines += [f"  - :name: {name}", f"    :sid: '{sid}'", f"    :email: {email}"]
        lines.append("  :created_at: 2026-03-02 21:14:07.318242000 -08:00")
        lines.append("  :score: 30.0")
        if sub.get("history"):
            lines += [
                "  :history:",
                "  - :id: 231470001",
                "    :created_at: 2026-03-01 10:00:00.000000000 -08:00",
                "    :score: !ruby/object:BigDecimal 18:0.2E2",
            ]
        else:
            lines.append("  :history: []")
    (top / "submission_metadata.yml").write_text("\n".join(lines) + "\n")
    zip_path = root / "assignment_7261034_export.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for path in sorted(top.rglob("*")):
            zf.write(path, path.relative_to(root).as_posix())
    return zip_path, top


EXPORT = [
    {
        "id": "231474005",
        "submitters": [("Ada Lovelace", "ada@example.edu", "20230001")],
        "files": {"cnn_backprop_hw.ipynb": notebook_of(CORRECT[0].read_text())},
        "history": True,
    },
    {
        "id": "231474117",
        "submitters": [
            ("Alan Turing", "alan@example.edu", "20230002"),
            ("=HYPERLINK(1)", "grace@example.edu", "20230003"),  # must not become a formula
        ],
        "files": {"cnn_backprop_hw.py": submission_source(MISTAKES[0]), "notes.pdf": "%PDF"},
    },
    {
        "id": "231474230",
        "submitters": [("Emmy Noether", "emmy@example.edu", "20230004")],
        "files": {"a.ipynb": "{}", "b.ipynb": "{}"},  # two notebooks: Otter refuses it
    },
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def scores_of(out: Path) -> dict[str, float]:
    return {
        p.parent.name: json.loads(p.read_text())["score"]
        for p in sorted(out.glob("*/results.json"))
    }


# -- end to end -------------------------------------------------------------------------------


def test_parallel_batch_matches_one_by_one_and_reruns_identically(
    classroom: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], pinned_grader: None
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["grade", str(classroom), "--out", str(one), "-j", "1"]) == 0
    assert main(["grade", str(classroom), "--out", str(two), "-j", "2"]) == 0
    printed = capsys.readouterr()
    assert "skipped 1 file(s)" in printed.err and "with 2 worker(s)" in printed.out

    csv_one = (one / "grades.csv").read_bytes()
    assert csv_one == (two / "grades.csv").read_bytes()
    assert scores_of(one) == scores_of(two)
    rows = {r["submission"]: r for r in read_csv(one / "grades.csv")}
    assert len(rows) == 12
    assert list(rows) == sorted(rows)
    assert rows["correct_correlate"]["total"] == f"{TOTAL:g}"
    assert rows["notebook_student"]["total"] == f"{TOTAL:g}"
    assert rows["empty"]["status"] == "unreadable"
    assert rows["syntax_error"]["total"] == "0"
    for name, row in rows.items():
        if name.startswith("mistake_"):
            assert float(row["total"]) < TOTAL, name
    assert set(read_csv(one / "grades.csv")[0]) == {
        "submission",
        *QUESTIONS,
        "total",
        "seed",
        "status",
        "flags",
    }  # no identity columns without an export
    assert not any("seconds" in h or "time" in h for h in read_csv(one / "grades.csv")[0])

    # a rerun grades nothing and writes the very same bytes
    mtimes = {p: p.stat().st_mtime_ns for p in two.glob(f"*/{RECORD_FILE}")}
    assert main(["grade", str(classroom), "--out", str(two), "-j", "2"]) == 0
    assert "0 graded" in capsys.readouterr().out
    assert (two / "grades.csv").read_bytes() == csv_one
    assert {p: p.stat().st_mtime_ns for p in two.glob(f"*/{RECORD_FILE}")} == mtimes
    report = (two / "report.html").read_text()
    assert "mistake_" in report and 'href="empty/results.json"' in report


def test_an_interrupted_batch_resumes_without_regrading(
    tmp_path: Path, pinned_grader: None
) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    for i, style in enumerate(CORRECT[:3]):
        (folder / f"s{i}.py").write_text(style.read_text())
    (folder / "s3.py").write_text(submission_source(MISTAKES[-1]))
    (folder / "s4.py").write_text("")
    out = tmp_path / "out"

    # "interrupted" after two submissions: grade only those, as a stopped batch would have
    first = discover([folder / "s0.py", folder / "s3.py"], out).jobs
    done = grade_batch(COURSE, first, out, workers=2)
    assert done.graded == ["s0", "s3"]
    before = {k: (out / k / RECORD_FILE).stat().st_mtime_ns for k in done.graded}

    jobs = discover([folder], out).jobs
    resumed = grade_batch(COURSE, jobs, out, workers=2)
    assert resumed.reused == ["s0", "s3"]
    assert resumed.graded == ["s1", "s2", "s4"]
    assert {k: (out / k / RECORD_FILE).stat().st_mtime_ns for k in before} == before

    # a changed file is graded again, and only it
    (folder / "s1.py").write_text(submission_source(MISTAKES[3]))
    again = grade_batch(COURSE, discover([folder], out).jobs, out, workers=2)
    assert again.graded == ["s1"]
    assert again.records[1].total < TOTAL

    # a different --seed, or force, grades again
    assert grade_batch(COURSE, jobs[4:], out, workers=1, seed=7).graded == ["s4"]
    assert grade_batch(COURSE, jobs[4:], out, workers=1, seed=7).graded == []
    assert grade_batch(COURSE, jobs[4:], out, workers=1, seed=7, force=True).graded == ["s4"]


@pytest.mark.parametrize("form", ["zip", "folder"])
def test_gradescope_export_keeps_identities_and_seeds(
    form: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    zip_path, folder = make_gradescope_export(tmp_path / "export", EXPORT)
    source = zip_path if form == "zip" else folder.parent  # the unzipped folder, one level up
    out = tmp_path / "graded"
    workers = "2" if form == "zip" else "1"
    assert main(["grade", str(source), "--out", str(out), "-j", workers]) == 0
    capsys.readouterr()

    rows = read_csv(out / "grades.csv")
    assert [(r["submission"], r["name"]) for r in rows] == [
        ("submission_231474005", "Ada Lovelace"),
        ("submission_231474117", "'=HYPERLINK(1)"),
        ("submission_231474117", "Alan Turing"),
        ("submission_231474230", "Emmy Noether"),
    ]
    ada, grace, alan, emmy = rows
    assert (ada["email"], ada["sid"], ada["submission_id"]) == (
        "ada@example.edu",
        "20230001",
        "231474005",
    )
    assert ada["total"] == f"{TOTAL:g}"
    # the seed Gradescope used: from the submission id, not from the file's content
    assert int(ada["seed"]) == derive_seed("gradescope:231474005", COURSE.secret())
    assert int(alan["seed"]) == derive_seed("gradescope:231474117", COURSE.secret())
    assert float(alan["total"]) < TOTAL and grace["total"] == alan["total"]
    assert emmy["status"] == "unreadable" and emmy["total"] == "0"
    feedback = json.loads((out / "submission_231474230" / "results.json").read_text())
    assert "more than one .ipynb" in json.dumps(feedback)
    record = json.loads((out / "submission_231474005" / RECORD_FILE).read_text())
    assert record["submitters"] == [
        {"name": "Ada Lovelace", "email": "ada@example.edu", "sid": "20230001"}
    ]
    assert "Emmy Noether" in (out / "report.html").read_text()


# -- units ------------------------------------------------------------------------------------


def test_fingerprint_follows_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNN_BACKPROP_SECRET", "one")
    first = batch.grader_fingerprint(COURSE)
    assert batch.grader_fingerprint(COURSE) == first
    monkeypatch.setenv("CNN_BACKPROP_SECRET", "two")  # other seeds: earlier grades are stale
    assert batch.grader_fingerprint(COURSE) != first


def test_fingerprint_ignores_settings_that_only_shape_the_report() -> None:
    def grading_config(**block: object) -> bytes:
        otter = {"points_possible": TOTAL, "plugins": [{resume.config.PLUGIN: block}]}
        return resume._grading_config(otter)

    base = grading_config(tie_rule="first")
    # a new look-alike threshold keeps every grade: nothing is graded again
    assert grading_config(tie_rule="first", similarity_threshold=0.6) == base
    assert grading_config(tie_rule="first", similarity_threshold=0.9) == base
    # what a flag does to a score is a grading setting
    assert grading_config(tie_rule="first", gradients_not_derived="zero") != base
    assert grading_config(tie_rule="all") != base


def test_metadata_reads_ruby_yaml() -> None:
    text = (
        "---\nsubmission_12:\n  :submitters:\n  - :name: Ada\n    :sid: 7\n    :email:\n"
        "  :score: !ruby/object:BigDecimal 18:0.3E2\n"
        "../evil:\n  :submitters: []\n"
        "odd_folder:\n  :id: 99\n"
    )
    meta = load_metadata(text)
    assert meta["submission_12"] == {"id": "12", "submitters": (Submitter("Ada", "", "7"),)}
    assert meta["odd_folder"]["id"] == "99"
    assert "../evil" not in meta
    with pytest.raises(BatchInputError):
        load_metadata("- just a list\n")


def test_export_zip_never_writes_outside_its_folder(tmp_path: Path) -> None:
    zip_path = tmp_path / "export.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("submission_metadata.yml", "submission_1:\n  :submitters: []\n")
        zf.writestr("submission_1/hw.py", "x = 1\n")
        zf.writestr("submission_1/../../escaped.py", "x = 1\n")
        zf.writestr("../escaped.py", "x = 1\n")
        zf.writestr("submission_1/deep/nested.py", "x = 1\n")
    out = tmp_path / "out"
    jobs = discover([zip_path], out).jobs
    assert [(j.key, Path(j.path).name, j.submission_id) for j in jobs] == [
        ("submission_1", "hw.py", "1")
    ]
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.py"))
    assert written == [p for p in written if p.startswith("out/.exports/")]
    assert not (tmp_path / "escaped.py").exists()


def test_pick_submission_file_follows_otter(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "hw.py").write_text("")
    (tmp_path / "a" / "__init__.py").write_text("")
    (tmp_path / "a" / "hw.ipynb").write_text("")
    assert pick_submission_file(tmp_path / "a")[0] == tmp_path / "a" / "hw.ipynb"
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.py").write_text("")
    (tmp_path / "b" / "y.py").write_text("")
    path, problem = pick_submission_file(tmp_path / "b")
    assert path is None and "more than one .py" in problem
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "report.pdf").write_text("")
    path, problem = pick_submission_file(tmp_path / "c")
    assert path is None and "report.pdf" in problem


def test_keys_are_unique_and_safe() -> None:
    assert unique_keys(["hw", "HW", "hw", "..", "a b/c", "", "grades.csv"]) == [
        "hw",
        "HW-2",
        "hw-3",
        "submission",
        "a_b_c",
        "submission-2",
        "grades.csv_",
    ]


def test_discover_rejects_what_it_cannot_grade(tmp_path: Path) -> None:
    with pytest.raises(BatchInputError, match="no such file"):
        discover([tmp_path / "missing.py"], tmp_path / "out")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(BatchInputError, match=r"not a \.py"):
        discover([tmp_path / "notes.txt"], tmp_path / "out")


def test_csv_rows_are_sorted_and_one_per_student() -> None:
    full = Record("", "graded", scores=dict(POINTS), total=TOTAL, seed=5)
    two = (Submitter("Zed"), Submitter("Al"))
    records = [
        Record(**{**vars(full), "key": "b", "submission_id": "2", "submitters": two}),
        Record(**{**vars(full), "key": "a"}),
    ]
    header, rows = grades_rows(QUESTIONS, records)
    assert header[:5] == ["submission", "submission_id", "name", "email", "sid"]
    assert header[5 : 5 + len(QUESTIONS)] == list(QUESTIONS)  # one column per question
    assert [(r[0], r[2]) for r in rows] == [("a", ""), ("b", "Al"), ("b", "Zed")]
    assert header[-1] == "flags"
    assert rows[0][-4:] == [f"{TOTAL:g}", "5", "graded", ""]


def test_flags_column_lists_each_flag_once_sorted() -> None:
    flag = FlagRecord("maxpool1d_backward", "not-derived")
    flags = (flag, FlagRecord("conv1d_backward_w", "unwatched"), flag)
    record = Record("a", "graded", total=TOTAL, flags=flags)
    _, rows = grades_rows(QUESTIONS, [record])
    assert rows[0][-1] == "not-derived:maxpool1d_backward;unwatched:conv1d_backward_w"


def test_progress_plain_lines_and_bar() -> None:
    record = Record("s1", "graded", total=26.5, possible=dict(POINTS), seconds=0.4)
    log = io.StringIO()
    progress = Progress(log, bar=False)
    progress.start(3, 1)
    progress.advance(record)
    progress.finish()
    lines = log.getvalue().splitlines()
    assert "1 of 3" in lines[0] and lines[1].startswith(f"[2/3] s1  26.5/{TOTAL:g}  graded")
    assert "eta" in lines[1]
    tty = io.StringIO()
    progress = Progress(tty, bar=True)
    progress.start(2, 0)
    progress.advance(record)
    progress.advance(record)
    progress.finish()
    assert "\r" in tty.getvalue() and "2/2 100%" in tty.getvalue()


def test_a_job_with_nothing_to_grade_is_reported_not_fatal(tmp_path: Path) -> None:
    job = Job("lost", None, "export/lost", problem="the export has no files for this submission")
    result = grade_batch(COURSE, [job], tmp_path, workers=4)
    (record,) = result.records
    assert record.status == "unreadable" and record.total == 0
    feedback = json.loads((tmp_path / "lost" / "results.json").read_text())
    assert "no files for this submission" in json.dumps(feedback)


def _worker_pids() -> list[int]:
    """This process's pool workers (spawned children), not its resource tracker."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_a_worker_that_dies_is_replaced_and_nothing_is_lost(tmp_path: Path) -> None:
    """A pool worker killed mid-batch: the submissions it held are graded again in a new pool."""
    folder = tmp_path / "class"
    folder.mkdir()
    for i in range(6):
        (folder / f"student_{i}.py").write_text(CORRECT[i % len(CORRECT)].read_text())
    killed: list[int] = []

    def kill_one_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            workers = _worker_pids()
            if workers:
                time.sleep(0.3)  # let it take a submission
                os.kill(workers[0], signal.SIGKILL)
                killed.append(workers[0])
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    try:
        result = grade_batch(COURSE, discover([folder], tmp_path / "out").jobs, tmp_path / "out",
                             workers=2)  # fmt: skip
    finally:
        killer.join()
    assert killed, "no worker was seen to kill"
    assert [r.key for r in result.records] == [f"student_{i}" for i in range(6)]
    assert all(r.status == "graded" and r.total == TOTAL for r in result.records), [
        (r.key, r.status, r.notes) for r in result.records
    ]
