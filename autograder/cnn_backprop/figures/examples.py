"""The handout's worked examples (``assignment/examples.py``), evaluated with the reference,
and how their numbers are printed in the text.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # Matplotlib is imported lazily: only the build draws
    from ..course import Course


class ExampleError(ValueError):
    """A worked example or a placeholder that names it is inconsistent."""


@dataclass
class Example:
    """One worked example of the handout, evaluated with the reference.

    Fields a ``{{ value: NAME.FIELD }}`` placeholder can name: every argument of the call
    (with the defaults filled in: ``stride``, ``padding``, ``dilation``), ``out`` (the
    reference's answer) and, by function, ``w_out`` (the deltas' width), ``xpad`` (the padded
    input), ``full`` (the input gradient before the padding is cropped), ``spread`` (the deltas
    with ``stride - 1`` zeros between them), ``spread_padded`` (``spread`` with ``D(K-1)``
    zeros on each side), ``flipped`` (the flipped filter), ``y`` (the pooled output),
    ``winners`` (the index in ``x`` of each window's winner) and ``total`` (the sum of ``out``).
    """

    name: str
    function: str
    args: dict[str, Any]
    fields: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        try:
            return self.fields[key]
        except KeyError:
            raise ExampleError(
                f"example {self.name!r} has no field {key!r}; it has {sorted(self.fields)}"
            ) from None

    def vector(self, key: str) -> np.ndarray:
        """A field as a flat 1-D array (the examples are one sample, one channel)."""
        return np.asarray(self[key], dtype=np.float64).reshape(-1)


def _load_sources(root: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    path = root / "assignment" / "examples.py"
    spec = importlib.util.spec_from_file_location("cnn_backprop_handout_examples", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXAMPLES


def _evaluate(course: Course, name: str, function: str, args: dict[str, Any]) -> Example:
    ref = course.reference
    ex = Example(name, function, dict(args), dict(args))
    f = ex.fields
    f["out"] = getattr(ref, function)(**args)
    f["total"] = float(np.sum(f["out"]))
    if function.startswith("conv1d"):
        f.setdefault("stride", 1)
        f.setdefault("padding", 0)
        f.setdefault("dilation", 1)
        s, p, d = f["stride"], f["padding"], f["dilation"]
        f["w_out"] = f["delta"].shape[-1]
        if function == "conv1d_backward_w":
            f["xpad"] = np.pad(f["x"], ((0, 0), (0, 0), (p, p)))
        else:
            k = f["w"].shape[-1]
            # the reference on the padded width with no padding: the answer before cropping
            f["full"] = ref.conv1d_backward_input(
                f["delta"], f["w"], f["input_length"] + 2 * p, stride=s, dilation=d
            )
            spread = np.zeros(s * (f["w_out"] - 1) + 1)
            spread[::s] = f["delta"].reshape(-1)
            f["spread"] = spread
            f["spread_padded"] = np.pad(spread, d * (k - 1))
            f["flipped"] = f["w"][..., ::-1]
    else:
        f.setdefault("stride", f["kernel_size"])
        f.setdefault("padding", 0)
        k, s, p = f["kernel_size"], f["stride"], f["padding"]
        f["y"] = ref.maxpool1d_forward(f["x"], k, stride=s, padding=p)
        f["xpad"] = np.pad(f["x"], ((0, 0), (0, 0), (p, p)), constant_values=-np.inf)
        xpad = f["xpad"].reshape(-1)
        # np.argmax picks the first maximum: the default tie rule, stated once more independently
        f["winners"] = np.array(
            [t * s + int(np.argmax(xpad[t * s : t * s + k])) - p for t in range(f["y"].shape[-1])]
        )
        f["routes"] = [
            _routes(xpad[t * s : t * s + k], t * s - p, course.config.tie_rule)
            for t in range(len(f["winners"]))
        ]
    return ex


def _routes(window: np.ndarray, start: int, rule: str) -> list[tuple[int, float]]:
    """(input index, share of the delta) for one window under the course's tie rule."""
    tied = [j for j in range(len(window)) if window[j] == window.max()]
    if rule == "first":
        tied = tied[:1]
    share = 1 / len(tied) if rule == "split" else 1.0
    return [(start + j, share) for j in tied]


@cache
def examples(course: Course) -> dict[str, Example]:
    """Every worked example of ``assignment/examples.py``, evaluated with the reference."""
    sources = _load_sources(course.root)
    return {name: _evaluate(course, name, fn, args) for name, (fn, args) in sources.items()}


def number(value: float, *, minus: str = "-") -> str:
    """A number as the handout prints it: integers without ``.0``, ``-inf`` as infinity."""
    value = float(value)
    if np.isinf(value):
        return (minus if value < 0 else "") + r"\infty"
    text = str(int(value)) if value.is_integer() else f"{value:g}"
    return text.replace("-", minus)


def latex(value: Any) -> str:
    """A field's value for the Markdown text: ``[1, 2, 3]`` for arrays, ``3`` for scalars."""
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(number(v) for v in value.reshape(-1)) + "]"
    return number(value)


def value(course: Course, reference: str) -> str:
    """The text of a placeholder ``NAME.FIELD``."""
    name, _, key = reference.partition(".")
    found = examples(course)
    if name not in found:
        raise ExampleError(f"no worked example named {name!r} in assignment/examples.py")
    return latex(found[name][key])
