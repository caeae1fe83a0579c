"""Feedback that names the mistake: every catalogued wrong submission, through the real suites.

Each mistake of ``tests/zoo/mistakes.py`` is run through its question's graded suite in
process (``suite.load_question`` + ``run_question``, exactly as the grader runs them) on a few
seeds, and the failing cases' messages are read back:

* **named**: at least one failing case's message states the mistake's cause (its fixed
  clause from the question's catalogue);
* **misnamed**: a failing case claims a cause ("Likely cause: ...") that is not one of the
  mistake's.  This is the serious error: a wrong lead costs a student more than no lead.

The share of mistakes named (and never misnamed) is printed with the misses, and must be
complete.  Correct submissions in every style pass every case, so they never get a diagnosis;
and the transforms themselves are checked: the untouched trusted computations agree with the
reference, and no transform is ever offered when it equals the right answer.

About 10 s.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from checkout import COURSE, QUESTIONS, course_with
from cnn_backprop import diagnosis
from cnn_backprop.cases import ConvCase, PoolCase, draw_conv, draw_pool
from cnn_backprop.checks import TOLERANCE, SubmittedFunction
from cnn_backprop.course import Course
from cnn_backprop.handout import public_tests
from cnn_backprop.questions.conv import conv_w, conv_x
from cnn_backprop.questions.pool import pool
from cnn_backprop.sandbox import CallResult, SubmissionError
from cnn_backprop.suite import load_question, run_question
from otter.test_files import ExceptionTestFile
from zoo.mistakes import CORRECT_DIR, DIAGNOSES, MISTAKES, Mistake, submission_source

REPO = Path(__file__).resolve().parents[1]
SEEDS = (0, 1, 2, 3)
CONV_W, CONV_INPUT, POOL = QUESTIONS

EXPECTED = DIAGNOSES  # what each catalogued mistake should be called (tests/zoo)


def load_function(source: str, function: str) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(compile(source, "<submission>", "exec"), namespace)
    return namespace[function]


def forward_functions(course: Course = COURSE) -> dict[str, Any]:
    return course.given()


def submitted(functions: dict[str, Callable[..., Any]], name: str, course: Course = COURSE):
    """The grader's stand-in for a student's function, called in process."""
    return SubmittedFunction(InProcessSandbox(functions), course.question(name), course)


class InProcessSandbox:
    """The sandbox's calling contract, in process: copies in, float64 answer and inputs out.

    It lets the public cases reach ``SubmittedFunction.__call__`` (the grader's path for
    them) without starting a child process.
    """

    def __init__(self, functions: dict[str, Callable[..., Any]]) -> None:
        self.functions = functions

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> CallResult:
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            value = np.asarray(self.functions[name](*copies, **kwargs))
        except Exception as exc:
            raise SubmissionError(f"raised {type(exc).__name__}: {exc}") from None
        return CallResult(
            value=np.array(value, dtype=np.float64, copy=True),
            returned_dtype=str(value.dtype),
            inputs_after=[c if isinstance(c, np.ndarray) else None for c in copies],
            seconds=0.0,
        )


def causes_of(function: str) -> dict[str, diagnosis.Cause]:
    """The causes a message about ``function`` can state: its own and the shared ones."""
    return {**diagnosis.COMMON, **COURSE.question(function).catalogue.causes}


def causes_in(message: str, function: str) -> set[str]:
    """The causes a message states, recognised by their fixed clauses."""
    return {key for key, cause in causes_of(function).items() if cause.says in message}


def failing_messages(
    mistake: Mistake, seeds: tuple[int, ...], *, public: bool, course: Course = COURSE
) -> list[str]:
    """The messages of the failing cases of the mistake's question (hidden, or public)."""
    fn = load_function(submission_source(mistake), mistake.function)
    files = course.suite_files(mistake.function)
    # as in the grader: the suites get the grader's stand-in (public tests call it directly)
    function = submitted({mistake.function: fn}, mistake.function, course)
    files, seeds = (files[:1], (0,)) if public else (files[1:], seeds)
    env = {mistake.function: function, **forward_functions(course)}
    messages = []
    features = course.config.features
    for seed in seeds:
        question = load_question(course, mistake.function, files=files)
        tf = run_question(question, env, seed, features)
        messages += [r.message for r in tf.test_case_results if not r.passed]
    return messages


def score(messages: list[str], mistake: Mistake) -> tuple[int, int, list[str]]:
    """(cases naming the mistake, cases naming something else, the misnaming messages)."""
    expected = EXPECTED[mistake.name]
    named = wrong = 0
    wrong_messages = []
    for message in messages:
        stated = causes_in(message, mistake.function)
        if stated & expected:
            named += 1
        elif stated and "Likely cause" in message:
            wrong += 1
            wrong_messages.append(message)
    return named, wrong, wrong_messages


# ------------------------------------------------------------------------- the measure


def test_every_catalogued_mistake_is_named_and_none_misnamed() -> None:
    started = time.monotonic()
    rows, misses, misnamed = [], [], []
    for mistake in MISTAKES:
        messages = failing_messages(mistake, SEEDS, public=False)
        named, wrong, wrong_messages = score(messages, mistake)
        rows.append((mistake.name, len(messages), named, wrong))
        if not named:
            misses.append(f"{mistake.name}: {messages[:1]}")
        misnamed += [f"{mistake.name}: {m}" for m in wrong_messages]
    cases = sum(r[1] for r in rows)
    cases_named = sum(r[2] for r in rows)
    share = sum(bool(r[2]) and not r[3] for r in rows) / len(rows)
    print(
        f"\nhidden suites, seeds {SEEDS}: {share:.0%} of {len(rows)} mistakes named "
        f"(and never misnamed); {cases_named} of {cases} failing cases name the cause "
        f"({time.monotonic() - started:.1f} s)"
    )
    for name, total, named, wrong in rows:
        print(
            f"  {name:34s} {named:3d}/{total:3d} cases named"
            + (f", {wrong} misnamed" * bool(wrong))
        )
    for line in misses:
        print("  MISSED", line[:300])
    assert set(EXPECTED) == {m.name for m in MISTAKES}, "map every catalogued mistake"
    assert not misnamed, "\n".join(misnamed)
    assert not misses, "\n".join(misses)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_public_cases_name_the_mistake_too(mistake: Mistake) -> None:
    messages = failing_messages(mistake, (0,), public=True)
    _, wrong, wrong_messages = score(messages, mistake)
    assert not wrong, wrong_messages
    for message in messages:  # the grader's feedback, not the test's bare assertion
        assert "see the handout" in message or "modified its input" in message, message


def student_messages(mistake: Mistake) -> dict[str, str]:
    """The failing checks of the students' copy of the public tests, run as in a notebook.

    The copy is exactly what the build writes to ``tests/`` (its own ``check`` and table of
    mistakes); the function is the student's own, called in process by Otter's test runner.
    """
    fn = load_function(submission_source(mistake), mistake.function)
    text = public_tests(COURSE)[f"{mistake.function}.py"]
    tf = ExceptionTestFile.from_string(text, path=f"tests/{mistake.function}.py")
    tf.run({mistake.function: fn, **forward_functions()})
    return {r.test_case.name: r.message for r in tf.test_case_results if not r.passed}


def grader_messages(mistake: Mistake) -> dict[str, str]:
    """The grader's messages for the same public cases (through ``SubmittedFunction``)."""
    fn = load_function(submission_source(mistake), mistake.function)
    function = submitted({mistake.function: fn}, mistake.function)
    env = {mistake.function: function, **forward_functions()}
    files = COURSE.suite_files(mistake.function)[:1]
    question = load_question(COURSE, mistake.function, files=files)
    tf = run_question(question, env, 0, COURSE.config.features)
    return {r.test_case.name: r.message for r in tf.test_case_results if not r.passed}


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.name)
def test_students_public_tests_name_the_cause_as_the_grader_does(mistake: Mistake) -> None:
    """Locally, a student's failing public test names the same cause as Gradescope would."""
    mine, grader = student_messages(mistake), grader_messages(mistake)
    assert set(mine) == set(grader), (mine, grader)  # the same checks fail
    for case_name, message in mine.items():
        stated = causes_in(message, mistake.function)
        assert stated == causes_in(grader[case_name], mistake.function), (
            message,
            grader[case_name],
        )
        assert "see the handout" in message or "See the handout" in message, message
        assert not stated or stated & EXPECTED[mistake.name], message  # never misnamed


def test_most_catalogued_mistakes_fail_a_public_test_with_their_cause() -> None:
    """The public tests catch the common mistakes before Gradescope does, and say which."""
    named = [m.name for m in MISTAKES if any(
        causes_in(text, m.function) & EXPECTED[m.name] or "modified its input" in text
        for text in student_messages(m).values()
    )]  # fmt: skip
    missed = sorted({m.name for m in MISTAKES} - set(named))
    print(f"\npublic tests name {len(named)} of {len(MISTAKES)} catalogued mistakes; not: {missed}")
    assert not missed


def failing_results(mistake: Mistake, seed: int, *, public: bool) -> list[Any]:
    """The failing case results (Otter's, with their causes) of the mistake's question."""
    fn = load_function(submission_source(mistake), mistake.function)
    files = COURSE.suite_files(mistake.function)
    function = submitted({mistake.function: fn}, mistake.function)
    env = {mistake.function: function, **forward_functions()}
    question = load_question(COURSE, mistake.function, files=files[:1] if public else files[1:])
    results = run_question(question, env, seed, COURSE.config.features).test_case_results
    return [r for r in results if not r.passed]


@pytest.mark.parametrize("public", [False, True], ids=["hidden", "public"])
def test_failures_carry_the_causes_they_state_as_data(public: bool) -> None:
    """The class report counts ``causes``: they must be exactly what each message says."""
    named = set()
    for mistake in MISTAKES:
        for result in failing_results(mistake, 0, public=public):
            stated = causes_in(result.message, mistake.function)
            if "Likely cause" not in result.message and "modified its input" not in result.message:
                stated = set()  # a clause quoted without being claimed is not a cause
            assert set(result.causes) == stated, (mistake.name, result.causes, result.message)
            if result.causes:  # one of them is right (several: the case cannot tell them apart)
                assert set(result.causes) & EXPECTED[mistake.name], (mistake.name, result.causes)
            named |= {mistake.name} if result.causes else set()
    if not public:  # on the hidden cases, every catalogued mistake is named on one seed
        assert named == {m.name for m in MISTAKES}


def test_hidden_messages_show_no_arrays() -> None:
    for mistake in MISTAKES:
        for message in failing_messages(mistake, (0,), public=False):
            assert not re.search(r"\[\s*-?\d", message), message  # no printed array


def test_correct_styles_pass_everything_so_never_get_a_diagnosis() -> None:
    for path in sorted(CORRECT_DIR.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        functions = {q: load_function(source, q) for q in QUESTIONS}
        public = {q: submitted(functions, q) for q in QUESTIONS}
        for seed in SEEDS:
            for question in QUESTIONS:
                for files in (COURSE.suite_files(question)[1:], COURSE.suite_files(question)[:1]):
                    env = {**public, **forward_functions()}
                    suite = load_question(COURSE, question, files=files)
                    tf = run_question(suite, env, seed, COURSE.config.features)
                    failed = [r.message for r in tf.test_case_results if not r.passed]
                    assert not failed, (path.name, failed)


def variant(name: str, function: str, *edits: tuple[str, str]) -> Mistake:
    """``function`` of correct/loops.py with (old, new) edits: a mistake outside the catalogue."""
    text = (CORRECT_DIR / "loops.py").read_text(encoding="utf-8")
    node = next(n for n in ast.parse(text).body if getattr(n, "name", "") == function)
    source = ast.get_source_segment(text, node)
    assert source is not None
    for old, new in edits:
        assert source.count(old) == 1, (name, old)
        source = source.replace(old, new)
    return Mistake(name, function, "", source + "\n")


# Mistakes the catalogue does not have, for the transforms and readings it does not reach.
EXTRA: list[tuple[Mistake, set[str]]] = [
    (
        variant(
            "conv_input_float16_accumulation",
            CONV_INPUT,
            ("2 * padding))", "2 * padding), dtype=np.float16)"),
        ),
        {"precision-16"},
    ),
    (
        variant(
            "conv_w_float16_accumulation",
            CONV_W,
            ("kernel_size))", "kernel_size), dtype=np.float16)"),
        ),
        {"precision-16"},
    ),
    (
        variant(
            "pool_stride_argument_ignored",
            POOL,
            ("if stride is None:\n        stride = kernel_size", "stride = kernel_size"),
        ),
        {"p.stride", "p.index-past-end"},
    ),
    (
        variant(
            "pool_no_winner_below_zero",
            POOL,
            ("best, best_value = start, -np.inf", "best, best_value = None, 0.0"),
            (
                "dxpad[n, c, best] += delta[n, c, t]",
                "if best is not None:\n                    dxpad[n, c, best] += delta[n, c, t]",
            ),
        ),
        {"p.max-init"},
    ),
    (
        variant("conv_w_pads_left_only", CONV_W, ("(padding, padding)", "(2 * padding, 0)")),
        {"w.padding-left"},
    ),
    (
        variant(
            "conv_input_crops_one_early",
            CONV_INPUT,
            ("padding : padding + input_length]", "padding - 1 : padding - 1 + input_length]"),
        ),
        {"x.crop-early", "x.crop-left", "x.crop-negative"},  # at padding 1 or 0, the same
    ),
    (
        variant(
            "pool_window_one_long",
            POOL,
            (
                "range(start, start + kernel_size)",
                "range(start, min(start + kernel_size + 1, xpad.shape[2]))",
            ),
        ),
        {"p.window-long"},
    ),
    (
        variant(
            "conv_input_not_cropped",
            CONV_INPUT,
            ("dxpad[:, :, padding : padding + input_length]", "dxpad"),
        ),
        {"x.uncropped"},
    ),
    (
        variant("pool_not_cropped", POOL, ("dxpad[:, :, padding : padding + width]", "dxpad")),
        {"p.uncropped"},
    ),
    (
        variant(
            "conv_input_first_sample_alone",
            CONV_INPUT,
            ("for n in range(batch):", "for n in range(1):"),
        ),
        {"x.first-sample-only"},
    ),
]


@pytest.mark.parametrize("mistake, expected", EXTRA, ids=[m.name for m, _ in EXTRA])
def test_mistakes_beyond_the_catalogue(mistake: Mistake, expected: set[str]) -> None:
    messages = failing_messages(mistake, SEEDS, public=False)
    stated = [causes_in(message, mistake.function) for message in messages]
    assert any(s & expected for s in stated), messages[:3]
    wrong = [m for m, s in zip(messages, stated, strict=True) if s and not s & expected]
    assert not wrong, wrong


# ------------------------------------------------------------------ the transforms alone


def random_cases(rng: np.random.Generator, count: int) -> list[tuple[str, ConvCase | PoolCase]]:
    cases: list[tuple[str, ConvCase | PoolCase]] = []
    for _ in range(count):
        stride, padding, dilation = (int(v) for v in rng.integers(1, 4, size=3))
        conv = draw_conv(rng, stride=stride, padding=padding, dilation=dilation)
        cases += [(CONV_W, conv), (CONV_INPUT, conv)]
        k = int(rng.integers(1, 5))
        values = str(rng.choice(["normal", "ints", "constant", "negative"]))
        pool_stride = None if rng.random() < 0.3 else int(rng.integers(1, k + 2))
        padding = int(rng.integers(0, k // 2 + 1))
        cases.append(
            (
                POOL,
                draw_pool(rng, kernel_size=k, stride=pool_stride, padding=padding, values=values),
            )
        )
    return cases


def reference_answer(function: str, case: ConvCase | PoolCase) -> np.ndarray:
    ref = COURSE.reference
    if isinstance(case, PoolCase):
        kwargs: dict[str, int] = {"padding": case.padding}
        if case.stride is not None:
            kwargs["stride"] = case.stride
        return ref.maxpool1d_backward(case.x, case.delta, case.kernel_size, **kwargs)
    settings = dict(stride=case.stride, padding=case.padding, dilation=case.dilation)
    if function == CONV_W:
        return ref.conv1d_backward_w(case.x, case.delta, case.kernel_size, **settings)
    return ref.conv1d_backward_input(case.delta, case.w, case.x.shape[2], **settings)


def test_trusted_computations_agree_with_the_reference() -> None:
    """With no knob turned, each engine is an independent correct implementation."""
    rng = np.random.default_rng(7)
    for function, case in random_cases(rng, 60):
        if function == CONV_W:
            mine = conv_w(case)
        elif function == CONV_INPUT:
            mine = conv_x(case)
        else:
            mine = pool(case, rule="first")
        assert mine is not None
        np.testing.assert_allclose(mine, reference_answer(function, case), rtol=0, atol=1e-12)


def test_a_right_answer_is_never_diagnosed() -> None:
    rng = np.random.default_rng(11)
    for function, case in random_cases(rng, 60):
        expected = reference_answer(function, case)
        tolerance = TOLERANCE[case.x.dtype]
        question = COURSE.question(function)
        found = diagnosis.diagnose(question, case, expected, expected, tolerance=tolerance)
        assert found == [], (function, case.describe(), found)


def test_the_configured_tie_rule_is_never_called_a_mistake() -> None:
    """Under rule R the expected answer routes ties by R; the other rules are the mistakes."""
    rng = np.random.default_rng(3)
    for _ in range(40):
        case = draw_pool(rng, kernel_size=3, stride=int(rng.integers(1, 4)), values="constant")
        for configured in ("first", "all", "split"):
            expected = pool(case, rule=configured)
            for student in diagnosis.TIE_RULES:
                answer = pool(case, rule=student)
                found = diagnosis.diagnose(
                    COURSE.question(POOL),
                    case,
                    answer,
                    expected,
                    tolerance=1e-9,
                    tie_rule=configured,
                )
                keys = {c.key for c in found}
                assert f"p.ties-{configured}" not in keys
                if student != configured and not np.allclose(answer, expected):
                    assert f"p.ties-{student}" in keys, (configured, student, keys)


def test_tie_rule_comes_from_the_course_config() -> None:
    """The course's rule decides the expected answer: its own reference instance routes by it."""
    course = course_with(tie_rule="split")
    assert course.config.tie_rule == "split" and course.reference.TIE_RULE == "split"
    x, delta = np.array([[[3.0, 1.0, 3.0]]]), np.array([[[2.0]]])
    np.testing.assert_array_equal(course.reference.maxpool1d_backward(x, delta, 3), [[[1, 0, 1]]])
    assert COURSE.config.tie_rule == COURSE.reference.TIE_RULE  # untouched by another course


@pytest.mark.parametrize("rule", ["all", "split"])
def test_under_another_course_rule_first_is_the_mistake(rule: str) -> None:
    """With ties routed to all (or split), the usual first-maximum code is the one named."""
    course = course_with(tie_rule=rule)
    correct_first = next(m for m in MISTAKES if m.name == "pool_last_max_wins_ties")
    first = Mistake("first rule", POOL, "", correct_first.source.replace(">=", ">"))
    messages = failing_messages(first, SEEDS, public=False, course=course)
    assert messages, "the tie cases must fail under another rule"
    for message in messages:  # tiny windows may fit other mistakes too, never the course's rule
        assert "p.ties-first" in causes_in(message, POOL), message
        assert f"p.ties-{rule}" not in causes_in(message, POOL), message
    same = {"all": "pool_all_ties_get_delta", "split": "pool_splits_ties"}[rule]
    rule_own = next(m for m in MISTAKES if m.name == same)
    assert failing_messages(rule_own, SEEDS, public=False, course=course) == []


def test_exception_readings() -> None:
    rng = np.random.default_rng(0)
    case = draw_conv(rng, n=2, c_in=3, c_out=4, kernel_size=3, padding=2, outputs=9, unread=0)
    assert case.x.shape[2] == 7  # a width that no other axis has
    width = case.x.shape[2]
    message = f"raised IndexError: index {width} is out of bounds for axis 2 with size {width}"
    conv_w_question, conv_x_question = COURSE.question(CONV_W), COURSE.question(CONV_INPUT)
    found = diagnosis.diagnose_error(conv_w_question, case, message)
    assert [c.key for c in found] == ["w.index-unpadded"]
    message = "raised IndexError: index 3 is out of bounds for axis 1 with size 3"
    found = diagnosis.diagnose_error(conv_x_question, case, message)
    assert [c.key for c in found] == ["x.index-channels"]
    # a size that could be several axes (here N = 2 = ...) proves nothing: no reading
    message = "raised IndexError: index 2 is out of bounds for axis 2 with size 2"
    assert diagnosis.diagnose_error(conv_w_question, case, message) == []
    assert diagnosis.diagnose_error(conv_w_question, case, "raised ValueError: bad") == []


def test_messages_cite_real_handout_sections() -> None:
    """Every anchor exists once in the handout, under a heading that is exactly its title."""
    text = (REPO / "assignment" / "handout.md").read_text(encoding="utf-8")
    sections = COURSE.questions[0].sections
    assert sections
    for anchor, title in sections.items():
        found = re.search(rf'<a id="{re.escape(anchor)}"></a>\s*\n\s*#+ (.+)', text)
        assert found, anchor
        assert re.sub(r"^\d+\. ", "", found.group(1).strip()) == title, anchor
    for question in COURSE.questions:
        assert question.section in sections, question.name
        for cause in causes_of(question.name).values():
            assert not cause.anchor or cause.anchor in sections, cause.key
    for function in QUESTIONS:  # each cause is recognisable by its words
        clauses = [cause.says for cause in causes_of(function).values()]
        assert len(clauses) == len(set(clauses)), function
        for a in clauses:
            assert not any(a != b and a in b for b in clauses), a
