"""pytest fixtures that let the graded suites run as ordinary pytest files.

The suites' tests take the student's functions by parameter name.  Here those names are
fixtures: the reference solution by default (so ``pytest tests`` proves the reference passes
its own suites), or a submission run in the sandbox with ``--submission FILE``.
``rng`` is seeded from ``--grading-seed`` and the case's name, as in the real grader.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import FORWARD, QUESTIONS, paths
from .suite import case_rng


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cnn-backprop")
    group.addoption("--submission", help="run the graded suites against this submission file")
    group.addoption("--grading-seed", type=int, default=0, help="seed for the hidden cases")


@pytest.fixture(scope="session")
def submitted_functions(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    path = request.config.getoption("--submission")
    if path is None:
        yield {name: getattr(paths.reference(), name) for name in QUESTIONS}
        return
    from .checks import SubmittedFunction
    from .sandbox import Sandbox
    from .submission import load_submission

    with Sandbox(load_submission(path).cells, list(QUESTIONS)) as sandbox:
        sandbox.start()
        yield {name: SubmittedFunction(sandbox, name) for name in QUESTIONS}


def _function_fixture(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture(submitted_functions: dict[str, Any]) -> Any:
        return submitted_functions[name]

    return fixture


def _forward_fixture(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture() -> Any:
        return getattr(paths.reference(), name)

    return fixture


conv1d_backward_w = _function_fixture("conv1d_backward_w")
conv1d_backward_input = _function_fixture("conv1d_backward_input")
maxpool1d_backward = _function_fixture("maxpool1d_backward")
conv1d_forward = _forward_fixture(FORWARD[0])
maxpool1d_forward = _forward_fixture(FORWARD[1])


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> Any:
    question = str(request.module.__dict__.get("name", request.module.__name__))
    label = request.node.originalname.removeprefix("test_")
    return case_rng(request.config.getoption("--grading-seed"), question, label)
