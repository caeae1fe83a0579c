"""The graded suites as Otter questions: one file per function, ordinary pytest functions.

A suite file is a plain pytest module whose tests take the student's function by parameter
name (``def test_ties(maxpool1d_backward, rng): ...``).  Each test is also registered as a case
of Otter's exception-based format, so the same file runs under pytest, under Otter, and under
``cnn-backprop grade``, which fills the parameters from its own namespace.
"""

from __future__ import annotations

import ast
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from otter.test_files import ExceptionTestFile, test_case
from otter.test_files.abstract_test import TestCase, TestCaseResult

from . import config, paths


@dataclass
class DiagnosedResult(TestCaseResult):
    """Otter's result of one case, plus the causes its failure names (``diagnosis`` keys).

    Otter reads it as a plain ``TestCaseResult``; the batch runner and the class report read
    ``causes`` as data instead of parsing ``message``.
    """

    causes: tuple[str, ...] = ()


def case(
    points: float, *, hidden: bool = True, needs: tuple[str, ...] = ()
) -> Callable[[Callable[..., None]], Callable]:
    """Register a pytest test function as a case of this file's Otter question.

    The function is returned unchanged (pytest collects it); Otter finds the ``test_case``
    stored next to it in the module's globals.  ``needs``: the course features (see
    ``config.FEATURES``) the case is about; it is dropped when one of them is off.
    """

    def register(func: Callable[..., None]) -> Callable[..., None]:
        label = func.__name__.removeprefix("test_")
        otter_case = test_case(name=label, points=points, hidden=hidden)(func)
        otter_case.needs = tuple(needs)
        func.__globals__[f"_otter_case_{label}"] = otter_case
        return func

    return register


def load_question(question: str, files: list[Path] | None = None) -> ExceptionTestFile:
    """One Otter test file per question: its public cases, then its hidden cases."""
    files = files or paths.suite_files(question)
    merged: list[TestCase] = []
    course = config.load()
    for path in files:
        text = suite_source(path)
        tf = ExceptionTestFile.from_string(text, path=str(path))
        if tf.name != question:
            raise ValueError(f"{path} declares name = {tf.name!r}, expected {question!r}")
        needs = public_needs(text)
        for tc in tf.test_cases:
            required = getattr(tc.body, "needs", None) or needs.get(tc.name, ())
            unknown = set(required) - set(config.FEATURES)
            if unknown:
                raise ValueError(f"{path}: case {tc.name!r} needs unknown features {unknown}")
            if all(course.enabled(f) for f in required):
                merged.append(tc)
    merged = course_points(question, merged, course)
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


def public_needs(text: str) -> dict[str, tuple[str, ...]]:
    """A public file's ``NEEDS`` (case name -> features), read without running the file."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "NEEDS" for t in node.targets
        ):
            return {k: tuple(v) for k, v in ast.literal_eval(node.value).items()}
    return {}


def in_scope(text: str) -> str:
    """A public file's text without the registrations of the cases the course leaves out."""
    course = config.load()
    dropped = {
        name for name, needs in public_needs(text).items()
        if not all(course.enabled(f) for f in needs)
    }  # fmt: skip
    if not dropped:
        return text
    lines = text.splitlines(keepends=True)
    for node in ast.parse(text).body:
        call = node.value if isinstance(node, ast.Assign) else None
        inner = call.func if isinstance(call, ast.Call) else None
        if isinstance(inner, ast.Call) and any(
            k.arg == "name" and isinstance(k.value, ast.Constant) and k.value.value in dropped
            for k in inner.keywords
        ):
            for i in range(node.lineno - 1, node.end_lineno or node.lineno):
                lines[i] = ""
    return "".join(lines)


TIE_RULE_LINE = re.compile(r'^TIE_RULE = "\w+"', re.MULTILINE)


def suite_source(path: Path) -> str:
    """A suite file's text, with the course's tie rule written in (public tests state it)."""
    text = in_scope(path.read_text(encoding="utf-8"))
    return TIE_RULE_LINE.sub(f'TIE_RULE = "{config.load().tie_rule}"', text, count=1)


def case_rng(seed: int, question: str, case_name: str) -> np.random.Generator:
    """Each case's own stream: independent of case order and of the other questions."""
    return np.random.default_rng([seed, zlib.crc32(f"{question}/{case_name}".encode())])


def run_question(tf: ExceptionTestFile, env: dict[str, Any], seed: int) -> ExceptionTestFile:
    """Run every case of ``tf`` with parameters filled by name from ``env`` plus ``rng``.

    A failing case's message is its assertion text; an unexpected error in the test code
    itself is reported as a grader error (never a traceback of ours to the student).
    """
    results: list[TestCaseResult] = []
    for tc in tf.test_cases:
        case_env = {**env, "rng": case_rng(seed, tf.name, tc.name)}
        causes: tuple[str, ...] = ()
        try:
            tc.body.call_func(case_env)
            passed, message = True, f"✅ {tc.name}: passed"
        except AssertionError as exc:
            passed, message = False, f"❌ {tc.name}: {exc}"
            causes = tuple(str(c) for c in getattr(exc, "causes", ()))
        except Exception as exc:  # a bug in a test, not in the submission
            passed = False
            message = f"❌ {tc.name}: the grader could not run this case ({type(exc).__name__})"
        results.append(DiagnosedResult(tc, message, passed, causes))
    tf.test_case_results = results
    return tf
