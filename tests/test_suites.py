"""The graded suites: one question per function, equal totals, standalone public files."""

from __future__ import annotations

import ast

import pytest
from cnn_backprop import QUESTIONS, paths
from cnn_backprop.suite import load_question


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_is_worth_ten_points(question: str) -> None:
    tf = load_question(question)
    assert tf.name == question
    assert tf.possible == 10
    public = [tc for tc in tf.test_cases if not tc.hidden]
    hidden = [tc for tc in tf.test_cases if tc.hidden]
    assert len(public) >= 2 and len(hidden) >= 9
    assert sum(tc.points for tc in public) == 1


@pytest.mark.parametrize("question", QUESTIONS)
def test_public_tests_need_nothing_students_lack(question: str) -> None:
    """They run in the student's kernel: numpy and otter only, no reference, no rng fixture."""
    public = paths.suite_files(question)[0]
    tree = ast.parse(public.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])
    }
    assert imported <= {"numpy", "otter"}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            params = {a.arg for a in node.args.args}
            assert params <= {question, "conv1d_forward", "maxpool1d_forward"}


def test_case_names_are_unique_within_a_question() -> None:
    for question in QUESTIONS:
        names = [tc.name for tc in load_question(question).test_cases]
        assert len(names) == len(set(names)), names
