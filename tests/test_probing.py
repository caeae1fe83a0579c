"""Gradients not derived: the watch in the child, the parent's verdict, and what it changes.

In process, the child's own measuring code (``sandbox/child.py``'s ``_watched_call``) runs
under the real suites, through ``SubmittedFunction`` as in grading, for every correct style
and every catalogued mistake (never flagged) and every way of not deriving in
``tests/zoo/not_derived`` (always flagged, on every function).  Then real sandboxed grading:
the one-hot prober scores full marks yet is flagged, in the details only instructors see;
under ``gradients_not_derived: zero`` it scores 0 on each function and the student is told
why; a loop solution is not flagged; a submission that removes the watch is reported.  And
the parent reads the child's numbers strictly.  About 15 s.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checkout import COURSE, FORWARD, QUESTIONS, TOTAL, course_with, grade
from cnn_backprop import probing
from cnn_backprop.checks import SubmittedFunction
from cnn_backprop.grader import DetailsFile, grade_file
from cnn_backprop.sandbox import CallResult, SubmissionError
from cnn_backprop.sandbox.child import _watched_call
from cnn_backprop.sandbox.replies import read_probe
from cnn_backprop.suite import load_question, run_question
from zoo.classroom import NOT_DERIVED, STYLES, in_template, not_derived, style, with_mistake
from zoo.mistakes import MISTAKES

SEEDS = (0, 1)


class WatchedInProcess:
    """The sandbox's calling contract in process, with the child's watch around each call."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.probes: dict[str, list[Any]] = {}  # what the watch measured, per function

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> CallResult:
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            value, probe = _watched_call(self.namespace[name], copies, kwargs)
        except Exception as exc:
            raise SubmissionError(f"raised {type(exc).__name__}: {exc}") from None
        value = np.asarray(value)
        self.probes.setdefault(name, []).append(read_probe(probe))
        return CallResult(
            value=np.array(value, dtype=np.float64, copy=True),
            returned_dtype=str(value.dtype),
            inputs_after=[c if isinstance(c, np.ndarray) else None for c in copies],
            seconds=0.0,
            probe=read_probe(probe),
        )


def flags_of(functions: str, seeds: tuple[int, ...] = SEEDS) -> list[probing.Flag]:
    """Grade ``functions`` (in the handout's .py) in process, and judge what was watched."""
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(compile(in_template(functions), "student.py", "exec"), namespace)
    sandbox = WatchedInProcess(namespace)
    env: dict[str, Any] = {
        q: SubmittedFunction(sandbox, COURSE.question(q), COURSE) for q in QUESTIONS
    }
    env.update(COURSE.given())
    for seed in seeds:
        for question in QUESTIONS:
            run_question(load_question(COURSE, question), env, seed, COURSE.config.features)
    assert all(sandbox.probes.get(q) for q in QUESTIONS)  # every call was measured
    return probing.judge({q: sandbox.probes[q] for q in QUESTIONS})


@pytest.mark.parametrize("name", STYLES)
def test_correct_styles_are_never_flagged(name: str) -> None:
    assert flags_of(style(name)) == []


def test_catalogued_mistakes_are_never_flagged() -> None:
    flagged = {m.name: flags_of(with_mistake(m), (0,)) for m in MISTAKES}
    assert {name: f for name, f in flagged.items() if f} == {}


@pytest.mark.parametrize("name", NOT_DERIVED)
def test_every_way_of_not_deriving_is_flagged_on_every_function(name: str) -> None:
    flags = flags_of(not_derived(name), (0,))
    assert [(f.function, f.kind) for f in flags] == [(q, "not-derived") for q in QUESTIONS]
    for flag in flags:
        assert flag.evaluations >= probing.MIN_EVALUATIONS or flag.forward_like >= 8
        assert flag.calls >= flag.measured / 2  # most calls probe, not one unlucky case
        if name != "own_forward":  # the given forward pass, named as the student called it
            assert flag.evaluated in FORWARD, flag


def test_the_watch_measures_a_one_hot_probe_exactly() -> None:
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(compile(in_template(not_derived("one_hot")), "student.py", "exec"), namespace)
    x, delta = np.ones((2, 3, 8)), np.ones((2, 4, 6))
    value, probe = _watched_call(namespace["conv1d_backward_w"], [x, delta, 3], {})
    assert value.shape == (4, 3, 3)
    # one forward pass per filter entry: each a one-hot filter, each x in and delta out
    assert probe == {
        "evaluations": 36,
        "forward_like": 36,
        "function": "conv1d_forward",
        "intact": True,
    }
    assert sys.getprofile() is None  # the watch is gone after the call


# -- real grading, in the sandbox -----------------------------------------------------------


@pytest.fixture
def prober(tmp_path: Path) -> Path:
    path = tmp_path / "prober.py"
    path.write_text(in_template(not_derived("one_hot")))
    return path


def details_of(outcome: Any) -> str:
    (entry,) = [t for t in outcome.results["tests"] if t["name"] == DetailsFile.NAME]
    assert entry["visibility"] == "hidden"
    return entry["output"]


def test_a_prober_scores_full_marks_but_is_flagged_for_instructors(prober: Path) -> None:
    outcome = grade(prober)
    assert outcome.total == TOTAL
    assert [(f.function, f.kind) for f in outcome.flags] == [(q, "not-derived") for q in QUESTIONS]
    details = details_of(outcome)
    assert "gradients not derived (gradients_not_derived = 'report': reported only)" in details
    assert "`conv1d_backward_input` evaluated `conv1d_forward` at" in details
    visible = [t["output"] for t in outcome.results["tests"] if t["name"] in QUESTIONS]
    assert not any("not derived" in text or "probing" in text for text in visible)


def test_under_zero_the_prober_scores_nothing_and_is_told_why(prober: Path) -> None:
    outcome = grade_file(prober, course_with(gradients_not_derived="zero"))
    assert outcome.scores == dict.fromkeys(QUESTIONS, 0.0)
    tests = {t["name"]: t for t in outcome.results["tests"]}
    for question in QUESTIONS:
        assert "not counted" in tests[question]["output"]
        assert "not by backpropagation" in tests[question]["output"]
    assert "functions not derived scored 0" in details_of(outcome)


def test_a_loop_solution_is_not_flagged_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "loops.py"
    path.write_text(in_template(style("loops")))
    outcome = grade(path)
    assert outcome.total == TOTAL and outcome.flags == []
    assert "gradients not derived: nothing seen" in details_of(outcome)


def test_removing_the_watch_is_reported_not_penalised(tmp_path: Path) -> None:
    source = style("loops").replace(
        "    if stride is None:\n        stride = kernel_size\n",
        "    import sys\n    sys.setprofile(None)\n    if stride is None:\n"
        "        stride = kernel_size\n",
    )
    path = tmp_path / "unwatched.py"
    path.write_text(in_template(source))
    outcome = grade(path)
    assert outcome.total == TOTAL
    assert [(f.function, f.kind) for f in outcome.flags] == [("maxpool1d_backward", "unwatched")]
    assert "switched off or interfered with the grader's watch" in outcome.flags[0].describe()


def test_a_reply_without_its_measurements_is_reported(tmp_path: Path) -> None:
    """The child is the submission's process: it can rewrite what it sends, not hide that."""
    tamper = (
        "import __main__\n"
        "_send = __main__.write_message\n"
        "def _quiet(fd, message):\n"
        "    message.pop('probe', None)\n"
        "    _send(fd, message)\n"
        "__main__.write_message = _quiet\n"
    )
    path = tmp_path / "quiet.py"
    path.write_text(in_template(not_derived("one_hot") + "\n\n" + tamper))
    outcome = grade(path)
    assert outcome.total == TOTAL
    assert [(f.function, f.kind) for f in outcome.flags] == [(q, "unwatched") for q in QUESTIONS]


@pytest.mark.parametrize(
    "reply",
    [
        None,
        "lots",
        {"evaluations": "9", "forward_like": 0, "function": "f", "intact": True},
        {"evaluations": -1, "forward_like": 0, "function": "f", "intact": True},
        {"evaluations": 10**12, "forward_like": 0, "function": "f", "intact": True},
        {"evaluations": True, "forward_like": 0, "function": "f", "intact": True},
        {"evaluations": 9, "forward_like": 0, "function": 7, "intact": True},
        {"evaluations": 9, "forward_like": 0, "function": "f", "intact": 1},
    ],
)
def test_the_parent_reads_the_childs_numbers_strictly(reply: Any) -> None:
    assert read_probe(reply) is None


def test_a_child_chosen_name_is_made_harmless() -> None:
    probe = read_probe(
        {"evaluations": 9, "forward_like": 0, "function": "<b>x</b>\n" * 20, "intact": True}
    )
    assert probe is not None and len(probe.function) <= 60
    assert set(probe.function) <= set("abcdefghijklmnopqrstuvwxyz<>?/x_.")
