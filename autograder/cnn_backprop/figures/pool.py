"""The max-pooling figure: deltas routed to the winners of overlapping windows."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Matplotlib is imported lazily: only the build draws
    from matplotlib.figure import Figure

    from ..course import Course


from .drawing import WINDOW, _box, _canvas, _check, _label, _num
from .examples import examples


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
