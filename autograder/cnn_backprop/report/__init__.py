"""The class report: one self-contained HTML page an instructor can read at a glance.

It is built from the batch's records (``records.Record``: scores, status, flags, and each
case's pass/fail with its message and named causes), plus the look-alike search
(``similarity``), and shows: what the class misunderstood (``misconceptions``), the score
distributions, the pass rate of every feature (a hidden case's name is the feature it tests:
``stride``, ``padding``, ``ties``...), the failures grouped by cause, the gradients not
derived (``probing``), the look-alike submissions side by side, the submissions that failed
to run, and the slowest ones.  Each submission links to its own ``results.json``.

Three rooms: ``analysis`` computes what the page says, ``charts`` the charts' geometry, and
the Jinja2 templates in ``templates/`` write the HTML, with autoescaping, so no student text
reaches the page unescaped.  The page has no scripts and loads nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2

from .. import __version__
from ..atomic import write_text
from ..misconceptions import ClassDiagnosis, diagnose_class
from ..records import Record
from .analysis import (
    failed_to_run,
    first_failure,
    flag_rows,
    histogram,
    pass_rates,
    sandbox_groups,
    score_sets,
    top_shares,
)
from .charts import histogram_chart, rate_colour, rates_chart, slowest_chart

if TYPE_CHECKING:
    from ..course import Course
    from ..similarity import Comparison

__all__ = [
    "failed_to_run",
    "histogram",
    "pass_rates",
    "rate_colour",
    "render_report",
    "write_report",
]

# how much of a large class the page lists (the CSVs have everything)
LIMITS = {
    "examples": 4,  # submissions linked per group of failures
    "unnamed_limit": 6,  # kinds of unexplained failure per function
    "group_limit": 25,  # groups of look-alike submissions
    "member_limit": 12,  # submissions named per group
    "pair_limit": 60,  # look-alike pairs listed after those shown side by side
}


def _safe(value: Any) -> Any:
    """A student's lone surrogates (from a notebook's JSON) become U+FFFD."""
    if isinstance(value, str):  # Markup too: keep its type, or it would be escaped again
        return type(value)(value.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
    return value


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_safe,
)
_ENV.filters.update(
    link=lambda key: quote(key) + "/results.json",
    pretty=lambda name: str(name).replace("_", " "),
    sentence=lambda text: str(text)[:1].upper() + str(text)[1:],
    g=lambda number: f"{float(number):g}",
    n=lambda number: f"{float(number):.1f}",
    first_failure=first_failure,
)


def _tiles(records: Sequence[Record], total: Any, similarity: Comparison | None) -> list[dict]:
    n = len(records)
    tiles = []
    if records:
        tiles += [
            (f"{total.median:g} / {total.possible:g}", "median total", ""),
            (f"{total.mean:.1f}", "mean total", ""),
            (f"{100 * total.full / n:.0f}%", f"full marks ({total.full})", ""),
        ]
    broken = sum(not r.ran and bool(r.run_problem) for r in records)
    flagged = sum(any(f.kind == "not-derived" for f in r.flags) for r in records)
    tiles += [
        (str(n), "submissions", ""),
        (str(broken), "failed to run", "bad" if broken else "good"),
        (str(flagged), "gradients not derived", "bad" if flagged else "good"),
    ]
    if similarity is not None and not similarity.unavailable:
        looks = len(similarity.pairs)
        tiles.append((str(looks), "look-alike pairs", "bad" if looks else "good"))
    return [{"value": v, "label": label, "tone": tone} for v, label, tone in tiles]


def render_report(
    course: Course,
    records: Sequence[Record],
    *,
    title: str = "Class report",
    similarity: Comparison | None = None,
    diagnosis: ClassDiagnosis | None = None,
) -> str:
    """The whole HTML page for ``records`` (from ``batch``).

    Parameters
    ----------
    course : Course
        Its questions (one panel each) and its ``gradients_not_derived`` policy.
    records : list of Record
        The batch's records.
    title : str
        The page's title.
    similarity : Comparison, optional
        The look-alike search (``similarity.compare``); None: not searched for.
    diagnosis : ClassDiagnosis, optional
        The misconceptions (``misconceptions.diagnose_class`` when not given).
    """
    records = sorted(records, key=lambda r: r.key)
    diagnosis = diagnosis or diagnose_class(course, records)
    total, each = score_sets(course, records)
    groups = sandbox_groups(records)
    rates = pass_rates(course, records)
    return _ENV.get_template("report.html.j2").render(
        title=title,
        version=__version__,
        functions=course.names,
        records=records,
        named=any(r.submitters for r in records),  # a student column only if any is known
        total=total,
        tiles=_tiles(records, total, similarity),
        sandbox=groups,
        weak=any(g["level"] != "full" or g["missing"] for g in groups),
        diagnosis=diagnosis,
        top=top_shares(course, diagnosis),
        total_chart=histogram_chart(total, "distribution of total scores", bins=15, width=1100),
        score_charts=[(s, histogram_chart(s, f"distribution of {s.name} scores")) for s in each],
        ran_count=sum(r.ran for r in records),
        rate_charts=[(q, rates_chart(q, rates.get(q) or [])) for q in course.names],
        rows=flag_rows(records, {s.name: s.possible for s in each}),
        policy=course.config.gradients_not_derived,
        comparison=similarity,
        troubled=failed_to_run(records),
        slowest_chart=slowest_chart(records),
        **LIMITS,
    )


def write_report(
    course: Course,
    records: Sequence[Record],
    path: str | Path,
    *,
    title: str = "Class report",
    **sections: Any,
) -> Path:
    """Write the class report to ``path`` atomically (next to the submissions' folders).

    ``sections``: ``render_report``'s optional ``similarity`` and ``diagnosis``.
    """
    return write_text(render_report(course, records, title=title, **sections), path)
