"""The convolution figures: the forward pass, the filter gradient, the input gradient, and
stride and dilation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Matplotlib is imported lazily: only the build draws
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..course import Course


from .drawing import (
    GREY,
    INSERTED,
    MINUS,
    PAD_FACE,
    TAP,
    _box,
    _canvas,
    _check,
    _label,
    _num,
    _products,
    _title,
)
from .examples import Example, examples, latex


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
