"""The checkout's course, loaded once for the tests that need it at import time.

Question lists, points and totals come from here (the declarations and ``otter_config.json``),
never from numbers written into a test: a new question or new points break no unrelated test.
Tests that can take a fixture use ``course`` (from cnn-backprop's pytest plugin) instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from cnn_backprop.course import load

COURSE = load()
QUESTIONS = COURSE.names  # the functions students write, in the course's order
FORWARD = COURSE.forwards  # the given forward passes
POINTS = dict(COURSE.config.points)  # each question's points
TOTAL = sum(POINTS.values())


def grade(path, **options):
    """``grader.grade_file`` on the checkout's course (``seed``, ``metadata``, ``hide``)."""
    from cnn_backprop.grader import grade_file

    return grade_file(path, COURSE, **options)


def course_with(**settings):
    """The checkout's course with some of its plugin settings changed (``tie_rule="all"``)."""
    from cnn_backprop.config import plugin_block

    return load(COURSE.root, block={**plugin_block(dict(COURSE.otter)), **settings})


def copy_course(root: Path) -> Path:
    """A copy of the checkout's course sources at ``root`` (for tests that edit a course)."""
    for folder in ("solutions", "tests/public", "tests/hidden", "assignment"):
        shutil.copytree(
            COURSE.root / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(COURSE.root / "otter_config.json", root / "otter_config.json")
    return root
