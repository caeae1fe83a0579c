"""The export cell, run as a student runs it: in a real Jupyter kernel, with Otter's export.

A student works in the built handout (the reference bodies pasted into the stubs), runs the
checks a few times (Otter's ``.OTTER_LOG`` grows with each), saves, and runs the export cell
in that same kernel; the zip must hold exactly the saved notebook, run from the top with its
outputs, and nothing that grows with use.  The notebook run through ``jupyter nbconvert
--execute --output other.ipynb`` (which saves nothing until it ends) must export a run
notebook too.  About a minute: each export runs the notebook once more in a fresh kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from checkout import COURSE, QUESTIONS
from cnn_backprop.handout import NOTEBOOK, build_notebook, write_student_folder
from nbclient import NotebookClient

ZIP = Path(NOTEBOOK).stem + ".zip"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The handout folder with the reference bodies in the stubs, saved without outputs."""
    write_student_folder(COURSE, tmp_path)
    nbformat.write(build_notebook(COURSE, solution=True), tmp_path / NOTEBOOK)
    return tmp_path


def is_export(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and "export_submission(" in cell.source


def text_of(cell: nbformat.NotebookNode) -> str:
    return json.dumps(cell.get("outputs", []))


def zipped_notebook(path: Path) -> tuple[list[str], nbformat.NotebookNode]:
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        nb = nbformat.reads(zf.read(NOTEBOOK).decode(), as_version=4)
    return names, nb


def assert_run_from_the_top(nb: nbformat.NotebookNode, saved: nbformat.NotebookNode) -> None:
    """The saved cells, every code cell but the export run once, in order, checks passing."""
    assert [c.source for c in nb.cells] == [c.source for c in saved.cells]
    code = [c for c in nb.cells if c.cell_type == "code" and not is_export(c)]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    checks = [text_of(c) for c in code if c.source.startswith("grader.check(")]
    assert len(checks) == len(QUESTIONS) and all("passed" in t for t in checks), checks
    assert not [c for c in nb.cells if is_export(c) and c.get("outputs")]


def test_export_in_a_real_kernel_zips_the_saved_run_notebook_and_nothing_that_grows(
    folder: Path,
) -> None:
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    work = [c for c in nb.cells if not is_export(c)]
    export = next(c for c in nb.cells if is_export(c))
    client = NotebookClient(
        nb, timeout=600, allow_errors=True, resources={"metadata": {"path": str(folder)}}
    )
    with client.setup_kernel():
        for index, cell in enumerate(work):
            client.execute_cell(cell, index)
        for _ in range(3):  # checking again and again, as students do: Otter's log grows
            client.execute_cell(nbformat.v4.new_code_cell("grader.check_all()"), 0)
        log = (folder / ".OTTER_LOG").stat().st_size
        assert log > 10_000
        nbformat.write(nb, folder / NOTEBOOK)  # the student saves
        saved = nbformat.read(folder / NOTEBOOK, as_version=4)
        client.execute_cell(export, len(nb.cells) - 1)
        first = (folder / ZIP).read_bytes()
        assert "upload this file to Gradescope" in text_of(export)
        for _ in range(3):
            client.execute_cell(nbformat.v4.new_code_cell("grader.check_all()"), 0)
        assert (folder / ".OTTER_LOG").stat().st_size > log
        client.execute_cell(export, len(nb.cells) - 1)
        second = (folder / ZIP).read_bytes()
        # an edit run but not saved: the export refuses instead of zipping stale code
        edited = nbformat.v4.new_code_cell(
            next(c.source for c in work if "def maxpool1d_backward(" in c.source)
            + "\n\n# a change made after saving"
        )
        client.execute_cell(edited, 0)
        client.execute_cell(export, len(nb.cells) - 1)
    names, zipped = zipped_notebook(folder / ZIP)
    assert names == ["__zip_filename__", NOTEBOOK]  # no .OTTER_LOG, no PDF, nothing else
    assert_run_from_the_top(zipped, saved)
    assert abs(len(second) - len(first)) < 0.01 * len(first), "the zip grew with use"
    refusal = [o for o in export.outputs if o.get("output_type") == "error"]
    assert refusal, export.outputs
    stale = "notebook's `maxpool1d_backward` and `_tie_shares` differ from what you last ran"
    assert stale in refusal[0]["evalue"]
    assert (folder / ZIP).read_bytes() == second  # the refused export left the last zip alone
    assert sorted(p.name for p in folder.glob("*.zip")) == [ZIP]


def test_export_from_nbconvert_zips_a_run_notebook(folder: Path) -> None:
    """nbconvert saves its output only at the end: the export still zips a run notebook."""
    saved = nbformat.read(folder / NOTEBOOK, as_version=4)
    result = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute",
         "--output", "other.ipynb", NOTEBOOK],
        cwd=folder, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    names, zipped = zipped_notebook(folder / ZIP)
    assert names == ["__zip_filename__", NOTEBOOK]
    assert_run_from_the_top(zipped, saved)
    with zipfile.ZipFile(folder / ZIP) as zf:
        assert zf.read("__zip_filename__").decode() == ZIP
