"""The generic kind of case: a call with its arguments, for questions with no module here.

A suite of such a question calls ``check(fn, x, delta, 3, stride=2)``: the case is that call,
bound to the reference's signature; feedback describes it by its arrays' shapes and its
settings, and the answer is compared with the reference's on the same arguments.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Call:
    """One call: the function's arguments by name (as bound to the reference's signature)."""

    arguments: dict[str, Any]

    @property
    def dtype(self) -> np.dtype:
        arrays = [a for a in self.arguments.values() if isinstance(a, np.ndarray)]
        return arrays[0].dtype if arrays else np.dtype(np.float64)

    def describe(self) -> str:
        arrays = [
            f"{k} {tuple(v.shape)}" for k, v in self.arguments.items() if isinstance(v, np.ndarray)
        ]
        settings = [
            f"{k}={v!r}" for k, v in self.arguments.items() if not isinstance(v, np.ndarray)
        ]
        text = ", ".join(arrays)
        if settings:
            text += "; " + ", ".join(settings)
        if self.dtype != np.float64:
            text += f"; {self.dtype} inputs"
        return text


class CallProblems:
    """Cases that are plain calls."""

    def arguments(self, case: Call) -> tuple[list[Any], dict[str, Any]]:
        return [], dict(case.arguments)

    def case_of_call(self, bound: inspect.BoundArguments) -> Call:
        return Call(dict(bound.arguments))
