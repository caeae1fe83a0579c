"""Mutation testing of the graded suites: every catalogued mistake must lose points, always.

The catalogue of realistic wrong implementations and the correct solutions in several styles
live in the checkout's ``tests/zoo/`` (they are test data, never shipped).  Here they are run
in-process (trusted code, no sandbox needed) against the hidden and public suites for many
seeds, which is what the per-submission randomisation could draw.

``cnn-backprop mutants`` prints the kill matrix: for each mistake, the share of seeds on which
each case of its function's suite fails, and whether the feedback named the mistake.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import FORWARD, QUESTIONS, config, paths
from .suite import load_question, run_question


def zoo() -> ModuleType:
    """The catalogue module ``tests/zoo/mistakes.py`` from the checkout."""
    path = paths.root() / "tests" / "zoo" / "mistakes.py"
    if "zoo_mistakes" in sys.modules:
        return sys.modules["zoo_mistakes"]
    spec = importlib.util.spec_from_file_location("zoo_mistakes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["zoo_mistakes"] = module  # dataclasses need their module registered
    spec.loader.exec_module(module)
    return module


def correct_styles() -> dict[str, str]:
    folder = paths.root() / "tests" / "zoo" / "correct"
    return {p.stem: p.read_text() for p in sorted(folder.glob("*.py"))}


def functions(source: str) -> dict[str, Any]:
    """The graded functions (and the reference forward passes) of a submission's source."""
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(compile(source, "<submission>", "exec"), namespace)
    env = {q: namespace.get(q) for q in QUESTIONS}
    env.update({f: getattr(paths.reference(), f) for f in FORWARD})
    return env


# which catalogued mistakes are the correct implementation under another tie rule
TIE_RULE_MISTAKES = {"all": "pool_all_ties_get_delta", "split": "pool_splits_ties"}


def expected_wrong(mistakes: Iterable[Any], tie_rule: str) -> list[Any]:
    """The catalogue under ``tie_rule``: the rule's own implementation is not a mistake."""
    return [m for m in mistakes if m.name != TIE_RULE_MISTAKES.get(tie_rule)]


def in_scope(mistakes: Iterable[Any], course: config.CourseConfig) -> list[Any]:
    """The mistakes a course's cases can see: those whose features are all on."""
    needs = getattr(zoo(), "NEEDS", {})
    return [m for m in mistakes if all(course.enabled(f) for f in needs.get(m.name, ()))]


def correct_sources(tie_rule: str) -> dict[str, str]:
    """Correct submissions under ``tie_rule``: the styles, with the rule's own pooling."""
    styles = correct_styles()
    if tie_rule == "first":
        return styles
    by_name = {m.name: m for m in zoo().MISTAKES}
    rule_pool = by_name[TIE_RULE_MISTAKES[tie_rule]].source
    return {f"{name}+{tie_rule}": text + "\n\n" + rule_pool for name, text in styles.items()}


def survivors(
    source: str,
    questions: Iterable[str],
    seeds: Iterable[int],
    course: config.CourseConfig,
    *,
    full: bool,
) -> list[tuple[str, int, str]]:
    """Run ``source`` against the suites of ``questions``.

    ``full=False`` (a mistake): return the (question, seed, "") pairs on which NO case failed,
    stopping at the first failure of each seed.  ``full=True`` (a correct solution): return
    (question, seed, message) for every case that failed.
    """
    config.use(course)
    env = functions(source)
    found = []
    for question in questions:
        tf = load_question(question)
        for seed in seeds:
            if full:
                run_question(tf, env, seed)
                found += [(question, seed, r.message) for r in tf.test_case_results if not r.passed]
                continue
            for tc in tf.test_cases:
                single = type(tf)(tf.name, tf.path, [tc], all_or_nothing=False)
                if not run_question(single, env, seed).test_case_results[0].passed:
                    break
            else:
                found.append((question, seed, ""))
    return found


@dataclass
class Row:
    mistake: str
    function: str
    seeds: int
    killed: int  # seeds on which the function lost points
    cases: dict[str, int]  # case name -> seeds on which it failed
    named: int  # seeds on which a failing message named the expected diagnosis


def kill_row(mistake: Any, seeds: Iterable[int], expected: set[str] | None = None) -> Row:
    """Run the mistake's question on ``seeds``; ``expected``: the diagnosis keys naming it."""
    from .diagnosis import CAUSES

    clauses = [CAUSES[key].says for key in expected or ()]
    env = functions(zoo().submission_source(mistake))
    tf = load_question(mistake.function)
    row = Row(mistake.name, mistake.function, 0, 0, {tc.name: 0 for tc in tf.test_cases}, 0)
    for seed in seeds:
        run_question(tf, env, seed)
        row.seeds += 1
        failed = [r for r in tf.test_case_results if not r.passed]
        row.killed += bool(failed)
        for r in failed:
            row.cases[r.test_case.name] += 1
        if any(c in (r.message or "") for r in failed for c in clauses):
            row.named += 1
    return row


def main(seeds: int, tie_rule: str, out: Any = None, scope: str = "full") -> int:
    """Print the kill matrix for ``seeds`` seeds under ``tie_rule``; 0 if every mistake dies."""
    previous = config.load()
    config.use(config.parse({"tie_rule": tie_rule, "scope": scope}))
    try:
        return _matrix(seeds, tie_rule, out or sys.stdout)
    finally:
        config.use(previous)


def _matrix(seeds: int, tie_rule: str, out: Any) -> int:
    anchors = getattr(zoo(), "DIAGNOSES", {})
    rows = [
        kill_row(m, range(seeds), anchors.get(m.name))
        for m in in_scope(expected_wrong(zoo().MISTAKES, tie_rule), config.load())
    ]
    scope = config.load().scope
    print(
        f"kill matrix: {len(rows)} mistakes x {seeds} seeds, tie rule '{tie_rule}', "
        f"scope '{scope}'",
        file=out,
    )
    print("(each cell: % of seeds on which the case failed; '.' never)\n", file=out)
    for question in QUESTIONS:
        mine = [r for r in rows if r.function == question]
        if not mine:
            continue
        cases = list(mine[0].cases)
        width = max(len(r.mistake) for r in mine)
        print(question, file=out)
        print(
            " " * width + "  killed  named  " + "  ".join(c[:8].ljust(8) for c in cases), file=out
        )
        for r in mine:
            cells = [
                (f"{100 * r.cases[c] // r.seeds}%" if r.cases[c] else ".").ljust(8) for c in cases
            ]
            named = f"{100 * r.named // r.seeds}%" if r.mistake in anchors else "-"
            killed = f"{100 * r.killed // r.seeds}%"
            print(
                f"{r.mistake.ljust(width)}  {killed:>6}  {named:>5}  " + "  ".join(cells), file=out
            )
        print(file=out)
    survivors = [r.mistake for r in rows if r.killed < r.seeds]
    diagnosed = [r for r in rows if r.mistake in anchors]
    named_all = sum(r.named == r.killed for r in diagnosed)
    print(f"killed on every seed: {len(rows) - len(survivors)} of {len(rows)}", file=out)
    if survivors:
        print("SURVIVED on some seed: " + ", ".join(survivors), file=out)
    if diagnosed:
        print(
            f"named by the feedback whenever killed: {named_all} of {len(diagnosed)} "
            f"({100 * named_all // len(diagnosed)}%)",
            file=out,
        )
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200, "first"))
