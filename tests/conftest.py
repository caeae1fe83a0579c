"""Project test configuration: the graded suites' fixtures come from cnn-backprop's plugin.

The attack battery (``test_attacks.py``) mostly waits on time-outs: it starts in background
threads as soon as collection ends and its tests run last, so its waits overlap the rest.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["cnn_backprop.pytest_plugin"]


def _in_battery(item: pytest.Item) -> bool:
    return item.path.name == "test_attacks.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items[:] = [i for i in items if not _in_battery(i)] + [i for i in items if _in_battery(i)]


def pytest_collection_finish(session: pytest.Session) -> None:
    battery = [i for i in session.items if _in_battery(i)]
    if battery and not session.config.option.collectonly:
        battery[0].module.start_battery(session.items)
