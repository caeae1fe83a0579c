"""Gradescope's own path: the built zip on a laid-out /autograder folder, and ``otter run``.

Otter reads the submission folder in its own process, as root: it unpickles a ``.OTTER_LOG``
it finds there and starts its Jupyter kernel from there.  The grader must give Otter nothing
of the upload, whatever it holds, and grade what the student meant to submit: a notebook left
zipped, a notebook in a subfolder, never a link.  Each upload here is graded three ways, as
the users' tools do: the zip's ``run_otter.py`` entry point (what Gradescope runs),
``otter.run.run_autograder.main(DIR)`` called directly (what ``otter run`` does inside), and
``otter run`` itself where the upload is one file.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from checkout import COURSE, POINTS, QUESTIONS
from cnn_backprop import paths
from cnn_backprop.handout import build_notebook
from platforms import BY_NAME, autograder_zip, lay_out_autograder, run_gradescope
from zoo.mistakes import MISTAKES, submission_source

ROOT = BY_NAME["root"]
FULL = dict(POINTS)
ZERO = dict.fromkeys(QUESTIONS, 0.0)


@pytest.fixture(scope="module")
def solution() -> bytes:
    return nbformat.writes(build_notebook(COURSE, solution=True)).encode()


@pytest.fixture(scope="module")
def blank() -> bytes:
    return nbformat.writes(build_notebook(COURSE, solution=False)).encode()


class Evil:
    """A pickle that runs code when loaded: what a forged .OTTER_LOG holds."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self):
        return (os.system, (f"touch {self.proof}",))


def scores(results: dict) -> dict[str, float]:
    return {t["name"]: t["score"] for t in results.get("tests", []) if t["name"] in QUESTIONS}


def run_main_directly(folder: Path) -> dict:
    """``otter.run.run_autograder.main(DIR)``: Otter's own entry point, no staging before it."""
    script = (
        "import sys; sys.path.insert(0, sys.argv[1] + '/source');"
        "from otter.run.run_autograder import main; main(sys.argv[1])"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        capture_output=True,
        timeout=300,
        check=False,
        cwd=str(folder),
    )
    return json.loads((folder / "results" / "results.json").read_text())


def both_ways(tmp_path: Path, upload: dict) -> list[dict]:
    """The upload graded by the zip's entry point and by Otter's main, each on its own copy."""
    results = []
    for way in ("entry", "main"):
        folder = lay_out_autograder(tmp_path / way, upload)
        if way == "entry":
            results.append(run_gradescope(folder, ROOT))
        else:
            results.append(run_main_directly(folder))
    return results


def test_a_pickled_log_and_a_fake_kernel_launcher_never_run(tmp_path: Path, blank: bytes) -> None:
    proofs = [tmp_path / "log-ran", tmp_path / "launcher-ran"]
    upload = {
        "cnn_backprop_hw.ipynb": blank,
        ".OTTER_LOG": pickle.dumps(Evil(proofs[0])),
        "ipykernel_launcher.py": f"open({str(proofs[1])!r}, 'w').close()\n",
    }
    for results in both_ways(tmp_path, upload):
        assert scores(results) == ZERO, results
        assert not any(p.exists() for p in proofs), "code from the upload ran in Otter's process"


def test_no_kernel_is_started(tmp_path: Path, solution: bytes) -> None:
    """Otter's kernel would leave a connection file in the Jupyter runtime folder."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    folder = lay_out_autograder(tmp_path / "ag", {"hw.ipynb": solution})
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    script = (
        "import sys; sys.path.insert(0, sys.argv[1] + '/source');"
        "from otter.run.run_autograder import main; main(sys.argv[1])"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(folder)],
        env=env,
        timeout=300,
        capture_output=True,
        check=False,
    )
    results = json.loads((folder / "results" / "results.json").read_text())
    assert scores(results) == FULL
    assert list(runtime.iterdir()) == []


def test_a_link_to_the_reference_is_refused(tmp_path: Path) -> None:
    """A link restored from an uploaded zip, straight at the bundled reference."""
    for way, run in (("entry", lambda f: run_gradescope(f, ROOT)), ("main", run_main_directly)):
        folder = lay_out_autograder(tmp_path / way, {})
        reference = folder / "source" / "cnn_backprop" / "_bundle" / "solutions" / "reference.py"
        (folder / "submission" / "answer.py").symlink_to(reference)
        results = run(folder)
        assert scores(results) == ZERO, way
        assert "symbolic link" in json.dumps(results), way


def test_an_upload_left_zipped_or_in_a_subfolder_is_graded(tmp_path: Path, solution: bytes) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # an Otter export, as students are told to upload
        zf.writestr("cnn_backprop_hw.ipynb", solution)
        zf.writestr(".OTTER_LOG", b"\x80 a log")
    for name, upload in (
        ("zipped", {"cnn_backprop_hw_2026.zip": buf.getvalue()}),
        ("subfolder", {"my-homework/cnn_backprop_hw.ipynb": solution}),
    ):
        results = run_gradescope(lay_out_autograder(tmp_path / name, upload), ROOT)
        assert scores(results) == FULL, (name, results)


def test_every_path_gives_the_same_scores(tmp_path: Path) -> None:
    """One wrong function: Gradescope's path, Otter's main, otter run and cnn-backprop grade
    agree (the seed comes from the same content, Gradescope's from its submission id)."""
    mistake = MISTAKES[0]
    cell = nbformat.v4.new_code_cell(submission_source(mistake))
    notebook = nbformat.writes(nbformat.v4.new_notebook(cells=[cell])).encode()
    upload, metadata = {"hw.ipynb": notebook}, '{"id": 991}'
    gradescope = run_gradescope(lay_out_autograder(tmp_path / "gs", upload, metadata), ROOT)
    direct = run_main_directly(lay_out_autograder(tmp_path / "main", upload, metadata))
    local = tmp_path / "hw.ipynb"
    local.write_bytes(notebook)
    out = tmp_path / "otter"
    out.mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "otter",
            "run",
            "-a",
            str(autograder_zip()),
            "-o",
            str(out),
            "--no-logo",
            str(local),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    otter_run = json.loads((out / "results.json").read_text())
    graded = tmp_path / "graded"
    subprocess.run(
        [sys.executable, "-m", "cnn_backprop.cli", "grade", str(local), "--out", str(graded)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    grade = json.loads((graded / "hw" / "results.json").read_text())
    assert scores(gradescope) == scores(direct)
    assert scores(otter_run) == scores(grade)
    for results in (gradescope, grade):  # the mistake costs its own function only
        assert scores(results)[mistake.function] < POINTS[mistake.function]
        assert all(v == POINTS[q] for q, v in scores(results).items() if q != mistake.function)


def test_staging_failure_still_writes_results(tmp_path: Path) -> None:
    folder = lay_out_autograder(tmp_path / "ag", {})
    (folder / "submission").rmdir()  # nothing to stage from: an error, reported
    results = run_gradescope(folder, ROOT)
    assert results["score"] == 0
    assert any(t["name"] == "autograder error" for t in results["tests"])
    assert paths.SECRET_FILE not in json.dumps(results)
