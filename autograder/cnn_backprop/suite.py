"""The graded suites as Otter questions: one file per function, ordinary pytest functions.

A suite file is a plain pytest module whose tests take the student's function by parameter
name (``def test_ties(maxpool1d_backward, rng): ...``).  Each test is also registered as a case
of Otter's exception-based format, so the same file runs under pytest, under Otter, and under
``cnn-backprop grade``, which fills the parameters from its own namespace.

The public file of a question is graded as students get it: specialised to the course
(:func:`cnn_backprop.public.render`: the cases of switched-off features dropped, the tie rule's
expected values written in), so the public tests count exactly as they run in the notebook.
"""

from __future__ import annotations

import ast
import contextvars
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from otter.test_files import ExceptionTestFile, test_case
from otter.test_files.abstract_test import TestCase, TestCaseResult

from . import config
from .cases import CaseRandom

if TYPE_CHECKING:
    from .course import Course


@dataclass
class DiagnosedResult(TestCaseResult):
    """Otter's result of one case, plus the causes its failure names (``diagnosis`` keys).

    Otter reads it as a plain ``TestCaseResult``; the batch runner and the class report read
    ``causes`` as data instead of parsing ``message``.
    """

    causes: tuple[str, ...] = ()
    detail: str = ""  # the message without the case's name and mark: what a record keeps


def case(
    points: float,
    *,
    hidden: bool = True,
    needs: tuple[str, ...] = (),
    name: str | None = None,
) -> Callable[[Callable[..., None]], Callable]:
    """Register a pytest test function as a case of this file's Otter question.

    The function is returned unchanged (pytest collects it); Otter finds the ``test_case``
    stored next to it in the module's globals.  ``needs``: the course features (see
    ``config.FEATURES``) the case is about; it is dropped when one of them is off.  ``name``:
    the case's name (default: the function's, without ``test_``), as feedback and
    ``group_points`` know it.
    """

    def register(func: Callable[..., None]) -> Callable[..., None]:
        label = name or func.__name__.removeprefix("test_")
        otter_case = test_case(name=label, points=points, hidden=hidden)(func)
        otter_case.needs = tuple(needs)
        func.__globals__[f"_otter_case_{label}"] = otter_case
        return func

    return register


_TIE_RULE: contextvars.ContextVar[str] = contextvars.ContextVar("cnn_backprop_tie_rule")


@contextmanager
def tie_rule_in_force(rule: str) -> Iterator[None]:
    """Run the public suites as written (not rendered) under ``rule`` (the pytest plugin)."""
    token = _TIE_RULE.set(rule)
    try:
        yield
    finally:
        _TIE_RULE.reset(token)


def by_tie_rule(**expected: Any) -> Any:
    """The value for the course's tie rule: ``by_tie_rule(first=..., all=..., split=...)``.

    Public tests use it for expected values that depend on the rule; the students' copy, and
    what the grader runs, have only the course's value written in (``public.render``).
    """
    if sorted(expected) != sorted(config.TIE_RULES):
        raise TypeError(f"by_tie_rule needs one value per rule: {', '.join(config.TIE_RULES)}")
    rule = _TIE_RULE.get(None)
    if rule is None:
        raise RuntimeError(
            "by_tie_rule runs only under cnn-backprop's pytest plugin; the grader and the "
            "students run the public suites rendered for the course"
        )
    return expected[rule]


@dataclass(frozen=True)
class DeclaredCase:
    """A case as its suite file declares it (read from the source, never run)."""

    name: str
    points: float
    hidden: bool
    needs: tuple[str, ...]


def declared_cases(files: list[Path]) -> list[DeclaredCase]:
    """Every case the given suite files declare with ``@case(...)`` (read, never run)."""
    found = []
    for path in files:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "case":
                    kw = {k.arg: ast.literal_eval(k.value) for k in deco.keywords}
                    points = ast.literal_eval(deco.args[0]) if deco.args else kw["points"]
                    name = kw.get("name") or node.name.removeprefix("test_")
                    needs = tuple(kw.get("needs", ()))
                    found.append(DeclaredCase(name, points, kw.get("hidden", True), needs))
    return found


def load_question(course: Course, question: str, files: list[Path] | None = None):
    """One Otter test file per question: its public cases, then its hidden cases."""
    from .public import render  # the public file as students have it

    files = files or course.suite_files(question)
    merged: list[TestCase] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        public = path.parent.name == "public"
        if public:  # specialised to the course: only its cases, its tie rule
            text = render(course, question, text, mistakes=False)
        tf = ExceptionTestFile.from_string(text, path=str(path))
        if tf.name != question:
            raise ValueError(f"{path} declares name = {tf.name!r}, expected {question!r}")
        for tc in tf.test_cases:
            required = getattr(tc.body, "needs", ())
            unknown = set(required) - set(config.FEATURES)
            if unknown:
                raise ValueError(f"{path}: case {tc.name!r} needs unknown features {unknown}")
            if all(course.config.enabled(f) for f in required):
                merged.append(tc)
    merged = course_points(question, merged, course.config)
    return ExceptionTestFile(question, str(files[-1]), merged, all_or_nothing=False)


def course_points(question: str, cases: list[TestCase], course: config.CourseConfig) -> list:
    """The suite's points are weights: apply the course's overrides, then scale to its total.

    ``group_points`` replaces the weight of the named cases (feature groups); with
    ``public_tests_count`` false the public cases weigh nothing; the question then totals
    exactly ``points[question]``.
    """
    overrides = course.group_points.get(question, {})
    names = {tc.name for tc in cases}
    for group in overrides:
        if group not in names:
            raise config.ConfigError(
                f"otter_config.json: group_points.{question}.{group}: no such case "
                f"(cases: {', '.join(sorted(names))})"
            )
    weights = []
    for tc in cases:
        weight = overrides.get(tc.name, tc.points or 0.0)
        if not tc.hidden and not course.public_tests_count:
            weight = 0.0
        weights.append(weight)
    total = sum(weights)
    if total <= 0:
        raise config.ConfigError(f"otter_config.json: {question} has no case worth points")
    scale = course.points[question] / total
    return [replace(tc, points=w * scale) for tc, w in zip(cases, weights, strict=True)]


def case_rng(
    seed: int, question: str, case_name: str, features: Mapping[str, bool] | None = None
) -> CaseRandom:
    """Each case's own stream: independent of case order and of the other questions; it
    carries the course's features, which the draws follow."""
    generator = np.random.default_rng([seed, zlib.crc32(f"{question}/{case_name}".encode())])
    return CaseRandom(generator, features or {})


def run_question(
    tf: ExceptionTestFile, env: dict[str, Any], seed: int, features: Mapping[str, bool]
) -> ExceptionTestFile:
    """Run every case of ``tf`` with parameters filled by name from ``env`` plus ``rng``.

    A failing case's message is its assertion text; an unexpected error in the test code
    itself is reported as a grader error (never a traceback of ours to the student).
    """
    results: list[TestCaseResult] = []
    for tc in tf.test_cases:
        case_env = {**env, "rng": case_rng(seed, tf.name, tc.name, features)}
        causes: tuple[str, ...] = ()
        try:
            tc.body.call_func(case_env)
            passed, detail = True, "passed"
        except AssertionError as exc:
            passed, detail = False, str(exc)
            causes = tuple(str(c) for c in getattr(exc, "causes", ()))
        except Exception as exc:  # a bug in a test, not in the submission
            passed = False
            detail = f"the grader could not run this case ({type(exc).__name__})"
        message = f"{'✅' if passed else '❌'} {tc.name}: {detail}"
        results.append(DiagnosedResult(tc, message, passed, causes, detail))
    tf.test_case_results = results
    return tf
