"""The instructor's configuration: validated with errors naming the key, and obeyed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cnn_backprop import QUESTIONS, config
from cnn_backprop.config import ConfigError, CourseConfig, parse
from cnn_backprop.grader import grade_file
from cnn_backprop.suite import load_question

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def course():
    """Grade under a given course configuration, restoring the repo's afterwards."""
    yield lambda **kw: config.use(CourseConfig(**kw))
    config.use(None)


@pytest.mark.parametrize(
    ("block", "key"),
    [
        ({"tie_rule": "last"}, "tie_rule"),
        ({"tie_rules": "first"}, "unknown key 'tie_rules'"),
        ({"points": {"conv1d_backward_w": -1}}, "points.conv1d_backward_w"),
        ({"points": {"conv1d_forward": 5}}, "points.conv1d_forward"),
        ({"points": {"maxpool1d_backward": "ten"}}, "points.maxpool1d_backward"),
        ({"group_points": {"maxpool1d_backward": {"ties": -2}}}, "group_points.maxpool1d_backward"),
        ({"public_tests_count": "yes"}, "public_tests_count"),
        ({"hidden_visibility": "sometimes"}, "hidden_visibility"),
    ],
)
def test_bad_values_are_errors_naming_the_key(block: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse(block)


def test_the_committed_configuration_is_valid_and_consistent() -> None:
    otter = json.loads((REPO / "otter_config.json").read_text())
    course = parse(config.plugin_block(otter))
    assert course.total == otter["points_possible"]


def test_unknown_feature_group_is_an_error(course) -> None:
    course(group_points={"maxpool1d_backward": {"tie": 3.0}})
    with pytest.raises(ConfigError, match=r"group_points\.maxpool1d_backward\.tie: no such case"):
        load_question("maxpool1d_backward")


def test_points_per_function_and_group_and_public_weight(course) -> None:
    course(
        points={"conv1d_backward_w": 20.0, "conv1d_backward_input": 5.0, "maxpool1d_backward": 5.0},
        group_points={"maxpool1d_backward": {"ties": 4.0}},
        public_tests_count=False,
    )
    totals = {q: load_question(q).possible for q in QUESTIONS}
    assert totals == pytest.approx(
        {"conv1d_backward_w": 20.0, "conv1d_backward_input": 5.0, "maxpool1d_backward": 5.0}
    )
    pool = {tc.name: tc.points for tc in load_question("maxpool1d_backward").test_cases}
    assert pool["note example"] == 0 and pool["ties and overlapping windows"] == 0
    # ties weighs 4 against the other hidden weights (9 - 1 = 8): 4/12 of 5 points
    assert pool["ties"] == pytest.approx(5 * 4 / 12)


def test_bad_configuration_stops_the_build_with_the_key(monkeypatch, capsys, tmp_path) -> None:
    from cnn_backprop import cli

    config.use(None)
    monkeypatch.setattr(
        config, "read_otter_config", lambda: {"plugins": [{config.PLUGIN: {"tie_rule": "x"}}]}
    )
    try:
        assert cli.main(["build", "--out", str(tmp_path)]) == 2
    finally:
        monkeypatch.undo()
        config.use(None)
    assert "tie_rule" in capsys.readouterr().err


def test_points_possible_must_match(monkeypatch) -> None:
    config.use(None)
    monkeypatch.setattr(config, "read_otter_config", lambda: {"points_possible": 25})
    try:
        with pytest.raises(ConfigError, match="points_possible"):
            config.load()
    finally:
        monkeypatch.undo()
        config.use(None)


@pytest.mark.parametrize("visibility", ["visible", "after_due_date", "hidden"])
def test_hidden_visibility_is_applied(visibility: str, course) -> None:
    course(hidden_visibility=visibility)
    results = grade_file(REPO / "tests" / "zoo" / "correct" / "fft.py").results
    seen = {t["name"]: t["visibility"] for t in results["tests"]}
    assert all(seen[q] == visibility for q in QUESTIONS)
    assert seen["Public Tests"] == "visible"
    assert seen["grading details (instructors only)"] == "hidden"


@pytest.mark.parametrize("rule", ["first", "all", "split"])
def test_the_tie_rule_decides_what_is_correct(rule: str, course, tmp_path) -> None:
    from cnn_backprop.mutation import correct_sources

    course(tie_rule=rule)
    name, source = next(iter(correct_sources(rule).items()))
    path = tmp_path / "student.py"
    path.write_text(source)
    assert grade_file(path).total == 30, name
    if rule != "first":  # the default rule's solution is now wrong on ties
        path.write_text(next(iter(correct_sources("first").values())))
        scores = grade_file(path).scores
        assert scores["maxpool1d_backward"] < 10
        assert scores["conv1d_backward_w"] == scores["conv1d_backward_input"] == 10


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ("first", "Break ties by the first maximal element"),
        ("all", "give the whole delta to every maximal element"),
        ("split", "share the delta equally among the maximal elements"),
    ],
)
def test_the_handout_states_the_course_tie_rule(rule: str, sentence: str, course) -> None:
    from cnn_backprop.handout import build_module, build_notebook, public_tests

    course(tie_rule=rule)
    text = "\n".join(cell.source for cell in build_notebook().cells)
    assert sentence in text
    assert "<!--" not in text.replace("<!-- cell -->", "")
    module = build_module()
    assert {"first": "FIRST maximal", "all": "EVERY maximal", "split": "SHARE the delta"}[
        rule
    ] in module
    # the public test's tied window [3, 1, 3] with delta a: the course's rule only
    tied = {
        "first": "expected = [[[a, 0.0, b + c, 0.0, 0.0]]]",
        "all": "expected = [[[a, 0.0, a + b + c, 0.0, 0.0]]]",
        "split": "expected = [[[a / 2, 0.0, a / 2 + b + c, 0.0, 0.0]]]",
    }
    pool = public_tests()["maxpool1d_backward.py"]
    assert [r for r, line in tied.items() if line in pool] == [rule]


@pytest.mark.parametrize("reveal", [False, True])
def test_reveal_hidden_cases_shows_the_arrays_only_when_asked(
    reveal: bool, course, tmp_path
) -> None:
    from cnn_backprop.mutation import zoo

    course(reveal_hidden_cases=reveal)
    mistake = next(m for m in zoo().MISTAKES if m.name == "conv_input_forgot_flip")
    path = tmp_path / "student.py"
    path.write_text(zoo().submission_source(mistake))
    results = grade_file(path).results
    hidden = next(t["output"] for t in results["tests"] if t["name"] == "conv1d_backward_input")
    assert ("expected (" in hidden) is reveal
    assert "Likely cause" in hidden


@pytest.mark.parametrize(
    ("show_hidden", "expected"), [(False, "hidden"), (True, "after_published")]
)
def test_visibility_follows_otter_show_hidden_when_unset(
    show_hidden, expected, monkeypatch
) -> None:
    config.use(None)
    block = {"plugins": [config.PLUGIN], "show_hidden": show_hidden}
    monkeypatch.setattr(config, "read_otter_config", lambda: block)
    try:
        assert config.load().hidden_visibility == expected
    finally:
        monkeypatch.undo()
        config.use(None)
