"""Drawing primitives for the figures: diagrams in data units, one box per array entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # Matplotlib is imported lazily: only the build draws
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


from .examples import ExampleError, number

DPI = 100
UNIT = 0.5  # inches per data unit: one box of a diagram is 0.9 units wide
MINUS = "\u2212"

# Okabe-Ito colours (readable with colour-blindness): one per filter tap w0, w1, w2 ...
TAP = ("#0072B2", "#E69F00", "#009E73")
# ... and one per pooling window
WINDOW = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
PAD_FACE = "#E8E8E8"
GREY = "#8A8A8A"
INSERTED = "#E69F00"


def _num(v: float) -> str:
    return number(v, minus=MINUS)


def _canvas(x0: float, x1: float, y0: float, y1: float) -> tuple[Figure, Axes]:
    """A figure whose single axes spans it exactly, with equal scales in data units."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=((x1 - x0) * UNIT, (y1 - y0) * UNIT), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _box(
    ax: Axes,
    x: float,
    y: float,
    text: str,
    *,
    face: str = "white",
    edge: str = "#333333",
    color: str = "black",
    width: float = 0.9,
    lw: float = 1.0,
    alpha: float = 1.0,
    size: float = 11,
    dashed: bool = False,
) -> None:
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (x - width / 2, y - 0.45),
            width,
            0.9,
            facecolor=to_rgba(face, alpha),
            edgecolor=edge,
            linewidth=lw,
            linestyle="--" if dashed else "-",
        )
    )
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=size, color=color)


def _label(ax: Axes, x: float, y: float, text: str, **kw: Any) -> None:
    kw.setdefault("fontsize", 10.5)
    kw.setdefault("ha", "right")
    kw.setdefault("va", "center")
    ax.text(x, y, text, **kw)


def _title(ax: Axes, text: str) -> None:
    """A one-line heading at the top left of the canvas (centred ones overflow the left edge)."""
    (x0, _), (_, y1) = ax.get_xlim(), ax.get_ylim()
    ax.text(x0 + 0.2, y1 - 0.45, text, ha="left", va="center", fontsize=10.5)


def _products(values: np.ndarray, weights: np.ndarray) -> str:
    """``a·b + c·d + ...`` with negative factors in parentheses."""

    def factor(v: float) -> str:
        return f"({_num(v)})" if v < 0 else _num(v)

    return " + ".join(f"{factor(a)}·{factor(b)}" for a, b in zip(values, weights, strict=True))


def _check(label: str, got: float, expected: float) -> None:
    # the pictures recompute sums by the note's recipe; a mismatch is a bug in this file
    if not np.isclose(got, expected):
        raise ExampleError(f"figure {label}: the recipe gives {got}, the reference {expected}")


# ---------------------------------------------------------------------------------------------
# The figures
