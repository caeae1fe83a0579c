"""Making your submission zip: your saved notebook, run from the top, and nothing else.

``export_submission()`` reads the notebook as saved on disk, runs it in a fresh kernel (as
*Restart & Run All* would, in a scratch copy of the folder, so nothing of yours changes), and
zips the result with Otter's own ``Notebook.export``: the notebook with its outputs, and no
``.OTTER_LOG`` (Otter's log of every check, which only grows).  First it makes sure the saved
notebook holds the code this kernel last ran, so an edit you did not save is not left out.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXPORT_CALL = "export_submission("  # marks this cell in the notebook: it never runs itself


def export_submission(notebook: str = "cnn_backprop_hw.ipynb", timeout: int = 600) -> Path:
    """Run the saved ``notebook`` from the top in a fresh kernel and zip it for Gradescope.

    Parameters
    ----------
    notebook : str
        The notebook's file name, in the current folder (with its ``tests/`` folder).
    timeout : int
        Seconds any one cell may take.

    Returns
    -------
    Path
        The zip, ``<notebook name>.zip`` next to the notebook (replaced by each export).
    """
    import nbformat
    import otter

    folder = Path.cwd()
    saved = nbformat.read(folder / notebook, as_version=4)
    _refuse_unsaved_work(saved)
    target = folder / (Path(notebook).stem + ".zip")
    with tempfile.TemporaryDirectory(prefix="export-") as scratch:
        scratch_dir = Path(scratch)
        for cell in saved.cells:  # the copy runs every cell but this one
            if cell.cell_type == "code" and EXPORT_CALL in cell.source:
                cell.metadata.setdefault("tags", []).append("skip-execution")
        nbformat.write(saved, scratch_dir / notebook)
        if (folder / "tests").is_dir():
            shutil.copytree(folder / "tests", scratch_dir / "tests")
        print(f"running {notebook} as saved, from the top, in a fresh kernel ...", flush=True)
        ran = subprocess.run(
            [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute", "--inplace",
             "--allow-errors", f"--ExecutePreprocessor.timeout={timeout}", notebook],
            cwd=scratch_dir, capture_output=True, text=True,
        )  # fmt: skip
        if ran.returncode != 0:
            said = [line for line in ran.stderr.splitlines() if line.strip()]
            raise RuntimeError(
                "could not run the saved notebook: " + (said[-1] if said else "no reason given")
            )
        executed = nbformat.read(scratch_dir / notebook, as_version=4)
        for cell in executed.cells:
            tags = cell.metadata.get("tags", [])
            if "skip-execution" in tags and EXPORT_CALL in cell.source:
                tags.remove("skip-execution")
                if not tags:
                    del cell.metadata["tags"]
        nbformat.write(executed, scratch_dir / notebook)
        _report_failing_cells(executed)
        made = scratch_dir / "zip" / target.name
        made.parent.mkdir()
        here = os.getcwd()
        os.chdir(scratch_dir)  # Otter stores the path it is given: the notebook at the zip's root
        try:
            otter.Notebook(notebook).export(
                notebook, export_path=str(made), pdf=False, ignore_log=True, display_link=False
            )
        finally:
            os.chdir(here)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(made, partial)
        os.replace(partial, target)  # never a half-written zip under the real name
    _show(target)
    return target


def _refuse_unsaved_work(saved: dict) -> None:
    """Stop if a function this kernel last defined differs from the saved notebook's."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    history = list(shell.history_manager.input_hist_raw)
    saved_cells = [_normal(c["source"]) for c in saved["cells"] if c["cell_type"] == "code"]
    names = {m for c in saved_cells for m in re.findall(r"^def (\w+)\(", c, re.M)}
    stale = []
    for name in sorted(names, key=lambda n: (n.startswith("_"), n)):  # yours first
        ran = [_normal(h) for h in history if re.search(rf"^def {name}\(", h, re.M)]
        if ran and ran[-1] not in saved_cells:
            stale.append(f"`{name}`")
    if stale:
        which = stale[0] if len(stale) == 1 else ", ".join(stale[:-1]) + " and " + stale[-1]
        raise RuntimeError(
            f"the saved notebook's {which} differ{'s' * (len(stale) == 1)} from what you last "
            "ran: save the notebook (File > Save, or Ctrl+S) after running your latest code, "
            "then run this cell again"
        )


def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _report_failing_cells(executed: dict) -> None:
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(code, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                print(
                    f"  note: code cell {number} raised {output['ename']}: "
                    f"{output['evalue'][:200]} (the autograder skips cells that fail)"
                )


def _show(target: Path) -> None:
    size = target.stat().st_size / 1024
    print(f"wrote {target.name} ({size:.0f} KB): upload this file to Gradescope")
    try:
        from IPython.display import HTML, display

        link = f'<a href="{target.name}" download="{target.name}">Download {target.name}</a>'
        display(HTML(link))
    except ImportError:
        pass
