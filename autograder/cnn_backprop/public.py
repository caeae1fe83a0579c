"""The students' copy of a public test file: the course's tests only, and what mistakes return.

A public test file in ``tests/public/`` is written once, for every course: its cases declare
the features they need (``@case(..., needs=(...))``), expected values that depend on the tie
rule are written ``by_tie_rule(first=..., all=..., split=...)``, and each test checks its
answer with ``check(what, function, args, expected, **settings)``.  :func:`render` turns it into
what a student reads and what the grader runs:

* the cases of features the course switches off are left out, the others carry Otter's own
  ``@test_case(name=..., points=...)``, and ``by_tie_rule(...)`` becomes the course's value;
* ``check`` and its helpers are copied in from :mod:`cnn_backprop.public_check` (students have
  NumPy and Otter, nothing of this package);
* a table at the end says, for each check, what the autograder's catalogue of mistakes
  (:mod:`cnn_backprop.diagnosis`) returns on that check's inputs and what the autograder
  would say about each answer, so a failing check names the likely cause as the grader does.
  It is computed by running the rendered tests with a recorder in place of ``check``; each
  recorded expected value is also checked against the reference.  Only the public cases'
  inputs are evaluated: nothing of the hidden suites reaches the students' copy.
"""

from __future__ import annotations

import ast
import itertools
import json
import sys
import textwrap
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import checks, config, diagnosis, paths

if TYPE_CHECKING:
    from .course import Course
    from .questions import Question

HELPER = paths.PACKAGE_DIR / "public_check.py"
TABLES = ("MISTAKES: dict = {}", "HINTS: dict = {}")  # the helper's empty tables, replaced


class PublicTestError(ValueError):
    """A public test file cannot be rendered (a bad declaration, a wrong expected value...)."""


def render(course: Course, question: str, text: str, *, mistakes: bool = True) -> str:
    """The students' copy of ``question``'s public test file ``text``, for ``course``.

    ``mistakes=False`` leaves the table of mistakes empty (the grader names causes itself).
    """
    return _render(course, question, text, mistakes)


@lru_cache(maxsize=16)
def _render(course: Course, question: str, text: str, mistakes: bool) -> str:
    features, tie_rule = course.config.features, course.config.tie_rule
    enabled = dict(features)
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    body = list(tree.body)
    docstring = ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        docstring = _segment(lines, body.pop(0))
    imports = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
    kept_imports = [
        ast.get_source_segment(text, n) or ""
        for n in imports
        if not (isinstance(n, ast.ImportFrom) and (n.module or "").startswith("cnn_backprop"))
    ]
    head, helpers, tests = [], [], []
    for node in body:
        if node in imports:
            continue
        declared = _declaration(node)
        if declared is not None:
            if all(enabled.get(f, False) for f in declared["needs"]):
                tests.append(_student_test(lines, node, declared, tie_rule))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            helpers.append(_segment(lines, node))
        else:
            head.append(_segment(lines, node))
    helper_imports, helper_body = _helper()
    parts = [
        docstring,
        _import_block([*helper_imports, *kept_imports, "from otter.test_files import test_case"]),
        "".join(head),
        *helpers,
        *tests,  # the tests first, then how `check` compares (as the autograder does)
        "# How `check` judges an answer: the autograder's own criteria.\n\n" + helper_body.lstrip(),
    ]
    top, rest = parts[:3], parts[3:]  # the docstring, imports and constants, then code
    rendered = "\n\n".join(p.strip("\n") for p in top if p.strip())
    rendered += "\n\n\n" + "\n\n\n".join(p.strip("\n") for p in rest if p.strip()) + "\n"
    table = _table(course, question, rendered) if mistakes else {"MISTAKES": {}, "HINTS": {}}
    return rendered + "\n\n" + _table_text(table)


def _segment(lines: list[str], node: ast.AST) -> str:
    """A node's full lines, with the decorators and comments directly above it."""
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
    while start > 0 and lines[start - 1].lstrip().startswith("#"):
        start -= 1
    return "".join(lines[start : node.end_lineno])


def _declaration(node: ast.AST) -> dict[str, Any] | None:
    """The ``@case(...)`` arguments of a test function, or None for anything else."""
    if not isinstance(node, ast.FunctionDef):
        return None
    for deco in node.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "case":
            try:
                kw = {k.arg: ast.literal_eval(k.value) for k in deco.keywords}
                if deco.args:
                    kw["points"] = ast.literal_eval(deco.args[0])
            except ValueError:
                raise PublicTestError(
                    f"line {deco.lineno}: @case(...) takes literal values only"
                ) from None
            if kw.get("hidden", False):
                raise PublicTestError(f"line {deco.lineno}: a public case with hidden=True")
            kw.setdefault("name", node.name.removeprefix("test_"))
            kw["needs"] = tuple(kw.get("needs", ()))
            unknown = set(kw["needs"]) - set(config.FEATURES)
            if unknown:
                raise PublicTestError(f"case {kw['name']!r} needs unknown features {unknown}")
            return kw
    return None


def _student_test(lines: list[str], node: ast.FunctionDef, declared: dict, rule: str) -> str:
    """A test function as students read it: Otter's decorator, the course's expected values."""
    start, end = node.lineno - 1, node.end_lineno or node.lineno
    source = "".join(lines[start:end])
    offsets = [0, *itertools.accumulate(len(line) for line in lines[start:end])]

    def offset(lineno: int, col: int) -> int:  # ast columns count UTF-8 bytes
        line = lines[lineno - 1]
        return offsets[lineno - 1 - start] + len(line.encode()[:col].decode())

    edits = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "by_tie_rule":
            values = {k.arg: k.value for k in call.keywords}
            if sorted(values) != sorted(config.TIE_RULES) or call.args:
                raise PublicTestError(
                    f"line {call.lineno}: by_tie_rule needs {', '.join(config.TIE_RULES)}="
                )
            chosen = values[rule]
            value = source[
                offset(chosen.lineno, chosen.col_offset) : offset(
                    chosen.end_lineno, chosen.end_col_offset
                )
            ]
            edits.append((offset(call.lineno, call.col_offset), offset(
                call.end_lineno, call.end_col_offset
            ), value))  # fmt: skip
    for begin, stop, value in sorted(edits, reverse=True):
        source = source[:begin] + value + source[stop:]
    decorator = f"@test_case(name={_string(declared['name'])}, points={declared['points']!r})\n"
    return decorator + source


def _helper() -> tuple[list[str], str]:
    """``public_check.py``: its imports, and its code without the docstring and empty tables."""
    text = HELPER.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    code = lines[imports[-1].end_lineno :]
    for table in TABLES:  # the tables and the comment above them: the end of the file has them
        if table + "\n" not in code:
            raise PublicTestError(f"{HELPER.name} no longer defines {table!r}")
        at = code.index(table + "\n")
        start = at
        while start > 0 and code[start - 1].startswith("#"):
            start -= 1
        del code[start : at + 1]
    return [ast.get_source_segment(text, n) or "" for n in imports], "".join(code)


def _import_block(statements: list[str]) -> str:
    """Imports as isort would group them: the standard library, then NumPy and Otter."""
    unique = list(dict.fromkeys(s.strip() for s in statements))

    def top(statement: str) -> str:
        return statement.split()[1].split(".")[0]

    stdlib = sorted(s for s in unique if top(s) in sys.stdlib_module_names)
    others = [s for s in unique if s not in stdlib]
    others.sort(key=lambda s: (s.startswith("from"), top(s)))
    return "\n".join(stdlib) + ("\n\n" if stdlib else "") + "\n".join(others)


# ------------------------------------------------------------------------------- the table


def _table(course: Course, question: str, rendered: str) -> dict[str, Any]:
    """What each check's inputs give under every catalogued mistake, and what to say then."""
    calls: list[tuple[str, tuple, dict, Any]] = []

    def recorder(what: str, function: Any, args: Any, expected: Any, **settings: Any) -> None:
        calls.append((what, tuple(args), settings, expected))

    namespace: dict[str, Any] = {}
    exec(compile(rendered, f"<public tests of {question}>", "exec"), namespace)
    namespace["check"] = recorder  # the tests look it up when they run
    env = {question: SimpleNamespace(__name__=question)}
    env.update(course.given())
    from otter.test_files import test_case

    for value in list(namespace.values()):
        if isinstance(value, test_case):
            value.call_func(env)
    whats = [c[0] for c in calls]
    if len(set(whats)) != len(whats):
        raise PublicTestError(f"{question}: two checks share a description: {whats}")
    q = course.question(question)
    return {
        "HINTS": {
            "pointer": diagnosis.pointer(q),
            "in place": diagnosis.sentence(q, diagnosis.COMMON["inplace"]),
        },
        "MISTAKES": {what: _entry(course, q, what, a, s, e) for what, a, s, e in calls},
    }


def _entry(
    course: Course, question: Question, what: str, args: tuple, settings: dict, given: Any
) -> dict:
    name = question.name
    case = question.case_of_call(args, settings)
    if case is None:
        raise PublicTestError(f"{name}, check {what!r}: not a valid call of {name}")
    expected = question.expected(case)
    tolerance = checks.TOLERANCE[np.dtype(case.dtype)]
    if not diagnosis.close(np.asarray(given, dtype=np.float64), expected, tolerance):
        raise PublicTestError(
            f"{name}, check {what!r}: the test expects {np.asarray(given).ravel()}, but "
            f"the reference gives {expected.ravel()} on the same inputs"
        )
    rule = course.config.tie_rule
    answers: list[tuple[Any, str]] = []
    for _, transform in question.catalogue.transforms:
        wrong = transform(case, rule)
        if wrong is None or diagnosis.close(wrong, expected, tolerance):
            continue  # not applicable, or this check cannot tell it from a right answer
        if any(diagnosis.close(wrong, np.asarray(seen), tolerance) for seen, _ in answers):
            continue
        sentence, _ = diagnosis.explain(
            question, case, wrong, expected, tolerance=tolerance, tie_rule=rule
        )
        answers.append((_literal(wrong), sentence))
    entry: dict[str, Any] = {"answers": answers}
    if question.catalogue.shape_readings or question.catalogue.error_readings:
        shapes = _shape_readings(question, case, expected, tolerance, rule)
        if shapes:
            entry["shapes"] = shapes
        errors = _error_readings(question, case)
        if errors:
            entry["index errors"] = errors
    entry["precision"] = {
        band: diagnosis.likely_cause(question, [diagnosis.COMMON[key]], detail="{detail}")
        for key, band in diagnosis.PRECISION_BANDS
        if band > tolerance
    }
    return entry


def _literal(a: np.ndarray) -> Any:
    """An array as nested lists, rounded far below any tolerance to keep the file short."""
    return np.round(np.asarray(a, dtype=np.float64), 10).tolist()


def _dimensions(case: Any) -> list[int]:
    n, c_in, width = case.x.shape
    k, w_out, p = case.kernel_size, case.delta.shape[2], case.padding
    c_out = case.w.shape[0] if hasattr(case, "w") else c_in
    return sorted({n, c_in, c_out, k, k - 1, k + 1, width, w_out, width + p, width + 2 * p} - {0})


def _shape_readings(
    question: Question, case: Any, expected: np.ndarray, tolerance: float, rule: str
) -> dict:
    """Wrong shapes that mean something here, and what the autograder says about each."""
    readings = {}
    dims = _dimensions(case)
    for length in (3, 4):
        for shape in itertools.product(dims, repeat=length):
            if shape != expected.shape and diagnosis.shape_readings(question, case, shape):
                filler = np.full(shape, 123456.789)  # an answer no mistake returns
                readings[shape] = diagnosis.explain(
                    question, case, filler, expected, tolerance=tolerance, tie_rule=rule
                )[0]
    return readings


def _error_readings(question: Question, case: Any) -> dict[tuple, str]:
    """NumPy's index errors that mean one thing here: (axis, size, low, high) -> sentence.

    ``axis`` None stands for any axis, ``high`` None for any larger index.
    """
    limit = 2 * (sum(case.x.shape) + sum(case.delta.shape) + 4 * case.kernel_size) + 8
    found: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for axis, size, index in itertools.product(range(4), range(1, limit), range(limit)):
        message = f"index {index} is out of bounds for axis {axis} with size {size}"
        hint, _ = diagnosis.explain_error(question, case, message)
        if hint:
            found.setdefault((axis, size), []).append((index, hint))
    runs: dict[tuple, set[int]] = {}
    for (axis, size), hits in found.items():  # hits come by increasing index
        groups: list[list] = []  # [low, high, sentence]
        for index, hint in hits:
            if groups and groups[-1][2] == hint and groups[-1][1] == index - 1:
                groups[-1][1] = index
            else:
                groups.append([index, index, hint])
        for low, high, sentence in groups:
            key = (size, low, None if high == limit - 1 else high, sentence)
            runs.setdefault(key, set()).add(axis)
    readings = []
    for (size, low, high, sentence), axes in runs.items():
        if axes == set(range(4)):
            readings.append(((None, size, low, high), sentence))
        else:
            readings.extend(((axis, size, low, high), sentence) for axis in sorted(axes))
    readings.sort(key=lambda r: (r[0][1], -1 if r[0][0] is None else r[0][0], r[0][2]))
    return dict(readings)


WIDTH = 96
COMMENTS = {  # what each part of a check's entry holds, said where it starts
    "answers": "(what a mistake returns, what the autograder says about that answer)",
    "shapes": "an answer of a wrong shape: what the autograder says",
    "index errors": "(axis, size, lowest, highest index): what the autograder says",
    "precision": "relative error up to: what the autograder says",
}


def _table_text(table: dict[str, Any]) -> str:
    """The tables as readable Python, with a word for the student about what they are."""
    if not table["MISTAKES"]:
        return "MISTAKES = {}\nHINTS = {}\n"
    return (
        "# What common mistakes return on the checks above, and what the autograder says about\n"
        "# each of those answers: computed from its catalogue of mistakes when this homework was\n"
        "# built.  A failing check looks your answer up here to name the likely cause.\n\n"
        f"HINTS = {_py(table['HINTS'], 0)}\n\n"
        f"MISTAKES = {_py(table['MISTAKES'], 0)}\n"
    )


def _py(value: Any, indent: int, comment: str = "") -> str:
    """``value`` as Python source, black-style: one line if it fits, else one item a line."""
    flat = _flat(value)
    if len(flat) + indent <= WIDTH - 12 and not comment:
        return flat
    pad, end = " " * (indent + 4), " " * indent
    note = f"  # {comment}" if comment else ""
    if isinstance(value, str):  # adjacent literals, each ending at a space
        pieces, current = [], ""
        for word in value.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and len(_string(candidate + " ")) + len(pad) > WIDTH:
                pieces.append(current + " ")
                current = word
            else:
                current = candidate
        pieces.append(current)
        return "(\n" + "".join(f"{pad}{_string(p)}\n" for p in pieces) + f"{end})"
    if _numbers(value):  # an array: rows of numbers
        rows = textwrap.wrap(flat[1:-1], width=WIDTH - len(pad), break_long_words=False)
        return "[\n" + "".join(f"{pad}{row}\n" for row in rows) + f"{end}]"
    if isinstance(value, dict):
        items = [
            f"{pad}{_flat(k)}: {_py(v, indent + 4, COMMENTS.get(k, ''))},\n"
            for k, v in value.items()
        ]
        return "{" + note + "\n" + "".join(items) + end + "}"
    opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
    items = [f"{pad}{_py(v, indent + 4)},\n" for v in value]
    return opening + note + "\n" + "".join(items) + end + closing


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flat(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(_flat(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return repr(value)


def _numbers(value: Any) -> bool:
    if isinstance(value, list):
        return all(_numbers(v) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _string(text: str) -> str:
    """A double-quoted Python literal (JSON's escapes are Python's)."""
    return json.dumps(text, ensure_ascii=False)
