"""Finding the submissions of a batch: files, folders of them, and Gradescope exports."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from ..upload import pick
from .exports import _export_folder_jobs, _export_zip_jobs, _find_metadata, _zip_metadata_member
from .jobs import (
    EXPORTS_DIR,
    SUBMISSION_SUFFIXES,
    BatchInputError,
    Discovery,
    Job,
    _visible,
    _with_key,
    unique_keys,
)


def discover(inputs: Iterable[str | Path], out: str | Path) -> Discovery:
    """Turn command-line inputs into jobs, in a deterministic order.

    Parameters
    ----------
    inputs : paths
        Submission files, folders of submissions, Gradescope export zips or folders.
    out : path
        The output folder; an export zip is unpacked into ``out/.exports/``.

    Raises
    ------
    BatchInputError
        If an input does not exist or is neither a folder nor a ``.py``/``.ipynb``/``.zip``.
    """
    found = Discovery()
    raw: list[tuple[str, Job]] = []  # (wanted key, job with a placeholder key)
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            export = _find_metadata(path)
            if export is not None:
                raw += _export_folder_jobs(export.parent, str(path))
            else:
                raw += _folder_jobs(path, found, Path(out) / EXPORTS_DIR)
            if not _holds_interpreter(path):
                found.hide.append(str(path.resolve()))
        elif path.is_file():
            if path.suffix.lower() == ".zip" and _zip_metadata_member(path) is not None:
                raw += _export_zip_jobs(path, Path(out) / EXPORTS_DIR)
                found.hide.append(str(path.resolve()))
            elif path.suffix.lower() in SUBMISSION_SUFFIXES:
                raw.append((path.stem, Job("", str(path), str(path))))
            else:
                raise BatchInputError(f"{path}: not a .py, .ipynb or .zip file, nor a folder")
        else:
            raise BatchInputError(f"{path}: no such file or folder")
    keys = unique_keys([wanted for wanted, _ in raw])
    found.jobs = [_with_key(job, key) for key, (_, job) in zip(keys, raw, strict=True)]
    return found


def _holds_interpreter(path: Path) -> bool:
    """Hiding a folder that holds Python itself from the sandbox would stop the child."""
    prefix = os.path.realpath(sys.prefix)
    real = os.path.realpath(path)
    return prefix == real or prefix.startswith(real + os.sep)


def _folder_jobs(folder: Path, found: Discovery, exports: Path) -> list[tuple[str, Job]]:
    """A folder of submissions: each gradable file, and each subfolder, is one submission.

    A Gradescope export zip in it counts as all the submissions it holds.  Links are never
    followed: a linked entry is a submission that fails with the reason.
    """
    jobs = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not _visible(entry):
            continue
        if entry.is_symlink():
            why = f"{entry.name} is a symbolic link, which the grader never follows"
            jobs.append((entry.stem, Job("", None, str(entry), why)))
        elif entry.is_dir():
            picked, problem = pick_submission_file(entry)
            path = str(picked) if picked else None
            origin = str(picked) if picked else str(entry)
            jobs.append((entry.name, Job("", path, origin, problem)))
        elif entry.suffix.lower() == ".zip" and _zip_metadata_member(entry) is not None:
            jobs += _export_zip_jobs(entry, exports)
        elif entry.suffix.lower() in SUBMISSION_SUFFIXES:
            jobs.append((entry.stem, Job("", str(entry), str(entry))))
        else:
            found.skipped.append(str(entry))
    return jobs


def pick_submission_file(folder: Path) -> tuple[Path | None, str]:
    """The file Otter would grade in a submission folder, or None and the reason.

    The same rule as on Gradescope (``upload.pick``): the one ``*.ipynb``, else the one
    ``*.py`` other than ``__init__.py``, else the one ``.zip``, in whatever subfolder.
    """
    return pick(folder)
