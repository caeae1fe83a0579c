"""Look-alike submissions: copies found however disguised, independent work left alone.

The submissions are the zoo's correct styles inside the handout's ``.py``, as students hand
them in, plus copies disguised by renaming, reordering and rewording comments
(``zoo.classroom.disguise``).  copydetect does the fingerprinting for real.  About 5 s.
"""

from __future__ import annotations

import builtins
import csv
import functools
import itertools
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from checkout import COURSE
from cnn_backprop import similarity
from cnn_backprop.similarity import compare_paths, submission_code, write_csv
from zoo.classroom import (
    COPY_RENAMES,
    STYLES,
    TEMPLATE,
    disguise,
    in_template,
    style,
    with_mistake,
)
from zoo.mistakes import MISTAKES

THRESHOLD = 0.8
# as the CLI compares: the course's handout code is everyone's, not evidence of copying
compare = functools.partial(similarity.compare, boilerplate=similarity.boilerplate_code(COURSE))


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    found = {f"style_{name}": in_template(style(name)) for name in STYLES}
    for name, renames in COPY_RENAMES.items():
        found[f"copy_of_{name}"] = in_template(disguise(style(name), renames))
    return found


@pytest.fixture(scope="module")
def result(sources: dict[str, str]) -> similarity.Comparison:
    return compare(sources, THRESHOLD)


def test_disguise_really_disguises() -> None:
    original = style("windows_einsum")
    copy = disguise(original, COPY_RENAMES["windows_einsum"])
    assert re.search(r"\bxpad\b", original) and not re.search(r"\bxpad\b", copy)
    comments = [line.strip() for line in copy.splitlines() if line.strip().startswith("#")]
    assert comments and set(comments) == {"# see my notes"}
    assert copy.index("def maxpool1d_backward") < copy.index("def conv1d_backward_w")


def test_planted_copies_are_found_and_independent_styles_are_not(result) -> None:
    flagged = {(p.a, p.b) for p in result.pairs}
    planted = {tuple(sorted((f"style_{n}", f"copy_of_{n}"))) for n in COPY_RENAMES}
    assert flagged == planted
    for pair in result.pairs:
        assert pair.similarity >= 0.9, pair  # well clear of the threshold
    assert result.groups == sorted([sorted(p) for p in planted])
    assert len(result.compared) == len(STYLES) + len(COPY_RENAMES) and not result.left_out


def test_independent_styles_stay_well_below_the_threshold(sources) -> None:
    styles = {k: v for k, v in sources.items() if k.startswith("style_")}
    everything = compare(styles, 0.01)  # every pair that shares anything at all
    assert len(styles) == 7
    top = max((p.similarity for p in everything.pairs), default=0.0)
    assert top < 0.6, [(p.a, p.b, round(p.similarity, 2)) for p in everything.pairs[:3]]


def test_the_handouts_code_is_boilerplate() -> None:
    blank = TEMPLATE.read_text()
    one_line = blank.replace(
        '    raise NotImplementedError("maxpool1d_backward")', "    return np.zeros_like(x)"
    )
    result = compare({"blank_a": blank, "blank_b": blank, "one_line": one_line}, 0.01)
    # the whole file is the handout's: nothing of their own to compare, nothing flagged
    assert result.pairs == [] and sorted(result.left_out) == ["blank_a", "blank_b", "one_line"]
    # and with the handout's code counted as theirs, the blank templates would be "copies"
    naive = compare({"blank_a": blank, "blank_b": blank}, THRESHOLD, boilerplate="")
    assert [(p.a, p.b) for p in naive.pairs] == [("blank_a", "blank_b")]


def test_notebooks_are_compared_by_their_code_cells(tmp_path: Path, sources) -> None:
    code = sources["style_fft"]
    cells = [nbformat.v4.new_markdown_cell("# HW")]
    cells += [nbformat.v4.new_code_cell(part) for part in code.split("\n\n\n")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), tmp_path / "nb.ipynb")
    (tmp_path / "copy.py").write_text(sources["copy_of_fft"])
    text = submission_code(tmp_path / "nb.ipynb")
    assert text is not None and "# <cell 2>" in text
    files = {"nb": tmp_path / "nb.ipynb", "copy": tmp_path / "copy.py", "gone": None}
    result = compare_paths(COURSE, files)  # at the course's similarity_threshold
    assert [(p.a, p.b) for p in result.pairs] == [("copy", "nb")]
    assert "gone" in result.left_out


def test_side_by_side_marks_the_shared_parts_only(result) -> None:
    shown = {(s["a"], s["b"]): s for s in result.shown}
    pair = shown[("copy_of_loops", "style_loops")]
    for side in ("left", "right"):
        lines = [row for row in pair[side] if "number" in row]
        marked = ["".join(t for t, shared in row["parts"] if shared) for row in lines]
        text = "\n".join(marked)
        assert "for n in range(" in text or "for n in range(nb)" in text
        assert "def conv1d_forward" not in text  # the handout's code is never marked
        for row in lines:  # comment-only lines are ignored by the fingerprints: unmarked
            line = "".join(t for t, _ in row["parts"]).strip()
            if line.startswith("#"):
                assert not any(shared for _, shared in row["parts"]), line
        assert any("gap" in row for row in pair[side])  # the handout's 290 lines left out


def test_shares_are_copydetects_own_figures(sources) -> None:
    """The pair loop's array arithmetic gives what copydetect's compare_files gives."""
    from copydetect import compare_files

    skip = similarity._Fingerprint(similarity.boilerplate_code(COURSE), None, None).hashes
    skip = np.array(sorted(skip), dtype=np.int64)
    codes = dict(sources)
    codes["mistake"] = in_template(with_mistake(MISTAKES[0]))
    prints = {k: similarity._Fingerprint(v, skip, None) for k, v in codes.items()}
    checked = 0
    for a, b in itertools.combinations(sorted(prints), 2):
        fa, fb = prints[a], prints[b]
        _, expected, _ = compare_files(fa, fb)
        common = np.array(sorted(fa.hashes & fb.hashes), dtype=np.int64)
        assert fa.share_of(common) == pytest.approx(expected[0], abs=1e-12), (a, b)
        assert fb.share_of(common) == pytest.approx(expected[1], abs=1e-12), (a, b)
        checked += expected[0] > 0
    assert checked > 40  # most pairs share something: the comparison is not vacuous


def test_csv_is_one_row_per_pair_and_the_same_every_run(tmp_path: Path, sources, result) -> None:
    first = write_csv(result, tmp_path / "a.csv")
    again = write_csv(compare(sources, THRESHOLD), tmp_path / "b.csv")
    assert first is not None and again is not None
    assert first.read_bytes() == again.read_bytes()
    rows = list(csv.reader(first.open()))
    assert rows[0] == ["submission_a", "submission_b", "similarity"]
    assert len(rows) == 1 + len(COPY_RENAMES)
    for a, b, value in rows[1:]:
        assert a < b and 0.9 <= float(value) <= 1.0 and len(value.split(".")[1]) == 3
    values = [float(r[2]) for r in rows[1:]]
    assert values == sorted(values, reverse=True)


def test_tokens_are_kept_between_runs_and_a_bad_cache_is_ignored(tmp_path: Path, sources) -> None:
    cache = tmp_path / ".similarity"
    first = compare(sources, THRESHOLD, cache=cache)
    kept = sorted(cache.glob("*.json"))
    assert len(kept) == len(sources)  # one per distinct file, named by its content's hash
    kept[0].write_text("{not json")
    kept[1].write_text(
        '{"format": 1, "engine": "another tokenizer", "filtered": "", "offsets": []}'
    )
    again = compare(sources, THRESHOLD, cache=cache)
    assert [(p.a, p.b, p.shares) for p in again.pairs] == [
        (p.a, p.b, p.shares) for p in first.pairs
    ]
    assert again.shown == first.shown


def test_without_copydetect_it_says_so_and_leaves_no_stale_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sources
) -> None:
    stale = tmp_path / "similarity.csv"
    stale.write_text("submission_a,submission_b,similarity\nx,y,0.990\n")
    real_import = builtins.__import__

    def no_copydetect(name: str, *args, **kwargs):
        if name.split(".")[0] == "copydetect":
            raise ImportError("No module named 'copydetect'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_copydetect)
    result = compare(dict(itertools.islice(sources.items(), 3)), THRESHOLD)
    assert "copydetect package is not installed" in result.unavailable
    assert 'pip install "cnn-backprop[similarity]"' in result.unavailable
    assert result.pairs == [] and len(result.left_out) == 3
    assert write_csv(result, stale) is None and not stale.exists()


def test_independent_notebooks_in_the_handout_are_not_look_alikes(tmp_path: Path) -> None:
    """Every notebook carries the handout's given cells (forward passes, checker, export
    cell): only what students wrote may count, so different styles are never flagged."""
    import ast

    from cnn_backprop.handout import build_notebook

    files = {}
    for name in STYLES:
        source = style(name)
        functions = {
            n.name: ast.get_source_segment(source, n)
            for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef)
        }
        nb = build_notebook(COURSE)
        for cell in nb.cells:
            for function, code in functions.items():
                if cell.cell_type == "code" and cell.source.startswith(f"def {function}("):
                    cell.source = code
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
        files[name] = tmp_path / f"{name}.ipynb"
    result = compare({n: submission_code(p) for n, p in files.items()}, THRESHOLD)
    assert result.compared == sorted(files) and not result.pairs, result.pairs
