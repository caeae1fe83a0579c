"""Assemble the student handout from its sources: ``assignment/`` text + ``solutions/`` code.

Nothing is copied by hand: the stubs take their signatures and docstrings from the reference,
the forward functions are copied from the reference, the gradient checker from
``assignment/gradcheck.py``, and the text from ``assignment/handout.md``.  The numbers of the
worked examples (``{{ value: NAME.FIELD }}``) and the figures (``{{ figure: NAME }}``, PNG
attachments of the Markdown cells) are computed with the reference from
``assignment/examples.py`` by :mod:`cnn_backprop.figures`.  The same assembly with the
reference bodies left in gives the solution notebook the build grades.
"""

from __future__ import annotations

import ast
import base64
import re
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from . import config, figures, paths
from .public import render as render_public

if TYPE_CHECKING:
    from collections.abc import Callable

    from .course import Course

NOTEBOOK = "cnn_backprop_hw.ipynb"
MODULE = "cnn_backprop_hw.py"
DIRECTIVE = re.compile(r"^\{\{\s*(\w+)(?::\s*(\w+))?\s*\}\}$")
VALUE = re.compile(r"\{\{\s*value:\s*(\w+\.\w+)\s*\}\}")
LEFTOVER = re.compile(r"\{\{\s*\w+")  # any other {{ ... }} in the text is a typo
CELL_BREAK = "<!-- cell -->"
STUB_BODY = '    # YOUR CODE HERE\n    raise NotImplementedError("{name}")\n'


class HandoutError(ValueError):
    """The handout sources are inconsistent (an unknown directive, a missing question...)."""


class ReferenceSource:
    """Source segments of a course's ``solutions/reference.py``, by function name."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.path = course.root / paths.REFERENCE
        self.text = self.path.read_text(encoding="utf-8")
        tree = ast.parse(self.text)
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    def source(self, name: str) -> str:
        segment = ast.get_source_segment(self.text, self.functions[name])
        assert segment is not None
        return segment

    def helpers(self, name: str) -> list[str]:
        """Private module-level functions that ``name`` calls (one level deep is enough)."""
        called = {n.id for n in ast.walk(self.functions[name]) if isinstance(n, ast.Name)} & set(
            self.functions
        )
        return sorted(c for c in called if c.startswith("_"))

    def stub(self, name: str) -> str:
        """The signature and docstring, with a body that raises NotImplementedError."""
        node = self.functions[name]
        docstring = node.body[0]
        if not (isinstance(docstring, ast.Expr) and isinstance(docstring.value, ast.Constant)):
            raise HandoutError(f"{name} in the reference has no docstring to hand out")
        lines = self.text.splitlines(keepends=True)
        head = "".join(lines[node.lineno - 1 : docstring.end_lineno])
        return state_tie_rule(head, self.course.config.tie_rule) + STUB_BODY.format(name=name)

    def given(self) -> set[str]:
        """The forward passes and the private helpers they call: handed out as they are."""
        names = self.course.forwards
        return set(names) | {h for f in names for h in self.helpers(f)}

    def forward_cell(self) -> str:
        names = list(self.course.forwards)
        helpers = sorted({h for f in names for h in self.helpers(f)})
        return "\n\n\n".join(self.source(n) for n in names + helpers)

    def solution(self, name: str, given: set[str]) -> str:
        extra = [h for h in self.helpers(name) if h not in given]
        code = "\n\n\n".join(self.source(n) for n in [name, *extra])
        if "TIE_RULE" in code:  # the reference reads the course's rule from a module constant
            code = f'TIE_RULE = "{self.course.config.tie_rule}"\n\n\n' + code
        return code


REFERENCE_TIE_SENTENCE = (
    "On a tie\n    the whole delta goes to the FIRST maximal element (lowest index), as in\n"
    "    PyTorch and ``np.argmax``;"
)
TIE_SENTENCES = {
    "first": REFERENCE_TIE_SENTENCE,
    "all": "On a tie\n    EVERY maximal element gets the whole delta (the note's equations\n"
    "    18-23 read literally);",
    "split": "On a tie\n    the maximal elements SHARE the delta equally (delta / their count);",
}


def state_tie_rule(text: str, rule: str) -> str:
    """Rewrite the reference docstring's tie sentence for the course's rule."""
    if REFERENCE_TIE_SENTENCE not in text:
        return text
    return text.replace(REFERENCE_TIE_SENTENCE, TIE_SENTENCES[rule])


CONDITION = re.compile(r"^<!--\s*if\s+tie_rule:\s*([\w ]+?)\s*-->$")
END_CONDITION = "<!-- endif -->"
DROPPED = "\x00"  # a line the course's choices leave out (kept as a line: numbers stay right)


def select_for_course(text: str, rule: str) -> str:
    """Keep the ``<!-- if tie_rule: all split -->`` ... ``<!-- endif -->`` blocks that apply."""
    out, keep, open_at = [], True, 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = CONDITION.match(line.strip())
        if match:
            if open_at:
                raise HandoutError(f"assignment/handout.md:{number}: nested <!-- if -->")
            rules = match.group(1).split()
            if not set(rules) <= set(config.TIE_RULES):
                raise HandoutError(f"assignment/handout.md:{number}: unknown tie rule in {rules}")
            keep, open_at = rule in rules, number
            out.append(DROPPED)
        elif line.strip() == END_CONDITION:
            if not open_at:
                raise HandoutError(f"assignment/handout.md:{number}: <!-- endif --> without if")
            keep, open_at = True, 0
            out.append(DROPPED)
        else:
            out.append(line if keep else DROPPED)
    if open_at:
        raise HandoutError(f"assignment/handout.md:{open_at}: <!-- if --> never closed")
    return "\n".join(out)


SCOPE_LINES = {
    "batch": ("batches of several samples (N > 1)", "one sample (N = 1)"),
    "channels": ("several input and output channels", "one channel (C_in = C_out = 1)"),
    "stride": (
        "stride 2-4 (conv), and pooling windows that overlap or leave gaps",
        "stride 1 for the convolution, and pooling windows side by side (the default stride)",
    ),
    "padding": ("zero padding (conv) and -inf padding (pooling)", "no padding"),
    "dilation": ("dilation 2-3", "no dilation (dilation = 1)"),
    "float32": ("float32 as well as float64 inputs", "float64 inputs only"),
}


def scope_text(course: config.CourseConfig) -> str:
    """The course's scope as a list for the handout: exactly what the hidden tests use."""
    lines = [
        f"  - {SCOPE_LINES[f][0] if course.enabled(f) else SCOPE_LINES[f][1]}"
        for f in config.FEATURES
    ]
    rule = {"first": "first maximal element", "all": "every maximal element",
            "split": "shared equally"}[course.tie_rule]  # fmt: skip
    lines.append(f"  - ties in max-pooling, routed by this course's rule ({rule})")
    return "\n".join(lines)


# What students install: these packages at the versions pyproject.toml gives them (one source
# for the instructor's and the students' versions), and a Jupyter front end for the notebook.
# `otter check` runs a .py file in a Jupyter kernel too: the .py route needs ipykernel, which
# JupyterLab brings.
STUDENT_PACKAGES = ("numpy", "otter-grader")
FRONT_END = "jupyterlab"
KERNEL_ONLY = "ipykernel"


def project_requirements(root: Path) -> tuple[dict[str, str], str]:
    """The project's dependencies (name -> version spec, extras dropped) and requires-python.

    From ``pyproject.toml`` in the checkout (read with a regular expression: ``tomllib`` is not
    in Python 3.10's standard library), else from the installed distribution's metadata,
    which carries the same facts (a course folder without the checkout's pyproject.toml).
    """
    path = root / "pyproject.toml"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        block = re.search(r"^dependencies\s*=\s*\[(.*?)^\]", text, re.M | re.S)
        python = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M)
        if block is None or python is None:
            raise HandoutError(f"{path}: cannot find dependencies and requires-python")
        listed = re.findall(r'^\s*"([^"]+)"', block.group(1), re.M)
        requires_python = python.group(1)
    else:
        from importlib import metadata

        try:
            listed = [r for r in metadata.requires("cnn-backprop") or [] if ";" not in r]
            requires_python = metadata.metadata("cnn-backprop")["Requires-Python"]
        except metadata.PackageNotFoundError:
            raise HandoutError(
                f"no pyproject.toml in {root} and cnn-backprop is not installed: "
                "install it from the checkout with `pip install -e .`"
            ) from None
    specs = {}
    for requirement in listed:
        found = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?(.*)", requirement.strip())
        if found:
            specs[found.group(1).lower()] = found.group(2).strip()
    return specs, requires_python


def python_versions(spec: str) -> str:
    """``>=3.10,<3.14`` as ``3.10 to 3.13``."""
    low = re.search(r">=\s*3\.(\d+)", spec)
    high = re.search(r"<\s*3\.(\d+)", spec)
    if low is None:
        raise HandoutError(f"pyproject.toml: requires-python {spec!r} has no lower bound")
    if high is None:
        return f"3.{low.group(1)} or newer"
    return f"3.{low.group(1)} to 3.{int(high.group(1)) - 1}"


def install_line(root: Path, jupyter: str = FRONT_END) -> str:
    """The one command a student runs to install what the handout needs.

    ``jupyter``: ``jupyterlab`` (the notebook, and the .py route too) or ``ipykernel`` (enough
    for the .py route: ``otter check`` runs the file in a kernel).
    """
    specs, _ = project_requirements(root)
    missing = [p for p in STUDENT_PACKAGES if p not in specs]
    if missing:
        raise HandoutError(f"pyproject.toml does not list {missing}")
    packages = [f'"{p}{specs[p]}"' if specs[p] else p for p in STUDENT_PACKAGES]
    return "python -m pip install " + " ".join([*packages, jupyter])


def install_text(root: Path) -> str:
    """The handout's setup paragraph: the Python versions and the one install line."""
    _, python = project_requirements(root)
    return (
        f"You need **Python {python_versions(python)}** (the code uses type hints such as "
        "`int | None`, new in Python 3.10) and a few packages, installed with one line in a "
        "terminal (inside a virtual environment if you use one):\n\n"
        f"```bash\n{install_line(root)}\n```\n\n"
        "NumPy runs your code and the finite-difference self-checks; Otter-Grader runs the "
        "public tests (`grader.check`) and makes your submission zip; JupyterLab opens this "
        "notebook and gives Otter the Python kernel it runs the tests in. Nothing else is "
        "needed: the figures are inside the notebook."
    )


def gradcheck_source(root: Path) -> str:
    text = (root / "assignment" / "gradcheck.py").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.rstrip().endswith("# handout: omit")]
    return "\n".join(kept).strip() + "\n"


def export_cell(root: Path) -> str:
    """The submission cell: ``assignment/export.py`` and its call (in Jupyter only)."""
    text = (root / "assignment" / "export.py").read_text(encoding="utf-8")
    return (
        "# Given: making your submission zip.  Save the notebook first (File > Save, or\n"
        "# Ctrl+S), then run this cell.\n"
        + text.strip()
        + "\n\n\n"
        + 'if __name__ == "__main__":  # in Jupyter; the autograder never makes a zip\n'
        + f'    export_submission("{NOTEBOOK}")\n'
    )


def setup_cell() -> str:
    return f'import numpy as np\nimport otter\n\ngrader = otter.Notebook("{NOTEBOOK}")\n'


def build_notebook(course: Course, *, solution: bool = False) -> nbformat.NotebookNode:
    """The handout notebook: stubs for students, or the reference bodies when ``solution``."""
    root, rule = course.root, course.config.tie_rule
    code = _code_cells(course, solution=solution)
    text = (root / "assignment" / "handout.md").read_text(encoding="utf-8")
    cells: list[nbformat.NotebookNode] = []
    seen: dict[str, list[str]] = {}
    markdown: list[str] = []
    attachments: dict[str, dict[str, str]] = {}

    def flush() -> None:
        body = "\n".join(markdown).strip()
        if body:
            cell = nbformat.v4.new_markdown_cell(body)
            if attachments:  # figures travel inside the cell: nothing extra to hand out
                cell["attachments"] = dict(attachments)
            cells.append(cell)
        markdown.clear()
        attachments.clear()

    for number, line in enumerate(select_for_course(text, rule).splitlines(), start=1):
        if line == DROPPED:
            continue
        if line.strip() == CELL_BREAK:
            flush()
            continue
        match = DIRECTIVE.match(line.strip())
        if not match:
            markdown.append(_fill_values(course, line, number))
            continue
        kind, arg = match.group(1), match.group(2)
        if kind == "scope":  # what the hidden tests use: stated from the course configuration
            markdown.append(scope_text(course.config))
            seen.setdefault(kind, []).append("")
            continue
        if kind == "install":  # Python versions and packages, from pyproject.toml
            markdown.append(install_text(root))
            seen.setdefault(kind, []).append("")
            continue
        if kind == "figure":
            if arg not in figures.FIGURES:
                raise HandoutError(f"assignment/handout.md:{number}: no figure named {arg!r}")
            filename = f"{arg}.png"
            markdown.append(f"![{figures.FIGURES[arg].alt}](attachment:{filename})")
            attachments[filename] = {
                "image/png": base64.b64encode(figures.render(course, arg)).decode("ascii")
            }
            seen.setdefault(kind, []).append(arg)
            continue
        flush()
        if kind not in code or (kind in ("stub", "selfcheck", "check")) != (arg in course.names):
            raise HandoutError(f"assignment/handout.md: bad directive {line.strip()!r}")
        seen.setdefault(kind, []).append(arg or "")
        cells.append(nbformat.v4.new_code_cell(code[kind](arg).rstrip() + "\n"))
    flush()
    _check_directives(course, seen)
    return _notebook(cells)


def _code_cells(course: Course, *, solution: bool) -> dict[str, Callable[[str], str]]:
    """What each code directive of the handout becomes: ``{{ kind: arg }}`` -> source."""
    ref = ReferenceSource(course)
    given = ref.given()
    root = course.root
    return {
        "setup": lambda _: setup_cell(),
        "forward": lambda _: (
            "# Given: the forward passes (do not change them).\n" + ref.forward_cell()
        ),
        "gradcheck": lambda _: (
            "# Given: the finite-difference gradient checker.\n" + gradcheck_source(root)
        ),
        "stub": lambda q: ref.solution(q, given) if solution else ref.stub(q),
        "selfcheck": lambda q: f"gradcheck_{q}({q})",
        "check": lambda q: f'grader.check("{q}")',
        "export": lambda _: export_cell(root),
    }


def _check_directives(course: Course, seen: dict[str, list[str]]) -> None:
    """Every figure once, and one stub and one check cell per question."""
    if sorted(seen.get("figure", [])) != sorted(figures.FIGURES):
        raise HandoutError("assignment/handout.md needs each {{ figure: NAME }} exactly once")
    for kind in ("stub", "check"):
        if sorted(seen.get(kind, [])) != sorted(course.names):
            raise HandoutError(
                f"assignment/handout.md needs one {{{{ {kind}: NAME }}}} per question"
            )


def _notebook(cells: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i:03d}"  # stable ids: the committed template must not churn
        cell["source"] = cell["source"].rstrip("\n")
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def _fill_values(course: Course, line: str, number: int) -> str:
    """Replace the ``{{ value: NAME.FIELD }}`` placeholders of one line of Markdown."""
    try:
        filled = VALUE.sub(lambda m: figures.value(course, m.group(1)), line)
    except figures.ExampleError as exc:
        raise HandoutError(f"assignment/handout.md:{number}: {exc}") from None
    if LEFTOVER.search(filled):
        raise HandoutError(f"assignment/handout.md:{number}: unknown placeholder in {line!r}")
    return filled


def build_module(course: Course, *, solution: bool = False) -> str:
    """The ``.py`` route: forward passes, the checker and the stubs in one module."""
    ref = ReferenceSource(course)
    given = ref.given()
    names = course.names
    _, python = project_requirements(course.root)
    header = (
        '"""Homework: backpropagation for CNNs, the plain-Python route.\n\n'
        f"The theory is in {NOTEBOOK}.  Implement the {_count(len(course.names))} functions "
        "marked YOUR CODE HERE.\n\n"
        f"Setup: Python {python_versions(python)}, and in a terminal:\n\n"
        f"    {install_line(course.root, KERNEL_ONLY)}\n\n"
        f"Then, in this folder: `python {MODULE}` runs the finite-difference self-checks\n"
        "(one summary line per function; the exit code is 1 if one fails), and\n"
        f"`otter check {MODULE}` runs the public tests (in `tests/`).  Submit this file on\n"
        'Gradescope.\n"""\n\n'
        "from __future__ import annotations\n\n"
    )
    checker = gradcheck_source(course.root)
    imports = [ln for ln in checker.splitlines() if ln.startswith(("import ", "from "))]
    body = "\n".join(ln for ln in checker.splitlines() if ln not in imports)
    parts = [
        header + "\n".join(dict.fromkeys(["import numpy as np", *imports])),
        "# ---- Given: the forward passes (do not change them) ----\n\n" + ref.forward_cell(),
        "# ---- Given: the finite-difference gradient checker ----\n" + body.strip(),
        "# ---- Your answers ----\n\n"
        + "\n\n\n".join(ref.solution(q, given) if solution else ref.stub(q) for q in names),
        'if __name__ == "__main__":  # not when the autograder loads this file\n'
        "    import sys\n\n"
        "    sys.exit(self_check({" + ", ".join(f'"{q}": {q}' for q in names) + "}))\n",
    ]
    return "\n\n\n".join(p.rstrip() for p in parts) + "\n"


def public_tests(course: Course) -> dict[str, str]:
    """The public test files as students get them: ``tests/<question>.py``."""
    return {
        f"{q}.py": render_public(course, q, course.suite_files(q)[0].read_text(encoding="utf-8"))
        for q in course.names
    }


def write_student_folder(course: Course, out: Path) -> list[Path]:
    """Write the student handout into ``out``: notebook, .py stub and public tests."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "tests").mkdir(exist_ok=True)
    written = [out / NOTEBOOK, out / MODULE]
    nbformat.write(build_notebook(course), out / NOTEBOOK)
    (out / MODULE).write_text(build_module(course), encoding="utf-8")
    for filename, text in public_tests(course).items():
        (out / "tests" / filename).write_text(text, encoding="utf-8")
        written.append(out / "tests" / filename)
    return written


def _count(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    return words[n] if n < len(words) else str(n)
