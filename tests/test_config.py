"""The instructor's configuration: validated with errors naming the key, and obeyed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkout import COURSE, QUESTIONS, copy_course, course_with
from cnn_backprop import config
from cnn_backprop.config import ConfigError
from cnn_backprop.course import load
from cnn_backprop.grader import grade_file
from cnn_backprop.suite import declared_cases, load_question

REPO = Path(__file__).resolve().parents[1]


def parse(block: dict) -> config.CourseConfig:
    """The plugin block read for this course's questions and cases."""
    return config.parse(
        block, questions=QUESTIONS, cases=lambda q: declared_cases(COURSE.suite_files(q))
    )


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
        ({"gradients_not_derived": "fail"}, "gradients_not_derived"),
        ({"gradients_not_derived": False}, "gradients_not_derived"),
        ({"similarity_threshold": 0}, "similarity_threshold"),
        ({"similarity_threshold": 1.5}, "similarity_threshold"),
        ({"similarity_threshold": "80%"}, "similarity_threshold"),
        ({"similarity_threshold": True}, "similarity_threshold"),
        ({"similarity_threshold": float("nan")}, "similarity_threshold"),
    ],
)
def test_bad_values_are_errors_naming_the_key(block: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse(block)


def test_the_class_report_settings_have_defaults_and_accept_their_values() -> None:
    assert parse({}).gradients_not_derived == "report"
    assert parse({}).similarity_threshold == 0.8
    course = parse({"gradients_not_derived": "zero", "similarity_threshold": 1})
    assert course.gradients_not_derived == "zero" and course.similarity_threshold == 1.0


def test_the_committed_configuration_is_valid_and_consistent() -> None:
    otter = json.loads((REPO / "otter_config.json").read_text())
    course = parse(config.plugin_block(otter))
    assert course.total == otter["points_possible"]


def test_unknown_feature_group_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"group_points\.maxpool1d_backward\.tie: no such case"):
        course_with(group_points={"maxpool1d_backward": {"tie": 3.0}})


def test_points_per_function_and_group_and_public_weight() -> None:
    total = COURSE.config.total  # otter_config.json's points_possible must stay equal
    points = dict(zip(QUESTIONS, (total * 4 / 6, total / 6, total / 6), strict=False))
    course = course_with(
        points=points,
        group_points={"maxpool1d_backward": {"ties": 4.0}},
        public_tests_count=False,
    )
    totals = {q: load_question(course, q).possible for q in QUESTIONS}
    assert totals == pytest.approx(points)
    pool_case = load_question(course, "maxpool1d_backward").test_cases
    pool = {tc.name: tc.points for tc in pool_case}
    assert pool["note example"] == 0 and pool["ties and overlapping windows"] == 0
    # ties weighs 4 against the other hidden cases' declared weights
    declared = {c.name: c for c in declared_cases(COURSE.suite_files("maxpool1d_backward"))}
    others = sum(declared[tc.name].points for tc in pool_case if tc.hidden and tc.name != "ties")
    assert pool["ties"] == pytest.approx(points["maxpool1d_backward"] * 4 / (4 + others))


def test_bad_configuration_stops_the_build_with_the_key(course_root, capsys, tmp_path) -> None:
    from cnn_backprop import cli

    root, otter = course_root
    otter["plugins"] = [{config.PLUGIN: {"tie_rule": "x"}}]
    (root / "otter_config.json").write_text(json.dumps(otter))
    assert cli.main(["--course", str(root), "build", "--out", str(tmp_path / "dist")]) == 2
    assert "tie_rule" in capsys.readouterr().err


def test_points_possible_must_match(course_root) -> None:
    root, otter = course_root
    otter.update(points_possible=COURSE.config.total - 5, plugins=[config.PLUGIN])
    (root / "otter_config.json").write_text(json.dumps(otter))
    with pytest.raises(ConfigError, match="points_possible"):
        load(root)


@pytest.mark.parametrize("visibility", ["visible", "after_due_date", "hidden"])
def test_hidden_visibility_is_applied(visibility: str) -> None:
    course = course_with(hidden_visibility=visibility)
    results = grade_file(REPO / "tests" / "zoo" / "correct" / "fft.py", course).results
    seen = {t["name"]: t["visibility"] for t in results["tests"]}
    assert all(seen[q] == visibility for q in QUESTIONS)
    assert seen["Public Tests"] == "visible"
    assert seen["grading details (instructors only)"] == "hidden"


@pytest.mark.parametrize("rule", ["first", "all", "split"])
def test_the_tie_rule_decides_what_is_correct(rule: str, tmp_path) -> None:
    from cnn_backprop.mutation import correct_sources

    course = course_with(tie_rule=rule)
    points = course.config.points
    name, source = next(iter(correct_sources(REPO, rule).items()))
    path = tmp_path / "student.py"
    path.write_text(source)
    assert grade_file(path, course).total == pytest.approx(course.config.total), name
    if rule != "first":  # the default rule's solution is now wrong on ties
        path.write_text(next(iter(correct_sources(REPO, "first").values())))
        scores = grade_file(path, course).scores
        assert scores["maxpool1d_backward"] < points["maxpool1d_backward"]
        for conv in ("conv1d_backward_w", "conv1d_backward_input"):
            assert scores[conv] == pytest.approx(points[conv])


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ("first", "Break ties by the first maximal element"),
        ("all", "give the whole delta to every maximal element"),
        ("split", "share the delta equally among the maximal elements"),
    ],
)
def test_the_handout_states_the_course_tie_rule(rule: str, sentence: str) -> None:
    from cnn_backprop.handout import build_module, build_notebook, public_tests

    course = course_with(tie_rule=rule)
    text = "\n".join(cell.source for cell in build_notebook(course).cells)
    assert sentence in text
    assert "<!--" not in text.replace("<!-- cell -->", "")
    module = build_module(course)
    assert {"first": "FIRST maximal", "all": "EVERY maximal", "split": "SHARE the delta"}[
        rule
    ] in module
    # the public test's tied window [3, 1, 3] with delta a: the course's rule only
    tied = {
        "first": "expected = [[[a, 0.0, b + c, 0.0, 0.0]]]",
        "all": "expected = [[[a, 0.0, a + b + c, 0.0, 0.0]]]",
        "split": "expected = [[[a / 2, 0.0, a / 2 + b + c, 0.0, 0.0]]]",
    }
    pool = public_tests(course)["maxpool1d_backward.py"]
    assert [r for r, line in tied.items() if line in pool] == [rule]


@pytest.mark.parametrize("reveal", [False, True])
def test_reveal_hidden_cases_shows_the_arrays_only_when_asked(reveal: bool, tmp_path) -> None:
    from cnn_backprop.mutation import zoo

    course = course_with(reveal_hidden_cases=reveal)
    mistake = next(m for m in zoo(REPO).MISTAKES if m.name == "conv_input_forgot_flip")
    path = tmp_path / "student.py"
    path.write_text(zoo(REPO).submission_source(mistake))
    results = grade_file(path, course).results
    hidden = next(t["output"] for t in results["tests"] if t["name"] == "conv1d_backward_input")
    assert ("expected (" in hidden) is reveal
    assert "Likely cause" in hidden


@pytest.mark.parametrize(
    ("show_hidden", "expected"), [(False, "hidden"), (True, "after_published")]
)
def test_visibility_follows_otter_show_hidden_when_unset(
    show_hidden, expected, course_root
) -> None:
    root, otter = course_root
    otter.update(plugins=[config.PLUGIN], show_hidden=show_hidden)
    (root / "otter_config.json").write_text(json.dumps(otter))
    assert load(root).config.hidden_visibility == expected


# ---- Every configuration mistake, as an instructor makes it: in otter_config.json ------------

ALL_FEATURES = "batch, channels, stride, padding, dilation, float32"
VISIBILITY_VALUES = "'visible', 'after_due_date', 'after_published', 'hidden'"
QUESTION_LIST = ", ".join(QUESTIONS)


def _plugin(otter: dict) -> dict:
    return otter["plugins"][0][config.PLUGIN]


def _zero_weights(otter: dict) -> None:
    from cnn_backprop.suite import declared_cases

    weights = {c.name: 0 for c in declared_cases(COURSE.suite_files("conv1d_backward_w"))}
    _plugin(otter)["group_points"] = {"conv1d_backward_w": weights}


MISTAKES = {  # what the instructor wrote -> what the message must name (key, allowed values)
    "unknown plugin key": (
        lambda o: _plugin(o).update(tie_rules="first"),
        ["unknown key 'tie_rules'", "tie_rule, points, group_points", "did you mean 'tie_rule'"],
    ),
    "tie rule": (
        lambda o: _plugin(o).update(tie_rule="last"),
        ["tie_rule must be one of 'first', 'all', 'split'", "'last'"],
    ),
    "points for no question": (
        lambda o: _plugin(o)["points"].update(conv1d_forward=5),
        ["points.conv1d_forward: not a question", QUESTION_LIST],
    ),
    "points not a number": (
        lambda o: _plugin(o)["points"].update(maxpool1d_backward="ten"),
        ["points.maxpool1d_backward must be a positive number", "'ten'"],
    ),
    "points negative": (
        lambda o: _plugin(o)["points"].update(conv1d_backward_w=-10),
        ["points.conv1d_backward_w must be a positive number", "-10"],
    ),
    "group_points for no question": (
        lambda o: _plugin(o).update(group_points={"maxpool": {"ties": 2}}),
        ["group_points.maxpool: not a question", QUESTION_LIST],
    ),
    "group_points for no case": (
        lambda o: _plugin(o).update(group_points={"maxpool1d_backward": {"tie": 2}}),
        [
            "group_points.maxpool1d_backward.tie: no such case",
            "note example, ties and overlapping windows",
            "did you mean 'ties'",
        ],
    ),
    "group_points for a switched-off case": (
        lambda o: _plugin(o).update(
            features={"stride": False},
            group_points={"maxpool1d_backward": {"gaps_between_windows": 1}},
        ),
        ["group_points.maxpool1d_backward.gaps_between_windows", "features.stride is false"],
    ),
    "group_points weight not a number": (
        lambda o: _plugin(o).update(group_points={"maxpool1d_backward": {"ties": "2"}}),
        ["group_points.maxpool1d_backward.ties must be a non-negative number", "'2'"],
    ),
    "group_points all zero": (
        _zero_weights,
        ["group_points.conv1d_backward_w: every case of conv1d_backward_w weighs 0"],
    ),
    "flag not a boolean": (
        lambda o: _plugin(o).update(public_tests_count="yes"),
        ["public_tests_count must be true or false", "'yes'"],
    ),
    "visibility": (
        lambda o: _plugin(o).update(hidden_visibility="sometimes"),
        [f"hidden_visibility must be one of {VISIBILITY_VALUES}", "'sometimes'"],
    ),
    "scope": (
        lambda o: _plugin(o).update(scope="all"),
        ["scope must be one of 'full', 'note'", "'all'"],
    ),
    "unknown feature": (
        lambda o: _plugin(o).update(features={"dilatation": False}),
        ["features.dilatation: unknown feature", ALL_FEATURES, "did you mean 'dilation'"],
    ),
    "feature not a boolean": (
        lambda o: _plugin(o).update(features={"float32": "off"}),
        ["features.float32 must be true or false", "'off'"],
    ),
    "plugin block not an object": (
        lambda o: o.update(plugins=[{config.PLUGIN: ["first"]}]),
        ["must be an object of keys (tie_rule, points, group_points"],
    ),
    "unknown Otter key": (
        lambda o: o.update(show_hiden=True),
        ["unknown key 'show_hiden'", "Otter keys: ", "did you mean 'show_hidden'"],
    ),
    "Otter key of the wrong type": (
        lambda o: o.update(points_possible="thirty"),
        ["points_possible must be a number or null", "'thirty'"],
    ),
    "Otter flag of the wrong type": (
        lambda o: o.update(show_stdout="no"),
        ["show_stdout must be true or false", "'no'"],
    ),
    "points_possible differs from the points": (
        lambda o: o.update(points_possible=25),
        ["points_possible is 25", f"add up to {COURSE.config.total:g}", "make them equal"],
    ),
    "the plugin left out": (
        lambda o: o.update(plugins=["cnn_backprop.otter_plugin.SandboxGrading"]),
        ['plugins must list "cnn_backprop.otter_plugin.SandboxedGrading"', "SandboxGrading"],
    ),
    "another language": (
        lambda o: o.update(lang="r"),
        ['lang must be "python"'],
    ),
}


@pytest.fixture
def course_root(tmp_path: Path):
    """A copy of the course's sources whose otter_config.json a test can edit."""
    root = copy_course(tmp_path / "course")
    return root, json.loads((root / "otter_config.json").read_text())


@pytest.mark.parametrize("kind", list(MISTAKES))
def test_each_configuration_mistake_stops_the_build_naming_key_and_values(
    kind: str, course_root, tmp_path: Path, capsys
) -> None:
    from cnn_backprop import cli

    root, otter = course_root
    edit, expected = MISTAKES[kind]
    edit(otter)
    (root / "otter_config.json").write_text(json.dumps(otter, indent=2))
    out = tmp_path / "dist"
    assert cli.main(["--course", str(root), "build", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("cnn-backprop: configuration error: otter_config.json"), err
    assert len(err.splitlines()) == 1, err  # one sentence, no traceback
    for words in expected:
        assert words in err, f"{words!r} not in {err!r}"
    assert not out.exists(), "nothing may be built from a broken configuration"


def test_a_configuration_that_is_not_json_is_named(course_root, tmp_path: Path, capsys) -> None:
    from cnn_backprop import cli

    root, _ = course_root
    (root / "otter_config.json").write_text('{"points_possible": 30,}')
    assert cli.main(["--course", str(root), "build", "--out", str(tmp_path / "dist")]) == 2
    err = capsys.readouterr().err
    assert "otter_config.json: not valid JSON" in err and "line 1" in err


def test_grade_and_check_stop_on_a_bad_configuration_too(course_root, tmp_path, capsys) -> None:
    from cnn_backprop import cli

    root, otter = course_root
    _plugin(otter)["tie_rule"] = "last"
    (root / "otter_config.json").write_text(json.dumps(otter))
    submission = REPO / "tests" / "zoo" / "correct" / "loops.py"
    course = ["--course", str(root)]
    assert cli.main([*course, "grade", str(submission), "--out", str(tmp_path / "graded")]) == 2
    assert cli.main([*course, "check", str(submission)]) == 2
    err = capsys.readouterr().err
    assert err.count("tie_rule must be one of 'first', 'all', 'split'") == 2
    assert not (tmp_path / "graded").exists()
