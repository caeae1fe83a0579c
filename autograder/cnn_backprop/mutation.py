"""Mutation testing of the graded suites: every catalogued mistake must lose points, always.

The catalogue of realistic wrong implementations and the correct solutions in several styles
live in the course's ``tests/zoo/`` (test data of a checkout, never shipped: this module is
left out of the autograder zip).  Here they are run in-process (trusted code, no sandbox
needed) against the hidden and public suites for many seeds, which is what the
per-submission randomisation could draw.

``cnn-backprop mutants`` prints the kill matrix: for each mistake, the share of seeds on which
each case of its function's suite fails, and whether the feedback named the mistake.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from .checks import LocalFunction
from .config import CourseConfig
from .course import Course, load
from .suite import load_question, run_question

ZOO = Path("tests") / "zoo"


class ZooMissing(FileNotFoundError):
    """The course folder has no ``tests/zoo`` (an installed copy, or the zip's bundle)."""


@functools.lru_cache(maxsize=16)
def variant(root: Path, tie_rule: str = "first", scope: str = "full") -> Course:
    """The course at ``root`` with the default settings but this tie rule and scope."""
    return load(root, block={"tie_rule": tie_rule, "scope": scope})


def zoo(root: Path) -> ModuleType:
    """The catalogue module ``tests/zoo/mistakes.py`` of the course at ``root``."""
    path = Path(root) / ZOO / "mistakes.py"
    if not path.is_file():
        raise ZooMissing(f"{path} not found: the kill matrix needs a checkout's tests/zoo")
    name = f"zoo_mistakes_{abs(hash(str(path.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses need their module registered
    spec.loader.exec_module(module)
    return module


def correct_styles(root: Path) -> dict[str, str]:
    folder = Path(root) / ZOO / "correct"
    return {p.stem: p.read_text() for p in sorted(folder.glob("*.py"))}


def functions(course: Course, source: str) -> dict[str, Any]:
    """The graded functions of a submission's source (as the suites receive them), and the
    course's given forward passes."""
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(compile(source, "<submission>", "exec"), namespace)
    env: dict[str, Any] = {
        q.name: LocalFunction(namespace.get(q.name), q, course) if q.name in namespace else None
        for q in course.questions
    }
    env.update(course.given())
    return env


class SuiteError(RuntimeError):
    """A case could not run at all: a bug of the suites or of this harness, never a kill."""


def _judged(results: list[Any]) -> list[Any]:
    broken = [r.message for r in results if "the grader could not run this case" in r.message]
    if broken:
        raise SuiteError("; ".join(broken[:3]))
    return results


# which catalogued mistakes are the correct implementation under another tie rule
TIE_RULE_MISTAKES = {"all": "pool_all_ties_get_delta", "split": "pool_splits_ties"}


def expected_wrong(mistakes: Iterable[Any], tie_rule: str) -> list[Any]:
    """The catalogue under ``tie_rule``: the rule's own implementation is not a mistake."""
    return [m for m in mistakes if m.name != TIE_RULE_MISTAKES.get(tie_rule)]


def in_scope(root: Path, mistakes: Iterable[Any], settings: CourseConfig) -> list[Any]:
    """The mistakes a course's cases can see: those whose features are all on."""
    needs = getattr(zoo(root), "NEEDS", {})
    return [m for m in mistakes if all(settings.enabled(f) for f in needs.get(m.name, ()))]


def correct_sources(root: Path, tie_rule: str) -> dict[str, str]:
    """Correct submissions under ``tie_rule``: the styles, with the rule's own pooling."""
    styles = correct_styles(root)
    if tie_rule == "first":
        return styles
    by_name = {m.name: m for m in zoo(root).MISTAKES}
    rule_pool = by_name[TIE_RULE_MISTAKES[tie_rule]].source
    return {f"{name}+{tie_rule}": text + "\n\n" + rule_pool for name, text in styles.items()}


def survivors(
    root: Path,
    settings: Mapping[str, str],
    source: str,
    questions: Iterable[str],
    seeds: Iterable[int],
    *,
    full: bool,
) -> list[tuple[str, int, str]]:
    """Run ``source`` against the suites of ``questions`` of the course at ``root``, with
    ``settings`` (``tie_rule``, ``scope``); plain arguments, so it runs in a process pool.

    ``full=False`` (a mistake): return the (question, seed, "") pairs on which NO case failed,
    stopping at the first failure of each seed.  ``full=True`` (a correct solution): return
    (question, seed, message) for every case that failed.
    """
    course = variant(Path(root), **settings)
    features = course.config.features
    env = functions(course, source)
    found = []
    for question in questions:
        tf = load_question(course, question)
        for seed in seeds:
            if full:
                results = _judged(run_question(tf, env, seed, features).test_case_results)
                found += [(question, seed, r.message) for r in results if not r.passed]
                continue
            for tc in tf.test_cases:
                single = type(tf)(tf.name, tf.path, [tc], all_or_nothing=False)
                if not _judged(run_question(single, env, seed, features).test_case_results)[
                    0
                ].passed:
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


def kill_row(
    course: Course, mistake: Any, seeds: Iterable[int], expected: set[str] | None = None
) -> Row:
    """Run the mistake's question on ``seeds``; ``expected``: the diagnosis keys naming it."""
    catalogue = course.question(mistake.function).catalogue
    clauses = [catalogue.cause(key).says for key in expected or ()]
    env = functions(course, zoo(course.root).submission_source(mistake))
    tf = load_question(course, mistake.function)
    row = Row(mistake.name, mistake.function, 0, 0, {tc.name: 0 for tc in tf.test_cases}, 0)
    for seed in seeds:
        results = _judged(run_question(tf, env, seed, course.config.features).test_case_results)
        row.seeds += 1
        failed = [r for r in results if not r.passed]
        row.killed += bool(failed)
        for r in failed:
            row.cases[r.test_case.name] += 1
        if any(c in (r.message or "") for r in failed for c in clauses):
            row.named += 1
    return row


def main(course: Course, seeds: int, tie_rule: str, out: Any = None, scope: str = "full") -> int:
    """Print the kill matrix for ``seeds`` seeds under ``tie_rule``; 0 if every mistake dies."""
    variant_course = variant(course.root, tie_rule, scope)
    return _matrix(variant_course, seeds, tie_rule, out or sys.stdout)


def _matrix(course: Course, seeds: int, tie_rule: str, out: Any) -> int:
    catalogue = zoo(course.root)
    anchors = getattr(catalogue, "DIAGNOSES", {})
    mistakes = in_scope(course.root, expected_wrong(catalogue.MISTAKES, tie_rule), course.config)
    rows = [kill_row(course, m, range(seeds), anchors.get(m.name)) for m in mistakes]
    scope = course.config.scope
    print(
        f"kill matrix: {len(rows)} mistakes x {seeds} seeds, tie rule '{tie_rule}', "
        f"scope '{scope}'",
        file=out,
    )
    print("(each cell: % of seeds on which the case failed; '.' never)\n", file=out)
    for question in course.names:
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
    sys.exit(main(load(), int(sys.argv[1]) if len(sys.argv) > 1 else 200, "first"))
