"""What a student uploaded, taken out of Otter's reach before Otter looks at it.

Otter's runner does things with the submission folder in its own process, as root on
Gradescope: it unpickles a ``.OTTER_LOG`` found there, starts its Jupyter kernel from there (a
``ipykernel_launcher.py`` in the upload is imported instead of the real one), and follows links.
Rather than list dangerous names, the grader gives Otter nothing of the upload:

* every entry of the submission folder is moved (never followed, never read) into a private
  folder only the grader can enter;
* one clean placeholder, written by the grader, is left in its place for Otter to find;
* the file to grade is picked from the moved upload by one rule (this module's ``pick``), the
  same for Gradescope, ``otter run`` and ``cnn-backprop grade``: the one notebook, else the one
  ``.py`` file, else the one ``.zip``, in whatever folder it sits; links are refused.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import parsing

STORE = ".cnn-backprop-upload"  # beside Otter's folders, mode 0700
MARKER = "staged.json"
PLACEHOLDER = "submission.ipynb"
SUFFIXES = (".ipynb", ".py", ".zip")
MAX_DEPTH = 4
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class Staged:
    """The upload after staging: the file to grade (or why there is none)."""

    folder: Path  # the moved upload (private)
    file: Path | None
    problem: str = ""


def pick(folder: Path) -> tuple[Path | None, str]:
    """The file to grade in an upload folder, or None and the reason, for the student.

    ``parsing.choose``'s rule (Otter's, extended to subfolders: the shallowest level with a
    candidate decides) over the folder's files, ``.zip`` last.  Otter's own ``tests`` folder
    is ignored; links are never followed (and refused when one is all there is).
    """
    files: list[str] = []
    links: list[str] = []
    stack, seen = [(folder, 0)], 0
    while stack:
        current, depth = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                return None, f"the upload holds more than {MAX_ENTRIES} files; upload one file"
            rel = Path(entry.path).relative_to(folder).as_posix()
            if entry.is_symlink():
                links.append(rel)
            elif entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH and not (depth == 0 and entry.name == "tests"):
                    stack.append((Path(entry.path), depth + 1))
            elif entry.is_file(follow_symlinks=False):
                files.append(rel)
    chosen, problem = parsing.choose(files, SUFFIXES)
    if chosen is not None:
        return folder / chosen, ""
    if problem != parsing.NOTHING:
        return None, problem
    linked, _ = parsing.choose(links, SUFFIXES)
    if linked is not None:
        return None, (
            f"{linked} is a symbolic link, which the grader never follows: upload the file itself"
        )
    listing = ", ".join(sorted(p.name for p in folder.iterdir())[:10]) if folder.is_dir() else ""
    return None, f"no .ipynb or .py file in the submission (found: {listing or 'no files'})"


def stage(submission: Path, store: Path) -> Staged:
    """Move everything out of ``submission`` into ``store``/upload and pick the file to grade.

    ``store`` is created (or emptied) with mode 0700; entries are renamed, so links stay links
    and nothing in the upload is opened.
    """
    store.mkdir(mode=0o700, exist_ok=True)
    os.chmod(store, 0o700)
    upload = store / "upload"
    if upload.exists() or upload.is_symlink():  # an earlier stage of the same run
        _remove(upload)
    upload.mkdir(mode=0o700)
    for entry in sorted(os.listdir(submission)):
        os.rename(submission / entry, upload / entry)
    file, problem = pick(upload)
    staged = Staged(upload, file, problem)
    marker = {"file": str(file.relative_to(upload)) if file else None, "problem": problem}
    (store / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    return staged


def read_marker(store: Path) -> Staged | None:
    """The staging done earlier by ``run_autograder`` (None if it did not run)."""
    try:
        if stat.S_IMODE(os.lstat(store).st_mode) & 0o077 or os.lstat(store).st_uid != os.geteuid():
            return None  # not a folder the grader made
        marker = json.loads((store / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    upload = store / "upload"
    file = upload / marker["file"] if marker.get("file") else None
    return Staged(upload, file, str(marker.get("problem") or ""))


def write_placeholder(submission: Path, name: str = PLACEHOLDER) -> Path:
    """The one file Otter will find: an empty notebook (or an empty script) of the grader's."""
    path = submission / name
    if name.endswith(".py"):
        path.write_text("# graded by cnn-backprop's sandbox\n", encoding="utf-8")
    else:
        nbformat.write(nbformat.v4.new_notebook(), path)
    return path


def _remove(path: Path) -> None:
    from .sandbox.identity import remove_tree

    if path.is_symlink() or path.is_file():
        path.unlink()
    else:
        remove_tree(str(path))
