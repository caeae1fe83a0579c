"""The report's charts: their geometry, computed here; their SVG, drawn by ``charts.svg.j2``.

Each function returns a plain chart description (sizes, bars, ticks, labels) that the
template's macro of the same name turns into inline SVG, escaped by the template engine.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..records import Record
from .analysis import Scores, histogram

TOP_SLOWEST = 10
# a red -> amber -> green scale; pass rates cluster near the top, so amber sits at 70 %
_STOPS = ((0.0, (201, 64, 56)), (0.7, (236, 167, 44)), (1.0, (46, 158, 91)))


def rate_colour(rate: float) -> str:
    """The colour of a pass rate (or a score fraction): red, amber, green."""
    rate = min(max(rate, 0.0), 1.0)
    for (x0, c0), (x1, c1) in itertools.pairwise(_STOPS):
        if rate <= x1:
            t = (rate - x0) / (x1 - x0)
            r, g, b = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#{:02x}{:02x}{:02x}".format(*_STOPS[-1][1])


@dataclass
class Chart:
    """One SVG chart: its size, its accessible label, and what the macro draws."""

    kind: str  # histogram | rates | slowest: the macro that draws it
    width: int
    height: int
    label: str
    items: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _nice_step(top: int, ticks: int = 4) -> int:
    raw = max(top / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def histogram_chart(scores: Scores, label: str, bins: int = 10, width: int = 380) -> Chart:
    """A histogram of scores: equal bins, then full marks; bars coloured by score."""
    height, left, right, top, bottom = 210, 34, 10, 22, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    possible = scores.possible or 1.0
    counts = histogram(scores.values, possible, bins)
    step = _nice_step(max(counts) or 1)
    # headroom above the tallest bar for its count, clear of the mean's label
    y_max = max(step * math.ceil((max(counts) or 1) * 1.12 / step), 1)
    slot = plot_w / len(counts)
    bin_w = possible / bins
    chart = Chart("histogram", width, height, label)
    chart.extra["grid"] = [
        {"y": top + plot_h - plot_h * tick / y_max, "tick": tick}
        for tick in range(0, y_max + 1, step)
    ]
    chart.extra.update(left=left, right=width - right, top=top, base=top + plot_h)
    chart.extra["centre"] = left + plot_w / 2
    chart.extra["mean"] = None  # no submission, no mean line
    if scores.values:  # behind the bars
        mean = scores.mean
        x = left + (mean / bin_w) * slot if mean < possible else left + (bins + 0.5) * slot
        anchor = "end" if x > width * 0.7 else "middle"
        chart.extra["mean"] = {"x": x, "text": f"mean {mean:.1f}", "anchor": anchor}
    for i, count in enumerate(counts):
        full = i == bins
        lo = possible if full else i * bin_w
        hi = possible if full else (i + 1) * bin_w
        h = plot_h * count / y_max
        chart.items.append(
            {
                "x": left + i * slot + slot * 0.1,
                "y": top + plot_h - h,
                "width": slot * 0.8,
                "height": max(h, 0),
                "colour": rate_colour(1.0 if full else (lo + hi) / 2 / possible),
                "count": count,
                "title": f"{count} with {'full marks' if full else f'{lo:g} to under {hi:g}'}",
                "tick": f"{possible:g}" if full else f"{lo:g}",
                "full": full,
            }
        )
    return chart


def rates_chart(question: str, rows: Sequence[dict[str, Any]]) -> Chart:
    """Horizontal bars: each feature's pass rate, worst first (◦ marks a public case)."""
    rows = sorted(rows, key=lambda r: (r["passed"] / max(r["total"], 1), not r["hidden"]))
    row_h, bar_w = 25, 150
    chart = Chart("rates", 380, row_h * len(rows) + 8, f"pass rate per feature of {question}")
    chart.extra.update(label_x=176, bar_x=184, bar_w=bar_w, row_h=row_h)
    for i, row in enumerate(rows):
        rate = row["passed"] / row["total"] if row["total"] else 0.0
        name = row["case"].replace("_", " ")
        public = "" if row["hidden"] else " (public)"
        chart.items.append(
            {
                "y": 4 + i * row_h,
                "title": f"{question} · {name}{public}: {row['passed']} of {row['total']} passed",
                "name": (name if len(name) <= 24 else name[:22] + "…")
                + ("" if row["hidden"] else " ◦"),
                "fill": bar_w * rate,
                "colour": rate_colour(rate),
                "percent": f"{100 * rate:.0f}%",
            }
        )
    return chart


def slowest_chart(records: Sequence[Record]) -> Chart:
    """Horizontal bars of grading time, slowest first, each linked to its results."""
    rows = sorted(records, key=lambda r: (-r.seconds, r.key))[:TOP_SLOWEST]
    top_s = max((r.seconds for r in rows), default=1.0) or 1.0
    row_h, bar_w = 26, 640
    chart = Chart("slowest", 1100, row_h * len(rows) + 8, "slowest submissions")
    chart.extra.update(label_x=330, bar_x=340, row_h=row_h)
    for i, record in enumerate(rows):
        length = bar_w * record.seconds / top_s
        chart.items.append(
            {
                "y": 4 + i * row_h,
                "key": record.key,
                "name": record.key if len(record.key) <= 44 else record.key[:42] + "…",
                "length": max(length, 1),
                "end": length,
                "seconds": f"{record.seconds:.2f} s",
            }
        )
    return chart
