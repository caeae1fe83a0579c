"""The handout as students see it: legible figures, and numbers that agree with the reference.

The student notebook is built into a temporary folder, executed with a real kernel (the blank
stubs raise NotImplementedError, which only their own cells may show) and rendered to HTML with
nbconvert, as Jupyter would display it.  About 10 s.
"""

from __future__ import annotations

import ast
import base64
import html
import io
import itertools
import re
from pathlib import Path

import nbformat
import numpy as np
import oracles
import pytest
from checkout import COURSE, QUESTIONS
from cnn_backprop import figures
from cnn_backprop.course import load
from cnn_backprop.handout import NOTEBOOK, VALUE, HandoutError, build_notebook
from cnn_backprop.handout import write_student_folder as write_folder
from matplotlib.image import imread
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExecutePreprocessor

REPO = Path(__file__).resolve().parents[1]
MISTAKES = ["flip", "stride", "padding", "dilation", "batch-sum", "channels", "accumulate"]
MISTAKES += ["ties", "max-init", "pool-padding", "default-stride", "inplace", "precision"]
ANCHORS = ["conclusion-1", "conclusion-2", "conclusion-3", "ties"] + [
    f"mistake-{name}" for name in MISTAKES
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    folder = tmp_path_factory.mktemp("student")
    write_folder(
        COURSE, folder
    )  # a scratch copy: the export cell writes its zip next to the notebook
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    ExecutePreprocessor(timeout=120, allow_errors=True, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(folder)}}
    )
    return nb


@pytest.fixture(scope="module")
def page(executed: nbformat.NotebookNode) -> str:
    body, _ = HTMLExporter().from_notebook_node(executed)
    return body


def images(page: str) -> dict[str, bytes]:
    """The PNGs of the HTML page by alt text."""
    found = {}
    for tag in re.findall(r"<img\b[^>]*>", page):
        alt = re.search(r'alt="([^"]*)"', tag)
        src = re.search(r'src="data:image/png;base64,([^"]*)"', tag)
        if alt and src:
            found[html.unescape(alt.group(1))] = base64.b64decode(src.group(1))
    return found


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_every_figure_is_displayed_and_not_blank(page: str, name: str) -> None:
    shown = images(page)
    alt = figures.FIGURES[name].alt
    assert alt in shown, f"figure {name} is missing from the rendered notebook"
    assert shown[alt] == figures.render(COURSE, name)
    pixels = imread(io.BytesIO(shown[alt]), format="png")[:, :, :3]
    assert pixels.shape[0] > 200 and pixels.shape[1] > 500
    ink = np.mean(pixels.min(axis=2) < 0.9)  # the share of pixels that are not (nearly) white
    assert 0.02 < ink < 0.6, f"figure {name}: {ink:.1%} of the pixels are drawn"
    assert pixels.std() > 0.05
    # colour, not only black lines: the figures code taps and windows by colour
    assert np.mean(np.ptp(pixels, axis=2) > 0.2) > 0.003


def stub_related(cell: nbformat.NotebookNode) -> bool:
    """The stub, self-check and check cells: the only ones a blank stub may make fail."""
    source = cell.source.strip()
    return any(
        (source.startswith(f"def {q}(") and "NotImplementedError" in source)
        or source in (f"gradcheck_{q}({q})", f'grader.check("{q}")')
        for q in QUESTIONS
    )


def test_only_stub_cells_show_errors(executed: nbformat.NotebookNode) -> None:
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), "some cells did not run"
    for cell in code:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                assert stub_related(cell), f"{out['ename']} in\n{cell.source[:300]}"
                assert out["ename"] == "NotImplementedError", out["evalue"]


def test_anchors_for_feedback_links_exist(executed: nbformat.NotebookNode) -> None:
    text = "\n".join(c.source for c in executed.cells if c.cell_type == "markdown")
    for anchor in ANCHORS:
        assert text.count(f'<a id="{anchor}"></a>') == 1, anchor


# ---- The numbers in the text ----------------------------------------------------------------


def test_worked_examples_agree_with_the_independent_oracles() -> None:
    """The reference computed the text's numbers; the literal-loop oracles must agree."""
    for ex in figures.examples(COURSE).values():
        oracle = getattr(oracles, f"{ex.function}_oracle")
        np.testing.assert_allclose(ex["out"], oracle(**ex.args), err_msg=ex.name)


def test_every_worked_example_is_quoted_and_every_figure_used() -> None:
    text = (REPO / "assignment" / "handout.md").read_text()
    quoted = {ref.split(".")[0] for ref in VALUE.findall(text)}
    assert quoted == set(figures.examples(COURSE))
    used = re.findall(r"^\{\{\s*figure:\s*(\w+)\s*\}\}$", text, flags=re.M)
    assert sorted(used) == sorted(figures.FIGURES)


MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", flags=re.S)
NUMERIC = re.compile(r"^(?:[\d\s.+\-*/()\[\],]|floor)+$")
LATEX = {
    r"\cdot": "*",
    r"\lfloor": "floor(",
    r"\rfloor": ")",
    r"\left": "",
    r"\right": "",
    r"\,": " ",
    r"\;": " ",
    r"\!": "",
    r"\ ": " ",
}


def evaluate(node: ast.AST) -> float | list:
    """Numbers, + - * /, unary minus, floor() and lists: nothing else evaluates."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = evaluate(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        a, b = evaluate(node.left), evaluate(node.right)
        ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
        return float(ops[type(node.op)](a, b))
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "floor":
        return float(np.floor(evaluate(node.args[0])))
    if isinstance(node, ast.List):
        return [evaluate(e) for e in node.elts]
    raise ValueError(ast.dump(node))


def equalities(markdown: str) -> list[tuple[str, str]]:
    """Adjacent numeric sides of every ``a = b = c`` chain in the text's mathematics."""
    pairs = []
    for match in MATH.finditer(markdown):
        math = match.group(1) or match.group(2)
        for latex, python in LATEX.items():
            math = math.replace(latex, python)
        sides = [s.strip().rstrip(".,").strip() for s in math.split("=")]  # sentence stops
        for left, right in itertools.pairwise(sides):
            if all(NUMERIC.match(s) and re.search(r"\d", s) for s in (left, right)):
                pairs.append((left, right))
    return pairs


def test_arithmetic_in_the_text_is_right() -> None:
    """Hand-written sums like ``[1 + 0 - 3 + 8, ...] = {{ value: conv_w.out }}`` must hold.

    The results come from the reference through the placeholders, so this ties the text's
    intermediate steps to the graded behaviour.
    """
    nb = build_notebook(COURSE)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "{{" not in markdown
    pairs = equalities(markdown)
    assert len(pairs) >= 10, pairs  # the worked examples' chains were found
    for left, right in pairs:
        a, b = (evaluate(ast.parse(s, mode="eval")) for s in (left, right))
        assert np.shape(a) == np.shape(b) and np.allclose(a, b), f"{left} = {right}"


def test_equalities_checker_catches_a_wrong_sum() -> None:
    pairs = equalities(r"so $\partial F / \partial w = [\,1 + 0 - 3 + 8,\ 2\,] = [7, 2]$")
    assert len(pairs) == 1
    left, right = (evaluate(ast.parse(s, mode="eval")) for s in pairs[0])
    assert (left, right) == ([6.0, 2.0], [7.0, 2.0])


# ---- Reproducibility and the directives -----------------------------------------------------


def png_chunks(data: bytes) -> list[bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, i = [], 8
    while i < len(data):
        (length,) = np.frombuffer(data[i : i + 4], dtype=">u4")
        chunks.append(data[i + 4 : i + 8])
        i += 12 + int(length)
    return chunks


@pytest.mark.parametrize("name", list(figures.FIGURES))
def test_figures_are_byte_for_byte_reproducible(name: str) -> None:
    first = figures.render(COURSE, name)
    assert figures.render.__wrapped__(COURSE, name) == first  # drawn afresh, not from the cache
    assert png_chunks(first) == [b"IHDR", b"IDAT", b"IEND"]  # no metadata, no timestamp


def test_bad_placeholders_and_figures_are_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for folder in ("assignment", "solutions"):
        (tmp_path / folder).mkdir()
        for f in (REPO / folder).glob("*.py"):
            (tmp_path / folder / f.name).write_text(f.read_text())
    for name in ("pyproject.toml", "otter_config.json"):  # the install line, the tie rule
        (tmp_path / name).write_text((REPO / name).read_text())
    for folder in ("tests/public", "tests/hidden"):  # the course's questions
        (tmp_path / folder).mkdir(parents=True)
        for f in (REPO / folder).glob("test_*.py"):
            (tmp_path / folder / f.name).write_text(f.read_text())
    handout = (REPO / "assignment" / "handout.md").read_text()
    for old, new, message in [
        ("{{ value: conv_w.out }}", "{{ value: conv_w.nope }}", "no field 'nope'"),
        ("{{ value: conv_w.out }}", "{{ value: nope.out }}", "no worked example"),
        ("{{ value: conv_w.out }}", "{{ valeu: conv_w.out }}", "unknown placeholder"),
        ("{{ figure: conv_forward }}", "{{ figure: nope }}", "no figure named"),
        ("{{ figure: conv_forward }}", "", "exactly once"),
    ]:
        (tmp_path / "assignment" / "handout.md").write_text(handout.replace(old, new, 1))
        with pytest.raises(HandoutError, match=message):
            build_notebook(load(tmp_path))


CLEARANCE = 8  # pixels between a weight label and any line but its own (old layout: 3)


def test_figure_1_weight_labels_stay_clear_of_other_lines_and_labels() -> None:
    """Each w_k label sits on its own line only, with room around it: no pile-up at crossings."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with mpl.rc_context():
        mpl.rcdefaults()
        fig = figures.FIGURES["conv_forward"].draw(COURSE)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.texts if re.fullmatch(r"\$w_\d\$", t.get_text())]
        boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in labels]
        lines = [ax.transData.transform(np.column_stack(ln.get_data())) for ln in ax.lines]
    assert len(labels) == len(lines) == 12  # one label per line, drawn in the same order
    for i, box in enumerate(boxes):
        for j, other in enumerate(boxes):
            assert i == j or not box.overlaps(other), (labels[i].get_text(), labels[j].get_text())
        for j, (a, b) in enumerate(lines):
            if j != i:
                points = a + np.linspace(0, 1, 2000)[:, None] * (b - a)
                dx = np.maximum(np.maximum(box.x0 - points[:, 0], 0), points[:, 0] - box.x1)
                dy = np.maximum(np.maximum(box.y0 - points[:, 1], 0), points[:, 1] - box.y1)
                gap = float(np.hypot(dx, dy).min())
                assert gap >= CLEARANCE, f"label {i} is {gap:.1f} px from line {j}"


def test_figure_4_says_which_input_each_value_is_for() -> None:
    """Every value of dF/dp is labelled with its input, and the rule for reading the row given."""
    fig = figures.FIGURES["stride_dilation"].draw(COURSE)
    texts = [t.get_text() for t in fig.axes[0].texts]
    stride, dilation = (
        figures.examples(COURSE)["conv_x_stride"],
        figures.examples(COURSE)["conv_x_dilation"],
    )
    widths = [stride["input_length"], dilation["input_length"]]
    assert [t for t in texts if re.fullmatch(r"\$p_\d\$", t)] == [
        f"$p_{i}$" for width in widths for i in range(width)
    ]
    assert sum("the filter starting at position $i$ gives" in t for t in texts) == 2
    assert not [t for t in texts if "centre" in t]


def test_the_install_line_comes_from_the_installed_metadata_without_pyproject(
    tmp_path: Path,
) -> None:
    """A course folder without the checkout's pyproject.toml states the same versions."""
    from cnn_backprop.handout import install_line, install_text

    assert not (tmp_path / "pyproject.toml").exists()
    assert install_line(tmp_path) == install_line(REPO)
    assert install_text(tmp_path) == install_text(REPO)
