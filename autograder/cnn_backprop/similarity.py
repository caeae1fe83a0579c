"""Look-alike submissions: pairs whose own code is suspiciously similar.

The fingerprinting is copydetect's (``pip install "cnn-backprop[similarity]"``), a well-kept
implementation of winnowing as MOSS does it: the code is tokenized with Pygments, every
variable, function and class name becomes one letter and comments and whitespace go, so
renaming variables and rewording comments change nothing; the filtered text is cut into
overlapping ``NOISE``-character k-grams whose hashes are compared as sets, so reordering
functions changes almost nothing either.  The handout's own code (the stubs, the given
forward passes, the finite-difference checker: what ``handout.py`` generates) is removed as
boilerplate: two students do not look alike for keeping what they were given.

A pair's similarity is copydetect's: the share of a submission's own code (its fingerprints
left after the boilerplate) covered by fingerprints found in the other.  Of the two shares,
the larger counts, so copying a classmate and adding code does not hide the copy.  A pair is
flagged when it reaches the course's ``similarity_threshold`` (default 0.8; independent
correct solutions of different styles stay below 0.55, disguised copies score above 0.9).
Submissions with less than ``MIN_OWN`` characters of filtered code of their own (a blank
template, one line written) are not compared: sharing ``return np.zeros_like(x)`` proves
nothing.

Two choices keep the result the same from run to run: every k-gram is kept (a winnowing
window of 1) because copydetect hashes with Python's per-process salted ``hash``, and the
minimum a larger window would pick depends on that salt; and all fingerprints of a batch are
computed in one process.  To stay fast on a large class: tokenizing (most of the time) is
kept between runs in ``DIR/.similarity/``, by content hash (the hashes never are); a file
handed in several times is fingerprinted and compared once; a pair is measured only if it
shares at least ``PREFILTER`` times the threshold of the smaller one's distinct fingerprints
(a copy shares over 80 %, independent solutions about 25 %), with array arithmetic that
gives ``compare_files``'s figures; ``compare_files`` itself marks the shown pairs' code.

``DIR/similarity.csv`` has one row per flagged pair, most similar first:
``submission_a,submission_b,similarity`` (the submissions' folder names in ``DIR``, in
alphabetical order; the similarity to three decimals).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import itertools
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .atomic import write_json, write_text
from .batch import csv_cell
from .submission import BadSubmission, load_submission

if TYPE_CHECKING:
    from .course import Course

NOISE = 50  # copydetect's noise threshold k: filtered characters per fingerprint
WINDOW = 1  # winnowing window: keep every k-gram (deterministic; see the module docstring)
MIN_OWN = 150  # filtered characters of a submission's own code needed to compare it
PREFILTER = 0.5
SHOWN_PAIRS = 20  # pairs shown side by side in the report (all of them are in the CSV)
CONTEXT = 3  # lines kept around the shared parts in the side-by-side excerpts
CSV_FILE = "similarity.csv"
CACHE_DIR = ".similarity"  # in the batch's output folder: each file's tokens, by content
CSV_HEADER = ("submission_a", "submission_b", "similarity")
INSTALL = 'pip install "cnn-backprop[similarity]"'


def unavailable() -> str:
    """Why look-alikes cannot be searched for here ('' when they can)."""
    try:
        import copydetect  # noqa: F401
    except ImportError:
        return (
            "look-alike submissions were not searched for: the copydetect package is not "
            f"installed ({INSTALL})"
        )
    return ""


def submission_code(path: str | Path) -> str | None:
    """The code a submission runs, as one text (a notebook's code cells in order), or None."""
    try:
        submission = load_submission(path)
    except (BadSubmission, OSError):
        return None
    if len(submission.cells) == 1:
        return submission.cells[0][1]
    # a comment line between cells: comments are filtered out, so it never counts as shared
    return "\n\n".join(f"# {label}\n{source}" for label, source in submission.cells)


def boilerplate_code(course: Course) -> str:
    """Everything the handout gives students: the ``.py`` module, the notebook's setup and
    its export cell (a hundred given lines that every notebook submission carries)."""
    from . import handout

    parts = [handout.build_module(course), handout.setup_cell(), handout.export_cell(course.root)]
    return "\n\n".join(parts)


@dataclass(frozen=True)
class Pair:
    """Two look-alike submissions (``a < b``), with each one's share found in the other."""

    a: str
    b: str
    shares: tuple[float, float]

    @property
    def similarity(self) -> float:
        return max(self.shares)


@dataclass
class Comparison:
    """The look-alike search of one batch.

    Attributes
    ----------
    threshold : float
        The course's ``similarity_threshold``.
    compared : list of str
        The submissions compared (those with enough code of their own).
    left_out : list of str
        Submissions not compared: unreadable, or too little code of their own.
    pairs : list of Pair
        The flagged pairs, most similar first.
    groups : list of list of str
        Submissions linked by flagged pairs (connected components), largest first.
    shown : list of dict
        Up to ``SHOWN_PAIRS`` pairs with excerpts of both files (see ``side_by_side``).
    unavailable : str
        Why nothing was compared ('' when it was).
    seconds : float
        Time taken.
    """

    threshold: float
    compared: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    shown: list[dict[str, Any]] = field(default_factory=list)
    unavailable: str = ""
    seconds: float = 0.0


def compare(
    sources: Mapping[str, str | None],
    threshold: float,
    *,
    boilerplate: str = "",
    shown: int = SHOWN_PAIRS,
    cache: Path | None = None,
) -> Comparison:
    """Find the pairs of ``sources`` (key -> code, None if unreadable) at or above ``threshold``.

    Parameters
    ----------
    sources : mapping
        Each submission's key (its folder in the batch's output) and code.
    threshold : float
        In (0, 1]: the share of one submission's own code found in the other.
    boilerplate : str, optional
        Code to ignore: the handout's (``boilerplate_code``), which ``compare_paths`` passes.
    shown : int
        How many of the most similar pairs get side-by-side excerpts.
    cache : Path, optional
        A folder keeping each file's tokens (by content hash) for the next run: tokenizing
        is most of the time, and a rerun of a batch mostly sees the same files.
    """
    started = time.monotonic()
    result = Comparison(threshold, unavailable=unavailable())
    if result.unavailable:
        result.left_out = sorted(sources)
        return result
    import numpy as np
    from copydetect import compare_files

    given = _Fingerprint(boilerplate, None, None)
    skip = np.array(sorted(given.hashes), dtype=np.int64)
    handout_lines = {line.strip() for line in boilerplate.splitlines()}
    prints: dict[str, _Fingerprint] = {}
    by_content: dict[str, _Fingerprint] = {}  # identical files are fingerprinted once
    for key in sorted(sources):
        code = sources[key]
        if not code:
            result.left_out.append(key)
            continue
        digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
        if digest not in by_content:
            by_content[digest] = _Fingerprint(code, skip, cache, digest)
        if by_content[digest].token_coverage < MIN_OWN:
            result.left_out.append(key)
        else:
            prints[key] = by_content[digest]
    result.compared = sorted(prints)
    # files handed in more than once are compared once (keyed by the fingerprints' identity)
    measured: dict[tuple[int, int], tuple[float, float] | None] = {}
    for a, b in itertools.combinations(result.compared, 2):
        fa, fb = prints[a], prints[b]
        if (id(fa), id(fb)) not in measured:
            measured[(id(fa), id(fb))] = _shares(fa, fb, threshold)
        shares = measured[(id(fa), id(fb))]
        if shares is not None and max(shares) >= threshold:
            result.pairs.append(Pair(a, b, shares))
    result.pairs.sort(key=lambda p: (-p.similarity, p.a, p.b))
    result.groups = _groups(result.pairs)
    for p in result.pairs[:shown]:
        _, _, cut = compare_files(prints[p.a], prints[p.b])
        code_a, code_b = prints[p.a].raw_code, prints[p.b].raw_code
        result.shown.append(side_by_side(p, code_a, code_b, cut, handout_lines))
    result.seconds = time.monotonic() - started
    return result


def _shares(fa: _Fingerprint, fb: _Fingerprint, threshold: float) -> tuple[float, float] | None:
    """Each file's share of its own code found in the other (None: too little in common).

    The same figures as copydetect's ``compare_files`` (``test_similarity`` checks it), in a
    few array operations instead of a Python loop over the shared fingerprints: a class
    built on common code has thousands of close pairs, and only the shown ones need
    ``compare_files``'s slices.
    """
    if fa is fb:  # the same file twice: all of its own code is shared
        return (1.0, 1.0)
    shared = fa.hashes & fb.hashes
    if len(shared) < PREFILTER * threshold * min(len(fa.hashes), len(fb.hashes)):
        return None
    import numpy as np

    common = np.fromiter(shared, dtype=np.int64, count=len(shared))
    return (fa.share_of(common), fb.share_of(common))


class _Fingerprint:
    """copydetect's ``CodeFingerprint``, built from copydetect's own steps (``filter_code``,
    ``get_document_fingerprints``, ``get_token_coverage``), so that the first step, the
    tokenizing, can be kept between runs: its output depends on the code alone, while the
    hashes depend on the process (Python's salted ``hash``) and are always recomputed.
    """

    def __init__(self, code: str, skip: Any, cache: Path | None, digest: str = "") -> None:
        import numpy as np
        from copydetect.utils import filter_code, get_document_fingerprints, get_token_coverage

        tokens = _read_tokens(cache, digest)
        if tokens is None:
            filtered, offsets = filter_code(code, "submission.py", "python")
            tokens = (filtered, np.asarray(offsets, dtype=np.int64).reshape(-1, 2))
            _write_tokens(cache, digest, tokens)
        self.raw_code = code
        self.filtered_code, self.offsets = tokens
        self.k = NOISE
        self.hashes, self.hash_idx = get_document_fingerprints(
            self.filtered_code, NOISE, WINDOW, skip
        )
        self.token_coverage = get_token_coverage(self.hash_idx, NOISE, len(self.filtered_code))
        # every (fingerprint, position in the filtered code), for ``share_of``
        pairs = [(h, i) for h, positions in self.hash_idx.items() for i in positions]
        self.position_hashes = np.array([h for h, _ in pairs], dtype=np.int64)
        self.positions = np.array([i for _, i in pairs], dtype=np.int64)

    def share_of(self, common: Any) -> float:
        """The share of this file's own code covered by the fingerprints in ``common``.

        As ``compare_files`` measures it: the tokens in the union of the k-grams at every
        position whose fingerprint is shared, over ``token_coverage``.
        """
        import numpy as np

        starts = np.sort(self.positions[np.isin(self.position_hashes, common)])
        if not len(starts) or not self.token_coverage:
            return 0.0
        covered = NOISE + int(np.minimum(np.diff(starts), NOISE).sum())
        return covered / float(self.token_coverage)


TOKENS_FORMAT = 1


def _read_tokens(cache: Path | None, digest: str) -> tuple[str, Any] | None:
    if cache is None or not digest:
        return None
    import numpy as np

    try:
        data = json.loads((cache / f"{digest}.json").read_text(encoding="utf-8"))
        if data["format"] != TOKENS_FORMAT or data["engine"] != _engine():
            return None
        offsets = np.asarray(data["offsets"], dtype=np.int64).reshape(-1, 2)
        return str(data["filtered"]), offsets
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_tokens(cache: Path | None, digest: str, tokens: tuple[str, Any]) -> None:
    if cache is None or not digest:
        return
    data = {
        "format": TOKENS_FORMAT,
        "engine": _engine(),
        "filtered": tokens[0],
        "offsets": tokens[1].tolist(),
    }
    with contextlib.suppress(OSError):  # a cache: grading goes on without it
        write_json(data, cache / f"{digest}.json", indent=0)


@functools.cache
def _engine() -> str:
    """What the tokens depend on besides the code: the tokenizer's versions."""
    from importlib.metadata import version

    return f"copydetect {version('copydetect')}, pygments {version('pygments')}"


def compare_paths(
    course: Course, files: Mapping[str, str | Path | None], **options: Any
) -> Comparison:
    """``compare`` on submission files (key -> path; None: nothing to read), at the course's
    ``similarity_threshold``, leaving out the course's handout code.

    ``options``: ``compare``'s keywords (``cache``, ``shown``).
    """
    sources = {key: submission_code(path) if path else None for key, path in files.items()}
    threshold = course.config.similarity_threshold
    return compare(sources, threshold, boilerplate=boilerplate_code(course), **options)


def _groups(pairs: list[Pair]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for pair in pairs:
        parent[find(pair.a)] = find(pair.b)
    members: dict[str, list[str]] = {}
    for key in parent:
        members.setdefault(find(key), []).append(key)
    return sorted((sorted(m) for m in members.values()), key=lambda m: (-len(m), m))


def side_by_side(
    pair: Pair,
    code_a: str,
    code_b: str,
    cut: tuple[Any, Any],
    handout_lines: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A pair for the report: both files' excerpts, shared parts marked."""
    return {
        "a": pair.a,
        "b": pair.b,
        "similarity": pair.similarity,
        "shares": pair.shares,
        "left": excerpt(code_a, cut[0], handout_lines),
        "right": excerpt(code_b, cut[1], handout_lines),
    }


def excerpt(
    code: str,
    cut: Any,
    handout_lines: set[str] | frozenset[str] = frozenset(),
    context: int = CONTEXT,
) -> list[dict[str, Any]]:
    """The lines of ``code`` near its shared parts, as rows for the report.

    ``cut`` is copydetect's slices (row 0: starts, row 1: ends, in characters of ``code``).
    A fingerprint spans several lines, so a shared run starts or ends a few lines into its
    neighbours: lines that are the handout's own, and lines that are only a comment (which the
    fingerprints ignore), are never marked.  Each row is ``{"number": n, "parts": [(text,
    shared), ...]}``, or ``{"gap": n}`` for ``n`` lines left out.
    """
    marked = [False] * (len(code) + 1)
    starts, ends = (list(cut[0]), list(cut[1])) if len(cut) == 2 else ([], [])
    for start, end in zip(starts, ends, strict=True):
        for i in range(max(int(start), 0), min(int(end), len(code))):
            marked[i] = True
    rows: list[dict[str, Any]] = []
    position = 0
    for number, line in enumerate(code.split("\n"), start=1):
        parts: list[tuple[str, bool]] = []
        text = line.strip()
        plain = not text or text.startswith("#") or text in handout_lines
        for shared, run in itertools.groupby(
            range(position, position + len(line)), key=lambda i: marked[i] and not plain
        ):
            indices = list(run)
            parts.append((code[indices[0] : indices[-1] + 1], shared))
        rows.append({"number": number, "parts": parts, "shared": any(s for _, s in parts)})
        position += len(line) + 1
    near = set()
    for i, row in enumerate(rows):
        if row["shared"]:
            near.update(range(i - context, i + context + 1))
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if i in near:
            out.append(row)
        elif out and "gap" in out[-1]:
            out[-1]["gap"] += 1
        else:
            out.append({"gap": 1})
    return out


def write_csv(result: Comparison, path: str | Path) -> Path | None:
    """Write ``similarity.csv`` atomically; with nothing compared, remove a stale one instead.

    A file listing no pairs would read as "no look-alikes"; when the search could not run,
    there is no file at all (the report and the command say why).
    """
    path = Path(path)
    if result.unavailable:
        path.unlink(missing_ok=True)
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows([csv_cell(p.a), csv_cell(p.b), f"{p.similarity:.3f}"] for p in result.pairs)
    return write_text(buffer.getvalue(), path)
