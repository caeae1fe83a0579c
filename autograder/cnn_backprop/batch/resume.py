"""Resuming a batch: a submission is graded again only if what decides its grade changed."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, config, paths
from ..records import Record
from .jobs import NOT_GRADING, NOT_GRADING_SETTINGS, RECORD_FILE, RESULTS_FILE, Job

if TYPE_CHECKING:
    from ..course import Course


def grader_fingerprint(course: Course) -> str:
    """Changes whenever a grade could: the package's code, the suites, the reference, the
    handout (its section titles are in the feedback), the config, the secret."""
    from ..grader import derive_seed

    digest = hashlib.sha256(__version__.encode())
    package = paths.PACKAGE_DIR
    files = sorted(
        p
        for p in package.rglob("*.py")
        if not p.relative_to(package).as_posix().startswith(NOT_GRADING)
    )
    root = course.root
    files += [f for q in course.names for f in course.suite_files(q)]
    files += [root / paths.REFERENCE, root / "assignment" / "handout.md"]
    for file in files:
        with contextlib.suppress(OSError):
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    digest.update(_grading_config(course.otter) + b"\0")
    # the secret itself never enters a record, only a seed derived from it
    digest.update(str(derive_seed("cnn-backprop batch fingerprint", course.secret())).encode())
    return digest.hexdigest()[:16]


def _grading_config(otter: dict[str, Any]) -> bytes:
    """The course's Otter configuration, canonical, without the settings that only shape
    the class report."""
    otter = json.loads(json.dumps(otter))  # a copy to trim
    block = config.plugin_block(otter)
    if isinstance(block, dict):
        for key in NOT_GRADING_SETTINGS:
            block.pop(key, None)  # the block is a part of ``otter``: edits it in place
    return json.dumps(otter, sort_keys=True).encode()


def content_hash(job: Job) -> str:
    """What a record is valid for: the bytes graded (or the reason nothing could be)."""
    digest = hashlib.sha256()
    if job.path is None:
        digest.update(b"problem\0" + job.problem.encode())
    else:
        try:  # never through a link
            fd = os.open(job.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            digest.update(f"unreadable\0{exc}".encode())
    return digest.hexdigest()


def read_record(folder: Path) -> Record | None:
    """The record of an earlier grading, if there is a complete one of this format."""
    try:
        record = Record.from_json(json.loads((folder / RECORD_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):  # RecordError is a ValueError
        return None
    return record if (folder / RESULTS_FILE).is_file() else None


def still_valid(record: Record | None, job: Job, digest: str, want: dict[str, Any]) -> bool:
    """Whether an earlier grade still stands: same bytes, Gradescope id, grader and seed."""
    return (
        record is not None
        and record.content_sha256 == digest
        and record.submission_id == job.submission_id
        and record.fingerprint == want["fingerprint"]
        and record.seed_override == want["seed"]
    )
