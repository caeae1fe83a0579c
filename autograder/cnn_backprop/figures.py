"""The handout's worked examples and figures, computed with the reference at build time.

``assignment/examples.py`` names the arrays of every worked example; :func:`examples` runs
them through ``solutions/reference.py`` and :func:`render` draws the figures from the results.
The handout fills its ``{{ value: NAME.FIELD }}`` placeholders from the same
:class:`Example` objects, so the numbers in the text and in the pictures are one set.

Figures are drawn with Matplotlib's Agg canvas (no pyplot, no global backend switch) under
Matplotlib's built-in default style, and encoded as PNG here with the standard library's
zlib: Pillow's encoder (what ``savefig`` uses) changes its compressed bytes from one release
to the next, and the committed ``student_template/`` must be byte-identical to a fresh build.
Only the instructor's build needs Matplotlib; students see the PNGs as notebook attachments.

``python -m cnn_backprop.figures DIR`` writes the PNGs to ``DIR`` to look at them.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # Matplotlib is imported lazily: only the build draws
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .course import Course

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


# ---------------------------------------------------------------------------------------------
# Drawing helpers: diagrams in data units, one box per array entry.


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


def _conv_forward(course: Course) -> Figure:
    """The note's forward connections: which input feeds which output, through which weight."""
    ex = examples(course)["conv_x"]
    width, k = ex["input_length"], ex["w"].shape[-1]
    outputs = width - k + 1
    # horizontal spacing of the boxes: twice a box, so that a label a quarter of the way along
    # its line stays clear of the vertical w1 lines beside it and of the lines it crosses
    gap = 1.8
    top, bottom = 3.8, 0.0
    fig, ax = _canvas(-3.4, (width - 1) * gap + 3.6, -1.1, top + 1.4)
    for i in range(width):
        _box(ax, i * gap, top, f"$p_{i}$", size=12)
    for j in range(outputs):
        _box(ax, (j + 1) * gap, bottom, f"$z_{j}$", size=12, face="#F4F4F4")
    # each tap's labels sit at their own height, away from the crossings (halfway down, where
    # a w0 line meets a w2 line) and from the fans of lines at the boxes
    along = {0: 0.27, 1: 0.5, 2: 0.73}
    for j in range(outputs):
        for tap in range(k):
            x_a, y_a = (j + tap) * gap, top - 0.45
            x_b, y_b = (j + 1) * gap, bottom + 0.45
            ax.plot([x_a, x_b], [y_a, y_b], color=TAP[tap], lw=1.8, zorder=1)
            t = along[tap]
            ax.text(
                x_a + t * (x_b - x_a),
                y_a + t * (y_b - y_a),
                f"$w_{tap}$",
                ha="center",
                va="center",
                fontsize=10,
                color=TAP[tap],
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none"},
                zorder=2,
            )
    _label(ax, -0.8, top, r"input $\mathbf{p}$")
    _label(ax, -0.8, bottom, r"output $\mathbf{z}$")
    _title(
        ax,
        r"$z_j = w_0\,p_j + w_1\,p_{j+1} + w_2\,p_{j+2}$: every output reads three inputs, "
        "one through each weight",
    )
    ax.text(
        (width - 1) * gap / 2,
        bottom - 0.8,
        r"$p_0$ and $p_5$ feed one output each; $p_2$ and $p_3$ feed three",
        ha="center",
        va="center",
        fontsize=10,
        color="#444444",
    )
    return fig


def _conv_grad_w(course: Course) -> Figure:
    """Conclusion 1: each dF/dw_k sums the products p_i s_j along one diagonal i - j = k."""
    ex = examples(course)["conv_w"]
    p, s, out = ex.vector("x"), ex.vector("delta"), ex.vector("out")
    k = ex["kernel_size"]
    rows, cols = len(p), len(s)
    cg = 1.25  # column spacing: room for the headers
    right = (cols - 1) * cg + 0.45
    fig, ax = _canvas(-2.6, right + 8.4, -rows + 0.25, 2.0)
    for i in range(rows):
        _label(ax, -0.7, -i, f"$p_{i} = {_num(p[i])}$")
        for j in range(cols):
            tap = i - j
            on = 0 <= tap < k
            _box(
                ax,
                j * cg,
                -i,
                _num(p[i] * s[j]),
                face=TAP[tap] if on else "white",
                alpha=0.28 if on else 1.0,
                edge=TAP[tap] if on else "#CCCCCC",
                lw=1.6 if on else 0.8,
                color="black" if on else "#BBBBBB",
            )
    for j in range(cols):
        ax.text(j * cg, 0.85, f"$s_{j} = {_num(s[j])}$", ha="center", va="center", fontsize=10.5)
    _title(
        ax,
        r"every product $p_i\,s_j$; the diagonal $i - j = k$ holds the terms of "
        r"$\partial F/\partial w_k$",
    )
    for tap in range(k):
        terms = [p[j + tap] * s[j] for j in range(cols)]
        _check(f"conv_grad_w, w{tap}", sum(terms), out[tap])
        expr = " + ".join(_num(t) for t in terms).replace(f"+ {MINUS}", f"{MINUS} ")
        i_end = cols - 1 + tap  # the diagonal ends in the last column, on row cols-1+k
        ax.annotate(
            "",
            xy=(right, -i_end),
            xytext=(right + 0.8, -i_end),
            arrowprops={"arrowstyle": "<-", "color": TAP[tap], "lw": 1.6},
        )
        ax.text(
            right + 0.95,
            -i_end,
            rf"$\partial F/\partial w_{tap}$ = {expr} = {_num(out[tap])}",
            ha="left",
            va="center",
            fontsize=10.5,
            color=TAP[tap],
        )
    ax.text(
        right + 0.95,
        -1,
        "grey: pairs that no weight uses\n(input and delta never meet)",
        ha="left",
        va="center",
        fontsize=9.5,
        color=GREY,
    )
    return fig


def _conv_grad_input(course: Course) -> Figure:
    """Conclusion 2 (the note's Figure 3): the flipped filter over the fully padded deltas."""
    ex = examples(course)["conv_x"]
    padded, flipped, out = ex.vector("spread_padded"), ex.vector("flipped"), ex.vector("out")
    k = len(flipped)
    n_pad = k - 1
    step = 1.55
    fig, ax = _canvas(-2.0, len(padded) + 9.2, -(len(out) - 1) * step - 1.2, 2.3)
    names = ["0"] * n_pad + [f"$s_{j}$" for j in range(len(padded) - 2 * n_pad)] + ["0"] * n_pad
    for x, name in enumerate(names):
        ax.text(x, 0.95, name, ha="center", va="center", fontsize=10.5)
    _title(
        ax,
        rf"the deltas padded with $K - 1 = {n_pad}$ zeros on each side; the flipped filter "
        rf"$[w_2, w_1, w_0] = {latex(flipped)}$ slides over them",
    )
    for i in range(len(out)):
        y = -i * step
        _label(ax, -0.75, y, f"$p_{i}$:")
        for x, v in enumerate(padded):
            pad = x < n_pad or x >= len(padded) - n_pad
            inside = i <= x < i + k
            tap = k - 1 - (x - i)  # the flipped filter puts w_{K-1} first
            _box(
                ax,
                x,
                y,
                _num(v),
                face=TAP[tap] if inside else (PAD_FACE if pad else "white"),
                alpha=0.28 if inside else 1.0,
                edge=TAP[tap] if inside else ("#BBBBBB" if pad else "#333333"),
                lw=1.8 if inside else 1.0,
                color=GREY if pad and not inside else "black",
            )
            if inside:
                ax.text(
                    x,
                    y - 0.68,
                    f"×{_num(flipped[x - i])}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=TAP[tap],
                )
        window = padded[i : i + k]
        _check(f"conv_grad_input, p{i}", float(window @ flipped), out[i])
        ax.text(
            len(padded) - 0.2,
            y,
            rf"$\partial F/\partial p_{i}$ = {_products(window, flipped)} = {_num(out[i])}",
            ha="left",
            va="center",
            fontsize=10.5,
        )
    return fig


def _conv_stride_dilation(course: Course) -> Figure:
    """Stride inserts zeros between the deltas; dilation leaves gaps in the flipped filter."""
    st, dil = examples(course)["conv_x_stride"], examples(course)["conv_x_dilation"]
    fig, ax = _canvas(-7.4, 18.4, -11.6, 1.3)
    _panel(ax, st, y0=0.0, position=3, title="(a) stride")
    _panel(ax, dil, y0=-7.6, position=2, title="(b) dilation")
    return fig


def _panel(ax: Axes, ex: Example, *, y0: float, position: int, title: str) -> None:
    """One recipe of Conclusion 2 drawn row by row, with the filter at one ``position``."""
    s, d = ex["stride"], ex["dilation"]
    flipped, out = ex.vector("flipped"), ex.vector("out")
    k = len(flipped)
    pad = d * (k - 1)
    spread, padded = ex.vector("spread"), ex.vector("spread_padded")
    span = d * (k - 1) + 1
    row = 1.35
    y = y0
    settings = rf"$S = {s}$, $D = {d}$, $K = {k}$, $W = {ex['input_length']}$"
    _label(ax, -7.2, y + 0.9, f"{title}: {settings}", ha="left", fontsize=11, weight="bold")
    if s > 1:
        _label(ax, -0.8, y, r"deltas $\mathbf{s}$")
        for t, v in enumerate(ex.vector("delta")):
            _box(ax, pad + t * s, y, _num(v))
        y -= row
        _label(ax, -0.8, y, f"insert $S - 1 = {s - 1}$ zero between")
        for x, v in enumerate(spread):
            inserted = x % s != 0
            _box(
                ax,
                pad + x,
                y,
                _num(v),
                edge=INSERTED if inserted else "#333333",
                lw=2.0 if inserted else 1.0,
                color=INSERTED if inserted else "black",
            )
        y -= row
    else:
        y -= 0.2
    _label(ax, -0.8, y, f"pad: $D(K-1) = {pad}$ zeros each side")
    for x, v in enumerate(padded):
        is_pad = x < pad or x >= len(padded) - pad
        _box(
            ax,
            x,
            y,
            _num(v),
            face=PAD_FACE if is_pad else "white",
            edge="#BBBBBB" if is_pad else "#333333",
            color=GREY if is_pad else "black",
        )
    y -= row
    label = r"flipped filter" + (f", taps $D = {d}$ apart" if d > 1 else "")
    _label(ax, -0.8, y, label)
    for m in range(span):
        x = position + m
        if m % d == 0:
            tap = k - 1 - m // d
            _box(ax, x, y, _num(flipped[m // d]), face=TAP[tap], alpha=0.28, edge=TAP[tap], lw=1.8)
        else:
            _box(ax, x, y, "", edge="#AAAAAA", dashed=True)
    window = padded[position : position + span : d]
    _check(f"{title}, position {position}", float(window @ flipped), out[position])
    ax.text(
        position + span - 0.2,
        y,
        f" → {_products(window, flipped)} = {_num(out[position])}",
        ha="left",
        va="center",
        fontsize=10.5,
    )
    y -= row
    _label(ax, -0.8, y, r"$\partial F/\partial \mathbf{p}$")
    centre = (span - 1) / 2  # each value sits under the middle of the filter that makes it
    for i, v in enumerate(out):
        here = i == position
        _box(
            ax,
            i + centre,
            y,
            _num(v),
            face="#FFF3C4" if here else "white",
            edge="#B8860B" if here else "#333333",
            lw=1.8 if here else 1.0,
        )
        ax.text(i + centre, y - 0.68, f"$p_{i}$", ha="center", va="center", fontsize=9, color=GREY)
    ax.annotate(
        "",
        xy=(position + centre, y + 0.5),
        xytext=(position + centre, y + row - 0.5),
        arrowprops={"arrowstyle": "->", "color": "#B8860B", "lw": 1.4},
    )
    ax.text(
        len(out) - 1 + centre + 0.7,
        y,
        r"the filter starting at position $i$ gives $\partial F/\partial p_i$"
        rf" (drawn: $i = {position}$)",
        ha="left",
        va="center",
        fontsize=9.5,
        color=GREY,
    )


def _maxpool_routing(course: Course) -> Figure:
    """Conclusion 3 with overlapping windows, a tie and an all-negative window."""
    ex = examples(course)["pool_routing"]
    x, delta, out, y = ex.vector("x"), ex.vector("delta"), ex.vector("out"), ex.vector("y")
    k, s = ex["kernel_size"], ex["stride"]
    winners = [int(w) for w in ex["winners"]]
    receivers = [[i for i, _share in route] for route in ex["routes"]]
    width, n_win = len(x), len(delta)
    gap = 1.25
    fig, ax = _canvas(-4.6, (width - 1) * gap + 1.4, -5.6, 3.7)
    # windows as brackets above the input; neighbours alternate height because they overlap
    for t in range(n_win):
        lo, hi = t * s * gap - 0.4, (t * s + k - 1) * gap + 0.4
        h = 1.55 + 0.85 * (t % 2)
        ax.plot([lo, lo, hi, hi], [h - 0.25, h, h, h - 0.25], color=WINDOW[t], lw=2.0)
        ax.text(
            (lo + hi) / 2,
            h + 0.28,
            f"window {t}: max = {_num(y[t])}",
            ha="center",
            va="center",
            fontsize=9.5,
            color=WINDOW[t],
        )
    # the forward input; a winner is filled with its window's colour (split if it wins twice)
    from matplotlib.patches import Rectangle

    for i, v in enumerate(x):
        won = [t for t in range(n_win) if i in receivers[t]]
        for m, t in enumerate(won):
            part = 0.9 / len(won)
            ax.add_patch(
                Rectangle(
                    (i * gap - 0.45 + m * part, 0.05),
                    part,
                    0.9,
                    facecolor=WINDOW[t],
                    alpha=0.3,
                    edgecolor="none",
                )
            )
        _box(ax, i * gap, 0.5, _num(v), face="none" if won else "white", lw=1.8 if won else 1.0)
    # the pooled deltas, each under its window, and the arrow to its winner's gradient
    yd, yg = -1.35, -3.5
    for t in range(n_win):
        xc = (t * s + (k - 1) / 2) * gap
        ax.text(
            xc,
            yd,
            rf"$\delta_{t}$ = {_num(delta[t])}",
            ha="center",
            va="center",
            fontsize=10.5,
            color=WINDOW[t],
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": WINDOW[t]},
        )
        for target in receivers[t]:
            ax.annotate(
                "",
                xy=(target * gap, yg + 0.5),
                xytext=(xc, yd - 0.35),
                arrowprops={"arrowstyle": "->", "color": WINDOW[t], "lw": 1.8},
            )
    for i, v in enumerate(out):
        _box(ax, i * gap, yg, _num(v), face="#FFF3C4" if v else "white")
    routed = np.zeros(width)
    for t, route in enumerate(ex["routes"]):
        for i, share in route:
            routed[i] += share * delta[t]
    for i in range(width):
        _check(f"maxpool_routing, x{i}", routed[i], out[i])
    _label(ax, -0.8, 0.5, r"pool input $\mathbf{x}$")
    _label(ax, -0.8, yd, r"deltas $\partial F/\partial \mathbf{y}$")
    _label(ax, -0.8, yg, r"$\partial F/\partial \mathbf{x}$")
    _label(ax, -0.8, 2.0, f"windows: $K = {k}$, $S = {s}$")
    # the three lessons, under the columns they are about
    notes = _routing_notes(x, winners, delta, k, s, course.config.tie_rule)
    for i, text in notes:
        ax.text(i * gap, yg - 1.1, text, ha="center", va="top", fontsize=9, color="#444444")
    return fig


def _routing_notes(
    x: np.ndarray, winners: list[int], delta: np.ndarray, k: int, s: int, rule: str
) -> list[tuple[float, str]]:
    """Short captions for the tie, the accumulation and the all-negative window, by column."""
    notes: list[tuple[float, str]] = []
    for t, w in enumerate(winners):
        window = x[t * s : t * s + k]
        if np.sum(window == window.max()) > 1:
            top = _num(window.max())
            verdict = {
                "first": f"the first {top} wins",
                "all": f"every {top} gets the delta",
                "split": f"the {top}s share the delta",
            }[rule]
            notes.append((w + 0.5, f"tie in window {t}:\n{verdict}"))
        if window.max() < 0:
            notes.append((w, f"window {t} is all negative:\n{_num(window.max())} still wins"))
    for i in sorted(set(winners)):
        ts = [t for t, w in enumerate(winners) if w == i]
        if len(ts) > 1:
            terms = " + ".join(_num(delta[t]) for t in ts)
            notes.append((i, f"overlap: {terms}\n(windows {', '.join(map(str, ts))})"))
    return notes


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the handout: its alt text and the function that draws it."""

    alt: str
    draw: Callable[[Course], Figure]


FIGURES: dict[str, FigureSpec] = {
    "conv_forward": FigureSpec(
        "Figure 1: the inputs p0 to p5 connected to the outputs z0 to z3, each line labelled "
        "with the weight w0, w1 or w2 it goes through",
        _conv_forward,
    ),
    "conv_grad_w": FigureSpec(
        "Figure 2: the grid of products p_i s_j with the three diagonals that sum to "
        "dF/dw0, dF/dw1 and dF/dw2",
        _conv_grad_w,
    ),
    "conv_grad_input": FigureSpec(
        "Figure 3: the flipped filter in its six positions over the zero-padded deltas, "
        "with the resulting dF/dp_i",
        _conv_grad_input,
    ),
    "stride_dilation": FigureSpec(
        "Figure 4: with stride 2 zeros are inserted between the deltas; with dilation 2 "
        "the flipped filter has gaps",
        _conv_stride_dilation,
    ),
    "maxpool_routing": FigureSpec(
        "Figure 5: max-pooling deltas routed to the winners of overlapping windows, "
        "with a tie and an all-negative window",
        _maxpool_routing,
    ),
}


# ---------------------------------------------------------------------------------------------
# Rendering


def _png(rgb: np.ndarray) -> bytes:
    """A PNG of an ``(H, W, 3)`` uint8 image, made with the standard library only."""
    h, w, _ = rgb.shape
    rows = rgb.reshape(h, w * 3).astype(np.int16)
    # filter "Sub" on every row (difference with the pixel to the left): flat-coloured
    # drawings then compress several times better than unfiltered rows
    sub = rows.copy()
    sub[:, 3:] = (rows[:, 3:] - rows[:, :-3]) % 256
    raw = np.hstack([np.ones((h, 1), dtype=np.int16), sub]).astype(np.uint8).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@cache
def render(course: Course, name: str) -> bytes:
    """The PNG bytes of one figure (deterministic: same inputs, same bytes).

    Parameters
    ----------
    name : str
        A key of :data:`FIGURES`.

    Returns
    -------
    bytes
        The PNG file.
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if name not in FIGURES:
        raise ExampleError(f"no figure named {name!r}; there are {sorted(FIGURES)}")
    # Matplotlib's own defaults, whatever the instructor's matplotlibrc says
    with mpl.rc_context():
        mpl.rcdefaults()
        mpl.rcParams.update({"font.family": "DejaVu Sans", "mathtext.fontset": "dejavusans"})
        fig = FIGURES[name].draw(course)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
    return _png(np.ascontiguousarray(rgba[:, :, :3]))


def write_all(course: Course, out: Path) -> list[Path]:
    """Write every figure as ``out/NAME.png``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FIGURES:
        path = out / f"{name}.png"
        path.write_bytes(render(course, name))
        written.append(path)
    return written


if __name__ == "__main__":
    from .course import load

    for written_path in write_all(load(), Path(sys.argv[1] if len(sys.argv) > 1 else "figures")):
        print(written_path)
