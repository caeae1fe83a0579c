"""A fourth question, added as the README's "Add a question" says, touching nothing in the package.

The example question is average pooling (``tests/examples/avgpool1d_backward/``): its reference
function (with its given forward pass), its public and hidden suites, its handout section and
its points.  ``add_question`` follows the README's steps on a copy of the course; the tests then
use only the command line and Otter: ``pytest`` on its suites (the fixtures by name come from
the declarations), ``cnn-backprop --course DIR build`` (handout, template, zip, self-grading),
``cnn-backprop --course DIR grade`` on a correct and a wrong submission (its column in
``grades.csv``, its panel in the report) and ``otter run`` with the built zip.  About a minute.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from checkout import POINTS, copy_course

EXAMPLE = Path(__file__).resolve().parent / "examples" / "avgpool1d_backward"
NAME = "avgpool1d_backward"
ADDED = json.loads((EXAMPLE / "points.json").read_text())[NAME]
FULL = sum(POINTS.values()) + ADDED
# the wrong submission's mistake: the whole delta to every input of its window
FORGOT_TO_AVERAGE = (" / kernel_size\n", "\n")


def add_question(root: Path) -> None:
    """The README's "Add a question", step by step."""
    # 1. the reference function (and its forward pass) at the end of solutions/reference.py
    reference = root / "solutions" / "reference.py"
    reference.write_text(reference.read_text() + "\n\n" + (EXAMPLE / "reference.py").read_text())
    # 2. its two suites, named after it
    (root / "tests" / "public" / f"test_{NAME}.py").write_text(
        (EXAMPLE / "public_suite.py").read_text()
    )
    (root / "tests" / "hidden" / f"test_{NAME}.py").write_text(
        (EXAMPLE / "hidden_suite.py").read_text()
    )
    # 3. its handout section, before "Submitting"
    handout = root / "assignment" / "handout.md"
    text = handout.read_text()
    at = text.index("<!-- cell -->\n\n## 7. Submitting")
    handout.write_text(text[:at] + (EXAMPLE / "handout.md").read_text() + text[at:])
    # 4. its points, and the new total
    config_path = root / "otter_config.json"
    otter = json.loads(config_path.read_text())
    block = otter["plugins"][0]["cnn_backprop.otter_plugin.SandboxedGrading"]
    block["points"][NAME] = ADDED
    otter["points_possible"] = sum(block["points"].values())
    config_path.write_text(json.dumps(otter, indent=2) + "\n")


def cli(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cnn_backprop.cli", "--course", str(root), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_course(tmp_path_factory.mktemp("four") / "course")
    add_question(root)
    return root


@pytest.fixture(scope="module")
def built(course_dir: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = course_dir.parent / "dist"
    return out, cli(course_dir, "build", "--out", str(out), timeout=900)


@pytest.fixture(scope="module")
def submissions(course_dir: Path) -> dict[str, Path]:
    from cnn_backprop.course import load
    from cnn_backprop.handout import build_module, build_notebook

    four = load(course_dir)
    solution = build_module(four, solution=True)
    assert solution.count(FORGOT_TO_AVERAGE[0]) == 1  # the mistake below is really planted
    folder = course_dir.parent / "submissions"
    folder.mkdir()
    files = {
        "correct": folder / "correct.py",
        "wrong": folder / "wrong.py",
        "notebook": folder / "cnn_backprop_hw.ipynb",
    }
    files["correct"].write_text(solution)
    files["wrong"].write_text(solution.replace(*FORGOT_TO_AVERAGE))
    nbformat.write(build_notebook(four, solution=True), files["notebook"])
    return files


def test_the_course_declares_the_new_question(course_dir: Path) -> None:
    from cnn_backprop.course import load

    four = load(course_dir)
    assert four.names[-1] == NAME and len(four.names) == len(POINTS) + 1
    question = four.question(NAME)
    assert question.forward == "avgpool1d_forward" and "avgpool1d_forward" in four.given()
    assert (question.quantity, question.axes) == ("dL/dx", ("N", "C", "W"))
    assert question.inputs == ("x", "delta")  # checked unmodified
    assert question.section == "average-pooling"
    assert four.config.points[NAME] == ADDED


def test_its_suites_pass_the_reference_with_fixtures_by_name(course_dir: Path) -> None:
    suites = [course_dir / "tests" / part / f"test_{NAME}.py" for part in ("public", "hidden")]
    plugin = ["-p", "cnn_backprop.pytest_plugin", "-p", "no:cacheprovider"]
    run = subprocess.run(  # as the repo's pyproject.toml runs them: two files of one name
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--import-mode=importlib",
            *plugin,
            *map(str, suites),
        ],
        capture_output=True,
        text=True,
        cwd=course_dir,
        env={**os.environ, "CNN_BACKPROP_COURSE": str(course_dir)},
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "5 passed" in run.stdout  # two public cases and three hidden ones


def test_the_build_hands_it_out_and_self_grades_it(built) -> None:
    out, run = built
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert f"otter run, reference solution: {FULL:g} / {FULL:g}" in run.stdout
    assert f"otter run, blank template:     0 / {FULL:g}" in run.stdout
    module = (out / "student" / "cnn_backprop_hw.py").read_text()
    assert f"def {NAME}(" in module and "raise NotImplementedError" in module
    assert "def avgpool1d_forward(" in module  # its given forward pass
    assert "x[:, :, idx].mean" in module  # ... with its body
    assert "+= delta[:, :, t : t + 1] / kernel_size" not in module  # not the reference's
    notebook = nbformat.read(out / "student" / "cnn_backprop_hw.ipynb", as_version=4)
    sources = [cell.source for cell in notebook.cells]
    assert any(s.strip() == f'grader.check("{NAME}")' for s in sources)
    assert any("## 6b. Average pooling" in s for s in sources)
    public = out / "student" / "tests" / f"{NAME}.py"
    assert public.is_file() and "overlapping windows" in public.read_text()
    assert (out / "autograder.zip").is_file()


def test_grade_scores_it_and_reports_it(course_dir: Path, built, submissions) -> None:
    graded = course_dir.parent / "graded"
    run = cli(course_dir, "grade", str(submissions["correct"]), str(submissions["wrong"]),
              "--out", str(graded), "-j", "1")  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with (graded / "grades.csv").open(newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"correct", "wrong"}, rows
    assert float(rows["correct"][NAME]) == ADDED and float(rows["correct"]["total"]) == FULL
    assert float(rows["wrong"][NAME]) < ADDED
    assert all(float(rows["wrong"][q]) == POINTS[q] for q in POINTS)  # the rest is right
    results = json.loads((graded / "wrong" / "results.json").read_text())
    feedback = next(t["output"] for t in results["tests"] if t["name"] == NAME)
    assert "dL/dx is wrong in" in feedback and "(axes: N, C, W)" in feedback
    assert "Average pooling" in feedback  # the section it points to: its own
    page = (graded / "report.html").read_text(encoding="utf-8")
    assert page.count(f"<code>{NAME}</code>") >= 3  # header, score panel, pass-rate panel


@pytest.mark.slow
def test_otter_run_grades_it_with_the_built_zip(course_dir: Path, built, submissions) -> None:
    out, _ = built
    results_dir = course_dir.parent / "otter"
    results_dir.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "otter", "run", "-a", str(out / "autograder.zip"),
         "-o", str(results_dir), str(submissions["notebook"])],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((results_dir / "results.json").read_text())
    scores = {t["name"]: t.get("score") for t in results["tests"]}
    assert scores[NAME] == ADDED and results["score"] == FULL
    assert sum(scores.get(q, 0) for q in (*POINTS, NAME)) == FULL


# --------------------------------------------------------------- the README's "Add a case"

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example(heading: str) -> str:
    """The first Python block after the README's bold ``heading``, exactly as written."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(f"**{heading}**") :]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize(
    ("heading", "part", "added"),
    [("Add a case.", "hidden", "long_inputs"), ("Add a public case.", "public", "wide windows")],
)
def test_the_readmes_case_examples_work_as_written(
    heading: str, part: str, added: str, tmp_path: Path
) -> None:
    from cnn_backprop.course import load
    from cnn_backprop.grader import grade_file
    from cnn_backprop.handout import build_module
    from cnn_backprop.suite import declared_cases

    root = copy_course(tmp_path / "course")
    suite = root / "tests" / part / "test_maxpool1d_backward.py"
    suite.write_text(suite.read_text() + "\n\n" + readme_example(heading))
    course = load(root)
    # the case is declared, and the function's points stay what the configuration gives it
    declared = declared_cases(course.suite_files("maxpool1d_backward"))
    assert added in [c.name for c in declared]
    assert course.config.points["maxpool1d_backward"] == POINTS["maxpool1d_backward"]
    run = subprocess.run(  # the reference passes it, through the fixtures by name
        [sys.executable, "-m", "pytest", "-q", "--import-mode=importlib", "-p",
         "cnn_backprop.pytest_plugin", "-p", "no:cacheprovider", str(suite)],
        capture_output=True, text=True, cwd=root, timeout=300, check=False,
        env={**os.environ, "CNN_BACKPROP_COURSE": str(root)},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    # and the grader runs it: full marks for the reference, with the case among the results
    solution = tmp_path / "solution.py"
    solution.write_text(build_module(course, solution=True))
    outcome = grade_file(solution, course)
    assert outcome.total == sum(POINTS.values()), outcome.results.get("output")
    tf = outcome.grading_results.results["maxpool1d_backward"]
    assert added.replace("_", " ") in [
        r.test_case.name.replace("_", " ") for r in tf.test_case_results
    ]
