"""Reading a graded submission's record (as ``batch`` writes it): did it run, what failed.

Shared by the class report and the misconception counts.  A record is a plain dictionary:
``status``, ``notes``, ``total``, ``scores``, and ``cases`` (each with ``question``, ``case``,
``passed``, ``message`` and the ``causes`` its feedback named), plus ``flags``.
"""

from __future__ import annotations

import re
from typing import Any

LOAD_FAILED = "Your code could not be loaded"  # how grader._load_notes starts a fatal load


def ran(record: dict[str, Any]) -> bool:
    """Whether the submission's code ran, so that its cases say something about its maths.

    Not if it was unreadable, broke the grader or could not be loaded at all; nor if loading
    raised errors and it then scored nothing (a syntax error leaves no function defined).
    """
    notes = str(record.get("notes", ""))
    if record.get("status") != "graded" or notes.startswith(LOAD_FAILED):
        return False
    return not (notes and float(record.get("total", 0)) == 0)


def run_problem(record: dict[str, Any]) -> str:
    """How a submission failed to run ('' if it ran cleanly): for the report's table."""
    if record.get("status") != "graded":
        return str(record.get("status"))
    notes = str(record.get("notes", ""))
    if notes.startswith(LOAD_FAILED):
        return "could not load"
    if notes:
        return "load errors" if ran(record) else "nothing defined"
    return ""


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
