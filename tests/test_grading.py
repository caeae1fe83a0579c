"""The grader end to end on real submission files: correct styles, realistic mistakes, bad input.

Every submission here is a real file run through ``grade_file``: parsed, executed in the
sandbox child, graded by the public and hidden suites, written as a Gradescope results dict.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import nbformat
import pytest
from checkout import POINTS, QUESTIONS, TOTAL, grade
from cnn_backprop.grader import write_results
from zoo.mistakes import MISTAKES, submission_source

ZOO = Path(__file__).parent / "zoo"
CORRECT = sorted((ZOO / "correct").glob("*.py"))
FULL = dict(POINTS)


def as_notebook(source: str, tmp_path: Path, name: str = "submission.ipynb") -> Path:
    """A realistic student notebook: magics, shell lines, a broken scratch cell, Otter calls."""
    cells = [
        nbformat.v4.new_markdown_cell("# My homework"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\n!pip list | head -1"),
        nbformat.v4.new_code_cell('import otter\ngrader = otter.Notebook("hw.ipynb")'),
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_code_cell("scratch = undefined_name + 1  # a broken scratch cell"),
        nbformat.v4.new_code_cell("%%time\nx = np.ones((1, 1, 4))"),
        nbformat.v4.new_code_cell("%%bash\necho not python"),
        nbformat.v4.new_code_cell('grader.check("conv1d_backward_w")'),
    ]
    path = tmp_path / name
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def assert_valid_results(outcome) -> None:
    text = json.dumps(outcome.results, allow_nan=False)  # finite numbers only
    names = [t["name"] for t in json.loads(text)["tests"]]
    for q in QUESTIONS:
        assert names.count(q) == 1


@pytest.mark.parametrize("style", CORRECT, ids=lambda p: p.stem)
def test_correct_styles_get_full_marks_as_py(style: Path) -> None:
    outcome = grade(style)
    assert outcome.status == "graded"
    assert outcome.scores == FULL, outcome.results
    assert outcome.results["score"] == TOTAL


@pytest.mark.parametrize("style", CORRECT, ids=lambda p: p.stem)
def test_correct_styles_get_full_marks_as_notebooks(style: Path, tmp_path: Path) -> None:
    outcome = grade(as_notebook(style.read_text(), tmp_path))
    assert outcome.scores == FULL, outcome.results
    # the broken scratch cell is reported, not fatal
    assert "undefined_name" in outcome.results.get("output", "")


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_each_mistake_loses_marks_on_its_function_only(mistake, tmp_path: Path) -> None:
    outcome = grade(write(tmp_path, "student.py", submission_source(mistake)))
    assert outcome.scores[mistake.function] < 10, f"{mistake.name} was not caught"
    for q in QUESTIONS:
        if q != mistake.function:
            assert outcome.scores[q] == POINTS[q], f"{mistake.name} cost points on {q}"


def test_same_file_same_seed_and_scores(tmp_path: Path) -> None:
    path = write(tmp_path, "a.py", submission_source(MISTAKES[0]))
    first, second = grade(path), grade(path)
    assert first.seed == second.seed and first.scores == second.scores
    other = grade(path, metadata={"id": 12345})
    assert other.seed != first.seed  # Gradescope's submission id, not the content, seeds it


BAD_INPUTS = {
    "empty.py": ("", "is empty"),
    "binary.py": (b"\x00\x01\x02garbage", "binary"),
    "latin1.py": ("x = 'caf\xe9'".encode("latin-1"), "not UTF-8"),
    "broken.ipynb": ('{"cells": [', "JSON is broken"),
    "nocells.ipynb": ('{"metadata": {}}', "no list of cells"),
    "notes.txt": ("hello", "expected a .py file"),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_unreadable_files_score_zero_with_a_reason(name: str, tmp_path: Path) -> None:
    content, reason = BAD_INPUTS[name]
    outcome = grade(write(tmp_path, name, content))
    assert outcome.status == "unreadable"
    assert outcome.total == 0
    assert reason in outcome.results["output"]
    assert_valid_results(outcome)


def test_zip_without_a_notebook(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "no code here")
    outcome = grade(write(tmp_path, "export.zip", buf.getvalue()))
    assert outcome.total == 0 and "holds no notebook" in outcome.results["output"]


def test_otter_export_zip_is_graded(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hw.ipynb", as_notebook(CORRECT[0].read_text(), tmp_path).read_text())
        zf.writestr(".OTTER_LOG", b"\x80binary log")
    outcome = grade(write(tmp_path, "hw_2026_11_27.zip", buf.getvalue()))
    assert outcome.scores == FULL


def case_messages(outcome, question: str) -> str:
    return next(t["output"] for t in outcome.results["tests"] if t["name"] == question)


BEHAVIOURS = {
    "syntax error": (
        "def conv1d_backward_w(x, delta, kernel_size, stride=1, padding=0, dilation=1)\n    pass\n",
        "SyntaxError",
    ),
    "missing function": ("import numpy as np\n", "is not defined"),
    "raises": (
        "def maxpool1d_backward(*a, **k):\n    raise ValueError('bad window')\n",
        "raised ValueError: bad window",
    ),
    "returns NaN": (
        "import numpy as np\ndef maxpool1d_backward(x, d, k, stride=None, padding=0):\n"
        "    return np.full(x.shape, np.nan)\n",
        "NaN or inf",
    ),
    "wrong shape": (
        "import numpy as np\ndef maxpool1d_backward(x, d, k, stride=None, padding=0):\n"
        "    return np.zeros(x.shape[1:])\n",
        "has shape",
    ),
    "not numeric": (
        "def maxpool1d_backward(x, d, k, stride=None, padding=0):\n    return 'gradient'\n",
        "not numbers",
    ),
    "returns None": (
        "def maxpool1d_backward(x, d, k, stride=None, padding=0):\n    pass\n",
        "not numbers",
    ),
    "modifies input": (
        "def maxpool1d_backward(x, d, k, stride=None, padding=0):\n    d *= 0\n    return x * 0\n",
        "modified its input `delta`",
    ),
}


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
def test_bad_behaviour_gets_a_specific_message(behaviour: str, tmp_path: Path) -> None:
    source, message = BEHAVIOURS[behaviour]
    outcome = grade(write(tmp_path, "student.py", source))
    assert outcome.status == "graded"
    assert outcome.total == 0
    everything = json.dumps(outcome.results)
    assert message in everything, everything[:2000]
    assert_valid_results(outcome)


def test_exit_at_import_and_crashes_are_contained(tmp_path: Path) -> None:
    source = "import os\nos._exit(3)\n"
    outcome = grade(write(tmp_path, "student.py", source))
    assert outcome.total == 0
    assert "ended the grading process" in json.dumps(outcome.results) or "loading" in json.dumps(
        outcome.results
    )


def test_one_crashing_function_does_not_cost_the_others(tmp_path: Path) -> None:
    source = CORRECT[0].read_text() + (
        "\n\ndef maxpool1d_backward(x, delta, kernel_size, stride=None, padding=0):\n"
        "    import os\n    os._exit(1)\n"
    )
    outcome = grade(write(tmp_path, "student.py", source))
    assert outcome.scores["maxpool1d_backward"] == 0
    assert outcome.scores["conv1d_backward_w"] == POINTS["conv1d_backward_w"]
    assert outcome.scores["conv1d_backward_input"] == POINTS["conv1d_backward_input"]


def test_results_are_always_valid_json(tmp_path: Path) -> None:
    """Unserialisable results become the grader-error entry (atomicity: test_atomic.py)."""
    outcome = grade(CORRECT[0])
    write_results(outcome.results, tmp_path / "x" / "results.json")
    assert json.loads((tmp_path / "x" / "results.json").read_text())["score"] == TOTAL
    write_results({"score": float("nan"), "tests": []}, tmp_path / "y" / "results.json")
    fallback = json.loads((tmp_path / "y" / "results.json").read_text())
    assert fallback["score"] == 0 and fallback["tests"][0]["name"] == "autograder error"
