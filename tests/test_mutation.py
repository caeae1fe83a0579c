"""Mutation testing: on every one of 200 seeds, every catalogued mistake loses points on its
function, and every correct style keeps full marks; under each of the three tie rules.

The per-submission randomisation must never let a known mistake through.  A mistake's other two
functions are ``correct/loops.py``'s (``test_zoo.py`` checks that), which keep full marks on
every seed here, so a mistake costs points on its own function only.
``cnn-backprop mutants`` prints the full kill matrix.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from cnn_backprop import QUESTIONS, config
from cnn_backprop.mutation import correct_sources, expected_wrong, in_scope, survivors, zoo

SEEDS = range(200)
RULES = ("first", "all", "split")
POOL = "maxpool1d_backward"


def _questions(rule: str, function: str | None = None) -> tuple[str, ...]:
    # the tie rule changes only max-pooling: the conv questions need checking once
    if function is not None:
        return (function,)
    return QUESTIONS if rule == "first" else (POOL,)


@pytest.fixture(scope="module")
def pool():
    with ProcessPoolExecutor(max_workers=2) as executor:
        yield executor


@pytest.mark.parametrize("scope", ["full", "note"])
@pytest.mark.parametrize("rule", RULES)
def test_every_mistake_loses_points_on_every_seed(rule: str, scope: str, pool) -> None:
    course = config.parse({"tie_rule": rule, "scope": scope})
    mistakes = [
        m
        for m in in_scope(expected_wrong(zoo().MISTAKES, rule), course)
        if rule == "first" or m.function == POOL
    ]
    jobs = {
        m.name: pool.submit(
            survivors, zoo().submission_source(m), (m.function,), SEEDS, course, full=False
        )
        for m in mistakes
    }
    escaped = {name: job.result() for name, job in jobs.items() if job.result()}
    assert not escaped, f"mistakes that kept full marks on some seed: {escaped}"


@pytest.mark.parametrize(
    ("rule", "scope"), [("first", "full"), ("all", "full"), ("split", "full"), ("first", "note")]
)
def test_correct_styles_keep_full_marks_on_every_seed(rule: str, scope: str, pool) -> None:
    course = config.parse({"tie_rule": rule, "scope": scope})
    sources = correct_sources(rule)
    assert len(sources) >= 6
    if rule != "first":  # only pooling changes, and every style then has the rule's same pooling
        sources = dict(list(sources.items())[:1])
    jobs = {
        name: pool.submit(survivors, text, _questions(rule), SEEDS, course, full=True)
        for name, text in sources.items()
    }
    lost = {name: job.result()[:3] for name, job in jobs.items() if job.result()}
    assert not lost, f"correct solutions that lost points: {lost}"


def test_out_of_scope_mistakes_are_invisible_in_the_note_scope() -> None:
    """The scope really restricts the cases: what it excludes, no case can see."""
    course = config.parse({"scope": "note"})
    hidden = [m for m in zoo().MISTAKES if m not in in_scope(zoo().MISTAKES, course)]
    assert len(hidden) == len(zoo().NEEDS)
    for m in hidden:
        assert survivors(zoo().submission_source(m), (m.function,), range(5), course, full=False)
    config.use(None)


def test_kill_matrix_command_reports_every_mistake_killed(capsys) -> None:
    from cnn_backprop.cli import main

    assert main(["mutants", "--seeds", "3"]) == 0
    out = capsys.readouterr().out
    assert f"killed on every seed: {len(zoo().MISTAKES)} of {len(zoo().MISTAKES)}" in out
    for mistake in zoo().MISTAKES:
        assert mistake.name in out
    total = len(zoo().MISTAKES)
    assert f"named by the feedback whenever killed: {total} of {total}" in out
