"""Naming the likely cause of a wrong answer, computed rather than guessed.

When a case fails, the grader asks whether the student's answer is what a known mistake would
have returned for the same inputs.  Each question's *catalogue* (``questions/<name>.py``) lists
its classic mistakes, each with a trusted *transform*: an independent NumPy implementation of
the wrong computation (the input gradient with the filter not flipped, the pool with zero
padding, ...), run on the case's inputs in float64.  A cause is claimed only when

* the answer matches the transform's output within the case's tolerance, and
* the transform's output differs from the correct answer on that case (otherwise the case
  cannot tell the mistake from a correct solution, and claiming it would be a guess).

Answers of the wrong shape also get a structural reading (shaped like ``delta``, channel axes
swapped, padding not cropped...), exceptions such as ``IndexError`` a reading of the array size
they name when that size means one thing only, and answers right to only a few digits a
precision reading.  When several causes fit a case equally, all are named.  Nothing here
calls student code or the reference solution: the transforms are written from the
definitions in the handout, so they can never be confused with either.

Every cause points to a section of the handout by its anchor, with the section's title as the
handout gives it, e.g. ``see the handout, section "Forgetting to flip the filter"
(#mistake-flip)``; when nothing matches, the feedback points to the question's own section.
This module is the engine; the catalogues are data beside their questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .questions import Question

TIE_RULES = ("first", "last", "all", "split")
Transform = Callable[[Any, str], "np.ndarray | None"]  # (case, tie rule) -> wrong answer


@dataclass(frozen=True)
class Cause:
    """One recognisable mistake: a fixed clause for the student and the section that explains it.

    ``says`` never contains numbers of the case, so every student who makes the same mistake
    reads the same words (and the class report can group them).  An empty ``anchor`` means the
    question's own section.
    """

    key: str
    anchor: str
    says: str


def causes(*items: tuple[str, str, str]) -> dict[str, Cause]:
    """A catalogue's causes from (key, anchor, sentence) triples."""
    return {key: Cause(key, anchor, says) for key, anchor, says in items}


# Readings every question can give, whatever it computes.
COMMON = causes(
    ("shape-like-delta", "", "your result has the shape of delta, one entry per output position"),
    ("shape-like-x", "", "your result has the shape of x"),
    ("shape-like-w", "", "your result has the shape of w"),
    (
        "precision-32",
        "mistake-precision",
        "your result is right to only about 7 significant digits, as computing or "
        "accumulating in float32 gives",
    ),
    (
        "precision-16",
        "mistake-precision",
        "your result is right to only about 3 significant digits, as computing or "
        "accumulating in float16 gives",
    ),
    ("inplace", "mistake-inplace", "backprop still needs the original (copy before changing it)"),
)


# Shape readings of a result as wide as the padded input (dL/dx of a padded layer): the
# padding was not cropped away, or only at one end.
CROPPING = causes(
    (
        "shape-uncropped",
        "mistake-padding",
        "your result is W + 2*padding wide: none of the padding was cropped away",
    ),
    (
        "shape-one-side",
        "mistake-padding",
        "your result is W + padding wide: the padding was cropped at one end only",
    ),
)


def one_story(widths: Mapping[str, int], size: int, others: Iterable[int]) -> list[str]:
    """The reading of an index error whose array width is ``size``: told only when exactly one
    of ``widths`` (reading -> width) has that size and no other dimension of the case does."""
    stories = [key for key, value in widths.items() if value == size]
    return stories if len(stories) == 1 and size not in set(others) else []


@dataclass(frozen=True)
class Catalogue:
    """A question's known mistakes.

    ``transforms`` are tried in order (most specific first); ``shape_readings(case, shape)``
    and ``error_readings(case, index, axis, size)`` return cause keys; ``implied_shape`` maps a
    value match to the shape reading it already tells.
    """

    causes: Mapping[str, Cause] = field(default_factory=dict)
    transforms: tuple[tuple[str, Transform], ...] = ()
    shape_readings: Callable[[Any, tuple[int, ...]], list[str]] | None = None
    error_readings: Callable[[Any, int, int, int], list[str]] | None = None
    implied_shape: Mapping[str, str] = field(default_factory=dict)

    def cause(self, key: str) -> Cause:
        """A cause of this catalogue (or a common one); an unknown key is kept as its own text,
        pointing to the question's section (a record written by another version)."""
        return self.causes.get(key) or COMMON.get(key) or Cause(key, "", key)


EMPTY = Catalogue()


def cite(question: Question, anchor: str) -> str:
    """The pointer to one handout section, as it appears in every message."""
    anchor = anchor or question.section
    return f'see the handout, section "{question.sections.get(anchor, anchor)}" (#{anchor})'


def sentence(question: Question, cause: Cause) -> str:
    return f"{cause.says}; {cite(question, cause.anchor)}"


def close(a: np.ndarray, b: np.ndarray, tolerance: float) -> bool:
    """The grader's criterion, measured against the larger of the two arrays' scales."""
    if a.shape != b.shape:
        return False
    if a.size == 0:
        return True
    scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    return bool(np.abs(a - b).max() <= tolerance * scale)


# Relative errors that rounding to a lower precision leaves on these sizes (a few dozen
# terms per sum): float32 ~1e-7, float16 ~1e-3.  No structural mistake errs by so little
# except by an unlikely coincidence, and the transforms are tried first.
PRECISION_BANDS = (("precision-32", 1e-5), ("precision-16", 5e-3))


def _precision(answer: np.ndarray, expected: np.ndarray, tolerance: float) -> str | None:
    if answer.shape != expected.shape or not np.isfinite(answer).all() or answer.size == 0:
        return None
    scale = max(1.0, float(np.abs(expected).max()))
    error = float(np.abs(answer - expected).max()) / scale
    if error <= tolerance:
        return None
    return next((key for key, band in PRECISION_BANDS if band > tolerance and error <= band), None)


def shape_readings(question: Question, case: Any, shape: tuple[int, ...]) -> list[str]:
    """What a wrong shape says about the code, from the case's dimensions alone."""
    catalogue = question.catalogue
    keys = catalogue.shape_readings(case, shape) if catalogue.shape_readings else []
    delta = getattr(case, "delta", None)
    if isinstance(delta, np.ndarray) and shape == delta.shape and "shape-like-delta" not in keys:
        keys.append("shape-like-delta")
    return keys


def diagnose(
    question: Question,
    case: Any,
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    tolerance: float,
    tie_rule: str = "first",
) -> list[Cause]:
    """The known mistakes that reproduce ``answer`` on ``case`` (empty: none recognised).

    Parameters
    ----------
    question : Question
        Whose catalogue to try.
    case : object
        The inputs the answer was computed from (the question's kind of case).
    answer, expected : ndarray
        The student's answer (float64, any shape) and the correct one.
    tolerance : float
        The case's relative tolerance (``checks.TOLERANCE``).
    tie_rule : str
        The course's pooling tie rule (another rule is a mistake; this one is not).

    Returns
    -------
    list of Cause
        Value matches first (a transform that differs from ``expected`` and equals
        ``answer``), most specific first; else a precision or a shape reading; else nothing.
    """
    catalogue = question.catalogue
    answer = np.asarray(answer, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    matched = []
    if np.isfinite(answer).all():
        for key, transform in catalogue.transforms:
            wrong = transform(case, tie_rule)
            if wrong is None or close(wrong, expected, tolerance):
                continue  # not applicable here, or this case cannot tell it from a right answer
            if close(answer, wrong, tolerance):
                matched.append(key)
    if not matched:
        precision = _precision(answer, expected, tolerance)
        matched = [precision] if precision else []
    # what the shape shows is true whatever the values: say it too, after any value match,
    # unless a value match already says it
    if answer.shape != expected.shape:
        implied = {catalogue.implied_shape.get(key) for key in matched}
        matched += [k for k in shape_readings(question, case, answer.shape) if k not in implied]
    return [catalogue.cause(key) for key in dict.fromkeys(matched)]


# NumPy's IndexError names the index and the size of the axis it missed.
_OUT_OF_BOUNDS = re.compile(r"index (-?\d+) is out of bounds for axis (-?\d+) with size (\d+)")


def diagnose_error(question: Question, case: Any, message: str) -> list[Cause]:
    """What an exception's message shows about the code: at most one cause, read from NumPy's
    ``index I is out of bounds for axis A with size S`` when the question's catalogue says
    what S means in this case (and only one thing)."""
    found = _OUT_OF_BOUNDS.search(message)
    readings = question.catalogue.error_readings
    if not found or readings is None:
        return []
    index, axis, size = (int(g) for g in found.groups())
    return [question.catalogue.cause(key) for key in readings(case, index, axis, size)]


def likely_cause(question: Question, found: list[Cause], *, detail: str = "") -> str:
    parts = [f"{c.says}{detail}; {cite(question, c.anchor)}" for c in found]
    if len(parts) == 1:
        return f"Likely cause: {parts[0]}."
    return "Likely cause (this case cannot tell them apart): " + ". Or: ".join(parts) + "."


def explain(
    question: Question,
    case: Any,
    answer: np.ndarray,
    expected: np.ndarray,
    *,
    tolerance: float,
    returned_dtype: str | None = None,
    tie_rule: str = "first",
) -> tuple[str, list[Cause]]:
    """The feedback line for a wrong answer, and the causes it names.

    The line is ``Likely cause: ...; see the handout, section "..." (#anchor).``, or, when no
    known mistake reproduces the answer, a pointer to the question's section.  The causes
    travel with the failure as data, so the class report counts them without reading the
    sentence back.
    """
    found = diagnose(question, case, answer, expected, tolerance=tolerance, tie_rule=tie_rule)
    if not found:
        return pointer(question), []
    detail = ""
    dtype = getattr(case, "dtype", None)
    if found[0].key.startswith("precision") and returned_dtype and returned_dtype != str(dtype):
        detail = f" (your function returned {returned_dtype} for {dtype} inputs)"
    return likely_cause(question, found, detail=detail), found


def explain_error(question: Question, case: Any, message: str) -> tuple[str | None, list[Cause]]:
    """The likely cause of an exception (None: its message shows nothing certain), and the
    causes it names."""
    found = diagnose_error(question, case, message)
    return (likely_cause(question, found) if found else None), found


def pointer(question: Question) -> str:
    """The generic pointer when no cause is recognised: the question's own section."""
    return f"S{cite(question, question.section)[1:]}."
