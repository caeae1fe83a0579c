"""The class report: one self-contained HTML page an instructor can read at a glance.

It is built from the per-submission records of ``batch`` (scores, status, flags, and each
case's pass/fail with its message and named causes), plus the look-alike search
(``similarity``), and shows: what the class misunderstood (``misconceptions``), the score
distributions, the pass rate of every feature (a hidden case's name is the feature it tests:
``stride``, ``padding``, ``ties``...), the failures grouped by cause, the gradients not
derived (``probing``), the look-alike submissions side by side, the submissions that failed
to run, and the slowest ones.  Each submission links to its own ``results.json``.  Charts are
inline SVG drawn here: no scripts, no external files.
"""

from __future__ import annotations

import html
import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from . import QUESTIONS, __version__
from .batch import flags_cell
from .misconceptions import ClassDiagnosis, diagnose_class
from .records import ran, run_problem
from .similarity import Comparison

TOP_SLOWEST = 10
EXAMPLES = 4  # submissions linked per common failure

# a red -> amber -> green scale; pass rates cluster near the top, so amber sits at 70 %
_STOPS = ((0.0, (201, 64, 56)), (0.7, (236, 167, 44)), (1.0, (46, 158, 91)))


# -- analysis ---------------------------------------------------------------------------------


def sandbox_groups(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Submissions grouped by the protections they were graded (or refused) under."""
    groups: dict[tuple, dict[str, Any]] = {}
    for record in records:
        info = record.get("sandbox") or {}
        if not info:
            continue
        missing = tuple(tuple(m) for m in info.get("missing", []))
        key = (info.get("level"), tuple(info.get("mechanisms", [])), missing)
        group = groups.setdefault(
            key,
            {
                "level": key[0],
                "mechanisms": list(key[1]),
                "missing": [list(m) for m in missing],
                "count": 0,
            },
        )
        group["count"] += 1
    return sorted(groups.values(), key=lambda g: -g["count"])


def _sandbox_section(records: Sequence[dict[str, Any]]) -> str:
    """Which protections held: a warning when any was missing, never a silent fallback."""
    groups = sandbox_groups(records)
    if not groups:
        return ""
    weak = any(g["level"] != "full" or g["missing"] for g in groups)
    rows = []
    for g in groups:
        missing = "; ".join(f"{m}: {why}" for m, why in g["missing"])
        rows.append(
            f"<li><b>{g['count']}</b> graded at isolation level <b>{_e(g['level'])}</b> with "
            f"{_e(', '.join(g['mechanisms']) or 'limits only')}"
            + (f'<div class="missing">not active: {_e(missing)}</div>' if missing else "")
            + "</li>"
        )
    note = (
        "Some protections were not available where these submissions were graded: see what "
        "each level guarantees in the README's sandbox table."
        if weak else "Every protection was active."
    )  # fmt: skip
    return (
        f'<section class="sandbox{" weak" if weak else ""}"><h2>Sandbox</h2>'
        f'<p class="note">{note}</p><ul>{"".join(rows)}</ul></section>'
    )


def possible_points(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each question's points, from any record that has them (10 when none does)."""
    found: dict[str, float] = {}
    for record in records:
        for q, points in (record.get("possible") or {}).items():
            found[q] = max(found.get(q, 0.0), float(points))
    return {q: found.get(q) or 10.0 for q in QUESTIONS}


def histogram(values: Sequence[float], possible: float, bins: int = 10) -> list[int]:
    """Counts in ``bins`` equal bins over [0, possible), then one bar for full marks."""
    counts = [0] * (bins + 1)
    width = possible / bins
    for value in values:
        if value >= possible - 1e-9:
            counts[-1] += 1
        else:
            counts[min(max(int(value // width), 0), bins - 1)] += 1
    return counts


def pass_rates(records: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per question, each case (feature) with how many submissions that ran passed it.

    Cases keep the suites' order (public first); submissions that never ran are left out, as
    they fail every case for a reason unrelated to the feature.
    """
    table: dict[str, dict[str, dict[str, Any]]] = {q: {} for q in QUESTIONS}
    for record in records:
        if not ran(record):
            continue
        for case in record.get("cases", []):
            row = table.setdefault(case["question"], {}).setdefault(
                case["case"],
                {"case": case["case"], "hidden": case["hidden"], "passed": 0, "total": 0},
            )
            row["total"] += 1
            row["passed"] += bool(case["passed"])
    return {q: list(rows.values()) for q, rows in table.items()}


def failed_to_run(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Submissions that did not run, then those that ran with errors while loading."""
    return sorted(
        (r for r in records if run_problem(r)), key=lambda r: (ran(r), run_problem(r), r["key"])
    )


# -- drawing ----------------------------------------------------------------------------------


def rate_colour(rate: float) -> str:
    """The colour of a pass rate (or a score fraction): red, amber, green."""
    rate = min(max(rate, 0.0), 1.0)
    for (x0, c0), (x1, c1) in itertools.pairwise(_STOPS):
        if rate <= x1:
            t = (rate - x0) / (x1 - x0)
            r, g, b = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#{:02x}{:02x}{:02x}".format(*_STOPS[-1][1])


def _safe(text: Any) -> str:
    """A student's lone surrogates (unencodable) become U+FFFD."""
    return str(text).encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _e(text: Any) -> str:
    """Escaped for HTML; a student's lone surrogates (unencodable) become U+FFFD."""
    return html.escape(_safe(text), quote=True)


def _link(key: str) -> str:
    return quote(key) + "/results.json"


def _nice_step(top: int, ticks: int = 4) -> int:
    raw = max(top / ticks, 1)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def _svg(width: int, height: int, body: Iterable[str], label: str, cls: str = "") -> str:
    return (
        f'<svg class="chart {cls}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{_e(label)}</title>{''.join(body)}</svg>"
    )


def histogram_svg(
    values: Sequence[float], possible: float, label: str, bins: int = 10, width: int = 380
) -> str:
    """A histogram of scores: equal bins, then full marks; bars coloured by score."""
    height = 210
    left, right, top, bottom = 34, 10, 22, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    counts = histogram(values, possible, bins)
    step = _nice_step(max(counts) or 1)
    # headroom above the tallest bar for its count, clear of the mean's label
    y_max = max(step * math.ceil((max(counts) or 1) * 1.12 / step), 1)
    slot = plot_w / len(counts)
    out = []
    for tick in range(0, y_max + 1, step):
        y = top + plot_h - plot_h * tick / y_max
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}</text>'
        )
    bin_w = possible / bins
    if values:  # behind the bars
        mean = statistics.fmean(values)
        x = left + (mean / bin_w) * slot if mean < possible else left + (bins + 0.5) * slot
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{top + plot_h}" class="mean"/>'
            f'<text x="{x:.1f}" y="{top - 9}" class="mean-label" '
            f'text-anchor="{"end" if x > width * 0.7 else "middle"}">mean {mean:.1f}</text>'
        )
    for i, count in enumerate(counts):
        full = i == bins
        x = left + i * slot + slot * 0.1
        h = plot_h * count / y_max
        y = top + plot_h - h
        lo = possible if full else i * bin_w
        hi = possible if full else (i + 1) * bin_w
        colour = rate_colour(1.0 if full else (lo + hi) / 2 / possible)
        what = "full marks" if full else f"{lo:g} to under {hi:g}"
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{max(h, 0):.1f}" '
            f'rx="2" fill="{colour}"><title>{count} with {what}</title></rect>'
        )
        if count:
            out.append(
                f'<text x="{x + slot * 0.4:.1f}" y="{y - 4:.1f}" class="count" '
                f'text-anchor="middle">{count}</text>'
            )
        tick = f"{possible:g}" if full else f"{lo:g}"
        out.append(
            f'<text x="{x + slot * 0.4:.1f}" y="{top + plot_h + 15}" class="tick'
            f'{" full" if full else ""}" text-anchor="middle">{_e(tick)}</text>'
        )
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" '
        'class="axis"/>'
    )
    out.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" class="axis-label" '
        f'text-anchor="middle">points (last bar: full marks)</text>'
    )
    return _svg(width, height, out, label, "histogram")


def _pretty_case(name: str) -> str:
    return name.replace("_", " ")


def rates_svg(question: str, rows: Sequence[dict[str, Any]]) -> str:
    """Horizontal bars: each feature's pass rate, worst first."""
    rows = sorted(rows, key=lambda r: (r["passed"] / max(r["total"], 1), not r["hidden"]))
    row_h, width = 25, 380
    label_w, bar_x, bar_w = 176, 184, 150
    height = row_h * len(rows) + 8
    out = []
    for i, row in enumerate(rows):
        rate = row["passed"] / row["total"] if row["total"] else 0.0
        y = 4 + i * row_h
        name = _pretty_case(row["case"])
        shown = name if len(name) <= 24 else name[:22] + "…"
        tag = "" if row["hidden"] else " ◦"
        out.append(
            f"<g><title>{_e(question)} · {_e(name)}{' (public)' if not row['hidden'] else ''}:"
            f" {row['passed']} of {row['total']} passed</title>"
            f'<text x="{label_w}" y="{y + 16}" class="label" text-anchor="end">'
            f"{_e(shown)}{tag}</text>"
            f'<rect x="{bar_x}" y="{y + 4}" width="{bar_w}" height="{row_h - 9}" rx="4" '
            'class="track"/>'
            f'<rect x="{bar_x}" y="{y + 4}" width="{bar_w * rate:.1f}" height="{row_h - 9}" '
            f'rx="4" fill="{rate_colour(rate)}"/>'
            f'<text x="{bar_x + bar_w + 8}" y="{y + 16}" class="pct">{100 * rate:.0f}%</text>'
            "</g>"
        )
    return _svg(width, height, out, f"pass rate per feature of {question}", "rates")


def slowest_svg(records: Sequence[dict[str, Any]]) -> str:
    """Horizontal bars of grading time, slowest first, each linked to its results."""
    rows = sorted(records, key=lambda r: (-float(r.get("seconds", 0)), r["key"]))[:TOP_SLOWEST]
    top_s = max((float(r.get("seconds", 0)) for r in rows), default=1.0) or 1.0
    row_h, width, label_w, bar_x, bar_w = 26, 1100, 330, 340, 640
    out = []
    for i, record in enumerate(rows):
        seconds = float(record.get("seconds", 0))
        y = 4 + i * row_h
        key = record["key"]
        shown = key if len(key) <= 44 else key[:42] + "…"
        out.append(
            f'<a href="{_e(_link(key))}"><title>{_e(key)}: {seconds:.2f} s</title>'
            f'<text x="{label_w}" y="{y + 16}" class="label link" text-anchor="end">'
            f"{_e(shown)}</text>"
            f'<rect x="{bar_x}" y="{y + 4}" width="{max(bar_w * seconds / top_s, 1):.1f}" '
            f'height="{row_h - 9}" rx="4" class="time"/>'
            f'<text x="{bar_x + bar_w * seconds / top_s + 8:.1f}" y="{y + 16}" class="pct">'
            f"{seconds:.2f} s</text></a>"
        )
    return _svg(width, row_h * len(rows) + 8, out, "slowest submissions", "slowest")


# -- the page ---------------------------------------------------------------------------------


def _students(record: dict[str, Any]) -> str:
    people = record.get("submitters") or []
    names = [p.get("name") or p.get("email") or p.get("sid") for p in people]
    return ", ".join(n for n in names if n)


def _submission_cells(record: dict[str, Any], named: bool) -> str:
    """A table row's start: the submission, linked to its results, and its students."""
    cells = f'<tr><td><a href="{_e(_link(record["key"]))}">{_e(record["key"])}</a></td>'
    return cells + (f"<td>{_e(_students(record))}</td>" if named else "")


# The newer sections are Jinja2 templates in templates/, escaped by the engine; the rest of
# the page is still built here, escaped by _e.
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    # student text may hold lone surrogates (from a notebook's JSON): never let them through
    finalize=lambda v: _safe(v) if isinstance(v, str) else v,
)
_TEMPLATES.filters.update(
    link=_link,
    pretty=_pretty_case,
    sentence=lambda text: str(text)[:1].upper() + str(text)[1:],
)
# how much of a large class the page lists (the CSVs have everything)
LIMITS = {
    "examples": EXAMPLES,  # submissions linked per group of failures
    "unnamed_limit": 6,  # kinds of unexplained failure per function
    "group_limit": 25,  # groups of look-alike submissions
    "member_limit": 12,  # submissions named per group
    "pair_limit": 60,  # look-alike pairs listed after those shown side by side
}


def _render(template: str, **context: Any) -> str:
    return _TEMPLATES.get_template(template).render(functions=QUESTIONS, **LIMITS, **context)


def _top_shares(diagnosis: ClassDiagnosis) -> dict[str, float]:
    """Each function's largest share (named or not): the full width of its bars."""
    top = dict.fromkeys(QUESTIONS, 1e-9)
    for item in [*diagnosis.misconceptions, *diagnosis.unnamed]:
        top[item.function] = max(top.get(item.function, 1e-9), item.share)
    return top


def _policy() -> str:
    from . import config

    try:
        return config.load().gradients_not_derived
    except (config.ConfigError, OSError):
        return "report"


def flag_rows(records: Sequence[dict[str, Any]], possible: dict[str, float]) -> list[dict]:
    """One row per flag of every submission, for the "Gradients not derived" table."""
    rows = []
    for record in records:
        for flag in record.get("flags") or []:
            if not isinstance(flag, dict):
                continue
            function = str(flag.get("function", ""))
            score = float((record.get("scores") or {}).get(function, 0))
            rows.append(
                {
                    "key": record["key"],
                    "students": _students(record),
                    "function": function,
                    "kind": str(flag.get("kind", "")),
                    "detail": str(flag.get("detail", "")),
                    "points": f"{score:g} / {possible.get(function, 0):g}",
                }
            )
    return sorted(rows, key=lambda r: (r["kind"] != "not-derived", r["key"], r["function"]))


def _tile(value: str, label: str, tone: str = "") -> str:
    return f'<div class="tile {tone}"><b>{_e(value)}</b><span>{_e(label)}</span></div>'


def _status_pill(status: str) -> str:
    return f'<span class="pill {_e(status)}">{_e(status)}</span>'


def _first_line(text: str, limit: int = 220) -> str:
    lines = (" ".join(line.split()) for line in str(text).splitlines())
    text = " · ".join(line for line in lines if line)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_report(
    records: Sequence[dict[str, Any]],
    *,
    title: str = "Class report",
    similarity: Comparison | None = None,
    diagnosis: ClassDiagnosis | None = None,
    policy: str | None = None,
) -> str:
    """The whole HTML page for ``records`` (from ``batch``).

    Parameters
    ----------
    records : list of dict
        The batch's records.
    title : str
        The page's title.
    similarity : Comparison, optional
        The look-alike search (``similarity.compare``); None: not searched for.
    diagnosis : ClassDiagnosis, optional
        The misconceptions (``misconceptions.diagnose_class(records)`` when not given).
    policy : str, optional
        The course's ``gradients_not_derived`` (read from the configuration when not given).
    """
    records = sorted(records, key=lambda r: r["key"])
    diagnosis = diagnosis or diagnose_class(records)
    top = _top_shares(diagnosis)
    possible = possible_points(records)
    total_possible = sum(possible.values())
    totals = [float(r.get("total", 0)) for r in records]
    named = any(r.get("submitters") for r in records)  # a student column only if any is known
    troubled = failed_to_run(records)
    broken = [r for r in troubled if not ran(r)]
    n = len(records)
    full = sum(t >= total_possible - 1e-9 for t in totals)
    parts = [f"<header><h1>{_e(title)}</h1>"]
    parts.append(
        f'<p class="sub">{n} submission{"s" if n != 1 else ""} · '
        f"{', '.join(f'<code>{_e(q)}</code>' for q in QUESTIONS)} · "
        f"{total_possible:g} points · graded by cnn-backprop {_e(__version__)}</p>"
    )
    parts.append('<div class="tiles">')
    if totals:
        parts.append(_tile(f"{statistics.median(totals):g} / {total_possible:g}", "median total"))
        parts.append(_tile(f"{statistics.fmean(totals):.1f}", "mean total"))
        parts.append(_tile(f"{100 * full / n:.0f}%", f"full marks ({full})"))
    parts.append(_tile(str(n), "submissions"))
    parts.append(_tile(str(len(broken)), "failed to run", "bad" if broken else "good"))
    flagged = sum(
        any(f.get("kind") == "not-derived" for f in r.get("flags") or []) for r in records
    )
    parts.append(_tile(str(flagged), "gradients not derived", "bad" if flagged else "good"))
    if similarity is not None and not similarity.unavailable:
        looks = len(similarity.pairs)
        parts.append(_tile(str(looks), "look-alike pairs", "bad" if looks else "good"))
    parts.append("</div></header>")
    parts.append(_sandbox_section(records))

    # misconceptions, at the top
    parts.append(_render("misconceptions.html.j2", diagnosis=diagnosis, top=top))

    # scores
    parts.append('<section><h2>Scores</h2><div class="grid">')
    parts.append(
        '<figure class="card wide"><figcaption>Total</figcaption>'
        + histogram_svg(totals, total_possible, "distribution of total scores", bins=15, width=1100)
        + "</figure>"
    )
    for q in QUESTIONS:
        values = [float((r.get("scores") or {}).get(q, 0)) for r in records]
        fulls = sum(v >= possible[q] - 1e-9 for v in values)
        mean = f"mean {statistics.fmean(values):.1f} / {possible[q]:g}" if values else ""
        share = f" · {100 * fulls / len(values):.0f}% full marks" if values else ""
        parts.append(
            f'<figure class="card"><figcaption><code>{_e(q)}</code>'
            f'<span class="aside">{mean}{share}</span></figcaption>'
            + histogram_svg(values, possible[q], f"distribution of {q} scores")
            + "</figure>"
        )
    parts.append("</div></section>")

    # features
    rates = pass_rates(records)
    ran_count = sum(ran(r) for r in records)
    parts.append(
        "<section><h2>What the class got wrong</h2>"
        f'<p class="note">Share of the {ran_count} submissions that ran passing each case; '
        "a hidden case's name is the feature it tests. Worst first; ◦ marks a public case.</p>"
        '<div class="grid">'
    )
    for q in QUESTIONS:
        rows = rates.get(q) or []
        body = rates_svg(q, rows) if rows else '<p class="empty">no submission ran</p>'
        parts.append(
            f'<figure class="card"><figcaption><code>{_e(q)}</code></figcaption>{body}</figure>'
        )
    parts.append("</div></section>")

    # failures, by cause
    parts.append(_render("failures.html.j2", diagnosis=diagnosis, top=top))

    # integrity: gradients not derived, look-alikes
    parts.append(
        _render(
            "not_derived.html.j2",
            rows=flag_rows(records, possible),
            named=named,
            policy=policy or _policy(),
        )
    )
    parts.append(_render("similarity.html.j2", comparison=similarity))

    # failed to run
    parts.append("<section><h2>Submissions that failed to run</h2>")
    if troubled:
        parts.append(
            '<p class="note">Unreadable files, grader errors and code that could not be loaded '
            "score nothing; with load errors, the failing cells or lines were skipped and the "
            "rest was graded.</p>"
            '<table class="list"><thead><tr><th>submission</th>'
            + ("<th>student</th>" if named else "")
            + "<th>problem</th><th>total</th><th>details</th></tr></thead><tbody>"
        )
        for record in troubled:
            reason = record.get("notes") or next(
                (c["message"] for c in record.get("cases", []) if not c["passed"]), ""
            )
            problem = run_problem(record)
            tone = "warn" if ran(record) else "bad"
            parts.append(
                _submission_cells(record, named)
                + f'<td><span class="pill {tone}">{_e(problem)}</span></td>'
                f'<td class="num">{float(record.get("total", 0)):g}</td>'
                f"<td>{_e(_first_line(reason))}</td></tr>"
            )
        parts.append("</tbody></table>")
    else:
        parts.append('<p class="empty">Every submission ran.</p>')
    parts.append("</section>")

    # slowest
    if records:
        parts.append(
            "<section><h2>Slowest submissions</h2>"
            f'<figure class="card">{slowest_svg(records)}</figure></section>'
        )

    # everything
    parts.append(
        f"<section><details><summary>All {n} submissions</summary>"
        '<table class="list"><thead><tr><th>submission</th>'
        + ("<th>student</th>" if named else "")
        + "".join(f"<th><code>{_e(q)}</code></th>" for q in QUESTIONS)
        + "<th>total</th><th>status</th><th>flags</th></tr></thead><tbody>"
    )
    for record in records:
        scores = record.get("scores") or {}
        parts.append(
            _submission_cells(record, named)
            + "".join(f'<td class="num">{float(scores.get(q, 0)):g}</td>' for q in QUESTIONS)
            + f'<td class="num"><b>{float(record.get("total", 0)):g}</b></td>'
            f"<td>{_status_pill(str(record.get('status')))}</td>"
            f'<td class="flags">{_e(flags_cell(record).replace(";", " "))}</td></tr>'
        )
    parts.append("</tbody></table></details></section>")
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        # no scripts, no fetches: student text on this page can never run or phone home
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">"
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><main>\n{body}\n</main></body></html>\n"
    )


def write_report(
    records: Sequence[dict[str, Any]],
    path: str | Path,
    *,
    title: str = "Class report",
    **sections: Any,
) -> Path:
    """Write the class report to ``path`` (next to the submissions' result folders).

    ``sections``: ``render_report``'s optional ``similarity``, ``diagnosis`` and ``policy``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    page = render_report(records, title=title, **sections)
    tmp.write_text(page, encoding="utf-8", errors="replace")
    tmp.replace(path)
    return path


CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff;
  --accent:#3e63b8; --bad:#c94038; --good:#2e9e5b; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 28px 60px; }
h1 { margin: 0 0 4px; font-size: 28px; letter-spacing: -0.01em; }
h2 { margin: 36px 0 6px; font-size: 20px; }
code { font: 0.92em ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono",
  "DejaVu Sans Mono", monospace; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.sub, .note { color: var(--muted); margin: 0 0 14px; }
.tiles { display:flex; flex-wrap:wrap; gap:12px; margin-top:16px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:12px;
  padding:12px 18px; min-width:150px; box-shadow:0 1px 2px rgba(16,24,40,.05); }
.tile b { display:block; font-size:24px; line-height:1.2; }
.tile span { color:var(--muted); font-size:13px; }
.tile.good b { color: var(--good); } .tile.bad b { color: var(--bad); }
.grid { display:grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:12px; margin:0;
  padding:14px 16px 10px; box-shadow:0 1px 2px rgba(16,24,40,.05); }
.card.wide { grid-column: 1 / -1; }
figcaption { font-weight:600; margin-bottom:6px; display:flex; justify-content:space-between;
  gap:10px; flex-wrap:wrap; }
figcaption .aside { font-weight:400; color:var(--muted); font-size:13px; }
svg.chart { width:100%; height:auto; display:block; }
svg text { font-family: inherit; fill: var(--ink); }
svg .grid { stroke: var(--line); } svg .axis { stroke: #9aa5b1; }
svg .tick { font-size: 11px; fill: var(--muted); } svg .tick.full { font-weight: 700;
  fill: var(--good); }
svg .count, svg .mean-label { paint-order: stroke; stroke: #fff; stroke-width: 3px;
  stroke-linejoin: round; }
svg .count { font-size: 11px; font-weight: 600; }
svg .axis-label { font-size: 11px; fill: var(--muted); }
svg .mean { stroke: var(--ink); stroke-dasharray: 4 3; stroke-width: 1.2; }
svg .mean-label { font-size: 11px; font-weight: 600; }
svg .label { font-size: 12px; } svg .pct { font-size: 12px; font-weight: 600; }
svg .track { fill: #edf0f3; } svg .time { fill: #7b93c9; }
svg a:hover .time { fill: var(--accent); } svg .link { fill: var(--accent); }
ol.failures { list-style:none; padding:0; margin:0; display:grid; gap:8px;
  grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); }
ol.failures li { display:flex; gap:14px; background:var(--card); border:1px solid var(--line);
  border-left: 4px solid var(--bad); border-radius:10px; padding:10px 14px; }
.count { position:relative; min-width:92px; }
.count b { font-size:20px; } .count span { color:var(--muted); margin-left:6px; font-size:13px; }
.count i { position:absolute; left:0; bottom:2px; height:5px; border-radius:3px;
  background: var(--bad); opacity:.75; }
.what { min-width:0; } .sig { font: 13px ui-monospace, Menlo, Consolas, "Liberation Mono",
  "DejaVu Sans Mono", monospace; color:#323f4b; margin:2px 0; overflow-wrap:anywhere; }
.eg { font-size:13px; color:var(--muted); } .eg a { margin-right:6px; }
.more { color: var(--muted); }
table.list { width:100%; border-collapse:collapse; background:var(--card);
  border:1px solid var(--line); border-radius:10px; overflow:hidden; font-size:14px; }
table.list th, table.list td { text-align:left; padding:7px 10px;
  border-bottom:1px solid var(--line); vertical-align:top; }
table.list th { background:#f0f3f7; font-weight:600; font-size:13px; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
.pill { display:inline-block; padding:1px 8px; border-radius:999px; font-size:12px;
  background:#e3f4ea; color:#1d6b3d; white-space:nowrap; }
.pill.unreadable, .pill.grader-error, .pill.bad { background:#fde8e6; color:#9b2a22; }
.pill.warn { background:#fff1d6; color:#8a5a00; }
.sandbox.weak { border-left: 4px solid var(--bad); padding-left: 12px; }
.sandbox .missing { color: var(--bad); font-size: 0.9em; }
details { margin-top: 12px; } summary { cursor:pointer; color:var(--accent); font-weight:600; }
ul.plain { padding-left: 18px; font-size: 14px; }
h3 { margin: 22px 0 8px; font-size: 16px; }
.key { color: var(--muted); font: 11px ui-monospace, Menlo, Consolas, "Liberation Mono",
  "DejaVu Sans Mono", monospace; margin-left: 4px; white-space: nowrap; }
figure.misconceptions { margin-bottom: 14px; }
table.causes { width:100%; border-collapse:collapse; font-size:14px; }
table.causes th { text-align:left; font-size:12px; color:var(--muted); font-weight:600;
  padding:4px 8px; border-bottom:1px solid var(--line); }
table.causes td { padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
table.causes tr:last-child td { border-bottom:0; }
td.share { white-space:nowrap; width:150px; font-variant-numeric: tabular-nums; }
td.section { width:270px; color:#323f4b; }
.bar { display:inline-block; width:80px; height:8px; border-radius:4px; background:#edf0f3;
  margin-right:8px; vertical-align:middle; overflow:hidden; }
.bar i { display:block; height:100%; background:var(--bad); opacity:.8; }
.unnamed { color:var(--muted); font-size:13px; margin:8px 0 0; }
ol.failures li.unnamed { border-left-color:#9aa5b1; }
ol.failures li.unnamed .count i { background:#9aa5b1; }
.cases { font-size:13px; color:var(--muted); margin:2px 0; }
.pattern { font: 13px ui-monospace, Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono",
  monospace; }
td.flags { font-size:12px; color:var(--bad); }
ol.groups { padding-left: 22px; font-size: 14px; } ol.groups li { margin: 2px 0; }
ol.groups a { margin-right: 2px; }
details.pair { background:var(--card); border:1px solid var(--line); border-radius:10px;
  margin:8px 0; padding:8px 12px; }
details.pair summary { color:var(--ink); font-weight:400; }
details.pair summary b { color:var(--bad); margin-right:6px; }
details.pair .aside { color:var(--muted); font-size:13px; }
.side-by-side { display:grid; grid-template-columns: 1fr 1fr; gap:10px; margin-top:8px; }
.file { min-width:0; border:1px solid var(--line); border-radius:8px; overflow:hidden; }
.file-name { background:#f0f3f7; padding:4px 10px; font-size:13px; font-weight:600; }
.file pre { margin:0; padding:8px 0; overflow-x:auto; font: 12px/1.45 ui-monospace, Menlo,
  Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; max-height: 560px; }
.file .ln { display:inline-block; width:42px; padding-right:10px; text-align:right;
  color:#9aa5b1; user-select:none; }
.file mark { background:#fde2b8; color:inherit; border-radius:2px; }
.file .gap { display:block; color:#9aa5b1; padding-left:52px; font-style:italic; }
.empty { color: var(--muted); font-style: italic; }
"""
