"""Benchmark: the class report for a large class (500 submissions by default).

Run on demand (not part of the test suite), from the repo root:

    .venv/bin/python benchmarks/report_scale.py [--count 500] [--out DIR]

The class is made from the zoo inside the handout's ``.py``, as students submit it: 35 %
correct styles, 45 % catalogued mistakes (each on a rotating correct style), 8 % copies of an
earlier student disguised by renaming and reordering, 2 % reading the gradients off the
forward pass, 10 % blank templates.  Each distinct file is graded once in process (the real
suites, the child's probing watch around every call) and its record repeated for every
student who handed it in, so the records are exactly what ``batch`` would write.  It prints:

* the time of each step after grading: the look-alike search over all files (first run,
  and a rerun that finds each file's tokens cached, as ``cnn-backprop grade`` does), the
  misconception counts, the page's rendering;
* the page's size, and how much of it each section takes;
* how long headless Chromium takes to load and lay out the whole page (a full-height
  screenshot), when ``chromium`` is installed.

With ``--out``, the page and the inputs are kept there (to look at).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from checkout import COURSE, QUESTIONS  # noqa: E402
from cnn_backprop import probing, similarity  # noqa: E402
from cnn_backprop.checks import SubmittedFunction  # noqa: E402
from cnn_backprop.misconceptions import diagnose_class  # noqa: E402
from cnn_backprop.records import CaseRecord, Record, Submitter  # noqa: E402
from cnn_backprop.report import render_report  # noqa: E402
from cnn_backprop.sandbox import CallResult, SubmissionError  # noqa: E402
from cnn_backprop.sandbox.child import _watched_call  # noqa: E402
from cnn_backprop.sandbox.replies import read_probe  # noqa: E402
from cnn_backprop.suite import load_question, run_question  # noqa: E402
from zoo.classroom import (  # noqa: E402
    NOT_DERIVED,
    STYLES,
    TEMPLATE,
    disguise,
    in_template,
    not_derived,
    style,
    with_mistake,
)
from zoo.mistakes import MISTAKES  # noqa: E402

NAMES = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia"]


def make_class(count: int, seed: int = 0) -> dict[str, str]:
    """``count`` submissions' code, by key."""
    rng = random.Random(seed)
    sources: dict[str, str] = {}
    for i in range(count):
        key = f"submission_{300000 + i}"
        kind = rng.random()
        if kind < 0.35:
            code = in_template(style(STYLES[i % len(STYLES)]))
        elif kind < 0.80:
            mistake = MISTAKES[rng.randrange(len(MISTAKES))]
            code = in_template(with_mistake(mistake, base=STYLES[i % len(STYLES)]))
        elif kind < 0.88 and sources:
            original = sources[rng.choice(sorted(sources))]
            answers = original.partition("# ---- Your answers ----")[2]
            body = answers.partition('if __name__ == "__main__":')[0]
            if "def " in body:
                # local names only: the parameters' names are the contract
                renames = {"xpad": "padded", "dxpad": "grad_pad", "w_out": "n_out", "dw": "gw"}
                code = in_template(disguise(body, renames))
            else:
                code = original
        elif kind < 0.90:
            code = in_template(not_derived(NOT_DERIVED[i % len(NOT_DERIVED)]))
        else:
            code = TEMPLATE.read_text()
        sources[key] = code
    return sources


class Watched:
    """The sandbox's calling contract in process, with the child's watch (as in grading)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.probes: dict[str, list[Any]] = {}  # what the watch measured, per function

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> CallResult:
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        func = self.namespace.get(name)
        if not callable(func):
            raise SubmissionError(f"`{name}` is not defined in your submission")
        try:
            value, probe = _watched_call(func, copies, kwargs)
        except NotImplementedError:
            raise SubmissionError(
                "is not implemented yet (it raised NotImplementedError)"
            ) from None
        except Exception as exc:
            raise SubmissionError(f"raised {type(exc).__name__}: {exc}") from None
        value = np.asarray(value)
        self.probes.setdefault(name, []).append(read_probe(probe))
        return CallResult(
            np.array(value, dtype=np.float64, copy=True),
            str(value.dtype),
            [c if isinstance(c, np.ndarray) else None for c in copies],
            0.0,
            read_probe(probe),
        )


def grade(code: str, seed: int) -> Record:
    """A batch-shaped record of ``code`` (key and identity left out)."""
    namespace: dict[str, Any] = {"__name__": "submission"}
    exec(compile(code, "student.py", "exec"), namespace)
    watched = Watched(namespace)
    env: dict[str, Any] = {
        q: SubmittedFunction(watched, COURSE.question(q), COURSE) for q in QUESTIONS
    }
    env.update(COURSE.given())
    cases, scores, possible = [], {}, {}
    for question in QUESTIONS:
        suite = load_question(COURSE, question)
        tf = run_question(suite, env, seed, COURSE.config.features)
        scores[question], possible[question] = round(tf.score, 5), round(tf.possible, 5)
        for r in tf.test_case_results:
            cases.append(
                CaseRecord(
                    question=question,
                    case=r.test_case.name,
                    hidden=bool(r.test_case.hidden),
                    points=float(r.test_case.points or 0),
                    passed=bool(r.passed),
                    message="" if r.passed else r.detail[:600],
                    causes=() if r.passed else tuple(r.causes),
                )
            )
    flags = probing.judge({q: watched.probes.get(q, []) for q in QUESTIONS})
    return Record(
        key="",
        status="graded",
        scores=scores,
        possible=possible,
        total=round(sum(scores.values()), 5),
        seed=seed,
        cases=tuple(cases),
        flags=tuple(f.as_record() for f in flags),
    )


def records_for(sources: dict[str, str]) -> tuple[list[Record], int]:
    graded: dict[str, Record] = {}
    records = []
    rng = random.Random(1)
    for i, (key, code) in enumerate(sorted(sources.items())):
        digest = hashlib.sha256(code.encode()).hexdigest()
        if digest not in graded:
            graded[digest] = grade(code, seed=len(graded))
        name = f"{rng.choice(NAMES)} {chr(65 + i % 26)}."
        records.append(
            dataclasses.replace(
                graded[digest],
                key=key,
                submission_id=key.split("_")[1],
                submitters=(Submitter(name=name, email=f"s{i}@example.edu", sid=str(i)),),
                seconds=round(0.2 + rng.random(), 3),
            )
        )
    return records, len(graded)


def section_sizes(page: str) -> list[tuple[str, int]]:
    starts = [(m.start(), m.group(1)) for m in re.finditer(r"<h2>([^<]+)</h2>", page)]
    bounds = [*starts, (len(page), "")]
    return [(title, bounds[i + 1][0] - start) for i, (start, title) in enumerate(starts)]


def chromium_seconds(page: Path, profile: Path) -> float | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", "--window-size=1280,20000"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        [browser, *flags, f"--screenshot={profile / 'shot.png'}", page.resolve().as_uri()],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--out", type=Path, help="keep the page here")
    args = parser.parse_args()

    started = time.perf_counter()
    sources = make_class(args.count)
    records, distinct = records_for(sources)
    print(f"class: {len(records)} submissions, {distinct} distinct files graded in process "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip

    boilerplate = similarity.boilerplate_code(COURSE)  # as the CLI compares
    with tempfile.TemporaryDirectory() as cache:  # as in a batch's output folder
        started = time.perf_counter()
        similarity.compare(sources, 0.8, boilerplate=boilerplate, cache=Path(cache))
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        comparison = similarity.compare(sources, 0.8, boilerplate=boilerplate, cache=Path(cache))
        look_s = time.perf_counter() - started
    started = time.perf_counter()
    diagnosis = diagnose_class(COURSE, records)
    count_s = time.perf_counter() - started
    started = time.perf_counter()
    page = render_report(COURSE, records, similarity=comparison, diagnosis=diagnosis)
    render_s = time.perf_counter() - started

    flagged = sum(bool(r.flags) for r in records)
    print(f"look-alike search:   {cold_s:6.2f} s  first run; {look_s:.2f} s again (tokens cached)"
          f"  ({len(comparison.compared)} compared, {len(comparison.pairs)} pairs in "
          f"{len(comparison.groups)} groups)")  # fmt: skip
    print(f"misconceptions:      {count_s:6.2f} s  ({len(diagnosis.misconceptions)} causes named, "
          f"{flagged} submissions flagged not-derived)")  # fmt: skip
    print(f"render report.html:  {render_s:6.2f} s")
    size = len(page.encode("utf-8"))
    print(f"page size:           {size / 1024:6.0f} KiB")
    for title, chars in section_sizes(page):
        print(f"  {title:32s} {chars / 1024:6.0f} KiB")

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "report.html"
        path.write_text(page, encoding="utf-8")
        seconds = chromium_seconds(path, Path(tmp) / "profile")
        if seconds is None:
            print("chromium:            not installed")
        else:
            print(f"chromium, load + lay out + full screenshot: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
