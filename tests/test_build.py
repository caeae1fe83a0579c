"""The build and the Otter path end to end: real `cnn-backprop build`, `otter run`, Jupyter.

The build runs once per session (about 20 s: `otter generate`, then two `otter run`s).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from checkout import COURSE, QUESTIONS, TOTAL, grade
from cnn_backprop.build import otter_run
from cnn_backprop.handout import (
    KERNEL_ONLY,
    MODULE,
    NOTEBOOK,
    build_module,
    build_notebook,
    install_line,
)
from nbconvert.preprocessors import ExecutePreprocessor
from zoo.mistakes import MISTAKES, submission_source

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "cnn_backprop.cli", "build", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"reference solution: {TOTAL:g} / {TOTAL:g}" in result.stdout
    assert f"blank template:     0 / {TOTAL:g}" in result.stdout
    return out


def test_committed_template_is_current(dist: Path) -> None:
    built = dist / "student"
    template = REPO / "student_template"
    names = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert names == sorted(
        p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file()
    ), "student_template/ is stale: run `cnn-backprop build` and commit it"
    for name in names:
        assert (built / name).read_bytes() == (template / name).read_bytes(), (
            f"student_template/{name} is stale: run `cnn-backprop build` and commit it"
        )


def statements(source: str) -> set[str]:
    """Every statement of ``source`` (at any depth), normalised by the AST: layout, comments
    and quotes do not matter.  Short ones (``return dx``) say nothing and are left out."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.Expr)):
            text = ast.unparse(node)
            if len(text) >= 24 and "\n" not in text:
                found.add(text)
            elif len(text) >= 24:  # a compound statement: its first line only
                found.add(text.splitlines()[0])
    return found


def reference_statements() -> set[str]:
    """The statements of the reference's graded functions that its given code (the forward
    passes, which the handout hands out) does not share."""
    tree = ast.parse((REPO / "solutions" / "reference.py").read_text())
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    graded = [n for n in functions if n.name in QUESTIONS]
    assert len(graded) == len(QUESTIONS)
    given = set().union(*(statements(ast.unparse(n)) for n in functions if n not in graded))
    return set().union(*(statements(ast.unparse(n)) for n in graded)) - given


def handout_statements(module: str, notebook: nbformat.NotebookNode) -> set[str]:
    found = statements(module)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            code = "\n".join(line for line in cell.source.splitlines() if line[:1] not in "%!")
            found |= statements(code)
    return found


def test_handout_holds_no_reference_code_or_hidden_cases(dist: Path) -> None:
    """No statement of the reference's gradients is in the notebook or the module; this is a
    comparison that can fail: the solution handout (stubs filled in) does share them."""
    student = dist / "student"
    module = (student / MODULE).read_text()
    notebook = nbformat.read(student / NOTEBOOK, as_version=4)
    reference = reference_statements()
    assert len(reference) >= 10
    leaked = reference & handout_statements(module, notebook)
    assert not leaked, sorted(leaked)
    solved = handout_statements(
        build_module(COURSE, solution=True), build_notebook(COURSE, solution=True)
    )
    assert reference & solved, "the comparison must see the reference where it is"
    text = (student / NOTEBOOK).read_text() + module
    for secret in ("draw_conv", "draw_pool", "cnn_backprop.", "tests/hidden"):
        assert secret not in text
    zip_names = json.dumps(sorted(p.name for p in student.rglob("*")))
    assert "hidden" not in zip_names


@pytest.mark.parametrize("mistake", MISTAKES[::6], ids=lambda m: m.name)
def test_otter_run_gives_the_same_scores_as_grade(dist: Path, mistake, tmp_path: Path) -> None:
    path = tmp_path / "student.py"
    path.write_text(submission_source(mistake))
    via_otter = otter_run(dist / "autograder.zip", path)
    ours = grade(path)
    otter_scores = {t["name"]: t["score"] for t in via_otter["tests"] if t["name"] in QUESTIONS}
    assert otter_scores == ours.scores
    assert via_otter["score"] == ours.results["score"]


def run_notebook(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    ExecutePreprocessor(timeout=300, allow_errors=True, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(folder)}}
    )
    return nb


def outputs(cell: nbformat.NotebookNode) -> str:
    texts = []
    for out in cell.get("outputs", []):
        texts.append(out.get("text", "") + json.dumps(out.get("data", {})))
        if out.get("output_type") == "error":
            texts.append(f"ERROR {out['ename']}: {out['evalue']}")
    return "\n".join(texts)


def check_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and "grader.check(" in c.source]


def test_blank_notebook_runs_and_its_checks_fail_cleanly(dist: Path) -> None:
    folder = dist / "student"
    nb = run_notebook(nbformat.read(folder / NOTEBOOK, as_version=4), folder)
    checks = check_cells(nb)
    assert len(checks) == len(QUESTIONS)
    for cell in checks:
        text = outputs(cell)
        assert "ERROR" not in text, text  # a failed check, not a crash
        assert "NotImplementedError" in text and "Test case failed" in text
    errors = [outputs(c) for c in nb.cells if c.cell_type == "code" and "ERROR" in outputs(c)]
    assert all("NotImplementedError" in e for e in errors), errors


def test_solution_pasted_into_the_stubs_passes_every_public_check(dist: Path) -> None:
    folder = dist / "student"
    nb = build_notebook(COURSE, solution=True)
    nb.cells = [c for c in nb.cells if "export_submission(" not in c.source]
    nb = run_notebook(nb, folder)
    for cell in check_cells(nb):
        text = outputs(cell)
        assert "passed" in text and "ERROR" not in text, text
    assert not [outputs(c) for c in nb.cells if "ERROR" in outputs(c)]


def test_a_failing_public_check_in_the_notebook_names_the_likely_cause(dist: Path) -> None:
    """A student's `>=` in the pooling loop: grader.check says which mistake and where to read."""
    mistake = next(m for m in MISTAKES if m.name == "pool_last_max_wins_ties")
    nb = build_notebook(COURSE, solution=True)
    nb.cells = [c for c in nb.cells if "export_submission(" not in c.source]
    stub = next(c for c in nb.cells if "def maxpool1d_backward(" in c.source)
    stub.source = mistake.source
    nb = run_notebook(nb, dist / "student")
    texts = {cell.source: outputs(cell) for cell in check_cells(nb)}
    pool = texts['grader.check("maxpool1d_backward")']
    assert "ties and overlapping windows, window 3, stride 1: your result is wrong" in pool
    cause = (
        "Likely cause: your result equals the pooling gradient with each tie won by the last "
        "maximal element (as a >= comparison in a loop does); see the handout, section "
        '\\"The wrong tie rule\\" (#mistake-ties).'
    )
    # the tied-window case and the many-ties case, in the plain text and in the HTML
    assert pool.count(cause) == 4, pool
    others = [t for source, t in texts.items() if "maxpool" not in source]
    assert all("passed" in t and "Likely cause" not in t for t in others), others


def run_module(folder: Path, text: str | None = None) -> subprocess.CompletedProcess:
    """``python cnn_backprop_hw.py`` in the student's folder, as the handout says to run it."""
    if text is not None:
        (folder / MODULE).write_text(text)
    return subprocess.run(
        [sys.executable, MODULE], cwd=folder, capture_output=True, text=True, timeout=120
    )


def summary(stdout: str) -> list[str]:
    """The lines after the self-checks' summary heading."""
    lines = stdout.splitlines()
    start = lines.index("summary of the self-checks (finite differences):")
    return [line.strip() for line in lines[start + 1 :]]


def test_py_stub_self_checks_fail_with_one_line_per_function(dist: Path) -> None:
    result = run_module(dist / "student")
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary(result.stdout) == [
        f"FAILED  {q}: not implemented yet (it raises NotImplementedError)" for q in QUESTIONS
    ]


def with_function(module: str, source: str) -> str:
    """The module with one more definition just before its ``__main__`` block."""
    main = module.index('if __name__ == "__main__":')
    return module[:main] + source.rstrip() + "\n\n\n" + module[main:]


def test_py_self_checks_pass_on_a_right_solution_and_fail_on_a_wrong_one(
    dist: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "student"
    shutil.copytree(dist / "student", folder)
    right = build_module(COURSE, solution=True)
    result = run_module(folder, right)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary(result.stdout) == [
        f"ok      {q}: 5 of 5 configurations agree" for q in QUESTIONS
    ]
    mistake = next(m for m in MISTAKES if m.name == "conv_input_forgot_flip")
    result = run_module(folder, with_function(right, mistake.source))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = summary(result.stdout)
    assert lines[0] == "ok      conv1d_backward_w: 5 of 5 configurations agree"
    assert re.fullmatch(r"FAILED  conv1d_backward_input: [0-4] of 5 configurations agree", lines[1])
    assert lines[2] == "ok      maxpool1d_backward: 5 of 5 configurations agree"


def test_the_handout_opens_with_how_to_set_up(dist: Path) -> None:
    """Python versions and one install line, from pyproject.toml; both routes explained."""
    nb = nbformat.read(dist / "student" / NOTEBOOK, as_version=4)
    first = nb.cells[0].source
    assert install_line(REPO) in first and install_line(REPO).count("pip install") == 1
    assert "Python 3.10 to 3.13" in first
    assert "matplotlib" not in install_line(REPO) and "[grading]" not in install_line(REPO)
    assert f"jupyter lab {NOTEBOOK}" in first and f"python {MODULE}" in first
    assert f"otter check {MODULE}" in first
    module = (dist / "student" / MODULE).read_text()
    assert install_line(REPO, KERNEL_ONLY) in module and "Python 3.10 to 3.13" in module
