"""pytest fixtures that let the graded suites run as ordinary pytest files.

The suites' tests take the student's functions by parameter name.  Here those names are
fixtures, one per question of the course and one per given forward pass, made from the
course's declarations when pytest starts: the reference solution by default (so ``pytest
tests`` proves the reference passes its own suites), or a submission run in the sandbox with
``--submission FILE``.  ``rng`` is seeded from ``--grading-seed`` and the case's name, and
carries the course's features, as in the real grader; ``course`` is the course itself.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest

from .suite import case_rng, tie_rule_in_force


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cnn-backprop")
    group.addoption("--submission", help="run the graded suites against this submission file")
    group.addoption("--grading-seed", type=int, default=0, help="seed for the hidden cases")


def pytest_configure(config: pytest.Config) -> None:
    """One fixture per question and per given forward pass, named as the course names them."""
    from .config import ConfigError
    from .course import load

    try:
        course = load()
    except ConfigError as exc:
        raise pytest.UsageError(f"cnn-backprop: configuration error: {exc}") from None
    fixtures = types.ModuleType("cnn_backprop_course_fixtures")
    fixtures.course = pytest.fixture(scope="session", name="course")(lambda: course)
    for name in course.names:
        setattr(fixtures, name, _function_fixture(name))
    for name in course.forwards:
        setattr(fixtures, name, _forward_fixture(name))
    config.pluginmanager.register(fixtures, "cnn_backprop_course_fixtures")


@pytest.fixture(scope="session")
def submitted_functions(request: pytest.FixtureRequest, course: Any) -> Iterator[dict[str, Any]]:
    from .checks import ReferenceFunction

    path = request.config.getoption("--submission")
    if path is None:
        yield {q.name: ReferenceFunction(q, course) for q in course.questions}
        return
    from .grader import functions
    from .sandbox import Sandbox
    from .submission import load_submission

    with Sandbox(load_submission(path).cells, list(course.names)) as sandbox:
        sandbox.start()
        yield functions(course, sandbox)


def _function_fixture(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture(submitted_functions: dict[str, Any]) -> Any:
        return submitted_functions[name]

    return fixture


def _forward_fixture(name: str) -> Any:
    @pytest.fixture(name=name)
    def fixture(course: Any) -> Any:
        return getattr(course.reference, name)

    return fixture


@pytest.fixture
def rng(request: pytest.FixtureRequest, course: Any) -> Any:
    question = str(request.module.__dict__.get("name", request.module.__name__))
    label = request.node.originalname.removeprefix("test_")
    seed = request.config.getoption("--grading-seed")
    return case_rng(seed, question, label, course.config.features)


@pytest.fixture(autouse=True)
def _course_tie_rule(course: Any) -> Iterator[None]:
    """Public suites as written state expected values per tie rule: the course's applies."""
    with tie_rule_in_force(course.config.tie_rule):
        yield
