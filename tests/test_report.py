"""The class report: its analysis, its escaping, and that a real browser renders it.

The page is built from synthetic records shaped exactly like ``batch``'s (with the suites'
real case names, the diagnosis' real cause keys and probing flags), plus a real look-alike
search over the zoo's styles and a disguised copy, so these tests need no grading.  The
browser test runs headless Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it):
a screenshot that is not blank, no console message, and the charts' SVG and the new sections
(misconceptions, failures by cause, gradients not derived, look-alikes side by side) in the
DOM.  ``test_class_report.py`` checks the same page after real grading.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from checkout import COURSE, POINTS, QUESTIONS
from cnn_backprop import similarity
from cnn_backprop.misconceptions import diagnose_class
from cnn_backprop.records import CaseRecord, FlagRecord, Record, Submitter, failure_signature
from cnn_backprop.report import (
    failed_to_run,
    histogram,
    pass_rates,
    rate_colour,
    render_report,
    write_report,
)
from cnn_backprop.suite import load_question
from zoo.classroom import COPY_RENAMES, disguise, in_template, style

# how hard each feature is for this synthetic class: probability of failing it
DIFFICULTY = {"padding": 0.35, "dilation": 0.3, "ties": 0.45, "stride": 0.2, "float32": 0.1}
# what the feedback names when a case fails (none: a failure no cause explains)
CAUSES = {
    "conv1d_backward_w": ["w.stride", "w.padding-none", "w.flip", None],
    "conv1d_backward_input": ["x.flip", "x.crop-left", "x.stride", None],
    "maxpool1d_backward": ["p.ties-last", "p.max-init", None],
}


def synthetic_class(n: int = 48, seed: int = 0) -> list[Record]:
    """A class of records like batch's: mostly decent, some broken, one hostile name."""
    rng = random.Random(seed)
    suites = {q: load_question(COURSE, q).test_cases for q in QUESTIONS}
    records = []
    for i in range(n):
        cases, scores = [], {}
        for q, tcs in suites.items():
            scores[q] = 0.0
            for tc in tcs:
                passed = rng.random() > DIFFICULTY.get(tc.name, 0.05)
                scores[q] += tc.points if passed else 0
                message = (
                    ""
                    if passed
                    else rng.choice(
                        [
                            f"N={rng.randint(1, 4)}, C_in=2, W=9, K=3: dx is wrong in "
                            f"{rng.randint(1, 9)} of 18 entries; the largest error is 0.5",
                            f"`{q}` raised IndexError: index {rng.randint(5, 20)} is out of "
                            f"bounds for axis 2 with size 8 (hw.py, line {rng.randint(9, 80)}, "
                            f"in {q})",
                        ]
                    )
                )
                cause = None if passed else rng.choice(CAUSES[q])
                cases.append(
                    CaseRecord(
                        question=q,
                        case=tc.name,
                        hidden=bool(tc.hidden),
                        points=float(tc.points),
                        passed=passed,
                        message=message,
                        causes=(cause,) if cause else (),
                    )
                )
        records.append(
            Record(
                key=f"submission_{231474000 + i}",
                submission_id=str(231474000 + i),
                submitters=(Submitter(name=f"Student {i}", email=f"s{i}@example.edu", sid=str(i)),),
                status="graded",
                scores=scores,
                possible=dict(POINTS),
                total=sum(scores.values()),
                seed=i,
                seconds=round(0.2 + rng.random(), 3),
                cases=tuple(cases),
            )
        )
    first = records[0].submitters[0]
    records[0] = replace(
        records[0], submitters=(replace(first, name="<script>alert('x')</script>"),)
    )
    records[1] = replace(
        records[1],
        status="unreadable",
        total=0.0,
        scores=dict.fromkeys(QUESTIONS, 0.0),
        notes="Your submission could not be graded: hw.ipynb is empty",
    )
    records[2] = replace(
        records[2],
        status="grader-error",
        total=0.0,
        scores={},
        possible={},
        cases=(),
        notes="RuntimeError: <img src=x onerror=alert(1)>",
    )
    records[3] = replace(
        records[3],
        load="failed",
        notes="Your code could not be loaded: loading your code failed: timed out",
    )
    records[4] = replace(
        records[4],
        load="errors",
        notes="While running your code (<cell 7>): NameError: name 'plt' is not defined",
    )
    records[-1] = replace(
        records[-1],
        flags=(
            FlagRecord(
                function="conv1d_backward_w",
                kind="not-derived",
                detail="`conv1d_backward_w` evaluated `<b>fwd</b>` at 48 input entries ...",
            ),
        ),
    )
    return records


def look_alikes() -> similarity.Comparison:
    """A real search: three independent styles and a disguised copy of one of them."""
    sources = {f"style_{n}": in_template(style(n)) for n in ("windows_einsum", "fft", "loops")}
    copy = disguise(style("windows_einsum"), COPY_RENAMES["windows_einsum"], "# <script>")
    sources["<copy>"] = in_template(copy)
    return similarity.compare(sources, 0.8, boilerplate=similarity.boilerplate_code(COURSE))


def test_failure_signature_drops_what_varies() -> None:
    a = failure_signature("N=2, C_in=3, W=9, K=3, stride 2: dx is wrong in 4 of 18 entries; the")
    b = failure_signature("N=1, C_in=1, W=5, K=2, stride 3: dx is wrong in 9 of 10 entries; x")
    assert a == b == "dx is wrong in # of # entries"
    raised = (
        "`conv1d_backward_w` raised IndexError: index 12 is out of bounds (hw.py, line 66, in f)"
    )
    assert failure_signature(raised) == (
        "`conv1d_backward_w` raised IndexError: index # is out of bounds"
    )


def test_histogram_bins_and_full_marks() -> None:
    assert histogram([0, 0.5, 9.5, 10, 10, 5], 10) == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2]
    assert sum(histogram([29.5, 30, 0], 30, bins=15)) == 3


def test_rates_and_failures_leave_out_submissions_that_never_ran() -> None:
    records = synthetic_class()
    assert [r.ran for r in records[:5]] == [True, False, False, False, True]
    assert {r.key for r in failed_to_run(records)} == {r.key for r in records[1:5]}
    rates = pass_rates(COURSE, records)
    ties = next(row for row in rates["maxpool1d_backward"] if row["case"] == "ties")
    assert ties["total"] == len(records) - 3
    assert 0.3 < ties["passed"] / ties["total"] < 0.8
    diagnosis = diagnose_class(COURSE, records)
    assert diagnosis.population == len(records) - 3
    flip = next(m for m in diagnosis.misconceptions if m.cause == "x.flip")
    assert len(flip.submissions) >= 3 and "records[1]" not in flip.submissions
    assert all("#" in u.signature or "`" in u.signature for u in diagnosis.unnamed)


def test_colours_go_red_to_green() -> None:
    assert rate_colour(0) == "#c94038" and rate_colour(1) == "#2e9e5b"
    assert rate_colour(-1) == rate_colour(0) and rate_colour(2) == rate_colour(1)


def test_student_text_is_escaped_and_the_page_is_self_contained() -> None:
    page = render_report(
        COURSE, synthetic_class(), title="Fall <b>2026</b>", similarity=look_alikes()
    )
    assert "<script>" not in page and "<img" not in page and "<b>fwd" not in page
    assert "&lt;copy&gt;" in page and "# &lt;script&gt;" in page and "&lt;b&gt;fwd" in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page  # MarkupSafe's entities
    assert "Fall &lt;b&gt;2026&lt;/b&gt;" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    assert 'href="submission_231474001/results.json"' in page
    assert page.count("<svg") == 4 + 3 + 1  # histograms, pass rates, slowest
    titles = re.findall(r"<h2>([^<]+)</h2>", page)
    assert titles[:3] == ["What the class misunderstood", "Scores", "What the class got wrong"]
    assert {"Failures by cause", "Gradients not derived", "Look-alike submissions"} <= set(titles)


def test_look_alikes_section_says_why_when_it_could_not_search() -> None:
    missing = similarity.Comparison(0.8, unavailable=similarity.unavailable() or "no copydetect")
    missing.unavailable = "look-alike submissions were not searched for: not installed"
    page = render_report(COURSE, synthetic_class(n=6), similarity=missing)
    assert "Look-alike submissions were not searched for: not installed." in page
    assert "look-alike pairs" not in page  # no tile counting pairs that were never sought


def test_unencodable_student_text_is_replaced(tmp_path: Path) -> None:
    records = synthetic_class(n=6)
    records[5] = replace(
        records[5],
        load="errors",
        notes="While running your code: ValueError: \ud800 lone surrogate",
    )
    page = write_report(COURSE, records, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "\ufffd" in page and "lone surrogate" in page


def test_empty_and_tiny_classes_render() -> None:
    assert "0 submissions" in render_report(COURSE, [])
    one = synthetic_class(n=5)[4:]
    assert "Every submission ran." not in render_report(COURSE, one)  # it had load errors


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")
def test_the_report_renders_in_a_real_browser(tmp_path: Path) -> None:
    from PIL import Image  # Pillow comes with matplotlib, a dependency of the build

    records = synthetic_class()
    for record in records:  # the pages it links to exist, as after a real batch
        folder = tmp_path / record.key
        folder.mkdir()
        (folder / "results.json").write_text(json.dumps({"score": record.total}))
    page = write_report(
        COURSE,
        records,
        tmp_path / "report.html",
        title="CNN backprop, Fall 2026",
        similarity=look_alikes(),
    )
    url = page.resolve().as_uri()

    shot = tmp_path / "shot.png"
    run = chromium(
        ["--hide-scrollbars", f"--screenshot={shot}", "--window-size=1280,2000", url],
        tmp_path / "profile-1",
    )
    assert shot.is_file(), run.stderr[-2000:]
    problems = [
        line
        for line in run.stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "Content Security Policy" in line
    ]
    assert problems == []

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        pixels = image.convert("RGB").resize((320, 500))
    colours = pixels.getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 200  # text, bars in reds, ambers and greens: not a blank page
    assert max(count for count, _ in colours) < 0.9 * 320 * 500  # nor one uniform colour
    greens = sum(c for c, (r, g, b) in colours if g > 120 and g > r + 40 and g > b + 20)
    reds = sum(c for c, (r, g, b) in colours if r > 170 and r > g + 60 and r > b + 60)
    assert greens > 100 and reds > 20, "the charts' coloured bars are not on screen"

    dom = chromium(["--dump-dom", url], tmp_path / "profile-2").stdout
    assert dom.count("<svg") == 8
    assert dom.count("<rect") > 100
    assert "What the class got wrong" in dom and "Failures by cause" in dom
    # the new sections, as the browser parsed them
    assert dom.index("What the class misunderstood") < dom.index("<h2>Scores</h2>")
    assert dom.count('<table class="causes">') == 3  # one per function
    assert "your result equals the input gradient computed with the filter not flipped" in (
        dom.lower()
    )
    assert '<span class="pill bad">not-derived</span>' in dom
    assert dom.count('<div class="side-by-side">') == 1 and dom.count("<mark>") > 4
    assert "<script" not in dom
