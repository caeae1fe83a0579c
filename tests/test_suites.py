"""The graded suites: one question per function, equal totals, standalone public files."""

from __future__ import annotations

import ast
import sys

import pytest
from checkout import COURSE, QUESTIONS, course_with
from cnn_backprop import config
from cnn_backprop.handout import public_tests
from cnn_backprop.suite import declared_cases, load_question
from otter.test_files import ExceptionTestFile


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_is_worth_its_configured_points(question: str) -> None:
    tf = load_question(COURSE, question)
    assert tf.name == question
    assert tf.possible == pytest.approx(COURSE.config.points[question])
    public = [tc for tc in tf.test_cases if not tc.hidden]
    hidden = [tc for tc in tf.test_cases if tc.hidden]
    assert len(public) >= 2 and len(hidden) >= 9
    # the public cases carry their declared weights' share of the question's points
    weights = {c.name: c.points for c in declared_cases(COURSE.suite_files(question))}
    share = sum(weights[tc.name] for tc in public) / sum(weights[tc.name] for tc in tf.test_cases)
    assert sum(tc.points for tc in public) == pytest.approx(share * tf.possible)


@pytest.mark.parametrize("question", QUESTIONS)
def test_public_tests_need_nothing_students_lack(question: str) -> None:
    """Students' copies run in their kernel: numpy, otter and the standard library only."""
    text = public_tests(COURSE)[f"{question}.py"]
    tree = ast.parse(text)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported - set(sys.stdlib_module_names) == {"numpy", "otter"}
    tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
    assert tests
    for node in tests:
        params = {a.arg for a in node.args.args}
        assert params <= {question, *COURSE.forwards}


MACHINERY = ("cnn_backprop", "NEEDS", "TIE_RULE", "by_tie_rule", "needs=", "@case", "the build")


@pytest.mark.parametrize("rule", config.TIE_RULES)
def test_public_tests_read_as_a_students_tests(rule: str) -> None:
    """Specialised to the course: its tie rule's values only, no trace of the build's switches."""
    others = {
        "first": ("a + b + c", "a / 2"),  # the other rules' expected values for the tied window
        "all": ("a / 2", "[[[a, 0.0, b + c"),
        "split": ("a + b + c", "[[[a, 0.0, b + c"),
    }[rule]
    texts = public_tests(course_with(tie_rule=rule))
    for name, text in texts.items():
        for word in MACHINERY:
            assert word not in text, f"{name} shows {word!r}"
        assert "@test_case(name=" in text
        ExceptionTestFile.from_string(text)  # Otter reads it
    pool = texts["maxpool1d_backward.py"]
    assert not [o for o in others if o in pool], others


def test_switched_off_features_leave_no_trace_in_public_tests() -> None:
    """The note's scope: only the cases without batch, stride, padding, dilation or float32."""
    texts = public_tests(course_with(scope="note"))
    kept = {name: ExceptionTestFile.from_string(text).test_cases for name, text in texts.items()}
    assert {name: [tc.name for tc in cases] for name, cases in kept.items()} == {
        "conv1d_backward_w.py": ["note example"],
        "conv1d_backward_input.py": ["note example"],
        "maxpool1d_backward.py": ["note example", "many ties"],
    }
    for text in texts.values():
        tests = text[text.index("@test_case") : text.index("# How `check` judges")]
        for gone in ("float32", "dilation", "padding=", "padding 1", "stride=1"):
            assert gone not in tests, gone


def test_case_names_are_unique_within_a_question() -> None:
    for question in QUESTIONS:
        names = [tc.name for tc in load_question(COURSE, question).test_cases]
        assert len(names) == len(set(names)), names
