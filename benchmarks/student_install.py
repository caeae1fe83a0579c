"""What a student installs, measured in fresh virtual environments, and proof that it suffices.

For each set of packages: a new venv, the install line (the handout's, from
``cnn_backprop.handout.install_line``, or the instructor's ``pip install -e .``), its size on
disk, and for the students' sets the handout run with nothing else: ``python
cnn_backprop_hw.py`` (blank: exit 1; reference bodies: exit 0), ``otter check`` on the
reference bodies, and, where Jupyter is installed, the notebook executed with
``grader.check`` passing on the reference bodies.  Matplotlib must not be installed.

    python benchmarks/student_install.py [--instructor]

Needs a package index (or pip's cache); about a minute per environment.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from cnn_backprop.course import load
from cnn_backprop.handout import (
    KERNEL_ONLY,
    MODULE,
    NOTEBOOK,
    build_module,
    build_notebook,
    install_line,
)

REPO = Path(__file__).resolve().parents[1]


def size_mib(folder: Path) -> float:
    """Disk usage in MiB, as ``du -sh`` counts it (how the README's sizes were measured)."""
    du = subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True, check=True)
    return int(du.stdout.split()[0]) / 1024


def venv(path: Path, command: str) -> tuple[Path, float]:
    """A fresh venv with ``command`` (a pip install line) run in it; (python, seconds)."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    started = time.monotonic()
    assert command.startswith("python "), command
    # the line exactly as written (its quotes included), with this venv's interpreter
    subprocess.run(
        f"{python} {command.removeprefix('python ')} -q", shell=True, check=True, cwd=REPO
    )
    return python, time.monotonic() - started


def run(python: Path, args: list[str], folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), *args], cwd=folder, capture_output=True, text=True)


def prove_student_set(python: Path, with_jupyter: bool) -> list[str]:
    """Run the handout with only the student's packages; return what went wrong."""
    problems = []
    if run(python, ["-m", "pip", "show", "matplotlib"], REPO).returncode == 0:
        problems.append("matplotlib is installed")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "student"
        shutil.copytree(REPO / "student_template", folder)
        blank = run(python, [MODULE], folder)
        if blank.returncode != 1:
            problems.append(f"blank .py: exit {blank.returncode}: {blank.stderr[-300:]}")
        (folder / MODULE).write_text(build_module(load(), solution=True))
        right = run(python, [MODULE], folder)
        if right.returncode != 0:
            problems.append(f"solved .py: exit {right.returncode}: {right.stdout[-300:]}")
        checked = run(python, ["-m", "otter", "check", MODULE], folder)
        if checked.returncode != 0 or "All tests passed" not in checked.stdout:
            problems.append(f"otter check: {checked.stdout[-300:]} {checked.stderr[-300:]}")
        if with_jupyter:
            nb = build_notebook(load(), solution=True)
            nb.cells = [c for c in nb.cells if "export" not in c.source]
            nbformat.write(nb, folder / NOTEBOOK)
            convert = ["-m", "jupyter", "nbconvert", "--to", "notebook", "--execute"]
            executed = run(python, [*convert, "--output", "ran.ipynb", NOTEBOOK], folder)
            if executed.returncode != 0:
                problems.append(f"notebook: {executed.stderr[-500:]}")
            else:
                text = json.dumps(nbformat.read(folder / "ran.ipynb", as_version=4).cells)
                if text.count("passed!") < 3:
                    problems.append("notebook: grader.check did not pass every question")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructor", action="store_true", help="also measure pip install -e .")
    options = parser.parse_args()
    sets = [
        ("student, notebook or .py", install_line(REPO), True),
        ("student, .py only", install_line(REPO, KERNEL_ONLY), False),
    ]
    if options.instructor:
        sets += [
            ("instructor (README Quickstart)", "python -m pip install -e .", None),
            ("instructor with tests", 'python -m pip install -e ".[test]"', None),
        ]
    failed = False
    for label, command, jupyter in sets:
        with tempfile.TemporaryDirectory(prefix="cnn-backprop-venv-") as tmp:
            python, seconds = venv(Path(tmp) / "venv", command)
            mib = size_mib(Path(tmp) / "venv")
            print(f"{label:32s} {mib:6.0f} MiB  ({seconds:.0f} s)  {command}")
            if jupyter is not None:
                problems = prove_student_set(python, jupyter)
                for problem in problems:
                    print(f"    PROBLEM: {problem}")
                print("    the handout runs with nothing else" if not problems else "")
                failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
