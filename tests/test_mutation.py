"""Mutation testing: on every one of 200 seeds, every catalogued mistake loses points on its
function, and every correct style keeps full marks; under each of the three tie rules.

The per-submission randomisation must never let a known mistake through.  A mistake's other two
functions are ``correct/loops.py``'s (``test_zoo.py`` checks that), which keep full marks on
every seed here, so a mistake costs points on its own function only.
``cnn-backprop mutants`` prints the full kill matrix.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from checkout import QUESTIONS
from cnn_backprop.mutation import (
    correct_sources,
    expected_wrong,
    in_scope,
    survivors,
    variant,
    zoo,
)

ROOT = Path(__file__).resolve().parents[1]  # the course: this checkout

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
    settings = {"tie_rule": rule, "scope": scope}
    catalogue = zoo(ROOT)
    mistakes = [
        m
        for m in in_scope(
            ROOT, expected_wrong(catalogue.MISTAKES, rule), variant(ROOT, **settings).config
        )
        if rule == "first" or m.function == POOL
    ]
    jobs = {
        m.name: pool.submit(
            survivors,
            ROOT,
            settings,
            catalogue.submission_source(m),
            (m.function,),
            SEEDS,
            full=False,
        )
        for m in mistakes
    }
    escaped = {name: job.result() for name, job in jobs.items() if job.result()}
    assert not escaped, f"mistakes that kept full marks on some seed: {escaped}"


@pytest.mark.parametrize(
    ("rule", "scope"), [("first", "full"), ("all", "full"), ("split", "full"), ("first", "note")]
)
def test_correct_styles_keep_full_marks_on_every_seed(rule: str, scope: str, pool) -> None:
    settings = {"tie_rule": rule, "scope": scope}
    sources = correct_sources(ROOT, rule)
    assert len(sources) >= 6
    if rule != "first":  # only pooling changes, and every style then has the rule's same pooling
        sources = dict(list(sources.items())[:1])
    jobs = {
        name: pool.submit(survivors, ROOT, settings, text, _questions(rule), SEEDS, full=True)
        for name, text in sources.items()
    }
    lost = {name: job.result()[:3] for name, job in jobs.items() if job.result()}
    assert not lost, f"correct solutions that lost points: {lost}"


def test_out_of_scope_mistakes_are_invisible_in_the_note_scope() -> None:
    """The scope really restricts the cases: what it excludes, no case can see."""
    settings = {"scope": "note"}
    catalogue = zoo(ROOT)
    seen = in_scope(ROOT, catalogue.MISTAKES, variant(ROOT, **settings).config)
    hidden = [m for m in catalogue.MISTAKES if m not in seen]
    assert len(hidden) == len(catalogue.NEEDS)
    for m in hidden:
        source = catalogue.submission_source(m)
        assert survivors(ROOT, settings, source, (m.function,), range(5), full=False)


def test_kill_matrix_command_reports_every_mistake_killed(capsys) -> None:
    from cnn_backprop.cli import main

    assert main(["mutants", "--seeds", "3"]) == 0
    out = capsys.readouterr().out
    mistakes = zoo(ROOT).MISTAKES
    assert f"killed on every seed: {len(mistakes)} of {len(mistakes)}" in out
    for mistake in mistakes:
        assert mistake.name in out
    total = len(mistakes)
    assert f"named by the feedback whenever killed: {total} of {total}" in out
