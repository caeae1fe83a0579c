"""Project test configuration: the graded suites' fixtures come from cnn-backprop's plugin.

The attack battery (``test_attacks.py``) mostly waits on time-outs: as root it starts in
background threads as soon as collection ends and its tests run last, so its waits overlap
the rest (as an ordinary user it starts with its own tests: see below).
"""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["cnn_backprop.pytest_plugin"]


def _in_battery(item: pytest.Item) -> bool:
    return item.path.name == "test_attacks.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items[:] = [i for i in items if not _in_battery(i)] + [i for i in items if _in_battery(i)]


def pytest_collection_finish(session: pytest.Session) -> None:
    # Not as an ordinary user: there a grader is a subreaper and, after each submission, kills
    # every child of its process it did not start before (escapees of the sandbox).  Tests that
    # grade in this process would then kill the battery's harnesses, children of this process
    # started meanwhile; so the battery starts with its own tests, after the others.
    if os.geteuid() != 0:
        return
    battery = [i for i in session.items if _in_battery(i)]
    if battery and not session.config.option.collectonly:
        battery[0].module.start_battery(session.items)
