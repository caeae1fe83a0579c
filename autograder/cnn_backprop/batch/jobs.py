"""What a batch is made of: the jobs found, and what grading them gives.

Shared by the other modules of ``batch``: finding submissions (``discovery``, ``exports``),
resuming (``resume``), running (``runner``), showing progress (``progress``) and writing
``grades.csv`` (``grades``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Record, Submitter

METADATA_FILE = "submission_metadata.yml"
RECORD_FILE = "record.json"
RESULTS_FILE = "results.json"
SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")
RESERVED = {"grades.csv", "report.html", "misconceptions.csv", "similarity.csv"}
EXPORTS_DIR = ".exports"  # inside the output folder: hidden from the sandbox like the rest
# modules that cannot change a grade: editing them keeps earlier results valid
NOT_GRADING = (
    *("report/", "cli.py", "build.py", "handout.py", "figures/", "pytest_plugin.py"),
    *("records.py", "misconceptions.py", "similarity.py", "mutation.py", "batch/progress.py"),
)
# course settings that cannot change a grade either (the class report's alone)
NOT_GRADING_SETTINGS = ("similarity_threshold",)


class BatchInputError(Exception):
    """An input path cannot be used at all (missing, or not a kind of submission we know)."""


@dataclass(frozen=True)
class Job:
    """One submission to grade.

    Attributes
    ----------
    key : str
        Its output folder's name (unique in the batch, safe as a path component).
    path : str or None
        The file to grade; None when there is nothing gradable (``problem`` says why).
    origin : str
        Where it came from, for people: ``subs/ada.py``, ``export.zip:submission_1/hw.ipynb``.
    submission_id : str or None
        Gradescope's submission id: it fixes the seed, as on Gradescope.
    submitters : tuple of Submitter
        The students, when an export names them.
    """

    key: str
    path: str | None
    origin: str
    problem: str = ""
    submission_id: str | None = None
    submitters: tuple[Submitter, ...] = ()


@dataclass
class Discovery:
    """What ``discover`` found: the jobs, and the input files it left aside."""

    jobs: list[Job] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)  # input folders the sandbox must not see


@dataclass
class BatchResult:
    """The outcome of ``grade_batch``: one record per job, sorted by key."""

    records: list[Record]
    graded: list[str]  # keys graded in this run
    reused: list[str]  # keys whose earlier result was still valid
    seconds: float
    workers: int
    worker_stats: dict[int, dict[str, int]] = field(default_factory=dict)  # pid -> peak memory


def _with_key(job: Job, key: str) -> Job:
    return Job(key, job.path, job.origin, job.problem, job.submission_id, job.submitters)


def unique_keys(wanted: list[str]) -> list[str]:
    """Safe, unique folder names: odd characters become ``_``; repeats get ``-2``, ``-3``..."""
    seen: set[str] = set()
    keys = []
    for name in wanted:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "submission"
        if base.lower() in RESERVED:  # the batch's own files live next to the folders
            base += "_"
        key, n = base, 1
        while key.lower() in seen:  # case-insensitive: the output may be on macOS or Windows
            n += 1
            key = f"{base}-{n}"
        seen.add(key.lower())
        keys.append(key)
    return keys


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "__pycache__", "__MACOSX"))
