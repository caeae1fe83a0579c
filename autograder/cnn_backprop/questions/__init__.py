"""The questions of a course, each declared once.

A course's questions are the functions of ``solutions/reference.py`` that have a hidden suite,
``tests/hidden/test_<name>.py``.  Everything about a question is read from the course's own
files:

* the **reference function**: the correct answers, and from its signature and numpy-style
  docstring the quantity and axes of the answer (``Returns``: ``dL/dx : ndarray, shape (N, C,
  W)``) and the array inputs, which must come back unmodified (parameters typed ``ndarray``);
* its **given forward pass**: ``<layer>_forward`` for ``<layer>_backward...``, when the
  reference has one (the students' gradient checker and the figures use it);
* its **handout section**: the level-2 section of ``assignment/handout.md`` that holds its
  ``{{ stub: <name> }}`` cell (feedback points there);
* its **cases**, from its suites; its **points**, from the course configuration.

A module of this package named after the question (``conv1d_backward_w.py``...) adds what only
code can say: how its kind of case becomes a call and back (``ConvCase``, ``PoolCase``), and
its catalogue of mistakes with their diagnosis.  A course's new question needs none: its
suites call it with plain arguments (``calls.Call``) and feedback points to its section.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from ..diagnosis import EMPTY, Catalogue
from .calls import CallProblems


class Problems(Protocol):
    """How a question's kind of case becomes a call of its function, and back."""

    def arguments(self, case: Any) -> tuple[list[Any], dict[str, Any]]: ...

    def case_of_call(self, bound: inspect.BoundArguments) -> Any | None: ...


@dataclass(frozen=True)
class Question:
    """One question: a function the students write, and everything grading needs about it."""

    name: str
    reference: Callable[..., np.ndarray]
    quantity: str  # what the answer is, as feedback names it: "dL/dx"
    axes: tuple[str, ...]  # the answer's axes: ("N", "C", "W")
    inputs: tuple[str, ...]  # the array arguments, in order (checked unmodified)
    forward: str | None  # the given forward pass's name
    section: str  # the anchor of its handout section
    sections: Mapping[str, str]  # the course's handout sections: anchor -> title
    problems: Problems
    catalogue: Catalogue

    @property
    def axes_text(self) -> str:
        return f"(axes: {', '.join(self.axes)})" if self.axes else ""

    def arguments(self, case: Any) -> tuple[list[Any], dict[str, Any]]:
        """How the function is called on ``case``: positional arguments and settings."""
        return self.problems.arguments(case)

    def expected(self, case: Any) -> np.ndarray:
        """The reference's answer, computed in float64 from the same inputs."""
        args, settings = self.arguments(case)
        args = [a.astype(np.float64) if isinstance(a, np.ndarray) else a for a in args]
        return np.asarray(self.reference(*args, **settings))

    def case_of_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any | None:
        """The case behind a direct call (a public test's), or None if it is not a valid one."""
        try:
            bound = inspect.signature(self.reference).bind(*args, **kwargs)
            bound.apply_defaults()
            case = self.problems.case_of_call(bound)
            if case is None or np.dtype(case.dtype) not in (np.float32, np.float64):
                return None
            self.expected(case)  # the reference accepts it: a well-formed problem
        except Exception:  # not a call the grader can judge: leave it to the test's own check
            return None
        return case


def discover(root: Path, reference_source: str) -> list[str]:
    """The course's questions: reference functions with a hidden suite, in the reference's
    order."""
    tree = ast.parse(reference_source)
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    hidden = root / "tests" / "hidden"
    return [n for n in names if not n.startswith("_") and (hidden / f"test_{n}.py").is_file()]


def declare(
    name: str, reference: ModuleType, handout: str, sections: Mapping[str, str]
) -> Question:
    """The declaration of question ``name`` from the course's reference module and handout."""
    function = getattr(reference, name)
    quantity, axes = _returns(function)
    extra = _builtin(name)
    layer = name.split("_backward")[0]
    forward = f"{layer}_forward" if hasattr(reference, f"{layer}_forward") else None
    return Question(
        name=name,
        reference=function,
        quantity=quantity,
        axes=axes,
        inputs=_array_parameters(function),
        forward=forward,
        section=section_of(name, handout),
        sections=sections,
        problems=getattr(extra, "PROBLEMS", None) or CallProblems(),
        catalogue=getattr(extra, "CATALOGUE", None) or EMPTY,
    )


def _builtin(name: str) -> ModuleType | None:
    """This package's module for question ``name``, if it has one."""
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        return None


_SHAPE = re.compile(r"^\s*(\S+)\s*:\s*ndarray,\s*shape\s*\(([^)]*)\)", re.MULTILINE)
# the description's first line may name the quantity as feedback should: ``dL/dw``, ...
_QUANTITY = re.compile(r"\s*``([^`]+)``")


def _returns(function: Callable[..., Any]) -> tuple[str, tuple[str, ...]]:
    """The answer's name and axes from the docstring's Returns section (numpy style)."""
    doc = inspect.getdoc(function) or ""
    _, _, returns = doc.partition("Returns\n-------")
    found = _SHAPE.search(returns)
    if not found:
        return "the result", ()
    axes = tuple(a.strip() for a in found.group(2).split(",") if a.strip())
    named = _QUANTITY.match(returns[found.end() :].lstrip("\n"))
    return (named.group(1) if named else found.group(1)), axes


def _array_parameters(function: Callable[..., Any]) -> tuple[str, ...]:
    """The parameters the docstring types as ``ndarray`` (else annotated so), in order."""
    doc = inspect.getdoc(function) or ""
    params, _, _ = doc.partition("Returns\n-------")
    typed = set(re.findall(r"^\s*(\w+)\s*:\s*ndarray", params, re.MULTILINE))
    names = list(inspect.signature(function).parameters)
    return tuple(n for n in names if n in typed)


ANCHOR = re.compile(r'^<a id="([\w-]+)"></a>\s*$')
HEADING = re.compile(r"^(#{1,6})\s+(?:\d+\.\s+)?(.+?)\s*$")


def handout_sections(handout: str) -> dict[str, str]:
    """Anchor -> title of every anchored heading of the handout's text."""
    sections: dict[str, str] = {}
    lines = handout.splitlines()
    for i, line in enumerate(lines):
        found = ANCHOR.match(line)
        if found:
            for following in lines[i + 1 : i + 3]:
                heading = HEADING.match(following)
                if heading:
                    sections[found.group(1)] = heading.group(2)
                    break
    return sections


def section_of(name: str, handout: str) -> str:
    """The anchor of the level-2 section holding ``{{ stub: name }}`` ("" if none)."""
    anchor, pending = "", ""
    for line in handout.splitlines():
        found = ANCHOR.match(line)
        if found:
            pending = found.group(1)
            continue
        heading = HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            anchor = pending
        if heading or line.strip():
            pending = ""
        if re.fullmatch(rf"\{{\{{\s*stub:\s*{re.escape(name)}\s*\}}\}}", line.strip()):
            return anchor
    return ""
