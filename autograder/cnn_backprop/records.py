"""The record of one graded submission: one type for the grader, the batch, the CLI, the report.

``grader.grade_file`` makes a :class:`Record` (``Outcome.record``); ``batch`` adds where the
submission came from and writes it as ``OUT/<key>/record.json`` (``Record.to_json``); resuming,
``grades.csv``, the misconception counts and the class report read it back
(``Record.from_json``).  Everything a later stage needs is a field, never a sentence to parse:
how loading the code went is ``load``, each failing case's named causes are ``causes``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

FORMAT = 3  # 3: typed fields (``load``, case ``detail`` without the case's name)

Status = Literal["graded", "unreadable", "refused", "grader-error"]
Load = Literal["ok", "errors", "failed"]  # every cell ran / some failed / none could run
STATUSES: tuple[str, ...] = ("graded", "unreadable", "refused", "grader-error")
LOADS: tuple[str, ...] = ("ok", "errors", "failed")


class RecordError(ValueError):
    """A stored record that is not one this version wrote (it is graded again)."""


@dataclass(frozen=True)
class Submitter:
    """One student of a submission, as Gradescope's export names them."""

    name: str = ""
    email: str = ""
    sid: str = ""

    @property
    def label(self) -> str:
        return self.name or self.email or self.sid


@dataclass(frozen=True)
class CaseRecord:
    """One case of one question: passed or not, and what the feedback said and named.

    ``message`` is the feedback without the case's name; ``causes`` the diagnosis keys its
    "Likely cause" named (empty when it named none).
    """

    question: str
    case: str
    hidden: bool
    points: float
    passed: bool
    message: str = ""
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlagRecord:
    """One thing an instructor should look at in one function (``probing.Flag``, as data)."""

    function: str
    kind: str  # not-derived | unwatched
    detail: str = ""
    calls: int = 0
    measured: int = 0
    evaluations: int = 0
    forward_like: int = 0
    evaluated: str = ""

    @property
    def label(self) -> str:
        """``grades.csv``'s form: ``not-derived:conv1d_backward_w``."""
        return f"{self.kind}:{self.function}"


@dataclass(frozen=True)
class Record:
    """A graded submission.

    Attributes
    ----------
    key : str
        Its name in the batch (its output folder); the file's name for a single grade.
    status : str
        ``graded``, ``unreadable``, ``refused`` (the sandbox could not isolate it) or
        ``grader-error``.
    scores, possible : dict of str to float
        Points per question, and the most each could get.
    load : str
        ``ok``, ``errors`` (some cells or lines failed and were skipped) or ``failed``.
    notes : str
        What the student was told about loading (or why nothing could be graded).
    cases : tuple of CaseRecord
    flags : tuple of FlagRecord
    sandbox : dict
        The protections in force (``Protections.summary``).
    origin, file, submission_id, submitters, content_sha256, fingerprint, seed_override
        Where it came from and what the grade is valid for (set by ``batch``).
    """

    key: str
    status: Status
    scores: dict[str, float] = field(default_factory=dict)
    possible: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    seed: int | None = None
    seconds: float = 0.0
    load: Load = "ok"
    notes: str = ""
    cases: tuple[CaseRecord, ...] = ()
    flags: tuple[FlagRecord, ...] = ()
    sandbox: dict[str, Any] = field(default_factory=dict)
    origin: str = ""
    file: str = ""
    submission_id: str | None = None
    submitters: tuple[Submitter, ...] = ()
    content_sha256: str = ""
    fingerprint: str = ""
    seed_override: int | None = None

    @property
    def ran(self) -> bool:
        """Whether the submission's code ran, so that its cases say something about its maths.

        Not if it was unreadable, broke the grader or could not be loaded at all; nor if
        loading raised errors and it then scored nothing (a syntax error leaves no function).
        """
        if self.status != "graded" or self.load == "failed":
            return False
        return not (self.load == "errors" and self.total == 0)

    @property
    def run_problem(self) -> str:
        """How it failed to run ('' if it ran cleanly): for the report's table."""
        if self.status != "graded":
            return self.status
        if self.load == "failed":
            return "could not load"
        if self.load == "errors":
            return "load errors" if self.ran else "nothing defined"
        return ""

    @property
    def students(self) -> str:
        return ", ".join(s.label for s in self.submitters if s.label)

    @property
    def flag_labels(self) -> str:
        """``grades.csv``'s ``flags`` cell: ``not-derived:conv1d_backward_w;...``."""
        return ";".join(sorted({f.label for f in self.flags}))

    def with_origin(self, **provenance: Any) -> Record:
        return replace(self, **provenance)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT
        return data

    @classmethod
    def from_json(cls, data: Any) -> Record:
        """A record as ``to_json`` wrote it; :class:`RecordError` for anything else."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise RecordError("not a record of this format")
        try:
            values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            values["cases"] = tuple(
                CaseRecord(**{**c, "causes": tuple(c.get("causes", ()))}) for c in data["cases"]
            )
            values["flags"] = tuple(FlagRecord(**f) for f in data["flags"])
            values["submitters"] = tuple(Submitter(**s) for s in data.get("submitters", ()))
            record = cls(**values)
        except (KeyError, TypeError) as exc:
            raise RecordError(f"a malformed record: {exc}") from None
        if record.status not in STATUSES or record.load not in LOADS:
            raise RecordError(f"unknown status {record.status!r} or load {record.load!r}")
        return record


_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")
_WHERE_IN_FILE = re.compile(r"\s*\([^()]*\bline \d+[^()]*\)")


def failure_signature(message: str) -> str:
    """A failing case's message with what varies between students taken out.

    The case's settings (``N=2, C_in=3, ...: ``), numbers, and the student's file and line are
    dropped, so the same mistake made by many students reads the same.
    """
    lines = message.strip().splitlines()
    line = lines[0] if lines else "(no message)"
    head, sep, rest = line.partition(": ")
    if sep and rest and "=" in head and "`" not in head:  # the random case's settings
        line = rest
    line = _WHERE_IN_FILE.sub("", line)
    line = line.split("; ")[0]
    line = _NUMBER.sub("#", line)
    words = line.split()
    return " ".join(words[:16]) + (" …" if len(words) > 16 else "")
