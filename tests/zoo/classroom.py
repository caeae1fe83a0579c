"""A synthetic class made from the zoo, as students would hand it in.

Students fill in the handout's ``.py`` (``student_template/cnn_backprop_hw.py``: the given
forward passes, the finite-difference checker, the three stubs), so every submission here is
that file with its stubs replaced by one set of functions: a correct style of ``correct/``,
a catalogued mistake (``mistakes.py``), a way of not deriving the gradient
(``not_derived/``), or a disguised copy of another student's.

``write_class`` writes one such class to a folder and returns what was planted in it, so a
test can check that the class report finds exactly that.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from .mistakes import CORRECT_DIR, MISTAKES, Mistake

ZOO = Path(__file__).resolve().parent
TEMPLATE = ZOO.parents[1] / "student_template" / "cnn_backprop_hw.py"
NOT_DERIVED_DIR = ZOO / "not_derived"
ANSWERS = "# ---- Your answers ----"
STYLES = sorted(p.stem for p in CORRECT_DIR.glob("*.py"))
NOT_DERIVED = sorted(p.stem for p in NOT_DERIVED_DIR.glob("*.py"))


def in_template(functions: str) -> str:
    """The handout's ``.py`` with its three stubs replaced by ``functions`` (a module's text)."""
    text = TEMPLATE.read_text(encoding="utf-8")
    head, sep, tail = text.partition(ANSWERS)
    assert sep, f"{TEMPLATE} has no {ANSWERS!r} line"
    main = tail[tail.index('if __name__ == "__main__":') :]
    return f"{head}{ANSWERS}\n\n{functions.strip()}\n\n\n{main}"


def style(name: str) -> str:
    """A correct style's functions (``correct/NAME.py``)."""
    return (CORRECT_DIR / f"{name}.py").read_text(encoding="utf-8")


def not_derived(name: str) -> str:
    """Functions that read the gradients off a forward pass (``not_derived/NAME.py``)."""
    return (NOT_DERIVED_DIR / f"{name}.py").read_text(encoding="utf-8")


def with_mistake(mistake: Mistake, base: str = "loops") -> str:
    """A correct style's functions with one of them replaced by the mistake's."""
    return f"{style(base).rstrip()}\n\n\n{mistake.source}"


def disguise(source: str, renames: dict[str, str], comment: str = "# see my notes") -> str:
    """A copy as a student hides it: names changed, comments reworded, functions reordered.

    The functions come back in reverse order; every comment becomes ``comment``; each name of
    ``renames`` is replaced as a whole word.
    """
    for old, new in renames.items():
        source = re.sub(rf"\b{re.escape(old)}\b", new, source)
    source = re.sub(r"#[^\n]*", comment, source)
    tree = ast.parse(source)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    start = functions[0].lineno - 1 - len(functions[0].decorator_list)
    lines = source.splitlines()
    blocks = ["\n".join(lines[f.lineno - 1 : f.end_lineno]) for f in functions]
    return "\n".join(lines[:start]) + "\n\n" + "\n\n\n".join(reversed(blocks)) + "\n"


@dataclass
class Planted:
    """What a synthetic class holds, by submission key (the file's stem)."""

    styles: dict[str, str] = field(default_factory=dict)  # key -> correct style
    copies: list[tuple[str, str]] = field(default_factory=list)  # (original, copy)
    mistakes: dict[str, Mistake] = field(default_factory=dict)  # key -> its mistake
    not_derived: dict[str, str] = field(default_factory=dict)  # key -> not_derived/ name

    def all_keys(self) -> set[str]:
        return {*self.styles, *self.mistakes, *self.not_derived, *(c for _, c in self.copies)}


COPY_RENAMES = {
    "windows_einsum": {"windows": "views", "xpad": "padded", "span": "reach", "full": "corr"},
    "fft": {"spectrum": "freq", "xpad": "xp", "size": "n_fft", "spaced": "ups", "corr": "cc"},
    "loops": {"dw": "grad_w", "xpad": "xp", "dxpad": "gx", "best": "arg", "batch": "nb"},
}


def write_class(folder: Path, mistakes: list[tuple[Mistake, int]] | None = None) -> Planted:
    """Write a class into ``folder``: each correct style, three disguised copies of styles,
    planted mistakes (on the loops style, as the catalogue writes them; several students per
    mistake) and every way of not deriving.

    Parameters
    ----------
    folder : Path
        Where the ``.py`` files go (created).
    mistakes : list of (Mistake, int), optional
        Each mistake and how many students make it (default: four mistakes, 1 to 3 students).
    """
    folder.mkdir(parents=True, exist_ok=True)
    planted = Planted()

    def write(key: str, functions: str) -> None:
        (folder / f"{key}.py").write_text(in_template(functions), encoding="utf-8")

    for name in STYLES:
        write(f"style_{name}", style(name))
        planted.styles[f"style_{name}"] = name
    for name, renames in COPY_RENAMES.items():
        write(f"copy_of_{name}", disguise(style(name), renames))
        planted.copies.append((f"style_{name}", f"copy_of_{name}"))
    if mistakes is None:
        by_name = {m.name: m for m in MISTAKES}
        mistakes = [
            (by_name["conv_input_forgot_flip"], 3),
            (by_name["pool_last_max_wins_ties"], 2),
            (by_name["conv_w_forgot_stride"], 2),
            (by_name["conv_input_overwrites"], 1),
        ]
    for mistake, students in mistakes:
        for i in range(students):
            key = f"mistake_{mistake.name}_{i + 1}"
            write(key, with_mistake(mistake))
            planted.mistakes[key] = mistake
    for name in NOT_DERIVED:
        write(f"not_derived_{name}", not_derived(name))
        planted.not_derived[f"not_derived_{name}"] = name
    return planted
