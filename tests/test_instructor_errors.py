"""What an instructor sees when something goes wrong: one sentence, never a traceback.

The commands run as the instructor runs them (``cnn-backprop ...`` in a subprocess, or its
``main`` in process where the test needs a modified copy of the course).  An unwritable
``--out`` is a real permission problem: as root the command runs as uid 65534, which cannot
write a 0555 folder; as an ordinary user the folder is simply 0555.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cnn_backprop import paths

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "cnn_backprop.cli"]
NOBODY = 65534


@pytest.fixture
def locked_folder():
    """A folder the command's user can traverse but not write (and a place others can reach)."""
    base = Path(tempfile.mkdtemp(prefix="cnn-backprop-locked-", dir="/tmp"))
    base.chmod(0o755)
    locked = base / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    yield locked
    locked.chmod(0o755)
    shutil.rmtree(base)


def run_as_user(args: list[str]) -> subprocess.CompletedProcess:
    """Run the CLI as an ordinary user: ourselves, or uid 65534 when we are root."""

    def drop() -> None:  # root writes anywhere: become an ordinary user first
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)

    return subprocess.run(
        CLI + args,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=drop if os.geteuid() == 0 else None,
        env={**os.environ, "HOME": "/tmp"},
    )


@pytest.mark.parametrize(
    "command",
    [["build"], ["grade", str(REPO / "tests" / "zoo" / "correct" / "loops.py")]],
    ids=["build", "grade"],
)
def test_an_unwritable_out_is_one_sentence(command: list[str], locked_folder: Path) -> None:
    out = locked_folder / "dist"
    result = run_as_user([*command, "--out", str(out)])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line == (
        f"cnn-backprop {command[0]}: cannot write the output folder {out} (Permission denied); "
        "choose a folder you can write to with --out, or make this one writable"
    )
    assert not out.exists()


def test_a_missing_submission_is_one_sentence(tmp_path: Path) -> None:
    result = subprocess.run(
        [*CLI, "grade", str(tmp_path / "nope.py"), "--out", str(tmp_path / "graded")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    *status, line = result.stderr.strip().splitlines()
    # grade's own status line, and any protection this platform lacks, said loudly
    assert all(s.startswith(("sandbox: ", "cnn-backprop: sandbox: ")) for s in status), status
    assert line == f"cnn-backprop grade: {tmp_path / 'nope.py'}: no such file or folder"


BROKEN_CASE = '''

@case(points=1)
def test_wide_padding(maxpool1d_backward, rng):
    """A maintainer's slip: padding 2 on a window of 3 (more than kernel_size // 2)."""
    check(maxpool1d_backward, draw_pool(rng, kernel_size=3, stride=1, padding=2))
'''


@pytest.mark.slow
def test_a_failed_build_check_names_its_case_and_leaves_no_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """A hidden case the reference cannot pass: the build says which and why, and no zip stays."""
    from cnn_backprop import cli

    root = tmp_path / "course"
    for folder in ("solutions", "tests/public", "tests/hidden", "assignment"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("otter_config.json", "pyproject.toml"):  # the course, the install line
        shutil.copy(REPO / name, root / name)
    hidden = root / "tests" / "hidden" / "test_maxpool1d_backward.py"
    hidden.write_text(hidden.read_text() + BROKEN_CASE)
    monkeypatch.setenv(paths.SECRET_ENV, "a test secret")
    out = tmp_path / "dist"
    code = cli.main(["--course", str(root), "build", "--out", str(out)])
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 1, printed
    assert "build check FAILED" in printed, captured.err
    failures = [line for line in printed.splitlines() if line.startswith("  reference solution")]
    assert len(failures) == 1, printed
    assert "maxpool1d_backward, case 'wide_padding'" in failures[0]
    assert "padding must be between 0 and kernel_size // 2" in failures[0]
    assert not (out / "autograder.zip").exists()
    assert f"{out / 'autograder.zip'} was removed" in printed
    assert not (root / "student_template").exists(), "a failed build must not refresh the template"
    assert json.loads((REPO / "otter_config.json").read_text())  # the real course is untouched
